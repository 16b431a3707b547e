/* Tests for the ruleset builder and the compiled ruleset (jjair/rule.h):
 * every validation error is JJ_EINVAL with a message naming the rule and
 * the problem, and leaves the builder unchanged; lookups; the reference
 * count that lets engines outlive the caller's ruleset handle; allocation
 * failure. */
/* cmocka.h needs these first. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_testutil.h"
#include "jjair/jjair.h"
#include "testutil.h"

/* A valid rule and level to start each case from. */
static jj_rule_config good_rule(const char *name) {
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = name;
  rc.metric = "pm25";
  return rc;
}

static jj_level_config good_level(const char *name, double issue) {
  return et_level(name, JJ_CMP_GE, issue, JJ_CMP_NONE, 0, 1);
}

/* The error must be `code`, err.code must agree, and the message must
 * contain every one of the (NULL-terminated) fragments. */
#define expect_err(st, err, code, ...) \
  expect_err_at((st), &(err), (code), __LINE__, __VA_ARGS__, NULL)
static void expect_err_at(jj_status st, const jj_error *err, jj_status code, int line, ...) {
  if (st != code || err->code != code) {
    print_error("line %d: status %s (err.code %s), expected %s; message '%s'\n", line,
                jj_status_name(st), jj_status_name(err->code), jj_status_name(code), err->message);
    fail();
  }
  va_list ap;
  va_start(ap, line);
  for (const char *frag; (frag = va_arg(ap, const char *)) != NULL;) {
    if (!strstr(err->message, frag)) {
      print_error("line %d: message '%s' does not mention '%s'\n", line, err->message, frag);
      va_end(ap);
      fail();
    }
  }
  va_end(ap);
}

/* Add `rc` expecting JJ_EINVAL and a message with both fragments. (That
 * the builder is unchanged is checked at the end of the test: the next
 * good rule still gets index 1.) */
static void add_rule_fails(jj_ruleset_builder *b, const jj_rule_config *rc, int line,
                           const char *frag1, const char *frag2) {
  jj_error err;
  memset(&err, 0, sizeof err);
  uint32_t idx = 12345;
  jj_status st = jj_ruleset_builder_add_rule(b, rc, &idx, &err);
  expect_err_at(st, &err, JJ_EINVAL, line, frag1, frag2, NULL);
  assert_int_equal(idx, 12345); /* untouched on error */
}

static void test_rule_errors(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_error err;
  uint32_t idx = 99;

  jj_rule_config rc = good_rule("pm25-korea");
  assert_int_equal(jj_ruleset_builder_add_rule(b, &rc, &idx, &err), JJ_OK);
  assert_int_equal(idx, 0);
  assert_int_equal(err.code, JJ_OK);
  assert_string_equal(err.message, "");

  /* duplicate rule name */
  add_rule_fails(b, &rc, __LINE__, "pm25-korea", "twice");

  /* bad names */
  rc = good_rule("has space");
  add_rule_fails(b, &rc, __LINE__, "has space", "letters, digits");
  rc = good_rule("");
  add_rule_fails(b, &rc, __LINE__, "rule name", "empty");
  rc = good_rule(NULL);
  add_rule_fails(b, &rc, __LINE__, "rule name", "empty");

  /* missing metric */
  rc = good_rule("no-metric");
  rc.metric = NULL;
  add_rule_fails(b, &rc, __LINE__, "no-metric", "metric");
  rc.metric = "";
  add_rule_fails(b, &rc, __LINE__, "no-metric", "metric");

  /* bad windows */
  rc = good_rule("bad-window");
  rc.window.span_ms = 0;
  add_rule_fails(b, &rc, __LINE__, "bad-window", "window");
  rc = good_rule("bad-window");
  rc.window.kind = (jj_window_kind)42;
  add_rule_fails(b, &rc, __LINE__, "bad-window", "window");
  rc = good_rule("bad-window");
  rc.window.kind = JJ_WINDOW_TUMBLING;
  rc.window.span_ms = ET_HOUR;
  rc.window.hop_ms = 2 * ET_HOUR;
  add_rule_fails(b, &rc, __LINE__, "bad-window", "window");
  rc = good_rule("bad-window");
  rc.window.min_coverage = 0.5; /* needs expected_interval_ms */
  add_rule_fails(b, &rc, __LINE__, "bad-window", "window");

  /* aggregate, scale */
  rc = good_rule("bad-agg");
  rc.aggregate = (jj_agg)JJ_AGG__COUNT;
  add_rule_fails(b, &rc, __LINE__, "bad-agg", "aggregate");
  rc = good_rule("bad-scale");
  rc.scale = NAN;
  add_rule_fails(b, &rc, __LINE__, "bad-scale", "scale");

  /* group rule without group_by; bad group_by */
  rc = good_rule("zone-avg");
  rc.group = JJ_GROUP_AVG;
  add_rule_fails(b, &rc, __LINE__, "zone-avg", "group_by");
  rc.group_by = "";
  add_rule_fails(b, &rc, __LINE__, "zone-avg", "group_by");
  rc.group_by = "zone,";
  add_rule_fails(b, &rc, __LINE__, "zone-avg", "group_by");
  rc.group_by = "zone, zone";
  add_rule_fails(b, &rc, __LINE__, "zone-avg", "twice");
  rc.group = (jj_group_mode)9;
  rc.group_by = "zone";
  add_rule_fails(b, &rc, __LINE__, "zone-avg", "group mode");

  /* k_of_n without member condition / within */
  rc = good_rule("robot-kofn");
  rc.group = JJ_GROUP_K_OF_N;
  rc.group_by = "robot";
  rc.group_within_ms = 30000;
  add_rule_fails(b, &rc, __LINE__, "robot-kofn", "member condition");
  rc.member_op = JJ_CMP_GE;
  rc.member_value = NAN;
  add_rule_fails(b, &rc, __LINE__, "robot-kofn", "member condition");
  rc.member_value = 57;
  rc.group_within_ms = 0;
  add_rule_fails(b, &rc, __LINE__, "robot-kofn", "group_within_ms");

  /* on_missing without stale_after_ms; unknown policy */
  rc = good_rule("stale");
  rc.on_missing = JJ_MISSING_RESOLVE;
  add_rule_fails(b, &rc, __LINE__, "stale", "stale_after_ms");
  rc.on_missing = JJ_MISSING_ALERT;
  add_rule_fails(b, &rc, __LINE__, "stale", "stale_after_ms");
  rc.on_missing = (jj_missing_policy)7;
  rc.stale_after_ms = 1000;
  add_rule_fails(b, &rc, __LINE__, "stale", "on_missing");

  /* flap settings half-set, too many */
  rc = good_rule("flappy");
  rc.flap_changes = 4;
  add_rule_fails(b, &rc, __LINE__, "flappy", "flap_changes and flap_window_ms");
  rc.flap_changes = 0;
  rc.flap_window_ms = 60000;
  add_rule_fails(b, &rc, __LINE__, "flappy", "flap_changes and flap_window_ms");
  rc.flap_changes = 17;
  add_rule_fails(b, &rc, __LINE__, "flappy", "flap_changes");

  /* negative durations, range, stuck */
  rc = good_rule("neg");
  rc.repeat_interval_ms = -1;
  add_rule_fails(b, &rc, __LINE__, "neg", "negative");
  rc = good_rule("neg");
  rc.stale_after_ms = -5;
  add_rule_fails(b, &rc, __LINE__, "neg", "negative");
  rc = good_rule("range");
  rc.valid_min = 10;
  rc.valid_max = 5;
  add_rule_fails(b, &rc, __LINE__, "range", "valid_min");
  rc = good_rule("stuck");
  rc.stuck_samples = 1;
  add_rule_fails(b, &rc, __LINE__, "stuck", "stuck_samples");
  rc.stuck_samples = 5;
  rc.stuck_epsilon = -1;
  add_rule_fails(b, &rc, __LINE__, "stuck", "stuck_epsilon");

  /* After all of that the builder holds exactly the first rule. */
  rc = good_rule("second");
  assert_int_equal(jj_ruleset_builder_add_rule(b, &rc, &idx, &err), JJ_OK);
  assert_int_equal(idx, 1);
  jj_level_config lv = good_level("high", 75);
  assert_int_equal(jj_ruleset_builder_add_level(b, 0, &lv, &err), JJ_OK);
  assert_int_equal(jj_ruleset_builder_add_level(b, 1, &lv, &err), JJ_OK);
  jj_ruleset *rs = et_build(b);
  assert_int_equal(jj_ruleset_rule_count(rs), 2);
  jj_ruleset_free(rs);
  jj_ruleset_builder_free(b);
}

/* Add a level expecting `code`; the message names the rule and level. */
static void add_level_fails(jj_ruleset_builder *b, uint32_t rule, const jj_level_config *lc,
                            int line, const char *frag1, const char *frag2) {
  jj_error err;
  memset(&err, 0, sizeof err);
  jj_status st = jj_ruleset_builder_add_level(b, rule, lc, &err);
  expect_err_at(st, &err, JJ_EINVAL, line, frag1, frag2, NULL);
}

static void test_level_errors(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc = good_rule("pm25-korea");
  uint32_t r = et_add(b, &rc, NULL, 0);

  jj_level_config adv = et_level("advisory", JJ_CMP_GE, 75, JJ_CMP_LT, 35, 2);
  assert_int_equal(jj_ruleset_builder_add_level(b, r, &adv, NULL), JJ_OK);

  /* thresholds out of order (warning below advisory, or equal) */
  jj_level_config warn = et_level("warning", JJ_CMP_GE, 50, JJ_CMP_LT, 35, 2);
  add_level_fails(b, r, &warn, __LINE__, "pm25-korea", "'warning'");
  add_level_fails(b, r, &warn, __LINE__, "higher", "'advisory'");
  warn.issue_value = 75;
  add_level_fails(b, r, &warn, __LINE__, "pm25-korea", "higher");
  /* a level pointing the other way */
  warn = et_level("warning", JJ_CMP_LT, 200, JJ_CMP_NONE, 0, 1);
  add_level_fails(b, r, &warn, __LINE__, "pm25-korea", "same way");

  /* clear overlapping the issue condition: 80 would both raise and clear */
  jj_level_config bad = et_level("warning", JJ_CMP_GE, 150, JJ_CMP_LT, 160, 2);
  add_level_fails(b, r, &bad, __LINE__, "pm25-korea", "overlaps");
  bad = et_level("warning", JJ_CMP_GE, 150, JJ_CMP_LE, 150, 2); /* 150 both */
  add_level_fails(b, r, &bad, __LINE__, "'warning'", "overlaps");
  /* ... the exact complement is fine: >= 150 / < 150 (checked below) */

  /* clear pointing the same way as issue */
  bad = et_level("warning", JJ_CMP_GE, 150, JJ_CMP_GE, 75, 2);
  add_level_fails(b, r, &bad, __LINE__, "pm25-korea", "points the same way");
  bad = et_level("warning", JJ_CMP_GE, 150, JJ_CMP_GT, 75, 2);
  add_level_fails(b, r, &bad, __LINE__, "'warning'", "points the same way");
  /* invalid clear / issue */
  bad = et_level("warning", JJ_CMP_GE, 150, (jj_cmp)9, 75, 2);
  add_level_fails(b, r, &bad, __LINE__, "'warning'", "clear");
  bad = et_level("warning", JJ_CMP_GE, 150, JJ_CMP_LT, NAN, 2);
  add_level_fails(b, r, &bad, __LINE__, "'warning'", "clear");
  bad = et_level("warning", JJ_CMP_NONE, 150, JJ_CMP_LT, 75, 2);
  add_level_fails(b, r, &bad, __LINE__, "'warning'", "issue condition");
  bad = et_level("warning", JJ_CMP_GE, INFINITY, JJ_CMP_LT, 75, 2);
  add_level_fails(b, r, &bad, __LINE__, "'warning'", "issue condition");
  /* negative durations */
  bad = et_level("warning", JJ_CMP_GE, 150, JJ_CMP_LT, 75, 2);
  bad.for_ms = -1;
  add_level_fails(b, r, &bad, __LINE__, "'warning'", "negative");
  bad.for_ms = 0;
  bad.keep_firing_for_ms = -1;
  add_level_fails(b, r, &bad, __LINE__, "'warning'", "negative");
  /* names */
  bad = et_level("advisory", JJ_CMP_GE, 150, JJ_CMP_LT, 75, 2);
  add_level_fails(b, r, &bad, __LINE__, "pm25-korea", "'advisory' is defined twice");
  bad.name = NULL;
  add_level_fails(b, r, &bad, __LINE__, "pm25-korea", "level name");
  bad.name = "warn ing";
  add_level_fails(b, r, &bad, __LINE__, "pm25-korea", "warn ing");
  /* no such rule */
  jj_error err;
  assert_int_equal(jj_ruleset_builder_add_level(b, 7, &adv, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "7"));

  /* The builder still has exactly one level: the real warning is level 2. */
  warn = et_level("warning", JJ_CMP_GE, 150, JJ_CMP_LT, 150, 2);
  assert_int_equal(jj_ruleset_builder_add_level(b, r, &warn, &err), JJ_OK);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  jj_engine *e = et_engine(rs, NULL, NULL);
  jj_series_id id;
  assert_int_equal(jj_engine_series(e, "pm25", NULL, 0, &id), JJ_OK);
  /* A sliding 60 s mean: 2 evaluations >= 150 go straight to level 2. */
  assert_int_equal(jj_engine_push(e, id, ET_T0, 200), JJ_OK);
  assert_int_equal(jj_engine_push(e, id, ET_T0 + 1000, 200), JJ_OK);
  const jj_event *ev = jj_engine_poll(e);
  assert_non_null(ev);
  assert_int_equal(ev->level, 2);
  assert_string_equal(ev->level_name, "warning");
  jj_engine_free(e);
  jj_ruleset_free(rs);
}

/* Falling rules (e.g. low oxygen, visibility) work the mirror way. */
static void test_falling_levels(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc = good_rule("o2-low");
  rc.metric = "o2";
  uint32_t r = et_add(b, &rc, NULL, 0);
  jj_level_config lo = et_level("low", JJ_CMP_LT, 19.5, JJ_CMP_GE, 20, 1);
  assert_int_equal(jj_ruleset_builder_add_level(b, r, &lo, NULL), JJ_OK);
  jj_level_config bad = et_level("very-low", JJ_CMP_LT, 19.5, JJ_CMP_NONE, 0, 1);
  add_level_fails(b, r, &bad, __LINE__, "o2-low", "lower");
  bad = et_level("very-low", JJ_CMP_LT, 17, JJ_CMP_GT, 16, 1);
  add_level_fails(b, r, &bad, __LINE__, "o2-low", "overlaps");
  bad = et_level("very-low", JJ_CMP_LT, 17, JJ_CMP_LE, 18, 1);
  add_level_fails(b, r, &bad, __LINE__, "o2-low", "points the same way");
  jj_level_config vlo = et_level("very-low", JJ_CMP_LT, 17, JJ_CMP_GE, 17.5, 1);
  assert_int_equal(jj_ruleset_builder_add_level(b, r, &vlo, NULL), JJ_OK);
  jj_ruleset_free(et_build(b));
  jj_ruleset_builder_free(b);
}

static void test_too_many_levels(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc = good_rule("many");
  uint32_t r = et_add(b, &rc, NULL, 0);
  char names[JJ_MAX_LEVELS + 1][16];
  for (int i = 0; i <= JJ_MAX_LEVELS; i++) {
    snprintf(names[i], sizeof names[i], "l%d", i);
    jj_level_config lc = good_level(names[i], 10.0 * (i + 1));
    jj_error err;
    jj_status st = jj_ruleset_builder_add_level(b, r, &lc, &err);
    if (i < JJ_MAX_LEVELS) {
      assert_int_equal(st, JJ_OK);
    } else {
      expect_err(st, err, JJ_EINVAL, "many", "at most 8 levels");
    }
  }
  jj_ruleset_free(et_build(b));
  jj_ruleset_builder_free(b);
}

static void test_matchers_and_labels(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc = good_rule("city");
  uint32_t r = et_add(b, &rc, NULL, 0);
  jj_error err;

  /* regex matchers need the PCRE2 build option */
  jj_status st = jj_ruleset_builder_add_matcher(b, r, "station", JJ_MATCH_RE, "[a-z]+", &err);
#ifdef JJ_TEST_HAVE_PCRE2
  assert_int_equal(st, JJ_OK);
#else
  expect_err(st, err, JJ_EINVAL, "city", "PCRE2", "station");
  st = jj_ruleset_builder_add_matcher(b, r, "station", JJ_MATCH_NRE, "x", &err);
  expect_err(st, err, JJ_EINVAL, "city", "PCRE2");
#endif
  st = jj_ruleset_builder_add_matcher(b, r, "bad label", JJ_MATCH_EQ, "x", &err);
  expect_err(st, err, JJ_EINVAL, "city", "bad label");
  st = jj_ruleset_builder_add_matcher(b, r, "zone", JJ_MATCH_EQ, NULL, &err);
  expect_err(st, err, JJ_EINVAL, "city", "no value");
  st = jj_ruleset_builder_add_matcher(b, r, "zone", (jj_match_op)0, "x", &err);
  expect_err(st, err, JJ_EINVAL, "city", "operator");
  st = jj_ruleset_builder_add_matcher(b, 5, "zone", JJ_MATCH_EQ, "x", &err);
  expect_err(st, err, JJ_EINVAL, "5");

  /* static labels */
  assert_int_equal(jj_ruleset_builder_add_label(b, r, "team", "ops", &err), JJ_OK);
  st = jj_ruleset_builder_add_label(b, r, "team", "dev", &err);
  expect_err(st, err, JJ_EINVAL, "city", "'team' is set twice");
  st = jj_ruleset_builder_add_label(b, r, "", "x", &err);
  expect_err(st, err, JJ_EINVAL, "city", "label");
  st = jj_ruleset_builder_add_label(b, r, "source", NULL, &err);
  expect_err(st, err, JJ_EINVAL, "city", "source");

  /* Matchers select: zone == jungbu and station != broken. */
  assert_int_equal(jj_ruleset_builder_add_matcher(b, r, "zone", JJ_MATCH_EQ, "jungbu", &err),
                   JJ_OK);
  assert_int_equal(jj_ruleset_builder_add_matcher(b, r, "station", JJ_MATCH_NE, "broken", &err),
                   JJ_OK);
  jj_level_config lv = good_level("high", 75);
  assert_int_equal(jj_ruleset_builder_add_level(b, r, &lv, &err), JJ_OK);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  jj_engine *e = et_engine(rs, NULL, NULL);
  jj_ruleset_free(rs);
  static const char *const ok[] = {"zone", "jungbu", "station", "a"};
  static const char *const other_zone[] = {"zone", "north", "station", "a"};
  static const char *const broken[] = {"zone", "jungbu", "station", "broken"};
  static const char *const no_zone[] = {"station", "a"};
  jj_series_id ids[4] = {et_series(e, "pm25", ok, 2), et_series(e, "pm25", other_zone, 2),
                         et_series(e, "pm25", broken, 2), et_series(e, "pm25", no_zone, 1)};
  jj_alert_state s;
  assert_int_equal(jj_engine_alert_state(e, ids[0], 0, &s), JJ_OK);
  for (int i = 1; i < 4; i++)
    assert_int_equal(jj_engine_alert_state(e, ids[i], 0, &s), JJ_ENOTFOUND);
  /* and the wrong metric */
  jj_series_id pm10 = et_series(e, "pm10", ok, 2);
  assert_int_equal(jj_engine_alert_state(e, pm10, 0, &s), JJ_ENOTFOUND);
  jj_engine_free(e);
}

static void test_build_errors(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_ruleset *rs = (jj_ruleset *)1;
  jj_error err;

  /* empty ruleset */
  expect_err(jj_ruleset_builder_build(b, &rs, &err), err, JJ_EINVAL, "no rules");
  assert_null(rs);

  /* a rule without levels */
  jj_rule_config rc = good_rule("with-levels");
  uint32_t r0 = et_add(b, &rc, NULL, 0);
  jj_level_config lv = good_level("high", 75);
  assert_int_equal(jj_ruleset_builder_add_level(b, r0, &lv, &err), JJ_OK);
  rc = good_rule("no-levels");
  et_add(b, &rc, NULL, 0);
  expect_err(jj_ruleset_builder_build(b, &rs, &err), err, JJ_EINVAL, "'no-levels'", "no levels");
  assert_null(rs);
  assert_int_equal(jj_ruleset_builder_add_level(b, 1, &lv, &err), JJ_OK);

  /* k_of_n counts agreeing members: falling levels make no sense */
  rc = good_rule("kofn-falling");
  rc.group = JJ_GROUP_K_OF_N;
  rc.group_by = "robot";
  rc.member_op = JJ_CMP_GE;
  rc.member_value = 57;
  rc.group_within_ms = 30000;
  jj_level_config fall = et_level("few", JJ_CMP_LT, 2, JJ_CMP_NONE, 0, 1);
  et_add(b, &rc, &fall, 1);
  expect_err(jj_ruleset_builder_build(b, &rs, &err), err, JJ_EINVAL, "'kofn-falling'", "k_of_n");
  jj_ruleset_builder_free(b); /* frees the rules it still holds */

  /* NULL err is fine */
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  assert_int_equal(jj_ruleset_builder_build(b, &rs, NULL), JJ_EINVAL);
  rc = good_rule("x y");
  assert_int_equal(jj_ruleset_builder_add_rule(b, &rc, NULL, NULL), JJ_EINVAL);
  assert_int_equal(jj_ruleset_builder_add_rule(NULL, &rc, NULL, &err), JJ_EINVAL);
  assert_int_equal(jj_ruleset_builder_build(NULL, &rs, &err), JJ_EINVAL);
  assert_int_equal(jj_ruleset_builder_new(NULL, NULL), JJ_EINVAL);
  jj_ruleset_builder_free(b);
  jj_ruleset_builder_free(NULL);
  jj_ruleset_free(NULL);
}

static void test_find_count_name(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_level_config lv = good_level("high", 75);
  /* names are copied: reuse one buffer for all */
  char name[32];
  static const char *const names[] = {"pm25-korea", "pm10-korea", "o3.max:zone_1"};
  for (int i = 0; i < 3; i++) {
    snprintf(name, sizeof name, "%s", names[i]);
    jj_rule_config rc = good_rule(name);
    assert_int_equal(et_add(b, &rc, &lv, 1), (uint32_t)i);
    memset(name, 'X', sizeof name - 1);
  }
  jj_ruleset *rs = et_build(b);
  assert_int_equal(jj_ruleset_rule_count(rs), 3);
  for (uint32_t i = 0; i < 3; i++) {
    assert_string_equal(jj_ruleset_rule_name(rs, i), names[i]);
    uint32_t idx = 99;
    assert_int_equal(jj_ruleset_find(rs, names[i], &idx), JJ_OK);
    assert_int_equal(idx, i);
  }
  assert_null(jj_ruleset_rule_name(rs, 3));
  assert_null(jj_ruleset_rule_name(NULL, 0));
  assert_int_equal(jj_ruleset_rule_count(NULL), 0);
  uint32_t idx = 99;
  assert_int_equal(jj_ruleset_find(rs, "pm25", &idx), JJ_ENOTFOUND);
  assert_int_equal(jj_ruleset_find(rs, "", &idx), JJ_ENOTFOUND);
  assert_int_equal(idx, 99);
  assert_int_equal(jj_ruleset_find(rs, NULL, &idx), JJ_EINVAL);
  assert_int_equal(jj_ruleset_find(NULL, "x", &idx), JJ_EINVAL);
  assert_int_equal(jj_ruleset_find(rs, "pm10-korea", NULL), JJ_OK);

  /* The builder is empty and reusable after a build. */
  jj_error err;
  jj_ruleset *none = NULL;
  expect_err(jj_ruleset_builder_build(b, &none, &err), err, JJ_EINVAL, "no rules");
  assert_null(none);
  jj_rule_config rc = good_rule("pm25-korea"); /* no clash with the built set */
  assert_int_equal(et_add(b, &rc, &lv, 1), 0);
  jj_ruleset *rs2 = et_build(b);
  assert_int_equal(jj_ruleset_rule_count(rs2), 1);
  jj_ruleset_free(rs2);
  jj_ruleset_builder_free(b);
  jj_ruleset_free(rs);
}

/* The engine keeps the ruleset alive after the caller's jj_ruleset_free;
 * the last engine frees it. Counted with the builder's allocator (which
 * the ruleset inherits) apart from the engines' allocator. */
static void test_refcount(void **state) {
  (void)state;
  tu_alloc ba, ea;
  tu_alloc_init(&ba);
  tu_alloc_init(&ea);
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(&ba.alc, &b), JJ_OK);
  jj_rule_config rc = good_rule("pm25-live");
  jj_level_config lv = et_level("high", JJ_CMP_GE, 75, JJ_CMP_LT, 35, 1);
  uint32_t r = et_add(b, &rc, &lv, 1);
  assert_int_equal(jj_ruleset_builder_add_label(b, r, "team", "ops", NULL), JJ_OK);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  size_t rs_blocks = ba.live_blocks;
  assert_true(rs_blocks > 0);

  et_rec rec1, rec2;
  memset(&rec1, 0, sizeof rec1);
  memset(&rec2, 0, sizeof rec2);
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.on_event = et_rec_cb;
  cfg.on_event_ctx = &rec1;
  jj_engine *e1 = NULL, *e2 = NULL;
  assert_int_equal(jj_engine_new(rs, &cfg, &ea.alc, &e1), JJ_OK);
  cfg.on_event_ctx = &rec2;
  assert_int_equal(jj_engine_new(rs, &cfg, &ea.alc, &e2), JJ_OK);
  jj_ruleset_free(rs); /* the caller's reference */
  assert_int_equal(ba.live_blocks, rs_blocks);

  jj_series_id id1, id2;
  assert_int_equal(jj_engine_series(e1, "pm25", NULL, 0, &id1), JJ_OK);
  assert_int_equal(jj_engine_series(e2, "pm25", NULL, 0, &id2), JJ_OK);
  assert_int_equal(jj_engine_push(e1, id1, ET_T0, 100), JJ_OK);
  assert_int_equal(jj_engine_push(e2, id2, ET_T0, 100), JJ_OK);
  assert_int_equal(rec1.n, 1);
  assert_int_equal(rec2.n, 1);
  /* the recorded copies own their strings */
  assert_string_equal(rec1.ev[0].rule, "pm25-live");
  assert_string_equal(rec1.ev[0].level_name, "high");
  assert_string_equal(rec1.ev[0].rule_labels[0].value, "ops");

  jj_engine_free(e1);
  assert_int_equal(ba.live_blocks, rs_blocks); /* e2 still holds it */
  assert_string_equal(rec2.ev[0].rule, "pm25-live");
  assert_int_equal(jj_engine_push(e2, id2, ET_T0 + 60000, 10),
                   JJ_OK); /* 100 left the 60 s window */
  assert_int_equal(rec2.n, 2);
  assert_string_equal(rec2.ev[1].rule, "pm25-live");
  jj_engine_free(e2);
  assert_int_equal(ea.live_blocks, 0);
  /* the recorded event copies (jj_event_copy) still hold it */
  assert_int_equal(ba.live_blocks, rs_blocks);
  et_rec_free(&rec1);
  assert_int_equal(ba.live_blocks, rs_blocks);
  et_rec_free(&rec2);
  assert_int_equal(ba.live_blocks, 0); /* the last copy freed it */
  assert_int_equal(ba.live_bytes, 0);
  assert_int_equal(ba.errors + ea.errors, 0);
}

/* Every allocation of building can fail: a clean JJ_ENOMEM each time,
 * nothing leaks, and the run without failure builds. */
static void test_builder_alloc_failure(void **state) {
  (void)state;
  int completed = 0;
  for (unsigned long n = 1; n < 500 && !completed; n++) {
    tu_alloc a;
    tu_alloc_init(&a);
    tu_alloc_fail_at(&a, n, 0);
    jj_ruleset_builder *b = NULL;
    jj_ruleset *rs = NULL;
    jj_error err;
    jj_status st = jj_ruleset_builder_new(&a.alc, &b);
    if (st == JJ_OK) {
      for (int i = 0; i < 12 && st == JJ_OK; i++) {
        char name[16];
        snprintf(name, sizeof name, "rule-%d", i);
        jj_rule_config rc = good_rule(name);
        rc.group = i % 2 ? JJ_GROUP_MAX : JJ_GROUP_NONE;
        rc.group_by = "zone, city";
        rc.window.kind = JJ_WINDOW_TUMBLING;
        rc.window.span_ms = ET_HOUR;
        rc.window.aggregates = JJ_AGG_ALL;
        uint32_t idx = 0;
        st = jj_ruleset_builder_add_rule(b, &rc, &idx, &err);
        for (int k = 0; k < 3 && st == JJ_OK; k++) {
          char lname[8];
          snprintf(lname, sizeof lname, "l%d", k);
          jj_level_config lc = good_level(lname, 10.0 * (k + 1));
          lc.severity = k == 2 ? "critical" : NULL;
          st = jj_ruleset_builder_add_level(b, idx, &lc, &err);
        }
        if (st == JJ_OK)
          st = jj_ruleset_builder_add_matcher(b, idx, "zone", JJ_MATCH_NE, "x", &err);
        if (st == JJ_OK) st = jj_ruleset_builder_add_label(b, idx, "team", "ops", &err);
      }
      if (st == JJ_OK) st = jj_ruleset_builder_build(b, &rs, &err);
      if (st != JJ_OK) {
        assert_int_equal(st, JJ_ENOMEM);
        assert_int_equal(err.code, JJ_ENOMEM);
        assert_null(rs);
      }
    } else {
      assert_int_equal(st, JJ_ENOMEM);
      assert_null(b);
    }
    if (st == JJ_OK) {
      assert_int_equal(jj_ruleset_rule_count(rs), 12);
      assert_int_equal(a.failed, 0); /* the failure point is past the end */
      completed = 1;
    } else {
      assert_int_equal(a.failed, 1);
    }
    jj_ruleset_builder_free(b);
    jj_ruleset_free(rs);
    assert_int_equal(a.live_blocks, 0);
    assert_int_equal(a.errors, 0);
  }
  assert_true(completed);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rule_errors),           cmocka_unit_test(test_level_errors),
      cmocka_unit_test(test_falling_levels),        cmocka_unit_test(test_too_many_levels),
      cmocka_unit_test(test_matchers_and_labels),   cmocka_unit_test(test_build_errors),
      cmocka_unit_test(test_find_count_name),       cmocka_unit_test(test_refcount),
      cmocka_unit_test(test_builder_alloc_failure),
  };
  /* JJ_TEST_FILTER=pattern runs only the matching tests (e.g. under valgrind). */
  const char *filter = getenv("JJ_TEST_FILTER");
  if (filter && *filter) cmocka_set_test_filter(filter);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
