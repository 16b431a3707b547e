/* jjair CLI — helpers shared by the subcommands: timestamps,
 * loading rule files with readable diagnostics, JSON output of events. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

int cli_help(int argc, char **argv, const char *help) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      (void)fputs(help, stdout);
      return 1;
    }
  }
  return 0;
}

/* A decimal number of min to max digits at *p (as many as there are, up
 * to max); *p moves past it. -1 if there are fewer than min. */
static int digits(const char **p, int min, int max, int *out) {
  int v = 0, n = 0;
  while (n < max && (*p)[n] >= '0' && (*p)[n] <= '9') {
    v = v * 10 + ((*p)[n] - '0');
    n++;
  }
  if (n < min) return -1;
  *p += n;
  *out = v;
  return 0;
}

/* UTC civil time -> epoch ms. Hour 24 and days past the month's end roll
 * over (timegm normalises them: the Korean portals label midnight as 24:00
 * of the day before); other out-of-range fields are -1. */
static int civil_ms(int y, int mo, int d, int h, int mi, int se, int64_t *ms) {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || se > 60) return -1;
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  *ms = (int64_t)timegm(&tm) * 1000;
  return 0;
}

int cli_parse_iso(const char *s, int64_t *ms) {
  int y, mo, d, h = 0, mi = 0, se = 0, frac = 0;
  const char *p = s;
  if (digits(&p, 4, 4, &y) || *p++ != '-' || digits(&p, 2, 2, &mo) || *p++ != '-' ||
      digits(&p, 2, 2, &d))
    return -1;
  if (*p == 'T' || *p == ' ') {
    p++;
    if (digits(&p, 2, 2, &h) || *p++ != ':' || digits(&p, 2, 2, &mi)) return -1;
    if (*p == ':') {
      p++;
      if (digits(&p, 2, 2, &se)) return -1;
      if (*p == '.') {
        p++;
        int scale = 100, nd = 0;
        while (*p >= '0' && *p <= '9') {
          if (nd++ < 3) frac += (*p - '0') * scale;
          scale /= 10;
          p++;
        }
        if (nd == 0) return -1;
      }
    }
  }
  int64_t off = 0;
  if (*p == 'Z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
    if (digits(&p, 2, 2, &oh)) return -1;
    if (*p == ':') p++;
    if (*p && digits(&p, 2, 2, &om)) return -1;
    off = sign * ((int64_t)oh * 3600 + (int64_t)om * 60) * 1000;
  }
  if (*p != '\0') return -1;
  int64_t t;
  if (civil_ms(y, mo, d, h, mi, se, &t) != 0) return -1;
  *ms = t + frac - off;
  return 0;
}

int cli_parse_pattern(const char *s, const char *fmt, int64_t tz_ms, int64_t *ms) {
  int y = 1970, mo = 1, d = 1, h = 0, mi = 0, se = 0;
  for (const char *f = fmt; *f; f++) {
    if (*f != '%') {
      if (*s++ != *f) return -1;
      continue;
    }
    f++;
    int rc;
    switch (*f) {
      case 'Y': rc = digits(&s, 1, 4, &y); break;
      case 'm': rc = digits(&s, 1, 2, &mo); break;
      case 'd': rc = digits(&s, 1, 2, &d); break;
      case 'H': rc = digits(&s, 1, 2, &h); break;
      case 'M': rc = digits(&s, 1, 2, &mi); break;
      case 'S': rc = digits(&s, 1, 2, &se); break;
      case '%': rc = *s++ == '%' ? 0 : -1; break;
      default: rc = -1;
    }
    if (rc) return -1;
  }
  if (*s) return -1;
  int64_t t;
  if (civil_ms(y, mo, d, h, mi, se, &t) != 0) return -1;
  *ms = t - tz_ms;
  return 0;
}

void cli_format_iso(int64_t ms, char *buf, size_t n) {
  int64_t sec = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  int frac = (int)(ms - sec * 1000);
  time_t t = (time_t)sec;
  struct tm tm;
  char base[32];
  if (!gmtime_r(&t, &tm) || strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
    (void)snprintf(buf, n, "%lld", (long long)ms);
    return;
  }
  /* The caller's buffer is sized for any date; a cut text is its choice. */
  if (frac)
    (void)snprintf(buf, n, "%s.%03dZ", base, frac);
  else
    (void)snprintf(buf, n, "%sZ", base);
}

/* One problem as "file:line:column: message", or "file: message" when it
 * has no position; `file` stands in when the error names none. */
static void print_error(FILE *diag, const char *file, const jj_error *e) {
  if (e->file[0]) file = e->file;
  if (e->line > 0)
    (void)fprintf(diag, "%s:%d:%d: %s\n", file, e->line, e->column, e->message);
  else
    (void)fprintf(diag, "%s: %s\n", file, e->message);
}

size_t cli_load_rules(char *const *files, size_t nfiles, FILE *diag, jj_ruleset **out) {
  *out = NULL;
  jj_ruleset_builder *b = NULL;
  if (jj_ruleset_builder_new(NULL, &b) != JJ_OK) {
    (void)fprintf(diag, "jjair: out of memory\n");
    return 1;
  }
  size_t problems = 0;
  enum { MAX_ERRS = 64 };
  jj_error errs[MAX_ERRS];
  for (size_t f = 0; f < nfiles; f++) {
    size_t nerrs = 0;
    memset(errs, 0, sizeof errs);
    jj_status st = jj_rules_load_file(b, files[f], errs, MAX_ERRS, &nerrs);
    if (st == JJ_OK && nerrs == 0) continue;
    if (nerrs == 0) { /* a failure without details: still say so */
      (void)fprintf(diag, "%s: %s\n", files[f], jj_strerror(st));
      problems++;
      continue;
    }
    for (size_t i = 0; i < nerrs && i < MAX_ERRS; i++) print_error(diag, files[f], &errs[i]);
    if (nerrs > MAX_ERRS) (void)fprintf(diag, "%s: ... and %zu more\n", files[f], nerrs - MAX_ERRS);
    problems += nerrs;
  }
  if (problems == 0) {
    jj_error err;
    memset(&err, 0, sizeof err);
    if (jj_ruleset_builder_build(b, out, &err) != JJ_OK) {
      if (!err.message[0])
        (void)snprintf(err.message, sizeof err.message, "%s", jj_strerror(err.code));
      print_error(diag, nfiles == 1 ? files[0] : "rules", &err);
      problems++;
      *out = NULL;
    }
  }
  jj_ruleset_builder_free(b);
  return problems;
}

/* Length of the valid UTF-8 sequence at s, 0 if invalid. */
static size_t utf8_len(const unsigned char *s) {
  unsigned c = s[0];
  size_t n;
  unsigned min;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  unsigned cp = c & (0x3Fu >> (n - 1));
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

void cli_json_string(FILE *f, const char *s) {
  (void)fputc('"', f);
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  while (*p) {
    unsigned c = *p;
    if (c == '"' || c == '\\') {
      (void)fputc('\\', f);
      (void)fputc((int)c, f);
      p++;
    } else if (c == '\n') {
      (void)fputs("\\n", f);
      p++;
    } else if (c == '\r') {
      (void)fputs("\\r", f);
      p++;
    } else if (c == '\t') {
      (void)fputs("\\t", f);
      p++;
    } else if (c < 0x20 || c == 0x7F) {
      (void)fprintf(f, "\\u%04x", c);
      p++;
    } else {
      size_t n = utf8_len(p);
      if (n == 0) {
        (void)fputs("\\ufffd", f);
        p++;
      } else {
        (void)fwrite(p, 1, n, f);
        p += n;
      }
    }
  }
  (void)fputc('"', f);
}

void cli_json_number(FILE *f, double v) {
  if (!isfinite(v))
    (void)fputs("null", f);
  else if (v == floor(v) && fabs(v) < 1e15)
    (void)fprintf(f, "%.0f", v);
  else
    (void)fprintf(f, "%.17g", v);
}

static void json_time(FILE *f, const char *key, int64_t ms) {
  (void)fprintf(f, ",");
  cli_json_string(f, key);
  if (ms == INT64_MIN) {
    (void)fputs(":null", f);
    return;
  }
  char buf[48];
  cli_format_iso(ms, buf, sizeof buf);
  (void)fputc(':', f);
  cli_json_string(f, buf);
}

static void json_labels(FILE *f, const jj_label *l, uint32_t n) {
  (void)fputc('{', f);
  for (uint32_t i = 0; i < n; i++) {
    if (i) (void)fputc(',', f);
    cli_json_string(f, l[i].name);
    (void)fputc(':', f);
    cli_json_string(f, l[i].value);
  }
  (void)fputc('}', f);
}

char *cli_render(const jj_event *ev, uint32_t i) {
  char small[256];
  size_t need = jj_event_render(ev, i, small, sizeof small);
  char *s = malloc(need + 1);
  if (!s) return NULL;
  if (need < sizeof small)
    memcpy(s, small, need + 1);
  else
    jj_event_render(ev, i, s, need + 1);
  return s;
}

void cli_json_event(FILE *f, const jj_event *ev) {
  (void)fprintf(f, "{\"seq\":%llu", (unsigned long long)ev->seq);
  json_time(f, "time", ev->time_ms);
  (void)fprintf(f, ",\"time_ms\":%lld,\"kind\":", (long long)ev->time_ms);
  cli_json_string(f, jj_event_kind_name(ev->kind));
  (void)fputs(",\"reason\":", f);
  cli_json_string(f, jj_event_reason_name(ev->reason));
  (void)fputs(",\"rule\":", f);
  cli_json_string(f, ev->rule);
  (void)fprintf(f,
                ",\"rule_index\":%u,\"level\":%d,\"prev_level\":%d,\"level_name\":", ev->rule_index,
                ev->level, ev->prev_level);
  cli_json_string(f, ev->level_name);
  (void)fputs(",\"severity\":", f);
  cli_json_string(f, ev->severity);
  (void)fputs(",\"metric\":", f);
  cli_json_string(f, ev->metric);
  (void)fprintf(f, ",\"is_group\":%s,\"labels\":", ev->is_group ? "true" : "false");
  json_labels(f, ev->labels, ev->nlabels);
  (void)fputs(",\"rule_labels\":", f);
  json_labels(f, ev->rule_labels, ev->nrule_labels);
  (void)fputs(",\"value\":", f);
  cli_json_number(f, ev->value);
  json_time(f, "window_start", ev->window_start_ms);
  json_time(f, "window_end", ev->window_end_ms);
  json_time(f, "started", ev->started_ms);
  json_time(f, "sample_time", ev->sample_ts_ms);
  (void)fputs(",\"sample_value\":", f);
  if (ev->sample_ts_ms == INT64_MIN)
    (void)fputs("null", f);
  else
    cli_json_number(f, ev->sample_value);
  if (ev->has_location) {
    (void)fputs(",\"lat\":", f);
    cli_json_number(f, ev->lat);
    (void)fputs(",\"lon\":", f);
    cli_json_number(f, ev->lon);
  } else {
    (void)fputs(",\"lat\":null,\"lon\":null", f);
  }
  (void)fputs(",\"annotations\":{", f);
  uint32_t na = jj_event_annotation_count(ev);
  for (uint32_t i = 0; i < na; i++) {
    if (i) (void)fputc(',', f);
    cli_json_string(f, jj_event_annotation_name(ev, i));
    (void)fputc(':', f);
    char *text = cli_render(ev, i);
    cli_json_string(f, text ? text : "");
    free(text);
  }
  (void)fputs("}}\n", f);
}
