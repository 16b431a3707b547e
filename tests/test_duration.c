/* Tests for durations (jjair/duration.h), the one grammar of the rule
 * loader and the jjair command: good and bad spellings from tables (each
 * bad one with the words its message must contain, the output left
 * untouched), values at and past JJ_DURATION_MAX_MS and near INT64_MAX
 * (refused, never overflowing: UBSan runs this too), snprintf-style
 * formatting, and format -> parse round trips over the whole range. */
/* cmocka.h needs these first. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <string.h>

#include "jjair/jjair.h"
#include "testutil.h"

static const int64_t MIN = 60 * 1000, H = 3600 * 1000;

static jj_status parse(const char *s, int64_t *out, jj_error *err) {
  return jj_duration_parse(s, strlen(s), out, err);
}

static void test_good(void **state) {
  (void)state;
  static const struct {
    const char *text;
    int64_t ms;
  } cases[] = {
      {"500ms", 500},
      {"90s", 90 * 1000},
      {"5m", 5 * 60 * 1000},
      {"90m", 90 * 60 * 1000},
      {"2h", 2 * 3600 * 1000},
      {"1d", 86400 * 1000},
      {"1h30m", 90 * 60 * 1000},
      {"1d2h3m4s5ms", 86400000 + 2 * 3600000 + 3 * 60000 + 4 * 1000 + 5},
      {"0s", 0},
      {"0ms", 0},
      {"0d0h0m0s0ms", 0},
      {"007s", 7000},
      {"1m1ms", 60001},
      {"2305843009213693952ms", JJ_DURATION_MAX_MS},
      {"26687997791d19h48m13s952ms", JJ_DURATION_MAX_MS},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int64_t v = -1;
    jj_error err;
    memset(&err, 0x55, sizeof err);
    jj_status st = parse(cases[i].text, &v, &err);
    if (st != JJ_OK || v != cases[i].ms)
      print_error("'%s': %s %lld (%s)\n", cases[i].text, jj_status_name(st), (long long)v,
                  err.message);
    assert_int_equal(st, JJ_OK);
    assert_true(v == cases[i].ms);
    assert_int_equal(err.code, JJ_OK); /* cleared on success */
    assert_string_equal(err.message, "");
  }
  /* len bounds the text: no NUL needed, the rest is not read */
  int64_t v = 0;
  assert_int_equal(jj_duration_parse("5m30s", 2, &v, NULL), JJ_OK);
  assert_true(v == 5 * MIN);
  assert_int_equal(jj_duration_parse("1h30m5s", 5, &v, NULL), JJ_OK);
  assert_true(v == H + 30 * MIN);
}

/* Every refusal is JJ_EINVAL, leaves *out alone and says why. */
static void test_bad(void **state) {
  (void)state;
  static const struct {
    const char *text;
    const char *words; /* the message contains this */
  } cases[] = {
      {"0", "duration '0' has no unit; write e.g. 0s or 0m"},
      {"300", "has no unit; write e.g. 300s or 300m (units: ms, s, m, h, d)"},
      {"-5m", "duration '-5m' must not be negative"},
      {"-0s", "must not be negative"},
      {"+5m", "use whole numbers with units ms, s, m, h, d"},
      {" 5m", "use whole numbers with units"},
      {"5m ", "use whole numbers with units"},
      {"5min", "bad duration '5min'; write 5m (units: ms, s, m, h, d)"},
      {"2 hours", "write 2h"},
      {"10mins", "write 10m"},
      {"5M", "write 5m"},
      {"1.5h", "use whole numbers: a smaller unit, e.g. 1h30m"},
      {"2,5h", "use whole numbers: a smaller unit"},
      {"30m1h", "from largest to smallest, each once (e.g. 1h30m)"},
      {"1h1h", "from largest to smallest, each once"},
      {"1ms1s", "from largest to smallest, each once"},
      {"1s1s", "from largest to smallest"},
      {"1h30", "use whole numbers with units"},
      {"h", "use whole numbers with units"},
      {"5x", "use whole numbers with units"},
      {"5mss", "use whole numbers with units"},
      {"1y", "use whole numbers with units"},
      {"", "the duration is empty"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int64_t v = 42;
    jj_error err;
    memset(&err, 0, sizeof err);
    jj_status st = parse(cases[i].text, &v, &err);
    if (st != JJ_EINVAL || !strstr(err.message, cases[i].words))
      print_error("'%s': %s '%s'\n", cases[i].text, jj_status_name(st), err.message);
    assert_int_equal(st, JJ_EINVAL);
    assert_true(v == 42);
    assert_int_equal(err.code, JJ_EINVAL);
    assert_int_equal(err.line, 0);
    assert_non_null(strstr(err.message, cases[i].words));
    /* err may be NULL */
    assert_int_equal(parse(cases[i].text, &v, NULL), JJ_EINVAL);
  }
  /* a NUL inside the counted text */
  int64_t v = 42;
  jj_error err;
  assert_int_equal(jj_duration_parse("5m\0" "3s", 5, &v, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "NUL"));
  assert_int_equal(jj_duration_parse("\0", 1, &v, &err), JJ_EINVAL);
  assert_true(v == 42);
  /* missing arguments */
  assert_int_equal(jj_duration_parse(NULL, 3, &v, &err), JJ_EINVAL);
  assert_int_equal(jj_duration_parse(NULL, 0, &v, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "empty"));
  assert_int_equal(jj_duration_parse("5m", 2, NULL, &err), JJ_EINVAL);
  /* a long text is quoted cut short, the message stays one line */
  char longtext[300];
  memset(longtext, '7', sizeof longtext - 2);
  longtext[sizeof longtext - 2] = 'q';
  longtext[sizeof longtext - 1] = '\0';
  assert_int_equal(parse(longtext, &v, &err), JJ_EINVAL);
  assert_null(strchr(err.message, '\n'));
  assert_true(strlen(err.message) < 120);
}

/* Past JJ_DURATION_MAX_MS is too long, however far past: digits near and
 * beyond INT64_MAX, a sum of groups past the maximum. UBSan (the CI runs
 * this under it) would flag any signed overflow on the way. */
static void test_too_long(void **state) {
  (void)state;
  static const char *const cases[] = {
      "2305843009213693953ms",       /* JJ_DURATION_MAX_MS + 1 */
      "26687997791d19h48m13s953ms",  /* the same, in groups */
      "26687997791d23h",             /* each group fits, the sum does not */
      "26687997792d",
      "9223372036854775807ms",       /* INT64_MAX */
      "9223372036854775808ms",       /* INT64_MAX + 1 */
      "106751991167d7h12m55s807ms",  /* INT64_MAX in groups */
      "18446744073709551616s",       /* 2^64 */
      "99999999999999999999999999999999999999d",
      "9223372036854775807d9223372036854775807h",
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int64_t v = 42;
    jj_error err;
    jj_status st = parse(cases[i], &v, &err);
    if (st != JJ_EINVAL || !strstr(err.message, "too long"))
      print_error("'%s': %s '%s'\n", cases[i], jj_status_name(st), err.message);
    assert_int_equal(st, JJ_EINVAL);
    assert_non_null(strstr(err.message, "too long"));
    assert_true(v == 42);
  }
}

static void test_format(void **state) {
  (void)state;
  static const struct {
    int64_t ms;
    const char *text;
  } cases[] = {
      {0, "0s"},
      {1, "1ms"},
      {999, "999ms"},
      {1000, "1s"},
      {90 * 1000, "1m30s"},
      {90 * 60 * 1000, "1h30m"},
      {86400 * 1000, "1d"},
      {86400 * 1000 + 1, "1d1ms"},
      {-5 * 60 * 1000, "-5m"},
      {JJ_DURATION_MAX_MS, "26687997791d19h48m13s952ms"},
      {INT64_MAX, "106751991167d7h12m55s807ms"},
      {INT64_MIN, "-106751991167d7h12m55s808ms"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char buf[JJ_DURATION_FORMAT_MAX];
    size_t n = jj_duration_format(cases[i].ms, buf, sizeof buf);
    assert_string_equal(buf, cases[i].text);
    assert_int_equal(n, strlen(cases[i].text));
    assert_true(n < JJ_DURATION_FORMAT_MAX);
  }
  /* snprintf-style: cut short but NUL-terminated; the length of the
   * whole text either way; nothing written for size 0 */
  char small[4];
  memset(small, 'x', sizeof small);
  assert_int_equal(jj_duration_format(90 * MIN, small, sizeof small), 5);
  assert_string_equal(small, "1h3");
  assert_int_equal(jj_duration_format(90 * MIN, small, 1), 5);
  assert_string_equal(small, "");
  small[0] = 'x';
  assert_int_equal(jj_duration_format(90 * MIN, small, 0), 5);
  assert_int_equal(small[0], 'x');
  assert_int_equal(jj_duration_format(90 * MIN, NULL, 0), 5);
  char exact[6];
  assert_int_equal(jj_duration_format(90 * MIN, exact, sizeof exact), 5);
  assert_string_equal(exact, "1h30m");
}

/* format -> parse gives the value back over the whole range, and parse ->
 * format gives the canonical spelling. */
static void test_round_trip(void **state) {
  (void)state;
  static const int64_t edges[] = {0, 1, 999, 1000, 59999, 60000, 3599999, 3600000,
                                  86399999, 86400000, JJ_DURATION_MAX_MS - 1, JJ_DURATION_MAX_MS};
  tu_rng rng;
  tu_rng_seed(&rng, 20240101);
  size_t checked = 0;
  for (size_t i = 0; i < 20000 + sizeof edges / sizeof edges[0]; i++) {
    int64_t ms;
    if (i < sizeof edges / sizeof edges[0]) {
      ms = edges[i];
    } else {
      /* every magnitude, not just huge values: a random bit length */
      unsigned bits = (unsigned)tu_rng_below(&rng, 62); /* 0..61: below 2^61 */
      ms = (int64_t)(tu_rng_next(&rng) & ((UINT64_C(1) << bits) - 1));
    }
    char buf[JJ_DURATION_FORMAT_MAX];
    size_t n = jj_duration_format(ms, buf, sizeof buf);
    assert_true(n > 0 && n < sizeof buf);
    int64_t back = -1;
    jj_error err;
    if (jj_duration_parse(buf, n, &back, &err) != JJ_OK || back != ms)
      print_error("%lld -> '%s' -> %lld (%s)\n", (long long)ms, buf, (long long)back,
                  err.message);
    assert_true(back == ms);
    checked++;
  }
  assert_int_equal(checked, 20000 + sizeof edges / sizeof edges[0]);
  static const struct {
    const char *in, *out;
  } canon[] = {{"90m", "1h30m"}, {"3600s", "1h"}, {"0h", "0s"}, {"1500ms", "1s500ms"},
               {"25h", "1d1h"}, {"007s", "7s"}};
  for (size_t i = 0; i < sizeof canon / sizeof canon[0]; i++) {
    int64_t v = 0;
    assert_int_equal(parse(canon[i].in, &v, NULL), JJ_OK);
    char buf[JJ_DURATION_FORMAT_MAX];
    (void)jj_duration_format(v, buf, sizeof buf);
    assert_string_equal(buf, canon[i].out);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good),     cmocka_unit_test(test_bad),
      cmocka_unit_test(test_too_long), cmocka_unit_test(test_format),
      cmocka_unit_test(test_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
