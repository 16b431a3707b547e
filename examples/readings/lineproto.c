/* InfluxDB line protocol parser (see lineproto.h for the grammar). One
 * pass over the line; unescaped text is copied into the caller's scratch
 * buffer, which never needs more than the line's length. */
#include "lineproto.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cursor {
  const char *s;
  size_t len, pos;
  char *out; /* scratch, next free byte */
  char *err;
  size_t errsize, *col;
} cursor;

static int fail(cursor *c, size_t at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (c->errsize) (void)vsnprintf(c->err, c->errsize, fmt, ap);
  va_end(ap);
  *c->col = at + 1;
  return -1;
}

int srv_lp_precision_parse(const char *text, srv_lp_precision *out) {
  static const struct {
    const char *name;
    srv_lp_precision p;
  } names[] = {{"ns", SRV_LP_NS}, {"n", SRV_LP_NS}, {"us", SRV_LP_US},
               {"u", SRV_LP_US},  {"ms", SRV_LP_MS}, {"s", SRV_LP_S}};
  if (!text) {
    *out = SRV_LP_NS;
    return 0;
  }
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(text, names[i].name) == 0) {
      *out = names[i].p;
      return 0;
    }
  return -1;
}

static int is_stop(char ch, const char *stops) { return ch != '\0' && strchr(stops, ch) != NULL; }

/* Read a name up to an unescaped character of `stops` (or the end),
 * unescaping a backslash before a character of `escapes`. Returns the
 * unescaped text (in scratch) and leaves pos at the stop character. */
static const char *read_name(cursor *c, const char *stops, const char *escapes) {
  char *start = c->out;
  while (c->pos < c->len) {
    char ch = c->s[c->pos];
    if (ch == '\\' && c->pos + 1 < c->len && is_stop(c->s[c->pos + 1], escapes)) {
      *c->out++ = c->s[c->pos + 1];
      c->pos += 2;
      continue;
    }
    if (is_stop(ch, stops)) break;
    *c->out++ = ch;
    c->pos++;
  }
  *c->out++ = '\0';
  return start;
}

static int at(const cursor *c, char ch) { return c->pos < c->len && c->s[c->pos] == ch; }

static size_t skip_spaces(cursor *c) {
  size_t n = 0;
  while (c->pos < c->len && (c->s[c->pos] == ' ' || c->s[c->pos] == '\t')) c->pos++, n++;
  return n;
}

static int is_bool(const char *t, size_t n, int *v) {
  static const char *const yes[] = {"t", "T", "true", "True", "TRUE"};
  static const char *const no[] = {"f", "F", "false", "False", "FALSE"};
  for (size_t i = 0; i < 5; i++) {
    if (strlen(yes[i]) == n && memcmp(t, yes[i], n) == 0) return *v = 1, 1;
    if (strlen(no[i]) == n && memcmp(t, no[i], n) == 0) return *v = 0, 1;
  }
  return 0;
}

/* A numeric token: only the characters a decimal number may hold, so
 * strtod's "nan", "inf" and hex forms are refused as InfluxDB refuses them. */
static int numeric_chars(const char *t, size_t n) {
  if (n == 0) return 0;
  for (size_t i = 0; i < n; i++)
    if (!strchr("0123456789.eE+-", t[i])) return 0;
  return 1;
}

static int read_field_value(cursor *c, srv_lp_field *f, const char *key) {
  size_t start = c->pos;
  if (at(c, '"')) { /* a string: escapes \" and \\ */
    c->pos++;
    char *s = c->out;
    for (;;) {
      if (c->pos >= c->len)
        return fail(c, start, "field '%s': string value has no closing '\"'", key);
      char ch = c->s[c->pos];
      if (ch == '\\' && c->pos + 1 < c->len &&
          (c->s[c->pos + 1] == '"' || c->s[c->pos + 1] == '\\')) {
        *c->out++ = c->s[c->pos + 1];
        c->pos += 2;
        continue;
      }
      c->pos++;
      if (ch == '"') break;
      *c->out++ = ch;
    }
    *c->out++ = '\0';
    f->type = SRV_LP_STRING;
    f->str = s;
    f->num = NAN;
    return 0;
  }
  while (c->pos < c->len && c->s[c->pos] != ',' && c->s[c->pos] != ' ' && c->s[c->pos] != '\t')
    c->pos++;
  const char *t = c->s + start;
  size_t n = c->pos - start;
  if (n == 0) return fail(c, start, "field '%s' has no value", key);
  int b;
  if (is_bool(t, n, &b)) {
    f->type = SRV_LP_BOOL;
    f->num = b;
    return 0;
  }
  char buf[64];
  char last = t[n - 1];
  size_t digits = (last == 'i' || last == 'u') ? n - 1 : n;
  if (digits >= sizeof buf || !numeric_chars(t, digits))
    return fail(c, start, "field '%s': bad value '%.*s' (a number, 12i, 12u, \"text\" or true)",
                key, (int)(n < 40 ? n : 40), t);
  memcpy(buf, t, digits);
  buf[digits] = '\0';
  char *end;
  errno = 0;
  if (last == 'i') {
    long long v = strtoll(buf, &end, 10);
    if (*end || errno) return fail(c, start, "field '%s': bad integer '%s'", key, buf);
    f->type = SRV_LP_INT;
    f->num = (double)v;
  } else if (last == 'u') {
    if (buf[0] == '-') return fail(c, start, "field '%s': negative unsigned integer", key);
    unsigned long long v = strtoull(buf, &end, 10);
    if (*end || errno) return fail(c, start, "field '%s': bad unsigned integer '%s'", key, buf);
    f->type = SRV_LP_UINT;
    f->num = (double)v;
  } else {
    double v = strtod(buf, &end);
    if (*end || (errno == ERANGE && isinf(v)) || !isfinite(v))
      return fail(c, start, "field '%s': bad number '%s'", key, buf);
    f->type = SRV_LP_FLOAT;
    f->num = v;
  }
  return 0;
}

/* ts in `p` units to milliseconds, rounded down; -1 when it does not fit. */
static int to_ms(long long ts, srv_lp_precision p, int64_t *out) {
  long long div = 1;
  switch (p) {
  case SRV_LP_NS: div = 1000000; break;
  case SRV_LP_US: div = 1000; break;
  case SRV_LP_MS: div = 1; break;
  case SRV_LP_S:
    if (ts > INT64_MAX / 1000 || ts < INT64_MIN / 1000) return -1;
    *out = (int64_t)ts * 1000;
    return 0;
  }
  long long q = ts / div;
  if (ts % div != 0 && ts < 0) q--; /* floor, not toward zero */
  *out = q;
  return 0;
}

static int read_timestamp(cursor *c, srv_lp_precision p, srv_lp_line *out) {
  size_t start = c->pos;
  while (c->pos < c->len && c->s[c->pos] != ' ' && c->s[c->pos] != '\t') c->pos++;
  size_t n = c->pos - start;
  char buf[32];
  const char *t = c->s + start;
  int ok = n > 0 && n < sizeof buf;
  for (size_t i = 0; ok && i < n; i++)
    if (!((t[i] >= '0' && t[i] <= '9') || (i == 0 && t[i] == '-' && n > 1))) ok = 0;
  if (!ok)
    return fail(c, start, "bad timestamp '%.*s' (an integer in the request's precision)",
                (int)(n < 40 ? n : 40), t);
  memcpy(buf, t, n);
  buf[n] = '\0';
  errno = 0;
  long long v = strtoll(buf, NULL, 10);
  if (errno || to_ms(v, p, &out->ts_ms) != 0)
    return fail(c, start, "timestamp '%s' is out of range", buf);
  out->has_ts = 1;
  skip_spaces(c);
  if (c->pos < c->len) return fail(c, c->pos, "unexpected text after the timestamp");
  return 0;
}

int srv_lp_parse(const char *line, size_t len, srv_lp_precision precision, char *scratch,
                 srv_lp_line *out, char *err, size_t errsize, size_t *col) {
  size_t dummy;
  cursor c = {line, len, 0, scratch, err, errsize, col ? col : &dummy};
  if (errsize) err[0] = '\0';
  *c.col = 0;
  memset(out, 0, sizeof *out);
  if (c.len && line[c.len - 1] == '\r') c.len--;
  skip_spaces(&c);
  if (c.pos == c.len || line[c.pos] == '#') return 1;

  size_t mstart = c.pos;
  out->measurement = read_name(&c, ", \t", ", ");
  if (!out->measurement[0]) return fail(&c, mstart, "missing measurement name");
  while (at(&c, ',')) { /* tags */
    c.pos++;
    size_t kstart = c.pos;
    const char *k = read_name(&c, ",= \t", ",= ");
    if (!k[0]) return fail(&c, kstart, "empty tag key");
    if (!at(&c, '=')) return fail(&c, kstart, "tag '%s' has no '=value'", k);
    c.pos++;
    size_t vstart = c.pos;
    const char *v = read_name(&c, ", \t", ",= ");
    if (!v[0]) return fail(&c, vstart, "tag '%s' has an empty value", k);
    if (out->ntags == SRV_LP_MAX_TAGS)
      return fail(&c, kstart, "more than %d tags", SRV_LP_MAX_TAGS);
    out->tags[out->ntags].key = k;
    out->tags[out->ntags].value = v;
    out->ntags++;
  }
  if (skip_spaces(&c) == 0 || c.pos == c.len)
    return fail(&c, c.pos, "missing fields (measurement[,tags] field=value [timestamp])");
  for (;;) { /* fields */
    size_t kstart = c.pos;
    const char *k = read_name(&c, ",= \t", ",= ");
    if (!k[0]) return fail(&c, kstart, "empty field key");
    if (!at(&c, '=')) return fail(&c, kstart, "field '%s' has no '=value'", k);
    c.pos++;
    if (out->nfields == SRV_LP_MAX_FIELDS)
      return fail(&c, kstart, "more than %d fields", SRV_LP_MAX_FIELDS);
    srv_lp_field *f = &out->fields[out->nfields];
    f->key = k;
    if (read_field_value(&c, f, k) != 0) return -1;
    out->nfields++;
    if (!at(&c, ',')) break;
    c.pos++;
  }
  if (c.pos == c.len) return 0;
  if (skip_spaces(&c) == 0) return fail(&c, c.pos, "unexpected text after the fields");
  if (c.pos == c.len) return 0; /* trailing blanks */
  return read_timestamp(&c, precision, out);
}
