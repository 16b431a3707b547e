/* Internal: one alert's life cycle — levels with hysteresis, persistence
 * on both edges, missing data, flapping and repeats. Pure state machine:
 * it is told values and times and answers with transitions; the engine
 * turns those into events. */
#ifndef JJ_LIB_ALERT_H
#define JJ_LIB_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "jjair/event.h"
#include "ruleset.h"

#define JJ_FLAP_SLOTS 16

/* Hot fields first: a sample that changes nothing reads only the first
 * cache line (level, streak flag, streaks).
 *
 * streak[k] / since[k] (k 0-based) count consecutive fresh evaluations of
 * level k+1's ISSUE condition for levels above the current one, and of its
 * CLEAR condition for the current level and those below it (needed to drop
 * through them with their own persistence). A level never needs both at
 * once; a transition zeroes the slots that change meaning. */
typedef struct jj_alert {
  int8_t level;    /* 0 = inactive, else 1-based level */
  int8_t pending;  /* highest level whose issue condition holds, not yet persistent */
  uint8_t streaking : 1; /* some issue streak is non-zero */
  uint8_t flapping : 1;
  uint8_t stale : 1;
  uint8_t nodata : 1;
  uint8_t cold : 1; /* it has a jj_alert_cold (jj__alert_cold) */
  /* It keeps the last JJ_FLAP_SLOTS transition times, a ring, in its
   * store before the cold part (jj__alert_flap): rules that detect
   * flapping. Alerts without it are 128 bytes smaller. */
  uint8_t has_flap : 1;
  uint8_t flap_n, flap_head;
  uint8_t nlevels; /* entries in streak and since: the rule's levels (<= JJ_MAX_LEVELS) */
  /* A one-level rule's streak count, here in bytes the alert had spare
   * (its store then holds `since` alone: 8 bytes, not 16). */
  uint16_t streak_one;
  /* One entry per level of the rule, storage given at init (by the series
   * or group that owns the alert, in the same block), so a one-level
   * rule's alert does not carry eight levels' worth (80 bytes): `since`,
   * the time of the first evaluation of each streak, then the streaks
   * (jj__alert_since, jj__alert_streak; one level's is streak_one). Found `store_off` bytes from the
   * alert (before or after it): 4 bytes where a pointer took 8. */
  int32_t store_off;
  /* Four bytes the alert's owner keeps its own in (a series' instance:
   * its slot and flags, series.h); the alert never reads or writes them
   * after jj__alert_init zeroes them. */
  uint32_t host;
  double value;
  int64_t started;         /* start of the firing episode */
  int64_t level_since;     /* last change of `level` (INT64_MIN: never changed) */
  /* The last transition's time is not kept: every transition changes the
   * level, so it is level_since (jj__alert_last_transition). Nor are, for
   * most rules, the start of the no-data episode and the time of the last
   * event a receiver saw: see jj_alert_cold. */
} jj_alert;

/* What only the alerts of some rules need (jj__alert_needs_cold), kept in
 * the alert's store before its per-level streaks (jj__alert_cold): 40
 * bytes an alert, not 56. Without it, no no-data episode ever starts and
 * the last event a receiver saw is the last transition (nothing is muted
 * without flap detection, and nothing but a repeat or the end of flapping
 * notifies between transitions). */
typedef struct jj_alert_cold {
  int64_t nodata_since; /* start of the no-data episode (JJ_MISSING_ALERT) */
  int64_t last_notify;  /* last event a receiver saw for this alert */
} jj_alert_cold;

/* An alert of rule r keeps a jj_alert_cold: it reports no-data episodes,
 * repeats, or detects flapping (muted transitions notify no one). */
static inline int jj__alert_needs_cold(const jj_rule *r) {
  return r->cfg.on_missing == JJ_MISSING_ALERT || r->cfg.repeat_interval_ms > 0 ||
         r->cfg.flap_changes > 0;
}

/* The time of the alert's last transition (0 before any, as when it was
 * a field of its own): every transition changes `level`, and so sets
 * level_since to its time. */
static inline int64_t jj__alert_last_transition(const jj_alert *a) {
  return a->level_since == INT64_MIN ? 0 : a->level_since;
}

/* Bytes of per-level storage (since, streaks) of an alert of `nlevels`
 * levels (a multiple of 8). */
static inline size_t jj__alert_levels_bytes(uint32_t nlevels) {
  if (nlevels == 1) return sizeof(int64_t); /* its streak is streak_one */
  return (size_t)nlevels * sizeof(int64_t) + (((size_t)nlevels * sizeof(uint16_t) + 7u) & ~(size_t)7u);
}

/* The alert's per-level streak start times (nlevels of them). */
static inline int64_t *jj__alert_since(const jj_alert *a) {
  /* Through an integer, as jj__alert_flap. */
  // NOLINTNEXTLINE(performance-no-int-to-ptr)
  return (int64_t *)(uintptr_t)((uintptr_t)a + (uintptr_t)(intptr_t)a->store_off);
}

/* Where the alert's store starts (jj__alert_init's `store`): its flap
 * history, its cold part, then its per-level storage, each only when the
 * alert has it. */
static inline char *jj__alert_store(const jj_alert *a) {
  return (char *)jj__alert_since(a) - (a->cold ? sizeof(jj_alert_cold) : 0) -
         (a->has_flap ? JJ_FLAP_SLOTS * sizeof(int64_t) : 0);
}

/* The alert's flap history (JJ_FLAP_SLOTS times), or NULL when it keeps
 * none: the start of its store. Alerts never move once initialised. */
static inline int64_t *jj__alert_flap(const jj_alert *a) {
  return a->has_flap ? (int64_t *)(void *)jj__alert_store(a) : NULL;
}

typedef struct jj_transition {
  jj_event_kind kind;
  int level;
  int prev_level;
  jj_event_reason reason;
} jj_transition;

/* Results of the calls below: how many transitions were written (0 or 1),
 * and whether one was muted by flapping (*muted += 1). */
/* `store`: jj__alert_store_bytes(r, flap) bytes, 8-aligned, for the flap
 * history when `flap` (a rule with flap_changes > 0 whose alert is
 * judged), the jj_alert_cold (jj__alert_needs_cold) and the per-level
 * streaks of rule r, in that order, in the alert's block (within 2 GiB
 * of it, either side). */
void jj__alert_init(jj_alert *a, void *store, const jj_rule *r, int flap);

/* The alert's streak counts, one per level, after `since` in its store:
 * they saturate at UINT16_MAX (counts are <= 65535). */
static inline uint16_t *jj__alert_streak(const jj_alert *a) {
  /* Through an integer, as jj__alert_flap: the alert is writable, only
   * this view of it is const. */
  // NOLINTNEXTLINE(performance-no-int-to-ptr)
  if (a->nlevels == 1) return (uint16_t *)(uintptr_t)&a->streak_one;
  return (uint16_t *)(void *)(jj__alert_since(a) + a->nlevels);
}

/* Bytes of storage an alert of rule r needs (a multiple of 8): its flap
 * history when `flap`, its jj_alert_cold when jj__alert_needs_cold, then
 * its per-level streaks. */
size_t jj__alert_store_bytes(const jj_rule *r, int flap);

/* The alert's jj_alert_cold, or NULL (its rule needs none): the first 16
 * bytes of its store, just before its per-level streaks. */
static inline jj_alert_cold *jj__alert_cold(const jj_alert *a) {
  return a->cold ? (jj_alert_cold *)(void *)jj__alert_since(a) - 1 : NULL;
}
/* The start of the alert's no-data episode (0 before any). */
int64_t jj__alert_nodata_since(const jj_alert *a);
/* The time of the last event a receiver saw for the alert (0 before any):
 * without a jj_alert_cold, its last transition's. */
int64_t jj__alert_last_notify(const jj_alert *a);

/* Judge a new value. `valid` = 0 means the window is missing or incomplete:
 * streaks break and nothing fires or clears. `fresh` = 1 for a new
 * evaluation (a sample or a closed window), which counts towards
 * for_count/clear_for_count; 0 for a time-driven re-check, which only lets
 * duration persistence (for_ms, keep_firing_for_ms) complete. */
int jj__alert_eval(jj_alert *a, const jj_rule *r, double value, int valid, int fresh,
                   int64_t now, jj_transition *out, uint64_t *muted);

/* 1 when the alert is at rest: inactive, no streak building. */
static inline int jj__alert_at_rest(const jj_alert *a) { return a->level == 0 && !a->streaking; }

/* 1 when a valid value changes nothing: at rest, and the least severe
 * level's issue condition fails (levels are ordered, so no other level's
 * can hold). The one answer to "is this alert quiet": jj__alert_eval's
 * fast path, and callers that skip jj__alert_eval, ask it. */
static inline int jj__alert_quiet(const jj_alert *a, const jj_rule *r, double value) {
  return jj__alert_at_rest(a) &&
         !jj__cmp_holds(r->levels[0].issue_op, value, r->levels[0].issue_value);
}

/* Time passes: repeats and the end of flapping. */
int jj__alert_tick(jj_alert *a, const jj_rule *r, int64_t now, jj_transition *out);

/* The data went missing / came back, per the rule's on_missing. */
int jj__alert_stale(jj_alert *a, const jj_rule *r, int64_t now, jj_transition *out,
                    uint64_t *muted);
int jj__alert_unstale(jj_alert *a, int64_t now, jj_transition *out);

/* The alert's series (or group) is forgotten: end its open episodes. Up
 * to two transitions, in this order: NODATA_RESOLVED (a no-data episode
 * was open) and RESOLVED (it was firing), both with JJ_REASON_FORGOTTEN
 * and never muted. Returns how many. */
int jj__alert_forget(jj_alert *a, int64_t now, jj_transition out[2]);

#endif
