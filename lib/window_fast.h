/* Internal: the window's fast paths for the engine.
 *  - Cache hints for the batch path: with 10,000 series a sample's window
 *    is rarely in cache; asking for it a few samples ahead overlaps those
 *    misses instead of taking them one after another.
 *  - Reading several aggregates at once, for rules sharing a window. */
#ifndef JJ_LIB_WINDOW_FAST_H
#define JJ_LIB_WINDOW_FAST_H

#include <stdint.h>

#include "jjair/window.h"

#if defined(__GNUC__)
#define JJ_PREFETCH(p) __builtin_prefetch(p)
#else
#define JJ_PREFETCH(p) ((void)(p))
#endif

/* Ask for the window's bookkeeping (the struct's first cache lines, and
 * the min/max part when `minmax`: the caller knows, the struct is not
 * read). */
void jj__window_prefetch_struct(const jj_window *w, int minmax);
/* Ask for the ring slots a push will touch (tail, head); the struct
 * should already be cached. */
void jj__window_prefetch_ring(const jj_window *w);

/* Every aggregate in `mask` (JJ_AGG_BIT, all enabled) into out[agg], as
 * jj_window_value would give it; returns the mask of those that are
 * complete values (jj_window_value's JJ_OK). */
uint32_t jj__window_values(const jj_window *w, uint32_t mask, double *out);

/* jj_window_push_value without its argument checks, for the engine: `agg`
 * is enabled, w and out valid. The same statuses: a push's refusal (the
 * sample not taken), else jj_window_value's (JJ_OK, JJ_EINCOMPLETE,
 * JJ_ENODATA). */
jj_status jj__window_push_value(jj_window *w, int64_t ts, double v, jj_agg agg, double *out);

/* The earliest engine time at which jj_window_advance changes what the
 * window holds or reports (a sample expires, a TUMBLING window closes):
 * INT64_MAX when time alone never does, INT64_MIN when any advance may. */
int64_t jj__window_due(const jj_window *w);

/* A window's shape: its normalized configuration and layout, shared by
 * many windows (the engine keeps one per distinct configuration, for all
 * its series), so a window carries no copy of its settings. */
typedef struct jj_wshape jj_wshape;
/* JJ_EINVAL for a configuration jj_window_new refuses (or, `shared`, one
 * jj__window_config_shareable refuses), JJ_ENOMEM. A `shared` shape's
 * windows keep their samples in a ring shared with other windows of the
 * series (jj__window_init_shared). */
jj_status jj__wshape_new(const jj_window_config *cfg, const jj_allocator *alc, int shared,
                         jj_wshape **out);
/* After every window made from it is freed. NULL is a no-op. */
void jj__wshape_free(jj_wshape *sh);
/* The index of the shape among shapes[0..n) with the settings `cfg`
 * makes (normalized: every field that changes what a window does), or -1
 * (none, or cfg is not valid). */
int64_t jj__wshape_find(jj_wshape *const *shapes, uint32_t n, const jj_window_config *cfg,
                        int shared);
/* The storage cap the shape's windows have (max_samples, normalized). */
uint32_t jj__wshape_max_samples(const jj_wshape *sh);
size_t jj__wshape_memory(const jj_wshape *sh);
/* The block jj__wshape_new allocates (for jj_engine_estimate). */
size_t jj__wshape_bytes(void);
/* 1 when two configurations make the same shape (jj__wshape_find). */
int jj__window_config_same(const jj_window_config *a, int a_shared, const jj_window_config *b,
                           int b_shared);
/* A window of shape `sh`, which must outlive it, allocating through the
 * shape's allocator, in the caller's block `mem`: jj__wshape_window_bytes(sh) bytes,
 * zeroed, 8-byte aligned, which must outlive the window. jj_window_free
 * then frees what the window allocated (its ring, ...), not the block; on
 * failure that is done already. */
jj_status jj__window_init_shaped(const jj_wshape *sh, void *mem, jj_window **out);
size_t jj__wshape_window_bytes(const jj_wshape *sh);
/* jj__wshape_window_bytes of the window's shape: where the caller's block
 * goes on after it (series.h finds the instances so). */
#if defined(__GNUC__)
__attribute__((pure))
#endif
size_t jj__window_block_bytes(const jj_window *w);

/* Shared rings (window.c, "shared rings"): the sliding time windows of
 * one series that take the same samples keep them in one ring.
 * 1 when windows of configuration cfg (normalized) may share one: a
 * sliding time window without percentile, index aggregates or
 * preallocation. Windows sharing a ring must also have the same
 * lateness, duplicate policy and max_samples, and be pushed the same
 * samples in the same order (each of them, once per sample). */
int jj__window_config_shareable(const jj_window_config *cfg);
/* What windows sharing a ring must agree on; jj__window_share_key gives
 * 1 and fills it for a valid shareable configuration, else 0. */
typedef struct jj_wshare_key {
  int64_t lateness_ms;
  uint32_t max_samples, duplicates;
} jj_wshare_key;
int jj__window_share_key(const jj_window_config *cfg, jj_wshare_key *out);
static inline int jj__wshare_key_eq(const jj_wshare_key *a, const jj_wshare_key *b) {
  return a->lateness_ms == b->lateness_ms && a->max_samples == b->max_samples &&
         a->duplicates == b->duplicates;
}
/* A window of `shared` shape sh in the caller's block `mem` (as
 * jj__window_init_shaped), keeping its samples in the ring of `peer`, a
 * window made so before, or in a new ring with room for `nmembers`
 * windows when peer is NULL. The ring is freed with its last window.
 * JJ_EINVAL: sh is not shared, the ring is full or has another cap. */
jj_status jj__window_init_shared(const jj_wshape *sh, void *mem, jj_window *peer,
                                 uint32_t nmembers, jj_window **out);
/* 1 when a and b keep their samples in the same ring. */
int jj__window_shares_with(const jj_window *a, const jj_window *b);

/* The least jj__window_due of the members of the ring of `first` (its
 * member 0): one call for the ring. (Not built with JJ_NO_SHARED_RINGS.) */
int64_t jj__wring_due(const jj_window *first);

#ifdef JJ_TEST_RING_REBASE
/* A test build's count of shared rings' base moves (window.c, ring_rebase). */
extern unsigned long jj__test_ring_rebases;
#endif

#endif
