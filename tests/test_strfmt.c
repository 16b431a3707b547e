/* lib/strfmt.c: the library's messages formatted without the C library's
 * printf must read exactly as glibc's snprintf writes them, and be cut,
 * never overrun, when the buffer is short. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "strfmt.h"

#define SAME(...)                                                 \
  do {                                                            \
    char want[256], got[256];                                     \
    int wn = snprintf(want, sizeof want, __VA_ARGS__);            \
    size_t gn = jj__format(got, sizeof got, __VA_ARGS__);         \
    assert_string_equal(got, want);                               \
    assert_int_equal(gn, (size_t)wn);                             \
  } while (0)

static void test_like_snprintf(void **state) {
  (void)state;
  SAME("rule '%s': at most %d levels", "heat", 8);
  SAME("%.*s|%.3s|%5s|%-5s|", 3, "abcdef", "xyzw", "ab", "ab");
  SAME("%d %d %i %u %lu %ld %lld %llu", 0, -42, 7, 4000000000u, 123456789ul, -5l,
       (long long)INT64_MIN, (unsigned long long)UINT64_MAX);
  SAME("%zu %" PRIu32 " %02X %x %05d %-4d|", (size_t)77, (uint32_t)4294967295u, 10u, 0xbeefu, -12, 3);
  SAME("%g %g %g %e %.17g %.3f %f", 0.1, 1e300, -2.5e-7, 12345.678, 0.1, 2.0 / 3.0, 1e15);
  SAME("%c%c %% 100%%", 'o', 'k');
  SAME("%s", "");
}

static void test_cut_not_overrun(void **state) {
  (void)state;
  char b[8];
  memset(b, 'x', sizeof b);
  assert_int_equal(jj__format(b, 5, "%s=%d", "level", 12345), 11);
  assert_string_equal(b, "leve");
  assert_int_equal(b[5], 'x');
  assert_int_equal(jj__format(NULL, 0, "%d", 123), 3); /* sizing, as snprintf(NULL, 0) */
  assert_int_equal(jj__format(b, 1, "abc"), 3);
  assert_string_equal(b, "");
}

/* Through the va_list entry, which the compiler does not check. */
static size_t raw(char *b, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t k = jj__vformat(b, n, fmt, ap);
  va_end(ap);
  return k;
}

static void test_unknown_conversion_is_marked(void **state) {
  (void)state;
  char b[32];
  /* Not a conversion the library uses: marked, and no argument taken. */
  assert_int_equal(raw(b, sizeof b, "a%qb%d", 5), 5);
  assert_string_equal(b, "a%?b5");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_like_snprintf),
      cmocka_unit_test(test_cut_not_overrun),
      cmocka_unit_test(test_unknown_conversion_is_marked),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
