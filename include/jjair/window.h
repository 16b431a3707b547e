/* libjjair — the sliding-window aggregator.
 *
 * A jj_window holds the recent samples (timestamp in ms, value) of ONE
 * series and maintains aggregates over them incrementally: the cost of a
 * push does not grow with the window's length for count, sum, mean, min,
 * max, first, last, variance/stddev, delta, slope and EWMA (worst-case O(1)
 * for in-order data; min/max use DABA Lite). It is usable on its own,
 * without the rule engine.
 *
 * Three kinds of window:
 *  - JJ_WINDOW_SLIDING_TIME: the samples with  now - span_ms < ts <= now.
 *  - JJ_WINDOW_SLIDING_COUNT: the `count` samples with the newest timestamps.
 *  - JJ_WINDOW_TUMBLING: clock-aligned windows [B - span_ms, B) with
 *    boundaries B = align_ms + k * hop_ms. hop_ms == span_ms (or 0) gives
 *    tumbling windows (the Korean "hourly mean" is span = hop = 1 h,
 *    align 0); hop_ms < span_ms gives hopping (overlapping) windows. Each
 *    window is reported once it is final, through jj_window_pop_closed().
 *    span_ms / hop_ms is at most JJ_WINDOW_MAX_OVERLAP: each window is
 *    closed on its own, so that ratio is the work per sample.
 *
 * Time is the caller's: `now` is the largest timestamp pushed or passed to
 * jj_window_advance(). A sample is accepted when ts >= now - lateness_ms;
 * older ones are rejected with JJ_ELATE and counted. Accepted out-of-order
 * samples are folded in exactly (at cost proportional to the number of
 * samples inside the lateness horizon, never to the window length).
 *
 * Memory: 16 bytes per stored sample, plus 16 more per slot (the ring's
 * capacity rounded up to a power of two) when min or max is enabled, plus
 * the percentile sketch (4.06 bytes per log-bucket in the range seen,
 * typically < 2 KiB) when enabled. The sketch's relative error
 * bound holds for every accepted value (nothing saturates); with
 * `preallocate` it covers the whole range at once: about 270 KiB at the
 * default accuracy and floor. Storage grows by an eighth (at least 4
 * samples) up to exactly max_samples (or is allocated once at creation
 * with `preallocate`);
 * jj_window_memory() reports the current total.
 *
 * Thread-safety: a jj_window is not synchronised; use one from one thread at
 * a time. Distinct windows are independent. */
#ifndef JJAIR_WINDOW_H
#define JJAIR_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "jjair/alloc.h"
#include "jjair/export.h"
#include "jjair/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jj_window jj_window;

/* TUMBLING: the most windows one sample may belong to, span_ms / hop_ms
 * (e.g. span 1 d with hop 1 min is 1440: refused; hop 90 s is 960). */
#define JJ_WINDOW_MAX_OVERLAP 1024

/* The largest accepted |value|: larger ones get JJ_EINVAL (see
 * jj_window_push). Far beyond any instrument; it keeps every running sum
 * finite, so the sum of two readings of 1e300 is not infinity (and the sum
 * after one leaves is not NaN). */
#define JJ_WINDOW_VALUE_LIMIT 1e288

typedef enum jj_window_kind {
  JJ_WINDOW_SLIDING_TIME = 1,
  JJ_WINDOW_SLIDING_COUNT = 2,
  JJ_WINDOW_TUMBLING = 3
} jj_window_kind;

/* Aggregates. Enable them in jj_window_config.aggregates with JJ_AGG_BIT. */
typedef enum jj_agg {
  JJ_AGG_COUNT = 0,      /* number of samples in the window */
  JJ_AGG_SUM = 1,        /* compensated (Neumaier) sum */
  JJ_AGG_MEAN = 2,       /* sum / count */
  JJ_AGG_MIN = 3,
  JJ_AGG_MAX = 4,
  JJ_AGG_FIRST = 5,      /* value of the oldest sample (smallest timestamp) */
  JJ_AGG_LAST = 6,       /* value of the newest sample (largest timestamp) */
  JJ_AGG_VARIANCE = 7,   /* population variance (divides by count) */
  JJ_AGG_STDDEV = 8,     /* sqrt(variance) */
  JJ_AGG_DELTA = 9,      /* last - first */
  JJ_AGG_SLOPE = 10,     /* least-squares slope of value over time, per second */
  JJ_AGG_PERCENTILE = 11,/* the `percentile` quantile, see jj_window_config */
  JJ_AGG_EWMA = 12,      /* exponentially weighted mean, see jj_window_config */
  /* Index averaging over the last 12 clock hours (hour = floor(ts / 1 h))
   * of the samples pushed, whatever the window's span (aqi.h): for a
   * TUMBLING window the 12 hours ending with the window's last hour. */
  JJ_AGG_NOWCAST = 13,   /* US EPA NowCast (PM), jj_nowcast */
  JJ_AGG_C24E_PM25 = 14, /* AirKorea predicted 24 h mean, PM2.5 (M = 30), jj_c24e */
  JJ_AGG_C24E_PM10 = 15, /* the same for PM10 (M = 70) */
  JJ_AGG__COUNT = 16     /* number of aggregates; not an aggregate */
} jj_agg;

#define JJ_AGG_BIT(agg) (1u << (unsigned)(agg))
/* count, sum, mean, min, max, first, last: what 0 in `aggregates` means. */
#define JJ_AGG_DEFAULT                                                    \
  (JJ_AGG_BIT(JJ_AGG_COUNT) | JJ_AGG_BIT(JJ_AGG_SUM) |                    \
   JJ_AGG_BIT(JJ_AGG_MEAN) | JJ_AGG_BIT(JJ_AGG_MIN) | JJ_AGG_BIT(JJ_AGG_MAX) | \
   JJ_AGG_BIT(JJ_AGG_FIRST) | JJ_AGG_BIT(JJ_AGG_LAST))
#define JJ_AGG_ALL ((1u << JJ_AGG__COUNT) - 1u)
/* Room for aggregates in jj_window_stats.value[]: fixed, so adding an
 * aggregate (JJ_AGG__COUNT grows) never changes the struct's size. The
 * aggregates mask is 32 bits wide, so there can never be more. */
#define JJ_AGG_SLOTS 32

/* What happens to a sample whose timestamp equals one already stored. */
typedef enum jj_dup_policy {
  JJ_DUP_KEEP = 0,    /* both are kept and counted (default) */
  JJ_DUP_REPLACE = 1, /* the new value replaces the stored one(s); counted */
  JJ_DUP_REJECT = 2   /* the new sample is rejected with JJ_EDUPLICATE; counted */
} jj_dup_policy;

typedef struct jj_window_config {
  jj_window_kind kind;
  int64_t span_ms;      /* SLIDING_TIME and TUMBLING: window length, > 0 */
  int64_t hop_ms;       /* TUMBLING: step between boundaries; 0 = span_ms */
  int64_t align_ms;     /* TUMBLING: boundaries at align_ms + k*hop_ms */
  uint32_t count;       /* SLIDING_COUNT: window length in samples, > 0 */
  int64_t lateness_ms;  /* out-of-order tolerance, >= 0; < span_ms for SLIDING_TIME */
  uint32_t aggregates;  /* JJ_AGG_BIT mask; 0 = JJ_AGG_DEFAULT */
  /* Completeness: a window is complete when it holds at least min_samples
   * samples AND, if min_coverage > 0, count * expected_interval_ms /
   * span_ms >= min_coverage (count / `count` for SLIDING_COUNT). */
  uint32_t min_samples;
  double min_coverage;          /* 0..1; 0 = no coverage rule */
  int64_t expected_interval_ms; /* sampling period; needed by min_coverage for time windows */
  uint32_t max_samples;   /* cap on stored samples; 0 = default (65536); SLIDING_COUNT:
                             always `count` (a full window drops its oldest first) */
  int preallocate;        /* non-zero: allocate max_samples storage at creation */
  double percentile;      /* JJ_AGG_PERCENTILE: quantile q in [0, 1], e.g. 0.95 */
  double percentile_accuracy; /* relative error bound alpha; 0 = 0.01 (1 %) */
  double percentile_floor;    /* |x| below this count as 0; 0 = 1e-3 */
  int64_t ewma_halflife_ms;   /* JJ_AGG_EWMA: weight halves per this age, > 0 */
  jj_dup_policy duplicates;
  uint32_t reserved0;         /* zero (see "ABI and versioning" in the README) */
  uint64_t reserved[6];       /* zero: room for fields whose zero means "default" */
} jj_window_config;

/* One window's aggregates at a point in time. Aggregates that are not
 * enabled, or have no value (empty window; slope of < 2 distinct times),
 * are NaN. */
typedef struct jj_window_stats {
  int64_t start_ms;  /* window bounds: [start_ms, end_ms) for TUMBLING;   */
  int64_t end_ms;    /* (start_ms, end_ms] = (now - span, now] for SLIDING_TIME; */
                     /* oldest and newest sample ts for SLIDING_COUNT      */
  uint64_t count;
  uint32_t windows;  /* TUMBLING: how many consecutive windows this result
                        stands for (>1 only for a run of empty windows) */
  int complete;      /* 1 when the completeness rule holds */
  double value[JJ_AGG_SLOTS]; /* indexed by jj_agg; value[JJ_AGG_COUNT] = count;
                                 slots from JJ_AGG__COUNT on are NaN */
  uint64_t reserved[4];
} jj_window_stats;

/* Counters since creation (or the last jj_window_reset). */
typedef struct jj_window_counters {
  uint64_t accepted;        /* samples taken in */
  uint64_t rejected_late;   /* JJ_ELATE */
  uint64_t rejected_invalid;/* JJ_ENAN, or JJ_EINVAL for a timestamp beyond +-2^62 ms
                               or a value beyond +-JJ_WINDOW_VALUE_LIMIT */
  uint64_t rejected_full;   /* JJ_EFULL */
  uint64_t duplicates;      /* equal timestamps seen (kept, replaced or rejected) */
  uint64_t evicted;         /* samples that left the window */
  uint64_t closed;          /* TUMBLING: windows closed (empty ones included) */
  uint64_t closed_dropped;  /* always 0: closing waits for pops (jj_window_pop_closed)
                               instead of dropping results; kept for the ABI */
  uint64_t reserved[8];
} jj_window_counters;

/* Fill `cfg` with defaults: a 60 s sliding time window, default aggregates,
 * no lateness, duplicates kept, max_samples 65536. Never fails. */
JJ_API void jj_window_config_init(jj_window_config *cfg);

/* Create a window. `cfg` is copied; `alc` may be NULL (libc). On success
 * stores a new window in *out (free it with jj_window_free) and returns
 * JJ_OK. Returns JJ_EINVAL for an invalid configuration, JJ_ENOMEM when an
 * allocation fails, JJ_ENOTSUP for a kind or aggregate this build left out
 * (README "Firmware": JJ_WITH_TUMBLING, JJ_WITH_SKETCH, JJ_WITH_EWMA);
 * *out is then NULL. */
JJ_API jj_status jj_window_new(const jj_window_config *cfg,
                               const jj_allocator *alc, jj_window **out);

/* Free a window and everything it owns. NULL is a no-op. */
JJ_API void jj_window_free(jj_window *w);

/* Drop all samples, closed results and counters; keeps configuration and
 * storage. */
JJ_API void jj_window_reset(jj_window *w);

/* Add one sample. Returns JJ_OK when accepted; otherwise the sample is not
 * stored, the matching counter is incremented, and the status says why:
 * JJ_ENAN (NaN/Inf value), JJ_EINVAL (|ts_ms| > 2^62, about 146 million
 * years, or |value| > JJ_WINDOW_VALUE_LIMIT), JJ_ELATE (ts < now - lateness_ms),
 * JJ_EDUPLICATE (JJ_DUP_REJECT), JJ_EFULL (max_samples reached),
 * JJ_ENOMEM (storage could not grow, or the block of rejection and
 * duplicate counters a window makes on its first such count could not be
 * allocated: the window is then unchanged and nothing is counted; a
 * preallocated window has that block from creation). Also evicts samples
 * that left the window and closes TUMBLING windows that became final. */
JJ_API jj_status jj_window_push(jj_window *w, int64_t ts_ms, double value);

/* Move time forward to `now_ms` without a sample: evicts expired samples
 * and closes final TUMBLING windows. A `now_ms` earlier than the current
 * time is ignored. Returns JJ_OK. */
JJ_API jj_status jj_window_advance(jj_window *w, int64_t now_ms);

/* The current value of one aggregate. Returns JJ_OK with *out set;
 * JJ_EINCOMPLETE with *out set when the window fails its completeness rule;
 * JJ_ENODATA (and *out = NaN, or 0 for JJ_AGG_COUNT) when the window is
 * empty or the aggregate has no value; JJ_EINVAL when `agg` is not enabled.
 * For TUMBLING this is the open window (the one currently filling).
 * Variance, stddev and slope square the samples' distances: a sample more
 * than about 1e154 from the window's first value overflows them, and they
 * read as no value (JJ_ENODATA) from its arrival until the running sums are
 * rebuilt after it has left (at most two window lengths after it came).
 * No sensor reads such values; a range gate (valid_min/valid_max on rules)
 * keeps them out. */
JJ_API jj_status jj_window_value(const jj_window *w, jj_agg agg, double *out);

/* jj_window_push, then, when the sample was taken, jj_window_value(w, agg,
 * out): what a caller that checks one aggregate after every sample does,
 * in one call (the arguments are checked once, and the read finds the
 * sums the push has just written). Statuses:
 *  - JJ_EINVAL, before anything happens, when w or out is NULL or `agg`
 *    is not enabled (then *out = NaN when out is not NULL): the sample is
 *    not pushed;
 *  - a push's refusal (JJ_ENAN, JJ_EINVAL, JJ_ELATE, JJ_EDUPLICATE,
 *    JJ_EFULL, JJ_ENOMEM; see jj_window_push): the sample is not taken,
 *    the matching counter counts it, *out = NaN;
 *  - otherwise the sample is taken and the status is jj_window_value's:
 *    JJ_OK, JJ_EINCOMPLETE (*out set) or JJ_ENODATA (*out = NaN, or 0 for
 *    JJ_AGG_COUNT).
 * The same value, bit for bit, as the two calls. Not synchronised (see
 * the top of this file). */
JJ_API jj_status jj_window_push_value(jj_window *w, int64_t ts_ms, double value, jj_agg agg,
                                      double *out);

/* jj_window_push_value for a run of samples of one series (a replay, an
 * array from a caller's language, a drained sensor FIFO): exactly the n
 * calls jj_window_push_value(w, ts_ms[i], values[i], agg, &out[i]), in
 * order, with the same results bit for bit (out values, statuses,
 * counters, state, snapshots after), and status[i] = call i's status
 * when `status` is not NULL. The window's state stays in registers from
 * one sample to the next: a fraction of the calls' cost per sample.
 * Returns:
 *  - JJ_EINVAL, before anything happens, when w is NULL, when n > 0 and
 *    ts_ms, values or out is NULL, or when `agg` is not enabled: no
 *    sample is pushed, and out[i] = NaN and status[i] = JJ_EINVAL for
 *    every i where those arrays are not NULL (what n calls would give);
 *  - otherwise JJ_OK when every sample was taken (each status[i] JJ_OK,
 *    JJ_EINCOMPLETE or JJ_ENODATA), else the first refusal's status
 *    (JJ_ENAN, JJ_EINVAL, JJ_ELATE, JJ_EDUPLICATE, JJ_EFULL, JJ_ENOMEM):
 *    every sample is still tried, as n single calls would;
 *  - n == 0 (and w and agg valid): JJ_OK, nothing read or written.
 * The arrays must not overlap `out` or `status`. Not synchronised (see
 * the top of this file). */
JJ_API jj_status jj_window_push_values(jj_window *w, const int64_t *ts_ms, const double *values,
                                       size_t n, jj_agg agg, double *out, jj_status *status);

/* All enabled aggregates of the current (for TUMBLING: open) window.
 * Returns the same statuses as jj_window_value for the window as a whole
 * (JJ_OK, JJ_EINCOMPLETE, JJ_ENODATA). */
JJ_API jj_status jj_window_stats_get(const jj_window *w, jj_window_stats *out);

/* TUMBLING: take the oldest closed window's result. Returns 1 and fills
 * *out, or 0 when none is waiting. Results are kept in a small bounded
 * queue; while it is full, windows that are due wait (with their samples)
 * and each pop closes the next one, so no result is ever dropped and the
 * results do not depend on how finely time moved: one advance over 5,000
 * windows gives the same windows as 5,000 advances (a run of empty windows
 * may come cut into several results; the windows they stand for agree). A caller that never
 * pops stops the window at the queue (jj_window_value shows the oldest
 * waiting window; samples wait in storage, then JJ_EFULL).
 * Runs of empty windows come as one result with `windows` > 1. */
JJ_API int jj_window_pop_closed(jj_window *w, jj_window_stats *out);

/* The window's current time (largest timestamp seen), INT64_MIN before the
 * first sample. */
JJ_API int64_t jj_window_now(const jj_window *w);

/* Copy the counters into *out. */
JJ_API void jj_window_counters_get(const jj_window *w, jj_window_counters *out);

/* Bytes currently owned by the window (struct, sample storage, sketch). */
JJ_API size_t jj_window_memory(const jj_window *w);

/* A short lowercase name for an aggregate ("mean", "p", ...), NULL when out
 * of range. Static string. */
JJ_API const char *jj_agg_name(int agg);

#ifdef __cplusplus
}
#endif

#endif
