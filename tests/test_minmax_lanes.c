/* The min/max lanes (lib/minmax.h): DABA Lite's partial aggregates in a
 * lane addressed like the ring (any capacity, one conditional wrap, grown
 * by an eighth), one double a slot when a window reads only min or only
 * max, two when it reads both. Each window is checked against a brute-force
 * scan of what it holds after every push: count and time windows of 9, 17
 * and 100 samples (capacities that are not powers of two, reached by
 * growth), in-order streams (the specialised pushes) and out-of-order ones
 * within lateness (pending samples, DABA fed at the watermark), gaps that
 * empty a window. A one-sided lane answering the other side, or a lane
 * wrapping at the wrong slot, fails here. Then the snapshot: a one-sided
 * window writes the same image as a two-sided one fed the same samples
 * (the format keeps both sides), and each continues after a restore as the
 * window that wrote it. */
/* cmocka needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jjair/window.h"
#include "snapbuf.h"
#include "window_snap.h"
#include "window_image_testutil.h"

#define SEC 1000
#define NSAMPLES 1500

enum { SIDE_MIN = 1, SIDE_MAX = 2, SIDE_BOTH = 3 };

typedef struct sample {
  int64_t ts;
  double v;
} sample;

/* The stream: a random walk one second apart; with `ooo`, about a third of
 * the samples swapped with a later one (up to 3 s: within the lateness),
 * and now and then a gap of a few windows. Timestamps are distinct. */
static uint32_t g_rng;
static uint32_t rnd(void) {
  g_rng = g_rng * 1103515245u + 12345u;
  return g_rng >> 8;
}

static size_t make_stream(sample *s, size_t n, int ooo, int64_t gap) {
  int64_t t = 1000000;
  double v = 50.0;
  for (size_t i = 0; i < n; i++) {
    t += SEC;
    if (rnd() % 150 == 0) t += gap;
    v += (double)(rnd() % 2001) / 100.0 - 10.0;
    s[i].ts = t;
    s[i].v = v;
  }
  if (ooo)
    for (size_t i = 0; i + 3 < n; i++)
      if (rnd() % 3 == 0) {
        size_t j = i + 1 + rnd() % 3;
        if (s[j].ts - s[i].ts > 3 * SEC) continue; /* (across a gap: would be late) */
        sample x = s[i];
        s[i] = s[j];
        s[j] = x;
      }
  return n;
}

static jj_window *make(jj_window_kind kind, uint32_t size, int sides, int64_t lateness) {
  jj_window_config c;
  jj_window_config_init(&c);
  c.kind = kind;
  c.lateness_ms = lateness;
  if (kind == JJ_WINDOW_SLIDING_COUNT) {
    c.count = size;
  } else {
    c.span_ms = (int64_t)size * SEC;
    c.max_samples = size + 4; /* 13, 21, 104 slots at most: grown to, never a power of two */
  }
  c.aggregates = ((sides & SIDE_MIN) ? JJ_AGG_BIT(JJ_AGG_MIN) : 0) |
                 ((sides & SIDE_MAX) ? JJ_AGG_BIT(JJ_AGG_MAX) : 0);
  jj_window *w = NULL;
  assert_int_equal(jj_window_new(&c, NULL, &w), JJ_OK);
  return w;
}

/* What the window holds, by brute force over the accepted samples: a time
 * window those after now - span, a count window the newest `count` by
 * timestamp. (A sample is at most 6 s out of place in the stream: only
 * the last size + 16 accepted samples, or those after now - span - 20 s,
 * can be in the window.) */
static void brute(const sample *acc, size_t n, jj_window_kind kind, uint32_t size, int64_t now,
                  double *lo, double *hi, size_t *count) {
  *lo = INFINITY;
  *hi = -INFINITY;
  *count = 0;
  int64_t from = now - (int64_t)size * SEC; /* time: ts > from */
  size_t first = n;
  while (first > 0 && acc[first - 1].ts > from - 20 * SEC) first--; /* (see above) */
  if (kind == JJ_WINDOW_SLIDING_COUNT) {
    from = INT64_MIN;
    first = n > size + 16 ? n - size - 16 : 0;
    if (n > size) { /* the (size+1)-th newest timestamp (they are distinct) */
      int64_t ts[200];
      const size_t k = n - first;
      for (size_t i = 0; i < k; i++) ts[i] = acc[first + i].ts;
      for (size_t i = 0; i < size + 1; i++) /* partial selection: the size+1 largest first */
        for (size_t j = i + 1; j < k; j++)
          if (ts[j] > ts[i]) {
            int64_t x = ts[i];
            ts[i] = ts[j];
            ts[j] = x;
          }
      from = ts[size];
    }
  }
  for (size_t i = first; i < n; i++) {
    if (acc[i].ts <= from) continue;
    (*count)++;
    if (acc[i].v < *lo) *lo = acc[i].v;
    if (acc[i].v > *hi) *hi = acc[i].v;
  }
}

static void check_window(jj_window *w, jj_window_kind kind, uint32_t size, int sides,
                         const sample *acc, size_t nacc, int64_t now) {
  double lo, hi;
  size_t count;
  brute(acc, nacc, kind, size, now, &lo, &hi, &count);
  jj_window_stats st;
  (void)jj_window_stats_get(w, &st);
  assert_int_equal(st.count, count);
  double x;
  if (sides & SIDE_MIN) {
    jj_status s = jj_window_value(w, JJ_AGG_MIN, &x);
    if (count) {
      assert_int_equal(s, JJ_OK);
      assert_true(x == lo);
      assert_true(st.value[JJ_AGG_MIN] == lo);
    } else {
      assert_int_equal(s, JJ_ENODATA);
    }
  } else {
    assert_int_equal(jj_window_value(w, JJ_AGG_MIN, &x), JJ_EINVAL); /* not enabled */
  }
  if (sides & SIDE_MAX) {
    jj_status s = jj_window_value(w, JJ_AGG_MAX, &x);
    if (count) {
      assert_int_equal(s, JJ_OK);
      assert_true(x == hi);
      assert_true(st.value[JJ_AGG_MAX] == hi);
    } else {
      assert_int_equal(s, JJ_ENODATA);
    }
  } else {
    assert_int_equal(jj_window_value(w, JJ_AGG_MAX, &x), JJ_EINVAL);
  }
}

/* One window against brute force over the whole stream. In order with
 * lateness 0 (the specialised pushes, every other one through
 * jj_window_push_value), or out of order within 8 s of lateness. */
static void run_case(jj_window_kind kind, uint32_t size, int sides, int ooo) {
  static sample s[NSAMPLES], acc[NSAMPLES];
  g_rng = size * 7919u + (uint32_t)sides * 131u + (uint32_t)ooo;
  const int64_t lateness = ooo ? 8 * SEC : 0; /* (swaps reach 6 s behind the newest) */
  make_stream(s, NSAMPLES, ooo, 3 * (int64_t)size * SEC);
  jj_window *w = make(kind, size, sides, lateness);
  size_t nacc = 0, full = 0;
  int64_t now = INT64_MIN;
  for (size_t i = 0; i < NSAMPLES; i++) {
    jj_status st;
    if (!ooo && i % 2) {
      double x;
      const jj_agg agg = (sides & SIDE_MAX) ? JJ_AGG_MAX : JJ_AGG_MIN;
      st = jj_window_push_value(w, s[i].ts, s[i].v, agg, &x);
    } else {
      st = jj_window_push(w, s[i].ts, s[i].v);
    }
    if (s[i].ts > now) now = s[i].ts;
    if (st == JJ_EFULL) { /* a time window at max_samples: not taken */
      full++;
      continue;
    }
    assert_int_equal(st, JJ_OK);
    acc[nacc++] = s[i];
    check_window(w, kind, size, sides, acc, nacc, now);
    if (ooo && i % 97 == 0) { /* time alone: pending samples settle (the next stay in time) */
      now += 1900;
      assert_int_equal(jj_window_advance(w, now), JJ_OK);
      check_window(w, kind, size, sides, acc, nacc, now);
    }
  }
  assert_true(full < NSAMPLES / 10); /* (the samples were taken: the test tested) */
  /* the lane grew to the ring's slots: max_samples of them, not a power of two */
  const size_t per_slot = 16 + (sides == SIDE_BOTH ? 16 : 8);
  const uint32_t slots = kind == JJ_WINDOW_SLIDING_COUNT ? size : size + 4;
  assert_true(jj_window_memory(w) >= slots * per_slot);
  assert_true(jj_window_memory(w) < slots * per_slot + 1024);
  jj_window_free(w);
}

static void test_against_brute_force(void **state) {
  (void)state;
  static const uint32_t sizes[] = {9, 17, 100};
  static const int side[] = {SIDE_MIN, SIDE_MAX, SIDE_BOTH};
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++)
        for (int ooo = 0; ooo < 2; ooo++)
          run_case(k ? JJ_WINDOW_SLIDING_TIME : JJ_WINDOW_SLIDING_COUNT, sizes[i], side[j], ooo);
}

/* ---- snapshots ------------------------------------------------------------ */

/* The image after its settings (a length-prefixed part). */
static size_t state_at(const unsigned char *p) {
  return 4 + ((size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 | (size_t)p[3] << 24);
}

static void test_snapshot_sides(void **state) {
  (void)state;
  static sample s[NSAMPLES];
  for (int kind = 0; kind < 2; kind++) {
    const jj_window_kind k = kind ? JJ_WINDOW_SLIDING_TIME : JJ_WINDOW_SLIDING_COUNT;
    g_rng = 4242u + (uint32_t)kind;
    make_stream(s, NSAMPLES, 1, 300 * SEC);
    jj_window *w[3];
    for (int j = 0; j < 3; j++) w[j] = make(k, 100, j + 1, 5 * SEC);
    for (size_t i = 0; i < NSAMPLES; i++) {
      for (int j = 0; j < 3; j++) (void)jj_window_push(w[j], s[i].ts, s[i].v);
      if (i % 211 != 0) continue;
      /* The same state after the settings, whichever sides are kept. */
      size_t n[3];
      unsigned char *img[3];
      for (int j = 0; j < 3; j++) img[j] = encode(w[j], &n[j]);
      const size_t at = state_at(img[2]);
      for (int j = 0; j < 2; j++) {
        assert_int_equal(n[j] - state_at(img[j]), n[2] - at);
        assert_memory_equal(img[j] + state_at(img[j]), img[2] + at, n[2] - at);
      }
      /* Restored, each continues as the window that wrote it. */
      for (int j = 0; j < 3; j++) {
        jj_window *r = make(k, 100, j + 1, 5 * SEC);
        jj_rbuf in = {img[j], n[j], 0, 0};
        assert_int_equal(jj__window_decode(r, &in), JJ_OK);
        for (size_t q = i + 1; q < i + 150 && q < NSAMPLES; q++) {
          (void)jj_window_push(r, s[q].ts, s[q].v);
          (void)jj_window_push(w[j], s[q].ts, s[q].v);
        }
        size_t na, nb;
        unsigned char *a = encode(w[j], &na), *b = encode(r, &nb);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, na);
        free(a);
        free(b);
        jj_window_free(r);
        /* (w[j] went on: put the others level with it) */
      }
      for (int j = 0; j < 3; j++) free(img[j]);
      i += 149;
      if (i >= NSAMPLES) break;
    }
    for (int j = 0; j < 3; j++) jj_window_free(w[j]);
  }
}

/* A damaged image whose DABA boundaries are out of order is refused, not
 * read through (the lane is addressed between them). */
static void test_snapshot_boundaries_checked(void **state) {
  (void)state;
  jj_window *w = make(JJ_WINDOW_SLIDING_COUNT, 9, SIDE_MAX, 0);
  for (int i = 0; i < 20; i++) assert_int_equal(jj_window_push(w, 1000 + i * SEC, i % 7), JJ_OK);
  size_t n;
  unsigned char *img = encode(w, &n);
  /* After the settings: has_now (1 byte), now, cap, head, n, agg, win, gen
   * (8 each), the 9 samples (16 each), both sums (24 each); then front,
   * end, l, r, a, b (8 each, relative to head). r = 9 > a = 0: each within
   * [0, agg], out of order. */
  const size_t at = state_at(img) + 1 + 7 * 8 + 9 * 16 + 2 * 24;
  assert_int_equal(img[at + 8], 9); /* end = agg_end - head: the layout is as read above */
  memset(img + at + 3 * 8, 0, 16);
  img[at + 3 * 8] = 9;
  jj_window *r = make(JJ_WINDOW_SLIDING_COUNT, 9, SIDE_MAX, 0);
  jj_rbuf in = {img, n, 0, 0};
  assert_int_equal(jj__window_decode(r, &in), JJ_EINVAL);
  free(img);
  jj_window_free(r);
  jj_window_free(w);
}

/* An image of a lateness-0 window whose samples are not in DABA yet (the
 * deque empty: agg = 0, boundaries 0, no lane entries) is settled on
 * restore: the pushes and reads of such a window take DABA for the whole
 * window without looking (all_settled in window.c). One with a sample
 * later than its now cannot be settled, and is refused. */
static unsigned char *unsettled_image(const unsigned char *img, size_t n, size_t *out_n) {
  /* The layout as in test_snapshot_boundaries_checked; then the lane: mid
   * and back (16 each), the 9 entries (16 each). */
  const size_t st = state_at(img), agg = st + 1 + 4 * 8, bounds = st + 1 + 7 * 8 + 9 * 16 + 2 * 24;
  const size_t lane = bounds + 6 * 8, entries = lane + 2 * 16;
  assert_int_equal(img[agg], 9);
  unsigned char *p = malloc(n);
  assert_non_null(p);
  memcpy(p, img, entries);
  memcpy(p + entries, img + entries + 9 * 16, n - entries - 9 * 16);
  memset(p + agg, 0, 8);
  memset(p + bounds, 0, 6 * 8);
  const double inf = INFINITY;
  for (int i = 0; i < 4; i++) memcpy(p + lane + 8 * (size_t)i, &inf, 8); /* mid, back: empty */
  *out_n = n - 9 * 16;
  return p;
}

static void test_snapshot_pending_settled(void **state) {
  (void)state;
  for (int sides = SIDE_MIN; sides <= SIDE_BOTH; sides++) {
    jj_window *w = make(JJ_WINDOW_SLIDING_COUNT, 9, sides, 0);
    for (int i = 0; i < 20; i++)
      assert_int_equal(jj_window_push(w, 1000 + i * SEC, (i * 5) % 11), JJ_OK);
    size_t n, m;
    unsigned char *img = encode(w, &n);
    unsigned char *bad = unsettled_image(img, n, &m);
    jj_window *r = make(JJ_WINDOW_SLIDING_COUNT, 9, sides, 0);
    jj_rbuf in = {bad, m, 0, 0};
    assert_int_equal(jj__window_decode(r, &in), JJ_OK);
    /* The same values as the window that wrote it, read and after pushes. */
    for (int i = 20; i < 40; i++) {
      for (int agg = JJ_AGG_MIN; agg <= JJ_AGG_MAX; agg++) {
        if (!(sides & (agg == JJ_AGG_MIN ? SIDE_MIN : SIDE_MAX))) continue;
        double a, b;
        assert_int_equal(jj_window_value(w, (jj_agg)agg, &a), JJ_OK);
        assert_int_equal(jj_window_value(r, (jj_agg)agg, &b), JJ_OK);
        assert_true(a == b);
      }
      const double v = (i * 7) % 13;
      assert_int_equal(jj_window_push(w, 1000 + i * SEC, v), JJ_OK);
      assert_int_equal(jj_window_push(r, 1000 + i * SEC, v), JJ_OK);
    }
    jj_window_free(r);
    /* now before the newest sample: nothing settles it. */
    const size_t now_at = state_at(img) + 1;
    const int64_t early = 1000 + 18 * SEC;
    memcpy(bad + now_at, &early, 8); /* (little-endian, as the image) */
    r = make(JJ_WINDOW_SLIDING_COUNT, 9, sides, 0);
    in = (jj_rbuf){bad, m, 0, 0};
    assert_int_equal(jj__window_decode(r, &in), JJ_EINVAL);
    jj_window_free(r);
    free(bad);
    free(img);
    jj_window_free(w);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_against_brute_force),
      cmocka_unit_test(test_snapshot_sides),
      cmocka_unit_test(test_snapshot_boundaries_checked),
      cmocka_unit_test(test_snapshot_pending_settled),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
