/* The engine's deadline index (see deadline.h): per series id the time its
 * time-driven work is next due, a lazy min-heap to find the ids whose time
 * came, and a bitmap so that an advance handles them in id order — the
 * order of the full walk, so events come out in the same order. */
#include "deadline.h"

#include <string.h>

#include "engine_internal.h"
#include "window_fast.h"

static int64_t add_sat(int64_t t, int64_t d) { /* d >= 0 */
  return t > INT64_MAX - d ? INT64_MAX : t + d;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* ---- the heap ------------------------------------------------------------- */

static void sift_up(jj_due_entry *h, uint32_t i) {
  jj_due_entry x = h[i];
  while (i > 0) {
    uint32_t p = (i - 1) / 2;
    if (h[p].t <= x.t) break;
    h[i] = h[p];
    i = p;
  }
  h[i] = x;
}

static void sift_down(jj_due_entry *h, uint32_t n, uint32_t i) {
  jj_due_entry x = h[i];
  for (;;) {
    uint32_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && h[c + 1].t < h[c].t) c++;
    if (x.t <= h[c].t) break;
    h[i] = h[c];
    i = c;
  }
  h[i] = x;
}

/* Drop the leftovers: one entry per live id that has a deadline. Room is
 * reserved for twice the ids (jj__deadline_reserve), so this runs at most
 * once per `cap` insertions. */
static void compact(jj_engine *e) {
  jj_deadlines *dl = &e->dl;
  uint32_t n = 0;
  for (uint32_t sid = 0; sid < e->nseries; sid++) {
    jj_due_rec *r = &dl->rec[sid];
    r->queued = INT64_MAX;
    if (!e->series[sid] || r->due == INT64_MAX) continue;
    r->queued = r->due;
    dl->heap[n].t = r->due;
    dl->heap[n].sid = sid;
    n++;
  }
  dl->heap_n = n;
  for (uint32_t i = n / 2; i-- > 0;) sift_down(dl->heap, n, i);
}

static void set_due(jj_engine *e, uint32_t sid, int64_t due) {
  jj_deadlines *dl = &e->dl;
  jj_due_rec *r = &dl->rec[sid];
  r->due = due;
  if (due >= r->queued) return; /* the entry there comes first: it finds the new due */
  if (dl->heap_n == dl->heap_cap) compact(e);
  if (due >= r->queued) return;
  dl->heap[dl->heap_n].t = due;
  dl->heap[dl->heap_n].sid = sid;
  sift_up(dl->heap, dl->heap_n++);
  r->queued = due;
}

/* ---- storage ---------------------------------------------------------------- */

jj_status jj__deadline_reserve(jj_engine *e, uint32_t n) {
  jj_deadlines *dl = &e->dl;
  if (n <= dl->cap) return JJ_OK;
  uint32_t cap = dl->cap ? dl->cap : 8;
  while (cap < n) {
    if (cap > UINT32_MAX / 4) return JJ_ENOMEM; /* the heap's 2 * cap + 16 must fit */
    cap *= 2;
  }
  jj_due_rec *rec = jj__realloc(&e->alc, dl->rec, dl->cap * sizeof *rec, cap * sizeof *rec);
  if (!rec) return JJ_ENOMEM;
  dl->rec = rec;
  uint32_t words_old = (dl->cap + 63) / 64, words = (cap + 63) / 64;
  uint64_t *bits = jj__realloc(&e->alc, dl->bits, words_old * sizeof *bits, words * sizeof *bits);
  if (!bits) return JJ_ENOMEM;
  dl->bits = bits;
  memset(bits + words_old, 0, (words - words_old) * sizeof *bits);
  uint32_t hcap = 2 * cap + 16;
  jj_due_entry *heap =
      jj__realloc(&e->alc, dl->heap, dl->heap_cap * sizeof *heap, hcap * sizeof *heap);
  if (!heap) return JJ_ENOMEM;
  dl->heap = heap;
  dl->heap_cap = hcap;
  for (uint32_t i = dl->cap; i < cap; i++) {
    rec[i].due = rec[i].queued = rec[i].alert_due = rec[i].stale_min = INT64_MAX;
    rec[i].synced = rec[i].owed = 0;
  }
  dl->cap = cap;
  return JJ_OK;
}

void jj__deadline_free(jj_engine *e) {
  jj__free(&e->alc, e->dl.rec);
  jj__free(&e->alc, e->dl.bits);
  jj__free(&e->alc, e->dl.heap);
}

/* ---- what is due when --------------------------------------------------------- */

/* Repeats and the end of flapping (jj__alert_tick) of the series' own
 * alerts: fixed until one of them changes. */
static int64_t alerts_due(const jj_series *s) {
  int64_t due = INT64_MAX;
  for (uint32_t i = 0; i < s->ninst; i++) {
    const jj_inst *in = &s->inst[i];
    const jj_rule *r = in->rule;
    if (r->cfg.group != JJ_GROUP_NONE) continue;
    const jj_alert *a = &in->alert;
    if (a->flapping)
      due = min64(due, add_sat(a->last_transition, r->cfg.flap_window_ms));
    else if (a->level > 0 && r->cfg.repeat_interval_ms > 0)
      due = min64(due, add_sat(a->last_notify, r->cfg.repeat_interval_ms));
  }
  return due;
}

/* Going idle, and the windows' own deadlines. */
static int64_t series_due(const jj_engine *e, const jj_series *s) {
  int64_t due = INT64_MAX;
  if (e->cfg.series_idle_ms > 0) due = add_sat(s->last_ts, e->cfg.series_idle_ms);
  for (uint32_t j = 0; j < s->nslots; j++) due = min64(due, jj__window_due(s->slots[j].win));
  return due;
}

void jj__deadline_created(jj_engine *e, uint32_t sid, jj_series *s) {
  jj_due_rec *r = &e->dl.rec[sid];
  r->synced = e->dl.epoch; /* the full walk has not advanced it yet either */
  r->stale_min = INT64_MAX;
  for (uint32_t i = 0; i < s->ninst; i++) {
    int64_t after = s->inst[i].rule->cfg.stale_after_ms;
    if (after > 0) r->stale_min = min64(r->stale_min, after);
  }
  r->alert_due = INT64_MAX;
  r->owed = 0;
  /* Before the engine knows a time, the first advance starts its clocks. */
  if (s->last_ts == INT64_MIN) {
    set_due(e, sid, INT64_MIN);
    return;
  }
  set_due(e, sid, min64(add_sat(s->last_ts, r->stale_min), series_due(e, s)));
}

void jj__deadline_forgotten(jj_engine *e, uint32_t sid) {
  jj_due_rec *r = &e->dl.rec[sid];
  r->due = INT64_MAX; /* entries left in the heap are dropped as they come out */
  r->queued = INT64_MAX;
  e->dl.bits[sid / 64] &= ~((uint64_t)1 << (sid % 64));
}

void jj__deadline_sync(jj_engine *e, uint32_t sid, jj_series *s) {
  jj_due_rec *r = &e->dl.rec[sid];
  for (uint32_t j = 0; j < s->nslots; j++) jj_window_advance(s->slots[j].win, e->dl.swept);
  r->synced = e->dl.epoch;
}

void jj__deadline_settled(jj_engine *e, uint32_t sid) { e->dl.rec[sid].owed = 0; }

void jj__deadline_pushed(jj_engine *e, uint32_t sid, jj_series *s, int busy, int judged,
                         int owed) {
  jj_due_rec *r = &e->dl.rec[sid];
  if (owed) r->owed = e->dl.epoch + 1; /* the next advance's re-check */
  if (judged) r->alert_due = alerts_due(s);
  if (busy) {
    set_due(e, sid, INT64_MIN);
    return;
  }
  /* A sample makes every instance fresh (mark_fresh): the least
   * stale_after of all of them counts. */
  int64_t due = min64(r->alert_due, add_sat(s->last_ts, r->stale_min));
  set_due(e, sid, min64(due, series_due(e, s)));
}

void jj__deadline_processed(jj_engine *e, uint32_t sid, jj_series *s, int busy) {
  jj_due_rec *r = &e->dl.rec[sid];
  r->synced = e->dl.epoch; /* every window was advanced to e->now */
  r->owed = 0;            /* and every sliding slot re-checked */
  r->alert_due = alerts_due(s);
  if (busy) {
    set_due(e, sid, INT64_MIN);
    return;
  }
  int64_t due = r->alert_due;
  for (uint32_t i = 0; i < s->ninst; i++) {
    const jj_inst *in = &s->inst[i];
    int64_t after = in->rule->cfg.stale_after_ms;
    if (after > 0 && !in->stale) due = min64(due, add_sat(s->last_ts, after));
  }
  set_due(e, sid, min64(due, series_due(e, s)));
}

/* ---- an advance ----------------------------------------------------------------- */

void jj__deadline_collect(jj_engine *e) {
  jj_deadlines *dl = &e->dl;
  const int64_t now = e->now;
  dl->swept = now;
  dl->epoch++;
  while (dl->heap_n && dl->heap[0].t <= now) {
    jj_due_entry x = dl->heap[0];
    dl->heap[0] = dl->heap[--dl->heap_n];
    if (dl->heap_n) sift_down(dl->heap, dl->heap_n, 0);
    jj_due_rec *r = &dl->rec[x.sid];
    if (r->queued != x.t) continue; /* a leftover */
    r->queued = INT64_MAX;
    if (!e->series[x.sid]) continue;
    if (r->due <= now)
      dl->bits[x.sid / 64] |= (uint64_t)1 << (x.sid % 64);
    else
      set_due(e, x.sid, r->due); /* moved later since it went in */
  }
  if (dl->walk_all)
    for (uint32_t sid = 0; sid < e->nseries; sid++)
      if (e->series[sid]) dl->bits[sid / 64] |= (uint64_t)1 << (sid % 64);
}

int jj__deadline_next(jj_deadlines *dl, uint32_t nseries, uint32_t *from) {
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

void jj__deadline_rebuild(jj_engine *e) {
  jj_deadlines *dl = &e->dl;
  dl->heap_n = 0;
  memset(dl->bits, 0, (dl->cap + 63) / 64 * sizeof *dl->bits);
  for (uint32_t sid = 0; sid < e->nseries; sid++) {
    jj_due_rec *r = &dl->rec[sid];
    r->due = r->queued = INT64_MAX;
    r->synced = dl->epoch; /* windows as saved (caught up) */
    r->owed = 0;
    jj_series *s = e->series[sid];
    if (!s) continue;
    r->stale_min = INT64_MAX;
    for (uint32_t i = 0; i < s->ninst; i++) {
      int64_t after = s->inst[i].rule->cfg.stale_after_ms;
      if (after > 0) r->stale_min = min64(r->stale_min, after);
    }
    r->alert_due = alerts_due(s);
    set_due(e, sid, INT64_MIN);
  }
}

void jj__engine_walk_all(jj_engine *e, int on) { e->dl.walk_all = (uint8_t)(on != 0); }

uint64_t jj__engine_advance_visits(const jj_engine *e) { return e->dl.visits; }
