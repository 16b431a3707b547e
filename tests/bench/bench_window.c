/* bench_window — what one sample costs in a jj_window: jj_window_push alone
 * and followed by jj_window_value (what a caller does after every push), per
 * aggregate and window length, next to a naive ring buffer that recomputes
 * the aggregate from scratch after each push. A program, not a test.
 *
 *   taskset -c 1 bench_window [--quick] [--csv] [--data PATH] [--only CASE]
 *                             [--block-at OFFSET]
 *
 * Per cell: fill the window (untimed), then runs of N pushes on the same
 * window: push only, push + read three times (the best of the three
 * is reported), and the same read through jj_window_push_value (one call
 * instead of two, what a caller checking one aggregate after every sample
 * may use; best of three), and the same reads for a whole run of samples in
 * one call (jj_window_push_values over arrays of timestamps and values
 * filled before the clock starts, BULK_RUN samples a call, every result
 * compared with a threshold: what a replay or a caller with an array
 * does; best of three),
 * each timed as a whole with CLOCK_MONOTONIC (the mean
 * columns), then push + read with every sample
 * timed on its own by the cycle counter (the p99.99 and max columns; x86
 * TSC between lfences, converted to ns by calibrating against
 * CLOCK_MONOTONIC over the whole run; clock_gettime per sample elsewhere).
 * The exit status is 0 whether or not the targets are met; 1 when a push
 * fails or the library disagrees with the naive recomputation. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jjair/alloc.h"
#include "jjair/window.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define BENCH_TSC 1
#else
#define BENCH_TSC 0
#endif

#ifndef JJ_BENCH_BUILD_TYPE
#define JJ_BENCH_BUILD_TYPE "unknown"
#endif
/* Optional outside data (CMake cache JJ_BENCH_DATA or --data): a PRSA csv
 * of the UCI "Beijing Multi-Site Air Quality" data set (dataset 501, CC BY
 * 4.0), not shipped with the repository. Empty: the random walk. */
#ifndef JJ_BENCH_DEFAULT_DATA
#define JJ_BENCH_DEFAULT_DATA ""
#endif

/* ---- parameters -------------------------------------------------------- */

static const uint32_t k_sizes[] = {16u, 256u, 4096u, 65536u, 1048576u};
#define NSIZES (sizeof k_sizes / sizeof k_sizes[0])
#define SIZE_SMALL 16u
#define SIZE_LARGE 1048576u

#define PUSHES_FULL 2097152u       /* timed pushes per run (>= ~2M) */
#define PUSHES_QUICK 65536u        /* --quick: a smoke run, figures not authoritative */
#define WARM_EXTRA 4096u           /* untimed pushes after the window is full */
#define PUSH_READ_REPS 3           /* push + read runs per cell; the best is reported */
#define BULK_RUN 4096u             /* samples per jj_window_push_values call */
#define NAIVE_BUDGET_NS 500000000u /* cap per naive cell: 0.5 s (--quick: 20 ms) */
#define NAIVE_BUDGET_QUICK_NS 20000000u
#define PCT_Q 0.95     /* the percentile aggregate reads p95 */
#define SAMPLE_MS 1000 /* 1 sample per second */

#define OFF_CPU_MARK 0.01 /* mark a run that spent > 1 % of its time off the CPU */
#define SPIKE_NS 10000.0  /* a timed push this slow is counted as a spike */

#define TARGET_FLOOR_X 8.0 /* push + read mean, sum/mean/min/max: at most this x the floor */
#define TARGET_READ_NS 15.0 /* stddev and slope: read cost (push + read minus push) */
#define TARGET_PCT_PUSH_NS 30.0 /* percentile: push cost */
#define TARGET_RATIO 1.3 /* 1M-sample window vs 16-sample window */

#define READ_STATS (-1) /* read with jj_window_stats_get instead of _value */

typedef struct bcase {
  const char *name;
  jj_window_kind kind;
  uint32_t aggs; /* enabled aggregates */
  int read;      /* jj_agg read after each push, or READ_STATS */
} bcase;

#define ONE(kind, name, agg) \
  { name, kind, JJ_AGG_BIT(agg), agg }
static const bcase k_cases[] = {
    ONE(JJ_WINDOW_SLIDING_COUNT, "count", JJ_AGG_COUNT),
    ONE(JJ_WINDOW_SLIDING_COUNT, "sum", JJ_AGG_SUM),
    ONE(JJ_WINDOW_SLIDING_COUNT, "mean", JJ_AGG_MEAN),
    ONE(JJ_WINDOW_SLIDING_COUNT, "min", JJ_AGG_MIN),
    ONE(JJ_WINDOW_SLIDING_COUNT, "max", JJ_AGG_MAX),
    ONE(JJ_WINDOW_SLIDING_COUNT, "first", JJ_AGG_FIRST),
    ONE(JJ_WINDOW_SLIDING_COUNT, "last", JJ_AGG_LAST),
    ONE(JJ_WINDOW_SLIDING_COUNT, "stddev", JJ_AGG_STDDEV),
    ONE(JJ_WINDOW_SLIDING_COUNT, "delta", JJ_AGG_DELTA),
    ONE(JJ_WINDOW_SLIDING_COUNT, "slope", JJ_AGG_SLOPE),
    ONE(JJ_WINDOW_SLIDING_COUNT, "percentile", JJ_AGG_PERCENTILE),
    ONE(JJ_WINDOW_SLIDING_COUNT, "ewma", JJ_AGG_EWMA),
    {"default", JJ_WINDOW_SLIDING_COUNT, JJ_AGG_DEFAULT, READ_STATS},
    ONE(JJ_WINDOW_SLIDING_TIME, "sum", JJ_AGG_SUM),
    ONE(JJ_WINDOW_SLIDING_TIME, "mean", JJ_AGG_MEAN),
    ONE(JJ_WINDOW_SLIDING_TIME, "min", JJ_AGG_MIN),
    ONE(JJ_WINDOW_SLIDING_TIME, "max", JJ_AGG_MAX),
};
#undef ONE
#define NCASES (sizeof k_cases / sizeof k_cases[0])

static const jj_agg k_default_aggs[] = {JJ_AGG_COUNT, JJ_AGG_SUM,   JJ_AGG_MEAN, JJ_AGG_MIN,
                                        JJ_AGG_MAX,   JJ_AGG_FIRST, JJ_AGG_LAST};
#define NDEFAULT (sizeof k_default_aggs / sizeof k_default_aggs[0])

typedef struct opts {
  int quick;
  int csv;
  const char *data_path;
  int data_explicit;
  const char *only; /* run only the cases it names (--only), NULL: all */
} opts;

/* --only: "sum" (both kinds), "time:mean", or several separated by commas
 * ("count:min,time:min"). A short run of the cells one is working on, or a
 * callgrind run of one cell. */
static int case_selected(const opts *o, const bcase *c) {
  if (!o->only) return 1;
  const char *kind = c->kind == JJ_WINDOW_SLIDING_COUNT ? "count" : "time";
  char full[64];
  snprintf(full, sizeof full, "%s:%s", kind, c->name);
  for (const char *p = o->only; *p;) {
    size_t len = strcspn(p, ",");
    if ((strlen(full) == len && strncmp(p, full, len) == 0) ||
        (strlen(c->name) == len && strncmp(p, c->name, len) == 0))
      return 1;
    p += len;
    if (*p == ',') p++;
  }
  return 0;
}

/* ---- clocks ------------------------------------------------------------ */

static uint64_t mono_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Per-sample stamps. The lfences keep the timed work from leaking out of
 * the bracket (rdtsc alone is not ordered with the surrounding code). */
static inline uint64_t tick_begin(void) {
#if BENCH_TSC
  _mm_lfence();
  uint64_t t = __rdtsc();
  _mm_lfence();
  return t;
#else
  return mono_ns();
#endif
}

static inline uint64_t tick_end(void) {
#if BENCH_TSC
  _mm_lfence();
  return __rdtsc();
#else
  return mono_ns();
#endif
}

static uint64_t g_tick0, g_ns0; /* calibration start */

/* CPU time of this thread. Wall time minus CPU time over a run is time the
 * thread was not running: another task held the CPU. */
static uint64_t cpu_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Share of a run's wall time spent off the CPU, 0..1. */
static double off_cpu(uint64_t wall0, uint64_t wall1, uint64_t cpu0, uint64_t cpu1) {
  double wall = (double)(wall1 - wall0), cpu = (double)(cpu1 - cpu0);
  return wall > cpu ? (wall - cpu) / wall : 0.0;
}

/* The smallest cost of an empty bracket, subtracted from every sample. */
static uint64_t timer_overhead_ticks(void) {
  uint64_t best = UINT64_MAX;
  for (int i = 0; i < 200000; i++) {
    uint64_t a = tick_begin();
    uint64_t b = tick_end();
    if (b - a < best) best = b - a;
  }
  return best;
}

/* ---- latency histogram (in ticks) -------------------------------------- */

/* Exact below 4096 ticks, then 64 sub-buckets per power of two (< 1.6 %). */
#define HIST_EXACT 4096u
#define HIST_SUB 64u
#define HIST_EXP_LO 12u
#define HIST_EXP_HI 48u
#define HIST_N (HIST_EXACT + (HIST_EXP_HI - HIST_EXP_LO) * HIST_SUB)

typedef struct hist {
  uint32_t c[HIST_N];
  uint64_t n;
  uint64_t max;
  uint64_t sum;
} hist;

static unsigned hist_index(uint64_t v) {
  if (v < HIST_EXACT) return (unsigned)v;
  unsigned e = HIST_EXP_LO;
  while (e < 63u && (v >> (e + 1u)) != 0) e++;
  if (e >= HIST_EXP_HI) return HIST_N - 1u;
  return HIST_EXACT + (e - HIST_EXP_LO) * HIST_SUB + (unsigned)((v >> (e - 6u)) & (HIST_SUB - 1u));
}

static double hist_bucket_value(unsigned idx) {
  if (idx < HIST_EXACT) return (double)idx;
  unsigned r = idx - HIST_EXACT;
  unsigned e = r / HIST_SUB + HIST_EXP_LO, sub = r % HIST_SUB;
  return ((double)(HIST_SUB + sub) + 0.5) * ldexp(1.0, (int)e - 6);
}

static inline void hist_add(hist *h, uint64_t v) {
  h->c[hist_index(v)]++;
  h->n++;
  h->sum += v;
  if (v > h->max) h->max = v;
}

/* How many samples took at least `ticks`. */
static uint64_t hist_count_above(const hist *h, double ticks) {
  uint64_t n = 0;
  for (unsigned i = 0; i < HIST_N; i++)
    if (h->c[i] && hist_bucket_value(i) >= ticks) n += h->c[i];
  return n;
}

/* Nearest-rank quantile, in ticks. */
static double hist_quantile(const hist *h, double q) {
  if (h->n == 0) return NAN;
  uint64_t rank = (uint64_t)ceil(q * (double)h->n);
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (unsigned i = 0; i < HIST_N; i++) {
    seen += h->c[i];
    if (seen >= rank) {
      double v = hist_bucket_value(i);
      return v < (double)h->max ? v : (double)h->max;
    }
  }
  return (double)h->max;
}

/* ---- data -------------------------------------------------------------- */

typedef struct dataset {
  double *v;
  size_t n;
  char source[600];
} dataset;

/* Split off the next comma-separated field of *p (no embedded commas in
 * this data), without surrounding quotes. */
static char *next_field(char **p) {
  char *s = *p;
  if (!s) return NULL;
  char *comma = strchr(s, ',');
  if (comma) {
    *comma = '\0';
    *p = comma + 1;
  } else {
    *p = NULL;
  }
  size_t len = strcspn(s, "\r\n");
  s[len] = '\0';
  if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
    s[len - 1] = '\0';
    s++;
  }
  return s;
}

/* PM2.5 column of a PRSA csv; "NA" skipped. 0 on success. */
static int load_csv(const char *path, dataset *d) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char *line = NULL;
  size_t cap = 0;
  int col = -1;
  size_t n = 0, dcap = 0, skipped = 0;
  double *v = NULL;
  if (getline(&line, &cap, f) > 0) {
    char *p = line;
    for (int i = 0; p; i++) {
      char *fld = next_field(&p);
      if (fld && strcmp(fld, "PM2.5") == 0) col = i;
    }
  }
  while (col >= 0 && getline(&line, &cap, f) > 0) {
    char *p = line, *fld = NULL;
    for (int i = 0; i <= col && p; i++) fld = next_field(&p);
    if (!fld || strcmp(fld, "NA") == 0 || *fld == '\0') {
      skipped++;
      continue;
    }
    char *end;
    errno = 0;
    double x = strtod(fld, &end);
    if (errno || *end != '\0' || !isfinite(x)) {
      skipped++;
      continue;
    }
    if (n == dcap) {
      dcap = dcap ? dcap * 2 : 65536;
      double *nv = realloc(v, dcap * sizeof *v);
      if (!nv) break;
      v = nv;
    }
    v[n++] = x;
  }
  free(line);
  fclose(f);
  if (n == 0) {
    free(v);
    return -1;
  }
  d->v = v;
  d->n = n;
  snprintf(d->source, sizeof d->source, "PM2.5 column of %s: %zu values (%zu NA/invalid skipped)",
           path, n, skipped);
  return 0;
}

static const char g_data_default[] = JJ_BENCH_DEFAULT_DATA;

/* Deterministic stand-in: a bounded random walk around typical PM2.5. */
static int make_walk(dataset *d) {
  const size_t n = 65536;
  double *v = malloc(n * sizeof *v);
  if (!v) return -1;
  uint64_t s = 0x9E3779B97F4A7C15u;
  double x = 60.0;
  for (size_t i = 0; i < n; i++) {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    double u = (double)((s * 0x2545F4914F6CDD1Du) >> 11) * 0x1.0p-53;
    x += (u - 0.5) * 8.0;
    if (x < 2.0) x = 4.0 - x;
    if (x > 500.0) x = 1000.0 - x;
    v[i] = x;
  }
  d->v = v;
  d->n = n;
  snprintf(d->source, sizeof d->source,
           "deterministic pseudo-random walk (no data file%s%s): %zu values",
           g_data_default[0] ? " at " : " given", g_data_default, n);
  return 0;
}

/* The sample stream: ts = i * 1000 ms, values cycle through the data. */
typedef struct feed {
  const double *v;
  size_t n, j;
  int64_t ts;
} feed;

static inline double feed_next(feed *f, int64_t *ts) {
  double x = f->v[f->j];
  if (++f->j == f->n) f->j = 0;
  *ts = f->ts;
  f->ts += SAMPLE_MS;
  return x;
}

/* ---- the naive baseline -------------------------------------------------- */

/* A ring of the window's samples; every aggregate is recomputed from all of
 * them after each push. */
typedef struct nring {
  int64_t *ts;
  double *v;
  double *scratch; /* percentile: a copy to select in */
  uint64_t mask, head, tail;
  jj_window_kind kind;
  uint64_t count;
  int64_t span_ms;
} nring;

typedef struct seg {
  const int64_t *ts;
  const double *v;
  size_t n;
} seg;

static uint64_t pow2_at_least(uint64_t n) {
  uint64_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

static int nring_init(nring *r, jj_window_kind kind, uint32_t size, int need_scratch) {
  memset(r, 0, sizeof *r);
  uint64_t cap = pow2_at_least((uint64_t)size + 16u);
  r->ts = malloc(cap * sizeof *r->ts);
  r->v = malloc(cap * sizeof *r->v);
  r->scratch = need_scratch ? malloc(cap * sizeof *r->scratch) : NULL;
  r->mask = cap - 1;
  r->kind = kind;
  r->count = size;
  r->span_ms = (int64_t)size * SAMPLE_MS;
  return (r->ts && r->v && (r->scratch || !need_scratch)) ? 0 : -1;
}

static void nring_free(nring *r) {
  free(r->ts);
  free(r->v);
  free(r->scratch);
}

static inline void nring_push(nring *r, int64_t ts, double v) {
  r->ts[r->tail & r->mask] = ts;
  r->v[r->tail & r->mask] = v;
  r->tail++;
  if (r->kind == JJ_WINDOW_SLIDING_COUNT) {
    if (r->tail - r->head > r->count) r->head++;
  } else {
    int64_t cutoff = ts - r->span_ms;
    while (r->head < r->tail && r->ts[r->head & r->mask] <= cutoff) r->head++;
  }
}

/* The window as (at most) two contiguous runs, oldest first. */
static void nring_segs(const nring *r, seg s[2]) {
  uint64_t n = r->tail - r->head;
  size_t h = (size_t)(r->head & r->mask), cap = (size_t)r->mask + 1;
  size_t n1 = n < cap - h ? (size_t)n : cap - h;
  s[0].ts = r->ts + h;
  s[0].v = r->v + h;
  s[0].n = n1;
  s[1].ts = r->ts;
  s[1].v = r->v;
  s[1].n = (size_t)n - n1;
}

/* k-th smallest (0-based) of a[0..n), reordering a. Hoare partition with a
 * median-of-three pivot; fine with many equal values. */
static double select_kth(double *a, ptrdiff_t n, ptrdiff_t k) {
  ptrdiff_t lo = 0, hi = n - 1;
  while (lo < hi) {
    double x = a[lo], y = a[lo + (hi - lo) / 2], z = a[hi];
    double pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
    ptrdiff_t i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        double t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j)
      hi = j;
    else if (k >= i)
      lo = i;
    else
      return a[k];
  }
  return a[k];
}

/* Recompute aggregate `agg` over the whole window. */
static double naive_agg(nring *r, jj_agg agg, double halflife_ms) {
  seg s[2];
  nring_segs(r, s);
  size_t n = s[0].n + s[1].n;
  if (n == 0) return agg == JJ_AGG_COUNT ? 0.0 : NAN;
  double dn = (double)n;
  const double first = s[0].v[0];
  const double last = s[1].n ? s[1].v[s[1].n - 1] : s[0].v[s[0].n - 1];
  switch (agg) {
    case JJ_AGG_COUNT: return dn;
    case JJ_AGG_FIRST: return first;
    case JJ_AGG_LAST: return last;
    case JJ_AGG_DELTA: return last - first;
    case JJ_AGG_SUM:
    case JJ_AGG_MEAN: {
      double sum = 0.0;
      for (int g = 0; g < 2; g++)
        for (size_t i = 0; i < s[g].n; i++) sum += s[g].v[i];
      return agg == JJ_AGG_SUM ? sum : sum / dn;
    }
    case JJ_AGG_MIN: {
      double m = INFINITY;
      for (int g = 0; g < 2; g++)
        for (size_t i = 0; i < s[g].n; i++) m = s[g].v[i] < m ? s[g].v[i] : m;
      return m;
    }
    case JJ_AGG_MAX: {
      double m = -INFINITY;
      for (int g = 0; g < 2; g++)
        for (size_t i = 0; i < s[g].n; i++) m = s[g].v[i] > m ? s[g].v[i] : m;
      return m;
    }
    case JJ_AGG_VARIANCE:
    case JJ_AGG_STDDEV: { /* two passes */
      double sum = 0.0, ss = 0.0;
      for (int g = 0; g < 2; g++)
        for (size_t i = 0; i < s[g].n; i++) sum += s[g].v[i];
      double mean = sum / dn;
      for (int g = 0; g < 2; g++)
        for (size_t i = 0; i < s[g].n; i++) ss += (s[g].v[i] - mean) * (s[g].v[i] - mean);
      return agg == JJ_AGG_VARIANCE ? ss / dn : sqrt(ss / dn);
    }
    case JJ_AGG_SLOPE: { /* least squares, value per second, two passes */
      const int64_t t0 = s[0].ts[0];
      double st = 0.0, sv = 0.0;
      for (int g = 0; g < 2; g++)
        for (size_t i = 0; i < s[g].n; i++) {
          st += (double)(s[g].ts[i] - t0) / 1000.0;
          sv += s[g].v[i];
        }
      double mt = st / dn, mv = sv / dn, sxx = 0.0, sxy = 0.0;
      for (int g = 0; g < 2; g++)
        for (size_t i = 0; i < s[g].n; i++) {
          double dt = (double)(s[g].ts[i] - t0) / 1000.0 - mt;
          sxx += dt * dt;
          sxy += dt * (s[g].v[i] - mv);
        }
      return sxx > 0.0 ? sxy / sxx : NAN;
    }
    case JJ_AGG_PERCENTILE: { /* exact nearest rank: copy, then select */
      memcpy(r->scratch, s[0].v, s[0].n * sizeof *r->scratch);
      memcpy(r->scratch + s[0].n, s[1].v, s[1].n * sizeof *r->scratch);
      double rank = ceil(PCT_Q * dn);
      if (rank < 1.0) rank = 1.0;
      return select_kth(r->scratch, (ptrdiff_t)n, (ptrdiff_t)rank - 1);
    }
    case JJ_AGG_EWMA: { /* weight 2^((ts - newest) / halflife) */
      const int64_t tn = s[1].n ? s[1].ts[s[1].n - 1] : s[0].ts[s[0].n - 1];
      double a = 0.0, b = 0.0;
      for (int g = 0; g < 2; g++)
        for (size_t i = 0; i < s[g].n; i++) {
          double w = exp2((double)(s[g].ts[i] - tn) / halflife_ms);
          a += w * s[g].v[i];
          b += w;
        }
      return a / b;
    }
    case JJ_AGG_NOWCAST: /* clock-hour aggregates: not benchmarked */
    case JJ_AGG_C24E_PM25:
    case JJ_AGG_C24E_PM10:
    case JJ_AGG__COUNT: break;
  }
  return NAN;
}

/* The default set in one pass (what a naive caller of "all stats" does). */
static double naive_default(const nring *r, double out[JJ_AGG__COUNT]) {
  seg s[2];
  nring_segs(r, s);
  size_t n = s[0].n + s[1].n;
  double sum = 0.0, lo = INFINITY, hi = -INFINITY;
  for (int g = 0; g < 2; g++)
    for (size_t i = 0; i < s[g].n; i++) {
      double x = s[g].v[i];
      sum += x;
      lo = x < lo ? x : lo;
      hi = x > hi ? x : hi;
    }
  out[JJ_AGG_COUNT] = (double)n;
  out[JJ_AGG_SUM] = sum;
  out[JJ_AGG_MEAN] = sum / (double)n;
  out[JJ_AGG_MIN] = lo;
  out[JJ_AGG_MAX] = hi;
  out[JJ_AGG_FIRST] = s[0].v[0];
  out[JJ_AGG_LAST] = s[1].n ? s[1].v[s[1].n - 1] : s[0].v[s[0].n - 1];
  return out[JJ_AGG_MEAN];
}

/* ---- one cell ------------------------------------------------------------ */

typedef struct result {
  const bcase *c;
  uint32_t size;
  uint64_t pushes;
  double push_ns;                      /* push only, mean */
  double push_read_ns;                 /* push + read, mean */
  double push_value_ns;                /* jj_window_push_value, mean (NaN: READ_STATS) */
  double off_pv;
  double bulk_ns;                      /* jj_window_push_values, mean (NaN: READ_STATS) */
  double off_bulk;
  double timed_ns;                     /* push + read, mean of the individually timed run */
  double q50, q99, q999, q9999, max;   /* ticks, overhead not yet removed */
  uint64_t spikes;                     /* timed pushes >= SPIKE_NS */
  double off_push, off_read, off_tail; /* share of each run spent off the CPU */
  double naive_ns;
  uint64_t naive_pushes;
  uint64_t read_errors;
  int check_ok;
  char check_msg[160];
} result;

static volatile double g_sink;
static hist g_hist;

/* Stand-ins for push and value, called through volatile pointers (so not
 * inlined, like the calls into the shared library): what the timed loop
 * itself costs. */
static jj_status nop_push(jj_window *w, int64_t ts, double v) {
  (void)w;
  (void)ts;
  return v < 0.0 ? JJ_EINVAL : JJ_OK;
}
static jj_status nop_value(const jj_window *w, jj_agg agg, double *out) {
  (void)w;
  (void)agg;
  *out = 1.0;
  return JJ_OK;
}
static jj_status (*volatile g_nop_push)(jj_window *, int64_t, double) = nop_push;
static jj_status (*volatile g_nop_value)(const jj_window *, jj_agg, double *) = nop_value;

/* The push + read loop of run_cell with both calls going nowhere. */
static double loop_overhead_ns(const dataset *d, uint64_t n) {
  feed f = {d->v, d->n, 0, 0};
  unsigned bad = 0;
  uint64_t errors = 0;
  double sink = 0.0;
  int64_t ts;
  double best = INFINITY;
  for (int rep = 0; rep < 3; rep++) {
    uint64_t t0 = mono_ns();
    for (uint64_t k = 0; k < n; k++) {
      double v = feed_next(&f, &ts), x;
      bad |= (unsigned)g_nop_push(NULL, ts, v);
      if (g_nop_value(NULL, JJ_AGG_SUM, &x) != JJ_OK) errors++;
      sink += x;
    }
    double ns = (double)(mono_ns() - t0) / (double)n;
    if (ns < best) best = ns;
  }
  g_sink = sink + (double)bad + (double)errors;
  return best;
}
/* The floor: a bare loop over (int64 ts, double value) pairs in memory that
 * sums and compares, ns per sample (best of 3 passes over n pairs). What
 * reading a sample costs at all on this machine, in this run: the targets
 * are ratios to it. */
typedef struct floor_pair {
  int64_t ts;
  double v;
} floor_pair;

static double floor_ns(const dataset *d, uint64_t n) {
  floor_pair *p = malloc((size_t)n * sizeof *p);
  if (!p) return NAN;
  for (uint64_t i = 0; i < n; i++) {
    p[i].ts = (int64_t)i * SAMPLE_MS;
    p[i].v = d->v[i % d->n];
  }
  double best = INFINITY;
  for (int rep = 0; rep < 3; rep++) {
    uint64_t t0 = mono_ns();
    double sum = 0.0;
    int64_t last = 0;
    uint64_t above = 0;
    for (uint64_t i = 0; i < n; i++) {
      sum += p[i].v;
      above += p[i].v >= 75.0;
      if (p[i].ts > last) last = p[i].ts;
    }
    double ns = (double)(mono_ns() - t0) / (double)n;
    g_sink = sum + (double)above + (double)last;
    if (ns < best) best = ns;
  }
  free(p);
  return best;
}

static double g_floor_ns = NAN; /* this run's floor */

static double g_ns_per_tick = 1.0; /* final value: calibrated over the whole run */
static double g_overhead_ticks = 0.0;

static inline double read_once(const jj_window *w, const bcase *c, uint64_t *errors) {
  jj_status st;
  double x;
  if (c->read == READ_STATS) {
    jj_window_stats s;
    st = jj_window_stats_get(w, &s);
    x = s.value[JJ_AGG_MEAN];
  } else {
    st = jj_window_value(w, (jj_agg)c->read, &x);
  }
  if (st != JJ_OK) (*errors)++;
  return x;
}

static int close_enough(jj_agg agg, double lib, double ref, double magnitude) {
  if (isnan(lib) || isnan(ref)) return isnan(lib) && isnan(ref);
  double err = fabs(lib - ref);
  switch (agg) {
    case JJ_AGG_COUNT:
    case JJ_AGG_MIN:
    case JJ_AGG_MAX:
    case JJ_AGG_FIRST:
    case JJ_AGG_LAST:
    case JJ_AGG_DELTA: return err == 0.0;
    case JJ_AGG_SUM:
    case JJ_AGG_MEAN: return err <= 1e-9 * magnitude + 1e-12;
    case JJ_AGG_PERCENTILE: return err <= 0.0101 * fabs(ref) + 1e-3; /* sketch: alpha 1 % */
    case JJ_AGG_VARIANCE:
    case JJ_AGG_STDDEV:
    case JJ_AGG_SLOPE:
    case JJ_AGG_EWMA: return err <= 1e-6 * fabs(ref) + 1e-9;
    case JJ_AGG_NOWCAST: /* clock-hour aggregates: not benchmarked */
    case JJ_AGG_C24E_PM25:
    case JJ_AGG_C24E_PM10:
    case JJ_AGG__COUNT: break;
  }
  return 0;
}

/* Compare the library with a from-scratch recomputation of the last `size`
 * samples of the stream (which is what the window must hold now). */
static int cross_check(const jj_window *w, const bcase *c, uint32_t size, const dataset *d,
                       const feed *f, char *msg, size_t msgsz) {
  nring r;
  int ok = 1;
  if (nring_init(&r, c->kind, size, 1) != 0) {
    nring_free(&r);
    snprintf(msg, msgsz, "no memory for the check");
    return 0;
  }
  feed g = *f;
  uint64_t back = size;
  g.ts = f->ts - (int64_t)back * SAMPLE_MS;
  g.j = (size_t)((f->j + d->n - (size_t)(back % d->n)) % d->n);
  for (uint64_t k = 0; k < back; k++) {
    int64_t ts;
    double v = feed_next(&g, &ts);
    nring_push(&r, ts, v);
  }
  jj_window_config cfg;
  jj_window_config_init(&cfg);
  double magnitude = 0.0;
  {
    seg s[2];
    nring_segs(&r, s);
    for (int k = 0; k < 2; k++)
      for (size_t i = 0; i < s[k].n; i++) magnitude += fabs(s[k].v[i]);
  }
  const jj_agg *aggs = c->read == READ_STATS ? k_default_aggs : (const jj_agg *)NULL;
  jj_agg one = (jj_agg)(c->read == READ_STATS ? 0 : c->read);
  size_t naggs = c->read == READ_STATS ? NDEFAULT : 1;
  msg[0] = '\0';
  for (size_t i = 0; i < naggs; i++) {
    jj_agg a = aggs ? aggs[i] : one;
    double lib, ref = naive_agg(&r, a, (double)cfg.ewma_halflife_ms);
    jj_status st = jj_window_value(w, a, &lib);
    if (st != JJ_OK || !close_enough(a, lib, ref, magnitude)) {
      ok = 0;
      snprintf(msg, msgsz, "%s: library %.17g (%s) vs naive %.17g", jj_agg_name((int)a), lib,
               jj_status_name((int)st), ref);
      break;
    }
  }
  nring_free(&r);
  return ok;
}

static void progress(const opts *o, const char *what, const bcase *c, uint32_t size) {
  (void)o;
  if (!isatty(2)) return;
  fprintf(stderr, "\r%-8s %-10s %-5s %8" PRIu32 "          ", what, c->name,
          c->kind == JJ_WINDOW_SLIDING_COUNT ? "count" : "time", size);
  fflush(stderr);
}

/* --block-at: each window's block (its first allocation: the core and
 * its parts) at this offset in a 4 KiB page, its other allocations where
 * malloc puts them; -1: the block too. A cell's speed may depend on
 * where the block sits (a store straddling a page cannot forward its data
 * to a later load): this shows it, one placement at a time. */
static long g_block_at = -1;

typedef struct placer {
  int made;         /* the block is placed */
  void *block, *raw; /* the placed block and the allocation holding it */
} placer;

static void *place_malloc(void *ctx, size_t size) {
  placer *p = ctx;
  if (g_block_at < 0 || p->made) return malloc(size);
  char *raw = malloc(size + 8192);
  if (!raw) return NULL;
  uintptr_t page = ((uintptr_t)raw + 4095u) & ~(uintptr_t)4095u;
  p->made = 1;
  p->raw = raw;
  p->block = (void *)(page + (uintptr_t)g_block_at);
  return p->block;
}
static void place_free(void *ctx, void *ptr) {
  placer *p = ctx;
  if (ptr == p->block) {
    free(p->raw);
    p->block = p->raw = NULL;
    return;
  }
  free(ptr);
}
static void *place_realloc(void *ctx, void *ptr, size_t old_size, size_t size) {
  void *n = place_malloc(ctx, size);
  if (n && ptr) {
    memcpy(n, ptr, old_size < size ? old_size : size);
    place_free(ctx, ptr);
  }
  return n;
}

static int run_cell(const bcase *c, uint32_t size, const opts *o, const dataset *d, result *r) {
  memset(r, 0, sizeof *r);
  r->c = c;
  r->size = size;
  const uint64_t n = o->quick ? PUSHES_QUICK : PUSHES_FULL;
  r->pushes = n;

  jj_window_config cfg;
  jj_window_config_init(&cfg);
  cfg.kind = c->kind;
  cfg.aggregates = c->aggs;
  cfg.preallocate = 1;
  cfg.max_samples = size + 16u; /* (SLIDING_COUNT: the library stores exactly count) */
  cfg.percentile = PCT_Q;
  if (c->kind == JJ_WINDOW_SLIDING_COUNT)
    cfg.count = size;
  else
    cfg.span_ms = (int64_t)size * SAMPLE_MS;
  jj_window *w = NULL;
  placer pl = {0, NULL, NULL};
  const jj_allocator alc = {place_malloc, place_realloc, place_free, &pl};
  jj_status st = jj_window_new(&cfg, &alc, &w);
  if (st != JJ_OK) {
    fprintf(stderr, "bench_window: jj_window_new(%s, %" PRIu32 "): %s\n", c->name, size,
            jj_strerror((int)st));
    return -1;
  }

  feed f = {d->v, d->n, 0, 0};
  unsigned bad = 0;
  uint64_t rerr = 0;
  double sink = 0.0;
  int64_t ts;

  /* Warm-up: enough pushes to touch every slot of the ring (capacity is
   * the power of two >= size + 1, resp. size + 16), so no first-touch page
   * fault lands in a timed run, and the window is full and evicting. */
  progress(o, "warm-up", c, size);
  const uint64_t warm = pow2_at_least((uint64_t)size + 16u) + WARM_EXTRA;
  for (uint64_t k = 0; k < warm; k++) {
    double v = feed_next(&f, &ts);
    bad |= (unsigned)jj_window_push(w, ts, v);
    sink += read_once(w, c, &rerr);
  }
  rerr = 0;

  progress(o, "push", c, size);
  uint64_t c0 = cpu_ns();
  uint64_t t0 = mono_ns();
  for (uint64_t k = 0; k < n; k++) {
    double v = feed_next(&f, &ts);
    bad |= (unsigned)jj_window_push(w, ts, v);
  }
  uint64_t t1 = mono_ns();
  r->push_ns = (double)(t1 - t0) / (double)n;
  r->off_push = off_cpu(t0, t1, c0, cpu_ns());

  /* The verdict's figure: the best of PUSH_READ_REPS runs, so that one
   * run disturbed by a neighbour (seen here: +45 % in a single cell)
   * does not stand for the cost of a push. */
  progress(o, "push+read", c, size);
  r->push_read_ns = INFINITY;
  for (int rep = 0; rep < PUSH_READ_REPS; rep++) {
    c0 = cpu_ns();
    t0 = mono_ns();
    for (uint64_t k = 0; k < n; k++) {
      double v = feed_next(&f, &ts);
      bad |= (unsigned)jj_window_push(w, ts, v);
      sink += read_once(w, c, &rerr);
    }
    t1 = mono_ns();
    double mean = (double)(t1 - t0) / (double)n;
    if (mean < r->push_read_ns) {
      r->push_read_ns = mean;
      r->off_read = off_cpu(t0, t1, c0, cpu_ns());
    }
  }

  /* The same in one call (jj_window_push_value), best of as many runs. */
  r->push_value_ns = NAN;
  if (c->read != READ_STATS) {
    progress(o, "push_value", c, size);
    r->push_value_ns = INFINITY;
    for (int rep = 0; rep < PUSH_READ_REPS; rep++) {
      c0 = cpu_ns();
      t0 = mono_ns();
      for (uint64_t k = 0; k < n; k++) {
        double v = feed_next(&f, &ts), x;
        const jj_status pst = jj_window_push_value(w, ts, v, (jj_agg)c->read, &x);
        if (pst != JJ_OK) {
          if (pst != JJ_EINCOMPLETE && pst != JJ_ENODATA) bad |= (unsigned)pst;
          rerr++;
        }
        sink += x;
      }
      t1 = mono_ns();
      double mean = (double)(t1 - t0) / (double)n;
      if (mean < r->push_value_ns) {
        r->push_value_ns = mean;
        r->off_pv = off_cpu(t0, t1, c0, cpu_ns());
      }
    }
  }

  /* The same reads for runs of samples (jj_window_push_values), best of
   * as many runs. The arrays are filled before the clock starts: a
   * caller's samples are in memory already. */
  r->bulk_ns = NAN;
  if (c->read != READ_STATS) {
    progress(o, "bulk", c, size);
    int64_t *bts = malloc((size_t)n * sizeof *bts);
    double *bv = malloc((size_t)n * sizeof *bv);
    double *bout = malloc(BULK_RUN * sizeof *bout);
    if (!bts || !bv || !bout) {
      free(bts);
      free(bv);
      free(bout);
      fprintf(stderr, "bench_window: out of memory (bulk %" PRIu32 ")\n", size);
      jj_window_free(w);
      return -1;
    }
    r->bulk_ns = INFINITY;
    uint64_t above = 0;
    for (int rep = 0; rep < PUSH_READ_REPS; rep++) {
      for (uint64_t k = 0; k < n; k++) bv[k] = feed_next(&f, &bts[k]);
      c0 = cpu_ns();
      t0 = mono_ns();
      for (uint64_t k = 0; k < n; k += BULK_RUN) {
        const size_t m = n - k < BULK_RUN ? (size_t)(n - k) : BULK_RUN;
        const jj_status bst =
            jj_window_push_values(w, bts + k, bv + k, m, (jj_agg)c->read, bout, NULL);
        bad |= (unsigned)bst; /* (JJ_OK: every sample taken) */
        /* Every result used as an alerting caller does: compared with a
         * threshold (a sum of them would be a chain of additions, one
         * addition's latency a sample, the floor loop's own cost). */
        for (size_t i = 0; i < m; i++) above += bout[i] >= 75.0;
      }
      t1 = mono_ns();
      double mean = (double)(t1 - t0) / (double)n;
      if (mean < r->bulk_ns) {
        r->bulk_ns = mean;
        r->off_bulk = off_cpu(t0, t1, c0, cpu_ns());
      }
    }
    sink += (double)above;
    free(bts);
    free(bv);
    free(bout);
  }

  progress(o, "tails", c, size);
  memset(&g_hist, 0, sizeof g_hist);
  c0 = cpu_ns();
  t0 = mono_ns();
  for (uint64_t k = 0; k < n; k++) {
    double v = feed_next(&f, &ts);
    uint64_t a = tick_begin();
    bad |= (unsigned)jj_window_push(w, ts, v);
    sink += read_once(w, c, &rerr);
    uint64_t b = tick_end();
    hist_add(&g_hist, b - a);
  }
  t1 = mono_ns();
  r->timed_ns = (double)(t1 - t0) / (double)n;
  r->off_tail = off_cpu(t0, t1, c0, cpu_ns());
  r->q50 = hist_quantile(&g_hist, 0.50);
  r->q99 = hist_quantile(&g_hist, 0.99);
  r->q999 = hist_quantile(&g_hist, 0.999);
  r->q9999 = hist_quantile(&g_hist, 0.9999);
  r->max = (double)g_hist.max;
  r->spikes = hist_count_above(&g_hist, SPIKE_NS / g_ns_per_tick + g_overhead_ticks);
  r->read_errors = rerr;

  if (bad) {
    fprintf(stderr, "bench_window: a push failed (%s, %" PRIu32 ")\n", c->name, size);
    jj_window_free(w);
    return -1;
  }
  r->check_ok = cross_check(w, c, size, d, &f, r->check_msg, sizeof r->check_msg);
  jj_window_free(w);

  /* Naive: same stream, recompute after every push, time-capped. */
  progress(o, "naive", c, size);
  nring nr;
  if (nring_init(&nr, c->kind, size, c->read == JJ_AGG_PERCENTILE) != 0) {
    nring_free(&nr);
    fprintf(stderr, "bench_window: out of memory (naive %" PRIu32 ")\n", size);
    return -1;
  }
  feed g = {d->v, d->n, 0, 0};
  for (uint64_t k = 0; k < warm; k++) {
    double v = feed_next(&g, &ts);
    nring_push(&nr, ts, v);
  }
  const uint64_t budget = o->quick ? NAIVE_BUDGET_QUICK_NS : NAIVE_BUDGET_NS;
  const uint64_t batch = size >= 16384u ? 1u : 16384u / size;
  const double hl = (double)cfg.ewma_halflife_ms;
  double out[JJ_AGG__COUNT];
  uint64_t done = 0;
  t0 = mono_ns();
  t1 = t0;
  while (done < n) {
    for (uint64_t k = 0; k < batch; k++) {
      double v = feed_next(&g, &ts);
      nring_push(&nr, ts, v);
      sink += c->read == READ_STATS ? naive_default(&nr, out) : naive_agg(&nr, (jj_agg)c->read, hl);
    }
    done += batch;
    t1 = mono_ns();
    if (t1 - t0 > budget) break;
  }
  r->naive_ns = (double)(t1 - t0) / (double)done;
  r->naive_pushes = done;
  nring_free(&nr);

  g_sink = sink;
  return 0;
}

/* ---- output -------------------------------------------------------------- */

/* A tail figure in ns with the timer's own cost taken off. */
static double tail_ns(double ticks) {
  double t = ticks - g_overhead_ticks;
  return (t > 0.0 ? t : 0.0) * g_ns_per_tick;
}

static const char *kind_name(jj_window_kind k) {
  return k == JJ_WINDOW_SLIDING_COUNT ? "count" : "time";
}

static void fmt_ns(char *buf, size_t sz, double ns) {
  if (ns < 100.0)
    snprintf(buf, sz, "%.2f", ns);
  else if (ns < 100000.0)
    snprintf(buf, sz, "%.0f", ns);
  else
    snprintf(buf, sz, "%.3g", ns);
}

/* An optional column's two cells (32 bytes each): ns, marked (p) when the
 * run spent `off` of its time off the CPU, and the ratio to the floor;
 * "-" for both when it was not measured (NaN). */
static void fmt_optional(char *ns_cell, char *x_cell, double ns, double off) {
  if (isnan(ns)) {
    snprintf(ns_cell, 32, "-");
    snprintf(x_cell, 32, "-");
    return;
  }
  fmt_ns(ns_cell, 32, ns);
  if (off > OFF_CPU_MARK) strcat(ns_cell, " (p)");
  snprintf(x_cell, 32, "%.1fx", ns / g_floor_ns);
}

static void cpu_model(char *buf, size_t sz) {
  snprintf(buf, sz, "unknown CPU");
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "model name", 10) == 0) {
      char *p = strchr(line, ':');
      if (p) {
        p += 1 + strspn(p + 1, " \t");
        p[strcspn(p, "\n")] = '\0';
        snprintf(buf, sz, "%s", p);
      }
      break;
    }
  }
  fclose(f);
}

static void print_csv(const result *res, size_t nres) {
  printf(
      "kind,aggregate,window,pushes,push_ns,push_read_ns,push_value_ns,push_values_ns,p50_ns,p99_"
      "ns,p999_ns,p9999_ns,max_ns,"
      "spikes_10us,timed_loop_ns,naive_ns,naive_pushes,read_errors,offcpu_push,offcpu_read,"
      "offcpu_tails,check\n");
  for (size_t i = 0; i < nres; i++) {
    const result *r = &res[i];
    printf("%s,%s,%" PRIu32 ",%" PRIu64 ",%.3f,%.3f,%.3f,%.3f,%.1f,%.1f,%.1f,%.1f,%.1f,%" PRIu64
           ",%.3f,%.3f,%" PRIu64 ",%" PRIu64 ",%.4f,%.4f,%.4f,%s\n",
           kind_name(r->c->kind), r->c->name, r->size, r->pushes, r->push_ns, r->push_read_ns,
           r->push_value_ns, r->bulk_ns, tail_ns(r->q50), tail_ns(r->q99), tail_ns(r->q999),
           tail_ns(r->q9999), tail_ns(r->max), r->spikes, r->timed_ns, r->naive_ns, r->naive_pushes,
           r->read_errors, r->off_push, r->off_read, r->off_tail, r->check_ok ? "ok" : "FAIL");
  }
}

static void print_table(const result *res, size_t nres, jj_window_kind kind) {
  if (kind == JJ_WINDOW_SLIDING_COUNT)
    printf("\n### SLIDING_COUNT windows (count = window samples)\n\n");
  else
    printf("\n### SLIDING_TIME windows (span = window x 1000 ms, 1 sample/s)\n\n");
  printf(
      "| aggregate | window | mean ns/sample (push+read, best of 3) | x floor | "
      "jj_window_push_value ns (one call, best of 3) | x floor | "
      "jj_window_push_values ns/sample (runs of %u, best of 3) | x floor | push only ns | "
      "p99.99 ns | max ns |"
      " naive mean ns | naive / lib |\n",
      BULK_RUN);
  printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (size_t i = 0; i < nres; i++) {
    const result *r = &res[i];
    if (r->c->kind != kind) continue;
    char a[32], b[32], p[32], m[32], nv[64], ratio[32], pv[32], pvx[32], bk[32], bkx[32];
    fmt_ns(a, sizeof a, r->push_read_ns);
    fmt_optional(pv, pvx, r->push_value_ns, r->off_pv);
    fmt_optional(bk, bkx, r->bulk_ns, r->off_bulk);
    fmt_ns(b, sizeof b, r->push_ns);
    if (r->off_read > OFF_CPU_MARK) strcat(a, " (p)");
    if (r->off_push > OFF_CPU_MARK) strcat(b, " (p)");
    fmt_ns(p, sizeof p, tail_ns(r->q9999));
    /* More than 0.01 % of the pushes were spikes: p99.99 is one of them. */
    if (r->spikes * 10000u > r->pushes) strcat(p, " (s)");
    fmt_ns(m, sizeof m, tail_ns(r->max));
    if (r->off_tail > OFF_CPU_MARK) strcat(m, " (p)");
    fmt_ns(nv, sizeof nv, r->naive_ns);
    if (r->naive_pushes < r->pushes) {
      size_t len = strlen(nv);
      snprintf(nv + len, sizeof nv - len, " (%" PRIu64 " pushes)", r->naive_pushes);
    }
    double q = r->naive_ns / r->push_read_ns;
    if (q < 10.0)
      snprintf(ratio, sizeof ratio, "%.2fx", q);
    else
      snprintf(ratio, sizeof ratio, "%.3gx", q);
    printf("| %s%s | %" PRIu32 " | %s | %.1fx | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
           r->c->name, r->check_ok ? "" : " (CHECK FAILED)", r->size, a,
           r->push_read_ns / g_floor_ns, pv, pvx, bk, bkx, b, p, m, nv, ratio);
  }
}

static const result *find(const result *res, size_t nres, jj_window_kind kind, const char *name,
                          uint32_t size) {
  for (size_t i = 0; i < nres; i++)
    if (res[i].c->kind == kind && res[i].size == size && strcmp(res[i].c->name, name) == 0)
      return &res[i];
  return NULL;
}

/* The targets, on push + read means. Returns the number of misses. */
/* The ways of pushing and reading a cell times. */
enum { WAY_TWO_CALLS, WAY_ONE_CALL, WAY_BULK };

/* Target A's lines for one way of pushing and reading (`way`: push, then
 * jj_window_value; jj_window_push_value; jj_window_push_values): the
 * worst size of each aggregate against `target_ns`. */
static void print_target_a(FILE *out, const result *res, size_t nres, int way, double target_ns,
                           int *checks, int *misses) {
  static const char *const names[] = {"sum", "mean", "min", "max"};
  static const jj_window_kind kinds[] = {JJ_WINDOW_SLIDING_COUNT, JJ_WINDOW_SLIDING_TIME};
  for (size_t k = 0; k < 2; k++)
    for (size_t a = 0; a < 4; a++) {
      double worst = -1.0, worst_off = 0.0;
      uint32_t at = 0;
      for (size_t s = 0; s < NSIZES; s++) {
        const result *r = find(res, nres, kinds[k], names[a], k_sizes[s]);
        const double ns = !r                    ? NAN
                          : way == WAY_ONE_CALL ? r->push_value_ns
                          : way == WAY_BULK     ? r->bulk_ns
                                                : r->push_read_ns;
        if (!isnan(ns) && ns > worst) {
          worst = ns;
          worst_off = way == WAY_ONE_CALL ? r->off_pv : way == WAY_BULK ? r->off_bulk : r->off_read;
          at = r->size;
        }
      }
      if (worst < 0.0) continue;
      int pass = worst <= target_ns;
      (*checks)++;
      *misses += !pass;
      fprintf(out, "- %-5s %-4s: worst %6.2f ns = %.1fx floor (window %7" PRIu32 ") -> %s%s\n",
              kind_name(kinds[k]), names[a], worst, worst / g_floor_ns, at, pass ? "PASS" : "MISS",
              worst_off > OFF_CPU_MARK ? " (run disturbed: (p))" : "");
    }
}

static int print_verdict(FILE *out, const result *res, size_t nres, int quick) {
  static const char *const names[] = {"sum", "mean", "min", "max"};
  static const jj_window_kind kinds[] = {JJ_WINDOW_SLIDING_COUNT, JJ_WINDOW_SLIDING_TIME};
  int checks = 0, misses = 0;
  fprintf(out, "\n## Verdict%s\n\n", quick ? " (--quick run: NOT authoritative)" : "");
  const double target_ns = TARGET_FLOOR_X * g_floor_ns;
  fprintf(out,
          "Target A: push + jj_window_value mean <= %.0fx the floor (%.2f ns here) at every "
          "window size (sum, mean, min, max).\n\n",
          TARGET_FLOOR_X, target_ns);
  print_target_a(out, res, nres, WAY_TWO_CALLS, target_ns, &checks, &misses);
  fprintf(out,
          "\nTarget A, one call: jj_window_push_value (push, then the same read) mean <= %.0fx "
          "the floor (%.2f ns here) at every window size (sum, mean, min, max).\n\n",
          TARGET_FLOOR_X, target_ns);
  print_target_a(out, res, nres, WAY_ONE_CALL, target_ns, &checks, &misses);
  fprintf(out,
          "\nTarget A, runs: jj_window_push_values (runs of %u samples, the same read after "
          "each) mean <= %.0fx the floor (%.2f ns here) at every window size (sum, mean, min, "
          "max).\n\n",
          BULK_RUN, TARGET_FLOOR_X, target_ns);
  print_target_a(out, res, nres, WAY_BULK, target_ns, &checks, &misses);
  fprintf(out,
          "\nTarget B: %u-sample window within %.1fx of the %u-sample window "
          "(push + read mean).\n\n",
          SIZE_LARGE, TARGET_RATIO, SIZE_SMALL);
  for (size_t k = 0; k < 2; k++)
    for (size_t a = 0; a < 4; a++) {
      const result *s = find(res, nres, kinds[k], names[a], SIZE_SMALL);
      const result *l = find(res, nres, kinds[k], names[a], SIZE_LARGE);
      if (!s || !l) continue;
      double q = l->push_read_ns / s->push_read_ns;
      int pass = q <= TARGET_RATIO;
      checks++;
      misses += !pass;
      fprintf(
          out, "- %-5s %-4s: %6.2f ns -> %6.2f ns = %.2fx -> %s%s\n", kind_name(kinds[k]), names[a],
          s->push_read_ns, l->push_read_ns, q, pass ? "PASS" : "MISS",
          s->off_read > OFF_CPU_MARK || l->off_read > OFF_CPU_MARK ? " (run disturbed: (p))" : "");
    }
  fprintf(out,
          "\nTarget C: stddev and slope read (push + read minus push only) <= %.0f ns; "
          "percentile push <= %.0f ns (count windows, every size).\n\n",
          TARGET_READ_NS, TARGET_PCT_PUSH_NS);
  static const char *const cnames[] = {"stddev", "slope", "percentile"};
  for (size_t a = 0; a < 3; a++) {
    double worst = -1.0;
    uint32_t at = 0;
    for (size_t s = 0; s < NSIZES; s++) {
      const result *r = find(res, nres, JJ_WINDOW_SLIDING_COUNT, cnames[a], k_sizes[s]);
      if (!r) continue;
      double x = a < 2 ? r->push_read_ns - r->push_ns : r->push_ns;
      if (x > worst) {
        worst = x;
        at = r->size;
      }
    }
    if (worst < 0.0) continue;
    double lim = a < 2 ? TARGET_READ_NS : TARGET_PCT_PUSH_NS;
    int pass = worst <= lim;
    checks++;
    misses += !pass;
    fprintf(out, "- count %-10s %s: worst %6.2f ns (window %7" PRIu32 ") -> %s\n", cnames[a],
            a < 2 ? "read" : "push", worst, at, pass ? "PASS" : "MISS");
  }
  fprintf(out, "\nOverall: %d of %d checks pass%s\n", checks - misses, checks,
          misses ? " -- TARGETS MISSED" : " -- all targets met");
  return misses;
}

/* ---- main ---------------------------------------------------------------- */

static void usage(FILE *f) {
  fprintf(f,
          "usage: bench_window [--quick] [--csv] [--data PATH] [--only CASE[,CASE...]]\n"
          "                    [--block-at OFFSET]\n"
          "  --quick      small run (CI smoke test); figures are not authoritative\n"
          "  --csv        machine-readable rows on stdout (notes and verdict on stderr)\n"
          "  --only CASE  run only these cases: an aggregate (\"mean\") or kind:aggregate\n"
          "               (\"time:mean\", \"count:default\"); the verdict covers what ran\n"
          "  --data PATH  PRSA csv (UCI Beijing Multi-Site Air Quality) to take\n"
          "               PM2.5 values from (default: %s; when it is not\n"
          "               readable, a deterministic random walk)\n"
          "  --block-at OFFSET  each window's block at this byte offset in a 4 KiB\n"
          "               page (a multiple of 8 below 4096, e.g. 0xf90; default: where\n"
          "               malloc puts it): a cell's speed may depend on it\n"
          "Run it pinned, e.g. taskset -c 1 bench_window\n",
          JJ_BENCH_DEFAULT_DATA[0] ? JJ_BENCH_DEFAULT_DATA : "none");
}

int main(int argc, char **argv) {
  opts o = {0, 0, JJ_BENCH_DEFAULT_DATA, 0, NULL};
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) {
      o.quick = 1;
    } else if (strcmp(argv[i], "--csv") == 0) {
      o.csv = 1;
    } else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
      o.data_path = argv[++i];
      o.data_explicit = 1;
    } else if (strncmp(argv[i], "--data=", 7) == 0) {
      o.data_path = argv[i] + 7;
      o.data_explicit = 1;
    } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
      o.only = argv[++i];
    } else if (strcmp(argv[i], "--block-at") == 0 && i + 1 < argc) {
      char *end;
      g_block_at = strtol(argv[++i], &end, 0);
      if (*end || g_block_at < 0 || g_block_at >= 4096 || g_block_at % 8) {
        fprintf(stderr, "bench_window: --block-at wants a multiple of 8 below 4096\n");
        return 2;
      }
    } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else {
      fprintf(stderr, "bench_window: unknown argument '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }

  dataset d;
  memset(&d, 0, sizeof d);
  if (o.data_path[0] == '\0' || load_csv(o.data_path, &d) != 0) {
    if (o.data_explicit) {
      fprintf(stderr, "bench_window: cannot read PM2.5 values from %s\n", o.data_path);
      return 2;
    }
    if (make_walk(&d) != 0) {
      fprintf(stderr, "bench_window: out of memory\n");
      return 1;
    }
  }

  g_overhead_ticks = (double)timer_overhead_ticks();
  const double loop_ns = loop_overhead_ns(&d, o.quick ? PUSHES_QUICK : PUSHES_FULL);
  g_floor_ns = floor_ns(&d, o.quick ? PUSHES_QUICK : PUSHES_FULL);
  g_ns0 = mono_ns();
#if BENCH_TSC
  g_tick0 = __rdtsc();
  /* A first 50 ms estimate for the spike threshold; the figures printed
   * use the calibration over the whole run. */
  while (mono_ns() - g_ns0 < 50000000u) {}
  g_ns_per_tick = (double)(mono_ns() - g_ns0) / (double)(__rdtsc() - g_tick0);
#else
  g_tick0 = g_ns0;
#endif

  const size_t nres = NCASES * NSIZES;
  result *res = calloc(nres, sizeof *res);
  if (!res) return 1;
  size_t k = 0;
  int failed = 0;
  for (size_t c = 0; c < NCASES; c++)
    for (size_t s = 0; s < NSIZES && case_selected(&o, &k_cases[c]); s++) {
      if (run_cell(&k_cases[c], k_sizes[s], &o, &d, &res[k]) != 0) return 1;
      if (!res[k].check_ok) failed = 1;
      k++;
    }
  if (isatty(2)) fprintf(stderr, "\r%60s\r", "");
  if (k == 0) {
    fprintf(stderr, "bench_window: --only %s names no case\n", o.only);
    return 2;
  }

#if BENCH_TSC
  uint64_t tick1 = __rdtsc(), ns1 = mono_ns();
  g_ns_per_tick = (double)(ns1 - g_ns0) / (double)(tick1 - g_tick0);
#else
  g_ns_per_tick = 1.0;
#endif

  char cpu[256];
  cpu_model(cpu, sizeof cpu);
  FILE *notes = o.csv ? stderr : stdout;
  if (!o.csv) printf("# bench_window: jj_window_push + jj_window_value, ns per sample\n\n");
  fprintf(notes, "- build: %s, %s\n", JJ_BENCH_BUILD_TYPE,
#if defined(__VERSION__)
          "compiler " __VERSION__
#else
          "compiler unknown"
#endif
  );
  fprintf(notes,
          "- cpu: %s; per-sample timer: %s, %.4f GHz calibrated against CLOCK_MONOTONIC "
          "over the run; empty-bracket cost %.0f ticks (%.1f ns) subtracted from p99.99/max\n",
          cpu, BENCH_TSC ? "rdtsc between lfences" : "clock_gettime", 1.0 / g_ns_per_tick,
          g_overhead_ticks, g_overhead_ticks * g_ns_per_tick);
  fprintf(notes, "- data: %s\n", d.source);
  if (g_block_at >= 0)
    fprintf(notes, "- window blocks: at byte 0x%03lx of a 4 KiB page (--block-at)\n", g_block_at);
  else
    fprintf(notes, "- window blocks: where malloc puts them (--block-at places them)\n");
  fprintf(notes,
          "- floor: %.2f ns/sample, a bare loop over (int64 ts, double value) pairs that sums "
          "and compares (this run; the x floor column and target A are ratios to it)\n",
          g_floor_ns);
  fprintf(
      notes,
      "- per cell: untimed warm-up of (ring capacity + %u) pushes (window full, every ring slot "
      "touched), then %" PRIu64
      " timed pushes per run (in-order, 1 sample/s, unique timestamps); mean ns = "
      "CLOCK_MONOTONIC over the run / pushes; p99.99 and max from a third run timing every "
      "push + read on its own\n",
      WARM_EXTRA, (uint64_t)(o.quick ? PUSHES_QUICK : PUSHES_FULL));
  fprintf(notes,
          "- included in every push + read figure (not subtracted): the timed loop itself with "
          "two non-inlined calls, %.2f ns/sample (best of 3, measured with no-op functions)\n",
          loop_ns);
  fprintf(notes,
          "- read after each push: jj_window_value(that aggregate); \"default\" = count, sum, "
          "mean, min, max, first, last enabled, read with jj_window_stats_get; percentile = p%.0f; "
          "ewma half-life 60 s; windows preallocated\n",
          PCT_Q * 100.0);
  fprintf(notes,
          "- jj_window_push_values column: the same read after each sample, for runs of %u "
          "samples in one call from arrays of timestamps and values filled before the clock "
          "starts (a replay, a caller with an array, a drained FIFO); each result compared with "
          "a threshold in the timed loop; best of 3\n",
          BULK_RUN);
  fprintf(notes,
          "- naive: a ring of (ts, value) recomputed from scratch after every push (count/first/"
          "last/delta need no scan; percentile = copy + quickselect; stddev, slope two-pass), "
          "each cell capped at %.2f s (push count shown when capped)\n",
          (double)(o.quick ? NAIVE_BUDGET_QUICK_NS : NAIVE_BUDGET_NS) / 1e9);
  fprintf(notes,
          "- (s) after p99.99: more than 0.01 %% of the timed pushes took >= %.0f us (csv: "
          "spikes_10us), so p99.99 is one of those spikes; timer ticks and hypervisor exits "
          "land in a fixed share of wall time, so slow operations collect more of them\n",
          SPIKE_NS / 1000.0);

  fprintf(notes,
          "- (p): the run spent more than 1 %% of its wall time off the CPU (wall minus thread "
          "CPU time; csv: offcpu_*), i.e. another task held this CPU, so the figure is "
          "inflated\n");

  if (o.csv) {
    print_csv(res, k);
  } else {
    print_table(res, k, JJ_WINDOW_SLIDING_COUNT);
    print_table(res, k, JJ_WINDOW_SLIDING_TIME);
  }
  print_verdict(notes, res, k, o.quick);
  size_t disturbed = 0;
  for (size_t i = 0; i < k; i++)
    disturbed += res[i].off_push > OFF_CPU_MARK || res[i].off_read > OFF_CPU_MARK ||
                 res[i].off_tail > OFF_CPU_MARK;
  if (disturbed)
    fprintf(notes,
            "\nWARNING: %zu of %zu cells lost > 1 %% of a timed run to another task (marked (p)); "
            "rerun on an idle machine for figures to rely on.\n",
            disturbed, k);
  for (size_t i = 0; i < k; i++)
    if (!res[i].check_ok)
      fprintf(stderr, "bench_window: CHECK FAILED %s %s %" PRIu32 ": %s\n",
              kind_name(res[i].c->kind), res[i].c->name, res[i].size, res[i].check_msg);
  free(res);
  free(d.v);
  return failed ? 1 : 0;
}
