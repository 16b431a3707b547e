/* bench_soak — the engine under sustained load (a benchmark, not a test:
 * it prints figures; it fails only if events are lost or an unexpected
 * error appears).
 *
 * The shipped rule sets (rules/korea-air.yaml, fire.yaml,
 * sensor-health.yaml) over 100,000 series: air-quality stations (pm25,
 * pm10, o3 by zone and station) and robots (two temperature sensors,
 * smoke, co and pm25 each), one reading per series every 5 s of simulated
 * time, pushed with jj_engine_push_batch as fast as the engine takes them,
 * with pollution episodes, robot fires, out-of-range readings and silent
 * sensors so that every kind of event happens. Events are drained with
 * jj_engine_poll after every batch. Every --every seconds it prints the
 * throughput of the last interval, the resident set size and the engine's
 * memory; at the end the throughput of each minute (wall clock and per
 * CPU second), peak and final RSS, bytes per series, and events
 * produced vs consumed (consumed + superseded must equal produced, and
 * nothing may be dropped), and whether the engine's counters add up
 * (accepted + rejected = pushed). Windows fill during the first simulated
 * hour (the hourly TUMBLING windows); the RSS after that is the plateau
 * the end is compared with. Exit 1 when an event is lost or the counters
 * do not add up.
 *
 * The machine may be shared: each line also gives the samples per second of
 * this process's own CPU time (user + system), which other processes'
 * load does not change the way it changes the wall-clock rate.
 *
 * Usage: bench_soak [--seconds N (600)] [--series N (100000)] [--every S (10)]
 *                   [--rounds N] [--rules DIR]
 * --rounds N stops after N rounds (N readings per series) instead of after
 * --seconds: a fixed amount of work, for instruction counts (callgrind) and
 * paired timings. */
#define _DEFAULT_SOURCE
#include <jjair/jjair.h>
#include <jjair/rule_yaml.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#ifndef JJ_RULES_DIR
#define JJ_RULES_DIR "rules"
#endif

#define INTERVAL_MS 5000 /* simulated time between a series' readings */
#define BATCH 4096

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static double unit(void) { return (double)(rng() >> 11) * (1.0 / 9007199254740992.0); }

static void die(const char *what, jj_status st) {
  fprintf(stderr, "bench_soak: %s: %s\n", what, jj_strerror(st));
  exit(1);
}

static double rss_mb(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, res = 0;
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
    fclose(f);
  }
  return (double)res * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static double peak_rss_mb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_maxrss / 1024.0; /* KiB on Linux */
}

/* What one series is. */
enum kind { PM25, PM10, O3, TEMP_A, TEMP_B, SMOKE, CO, RPM25 };

typedef struct series {
  jj_series_id id;
  uint8_t kind;
  uint32_t group; /* zone or robot */
  double level;
} series;

static jj_ruleset *load_rules(const char *dir) {
  jj_ruleset_builder *b = NULL;
  jj_status st = jj_ruleset_builder_new(NULL, &b);
  if (st != JJ_OK) die("builder", st);
  static const char *const files[] = {"korea-air.yaml", "fire.yaml", "sensor-health.yaml"};
  for (size_t i = 0; i < 3; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    jj_error err[4];
    size_t n = 0;
    st = jj_rules_load_file(b, path, err, 4, &n);
    if (st != JJ_OK) {
      fprintf(stderr, "bench_soak: %s: %s\n", path, n ? err[0].message : jj_strerror(st));
      exit(1);
    }
  }
  jj_ruleset *rs = NULL;
  jj_error err;
  st = jj_ruleset_builder_build(b, &rs, &err);
  if (st != JJ_OK) die(err.message, st);
  jj_ruleset_builder_free(b);
  return rs;
}

/* Stations: 3 series each (pm25, pm10, o3) in 250 zones; robots: 5 each. */
static series *make_series(jj_engine *e, uint32_t n) {
  series *s = calloc(n, sizeof *s);
  if (!s) exit(1);
  uint32_t nstation_series = n * 3 / 5 / 3 * 3;
  static const char *const air[] = {"pm25", "pm10", "o3"};
  char zone[16], station[16], robot[16];
  for (uint32_t i = 0; i < n; i++) {
    jj_label l[2];
    const char *metric;
    if (i < nstation_series) {
      uint32_t st = i / 3;
      s[i].kind = (uint8_t)(i % 3);
      s[i].group = st % 250;
      snprintf(zone, sizeof zone, "z%03u", s[i].group);
      snprintf(station, sizeof station, "st%05u", st);
      l[0] = (jj_label){"station", station};
      l[1] = (jj_label){"zone", zone};
      metric = air[i % 3];
      s[i].level = s[i].kind == O3 ? 0.03 : 30;
    } else {
      uint32_t k = i - nstation_series, r = k / 5;
      static const uint8_t kinds[] = {TEMP_A, TEMP_B, SMOKE, CO, RPM25};
      static const char *const metrics[] = {"temperature", "temperature", "smoke", "co", "pm25"};
      static const char *const sensors[] = {"front", "back", "smoke", "co", "dust"};
      s[i].kind = kinds[k % 5];
      s[i].group = r;
      snprintf(robot, sizeof robot, "r%05u", r);
      l[0] = (jj_label){"robot", robot};
      l[1] = (jj_label){"sensor", sensors[k % 5]};
      metric = metrics[k % 5];
      s[i].level = s[i].kind == SMOKE ? 0.01 : s[i].kind == CO ? 2 : s[i].kind == RPM25 ? 15 : 22;
    }
    jj_status st = jj_engine_series(e, metric, l, 2, &s[i].id);
    if (st != JJ_OK) die("series", st);
  }
  return s;
}

/* The next reading of series i at round `round` (t: simulated ms). NAN =
 * the sensor is silent this round. */
static double reading(series *s, uint64_t round) {
  const uint64_t hour = round * INTERVAL_MS / 3600000;
  double v;
  switch (s->kind) {
    case PM25:
    case PM10:
    case O3: {
      int episode = (hour + s->group) % 24 < 4;
      double target = s->kind == O3 ? (episode ? 0.14 : 0.03) : episode ? 140 : 30;
      double step = s->kind == O3 ? 0.002 : 4;
      s->level += (target - s->level) * 0.02 + (unit() - 0.5) * step;
      if (s->level < 0) s->level = 0;
      v = s->level;
      if (unit() < 0.0005) v = 5000; /* an out-of-range reading */
      if ((s->group * 7 + hour) % 97 == 0) return NAN; /* a zone's sensors go quiet */
      return v;
    }
    case TEMP_A:
    case TEMP_B:
    case SMOKE:
    case CO:
    case RPM25: {
      /* robot r burns for 4 minutes every ~14 simulated hours */
      uint64_t phase = (round + (uint64_t)s->group * 37) % 10000;
      int fire = phase < 48;
      double base = s->kind == SMOKE ? 0.01 : s->kind == CO ? 2 : s->kind == RPM25 ? 15 : 22;
      double hot = s->kind == SMOKE ? 0.9 : s->kind == CO ? 120 : s->kind == RPM25 ? 400 : 22 + phase * 3.0;
      s->level = fire ? hot : base + (unit() - 0.5) * (s->kind == SMOKE ? 0.01 : 1);
      if (s->group % 1000 == 7 && (round / 720) % 3 == 1) return NAN; /* a silent robot */
      return s->level;
    }
    default: return 0;
  }
}

int main(int argc, char **argv) {
  double seconds = 600, every = 10;
  uint32_t nseries = 100000;
  uint64_t rounds = 0; /* 0: run for --seconds */
  const char *rules = JJ_RULES_DIR;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) seconds = atof(argv[++i]);
    else if (strcmp(argv[i], "--series") == 0 && i + 1 < argc) nseries = (uint32_t)atol(argv[++i]);
    else if (strcmp(argv[i], "--every") == 0 && i + 1 < argc) every = atof(argv[++i]);
    else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc) rules = argv[++i];
    else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) rounds = (uint64_t)atoll(argv[++i]);
    else {
      fprintf(stderr, "usage: bench_soak [--seconds N] [--series N] [--every S] [--rounds N] "
                      "[--rules DIR]\n");
      return 2;
    }
  }
  if (nseries < 10 || seconds <= 0) return 2;

  jj_ruleset *rs = load_rules(rules);
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.max_series = nseries + 1024;
  cfg.max_groups = 65536;
  cfg.event_queue = 16384;
  cfg.lateness_ms = 2000;
  jj_engine *e = NULL;
  jj_status st = jj_engine_new(rs, &cfg, NULL, &e);
  if (st != JJ_OK) die("engine", st);
  uint32_t nrules = jj_ruleset_rule_count(rs);
  jj_ruleset_free(rs);
  double rss0 = rss_mb();
  double t_setup = now_s();
  series *s = make_series(e, nseries);
  printf("bench_soak: %u series (%u rules), set up in %.2f s, RSS %.1f MB (%.1f MB before "
         "the series)\n",
         nseries, nrules, now_s() - t_setup, rss_mb(), rss0);
  printf("%8s %12s %12s %12s %10s %10s %12s %10s\n", "time_s", "samples/s", "per_cpu_s",
         "samples", "events", "polled", "engine_MB", "rss_MB");

  jj_sample *batch = malloc(BATCH * sizeof *batch);
  if (!batch) return 1;
  const int64_t t0 = 1700000000000;
  uint64_t round = 0, pushed = 0, polled = 0, refused = 0, last_pushed = 0;
  double rss_warm = -1, t_warm = 0; /* RSS once every window has filled (1 simulated hour) */
  double start = now_s(), last = start, min_rate = INFINITY, max_rate = 0;
  double cpu_start = cpu_s(), cpu_last = cpu_start;
  int nrates = 0;
  uint32_t next = 0; /* series cursor within the round */
  /* Per minute of the run: samples pushed and CPU seconds used by its end. */
  enum { MAX_MINUTES = 1000 };
  static uint64_t minute_pushed[MAX_MINUTES + 1];
  static double minute_cpu[MAX_MINUTES + 1], minute_wall[MAX_MINUTES + 1];
  int minutes = 0;
  for (;;) {
    /* one batch: the next series of this round, readings 5 s apart */
    size_t n = 0;
    while (n < BATCH) {
      series *x = &s[next];
      double v = reading(x, round);
      if (!isnan(v)) {
        batch[n].series = x->id;
        batch[n].flags = 0;
        batch[n].ts_ms = t0 + (int64_t)round * INTERVAL_MS + (int64_t)(next % 1000);
        batch[n].value = v;
        n++;
      }
      if (++next == nseries) {
        next = 0;
        round++;
        break;
      }
    }
    size_t accepted = 0;
    st = jj_engine_push_batch(e, batch, n, &accepted);
    pushed += n;
    if (st != JJ_OK && st != JJ_ERANGE && st != JJ_ESTUCK) die("push_batch", st);
    refused += n - accepted;
    if (next == 0) { /* the round is over: the clock moves to the next one */
      st = jj_engine_advance(e, t0 + (int64_t)round * INTERVAL_MS);
      if (st != JJ_OK) die("advance", st);
    }
    while (jj_engine_poll(e)) polled++;
    double t = now_s();
    if (minutes < MAX_MINUTES && t - start >= 60.0 * (minutes + 1)) {
      minute_pushed[minutes] = pushed;
      minute_cpu[minutes] = cpu_s();
      minute_wall[minutes] = t;
      minutes++;
    }
    int done = rounds ? round >= rounds && next == 0 : t - start >= seconds;
    if (t - last >= every || done) {
      jj_engine_stats es;
      jj_engine_stats_get(e, &es);
      double rate = (double)(pushed - last_pushed) / (t - last);
      double cpu = cpu_s();
      double cpu_rate = (double)(pushed - last_pushed) / (cpu - cpu_last > 1e-9 ? cpu - cpu_last : 1e-9);
      cpu_last = cpu;
      if (t - start > 30 || seconds <= 30 || rounds) { /* after warm-up */
        if (rate < min_rate) min_rate = rate;
        if (rate > max_rate) max_rate = rate;
      }
      nrates++;
      if (rss_warm < 0 && round * INTERVAL_MS >= 3600000) {
        rss_warm = rss_mb();
        t_warm = t - start;
      }
      printf("%8.0f %12.0f %12.0f %12llu %10llu %10llu %12.1f %10.1f\n", t - start, rate, cpu_rate,
             (unsigned long long)pushed, (unsigned long long)es.events,
             (unsigned long long)polled, (double)es.memory / 1048576.0, rss_mb());
      fflush(stdout);
      last = t;
      last_pushed = pushed;
      if (done) break;
    }
  }
  double elapsed = now_s() - start, cpu_total = cpu_s() - cpu_start;
  /* The last, partial minute too (a short run has only that one). */
  if (minutes < MAX_MINUTES && (minutes == 0 || minute_pushed[minutes - 1] != pushed)) {
    minute_pushed[minutes] = pushed;
    minute_cpu[minutes] = cpu_s();
    minute_wall[minutes] = now_s();
    minutes++;
  }
  printf("\n%8s %12s %12s %12s\n", "minute", "samples", "samples/s", "per_cpu_s");
  for (int m = 0; m < minutes; m++) {
    uint64_t n0 = m ? minute_pushed[m - 1] : 0;
    double w0 = m ? minute_wall[m - 1] : start, c0 = m ? minute_cpu[m - 1] : cpu_start;
    double dw = minute_wall[m] - w0, dc = minute_cpu[m] - c0;
    printf("%8d %12llu %12.0f %12.0f%s\n", m + 1, (unsigned long long)(minute_pushed[m] - n0),
           dw > 0 ? (double)(minute_pushed[m] - n0) / dw : 0.0,
           dc > 0 ? (double)(minute_pushed[m] - n0) / dc : 0.0, dw < 59.5 ? " (part)" : "");
  }
  jj_engine_stats es;
  jj_engine_stats_get(e, &es);
  printf("\nbench_soak: %.0f s, %llu samples (%.0f/s mean, %.0f..%.0f/s per interval after "
         "warm-up; %.0f per CPU second, %.0f CPU s), %.1f simulated hours\n",
         elapsed, (unsigned long long)pushed, (double)pushed / elapsed, min_rate, max_rate,
         (double)pushed / cpu_total, cpu_total, (double)round * INTERVAL_MS / 3600000.0);
  printf("  RSS: peak %.1f MB, final %.1f MB; engine memory %.1f MB = %.0f bytes/series\n",
         peak_rss_mb(), rss_mb(), (double)es.memory / 1048576.0,
         (double)es.memory / (double)es.series);
  printf("  events: produced %llu, polled %llu, superseded %llu, dropped %llu; refused "
         "readings (not JJ_OK) %llu (quality %llu, late %llu, window %llu)\n",
         (unsigned long long)es.events, (unsigned long long)polled,
         (unsigned long long)es.events_superseded, (unsigned long long)es.events_dropped,
         (unsigned long long)refused, (unsigned long long)es.rejected_quality,
         (unsigned long long)es.rejected_late, (unsigned long long)es.rejected_window);
  if (rss_warm >= 0)
    printf("  RSS after the first simulated hour (at %.0f s): %.1f MB; at the end %.1f MB (%+.1f %%)\n",
           t_warm, rss_warm, rss_mb(), 100.0 * (rss_mb() - rss_warm) / rss_warm);
  int lost = es.events_dropped != 0 || polled + es.events_superseded != es.events;
  printf("  %s\n", lost ? "EVENTS LOST" : "no event lost (polled + superseded = produced)");
  uint64_t counted = es.accepted + es.rejected_invalid + es.rejected_late + es.rejected_future;
  int inconsistent = counted != pushed;
  printf("  stats: accepted %llu + rejected %llu = %llu, pushed %llu: %s\n",
         (unsigned long long)es.accepted, (unsigned long long)(counted - es.accepted),
         (unsigned long long)counted, (unsigned long long)pushed,
         inconsistent ? "INCONSISTENT" : "consistent");
  jj_engine_free(e);
  free(batch);
  free(s);
  return lost || inconsistent ? 1 : 0;
}
