/* notify_drive — a test driver for the notifier layer: an engine with a
 * rule file and a dispatcher with a notifier file, driven by a script on
 * standard input, so the Python tests (recording server, Alertmanager,
 * kill -9) control real deliveries. One command per line:
 *
 *   push METRIC k=v,k=v TS_MS VALUE   a reading
 *   advance TS_MS                     engine time
 *   seoul CSV                         the bundled Seoul hourly data as
 *                                     pm25/pm10/o3{zone="서울"} readings
 *   test NOTIFIER TEXT...             jj_dispatcher_send_test
 *   poll MS | start | stop            delivery by hand / on the own thread
 *   drain MS                          prints "drain ok" or "drain pending"
 *   stats NOTIFIER                    prints the counters
 *   active                            prints "active N" (engine alerts)
 *   sleep MS
 *
 * Options: --outbox PATH, --sync each|batch|none, --retry-initial MS,
 * --retry-max MS, --timeout MS, --queue N. Exit status 0 when every command
 * worked. */
#define _DEFAULT_SOURCE /* timegm, strtok_r */
#include <jjair/jjair.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static jj_engine *engine;
static jj_dispatcher *disp;
static unsigned long events;

static void on_event(void *ctx, const jj_event *ev) {
  (void)ctx;
  events++;
  if (jj_dispatcher_enqueue(disp, ev) != JJ_OK) fprintf(stderr, "enqueue refused\n");
}

static int push(const char *metric, char *labels, int64_t ts, double v) {
  jj_label l[16];
  uint32_t n = 0;
  for (char *save = NULL, *kv = strtok_r(labels, ",", &save); kv && n < 16;
       kv = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(kv, '=');
    if (!eq) return -1;
    *eq = '\0';
    l[n].name = kv;
    l[n].value = eq + 1;
    n++;
  }
  jj_status st = jj_engine_push_labeled(engine, metric, l, n, ts, v);
  return st == JJ_OK || st == JJ_ELATE || st == JJ_EDUPLICATE ? 0 : -1;
}

static int64_t kst_ms(const char *s) {
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  if (sscanf(s, "%d-%d-%d %d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
             &tm.tm_min) != 5)
    return INT64_MIN;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  int hour = tm.tm_hour;
  tm.tm_hour = 0;
  time_t t = timegm(&tm);
  /* the hour ending at "HH:00" KST: its readings are stamped just before */
  return ((int64_t)t + hour * 3600LL - 9 * 3600LL) * 1000 - 1;
}

static int seoul(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[512];
  if (!fgets(line, sizeof line, f)) {
    fclose(f);
    return -1;
  }
  int64_t last = 0;
  while (fgets(line, sizeof line, f)) {
    char *c[9] = {0};
    int nc = 0;
    for (char *save = NULL, *p = strtok_r(line, ",\n", &save); p && nc < 9;
         p = strtok_r(NULL, ",\n", &save))
      c[nc++] = p;
    if (nc < 6) continue;
    int64_t ts = kst_ms(c[1]);
    if (ts == INT64_MIN) continue;
    jj_label zone = {"zone", "서울"};
    const char *metrics[3] = {"pm25", "pm10", "o3"};
    for (int m = 0; m < 3; m++) {
      char *end;
      double v = strtod(c[2 + m], &end);
      if (end != c[2 + m] && isfinite(v))
        (void)jj_engine_push_labeled(engine, metrics[m], &zone, 1, ts, v);
    }
    last = ts;
  }
  fclose(f);
  return jj_engine_advance(engine, last + 3600000) == JJ_OK ? 0 : -1;
}

static int count_alert(void *ctx, const jj_event *ev) {
  (void)ev;
  (*(unsigned long *)ctx)++;
  return 0;
}

int main(int argc, char **argv) {
  jj_dispatcher_config dc;
  jj_dispatcher_config_init(&dc);
  int i = 1;
  for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
    if (strcmp(argv[i], "--outbox") == 0) dc.outbox_path = argv[i + 1];
    else if (strcmp(argv[i], "--sync") == 0)
      dc.outbox_sync = strcmp(argv[i + 1], "each") == 0   ? JJ_OUTBOX_SYNC_EACH
                       : strcmp(argv[i + 1], "none") == 0 ? JJ_OUTBOX_SYNC_NONE
                                                          : JJ_OUTBOX_SYNC_BATCH;
    else if (strcmp(argv[i], "--retry-initial") == 0) dc.retry_initial_ms = atoll(argv[i + 1]);
    else if (strcmp(argv[i], "--retry-max") == 0) dc.retry_max_ms = atoll(argv[i + 1]);
    else if (strcmp(argv[i], "--timeout") == 0) dc.http_timeout_ms = atoll(argv[i + 1]);
    else if (strcmp(argv[i], "--queue") == 0) dc.queue_capacity = (uint32_t)atol(argv[i + 1]);
    else {
      fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (argc - i != 2) {
    fprintf(stderr, "usage: notify_drive [options] RULES.yaml NOTIFIERS.yaml < script\n");
    return 2;
  }
  jj_error errs[8];
  size_t nerrs = 0;
  jj_ruleset_builder *b = NULL;
  jj_ruleset *rs = NULL;
  jj_error err;
  if (jj_ruleset_builder_new(NULL, &b) || jj_rules_load_file(b, argv[i], errs, 8, &nerrs) ||
      jj_ruleset_builder_build(b, &rs, &err)) {
    fprintf(stderr, "rules: %s\n", nerrs ? errs[0].message : err.message);
    return 1;
  }
  jj_ruleset_builder_free(b);
  if (jj_dispatcher_new(&dc, &disp, &err)) {
    fprintf(stderr, "dispatcher: %s\n", err.message);
    return 1;
  }
  if (jj_dispatcher_load_file(disp, argv[i + 1], errs, 8, &nerrs)) {
    for (size_t k = 0; k < nerrs && k < 8; k++)
      fprintf(stderr, "%s:%d:%d: %s\n", errs[k].file, errs[k].line, errs[k].column,
              errs[k].message);
    return 1;
  }
  printf("outbox_damage %" PRIu64 "\n", jj_dispatcher_outbox_damage(disp));
  fflush(stdout);
  jj_engine_config ec;
  jj_engine_config_init(&ec);
  ec.on_event = on_event;
  ec.flags = JJ_ENGINE_NO_QUEUE;
  ec.max_future_ms = -1;
  if (jj_engine_new(rs, &ec, NULL, &engine)) return 1;
  jj_ruleset_free(rs);
  int rc = 0;
  char line[4096];
  while (fgets(line, sizeof line, stdin)) {
    char cmd[32] = "", a[1024] = "", bb[1024] = "";
    long long x = 0;
    double v = 0;
    line[strcspn(line, "\n")] = '\0';
    if (sscanf(line, "%31s", cmd) != 1) continue;
    int bad = 0;
    if (strcmp(cmd, "push") == 0) {
      bad = sscanf(line, "push %1023s %1023s %lld %lf", a, bb, &x, &v) != 4 || push(a, bb, x, v);
    } else if (strcmp(cmd, "advance") == 0) {
      bad = sscanf(line, "advance %lld", &x) != 1 || jj_engine_advance(engine, x) != JJ_OK;
    } else if (strcmp(cmd, "seoul") == 0) {
      bad = sscanf(line, "seoul %1023s", a) != 1 || seoul(a);
    } else if (strcmp(cmd, "test") == 0) {
      int off = 0;
      bad = sscanf(line, "test %1023s %n", a, &off) != 1 || !off ||
            jj_dispatcher_send_test(disp, a, line + off) != JJ_OK;
    } else if (strcmp(cmd, "poll") == 0) {
      bad = sscanf(line, "poll %lld", &x) != 1 || jj_dispatcher_poll(disp, (int)x) != JJ_OK;
    } else if (strcmp(cmd, "start") == 0) {
      bad = jj_dispatcher_start(disp) != JJ_OK;
    } else if (strcmp(cmd, "stop") == 0) {
      bad = jj_dispatcher_stop(disp) != JJ_OK;
    } else if (strcmp(cmd, "drain") == 0) {
      bad = sscanf(line, "drain %lld", &x) != 1;
      if (!bad) printf("drain %s\n", jj_dispatcher_drain(disp, (int)x) == JJ_OK ? "ok" : "pending");
    } else if (strcmp(cmd, "stats") == 0) {
      jj_notifier_stats st;
      bad = sscanf(line, "stats %1023s", a) != 1 || jj_dispatcher_stats(disp, a, &st) != JJ_OK;
      if (!bad)
        printf("stats %s sent=%" PRIu64 " retried=%" PRIu64 " failed=%" PRIu64
               " dropped=%" PRIu64 " suppressed=%" PRIu64 " depth=%" PRIu64 " error=%s\n",
               a, st.sent, st.retried, st.failed, st.dropped, st.suppressed, st.queue_depth,
               st.last_error);
    } else if (strcmp(cmd, "active") == 0) {
      unsigned long n = 0;
      bad = jj_engine_foreach_alert(engine, count_alert, &n) != JJ_OK;
      printf("active %lu\n", n);
    } else if (strcmp(cmd, "events") == 0) {
      printf("events %lu\n", events);
    } else if (strcmp(cmd, "sleep") == 0) {
      bad = sscanf(line, "sleep %lld", &x) != 1;
      struct timespec ts = {(time_t)(x / 1000), (long)(x % 1000) * 1000000L};
      if (!bad) nanosleep(&ts, NULL);
    } else {
      bad = 1;
    }
    if (bad) {
      fprintf(stderr, "failed: %s\n", line);
      rc = 1;
    }
    fflush(stdout);
  }
  jj_engine_free(engine);
  jj_dispatcher_free(disp);
  return rc;
}
