/* bench_engine — throughput, latency and memory of the rule engine (a
 * benchmark, not a test: it prints figures, it asserts nothing).
 *
 *  A: 10,000 series, one "60 s mean >= 75" rule, pushes via series handles
 *  B: the same series, 20 rules matching every series (one shared window)
 *  C: one rule, resolving metric + labels on every sample
 *  D: latency from jj_engine_push to the event callback (p50/p99/max)
 *  E: bytes per series
 *  F: 10,000 series, 20 rules with 20 DIFFERENT windows (20 windows a
 *     series): throughput and bytes per series
 *  G: case A with 100,000 series (the memory-bound case)
 * A and G also push in a shuffled series order (single pushes in id order
 * prefetch the next series; shuffled ones cannot).
 *
 * Every run first prints the floor: a bare loop over (int64 ts, double
 * value) pairs that sums and compares, in ns per sample, measured in the
 * same run, so the figures read as ratios to it on any machine. Runs of
 * the memory-bound cases (F, G) also print the memory floor: how many
 * scattered cache lines a second this machine reads and writes back, so a
 * push touching L lines out of cache reads against floor / L
 * (bench_lines.sh counts L).
 *
 * Usage: bench_engine [--quick] [--case LETTERS] [--series N]
 *   --case B: that case alone; --series N: N series instead of 10,000 in
 *   A, B and F (e.g. 1,000 with full windows for a run under callgrind:
 *   the filling rounds are fill_handles', the measured ones run_handles'
 *   and run_batch's, so the steady state reads apart from the warm-up). */
#include <jjair/jjair.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NSERIES_MAX 100000
#define NZONES 20

static int NSERIES = 10000; /* series of the running case (G: 100,000) */

static int quick;

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

/* PM2.5-like values below the threshold, so throughput is measured
 * without event delivery (D measures events). */
static double *make_values(size_t n) {
  double *v = malloc(n * sizeof *v);
  if (!v) exit(1);
  for (size_t i = 0; i < n; i++) v[i] = 5.0 + (double)(rng() % 6000) / 100.0;
  return v;
}

static void die(const char *what, jj_status st) {
  fprintf(stderr, "%s: %s\n", what, jj_strerror(st));
  exit(1);
}

/* nrules rules; `distinct`: each with its own window span (so no two
 * share a window), else all over the same 60 s window. */
static jj_ruleset *make_rules_x(int nrules, int distinct) {
  static const jj_agg aggs[] = {JJ_AGG_MEAN, JJ_AGG_MAX, JJ_AGG_MIN, JJ_AGG_LAST, JJ_AGG_SUM};
  jj_ruleset_builder *b;
  jj_ruleset_builder_new(NULL, &b);
  for (int i = 0; i < nrules; i++) {
    char name[32];
    snprintf(name, sizeof name, "rule%02d", i);
    jj_rule_config rc;
    jj_rule_config_init(&rc);
    rc.name = name;
    rc.metric = "pm25";
    rc.window.kind = JJ_WINDOW_SLIDING_TIME;
    rc.window.span_ms = distinct ? 30000 + 5000 * (int64_t)i : 60000;
    rc.window.aggregates = JJ_AGG_BIT(aggs[i % 5]);
    rc.aggregate = aggs[i % 5];
    uint32_t idx;
    jj_error err;
    jj_status st = jj_ruleset_builder_add_rule(b, &rc, &idx, &err);
    if (st != JJ_OK) die(err.message, st);
    jj_level_config lc;
    jj_level_config_init(&lc);
    lc.name = "high";
    lc.issue_value = (aggs[i % 5] == JJ_AGG_SUM ? 100000.0 : 75.0) + i;
    st = jj_ruleset_builder_add_level(b, idx, &lc, &err);
    if (st != JJ_OK) die(err.message, st);
  }
  jj_ruleset *rs;
  jj_error err;
  jj_status st = jj_ruleset_builder_build(b, &rs, &err);
  if (st != JJ_OK) die(err.message, st);
  jj_ruleset_builder_free(b);
  return rs;
}

static jj_ruleset *make_rules(int nrules) { return make_rules_x(nrules, 0); }

static jj_label labels[NSERIES_MAX][2];
static char names[NSERIES_MAX][2][16];

static void make_labels(void) {
  for (int i = 0; i < NSERIES_MAX; i++) {
    snprintf(names[i][0], 16, "s%06d", i);
    snprintf(names[i][1], 16, "z%02d", i % NZONES);
    labels[i][0].name = "station";
    labels[i][0].value = names[i][0];
    labels[i][1].name = "zone";
    labels[i][1].value = names[i][1];
  }
}

static jj_engine *make_engine(jj_ruleset *rs, jj_series_id *ids, jj_event_fn fn, void *ctx) {
  jj_engine_config ec;
  jj_engine_config_init(&ec);
  ec.max_series = NSERIES_MAX; /* G: 100,000 (the default is 65,536) */
  ec.on_event = fn;
  ec.on_event_ctx = ctx;
  jj_engine *e;
  jj_status st = jj_engine_new(rs, &ec, NULL, &e);
  if (st != JJ_OK) die("engine", st);
  for (int i = 0; i < NSERIES && ids; i++) {
    st = jj_engine_series(e, "pm25", labels[i], 2, &ids[i]);
    if (st != JJ_OK) die("series", st);
  }
  return e;
}

#if defined(__GNUC__)
#define BENCH_NOINLINE __attribute__((noinline))
#define BENCH_PREFETCH(p) __builtin_prefetch((p), 1)
#else
#define BENCH_NOINLINE
#define BENCH_PREFETCH(p) ((void)(p))
#endif

/* Rounds of one sample per series, one second apart: as the rounds that
 * fill the windows, under this name, so that a profile tells the warm-up
 * from the measured rounds (run_handles). */
static BENCH_NOINLINE void fill_handles(jj_engine *e, const jj_series_id *ids, const double *vals,
                                        int rounds, int64_t *t) {
  size_t k = 0;
  for (int r = 0; r < rounds; r++, *t += 1000)
    for (int i = 0; i < NSERIES; i++, k++) jj_engine_push(e, ids[i], *t, vals[k & 0xfffff]);
}

/* The same rounds, measured: their seconds. */
static BENCH_NOINLINE double run_handles(jj_engine *e, const jj_series_id *ids,
                                         const double *vals, int rounds, int64_t *t) {
  double start = now_s();
  fill_handles(e, ids, vals, rounds, t);
  return now_s() - start;
}

/* The same rounds through jj_engine_push_batch, one call per round. A
 * record's flags must be 0: malloc's leftovers in them were once refused
 * as JJ_EINVAL, unnoticed until require_all_taken. */
static double run_batch(jj_engine *e, const jj_series_id *ids, const double *vals, int rounds,
                        int64_t *t, jj_sample *buf) {
  double start = now_s();
  size_t k = 0;
  for (int r = 0; r < rounds; r++, *t += 1000) {
    for (int i = 0; i < NSERIES; i++, k++) {
      buf[i].series = ids[i];
      buf[i].flags = 0;
      buf[i].ts_ms = *t;
      buf[i].value = vals[k & 0xfffff];
    }
    jj_engine_push_batch(e, buf, NSERIES, NULL);
  }
  return now_s() - start;
}

/* A refused sample costs next to nothing and would flatter a figure: a
 * case whose pushes were not all taken ends the run. */
static void require_all_taken(const jj_engine *e, const char *label) {
  jj_engine_stats st;
  jj_engine_stats_get(e, &st);
  uint64_t refused = st.rejected_invalid + st.rejected_late + st.rejected_future +
                     st.rejected_limit + st.rejected_window + st.rejected_quality;
  if (refused) {
    fprintf(stderr, "%s: %llu samples refused\n", label, (unsigned long long)refused);
    exit(1);
  }
}

#define REPS 5

static int cmp_secs(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Throughput over REPS repetitions: the best, the median and the worst,
 * in M samples/s (this VM's neighbours move single runs by up to 2x). */
static void report(const char *what, double n, double *secs) {
  qsort(secs, REPS, sizeof *secs, cmp_secs);
  printf("%-40s %7.2f M samples/s  (%6.1f ns/sample; median %6.2f, worst %6.2f M/s)\n", what,
         n / secs[0] / 1e6, secs[0] / n * 1e9, n / secs[REPS / 2] / 1e6, n / secs[REPS - 1] / 1e6);
}

/* `label` names the case: "A" (1 rule), "B" (20 rules, one window), "F"
 * (20 rules, 20 windows), "G" (1 rule, 100k series). */
static void bench_throughput(int nrules, int distinct, const char *label, const double *vals) {
  jj_ruleset *rs = make_rules_x(nrules, distinct);
  jj_series_id *ids = malloc(NSERIES * sizeof *ids);
  jj_engine *e = make_engine(rs, ids, NULL, NULL);
  int64_t t = 1700000000000LL;
  /* fill the windows (--quick, F: part of them, to stay a smoke run) */
  fill_handles(e, ids, vals, distinct ? (quick ? 10 : 130) : 70, &t);
  jj_engine_stats full;
  jj_engine_stats_get(e, &full);
  int rounds = quick ? 30 : (nrules > 1 ? 100 : 400);
  if (distinct) rounds = quick ? 2 : 10; /* 20 windows a sample: slow, and memory-bound */
  if (NSERIES > 10000) rounds = rounds * 10000 / NSERIES;
  if (rounds < 3) rounds = 3;
  double secs[REPS];
  for (int rep = 0; rep < REPS; rep++) secs[rep] = run_handles(e, ids, vals, rounds, &t);
  double n = (double)rounds * NSERIES;
  require_all_taken(e, label);
  jj_engine_stats st;
  jj_engine_stats_get(e, &st);
  char what[80];
  char nser[16]; /* "10k", or "500" (--series) */
  if (NSERIES % 1000 == 0)
    snprintf(nser, sizeof nser, "%dk", NSERIES / 1000);
  else
    snprintf(nser, sizeof nser, "%d", NSERIES);
  snprintf(what, sizeof what, "%s: %s series, %d rule%s%s, jj_engine_push", label, nser, nrules,
           nrules > 1 ? "s" : "", distinct ? " (20 windows)" : "");
  report(what, n, secs);
  if (nrules == 1) {
    /* The same pushes with the series in a shuffled order (the same one
     * every round): single pushes in id order have their lines asked for
     * ahead, this order does not (jj_engine_push's look-ahead). */
    jj_series_id *shuffled = malloc(NSERIES * sizeof *shuffled);
    memcpy(shuffled, ids, NSERIES * sizeof *shuffled);
    for (int i = NSERIES - 1; i > 0; i--) {
      int k = (int)(rng() % (uint64_t)(i + 1));
      jj_series_id x = shuffled[i];
      shuffled[i] = shuffled[k];
      shuffled[k] = x;
    }
    for (int rep = 0; rep < REPS; rep++) secs[rep] = run_handles(e, shuffled, vals, rounds, &t);
    snprintf(what, sizeof what, "%s: %s series, 1 rule, shuffled push", label, nser);
    report(what, n, secs);
    free(shuffled);
  }
  jj_sample *buf = malloc(NSERIES * sizeof *buf);
  for (int rep = 0; rep < REPS; rep++) secs[rep] = run_batch(e, ids, vals, rounds, &t, buf);
  snprintf(what, sizeof what, "%s: %s series, %d rule%s%s, push_batch", label, nser, nrules,
           nrules > 1 ? "s" : "", distinct ? " (20 windows)" : "");
  report(what, n, secs);
  printf("   %s: %.0f bytes/series with full windows (engine memory / series)\n", label,
         (double)(full.memory) / NSERIES);
  if (st.events)
    printf("   (%llu events: the values should stay quiet)\n", (unsigned long long)st.events);
  require_all_taken(e, label);
  free(buf);
  jj_engine_free(e);
  jj_ruleset_free(rs);
  free(ids);
}

static void bench_labeled(const double *vals) {
  jj_ruleset *rs = make_rules(1);
  jj_series_id *ids = malloc(NSERIES * sizeof *ids);
  jj_engine *e = make_engine(rs, ids, NULL, NULL);
  int64_t t = 1700000000000LL;
  run_handles(e, ids, vals, 70, &t);
  int rounds = quick ? 10 : 100;
  double secs[REPS];
  for (int rep = 0; rep < REPS; rep++) {
    double start = now_s();
    size_t k = 0;
    for (int r = 0; r < rounds; r++, t += 1000)
      for (int i = 0; i < NSERIES; i++, k++)
        jj_engine_push_labeled(e, "pm25", labels[i], 2, t, vals[k & 0xfffff]);
    secs[rep] = now_s() - start;
  }
  require_all_taken(e, "C");
  report("C: 10k series, 1 rule, metric+labels", (double)rounds * NSERIES, secs);
  jj_engine_free(e);
  jj_ruleset_free(rs);
  free(ids);
}

/* ---- D: latency from push to callback ------------------------------------- */

static struct timespec push_start;
static double *lat_ns;
static size_t nlat, cap_lat;

static void on_event(void *ctx, const jj_event *ev) {
  (void)ctx;
  (void)ev;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (nlat < cap_lat)
    lat_ns[nlat++] =
        (double)(now.tv_sec - push_start.tv_sec) * 1e9 + (double)(now.tv_nsec - push_start.tv_nsec);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void bench_latency(void) {
  jj_ruleset *rs = make_rules(1);
  jj_series_id *ids = malloc(NSERIES * sizeof *ids);
  jj_engine *e = make_engine(rs, ids, on_event, NULL);
  cap_lat = quick ? 20000 : 200000;
  lat_ns = malloc(cap_lat * sizeof *lat_ns);
  int64_t t = 1700000000000LL;
  /* Alternate each series between a clean minute and a polluted minute so
   * the 60 s mean crosses 75 both ways; time every push, keep the ones
   * that produced an event. */
  double v = 10.0;
  while (nlat < cap_lat) {
    for (int i = 0; i < NSERIES && nlat < cap_lat; i++) {
      clock_gettime(CLOCK_MONOTONIC, &push_start);
      jj_engine_push(e, ids[i], t, v);
    }
    t += 1000;
    if ((t / 1000) % 60 == 0) v = v < 50 ? 200.0 : 10.0;
  }
  qsort(lat_ns, nlat, sizeof *lat_ns, cmp_double);
  printf("D: push -> callback latency over %zu events: p50 %.0f ns, p99 %.0f ns, max %.0f ns\n",
         nlat, lat_ns[nlat / 2], lat_ns[(size_t)(nlat * 0.99)], lat_ns[nlat - 1]);
  printf("   (includes one clock_gettime, ~20 ns)\n");
  free(lat_ns);
  jj_engine_free(e);
  jj_ruleset_free(rs);
  free(ids);
}

/* ---- E: memory per series --------------------------------------------------- */

static void bench_memory(void) {
  for (int nrules = 1; nrules <= 20; nrules += 19) {
    jj_ruleset *rs = make_rules(nrules);
    jj_engine *e = make_engine(rs, NULL, NULL, NULL);
    jj_engine_stats before, created, warm;
    jj_engine_stats_get(e, &before);
    jj_series_id *ids = malloc(NSERIES * sizeof *ids);
    for (int i = 0; i < NSERIES; i++) jj_engine_series(e, "pm25", labels[i], 2, &ids[i]);
    jj_engine_stats_get(e, &created);
    double *vals = make_values(1 << 20);
    int64_t t = 1700000000000LL;
    run_handles(e, ids, vals, 70, &t);
    jj_engine_stats_get(e, &warm);
    /* Sample storage of a fresh window: 16 slots x 16 bytes, +16 with
     * min/max. Rules with equal windows share one window per series: here
     * one window, with min/max once there are 20 rules. */
    double ring0 = nrules > 1 ? 16 * 32 : 16 * 16;
    double per = (double)(created.memory - before.memory) / NSERIES;
    double full = (double)(warm.memory - before.memory) / NSERIES;
    printf(
        "E: %2d rule(s): %.0f bytes/series at creation (%.0f without the initial sample "
        "rings); %.0f bytes/series with full 60 s windows (%.0f besides their 60 samples "
        "of 16 B)\n",
        nrules, per, per - ring0, full, full - 60 * 16);
    free(vals);
    free(ids);
    jj_engine_free(e);
    jj_ruleset_free(rs);
  }
}

/* ---- the floor: what reading a sample costs at all ------------------------- */

typedef struct pair {
  int64_t ts;
  double v;
} pair;

static volatile double g_sink;

/* ns per sample of a bare loop over (ts, value) pairs that sums and
 * compares: the least any push could cost. Best of 5 passes over 1 M
 * pairs (8 MB: out of cache, like the engine's samples). */
static double floor_ns(void) {
  const size_t n = 1u << 20;
  pair *p = malloc(n * sizeof *p);
  if (!p) exit(1);
  for (size_t i = 0; i < n; i++) {
    p[i].ts = 1700000000000LL + (int64_t)i * 1000;
    p[i].v = 5.0 + (double)(rng() % 6000) / 100.0;
  }
  double best = 1e9;
  for (int rep = 0; rep < 5; rep++) {
    double start = now_s(), sum = 0.0;
    int64_t last = 0;
    size_t above = 0;
    for (size_t i = 0; i < n; i++) {
      sum += p[i].v;
      above += p[i].v >= 75.0;
      if (p[i].ts > last) last = p[i].ts;
    }
    double ns = (now_s() - start) / (double)n * 1e9;
    g_sink = sum + (double)above + (double)last;
    if (ns < best) best = ns;
  }
  free(p);
  return best;
}

/* The memory floor: 64-byte lines read, changed and written back in a
 * shuffled order over 128 MiB (far beyond any cache), each asked for 16
 * lines ahead as the engine asks for a series' lines: millions of lines a
 * second, best of 3 passes. A push that touches L lines of series out of
 * cache can go no faster than this / L (cases F and G, and the lines a
 * push counted by bench_lines.sh). */
static double memory_floor_mlines(void) {
  const size_t bytes = (size_t)128 << 20, lines = bytes / 64, ahead = 16;
  uint64_t *mem = malloc(bytes);
  uint32_t *order = malloc(lines * sizeof *order);
  if (!mem || !order) exit(1);
  for (size_t i = 0; i < bytes / 8; i++) mem[i] = i;
  for (size_t i = 0; i < lines; i++) order[i] = (uint32_t)i;
  for (size_t i = lines - 1; i > 0; i--) {
    size_t k = (size_t)(rng() % (i + 1));
    uint32_t x = order[i];
    order[i] = order[k];
    order[k] = x;
  }
  double best = 1e9;
  for (int rep = 0; rep < 3; rep++) {
    double start = now_s();
    for (size_t i = 0; i < lines; i++) {
      BENCH_PREFETCH(&mem[(size_t)order[(i + ahead) % lines] * 8]);
      mem[(size_t)order[i] * 8] += 1;
    }
    double secs = now_s() - start;
    if (secs < best) best = secs;
  }
  g_sink = (double)mem[(size_t)order[0] * 8];
  free(order);
  free(mem);
  return (double)lines / best / 1e6;
}

int main(int argc, char **argv) {
  const char *only = NULL; /* --case X: run case X alone (A..E), for paired comparisons */
  int series = 0;          /* --series N: A, B and F's series (0: 10,000) */
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) quick = 1;
    if (strcmp(argv[i], "--case") == 0 && i + 1 < argc) only = argv[++i];
    if (strcmp(argv[i], "--series") == 0 && i + 1 < argc) series = atoi(argv[++i]);
  }
  make_labels();
  double *vals = make_values(1 << 20);
  printf("libjjair %s engine benchmark%s\n", jj_version(), quick ? " (quick)" : "");
  printf("floor: %.2f ns/sample (a bare loop over (ts, value) pairs, this run)\n", floor_ns());
  if (series < 0 || series > NSERIES_MAX) {
    fprintf(stderr, "--series: 1 .. %d\n", NSERIES_MAX);
    return 2;
  }
  if (series) NSERIES = series;
  /* The memory-bound cases: what the memory itself allows, this run. */
  if (!only ? !quick : (strchr(only, 'F') || strchr(only, 'G')))
    printf(
        "memory floor: %.0f M lines/s (64-byte read-modify-writes in a shuffled order over "
        "128 MiB, 16 asked for ahead; this run)\n",
        memory_floor_mlines());
  if (!only || strchr(only, 'A')) bench_throughput(1, 0, "A", vals);
  if (!only || strchr(only, 'B')) bench_throughput(20, 0, "B", vals);
  if (!only || strchr(only, 'F')) bench_throughput(20, 1, "F", vals);
  NSERIES = 10000; /* (--series: A, B and F only) */
  if (!only || strchr(only, 'C')) bench_labeled(vals);
  if (!only || strchr(only, 'D')) bench_latency();
  if (!only || strchr(only, 'E')) bench_memory();
  if ((!only && !quick) || (only && strchr(only, 'G'))) {
    NSERIES = NSERIES_MAX; /* G: the memory-bound case (not in --quick runs: 100k series) */
    bench_throughput(1, 0, "G", vals);
    NSERIES = 10000;
  }
  free(vals);
  return 0;
}
