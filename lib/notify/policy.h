/* Internal: the policy between events and messages, as a pure state
 * machine (like alert.c): grouping (group_wait / group_interval, as
 * Alertmanager's), repeat suppression, a rate limit and quiet hours. It
 * decides *when* a queued message may go; it never drops one, and a
 * life-safety message is always due at once. No I/O, no clock: the
 * caller passes `now`. */
#ifndef JJ_LIB_NOTIFY_POLICY_H
#define JJ_LIB_NOTIFY_POLICY_H

#include <stdint.h>

#define JJ_POLICY_RATE_MAX 64     /* rate_limit: at most 64 per window */
#define JJ_POLICY_REPEAT_SLOTS 256 /* alerts remembered for repeat suppression */

typedef struct jj__policy {
  int64_t group_wait_ms;     /* hold the first message of a group this long */
  int64_t group_interval_ms; /* at least this long between two groups */
  uint32_t group_max;        /* messages per group; 1 = no grouping */
  int64_t repeat_interval_ms;/* REPEAT of one alert at most this often; 0 = all */
  uint32_t rate_n;           /* at most rate_n messages ...  (0 = no limit) */
  int64_t rate_window_ms;    /* ... per this window */
  int quiet_start_min;       /* quiet hours [start, end) in minutes of the day */
  int quiet_end_min;         /* at utc_offset_min; -1 = none */
  int utc_offset_min;
} jj__policy;

typedef struct jj__policy_state {
  int64_t last_group_ms;
  int64_t sent[JJ_POLICY_RATE_MAX]; /* ring of send times */
  uint32_t sent_head, sent_count;
  uint64_t repeat_fp[JJ_POLICY_REPEAT_SLOTS];
  int64_t repeat_ms[JJ_POLICY_REPEAT_SLOTS];
} jj__policy_state;

void jj__policy_init(jj__policy *p);
void jj__policy_state_init(jj__policy_state *st);

/* The earliest time >= now at which a message accepted at accepted_ms may
 * be sent (now itself when it may go at once). */
int64_t jj__policy_due(const jj__policy *p, const jj__policy_state *st, int life_safety,
                       int64_t accepted_ms, int64_t now);
/* jj__policy_due for a group whose last message went at last_group_ms
 * (INT64_MIN: none yet): group_interval counts from that, not from the
 * lane's last message. */
int64_t jj__policy_due_group(const jj__policy *p, const jj__policy_state *st,
                             int64_t last_group_ms, int life_safety, int64_t accepted_ms,
                             int64_t now);
/* A message (group) was sent at now. */
void jj__policy_sent(const jj__policy *p, jj__policy_state *st, int64_t now);
/* An event of kind `kind` ("fired", "repeat", ...) for alert fp arrives at
 * now: 1 when it is a REPEAT inside repeat_interval (suppress it). Records
 * what passes. */
int jj__policy_suppress(const jj__policy *p, jj__policy_state *st, uint64_t fp,
                        const char *kind, int64_t now);
/* "22:00-07:00" into minutes; 0, or -1 when malformed. */
int jj__policy_parse_quiet(const char *text, int *start_min, int *end_min);
/* "+09:00" / "-05:30" / "Z" into minutes east; 0 or -1. */
int jj__policy_parse_offset(const char *text, int *min);
/* "5/1h" into n and window; 0 or -1. */
int jj__policy_parse_rate(const char *text, uint32_t *n, int64_t *window_ms);

#endif
