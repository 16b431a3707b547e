/* Times as RFC 3339 text (jj_time_rfc3339, jj_time_rfc3339_offset): golden
 * values computed independently with Python's datetime, the snprintf-style
 * contract, and the whole int64_t range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "jjair/timefmt.h"

/* The golden strings below come from this Python 3 snippet, run once. Years
 * outside datetime's 1..9999 are reached by moving whole 400-year cycles
 * (146097 days), after which Gregorian dates repeat:
 *
 *   from datetime import datetime, timezone, timedelta
 *   C = 146097 * 86400000
 *   def rfc(ms, off=None):
 *       o = 0 if off is None else off
 *       k = 0
 *       while ms + o*60000 >= 253402300799999 - 2*C: ms -= C; k += 1
 *       while ms + o*60000 < -62135596800000 + 2*C: ms += C; k -= 1
 *       sec, milli = divmod(ms, 1000)
 *       d = (datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=sec)
 *            + timedelta(minutes=o))
 *       y = d.year + 400*k
 *       ys = "%04d" % y if 0 <= y <= 9999 else ("-" if y < 0 else "+") + "%04d" % abs(y)
 *       s = ys + d.strftime("-%m-%dT%H:%M:%S")
 *       if milli: s += ".%03d" % milli
 *       if off is None: return s + "Z"
 *       return s + "%s%02d:%02d" % ("+" if off >= 0 else "-", abs(off)//60, abs(off)%60)
 */
static void test_utc_goldens(void **state) {
  (void)state;
  static const struct {
    int64_t ms;
    const char *text;
  } cases[] = {
      {0LL, "1970-01-01T00:00:00Z"},
      {1704081600000LL, "2024-01-01T04:00:00Z"},
      {1704081600250LL, "2024-01-01T04:00:00.250Z"},
      {-1LL, "1969-12-31T23:59:59.999Z"},
      {-1000LL, "1969-12-31T23:59:59Z"},
      {-1001LL, "1969-12-31T23:59:58.999Z"},
      {951782400000LL, "2000-02-29T00:00:00Z"},
      {253402300799999LL, "9999-12-31T23:59:59.999Z"},
      {253402300800000LL, "+10000-01-01T00:00:00Z"},
      {-62167219200000LL, "0000-01-01T00:00:00Z"},
      {-62167219200001LL, "-0001-12-31T23:59:59.999Z"},
      {-62135596800001LL, "0000-12-31T23:59:59.999Z"},
      {4102444800000LL, "2100-01-01T00:00:00Z"},
      {86399999LL, "1970-01-01T23:59:59.999Z"},
      {4611686018427387904LL, "+146140482-04-24T15:36:27.904Z"}, /* the engine's limits */
      {-4611686018427387904LL, "-146136543-09-08T08:23:32.096Z"},
      {INT64_MAX, "+292278994-08-17T07:12:55.807Z"},
      {INT64_MIN, "-292275055-05-16T16:47:04.192Z"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char buf[JJ_TIME_TEXT_MAX];
    size_t n = jj_time_rfc3339(cases[i].ms, buf, sizeof buf);
    if (strcmp(buf, cases[i].text) != 0)
      fail_msg("%lld: got %s, want %s", (long long)cases[i].ms, buf, cases[i].text);
    assert_int_equal(n, strlen(cases[i].text));
  }
}

static void test_offset_goldens(void **state) {
  (void)state;
  static const struct {
    int64_t ms;
    int off;
    const char *text;
  } cases[] = {
      {1704081600000LL, 540, "2024-01-01T13:00:00+09:00"},
      {1704081600000LL, 0, "2024-01-01T04:00:00+00:00"},
      {1704081600000LL, -300, "2023-12-31T23:00:00-05:00"},
      {1704081600000LL, -570, "2023-12-31T18:30:00-09:30"},
      {1704081600250LL, 1439, "2024-01-02T03:59:00.250+23:59"},
      {1704081600000LL, -1439, "2023-12-31T04:01:00-23:59"},
      {-1LL, 540, "1970-01-01T08:59:59.999+09:00"},
      {-62167219200000LL, -60, "-0001-12-31T23:00:00-01:00"},
      {INT64_MAX, 1439, "+292278994-08-18T07:11:55.807+23:59"},
      {INT64_MIN, -1439, "-292275055-05-15T16:48:04.192-23:59"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char buf[JJ_TIME_TEXT_MAX];
    size_t n = jj_time_rfc3339_offset(cases[i].ms, cases[i].off, buf, sizeof buf);
    if (strcmp(buf, cases[i].text) != 0)
      fail_msg("%lld %+d: got %s, want %s", (long long)cases[i].ms, cases[i].off, buf,
               cases[i].text);
    assert_int_equal(n, strlen(cases[i].text));
  }
  /* Offsets beyond 23:59 are refused: nothing written. */
  char buf[JJ_TIME_TEXT_MAX] = "x";
  assert_int_equal(jj_time_rfc3339_offset(0, 1440, buf, sizeof buf), 0);
  assert_string_equal(buf, "");
  assert_int_equal(jj_time_rfc3339_offset(0, -1440, NULL, 0), 0);
}

/* Consecutive milliseconds across day, month, year and leap-day edges give
 * strictly increasing text of the same shape: a broken carry would show
 * as a step back or a jump. (Text of equal length compares like time.) */
static void test_monotone_across_edges(void **state) {
  (void)state;
  static const int64_t edges[] = {
      0, 951782400000LL /* 2000-02-29 */, 951868800000LL /* 2000-03-01 */,
      4107542400000LL /* 2100-03-01, no leap day */, 946684800000LL /* 2000-01-01 */,
      -2208988800000LL /* 1900-01-01 */, -62135596800000LL /* 0001-01-01 */};
  for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
    char prev[JJ_TIME_TEXT_MAX] = "";
    for (int64_t ms = edges[i] - 2000; ms <= edges[i] + 2000; ms += 7) {
      char cur[JJ_TIME_TEXT_MAX];
      jj_time_rfc3339_offset(ms, 0, cur, sizeof cur);
      if (prev[0] && strlen(prev) == strlen(cur) && strcmp(prev, cur) >= 0)
        fail_msg("%s then %s", prev, cur);
      memcpy(prev, cur, sizeof cur);
    }
  }
  /* 2100 is not a leap year: Feb 28 + 1 day is Mar 1. */
  char buf[JJ_TIME_TEXT_MAX];
  jj_time_rfc3339(4107456000000LL + 86400000LL, buf, sizeof buf);
  assert_string_equal(buf, "2100-03-01T00:00:00Z");
}

/* snprintf contract: the full length always, NUL-terminated truncation,
 * NULL buffer with size 0. */
static void test_truncation(void **state) {
  (void)state;
  const char *want = "2024-01-01T04:00:00.250Z";
  char small[8];
  memset(small, '#', sizeof small);
  assert_int_equal(jj_time_rfc3339(1704081600250LL, small, sizeof small), strlen(want));
  assert_string_equal(small, "2024-01");
  assert_int_equal(jj_time_rfc3339(1704081600250LL, NULL, 0), strlen(want));
  char one[1] = {'#'};
  assert_int_equal(jj_time_rfc3339(1704081600250LL, one, 1), strlen(want));
  assert_int_equal(one[0], '\0');
  /* The longest text fits the documented size. */
  char buf[JJ_TIME_TEXT_MAX];
  assert_true(jj_time_rfc3339_offset(INT64_MIN, -1439, buf, sizeof buf) < JJ_TIME_TEXT_MAX);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_utc_goldens),
      cmocka_unit_test(test_offset_goldens),
      cmocka_unit_test(test_monotone_across_edges),
      cmocka_unit_test(test_truncation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
