/* bench_snapshot — time and size of engine snapshots (a benchmark, not a
 * test: it prints figures, it asserts only that restore works).
 *
 * 10,000 series through the shipped rules (rules/korea-air.yaml, cai.yaml,
 * sensor-health.yaml, fire.yaml): city stations (pm25, pm10, o3 with a
 * zone and a station label) and robot sensors (temperature, co, smoke,
 * pm25 with robot and sensor labels), one reading a minute for two hours
 * (windows full, alerts firing). Then, each the median of RUNS:
 *   - snapshot: jj_engine_snapshot into a buffer (size query included);
 *   - restore: jj_engine_restore into a fresh engine (engine creation
 *     included, rules loaded once);
 *   - reload: jj_engine_reload with the same rules (snapshot + restore of
 *     the running engine);
 *   - save: jj_engine_save to a file in /tmp (write, fsync, rename).
 * Usage: bench_snapshot [--quick] [--series N] */
#include <jjair/jjair.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_d);
  return v[n / 2];
}

static jj_ruleset *load_rules(void) {
  static const char *const files[] = {"rules/korea-air.yaml", "rules/cai.yaml",
                                      "rules/sensor-health.yaml", "rules/fire.yaml"};
  jj_ruleset_builder *b = NULL;
  if (jj_ruleset_builder_new(NULL, &b) != JJ_OK) return NULL;
  for (size_t i = 0; i < 4; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", JJ_SOURCE_DIR, files[i]);
    jj_error err[2];
    memset(err, 0, sizeof err);
    if (jj_rules_load_file(b, path, err, 2, NULL) != JJ_OK) {
      fprintf(stderr, "%s: %s\n", path, err[0].message);
      jj_ruleset_builder_free(b);
      return NULL;
    }
  }
  jj_ruleset *rs = NULL;
  (void)jj_ruleset_builder_build(b, &rs, NULL);
  jj_ruleset_builder_free(b);
  return rs;
}

static jj_engine *new_engine(jj_ruleset *rs) {
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.max_series = 200000;
  cfg.event_queue = 16; /* polled after every minute */
  jj_engine *e = NULL;
  if (jj_engine_new(rs, &cfg, NULL, &e) != JJ_OK) return NULL;
  return e;
}

int main(int argc, char **argv) {
  int quick = 0, nseries = 10000;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) quick = 1;
    else if (strcmp(argv[i], "--series") == 0 && i + 1 < argc) nseries = atoi(argv[++i]);
  }
  if (quick) nseries = 500;
  const int runs = quick ? 3 : 11, minutes = quick ? 30 : 120;
  jj_ruleset *rs = load_rules();
  if (!rs) return 1;
  jj_engine *e = new_engine(rs);
  if (!e) return 1;
  /* Series: 3 city metrics per station, 4 robot sensors per robot. */
  static const char *const city[] = {"pm25", "pm10", "o3"};
  static const char *const robot[][2] = {
      {"temperature", "body"}, {"co", "gas"}, {"smoke", "optical"}, {"pm25", "optical"}};
  jj_series_id *ids = malloc((size_t)nseries * sizeof *ids);
  int *kind = malloc((size_t)nseries * sizeof *kind);
  if (!ids || !kind) return 1;
  for (int i = 0; i < nseries; i++) {
    char a[32], b[32];
    jj_label l[2];
    if (i < nseries / 2) {
      snprintf(a, sizeof a, "st%d", i / 3);
      snprintf(b, sizeof b, "zone%d", (i / 3) % 25);
      l[0].name = "station", l[0].value = a, l[1].name = "zone", l[1].value = b;
      kind[i] = i % 3;
      if (jj_engine_series(e, city[i % 3], l, 2, &ids[i]) != JJ_OK) return 1;
    } else {
      int k = (i - nseries / 2) % 4;
      snprintf(a, sizeof a, "r%d", (i - nseries / 2) / 4);
      l[0].name = "robot", l[0].value = a, l[1].name = "sensor", l[1].value = robot[k][1];
      kind[i] = 3 + k;
      if (jj_engine_series(e, robot[k][0], l, 2, &ids[i]) != JJ_OK) return 1;
    }
  }
  const int64_t t0 = 1714500000000;
  uint64_t rng = 0x9e3779b97f4a7c15ULL;
  for (int m = 0; m < minutes; m++) {
    int64_t t = t0 + (int64_t)m * 60000;
    (void)jj_engine_advance(e, t);
    for (int i = 0; i < nseries; i++) {
      rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
      double noise = (double)(rng >> 11) * (1.0 / 9007199254740992.0);
      static const double base[7] = {60, 90, 0.05, 30, 5, 2, 40};
      double v = base[kind[i]] * (1.0 + 0.8 * sin(m / 17.0 + i) + 0.2 * noise);
      (void)jj_engine_push(e, ids[i], t, v);
    }
    while (jj_engine_poll(e)) {
    }
  }
  jj_engine_stats st;
  jj_engine_stats_get(e, &st);
  size_t size = 0;
  (void)jj_engine_snapshot(e, NULL, 0, &size);
  unsigned char *buf = malloc(size);
  double t_snap[32], t_rest[32], t_reload[32], t_save[32];
  size_t n = 0;
  for (int r = 0; r < runs; r++) {
    double a = now_s();
    size_t need;
    (void)jj_engine_snapshot(e, NULL, 0, &need);
    if (jj_engine_snapshot(e, buf, size, &n) != JJ_OK) return 1;
    t_snap[r] = now_s() - a;
    a = now_s();
    jj_engine *f = new_engine(rs);
    if (!f || jj_engine_restore(f, buf, n, NULL, NULL) != JJ_OK) {
      fprintf(stderr, "restore failed\n");
      return 1;
    }
    t_rest[r] = now_s() - a;
    jj_engine_free(f);
    a = now_s();
    if (jj_engine_reload(e, rs, NULL, NULL) != JJ_OK) return 1;
    t_reload[r] = now_s() - a;
    char path[64];
    snprintf(path, sizeof path, "/tmp/bench_snapshot_%ld.bin", (long)getpid());
    a = now_s();
    if (jj_engine_save(e, path, NULL) != JJ_OK) return 1;
    t_save[r] = now_s() - a;
    remove(path);
  }
  printf("bench_snapshot: %d series (%llu live), %d min of readings, engine memory %.1f MB\n",
         nseries, (unsigned long long)st.series, minutes, (double)st.memory / 1e6);
  printf("| what | median of %d |\n|---|---|\n", runs);
  printf("| snapshot size | %.2f MB (%.0f B/series) |\n", (double)n / 1e6, (double)n / nseries);
  printf("| snapshot (to a buffer) | %.1f ms |\n", median(t_snap, runs) * 1e3);
  printf("| restore (new engine) | %.1f ms |\n", median(t_rest, runs) * 1e3);
  printf("| reload (same rules) | %.1f ms |\n", median(t_reload, runs) * 1e3);
  printf("| save (file, fsync, rename) | %.1f ms |\n", median(t_save, runs) * 1e3);
  free(buf);
  free(ids);
  free(kind);
  jj_engine_free(e);
  jj_ruleset_free(rs);
  return 0;
}
