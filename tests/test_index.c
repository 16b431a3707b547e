/* The generic hash index (lib/index.c): every id stays findable through
 * growth and as the ids outgrow a slot's id bits, a lookup hands out
 * exactly the ids whose tag (the high hash bits a slot keeps) matches (the
 * owner compares keys), and a failed growth leaves the index as it was.
 * Built from the library's sources: the index is internal. */
/* cmocka needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "index.h"
#include "testutil.h"

#define N 5000

/* Hashes that collide often: only 64 distinct low words (which place
 * ids: long probe runs), each shared by two high words (a slot's tag is
 * taken from them), so a lookup passes over half the ids of its run. */
static uint64_t hash_of(uint32_t id) {
  return ((uint64_t)((id % 128u) * 0x9E3779B1u) << 32) | (uint64_t)(id % 64u) * 0x9E3779B1u;
}

/* The index asks for an id's hash when it grows or removes. */
static uint64_t hash_at(const void *ctx, uint32_t id) {
  (void)ctx;
  return hash_of(id);
}

/* How many times `id` is handed out for hash h, and how many ids in all. */
static void lookup(const jj_index *ix, uint64_t h, uint32_t id, int *hits, int *cands) {
  *hits = *cands = 0;
  jj_index_probe p = jj__index_probe(ix, h);
  for (uint32_t got; jj__index_next(ix, &p, &got);) {
    /* the same high hash bits above the slot's id bits: the tag */
    assert_int_equal((uint32_t)((hash_of(got) ^ h) >> 32) & ~ix->idmask, 0);
    *hits += got == id;
    (*cands)++;
  }
}

static void test_grow_and_find(void **state) {
  (void)state;
  tu_alloc a;
  tu_alloc_init(&a);
  jj_index ix = {0};
  int hits, cands;
  lookup(&ix, hash_of(7), 7, &hits, &cands); /* empty: nothing, no crash */
  assert_int_equal(cands, 0);
  for (uint32_t id = 0; id < N; id++) {
    assert_int_equal(jj__index_reserve(&ix, &a.alc, hash_at, NULL), 0);
    jj__index_insert(&ix, hash_of(id), id);
    /* load at most 3/4, and more than 3/8 once past the first table (a
     * doubling leaves it half of 3/4): the table is not oversized */
    assert_true((uint64_t)ix.count * 4 <= ((uint64_t)ix.mask + 1) * 3);
    if (ix.mask + 1 > 64) assert_true((uint64_t)ix.count * 8 > ((uint64_t)ix.mask + 1) * 3);
  }
  assert_int_equal(ix.count, N);
  for (uint32_t id = 0; id < N; id++) {
    lookup(&ix, hash_of(id), id, &hits, &cands);
    assert_int_equal(hits, 1);
    assert_int_equal(cands, (N - 1 - id % 128u) / 128u + 1); /* every id sharing the high word */
  }
  assert_int_equal(ix.idmask, 0x1fff); /* widened from 8 bits as the ids grew: 5000 + 1 < 2^13 */
  lookup(&ix, (uint64_t)0x12345u << 44 | 77u, N, &hits, &cands); /* a tag never stored */
  assert_int_equal(cands, 0);
  jj__index_free(&ix, &a.alc);
  assert_int_equal(a.live_blocks, 0);
  assert_int_equal(a.errors, 0);
}

/* Growth that cannot allocate fails cleanly, keeps every id, and works
 * again once memory is back. 1000 ids take six growths (64 .. 2048). */
static void test_reserve_failure(void **state) {
  (void)state;
  for (unsigned long fail = 1; fail <= 6; fail++) {
    tu_alloc a;
    tu_alloc_init(&a);
    jj_index ix = {0};
    tu_alloc_fail_at(&a, fail, 1);
    uint32_t n = 0;
    while (n < 1000 && jj__index_reserve(&ix, &a.alc, hash_at, NULL) == 0) {
      jj__index_insert(&ix, hash_of(n), n);
      n++;
    }
    assert_true(n < 1000);
    assert_int_equal(ix.count, n);
    tu_alloc_fail_at(&a, 0, 0);
    for (; n < 1000; n++) {
      assert_int_equal(jj__index_reserve(&ix, &a.alc, hash_at, NULL), 0);
      jj__index_insert(&ix, hash_of(n), n);
    }
    for (uint32_t id = 0; id < n; id++) {
      int hits, cands;
      lookup(&ix, hash_of(id), id, &hits, &cands);
      assert_int_equal(hits, 1);
    }
    jj__index_free(&ix, &a.alc);
    assert_int_equal(a.live_blocks, 0);
    assert_int_equal(a.errors, 0);
  }
}

/* Removing ids in a pseudo-random order, some of them while others are
 * inserted: every id still in is found exactly once, every removed one
 * never, and the probe runs stay short (no tombstones pile up). */
static void test_remove(void **state) {
  (void)state;
  tu_alloc a;
  tu_alloc_init(&a);
  jj_index ix = {0};
  static unsigned char in[N];
  memset(in, 0, sizeof in);
  assert_int_equal(jj__index_remove(&ix, hash_of(1), 1, hash_at, NULL), -1); /* empty */
  uint64_t x = 0x9e3779b97f4a7c15u;
  uint32_t live = 0;
  for (int step = 0; step < 4 * N; step++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    uint32_t id = (uint32_t)(x % N);
    if (in[id]) {
      assert_int_equal(jj__index_remove(&ix, hash_of(id), id, hash_at, NULL), 0);
      in[id] = 0;
      live--;
      assert_int_equal(jj__index_remove(&ix, hash_of(id), id, hash_at, NULL),
                       -1); /* already gone */
    } else {
      assert_int_equal(jj__index_reserve(&ix, &a.alc, hash_at, NULL), 0);
      jj__index_insert(&ix, hash_of(id), id);
      in[id] = 1;
      live++;
    }
    assert_int_equal(ix.count, live);
    if (step % 997 == 0 || step == 4 * N - 1) {
      for (uint32_t k = 0; k < N; k++) {
        int hits, cands;
        lookup(&ix, hash_of(k), k, &hits, &cands);
        assert_int_equal(hits, in[k]);
      }
    }
  }
  jj__index_free(&ix, &a.alc);
  assert_int_equal(a.live_blocks, 0);
}

/* Sparse ids (a restored engine keeps the ids of forgotten series): ids
 * far past the count widen the id bits, down to no tag at all, and every
 * id is still found. */
static void test_wide_ids(void **state) {
  (void)state;
  tu_alloc a;
  tu_alloc_init(&a);
  jj_index ix = {0};
  static const uint32_t ids[] = {3, 200, 70000, 1u << 24, 1000, (1u << 31) + 5, UINT32_MAX - 1, 9};
  const uint32_t n = sizeof ids / sizeof ids[0];
  for (uint32_t i = 0; i < n; i++) {
    assert_int_equal(jj__index_reserve(&ix, &a.alc, hash_at, NULL), 0);
    jj__index_insert(&ix, hash_of(ids[i]), ids[i]);
    for (uint32_t k = 0; k <= i; k++) {
      int hits, cands;
      lookup(&ix, hash_of(ids[k]), ids[k], &hits, &cands);
      assert_int_equal(hits, 1);
    }
  }
  assert_int_equal(ix.idmask, UINT32_MAX); /* UINT32_MAX - 1 + 1 needs every bit: no tag */
  assert_int_equal(jj__index_remove(&ix, hash_of(70000), 70000, hash_at, NULL), 0);
  for (uint32_t k = 0; k < n; k++) {
    int hits, cands;
    lookup(&ix, hash_of(ids[k]), ids[k], &hits, &cands);
    assert_int_equal(hits, ids[k] != 70000);
  }
  jj__index_free(&ix, &a.alc);
  assert_int_equal(a.live_blocks, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_grow_and_find),
      cmocka_unit_test(test_remove),
      cmocka_unit_test(test_reserve_failure),
      cmocka_unit_test(test_wide_ids),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
