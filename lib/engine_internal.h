/* Internal: the engine's state, shared by engine.c (samples, time, life
 * cycle), group.c (the group table) and event_queue.c (the queue). */
#ifndef JJ_LIB_ENGINE_INTERNAL_H
#define JJ_LIB_ENGINE_INTERNAL_H

#include <stdint.h>

#include "alert.h"
#include "alloc.h"
#include "deadline.h"
#include "group.h"
#include "index.h"
#include "jjair/engine.h"
#include "ruleset.h"
#include "series.h"
#include "series_loc.h"

/* The series or the group (one of the two) whose labels a queued event
 * points at: it holds a reference (`queued`) until the event is polled. */
typedef struct jj_event_owner {
  jj_series *series;
  jj_group *group;
} jj_event_owner;

struct jj_engine {
  jj_counting_alloc counting;
  jj_allocator alc; /* counts into `counting` */
  jj_engine_config cfg;
  jj_ruleset *rs;

  jj_series **series;
  uint32_t nseries, series_cap;
  jj_index series_index;
  jj_deadlines dl; /* which series an advance must look at (deadline.c) */
  jj_shape_cache shapes; /* the window settings the series share */
  jj_loc_table locs; /* the positions of located series (series_loc.h) */

  jj_group **groups;
  uint32_t ngroups, groups_cap;
  jj_index group_index;
  uint32_t *groups_per_rule;

  int has_now;
  int64_t now;   /* engine time: max of accepted samples and advance() */
  int has_clock;
  int64_t clock; /* the caller's clock: max of advance() values only */

  jj_event *queue; /* NULL with JJ_ENGINE_NO_QUEUE */
  jj_event_owner *queue_owner; /* parallel to queue: whose labels each event shows */
  uint32_t queue_first, queue_len;
  uint32_t *queue_scratch; /* a full queue's hash table (event_queue.c), queue_scratch_cap */
  uint32_t queue_scratch_cap;
  /* Series keep no jj_label arrays (series.h): an event of a series gets
   * its labels filled in here, cfg.max_labels entries for the event being
   * delivered (or visited), and as many for the polled one (with a queue):
   * jj__engine_label_bytes. */
  jj_label *labels_delivered, *labels_polled;
  jj_event polled; /* the event jj_engine_poll handed out last ... */
  jj_event_owner polled_owner; /* ... and the reference it holds */
  uint64_t seq;
  uint8_t busy; /* a callback (on_event, a foreach visitor) runs: calls back in get JJ_ESTATE */

  /* The series id after the last single push (jj_engine_push...): pushes
   * that go through the series in id order ask for later series' lines
   * ahead (push_one), as a batch does. */
  uint32_t push_next;

  jj_engine_stats st;
  /* Rulesets and strings replaced by a reload or restore that queued or
   * polled events may still name (retired.h). */
  struct jj_retired *retired;
};

/* ---- events (event_queue.c) ---- */
/* Build and deliver the event for a transition of a series' own alert
 * (`in`, an instance of `s`) or of a group's alert. The rule, its index
 * and the alert come from the instance or the group. */
void jj__emit_inst(jj_engine *e, jj_series *s, jj_inst *in, const jj_transition *t,
                   int64_t sample_ts, double sample_value);
void jj__emit_group(jj_engine *e, jj_group *g, const jj_transition *t, int64_t sample_ts,
                    double sample_value);
/* The event (kind JJ_EVENT_ACTIVE, seq 0) describing an active alert as it
 * stands, for jj_engine_foreach_alert; nothing is delivered or counted. */
void jj__event_active_inst(jj_engine *e, jj_series *s, jj_inst *in, jj_event *out);
void jj__event_active_group(jj_engine *e, jj_group *g, jj_event *out);
/* ---- the poll queue (event_poll.c; event_poll_none.c without it) ---- */
/* Queue a delivered event of s or g (e->queue is not NULL), making room
 * when full. */
void jj__queue_push(jj_engine *e, const jj_event *ev, jj_series *s, jj_group *g);
/* Take the oldest queued event and the reference it holds: 1, or 0 when
 * the queue is empty. The caller lets the reference go. */
int jj__queue_take(jj_engine *e, jj_event *out, jj_event_owner *owner);
/* Let go of a queued event's reference; a forgotten series or group goes
 * with its last one. */
void jj__owner_release(jj_engine *e, jj_event_owner *o);
/* Deliver an event built elsewhere (snapshot.c: a dropped rule's end of
 * episode); `s` (may be NULL) is the series whose labels it shows. */
void jj__emit_built(jj_engine *e, jj_event *ev, jj_series *s);
/* Entries of the table a full queue of `cap` events needs (a power of
 * two, at least twice cap). */
uint32_t jj__queue_scratch_cap(uint32_t cap);

/* The bytes jj_engine_new allocates for labels_delivered and
 * labels_polled (jj_engine_estimate counts them too). */
static inline size_t jj__engine_label_bytes(const jj_engine_config *c, int no_queue) {
  return (size_t)c->max_labels * (no_queue ? 1u : 2u) * sizeof(jj_label);
}

/* 1 when engine caps a and b (max_samples_per_window, 0 = each rule's
 * own) give every window of rs the same storage cap (engine_rules.c). */
int jj__caps_agree(const jj_ruleset *rs, uint32_t a, uint32_t b);

#endif
