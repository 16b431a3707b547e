/* The sliding-window aggregator (see include/jjair/window.h).
 *
 * Samples live in a ring sorted by timestamp, addressed by ever-increasing
 * 64-bit positions (slot = pos & mask), split into three ranges:
 *
 *   head ........ agg_end ........ win_end ........ tail
 *   | settled, in DABA | pending   |  not yet in    |
 *   |<------ in the window: in the sums ------>|     |
 *
 *  - [head, win_end) is the window: its samples are in the running sums.
 *    For sliding windows win_end == tail; a TUMBLING window ends at the
 *    boundary B and later samples wait after win_end.
 *  - [head, agg_end) are "settled" samples (ts < now - lateness): no
 *    accepted sample can ever sort before them, so they can enter DABA Lite,
 *    which only supports in-order appends. min/max combine DABA with a scan
 *    of the few pending samples [agg_end, win_end).
 *
 * Running sums use two generations to bound drift: `cur` covers the whole
 * window, `next` only positions >= gen_pos. When head passes gen_pos every
 * sample `cur` ever subtracted is gone, so `next` (which never subtracted
 * anything) replaces it. Each sample is added twice and removed once.
 *
 * Memory layout (what a snapshot must save; every field is plain data,
 * the only pointers are allocations rebuilt on restore):
 *  - one block: the core `struct jj_window` (280 bytes: line 0 positions
 *    and time, line 1 settings, line 2 count and sum of both generations,
 *    then the cold counters, the allocator and the hourly link), followed by the optional
 *    parts a configuration needs, at byte offsets off_mm, off_mom, off_tum,
 *    off_sk (0 = absent), in that order: minmax_part (DABA Lite's
 *    bookkeeping, 96 B), moments_part (higher moments of both generations
 *    and the EWMA half-life, 280 B), tumbling_part (boundary, hop, align,
 *    closed-queue indices, 56 B), sketch_part (jj_sketch and q, 72 B). A
 *    60 s mean is the core alone.
 *  - the ring: `cap` (a power of two) jj_ring_rec of 16 bytes; positions
 *    [head, tail) are live at slot pos & mask.
 *  - with min/max: DABA's partial aggregates, one jj_minmax (16 B) per
 *    ring slot, same slots.
 *  - TUMBLING: the closed-result queue, closed_cap entries.
 *  - percentile: the sketch's counters (jj_sketch.counts, nkeys + blocks).
 * Positions are 64-bit and never wrap; saving [head, tail) with the
 * scalars is enough to rebuild the rest. */
#include "jjair/window.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "alloc.h"
#include "hourly.h"
#include "minmax.h"
#include "moments.h"
#include "sample.h"
#include "sketch.h"
#include "window_fast.h"
#include "window_snap.h"

/* TUMBLING boundaries run up to one hop past `now`: a half-size limit on
 * span (and so hop) keeps every boundary sum inside int64. */
#define TUMBLING_SPAN_LIMIT ((int64_t)1 << 61)
#define DEFAULT_MAX_SAMPLES 65536u
#define INITIAL_CAPACITY 16u
/* Closed results kept for jj_window_pop_closed. Closing waits while the
 * queue is full (see close_due), so the bound costs no result, only
 * memory: a few entries suffice (the engine pops after every call). */
#define MAX_CLOSED_QUEUE 8u

/* One stored sample. */
typedef struct jj_ring_rec {
  int64_t ts;
  double val;
} jj_ring_rec;

/* jj_window_counters without the public struct's reserved tail, and
 * without accepted and evicted (kept with the hot fields). */
typedef struct window_counters {
  uint64_t rejected_late, rejected_invalid, rejected_full, duplicates, closed;
} window_counters;

/* The optional parts: each exists only in windows whose configuration
 * needs it (see the layout comment at the top). */
typedef struct minmax_part { /* min or max enabled */
  jj_daba daba;
} minmax_part;

typedef struct moments_part { /* variance, stddev, slope or EWMA enabled */
  jj_moments cur, next;       /* the higher moments, same generations as the sums */
  double halflife;            /* cfg.ewma_halflife_ms as double */
} moments_part;

typedef struct tumbling_part { /* JJ_WINDOW_TUMBLING */
  int64_t boundary; /* end B of the open window [B - span, B) */
  int64_t hop_ms, align_ms;
  struct closed_result *closed; /* the closed-result queue */
  uint32_t closed_cap, closed_first, closed_len;
  uint32_t cfg_aggregates; /* as configured (aggregates adds implied ones) */
  int has_boundary;
} tumbling_part;

typedef struct sketch_part { /* percentile enabled */
  jj_sketch sketch;
  double percentile;
} sketch_part;

/* Field order is cache order: with 10,000 series a window is rarely in
 * cache when its sample arrives, so what an in-order push and a read of
 * count/sum/mean touch sits in the first three lines (positions,
 * settings, the count and sum of both generations); the cold counters and
 * the allocator follow, then the optional parts in the same allocation.
 * Settings are the few a push or read needs, not the whole
 * jj_window_config (its reserved tail alone would cost every window). */
struct jj_window {
  /* Line 0: positions and time, written by every push. */
  jj_ring_rec *ring; /* timestamp and value side by side: one line per sample touched */
  uint64_t mask;
  uint64_t head, agg_end, win_end, tail;
  int64_t now;
  uint64_t gen_pos;
  /* Line 1: the settings a push and a read need. */
  int64_t span_ms, lateness_ms;
  uint64_t complete_min; /* least count that is complete (min_samples, min_coverage) */
  uint32_t count;        /* SLIDING_COUNT: the window length */
  uint32_t max_samples;
  uint32_t aggregates;
  uint8_t mom;           /* JJ_MOM_* bits to maintain */
  uint8_t kind;          /* jj_window_kind */
  uint8_t has_now;
  uint8_t use_minmax;
  uint8_t use_sketch;
  uint8_t duplicates;    /* jj_dup_policy */
  uint16_t off_mm, off_mom, off_tum, off_sk; /* byte offsets of the optional parts, 0 = none */
  uint64_t n_accepted;   /* counters a push updates (the rest are in ctr) */
  /* Line 2: the count and sum of both generations (see the top comment). */
  jj_sums cur_sums, next_sums;
  uint64_t n_evicted;
  uint64_t cap;          /* ring slots (mask + 1) */
  /* Cold. */
  uint64_t cap_limit;
  window_counters ctr;
  jj_allocator alc;
  jj_hourly *hourly;       /* clock-hour means for the index aggregates (hourly.c), or NULL */
  /* The optional parts follow, 8-byte aligned, in this order: minmax,
   * moments, tumbling, sketch. */
};

#define PART_AT(w, off) ((void *)((char *)(w) + (off)))
#define CPART_AT(w, off) ((const void *)((const char *)(w) + (off)))
static inline jj_daba *DABA(jj_window *w) { return &((minmax_part *)PART_AT(w, w->off_mm))->daba; }
static inline const jj_daba *CDABA(const jj_window *w) {
  return &((const minmax_part *)CPART_AT(w, w->off_mm))->daba;
}
static inline moments_part *MOM(jj_window *w) { return PART_AT(w, w->off_mom); }
static inline const moments_part *CMOM(const jj_window *w) { return CPART_AT(w, w->off_mom); }
static inline tumbling_part *TUM(jj_window *w) { return PART_AT(w, w->off_tum); }
static inline const tumbling_part *CTUM(const jj_window *w) { return CPART_AT(w, w->off_tum); }
static inline sketch_part *SK(jj_window *w) { return PART_AT(w, w->off_sk); }
static inline const sketch_part *CSK(const jj_window *w) { return CPART_AT(w, w->off_sk); }

#if UINTPTR_MAX == UINT64_MAX
_Static_assert(offsetof(jj_window, cur_sums) == 128, "the sums start line 2");
_Static_assert(offsetof(jj_window, cap_limit) == 192, "the hot part is three lines");
#endif

/* Where the optional parts go, and the block's size. */
typedef struct window_layout {
  uint16_t off_mm, off_mom, off_tum, off_sk;
  size_t bytes;
} window_layout;

static void layout_of(window_layout *l, int minmax, int moments, int tumbling, int sketch) {
  size_t off = sizeof(jj_window);
  memset(l, 0, sizeof *l);
  if (minmax) {
    l->off_mm = (uint16_t)off;
    off += sizeof(minmax_part);
  }
  if (moments) {
    l->off_mom = (uint16_t)off;
    off += sizeof(moments_part);
  }
  if (tumbling) {
    l->off_tum = (uint16_t)off;
    off += sizeof(tumbling_part);
  }
  if (sketch) {
    l->off_sk = (uint16_t)off;
    off += sizeof(sketch_part);
  }
  l->bytes = off;
}

/* ---- small helpers ---------------------------------------------------- */

static inline uint64_t slot(const jj_window *w, uint64_t pos) { return pos & w->mask; }
static inline jj_ring_rec *rec_at(const jj_window *w, uint64_t pos) {
  return &w->ring[slot(w, pos)];
}
static inline int64_t ts_at(const jj_window *w, uint64_t pos) { return rec_at(w, pos)->ts; }
static inline double val_at(const jj_window *w, uint64_t pos) { return rec_at(w, pos)->val; }

static uint64_t pow2_at_least(uint64_t n) {
  uint64_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

/* floor(a / b) for b > 0. */
static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && (a < 0)) q--;
  return q;
}

static inline int64_t watermark(const jj_window *w) { return w->now - w->lateness_ms; }

/* ---- configuration ---------------------------------------------------- */

void jj_window_config_init(jj_window_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->kind = JJ_WINDOW_SLIDING_TIME;
  cfg->span_ms = 60000;
  cfg->aggregates = JJ_AGG_DEFAULT;
  cfg->max_samples = DEFAULT_MAX_SAMPLES;
  cfg->percentile = 0.5;
  cfg->percentile_accuracy = 0.01;
  cfg->percentile_floor = 1e-3;
  cfg->ewma_halflife_ms = 60000;
  cfg->duplicates = JJ_DUP_KEEP;
}

static jj_status normalize(jj_window_config *c) {
  if (c->aggregates == 0) c->aggregates = JJ_AGG_DEFAULT;
  if (c->aggregates & ~JJ_AGG_ALL) return JJ_EINVAL;
  if (c->lateness_ms < 0 || c->lateness_ms > JJ_TS_LIMIT) return JJ_EINVAL;
  if (c->duplicates != JJ_DUP_KEEP && c->duplicates != JJ_DUP_REPLACE &&
      c->duplicates != JJ_DUP_REJECT)
    return JJ_EINVAL;
  if (!(c->min_coverage >= 0.0 && c->min_coverage <= 1.0)) return JJ_EINVAL;
  switch (c->kind) {
    case JJ_WINDOW_SLIDING_TIME:
      if (c->span_ms <= 0 || c->span_ms > JJ_TS_LIMIT) return JJ_EINVAL;
      /* A late sample must never land before samples already evicted. */
      if (c->lateness_ms >= c->span_ms) return JJ_EINVAL;
      break;
    case JJ_WINDOW_SLIDING_COUNT:
      if (c->count == 0 || c->count >= (1u << 30)) return JJ_EINVAL;
      c->max_samples = c->count; /* a full window evicts before it inserts */
      break;
    case JJ_WINDOW_TUMBLING:
      if (c->span_ms <= 0 || c->span_ms > TUMBLING_SPAN_LIMIT) return JJ_EINVAL;
      if (c->hop_ms == 0) c->hop_ms = c->span_ms;
      if (c->hop_ms <= 0 || c->hop_ms > c->span_ms) return JJ_EINVAL; /* (0 became span) */
      /* Every sample is in span/hop windows, each closed on its own. */
      if (c->span_ms / c->hop_ms > JJ_WINDOW_MAX_OVERLAP) return JJ_EINVAL;
      if (!jj__ts_valid(c->align_ms)) return JJ_EINVAL;
      /* Same boundaries, but ts - align can no longer overflow. */
      c->align_ms -= floor_div(c->align_ms, c->hop_ms) * c->hop_ms;
      break;
    default:
      return JJ_EINVAL;
  }
  if (c->min_coverage > 0.0 && c->kind != JJ_WINDOW_SLIDING_COUNT &&
      c->expected_interval_ms <= 0)
    return JJ_EINVAL;
  if (c->max_samples == 0) c->max_samples = DEFAULT_MAX_SAMPLES;
  if (c->max_samples >= (1u << 30)) return JJ_EINVAL;
  if (c->aggregates & JJ_AGG_BIT(JJ_AGG_PERCENTILE)) {
    if (c->percentile_accuracy == 0.0) c->percentile_accuracy = 0.01;
    if (c->percentile_floor == 0.0) c->percentile_floor = 1e-3;
    if (!(c->percentile >= 0.0 && c->percentile <= 1.0)) return JJ_EINVAL;
    if (!(c->percentile_accuracy >= 0.001 && c->percentile_accuracy <= 0.2)) return JJ_EINVAL;
    if (!(c->percentile_floor >= 1e-9 && c->percentile_floor <= 1e6)) return JJ_EINVAL;
  }
  if ((c->aggregates & JJ_AGG_BIT(JJ_AGG_EWMA)) && c->ewma_halflife_ms <= 0) return JJ_EINVAL;
  return JJ_OK;
}

static unsigned moments_needed(uint32_t aggs) {
  unsigned m = 0;
  if (aggs & (JJ_AGG_BIT(JJ_AGG_SUM) | JJ_AGG_BIT(JJ_AGG_MEAN))) m |= JJ_MOM_SUM;
  if (aggs & (JJ_AGG_BIT(JJ_AGG_VARIANCE) | JJ_AGG_BIT(JJ_AGG_STDDEV))) m |= JJ_MOM_VAR;
  if (aggs & JJ_AGG_BIT(JJ_AGG_SLOPE)) m |= JJ_MOM_SLOPE;
  if (aggs & JJ_AGG_BIT(JJ_AGG_EWMA)) m |= JJ_MOM_EWMA;
  return m;
}

/* ---- storage ---------------------------------------------------------- */

static size_t minmax_bytes(const jj_window *w, uint64_t cap) {
  return w->use_minmax ? (size_t)cap * sizeof(jj_minmax) : 0;
}

/* Move to a ring of `newcap` slots, keeping every position's meaning. */
static jj_status resize(jj_window *w, uint64_t newcap) {
  uint64_t newmask = newcap - 1;
  jj_ring_rec *nring = jj__malloc(&w->alc, (size_t)newcap * sizeof *nring);
  jj_minmax *nmm = w->use_minmax ? jj__malloc(&w->alc, minmax_bytes(w, newcap)) : NULL;
  if (!nring || (w->use_minmax && !nmm)) {
    jj__free(&w->alc, nring);
    jj__free(&w->alc, nmm);
    return JJ_ENOMEM;
  }
  for (uint64_t p = w->head; p < w->tail; p++) {
    nring[p & newmask] = *rec_at(w, p);
    if (nmm) nmm[p & newmask] = DABA(w)->agg[p & w->mask];
  }
  jj__free(&w->alc, w->ring);
  w->ring = nring;
  if (w->use_minmax) {
    jj__free(&w->alc, DABA(w)->agg);
    DABA(w)->agg = nmm;
    DABA(w)->mask = newmask;
  }
  w->cap = newcap;
  w->mask = newmask;
  return JJ_OK;
}

/* Make room for one more sample if the ring is full and may still grow.
 * Called before time moves: evictions could make the growth unneeded, but
 * failing here leaves the window untouched. */
static jj_status grow_if_full(jj_window *w) {
  if (w->tail - w->head < w->cap || w->cap >= w->cap_limit) return JJ_OK;
  uint64_t newcap = w->cap * 2;
  if (newcap > w->cap_limit) newcap = w->cap_limit;
  return resize(w, newcap);
}

/* ---- the sums over [head, win_end) ------------------------------------ */


/* The sample at `pos` joins (add = 1) or leaves (add = 0) the sums and
 * the sketch. `light` (a constant at every call) marks windows whose sums
 * are at most the plain sum (sum, mean, min, max, first, last...) on the
 * in-order path: the general moments code and the sketch are left out. */
/* `key`: the value's sketch key when the caller has it, else KEY_UNKNOWN
 * (a key is a log(): a push computes it once, to reserve and to add). */
#define KEY_UNKNOWN INT32_MIN
JJ_HOT_INLINE void account_k(jj_window *w, uint64_t pos, int64_t ts, double v, int add, int light,
                             int32_t key) {
  if (w->mom) { /* min/max-only windows keep no sums */
    if (light || !w->off_mom) { /* count and sum only: no moments part */
      jj_sums_apply(&w->cur_sums, v, add);
      if (pos >= w->gen_pos) jj_sums_apply(&w->next_sums, v, add);
    } else {
      const double sign = add ? 1.0 : -1.0;
      jj_moments_apply(&w->cur_sums, &MOM(w)->cur, w->mom, ts, v, sign, MOM(w)->halflife);
      if (pos >= w->gen_pos)
        jj_moments_apply(&w->next_sums, &MOM(w)->next, w->mom, ts, v, sign, MOM(w)->halflife);
    }
  }
  if (!light && w->use_sketch) {
    if (key == KEY_UNKNOWN) key = jj__sketch_key(&SK(w)->sketch, v);
    if (add)
      jj__sketch_add(&SK(w)->sketch, key);
    else
      jj__sketch_remove(&SK(w)->sketch, key);
  }
}

JJ_HOT_INLINE void account(jj_window *w, uint64_t pos, int64_t ts, double v, int add, int light) {
  account_k(w, pos, ts, v, add, light, KEY_UNKNOWN);
}

JJ_HOT_INLINE void enter(jj_window *w, uint64_t pos, int64_t ts, double v) {
  account(w, pos, ts, v, 1, 0);
}

JJ_HOT_INLINE void leave(jj_window *w, uint64_t pos, int64_t ts, double v) {
  account(w, pos, ts, v, 0, 0);
}

/* Empty the window part [head, win_end) in O(1). */
static void clear_window(jj_window *w) {
  w->n_evicted += w->win_end - w->head;
  w->head = w->win_end;
  w->agg_end = w->win_end;
  w->gen_pos = w->win_end;
  jj_sums_clear(&w->cur_sums);
  jj_sums_clear(&w->next_sums);
  if (w->off_mom) {
    jj_moments_clear(&MOM(w)->cur);
    jj_moments_clear(&MOM(w)->next);
  }
  if (w->use_sketch) jj__sketch_clear(&SK(w)->sketch);
  if (w->use_minmax) jj__daba_reset(DABA(w), w->head);
}

JJ_HOT_INLINE void evict_front_t(jj_window *w, int light) {
  uint64_t pos = w->head;
  if (pos < w->win_end) account(w, pos, ts_at(w, pos), val_at(w, pos), 0, light);
  if (w->agg_end > pos) {
    if (w->use_minmax) jj__daba_evict(DABA(w));
  } else {
    w->agg_end = pos + 1;
    if (w->use_minmax) jj__daba_reset(DABA(w), pos + 1);
  }
  w->head = pos + 1;
  if (w->win_end < w->head) w->win_end = w->head;
  w->n_evicted++;
  if (w->head >= w->gen_pos) {
    /* Every sample `cur` has subtracted is gone: take the fresh sums. */
    w->cur_sums = w->next_sums;
    jj_sums_clear(&w->next_sums);
    if (!light && w->off_mom) {
      MOM(w)->cur = MOM(w)->next;
      jj_moments_clear(&MOM(w)->next);
    }
    w->gen_pos = w->win_end;
  }
}

JJ_HOT_INLINE void evict_front(jj_window *w) { evict_front_t(w, 0); }

/* Settled samples (ts < watermark, see below) inside the window enter DABA. */
JJ_HOT_INLINE void settle(jj_window *w) {
  /* Only DABA needs to know what is settled: without min/max agg_end may
   * lag (evict_front_t keeps it >= head). */
  if (!w->has_now || !w->use_minmax) return;
  /* A sample AT the watermark is settled too: an accepted sample with the
   * same timestamp is stored after it. Unless it may still be replaced
   * (JJ_DUP_REPLACE). With lateness 0 a sample is settled on arrival, so
   * reads of min/max scan no pending one. */
  int64_t wm = watermark(w) + (w->duplicates != JJ_DUP_REPLACE);
  while (w->agg_end < w->win_end && ts_at(w, w->agg_end) < wm) {
    if (w->use_minmax) jj__daba_push(DABA(w), val_at(w, w->agg_end));
    w->agg_end++;
  }
}

/* TUMBLING: samples before the boundary join the open window. */
static void extend_window(jj_window *w) {
  while (w->win_end < w->tail && ts_at(w, w->win_end) < TUM(w)->boundary) {
    enter(w, w->win_end, ts_at(w, w->win_end), val_at(w, w->win_end));
    w->win_end++;
  }
}

/* ---- reading aggregates ----------------------------------------------- */

/* The completeness rule as configured, for any n (used once, at creation,
 * to find complete_min; the hot path compares n with that). */
static int complete_by_config(const jj_window_config *c, uint64_t n) {
  if (n == 0 || n < c->min_samples) return 0;
  if (c->min_coverage > 0.0) {
    double coverage;
    if (c->kind == JJ_WINDOW_SLIDING_COUNT)
      coverage = (double)n / (double)c->count;
    else
      coverage = (double)n * (double)c->expected_interval_ms / (double)c->span_ms;
    if (coverage < c->min_coverage) return 0;
  }
  return 1;
}

/* The least n that complete_by_config accepts (monotone in n): an estimate,
 * then the exact floating-point check on either side of it. */
static uint64_t complete_threshold(const jj_window_config *c) {
  uint64_t n = c->min_samples > 1 ? c->min_samples : 1;
  if (c->min_coverage > 0.0) {
    double need = c->kind == JJ_WINDOW_SLIDING_COUNT
                      ? c->min_coverage * (double)c->count
                      : c->min_coverage * (double)c->span_ms / (double)c->expected_interval_ms;
    if (!(need < 4e18)) return UINT64_MAX; /* never complete */
    uint64_t est = need > 2.0 ? (uint64_t)need - 2 : 1;
    if (est > n) n = est;
    while (!complete_by_config(c, n)) n++;
    while (n > 1 && complete_by_config(c, n - 1)) n--;
  }
  return n;
}

JJ_HOT_INLINE int is_complete(const jj_window *w, uint64_t n) { return n >= w->complete_min; }

JJ_HOT_INLINE jj_minmax window_minmax(const jj_window *w) {
  jj_minmax mm = jj__daba_query(CDABA(w));
  for (uint64_t p = w->agg_end; p < w->win_end; p++) {
    double v = val_at(w, p);
    if (v < mm.lo) mm.lo = v;
    if (-v < mm.nhi) mm.nhi = -v;
  }
  return mm;
}

/* The value of one enabled aggregate of [head, win_end); NaN if none. */
JJ_HOT_INLINE double compute(const jj_window *w, jj_agg agg) {
  const jj_moments *m = w->off_mom ? &CMOM(w)->cur : NULL; /* NULL: not enabled */
  const jj_sums *ms = &w->cur_sums;
  uint64_t n = w->win_end - w->head;
  if (n == 0) return agg == JJ_AGG_COUNT ? 0.0 : NAN;
  double dn = (double)n;
  switch (agg) {
    case JJ_AGG_COUNT: return dn;
    case JJ_AGG_SUM: return jj_ksum_value(&ms->sum);
    case JJ_AGG_MEAN: return jj_ksum_value(&ms->sum) / dn;
    case JJ_AGG_MIN: return window_minmax(w).lo;
    case JJ_AGG_MAX: return -window_minmax(w).nhi;
    case JJ_AGG_FIRST: return val_at(w, w->head);
    case JJ_AGG_LAST: return val_at(w, w->win_end - 1);
    case JJ_AGG_VARIANCE: return jj_moments_variance(ms, m);
    case JJ_AGG_STDDEV: return sqrt(jj_moments_variance(ms, m));
    case JJ_AGG_DELTA: return val_at(w, w->win_end - 1) - val_at(w, w->head);
    case JJ_AGG_SLOPE:
      if (ts_at(w, w->head) == ts_at(w, w->win_end - 1)) return NAN;
      return jj_moments_slope(ms, m);
    case JJ_AGG_PERCENTILE: return jj__sketch_quantile(&CSK(w)->sketch, CSK(w)->percentile);
    case JJ_AGG_EWMA: return jj_ksum_value(&m->ea) / jj_ksum_value(&m->eb);
    case JJ_AGG_NOWCAST:
    case JJ_AGG_C24E_PM25:
    case JJ_AGG_C24E_PM10: /* read at the open (closing) window's last hour */
      return jj__hourly_value(w->hourly, agg,
                              w->kind == JJ_WINDOW_TUMBLING ? CTUM(w)->boundary - 1 : w->now);
    case JJ_AGG__COUNT: break;
  }
  return NAN;
}

static void fill_stats(const jj_window *w, jj_window_stats *out) {
  uint64_t n = w->win_end - w->head;
  memset(out, 0, sizeof *out);
  out->count = n;
  out->windows = 1;
  out->complete = is_complete(w, n);
  for (int a = 0; a < JJ_AGG_SLOTS; a++)
    out->value[a] = (w->aggregates & JJ_AGG_BIT(a)) ? compute(w, (jj_agg)a) : NAN;
  switch (w->kind) {
    case JJ_WINDOW_SLIDING_TIME:
      out->end_ms = w->has_now ? w->now : 0;
      out->start_ms = out->end_ms - w->span_ms;
      break;
    case JJ_WINDOW_SLIDING_COUNT:
      if (n) {
        out->start_ms = ts_at(w, w->head);
        out->end_ms = ts_at(w, w->win_end - 1);
      }
      break;
    case JJ_WINDOW_TUMBLING:
      if (CTUM(w)->has_boundary) {
        out->end_ms = CTUM(w)->boundary;
        out->start_ms = CTUM(w)->boundary - w->span_ms;
      }
      break;
  }
}

/* ---- TUMBLING: closing windows ---------------------------------------- */

/* A closed window's result as the queue keeps it: jj_window_stats without
 * its unused aggregate slots and reserved tail (less than half the size). */
typedef struct closed_result {
  int64_t start_ms, end_ms;
  uint64_t count;
  uint32_t windows;
  int complete;
  double value[JJ_AGG__COUNT];
} closed_result;

/* The next free queue entry; close_due only closes while one is free. */
static closed_result *closed_slot(jj_window *w) {
  tumbling_part *t = TUM(w);
  closed_result *s = &t->closed[(t->closed_first + t->closed_len) % t->closed_cap];
  t->closed_len++;
  return s;
}

static void closed_store(closed_result *c, const jj_window_stats *s) {
  c->start_ms = s->start_ms;
  c->end_ms = s->end_ms;
  c->count = s->count;
  c->windows = s->windows;
  c->complete = s->complete;
  memcpy(c->value, s->value, sizeof c->value);
}

static void emit_empty(jj_window *w, int64_t first_end, uint64_t k) {
  closed_result *s = closed_slot(w);
  memset(s, 0, sizeof *s);
  s->start_ms = first_end - w->span_ms;
  s->end_ms = first_end + (int64_t)(k - 1) * TUM(w)->hop_ms;
  s->windows = (uint32_t)(k > UINT32_MAX ? UINT32_MAX : k);
  for (int a = 0; a < JJ_AGG__COUNT; a++) s->value[a] = NAN;
  if (TUM(w)->cfg_aggregates & JJ_AGG_BIT(JJ_AGG_COUNT)) s->value[JJ_AGG_COUNT] = 0.0;
  w->ctr.closed += k;
}

/* Close every window whose end the watermark has passed, while the queue
 * has room. A full queue does not drop results: closing waits, and
 * jj_window_pop_closed resumes it, so every window is reported once
 * whatever the steps time moves in. (Waiting windows keep their samples
 * in the ring; nothing else changes.) */
static void close_due(jj_window *w) {
  if (!TUM(w)->has_boundary) return;
  const int64_t span = w->span_ms, hop = TUM(w)->hop_ms;
  int64_t wm = watermark(w);
  while (wm >= TUM(w)->boundary && TUM(w)->closed_len < TUM(w)->closed_cap) {
    extend_window(w);
    if (w->win_end == w->head) {
      /* A run of empty windows goes out as one result: every window ending
       * at or before the next stored sample (and the watermark) is empty.
       * extend_window took every sample before the boundary, so
       * limit >= boundary. */
      int64_t next_ts = w->win_end < w->tail ? ts_at(w, w->win_end) : INT64_MAX;
      int64_t limit = next_ts < wm ? next_ts : wm;
      uint64_t k = (uint64_t)((limit - TUM(w)->boundary) / hop) + 1;
      emit_empty(w, TUM(w)->boundary, k);
      TUM(w)->boundary += (int64_t)k * hop;
      continue;
    }
    settle(w);
    jj_window_stats ws;
    fill_stats(w, &ws);
    closed_store(closed_slot(w), &ws);
    w->ctr.closed++;
    TUM(w)->boundary += hop;
    int64_t start = TUM(w)->boundary - span;
    if (ts_at(w, w->win_end - 1) < start) {
      clear_window(w); /* tumbling: nothing carries over */
    } else {
      while (w->head < w->win_end && ts_at(w, w->head) < start) evict_front(w);
    }
  }
  extend_window(w);
}

/* TUMBLING, first accepted sample: open the window that holds the oldest
 * timestamp still acceptable (ts, or now - lateness if older), so a late
 * sample never lands in a later window than its own. */
static void init_boundary(jj_window *w, int64_t ts) {
  int64_t now = (w->has_now && w->now > ts) ? w->now : ts;
  int64_t oldest = now - w->lateness_ms;
  if (oldest > ts) oldest = ts;
  if (oldest < -JJ_TS_LIMIT) oldest = -JJ_TS_LIMIT; /* nothing older is accepted */
  tumbling_part *t = TUM(w);
  t->boundary = t->align_ms + (floor_div(oldest - t->align_ms, t->hop_ms) + 1) * t->hop_ms;
  t->has_boundary = 1;
}

/* ---- time and eviction ------------------------------------------------ */

/* Apply the consequences of `now`: settle, evict, close. */
static void apply_time(jj_window *w) {
  switch (w->kind) {
    case JJ_WINDOW_SLIDING_TIME: {
      settle(w);
      int64_t cutoff = w->now - w->span_ms;
      while (w->head < w->tail && ts_at(w, w->head) <= cutoff) evict_front(w);
      break;
    }
    case JJ_WINDOW_SLIDING_COUNT:
      settle(w);
      break;
    case JJ_WINDOW_TUMBLING:
      close_due(w);
      settle(w);
      break;
  }
}

jj_status jj_window_advance(jj_window *w, int64_t now_ms) {
  if (!w) return JJ_EINVAL;
  if (!jj__ts_valid(now_ms)) return JJ_EINVAL;
  if (w->has_now && now_ms <= w->now) return JJ_OK;
  w->has_now = 1;
  w->now = now_ms;
  apply_time(w);
  return JJ_OK;
}

/* ---- push ------------------------------------------------------------- */

/* Where a sample with timestamp ts goes: after every stored sample with a
 * timestamp <= ts. Scans back from the tail: the distance is bounded by
 * the samples inside the lateness horizon. */
static uint64_t insert_pos(const jj_window *w, int64_t ts) {
  uint64_t pos = w->tail;
  while (pos > w->head && ts_at(w, pos - 1) > ts) pos--;
  return pos;
}

static void ring_insert(jj_window *w, uint64_t pos, int64_t ts, double v) {
  for (uint64_t p = w->tail; p > pos; p--) *rec_at(w, p) = *rec_at(w, p - 1);
  rec_at(w, pos)->ts = ts;
  rec_at(w, pos)->val = v;
  w->tail++;
}

/* The common case, in-order data on a sliding window with room in the ring:
 * the same steps as the general path below, minus every check that cannot
 * fire (no lateness, no duplicate, no growth, no boundary).
 * Later than a valid `now`, the sample is valid (jj__sample_check) when it
 * is finite, within JJ_VALUE_LIMIT and not beyond JJ_TS_LIMIT; else the
 * general path refuses it. (fabs(NaN) <= limit is false: one test.) */
JJ_HOT_INLINE int push_in_order(jj_window *w, int64_t ts, double v, jj_status *st, int light) {
  const uint64_t n = w->tail - w->head;
  /* Room in the ring: a full count window frees its oldest slot first. */
  const int room = n < w->cap || (w->kind == JJ_WINDOW_SLIDING_COUNT && n >= w->count);
  if (!w->has_now || ts <= w->now || ts > JJ_TS_LIMIT || !jj__value_valid(v) ||
      w->kind == JJ_WINDOW_TUMBLING || !room)
    return 0;
  /* The sketch (light is 0 then): its key once; a key without a counter
   * yet takes the general path, which allocates before anything changes. */
  int32_t key = KEY_UNKNOWN;
  if (!light && w->use_sketch) {
    key = jj__sketch_key(&SK(w)->sketch, v);
    if (!jj__sketch_has(&SK(w)->sketch, key)) return 0;
  }
  w->now = ts;
  /* apply_time() for the two sliding kinds, inlined. */
  settle(w);
  if (w->kind == JJ_WINDOW_SLIDING_TIME) {
    int64_t cutoff = ts - w->span_ms;
    while (w->head < w->tail && ts_at(w, w->head) <= cutoff) evict_front_t(w, light);
  } else if (n >= w->count) {
    evict_front_t(w, light); /* the newest `count` stay: the oldest goes */
  }
  if (w->tail - w->head >= w->max_samples) {
    w->ctr.rejected_full++;
    *st = JJ_EFULL;
    return 1;
  }
  uint64_t pos = w->tail++;
  rec_at(w, pos)->ts = ts;
  rec_at(w, pos)->val = v;
  account_k(w, pos, ts, v, 1, light, key);
  w->win_end++;
  w->n_accepted++;
  if (w->lateness_ms == 0) settle(w); /* the new sample is settled already */
  *st = JJ_OK;
  return 1;
}

static jj_status push_sample(jj_window *w, int64_t ts, double v);

jj_status jj_window_push(jj_window *w, int64_t ts, double v) {
  if (!w) return JJ_EINVAL;
  if (!w->hourly) return push_sample(w, ts, v);
  const uint64_t dups = w->ctr.duplicates;
  jj_status st = push_sample(w, ts, v);
  /* A replaced duplicate updated its hour itself (push_sample). */
  if (st == JJ_OK && !(w->duplicates == JJ_DUP_REPLACE && w->ctr.duplicates != dups))
    jj__hourly_add(w->hourly, ts, v);
  return st;
}

static jj_status push_sample(jj_window *w, int64_t ts, double v) {
  jj_status fast;
  if ((w->mom & ~(unsigned)JJ_MOM_SUM) == 0 && !w->use_sketch) {
    if (push_in_order(w, ts, v, &fast, 1)) return fast;
  } else if (push_in_order(w, ts, v, &fast, 0)) {
    return fast;
  }
  /* jj__sample_check's tests, written out so the compiler shares them
   * with the fast path's guard (one instruction less per push there). */
  if (!isfinite(v)) {
    w->ctr.rejected_invalid++;
    return JJ_ENAN;
  }
  if (!jj__ts_valid(ts) || !jj__value_valid(v)) {
    w->ctr.rejected_invalid++;
    return JJ_EINVAL;
  }
  if (w->has_now && ts < watermark(w)) {
    w->ctr.rejected_late++;
    return JJ_ELATE;
  }

  /* Allocate before anything changes: JJ_ENOMEM leaves the window as it
   * was ("the object is unchanged"), time included. */
  int32_t key = KEY_UNKNOWN;
  if (w->use_sketch) {
    key = jj__sketch_key(&SK(w)->sketch, v);
    if (jj__sketch_reserve(&SK(w)->sketch, &w->alc, key)) return JJ_ENOMEM;
  }
  if (grow_if_full(w) != JJ_OK) return JJ_ENOMEM;

  if (w->kind == JJ_WINDOW_TUMBLING && !TUM(w)->has_boundary) init_boundary(w, ts);
  /* Time moves first, so expired samples make room before the cap check. */
  if (!w->has_now || ts > w->now) {
    w->has_now = 1;
    w->now = ts;
    apply_time(w);
  }

  uint64_t pos = insert_pos(w, ts);
  if (pos > w->head && ts_at(w, pos - 1) == ts) {
    w->ctr.duplicates++;
    if (w->duplicates == JJ_DUP_REJECT) return JJ_EDUPLICATE;
    if (w->duplicates == JJ_DUP_REPLACE) {
      /* The stored sample is pending (it is not older than the watermark),
       * so only the sums need to change. */
      uint64_t at = pos - 1;
      if (w->hourly) jj__hourly_replace(w->hourly, ts, val_at(w, at), v);
      if (at < w->win_end) {
        leave(w, at, ts, val_at(w, at));
        account_k(w, at, ts, v, 1, 0, key);
      }
      rec_at(w, at)->val = v;
      w->n_accepted++;
      return JJ_OK;
    }
  }

  /* A full count window keeps the newest `count` by timestamp: its oldest
   * leaves before the new one is stored (so count slots suffice), or the
   * new one, if older than all, is counted in and out at once. */
  if (w->kind == JJ_WINDOW_SLIDING_COUNT && w->tail - w->head >= w->count) {
    if (pos == w->head) {
      w->n_accepted++;
      w->n_evicted++;
      return JJ_OK;
    }
    evict_front(w);
  }
  /* grow_if_full left room unless the ring is at cap_limit >= max_samples,
   * where this check rejects first. */
  if (w->tail - w->head >= w->max_samples) {
    w->ctr.rejected_full++;
    return JJ_EFULL;
  }

  ring_insert(w, pos, ts, v);
  if (pos < w->gen_pos) w->gen_pos++; /* positions after pos shifted by one */
  int in_window = w->kind != JJ_WINDOW_TUMBLING || ts < TUM(w)->boundary;
  if (in_window) {
    account_k(w, pos, ts, v, 1, 0, key);
    w->win_end++;
  }
  w->n_accepted++;

  /* apply_time settled everything else when time moved; the new sample
   * is settled now when it is at the watermark (lateness 0). */
  settle(w);
  if (w->kind == JJ_WINDOW_SLIDING_COUNT)
    while (w->tail - w->head > w->count) evict_front(w);
  return JJ_OK;
}

/* ---- life cycle ------------------------------------------------------- */

jj_status jj_window_new(const jj_window_config *cfg, const jj_allocator *alc,
                        jj_window **out) {
  if (!out) return JJ_EINVAL;
  *out = NULL;
  if (!cfg) return JJ_EINVAL;
  jj_window_config c = *cfg;
  jj_status st = normalize(&c);
  if (st != JJ_OK) return st;

  /* The core, then only the parts this configuration uses. */
  const unsigned mom = moments_needed(c.aggregates);
  const int use_minmax = (c.aggregates & (JJ_AGG_BIT(JJ_AGG_MIN) | JJ_AGG_BIT(JJ_AGG_MAX))) != 0;
  const int use_sketch = (c.aggregates & JJ_AGG_BIT(JJ_AGG_PERCENTILE)) != 0;
  window_layout lay;
  layout_of(&lay, use_minmax, (mom & ~(unsigned)JJ_MOM_SUM) != 0, c.kind == JJ_WINDOW_TUMBLING,
            use_sketch);
  jj_allocator a;
  jj__alloc_resolve(&a, alc);
  jj_window *w = jj__calloc(&a, lay.bytes);
  if (!w) return JJ_ENOMEM;
  w->alc = a;
  w->off_mm = lay.off_mm;
  w->off_mom = lay.off_mom;
  w->off_tum = lay.off_tum;
  w->off_sk = lay.off_sk;
  if (w->off_tum) {
    TUM(w)->hop_ms = c.hop_ms;
    TUM(w)->align_ms = c.align_ms;
    TUM(w)->cfg_aggregates = c.aggregates;
  }
  if (use_sketch) SK(w)->percentile = c.percentile;
  w->duplicates = (uint8_t)c.duplicates;
  w->kind = (uint8_t)c.kind;
  w->span_ms = c.span_ms;
  w->lateness_ms = c.lateness_ms;
  w->count = c.count;
  w->aggregates = c.aggregates;
  w->complete_min = complete_threshold(&c);
  w->mom = (uint8_t)mom;
  w->use_minmax = (uint8_t)use_minmax;
  w->use_sketch = (uint8_t)use_sketch;
  if (w->off_mom) MOM(w)->halflife = (double)c.ewma_halflife_ms;
  w->max_samples = c.max_samples;
  w->cap_limit = pow2_at_least(c.max_samples);
  if (w->use_sketch) jj__sketch_init(&SK(w)->sketch, c.percentile_accuracy, c.percentile_floor);

  uint64_t cap = c.preallocate ? w->cap_limit
                               : (INITIAL_CAPACITY < w->cap_limit ? INITIAL_CAPACITY : w->cap_limit);
  w->mask = 0;
  st = resize(w, cap);
  /* preallocate promises no allocation after creation: cover every bucket
   * the sketch can use (a few KiB at the default accuracy). */
  if (st == JJ_OK && w->use_sketch && c.preallocate &&
      (jj__sketch_reserve(&SK(w)->sketch, &a, -SK(w)->sketch.key_max) ||
       jj__sketch_reserve(&SK(w)->sketch, &a, SK(w)->sketch.key_max)))
    st = JJ_ENOMEM;
  if (st == JJ_OK && c.kind == JJ_WINDOW_TUMBLING) {
    uint64_t q = (uint64_t)((c.span_ms + c.lateness_ms) / c.hop_ms) + 3;
    TUM(w)->closed_cap = (uint32_t)(q < MAX_CLOSED_QUEUE ? q : MAX_CLOSED_QUEUE);
    TUM(w)->closed = jj__malloc(&a, (size_t)TUM(w)->closed_cap * sizeof *TUM(w)->closed);
    if (!TUM(w)->closed) st = JJ_ENOMEM;
  }
  if (st == JJ_OK && jj__hourly_wanted(c.aggregates)) {
    w->hourly = jj__malloc(&a, sizeof *w->hourly);
    if (w->hourly) jj__hourly_clear(w->hourly);
    else st = JJ_ENOMEM;
  }
  if (st != JJ_OK) {
    jj_window_free(w);
    return st;
  }
  if (w->use_minmax) jj__daba_reset(DABA(w), 0);
  *out = w;
  return JJ_OK;
}

void jj_window_free(jj_window *w) {
  if (!w) return;
  jj_allocator a = w->alc;
  jj__free(&a, w->ring);
  if (w->use_minmax) jj__free(&a, DABA(w)->agg);
  if (w->off_tum) jj__free(&a, TUM(w)->closed);
  jj__free(&a, w->hourly);
  if (w->use_sketch) jj__sketch_free(&SK(w)->sketch, &a);
  jj__free(&a, w);
}

void jj_window_reset(jj_window *w) {
  if (!w) return;
  w->head = w->agg_end = w->win_end = w->tail = w->gen_pos = 0;
  jj_sums_clear(&w->cur_sums);
  jj_sums_clear(&w->next_sums);
  if (w->off_mom) {
    jj_moments_clear(&MOM(w)->cur);
    jj_moments_clear(&MOM(w)->next);
  }
  if (w->use_sketch) jj__sketch_clear(&SK(w)->sketch);
  if (w->use_minmax) jj__daba_reset(DABA(w), 0);
  w->has_now = 0;
  w->now = 0;
  if (w->off_tum) {
    TUM(w)->has_boundary = 0;
    TUM(w)->boundary = 0;
    TUM(w)->closed_first = TUM(w)->closed_len = 0;
  }
  memset(&w->ctr, 0, sizeof w->ctr);
  w->n_accepted = w->n_evicted = 0;
  if (w->hourly) jj__hourly_clear(w->hourly);
}

/* ---- queries ---------------------------------------------------------- */

jj_status jj_window_value(const jj_window *w, jj_agg agg, double *out) {
  if (!w || !out || (unsigned)agg >= JJ_AGG__COUNT || !(w->aggregates & JJ_AGG_BIT(agg))) {
    if (out) *out = NAN;
    return JJ_EINVAL;
  }
  uint64_t n = w->win_end - w->head;
  double v = compute(w, agg);
  *out = v;
  if (n == 0 || isnan(v)) return JJ_ENODATA;
  return is_complete(w, n) ? JJ_OK : JJ_EINCOMPLETE;
}

jj_status jj_window_stats_get(const jj_window *w, jj_window_stats *out) {
  if (!w || !out) return JJ_EINVAL;
  fill_stats(w, out);
  if (out->count == 0) return JJ_ENODATA;
  return out->complete ? JJ_OK : JJ_EINCOMPLETE;
}

int jj_window_pop_closed(jj_window *w, jj_window_stats *out) {
  if (!w || !out || !w->off_tum || TUM(w)->closed_len == 0) return 0;
  const closed_result *c = &TUM(w)->closed[TUM(w)->closed_first];
  memset(out, 0, sizeof *out);
  out->start_ms = c->start_ms;
  out->end_ms = c->end_ms;
  out->count = c->count;
  out->windows = c->windows;
  out->complete = c->complete;
  memcpy(out->value, c->value, sizeof c->value);
  for (int a = JJ_AGG__COUNT; a < JJ_AGG_SLOTS; a++) out->value[a] = NAN;
  TUM(w)->closed_first = (TUM(w)->closed_first + 1) % TUM(w)->closed_cap;
  TUM(w)->closed_len--;
  /* Room again: close what waited for it (see close_due). */
  close_due(w);
  settle(w);
  return 1;
}

int64_t jj_window_now(const jj_window *w) {
  return (w && w->has_now) ? w->now : INT64_MIN;
}

void jj_window_counters_get(const jj_window *w, jj_window_counters *out) {
  if (!out) return;
  if (!w) {
    memset(out, 0, sizeof *out);
    return;
  }
  memset(out, 0, sizeof *out);
  out->rejected_late = w->ctr.rejected_late;
  out->rejected_invalid = w->ctr.rejected_invalid;
  out->rejected_full = w->ctr.rejected_full;
  out->duplicates = w->ctr.duplicates;
  out->closed = w->ctr.closed;
  out->accepted = w->n_accepted;
  out->evicted = w->n_evicted;
}

size_t jj_window_memory(const jj_window *w) {
  if (!w) return 0;
  window_layout lay;
  layout_of(&lay, w->off_mm != 0, w->off_mom != 0, w->off_tum != 0, w->off_sk != 0);
  size_t bytes = lay.bytes;
  bytes += (size_t)w->cap * (sizeof(int64_t) + sizeof(double)) + minmax_bytes(w, w->cap);
  if (w->off_tum) bytes += (size_t)CTUM(w)->closed_cap * sizeof(closed_result);
  if (w->use_sketch) bytes += jj__sketch_memory(&CSK(w)->sketch);
  if (w->hourly) bytes += sizeof *w->hourly;
  return bytes;
}


const char *jj_agg_name(int agg) {
  switch (agg) {
    case JJ_AGG_COUNT: return "count";
    case JJ_AGG_SUM: return "sum";
    case JJ_AGG_MEAN: return "mean";
    case JJ_AGG_MIN: return "min";
    case JJ_AGG_MAX: return "max";
    case JJ_AGG_FIRST: return "first";
    case JJ_AGG_LAST: return "last";
    case JJ_AGG_VARIANCE: return "variance";
    case JJ_AGG_STDDEV: return "stddev";
    case JJ_AGG_DELTA: return "delta";
    case JJ_AGG_SLOPE: return "slope";
    case JJ_AGG_PERCENTILE: return "percentile";
    case JJ_AGG_EWMA: return "ewma";
    case JJ_AGG_NOWCAST: return "nowcast";
    case JJ_AGG_C24E_PM25: return "c24e-pm25";
    case JJ_AGG_C24E_PM10: return "c24e-pm10";
    default: return NULL;
  }
}

/* ---- engine fast paths (window_fast.h) -------------------------------- */

uint32_t jj__window_values(const jj_window *w, uint32_t mask, double *out) {
  uint64_t n = w->win_end - w->head;
  int complete = is_complete(w, n);
  if ((mask & (mask - 1)) == 0) { /* one aggregate, the common case */
    int a = 0;
    while (a < JJ_AGG__COUNT - 1 && !(mask & JJ_AGG_BIT(a))) a++;
    double v = compute(w, (jj_agg)a);
    out[a] = v;
    return complete && !isnan(v) ? mask : 0;
  }
  jj_minmax mm = {NAN, NAN};
  if (n && (mask & (JJ_AGG_BIT(JJ_AGG_MIN) | JJ_AGG_BIT(JJ_AGG_MAX)))) mm = window_minmax(w);
  uint32_t ok = 0;
  for (int a = 0; a < JJ_AGG__COUNT; a++) {
    if (!(mask & JJ_AGG_BIT(a))) continue;
    double v = a == JJ_AGG_MIN ? mm.lo : a == JJ_AGG_MAX ? -mm.nhi : compute(w, (jj_agg)a);
    out[a] = v;
    if (complete && !isnan(v)) ok |= JJ_AGG_BIT(a);
  }
  return ok;
}


void jj__window_prefetch_struct(const jj_window *w) {
  /* Lines 0-2: positions, settings, the sums: what a push and a read of
   * count/sum/mean use; then DABA's bookkeeping when min/max is on. */
  JJ_PREFETCH(w);
  JJ_PREFETCH((const char *)w + 64);
  JJ_PREFETCH((const char *)w + 128);
  if (w->off_mm) {
    JJ_PREFETCH((const char *)w + w->off_mm);
    JJ_PREFETCH((const char *)w + w->off_mm + sizeof(minmax_part) - 1);
  }
}

void jj__window_prefetch_ring(const jj_window *w) {
  JJ_PREFETCH(rec_at(w, w->tail));
  JJ_PREFETCH(rec_at(w, w->head));
  if (w->use_minmax) {
    /* DABA Lite writes the new back slot and steps its l and a cursors. */
    const jj_daba *d = CDABA(w);
    JJ_PREFETCH(jj__daba_at(d, d->end));
    JJ_PREFETCH(jj__daba_at(d, d->l));
    JJ_PREFETCH(jj__daba_at(d, d->a - 1));
    JJ_PREFETCH(jj__daba_at(d, d->front));
  }
}

/* ---- snapshots (window_snap.h) ------------------------------------------
 * A window's logical state, in this order (every field little-endian,
 * see snapbuf.h): its settings (compared on restore, never trusted), time,
 * ring capacity and positions (relative to head), the samples [head,
 * tail), both generations of the sums and, when present, of the higher
 * moments, DABA's bookkeeping and partial aggregates for [head, agg_end),
 * the TUMBLING boundary and closed results, the hourly ring, the
 * counters. The sketch is not stored: its counters are a function of the
 * samples in the window and are counted again. Keep this pair of
 * functions in step with the layout comment at the top of this file. */

static void put_sums(jj_wbuf *o, const jj_sums *s) {
  jj__w_u64(o, s->n);
  jj__w_f64(o, s->sum.sum);
  jj__w_f64(o, s->sum.comp);
}

static void get_sums(jj_rbuf *in, jj_sums *s) {
  s->n = jj__r_u64(in);
  s->sum.sum = jj__r_f64(in);
  s->sum.comp = jj__r_f64(in);
}

static void put_ksum(jj_wbuf *o, const jj_ksum *k) {
  jj__w_f64(o, k->sum);
  jj__w_f64(o, k->comp);
}

static void get_ksum(jj_rbuf *in, jj_ksum *k) {
  k->sum = jj__r_f64(in);
  k->comp = jj__r_f64(in);
}

static void put_moments(jj_wbuf *o, const jj_moments *m) {
  put_ksum(o, &m->s1);
  put_ksum(o, &m->s2);
  put_ksum(o, &m->st);
  put_ksum(o, &m->stt);
  put_ksum(o, &m->stv);
  put_ksum(o, &m->ea);
  put_ksum(o, &m->eb);
  jj__w_f64(o, m->vshift);
  jj__w_i64(o, m->tshift);
  jj__w_i64(o, m->eref);
}

static void get_moments(jj_rbuf *in, jj_moments *m) {
  get_ksum(in, &m->s1);
  get_ksum(in, &m->s2);
  get_ksum(in, &m->st);
  get_ksum(in, &m->stt);
  get_ksum(in, &m->stv);
  get_ksum(in, &m->ea);
  get_ksum(in, &m->eb);
  m->vshift = jj__r_f64(in);
  m->tshift = jj__r_i64(in);
  m->eref = jj__r_i64(in);
}

static void put_mm(jj_wbuf *o, jj_minmax m) {
  jj__w_f64(o, m.lo);
  jj__w_f64(o, m.nhi);
}

static jj_minmax get_mm(jj_rbuf *in) {
  jj_minmax m;
  m.lo = jj__r_f64(in);
  m.nhi = jj__r_f64(in);
  return m;
}

/* The settings a state only fits a window with: everything that decides
 * what a push or a read does. */
static void put_shape(jj_wbuf *o, const jj_window *w) {
  jj__w_u8(o, w->kind);
  jj__w_i64(o, w->span_ms);
  jj__w_i64(o, w->lateness_ms);
  jj__w_u64(o, w->complete_min);
  jj__w_u32(o, w->count);
  jj__w_u32(o, w->max_samples);
  jj__w_u64(o, w->cap_limit);
  jj__w_u32(o, w->aggregates);
  jj__w_u8(o, w->mom);
  jj__w_u8(o, w->use_minmax);
  jj__w_u8(o, w->use_sketch);
  jj__w_u8(o, w->duplicates);
  jj__w_u8(o, w->hourly != NULL);
  jj__w_f64(o, w->off_mom ? CMOM(w)->halflife : 0.0);
  jj__w_i64(o, w->off_tum ? CTUM(w)->hop_ms : 0);
  jj__w_i64(o, w->off_tum ? CTUM(w)->align_ms : 0);
  jj__w_u32(o, w->off_tum ? CTUM(w)->cfg_aggregates : 0);
  jj__w_f64(o, w->use_sketch ? CSK(w)->percentile : 0.0);
  jj__w_f64(o, w->use_sketch ? CSK(w)->sketch.floor : 0.0);
  jj__w_f64(o, w->use_sketch ? CSK(w)->sketch.gamma : 0.0);
}

void jj__window_encode(const jj_window *w, jj_wbuf *o) {
  size_t shape = jj__w_open(o);
  put_shape(o, w);
  jj__w_close(o, shape);
  jj__w_u8(o, w->has_now);
  jj__w_i64(o, w->now);
  jj__w_u64(o, w->cap);
  jj__w_u64(o, w->head);
  jj__w_u64(o, w->tail - w->head);
  jj__w_u64(o, w->agg_end - w->head);
  jj__w_u64(o, w->win_end - w->head);
  jj__w_u64(o, w->gen_pos - w->head);
  for (uint64_t p = w->head; p < w->tail; p++) {
    jj__w_i64(o, ts_at(w, p));
    jj__w_f64(o, val_at(w, p));
  }
  put_sums(o, &w->cur_sums);
  put_sums(o, &w->next_sums);
  if (w->off_mom) {
    put_moments(o, &CMOM(w)->cur);
    put_moments(o, &CMOM(w)->next);
  }
  if (w->use_minmax) {
    const jj_daba *d = CDABA(w);
    const uint64_t pos[6] = {d->front, d->end, d->l, d->r, d->a, d->b};
    for (int i = 0; i < 6; i++) jj__w_u64(o, pos[i] - w->head);
    put_mm(o, d->mid);
    put_mm(o, d->back);
    for (uint64_t p = d->front; p < d->end; p++) put_mm(o, *jj__daba_at(d, p));
  }
  if (w->off_tum) {
    const tumbling_part *t = CTUM(w);
    jj__w_u8(o, (unsigned)t->has_boundary);
    jj__w_i64(o, t->boundary);
    jj__w_u32(o, t->closed_len);
    jj__w_u32(o, JJ_AGG__COUNT);
    for (uint32_t i = 0; i < t->closed_len; i++) {
      const closed_result *c = &t->closed[(t->closed_first + i) % t->closed_cap];
      jj__w_i64(o, c->start_ms);
      jj__w_i64(o, c->end_ms);
      jj__w_u64(o, c->count);
      jj__w_u32(o, c->windows);
      jj__w_u8(o, (unsigned)c->complete);
      for (int a = 0; a < JJ_AGG__COUNT; a++) jj__w_f64(o, c->value[a]);
    }
  }
  if (w->hourly) {
    jj__w_i64(o, w->hourly->newest);
    for (int i = 0; i < JJ_HOURLY_SLOTS; i++) {
      jj__w_f64(o, w->hourly->sum[i]);
      jj__w_u32(o, w->hourly->count[i]);
    }
  }
  jj__w_u64(o, w->n_accepted);
  jj__w_u64(o, w->n_evicted);
  jj__w_u64(o, w->ctr.rejected_late);
  jj__w_u64(o, w->ctr.rejected_invalid);
  jj__w_u64(o, w->ctr.rejected_full);
  jj__w_u64(o, w->ctr.duplicates);
  jj__w_u64(o, w->ctr.closed);
}

/* Positions are 64-bit and never wrap: a restored head leaves room for
 * 2^62 more samples. */
#define SNAP_POS_LIMIT ((uint64_t)1 << 62)

jj_status jj__window_decode(jj_window *w, jj_rbuf *in) {
  /* The settings first: a state for another shape leaves w as it is. */
  jj_rbuf shape = jj__r_part(in);
  if (shape.bad) return JJ_EINVAL;
  {
    unsigned char mine[160];
    jj_wbuf m = {mine, sizeof mine, 0, 0, 0};
    put_shape(&m, w);
    if (m.n > sizeof mine) return JJ_EINVAL; /* cannot happen: the shape is small */
    if (shape.size != m.n || memcmp(shape.p, mine, m.n) != 0) return JJ_ENOTFOUND;
  }
  const int has_now = jj__r_flag(in);
  const int64_t now = jj__r_i64(in);
  const uint64_t cap = jj__r_u64(in), head = jj__r_u64(in), n = jj__r_u64(in);
  const uint64_t agg = jj__r_u64(in), win = jj__r_u64(in), gen = jj__r_u64(in);
  if (in->bad || cap == 0 || (cap & (cap - 1)) || cap > w->cap_limit || n > cap ||
      n > w->max_samples || head > SNAP_POS_LIMIT || agg > win || win > n || gen > n ||
      (has_now && !jj__ts_valid(now)) || in->size - in->at < n * 16)
    return JJ_EINVAL;
  if (cap != w->cap && resize(w, cap) != JJ_OK) return JJ_ENOMEM;
  w->has_now = (uint8_t)has_now;
  w->now = now;
  w->head = head;
  w->tail = head + n;
  w->agg_end = head + agg;
  w->win_end = head + win;
  w->gen_pos = head + gen;
  int64_t prev = INT64_MIN;
  for (uint64_t p = head; p < w->tail; p++) {
    int64_t ts = jj__r_i64(in);
    double v = jj__r_f64(in);
    /* Sorted by time, valid readings: what the push paths rely on. */
    if (!jj__ts_valid(ts) || !jj__value_valid(v) || ts < prev) return JJ_EINVAL;
    prev = ts;
    rec_at(w, p)->ts = ts;
    rec_at(w, p)->val = v;
  }
  get_sums(in, &w->cur_sums);
  get_sums(in, &w->next_sums);
  if (w->off_mom) {
    get_moments(in, &MOM(w)->cur);
    get_moments(in, &MOM(w)->next);
  }
  if (w->use_minmax) {
    jj_daba *d = DABA(w);
    uint64_t pos[6];
    for (int i = 0; i < 6; i++) {
      pos[i] = jj__r_u64(in);
      if (pos[i] > agg) return JJ_EINVAL;
      pos[i] += head;
    }
    /* DABA's deque is the settled part of the window, [head, agg_end). */
    if (pos[0] != head || pos[1] != w->agg_end) return JJ_EINVAL;
    d->front = pos[0];
    d->end = pos[1];
    d->l = pos[2];
    d->r = pos[3];
    d->a = pos[4];
    d->b = pos[5];
    d->mid = get_mm(in);
    d->back = get_mm(in);
    for (uint64_t p = d->front; p < d->end; p++) *jj__daba_at(d, p) = get_mm(in);
  }
  if (w->off_tum) {
    tumbling_part *t = TUM(w);
    t->has_boundary = jj__r_flag(in);
    t->boundary = jj__r_i64(in);
    uint32_t len = jj__r_u32(in), naggs = jj__r_u32(in);
    if (in->bad || len > t->closed_cap || naggs != JJ_AGG__COUNT ||
        (t->has_boundary && !jj__ts_valid(t->boundary)))
      return JJ_EINVAL;
    t->closed_first = 0;
    t->closed_len = len;
    for (uint32_t i = 0; i < len; i++) {
      closed_result *c = &t->closed[i];
      c->start_ms = jj__r_i64(in);
      c->end_ms = jj__r_i64(in);
      c->count = jj__r_u64(in);
      c->windows = jj__r_u32(in);
      c->complete = jj__r_flag(in);
      for (int a = 0; a < JJ_AGG__COUNT; a++) c->value[a] = jj__r_f64(in);
    }
  }
  if (w->hourly) {
    w->hourly->newest = jj__r_i64(in);
    for (int i = 0; i < JJ_HOURLY_SLOTS; i++) {
      w->hourly->sum[i] = jj__r_f64(in);
      w->hourly->count[i] = jj__r_u32(in);
    }
  }
  w->n_accepted = jj__r_u64(in);
  w->n_evicted = jj__r_u64(in);
  w->ctr.rejected_late = jj__r_u64(in);
  w->ctr.rejected_invalid = jj__r_u64(in);
  w->ctr.rejected_full = jj__r_u64(in);
  w->ctr.duplicates = jj__r_u64(in);
  w->ctr.closed = jj__r_u64(in);
  if (in->bad || in->at != in->size) return JJ_EINVAL;
  if (w->use_sketch) { /* count the window's samples again */
    jj__sketch_clear(&SK(w)->sketch);
    for (uint64_t p = w->head; p < w->win_end; p++) {
      int32_t key = jj__sketch_key(&SK(w)->sketch, val_at(w, p));
      if (jj__sketch_reserve(&SK(w)->sketch, &w->alc, key)) return JJ_ENOMEM;
      jj__sketch_add(&SK(w)->sketch, key);
    }
  }
  return JJ_OK;
}
