/* jjair CLI — parser for the promtool-style series notation of rule test
 * files (see series.h). Strict: anything it does not understand is an
 * error with the column where it stopped, never a silent guess. */
#include "series.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errsz, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errsz, size_t col, const char *fmt, ...) {
  if (err && errsz) {
    int k = snprintf(err, errsz, "column %zu: ", col + 1);
    if (k >= 0 && (size_t)k < errsz) {
      va_list ap;
      va_start(ap, fmt);
      (void)vsnprintf(err + k, errsz - (size_t)k, fmt, ap); /* a cut message is fine */
      va_end(ap);
    }
  }
  return -1;
}

static char *dup_range(const char *s, size_t n) {
  char *p = malloc(n + 1);
  if (!p) return NULL;
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

void jjs_series_free(jjs_series *s) {
  if (!s) return;
  for (uint32_t i = 0; i < s->nlabels; i++) {
    free(s->labels[i].name);
    free(s->labels[i].value);
  }
  free(s->labels);
  free(s->metric);
  memset(s, 0, sizeof *s);
}

static int name_start(int c) { return isalpha(c) || c == '_' || c == ':'; }
static int name_char(int c) { return isalnum(c) || c == '_' || c == ':' || c == '.' || c == '-'; }

int jjs_parse_series(const char *s, jjs_series *out, char *err, size_t errsz) {
  memset(out, 0, sizeof *out);
  size_t i = 0;
  while (s[i] == ' ' || s[i] == '\t') i++;
  size_t m0 = i;
  if (!name_start((unsigned char)s[i])) return fail(err, errsz, i, "expected a metric name");
  while (name_char((unsigned char)s[i])) i++;
  out->metric = dup_range(s + m0, i - m0);
  if (!out->metric) return fail(err, errsz, i, "out of memory");
  while (s[i] == ' ' || s[i] == '\t') i++;
  if (s[i] == '\0') return 0;
  if (s[i] != '{') {
    jjs_series_free(out);
    return fail(err, errsz, i, "expected '{' or the end after the metric name");
  }
  i++;
  for (;;) {
    while (s[i] == ' ' || s[i] == '\t') i++;
    if (s[i] == '}') {
      i++;
      break;
    }
    size_t n0 = i;
    if (!(isalpha((unsigned char)s[i]) || s[i] == '_')) {
      jjs_series_free(out);
      return fail(err, errsz, i, s[i] ? "expected a label name" : "unclosed '{'");
    }
    while (isalnum((unsigned char)s[i]) || s[i] == '_') i++;
    size_t n1 = i;
    while (s[i] == ' ' || s[i] == '\t') i++;
    if (s[i] != '=') {
      jjs_series_free(out);
      return fail(err, errsz, i, "expected '=' after the label name");
    }
    i++;
    while (s[i] == ' ' || s[i] == '\t') i++;
    char q = s[i];
    if (q != '"' && q != '\'') {
      jjs_series_free(out);
      return fail(err, errsz, i, "expected a quoted label value");
    }
    size_t qpos = i++;
    size_t cap = strlen(s + i) + 1, len = 0;
    char *val = malloc(cap);
    if (!val) {
      jjs_series_free(out);
      return fail(err, errsz, i, "out of memory");
    }
    for (;;) {
      char c = s[i];
      if (c == '\0') {
        free(val);
        jjs_series_free(out);
        return fail(err, errsz, qpos, "unterminated label value");
      }
      i++;
      if (c == q) break;
      if (c == '\\') {
        char e = s[i];
        if (e == 'n')
          c = '\n';
        else if (e == '\\' || e == '"' || e == '\'')
          c = e;
        else {
          free(val);
          jjs_series_free(out);
          return fail(err, errsz, i - 1, "unknown escape '\\%c'", e ? e : '0');
        }
        i++;
      }
      val[len++] = c;
    }
    val[len] = '\0';
    for (uint32_t k = 0; k < out->nlabels; k++) {
      if (strlen(out->labels[k].name) == n1 - n0 && memcmp(out->labels[k].name, s + n0, n1 - n0) == 0) {
        free(val);
        jjs_series_free(out);
        return fail(err, errsz, n0, "duplicate label '%.*s'", (int)(n1 - n0), s + n0);
      }
    }
    jjs_label *nl = realloc(out->labels, (out->nlabels + 1) * sizeof *nl);
    char *name = nl ? dup_range(s + n0, n1 - n0) : NULL;
    if (!name) {
      if (nl) out->labels = nl;
      free(val);
      jjs_series_free(out);
      return fail(err, errsz, n0, "out of memory");
    }
    out->labels = nl;
    out->labels[out->nlabels].name = name;
    out->labels[out->nlabels].value = val;
    out->nlabels++;
    while (s[i] == ' ' || s[i] == '\t') i++;
    if (s[i] == ',') {
      i++;
      continue;
    }
    if (s[i] == '}') {
      i++;
      break;
    }
    jjs_series_free(out);
    return fail(err, errsz, i, s[i] ? "expected ',' or '}'" : "unclosed '{'");
  }
  while (s[i] == ' ' || s[i] == '\t') i++;
  if (s[i] != '\0') {
    jjs_series_free(out);
    return fail(err, errsz, i, "unexpected text after '}'");
  }
  return 0;
}

/* A decimal number at s: [+-]?digits[.digits]?([eE][+-]?digits)? (at least
 * one digit in the mantissa). Returns its length, 0 if there is none. */
static size_t scan_number(const char *s, int allow_sign) {
  size_t i = 0, digits = 0;
  if (allow_sign && (s[i] == '+' || s[i] == '-')) i++;
  while (isdigit((unsigned char)s[i])) i++, digits++;
  if (s[i] == '.') {
    i++;
    while (isdigit((unsigned char)s[i])) i++, digits++;
  }
  if (digits == 0) return 0;
  if (s[i] == 'e' || s[i] == 'E') {
    size_t j = i + 1;
    if (s[j] == '+' || s[j] == '-') j++;
    if (isdigit((unsigned char)s[j])) {
      while (isdigit((unsigned char)s[j])) j++;
      i = j;
    }
  }
  return i;
}

static int to_double(const char *s, size_t n, double *out) {
  char buf[64];
  if (n >= sizeof buf) return -1;
  memcpy(buf, s, n);
  buf[n] = '\0';
  errno = 0;
  char *end;
  *out = strtod(buf, &end);
  if (end != buf + n || errno == ERANGE) return -1;
  return 0;
}

/* `xK` at s: K+1 copies. Returns the length consumed or 0 with *bad set. */
static size_t scan_times(const char *s, unsigned long *k, int *bad) {
  *bad = 0;
  if (s[0] != 'x') return 0;
  size_t i = 1;
  if (!isdigit((unsigned char)s[i])) {
    *bad = 1;
    return 0;
  }
  unsigned long v = 0;
  while (isdigit((unsigned char)s[i])) {
    if (v > JJS_MAX_VALUES) {
      *bad = 2;
      return 0;
    }
    v = v * 10 + (unsigned long)(s[i] - '0');
    i++;
  }
  *k = v;
  return i;
}

static int push(jjs_value **arr, size_t *n, size_t *cap, int missing, double v) {
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 16;
    jjs_value *p = realloc(*arr, nc * sizeof *p);
    if (!p) return -1;
    *arr = p;
    *cap = nc;
  }
  (*arr)[*n].missing = missing;
  (*arr)[*n].value = v;
  (*n)++;
  return 0;
}

int jjs_parse_values(const char *s, jjs_value **out, size_t *nout, char *err, size_t errsz) {
  jjs_value *arr = NULL;
  size_t n = 0, cap = 0, i = 0;
  *out = NULL;
  *nout = 0;
  for (;;) {
    while (isspace((unsigned char)s[i])) i++;
    if (s[i] == '\0') break;
    size_t item = i;
    int missing = 0;
    double a = 0, d = 0;
    if (s[i] == '_') {
      missing = 1;
      i++;
    } else {
      size_t len = scan_number(s + i, 1);
      if (len == 0 || to_double(s + i, len, &a) != 0) {
        free(arr);
        return fail(err, errsz, i, "expected a number or '_'");
      }
      i += len;
      if (s[i] == '+' || s[i] == '-') {
        int neg = s[i] == '-';
        i++;
        size_t dl = scan_number(s + i, 0);
        if (dl == 0 || to_double(s + i, dl, &d) != 0) {
          free(arr);
          return fail(err, errsz, i, "expected the step after '%c'", neg ? '-' : '+');
        }
        i += dl;
        if (neg) d = -d;
        if (s[i] != 'x') {
          free(arr);
          return fail(err, errsz, i, "a step needs a count: write N%cDxK", neg ? '-' : '+');
        }
      }
    }
    unsigned long k = 0;
    int bad;
    size_t tl = scan_times(s + i, &k, &bad);
    if (bad) {
      free(arr);
      return fail(err, errsz, i,
                  bad == 1 ? "expected a count after 'x'" : "count after 'x' is too large");
    }
    i += tl;
    if (s[i] != '\0' && !isspace((unsigned char)s[i])) {
      free(arr);
      return fail(err, errsz, i, "unexpected '%c' in item starting at column %zu", s[i], item + 1);
    }
    if (k >= JJS_MAX_VALUES || n + k + 1 > JJS_MAX_VALUES) {
      free(arr);
      return fail(err, errsz, item, "more than %u values", JJS_MAX_VALUES);
    }
    for (unsigned long j = 0; j <= k; j++) {
      /* a + j*d, not repeated addition: no drift over long runs. */
      if (push(&arr, &n, &cap, missing, missing ? 0 : a + (double)j * d) != 0) {
        free(arr);
        return fail(err, errsz, item, "out of memory");
      }
    }
  }
  *out = arr;
  *nout = n;
  return 0;
}
