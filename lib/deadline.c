/* The engine's deadline index (see deadline.h): per series id the time its
 * time-driven work is next due, and per block of 64 ids a lower bound of
 * their times. An advance looks only into the blocks whose bound its time
 * reached, marks the ids due in a bitmap and handles them in id order —
 * the order of the full walk, so events come out in the same order.
 *
 * A reading usually moves its series' time later (a sample expires one
 * reading later); the block's bound is not raised then, only when the
 * block is next looked into. So an advance looks at the blocks holding a
 * series that is due or has taken readings since its time came: work the
 * readings already paid for, not a walk over every series. */
#include "deadline.h"

#include <string.h>

#include "engine_internal.h"
#include "window_fast.h"

static int64_t add_sat(int64_t t, int64_t d) { return jj__deadline_add_sat(t, d); }

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

#define BLOCK 64u /* ids per bound and bitmap word (jj__deadline_set) */

static void set_due(jj_engine *e, uint32_t sid, int64_t due) { jj__deadline_set(&e->dl, sid, due); }

/* ---- storage ---------------------------------------------------------------- */

/* The next capacity of the per-series array: half again (8 at first, so
 * small engines stay small). Growing by half leaves a quarter of the
 * entries unused on average, where doubling left half. 0 past
 * UINT32_MAX. */
static uint32_t next_cap(uint32_t cap) {
  if (!cap) return 8;
  return cap > UINT32_MAX / 3 * 2 ? 0 : cap + cap / 2;
}

jj_status jj__deadline_reserve(jj_engine *e, uint32_t n) {
  jj_deadlines *dl = &e->dl;
  if (n <= dl->cap) return JJ_OK;
  uint32_t cap = dl->cap;
  while (cap < n)
    if (!(cap = next_cap(cap))) return JJ_ENOMEM;
  uint32_t *due = jj__realloc(&e->alc, dl->due, dl->cap * sizeof *due, cap * sizeof *due);
  if (!due) return JJ_ENOMEM;
  dl->due = due;
  /* one bound and one bitmap word per block (BLOCK == 64) */
  const uint32_t blocks_old = (dl->cap + BLOCK - 1) / BLOCK, blocks = (cap + BLOCK - 1) / BLOCK;
  if (blocks != blocks_old) { /* (jj__deadline_footprint counts the same blocks) */
    int64_t *bmin =
        jj__realloc(&e->alc, dl->block_min, blocks_old * sizeof *bmin, blocks * sizeof *bmin);
    if (!bmin) return JJ_ENOMEM;
    dl->block_min = bmin;
    uint64_t *bits =
        jj__realloc(&e->alc, dl->bits, blocks_old * sizeof *bits, blocks * sizeof *bits);
    if (!bits) return JJ_ENOMEM;
    dl->bits = bits;
    for (uint32_t b = blocks_old; b < blocks; b++) {
      bmin[b] = INT64_MAX;
      bits[b] = 0;
    }
  }
  for (uint32_t i = dl->cap; i < cap; i++) due[i] = JJ__DUE_NEVER;
  dl->cap = cap;
  return JJ_OK;
}

void jj__deadline_footprint(uint32_t created, void (*add)(void *ctx, size_t n), void *ctx) {
  /* jj__deadline_reserve(e, created + 1) with the arrays grown one series
   * at a time from 0: it allocates only when created + 1 is one past a
   * capacity of the growth sequence (O(log n) steps, not a replay). */
  const uint32_t n = created + 1;
  uint32_t old = 0, cap = 0;
  while (cap < n) {
    old = cap;
    if (!(cap = next_cap(cap))) return; /* reserve fails: nothing allocated */
  }
  if (n != old + 1) return; /* still room from an earlier growth */
  add(ctx, (size_t)cap * sizeof(uint32_t)); /* due */
  if ((cap + BLOCK - 1) / BLOCK != (old + BLOCK - 1) / BLOCK) {
    add(ctx, (size_t)((cap + BLOCK - 1) / BLOCK) * sizeof(int64_t));
    add(ctx, (size_t)((cap + BLOCK - 1) / BLOCK) * sizeof(uint64_t));
  }
}

void jj__deadline_free(jj_engine *e) {
  jj__free(&e->alc, e->dl.bits);
  jj__free(&e->alc, e->dl.due);
  jj__free(&e->alc, e->dl.block_min);
  jj__group_due_free(&e->alc, &e->dl.groups);
}

/* ---- what is due when --------------------------------------------------------- */

/* Repeats and the end of flapping (jj__alert_tick) of the series' own
 * alerts: fixed until one of them changes. */
int64_t jj__deadline_alerts_due(const jj_series *s) {
  int64_t due = INT64_MAX;
  for (uint32_t i = 0; i < s->ninst; i++) {
    const jj_inst *in = &jj__series_inst(s)[i];
    const jj_rule *r = in->rule;
    if (r->cfg.group != JJ_GROUP_NONE) continue;
    const jj_alert *a = &in->alert;
    if (a->flapping)
      due = min64(due, add_sat(jj__alert_last_transition(a), r->cfg.flap_window_ms));
    else if (a->level > 0 && r->cfg.repeat_interval_ms > 0)
      due = min64(due, add_sat(jj__alert_last_notify(a), r->cfg.repeat_interval_ms));
  }
  return due;
}

/* Going idle, and the windows' own deadlines (sliding and TUMBLING). */
static int64_t series_due(const jj_engine *e, const jj_series *s) {
  int64_t due = INT64_MAX;
  if (e->cfg.series_idle_ms > 0) due = add_sat(s->last_ts, e->cfg.series_idle_ms);
  return min64(due, jj__series_windows_due(s));
}

void jj__deadline_rec_init(jj_due_rec *r, const jj_series *s) {
  int64_t least = INT64_MAX;
  for (uint32_t i = 0; i < s->ninst; i++) {
    int64_t after = jj__series_inst(s)[i].rule->cfg.stale_after_ms;
    if (after > 0) least = min64(least, after);
  }
  r->stale_min = least == INT64_MAX ? JJ__STALE_NONE
                 : least >= (int64_t)JJ__STALE_FAR ? JJ__STALE_FAR
                                                    : (uint32_t)least;
  r->alerts_due = jj__deadline_alerts_due(s) != INT64_MAX;
}

void jj__deadline_created(jj_engine *e, uint32_t sid, jj_series *s, int busy) {
  jj_due_rec *r = &s->dr;
  r->synced = e->dl.epoch; /* the full walk has not advanced it yet either */
  jj__deadline_rec_init(r, s);
  r->owed = 0;
  r->owed_slots = 0;
  /* Before the engine knows a time, the first advance starts its clocks. */
  if (s->last_ts == INT64_MIN || busy) {
    set_due(e, sid, INT64_MIN);
    return;
  }
  set_due(e, sid, min64(add_sat(s->last_ts, jj__deadline_stale_min(r, s)), series_due(e, s)));
}

void jj__deadline_forgotten(jj_engine *e, uint32_t sid) {
  e->dl.due[sid] = JJ__DUE_NEVER; /* the block's bound is raised when next looked into */
  e->dl.bits[sid / 64] &= ~((uint64_t)1 << (sid % 64));
}

void jj__deadline_sync(jj_engine *e, jj_series *s) {
  for (uint32_t j = 0; j < s->nslots; j++) jj_window_advance(jj__slot_win(s, &s->slots[j]), e->dl.swept);
  s->dr.synced = e->dl.epoch;
}

void jj__deadline_processed(jj_engine *e, uint32_t sid, jj_series *s, int busy) {
  jj_due_rec *r = &s->dr;
  r->synced = e->dl.epoch; /* every window was advanced to e->now */
  r->owed = 0;            /* and every sliding slot re-checked */
  r->owed_slots = 0;
  int64_t due = jj__deadline_alerts_due(s);
  r->alerts_due = due != INT64_MAX;
  if (busy) {
    set_due(e, sid, INT64_MIN);
    return;
  }
  for (uint32_t i = 0; i < s->ninst; i++) {
    const jj_inst *in = &jj__series_inst(s)[i];
    int64_t after = in->rule->cfg.stale_after_ms;
    if (after > 0 && !jj__inst_stale(in)) due = min64(due, add_sat(s->last_ts, after));
  }
  set_due(e, sid, min64(due, series_due(e, s)));
}

/* ---- an advance ----------------------------------------------------------------- */

/* Times count from `now` from here on: each series' time again from the
 * new base (one too far ahead stays a lower bound of its own), once in
 * JJ__DUE_REBASE of engine time (or at a jump that long). */
static void rebase(jj_engine *e, int64_t now) {
  jj_deadlines *dl = &e->dl;
  const int64_t old = dl->base;
  dl->base = now;
  for (uint32_t sid = 0; sid < e->nseries; sid++) {
    const uint32_t d = dl->due[sid];
    if (d != JJ__DUE_NEVER) dl->due[sid] = jj__due_encode(dl, add_sat(old, d));
  }
}

void jj__deadline_collect(jj_engine *e) {
  jj_deadlines *dl = &e->dl;
  const int64_t now = e->now;
  dl->swept = now;
  dl->epoch++;
  /* base <= now: base is the first time the engine learnt or an earlier
   * advance's, and engine time never goes back. */
  if ((uint64_t)now - (uint64_t)dl->base > (uint64_t)JJ__DUE_REBASE) rebase(e, now);
  const uint32_t rel = (uint32_t)(now - dl->base); /* < JJ__DUE_FAR: due <= rel is due */
  const uint32_t blocks = (e->nseries + BLOCK - 1) / BLOCK;
  for (uint32_t b = 0; b < blocks; b++) {
    if (dl->block_min[b] > now && !dl->walk_all) continue;
    /* Mark the due ones; the bound becomes that of the others (each one
     * handled lowers it again with its new time, set_due). */
    uint32_t rest = JJ__DUE_NEVER;
    uint64_t word = 0;
    const uint32_t first = b * BLOCK;
    for (uint32_t k = 0; k < BLOCK && first + k < e->nseries; k++) {
      const uint32_t d = dl->due[first + k];
      if (d <= rel || (dl->walk_all && e->series[first + k]))
        word |= (uint64_t)1 << k;
      else if (d < rest)
        rest = d;
    }
    dl->block_min[b] = rest == JJ__DUE_NEVER ? INT64_MAX : add_sat(dl->base, rest);
    dl->bits[first / 64] |= word; /* BLOCK == 64: one word per block */
  }
}

void jj__deadline_rebuild(jj_engine *e) {
  jj_deadlines *dl = &e->dl;
  for (uint32_t b = 0; b < (dl->cap + BLOCK - 1) / BLOCK; b++) {
    dl->block_min[b] = INT64_MAX;
    dl->bits[b] = 0;
  }
  if (e->has_now) dl->base = e->now; /* the restored time (else the first one learnt) */
  for (uint32_t sid = 0; sid < e->nseries; sid++) {
    dl->due[sid] = JJ__DUE_NEVER;
    jj_series *s = e->series[sid];
    if (!s) continue;
    jj_due_rec *r = &s->dr;
    r->synced = dl->epoch; /* windows as saved (caught up) */
    r->owed = 0;
    r->owed_slots = 0;
    jj__deadline_rec_init(r, s);
    set_due(e, sid, INT64_MIN);
  }
  jj__group_due_rebuild(e);
}

void jj__engine_walk_all(jj_engine *e, int on) { e->dl.walk_all = (uint8_t)(on != 0); }

uint64_t jj__engine_advance_visits(const jj_engine *e) { return e->dl.visits; }

uint64_t jj__engine_group_visits(const jj_engine *e) { return e->dl.groups.visits; }
