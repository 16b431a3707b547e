/* The board's small string functions and 64-bit division
 * (examples/firmware/board/small_string.c, small_div64.c; linked into every
 * firmware program in place of newlib's and libgcc's). The string functions
 * each against a
 * plain reference loop over every alignment and length up to 40 bytes, plus
 * the corner cases C11 7.24 fixes (bytes compare as unsigned char, the
 * terminator is part of the string for strchr, memset and memchr use the
 * value as unsigned char, memmove's overlaps both ways); the divisions
 * (n / d and n % d, unsigned and signed) against shift-and-subtract for
 * operands of every bit length; sqrt (small_math.c) on exact squares and
 * its special values. Device only: on the
 * host the same names are the C library's. Built with -fno-builtin and
 * called through volatile pointers, so the compiler cannot answer a call
 * itself. */
#include <cmocka.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static void *(*volatile f_memcpy)(void *restrict, const void *restrict, size_t) = memcpy;
static void *(*volatile f_memmove)(void *, const void *, size_t) = memmove;
static void *(*volatile f_memset)(void *, int, size_t) = memset;
static void *(*volatile f_memchr)(const void *, int, size_t) = memchr;
static size_t (*volatile f_strlen)(const char *) = strlen;
static int (*volatile f_strcmp)(const char *, const char *) = strcmp;
static int (*volatile f_strncmp)(const char *, const char *, size_t) = strncmp;
static char *(*volatile f_strchr)(const char *, int) = strchr;

#define N 48

static void fill(unsigned char *b, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) b[i] = (unsigned char)(seed + i * 37u + (i >> 3));
}

static int same(const unsigned char *a, const unsigned char *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (a[i] != b[i]) return 0;
  return 1;
}

static int sign(int x) { return (x > 0) - (x < 0); }

static void test_memcpy_memset(void **state) {
  (void)state;
  _Alignas(4) unsigned char src[N], dst[N], want[N];
  for (size_t so = 0; so < 4; so++)
    for (size_t d0 = 0; d0 < 4; d0++)
      for (size_t n = 0; n + 4 <= N - 4; n++) {
        fill(src, N, (unsigned)(so + n));
        fill(dst, N, 200u);
        fill(want, N, 200u);
        for (size_t i = 0; i < n; i++) want[d0 + i] = src[so + i];
        assert_ptr_equal(f_memcpy(dst + d0, src + so, n), dst + d0);
        assert_true(same(dst, want, N)); /* nothing outside [d0, d0 + n) moved */
        fill(dst, N, 9u);
        fill(want, N, 9u);
        for (size_t i = 0; i < n; i++) want[d0 + i] = 0xAB;
        assert_ptr_equal(f_memset(dst + d0, 0x1AB, n), dst + d0); /* as unsigned char */
        assert_true(same(dst, want, N));
      }
}

static void test_memmove_overlap(void **state) {
  (void)state;
  unsigned char buf[N], want[N], tmp[N];
  for (size_t from = 0; from < 12; from++)
    for (size_t to = 0; to < 12; to++)
      for (size_t n = 0; n + 12 <= N; n++) {
        fill(buf, N, (unsigned)(from * 7 + to));
        fill(want, N, (unsigned)(from * 7 + to));
        for (size_t i = 0; i < n; i++) tmp[i] = want[from + i];
        for (size_t i = 0; i < n; i++) want[to + i] = tmp[i];
        assert_ptr_equal(f_memmove(buf + to, buf + from, n), buf + to);
        assert_true(same(buf, want, N));
      }
}

static void test_memchr_strlen_strchr(void **state) {
  (void)state;
  unsigned char b[N];
  fill(b, N, 1u);
  b[N - 1] = 0;
  for (size_t i = 0; i + 1 < N; i++)
    if (!b[i]) b[i] = 1; /* one terminator, at the end */
  for (size_t at = 0; at < N - 1; at++) {
    const char *s = (const char *)b + at;
    assert_int_equal(f_strlen(s), N - 1 - at);
    for (size_t k = at; k < N; k++) {
      size_t first = at;
      while (b[first] != b[k]) first++;
      assert_ptr_equal(f_memchr(b + at, b[k] + 0x100, N - at), b + first); /* as unsigned char */
      assert_ptr_equal(f_strchr(s, (char)b[k]), b + first);
    }
  }
  assert_null(f_memchr(b, 0xEE, 0));
  assert_null(f_memchr("abc", 'z', 3));
  assert_null(f_strchr("abc", 'z'));
  const char *t = "abc";
  assert_ptr_equal(f_strchr(t, 0), t + 3); /* the terminator is found */
  assert_int_equal(f_strlen(""), 0);
}

static void test_strcmp_strncmp(void **state) {
  (void)state;
  static const char *const s[] = {"", "a", "ab", "abc", "abd", "b", "\x80", "\xff", "a\xe2\x84\x83", "a\x7f"};
  size_t ns = sizeof s / sizeof s[0];
  for (size_t i = 0; i < ns; i++)
    for (size_t j = 0; j < ns; j++) {
      /* reference: the first differing byte as unsigned char, or the shorter first */
      const unsigned char *a = (const unsigned char *)s[i], *b = (const unsigned char *)s[j];
      size_t k = 0;
      while (a[k] && a[k] == b[k]) k++;
      int want = sign((int)a[k] - (int)b[k]);
      assert_int_equal(sign(f_strcmp(s[i], s[j])) + 1, want + 1);
      for (size_t n = 0; n < 5; n++) {
        int wn = n > k ? want : 0;
        assert_int_equal(sign(f_strncmp(s[i], s[j], n)) + 1, wn + 1);
      }
    }
  assert_true(f_strcmp("\x80", "a") > 0); /* 0x80 > 'a' as unsigned char */
  assert_true(f_strncmp("abX", "abY", 2) == 0);
}

/* Reference: restoring division one bit at a time. */
static uint64_t ref_udiv(uint64_t n, uint64_t d, uint64_t *rem) {
  uint64_t q = 0, r = 0;
  for (int i = 63; i >= 0; i--) {
    r = r << 1 | ((n >> i) & 1u);
    if (r >= d) {
      r -= d;
      q |= (uint64_t)1 << i;
    }
  }
  *rem = r;
  return q;
}

static uint64_t xorshift(uint64_t *x) {
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return *x;
}

static void check_div(uint64_t n, uint64_t d) {
  volatile uint64_t vn = n, vd = d; /* a division at run time, through __aeabi_uldivmod */
  uint64_t r, q = ref_udiv(n, d, &r);
  uint64_t gq = vn / vd, gr = vn % vd;
  if (gq != q || gr != r)
    fail_msg("%08lx%08lx / %08lx%08lx", (unsigned long)(n >> 32), (unsigned long)n,
             (unsigned long)(d >> 32), (unsigned long)d);
  /* signed: truncation, the remainder with the dividend's sign */
  int64_t sn = (int64_t)n, sd = (int64_t)d;
  if (sd == 0 || (sn == INT64_MIN && sd == -1)) return;
  volatile int64_t vsn = sn, vsd = sd;
  uint64_t an = sn < 0 ? 0 - n : n, ad = sd < 0 ? 0 - d : d, ar, aq = ref_udiv(an, ad, &ar);
  int64_t wq = (int64_t)((sn < 0) != (sd < 0) ? 0 - aq : aq), wr = (int64_t)(sn < 0 ? 0 - ar : ar);
  if (vsn / vsd != wq || vsn % vsd != wr)
    fail_msg("signed %08lx%08lx / %08lx%08lx", (unsigned long)(n >> 32), (unsigned long)n,
             (unsigned long)(d >> 32), (unsigned long)d);
}

static void test_div64(void **state) {
  (void)state;
  static const uint64_t edge[] = {0,          1,          2,          3,          9,
                                  10,         0xFFFFu,    0x10000u,   0xFFFFFFFFu, 0x100000000u,
                                  0x100000001u, 1714539600000u, 86400000u, 60000u, UINT64_MAX,
                                  UINT64_MAX - 1, (uint64_t)INT64_MIN, (uint64_t)INT64_MAX,
                                  (uint64_t)-1000, (uint64_t)-60000};
  size_t ne = sizeof edge / sizeof edge[0];
  for (size_t i = 0; i < ne; i++)
    for (size_t j = 0; j < ne; j++)
      if (edge[j]) check_div(edge[i], edge[j]);
  uint64_t x = 0x9E3779B97F4A7C15u;
  for (int k = 0; k < 4000; k++) { /* every pair of bit lengths, many times */
    uint64_t n = xorshift(&x) >> (xorshift(&x) & 63), d = xorshift(&x) >> (xorshift(&x) & 63);
    if (d) check_div(n, d);
  }
}

static void test_sqrt(void **state) {
  (void)state;
  double (*volatile f_sqrt)(double) = sqrt;
  uint64_t x = 12345;
  for (int k = 0; k < 2000; k++) { /* exact squares: the root is exact */
    double r = (double)(xorshift(&x) >> 38); /* 26 bits: r * r is exact */
    assert_true(f_sqrt(r * r) == r);
  }
  assert_true(f_sqrt(2.0) == 1.4142135623730951); /* correctly rounded */
  assert_true(f_sqrt(0.01) == 0.1);
  assert_true(f_sqrt(4.9406564584124654e-324) == 2.2227587494850775e-162); /* subnormal */
  assert_true(f_sqrt(0.0) == 0.0 && !signbit(f_sqrt(0.0)));
  assert_true(f_sqrt(-0.0) == 0.0 && signbit(f_sqrt(-0.0)));
  assert_true(isinf(f_sqrt(INFINITY)));
  assert_true(isnan(f_sqrt(-1.0)));
  assert_true(isnan(f_sqrt(NAN)));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_memcpy_memset),
      cmocka_unit_test(test_memmove_overlap),
      cmocka_unit_test(test_memchr_strlen_strchr),
      cmocka_unit_test(test_strcmp_strncmp),
      cmocka_unit_test(test_div64),
      cmocka_unit_test(test_sqrt),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
