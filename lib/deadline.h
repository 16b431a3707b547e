/* Internal: the engine's deadline index — which series jj_engine_advance
 * must look at. Walking every series on every advance made an advance cost
 * O(series); the index makes it cost O(series whose time-driven work is
 * due). A series is due at the earliest time an advance could change
 * anything for it: a window sample expiring or a TUMBLING window closing,
 * an instance going stale, the series going idle, a repeat or the end of
 * flapping, or "at the next advance" while a sliding slot's re-check is
 * not yet idempotent (an alert building up or firing, a k-of-n member
 * agreeing, a slot a sample left unjudged). Series not due are exactly the
 * ones the full walk would pass without a change.
 *
 * Two things the full walk did for every series are done late for the
 * ones passed over, before anything reads or feeds them, so the engine
 * answers as if every advance had reached every series:
 *  - windows are advanced to the last advance's time (jj__deadline_sync);
 *  - a sliding slot a reading judged (not passed over as quiet) owes the
 *    advance's re-check, which only gives its alerts at rest the slot's
 *    value (anything more makes the series due): done at the next
 *    reading, forget or listing (settle_owed in engine.c).
 *
 * The index is derived state: a snapshot need not save it. Call
 * jj__engine_catch_up before saving the series, and jj__deadline_rebuild
 * after restoring them. */
#ifndef JJ_LIB_DEADLINE_H
#define JJ_LIB_DEADLINE_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "group_deadline.h"
#include "jjair/status.h"
#include "series.h"
#include "window_fast.h"

typedef struct jj_engine jj_engine;

/* jj_due_rec, what the index keeps per series, is in the series header
 * (due_rec.h). */

/* The epoch (jj_deadlines.epoch) never passes this: before the advance
 * that would take it further, the engine brings every series up to date
 * and starts the epochs over at 0 (engine.c, renumber_epochs), so 32 bits
 * count any number of advances and `owed` (epoch + 1) fits. */
#define JJ__EPOCH_LAST (UINT32_MAX - 1u)

/* A series' time in the index (jj_deadlines.due): 32 bits, in ms from
 * the engine's `base`, where 64-bit times took 8 bytes a series. A time
 * at or before base is 0 (due at the next advance: base is never after
 * one), one too far ahead is JJ__DUE_FAR, a lower bound (the series is
 * looked at early, which changes nothing: its time is worked out again);
 * the advance that finds engine time more than JJ__DUE_REBASE past base
 * moves base up to it (deadline.c, rebase). */
#define JJ__DUE_NEVER UINT32_MAX          /* INT64_MAX: not due */
#define JJ__DUE_FAR (UINT32_MAX - 1u)     /* at least base + JJ__DUE_FAR */
#define JJ__DUE_REBASE ((int64_t)1 << 31) /* 24.8 days */

typedef struct jj_deadlines {
  uint32_t *due;      /* cap: process at the first advance to a time >= base + due */
  int64_t base;       /* engine time at the first reading or advance, or the last rebase */
  int64_t *block_min; /* per 64 ids: at most the least due time of ids [64b, 64b + 64) */
  uint64_t *bits;     /* per 64 ids: those due at this advance, walked in id order */
  uint32_t cap;
  int64_t swept;      /* engine time at the last advance */
  uint32_t epoch;     /* advances so far (up to JJ__EPOCH_LAST, then renumbered): a
                       * window that missed one must catch up, even one to the
                       * same time (it may never have had a time) */
  uint64_t visits;    /* series the advances looked at (tests, benchmarks) */
  uint8_t walk_all;   /* debug: every series and group is due at every advance */
  jj_group_deadlines groups; /* which groups an advance re-judges (group_deadline.c) */
} jj_deadlines;

/* Room for series ids below n: JJ_ENOMEM or JJ_OK. Called before a series
 * is created, so later calls cannot fail. */
jj_status jj__deadline_reserve(jj_engine *e, uint32_t n);
void jj__deadline_free(jj_engine *e);
/* The blocks jj__deadline_reserve allocates when series number `created`
 * (0-based) is made, each passed to add (jj_engine_estimate). */
void jj__deadline_footprint(uint32_t created, void (*add)(void *ctx, size_t n), void *ctx);

/* Series `sid` was created (it has missed no advance yet). `busy`: a
 * sliding slot's re-check at the next advance changes something
 * (recheck_pending) even before any reading. */
void jj__deadline_created(jj_engine *e, uint32_t sid, jj_series *s, int busy);
/* Series `sid` is forgotten: no more entries count for it. */
void jj__deadline_forgotten(jj_engine *e, uint32_t sid);

/* The engine learns its first time, `now` (a reading or an advance):
 * deadlines count from it (jj_deadlines.base). */
static inline void jj__deadline_start(jj_deadlines *dl, int64_t now) { dl->base = now; }

/* Bring the series' windows to the last advance's time if they missed it. */
static inline int jj__deadline_behind(const jj_deadlines *dl, const jj_series *s) {
  return s->dr.synced < dl->epoch;
}
void jj__deadline_sync(jj_engine *e, jj_series *s);
/* An advance came since a reading left a sliding slot's re-check owed. */
static inline int jj__deadline_owed(const jj_deadlines *dl, const jj_series *s) {
  return s->dr.owed && dl->epoch >= s->dr.owed;
}
/* The owed re-check was done. */
static inline void jj__deadline_settled(jj_series *s) {
  s->dr.owed = 0;
  s->dr.owed_slots = 0;
}
/* Every live series and group as the full walk would have it (windows
 * caught up, owed re-checks done, group window bounds synced): before a
 * snapshot saves them (engine.c). */
void jj__engine_catch_up(jj_engine *e);

/* Slot j's bit in owed_slots (slots from 31 on share the last bit). */
static inline uint32_t jj__deadline_owed_slot(uint32_t j) { return (uint32_t)1 << (j < 31 ? j : 31); }

static inline int64_t jj__deadline_add_sat(int64_t t, int64_t d) { /* d >= 0 */
  return t > INT64_MAX - d ? INT64_MAX : t + d;
}

#ifndef JJ_NO_DEADLINE_INDEX
/* A time as jj_deadlines.due keeps it (see JJ__DUE_NEVER). */
static inline uint32_t jj__due_encode(const jj_deadlines *dl, int64_t due) {
  /* due - base modulo 2^64: below JJ__DUE_FAR exactly when due is in
   * [base, base + JJ__DUE_FAR), as base, an engine time, is within
   * +-2^62 (JJ_TS_LIMIT): one test on a reading's usual path. */
  const uint64_t d = (uint64_t)due - (uint64_t)dl->base;
  if (d < JJ__DUE_FAR) return (uint32_t)d;
  return due == INT64_MAX ? JJ__DUE_NEVER : due < dl->base ? 0 : JJ__DUE_FAR;
}

/* Series `sid` is due at the first advance to a time >= due. */
static inline void jj__deadline_set(jj_deadlines *dl, uint32_t sid, int64_t due) {
  dl->due[sid] = jj__due_encode(dl, due);
  int64_t *m = &dl->block_min[sid / 64]; /* its block's bound (deadline.c) */
  if (due < *m) *m = due;
}

/* Repeats and the end of flapping of the series' own alerts. */
int64_t jj__deadline_alerts_due(const jj_series *s);

/* jj_due_rec.stale_min's values besides a time in ms: none (no instance
 * goes stale) and "look at the rules" (a least stale_after_ms of 2^31 - 1
 * ms, 24.8 days, or more: rare, so exactness costs a walk only there). */
#define JJ__STALE_NONE 0u
#define JJ__STALE_FAR 0x7fffffffu
/* Set r's stale_min and alerts_due for series s. */
void jj__deadline_rec_init(jj_due_rec *r, const jj_series *s);
/* The least stale_after_ms of the series' instances (INT64_MAX: none). */
static inline int64_t jj__deadline_stale_min(const jj_due_rec *r, const jj_series *s) {
  if (r->stale_min == JJ__STALE_NONE) return INT64_MAX;
  if (r->stale_min != JJ__STALE_FAR) return r->stale_min;
  int64_t least = INT64_MAX;
  for (uint32_t i = 0; i < s->ninst; i++) {
    const int64_t after = jj__series_inst(s)[i].rule->cfg.stale_after_ms;
    if (after > 0 && after < least) least = after;
  }
  return least;
}
#endif

/* A sample was accepted for `sid` (on every push: inline, and the alerts'
 * times only when they may have moved). `busy`: the
 * re-check of a sliding slot at the next advance may change more than
 * values (recheck_pending); `moved`: an alert may have new repeat/flapping
 * times (a transition was delivered or muted); `owed`: the sliding slots
 * (jj__deadline_owed_slot) the reading did not find quiet, whose re-check
 * the next advance owes. `idle_ms`: the engine's series_idle_ms. */
static inline void jj__deadline_pushed(jj_deadlines *dl, int64_t idle_ms, uint32_t sid,
                                       jj_series *s, int busy, int moved, uint32_t owed) {
  jj_due_rec *r = &s->dr;
  if (owed) {
    r->owed = dl->epoch + 1; /* the next advance's re-check */
    r->owed_slots |= owed;
  }
#ifdef JJ_NO_DEADLINE_INDEX
  (void)idle_ms; /* the next advance looks at every series anyway */
  (void)sid;
  (void)busy;
  (void)moved;
#else
  int64_t alert_due = INT64_MAX;
  if (moved || r->alerts_due) {
    alert_due = jj__deadline_alerts_due(s);
    r->alerts_due = alert_due != INT64_MAX;
  }
  if (busy) {
    jj__deadline_set(dl, sid, INT64_MIN);
    return;
  }
  /* A sample makes every instance fresh (mark_fresh): the least
   * stale_after of all of them counts; then going idle, and the windows'
   * own deadlines. */
  int64_t due = jj__deadline_add_sat(s->last_ts, jj__deadline_stale_min(r, s));
  if (alert_due < due) due = alert_due;
  if (idle_ms > 0) {
    int64_t idle = jj__deadline_add_sat(s->last_ts, idle_ms);
    if (idle < due) due = idle;
  }
  const int64_t windows = jj__series_windows_due(s);
  if (windows < due) due = windows;
  jj__deadline_set(dl, sid, due);
#endif
}

/* An advance to e->now: mark the due series (the bitmap). */
void jj__deadline_collect(jj_engine *e);
/* The next due id at or after *from (clearing its bit): 1, or 0 when none.
 * Inline: the index and the walk-everything build (deadline_walk.c) share
 * the bitmap and this scan. */
static inline int jj__deadline_next(jj_deadlines *dl, uint32_t nseries, uint32_t *from) {
  uint32_t i = *from;
  while (i < nseries) {
    uint64_t w = dl->bits[i / 64] >> (i % 64);
    if (w) {
      i += (uint32_t)__builtin_ctzll(w);
      if (i >= nseries) break;
      dl->bits[i / 64] &= ~((uint64_t)1 << (i % 64));
      *from = i;
      return 1;
    }
    i = (i / 64 + 1) * 64;
  }
  return 0;
}
/* Series `sid` was processed by the advance; `busy`: a sliding slot's
 * re-check must run again at the next advance. */
void jj__deadline_processed(jj_engine *e, uint32_t sid, jj_series *s, int busy);

/* Rebuild the index from the series' state (after a restore): every live
 * series and group is due at the next advance, which works out its own
 * deadline (a full walk once, which is what the index saves on later).
 * Windows are taken as they are: sync them before saving. */
void jj__deadline_rebuild(jj_engine *e);

/* Debug and tests: with `on`, every series and every group is due at
 * every advance (the walk the indexes replace), to compare the two. */
void jj__engine_walk_all(jj_engine *e, int on);
/* How many series the advances have looked at so far. */
uint64_t jj__engine_advance_visits(const jj_engine *e);
/* How many groups the advances have re-judged so far. */
uint64_t jj__engine_group_visits(const jj_engine *e);

#endif
