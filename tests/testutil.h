/* Helpers shared by the cmocka tests: a deterministic PRNG and a counting
 * allocator that can be told to fail.
 *
 * Header-only (everything is static inline) so a test just includes it.
 * Nothing here depends on cmocka; tests assert on the fields themselves. */
#ifndef JJ_TESTS_TESTUTIL_H
#define JJ_TESTS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jjair/alloc.h"

/* ---- deterministic PRNG (splitmix64) --------------------------------------
 * Same seed, same stream, on every platform: a failing seed printed by a
 * test reproduces exactly. */

typedef struct tu_rng {
  uint64_t s;
} tu_rng;

static inline void tu_rng_seed(tu_rng *r, uint64_t seed) { r->s = seed; }

static inline uint64_t tu_rng_next(tu_rng *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Uniform in [0, 1), 53 random bits. */
static inline double tu_rng_unit(tu_rng *r) {
  return (double)(tu_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform integer in [0, n); n > 0. The modulo bias is irrelevant here. */
static inline uint64_t tu_rng_below(tu_rng *r, uint64_t n) { return tu_rng_next(r) % n; }

/* Uniform integer in [lo, hi]; lo <= hi, hi - lo < 2^63. */
static inline int64_t tu_rng_range(tu_rng *r, int64_t lo, int64_t hi) {
  return lo + (int64_t)tu_rng_below(r, (uint64_t)(hi - lo) + 1u);
}

/* 1 with probability p. */
static inline int tu_rng_chance(tu_rng *r, double p) { return tu_rng_unit(r) < p; }

/* ---- counting, failing allocator ------------------------------------------
 * Implements jj_allocator over libc. Every block carries a small header with
 * its size and a magic word, so the allocator can count live bytes/blocks
 * exactly and notice frees of foreign pointers, double frees and wrong
 * old_size arguments to realloc (counted in `errors`).
 *
 * Failure injection: with fail_at = N > 0, the Nth allocation request
 * (malloc or realloc, counted in `calls`) and, if fail_sticky, every later
 * one returns NULL. fail_at = 0 never fails. */

typedef struct tu_alloc {
  jj_allocator alc;     /* pass &a.alc to the library */
  size_t live_bytes;    /* requested bytes currently allocated */
  size_t live_blocks;
  size_t peak_bytes;
  unsigned long calls;  /* malloc + realloc requests so far */
  unsigned long frees;
  unsigned long failed; /* requests that returned NULL on purpose */
  unsigned long errors; /* misuse detected: bad pointer, size mismatch */
  unsigned long fail_at;
  int fail_sticky;
} tu_alloc;

#define TU_ALLOC_MAGIC 0x6A6A616C6C6F6321ull

typedef union tu_alloc_hdr {
  struct {
    uint64_t magic;
    size_t size;
  } h;
  max_align_t align; /* keep the user block aligned for any type */
} tu_alloc_hdr;

static inline int tu_alloc_should_fail(tu_alloc *a) {
  a->calls++;
  if (a->fail_at && (a->calls == a->fail_at || (a->fail_sticky && a->calls > a->fail_at))) {
    a->failed++;
    return 1;
  }
  return 0;
}

static inline tu_alloc_hdr *tu_alloc_hdr_of(tu_alloc *a, void *ptr) {
  tu_alloc_hdr *h = (tu_alloc_hdr *)ptr - 1;
  if (h->h.magic != TU_ALLOC_MAGIC) {
    a->errors++;
    return NULL;
  }
  return h;
}

static inline void tu_alloc_note(tu_alloc *a, size_t size) {
  a->live_bytes += size;
  if (a->live_bytes > a->peak_bytes) a->peak_bytes = a->live_bytes;
}

static inline void *tu_alloc_malloc(void *ctx, size_t size) {
  tu_alloc *a = (tu_alloc *)ctx;
  if (tu_alloc_should_fail(a)) return NULL;
  tu_alloc_hdr *h = (tu_alloc_hdr *)malloc(sizeof *h + size);
  if (!h) return NULL;
  h->h.magic = TU_ALLOC_MAGIC;
  h->h.size = size;
  a->live_blocks++;
  tu_alloc_note(a, size);
  return h + 1;
}

static inline void tu_alloc_free(void *ctx, void *ptr) {
  tu_alloc *a = (tu_alloc *)ctx;
  a->frees++;
  if (!ptr) { /* the jj_allocator contract says never NULL */
    a->errors++;
    return;
  }
  tu_alloc_hdr *h = tu_alloc_hdr_of(a, ptr);
  if (!h) return; /* leak it rather than corrupt the heap */
  h->h.magic = 0;  /* a second free of the same block is caught */
  a->live_bytes -= h->h.size;
  a->live_blocks--;
  free(h);
}

static inline void *tu_alloc_realloc(void *ctx, void *ptr, size_t old_size, size_t size) {
  tu_alloc *a = (tu_alloc *)ctx;
  if (!ptr) return tu_alloc_malloc(ctx, size);
  tu_alloc_hdr *h = tu_alloc_hdr_of(a, ptr);
  if (!h) return NULL;
  if (h->h.size != old_size) a->errors++;
  if (tu_alloc_should_fail(a)) return NULL; /* ptr stays valid, as promised */
  size_t was = h->h.size;
  tu_alloc_hdr *n = (tu_alloc_hdr *)realloc(h, sizeof *n + size);
  if (!n) return NULL;
  n->h.size = size;
  a->live_bytes -= was;
  tu_alloc_note(a, size);
  return n + 1;
}

/* A fresh allocator that never fails. */
static inline void tu_alloc_init(tu_alloc *a) {
  memset(a, 0, sizeof *a);
  a->alc.malloc = tu_alloc_malloc;
  a->alc.realloc = tu_alloc_realloc;
  a->alc.free = tu_alloc_free;
  a->alc.ctx = a;
}

/* Fail the Nth request from now on (counting from 1); 0 = never. */
static inline void tu_alloc_fail_at(tu_alloc *a, unsigned long n, int sticky) {
  a->fail_at = n ? a->calls + n : 0;
  a->fail_sticky = sticky;
}

#endif
