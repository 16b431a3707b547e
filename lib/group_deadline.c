/* The groups' deadline index (see group_deadline.h): per group id the time
 * it must next be re-judged and the last pass its state accounts for, and
 * per block of 64 ids a lower bound of their times. A pass looks only
 * into the blocks whose bound its time reached, marks the due ids in a
 * bitmap and re-judges them in id order, the order of the full walk.
 *
 * Passes are counted apart from the series' advances (deadline.c): a
 * group touched while the series of an advance are handled must be synced
 * to the previous pass, since this advance's pass has not run yet. */
#include "group_deadline.h"

#include <string.h>

#include "engine_internal.h"

#define BLOCK 64u

static size_t block_bytes(uint32_t cap) {
  const size_t blocks = (cap + BLOCK - 1) / BLOCK;
  return (size_t)cap * (sizeof(int64_t) + sizeof(uint64_t)) +
         blocks * (sizeof(int64_t) + sizeof(uint64_t));
}

static void set_due(jj_group_deadlines *gd, uint32_t gid, int64_t due) {
  gd->due[gid] = due;
  int64_t *m = &gd->block_min[gid / BLOCK];
  if (due < *m) *m = due;
}

/* ---- storage ---------------------------------------------------------------- */

jj_status jj__group_due_reserve(jj_engine *e, uint32_t n) {
  jj_group_deadlines *gd = &e->dl.groups;
  if (n <= gd->cap) return JJ_OK;
  uint32_t cap = gd->cap ? gd->cap : 16; /* as the group table (group.c) */
  while (cap < n) {
    if (cap > UINT32_MAX / 2) return JJ_ENOMEM;
    cap *= 2;
  }
  const uint32_t blocks = (cap + BLOCK - 1) / BLOCK, blocks_old = (gd->cap + BLOCK - 1) / BLOCK;
  char *p = jj__malloc(&e->alc, block_bytes(cap));
  if (!p) return JJ_ENOMEM;
  int64_t *due = (int64_t *)(void *)p;
  uint64_t *synced = (uint64_t *)(void *)(due + cap);
  int64_t *bmin = (int64_t *)(void *)(synced + cap);
  uint64_t *bits = (uint64_t *)(void *)(bmin + blocks);
  for (uint32_t i = 0; i < cap; i++) {
    due[i] = i < gd->cap ? gd->due[i] : INT64_MAX;
    synced[i] = i < gd->cap ? gd->synced[i] : 0;
  }
  for (uint32_t b = 0; b < blocks; b++) {
    bmin[b] = b < blocks_old ? gd->block_min[b] : INT64_MAX;
    bits[b] = b < blocks_old ? gd->bits[b] : 0;
  }
  jj__free(&e->alc, gd->due);
  gd->due = due;
  gd->synced = synced;
  gd->block_min = bmin;
  gd->bits = bits;
  gd->cap = cap;
  return JJ_OK;
}

size_t jj__group_due_footprint(uint32_t made) {
  /* jj__group_due_reserve(e, made + 1), from 0 up: 16, 32, 64, ... */
  if (made == 0) return block_bytes(16);
  if (made >= 16 && (made & (made - 1)) == 0) return block_bytes(made * 2);
  return 0;
}

void jj__group_due_free(const jj_allocator *alc, jj_group_deadlines *gd) {
  jj__free(alc, gd->due); /* the one block */
  gd->due = NULL;
  gd->synced = NULL;
  gd->block_min = NULL;
  gd->bits = NULL;
  gd->cap = 0;
}

/* ---- the life of a group ------------------------------------------------------ */

void jj__group_due_created(jj_engine *e, const jj_group *g) {
  jj_group_deadlines *gd = &e->dl.groups;
  gd->synced[g->id] = gd->passes; /* earlier passes did not know it */
  set_due(gd, g->id, INT64_MIN);
}

void jj__group_due_forgotten(jj_engine *e, uint32_t gid) {
  jj_group_deadlines *gd = &e->dl.groups;
  gd->due[gid] = INT64_MAX; /* the block's bound is raised when next looked into */
  gd->bits[gid / BLOCK] &= ~((uint64_t)1 << (gid % BLOCK));
}

void jj__group_sync(jj_engine *e, jj_group *g) {
  jj_group_deadlines *gd = &e->dl.groups;
  if (gd->synced[g->id] >= gd->passes) return;
  /* Skipped since: the last skipped pass's window bounds (group.c). */
  jj__group_skipped(g, gd->swept);
  gd->synced[g->id] = gd->passes;
}

void jj__group_touch(jj_engine *e, jj_group *g) {
  if (!g) return;
  jj__group_sync(e, g);
  set_due(&e->dl.groups, g->id, INT64_MIN);
}

void jj__groups_catch_up(jj_engine *e) {
  for (uint32_t gi = 0; gi < e->ngroups; gi++)
    if (e->groups[gi]) jj__group_sync(e, e->groups[gi]);
}

/* ---- a pass ------------------------------------------------------------------- */

/* Mark the groups due at e->now in the bitmap. */
static void collect(jj_engine *e) {
  jj_group_deadlines *gd = &e->dl.groups;
  const int64_t now = e->now;
  const int all = e->dl.walk_all;
  const uint32_t blocks = (e->ngroups + BLOCK - 1) / BLOCK;
  for (uint32_t b = 0; b < blocks; b++) {
    if (gd->block_min[b] > now && !all) continue;
    /* The bound becomes that of the others (each one re-judged lowers it
     * again with its new time). */
    int64_t rest = INT64_MAX;
    uint64_t word = 0;
    const uint32_t first = b * BLOCK;
    for (uint32_t k = 0; k < BLOCK && first + k < e->ngroups; k++) {
      int64_t t = gd->due[first + k];
      if (t <= now || (all && e->groups[first + k]))
        word |= (uint64_t)1 << k;
      else if (t < rest)
        rest = t;
    }
    gd->block_min[b] = rest;
    gd->bits[b] |= word;
  }
}

void jj__groups_advance(jj_engine *e) {
  jj_group_deadlines *gd = &e->dl.groups;
  collect(e);
  const uint32_t blocks = (e->ngroups + BLOCK - 1) / BLOCK;
  for (uint32_t b = 0; b < blocks; b++) {
    while (gd->bits[b]) {
      uint32_t gid = b * BLOCK + (uint32_t)__builtin_ctzll(gd->bits[b]);
      gd->bits[b] &= gd->bits[b] - 1;
      jj_group *g = e->groups[gid];
      if (!g) continue;
      gd->visits++;
      jj__group_sync(e, g);
      jj__group_advance(e, g);
      gd->synced[gid] = gd->passes + 1; /* this pass */
      set_due(gd, gid, jj__group_next_due(e, g));
    }
  }
  gd->passes++;
  gd->swept = e->now;
}

void jj__group_due_rebuild(jj_engine *e) {
  jj_group_deadlines *gd = &e->dl.groups;
  for (uint32_t b = 0; b < (gd->cap + BLOCK - 1) / BLOCK; b++) {
    gd->block_min[b] = INT64_MAX;
    gd->bits[b] = 0;
  }
  for (uint32_t gi = 0; gi < gd->cap; gi++) {
    gd->due[gi] = INT64_MAX;
    gd->synced[gi] = gd->passes; /* window bounds as saved (synced) */
    if (gi < e->ngroups && e->groups[gi]) set_due(gd, gi, INT64_MIN);
  }
}
