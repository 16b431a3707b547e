/* JJ_GROUP_RULES: an alert that combines other rules, e.g. a corroborated
 * fire when heat AND smoke fire on the same robot within a minute. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "engine_testutil.h"
#include "jjair/jjair.h"

#define SEC 1000LL
#define T0 1700000000000LL

static void add_simple(jj_ruleset_builder *b, const char *name, const char *metric, double at) {
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = name;
  rc.metric = metric;
  rc.window.kind = JJ_WINDOW_SLIDING_COUNT;
  rc.window.count = 1;
  rc.aggregate = JJ_AGG_LAST;
  jj_level_config lc = et_level("alarm", JJ_CMP_GE, at, JJ_CMP_NONE, 0, 1);
  et_add(b, &rc, &lc, 1);
}

static jj_status add_fire(jj_ruleset_builder *b, const char *sources, jj_error *err) {
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "fire";
  rc.group = JJ_GROUP_RULES;
  rc.group_by = "robot";
  rc.sources = sources;
  rc.group_within_ms = 60 * SEC;
  uint32_t r;
  jj_status st = jj_ruleset_builder_add_rule(b, &rc, &r, err);
  if (st != JJ_OK) return st;
  jj_level_config lc;
  jj_level_config_init(&lc);
  lc.name = "corroborated";
  lc.issue_value = 2; /* two criteria agree */
  return jj_ruleset_builder_add_level(b, r, &lc, err);
}

typedef struct fx {
  jj_engine *e;
  jj_series_id heat[3], smoke[3];
} fx;

static void fx_open(fx *f) {
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  add_simple(b, "heat", "temperature", 57);
  add_simple(b, "smoke", "smoke", 10);
  jj_error err;
  assert_int_equal(add_fire(b, "heat, smoke", &err), JJ_OK);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  assert_int_equal(jj_engine_new(rs, NULL, NULL, &f->e), JJ_OK);
  jj_ruleset_free(rs);
  static const char *robots[] = {"r1", "r2", "r3"};
  for (int i = 0; i < 3; i++) {
    jj_label l = {"robot", robots[i]};
    assert_int_equal(jj_engine_series(f->e, "temperature", &l, 1, &f->heat[i]), JJ_OK);
    assert_int_equal(jj_engine_series(f->e, "smoke", &l, 1, &f->smoke[i]), JJ_OK);
  }
}

/* The next event of rule "fire" (copied to *ev), skipping the sources' own
 * events. */
static int next_fire(jj_engine *e, jj_event *ev) {
  const jj_event *p;
  while ((p = jj_engine_poll(e)) != NULL) {
    if (strcmp(p->rule, "fire") == 0) {
      *ev = *p; /* its strings belong to the engine, alive for these tests */
      return 1;
    }
  }
  return 0;
}

static void test_two_criteria_on_one_robot(void **state) {
  (void)state;
  fx f;
  fx_open(&f);
  jj_event ev;
  memset(&ev, 0, sizeof ev);
  assert_int_equal(jj_engine_push(f.e, f.heat[0], T0, 70), JJ_OK); /* heat alone */
  assert_int_equal(next_fire(f.e, &ev), 0);
  assert_int_equal(jj_engine_push(f.e, f.smoke[2], T0 + 10 * SEC, 20), JJ_OK); /* other robot */
  assert_int_equal(next_fire(f.e, &ev), 0);
  assert_int_equal(jj_engine_push(f.e, f.smoke[0], T0 + 30 * SEC, 20), JJ_OK);
  assert_int_equal(next_fire(f.e, &ev), 1);
  assert_int_equal(ev.kind, JJ_EVENT_FIRED);
  assert_int_equal(ev.is_group, 1);
  assert_int_equal(ev.nlabels, 1);
  assert_string_equal(ev.labels[0].value, "r1");
  assert_true(ev.value == 2.0);
  assert_int_equal(ev.time_ms, T0 + 30 * SEC);
  assert_int_equal(ev.window_start_ms, T0 - 30 * SEC);
  /* Both sources clear; the agreement lingers for the span, then resolves. */
  assert_int_equal(jj_engine_push(f.e, f.heat[0], T0 + 40 * SEC, 30), JJ_OK);
  assert_int_equal(jj_engine_push(f.e, f.smoke[0], T0 + 41 * SEC, 0), JJ_OK);
  assert_int_equal(next_fire(f.e, &ev), 0);
  assert_int_equal(jj_engine_advance(f.e, T0 + 100 * SEC), JJ_OK);
  assert_int_equal(next_fire(f.e, &ev), 0); /* smoke cleared at +41 s: still within */
  assert_int_equal(jj_engine_advance(f.e, T0 + 102 * SEC), JJ_OK);
  assert_int_equal(next_fire(f.e, &ev), 1);
  assert_int_equal(ev.kind, JJ_EVENT_RESOLVED);
  jj_engine_free(f.e);
}

static void test_too_far_apart(void **state) {
  (void)state;
  fx f;
  fx_open(&f);
  jj_event ev;
  memset(&ev, 0, sizeof ev);
  assert_int_equal(jj_engine_push(f.e, f.heat[1], T0, 70), JJ_OK);
  assert_int_equal(jj_engine_push(f.e, f.heat[1], T0 + 5 * SEC, 20), JJ_OK); /* heat over */
  assert_int_equal(jj_engine_push(f.e, f.smoke[1], T0 + 70 * SEC, 20), JJ_OK);
  assert_int_equal(next_fire(f.e, &ev), 0);
  /* but a heat alarm still firing counts however long ago it started */
  assert_int_equal(jj_engine_push(f.e, f.heat[2], T0 + 80 * SEC, 70), JJ_OK);
  assert_int_equal(jj_engine_push(f.e, f.smoke[2], T0 + 300 * SEC, 20), JJ_OK);
  assert_int_equal(next_fire(f.e, &ev), 1);
  assert_string_equal(ev.labels[0].value, "r3");
  jj_engine_free(f.e);
}

static void test_validation(void **state) {
  (void)state;
  struct {
    const char *sources, *says;
  } bad[] = {
      {"heat, nothing", "source rule 'nothing' does not exist"},
      {"heat, heat", "source 'heat' is listed twice"},
      {"fire", "must be another rule without a group"},
      {"zone-avg", "must be another rule without a group"},
      {" , ", "sources lists no rule"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    jj_ruleset_builder *b = NULL;
    assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
    add_simple(b, "heat", "temperature", 57);
    jj_rule_config rc;
    jj_rule_config_init(&rc);
    rc.name = "zone-avg";
    rc.metric = "pm25";
    rc.group = JJ_GROUP_AVG;
    rc.group_by = "zone";
    jj_level_config lc = et_level("a", JJ_CMP_GE, 1, JJ_CMP_NONE, 0, 1);
    et_add(b, &rc, &lc, 1);
    jj_error err;
    assert_int_equal(add_fire(b, bad[i].sources, &err), JJ_OK);
    jj_ruleset *rs = NULL;
    assert_int_equal(jj_ruleset_builder_build(b, &rs, &err), JJ_EINVAL);
    if (!strstr(err.message, bad[i].says)) fail_msg("'%s': got '%s'", bad[i].sources, err.message);
    jj_ruleset_builder_free(b);
  }
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_error err;
  assert_int_equal(add_fire(b, "", &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "needs sources"));
  jj_ruleset_builder_free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_two_criteria_on_one_robot),
      cmocka_unit_test(test_too_far_apart),
      cmocka_unit_test(test_validation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
