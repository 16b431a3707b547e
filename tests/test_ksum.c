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
#include "moments.h"

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

/* xorshift64: the same stream on every target. */
static uint64_t rng_state = 88172645463325252ull;
static uint64_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* A double of random sign, mantissa and exponent in [2^-40, 2^40), or
 * near `near` (same binade or the next: Sterbenz's case and its edge). */
static double rnd_double(double near) {
  double m = 1.0 + (double)(rng() >> 12) * ldexp(1.0, -52);
  if (near != 0.0 && (rng() & 1)) return near * (0.5 + m * 0.75);
  double x = ldexp(m, (int)(rng() % 80) - 40);
  return (rng() & 1) ? -x : x;
}

/* The shortcuts of the moment sums give what the general formulas give:
 * the magnitude compare, the difference within one binade, the product
 * with a small integer time offset (moments.h). */
static void test_shortcuts_exact(void **state) {
  (void)state;
  for (int i = 0; i < 20000; i++) {
    double a = rnd_double(0.0), b = rnd_double(i & 1 ? a : 0.0);
    if (i % 97 == 0) b = a;
    if (i % 89 == 0) b = -0.0;
    assert_int_equal(jj_mag_ge(a, b), fabs(a) >= fabs(b));
    assert_int_equal(jj_mag_ge(b, a), fabs(b) >= fabs(a));
    jj_dd d = jj_dd_diff(a, b), r = jj_dd_two_sum(a, -b);
    assert_true(d.hi == r.hi && d.lo == r.lo);
    /* t: an integer below 2^26 in magnitude, as jj_ts_small admits it. */
    int64_t dt = (int64_t)(rng() % (UINT64_C(1) << 27)) - ((int64_t)1 << 26) + 1;
    assert_true(jj_ts_small(1000 + dt, 1000));
    double t = (double)dt;
    jj_ksum k1 = {a, b * 0x1p-60}, k2 = k1;
    jj_mom_add_small_prod(&k1, t, b, (int)(i & 1));
    jj_mom_add_prod(&k2, t, b, (int)(i & 1));
    assert_true(k1.sum == k2.sum && k1.comp == k2.comp);
  }
  assert_false(jj_ts_small(((int64_t)1 << 26) + 5, 5));
  assert_true(jj_ts_small(5, ((int64_t)1 << 26) + 5)); /* -2^26: one bit */
  assert_false(jj_ts_small(4, ((int64_t)1 << 26) + 5));
  assert_false(jj_ts_small(INT64_MAX / 2, -(INT64_MAX / 2)));
}

/* A sum of integers (times, their squares) takes the one-addition path
 * while it can and then gives what jj_ksum_add gives, across 2^52. */
static void test_add_int_exact(void **state) {
  (void)state;
  for (int run = 0; run < 200; run++) {
    jj_ksum k1 = {0.0, 0.0}, k2 = {0.0, 0.0};
    int bits = 10 + run % 50; /* terms up to 2^59: both paths */
    for (int i = 0; i < 500; i++) {
      double x = (double)(int64_t)(rng() >> (64 - bits)) * ((rng() & 1) ? 1.0 : -1.0);
      if (x == 0.0) x = 1.0;
      jj_ksum_add_int(&k1, x);
      jj_ksum_add(&k2, x);
      assert_true(k1.sum == k2.sum && k1.comp == k2.comp);
    }
  }
}

/* The plain sums' branchless addition and subtraction (TwoSum) give the
 * bits of jj_ksum_add's Neumaier step (Fast2Sum after a magnitude test):
 * both are the exact rounding error of each addition. Runs of values of
 * every magnitude below JJ_VALUE_LIMIT, signs mixed, each sum restarting
 * from 0 now and then (a window's next generation), equal magnitudes. */
static void test_add_finite_exact(void **state) {
  (void)state;
  for (int run = 0; run < 400; run++) {
    jj_ksum k1 = {0.0, 0.0}, k2 = {0.0, 0.0}, k3 = {0.0, 0.0};
    const int spread = 1 + run % 292; /* decimal exponents up to 1e286 */
    for (int i = 0; i < 500; i++) {
      double x =
          ldexp((double)(rng() >> 11), -53) * pow(10.0, (double)(rng() % (unsigned)spread) - 5.0);
      if (rng() & 1) x = -x;
      if (i % 37 == 0) x = -k1.sum; /* equal magnitudes */
      if (i % 101 == 0) x = 0.0;
      if (rng() % 64 == 0) k1 = k2 = k3 = (jj_ksum){0.0, 0.0};
      jj_ksum_add_finite(&k1, x);
      jj_ksum_add(&k2, x);
      assert_true(k1.sum == k2.sum && k1.comp == k2.comp);
      assert_true(signbit(k1.comp) == signbit(k2.comp));
      jj_ksum_sub_finite(&k3, -x); /* the same sum, by subtraction */
      assert_true(k3.sum == k2.sum && k3.comp == k2.comp);
      assert_true(signbit(k3.comp) == signbit(k2.comp));
    }
  }
  /* jj_sum_apply (add and remove) matches the Neumaier steps too. */
  jj_ksum a = {0.0, 0.0}, b = {0.0, 0.0};
  for (int i = 0; i < 100000; i++) {
    double x = ldexp((double)(rng() >> 11), -53) * pow(10.0, (double)(rng() % 20));
    const int add = (int)(rng() & 1);
    jj_sum_apply(&a, x, add, 2);
    jj_ksum_add(&b, add ? x : -x);
    assert_true(a.sum == b.sum && a.comp == b.comp);
  }
}

/* A comoment read in plain doubles (when it does not cancel) is within
 * 2^-40 of the double-double one, whatever the inputs. */
static void test_comoment_plain(void **state) {
  (void)state;
  int plain = 0, dd = 0;
  for (int i = 0; i < 20000; i++) {
    jj_ksum sxy = {rnd_double(0.0), 0.0}, sx = {rnd_double(0.0), 0.0}, sy = {0.0, 0.0};
    double n = (double)(1 + rng() % 1000);
    /* About half: sy chosen so that n*sxy - sx*sy cancels to some degree. */
    sy.sum = (i & 1) ? n * sxy.sum / sx.sum * (1.0 + ldexp(rnd_double(0.0), -(int)(rng() % 50)))
                     : rnd_double(0.0);
    sxy.comp = sxy.sum * ldexp((double)(rng() % 1000), -70);
    jj_dd got = jj_moments_comoment_n(&sxy, &sx, &sy, n);
    const jj_dd dn = {n, 0.0};
    jj_dd want = jj_dd_sub(jj_dd_mul(jj_dd_of(&sxy), dn), jj_dd_mul(jj_dd_of(&sx), jj_dd_of(&sy)));
    double g = got.hi + got.lo, w = want.hi + want.lo;
    if (got.lo == 0.0) plain++; else dd++; /* (roughly: dd may end in lo 0 too) */
    assert_true(fabs(g - w) <= ldexp(fabs(w), -40));
  }
  assert_true(plain > 1000); /* both paths ran (without the plain one, ~0) */
  assert_true(dd > 1000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_prod_err_exact),
      cmocka_unit_test(test_sum_of_squares),
      cmocka_unit_test(test_shortcuts_exact),
      cmocka_unit_test(test_add_int_exact),
      cmocka_unit_test(test_comoment_plain),
      cmocka_unit_test(test_add_finite_exact),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
