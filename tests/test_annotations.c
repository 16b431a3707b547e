/* Annotation templates, notifier names and regex matchers of the rule
 * builder, end to end through an engine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "engine_testutil.h"
#include "jjair/jjair.h"

static jj_ruleset_builder *builder(uint32_t *rule) {
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "pm25-local";
  rc.metric = "pm25";
  rc.window.kind = JJ_WINDOW_SLIDING_COUNT;
  rc.window.count = 1;
  rc.aggregate = JJ_AGG_LAST;
  jj_level_config lc = et_level("advisory", JJ_CMP_GE, 75, JJ_CMP_NONE, 0, 0);
  lc.severity = "주의보";
  *rule = et_add(b, &rc, &lc, 1);
  assert_int_equal(jj_ruleset_builder_add_label(b, *rule, "city", "jeonju", NULL), JJ_OK);
  return b;
}

static void test_template_errors(void **state) {
  (void)state;
  uint32_t r;
  jj_ruleset_builder *b = builder(&r);
  jj_error err;
  struct {
    const char *tmpl, *says;
  } bad[] = {
      {"{{ valu }}", "unknown template field 'valu' at byte 3"},
      {"PM {{ value", "'{{' at byte 3 is never closed"},
      {"{{ value:.1x }}", "bad format '.1x' for field 'value'"},
      {"{{ level:.1f }}", "bad format '.1f' for field 'level'"},
      {"{{ value:.123f }}", "bad format"},
      {"{{ labels. }}", "unknown template field"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(jj_ruleset_builder_add_annotation(b, r, "summary", bad[i].tmpl, &err),
                     JJ_EINVAL);
    if (!strstr(err.message, bad[i].says)) fail_msg("'%s': got '%s'", bad[i].tmpl, err.message);
    assert_non_null(strstr(err.message, "pm25-local"));
  }
  assert_int_equal(jj_ruleset_builder_add_annotation(b, r, "a", "ok", &err), JJ_OK);
  assert_int_equal(jj_ruleset_builder_add_annotation(b, r, "a", "again", &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "set twice"));
  assert_int_equal(jj_ruleset_builder_add_notify(b, r, "sms residents", &err), JJ_EINVAL);
  assert_int_equal(jj_ruleset_builder_add_notify(b, r, "sms-residents", &err), JJ_OK);
  assert_int_equal(jj_ruleset_builder_add_notify(b, r, "sms-residents", &err), JJ_EINVAL);
  jj_ruleset_builder_free(b);
}

static void test_render(void **state) {
  (void)state;
  uint32_t r;
  jj_ruleset_builder *b = builder(&r);
  jj_error err;
  const char *summary =
      "[전주시] 초미세먼지 {{ level }}({{ severity }}) 발령({{ labels.zone }}, PM2.5 "
      "{{ value:.0f }}㎍/㎥) {{labels.city}} {{ labels.none }}";
  assert_int_equal(jj_ruleset_builder_add_annotation(b, r, "summary", summary, &err), JJ_OK);
  assert_int_equal(jj_ruleset_builder_add_annotation(
                       b, r, "detail",
                       "{{ rule }}/{{ metric }}/{{ kind }} {{ value:.2e }} {{ value:g }} at "
                       "{{ time }} = {{ time_kst }} since {{ started }} @{{ lat:.3f }},{{ lon }}",
                       &err),
                   JJ_OK);
  assert_int_equal(jj_ruleset_builder_add_notify(b, r, "sms-residents", &err), JJ_OK);
  assert_int_equal(jj_ruleset_builder_add_notify(b, r, "alertmanager", &err), JJ_OK);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  assert_int_equal(jj_ruleset_rule_notify_count(rs, 0), 2);
  assert_string_equal(jj_ruleset_rule_notify(rs, 0, 1), "alertmanager");
  assert_null(jj_ruleset_rule_notify(rs, 0, 2));

  jj_engine *e = et_engine(rs, NULL, NULL);
  jj_ruleset_free(rs);
  jj_label l[] = {{"zone", "jungbu"}, {"station", "palbok-03"}};
  jj_series_id id;
  assert_int_equal(jj_engine_series(e, "pm25", l, 2, &id), JJ_OK);
  /* 2024-01-01 04:00:00 UTC = 13:00 KST */
  assert_int_equal(jj_engine_push_located(e, id, 1704081600000LL, 82.4, 35.8467, 127.1293), JJ_OK);
  const jj_event *ev = jj_engine_poll(e);
  assert_non_null(ev);
  assert_int_equal(jj_event_annotation_count(ev), 2);
  assert_string_equal(jj_event_annotation_name(ev, 0), "summary");
  char buf[512];
  size_t n = jj_event_render(ev, 0, buf, sizeof buf);
  assert_string_equal(buf,
                      "[전주시] 초미세먼지 advisory(주의보) 발령(jungbu, PM2.5 82㎍/㎥) jeonju ");
  assert_int_equal(n, strlen(buf));
  jj_event_render(ev, 1, buf, sizeof buf);
  assert_string_equal(buf,
                      "pm25-local/pm25/fired 8.24e+01 82.4 at 2024-01-01T04:00:00Z = 2024-01-01 "
                      "13:00 KST since 2024-01-01T04:00:00Z @35.847,127.129300");
  /* Truncation works like snprintf. */
  char small[8];
  size_t need = jj_event_render(ev, 0, small, sizeof small);
  assert_int_equal(need, n);
  assert_int_equal(strlen(small), 7);
  assert_int_equal(jj_event_render(ev, 5, buf, sizeof buf), 0);
  assert_string_equal(buf, "");
  jj_engine_free(e);
}

static void test_regex_matchers(void **state) {
  (void)state;
  uint32_t r;
  jj_ruleset_builder *b = builder(&r);
  jj_error err;
  jj_status st = jj_ruleset_builder_add_matcher(b, r, "station", JJ_MATCH_RE, "palbok-0[0-9]", &err);
#ifndef JJ_TEST_HAVE_PCRE2
  assert_int_equal(st, JJ_EINVAL);
  jj_ruleset_builder_free(b);
  skip();
#else
  assert_int_equal(st, JJ_OK);
  assert_int_equal(jj_ruleset_builder_add_matcher(b, r, "zone", JJ_MATCH_NRE, "test.*", &err), JJ_OK);
  assert_int_equal(jj_ruleset_builder_add_matcher(b, r, "x", JJ_MATCH_RE, "a(b", &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "invalid regex for label 'x'"));
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  jj_engine *e = et_engine(rs, NULL, NULL);
  jj_ruleset_free(rs);
  struct {
    const char *station, *zone;
    int fires;
  } cases[] = {
      {"palbok-03", "jungbu", 1},   {"palbok-03x", "jungbu", 0}, /* anchored at the end */
      {"xpalbok-03", "jungbu", 0},  /* anchored at the start */
      {"palbok-07", "testzone", 0}, /* excluded by the != regex */
      {"palbok-09", "", 1},
  };
  int64_t t = 1000;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    jj_label l[] = {{"station", cases[i].station}, {"zone", cases[i].zone}};
    jj_series_id id;
    assert_int_equal(jj_engine_series(e, "pm25", l, 2, &id), JJ_OK);
    assert_int_equal(jj_engine_push(e, id, t++, 100.0), JJ_OK);
    int got = jj_engine_poll(e) != NULL;
    if (got != cases[i].fires) fail_msg("station %s zone %s", cases[i].station, cases[i].zone);
  }
  jj_engine_free(e);
#endif
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_template_errors),
      cmocka_unit_test(test_render),
      cmocka_unit_test(test_regex_matchers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
