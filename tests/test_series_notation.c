/* The promtool-style series notation of rule test files (jjair test,
 * examples/jjair/series.c): selectors and expanding value lists, with the
 * edge cases of each (empty, signs, exponents, hex look-alikes, huge counts,
 * bad escapes, duplicate labels). */
/* cmocka.h needs these first. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "series.h"

/* Expand `s` and compare with `want` ("_" for missing, else %g). */
static void expect_values(const char *s, const char *want) {
  jjs_value *v = NULL;
  size_t n = 0;
  char err[128];
  int rc = jjs_parse_values(s, &v, &n, err, sizeof err);
  if (rc != 0) fprintf(stderr, "'%s': %s\n", s, err);
  assert_int_equal(rc, 0);
  char got[1024] = "";
  size_t used = 0;
  for (size_t i = 0; i < n; i++) {
    int k = v[i].missing ? snprintf(got + used, sizeof got - used, "%s_", i ? " " : "")
                         : snprintf(got + used, sizeof got - used, "%s%g", i ? " " : "", v[i].value);
    used += (size_t)k;
  }
  free(v);
  if (strcmp(got, want) != 0) fprintf(stderr, "'%s' -> '%s', want '%s'\n", s, got, want);
  assert_string_equal(got, want);
}

/* Expect an error whose message contains `msg`. */
static void expect_values_error(const char *s, const char *msg) {
  jjs_value *v = (jjs_value *)1;
  size_t n = 7;
  char err[128] = "";
  assert_int_equal(jjs_parse_values(s, &v, &n, err, sizeof err), -1);
  assert_null(v);
  assert_int_equal(n, 0);
  if (!strstr(err, msg)) fprintf(stderr, "'%s': error '%s', want '%s'\n", s, err, msg);
  assert_non_null(strstr(err, msg));
}

static void values_basic(void **state) {
  (void)state;
  expect_values("40 80x2 30 _ 10+5x3", "40 80 80 80 30 _ 10 15 20 25");
  expect_values("", "");
  expect_values("   ", "");
  expect_values("7", "7");
  expect_values("  1\t2\n3  ", "1 2 3");
  expect_values("_x2", "_ _ _");
  expect_values("_x0", "_");
  expect_values("5x0", "5");
  expect_values("1+1x0", "1");
}

static void values_signs_and_steps(void **state) {
  (void)state;
  expect_values("-3", "-3");
  expect_values("+3", "3");
  expect_values("10-2x3", "10 8 6 4");
  expect_values("-1-2x2", "-1 -3 -5");
  expect_values("-1+2x2", "-1 1 3");
  expect_values("0.5+0.25x2", "0.5 0.75 1");
  expect_values(".5 5.", "0.5 5");
  /* a + i*d, not repeated addition: 0.1 steps stay exact at the end. */
  jjs_value *v;
  size_t n;
  char err[64];
  assert_int_equal(jjs_parse_values("0+0.1x1000", &v, &n, err, sizeof err), 0);
  assert_int_equal(n, 1001);
  assert_true(v[1000].value == 100.0);
  free(v);
}

static void values_exponents_not_hex(void **state) {
  (void)state;
  expect_values("1e3", "1000");
  expect_values("1e3x1", "1000 1000");
  expect_values("2.5E-1+1e-1x2", "0.25 0.35 0.45");
  expect_values("0x2", "0 0 0"); /* 0 repeated, never hex 2 */
  expect_values_error("0x1p3", "unexpected 'p'");
  expect_values_error("1e", "unexpected 'e'");
  expect_values_error("inf", "expected a number");
  expect_values_error("NaN", "expected a number");
  expect_values_error("1e999", "expected a number"); /* out of range */
}

static void values_errors(void **state) {
  (void)state;
  expect_values_error("x3", "expected a number");
  expect_values_error("1x", "expected a count after 'x'");
  expect_values_error("1x-1", "expected a count after 'x'");
  expect_values_error("1+2", "a step needs a count");
  expect_values_error("1+x2", "expected the step after '+'");
  expect_values_error("1++2x2", "expected the step after '+'");
  expect_values_error("_+1x2", "unexpected '+'");
  expect_values_error("1,2", "unexpected ','");
  expect_values_error("1x2x3", "unexpected 'x'");
  expect_values_error("1 2 abc", "column 5: expected a number");
  expect_values_error("1x99999999999999999999", "too large");
  expect_values_error("1x1000000", "more than");
  expect_values_error("1x600000 2x600000", "more than");
  expect_values_error("- 1", "expected a number");
}

static void series_ok(void **state) {
  (void)state;
  jjs_series s;
  char err[128];
  assert_int_equal(jjs_parse_series("pm25{zone=\"jungbu\",station='a'}", &s, err, sizeof err), 0);
  assert_string_equal(s.metric, "pm25");
  assert_int_equal(s.nlabels, 2);
  assert_string_equal(s.labels[0].name, "zone");
  assert_string_equal(s.labels[0].value, "jungbu");
  assert_string_equal(s.labels[1].name, "station");
  assert_string_equal(s.labels[1].value, "a");
  jjs_series_free(&s);

  assert_int_equal(jjs_parse_series("  temperature  ", &s, err, sizeof err), 0);
  assert_string_equal(s.metric, "temperature");
  assert_int_equal(s.nlabels, 0);
  jjs_series_free(&s);

  assert_int_equal(jjs_parse_series("o3{}", &s, err, sizeof err), 0);
  assert_int_equal(s.nlabels, 0);
  jjs_series_free(&s);

  /* trailing comma, spaces, escapes, UTF-8 and an empty value */
  assert_int_equal(
      jjs_parse_series("co { zone = \"중부권역\" , q=\"a\\\"b\\\\c\\n\", e=\"\", }", &s, err,
                       sizeof err),
      0);
  assert_int_equal(s.nlabels, 3);
  assert_string_equal(s.labels[0].value, "중부권역");
  assert_string_equal(s.labels[1].value, "a\"b\\c\n");
  assert_string_equal(s.labels[2].value, "");
  jjs_series_free(&s);

  assert_int_equal(jjs_parse_series("a:b.c-d{x='it\\'s'}", &s, err, sizeof err), 0);
  assert_string_equal(s.metric, "a:b.c-d");
  assert_string_equal(s.labels[0].value, "it's");
  jjs_series_free(&s);
}

static void expect_series_error(const char *in, const char *msg) {
  jjs_series s;
  char err[128] = "";
  assert_int_equal(jjs_parse_series(in, &s, err, sizeof err), -1);
  assert_null(s.metric);
  assert_null(s.labels);
  if (!strstr(err, msg)) fprintf(stderr, "'%s': error '%s', want '%s'\n", in, err, msg);
  assert_non_null(strstr(err, msg));
}

static void series_errors(void **state) {
  (void)state;
  expect_series_error("", "expected a metric name");
  expect_series_error("{zone=\"a\"}", "expected a metric name");
  expect_series_error("9pm", "expected a metric name");
  expect_series_error("pm25 zone", "expected '{'");
  expect_series_error("pm25{", "unclosed '{'");
  expect_series_error("pm25{zone=\"a\"", "unclosed '{'");
  expect_series_error("pm25{zone}", "expected '='");
  expect_series_error("pm25{zone=a}", "quoted label value");
  expect_series_error("pm25{zone=\"a}", "unterminated");
  expect_series_error("pm25{zone=\"a\\t\"}", "unknown escape");
  expect_series_error("pm25{zone=\"a\" station=\"b\"}", "expected ',' or '}'");
  expect_series_error("pm25{zone=\"a\",zone=\"b\"}", "duplicate label 'zone'");
  expect_series_error("pm25{zone=\"a\"} x", "unexpected text");
  expect_series_error("pm25{1a=\"x\"}", "column 6: expected a label name");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(values_basic),          cmocka_unit_test(values_signs_and_steps),
      cmocka_unit_test(values_exponents_not_hex), cmocka_unit_test(values_errors),
      cmocka_unit_test(series_ok),             cmocka_unit_test(series_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
