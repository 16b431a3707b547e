/* The library's own number formatting (lib/numfmt.c, compiled into this
 * test): %.*f, %.*e and %.*g must give exactly what glibc's printf gives,
 * for a table of hard cases (ties, carries, subnormals, huge values) and
 * a stream of pseudo-random doubles; integers and snprintf-style
 * truncation too. A differential test: glibc is the reference here, the
 * library must not need it on the device. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "numfmt.h"
#include "testutil.h"

static unsigned long compared;

/* Own vs printf for one value and format; the failing case is printed. */
static void same(double x, char conv, int prec) {
  char want[512], got[JJ__FMT_DOUBLE_MAX];
  int n;
  switch (conv) {
    case 'f': n = snprintf(want, sizeof want, "%.*f", prec, x); break;
    case 'e': n = snprintf(want, sizeof want, "%.*e", prec, x); break;
    default: n = snprintf(want, sizeof want, "%.*g", prec, x); break;
  }
  size_t k = jj__fmt_double(x, conv, prec, got, sizeof got);
  compared++;
  if (n < 0 || (size_t)n != k || strcmp(want, got) != 0)
    fail_msg("%%.%d%c of %a (%.17g): printf '%s', own '%s' (length %zu)", prec, conv, x, x, want,
             got, k);
}

static void test_table(void **state) {
  (void)state;
  static const double hard[] = {
      0.0, 0.5, 1.5, 2.5, 0.125, 0.375, 2.675, 1.005, 1.115, 0.045, 8.345,
      9.5, 99.5, 999999.5, 0.05, 0.15, 0.25, 0.35, 9.9999999e-5, 0.0001, 0.00001,
      1e15, 1e16, 1e17, 123456789012345678.0, 9007199254740993.0, 18446744073709551616.0,
      1e21, 1e22, 1e23, 1e100, 1e-100, 1e300, 1e-300, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3,
      77.3, 35, 74.99999999999999, 75.00000000000001, 12.345, 127.1293, 35.8467,
      DBL_MIN, DBL_MAX, DBL_EPSILON, 4.9406564584124654e-324, 2.2250738585072009e-308,
      5e-324 * 3, 0x1.fffffffffffffp-1, 0x1p-60, 0x1p-61, 0x1.8p-61, 0x1p63, 0x1p64,
  };
  static const char conv[] = {'f', 'e', 'g'};
  for (size_t i = 0; i < sizeof hard / sizeof hard[0]; i++)
    for (int sign = 0; sign < 2; sign++)
      for (size_t c = 0; c < 3; c++)
        for (int p = 0; p <= 99; p++) same(sign ? -hard[i] : hard[i], conv[c], p);
  /* printf's spellings of the non-finite values. */
  same(NAN, 'f', 2);
  same(-NAN, 'g', 2);
  same(INFINITY, 'e', 3);
  same(-INFINITY, 'f', 0);
  /* The default precision (-1 means 6). */
  char got[64];
  jj__fmt_double(3.14159265, 'g', -1, got, sizeof got);
  assert_string_equal(got, "3.14159");
}

/* Sensor-like values (decimal readings), values of every binary
 * exponent, and raw bit patterns (subnormals, huge values). */
static void test_random(void **state) {
  (void)state;
  tu_rng r;
  tu_rng_seed(&r, 20240101);
  static const char conv[] = {'f', 'e', 'g'};
  unsigned long before = compared;
  for (int i = 0; i < 200000; i++) {
    double x;
    switch (i % 4) {
      case 0: x = (double)tu_rng_range(&r, -2000000, 2000000) / 1000.0; break;
      case 1: x = (double)tu_rng_range(&r, -99999, 99999) / 10.0; break;
      case 2: x = ldexp((double)(tu_rng_next(&r) >> 11), (int)tu_rng_range(&r, -110, 20)); break;
      default: {
        uint64_t bits = tu_rng_next(&r);
        memcpy(&x, &bits, sizeof x);
      }
    }
    int p = (int)tu_rng_below(&r, i % 64 == 0 ? 100 : 18);
    same(x, conv[tu_rng_below(&r, 3)], p);
  }
  assert_int_equal(compared - before, 200000); /* every case was compared */
}

/* Whole numbers take a shortcut in %f (their integer's digits, zeros for
 * the decimals): every magnitude up to 2^53 and just past it, both signs,
 * zero and -0 included, against printf. */
static void test_whole(void **state) {
  (void)state;
  tu_rng r;
  tu_rng_seed(&r, 20261129);
  unsigned long before = compared;
  for (int i = 0; i < 20000; i++) {
    int bits = (int)tu_rng_below(&r, 56); /* to 2^55: past the shortcut's bound */
    double x = ldexp((double)(tu_rng_next(&r) >> 11), bits - 53);
    x = floor(x);
    if (i % 2) x = -x;
    same(x, 'f', (int)tu_rng_below(&r, i % 50 == 0 ? 100 : 8));
  }
  static const double edge[] = {0.0, 1.0, 120.0, 9007199254740991.0, 9007199254740992.0,
                                9007199254740994.0, 1e15, 1e16};
  for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
    for (int p = 0; p <= 3; p++) {
      same(edge[i], 'f', p);
      same(-edge[i], 'f', p);
    }
  assert_int_equal(compared - before, 20000 + 64);
}

/* snprintf contract: full length, NUL-terminated prefix, NULL with 0. */
static void test_truncation(void **state) {
  (void)state;
  char small[5];
  memset(small, '#', sizeof small);
  assert_int_equal(jj__fmt_double(-1234.5678, 'f', 2, small, sizeof small), strlen("-1234.57"));
  assert_string_equal(small, "-123");
  assert_int_equal(jj__fmt_double(1e300, 'f', 0, NULL, 0), 301);
  char one[1] = {'#'};
  assert_int_equal(jj__fmt_double(2.5, 'e', 1, one, 1), strlen("2.5e+00"));
  assert_int_equal(one[0], '\0');
  /* %.99f of -DBL_MAX is the longest text: it fits JJ__FMT_DOUBLE_MAX. */
  char big[JJ__FMT_DOUBLE_MAX];
  size_t n = jj__fmt_double(-DBL_MAX, 'f', 99, big, sizeof big);
  assert_true(n < sizeof big);
  assert_int_equal(strlen(big), n);
}

static void test_integers(void **state) {
  (void)state;
  static const int64_t v[] = {0, 1, -1, 9, 10, -10, 1234567890123LL, INT64_MAX, INT64_MIN};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    char got[21], want[32];
    size_t n = jj__fmt_i64(v[i], got);
    got[n] = '\0';
    (void)snprintf(want, sizeof want, "%lld", (long long)v[i]);
    assert_string_equal(got, want);
  }
  char got[21];
  size_t n = jj__fmt_u64(UINT64_MAX, got);
  got[n] = '\0';
  assert_string_equal(got, "18446744073709551615");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table),
      cmocka_unit_test(test_random),
      cmocka_unit_test(test_whole),
      cmocka_unit_test(test_truncation),
      cmocka_unit_test(test_integers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
