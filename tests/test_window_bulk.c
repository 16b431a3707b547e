/* jj_window_push_values: a run of samples in one call gives what as many
 * jj_window_push_value calls give, bit for bit: every out value and
 * status, the run's status, counters, stats, the closed results and the
 * snapshot image after each run. Windows of every aggregate, kind,
 * lateness and duplicate policy, fed a stream with refusals in it (NaN,
 * invalid, late, duplicate, full) and runs that cross the ring's growth;
 * then the argument checks. (Linked statically: the snapshot images are
 * read through the library's encoder.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jjair/window.h"
#include "window_image_testutil.h"

#define SEC 1000
#define NSAMPLES 700

static uint32_t g_rng = 7;
static uint32_t rnd(void) {
  g_rng = g_rng * 1103515245u + 12345u;
  return g_rng >> 8;
}

/* A stream in time order with every kind of refusal mixed in: duplicate
 * timestamps, samples a little out of order (within a lateness of 3 s)
 * and far behind (late), gaps that empty a time window, NaN, infinity
 * and values beyond JJ_WINDOW_VALUE_LIMIT. */
static void make_stream(int64_t *ts, double *v, size_t n) {
  int64_t t = 1000000;
  for (size_t i = 0; i < n; i++) {
    const uint32_t r = rnd() % 100u;
    double x = 20.0 + (double)(rnd() % 10000u) / 97.0 - (rnd() % 4u == 0 ? 60.0 : 0.0);
    if (r < 8 && i > 0) {
      /* a duplicate of the previous timestamp */
    } else if (r < 12) {
      t -= 1500; /* out of order, within 3 s */
    } else if (r < 15) {
      t -= 40 * SEC; /* late for every window here */
    } else if (r < 17) {
      t += 200 * SEC; /* a gap: a time window empties */
    } else {
      t += SEC;
    }
    if (r == 17) x = NAN;
    if (r == 18) x = INFINITY;
    if (r == 19) x = 2.0 * JJ_WINDOW_VALUE_LIMIT;
    ts[i] = t;
    v[i] = x;
    if (t < 1000000 - 50 * SEC) t = 1000000; /* (stays in range) */
  }
}

/* The run lengths the bulk window is fed in: single samples, short and
 * long runs, empty ones. */
static const size_t k_runs[] = {1, 7, 0, 64, 3, 200, 1, 0, 31, 400};
#define NRUNS (sizeof k_runs / sizeof k_runs[0])

static int refusal(jj_status st) { return st != JJ_OK && st != JJ_EINCOMPLETE && st != JJ_ENODATA; }

/* Everything observable of two windows is the same. */
static void assert_same_window(const jj_window *a, const jj_window *b) {
  jj_window_counters ca, cb;
  memset(&ca, 0, sizeof ca);
  memset(&cb, 0, sizeof cb);
  jj_window_counters_get(a, &ca);
  jj_window_counters_get(b, &cb);
  assert_memory_equal(&ca, &cb, sizeof ca);
  jj_window_stats sa, sb;
  memset(&sa, 0, sizeof sa);
  memset(&sb, 0, sizeof sb);
  assert_int_equal(jj_window_stats_get(a, &sa), jj_window_stats_get(b, &sb));
  assert_memory_equal(&sa, &sb, sizeof sa);
  assert_true(jj_window_now(a) == jj_window_now(b));
  size_t na, nb;
  unsigned char *ia = encode(a, &na), *ib = encode(b, &nb);
  assert_int_equal(na, nb);
  assert_memory_equal(ia, ib, na);
  free(ia);
  free(ib);
}

/* Both windows' closed results (TUMBLING), popped in step. */
static void assert_same_closed(jj_window *a, jj_window *b) {
  for (;;) {
    jj_window_stats sa, sb;
    memset(&sa, 0, sizeof sa);
    memset(&sb, 0, sizeof sb);
    const int ga = jj_window_pop_closed(a, &sa), gb = jj_window_pop_closed(b, &sb);
    assert_int_equal(ga, gb);
    if (!ga) return;
    assert_memory_equal(&sa, &sb, sizeof sa);
  }
}

/* One configuration: window `single` fed by jj_window_push_value, window
 * `bulk` by jj_window_push_values in the runs of k_runs (with and without
 * the status array), compared after every run. */
static void check_config(const jj_window_config *cfg, jj_agg agg, const int64_t *ts,
                         const double *v, size_t n) {
  jj_window *single = NULL, *bulk = NULL;
  assert_int_equal(jj_window_new(cfg, NULL, &single), JJ_OK);
  assert_int_equal(jj_window_new(cfg, NULL, &bulk), JJ_OK);
  double out[NSAMPLES], want[NSAMPLES];
  jj_status status[NSAMPLES], want_st[NSAMPLES];
  size_t at = 0;
  for (size_t k = 0; at < n; k++) {
    size_t m = k_runs[k % NRUNS];
    if (m > n - at) m = n - at;
    jj_status first = JJ_OK;
    for (size_t i = 0; i < m; i++) {
      want_st[i] = jj_window_push_value(single, ts[at + i], v[at + i], agg, &want[i]);
      if (refusal(want_st[i]) && first == JJ_OK) first = want_st[i];
    }
    const int with_status = k % 3 != 2;
    memset(out, 0xa5, sizeof out);
    assert_int_equal(
        jj_window_push_values(bulk, ts + at, v + at, m, agg, out, with_status ? status : NULL),
        first);
    assert_memory_equal(out, want, m * sizeof out[0]);
    if (with_status)
      for (size_t i = 0; i < m; i++) assert_int_equal(status[i], want_st[i]);
    assert_same_window(single, bulk);
    assert_same_closed(single, bulk);
    at += m;
  }
  jj_window_free(single);
  jj_window_free(bulk);
}

/* Every aggregate read alone and next to the sums and a two-sided lane,
 * for every kind, lateness 0 and 3 s, every duplicate policy, with a ring
 * that grows (not preallocated) and one made whole at creation. */
static void test_bulk_same_as_single_calls(void **state) {
  (void)state;
  int64_t ts[NSAMPLES];
  double v[NSAMPLES];
  make_stream(ts, v, NSAMPLES);
  static const jj_window_kind kinds[] = {JJ_WINDOW_SLIDING_COUNT, JJ_WINDOW_SLIDING_TIME,
                                         JJ_WINDOW_TUMBLING};
  static const jj_dup_policy dups[] = {JJ_DUP_KEEP, JJ_DUP_REPLACE, JJ_DUP_REJECT};
  static const int64_t latenesses[] = {0, 3 * SEC};
  unsigned configs = 0;
  for (int agg = 0; agg < JJ_AGG__COUNT; agg++)
    for (int with_others = 0; with_others < 2; with_others++)
      for (size_t k = 0; k < 3; k++)
        for (size_t l = 0; l < 2; l++)
          for (size_t d = 0; d < 3; d++)
            for (int prealloc = 0; prealloc < 2; prealloc++) {
              jj_window_config cfg;
              jj_window_config_init(&cfg);
              cfg.kind = kinds[k];
              cfg.aggregates = JJ_AGG_BIT(agg);
              if (with_others)
                cfg.aggregates |=
                    JJ_AGG_BIT(JJ_AGG_SUM) | JJ_AGG_BIT(JJ_AGG_MIN) | JJ_AGG_BIT(JJ_AGG_MAX);
              cfg.lateness_ms = latenesses[l];
              cfg.duplicates = dups[d];
              cfg.preallocate = prealloc;
              cfg.percentile = 0.9;
              cfg.ewma_halflife_ms = 30 * SEC;
              cfg.min_samples = 5; /* (JJ_EINCOMPLETE while short) */
              if (kinds[k] == JJ_WINDOW_SLIDING_COUNT) {
                cfg.count = 40; /* (a growing ring: 16 slots first) */
              } else if (kinds[k] == JJ_WINDOW_SLIDING_TIME) {
                cfg.span_ms = 90 * SEC;
                cfg.max_samples = 64; /* full before the span: JJ_EFULL */
              } else {
                cfg.span_ms = 20 * SEC;
                cfg.hop_ms = 10 * SEC;
              }
              check_config(&cfg, (jj_agg)agg, ts, v, NSAMPLES);
              configs++;
            }
  assert_int_equal(configs, JJ_AGG__COUNT * 2 * 3 * 2 * 3 * 2);
}

/* Long runs of in-order samples (the specialised copies' loop) through
 * the ring's growth up to a large window and a full time window, one run
 * each, for the reads those copies make themselves. */
static void test_bulk_long_runs_through_growth(void **state) {
  (void)state;
  enum { N = 20000 };
  int64_t *ts = malloc(N * sizeof *ts);
  double *v = malloc(N * sizeof *v), *out = malloc(N * sizeof *out),
         *want = malloc(N * sizeof *want);
  jj_status *st = malloc(N * sizeof *st);
  assert_non_null(ts);
  assert_non_null(v);
  assert_non_null(out);
  assert_non_null(want);
  assert_non_null(st);
  for (size_t i = 0; i < N; i++) {
    ts[i] = (int64_t)(i + 1) * SEC;
    v[i] = 50.0 + (double)(rnd() % 100000u) / 1000.0 - 25.0 * (double)(i % 3u);
  }
  static const jj_agg aggs[] = {JJ_AGG_SUM, JJ_AGG_MEAN, JJ_AGG_MIN, JJ_AGG_MAX};
  for (size_t a = 0; a < 4; a++)
    for (int kind = 0; kind < 2; kind++)
      for (int both = 0; both < 2; both++) {
        jj_window_config cfg;
        jj_window_config_init(&cfg);
        cfg.aggregates =
            JJ_AGG_BIT(aggs[a]) |
            (both ? JJ_AGG_BIT(JJ_AGG_SUM) | JJ_AGG_BIT(JJ_AGG_MIN) | JJ_AGG_BIT(JJ_AGG_MAX) : 0u);
        if (kind == 0) {
          cfg.kind = JJ_WINDOW_SLIDING_COUNT;
          cfg.count = 5000;
        } else {
          cfg.kind = JJ_WINDOW_SLIDING_TIME;
          cfg.span_ms = 6000 * SEC;
          cfg.max_samples = 4000; /* full: the oldest stays, JJ_EFULL */
        }
        jj_window *single = NULL, *bulk = NULL;
        assert_int_equal(jj_window_new(&cfg, NULL, &single), JJ_OK);
        assert_int_equal(jj_window_new(&cfg, NULL, &bulk), JJ_OK);
        jj_status first = JJ_OK;
        for (size_t i = 0; i < N; i++) {
          const jj_status s = jj_window_push_value(single, ts[i], v[i], aggs[a], &want[i]);
          if (refusal(s) && first == JJ_OK) first = s;
        }
        assert_int_equal(first, kind == 0 ? JJ_OK : JJ_EFULL);
        assert_int_equal(jj_window_push_values(bulk, ts, v, N, aggs[a], out, st), first);
        assert_memory_equal(out, want, N * sizeof *out);
        assert_same_window(single, bulk);
        jj_window_free(single);
        jj_window_free(bulk);
      }
  free(ts);
  free(v);
  free(out);
  free(want);
  free(st);
}

/* JJ_EINVAL before anything: what n calls would each give in out and
 * status, the window unchanged. n == 0: JJ_OK, nothing written. */
static void test_bulk_arguments(void **state) {
  (void)state;
  jj_window_config cfg;
  jj_window_config_init(&cfg);
  cfg.kind = JJ_WINDOW_SLIDING_COUNT;
  cfg.count = 8;
  cfg.aggregates = JJ_AGG_BIT(JJ_AGG_SUM);
  jj_window *w = NULL;
  assert_int_equal(jj_window_new(&cfg, NULL, &w), JJ_OK);
  const int64_t ts[3] = {1000, 2000, 3000};
  const double v[3] = {1.0, 2.0, 3.0};
  double out[4] = {5.0, 5.0, 5.0, 5.0};
  jj_status st[4] = {JJ_OK, JJ_OK, JJ_OK, JJ_OK};

  assert_int_equal(jj_window_push_values(NULL, ts, v, 3, JJ_AGG_SUM, out, st), JJ_EINVAL);
  for (int i = 0; i < 3; i++) {
    assert_true(isnan(out[i]));
    assert_int_equal(st[i], JJ_EINVAL);
  }
  assert_int_equal(jj_window_push_values(w, NULL, v, 3, JJ_AGG_SUM, out, NULL), JJ_EINVAL);
  assert_int_equal(jj_window_push_values(w, ts, NULL, 3, JJ_AGG_SUM, out, NULL), JJ_EINVAL);
  assert_int_equal(jj_window_push_values(w, ts, v, 3, JJ_AGG_SUM, NULL, st), JJ_EINVAL);
  assert_int_equal(jj_window_push_values(w, ts, v, 3, JJ_AGG_MAX, out, NULL), JJ_EINVAL);
  assert_int_equal(jj_window_push_values(w, ts, v, 3, (jj_agg)JJ_AGG__COUNT, out, NULL), JJ_EINVAL);
  assert_int_equal(jj_window_push_values(w, ts, v, 3, (jj_agg)-1, out, NULL), JJ_EINVAL);
  jj_window_counters c;
  jj_window_counters_get(w, &c);
  assert_int_equal(c.accepted, 0); /* nothing was pushed */
  assert_true(jj_window_now(w) != 3000);

  /* n == 0: nothing read (NULL arrays allowed) or written. */
  out[0] = 5.0;
  st[0] = JJ_ENOMEM;
  assert_int_equal(jj_window_push_values(w, NULL, NULL, 0, JJ_AGG_SUM, NULL, NULL), JJ_OK);
  assert_int_equal(jj_window_push_values(w, ts, v, 0, JJ_AGG_SUM, out, st), JJ_OK);
  assert_true(out[0] == 5.0);
  assert_int_equal(st[0], JJ_ENOMEM);
  assert_int_equal(jj_window_push_values(NULL, ts, v, 0, JJ_AGG_SUM, out, st), JJ_EINVAL);
  assert_int_equal(jj_window_push_values(w, ts, v, 0, JJ_AGG_MAX, out, st), JJ_EINVAL);

  /* And a valid run: the sums after each sample. */
  assert_int_equal(jj_window_push_values(w, ts, v, 3, JJ_AGG_SUM, out, st), JJ_OK);
  assert_true(out[0] == 1.0 && out[1] == 3.0 && out[2] == 6.0);
  for (int i = 0; i < 3; i++) assert_int_equal(st[i], JJ_OK);
  /* Every sample is tried after a refusal; the run returns the first. */
  const int64_t ts2[4] = {2500, 4000, 4000, 5000};
  const double v2[4] = {1.0, NAN, 4.0, 5.0};
  assert_int_equal(jj_window_push_values(w, ts2, v2, 4, JJ_AGG_SUM, out, st), JJ_ELATE);
  assert_int_equal(st[0], JJ_ELATE);
  assert_int_equal(st[1], JJ_ENAN);
  assert_int_equal(st[2], JJ_OK);
  assert_int_equal(st[3], JJ_OK);
  assert_true(isnan(out[0]) && isnan(out[1]) && out[2] == 10.0 && out[3] == 15.0);
  jj_window_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bulk_same_as_single_calls),
      cmocka_unit_test(test_bulk_long_runs_through_growth),
      cmocka_unit_test(test_bulk_arguments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
