/* Tests for the sliding-window aggregator (include/jjair/window.h).
 *
 * The core is a brute-force reference: every sample the window should hold
 * is kept in a plain sorted array and every aggregate is recomputed from it
 * after (almost) every push, on randomized streams with gaps, out-of-order
 * and late samples, duplicates and invalid values. The rest are table-driven
 * or hand-written cases for tumbling/hopping windows, completeness,
 * capacity, configuration errors, allocation failure and long-run drift.
 *
 * Environment knobs: JJ_TEST_SCALE=n multiplies the number of random seeds
 * (a longer soak); JJ_TEST_SEED=n runs only that seed; JJ_TEST_TRACE=1
 * prints every operation; JJ_TEST_VERBOSE=1 prints the worst observed error
 * per aggregate as a fraction of its tolerance; JJ_TEST_FILTER=glob runs
 * only the matching tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jjair/jjair.h"
#include "testutil.h"

/* Valgrind runs ~50x slower: the heavy loops shrink under it (they run in
 * full natively and under the sanitizers). */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define JJ_UNDER_VALGRIND() (RUNNING_ON_VALGRIND != 0)
#endif
#endif
#ifndef JJ_UNDER_VALGRIND
#define JJ_UNDER_VALGRIND() 0
#endif

#define TS_LIMIT ((int64_t)1 << 62)
#define HOUR ((int64_t)3600000)
#define MINUTE ((int64_t)60000)
/* 2023-11-14 22:00:00 UTC, an exact hour: tests use realistic epoch ms. */
#define DAY0 ((int64_t)472222 * HOUR)

static int g_scale = 1;
static int g_div = 1; /* divides seeds and long loops; 4 under valgrind */
#ifndef JJ_TEST_SLOW_DIV
#define JJ_TEST_SLOW_DIV 4 /* the divisor under valgrind (tests/device: QEMU) */
#endif
static int g_verbose = 0;
static int g_trace = 0;          /* JJ_TEST_TRACE=1: print every operation */
static int g_only_set = 0;       /* JJ_TEST_SEED=n: run only that seed */
static uint64_t g_only_seed;

/* Where we are, printed with every failure so a case can be replayed. */
static struct {
  const char *test;
  uint64_t seed;
  long step;
} where;

#define EXPECT(cond, ...)                                                     \
  do {                                                                        \
    if (!(cond)) {                                                            \
      print_error("%s seed=%" PRIu64 " step=%ld: %s: ", where.test, where.seed, \
                  where.step, #cond);                                         \
      print_error(__VA_ARGS__);                                               \
      print_error("\n");                                                      \
      fail();                                                                 \
    }                                                                         \
  } while (0)

static int same_double(double a, double b) {
  return (isnan(a) && isnan(b)) || a == b;
}

static int64_t floor_div64(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && a < 0) q--;
  return q;
}

static jj_window *new_window(const jj_window_config *c, const jj_allocator *a) {
  jj_window *w = NULL;
  jj_status st = jj_window_new(c, a, &w);
  EXPECT(st == JJ_OK, "jj_window_new: %s", jj_status_name(st));
  EXPECT(w != NULL, "no window");
  return w;
}

static double value_of(const jj_window *w, jj_agg agg, jj_status *st_out) {
  double v = 12345.0;
  jj_status st = jj_window_value(w, agg, &v);
  if (st_out) *st_out = st;
  return v;
}

/* ======================================================================
 * The reference model
 * ====================================================================== */

typedef struct rsample {
  int64_t ts;
  double v;
  uint64_t seq; /* insertion order: ties in ts are ordered by it */
} rsample;

/* Samples sorted by (ts, seq); [head, n) are live. */
typedef struct rstore {
  rsample *s;
  size_t head, n, cap;
} rstore;

static void rs_free(rstore *r) {
  free(r->s);
  memset(r, 0, sizeof *r);
}

static size_t rs_count(const rstore *r) { return r->n - r->head; }

/* First index in [head, n) whose ts is > ts (upper) or >= ts (lower). */
static size_t rs_upper(const rstore *r, int64_t ts) {
  size_t lo = r->head, hi = r->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (r->s[mid].ts <= ts) lo = mid + 1; else hi = mid;
  }
  return lo;
}

static size_t rs_lower(const rstore *r, int64_t ts) {
  size_t lo = r->head, hi = r->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (r->s[mid].ts < ts) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/* Insert after every sample with a timestamp <= ts. */
static void rs_insert(rstore *r, int64_t ts, double v, uint64_t seq) {
  if (r->n == r->cap) {
    if (r->head > r->cap / 2) {
      memmove(r->s, r->s + r->head, (r->n - r->head) * sizeof *r->s);
      r->n -= r->head;
      r->head = 0;
    } else {
      r->cap = r->cap ? r->cap * 2 : 64;
      r->s = realloc(r->s, r->cap * sizeof *r->s);
      assert_non_null(r->s);
    }
  }
  size_t pos = rs_upper(r, ts);
  memmove(r->s + pos + 1, r->s + pos, (r->n - pos) * sizeof *r->s);
  r->s[pos].ts = ts;
  r->s[pos].v = v;
  r->s[pos].seq = seq;
  r->n++;
}

static void rs_pop_front(rstore *r) {
  r->head++;
  if (r->head == r->n) r->head = r->n = 0;
}

/* Neumaier sum, written independently of lib/ksum.h. */
typedef struct nsum {
  double s, c;
} nsum;

static void ns_add(nsum *k, double x) {
  double t = k->s + x;
  k->c += fabs(k->s) >= fabs(x) ? (k->s - t) + x : (x - t) + k->s;
  k->s = t;
}

static double ns_val(const nsum *k) { return k->s + k->c; }

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double *g_scratch;
static size_t g_scratch_cap;

/* Everything the checks need: the exact aggregates plus the scales that
 * tolerances are relative to. */
typedef struct rvals {
  size_t n;
  double v[JJ_AGG__COUNT];
  double sumabs;    /* sum |v| */
  double vmin, vmax;
  double sd_t;      /* stddev of the timestamps, seconds */
  double sd_v;      /* stddev of the values */
  double ewma_abs;  /* EWMA of |v| */
} rvals;

typedef struct aggcfg {
  uint32_t aggs;
  double q, alpha, floor;
  double halflife;
} aggcfg;

static aggcfg aggcfg_of(const jj_window_config *c) {
  aggcfg a;
  a.aggs = c->aggregates ? c->aggregates : JJ_AGG_DEFAULT;
  a.q = c->percentile;
  a.alpha = c->percentile_accuracy == 0.0 ? 0.01 : c->percentile_accuracy;
  a.floor = c->percentile_floor == 0.0 ? 1e-3 : c->percentile_floor;
  a.halflife = (double)c->ewma_halflife_ms;
  return a;
}

static void ref_aggregates(const rsample *s, size_t n, const aggcfg *ac, rvals *r) {
  memset(r, 0, sizeof *r);
  r->n = n;
  for (int a = 0; a < JJ_AGG__COUNT; a++) r->v[a] = NAN;
  r->v[JJ_AGG_COUNT] = (double)n;
  if (n == 0) return;
  nsum sum = {0, 0}, sabs = {0, 0};
  double lo = s[0].v, hi = s[0].v;
  int64_t tmax = s[n - 1].ts;
  for (size_t i = 0; i < n; i++) {
    ns_add(&sum, s[i].v);
    ns_add(&sabs, fabs(s[i].v));
    if (s[i].v < lo) lo = s[i].v;
    if (s[i].v > hi) hi = s[i].v;
  }
  double dn = (double)n;
  double mean = ns_val(&sum) / dn;
  /* Two passes, centred: the textbook-accurate way. */
  nsum ss = {0, 0}, sd = {0, 0};
  for (size_t i = 0; i < n; i++) {
    double d = s[i].v - mean;
    ns_add(&ss, d * d);
    ns_add(&sd, d);
  }
  double c = ns_val(&sd);
  double var = (ns_val(&ss) - c * c / dn) / dn;
  if (var < 0) var = 0;
  /* Slope: t in seconds relative to the oldest sample. */
  nsum st = {0, 0};
  for (size_t i = 0; i < n; i++) ns_add(&st, (double)(s[i].ts - s[0].ts) / 1000.0);
  double tm = ns_val(&st) / dn;
  nsum sxx = {0, 0}, sxy = {0, 0};
  for (size_t i = 0; i < n; i++) {
    double dt = (double)(s[i].ts - s[0].ts) / 1000.0 - tm;
    ns_add(&sxx, dt * dt);
    ns_add(&sxy, dt * (s[i].v - mean));
  }
  double slope = s[0].ts == s[n - 1].ts ? NAN : ns_val(&sxy) / ns_val(&sxx);
  /* EWMA relative to the newest sample, as the header defines it. */
  nsum ea = {0, 0}, eb = {0, 0}, eabs = {0, 0};
  for (size_t i = 0; i < n; i++) {
    double wgt = exp2((double)(s[i].ts - tmax) / ac->halflife);
    ns_add(&ea, wgt * s[i].v);
    ns_add(&eb, wgt);
    ns_add(&eabs, wgt * fabs(s[i].v));
  }
  r->v[JJ_AGG_SUM] = ns_val(&sum);
  r->v[JJ_AGG_MEAN] = mean;
  r->v[JJ_AGG_MIN] = lo;
  r->v[JJ_AGG_MAX] = hi;
  r->v[JJ_AGG_FIRST] = s[0].v;
  r->v[JJ_AGG_LAST] = s[n - 1].v;
  r->v[JJ_AGG_VARIANCE] = var;
  r->v[JJ_AGG_STDDEV] = sqrt(var);
  r->v[JJ_AGG_DELTA] = s[n - 1].v - s[0].v;
  r->v[JJ_AGG_SLOPE] = slope;
  r->v[JJ_AGG_EWMA] = ns_val(&ea) / ns_val(&eb);
  if (ac->aggs & JJ_AGG_BIT(JJ_AGG_PERCENTILE)) {
    if (g_scratch_cap < n) {
      g_scratch_cap = n * 2;
      g_scratch = realloc(g_scratch, g_scratch_cap * sizeof *g_scratch);
      assert_non_null(g_scratch);
    }
    for (size_t i = 0; i < n; i++) g_scratch[i] = s[i].v;
    qsort(g_scratch, n, sizeof *g_scratch, cmp_double);
    uint64_t rank = (uint64_t)ceil(ac->q * dn);
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    r->v[JJ_AGG_PERCENTILE] = g_scratch[rank - 1];
  }
  r->sumabs = ns_val(&sabs);
  r->vmin = lo;
  r->vmax = hi;
  r->sd_t = sqrt(ns_val(&sxx) / dn);
  r->sd_v = sqrt(var);
  r->ewma_abs = ns_val(&eabs) / ns_val(&eb);
}

/* Worst error seen per aggregate, as a fraction of its tolerance. */
static double g_worst[JJ_AGG__COUNT];

static void note_err(int agg, double err, double tol) {
  double f = tol > 0 ? err / tol : (err > 0 ? INFINITY : 0);
  if (f > g_worst[agg]) g_worst[agg] = f;
}

static void expect_close(int agg, double got, double want, double tol) {
  double err = fabs(got - want);
  note_err(agg, err, tol);
  EXPECT(err <= tol, "%s: got %.17g want %.17g (err %.3g, tol %.3g)", jj_agg_name(agg), got,
         want, err, tol);
}

/* Compare one window's aggregates (stats.value) with the reference. `amp`
 * is the stream's noise amplitude, the floor of the value scale. */
static void compare_values(const double *got, const rvals *r, const aggcfg *ac, double amp) {
  for (int a = 0; a < JJ_AGG__COUNT; a++) {
    double g = got[a];
    if (!(ac->aggs & JJ_AGG_BIT(a))) {
      EXPECT(isnan(g), "%s not enabled but %.17g", jj_agg_name(a), g);
      continue;
    }
    /* The clock-hour index aggregates read every sample of the last 12
     * hours, not the window's: tests/test_aqi.c checks them. */
    if (a == JJ_AGG_NOWCAST || a == JJ_AGG_C24E_PM25 || a == JJ_AGG_C24E_PM10) continue;
    double w = r->v[a];
    if (r->n == 0) {
      if (a == JJ_AGG_COUNT)
        EXPECT(g == 0.0, "count of an empty window: %.17g", g);
      else
        EXPECT(isnan(g), "%s of an empty window: %.17g", jj_agg_name(a), g);
      continue;
    }
    if (isnan(w)) {
      EXPECT(isnan(g), "%s: got %.17g want NaN", jj_agg_name(a), g);
      continue;
    }
    EXPECT(!isnan(g), "%s: got NaN want %.17g", jj_agg_name(a), w);
    double vscale = (r->vmax - r->vmin) + amp; /* spread of the values */
    switch ((jj_agg)a) {
      case JJ_AGG_COUNT:
      case JJ_AGG_MIN:
      case JJ_AGG_MAX:
      case JJ_AGG_FIRST:
      case JJ_AGG_LAST:
      case JJ_AGG_DELTA:
        EXPECT(g == w, "%s: got %.17g want %.17g exactly", jj_agg_name(a), g, w);
        break;
      case JJ_AGG_SUM: expect_close(a, g, w, 1e-9 * r->sumabs + 1e-300); break;
      case JJ_AGG_MEAN: expect_close(a, g, w, 1e-9 * r->sumabs / (double)r->n + 1e-300); break;
      case JJ_AGG_VARIANCE: expect_close(a, g, w, 1e-9 * w + 1e-12 * vscale * vscale); break;
      case JJ_AGG_STDDEV: expect_close(a, g, w, 1e-9 * w + 1e-6 * vscale); break;
      case JJ_AGG_SLOPE:
        expect_close(a, g, w, 1e-9 * (fabs(w) + (r->sd_v + 1e-3 * vscale) / r->sd_t));
        break;
      case JJ_AGG_EWMA:
        /* Samples hundreds of half-lives old weigh less than the sums'
         * double-double resolution (~2^-106 of the newest weight): when
         * the recent values are ~0 their share may be lost. */
        expect_close(a, g, w,
                     1e-9 * r->ewma_abs + 1e-20 * fmax(fabs(r->vmin), fabs(r->vmax)) + 1e-300);
        break;
      case JJ_AGG_PERCENTILE: {
        double err = fabs(g - w);
        if (fabs(w) < ac->floor) {
          EXPECT(err < ac->floor, "percentile: got %.17g want %.17g (|x| < floor %g)", g, w,
                 ac->floor);
        } else {
          double tol = ac->alpha * fabs(w) * (1.0 + 1e-9);
          note_err(a, err, tol);
          EXPECT(err <= tol, "percentile q=%g: got %.17g want %.17g (rel err %.6g > alpha %g)",
                 ac->q, g, w, err / fabs(w), ac->alpha);
        }
        break;
      }
      case JJ_AGG_NOWCAST:
      case JJ_AGG_C24E_PM25:
      case JJ_AGG_C24E_PM10:
      case JJ_AGG__COUNT: break;
    }
  }
}

static int ref_complete(const jj_window_config *c, size_t n) {
  if (n == 0 || n < c->min_samples) return 0;
  if (c->min_coverage > 0.0) {
    double cov = c->kind == JJ_WINDOW_SLIDING_COUNT
                     ? (double)n / (double)c->count
                     : (double)n * (double)c->expected_interval_ms / (double)c->span_ms;
    if (cov < c->min_coverage) return 0;
  }
  return 1;
}

/* jj_window_value must agree with the stats for every aggregate, and give
 * the documented status. */
static void check_value_calls(const jj_window *w, const jj_window_stats *st, uint32_t aggs,
                              size_t n, int complete) {
  for (int a = 0; a < JJ_AGG__COUNT; a++) {
    jj_status s;
    double v = value_of(w, (jj_agg)a, &s);
    if (!(aggs & JJ_AGG_BIT(a))) {
      EXPECT(s == JJ_EINVAL, "%s disabled: %s", jj_agg_name(a), jj_status_name(s));
      EXPECT(isnan(v), "%s disabled: out = %g", jj_agg_name(a), v);
      continue;
    }
    EXPECT(same_double(v, st->value[a]), "%s: value %.17g, stats %.17g", jj_agg_name(a), v,
           st->value[a]);
    jj_status want = (n == 0 || isnan(st->value[a])) ? JJ_ENODATA
                     : complete                      ? JJ_OK
                                                     : JJ_EINCOMPLETE;
    EXPECT(s == want, "%s status %s want %s", jj_agg_name(a), jj_status_name(s),
           jj_status_name(want));
  }
}

static void expect_counters(const jj_window *w, const jj_window_counters *want) {
  jj_window_counters c;
  jj_window_counters_get(w, &c);
#define CMP_CTR(f)                                                                     \
  EXPECT(c.f == want->f, "counter " #f ": got %" PRIu64 " want %" PRIu64, (uint64_t)c.f, \
         (uint64_t)want->f)
  CMP_CTR(accepted);
  CMP_CTR(rejected_late);
  CMP_CTR(rejected_invalid);
  CMP_CTR(rejected_full);
  CMP_CTR(duplicates);
  CMP_CTR(evicted);
  CMP_CTR(closed);
  CMP_CTR(closed_dropped);
#undef CMP_CTR
}

/* ======================================================================
 * The simulation: a window and its reference side by side
 * ====================================================================== */

typedef struct sim {
  jj_window_config cfg;
  aggcfg ac;
  uint32_t max_samples; /* effective cap */
  jj_window *w;
  tu_alloc alc;
  rstore st; /* sliding: the window; TUMBLING: every accepted sample */
  int has_now;
  int64_t now;
  uint64_t seq;
  jj_window_counters ctr;
  double amp;
  unsigned long checks;
  /* TUMBLING */
  int has_first_b;
  int64_t next_end; /* end of the next window to be closed */
} sim;

static void sim_init(sim *s, const jj_window_config *cfg, double amp) {
  memset(s, 0, sizeof *s);
  s->cfg = *cfg;
  if (s->cfg.kind == JJ_WINDOW_TUMBLING && s->cfg.hop_ms == 0) s->cfg.hop_ms = s->cfg.span_ms;
  s->ac = aggcfg_of(cfg);
  s->max_samples = cfg->kind == JJ_WINDOW_SLIDING_COUNT ? cfg->count + 1
                   : cfg->max_samples                   ? cfg->max_samples
                                                        : 65536u;
  s->amp = amp;
  tu_alloc_init(&s->alc);
  s->w = new_window(cfg, &s->alc.alc);
}

static void sim_free(sim *s) {
  jj_window_free(s->w);
  EXPECT(s->alc.live_blocks == 0 && s->alc.live_bytes == 0, "leak: %zu blocks, %zu bytes",
         s->alc.live_blocks, s->alc.live_bytes);
  EXPECT(s->alc.errors == 0, "allocator misuse: %lu", s->alc.errors);
  rs_free(&s->st);
}

static int64_t boundary_after(const jj_window_config *c, int64_t x) {
  return c->align_ms + (floor_div64(x - c->align_ms, c->hop_ms) + 1) * c->hop_ms;
}

/* TUMBLING: end of the open window. */
static int64_t open_end(const sim *s) {
  int64_t b = boundary_after(&s->cfg, s->now - s->cfg.lateness_ms);
  int64_t first = s->next_end; /* never below the first window */
  return b > first ? b : first;
}

static void ref_time(sim *s) {
  if (s->cfg.kind == JJ_WINDOW_SLIDING_TIME) {
    int64_t cutoff = s->now - s->cfg.span_ms;
    while (rs_count(&s->st) && s->st.s[s->st.head].ts <= cutoff) {
      rs_pop_front(&s->st);
      s->ctr.evicted++;
    }
  }
}

static size_t ref_stored(const sim *s) {
  if (s->cfg.kind != JJ_WINDOW_TUMBLING) return rs_count(&s->st);
  if (!s->has_first_b) return 0;
  return s->st.n - rs_lower(&s->st, open_end(s) - s->cfg.span_ms);
}

static jj_status ref_push(sim *s, int64_t ts, double v) {
  if (!isfinite(v)) {
    s->ctr.rejected_invalid++;
    return JJ_ENAN;
  }
  if (ts < -TS_LIMIT || ts > TS_LIMIT) {
    s->ctr.rejected_invalid++;
    return JJ_EINVAL;
  }
  if (s->has_now && ts < s->now - s->cfg.lateness_ms) {
    s->ctr.rejected_late++;
    return JJ_ELATE;
  }
  if (s->cfg.kind == JJ_WINDOW_TUMBLING && !s->has_first_b) {
    /* The first window is the one that holds the oldest sample that can
     * still be accepted. */
    int64_t nw = s->has_now && s->now > ts ? s->now : ts;
    int64_t e = nw - s->cfg.lateness_ms < ts ? nw - s->cfg.lateness_ms : ts;
    s->has_first_b = 1;
    s->next_end = boundary_after(&s->cfg, e);
  }
  if (!s->has_now || ts > s->now) {
    s->has_now = 1;
    s->now = ts;
    ref_time(s);
  }
  size_t pos = rs_upper(&s->st, ts);
  if (pos > s->st.head && s->st.s[pos - 1].ts == ts) {
    s->ctr.duplicates++;
    if (s->cfg.duplicates == JJ_DUP_REJECT) return JJ_EDUPLICATE;
    if (s->cfg.duplicates == JJ_DUP_REPLACE) {
      s->st.s[pos - 1].v = v;
      s->ctr.accepted++;
      return JJ_OK;
    }
  }
  if (ref_stored(s) >= s->max_samples) {
    s->ctr.rejected_full++;
    return JJ_EFULL;
  }
  rs_insert(&s->st, ts, v, s->seq++);
  s->ctr.accepted++;
  if (s->cfg.kind == JJ_WINDOW_SLIDING_COUNT) {
    while (rs_count(&s->st) > s->cfg.count) {
      rs_pop_front(&s->st);
      s->ctr.evicted++;
    }
  }
  return JJ_OK;
}

static jj_status ref_advance(sim *s, int64_t now) {
  if (now < -TS_LIMIT || now > TS_LIMIT) return JJ_EINVAL;
  if (s->has_now && now <= s->now) return JJ_OK;
  s->has_now = 1;
  s->now = now;
  ref_time(s);
  return JJ_OK;
}

/* TUMBLING: pop every closed result and check it against the reference. */
static void check_closed(sim *s) {
  const jj_window_config *c = &s->cfg;
  jj_window_stats r;
  int prev_empty = 0;
  while (jj_window_pop_closed(s->w, &r)) {
    EXPECT(s->has_first_b, "a window closed before any sample");
    EXPECT(r.windows >= 1, "windows = %u", r.windows);
    int64_t first_end = r.start_ms + c->span_ms;
    EXPECT(first_end == s->next_end, "closed window ends at %" PRId64 ", expected %" PRId64,
           first_end, s->next_end);
    EXPECT(r.end_ms == first_end + (int64_t)(r.windows - 1) * c->hop_ms,
           "end %" PRId64 " for %u windows from %" PRId64, r.end_ms, r.windows, r.start_ms);
    EXPECT(r.end_ms <= s->now - c->lateness_ms, "closed before the watermark passed its end");
    size_t lo = rs_lower(&s->st, r.start_ms), hi = rs_lower(&s->st, r.end_ms);
    if (r.count == 0 || r.windows > 1) {
      EXPECT(r.count == 0, "a run of %u windows with %" PRIu64 " samples", r.windows, r.count);
      EXPECT(hi == lo, "reported empty but %zu samples in [%" PRId64 ", %" PRId64 ")", hi - lo,
             r.start_ms, r.end_ms);
      EXPECT(!prev_empty, "two empty runs in a row from one call");
      EXPECT(r.complete == 0, "empty window complete");
      for (int a = 0; a < JJ_AGG__COUNT; a++) {
        if (a == JJ_AGG_COUNT && (s->ac.aggs & JJ_AGG_BIT(a)))
          EXPECT(r.value[a] == 0.0, "count of empty run %g", r.value[a]);
        else
          EXPECT(isnan(r.value[a]), "%s of empty run %g", jj_agg_name(a), r.value[a]);
      }
      prev_empty = 1;
    } else {
      EXPECT(r.count == hi - lo, "closed [%" PRId64 ", %" PRId64 "): count %" PRIu64 " want %zu",
             r.start_ms, r.end_ms, r.count, hi - lo);
      rvals rv;
      ref_aggregates(s->st.s + lo, hi - lo, &s->ac, &rv);
      compare_values(r.value, &rv, &s->ac, s->amp);
      EXPECT(r.complete == ref_complete(c, hi - lo), "complete %d", r.complete);
      prev_empty = 0;
    }
    s->ctr.closed += r.windows;
    s->next_end = r.end_ms + c->hop_ms;
  }
}

/* The full comparison after one operation. */
static void sim_check(sim *s) {
  const jj_window_config *c = &s->cfg;
  size_t lo = s->st.head, hi = s->st.n;
  int64_t ostart = 0, oend = 0;
  if (c->kind == JJ_WINDOW_TUMBLING) {
    check_closed(s);
    if (s->has_first_b) {
      oend = open_end(s);
      ostart = oend - c->span_ms;
      lo = rs_lower(&s->st, ostart);
      hi = rs_lower(&s->st, oend);
      s->ctr.evicted = lo; /* every sample before the open window has left */
    } else {
      lo = hi = 0;
    }
  }
  size_t n = hi - lo;
  rvals rv;
  ref_aggregates(n ? s->st.s + lo : s->st.s, n, &s->ac, &rv); /* no NULL + 0 */

  jj_window_stats st;
  jj_status got = jj_window_stats_get(s->w, &st);
  int complete = ref_complete(c, n);
  jj_status want = n == 0 ? JJ_ENODATA : complete ? JJ_OK : JJ_EINCOMPLETE;
  EXPECT(got == want, "stats status %s want %s (n=%zu)", jj_status_name(got),
         jj_status_name(want), n);
  EXPECT(st.count == n, "count %" PRIu64 " want %zu", st.count, n);
  EXPECT(st.complete == complete, "complete %d want %d", st.complete, complete);
  EXPECT(st.windows == 1, "windows %u", st.windows);
  switch (c->kind) {
    case JJ_WINDOW_SLIDING_TIME:
      if (s->has_now) {
        EXPECT(st.end_ms == s->now && st.start_ms == s->now - c->span_ms,
               "bounds (%" PRId64 ", %" PRId64 "]", st.start_ms, st.end_ms);
      }
      break;
    case JJ_WINDOW_SLIDING_COUNT:
      if (n) {
        EXPECT(st.start_ms == s->st.s[lo].ts && st.end_ms == s->st.s[hi - 1].ts,
               "bounds [%" PRId64 ", %" PRId64 "]", st.start_ms, st.end_ms);
      }
      break;
    case JJ_WINDOW_TUMBLING:
      EXPECT(st.start_ms == ostart && st.end_ms == oend,
             "open window [%" PRId64 ", %" PRId64 ") want [%" PRId64 ", %" PRId64 ")",
             st.start_ms, st.end_ms, ostart, oend);
      if (s->has_first_b) EXPECT(oend > s->now - c->lateness_ms, "a due window is still open");
      break;
  }
  compare_values(st.value, &rv, &s->ac, s->amp);
  /* jj_window_value repeats what the stats computed: every third check is
   * enough to pin the two together. */
  if (s->checks++ % 3 == 0) check_value_calls(s->w, &st, s->ac.aggs, n, complete);
  expect_counters(s->w, &s->ctr);
  int64_t now = jj_window_now(s->w);
  EXPECT(now == (s->has_now ? s->now : INT64_MIN), "now %" PRId64, now);
  EXPECT(jj_window_memory(s->w) == s->alc.live_bytes, "memory %zu, allocator says %zu",
         jj_window_memory(s->w), s->alc.live_bytes);
}

static void sim_push(sim *s, int64_t ts, double v) {
  if (g_trace) printf("push %" PRId64 " %.17g\n", ts, v);
  jj_status want = ref_push(s, ts, v);
  jj_status got = jj_window_push(s->w, ts, v);
  EXPECT(got == want, "push(%" PRId64 ", %.17g): %s want %s", ts, v, jj_status_name(got),
         jj_status_name(want));
}

static void sim_advance(sim *s, int64_t now) {
  if (g_trace) printf("advance %" PRId64 "\n", now);
  jj_status want = ref_advance(s, now);
  jj_status got = jj_window_advance(s->w, now);
  EXPECT(got == want, "advance(%" PRId64 "): %s want %s", now, jj_status_name(got),
         jj_status_name(want));
}

/* ======================================================================
 * Randomized streams
 * ====================================================================== */

typedef struct gen {
  tu_rng rng;
  int64_t t;        /* the stream's clock */
  int64_t step_max; /* in-order steps are uniform in [0, step_max] */
  double p_gap;     /* a jump of gap_lo..gap_hi */
  int64_t gap_lo, gap_hi;
  double p_ooo;     /* an out-of-order sample, up to ooo_max behind */
  int64_t ooo_max;
  double p_dup;     /* reuse the timestamp of a stored sample */
  double p_bad;     /* NaN, Inf or a timestamp out of range */
  double p_adv;     /* jj_window_advance instead of a push */
  double base, amp, p_level;
  double quant;     /* > 0: round values to this step (ties) */
  double p_tiny;    /* a value around the percentile floor */
  double tiny;
} gen;

static double gen_value(gen *g) {
  tu_rng *r = &g->rng;
  if (tu_rng_chance(r, g->p_level)) g->base += g->amp * (double)tu_rng_range(r, -20, 20);
  if (tu_rng_chance(r, g->p_tiny)) return (2.0 * tu_rng_unit(r) - 1.0) * 2.0 * g->tiny;
  double v = g->base + g->amp * (2.0 * tu_rng_unit(r) - 1.0);
  if (g->quant > 0) v = g->base + g->quant * round((v - g->base) / g->quant);
  return v;
}

/* One random operation on the simulation. */
static void gen_step(gen *g, sim *s) {
  tu_rng *r = &g->rng;
  if (tu_rng_chance(r, g->p_bad)) {
    switch (tu_rng_below(r, 6)) {
      case 0: sim_push(s, g->t, NAN); break;
      case 1: sim_push(s, g->t, INFINITY); break;
      case 2: sim_push(s, g->t, -INFINITY); break;
      case 3: sim_push(s, TS_LIMIT + 1 + (int64_t)tu_rng_below(r, 1000), 1.0); break;
      case 4: sim_push(s, -TS_LIMIT - 1 - (int64_t)tu_rng_below(r, 1000), 1.0); break;
      default: sim_push(s, tu_rng_chance(r, 0.5) ? INT64_MIN : INT64_MAX, 1.0); break;
    }
    return;
  }
  if (tu_rng_chance(r, g->p_adv)) {
    g->t += tu_rng_range(r, 0, g->step_max * 3);
    sim_advance(s, g->t - (int64_t)tu_rng_below(r, 2) * g->step_max); /* sometimes backwards */
    return;
  }
  int64_t ts;
  if (tu_rng_chance(r, g->p_dup) && rs_count(&s->st)) {
    const rstore *st = &s->st;
    ts = st->s[st->head + tu_rng_below(r, rs_count(st))].ts;
  } else if (tu_rng_chance(r, g->p_ooo)) {
    ts = g->t - tu_rng_range(r, 0, g->ooo_max);
  } else {
    if (tu_rng_chance(r, g->p_gap))
      g->t += tu_rng_range(r, g->gap_lo, g->gap_hi);
    else
      g->t += tu_rng_range(r, 0, g->step_max);
    ts = g->t;
  }
  sim_push(s, ts, gen_value(g));
}

static void trace_config(const jj_window_config *c) {
  printf("kind %d span %" PRId64 " hop %" PRId64 " align %" PRId64 " count %u lateness %" PRId64
         " aggs %#x min_samples %u cov %g interval %" PRId64 " max %u pre %d q %g alpha %g"
         " floor %g halflife %" PRId64 " dup %d\n",
         c->kind, c->span_ms, c->hop_ms, c->align_ms, c->count, c->lateness_ms, c->aggregates,
         c->min_samples, c->min_coverage, c->expected_interval_ms, c->max_samples, c->preallocate,
         c->percentile, c->percentile_accuracy, c->percentile_floor, c->ewma_halflife_ms,
         c->duplicates);
}

static const jj_dup_policy policies[] = {JJ_DUP_KEEP, JJ_DUP_REPLACE, JJ_DUP_REJECT};

/* Aggregates: usually all, sometimes a random non-empty subset. */
static uint32_t random_aggs(tu_rng *r) {
  if (tu_rng_chance(r, 0.7)) return JJ_AGG_ALL;
  if (tu_rng_chance(r, 0.1)) return 0; /* the default set */
  uint32_t m = (uint32_t)tu_rng_below(r, JJ_AGG_ALL) + 1u;
  return m;
}

static void random_common(tu_rng *r, jj_window_config *c) {
  c->aggregates = random_aggs(r);
  c->duplicates = policies[tu_rng_below(r, 3)];
  static const double qs[] = {0.0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1.0};
  c->percentile = tu_rng_chance(r, 0.3) ? tu_rng_unit(r) : qs[tu_rng_below(r, 8)];
  static const double alphas[] = {0.0, 0.001, 0.01, 0.05, 0.2};
  c->percentile_accuracy = alphas[tu_rng_below(r, 5)];
  static const double floors[] = {0.0, 1e-9, 1e-3, 0.5};
  c->percentile_floor = floors[tu_rng_below(r, 4)];
  if (tu_rng_chance(r, 0.3)) c->min_samples = (uint32_t)tu_rng_range(r, 1, 20);
  c->preallocate = tu_rng_chance(r, 0.2);
}

static void random_gen(tu_rng *r, gen *g, int64_t step_max) {
  memset(g, 0, sizeof *g);
  tu_rng_seed(&g->rng, tu_rng_next(r));
  static const int64_t t0s[] = {0, DAY0, -5000000, 1};
  g->t = t0s[tu_rng_below(r, 4)];
  g->step_max = step_max;
  g->p_gap = tu_rng_chance(r, 0.5) ? 0.01 : 0.0;
  g->p_ooo = tu_rng_chance(r, 0.6) ? 0.15 : 0.0;
  g->p_dup = tu_rng_chance(r, 0.5) ? 0.08 : 0.0;
  g->p_bad = 0.01;
  g->p_adv = tu_rng_chance(r, 0.3) ? 0.05 : 0.0;
  static const double bases[] = {0.0, 35.0, 1e4, -250.0};
  static const double amps[] = {1.0, 10.0, 100.0, 0.01};
  g->base = bases[tu_rng_below(r, 4)];
  g->amp = amps[tu_rng_below(r, 4)];
  g->p_level = tu_rng_chance(r, 0.3) ? 0.002 : 0.0;
  g->quant = tu_rng_chance(r, 0.3) ? g->amp / 4 : 0.0;
  g->p_tiny = tu_rng_chance(r, 0.2) ? 0.05 : 0.0;
  g->tiny = 1e-3;
}

/* Window size classes: tiny, small, medium, big (10^4). */
static const struct {
  uint32_t lo, hi;
  int pushes, every, seeds;
} classes[] = {
    {1, 4, 400, 1, 40},
    {5, 64, 800, 1, 40},
    {65, 1000, 2500, 13, 12},
    {10000, 10000, 24000, 1500, 2},
};

static void run_sliding(jj_window_kind kind) {
  int nclass = (int)(sizeof classes / sizeof classes[0]);
  for (int cl = 0; cl < nclass; cl++) {
    int seeds = classes[cl].seeds * g_scale / g_div;
    if (seeds < 1) seeds = 1;
    for (int k = 0; k < seeds; k++) {
      uint64_t seed = ((uint64_t)kind << 40) ^ ((uint64_t)cl << 32) ^ (uint64_t)k;
      if (g_only_set && seed != g_only_seed) continue;
      where.seed = seed;
      where.step = -1;
      tu_rng r;
      tu_rng_seed(&r, seed);
      uint32_t N = (uint32_t)tu_rng_range(&r, classes[cl].lo, classes[cl].hi);
      jj_window_config c;
      jj_window_config_init(&c);
      c.kind = kind;
      random_common(&r, &c);
      gen g;
      int64_t step_max = tu_rng_chance(&r, 0.5) ? 10 : 1000;
      random_gen(&r, &g, step_max);
      int64_t span = (int64_t)N * (step_max / 2 + 1);
      if (kind == JJ_WINDOW_SLIDING_TIME) {
        c.span_ms = span;
        c.lateness_ms = tu_rng_chance(&r, 0.4) ? 0 : tu_rng_range(&r, 0, span - 1);
        if (tu_rng_chance(&r, 0.3)) c.lateness_ms = tu_rng_range(&r, 0, step_max * 3);
        if (c.lateness_ms >= span) c.lateness_ms = span - 1;
        if (tu_rng_chance(&r, 0.2)) c.max_samples = (uint32_t)tu_rng_range(&r, 1, 2 * N + 2);
        if (tu_rng_chance(&r, 0.3)) {
          c.min_coverage = tu_rng_unit(&r);
          c.expected_interval_ms = step_max / 2 + 1;
        }
      } else {
        c.count = N;
        c.lateness_ms = tu_rng_chance(&r, 0.4) ? 0 : tu_rng_range(&r, 0, step_max * 5);
        if (tu_rng_chance(&r, 0.3)) c.min_coverage = tu_rng_unit(&r);
      }
      static const int64_t hls[] = {1, 10, 1000, 60000, 3600000};
      c.ewma_halflife_ms = tu_rng_chance(&r, 0.5) ? span / 4 + 1 : hls[tu_rng_below(&r, 5)];
      g.ooo_max = c.lateness_ms + c.lateness_ms / 4 + 2; /* some are late */
      g.gap_lo = span / 2 + 1;
      g.gap_hi = span * 3 + 10;

      if (g_trace) trace_config(&c);
      sim s;
      sim_init(&s, &c, g.amp);
      sim_check(&s);
      int pushes = classes[cl].pushes, every = classes[cl].every;
      for (int i = 0; i < pushes; i++) {
        where.step = i;
        gen_step(&g, &s);
        if (every == 1 || i % every == 0 || i == pushes - 1) sim_check(&s);
      }
      /* Let everything expire. */
      if (kind == JJ_WINDOW_SLIDING_TIME) {
        sim_advance(&s, g.t + span + c.lateness_ms + 1);
        sim_check(&s);
      }
      jj_window_reset(s.w);
      jj_window_stats st;
      EXPECT(jj_window_stats_get(s.w, &st) == JJ_ENODATA, "reset left data");
      EXPECT(jj_window_now(s.w) == INT64_MIN, "reset left time");
      sim_free(&s);
    }
  }
}

static void test_random_sliding_time(void **state) {
  (void)state;
  where.test = "sliding_time";
  run_sliding(JJ_WINDOW_SLIDING_TIME);
}

static void test_random_sliding_count(void **state) {
  (void)state;
  where.test = "sliding_count";
  run_sliding(JJ_WINDOW_SLIDING_COUNT);
}

static void test_random_tumbling(void **state) {
  (void)state;
  where.test = "tumbling";
  for (int k = 0; k < 60 * g_scale / g_div; k++) {
    uint64_t seed = 0x7500000000ull + (uint64_t)k;
    if (g_only_set && seed != g_only_seed) continue;
    where.seed = seed;
    where.step = -1;
    tu_rng r;
    tu_rng_seed(&r, seed);
    jj_window_config c;
    jj_window_config_init(&c);
    c.kind = JJ_WINDOW_TUMBLING;
    random_common(&r, &c);
    gen g;
    int64_t step_max;
    switch (tu_rng_below(&r, 3)) {
      case 0: /* hourly, samples every few minutes */
        c.span_ms = HOUR;
        c.hop_ms = tu_rng_chance(&r, 0.5) ? 0 : HOUR;
        c.align_ms = 0;
        step_max = 10 * MINUTE;
        break;
      case 1: /* hopping: 3 h windows every hour */
        c.span_ms = 3 * HOUR;
        c.hop_ms = HOUR;
        c.align_ms = tu_rng_chance(&r, 0.5) ? 0 : 15 * MINUTE;
        step_max = 10 * MINUTE;
        break;
      default: /* anything */
        c.span_ms = tu_rng_range(&r, 1, 2000);
        c.hop_ms = tu_rng_chance(&r, 0.3) ? 0 : tu_rng_range(&r, 1, c.span_ms);
        c.align_ms = tu_rng_range(&r, -5000, 5000);
        step_max = tu_rng_range(&r, 1, c.span_ms / 4 + 1);
        break;
    }
    int64_t hop = c.hop_ms ? c.hop_ms : c.span_ms;
    c.lateness_ms = tu_rng_chance(&r, 0.4) ? 0 : tu_rng_range(&r, 0, 3 * hop);
    if (tu_rng_chance(&r, 0.2)) c.max_samples = (uint32_t)tu_rng_range(&r, 1, 200);
    if (tu_rng_chance(&r, 0.3)) {
      c.min_coverage = tu_rng_unit(&r);
      c.expected_interval_ms = step_max / 2 + 1;
    }
    c.ewma_halflife_ms = c.span_ms / 3 + 1;
    random_gen(&r, &g, step_max);
    g.ooo_max = c.lateness_ms + c.lateness_ms / 4 + 2;
    g.gap_lo = hop;
    g.gap_hi = 6 * c.span_ms;
    g.p_adv = 0.1;

    if (g_trace) trace_config(&c);
    sim s;
    sim_init(&s, &c, g.amp);
    sim_check(&s);
    for (int i = 0; i < 1500; i++) {
      where.step = i;
      gen_step(&g, &s);
      sim_check(&s);
    }
    sim_advance(&s, g.t + c.span_ms + c.lateness_ms + 2 * hop);
    sim_check(&s);
    sim_free(&s);
  }
}

/* ======================================================================
 * Deterministic cases
 * ====================================================================== */

static jj_window_config tumbling_hourly(int64_t lateness) {
  jj_window_config c;
  jj_window_config_init(&c);
  c.kind = JJ_WINDOW_TUMBLING;
  c.span_ms = HOUR;
  c.hop_ms = HOUR;
  c.align_ms = 0;
  c.lateness_ms = lateness;
  c.aggregates = JJ_AGG_ALL;
  return c;
}

static void expect_push(jj_window *w, int64_t ts, double v, jj_status want) {
  jj_status got = jj_window_push(w, ts, v);
  EXPECT(got == want, "push(%" PRId64 ", %g): %s want %s", ts, v, jj_status_name(got),
         jj_status_name(want));
}

static void expect_closed(jj_window *w, int64_t start, int64_t end, uint32_t windows,
                          uint64_t count, double mean) {
  jj_window_stats r;
  EXPECT(jj_window_pop_closed(w, &r) == 1, "no closed window, expected [%" PRId64 ", %" PRId64 ")",
         start, end);
  EXPECT(r.start_ms == start && r.end_ms == end,
         "closed [%" PRId64 ", %" PRId64 ") want [%" PRId64 ", %" PRId64 ")", r.start_ms, r.end_ms,
         start, end);
  EXPECT(r.windows == windows, "windows %u want %u", r.windows, windows);
  EXPECT(r.count == count, "count %" PRIu64 " want %" PRIu64, r.count, count);
  EXPECT(same_double(r.value[JJ_AGG_MEAN], mean), "mean %.17g want %.17g", r.value[JJ_AGG_MEAN],
         mean);
  EXPECT(r.value[JJ_AGG_COUNT] == (double)count, "value[count] %g", r.value[JJ_AGG_COUNT]);
}

static void expect_no_closed(jj_window *w) {
  jj_window_stats r;
  int got = jj_window_pop_closed(w, &r);
  EXPECT(got == 0, "unexpected closed window [%" PRId64 ", %" PRId64 ")", r.start_ms, r.end_ms);
}

static void test_tumbling_hour_edges(void **state) {
  (void)state;
  where.test = "tumbling_hour_edges";
  jj_window_config c = tumbling_hourly(0);
  jj_window *w = new_window(&c, NULL);
  const int64_t h12 = DAY0 + 12 * HOUR, h13 = h12 + HOUR, h14 = h13 + HOUR;
  expect_push(w, h13 - 1, 1.0, JJ_OK); /* 12:59:59.999 */
  expect_no_closed(w);
  expect_push(w, h13, 2.0, JJ_OK); /* 13:00:00.000 closes [12:00, 13:00) */
  expect_closed(w, h12, h13, 1, 1, 1.0);
  expect_no_closed(w);
  expect_push(w, h13 + 30 * MINUTE, 3.0, JJ_OK);
  jj_window_stats st;
  EXPECT(jj_window_stats_get(w, &st) == JJ_OK, "open window");
  EXPECT(st.start_ms == h13 && st.end_ms == h14 && st.count == 2, "open [13,14) with 2");
  EXPECT(st.value[JJ_AGG_MEAN] == 2.5 && st.value[JJ_AGG_FIRST] == 2.0 &&
             st.value[JJ_AGG_LAST] == 3.0 && st.value[JJ_AGG_MIN] == 2.0,
         "open aggregates");
  expect_push(w, h14, 4.0, JJ_OK);
  {
    jj_window_stats r;
    EXPECT(jj_window_pop_closed(w, &r), "[13,14) closed");
    EXPECT(r.start_ms == h13 && r.end_ms == h14 && r.count == 2 && r.windows == 1, "[13,14)");
    EXPECT(r.value[JJ_AGG_MEAN] == 2.5 && r.value[JJ_AGG_MIN] == 2.0 &&
               r.value[JJ_AGG_MAX] == 3.0 && r.value[JJ_AGG_FIRST] == 2.0 &&
               r.value[JJ_AGG_LAST] == 3.0 && r.value[JJ_AGG_DELTA] == 1.0 &&
               r.value[JJ_AGG_SUM] == 5.0 && r.value[JJ_AGG_VARIANCE] == 0.25,
           "[13,14) aggregates");
    EXPECT(fabs(r.value[JJ_AGG_SLOPE] - 1.0 / 1800.0) < 1e-15, "slope %g", r.value[JJ_AGG_SLOPE]);
    EXPECT(r.complete == 1, "complete");
  }
  /* A gap: 14:00 holds one sample, 15..17 are empty, 18:10 is new. */
  expect_push(w, h14 + 4 * HOUR + 10 * MINUTE, 5.0, JJ_OK);
  expect_closed(w, h14, h14 + HOUR, 1, 1, 4.0);
  {
    jj_window_stats r;
    EXPECT(jj_window_pop_closed(w, &r), "empty run");
    EXPECT(r.start_ms == h14 + HOUR && r.end_ms == h14 + 4 * HOUR, "run bounds [%" PRId64
           ", %" PRId64 ")", r.start_ms - DAY0, r.end_ms - DAY0);
    EXPECT(r.windows == 3 && r.count == 0 && r.complete == 0, "run of 3 empty hours: %u",
           r.windows);
    EXPECT(r.value[JJ_AGG_COUNT] == 0.0 && isnan(r.value[JJ_AGG_MEAN]) &&
               isnan(r.value[JJ_AGG_MIN]),
           "empty values");
  }
  expect_no_closed(w);
  /* advance closes windows without samples. */
  EXPECT(jj_window_advance(w, h14 + 5 * HOUR) == JJ_OK, "advance");
  expect_closed(w, h14 + 4 * HOUR, h14 + 5 * HOUR, 1, 1, 5.0);
  expect_no_closed(w);
  EXPECT(jj_window_advance(w, h14 + 9 * HOUR + 1) == JJ_OK, "advance");
  expect_closed(w, h14 + 5 * HOUR, h14 + 9 * HOUR, 4, 0, NAN);
  expect_no_closed(w);
  EXPECT(jj_window_advance(w, h14 + 8 * HOUR) == JJ_OK, "advance backwards is ignored");
  EXPECT(jj_window_now(w) == h14 + 9 * HOUR + 1, "now");
  expect_no_closed(w);
  jj_window_counters ctr;
  jj_window_counters_get(w, &ctr);
  EXPECT(ctr.closed == 1 + 1 + 1 + 3 + 1 + 4, "closed %" PRIu64, ctr.closed);
  EXPECT(ctr.accepted == 5 && ctr.closed_dropped == 0, "counters");
  /* Open window is [h14+9h, h14+10h) and empty. */
  EXPECT(jj_window_stats_get(w, &st) == JJ_ENODATA, "empty open window");
  EXPECT(st.start_ms == h14 + 9 * HOUR && st.count == 0, "open window after advance");
  jj_window_free(w);
}

static void test_tumbling_lateness(void **state) {
  (void)state;
  where.test = "tumbling_lateness";
  const int64_t h12 = DAY0 + 12 * HOUR, h13 = h12 + HOUR, h14 = h13 + HOUR;
  jj_window_config c = tumbling_hourly(10 * MINUTE);
  jj_window *w = new_window(&c, NULL);
  expect_push(w, h13 + 5 * MINUTE, 1.0, JJ_OK);
  expect_push(w, h14 + 2 * MINUTE, 10.0, JJ_OK); /* watermark 13:52: [13,14) stays open */
  /* [12,13) was open first (a sample from 12:55 could still have come). */
  expect_closed(w, h12, h13, 1, 0, NAN);
  expect_no_closed(w);
  expect_push(w, h13 + 55 * MINUTE, 3.0, JJ_OK); /* late but within lateness */
  expect_push(w, h14 + 9 * MINUTE, 20.0, JJ_OK);
  expect_no_closed(w);
  expect_push(w, h14 + 10 * MINUTE, 30.0, JJ_OK); /* watermark 14:00 closes [13,14) */
  expect_closed(w, h13, h14, 1, 2, 2.0);
  expect_no_closed(w);
  expect_push(w, h14 - 1, 5.0, JJ_ELATE); /* its hour is closed */
  expect_push(w, h14, 40.0, JJ_OK);       /* exactly the watermark: accepted */
  jj_window_counters ctr;
  jj_window_counters_get(w, &ctr);
  EXPECT(ctr.rejected_late == 1 && ctr.accepted == 6, "counters late %" PRIu64,
         ctr.rejected_late);
  double v;
  EXPECT(jj_window_value(w, JJ_AGG_MEAN, &v) == JJ_OK && v == 25.0, "open mean %g", v);
  jj_window_free(w);

  /* A late sample before the first sample's hour lands in its own hour. */
  w = new_window(&c, NULL);
  expect_push(w, h13 + 5 * MINUTE, 1.0, JJ_OK);
  expect_push(w, h13 - 2 * MINUTE, 7.0, JJ_OK); /* 12:58 */
  expect_push(w, h13 + 20 * MINUTE, 2.0, JJ_OK); /* watermark 13:10 */
  expect_closed(w, h12, h13, 1, 1, 7.0);
  EXPECT(jj_window_value(w, JJ_AGG_MEAN, &v) == JJ_OK && v == 1.5, "open mean %g", v);
  jj_window_free(w);

  /* Time set by advance before the first sample. */
  w = new_window(&c, NULL);
  EXPECT(jj_window_advance(w, h13 + 30 * MINUTE) == JJ_OK, "advance");
  expect_push(w, h13 + 19 * MINUTE, 1.0, JJ_ELATE);
  expect_push(w, h13 + 25 * MINUTE, 2.0, JJ_OK);
  jj_window_stats st;
  EXPECT(jj_window_stats_get(w, &st) == JJ_OK, "stats");
  EXPECT(st.start_ms == h13 && st.end_ms == h14 && st.count == 1, "[13,14) holds it: [%" PRId64
         ", %" PRId64 ") n=%" PRIu64, st.start_ms - DAY0, st.end_ms - DAY0, st.count);
  EXPECT(jj_window_advance(w, h14 + 10 * MINUTE) == JJ_OK, "advance");
  expect_closed(w, h13, h14, 1, 1, 2.0);
  expect_no_closed(w);
  jj_window_free(w);
}

static void test_hopping(void **state) {
  (void)state;
  where.test = "hopping";
  const int64_t h10 = DAY0 + 10 * HOUR;
  jj_window_config c = tumbling_hourly(0);
  c.span_ms = 3 * HOUR;
  jj_window *w = new_window(&c, NULL);
  expect_push(w, h10 + 2 * HOUR + 30 * MINUTE, 1.0, JJ_OK); /* 12:30 */
  expect_push(w, h10 + 3 * HOUR + 30 * MINUTE, 2.0, JJ_OK); /* 13:30 closes [10,13) */
  expect_push(w, h10 + 4 * HOUR + 30 * MINUTE, 3.0, JJ_OK); /* 14:30 closes [11,14) */
  expect_push(w, h10 + 6 * HOUR, 4.0, JJ_OK);               /* 16:00 closes [12,15), [13,16) */
  expect_closed(w, h10, h10 + 3 * HOUR, 1, 1, 1.0);
  expect_closed(w, h10 + HOUR, h10 + 4 * HOUR, 1, 2, 1.5);
  expect_closed(w, h10 + 2 * HOUR, h10 + 5 * HOUR, 1, 3, 2.0);
  expect_closed(w, h10 + 3 * HOUR, h10 + 6 * HOUR, 1, 2, 2.5);
  expect_no_closed(w);
  jj_window_stats st;
  EXPECT(jj_window_stats_get(w, &st) == JJ_OK, "open");
  EXPECT(st.start_ms == h10 + 4 * HOUR && st.count == 2 && st.value[JJ_AGG_MEAN] == 3.5,
         "open [14,17)");
  /* A long gap: [14,17) and [15,18) hold data, then empty windows. */
  EXPECT(jj_window_advance(w, h10 + 20 * HOUR) == JJ_OK, "advance");
  expect_closed(w, h10 + 4 * HOUR, h10 + 7 * HOUR, 1, 2, 3.5);
  expect_closed(w, h10 + 5 * HOUR, h10 + 8 * HOUR, 1, 1, 4.0);
  expect_closed(w, h10 + 6 * HOUR, h10 + 9 * HOUR, 1, 1, 4.0);
  expect_closed(w, h10 + 7 * HOUR, h10 + 20 * HOUR, 11, 0, NAN);
  expect_no_closed(w);
  jj_window_free(w);
}

/* Negative times, a non-zero alignment and the widest timestamps. */
static void test_tumbling_alignment(void **state) {
  (void)state;
  where.test = "tumbling_alignment";
  jj_window_config c = tumbling_hourly(0);
  c.span_ms = 100;
  c.hop_ms = 100;
  c.align_ms = 7;
  jj_window *w = new_window(&c, NULL);
  expect_push(w, -250, 1.0, JJ_OK); /* window [-293, -193) */
  expect_push(w, -193, 2.0, JJ_OK);
  expect_closed(w, -293, -193, 1, 1, 1.0);
  expect_push(w, 7, 3.0, JJ_OK);
  expect_closed(w, -193, -93, 1, 1, 2.0);
  expect_closed(w, -93, 7, 1, 0, NAN);
  jj_window_free(w);

  /* Extremes must not overflow (run under UBSan). */
  static const struct {
    int64_t span, hop, align, lateness;
  } ext[] = {
      {TS_LIMIT / 2, TS_LIMIT / 2, -TS_LIMIT, 0},
      {TS_LIMIT / 2, TS_LIMIT / 8, TS_LIMIT, TS_LIMIT},
      {1, 1, -TS_LIMIT, TS_LIMIT},
      {1000, 10, TS_LIMIT, 5},
  };
  for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
    where.step = (long)i;
    c.span_ms = ext[i].span;
    c.hop_ms = ext[i].hop;
    c.align_ms = ext[i].align;
    c.lateness_ms = ext[i].lateness;
    w = new_window(&c, NULL);
    expect_push(w, -TS_LIMIT, 1.0, JJ_OK);
    expect_push(w, -TS_LIMIT + 1, 2.0, JJ_OK);
    expect_push(w, TS_LIMIT, 3.0, JJ_OK);
    EXPECT(jj_window_advance(w, TS_LIMIT) == JJ_OK, "advance");
    jj_window_stats st;
    long n = 0;
    while (jj_window_pop_closed(w, &st)) {
      EXPECT(st.start_ms < st.end_ms, "bounds");
      n++;
    }
    jj_status s = jj_window_stats_get(w, &st);
    EXPECT(s == JJ_OK || s == JJ_ENODATA || s == JJ_EINCOMPLETE, "stats %s", jj_status_name(s));
    EXPECT(st.start_ms <= TS_LIMIT && st.end_ms > st.start_ms, "open bounds");
    jj_window_free(w);
  }
}

static void test_invalid_values(void **state) {
  (void)state;
  where.test = "invalid_values";
  jj_window_config c;
  jj_window_config_init(&c);
  c.aggregates = JJ_AGG_ALL;
  jj_window *w = new_window(&c, NULL);
  expect_push(w, 1000, 2.0, JJ_OK);
  expect_push(w, 1001, NAN, JJ_ENAN);
  expect_push(w, 1002, INFINITY, JJ_ENAN);
  expect_push(w, 1003, -INFINITY, JJ_ENAN);
  expect_push(w, 1004, 4.0, JJ_OK);
  expect_push(w, TS_LIMIT + 1, 1.0, JJ_EINVAL);
  expect_push(w, -TS_LIMIT - 1, 1.0, JJ_EINVAL);
  expect_push(w, INT64_MAX, 1.0, JJ_EINVAL);
  expect_push(w, INT64_MIN, 1.0, JJ_EINVAL);
  EXPECT(jj_window_advance(w, TS_LIMIT + 1) == JJ_EINVAL, "advance beyond 2^62");
  EXPECT(jj_window_advance(w, INT64_MIN) == JJ_EINVAL, "advance INT64_MIN");
  EXPECT(jj_window_now(w) == 1004, "bad input moved time");
  jj_window_counters ctr;
  jj_window_counters_get(w, &ctr);
  EXPECT(ctr.rejected_invalid == 7 && ctr.accepted == 2, "rejected_invalid %" PRIu64,
         ctr.rejected_invalid);
  jj_window_stats st;
  EXPECT(jj_window_stats_get(w, &st) == JJ_OK, "stats");
  EXPECT(st.count == 2 && st.value[JJ_AGG_MEAN] == 3.0 && st.value[JJ_AGG_MAX] == 4.0 &&
             st.value[JJ_AGG_MIN] == 2.0 && st.value[JJ_AGG_VARIANCE] == 1.0 &&
             st.value[JJ_AGG_SUM] == 6.0,
         "aggregates untouched by invalid samples");
  jj_window_free(w);

  /* A window with no time yet (its `now` is one below every valid time):
   * the first sample's bounds are checked as any other's, on every path
   * (sum and mean only: the specialised in-order push). */
  for (int k = 0; k < 2; k++) {
    jj_window_config c1;
    jj_window_config_init(&c1);
    c1.kind = k ? JJ_WINDOW_SLIDING_COUNT : JJ_WINDOW_SLIDING_TIME;
    c1.count = 4;
    c1.aggregates = JJ_AGG_BIT(JJ_AGG_SUM) | JJ_AGG_BIT(JJ_AGG_MEAN);
    w = new_window(&c1, NULL);
    EXPECT(jj_window_now(w) == INT64_MIN, "no time yet");
    expect_push(w, -TS_LIMIT - 1, 1.0, JJ_EINVAL);
    expect_push(w, INT64_MIN, 1.0, JJ_EINVAL);
    EXPECT(jj_window_now(w) == INT64_MIN, "still no time");
    expect_push(w, -TS_LIMIT, 3.0, JJ_OK); /* the oldest valid time */
    EXPECT(jj_window_now(w) == -TS_LIMIT, "now %" PRId64, jj_window_now(w));
    double v = 0.0;
    EXPECT(jj_window_value(w, JJ_AGG_SUM, &v) == JJ_OK && v == 3.0, "sum %g", v);
    jj_window_counters_get(w, &ctr);
    EXPECT(ctr.rejected_invalid == 2 && ctr.accepted == 1, "counters");
    jj_window_reset(w);
    EXPECT(jj_window_now(w) == INT64_MIN, "reset: no time");
    expect_push(w, -TS_LIMIT - 1, 1.0, JJ_EINVAL);
    jj_window_free(w);
  }

  /* The limits themselves are valid, at both ends, in one window. */
  c.kind = JJ_WINDOW_SLIDING_COUNT;
  c.count = 3;
  w = new_window(&c, NULL);
  expect_push(w, -TS_LIMIT, 1.0, JJ_OK);
  expect_push(w, TS_LIMIT, 3.0, JJ_OK);
  double v;
  EXPECT(jj_window_value(w, JJ_AGG_MEAN, &v) == JJ_OK && v == 2.0, "mean %g", v);
  EXPECT(jj_window_value(w, JJ_AGG_SLOPE, &v) == JJ_OK, "slope");
  EXPECT(fabs(v - 2.0 / ((double)TS_LIMIT * 2.0 / 1000.0)) <= 1e-12 * fabs(v), "slope %g", v);
  EXPECT(jj_window_value(w, JJ_AGG_EWMA, &v) == JJ_OK && v == 3.0, "ewma %g", v);
  jj_window_free(w);
}

/* Huge values keep the sketch's relative error bound (its keys cover every
 * accepted value, nothing saturates), in order, without touching memory
 * outside its counters (ASan), with and without preallocation. */
static void test_percentile_saturation(void **state) {
  (void)state;
  where.test = "percentile_saturation";
  static const double qs[] = {0.0, 0.5, 1.0};
  for (int p = 0; p < 2; p++) {
    for (int k = 0; k < 3; k++) {
      jj_window_config c;
      jj_window_config_init(&c);
      c.aggregates = JJ_AGG_ALL;
      c.percentile = qs[k];
      c.percentile_floor = 1e6; /* the widest accepted floor ... */
      c.percentile_accuracy = 0.2; /* ... and the coarsest buckets */
      c.preallocate = p;
      c.max_samples = 16;
      jj_window *w = new_window(&c, NULL);
      expect_push(w, 1, 1e15, JJ_OK);
      expect_push(w, 2, -1e15, JJ_OK);
      expect_push(w, 3, 1e280, JJ_OK);
      expect_push(w, 4, -1e280, JJ_OK);
      expect_push(w, 5, 5.0, JJ_OK); /* below the floor: bucket 0 */
      double v;
      EXPECT(jj_window_value(w, JJ_AGG_PERCENTILE, &v) == JJ_OK && isfinite(v), "q=%g: %g",
             qs[k], v);
      /* Within alpha = 0.2 of the exact sample (1e12 used to cap them). */
      if (k == 0) EXPECT(fabs(v / -1e280 - 1.0) <= 0.2, "q=0: %g, want -1e280", v);
      if (k == 1) EXPECT(v == 0.0, "median is the floor bucket: %g", v);
      if (k == 2) EXPECT(fabs(v / 1e280 - 1.0) <= 0.2, "q=1: %g, want 1e280", v);
      EXPECT(jj_window_value(w, JJ_AGG_MAX, &v) == JJ_OK && v == 1e280, "max %g", v);
      EXPECT(jj_window_value(w, JJ_AGG_MIN, &v) == JJ_OK && v == -1e280, "min %g", v);
      EXPECT(jj_window_value(w, JJ_AGG_COUNT, &v) == JJ_OK && v == 5.0, "count %g", v);
      jj_window_free(w);
    }
  }
}

static void test_completeness(void **state) {
  (void)state;
  where.test = "completeness";
  jj_window_config c;
  jj_window_config_init(&c);
  c.span_ms = 60000;
  c.min_samples = 3;
  jj_window *w = new_window(&c, NULL);
  double v = 0;
  EXPECT(jj_window_value(w, JJ_AGG_MEAN, &v) == JJ_ENODATA && isnan(v), "empty window");
  EXPECT(jj_window_value(w, JJ_AGG_MIN, &v) == JJ_ENODATA && isnan(v), "empty min");
  EXPECT(jj_window_value(w, JJ_AGG_VARIANCE, &v) == JJ_EINVAL && isnan(v), "not enabled");
  EXPECT(jj_window_value(w, JJ_AGG__COUNT, &v) == JJ_EINVAL, "out of range");
  EXPECT(jj_window_value(w, (jj_agg)-1, &v) == JJ_EINVAL, "negative");
  EXPECT(jj_window_value(w, JJ_AGG_MEAN, NULL) == JJ_EINVAL, "NULL out");
  jj_window_stats st;
  EXPECT(jj_window_stats_get(w, &st) == JJ_ENODATA && st.count == 0 && isnan(st.value[1]),
         "empty stats");
  expect_push(w, 0, 1.0, JJ_OK);
  expect_push(w, 10000, 2.0, JJ_OK);
  EXPECT(jj_window_value(w, JJ_AGG_MEAN, &v) == JJ_EINCOMPLETE && v == 1.5, "2 of 3: %g", v);
  EXPECT(jj_window_stats_get(w, &st) == JJ_EINCOMPLETE && st.complete == 0, "stats incomplete");
  expect_push(w, 20000, 3.0, JJ_OK);
  EXPECT(jj_window_value(w, JJ_AGG_MEAN, &v) == JJ_OK && v == 2.0, "3 of 3");
  EXPECT(jj_window_stats_get(w, &st) == JJ_OK && st.complete == 1, "stats complete");
  EXPECT(jj_window_advance(w, 75000) == JJ_OK, "advance"); /* 0 and 10000 leave */
  EXPECT(jj_window_value(w, JJ_AGG_MEAN, &v) == JJ_EINCOMPLETE && v == 3.0, "1 left");
  EXPECT(jj_window_advance(w, 80000) == JJ_OK, "advance");
  EXPECT(jj_window_value(w, JJ_AGG_MEAN, &v) == JJ_ENODATA && isnan(v), "all gone");
  jj_window_free(w);

  /* Coverage: 3 samples * 10 s / 60 s = 0.5. */
  c.min_samples = 0;
  c.min_coverage = 0.5;
  c.expected_interval_ms = 10000;
  w = new_window(&c, NULL);
  expect_push(w, 0, 1.0, JJ_OK);
  expect_push(w, 10000, 1.0, JJ_OK);
  EXPECT(jj_window_value(w, JJ_AGG_COUNT, &v) == JJ_EINCOMPLETE && v == 2.0, "coverage 1/3");
  expect_push(w, 20000, 1.0, JJ_OK);
  EXPECT(jj_window_value(w, JJ_AGG_COUNT, &v) == JJ_OK && v == 3.0, "coverage 1/2");
  jj_window_free(w);

  /* SLIDING_COUNT coverage is n / count and needs no interval. */
  jj_window_config_init(&c);
  c.kind = JJ_WINDOW_SLIDING_COUNT;
  c.count = 4;
  c.min_coverage = 0.75;
  w = new_window(&c, NULL);
  expect_push(w, 1, 1.0, JJ_OK);
  expect_push(w, 2, 1.0, JJ_OK);
  EXPECT(jj_window_value(w, JJ_AGG_SUM, &v) == JJ_EINCOMPLETE && v == 2.0, "2/4");
  expect_push(w, 3, 1.0, JJ_OK);
  EXPECT(jj_window_value(w, JJ_AGG_SUM, &v) == JJ_OK && v == 3.0, "3/4");
  jj_window_free(w);

  /* Slope of equal timestamps has no value. */
  jj_window_config_init(&c);
  c.aggregates = JJ_AGG_BIT(JJ_AGG_SLOPE) | JJ_AGG_BIT(JJ_AGG_VARIANCE);
  w = new_window(&c, NULL);
  expect_push(w, 5, 1.0, JJ_OK);
  expect_push(w, 5, 2.0, JJ_OK);
  EXPECT(jj_window_value(w, JJ_AGG_SLOPE, &v) == JJ_ENODATA && isnan(v), "slope of one time");
  EXPECT(jj_window_value(w, JJ_AGG_VARIANCE, &v) == JJ_OK && v == 0.25, "variance %g", v);
  EXPECT(jj_window_value(w, JJ_AGG_MEAN, &v) == JJ_EINVAL, "mean not enabled");
  jj_window_free(w);
}

static void test_capacity(void **state) {
  (void)state;
  where.test = "capacity";
  tu_alloc a;
  tu_alloc_init(&a);
  jj_window_config c;
  jj_window_config_init(&c);
  c.span_ms = 1000;
  c.lateness_ms = 5;
  c.max_samples = 10;
  c.aggregates = JJ_AGG_ALL;
  jj_window *w = new_window(&c, &a.alc);
  for (int i = 0; i < 10; i++) expect_push(w, i, (double)i, JJ_OK);
  expect_push(w, 10, 10.0, JJ_EFULL);
  expect_push(w, 5, 10.0, JJ_EFULL); /* an in-order-or-not sample is no different */
  jj_window_counters ctr;
  jj_window_counters_get(w, &ctr);
  EXPECT(ctr.rejected_full == 2 && ctr.accepted == 10, "rejected_full %" PRIu64,
         ctr.rejected_full);
  double v;
  EXPECT(jj_window_value(w, JJ_AGG_COUNT, &v) == JJ_OK && v == 10.0, "count %g", v);
  EXPECT(jj_window_value(w, JJ_AGG_MAX, &v) == JJ_OK && v == 9.0, "max %g", v);
  /* Time frees room: at 1000 the sample at 0 expires. */
  expect_push(w, 1000, 100.0, JJ_OK);
  EXPECT(jj_window_value(w, JJ_AGG_MAX, &v) == JJ_OK && v == 100.0, "max %g", v);
  EXPECT(jj_window_value(w, JJ_AGG_MIN, &v) == JJ_OK && v == 1.0, "min %g", v);
  EXPECT(jj_window_memory(w) == a.live_bytes, "memory");
  jj_window_free(w);
  EXPECT(a.live_blocks == 0 && a.errors == 0, "leak");

  /* TUMBLING: future samples waiting for their window count too. */
  c.kind = JJ_WINDOW_TUMBLING;
  c.span_ms = 100;
  c.lateness_ms = 50;
  c.max_samples = 3;
  w = new_window(&c, &a.alc);
  expect_push(w, 10, 1.0, JJ_OK);
  expect_push(w, 120, 1.0, JJ_OK);
  expect_push(w, 130, 1.0, JJ_OK);
  expect_push(w, 90, 1.0, JJ_EFULL);
  expect_push(w, 200, 1.0, JJ_OK); /* closes [0,100): room again */
  jj_window_free(w);
  EXPECT(a.live_blocks == 0 && a.errors == 0, "leak");
}

/* A window of `kind` over span_ms (time kinds) or `n` samples (count),
 * holding at most n samples, (not) preallocated, keeping `aggs`. */
static jj_window_config sized_config(jj_window_kind kind, int64_t span_ms, uint32_t n, int pre,
                                     uint32_t aggs) {
  jj_window_config c;
  jj_window_config_init(&c);
  c.kind = kind;
  c.span_ms = span_ms;
  c.count = n;
  c.max_samples = n;
  c.preallocate = pre;
  c.aggregates = aggs;
  return c;
}

/* preallocate: every allocation happens in jj_window_new. */
static void test_preallocate(void **state) {
  (void)state;
  where.test = "preallocate";
  static const jj_window_kind kinds[] = {JJ_WINDOW_SLIDING_TIME, JJ_WINDOW_SLIDING_COUNT,
                                         JJ_WINDOW_TUMBLING};
  for (int pre = 1; pre >= 0; pre--) {
    for (int k = 0; k < 3; k++) {
      where.step = pre * 10 + k;
      tu_alloc a;
      tu_alloc_init(&a);
      jj_window_config c = sized_config(kinds[k], 500000, 1000, pre, JJ_AGG_ALL);
      jj_window *w = new_window(&c, &a.alc);
      unsigned long calls = a.calls;
      tu_rng r;
      tu_rng_seed(&r, 99);
      for (int i = 0; i < 5000; i++) {
        /* Values across many orders of magnitude and both signs: the
         * percentile sketch sees every bucket range. */
        double v = ldexp(tu_rng_unit(&r), (int)tu_rng_range(&r, -30, 30));
        if (tu_rng_chance(&r, 0.5)) v = -v;
        jj_status s = jj_window_push(w, i * 100, v);
        EXPECT(s == JJ_OK || s == JJ_EFULL, "push %s", jj_status_name(s));
      }
      if (pre)
        EXPECT(a.calls == calls, "%lu allocations after creation", a.calls - calls);
      else
        EXPECT(a.calls > calls, "growth without preallocate"); /* the test can fail */
      EXPECT(jj_window_memory(w) == a.live_bytes, "memory %zu vs %zu", jj_window_memory(w),
             a.live_bytes);
      jj_window_free(w);
      EXPECT(a.live_blocks == 0 && a.errors == 0, "leak");
    }
  }
}

/* ---- allocation failure --------------------------------------------- */

typedef struct snap {
  int64_t now;
  jj_window_stats st;
  jj_status st_status;
  jj_window_counters ctr;
} snap;

static void take_snap(const jj_window *w, snap *s) {
  memset(s, 0, sizeof *s);
  s->now = jj_window_now(w);
  s->st_status = jj_window_stats_get(w, &s->st);
  jj_window_counters_get(w, &s->ctr);
}

static void expect_same_snap(const snap *a, const snap *b) {
  EXPECT(a->now == b->now, "now %" PRId64 " vs %" PRId64, a->now, b->now);
  EXPECT(a->st_status == b->st_status, "status");
  EXPECT(a->st.count == b->st.count && a->st.start_ms == b->st.start_ms &&
             a->st.end_ms == b->st.end_ms,
         "count/bounds");
  for (int i = 0; i < JJ_AGG__COUNT; i++)
    EXPECT(same_double(a->st.value[i], b->st.value[i]), "%s %.17g vs %.17g", jj_agg_name(i),
           a->st.value[i], b->st.value[i]);
  EXPECT(memcmp(&a->ctr, &b->ctr, sizeof a->ctr) == 0, "counters changed");
}

/* Pushes that make the ring grow (16 -> 512) and the sketch grow (values
 * drift over many log-buckets), with closed windows for TUMBLING. */
static int oom_scenario(jj_window_kind kind, int prealloc, tu_alloc *a, snap *final,
                        unsigned long fail_n) {
  jj_window_config c;
  jj_window_config_init(&c);
  c.kind = kind;
  c.preallocate = prealloc;
  c.max_samples = 1000;
  c.span_ms = 1000000;
  c.hop_ms = 40000;
  c.count = 300;
  c.lateness_ms = 5000;
  c.aggregates = JJ_AGG_ALL;
  c.percentile = 0.9;
  tu_alloc_fail_at(a, fail_n, 0);
  jj_window *w = NULL;
  int hit = 0;
  jj_status st = jj_window_new(&c, &a->alc, &w);
  if (st != JJ_OK) {
    EXPECT(st == JJ_ENOMEM, "new: %s", jj_status_name(st));
    EXPECT(w == NULL, "*out set on failure");
    EXPECT(a->live_blocks == 0 && a->live_bytes == 0, "new leaked %zu blocks", a->live_blocks);
    return 1;
  }
  for (int i = 0; i < 400; i++) {
    int64_t ts = i * 1000 - (i % 3) * 2000;
    double v = pow(1.08, i % 250) * (i % 7 == 0 ? -1.0 : 1.0);
    snap before, after;
    memset(&before, 0, sizeof before); /* only read when filled; -O3 cannot tell */
    int pending = fail_n && !a->failed; /* this push may be the one to fail */
    if (pending) take_snap(w, &before);
    st = jj_window_push(w, ts, v);
    if (st == JJ_ENOMEM) {
      EXPECT(pending, "ENOMEM without an injected failure");
      hit = 1;
      take_snap(w, &after);
      expect_same_snap(&before, &after); /* "the object is unchanged" */
      st = jj_window_push(w, ts, v);     /* the failure was one-shot */
    }
    EXPECT(st == JJ_OK || st == JJ_ELATE, "push %d: %s", i, jj_status_name(st));
  }
  take_snap(w, final);
  jj_window_free(w);
  EXPECT(a->live_blocks == 0 && a->live_bytes == 0, "leak %zu blocks", a->live_blocks);
  EXPECT(a->errors == 0, "allocator misuse");
  return hit || a->failed;
}

static void test_alloc_failure(void **state) {
  (void)state;
  where.test = "alloc_failure";
  static const jj_window_kind kinds[] = {JJ_WINDOW_SLIDING_TIME, JJ_WINDOW_SLIDING_COUNT,
                                         JJ_WINDOW_TUMBLING};
  for (int k = 0; k < 6; k++) { /* each kind, growing and preallocated */
    jj_window_kind kind = kinds[k % 3];
    int prealloc = k >= 3;
    tu_alloc a;
    tu_alloc_init(&a);
    snap clean;
    EXPECT(oom_scenario(kind, prealloc, &a, &clean, 0) == 0, "clean run failed");
    unsigned long allocs = a.calls;
    EXPECT(allocs >= (prealloc ? 4u : 8u), "scenario too small: %lu allocations", allocs);
    unsigned long n;
    for (n = 1;; n++) {
      where.step = (long)(k * 1000 + (int)n);
      tu_alloc_init(&a);
      snap got;
      memset(&got, 0, sizeof got);
      if (!oom_scenario(kind, prealloc, &a, &got, n)) break;
      if (got.now != 0) expect_same_snap(&clean, &got); /* recovered fully */
      EXPECT(n <= allocs + 1, "failure injection never ends");
    }
    EXPECT(n == allocs + 1, "stopped at %lu of %lu", n, allocs);
  }
}

/* ---- configuration -------------------------------------------------- */

typedef void (*cfg_edit)(jj_window_config *c);

#define CFG_CASE(name, body) \
  static void name(jj_window_config *c) { body; }
CFG_CASE(bad_kind0, c->kind = (jj_window_kind)0)
CFG_CASE(bad_kind4, c->kind = (jj_window_kind)4)
CFG_CASE(bad_span0, c->span_ms = 0)
CFG_CASE(bad_span_neg, c->span_ms = -1)
CFG_CASE(bad_span_huge, c->span_ms = TS_LIMIT + 1)
CFG_CASE(bad_late_eq_span, c->lateness_ms = c->span_ms)
CFG_CASE(bad_late_gt_span, c->lateness_ms = c->span_ms + 1)
CFG_CASE(bad_late_neg, c->lateness_ms = -1)
CFG_CASE(bad_count0, { c->kind = JJ_WINDOW_SLIDING_COUNT; c->count = 0; })
CFG_CASE(bad_count_huge, { c->kind = JJ_WINDOW_SLIDING_COUNT; c->count = 1u << 30; })
CFG_CASE(bad_hop_gt_span, { c->kind = JJ_WINDOW_TUMBLING; c->hop_ms = c->span_ms + 1; })
CFG_CASE(bad_hop_neg, { c->kind = JJ_WINDOW_TUMBLING; c->hop_ms = -1; })
CFG_CASE(bad_tumbling_span0, { c->kind = JJ_WINDOW_TUMBLING; c->span_ms = 0; })
CFG_CASE(bad_align, { c->kind = JJ_WINDOW_TUMBLING; c->align_ms = TS_LIMIT + 1; })
/* TUMBLING spans stop at 2^61 ms so boundaries (up to now + hop) fit int64. */
CFG_CASE(bad_tumbling_span_huge, { c->kind = JJ_WINDOW_TUMBLING; c->span_ms = TS_LIMIT / 2 + 1; })
CFG_CASE(bad_agg_bit13, c->aggregates = JJ_AGG_ALL | (1u << JJ_AGG__COUNT))
CFG_CASE(bad_agg_high, c->aggregates = 0x80000000u)
CFG_CASE(bad_q_neg, { c->aggregates = JJ_AGG_BIT(JJ_AGG_PERCENTILE); c->percentile = -0.01; })
CFG_CASE(bad_q_big, { c->aggregates = JJ_AGG_BIT(JJ_AGG_PERCENTILE); c->percentile = 1.01; })
CFG_CASE(bad_q_nan, { c->aggregates = JJ_AGG_BIT(JJ_AGG_PERCENTILE); c->percentile = NAN; })
CFG_CASE(bad_alpha_small,
         { c->aggregates = JJ_AGG_BIT(JJ_AGG_PERCENTILE); c->percentile_accuracy = 1e-4; })
CFG_CASE(bad_alpha_big,
         { c->aggregates = JJ_AGG_BIT(JJ_AGG_PERCENTILE); c->percentile_accuracy = 0.5; })
CFG_CASE(bad_alpha_nan,
         { c->aggregates = JJ_AGG_BIT(JJ_AGG_PERCENTILE); c->percentile_accuracy = NAN; })
CFG_CASE(bad_floor_neg,
         { c->aggregates = JJ_AGG_BIT(JJ_AGG_PERCENTILE); c->percentile_floor = -1.0; })
CFG_CASE(bad_floor_big, { c->aggregates = JJ_AGG_BIT(JJ_AGG_PERCENTILE); c->percentile_floor = 1e7; })
CFG_CASE(bad_cov_big, { c->min_coverage = 1.5; c->expected_interval_ms = 1000; })
CFG_CASE(bad_cov_neg, { c->min_coverage = -0.1; c->expected_interval_ms = 1000; })
CFG_CASE(bad_cov_nan, { c->min_coverage = NAN; c->expected_interval_ms = 1000; })
CFG_CASE(bad_cov_no_interval, c->min_coverage = 0.5)
CFG_CASE(bad_cov_no_interval_tumbling, { c->kind = JJ_WINDOW_TUMBLING; c->min_coverage = 0.5; })
CFG_CASE(bad_max_samples, c->max_samples = 1u << 30)
CFG_CASE(bad_halflife0, { c->aggregates = JJ_AGG_BIT(JJ_AGG_EWMA); c->ewma_halflife_ms = 0; })
CFG_CASE(bad_halflife_neg, { c->aggregates = JJ_AGG_BIT(JJ_AGG_EWMA); c->ewma_halflife_ms = -5; })
CFG_CASE(bad_dup, c->duplicates = (jj_dup_policy)3)

CFG_CASE(ok_default, (void)c)
CFG_CASE(ok_late_span_minus_1, c->lateness_ms = c->span_ms - 1)
CFG_CASE(ok_q0, { c->aggregates = JJ_AGG_BIT(JJ_AGG_PERCENTILE); c->percentile = 0.0; })
CFG_CASE(ok_q1, { c->aggregates = JJ_AGG_BIT(JJ_AGG_PERCENTILE); c->percentile = 1.0; })
CFG_CASE(ok_pct_defaults, {
  c->aggregates = JJ_AGG_BIT(JJ_AGG_PERCENTILE);
  c->percentile_accuracy = 0.0;
  c->percentile_floor = 0.0;
})
CFG_CASE(ok_q_garbage_unused, c->percentile = 42.0) /* percentile not enabled */
CFG_CASE(ok_count_cov, { c->kind = JJ_WINDOW_SLIDING_COUNT; c->count = 5; c->min_coverage = 1.0; })
CFG_CASE(ok_hop0, { c->kind = JJ_WINDOW_TUMBLING; c->hop_ms = 0; })
CFG_CASE(ok_tumbling_span_max, { c->kind = JJ_WINDOW_TUMBLING; c->span_ms = TS_LIMIT / 2; })
CFG_CASE(ok_sliding_span_max, c->span_ms = TS_LIMIT)
CFG_CASE(ok_hop_eq_span, { c->kind = JJ_WINDOW_TUMBLING; c->hop_ms = c->span_ms; })
CFG_CASE(ok_tumbling_late, { c->kind = JJ_WINDOW_TUMBLING; c->lateness_ms = 10 * c->span_ms; })
CFG_CASE(ok_count_late, { c->kind = JJ_WINDOW_SLIDING_COUNT; c->count = 1; c->lateness_ms = 1000000; })
CFG_CASE(ok_aggs0, c->aggregates = 0)
CFG_CASE(ok_all, c->aggregates = JJ_AGG_ALL)
CFG_CASE(ok_max_samples0, c->max_samples = 0)
CFG_CASE(ok_prealloc, { c->preallocate = 1; c->max_samples = 100; c->aggregates = JJ_AGG_ALL; })

static void test_configs(void **state) {
  (void)state;
  where.test = "configs";
  static const cfg_edit bad[] = {
      bad_kind0,        bad_kind4,        bad_span0,        bad_span_neg,
      bad_span_huge,    bad_late_eq_span, bad_late_gt_span, bad_late_neg,
      bad_count0,       bad_count_huge,   bad_hop_gt_span,  bad_hop_neg,
      bad_tumbling_span0, bad_align,      bad_tumbling_span_huge, bad_agg_bit13, bad_agg_high,
      bad_q_neg,        bad_q_big,        bad_q_nan,        bad_alpha_small,
      bad_alpha_big,    bad_alpha_nan,    bad_floor_neg,    bad_floor_big,
      bad_cov_big,      bad_cov_neg,      bad_cov_nan,      bad_cov_no_interval,
      bad_cov_no_interval_tumbling,       bad_max_samples,  bad_halflife0,
      bad_halflife_neg, bad_dup,
  };
  static const cfg_edit good[] = {
      ok_default, ok_late_span_minus_1, ok_q0,          ok_q1,          ok_pct_defaults,
      ok_q_garbage_unused, ok_count_cov, ok_hop0,       ok_hop_eq_span, ok_tumbling_late,
      ok_count_late, ok_aggs0,          ok_all,         ok_max_samples0, ok_prealloc,
      ok_tumbling_span_max, ok_sliding_span_max,
  };
  tu_alloc a;
  tu_alloc_init(&a);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    where.step = (long)i;
    jj_window_config c;
    jj_window_config_init(&c);
    bad[i](&c);
    jj_window *w = (jj_window *)&a; /* must be overwritten with NULL */
    jj_status st = jj_window_new(&c, &a.alc, &w);
    EXPECT(st == JJ_EINVAL, "bad config %zu accepted: %s", i, jj_status_name(st));
    EXPECT(w == NULL, "*out not NULL");
  }
  EXPECT(a.calls == 0, "invalid configs allocated");
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    where.step = 100 + (long)i;
    jj_window_config c;
    jj_window_config_init(&c);
    good[i](&c);
    jj_window *w = NULL;
    jj_status st = jj_window_new(&c, &a.alc, &w);
    EXPECT(st == JJ_OK, "good config %zu rejected: %s", i, jj_status_name(st));
    expect_push(w, 1, 1.0, JJ_OK);
    jj_window_free(w);
  }
  EXPECT(a.live_blocks == 0, "leak");

  jj_window_config c;
  jj_window_config_init(&c);
  jj_window *w = (jj_window *)&a;
  EXPECT(jj_window_new(NULL, NULL, &w) == JJ_EINVAL && w == NULL, "NULL config");
  EXPECT(jj_window_new(&c, NULL, NULL) == JJ_EINVAL, "NULL out");
  /* Defaults documented in the header. */
  EXPECT(c.kind == JJ_WINDOW_SLIDING_TIME && c.span_ms == 60000 && c.lateness_ms == 0 &&
             c.aggregates == JJ_AGG_DEFAULT && c.duplicates == JJ_DUP_KEEP &&
             c.max_samples == 65536,
         "config_init defaults");
  EXPECT(jj_struct_size("jj_window_config") == sizeof(jj_window_config), "config size");
  EXPECT(jj_struct_size("jj_window_stats") == sizeof(jj_window_stats), "stats size");

  /* NULL handles. */
  jj_window_free(NULL);
  jj_window_reset(NULL);
  EXPECT(jj_window_push(NULL, 0, 1.0) == JJ_EINVAL, "push NULL");
  EXPECT(jj_window_advance(NULL, 0) == JJ_EINVAL, "advance NULL");
  double v = 0;
  EXPECT(jj_window_value(NULL, JJ_AGG_COUNT, &v) == JJ_EINVAL && isnan(v), "value NULL");
  jj_window_stats st;
  EXPECT(jj_window_stats_get(NULL, &st) == JJ_EINVAL, "stats NULL");
  EXPECT(jj_window_pop_closed(NULL, &st) == 0, "pop NULL");
  EXPECT(jj_window_now(NULL) == INT64_MIN, "now NULL");
  jj_window_counters ctr;
  memset(&ctr, 0xff, sizeof ctr);
  jj_window_counters_get(NULL, &ctr);
  EXPECT(ctr.accepted == 0 && ctr.closed == 0, "counters NULL");
  EXPECT(jj_window_memory(NULL) == 0, "memory NULL");
  w = new_window(&c, NULL);
  EXPECT(jj_window_stats_get(w, NULL) == JJ_EINVAL, "stats NULL out");
  EXPECT(jj_window_pop_closed(w, &st) == 0, "pop on a sliding window");
  jj_window_counters_get(w, NULL);
  jj_window_free(w);
}

static void test_names(void **state) {
  (void)state;
  where.test = "names";
  for (int s = 0; s <= JJ_ENOTSUP; s++) {
    const char *m = jj_strerror(s), *n = jj_status_name(s);
    EXPECT(m && m[0], "strerror(%d) empty", s);
    EXPECT(strcmp(m, "unknown status") != 0, "strerror(%d) unknown", s);
    EXPECT(n && strncmp(n, "JJ_", 3) == 0 && strcmp(n, "JJ_UNKNOWN") != 0, "name(%d) %s", s, n);
    for (int t = 0; t < s; t++) {
      EXPECT(strcmp(m, jj_strerror(t)) != 0, "strerror(%d) == strerror(%d)", s, t);
      EXPECT(strcmp(n, jj_status_name(t)) != 0, "name(%d) == name(%d)", s, t);
    }
  }
  EXPECT(strcmp(jj_status_name(JJ_OK), "JJ_OK") == 0, "JJ_OK");
  EXPECT(strcmp(jj_status_name(JJ_ESTATE), "JJ_ESTATE") == 0, "JJ_ESTATE");
  EXPECT(strcmp(jj_status_name(JJ_ENOMEM), "JJ_ENOMEM") == 0, "JJ_ENOMEM");
  EXPECT(strcmp(jj_strerror(JJ_ENOTSUP + 1), "unknown status") == 0, "strerror(last + 1)");
  EXPECT(strcmp(jj_strerror(-1), "unknown status") == 0, "strerror(-1)");
  EXPECT(strcmp(jj_status_name(JJ_ENOTSUP + 1), "JJ_UNKNOWN") == 0, "name(last + 1)");
  EXPECT(strcmp(jj_status_name(-1), "JJ_UNKNOWN") == 0, "name(-1)");

  EXPECT(strcmp(jj_version(), JJ_VERSION_STRING) == 0, "version %s", jj_version());
  EXPECT(jj_version_num() == (unsigned)JJ_VERSION_NUM, "version num %x", jj_version_num());
  char buf[32];
  snprintf(buf, sizeof buf, "%d.%d.%d", JJ_VERSION_MAJOR, JJ_VERSION_MINOR, JJ_VERSION_PATCH);
  EXPECT(strcmp(buf, JJ_VERSION_STRING) == 0, "JJ_VERSION_STRING %s vs parts %s",
         JJ_VERSION_STRING, buf);

  static const char *const aggs[JJ_AGG__COUNT] = {
      "count", "sum", "mean", "min", "max", "first", "last", "variance", "stddev", "delta",
      "slope", "percentile", "ewma", "nowcast", "c24e-pm25", "c24e-pm10"};
  for (int a = 0; a < JJ_AGG__COUNT; a++)
    EXPECT(jj_agg_name(a) && strcmp(jj_agg_name(a), aggs[a]) == 0, "agg name %d", a);
  EXPECT(jj_agg_name(JJ_AGG__COUNT) == NULL && jj_agg_name(-1) == NULL, "agg name range");
}

/* Duplicates under each policy, by hand. */
static void test_duplicates(void **state) {
  (void)state;
  where.test = "duplicates";
  for (int p = 0; p < 3; p++) {
    where.step = p;
    jj_window_config c;
    jj_window_config_init(&c);
    c.aggregates = JJ_AGG_ALL;
    c.lateness_ms = 100;
    c.duplicates = policies[p];
    jj_window *w = new_window(&c, NULL);
    expect_push(w, 10, 1.0, JJ_OK);
    expect_push(w, 20, 2.0, JJ_OK);
    expect_push(w, 10, 5.0, p == 2 ? JJ_EDUPLICATE : JJ_OK);
    expect_push(w, 20, 7.0, p == 2 ? JJ_EDUPLICATE : JJ_OK);
    jj_window_stats st;
    jj_window_stats_get(w, &st);
    jj_window_counters ctr;
    jj_window_counters_get(w, &ctr);
    EXPECT(ctr.duplicates == 2, "duplicates %" PRIu64, ctr.duplicates);
    switch (policies[p]) {
      case JJ_DUP_KEEP: /* order: (10,1) (10,5) (20,2) (20,7) */
        EXPECT(st.count == 4 && st.value[JJ_AGG_FIRST] == 1.0 && st.value[JJ_AGG_LAST] == 7.0 &&
                   st.value[JJ_AGG_SUM] == 15.0 && ctr.accepted == 4,
               "keep");
        break;
      case JJ_DUP_REPLACE:
        EXPECT(st.count == 2 && st.value[JJ_AGG_FIRST] == 5.0 && st.value[JJ_AGG_LAST] == 7.0 &&
                   st.value[JJ_AGG_SUM] == 12.0 && st.value[JJ_AGG_MAX] == 7.0 &&
                   ctr.accepted == 4,
               "replace");
        break;
      case JJ_DUP_REJECT:
        EXPECT(st.count == 2 && st.value[JJ_AGG_SUM] == 3.0 && ctr.accepted == 2, "reject");
        break;
    }
    jj_window_free(w);
  }
}

/* The rare counters (rejections, duplicates) are not in the window's core:
 * a window makes them on its first count, before it changes anything, so
 * a failed allocation is JJ_ENOMEM with the window as it was; a
 * preallocated window has them from creation and never allocates. */
static void test_rare_counters(void **state) {
  (void)state;
  where.test = "rare counters";
  static const jj_window_kind kinds[] = {JJ_WINDOW_SLIDING_TIME, JJ_WINDOW_SLIDING_COUNT,
                                         JJ_WINDOW_TUMBLING};
  for (int pre = 0; pre < 2; pre++) {
    for (int k = 0; k < 3; k++) {
      where.step = pre * 10 + k;
      tu_alloc a;
      tu_alloc_init(&a);
      const uint32_t aggs = JJ_AGG_BIT(JJ_AGG_COUNT) | JJ_AGG_BIT(JJ_AGG_SUM);
      jj_window_config c = sized_config(kinds[k], 60000, 100, pre, aggs);
      c.lateness_ms = 1000;
      jj_window *w = new_window(&c, &a.alc);
      for (int i = 1; i <= 20; i++) expect_push(w, i * 1000, (double)i, JJ_OK);
      jj_window_counters ctr;
      jj_window_counters_get(w, &ctr);
      EXPECT(ctr.accepted == 20 && ctr.rejected_late == 0 && ctr.duplicates == 0, "clean");
      const size_t clean = jj_window_memory(w);
      jj_window_stats before, after;
      jj_window_stats_get(w, &before);
      /* Every later allocation fails. */
      const unsigned long calls = a.calls;
      tu_alloc_fail_at(&a, 1, 1);
      const int64_t late = 20000 - 5000, dup = 20000;
      const jj_status want_late = pre ? JJ_ELATE : JJ_ENOMEM;
      const jj_status want_dup = pre ? JJ_OK : JJ_ENOMEM, want_nan = pre ? JJ_ENAN : JJ_ENOMEM;
      expect_push(w, late, 1.0, want_late);
      expect_push(w, dup, 2.0, want_dup);
      expect_push(w, dup + 1, NAN, want_nan);
      jj_window_counters_get(w, &ctr);
      jj_window_stats_get(w, &after);
      if (pre) {
        EXPECT(a.calls == calls, "%lu allocations after creation", a.calls - calls);
        EXPECT(ctr.rejected_late == 1 && ctr.duplicates == 1 && ctr.rejected_invalid == 1 &&
                   ctr.accepted == 21 && after.count == before.count + 1,
               "preallocated: counted without allocating");
      } else {
        EXPECT(ctr.rejected_late == 0 && ctr.duplicates == 0 && ctr.rejected_invalid == 0 &&
                   ctr.accepted == 20,
               "JJ_ENOMEM counts nothing");
        EXPECT(after.count == before.count && after.value[JJ_AGG_SUM] == before.value[JJ_AGG_SUM],
               "JJ_ENOMEM changes nothing");
        EXPECT(jj_window_memory(w) == clean, "no block yet");
        /* Allocation works again: the same pushes count. */
        tu_alloc_fail_at(&a, 0, 0);
        expect_push(w, late, 1.0, JJ_ELATE);
        expect_push(w, dup, 2.0, JJ_OK);
        expect_push(w, dup + 1, NAN, JJ_ENAN);
        jj_window_counters_get(w, &ctr);
        EXPECT(ctr.rejected_late == 1 && ctr.duplicates == 1 && ctr.rejected_invalid == 1 &&
                   ctr.accepted == 21,
               "counted once made");
        EXPECT(jj_window_memory(w) > clean, "the block is counted");
      }
      EXPECT(jj_window_memory(w) == a.live_bytes, "memory %zu vs %zu", jj_window_memory(w),
             a.live_bytes);
      jj_window_reset(w);
      jj_window_counters_get(w, &ctr);
      EXPECT(ctr.accepted == 0 && ctr.rejected_late == 0 && ctr.duplicates == 0 &&
                 ctr.rejected_invalid == 0,
             "reset");
      EXPECT(jj_window_memory(w) == a.live_bytes, "memory after reset");
      jj_window_free(w);
      EXPECT(a.live_blocks == 0 && a.errors == 0, "leak");
    }
  }
}

/* reset keeps the configuration and storage; the window starts over. */
static void test_reset(void **state) {
  (void)state;
  where.test = "reset";
  tu_alloc a;
  tu_alloc_init(&a);
  jj_window_config c = tumbling_hourly(5 * MINUTE);
  jj_window *w = new_window(&c, &a.alc);
  const int64_t h10 = DAY0 + 10 * HOUR;
  for (int i = 0; i < 100; i++) expect_push(w, h10 + i * 10 * MINUTE, (double)i, JJ_OK);
  size_t mem = jj_window_memory(w);
  unsigned long calls = a.calls;
  jj_window_reset(w);
  EXPECT(jj_window_memory(w) == mem && a.calls == calls, "reset reallocated");
  jj_window_stats st;
  EXPECT(jj_window_pop_closed(w, &st) == 0, "reset kept closed results");
  EXPECT(jj_window_now(w) == INT64_MIN, "reset kept time");
  jj_window_counters ctr;
  jj_window_counters_get(w, &ctr);
  EXPECT(ctr.accepted == 0 && ctr.closed == 0 && ctr.evicted == 0, "reset kept counters");
  /* Time may go backwards after a reset: it is a new stream. */
  expect_push(w, DAY0 + 30 * MINUTE, 1.0, JJ_OK);
  expect_push(w, DAY0 + 40 * MINUTE, 3.0, JJ_OK);
  expect_push(w, DAY0 + HOUR + 5 * MINUTE, 9.0, JJ_OK);
  expect_closed(w, DAY0, DAY0 + HOUR, 1, 2, 2.0);
  expect_no_closed(w);
  EXPECT(jj_window_stats_get(w, &st) == JJ_OK && st.count == 1 && st.value[JJ_AGG_MAX] == 9.0,
         "after reset");
  jj_window_free(w);

  c.kind = JJ_WINDOW_SLIDING_COUNT;
  c.count = 3;
  w = new_window(&c, &a.alc);
  for (int i = 0; i < 10; i++) expect_push(w, i, (double)i, JJ_OK);
  jj_window_reset(w);
  expect_push(w, -5, 4.0, JJ_OK);
  double v;
  EXPECT(jj_window_value(w, JJ_AGG_MIN, &v) == JJ_OK && v == 4.0, "min after reset %g", v);
  EXPECT(jj_window_value(w, JJ_AGG_COUNT, &v) == JJ_OK && v == 1.0, "count after reset %g", v);
  jj_window_free(w);
  EXPECT(a.live_blocks == 0 && a.errors == 0, "leak");
}

/* Closed results nobody pops: closing waits at the full queue (the
 * samples wait with it); popping resumes it, and every result comes out,
 * in order, none dropped. */
static void test_closed_queue_overflow(void **state) {
  (void)state;
  where.test = "closed_queue_overflow";
  jj_window_config c = tumbling_hourly(0);
  jj_window *w = new_window(&c, NULL);
  for (int i = 0; i <= 20; i++) expect_push(w, DAY0 + i * HOUR, (double)i, JJ_OK);
  jj_window_counters ctr;
  jj_window_counters_get(w, &ctr);
  EXPECT(ctr.closed > 0 && ctr.closed < 20, "closing should wait at the queue: closed %" PRIu64,
         ctr.closed);
  jj_window_stats st;
  uint64_t popped = 0;
  int64_t prev_end = 0;
  while (jj_window_pop_closed(w, &st)) {
    EXPECT(st.count == 1 && st.value[JJ_AGG_MEAN] == (double)((st.start_ms - DAY0) / HOUR),
           "result for hour %" PRId64, (st.start_ms - DAY0) / HOUR);
    EXPECT(st.start_ms == DAY0 + (int64_t)popped * HOUR, "results out of order or missing");
    prev_end = st.end_ms;
    popped++;
  }
  jj_window_counters_get(w, &ctr);
  EXPECT(popped == 20 && prev_end == DAY0 + 20 * HOUR, "popped %" PRIu64, popped);
  EXPECT(ctr.closed == 20 && ctr.closed_dropped == 0, "closed %" PRIu64 " dropped %" PRIu64,
         ctr.closed, ctr.closed_dropped);
  double v;
  EXPECT(jj_window_value(w, JJ_AGG_MEAN, &v) == JJ_OK && v == 20.0, "open window mean %g", v);
  jj_window_free(w);
}

/* Millions of samples around 1e4 with small noise: the sums must not drift. */
/* A sample too large to square (|d| > ~1e154) overflows variance, stddev
 * and slope: they read as no value while it can affect the running sums,
 * and are exact again within two window lengths (the sums are rebuilt every
 * window length). Other aggregates are unaffected. */
static void test_overflowing_outlier(void **state) {
  (void)state;
  jj_window_config c;
  jj_window_config_init(&c);
  c.kind = JJ_WINDOW_SLIDING_COUNT;
  c.count = 8;
  c.aggregates = JJ_AGG_BIT(JJ_AGG_STDDEV) | JJ_AGG_BIT(JJ_AGG_MEAN) | JJ_AGG_BIT(JJ_AGG_MAX);
  jj_window *w;
  assert_int_equal(jj_window_new(&c, NULL, &w), JJ_OK);
  double vals[64];
  int last_bad = -1;
  for (int i = 0; i < 64; i++) {
    vals[i] = i == 10 ? 1e160 : (double)(i % 5);
    assert_int_equal(jj_window_push(w, 1000 * (i + 1), vals[i]), JJ_OK);
    double sd, mx;
    jj_status st = jj_window_value(w, JJ_AGG_STDDEV, &sd);
    assert_int_equal(jj_window_value(w, JJ_AGG_MAX, &mx), JJ_OK);
    assert_true(mx == (i >= 10 && i < 18 ? 1e160 : 4.0) || i < 4);
    if (st != JJ_OK) {
      assert_int_equal(st, JJ_ENODATA);
      assert_true(i >= 10);
      last_bad = i;
      continue;
    }
    /* exact against a direct two-pass computation */
    int first = i >= 7 ? i - 7 : 0;
    double mean = 0.0, ss = 0.0;
    for (int k = first; k <= i; k++) mean += vals[k];
    mean /= (double)(i - first + 1);
    for (int k = first; k <= i; k++) ss += (vals[k] - mean) * (vals[k] - mean);
    assert_true(i < 10 || i >= 18); /* never a value while the outlier is in */
    assert_true(fabs(sd - sqrt(ss / (double)(i - first + 1))) <= 1e-12);
  }
  /* the outlier leaves at i = 18; the sums are clean again by 18 + 2 x 8 */
  assert_true(last_bad >= 17 && last_bad < 18 + 16);
  jj_window_free(w);
}

static void test_long_run_drift(void **state) {
  (void)state;
  where.test = "long_run_drift";
  static const jj_window_kind kinds[] = {JJ_WINDOW_SLIDING_COUNT, JJ_WINDOW_SLIDING_TIME};
  for (int k = 0; k < 2; k++) {
    jj_window_config c;
    jj_window_config_init(&c);
    c.kind = kinds[k];
    c.count = 1000;
    c.span_ms = 1000 * 1000; /* one sample per second: 1000 in the window */
    c.aggregates = JJ_AGG_BIT(JJ_AGG_SUM) | JJ_AGG_BIT(JJ_AGG_MEAN) |
                   JJ_AGG_BIT(JJ_AGG_VARIANCE) | JJ_AGG_BIT(JJ_AGG_SLOPE);
    jj_window *w = new_window(&c, NULL);
    enum { N = 1000 };
    static double ring[N];
    /* 3.5 million samples natively: 3500 generations of the sums. */
    const long TOTAL = (kinds[k] == JJ_WINDOW_SLIDING_COUNT ? 2500000L : 1000000L) / g_div;
    tu_rng r;
    tu_rng_seed(&r, 4242 + (uint64_t)k);
    int64_t t0 = DAY0;
    for (long i = 0; i < TOTAL; i++) {
      double v = 1e4 + 1e-3 * (2.0 * tu_rng_unit(&r) - 1.0) + 1e-4 * sin((double)i * 1e-3);
      ring[i % N] = v;
      jj_status s = jj_window_push(w, t0 + i * 1000, v);
      if (s != JJ_OK) EXPECT(0, "push %ld: %s", i, jj_status_name(s));
    }
    rsample sm[N];
    for (int i = 0; i < N; i++) {
      long idx = TOTAL - N + i;
      sm[i].ts = t0 + idx * 1000;
      sm[i].v = ring[idx % N];
      sm[i].seq = (uint64_t)i;
    }
    jj_window_config cc = c;
    aggcfg ac = aggcfg_of(&cc);
    rvals rv;
    ref_aggregates(sm, N, &ac, &rv);
    double mean, var, sum;
    EXPECT(jj_window_value(w, JJ_AGG_MEAN, &mean) == JJ_OK, "mean");
    EXPECT(jj_window_value(w, JJ_AGG_SUM, &sum) == JJ_OK, "sum");
    EXPECT(jj_window_value(w, JJ_AGG_VARIANCE, &var) == JJ_OK, "variance");
    if (g_verbose)
      printf("drift kind %d: mean rel %.3g var rel %.3g\n", kinds[k],
             fabs(mean - rv.v[JJ_AGG_MEAN]) / rv.v[JJ_AGG_MEAN],
             fabs(var - rv.v[JJ_AGG_VARIANCE]) / rv.v[JJ_AGG_VARIANCE]);
    EXPECT(fabs(mean - rv.v[JJ_AGG_MEAN]) <= 1e-12 * rv.v[JJ_AGG_MEAN], "mean %.17g vs %.17g",
           mean, rv.v[JJ_AGG_MEAN]);
    EXPECT(fabs(sum - rv.v[JJ_AGG_SUM]) <= 1e-12 * rv.v[JJ_AGG_SUM], "sum %.17g vs %.17g", sum,
           rv.v[JJ_AGG_SUM]);
    EXPECT(fabs(var - rv.v[JJ_AGG_VARIANCE]) <= 1e-9 * rv.v[JJ_AGG_VARIANCE],
           "variance %.17g vs %.17g", var, rv.v[JJ_AGG_VARIANCE]);
    jj_window_free(w);
  }
}

/* The specialised in-order push (count, sum, mean, min, max, first,
 * last, percentile over sliding windows) against the general path on the same
 * stream: a window with variance as well takes the general path, whose
 * sums are the same operations in the same order, so every shared
 * aggregate must agree bit for bit after every push: in order, with gaps
 * that empty the window, duplicates, late and invalid samples, a ring
 * that has to grow, and reads of an empty window. */
static void test_fast_path_agrees(void **state) {
  (void)state;
  where.test = "fast_path_agrees";
  static const jj_window_kind kinds[] = {JJ_WINDOW_SLIDING_COUNT, JJ_WINDOW_SLIDING_TIME};
  static const uint32_t sets[] = {
      JJ_AGG_BIT(JJ_AGG_SUM) | JJ_AGG_BIT(JJ_AGG_MEAN),
      JJ_AGG_BIT(JJ_AGG_MIN),
      JJ_AGG_BIT(JJ_AGG_MAX) | JJ_AGG_BIT(JJ_AGG_COUNT),
      JJ_AGG_DEFAULT,
      JJ_AGG_BIT(JJ_AGG_FIRST) | JJ_AGG_BIT(JJ_AGG_LAST) | JJ_AGG_BIT(JJ_AGG_DELTA),
      JJ_AGG_BIT(JJ_AGG_PERCENTILE) | JJ_AGG_BIT(JJ_AGG_MEAN),
  };
  static const uint32_t lengths[] = {1, 5, 64};
  for (int k = 0; k < 2; k++)
    for (size_t si = 0; si < sizeof sets / sizeof sets[0]; si++)
      for (size_t li = 0; li < sizeof lengths / sizeof lengths[0]; li++)
        for (int dup = 0; dup < 2; dup++) {
          jj_window_config c;
          jj_window_config_init(&c);
          c.kind = kinds[k];
          c.count = lengths[li];
          c.span_ms = (int64_t)lengths[li] * 1000;
          c.aggregates = sets[si];
          c.duplicates = dup ? JJ_DUP_REJECT : JJ_DUP_KEEP;
          c.max_samples = lengths[li] + 40; /* time: grows from 16 slots */
          c.percentile = 0.9;
          jj_window_config g = c;
          g.aggregates |= JJ_AGG_BIT(JJ_AGG_VARIANCE); /* the general path */
          jj_window *fw = new_window(&c, NULL), *gw = new_window(&g, NULL);
          /* jj_window_push_value on a twin of each, one aggregate a push
           * (each enabled one in turn): the two calls' status and value. */
          jj_window *fpw = new_window(&c, NULL), *gpw = new_window(&g, NULL);
          int turn = 0;
          tu_rng r;
          tu_rng_seed(&r, 77 + (uint64_t)(k * 100 + (int)si * 10 + (int)li * 2 + dup));
          int64_t ts = DAY0;
          for (int i = 0; i < 3000; i++) {
            const double u = tu_rng_unit(&r);
            int64_t t = ts;
            if (u < 0.05)
              t = ts - 5000; /* late (or, early on, before the first) */
            else if (u < 0.10)
              t = ts; /* a duplicate of the newest */
            else if (u < 0.12)
              t = ts + (int64_t)lengths[li] * 3000; /* a gap that empties a time window */
            else
              t = ts + 1000;
            double v = 50.0 + 40.0 * (tu_rng_unit(&r) - 0.5) * (u < 0.5 ? 1.0 : 1e3);
            if (u > 0.995) v = NAN;
            int pa = turn;
            do pa = (pa + 1) % JJ_AGG__COUNT;
            while (!(sets[si] & JJ_AGG_BIT(pa)));
            turn = pa;
            double fpv, gpv;
            const jj_status fps = jj_window_push_value(fpw, t, v, (jj_agg)pa, &fpv);
            const jj_status gps = jj_window_push_value(gpw, t, v, (jj_agg)pa, &gpv);
            const jj_status fs = jj_window_push(fw, t, v), gs = jj_window_push(gw, t, v);
            EXPECT(fs == gs, "push %d: %s vs %s", i, jj_status_name(fs), jj_status_name(gs));
            if (t > ts && fs == JJ_OK) ts = t;
            {
              double want = NAN;
              jj_status wst = fs;
              if (fs == JJ_OK) wst = jj_window_value(fw, (jj_agg)pa, &want);
              EXPECT(fps == wst && gps == wst && memcmp(&fpv, &want, sizeof want) == 0 &&
                         memcmp(&gpv, &want, sizeof want) == 0,
                     "push_value %d %s: %.17g (%s), general %.17g (%s) vs push + value %.17g (%s)",
                     i, jj_agg_name(pa), fpv, jj_status_name(fps), gpv, jj_status_name(gps), want,
                     jj_status_name(wst));
            }
            for (int a = 0; a < JJ_AGG__COUNT; a++) {
              if (!(sets[si] & JJ_AGG_BIT(a))) continue;
              double fv, gv;
              const jj_status fr = jj_window_value(fw, (jj_agg)a, &fv);
              const jj_status gr = jj_window_value(gw, (jj_agg)a, &gv);
              EXPECT(fr == gr && (memcmp(&fv, &gv, sizeof fv) == 0),
                     "kind %d set %zu len %u push %d %s: %.17g (%s) vs %.17g (%s)", kinds[k], si,
                     lengths[li], i, jj_agg_name(a), fv, jj_status_name(fr), gv,
                     jj_status_name(gr));
            }
          }
          jj_window_counters fc, gc;
          jj_window_counters_get(fw, &fc);
          jj_window_counters_get(gw, &gc);
          EXPECT(memcmp(&fc, &gc, sizeof fc) == 0, "counters differ");
          jj_window_counters_get(fpw, &gc);
          EXPECT(memcmp(&fc, &gc, sizeof fc) == 0, "push_value: counters differ");
          jj_window_counters_get(gpw, &gc);
          EXPECT(memcmp(&fc, &gc, sizeof fc) == 0, "push_value, general: counters differ");
          jj_window_free(fpw);
          jj_window_free(gpw);
          EXPECT(fc.accepted > 2000 && fc.rejected_late > 50 && fc.evicted > 1000,
                 "the stream exercised little: %" PRIu64 " accepted, %" PRIu64 " late",
                 fc.accepted, fc.rejected_late);
          jj_window_free(fw);
          jj_window_free(gw);
        }
}

/* jj_window_push_value refuses bad arguments before it pushes, so its
 * JJ_EINVAL never means "taken"; a refused push reads NaN. */
static void test_push_value_refusals(void **state) {
  (void)state;
  where.test = "push_value_refusals";
  jj_window_config c;
  jj_window_config_init(&c);
  c.kind = JJ_WINDOW_SLIDING_COUNT;
  c.count = 4;
  c.aggregates = JJ_AGG_BIT(JJ_AGG_MEAN);
  jj_window *w = new_window(&c, NULL);
  double x = 1.0;
  assert_int_equal(jj_window_push_value(w, 1000, 5.0, JJ_AGG_MAX, &x), JJ_EINVAL);
  assert_true(isnan(x));
  assert_int_equal(jj_window_push_value(w, 1000, 5.0, (jj_agg)JJ_AGG__COUNT, &x), JJ_EINVAL);
  assert_int_equal(jj_window_push_value(w, 1000, 5.0, (jj_agg)-1, &x), JJ_EINVAL);
  assert_int_equal(jj_window_push_value(w, 1000, 5.0, JJ_AGG_MEAN, NULL), JJ_EINVAL);
  assert_int_equal(jj_window_push_value(NULL, 1000, 5.0, JJ_AGG_MEAN, &x), JJ_EINVAL);
  jj_window_counters k;
  jj_window_counters_get(w, &k);
  assert_true(k.accepted == 0 && k.rejected_invalid == 0); /* nothing was pushed */
  assert_int_equal(jj_window_push_value(w, 1000, 5.0, JJ_AGG_MEAN, &x), JJ_OK);
  assert_true(x == 5.0);
  assert_int_equal(jj_window_push_value(w, 2000, 7.0, JJ_AGG_MEAN, &x), JJ_OK);
  assert_true(x == 6.0);
  x = 1.0;
  assert_int_equal(jj_window_push_value(w, 2000, NAN, JJ_AGG_MEAN, &x), JJ_ENAN);
  assert_true(isnan(x));
  jj_window_counters_get(w, &k);
  assert_true(k.accepted == 2 && k.rejected_invalid == 1);
  /* Incomplete: the status says so and the value is there. */
  jj_window_free(w);
  c.min_samples = 3;
  w = new_window(&c, NULL);
  assert_int_equal(jj_window_push_value(w, 1000, 4.0, JJ_AGG_MEAN, &x), JJ_EINCOMPLETE);
  assert_true(x == 4.0);
  jj_window_free(w);
}

static int setup(void **state) {
  (void)state;
  const char *s = getenv("JJ_TEST_SCALE");
  if (s && atoi(s) > 0) g_scale = atoi(s);
  if (JJ_UNDER_VALGRIND()) g_div = JJ_TEST_SLOW_DIV;
  s = getenv("JJ_TEST_VERBOSE");
  g_verbose = s && s[0] && s[0] != '0';
  s = getenv("JJ_TEST_TRACE");
  g_trace = s && s[0] && s[0] != '0';
  s = getenv("JJ_TEST_SEED");
  if (s && s[0]) {
    g_only_set = 1;
    g_only_seed = strtoull(s, NULL, 0);
  }
  return 0;
}

static int teardown(void **state) {
  (void)state;
  if (g_verbose) {
    printf("worst error / tolerance:\n");
    for (int a = 0; a < JJ_AGG__COUNT; a++) printf("  %-10s %.3g\n", jj_agg_name(a), g_worst[a]);
  }
  free(g_scratch);
  g_scratch = NULL;
  g_scratch_cap = 0;
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_configs),
      cmocka_unit_test(test_invalid_values),
      cmocka_unit_test(test_completeness),
      cmocka_unit_test(test_percentile_saturation),
      cmocka_unit_test(test_duplicates),
      cmocka_unit_test(test_rare_counters),
      cmocka_unit_test(test_reset),
      cmocka_unit_test(test_closed_queue_overflow),
      cmocka_unit_test(test_capacity),
      cmocka_unit_test(test_preallocate),
      cmocka_unit_test(test_alloc_failure),
      cmocka_unit_test(test_tumbling_hour_edges),
      cmocka_unit_test(test_tumbling_lateness),
      cmocka_unit_test(test_hopping),
      cmocka_unit_test(test_tumbling_alignment),
      cmocka_unit_test(test_random_sliding_time),
      cmocka_unit_test(test_random_sliding_count),
      cmocka_unit_test(test_random_tumbling),
      cmocka_unit_test(test_long_run_drift),
      cmocka_unit_test(test_fast_path_agrees),
      cmocka_unit_test(test_push_value_refusals),
      cmocka_unit_test(test_overflowing_outlier),
  };
  const char *filter = getenv("JJ_TEST_FILTER"); /* e.g. "test_random_*" */
  if (filter && filter[0]) cmocka_set_test_filter(filter);
  return cmocka_run_group_tests(tests, setup, teardown);
}
