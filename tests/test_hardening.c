/* Hardening regressions (issue 10): each test pins the defined answer to an
 * input or a fault that once gave an undefined or silently wrong one —
 * quality events before any reading, "no limit" time settings, a series
 * no rule matches, a full poll queue, a creation that fails half way,
 * groups whose members go silent, push_batch against push, long-run drift
 * of the running sums. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine_testutil.h"
#include "testutil.h"

/* ---- quality events before the first accepted reading -------------------- */

/* A reading outside valid_min..valid_max as the very first one: the
 * QUALITY event has no window yet (both bounds INT64_MIN, never a bound
 * computed from INT64_MIN), and QUALITY_RESOLVED has no firing episode
 * to report (started_ms INT64_MIN), for sliding and TUMBLING rules alike. */
static void quality_first_reading(jj_window_kind kind) {

  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "pm";
  rc.metric = "pm25";
  rc.window.kind = kind;
  rc.window.span_ms = ET_HOUR;
  rc.valid_min = 0;
  rc.valid_max = 1000;
  jj_level_config lv = et_level("high", JJ_CMP_GE, 75, JJ_CMP_NONE, 0, 1);
  jj_ruleset *rs = et_ruleset1(&rc, &lv, 1);
  et_rec rec = {0};
  jj_engine *e = et_engine(rs, NULL, &rec);
  jj_series_id id = et_series(e, "pm25", NULL, 0);
  assert_int_equal(jj_engine_push(e, id, ET_H(0), 5000), JJ_ERANGE);
  const jj_event *ev = et_expect(&rec, JJ_EVENT_QUALITY, 0);
  assert_true(ev->window_start_ms == INT64_MIN);
  assert_true(ev->window_end_ms == INT64_MIN);
  assert_true(ev->started_ms == ET_H(0));
  et_push(e, id, ET_H(0) + ET_MIN, 10);
  ev = et_expect(&rec, JJ_EVENT_QUALITY_RESOLVED, 0);
  assert_true(ev->started_ms == INT64_MIN);
  /* the gate runs before the window takes the reading: still no window */
  assert_true(ev->window_start_ms == INT64_MIN);
  assert_true(ev->window_end_ms == INT64_MIN);
  jj_engine_free(e);
  jj_ruleset_free(rs);
  et_rec_free(&rec);
}

static void test_quality_before_first_reading_sliding(void **state) {
  (void)state;
  quality_first_reading(JJ_WINDOW_SLIDING_TIME);
}

static void test_quality_before_first_reading_tumbling(void **state) {
  (void)state;
  quality_first_reading(JJ_WINDOW_TUMBLING);
}

/* ---- "no limit" time settings --------------------------------------------- */

/* max_future_ms near INT64_MAX means "no practical limit": readings are
 * still accepted after an advance (the sum clock + max_future_ms once
 * overflowed and refused every reading). */
static void test_max_future_near_int64_max(void **state) {
  (void)state;
  jj_ruleset *rs = et_pm_high_rule();
  const int64_t limits[] = {INT64_MAX, INT64_MAX - 1, INT64_MAX / 2, ((int64_t)1 << 62) + 1};
  for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
    jj_engine_config cfg;
    jj_engine_config_init(&cfg);
    cfg.max_future_ms = limits[i];
    jj_engine *e = NULL;
    assert_int_equal(jj_engine_new(rs, &cfg, NULL, &e), JJ_OK);
    jj_series_id id = et_series(e, "pm25", NULL, 0);
    assert_int_equal(jj_engine_advance(e, ET_H(0)), JJ_OK);
    assert_int_equal(jj_engine_push(e, id, ET_H(0) + ET_MIN, 10), JJ_OK);
    assert_int_equal(jj_engine_push(e, id, ET_H(1000000), 10), JJ_OK);
    /* the clock far in the past, a reading far ahead of it */
    jj_engine_stats st;
    jj_engine_stats_get(e, &st);
    assert_int_equal(st.rejected_future, 0);
    jj_engine_free(e);
  }
  jj_ruleset_free(rs);
}

/* ---- a series no rule matches ---------------------------------------------- */

/* It exists, takes readings and is forgotten like any other: nothing is
 * computed from its (absent) instances (the clang UBSan build checks the
 * pointer arithmetic on them). */
static void test_series_matching_no_rule(void **state) {
  (void)state;
  jj_ruleset *rs = et_pm_high_rule();
  et_rec rec = {0};
  jj_engine *e = et_engine(rs, NULL, &rec);
  jj_series_id id = et_series(e, "humidity", NULL, 0);
  et_push(e, id, ET_H(0), 50);
  assert_int_equal(jj_engine_advance(e, ET_H(1)), JJ_OK);
  jj_alert_state as;
  assert_int_equal(jj_engine_alert_state(e, id, 0, &as), JJ_ENOTFOUND);
  assert_int_equal(jj_engine_forget(e, id), JJ_OK);
  et_expect_none(&rec);
  jj_engine_free(e);
  jj_ruleset_free(rs);
  et_rec_free(&rec);
}

/* ---- push_batch = push ------------------------------------------------------ */

typedef struct ev_log {
  char text[1 << 16];
  size_t len;
  unsigned long n;
} ev_log;

static void log_cb(void *ctx, const jj_event *ev) {
  ev_log *l = ctx;
  char buf[256];
  int k = snprintf(buf, sizeof buf, "%d %d %d %s %" PRId64 " %.17g %" PRId64 "\n", (int)ev->kind,
                   ev->level, (int)ev->reason, ev->rule, ev->time_ms, ev->value, ev->sample_ts_ms);
  l->n++;
  if (k > 0 && l->len + (size_t)k < sizeof l->text) {
    memcpy(l->text + l->len, buf, (size_t)k);
    l->len += (size_t)k;
  }
}

/* The same readings (valid, late, NaN, out of range, unknown ids, flags)
 * give the same events, statuses and stats one by one and in a batch. */
static void test_push_batch_equals_push(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "mean";
  rc.metric = "pm25";
  rc.window.span_ms = 10 * ET_MIN;
  rc.valid_min = 0;
  rc.valid_max = 900;
  jj_level_config lv[2] = {et_level("a", JJ_CMP_GE, 35, JJ_CMP_LT, 30, 2),
                           et_level("b", JJ_CMP_GE, 75, JJ_CMP_LT, 60, 1)};
  et_add(b, &rc, lv, 2);
  jj_rule_config_init(&rc);
  rc.name = "hourly";
  rc.metric = "pm25";
  rc.window.kind = JJ_WINDOW_TUMBLING;
  rc.window.span_ms = ET_HOUR;
  rc.group = JJ_GROUP_AVG;
  rc.group_by = "zone";
  et_add(b, &rc, lv, 2);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);

  enum { NSER = 6, NS = 20000 };
  jj_sample *smp = calloc(NS, sizeof *smp);
  assert_non_null(smp);
  tu_rng rng;
  tu_rng_seed(&rng, 42);
  int64_t t = ET_H(0);
  for (size_t i = 0; i < NS; i++) {
    t += (int64_t)tu_rng_below(&rng, 20 * ET_SEC);
    smp[i].series = (jj_series_id)tu_rng_below(&rng, NSER + 1); /* NSER: unknown */
    smp[i].ts_ms = t - (tu_rng_chance(&rng, 0.02) ? ET_HOUR : 0);
    smp[i].value = 20 + 70 * tu_rng_unit(&rng);
    if (tu_rng_chance(&rng, 0.01)) smp[i].value = NAN;
    if (tu_rng_chance(&rng, 0.01)) smp[i].value = 5000;
    if (tu_rng_chance(&rng, 0.002)) smp[i].flags = 1;
  }
  ev_log *log[2];
  jj_engine_stats st[2];
  size_t acc[2];
  for (int pass = 0; pass < 2; pass++) {
    log[pass] = calloc(1, sizeof(ev_log));
    assert_non_null(log[pass]);
    jj_engine_config cfg;
    jj_engine_config_init(&cfg);
    cfg.on_event = log_cb;
    cfg.on_event_ctx = log[pass];
    cfg.lateness_ms = 30 * ET_SEC;
    jj_engine *e = NULL;
    assert_int_equal(jj_engine_new(rs, &cfg, NULL, &e), JJ_OK);
    for (int s = 0; s < NSER; s++) {
      char zone[8], stn[8];
      (void)snprintf(zone, sizeof zone, "z%d", s % 2);
      (void)snprintf(stn, sizeof stn, "s%d", s);
      jj_label l[2] = {{"station", stn}, {"zone", zone}};
      jj_series_id id;
      assert_int_equal(jj_engine_series(e, "pm25", l, 2, &id), JJ_OK);
      assert_int_equal(id, (jj_series_id)s);
    }
    acc[pass] = 0;
    for (size_t i = 0; i < NS; i += 1000) {
      size_t n = NS - i < 1000 ? NS - i : 1000;
      if (pass == 0) {
        for (size_t k = i; k < i + n; k++) {
          jj_status ps = smp[k].flags ? JJ_EINVAL
                                      : jj_engine_push(e, smp[k].series, smp[k].ts_ms, smp[k].value);
          acc[0] += ps == JJ_OK;
        }
      } else {
        size_t a = 0;
        (void)jj_engine_push_batch(e, smp + i, n, &a);
        acc[1] += a;
      }
      assert_int_equal(jj_engine_advance(e, smp[i + n - 1].ts_ms), JJ_OK);
    }
    jj_engine_stats_get(e, &st[pass]);
    jj_engine_free(e);
  }
  /* one-by-one counts the flagged samples nowhere: add them for the batch */
  size_t flagged = 0;
  for (size_t i = 0; i < NS; i++) flagged += smp[i].flags != 0;
  assert_true(log[0]->n > 50); /* the input does exercise the rules */
  assert_int_equal(log[0]->n, log[1]->n);
  assert_int_equal(log[0]->len, log[1]->len);
  assert_memory_equal(log[0]->text, log[1]->text, log[0]->len);
  assert_int_equal(acc[0], acc[1]);
  assert_int_equal(st[0].accepted, st[1].accepted);
  assert_int_equal(st[0].rejected_invalid + flagged, st[1].rejected_invalid);
  assert_int_equal(st[0].rejected_late, st[1].rejected_late);
  assert_int_equal(st[0].rejected_quality, st[1].rejected_quality);
  assert_int_equal(st[0].events, st[1].events);
  free(log[0]);
  free(log[1]);
  free(smp);
  jj_ruleset_free(rs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_quality_before_first_reading_sliding),
      cmocka_unit_test(test_quality_before_first_reading_tumbling),
      cmocka_unit_test(test_max_future_near_int64_max),
      cmocka_unit_test(test_series_matching_no_rule),
      cmocka_unit_test(test_push_batch_equals_push),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
