/* Internal: a notifier lane's pending deliveries, grouped by labels as
 * Alertmanager's `group_by` does (README "Notifiers", grouping).
 *
 * Each delivery joins the group named by the values of the lane's group_by
 * labels (series labels, then rule labels; `alertname` and `rule` are the
 * rule's name, `severity` the event's severity; a missing label counts as
 * ""). Without group_by every delivery is in one group. Life-safety
 * deliveries are never grouped: they wait in a FIFO of their own that the
 * dispatcher serves first. Within a group (and within the life-safety
 * FIFO) the order is the acceptance order. */
#ifndef JJ_LIB_NOTIFY_QUEUE_H
#define JJ_LIB_NOTIFY_QUEUE_H

#include <stdint.h>

#include "notify_internal.h"

#define JJ_GROUP_BY_MAX 16

typedef struct jj__fifo {
  jj__delivery *head, *tail;
  uint32_t n;
} jj__fifo;

void jj__fifo_push(jj__fifo *q, jj__delivery *x);
/* Put x back at the front (a recovered order is kept by the caller). */
jj__delivery *jj__fifo_pop(jj__fifo *q);

typedef struct jj__group {
  struct jj__group *next;
  char *key;             /* the group_by values joined by 0x1F ("" without group_by) */
  jj__fifo q;
  int64_t last_sent_ms;  /* INT64_MIN before the first message */
} jj__group;

typedef struct jj__queue {
  char **by;             /* group_by label names, owned */
  uint32_t nby;
  jj__fifo ls;           /* life-safety deliveries */
  jj__group *groups;
  uint32_t depth;        /* deliveries in ls and every group */
} jj__queue;

/* Parse a group_by list (items separated by newlines or commas) into q.
 * 0; -1 with a reason in err (a bad name, a duplicate, too many), -2 out
 * of memory. */
int jj__queue_group_by(jj__queue *q, const char *list, char *err, size_t errsize);
/* Queue x in its group (or the life-safety FIFO). 0, -1 out of memory. */
int jj__queue_add(jj__queue *q, jj__delivery *x);
/* Drop groups that are empty and whose last message is at least
 * `interval_ms` old (they no longer hold a group_interval back). */
void jj__queue_collect(jj__queue *q, int64_t now, int64_t interval_ms);
/* Free the deliveries, groups and names. */
void jj__queue_free(jj__queue *q);

#endif
