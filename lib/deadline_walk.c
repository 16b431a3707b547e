/* The engine's advance without the deadline index (JJ_WITH_DEADLINE_INDEX
 * =OFF, see deadline.h): every advance looks at every live series, in id
 * order, as jj__engine_walk_all makes the index do. For a device's few
 * series that walk is cheap, and the index's code and its per-series
 * deadlines stay out. What a reading owes the next advance (a sliding
 * slot's re-check) and whether a series' windows saw the last advance are
 * kept as deadline.c keeps them, so the engine answers the same. */
#include "deadline.h"

#include "engine_internal.h"

#define BLOCK 64u /* ids per bitmap word (jj__deadline_next) */

/* ---- storage ---------------------------------------------------------------- */

jj_status jj__deadline_reserve(jj_engine *e, uint32_t n) {
  jj_deadlines *dl = &e->dl;
  if (n <= dl->cap) return JJ_OK;
  uint32_t cap = dl->cap ? dl->cap : 8; /* small engines stay small */
  while (cap < n) {
    if (cap > UINT32_MAX / 2) return JJ_ENOMEM;
    cap *= 2;
  }
  const uint32_t blocks_old = (dl->cap + BLOCK - 1) / BLOCK, blocks = (cap + BLOCK - 1) / BLOCK;
  if (blocks != blocks_old) { /* (jj__deadline_footprint counts the same blocks) */
    uint64_t *bits =
        jj__realloc(&e->alc, dl->bits, blocks_old * sizeof *bits, blocks * sizeof *bits);
    if (!bits) return JJ_ENOMEM;
    dl->bits = bits;
    for (uint32_t b = blocks_old; b < blocks; b++) bits[b] = 0;
  }
  dl->cap = cap;
  return JJ_OK;
}

void jj__deadline_footprint(uint32_t created, void (*add)(void *ctx, size_t n), void *ctx) {
  /* jj__deadline_reserve(e, created + 1), grown one series at a time from
   * 0: it allocates only when created + 1 is one past a capacity (8,
   * 16, 32 ...; O(log n) steps, not a replay). */
  const uint32_t n = created + 1;
  uint32_t old = 0, cap = 0;
  while (cap < n) {
    old = cap;
    if (cap > UINT32_MAX / 2) return; /* reserve fails: nothing allocated */
    cap = cap ? cap * 2 : 8;
  }
  if (n != old + 1) return; /* still room from an earlier growth */
  if ((cap + BLOCK - 1) / BLOCK != (old + BLOCK - 1) / BLOCK)
    add(ctx, (size_t)((cap + BLOCK - 1) / BLOCK) * sizeof(uint64_t));
}

void jj__deadline_free(jj_engine *e) {
  jj__free(&e->alc, e->dl.bits);
  jj__group_due_free(&e->alc, &e->dl.groups);
}

/* ---- the life of a series ----------------------------------------------------- */

void jj__deadline_created(jj_engine *e, uint32_t sid, jj_series *s, int busy) {
  (void)sid;
  (void)busy; /* the next advance looks at it anyway */
  jj_due_rec *r = &s->dr;
  r->synced = e->dl.epoch; /* the walk has not advanced it yet either */
  r->owed = 0;
  r->owed_slots = 0;
}

void jj__deadline_forgotten(jj_engine *e, uint32_t sid) {
  e->dl.bits[sid / 64] &= ~((uint64_t)1 << (sid % 64));
}

void jj__deadline_sync(jj_engine *e, jj_series *s) {
  for (uint32_t j = 0; j < s->nslots; j++) jj_window_advance(jj__slot_win(s, &s->slots[j]), e->dl.swept);
  s->dr.synced = e->dl.epoch;
}

void jj__deadline_processed(jj_engine *e, uint32_t sid, jj_series *s, int busy) {
  (void)sid;
  (void)busy;
  jj_due_rec *r = &s->dr;
  r->synced = e->dl.epoch; /* every window was advanced to e->now */
  r->owed = 0;            /* and every sliding slot re-checked */
  r->owed_slots = 0;
}

/* ---- an advance ----------------------------------------------------------------- */

void jj__deadline_collect(jj_engine *e) {
  jj_deadlines *dl = &e->dl;
  dl->swept = e->now;
  dl->epoch++;
  for (uint32_t sid = 0; sid < e->nseries; sid++)
    if (e->series[sid]) dl->bits[sid / 64] |= (uint64_t)1 << (sid % 64);
}

void jj__deadline_rebuild(jj_engine *e) {
  jj_deadlines *dl = &e->dl;
  for (uint32_t b = 0; b < (dl->cap + BLOCK - 1) / BLOCK; b++) dl->bits[b] = 0;
  for (uint32_t sid = 0; sid < e->nseries; sid++) {
    jj_series *s = e->series[sid];
    if (!s) continue;
    jj_due_rec *r = &s->dr;
    r->synced = dl->epoch; /* windows as saved (caught up) */
    r->owed = 0;
    r->owed_slots = 0;
  }
  jj__group_due_rebuild(e);
}

void jj__engine_walk_all(jj_engine *e, int on) { e->dl.walk_all = (uint8_t)(on != 0); }

uint64_t jj__engine_advance_visits(const jj_engine *e) { return e->dl.visits; }

uint64_t jj__engine_group_visits(const jj_engine *e) { return e->dl.groups.visits; }
