/* lib/feature_check.c in a build that leaves the optional parts out
 * (compiled here with JJ_NO_SKETCH, JJ_NO_GROUPS, JJ_NO_TEMPLATES, JJ_NO_AQI,
 * JJ_NO_TUMBLING, as
 * -DJJ_WITH_SKETCH=OFF etc. build it): a rule that needs a missing part is
 * refused with JJ_ENOTSUP and a message naming the rule and the option;
 * the builder and the bundle loader both ask it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "feature_check.h"

static void base(jj_rule_config *rc) {
  memset(rc, 0, sizeof *rc);
  rc->name = "heat";
  rc->metric = "temperature";
  rc->aggregate = JJ_AGG_MEAN;
}

static void test_missing_parts_refused(void **state) {
  (void)state;
  jj_rule_config rc;
  jj_error err;
  base(&rc);
  assert_int_equal(jj__features_check_rule(&rc, &err), JJ_OK);
  rc.aggregate = JJ_AGG_PERCENTILE;
  assert_int_equal(jj__features_check_rule(&rc, &err), JJ_ENOTSUP);
  assert_int_equal(err.code, JJ_ENOTSUP);
  assert_non_null(strstr(err.message, "rule 'heat'"));
  assert_non_null(strstr(err.message, "-DJJ_WITH_SKETCH=ON"));
  base(&rc);
  rc.aggregate = JJ_AGG_EWMA;
  assert_int_equal(jj__features_check_rule(&rc, &err), JJ_ENOTSUP);
  assert_non_null(strstr(err.message, "rule 'heat': ewma"));
  assert_non_null(strstr(err.message, "-DJJ_WITH_EWMA=ON"));
  base(&rc);
  rc.group = JJ_GROUP_K_OF_N;
  assert_int_equal(jj__features_check_rule(&rc, &err), JJ_ENOTSUP);
  assert_non_null(strstr(err.message, "rule 'heat'"));
  assert_non_null(strstr(err.message, "-DJJ_WITH_GROUPS=ON"));
  assert_int_equal(jj__features_check_annotation("heat", "summary", &err), JJ_ENOTSUP);
  assert_non_null(strstr(err.message, "rule 'heat': annotation 'summary'"));
  assert_non_null(strstr(err.message, "-DJJ_WITH_TEMPLATES=ON"));
  assert_int_equal(jj__features_check_annotation("heat", NULL, NULL), JJ_ENOTSUP);
  /* JJ_WITH_AQI=OFF: the hourly index averages, cai groups, index tables. */
  const jj_agg hourly[] = {JJ_AGG_NOWCAST, JJ_AGG_C24E_PM25, JJ_AGG_C24E_PM10};
  for (int i = 0; i < 3; i++) {
    base(&rc);
    rc.aggregate = hourly[i];
    assert_int_equal(jj__features_check_rule(&rc, &err), JJ_ENOTSUP);
    assert_non_null(strstr(err.message, "rule 'heat': the hourly index averages"));
    assert_non_null(strstr(err.message, "-DJJ_WITH_AQI=ON"));
  }
  base(&rc);
  rc.group = JJ_GROUP_CAI;
  assert_int_equal(jj__features_check_rule(&rc, &err), JJ_ENOTSUP);
  assert_non_null(strstr(err.message, "rule 'heat': cai groups"));
  assert_int_equal(jj__features_check_index("pm25-cai", &err), JJ_ENOTSUP);
  assert_non_null(strstr(err.message, "rule 'pm25-cai': index tables"));
  assert_non_null(strstr(err.message, "-DJJ_WITH_AQI=ON"));
}

/* JJ_WITH_TUMBLING=OFF: a rule reading a TUMBLING window is refused, the
 * bundle loaders' form (kind passed apart) as well as the builder's. A
 * group combining rules reads no window, so its kind is not held against
 * it (it is refused here for the groups left out, not for the window). */
static void test_tumbling_refused(void **state) {
  (void)state;
  jj_rule_config rc;
  jj_error err;
  base(&rc);
  rc.window.kind = JJ_WINDOW_SLIDING_COUNT;
  assert_int_equal(jj__features_check_rule(&rc, &err), JJ_OK);
  rc.window.kind = JJ_WINDOW_TUMBLING;
  assert_int_equal(jj__features_check_rule(&rc, &err), JJ_ENOTSUP);
  assert_non_null(strstr(err.message, "rule 'heat': tumbling windows"));
  assert_non_null(strstr(err.message, "-DJJ_WITH_TUMBLING=ON"));
  assert_int_equal(jj__features_check("hourly", JJ_WINDOW_TUMBLING, JJ_AGG_MEAN, JJ_GROUP_NONE,
                                      &err),
                   JJ_ENOTSUP);
  assert_non_null(strstr(err.message, "rule 'hourly': tumbling windows"));
  assert_int_equal(jj__features_check("hourly", JJ_WINDOW_TUMBLING, JJ_AGG_MEAN, JJ_GROUP_NONE,
                                      NULL),
                   JJ_ENOTSUP);
  assert_int_equal(jj__features_check("any", JJ_WINDOW_TUMBLING, JJ_AGG_MEAN, JJ_GROUP_RULES,
                                      &err),
                   JJ_ENOTSUP);
  assert_null(strstr(err.message, "tumbling"));
  assert_non_null(strstr(err.message, "-DJJ_WITH_GROUPS=ON"));
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_missing_parts_refused),
                                     cmocka_unit_test(test_tumbling_refused)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
