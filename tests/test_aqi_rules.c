/* Rules that judge an index (jj_ruleset_builder_set_index, aqi.h): the
 * levels compare the index of the value, the events carry the index, its
 * band and the concentration, the templates print them, the quiet fast
 * path does not skip an index rule, group rules take the index of the
 * group's value, and a caller's own table is copied. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine_testutil.h"

/* A sliding 60 s mean of pm25 judged on the CAI PM2.5 index: 나쁨 at 101,
 * 매우나쁨 at 251. */
static jj_ruleset *cai_rule(jj_group_mode group, const jj_aqi_table *t) {
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "cai";
  rc.metric = "pm25";
  if (group != JJ_GROUP_NONE) {
    rc.group = group;
    rc.group_by = "zone";
  }
  jj_level_config lv[2] = {et_level("bad", JJ_CMP_GE, 101, JJ_CMP_LT, 101, 1),
                           et_level("very-bad", JJ_CMP_GE, 251, JJ_CMP_LT, 251, 1)};
  lv[0].severity = "나쁨";
  lv[1].severity = "매우나쁨";
  uint32_t idx = et_add(b, &rc, lv, 2);
  jj_error err;
  assert_int_equal(jj_ruleset_builder_set_index(b, idx, t, &err), JJ_OK);
  assert_int_equal(jj_ruleset_builder_add_annotation(
                       b, idx, "sms", "{{ band }} CAI {{ index }} ({{ concentration:.1f }})", &err),
                   JJ_OK);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  return rs;
}

static void render(const jj_event *ev, char *buf, size_t n) {
  uint32_t i;
  assert_int_equal(jj_event_annotation_find(ev, "sms", &i), JJ_OK);
  jj_event_render(ev, i, buf, n);
}

static void test_levels_on_index(void **state) {
  (void)state;
  jj_ruleset *rs = cai_rule(JJ_GROUP_NONE, jj_aqi_table_find("cai-pm25"));
  et_rec rec = {0};
  jj_engine *e = et_engine(rs, NULL, &rec);
  const char *kv[] = {"zone", "jungbu"};
  jj_series_id s = et_series(e, "pm25", kv, 1);
  /* 35 µg/m³ is index 100 (보통): nothing. */
  et_push(e, s, ET_H(0), 35);
  et_expect_none(&rec);
  /* 36 µg/m³ is 101 (나쁨). A rule compared on the raw value (36 < 101)
   * would stay quiet: the index rule must not take the quiet path. */
  et_push(e, s, ET_H(0) + 61 * ET_SEC, 36);
  const jj_event *ev = et_expect(&rec, JJ_EVENT_FIRED, 1);
  assert_true(ev->value == 101);
  assert_true(ev->concentration == 36);
  assert_string_equal(ev->band, "나쁨");
  assert_string_equal(ev->index_name, "cai-pm25");
  char buf[128];
  render(ev, buf, sizeof buf);
  assert_string_equal(buf, "나쁨 CAI 101 (36.0)");
  /* 76 -> 251 매우나쁨 */
  et_push(e, s, ET_H(0) + 122 * ET_SEC, 76);
  ev = et_expect(&rec, JJ_EVENT_ESCALATED, 2);
  assert_true(ev->value == 251);
  assert_string_equal(ev->band, "매우나쁨");
  /* The JSON carries them too. */
  char json[2048];
  jj_event_json(ev, json, sizeof json);
  assert_non_null(strstr(json, "\"concentration\":76,\"band\":\"매우나쁨\",\"index\":\"cai-pm25\""));
  /* 15.9 truncates to 15: index 50, 좋음: resolved. */
  et_push(e, s, ET_H(0) + 183 * ET_SEC, 15.9);
  ev = et_expect(&rec, JJ_EVENT_RESOLVED, 0);
  assert_true(ev->value == 50);
  assert_string_equal(ev->band, "좋음");
  render(ev, buf, sizeof buf);
  assert_string_equal(buf, "좋음 CAI 50 (15.9)");
  /* A negative reading has no index: missing, never clean air. */
  et_push(e, s, ET_H(0) + 244 * ET_SEC, 80);
  et_expect(&rec, JJ_EVENT_FIRED, 2);
  et_push(e, s, ET_H(0) + 305 * ET_SEC, -5);
  et_expect_none(&rec);
  jj_alert_state st = et_state(e, s, 0);
  assert_int_equal(st.level, 2);
  jj_engine_free(e);
  jj_ruleset_free(rs);
  et_rec_free(&rec);
}

static void test_plain_rule_has_no_index(void **state) {
  (void)state;
  jj_ruleset *rs = et_pm_high_rule();
  et_rec rec = {0};
  jj_engine *e = et_engine(rs, NULL, &rec);
  const char *kv[] = {"zone", "jungbu"};
  jj_series_id s = et_series(e, "pm25", kv, 1);
  et_push(e, s, ET_H(0), 80);
  const jj_event *ev = et_expect(&rec, JJ_EVENT_FIRED, 1);
  assert_true(isnan(ev->concentration));
  assert_string_equal(ev->band, "");
  assert_string_equal(ev->index_name, "");
  char json[2048];
  jj_event_json(ev, json, sizeof json);
  assert_non_null(strstr(json, "\"concentration\":null,\"band\":\"\",\"index\":\"\"}"));
  jj_engine_free(e);
  jj_ruleset_free(rs);
  et_rec_free(&rec);
}

static void test_group_index(void **state) {
  (void)state;
  jj_ruleset *rs = cai_rule(JJ_GROUP_AVG, jj_aqi_table_find("cai-pm25"));
  et_rec rec = {0};
  jj_engine *e = et_engine(rs, NULL, &rec);
  const char *a[] = {"station", "a", "zone", "jungbu"}, *b[] = {"station", "b", "zone", "jungbu"};
  jj_series_id sa = et_series(e, "pm25", a, 2), sb = et_series(e, "pm25", b, 2);
  et_push(e, sa, ET_H(0), 30);
  et_push(e, sb, ET_H(0) + ET_SEC, 40); /* avg 35: index 100 */
  et_expect_none(&rec);
  et_push(e, sb, ET_H(0) + 2 * ET_SEC, 42); /* avg 36 (of 30, 42 ... the means) */
  /* b's 60 s mean is (40 + 42) / 2 = 41; the zone average (30 + 41) / 2 = 35.5 -> 35 -> 100 */
  et_expect_none(&rec);
  et_push(e, sa, ET_H(0) + 3 * ET_SEC, 32); /* a: 31, zone (31 + 41) / 2 = 36 -> 101 */
  const jj_event *ev = et_expect(&rec, JJ_EVENT_FIRED, 1);
  assert_true(ev->is_group);
  assert_true(ev->value == 101);
  assert_true(ev->concentration == 36);
  assert_string_equal(ev->band, "나쁨");
  jj_engine_free(e);
  jj_ruleset_free(rs);
  et_rec_free(&rec);
}

static void test_own_table_is_copied(void **state) {
  (void)state;
  const jj_aqi_band bands[] = {{0, 10, 0, 50, "low"}, {11, 20, 51, 300, "high"}};
  jj_aqi_table *t = NULL;
  assert_int_equal(jj_aqi_table_new("mine", 0, bands, 2, NULL, &t, NULL), JJ_OK);
  jj_ruleset *rs = cai_rule(JJ_GROUP_NONE, t);
  jj_aqi_table_free(t); /* the rule keeps its own copy */
  et_rec rec = {0};
  jj_engine *e = et_engine(rs, NULL, &rec);
  const char *kv[] = {"zone", "jungbu"};
  jj_series_id s = et_series(e, "pm25", kv, 1);
  et_push(e, s, ET_H(0), 20); /* 300: level 2 */
  const jj_event *ev = et_expect(&rec, JJ_EVENT_FIRED, 2);
  assert_true(ev->value == 300);
  assert_string_equal(ev->band, "high");
  assert_string_equal(ev->index_name, "mine");
  jj_engine_free(e);
  jj_ruleset_free(rs);
  /* The event copies own their strings. */
  assert_string_equal(rec.ev[0].band, "high");
  et_rec_free(&rec);
}

static void test_set_index_errors(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "kn";
  rc.metric = "pm25";
  rc.group = JJ_GROUP_K_OF_N;
  rc.group_by = "zone";
  rc.member_op = JJ_CMP_GE;
  rc.member_value = 75;
  rc.group_within_ms = ET_HOUR;
  jj_level_config lv = et_level("x", JJ_CMP_GE, 2, JJ_CMP_NONE, 0, 1);
  uint32_t idx = et_add(b, &rc, &lv, 1);
  jj_error err;
  const jj_aqi_table *t = jj_aqi_table_find("cai");
  assert_int_equal(jj_ruleset_builder_set_index(b, idx, t, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "k_of_n"));
  assert_int_equal(jj_ruleset_builder_set_index(b, idx + 1, t, &err), JJ_EINVAL);
  assert_int_equal(jj_ruleset_builder_set_index(b, idx, NULL, &err), JJ_EINVAL);
  assert_int_equal(jj_ruleset_builder_set_index(NULL, 0, t, &err), JJ_EINVAL);
  jj_ruleset_builder_free(b);
}

/* The window aggregate through a rule: the hourly C24E of a tumbling 1 h
 * window, judged on the CAI, on the check sequence. */
static void test_c24e_rule(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "cai-c24e";
  rc.metric = "pm25";
  rc.window.kind = JJ_WINDOW_TUMBLING;
  rc.window.span_ms = ET_HOUR;
  rc.aggregate = JJ_AGG_C24E_PM25;
  jj_level_config lv = et_level("bad", JJ_CMP_GE, 101, JJ_CMP_LT, 101, 1);
  uint32_t idx = et_add(b, &rc, &lv, 1);
  assert_int_equal(jj_ruleset_builder_set_index(b, idx, jj_aqi_table_find("cai-pm25"), NULL),
                   JJ_OK);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  et_rec rec = {0};
  jj_engine *e = et_engine(rs, NULL, &rec);
  const char *kv[] = {"zone", "jungbu"};
  jj_series_id s = et_series(e, "pm25", kv, 1);
  const double seq[12] = {40, 42, 45, 50, 55, 60, 62, 65, 70, 72, 75, 80};
  const jj_event *ev = NULL;
  for (int k = 0; k < 12; k++) et_push(e, s, ET_H(k), seq[k]);
  et_push(e, s, ET_H(12), 0); /* closes hour 11 */
  /* The first hours already read 나쁨 (C24E of 40, 42 ... >= 36); the
   * last closed hour is the check sequence: 57.677 -> 57 -> 181. */
  ev = et_expect(&rec, JJ_EVENT_FIRED, 1);
  (void)ev;
  et_skip_all(&rec);
  jj_alert_state st = et_state(e, s, 0);
  assert_true(st.value == 181);
  jj_engine_free(e);
  jj_ruleset_free(rs);
  et_rec_free(&rec);
}

/* Sub-index rules for pm25 and pm10 (per series) and their overall CAI
 * group by station (JJ_GROUP_CAI), on the CAI scale table. */
static jj_ruleset *overall_rules(jj_window_kind kind) {
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_level_config lv[2] = {et_level("bad", JJ_CMP_GE, 101, JJ_CMP_LT, 101, 1),
                           et_level("very-bad", JJ_CMP_GE, 251, JJ_CMP_LT, 251, 1)};
  const char *metric[2] = {"pm25", "pm10"}, *table[2] = {"cai-pm25", "cai-pm10"};
  for (int i = 0; i < 2; i++) {
    jj_rule_config rc;
    jj_rule_config_init(&rc);
    rc.name = table[i];
    rc.metric = metric[i];
    rc.window.kind = kind;
    rc.window.span_ms = kind == JJ_WINDOW_TUMBLING ? ET_HOUR : 60 * ET_SEC;
    uint32_t idx = et_add(b, &rc, lv, 2);
    assert_int_equal(jj_ruleset_builder_set_index(b, idx, jj_aqi_table_find(table[i]), NULL),
                     JJ_OK);
  }
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "overall";
  rc.group = JJ_GROUP_CAI;
  rc.group_by = "station";
  rc.sources = "cai-pm25, cai-pm10";
  uint32_t idx = et_add(b, &rc, lv, 2);
  assert_int_equal(jj_ruleset_builder_set_index(b, idx, jj_aqi_table_find("cai"), NULL), JJ_OK);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  return rs;
}

static const jj_event *next_of(et_rec *rec, const char *rule) {
  const jj_event *ev;
  while ((ev = et_next(rec)) != NULL)
    if (strcmp(ev->rule, rule) == 0) return ev;
  return NULL;
}

static void test_overall_cai_group(void **state) {
  (void)state;
  jj_ruleset *rs = overall_rules(JJ_WINDOW_SLIDING_TIME);
  et_rec rec = {0};
  jj_engine *e = et_engine(rs, NULL, &rec);
  const char *kv[] = {"station", "jungbu-1"};
  jj_series_id pm25 = et_series(e, "pm25", kv, 1), pm10 = et_series(e, "pm10", kv, 1);
  /* PM2.5 75 -> 250 (나쁨): the overall is 250. */
  et_push(e, pm25, ET_H(0), 75);
  const jj_event *ev = next_of(&rec, "overall");
  assert_non_null(ev);
  assert_int_equal(ev->kind, JJ_EVENT_FIRED);
  assert_true(ev->value == 250 && ev->is_group);
  assert_string_equal(ev->band, "나쁨");
  /* PM10 81 -> 101: two pollutants 나쁨, 250 + 50 = 300 (매우나쁨). */
  et_push(e, pm10, ET_H(0) + ET_SEC, 81);
  ev = next_of(&rec, "overall");
  assert_non_null(ev);
  assert_int_equal(ev->kind, JJ_EVENT_ESCALATED);
  assert_true(ev->value == 300);
  assert_string_equal(ev->band, "매우나쁨");
  /* PM10 80 -> 100 (보통): back to 250. */
  et_push(e, pm10, ET_H(0) + 62 * ET_SEC, 80);
  ev = next_of(&rec, "overall");
  assert_non_null(ev);
  assert_int_equal(ev->kind, JJ_EVENT_DOWNGRADED);
  assert_true(ev->value == 250);
  jj_engine_free(e);
  jj_ruleset_free(rs);
  et_rec_free(&rec);
}

/* Hourly sources: the group judges an hour once both have closed it, so
 * the first source's hour alone (a half-updated picture) raises nothing;
 * a source missing an hour does not hold the group back past the next. */
static void test_overall_cai_hourly(void **state) {
  (void)state;
  jj_ruleset *rs = overall_rules(JJ_WINDOW_TUMBLING);
  et_rec rec = {0};
  jj_engine *e = et_engine(rs, NULL, &rec);
  const char *kv[] = {"station", "jungbu-1"};
  jj_series_id pm25 = et_series(e, "pm25", kv, 1), pm10 = et_series(e, "pm10", kv, 1);
  et_push(e, pm25, ET_H(0), 10);
  et_push(e, pm10, ET_H(0), 10);
  et_push(e, pm25, ET_H(1), 75); /* closes pm25's hour 0 (10 -> 33) */
  et_push(e, pm10, ET_H(1), 81); /* closes pm10's hour 0: judged, 33: nothing */
  assert_null(next_of(&rec, "overall"));
  et_push(e, pm25, ET_H(2), 10); /* pm25 hour 1 = 250: waits for pm10's hour 1 */
  assert_null(next_of(&rec, "overall"));
  et_push(e, pm10, ET_H(2), 10); /* pm10 hour 1 = 101: 250 + 50 */
  const jj_event *ev = next_of(&rec, "overall");
  assert_non_null(ev);
  assert_int_equal(ev->kind, JJ_EVENT_FIRED);
  assert_int_equal(ev->level, 2);
  assert_true(ev->value == 300);
  assert_true(ev->window_start_ms == ET_H(1) && ev->window_end_ms == ET_H(2));
  assert_null(next_of(&rec, "overall"));
  /* pm10 misses hour 2; pm25 reports hours 2 and 3: hour 2 is judged
   * when pm25 reports hour 3, with what is known (pm25 10, pm10 101). */
  et_push(e, pm25, ET_H(3), 10);
  assert_null(next_of(&rec, "overall"));
  et_push(e, pm25, ET_H(4), 10);
  ev = next_of(&rec, "overall");
  assert_non_null(ev);
  assert_int_equal(ev->kind, JJ_EVENT_DOWNGRADED);
  assert_true(ev->value == 101);
  assert_true(ev->window_end_ms == ET_H(3));
  jj_engine_free(e);
  jj_ruleset_free(rs);
  et_rec_free(&rec);
}

static void test_overall_cai_needs_index_sources(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "plain";
  rc.metric = "pm25";
  jj_level_config lv = et_level("x", JJ_CMP_GE, 101, JJ_CMP_NONE, 0, 1);
  et_add(b, &rc, &lv, 1);
  jj_rule_config_init(&rc);
  rc.name = "overall";
  rc.group = JJ_GROUP_CAI;
  rc.group_by = "station";
  rc.sources = "plain";
  et_add(b, &rc, &lv, 1);
  jj_ruleset *rs = NULL;
  jj_error err;
  assert_int_equal(jj_ruleset_builder_build(b, &rs, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "must judge a CAI sub-index"));
  jj_ruleset_builder_free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_levels_on_index),    cmocka_unit_test(test_plain_rule_has_no_index),
      cmocka_unit_test(test_group_index),        cmocka_unit_test(test_own_table_is_copied),
      cmocka_unit_test(test_set_index_errors),   cmocka_unit_test(test_c24e_rule),
      cmocka_unit_test(test_overall_cai_group),  cmocka_unit_test(test_overall_cai_hourly),
      cmocka_unit_test(test_overall_cai_needs_index_sources),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
