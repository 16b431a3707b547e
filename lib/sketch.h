/* Internal: a quantile sketch that supports removal, for the percentile
 * aggregate.
 *
 * Values are counted in logarithmic buckets (as in DDSketch): bucket k > 0
 * holds floor*gamma^(k-1) <= x < floor*gamma^k with gamma =
 * (1+alpha)/(1-alpha); negative values mirror it; |x| < floor goes to
 * bucket 0. A quantile is answered with the bucket's midpoint, which is
 * within a relative error alpha of the exact nearest-rank sample (absolute
 * error < floor for |x| < floor). The keys cover every value a window
 * accepts (|x| <= JJ_VALUE_LIMIT, 1e288), so the bound holds for all of
 * them: no value saturates. Storage covers only the keys met so far
 * (all of them with `preallocate`: 8 * ln(1e288 / floor) / ln(gamma)
 * bytes, about 270 KiB at the defaults). Add and remove are O(1); a query
 * walks the super-block sums (one per 4096 buckets), then the 64 block
 * sums of one (one per 64 buckets), then one block: about nkeys/4096 +
 * 128 steps instead of nkeys, so a preallocated sketch over the whole
 * value range reads as fast as a small one. */
#ifndef JJ_LIB_SKETCH_H
#define JJ_LIB_SKETCH_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "jjair/alloc.h"

typedef struct jj_sketch {
  double floor;
  double gamma;
  double inv_log_gamma;
  int32_t key_max;   /* keys are clamped to [-key_max, key_max] */
  int32_t key_lo;    /* key of counts[0] */
  uint32_t nkeys;    /* length of counts */
  uint32_t *counts;
  uint32_t *blocks;  /* blocks[b]: sum of counts[64b .. 64b+63]; same allocation */
  uint32_t *supers;  /* supers[k]: sum of blocks[64k .. 64k+63]; same allocation */
  uint64_t total;
} jj_sketch;

/* Set up an empty sketch; allocates nothing. */
void jj__sketch_init(jj_sketch *s, double alpha, double floor);
void jj__sketch_free(jj_sketch *s, const jj_allocator *a);
/* Bucket key of a value (inline: every push and every eviction takes one). */
static inline int32_t jj__sketch_key(const jj_sketch *s, double x) {
#ifdef JJ_NO_SKETCH
  /* No sketch, no percentile window: never called, and log() stays out
   * of the firmware image. */
  (void)s;
  (void)x;
  return 0;
#endif
  double m = fabs(x);
  if (m < s->floor) return 0;
  /* y >= 0 (m / floor >= 1), so floor(y) is a truncation; key 1 +
   * floor(y) stays below key_max exactly when y does. */
  const double y = log(m / s->floor) * s->inv_log_gamma;
  const int32_t key = y < (double)s->key_max ? 1 + (int32_t)y : s->key_max;
  return x > 0 ? key : -key;
}

/* 1 when `key` has a counter (jj__sketch_reserve is then a no-op). */
static inline int jj__sketch_has(const jj_sketch *s, int32_t key) {
  return s->nkeys && key >= s->key_lo && key < s->key_lo + (int32_t)s->nkeys;
}
/* Make sure `key` has a counter; 0 on success, -1 on allocation failure. */
int jj__sketch_reserve(jj_sketch *s, const jj_allocator *a, int32_t key);
#define JJ_SKETCH_BLOCK_SHIFT 6  /* 64 buckets per block sum */
#define JJ_SKETCH_SUPER_SHIFT 12 /* 4096 buckets (64 blocks) per super-block sum */

/* Count / uncount a value whose key was reserved (inline: every push and
 * every eviction does one). */
static inline void jj__sketch_add(jj_sketch *s, int32_t key) {
  const uint32_t i = (uint32_t)(key - s->key_lo);
  s->counts[i]++;
  s->blocks[i >> JJ_SKETCH_BLOCK_SHIFT]++;
  s->supers[i >> JJ_SKETCH_SUPER_SHIFT]++;
  s->total++;
}
static inline void jj__sketch_remove(jj_sketch *s, int32_t key) {
  const uint32_t i = (uint32_t)(key - s->key_lo);
  s->counts[i]--;
  s->blocks[i >> JJ_SKETCH_BLOCK_SHIFT]--;
  s->supers[i >> JJ_SKETCH_SUPER_SHIFT]--;
  s->total--;
}
/* Zero all counters, keeping storage. */
void jj__sketch_clear(jj_sketch *s);
/* The q-quantile (nearest rank), NaN when empty. */
double jj__sketch_quantile(const jj_sketch *s, double q);
size_t jj__sketch_memory(const jj_sketch *s);

#endif
