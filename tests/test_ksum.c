/* lib/ksum.h: the product's rounding error is exact on every target. On a
 * Cortex-M4 (single-precision FPU) newlib's double fma() is not fused, so
 * taking the fma() path there gave an error term of 0 and the window
 * variances lost their compensation; tests/device runs this on the M4. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>

#include "ksum.h"

/* (1 + 2^-30)^2 = 1 + 2^-29 + 2^-60: the double product drops 2^-60. */
static void test_prod_err_exact(void **state) {
  (void)state;
  volatile double a = 1.0 + ldexp(1.0, -30), b = a;
  double p = a * b;
  assert_true(p == 1.0 + ldexp(1.0, -29));
  assert_true(jj_prod_err(a, b, p) == ldexp(1.0, -60));
  /* A product with an error of both signs and large exponents. */
  volatile double c = 3.0 + ldexp(1.0, -50), d = 1e10 / 3.0;
  double q = c * d;
  double e = jj_prod_err(c, d, q);
  assert_true(e != 0.0);
  assert_true(fabs(e) <= ldexp(fabs(q), -53));
}

/* Sums of squares keep the low bits: 2^20 squares of (1 + 2^-30) minus
 * 2^20 * (1 + 2^-29) leave exactly 2^20 * 2^-60. */
static void test_sum_of_squares(void **state) {
  (void)state;
  jj_ksum k;
  jj_ksum_clear(&k);
  volatile double x = 1.0 + ldexp(1.0, -30);
  for (int i = 0; i < (1 << 20); i++) jj_ksum_add_prod(&k, x, x, 1.0);
  jj_ksum_add(&k, -ldexp(1.0, 20) * (1.0 + ldexp(1.0, -29)));
  assert_true(jj_ksum_value(&k) == ldexp(1.0, -40));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_prod_err_exact),
      cmocka_unit_test(test_sum_of_squares),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
