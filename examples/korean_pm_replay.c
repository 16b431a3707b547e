/* korean_pm_replay — replays five years of Seoul hourly PM2.5/PM10 through
 * the Korean fine-dust advisory/warning rules (built with the C API) and
 * prints every alert event and a count of episodes.
 *
 * Usage: korean_pm_replay [seoul_hourly.csv] [--quiet]
 *
 * The rules follow 대기환경보전법 시행규칙 별표 7 (sources: rules/README.md):
 *   PM2.5 주의보 (advisory): hourly mean >= 75 for 2 consecutive hours; released < 35
 *   PM2.5 경보 (warning):   hourly mean >= 150 for 2 consecutive hours; < 75 -> advisory
 *   PM10  주의보: >= 150 for 2 h, released < 100;  PM10 경보: >= 300 for 2 h, < 150 -> advisory
 * The data is already a city-wide hourly mean, so each hour holds one reading. */
#include <jjair/jjair.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KST_OFFSET_MS (9LL * 3600 * 1000)
#define HOUR_MS (3600LL * 1000)

typedef struct replay {
  int quiet;
  unsigned long episodes[2]; /* FIRED events per rule */
  unsigned long events;
  unsigned long warnings[2]; /* episodes that reached 경보 */
} replay;

/* A decimal number at *s ending at `sep` ('\0': the end of s); *s moves
 * past the separator. strtol, unlike sscanf, reports out-of-range values. */
static int number(const char **s, char sep, int *out) {
  char *end;
  errno = 0;
  long v = strtol(*s, &end, 10);
  if (end == *s || errno != 0 || v < INT_MIN || v > INT_MAX || *end != sep) return -1;
  *out = (int)v;
  *s = sep ? end + 1 : end;
  return 0;
}

/* "2018-01-01 01:00" (KST, hour 01..24) -> epoch ms of the hour's END. */
static int parse_kst(const char *s, int64_t *out) {
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  if (number(&s, '-', &tm.tm_year) || number(&s, '-', &tm.tm_mon) || number(&s, ' ', &tm.tm_mday) ||
      number(&s, ':', &tm.tm_hour) || number(&s, '\0', &tm.tm_min))
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  time_t t = timegm(&tm); /* normalises hour 24 to the next day */
  if (t == (time_t)-1) return -1;
  *out = (int64_t)t * 1000 - KST_OFFSET_MS;
  return 0;
}

static void format_kst(int64_t ms, char *buf, size_t n) {
  time_t t = (time_t)((ms + KST_OFFSET_MS) / 1000);
  struct tm tm;
  if (!gmtime_r(&t, &tm) || strftime(buf, n, "%Y-%m-%d %H:%M KST", &tm) == 0)
    (void)snprintf(buf, n, "?");
}

static void on_event(void *ctx, const jj_event *ev) {
  replay *r = ctx;
  r->events++;
  int rule = strcmp(ev->rule, "pm25-korea") == 0 ? 0 : 1;
  if (ev->kind == JJ_EVENT_FIRED) r->episodes[rule]++;
  if ((ev->kind == JJ_EVENT_FIRED || ev->kind == JJ_EVENT_ESCALATED) && ev->level == 2)
    r->warnings[rule]++;
  if (r->quiet) return;
  char when[32], from[32], to[32];
  format_kst(ev->time_ms, when, sizeof when);
  format_kst(ev->window_start_ms, from, sizeof from);
  format_kst(ev->window_end_ms, to, sizeof to);
  printf("%s  %-10s %-11s %-9s hourly mean %6.1f  (hour %s .. %.5s)\n", when, ev->rule,
         jj_event_kind_name(ev->kind), ev->level_name, ev->value, from, to + 11);
}

/* One rule: TUMBLING clock hours, mean, two levels as in the law. */
static int add_rule(jj_ruleset_builder *b, const char *name, const char *metric, double adv_issue,
                    double adv_clear, double warn_issue, double warn_clear) {
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = name;
  rc.metric = metric;
  rc.window.kind = JJ_WINDOW_TUMBLING;
  rc.window.span_ms = HOUR_MS;
  rc.window.duplicates = JJ_DUP_REPLACE; /* a re-sent hour replaces itself */
  rc.aggregate = JJ_AGG_MEAN;
  uint32_t idx;
  jj_error err;
  if (jj_ruleset_builder_add_rule(b, &rc, &idx, &err) != JJ_OK) goto fail;
  jj_level_config lc;
  jj_level_config_init(&lc);
  lc.name = "advisory";
  lc.severity = "주의보";
  lc.issue_op = JJ_CMP_GE;
  lc.issue_value = adv_issue;
  lc.clear_op = JJ_CMP_LT;
  lc.clear_value = adv_clear;
  lc.for_count = 2;
  if (jj_ruleset_builder_add_level(b, idx, &lc, &err) != JJ_OK) goto fail;
  lc.name = "warning";
  lc.severity = "경보";
  lc.issue_value = warn_issue;
  lc.clear_value = warn_clear;
  if (jj_ruleset_builder_add_level(b, idx, &lc, &err) != JJ_OK) goto fail;
  return 0;
fail:
  (void)fprintf(stderr, "rule error: %s\n", err.message);
  return -1;
}

int main(int argc, char **argv) {
  const char *path = "examples/data/seoul_hourly_cityavg_2018_2022.csv";
  replay r;
  memset(&r, 0, sizeof r);
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quiet") == 0)
      r.quiet = 1;
    else
      path = argv[i];
  }
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    return 1;
  }

  jj_ruleset_builder *b = NULL;
  jj_ruleset *rs = NULL;
  jj_engine *e = NULL;
  jj_error err;
  if (jj_ruleset_builder_new(NULL, &b) != JJ_OK ||
      add_rule(b, "pm25-korea", "pm25", 75, 35, 150, 75) ||
      add_rule(b, "pm10-korea", "pm10", 150, 100, 300, 150) ||
      jj_ruleset_builder_build(b, &rs, &err) != JJ_OK) {
    (void)fprintf(stderr, "could not build the rules\n");
    jj_ruleset_builder_free(b);
    (void)fclose(f);
    return 1;
  }
  jj_ruleset_builder_free(b);
  jj_engine_config ec;
  jj_engine_config_init(&ec);
  ec.on_event = on_event;
  ec.on_event_ctx = &r;
  jj_status est = jj_engine_new(rs, &ec, NULL, &e);
  jj_ruleset_free(rs); /* the engine keeps its own reference */
  if (est != JJ_OK) {
    (void)fclose(f);
    return 1;
  }

  jj_label zone = {"zone", "seoul"};
  jj_series_id pm25, pm10;
  jj_status sst = jj_engine_series(e, "pm25", &zone, 1, &pm25);
  if (sst == JJ_OK) sst = jj_engine_series(e, "pm10", &zone, 1, &pm10);
  if (sst != JJ_OK) {
    (void)fprintf(stderr, "series: %s\n", jj_strerror(sst));
    (void)fclose(f);
    jj_engine_free(e);
    return 1;
  }

  char line[512];
  unsigned long rows = 0, bad_rows = 0, missing = 0, rejected = 0;
  int64_t last_end = 0;
  if (!fgets(line, sizeof line, f)) { /* the header */
    (void)fprintf(stderr, "%s: empty file\n", path);
    (void)fclose(f);
    jj_engine_free(e);
    return 1;
  }
  while (fgets(line, sizeof line, f)) {
    char *fields[8] = {0};
    int nf = 0;
    for (char *p = line, *tok; nf < 8 && (tok = strsep(&p, ",\r\n"));) fields[nf++] = tok;
    int64_t end;
    if (nf < 4 || parse_kst(fields[1], &end) != 0) {
      bad_rows++;
      continue;
    }
    rows++;
    last_end = end;
    /* Each reading is the mean of [end - 1 h, end): stamp it with the
     * hour's start so it lands in that clock hour's window. */
    int64_t ts = end - HOUR_MS;
    for (int k = 0; k < 2; k++) {
      char *cell = fields[2 + k], *endp;
      double v = strtod(cell, &endp);
      if (endp == cell) {
        missing++;
        continue;
      }
      jj_status st = jj_engine_push(e, k == 0 ? pm25 : pm10, ts, v);
      if (st != JJ_OK) rejected++;
    }
  }
  int read_error = ferror(f);
  (void)fclose(f);                          /* read only */
  jj_engine_advance(e, last_end + HOUR_MS); /* close the last hour */

  jj_engine_stats st;
  jj_engine_stats_get(e, &st);
  printf("\nrows %lu (unparsable %lu), readings accepted %" PRIu64 ", missing cells %lu, "
         "rejected %lu (late %" PRIu64 ")\n",
         rows, bad_rows, st.accepted, missing, rejected, st.rejected_late);
  printf("PM2.5 episodes: %lu (%lu reached warning)\n", r.episodes[0], r.warnings[0]);
  printf("PM10  episodes: %lu (%lu reached warning)\n", r.episodes[1], r.warnings[1]);
  printf("events: %lu, engine memory: %" PRIu64 " bytes\n", r.events, st.memory);
  jj_engine_free(e);
  if (read_error) {
    (void)fprintf(stderr, "%s: read error\n", path);
    return 1;
  }
  /* printf's results are not checked one by one: a write error stays set on stdout. */
  if (fflush(stdout) != 0 || ferror(stdout)) {
    (void)fputs("error writing the output\n", stderr);
    return 1;
  }
  return 0;
}
