/* Annotation templates; see template.h and jj_ruleset_builder_add_annotation.
 * One parser serves both checking and rendering, so what passes the check
 * is exactly what renders. Numbers and times are formatted by numfmt.c and
 * timefmt.c, never by printf: the same text under glibc and newlib-nano. */
#include "template.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "numfmt.h"
#include "strfmt.h"
#include "timefmt.h"

#define KST_OFFSET_MIN (9 * 60)

typedef enum field {
  F_VALUE, F_LEVEL, F_SEVERITY, F_RULE, F_METRIC, F_KIND, F_LABEL, F_LAT, F_LON,
  F_TIME, F_TIME_KST, F_STARTED, F_WINDOW_START, F_WINDOW_END, F_PREV_LEVEL, F_PREV_SEVERITY,
  F_LEVEL_STARTED, F_FINGERPRINT, F_INDEX, F_BAND, F_CONCENTRATION
} field;

static const struct {
  const char *name;
  field f;
  int numeric; /* takes a number format */
} fields[] = {
    {"value", F_VALUE, 1},       {"level", F_LEVEL, 0},   {"severity", F_SEVERITY, 0},
    {"rule", F_RULE, 0},         {"metric", F_METRIC, 0}, {"kind", F_KIND, 0},
    {"lat", F_LAT, 1},           {"lon", F_LON, 1},       {"time", F_TIME, 0},
    {"time_kst", F_TIME_KST, 0}, {"started", F_STARTED, 0},
    {"window_start", F_WINDOW_START, 0}, {"window_end", F_WINDOW_END, 0},
    {"prev_level", F_PREV_LEVEL, 0},     {"prev_severity", F_PREV_SEVERITY, 0},
    {"level_started", F_LEVEL_STARTED, 0}, {"fingerprint", F_FINGERPRINT, 0},
    /* rules with an index (aqi.h): the index (= value), its band, and the
     * concentration it came from; empty for other rules */
    {"index", F_INDEX, 1}, {"band", F_BAND, 0}, {"concentration", F_CONCENTRATION, 1},
};

/* One parsed {{ ... }}. */
typedef struct tag {
  field f;
  const char *label; /* F_LABEL: the label name (not NUL-terminated) */
  size_t label_len;
  int prec;          /* number format: precision (-1 = default) ... */
  char conv;         /* ... and conversion f, e or g */
} tag;

/* Where rendered text goes. */
typedef struct out {
  jj__put_fn fn;
  void *ctx;
} out;

static void put(const out *o, const char *s, size_t n) {
  if (n) o->fn(o->ctx, s, n);
}

static int is_space(char c) { return c == ' ' || c == '\t'; }

/* Parse the inside of {{ }} (from p, n bytes). 0 or -1 with why. */
static int parse_tag(const char *p, size_t n, tag *t, char *why, size_t wn, size_t at) {
  memset(t, 0, sizeof *t);
  while (n && is_space(*p)) p++, n--, at++;
  while (n && is_space(p[n - 1])) n--;
  const char *colon = memchr(p, ':', n);
  size_t name_len = colon ? (size_t)(colon - p) : n;
  while (name_len && is_space(p[name_len - 1])) name_len--;
  int numeric = 0, found = 0;
  if (name_len > 7 && strncmp(p, "labels.", 7) == 0) {
    t->f = F_LABEL;
    t->label = p + 7;
    t->label_len = name_len - 7;
    found = 1;
  } else {
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
      if (strlen(fields[i].name) == name_len && strncmp(p, fields[i].name, name_len) == 0) {
        t->f = fields[i].f;
        numeric = fields[i].numeric;
        found = 1;
        break;
      }
    }
  }
  if (!found) {
    (void)jj__format(why, wn, "unknown template field '%.*s' at byte %lu", (int)name_len, p,
                   (unsigned long)at);
    return -1;
  }
  t->prec = -1;
  t->conv = 'g';
  if (t->f == F_LAT || t->f == F_LON) {
    t->prec = 6;
    t->conv = 'f';
  }
  if (!colon) return 0;
  const char *f = colon + 1;
  size_t fl = n - (size_t)(f - p);
  while (fl && is_space(*f)) f++, fl--;
  /* [.digits](f|e|g) */
  size_t i = 0, digits = 0;
  if (i < fl && f[i] == '.') {
    i++;
    while (i < fl && f[i] >= '0' && f[i] <= '9' && digits < 3) i++, digits++;
    if (digits == 0) i = fl + 1; /* "." alone is invalid */
  }
  int ok = numeric && i + 1 == fl && (f[i] == 'f' || f[i] == 'e' || f[i] == 'g') && digits <= 2;
  if (!ok) {
    (void)jj__format(why, wn, "bad format '%.*s' for field '%.*s' at byte %lu (use e.g. .1f, .3g)",
                   (int)fl, f, (int)name_len, p, (unsigned long)at);
    return -1;
  }
  t->conv = f[i];
  t->prec = -1;
  if (digits) t->prec = digits == 1 ? f[1] - '0' : (f[1] - '0') * 10 + (f[2] - '0');
  return 0;
}

/* "2024-01-01T04:00:00Z" (to the second: texts for people), or the KST
 * wall time "2024-01-01 13:00 KST". Nothing for INT64_MIN (no time). */
static void put_time(const out *o, int64_t ms, int kst) {
  if (ms == INT64_MIN) return;
  jj__civil c;
  jj__civil_from_ms(ms, kst ? KST_OFFSET_MIN : 0, &c);
  char b[40];
  size_t n = jj__civil_date(&c, b);
  b[n++] = kst ? ' ' : 'T';
  jj__two_digits(c.hour, b + n);
  b[n + 2] = ':';
  jj__two_digits(c.minute, b + n + 3);
  n += 5;
  if (kst) {
    for (const char *k = " KST"; *k; k++) b[n++] = *k;
  } else {
    b[n++] = ':';
    jj__two_digits(c.second, b + n);
    b[n + 2] = 'Z';
    n += 3;
  }
  put(o, b, n);
}

static void put_str(const out *o, const char *s) {
  if (s) put(o, s, strlen(s));
}

static void put_num(const out *o, const tag *t, double x) {
  if (isnan(x)) {
    put_str(o, "n/a");
    return;
  }
  char b[JJ__FMT_DOUBLE_MAX];
  size_t n = jj__fmt_double(x, t->conv, t->prec, b, sizeof b);
  put(o, b, n);
}

static const char *find_label(const jj_label *l, uint32_t n, const char *name, size_t len) {
  if (!name) return NULL;
  for (uint32_t i = 0; i < n; i++)
    if (strlen(l[i].name) == len && strncmp(l[i].name, name, len) == 0) return l[i].value;
  return NULL;
}

static void render_field(const out *o, const tag *t, const jj_event *ev) {
  switch (t->f) {
    case F_VALUE: put_num(o, t, ev->value); break;
    case F_LEVEL: put_str(o, ev->level_name); break;
    case F_SEVERITY: put_str(o, ev->severity); break;
    case F_RULE: put_str(o, ev->rule); break;
    case F_METRIC: put_str(o, ev->metric); break;
    case F_KIND: put_str(o, jj_event_kind_name(ev->kind)); break;
    case F_LABEL: {
      /* The series' (or group's) labels first, then the rule's. */
      const char *v = find_label(ev->labels, ev->nlabels, t->label, t->label_len);
      if (!v) v = find_label(ev->rule_labels, ev->nrule_labels, t->label, t->label_len);
      put_str(o, v);
      break;
    }
    case F_LAT:
      if (ev->has_location) put_num(o, t, ev->lat);
      break;
    case F_LON:
      if (ev->has_location) put_num(o, t, ev->lon);
      break;
    case F_TIME: put_time(o, ev->time_ms, 0); break;
    case F_TIME_KST: put_time(o, ev->time_ms, 1); break;
    case F_STARTED: put_time(o, ev->started_ms, 0); break;
    case F_WINDOW_START: put_time(o, ev->window_start_ms, 0); break;
    case F_WINDOW_END: put_time(o, ev->window_end_ms, 0); break;
    case F_PREV_LEVEL: put_str(o, ev->prev_level_name); break;
    case F_PREV_SEVERITY: put_str(o, ev->prev_severity); break;
    case F_LEVEL_STARTED: put_time(o, ev->level_started_ms, 0); break;
    case F_FINGERPRINT: {
      char b[17];
      put(o, b, jj_fingerprint_hex(ev->fingerprint, b, sizeof b));
      break;
    }
    case F_INDEX:
      if (ev->index_name && *ev->index_name) put_num(o, t, ev->value);
      break;
    case F_BAND: put_str(o, ev->band); break;
    case F_CONCENTRATION:
      if (ev->index_name && *ev->index_name) put_num(o, t, ev->concentration);
      break;
  }
}

/* The first "cc" at or after p, or NULL (strstr for a two-byte needle,
 * without newlib's 1 KB two-way search). */
static const char *find_pair(const char *p, char c) {
  for (p = strchr(p, c); p && p[1] != c; p = strchr(p + 1, c))
    if (!p[1]) return NULL;
  return p;
}

/* Walk the template; with ev == NULL (and o == NULL) only check. Errors go
 * to why (wn bytes; rendering passes NULL, 0, which snprintf allows). */
static int walk(const char *tmpl, const jj_event *ev, const out *o, char *why, size_t wn) {
  const char *p = tmpl;
  while (*p) {
    const char *open = find_pair(p, '{');
    if (!open) {
      if (o) put(o, p, strlen(p));
      break;
    }
    if (o) put(o, p, (size_t)(open - p));
    const char *close = find_pair(open + 2, '}');
    if (!close) {
      (void)jj__format(why, wn, "'{{' at byte %lu is never closed", (unsigned long)(open - tmpl));
      return -1;
    }
    tag t;
    if (parse_tag(open + 2, (size_t)(close - open - 2), &t, why, wn, (size_t)(open + 2 - tmpl)) != 0)
      return -1;
    if (ev) render_field(o, &t, ev);
    p = close + 2;
  }
  return 0;
}

int jj__template_check(const char *tmpl, char *why, size_t n) { return walk(tmpl, NULL, NULL, why, n); }

void jj__template_emit(const char *tmpl, const jj_event *ev, jj__put_fn fn, void *ctx) {
  out o = {fn, ctx};
  (void)walk(tmpl, ev, &o, NULL, 0); /* checked when the rule was built */
}

/* Rendering into a buffer: counts what did not fit, like snprintf. */
typedef struct buf_out {
  char *buf;
  size_t size, len;
} buf_out;

static void buf_put(void *ctx, const char *s, size_t n) {
  buf_out *b = ctx;
  if (b->len + 1 < b->size) {
    size_t room = b->size - 1 - b->len;
    memcpy(b->buf + b->len, s, n < room ? n : room);
  }
  b->len += n;
}

size_t jj__template_render(const char *tmpl, const jj_event *ev, char *buf, size_t size) {
  buf_out b = {buf, size, 0};
  out o = {buf_put, &b};
  if (walk(tmpl, ev, &o, NULL, 0) != 0) b.len = 0;
  if (size) buf[b.len < size ? b.len : size - 1] = '\0';
  return b.len;
}
