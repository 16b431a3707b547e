/* jjair CLI — helpers shared by the subcommands: timestamps, loading rule
 * files with readable diagnostics, events as NDJSON lines (the library's
 * jj_event_json). */
#include <stdlib.h>
#include <string.h>

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

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (d may run
 * past the month's end: the count is linear in d). The eras method of
 * H. Hinnant's "chrono-Compatible Low-Level Date Algorithms": a few integer
 * operations, no table, no libc call. */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;                             /* [0, 399] */
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;       /* [0, 146096] */
  return era * 146097 + doe - 719468;
}

/* UTC civil time -> epoch ms. Hour 24 and days past the month's end roll
 * over as timegm would (the Korean portals label midnight as 24:00 of the
 * day before); other out-of-range fields are -1. Plain arithmetic, so a
 * replay does not pay a libc timegm per row. */
static int civil_ms(int y, int mo, int d, int h, int mi, int se, int64_t *ms) {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || se > 60) return -1;
  int64_t days = days_from_civil(y, mo, d);
  *ms = ((days * 24 + h) * 60 + mi) * 60000 + (int64_t)se * 1000;
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
    if (oh > 23 || om > 59) return -1; /* "+99:99" is no offset */
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
  char small[4096];
  size_t need = jj_event_json(ev, small, sizeof small);
  char *text = small;
  if (need >= sizeof small) { /* long annotations: ask again with room */
    text = malloc(need + 1);
    if (!text) {
      (void)fprintf(stderr, "jjair: out of memory for event %llu\n", (unsigned long long)ev->seq);
      return;
    }
    (void)jj_event_json(ev, text, need + 1);
  }
  (void)fwrite(text, 1, need, f);
  (void)fputc('\n', f);
  if (text != small) free(text);
}
