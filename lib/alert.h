/* Internal: one alert's life cycle — levels with hysteresis, persistence
 * on both edges, missing data, flapping and repeats. Pure state machine:
 * it is told values and times and answers with transitions; the engine
 * turns those into events. */
#ifndef JJ_LIB_ALERT_H
#define JJ_LIB_ALERT_H

#include <stdint.h>

#include "jjair/event.h"
#include "ruleset.h"

#define JJ_FLAP_SLOTS 16

typedef struct jj_alert {
  int8_t level;    /* 0 = inactive, else 1-based level */
  int8_t pending;  /* highest level whose issue condition holds, not yet persistent */
  uint8_t flapping;
  uint8_t stale;
  uint8_t nodata;
  uint8_t flap_n, flap_head;
  uint32_t issue_streak[JJ_MAX_LEVELS];
  int64_t issue_since[JJ_MAX_LEVELS];
  uint32_t clear_streak;
  int64_t clear_since;
  int64_t started;         /* start of the firing (or no-data) episode */
  int64_t last_notify;     /* last event a receiver saw for this alert */
  int64_t last_transition;
  double value;
  int64_t flap_times[JJ_FLAP_SLOTS];
} jj_alert;

typedef struct jj_transition {
  jj_event_kind kind;
  int level;
  int prev_level;
  jj_event_reason reason;
} jj_transition;

/* Results of the calls below: how many transitions were written (0 or 1),
 * and whether one was muted by flapping (*muted += 1). */
void jj__alert_init(jj_alert *a);

/* Judge a new value. `valid` = 0 means the window is missing or incomplete:
 * streaks break and nothing fires or clears. `fresh` = 1 for a new
 * evaluation (a sample or a closed window), which counts towards
 * for_count/clear_for_count; 0 for a time-driven re-check, which only lets
 * duration persistence (for_ms, keep_firing_for_ms) complete. */
int jj__alert_eval(jj_alert *a, const jj_rule *r, double value, int valid, int fresh,
                   int64_t now, jj_transition *out, uint64_t *muted);

/* Time passes: repeats and the end of flapping. */
int jj__alert_tick(jj_alert *a, const jj_rule *r, int64_t now, jj_transition *out);

/* The data went missing / came back, per the rule's on_missing. */
int jj__alert_stale(jj_alert *a, const jj_rule *r, int64_t now, jj_transition *out,
                    uint64_t *muted);
int jj__alert_unstale(jj_alert *a, int64_t now, jj_transition *out);

#endif
