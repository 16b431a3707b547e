/* jjair CLI — the promtool-style series notation used by rule test files:
 * series selectors `pm25{zone="jungbu",station="a"}` and expanding value
 * lists `40 80x2 30 _ 10+5x3`. Needs only libc; tested by
 * tests/test_series_notation.c. */
#ifndef JJAIR_CLI_SERIES_H
#define JJAIR_CLI_SERIES_H

#include <stddef.h>
#include <stdint.h>

/* Longest expansion accepted for one values string (guards `1x999999999`). */
#ifndef JJS_MAX_VALUES /* the fuzz target lowers it to stay fast */
#define JJS_MAX_VALUES 1000000u
#endif

typedef struct jjs_value {
  int missing;  /* 1 for `_`: no sample at this step */
  double value;
} jjs_value;

typedef struct jjs_label {
  char *name;
  char *value;
} jjs_label;

typedef struct jjs_series {
  char *metric;
  jjs_label *labels;
  uint32_t nlabels;
} jjs_series;

/* Parse `metric{name="value",...}` (braces optional; values in double or
 * single quotes with \\ \" \' \n escapes; a trailing comma is allowed;
 * duplicate names are an error). On error returns -1 and writes a message
 * with the 1-based column to err. Free with jjs_series_free. */
int jjs_parse_series(const char *s, jjs_series *out, char *err, size_t errsz);
void jjs_series_free(jjs_series *s);

/* Expand a values string: whitespace-separated items, each one of
 *   N        one sample            _      one missing sample
 *   NxK      N repeated K+1 times  _xK    K+1 missing samples
 *   N+DxK    N, N+D, ..., N+K*D    N-DxK  N, N-D, ..., N-K*D
 * where N and D are decimal numbers (N may be signed, exponent allowed,
 * no hex, no inf/nan) and K a non-negative integer. *out is malloc'ed
 * (free it); *n gets the count. Returns -1 with a message on error. */
int jjs_parse_values(const char *s, jjs_value **out, size_t *n, char *err, size_t errsz);

#endif
