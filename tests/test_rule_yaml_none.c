/* The YAML rule loader in a library built without it (JJ_WITH_YAML=OFF):
 * jjair.h still declares jj_rules_load_string / jj_rules_load_file, and
 * both return JJ_ENOTSUP with a message saying how to get the loader,
 * writing nothing past max_errs and adding nothing to the builder. */
/* cmocka.h needs these first. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <string.h>

#include "jjair/jjair.h"

static void test_not_supported(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  static const char yaml[] = "version: 1\nrules:\n  - {name: r, metric: m, levels: [{name: a, issue: \">= 1\"}]}\n";
  jj_error errs[2];
  memset(errs, 0x55, sizeof errs);
  size_t n = 0;
  assert_int_equal(jj_rules_load_string(b, yaml, strlen(yaml), "r.yaml", errs, 1, &n), JJ_ENOTSUP);
  assert_int_equal(n, 1);
  assert_int_equal(errs[0].code, JJ_ENOTSUP);
  assert_string_equal(errs[0].file, "r.yaml");
  assert_int_equal(errs[0].line, 0);
  assert_non_null(strstr(errs[0].message, "without the YAML rule loader"));
  assert_non_null(strstr(errs[0].message, "-DJJ_WITH_YAML=ON"));
  assert_int_equal(errs[1].code, (jj_status)0x55555555); /* max_errs is 1 */
  n = 0;
  assert_int_equal(jj_rules_load_file(b, "rules/fire.yaml", errs, 2, &n), JJ_ENOTSUP);
  assert_int_equal(n, 1);
  assert_string_equal(errs[0].file, "rules/fire.yaml");
  /* errs and nerrs may be NULL */
  assert_int_equal(jj_rules_load_file(b, "x.yaml", NULL, 0, NULL), JJ_ENOTSUP);
  assert_int_equal(jj_rules_load_string(NULL, NULL, 0, NULL, NULL, 0, NULL), JJ_ENOTSUP);
  /* nothing was added */
  jj_ruleset *rs = NULL;
  assert_int_equal(jj_ruleset_builder_build(b, &rs, NULL), JJ_EINVAL);
  assert_null(rs);
  jj_ruleset_builder_free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_not_supported),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
