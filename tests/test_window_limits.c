/* Limits of the window and what each bad input gets (issue "hardening",
 * window part): values beyond JJ_WINDOW_VALUE_LIMIT, hopping windows whose
 * results must not depend on how time moves, the span/hop bound, and count
 * windows that do not fit the engine's max_samples_per_window. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine_testutil.h"
#include "jjair/jjair.h"

static jj_window *mkwin(const jj_window_config *c) {
  jj_window *w = NULL;
  assert_int_equal(jj_window_new(c, NULL, &w), JJ_OK);
  return w;
}

static double value_of(const jj_window *w, jj_agg agg) {
  double v;
  jj_status st = jj_window_value(w, agg, &v);
  assert_true(st == JJ_OK || st == JJ_EINCOMPLETE);
  return v;
}

/* Two readings of 1e308 used to overflow the sum to infinity, and to NaN
 * once one left: values beyond the limit are refused and counted, values
 * at it keep every sum finite. */
static void test_value_limit_window(void **state) {
  (void)state;
  jj_window_config c;
  jj_window_config_init(&c);
  c.kind = JJ_WINDOW_SLIDING_COUNT;
  c.count = 3;
  c.aggregates = JJ_AGG_ALL;
  jj_window *w = mkwin(&c);
  assert_int_equal(jj_window_push(w, 1, 1e308), JJ_EINVAL);
  assert_int_equal(jj_window_push(w, 2, -1e289), JJ_EINVAL);
  jj_window_counters ctr;
  jj_window_counters_get(w, &ctr);
  assert_int_equal(ctr.rejected_invalid, 2);
  assert_int_equal(ctr.accepted, 0);
  for (int i = 0; i < 10; i++)
    assert_int_equal(jj_window_push(w, 10 + i, JJ_WINDOW_VALUE_LIMIT), JJ_OK);
  assert_true(fabs(value_of(w, JJ_AGG_SUM) / (3 * JJ_WINDOW_VALUE_LIMIT) - 1.0) < 1e-15);
  assert_true(fabs(value_of(w, JJ_AGG_MEAN) / JJ_WINDOW_VALUE_LIMIT - 1.0) < 1e-15);
  assert_true(value_of(w, JJ_AGG_PERCENTILE) > 0.9 * JJ_WINDOW_VALUE_LIMIT);
  /* A fast in-order push is refused the same way. */
  assert_int_equal(jj_window_push(w, 100, INFINITY), JJ_ENAN);
  assert_int_equal(jj_window_push(w, 101, 2 * JJ_WINDOW_VALUE_LIMIT), JJ_EINVAL);
  assert_true(fabs(value_of(w, JJ_AGG_SUM) / (3 * JJ_WINDOW_VALUE_LIMIT) - 1.0) < 1e-15);
  jj_window_free(w);
}

/* EWMA weights used to reach 2^512 before a rebase: times a value of 1e288
 * that is infinity. */
static void test_ewma_of_huge_values(void **state) {
  (void)state;
  jj_window_config c;
  jj_window_config_init(&c);
  c.kind = JJ_WINDOW_SLIDING_COUNT;
  c.count = 4;
  c.aggregates = JJ_AGG_BIT(JJ_AGG_EWMA);
  c.ewma_halflife_ms = 1000;
  jj_window *w = mkwin(&c);
  for (int i = 0; i < 3000; i++) {
    assert_int_equal(jj_window_push(w, (int64_t)i * 1000, 1e288), JJ_OK);
    double v = value_of(w, JJ_AGG_EWMA);
    if (!(fabs(v / 1e288 - 1.0) < 1e-9)) fail_msg("sample %d: ewma %g", i, v);
  }
  jj_window_free(w);
}

/* The engine refuses what its windows would refuse, before anything. */
static void test_value_limit_engine(void **state) {
  (void)state;
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "sum";
  rc.metric = "x";
  rc.aggregate = JJ_AGG_SUM;
  jj_level_config lv = et_level("high", JJ_CMP_GE, 1e300, JJ_CMP_NONE, 0, 1);
  jj_ruleset *rs = et_ruleset1(&rc, &lv, 1);
  jj_engine *e = NULL;
  assert_int_equal(jj_engine_new(rs, NULL, NULL, &e), JJ_OK);
  jj_ruleset_free(rs);
  jj_series_id id;
  assert_int_equal(jj_engine_series(e, "x", NULL, 0, &id), JJ_OK);
  assert_int_equal(jj_engine_push(e, id, ET_T0, 1e308), JJ_EINVAL);
  assert_int_equal(jj_engine_push(e, id, ET_T0 + 1, 1e288), JJ_OK);
  assert_int_equal(jj_engine_push(e, id, ET_T0 + 2, 1e288), JJ_OK);
  jj_engine_stats st;
  jj_engine_stats_get(e, &st);
  assert_int_equal(st.rejected_invalid, 1);
  assert_int_equal(st.rejected_window, 0);
  jj_alert_state as;
  assert_int_equal(jj_engine_alert_state(e, id, 0, &as), JJ_OK);
  assert_true(as.value == 2e288);
  jj_engine_free(e);
}

/* ---- hopping windows: results independent of how time moves ---------- */

typedef struct result {
  int64_t start, end;
  uint64_t count;
  uint32_t windows;
  double sum;
} result;

typedef struct results {
  result *r;
  size_t n, cap;
} results;

static void drain(jj_window *w, results *out) {
  jj_window_stats s;
  while (jj_window_pop_closed(w, &s)) {
    if (out->n == out->cap) {
      out->cap = out->cap ? 2 * out->cap : 1024;
      out->r = realloc(out->r, out->cap * sizeof *out->r);
      assert_non_null(out->r);
    }
    result *r = &out->r[out->n++];
    r->start = s.start_ms;
    r->end = s.end_ms;
    r->count = s.count;
    r->windows = s.windows;
    r->sum = s.value[JJ_AGG_SUM];
  }
}

static jj_window_config hopping(void) {
  jj_window_config c;
  jj_window_config_init(&c);
  c.kind = JJ_WINDOW_TUMBLING;
  c.span_ms = 1000;
  c.hop_ms = 1; /* 1000 overlapping windows: many more close at once than the queue holds */
  c.lateness_ms = 50;
  c.aggregates = JJ_AGG_BIT(JJ_AGG_COUNT) | JJ_AGG_BIT(JJ_AGG_SUM);
  return c;
}

#define NSAMP 1500
#define T_END 6000

/* mode 0: pop after every push and advance; 1: pop only at the very end
 * (one advance); 2: advance 1 ms at a time after the last sample, popping
 * each time. */
static results run_hopping(int mode) {
  jj_window_config c = hopping();
  jj_window *w = mkwin(&c);
  results out = {NULL, 0, 0};
  for (int i = 0; i < NSAMP; i++) {
    /* a gap in the middle gives runs of empty windows too */
    int64_t ts = i < NSAMP / 2 ? i : i + 2000;
    assert_int_equal(jj_window_push(w, ts, (double)(i % 7)), JJ_OK);
    if (mode == 0) drain(w, &out);
  }
  if (mode == 2) {
    for (int64_t t = NSAMP + 2000; t <= T_END; t++) {
      assert_int_equal(jj_window_advance(w, t), JJ_OK);
      drain(w, &out);
    }
  } else {
    assert_int_equal(jj_window_advance(w, T_END), JJ_OK);
  }
  drain(w, &out);
  jj_window_counters ctr;
  jj_window_counters_get(w, &ctr);
  assert_int_equal(ctr.closed_dropped, 0);
  assert_int_equal(ctr.rejected_full, 0);
  jj_window_free(w);
  return out;
}

/* Results one window each: a run of k empty windows is k entries (how
 * runs are cut depends on how time moved; the windows they stand for do
 * not). */
static results expand(const results *x) {
  results out = {NULL, 0, 0};
  size_t n = 0;
  for (size_t i = 0; i < x->n; i++) n += x->r[i].windows;
  out.r = calloc(n ? n : 1, sizeof *out.r);
  assert_non_null(out.r);
  for (size_t i = 0; i < x->n; i++) {
    for (uint32_t k = 0; k < x->r[i].windows; k++) {
      result *r = &out.r[out.n++];
      *r = x->r[i];
      r->start = x->r[i].start + (int64_t)k;
      r->end = r->start + 1000;
      r->windows = 1;
    }
  }
  return out;
}

static void test_hopping_granularity(void **state) {
  (void)state;
  results raw[3] = {run_hopping(0), run_hopping(1), run_hopping(2)};
  results a = expand(&raw[0]), b = expand(&raw[1]), c = expand(&raw[2]);
  /* Every window up to the watermark, once, in order: none lost. */
  assert_true(a.n > 5000);
  assert_int_equal(a.r[a.n - 1].end, T_END - 50);
  for (size_t i = 1; i < a.n; i++) assert_int_equal(a.r[i].end, a.r[i - 1].end + 1);
  for (int m = 0; m < 2; m++) {
    const results *x = m ? &c : &b;
    assert_int_equal(x->n, a.n);
    for (size_t i = 0; i < a.n; i++) {
      assert_int_equal(x->r[i].start, a.r[i].start);
      assert_int_equal(x->r[i].count, a.r[i].count);
      assert_true(x->r[i].sum == a.r[i].sum || (isnan(x->r[i].sum) && isnan(a.r[i].sum)));
    }
  }
  for (int m = 0; m < 3; m++) free(raw[m].r);
  free(a.r);
  free(b.r);
  free(c.r);
}

/* span / hop is bounded: every window a sample is in is closed on its own. */
static void test_overlap_bound(void **state) {
  (void)state;
  jj_window_config c = hopping();
  jj_window *w = NULL;
  c.span_ms = JJ_WINDOW_MAX_OVERLAP;
  assert_int_equal(jj_window_new(&c, NULL, &w), JJ_OK);
  jj_window_free(w);
  c.span_ms = JJ_WINDOW_MAX_OVERLAP + 1;
  assert_int_equal(jj_window_new(&c, NULL, &w), JJ_EINVAL);
  assert_null(w);
  c.span_ms = 86400000; /* 1 d over 1 ms */
  assert_int_equal(jj_window_new(&c, NULL, &w), JJ_EINVAL);

  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "hop";
  rc.metric = "x";
  rc.window = c;
  uint32_t idx;
  jj_error err;
  memset(&err, 0, sizeof err);
  assert_int_equal(jj_ruleset_builder_add_rule(b, &rc, &idx, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "span / hop is 86400000"));
  assert_non_null(strstr(err.message, "'hop'"));
  jj_ruleset_builder_free(b);
}

/* ---- count windows and the engine's cap -------------------------------- */

static jj_ruleset *count_rule(uint32_t count) {
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "last-n";
  rc.metric = "x";
  rc.window.kind = JJ_WINDOW_SLIDING_COUNT;
  rc.window.count = count;
  rc.aggregate = JJ_AGG_MEAN;
  jj_level_config lv = et_level("high", JJ_CMP_GE, 1e9, JJ_CMP_NONE, 0, 1);
  return et_ruleset1(&rc, &lv, 1);
}

static void test_count_window_engine_cap(void **state) {
  (void)state;
  jj_ruleset *rs = count_rule(100);
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  jj_engine *e = NULL;
  cfg.max_samples_per_window = 99;
  assert_int_equal(jj_engine_new(rs, &cfg, NULL, &e), JJ_ELIMIT);
  assert_null(e);
  cfg.max_samples_per_window = 100; /* a count window stores exactly `count` */
  assert_int_equal(jj_engine_new(rs, &cfg, NULL, &e), JJ_OK);
  jj_ruleset_free(rs);
  jj_series_id id;
  assert_int_equal(jj_engine_series(e, "x", NULL, 0, &id), JJ_OK);
  for (int i = 0; i < 250; i++) assert_int_equal(jj_engine_push(e, id, ET_T0 + i, i), JJ_OK);
  jj_alert_state as;
  assert_int_equal(jj_engine_alert_state(e, id, 0, &as), JJ_OK);
  assert_true(as.value == 199.5); /* the mean of 150 .. 249: exactly the last 100 */
  jj_engine_free(e);
}

/* A count window of 2^k samples takes 2^k slots, not 2^(k+1): storage
 * does not double at a power of two. Out-of-order samples still land
 * right (an older one than all is counted in and out). */
static void test_count_window_storage(void **state) {
  (void)state;
  jj_window_config c;
  jj_window_config_init(&c);
  c.kind = JJ_WINDOW_SLIDING_COUNT;
  c.count = 1024;
  c.lateness_ms = 1000000;
  c.aggregates = JJ_AGG_BIT(JJ_AGG_SUM) | JJ_AGG_BIT(JJ_AGG_MAX) | JJ_AGG_BIT(JJ_AGG_COUNT);
  c.preallocate = 1;
  jj_window *w = mkwin(&c);
  size_t mem = jj_window_memory(w);
  /* ring + DABA slots: 24 bytes a slot (16 B a sample, 8 B of a lane that
   * keeps max alone); the struct is far below 32 K */
  assert_true(mem < 1024 * 24 + 32768);
  assert_true(mem >= 1024 * 24);
  for (int i = 0; i < 3000; i++) assert_int_equal(jj_window_push(w, 10000 + i, i), JJ_OK);
  assert_true(value_of(w, JJ_AGG_COUNT) == 1024);
  /* the newest 1024: 1976 .. 2999 */
  assert_true(value_of(w, JJ_AGG_SUM) == (1976.0 + 2999.0) * 1024 / 2);
  /* older than all stored: in and out at once */
  assert_int_equal(jj_window_push(w, 5, 1e6), JJ_OK);
  assert_true(value_of(w, JJ_AGG_MAX) == 2999.0);
  /* out of order, inside: the oldest stored leaves */
  assert_int_equal(jj_window_push(w, 12500, 1e6), JJ_OK);
  assert_true(value_of(w, JJ_AGG_MAX) == 1e6);
  assert_true(value_of(w, JJ_AGG_SUM) == (1977.0 + 2999.0) * 1023 / 2 + 1e6);
  jj_window_counters ctr;
  jj_window_counters_get(w, &ctr);
  assert_int_equal(ctr.rejected_full, 0);
  assert_int_equal(ctr.accepted, 3002);
  assert_int_equal(ctr.evicted, 3002 - 1024);
  assert_true(jj_window_memory(w) == mem); /* preallocated: nothing grew */
  jj_window_free(w);
}

/* Time windows: storage grows by an eighth, not to the next power of two
 * (70 samples: at most 78 slots, not 128), and a full window whose oldest
 * sample leaves as the new one comes does not grow at all. A count window
 * of 1025 takes 1025 slots, not 2048, and so does its min/max lane: 8 B a
 * slot for one side, 16 B for both. */
static void test_storage_not_doubled(void **state) {
  (void)state;
  jj_window_config c;
  jj_window_config_init(&c);
  c.span_ms = 70000;
  c.aggregates = JJ_AGG_BIT(JJ_AGG_MEAN);
  jj_window *w = mkwin(&c);
  const size_t fresh = jj_window_memory(w); /* 16 slots */
  int64_t t = 1000;
  for (int i = 0; i < 70; i++, t += 1000) assert_int_equal(jj_window_push(w, t, i), JJ_OK);
  const size_t full = jj_window_memory(w);
  const size_t slots = 16 + (full - fresh) / 16;
  assert_true(slots >= 70 && slots <= 78);
  for (int i = 0; i < 1000; i++, t += 1000) assert_int_equal(jj_window_push(w, t, i), JJ_OK);
  assert_true(jj_window_memory(w) == full);
  assert_true(value_of(w, JJ_AGG_MEAN) == (930.0 + 999.0) / 2);
  jj_window_counters ctr;
  jj_window_counters_get(w, &ctr);
  assert_int_equal(ctr.accepted, 1070);
  assert_int_equal(ctr.evicted, 1000);
  jj_window_free(w);

  jj_window_config_init(&c);
  c.kind = JJ_WINDOW_SLIDING_COUNT;
  c.count = 1025;
  c.aggregates = JJ_AGG_BIT(JJ_AGG_SUM);
  c.preallocate = 1;
  w = mkwin(&c);
  assert_true(jj_window_memory(w) >= 1025 * 16 && jj_window_memory(w) < 1025 * 16 + 4096);
  jj_window_free(w);
  c.aggregates = JJ_AGG_BIT(JJ_AGG_MAX); /* a one-sided lane */
  w = mkwin(&c);
  assert_true(jj_window_memory(w) >= 1025 * 24 && jj_window_memory(w) < 1025 * 24 + 4096);
  jj_window_free(w);
  c.aggregates = JJ_AGG_BIT(JJ_AGG_MIN) | JJ_AGG_BIT(JJ_AGG_MAX); /* both sides */
  w = mkwin(&c);
  assert_true(jj_window_memory(w) >= 1025 * 32 && jj_window_memory(w) < 1025 * 32 + 4096);
  jj_window_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_value_limit_window),
      cmocka_unit_test(test_ewma_of_huge_values),
      cmocka_unit_test(test_value_limit_engine),
      cmocka_unit_test(test_hopping_granularity),
      cmocka_unit_test(test_overlap_bound),
      cmocka_unit_test(test_count_window_engine_cap),
      cmocka_unit_test(test_count_window_storage),
      cmocka_unit_test(test_storage_not_doubled),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
