/* Logarithmic-bucket quantile sketch with removal; see sketch.h. */
#include "sketch.h"

#include <math.h>
#include <string.h>

#include "alloc.h"
#include "footprint.h"
#include "sample.h"

/* Keys cover every value a window accepts: nothing saturates. */
#define SKETCH_MAX_MAGNITUDE JJ_VALUE_LIMIT
#define SKETCH_GROW_SLACK 32

static uint32_t nblocks_of(uint32_t nkeys) { return (nkeys + (1u << JJ_SKETCH_BLOCK_SHIFT) - 1) >> JJ_SKETCH_BLOCK_SHIFT; }
static uint32_t nsupers_of(uint32_t nkeys) { return (nkeys + (1u << JJ_SKETCH_SUPER_SHIFT) - 1) >> JJ_SKETCH_SUPER_SHIFT; }
/* Counters in one allocation: the buckets, the block sums, the super-block
 * sums. */
static size_t counters_of(uint32_t nkeys) {
  return (size_t)nkeys + nblocks_of(nkeys) + nsupers_of(nkeys);
}

void jj__sketch_init(jj_sketch *s, double alpha, double floor) {
  memset(s, 0, sizeof *s);
  s->floor = floor;
  s->gamma = (1.0 + alpha) / (1.0 - alpha);
  s->inv_log_gamma = 1.0 / log(s->gamma);
  s->key_max = (int32_t)ceil(log(SKETCH_MAX_MAGNITUDE / floor) * s->inv_log_gamma) + 1;
}

void jj__sketch_free(jj_sketch *s, const jj_allocator *a) {
  jj__free(a, s->counts);
  s->counts = NULL;
  s->blocks = NULL;
  s->supers = NULL;
  s->nkeys = 0;
}

int jj__sketch_reserve(jj_sketch *s, const jj_allocator *a, int32_t key) {
  if (s->nkeys && key >= s->key_lo && key < s->key_lo + (int32_t)s->nkeys) return 0;
  int32_t lo = key, hi = key; /* inclusive range that must be covered */
  if (s->nkeys) {
    int32_t cur_hi = s->key_lo + (int32_t)s->nkeys - 1;
    if (s->key_lo < lo) lo = s->key_lo;
    if (cur_hi > hi) hi = cur_hi;
  }
  /* Leave slack on the side that grew so a drifting signal does not
   * reallocate on every new bucket. */
  if (key < s->key_lo || !s->nkeys) lo -= SKETCH_GROW_SLACK;
  if (!s->nkeys || key > s->key_lo + (int32_t)s->nkeys - 1) hi += SKETCH_GROW_SLACK;
  if (lo < -s->key_max) lo = -s->key_max;
  if (hi > s->key_max) hi = s->key_max;
  uint32_t n = (uint32_t)(hi - lo + 1);
  uint32_t *c = jj__malloc(a, counters_of(n) * sizeof *c);
  if (!c) return -1;
  memset(c, 0, counters_of(n) * sizeof *c);
  if (s->nkeys) {
    memcpy(c + (s->key_lo - lo), s->counts, (size_t)s->nkeys * sizeof *c);
    jj__free(a, s->counts);
  }
  s->counts = c;
  s->blocks = c + n;
  s->supers = s->blocks + nblocks_of(n);
  s->key_lo = lo;
  s->nkeys = n;
  /* The block boundaries moved with key_lo: sum them again. */
  for (uint32_t i = 0; i < n; i++) {
    s->blocks[i >> JJ_SKETCH_BLOCK_SHIFT] += c[i];
    s->supers[i >> JJ_SKETCH_SUPER_SHIFT] += c[i];
  }
  return 0;
}

void jj__sketch_clear(jj_sketch *s) {
  if (s->counts) memset(s->counts, 0, counters_of(s->nkeys) * sizeof *s->counts);
  s->total = 0;
}

static double bucket_value(const jj_sketch *s, int32_t key) {
  if (key == 0) return 0.0;
  int32_t m = key > 0 ? key : -key;
  double lo = s->floor * pow(s->gamma, (double)(m - 1));
  double mid = lo * 2.0 * s->gamma / (1.0 + s->gamma);
  return key > 0 ? mid : -mid;
}

double jj__sketch_quantile(const jj_sketch *s, double q) {
  if (s->total == 0) return NAN;
  uint64_t rank = (uint64_t)ceil(q * (double)s->total);
  if (rank < 1) rank = 1;
  if (rank > s->total) rank = s->total;
  uint64_t seen = 0;
  /* Super-blocks, then the blocks of one, then the buckets of one: about
   * nkeys/4096 + 64 + 64 steps, whatever range the sketch covers. */
  const uint32_t ns = nsupers_of(s->nkeys), nb = nblocks_of(s->nkeys);
  uint32_t sb = 0;
  while (sb < ns && seen + s->supers[sb] < rank) seen += s->supers[sb++];
  if (sb == ns) return NAN; /* unreachable while total matches the counters */
  uint32_t b = sb << (JJ_SKETCH_SUPER_SHIFT - JJ_SKETCH_BLOCK_SHIFT);
  while (b < nb && seen + s->blocks[b] < rank) seen += s->blocks[b++];
  if (b == nb) return NAN;
  for (uint32_t i = b << JJ_SKETCH_BLOCK_SHIFT; i < s->nkeys; i++) {
    seen += s->counts[i];
    if (seen >= rank) return bucket_value(s, s->key_lo + (int32_t)i);
  }
  return NAN;
}

void jj__sketch_footprint(double alpha, double floor, jj__footprint_fn add, void *ctx) {
  jj_sketch s;
  jj__sketch_init(&s, alpha, floor);
  /* reserve(-key_max) on an empty sketch, then reserve(key_max). */
  int32_t hi = -s.key_max + SKETCH_GROW_SLACK;
  if (hi > s.key_max) hi = s.key_max;
  add(ctx, counters_of((uint32_t)(hi + s.key_max + 1)) * sizeof *s.counts);
  if (hi < s.key_max) add(ctx, counters_of((uint32_t)(2 * s.key_max + 1)) * sizeof *s.counts);
}

size_t jj__sketch_memory(const jj_sketch *s) {
  return counters_of(s->nkeys) * sizeof *s->counts;
}
