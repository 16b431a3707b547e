/* Limits never change a rule's meaning silently (issue 9): a rule whose
 * window holds more than the engine's max_samples_per_window is refused
 * at creation, time windows like count windows, with a message naming
 * the rule; with the default (0) every window holds what its rule says;
 * what a rule's windows refused is visible per rule (jj_engine_rule_stats).
 * And the memory a series costs with one rule stays bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "engine_testutil.h"
#include "jjair/jjair.h"

static jj_ruleset *time_rule(const char *name, int64_t span_ms, uint32_t max_samples) {
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = name;
  rc.metric = "x";
  rc.window.kind = JJ_WINDOW_SLIDING_TIME;
  rc.window.span_ms = span_ms;
  rc.window.max_samples = max_samples;
  rc.window.aggregates = JJ_AGG_BIT(JJ_AGG_MEAN);
  rc.aggregate = JJ_AGG_MEAN;
  jj_level_config lv = et_level("high", JJ_CMP_GE, 1e9, JJ_CMP_NONE, 0, 1);
  return et_ruleset1(&rc, &lv, 1);
}

/* The case the issue met: a time window of 100,000 samples under a cap of
 * 65,536 used to be capped quietly (readings rejected, the alert judging
 * stale data). Now it is refused, naming the rule; 0 takes the rule's. */
static void test_time_window_cap_refused(void **state) {
  (void)state;
  jj_ruleset *rs = time_rule("long-mean", 200000000, 100000);
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  assert_int_equal(cfg.max_samples_per_window, 0); /* the default derives from the rules */
  cfg.max_samples_per_window = 65536;
  jj_engine *e = NULL;
  assert_int_equal(jj_engine_new(rs, &cfg, NULL, &e), JJ_ELIMIT);
  assert_null(e);
  jj_error err;
  assert_int_equal(jj_engine_check(rs, &cfg, &err), JJ_ELIMIT);
  assert_int_equal(err.code, JJ_ELIMIT);
  assert_non_null(strstr(err.message, "long-mean"));
  assert_non_null(strstr(err.message, "100000"));
  assert_int_equal(jj_engine_check(rs, &cfg, NULL), JJ_ELIMIT);
  cfg.max_samples_per_window = 100000; /* exactly what it holds: fits */
  assert_int_equal(jj_engine_check(rs, &cfg, &err), JJ_OK);
  cfg.max_samples_per_window = 0;
  assert_int_equal(jj_engine_check(rs, &cfg, &err), JJ_OK);
  assert_int_equal(jj_engine_check(rs, NULL, &err), JJ_OK);
  assert_int_equal(jj_engine_check(NULL, NULL, &err), JJ_EINVAL);
  /* With the default every one of 70,000 readings stays in the window. */
  e = et_engine(rs, NULL, NULL);
  jj_series_id id = et_series(e, "x", NULL, 0);
  for (int i = 0; i < 70000; i++) assert_int_equal(jj_engine_push(e, id, ET_T0 + i, 1.0), JJ_OK);
  jj_rule_stats rst;
  assert_int_equal(jj_engine_rule_stats(e, 0, &rst), JJ_OK);
  assert_int_equal(rst.series, 1);
  assert_int_equal(rst.accepted, 70000);
  assert_int_equal(rst.rejected_full, 0);
  assert_int_equal(rst.evicted, 0);
  jj_engine_free(e);
  jj_ruleset_free(rs);
}

/* Count and time windows obey the same cap: both fit at the cap, both are
 * refused one above it. */
static void test_same_cap_for_both_kinds(void **state) {
  (void)state;
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.max_samples_per_window = 500;
  jj_ruleset *rs = time_rule("t", 60000, 500);
  assert_int_equal(jj_engine_check(rs, &cfg, NULL), JJ_OK);
  jj_ruleset_free(rs);
  rs = time_rule("t", 60000, 501);
  assert_int_equal(jj_engine_check(rs, &cfg, NULL), JJ_ELIMIT);
  jj_ruleset_free(rs);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "c";
  rc.metric = "x";
  rc.window.kind = JJ_WINDOW_SLIDING_COUNT;
  rc.window.count = 501;
  jj_level_config lv = et_level("high", JJ_CMP_GE, 1e9, JJ_CMP_NONE, 0, 1);
  rs = et_ruleset1(&rc, &lv, 1);
  jj_error err;
  assert_int_equal(jj_engine_check(rs, &cfg, &err), JJ_ELIMIT);
  assert_non_null(strstr(err.message, "count window"));
  jj_ruleset_free(rs);
}

/* Readings a rule's window refused show on that rule, not on the other. */
static void test_rejects_per_rule(void **state) {
  (void)state;
  jj_ruleset_builder *b;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  const char *names[2] = {"small", "large"};
  for (int i = 0; i < 2; i++) {
    jj_rule_config rc;
    jj_rule_config_init(&rc);
    rc.name = names[i];
    rc.metric = "x";
    rc.window.span_ms = 3600000;
    rc.window.max_samples = i == 0 ? 10 : 1000;
    rc.window.aggregates = JJ_AGG_BIT(JJ_AGG_MEAN);
    uint32_t idx;
    jj_error err;
    assert_int_equal(jj_ruleset_builder_add_rule(b, &rc, &idx, &err), JJ_OK);
    jj_level_config lv = et_level("high", JJ_CMP_GE, 1e9, JJ_CMP_NONE, 0, 1);
    assert_int_equal(jj_ruleset_builder_add_level(b, idx, &lv, &err), JJ_OK);
  }
  jj_ruleset *rs;
  jj_error err;
  assert_int_equal(jj_ruleset_builder_build(b, &rs, &err), JJ_OK);
  jj_ruleset_builder_free(b);
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.lateness_ms = 5000;
  jj_engine *e = et_engine(rs, &cfg, NULL);
  jj_ruleset_free(rs);
  jj_series_id id = et_series(e, "x", NULL, 0);
  for (int i = 0; i < 30; i++) jj_engine_push(e, id, ET_T0 + i * 1000, 1.0);
  jj_engine_push(e, id, ET_T0 + 29 * 1000 - 500, 1.0); /* out of order, within lateness */
  jj_rule_stats small, large;
  assert_int_equal(jj_engine_rule_stats(e, 0, &small), JJ_OK);
  assert_int_equal(jj_engine_rule_stats(e, 1, &large), JJ_OK);
  assert_int_equal(small.series, 1);
  assert_int_equal(small.accepted, 10);
  assert_int_equal(small.rejected_full, 21);
  assert_int_equal(large.accepted, 31);
  assert_int_equal(large.rejected_full, 0);
  assert_int_equal(jj_engine_rule_stats(e, 2, &small), JJ_ENOTFOUND);
  assert_int_equal(jj_engine_rule_stats(NULL, 0, &small), JJ_EINVAL);
  assert_int_equal(jj_engine_rule_stats(e, 0, NULL), JJ_EINVAL);
  jj_engine_free(e);
}

/* Bytes per series with one "60 s mean" rule and full windows (60
 * samples), from the engine's own accounting: the samples (16 bytes
 * each, the ring within an eighth of them) and the rest. A bound that
 * fails if the window's settings were copied per window again (about 100
 * bytes more) or the ring rounded to a power of two. About 310 bytes besides
 * the samples today (2,000 series). */
static void test_bytes_per_series(void **state) {
  (void)state;
  jj_ruleset *rs = time_rule("mean", 60000, 0);
  jj_engine *e = et_engine(rs, NULL, NULL);
  jj_ruleset_free(rs);
  jj_engine_stats before, after;
  jj_engine_stats_get(e, &before);
  enum { N = 2000 };
  static jj_series_id ids[N];
  for (int i = 0; i < N; i++) {
    char v[16];
    snprintf(v, sizeof v, "s%05d", i);
    jj_label l = {"station", v};
    assert_int_equal(jj_engine_series(e, "x", &l, 1, &ids[i]), JJ_OK);
  }
  for (int t = 0; t < 70; t++)
    for (int i = 0; i < N; i++) et_push(e, ids[i], ET_T0 + t * 1000, 5.0);
  jj_engine_stats_get(e, &after);
  const double per = (double)(after.memory - before.memory) / N;
  print_message("      %.0f bytes per series (%.0f without the 60 samples)\n", per, per - 960);
  /* Was 731 before the instance record split, the windows in the series
   * block and the deadline arrays growing by half; 650 before the header
   * line, the packed instance and alert, the index at 3/4 and the quiet
   * bounds of one-rule slots read from their rule; 577 before the 48-byte
   * header, the 32-byte slot (stuck runs apart) and the 72-byte instance
   * (no rule index, no last-transition time, offsets for pointers); 513
   * before the deadline record went from 40 bytes to 16; 486 before the
   * series kept no jj_label array (16 bytes a label), 470 before a
   * one-level alert kept its streak count in the alert; 398 before the
   * 24-byte slot (its window an offset, narrower counts); 390 before the
   * 40-byte alert (no-data and notify times only for rules that need them:
   * jj_alert_cold), so the 56-byte instance; 374 before the 88-byte
   * window core; 358 before the deadline record went into the series
   * header (and the series array grew by half: 1.6 bytes more at 2,000
   * series, less at most counts); 357 before the instances went into the
   * series block, found from its last window (a 40-byte header); 349
   * before positions went to the engine's table of located series (16
   * bytes a series that never has one); 333 before the 48-byte instance
   * (its slot and flags in its alert's host word, its jj_inst_more and
   * flap history found from its alert's store); 325 before the id
   * index's 4-byte slots, the deadlines' 32-bit times and the metric read
   * from the series' rules. */
  assert_true(per - 60 * 16 <= 311);
  jj_engine_free(e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_time_window_cap_refused),
      cmocka_unit_test(test_same_cap_for_both_kinds),
      cmocka_unit_test(test_rejects_per_rule),
      cmocka_unit_test(test_bytes_per_series),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
