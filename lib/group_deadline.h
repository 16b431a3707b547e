/* Internal: the groups' deadline index — which groups jj_engine_advance
 * must re-judge. Re-judging every group at every advance cost a walk over
 * every member of every group (their staleness, their reports) on each
 * advance, O(series) however little had changed. The index re-judges a
 * group at an advance when
 *  - it was touched since its last re-judging (jj__group_touch: a member
 *    joined, left, reported, was judged, went stale or fresh; a source
 *    rule fed it), or
 *  - its own time-driven work is due (jj__group_next_due in group.c: a
 *    TUMBLING window's wait, k-of-n agreement or rules evidence expiring,
 *    an alert not at rest, a repeat or the end of flapping).
 * Every other group is one the full walk would re-judge without a change,
 * except for the bounds of the window it judged (set to the advance's
 * time): those are set late, from the last skipped advance, before
 * anything reads or changes the group (jj__group_touch, jj__group_sync).
 *
 * Groups are re-judged after the series, in group id order, as the full
 * walk did, so events come out in the same order. The index is derived
 * state: a snapshot syncs every group first (jj__groups_catch_up) and a
 * restore marks every group due (jj__group_due_rebuild). */
#ifndef JJ_LIB_GROUP_DEADLINE_H
#define JJ_LIB_GROUP_DEADLINE_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "jjair/status.h"

typedef struct jj_engine jj_engine;
typedef struct jj_group jj_group;

typedef struct jj_group_deadlines {
  /* One block (jj__group_due_reserve): cap entries of due and synced,
   * then one bound and one bitmap word per 64 ids. */
  int64_t *due;       /* re-judge at the first advance to a time >= due (INT64_MAX: never) */
  uint64_t *synced;   /* the last pass the group's state accounts for */
  int64_t *block_min; /* per 64 ids: at most the least `due` of those ids */
  uint64_t *bits;     /* per 64 ids: those due at this pass, walked in id order */
  uint32_t cap;
  uint64_t passes; /* group passes so far: one per advance */
  int64_t swept;   /* engine time at the last pass */
  uint64_t visits; /* groups the passes re-judged (tests, benchmarks) */
} jj_group_deadlines;

/* Room for group ids below n (called before a group is made): JJ_ENOMEM
 * or JJ_OK. Grows with the engine's group table: 16, then doubling. */
jj_status jj__group_due_reserve(jj_engine *e, uint32_t n);
/* The block jj__group_due_reserve allocates when group number `made`
 * (0-based) is made, or 0 (jj_engine_estimate). */
size_t jj__group_due_footprint(uint32_t made);
void jj__group_due_free(const jj_allocator *alc, jj_group_deadlines *gd);

/* Group `g` was made: re-judged at the next advance. */
void jj__group_due_created(jj_engine *e, const jj_group *g);
/* Group `gid` is forgotten: never due again. */
void jj__group_due_forgotten(jj_engine *e, uint32_t gid);

/* Before anything changes group g (NULL: nothing): bring it to the state
 * the full walk would have, and make it due at the next advance. */
void jj__group_touch(jj_engine *e, jj_group *g);
/* Bring g to the state the full walk would have (before reading it). */
void jj__group_sync(jj_engine *e, jj_group *g);
/* Every live group, before a snapshot saves them. */
void jj__groups_catch_up(jj_engine *e);

/* The groups' part of an advance to e->now, after the series': re-judge
 * the due groups in id order. */
void jj__groups_advance(jj_engine *e);

/* After a restore: every live group due at the next advance, its state
 * taken as saved. */
void jj__group_due_rebuild(jj_engine *e);

#endif
