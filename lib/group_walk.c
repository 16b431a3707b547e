/* The groups' part of an advance without their deadline index
 * (JJ_WITH_DEADLINE_INDEX=OFF, see group_deadline.h and deadline.h): every
 * pass re-judges every live group in id order, as jj__engine_walk_all
 * makes the index do. No group is ever skipped, so none has window bounds
 * to catch up (jj__group_sync has nothing to do) and nothing is
 * allocated. */
#include "engine_internal.h"
#include "group_deadline.h"

jj_status jj__group_due_reserve(jj_engine *e, uint32_t n) {
  (void)e;
  (void)n;
  return JJ_OK;
}

size_t jj__group_due_footprint(uint32_t made) {
  (void)made;
  return 0;
}

void jj__group_due_free(const jj_allocator *alc, jj_group_deadlines *gd) {
  (void)alc;
  (void)gd;
}

void jj__group_due_created(jj_engine *e, const jj_group *g) {
  (void)e;
  (void)g;
}

void jj__group_due_forgotten(jj_engine *e, uint32_t gid) {
  (void)e;
  (void)gid;
}

void jj__group_sync(jj_engine *e, jj_group *g) {
  (void)e;
  (void)g;
}

void jj__group_touch(jj_engine *e, jj_group *g) {
  (void)e;
  (void)g;
}

void jj__groups_catch_up(jj_engine *e) { (void)e; }

void jj__groups_advance(jj_engine *e) {
  jj_group_deadlines *gd = &e->dl.groups;
  for (uint32_t gid = 0; gid < e->ngroups; gid++) {
    jj_group *g = e->groups[gid];
    if (!g) continue;
    gd->visits++;
    jj__group_advance(e, g);
  }
  gd->passes++;
  gd->swept = e->now;
}

void jj__group_due_rebuild(jj_engine *e) { (void)e; }
