/* Placeholder smoke test; the full randomized suite replaces it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include "jjair/jjair.h"

static void smoke(void **state) {
  (void)state;
  jj_window_config c;
  jj_window_config_init(&c);
  c.span_ms = 10;
  jj_window *w = NULL;
  assert_int_equal(jj_window_new(&c, NULL, &w), JJ_OK);
  for (int i = 0; i < 100; i++) assert_int_equal(jj_window_push(w, i, (double)(i % 7)), JJ_OK);
  double v;
  assert_int_equal(jj_window_value(w, JJ_AGG_COUNT, &v), JJ_OK);
  assert_true(v == 10.0);
  jj_window_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(smoke)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
