/* jjair replay's output (see replay_out.h): events as a table or NDJSON,
 * the episode summary and the progress line. */
#include "replay_out.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define PROGRESS_MIN_BYTES ((int64_t)4 << 20)
#define PROGRESS_UNKNOWN_AFTER_MS 1000
#define PROGRESS_EVERY_MS 250
#define LABELS_TEXT 160

/* One rule's episodes. */
typedef struct rule_sum {
  uint64_t fired, resolved;
  int64_t first_ms, last_ms;    /* starts of the first and the last episode */
  int64_t longest_ms;           /* -1: none resolved yet */
  int64_t longest_start_ms;
  char longest_series[LABELS_TEXT];
  char name[128];
} rule_sum;

struct replay_out {
  int table;
  int progress; /* -1 auto, 0 off, 1 on */
  int shown;    /* a progress line is on the terminal */
  int64_t size, tz_ms;
  int64_t start_ms, last_shown_ms;
  uint64_t events;
  int64_t bytes;
  uint64_t readings;
  rule_sum *rules;
  uint32_t nrules;
  int header_done;
};

static int64_t mono_ms(void) {
  struct timespec ts;
  (void)clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

replay_out *replay_out_new(replay_format format, int progress, int64_t input_size, int64_t tz_ms) {
  replay_out *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  o->table = format == REPLAY_TABLE || (format == REPLAY_AUTO && isatty(STDOUT_FILENO));
  o->progress = progress;
  if (progress < 0 && !isatty(STDERR_FILENO)) o->progress = 0;
  o->size = input_size;
  o->tz_ms = tz_ms;
  o->start_ms = mono_ms();
  return o;
}

static void time_text(const replay_out *o, int64_t ms, char *buf, size_t size) {
  if (jj_time_rfc3339_offset(ms, (int)(o->tz_ms / 60000), buf, size) == 0)
    (void)snprintf(buf, size, "%lld ms", (long long)ms);
}

/* "metric{a=b, c=d}" */
static void series_text(const jj_event *ev, char *buf, size_t size) {
  size_t off = 0;
  int w = snprintf(buf, size, "%s{", ev->metric ? ev->metric : "");
  if (w < 0) return;
  off = (size_t)w;
  for (uint32_t i = 0; i < ev->nlabels && off < size; i++) {
    w = snprintf(buf + off, size - off, "%s%s=%s", i ? ", " : "", ev->labels[i].name,
                 ev->labels[i].value);
    if (w < 0) return;
    off += (size_t)w;
  }
  if (off < size) (void)snprintf(buf + off, size - off, "}");
}

static void print_row(replay_out *o, const jj_event *ev) {
  if (!o->header_done) {
    printf("%-25s  %-22s  %-15s  %-20s  %10s  %s\n", "TIME", "RULE", "EVENT", "LEVEL (SEVERITY)",
           "VALUE", "SERIES");
    o->header_done = 1;
  }
  char t[48], level[96], series[512];
  time_text(o, ev->time_ms, t, sizeof t);
  if (ev->level_name && ev->level_name[0])
    (void)snprintf(level, sizeof level, "%s (%s)", ev->level_name,
                   ev->severity && ev->severity[0] ? ev->severity : "-");
  else
    (void)snprintf(level, sizeof level, "-");
  series_text(ev, series, sizeof series);
  const char *kind = jj_event_kind_name((int)ev->kind);
  printf("%-25s  %-22s  %-15s  %-20s  %10.4g  %s\n", t, ev->rule, kind ? kind : "?", level,
         ev->value, series);
}

static rule_sum *rule_of(replay_out *o, const jj_event *ev) {
  if (ev->rule_index >= o->nrules) {
    uint32_t n = ev->rule_index + 1;
    if (ev->ruleset && jj_ruleset_rule_count(ev->ruleset) > n)
      n = jj_ruleset_rule_count(ev->ruleset);
    rule_sum *r = realloc(o->rules, n * sizeof *r);
    if (!r) return NULL;
    memset(r + o->nrules, 0, (n - o->nrules) * sizeof *r);
    for (uint32_t i = o->nrules; i < n; i++) r[i].longest_ms = -1;
    o->rules = r;
    o->nrules = n;
  }
  rule_sum *r = &o->rules[ev->rule_index];
  if (!r->name[0]) (void)snprintf(r->name, sizeof r->name, "%s", ev->rule);
  return r;
}

void replay_out_event(void *ctx, const jj_event *ev) {
  replay_out *o = ctx;
  o->events++;
  if (o->table)
    print_row(o, ev);
  else
    cli_json_event(stdout, ev);
  if (ev->kind != JJ_EVENT_FIRED && ev->kind != JJ_EVENT_RESOLVED) return;
  rule_sum *r = rule_of(o, ev);
  if (!r) return;
  if (ev->kind == JJ_EVENT_FIRED) {
    if (!r->fired++) r->first_ms = ev->time_ms;
    r->last_ms = ev->time_ms;
    return;
  }
  r->resolved++;
  if (ev->started_ms == INT64_MIN) return;
  int64_t d = ev->time_ms - ev->started_ms;
  if (d > r->longest_ms) {
    r->longest_ms = d;
    r->longest_start_ms = ev->started_ms;
    series_text(ev, r->longest_series, sizeof r->longest_series);
  }
}

static void show(replay_out *o, int final) {
  double mib = (double)o->bytes / (1 << 20);
  if (o->size > 0)
    (void)fprintf(stderr, "\rjjair replay: %.1f of %.1f MiB (%d%%), %llu readings, %llu events  ",
                  mib, (double)o->size / (1 << 20),
                  (int)(final ? 100 : 100.0 * (double)o->bytes / (double)o->size),
                  (unsigned long long)o->readings, (unsigned long long)o->events);
  else
    (void)fprintf(stderr, "\rjjair replay: %.1f MiB, %llu readings, %llu events  ", mib,
                  (unsigned long long)o->readings, (unsigned long long)o->events);
  (void)fflush(stderr);
  o->shown = 1;
}

void replay_out_progress(replay_out *o, int64_t bytes, uint64_t readings) {
  o->bytes = bytes;
  o->readings = readings;
  if (!o->progress) return;
  int64_t now = mono_ms();
  if (o->progress < 0 && !o->shown) {
    int large = o->size >= PROGRESS_MIN_BYTES ||
                (o->size < 0 && now - o->start_ms >= PROGRESS_UNKNOWN_AFTER_MS);
    if (!large) return;
  }
  if (o->shown && now - o->last_shown_ms < PROGRESS_EVERY_MS) return;
  o->last_shown_ms = now;
  show(o, 0);
}

void replay_out_progress_done(replay_out *o) {
  if (!o->shown) return;
  show(o, 1);
  (void)fputc('\n', stderr);
  o->shown = 0;
  o->progress = 0;
}

void replay_out_summary(replay_out *o) {
  (void)fflush(stdout); /* the events before the summary */
  uint64_t total = 0;
  for (uint32_t i = 0; i < o->nrules; i++) total += o->rules[i].fired;
  if (!total) {
    (void)fprintf(stderr, "episodes: none (no alert fired)\n");
    return;
  }
  (void)fprintf(stderr, "episodes (fired to resolved), by rule:\n");
  for (uint32_t i = 0; i < o->nrules; i++) {
    const rule_sum *r = &o->rules[i];
    if (!r->fired) continue;
    char first[48], last[48];
    time_text(o, r->first_ms, first, sizeof first);
    time_text(o, r->last_ms, last, sizeof last);
    (void)fprintf(stderr, "  %s: %llu episode%s", r->name, (unsigned long long)r->fired,
                  r->fired == 1 ? "" : "s");
    if (r->fired > r->resolved)
      (void)fprintf(stderr, " (%llu still open at the end)",
                    (unsigned long long)(r->fired - r->resolved));
    if (r->longest_ms >= 0) {
      char d[JJ_DURATION_FORMAT_MAX], at[48];
      (void)jj_duration_format(r->longest_ms, d, sizeof d);
      time_text(o, r->longest_start_ms, at, sizeof at);
      (void)fprintf(stderr, "; longest %s, %s from %s", d, r->longest_series, at);
    }
    (void)fprintf(stderr, "; first %s, last %s\n", first, last);
  }
}

void replay_out_free(replay_out *o) {
  if (!o) return;
  free(o->rules);
  free(o);
}
