/* The sliding-window aggregator (see include/jjair/window.h).
 *
 * Samples live in a ring sorted by timestamp, addressed by increasing
 * 32-bit positions (they wrap: see "Positions" at the end of this
 * comment), split into three ranges:
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
 * The ring has `cap` slots, any number (not a power of two): `base` is the
 * position held by slot 0 on the ring's current lap (base <= head <
 * base + cap), so a live position's slot is pos - base, minus cap once past
 * the end. It grows by an eighth (at least 8 slots) up to max_samples, so
 * storage stays within 12.5 % (or 8 slots) of the samples held, and a time window whose
 * oldest sample leaves as the new one comes does not grow at all.
 *
 * Running sums use two generations to bound drift: `cur` covers the whole
 * window, `next` only positions >= gen_pos. When head passes gen_pos every
 * sample `cur` ever subtracted is gone, so `next` (which never subtracted
 * anything) replaces it. Each sample is added twice and removed once.
 *
 * Settings are not in the window: every window points at a shape
 * (jj_wshape), the normalized configuration and the layout of the optional
 * parts. The engine shares one shape among the windows of a rule (all its
 * series); jj_window_new gives a window its own, in its block.
 *
 * Memory layout (what a snapshot must save; every field is plain data,
 * the only pointers are the ring, the shape and allocations rebuilt on
 * restore):
 *  - one block: the core `struct jj_window` (88 bytes: the ring, the
 *    shape, time (NO_NOW before any), head, tail, gen_pos, cap, head's
 *    slot (base = head - head_slot) and the accepted counter's low half;
 *    agg_end is DABA's deque end, kept by windows with min/max only,
 *    win_end is the tail of a sliding window and the tumbling part's
 *    otherwise (wend); then the sum of both generations (their counts
 *    are positions: win_end - head and win_end - gen_pos) and a pointer
 *    to the rare counters, made on the first rejection, duplicate or
 *    wrap: window_rare), followed
 *    by the optional parts the shape lists, at byte offsets off_mm,
 *    off_mom, off_tum, off_sk, off_hr (0 = absent), in that order:
 *    minmax_part (DABA Lite's bookkeeping, 72 B), moments_part (higher
 *    moments of both generations, 272 B), tumbling_part (boundary,
 *    closed-queue indices, windows closed, the window's end, 40 B), sketch_part (jj_sketch
 *    and the key lane's pointer, 80 B), jj_hourly (clock-hour sums for the index
 *    aggregates), and with preallocate the rare counters (window_rare,
 *    48 B: no allocation after creation). A 60 s mean is the core alone. A window made by
 *    jj_window_new keeps its shape after the parts; the engine's point at
 *    a shape it shares among all windows of equal configuration (a
 *    snapshot saves the configuration once, not per window).
 *  - the ring: `cap` jj_ring_rec of 16 bytes; positions [head, tail) are
 *    live, position p at slot p - base (minus cap when >= cap).
 *  - with min/max: DABA's partial aggregates, a lane of cap + 1 slots
 *    (minmax.h), of 8 B when the window reads only min or only max, 16 B
 *    when both; a member of a shared ring keeps the positions of the
 *    samples holding them instead, 2 B a side (4 B past 2^16 samples:
 *    minmax_pos.h).
 *  - TUMBLING: the closed-result queue, closed_cap entries.
 *  - percentile: the sketch's counters (jj_sketch.counts, nkeys + blocks),
 *    and each stored sample's bucket key (int32, same slots as the ring),
 *    derivable from the values on restore.
 * Counters: `evicted` is not stored; it is accepted - (tail - head) -
 * (duplicates replaced in place), see jj_window_counters_get.
 * Positions are 32-bit and wrap every 2^32 samples (50 days at 1 kHz): a
 * window holds fewer than 2^30 samples, so the difference of two live
 * positions is exact as a 32-bit number, and the code compares positions
 * only that way (pos_lt, counts from head), never raw. accepted is 32-bit
 * too; the high halves of accepted and of the tail are in the rare
 * counters, made before either wraps (at_wrap), so jj_window_counters and
 * the snapshot (64-bit positions, as before) stay exact. Saving
 * [head, tail) with the scalars is enough to rebuild the rest. */
#include "jjair/window.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "alloc.h"
#include "footprint.h"
#include "hourly.h"
#include "minmax.h"
#include "minmax_pos.h"
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
#define GROW_MIN 8u /* the least growth step, in slots: fewer copies while small */
/* Closed results kept for jj_window_pop_closed. Closing waits while the
 * queue is full (see close_due), so the bound costs no result, only
 * memory: a few entries suffice (the engine pops after every call). */
#define MAX_CLOSED_QUEUE 8u

/* One stored sample. */
typedef struct jj_ring_rec {
  int64_t ts;
  double val;
} jj_ring_rec;

/* The counters of jj_window_counters a push rarely moves: rejections and
 * duplicates. Most windows never count one, so they are not in the core:
 * a window makes them on its first (window_rare_make), before it changes
 * anything. A preallocated window has them in its block from the start
 * (no allocation after creation). accepted is in the core; evicted is
 * derived (see the top comment); closed is TUMBLING's (tumbling_part). */
typedef struct window_rare {
  uint64_t rejected_late, rejected_invalid, rejected_full, duplicates;
  /* accepted - tail, as 64-bit numbers (modulo 2^64): what the tail's
   * high half follows from (tail64). Only the pushes that count a sample
   * without storing it move it (a replaced duplicate, one older than a
   * full count window holds), and a restore. */
  uint64_t accepted_less_tail;
  /* The high half of the core's 32-bit accepted: a window makes its rare
   * counters before it wraps (at_wrap), or on restore when it is 2^32 or
   * more. */
  uint32_t accepted_hi;
} window_rare;

/* A position (the top comment): 32 bits, wrapping every 2^32 samples.
 * Live positions are less than 2^30 apart, so a difference of two as a
 * wpos is exact: code compares positions only through differences
 * (pos_lt, or counts from head), never raw. */
typedef uint32_t wpos;
static inline int pos_lt(wpos a, wpos b) { return (wpos)(a - b) > INT32_MAX; } /* a before b */

/* The normalized configuration and the layout of the optional parts,
 * shared by every window made from it (see the top comment). */
struct jj_wshape {
  /* What a push and a read need. */
  int64_t span_ms, lateness_ms;
  uint64_t complete_min; /* least count that is complete (min_samples, min_coverage) */
  uint32_t count;        /* SLIDING_COUNT: the window length */
  uint32_t max_samples;  /* also the ring's largest capacity */
  uint32_t aggregates;
  uint8_t mom;           /* JJ_MOM_* bits to maintain */
  uint8_t kind;          /* jj_window_kind */
  uint8_t use_minmax;    /* MM_MIN | MM_MAX: the sides read (0: no lane) */
  uint8_t mm_sides;      /* the lane's doubles per slot: 2 when both are read, else 1 */
  uint8_t use_sketch;
  uint8_t duplicates;    /* jj_dup_policy */
  uint8_t preallocate;
  uint8_t fast;          /* FAST_* bits: which specialised in-order push fits (derived) */
  uint8_t shared;        /* the windows keep their samples in a jj_wring (window_fast.h) */
  uint8_t own;           /* jj_window_new's: in its window's block (not compared) */
  uint16_t off_mm, off_mom, off_tum, off_sk, off_hr, off_sh; /* offsets of the parts, 0 = none */
  uint16_t off_rare;     /* preallocate: the rare counters in the block */
  uint32_t bytes;        /* the window's block, parts included */
  double mm_sign;        /* a one-sided lane keeps v * mm_sign: 1 for min, -1 for max */
  /* What the parts need. */
  int64_t hop_ms, align_ms;  /* TUMBLING */
  uint32_t cfg_aggregates;   /* TUMBLING: as configured (aggregates adds implied ones) */
  uint32_t closed_cap;       /* TUMBLING: closed-result queue entries */
  double halflife;           /* EWMA, ms */
  double percentile, pct_accuracy, pct_floor;
  jj_allocator alc;
};

/* The optional parts: each exists only in windows whose configuration
 * needs it (see the layout comment at the top). */
typedef struct minmax_part { /* min or max enabled */
  jj_daba daba; /* a shared ring's member: a lane of positions (MM_POS, minmax_pos.h) */
} minmax_part;

typedef struct moments_part { /* variance, stddev, slope or EWMA enabled */
  jj_moments cur, next;       /* the higher moments, same generations as the sums */
} moments_part;

typedef struct tumbling_part { /* JJ_WINDOW_TUMBLING */
  int64_t boundary; /* end B of the open window [B - span, B) */
  struct closed_result *closed; /* the closed-result queue */
  uint32_t closed_first, closed_len;
  int has_boundary;
  wpos win_end;     /* the open window is [head, win_end); later samples wait */
  uint64_t nclosed; /* jj_window_counters.closed */
} tumbling_part;

/* A window that shares its series' sample ring (see "shared rings" below). */
typedef struct jj_wring jj_wring;
typedef struct shared_part {
  jj_wring *g;
  uint32_t seq;  /* the ring's last operation this window has returned */
  /* The capacity a ring of its own would have now (a snapshot saves it:
   * the same image, shared or not). */
  uint32_t own_cap;
} shared_part;

typedef struct sketch_part { /* percentile enabled */
  jj_sketch sketch;
  int32_t *keys; /* each stored sample's bucket key, same slots as the ring:
                    a sample leaving costs no second log() */
} sketch_part;

/* Field order is cache order: with 10,000 series a window is rarely in
 * cache when its sample arrives, so what an in-order push and a read of
 * count/sum/mean touch is all of it (the positions and the ring's
 * geometry, the accepted counter, the sums of both generations); the
 * settings are on the shape, one copy for all the windows of a rule, so
 * it stays cached. */
struct jj_window {
  /* Positions, time and the ring's geometry, read by every push. */
  jj_ring_rec *ring; /* timestamp and value side by side: one line per sample touched */
  const jj_wshape *shape;
  int64_t now;
  wpos head, tail;    /* (agg_end is DABA's end, win_end TUMBLING's: see wend) */
  wpos gen_pos;
  uint32_t cap;       /* ring slots */
  uint32_t head_slot; /* head's slot: base (the top comment) is head - head_slot */
  uint32_t accepted;  /* low half (window_rare.accepted_hi): every accepted push writes it */
  /* The sum of both generations (see the top comment; their counts are
   * positions: win_end - head and win_end - gen_pos), the rare counters. */
  jj_ksum cur_sum, next_sum;
  window_rare *rare;  /* NULL until a push counts a rejection or duplicate, or wraps */
  /* The optional parts follow, 8-byte aligned, in this order: minmax,
   * moments, tumbling, sketch, hourly. */
};

#define PART_AT(w, off) ((void *)((char *)(w) + (off)))
#define CPART_AT(w, off) ((const void *)((const char *)(w) + (off)))
/* The min/max part, when there is one, is the first (layout_of): right
 * after the core, at a constant offset, so finding it reads no shape (the
 * push and read paths of a min/max window do it a few times). */
static inline jj_daba *DABA(jj_window *w) {
  return &((minmax_part *)PART_AT(w, sizeof(jj_window)))->daba;
}
static inline const jj_daba *CDABA(const jj_window *w) {
  return &((const minmax_part *)CPART_AT(w, sizeof(jj_window)))->daba;
}
static inline moments_part *MOM(jj_window *w) { return PART_AT(w, w->shape->off_mom); }
static inline const moments_part *CMOM(const jj_window *w) {
  return CPART_AT(w, w->shape->off_mom);
}
static inline tumbling_part *TUM(jj_window *w) { return PART_AT(w, w->shape->off_tum); }
static inline const tumbling_part *CTUM(const jj_window *w) {
  return CPART_AT(w, w->shape->off_tum);
}
static inline sketch_part *SK(jj_window *w) { return PART_AT(w, w->shape->off_sk); }
static inline const sketch_part *CSK(const jj_window *w) { return CPART_AT(w, w->shape->off_sk); }
static inline shared_part *SHP(jj_window *w) { return PART_AT(w, w->shape->off_sh); }
static inline const shared_part *CSHP(const jj_window *w) {
  return CPART_AT(w, w->shape->off_sh);
}
static inline jj_hourly *HOURLY(jj_window *w) {
  return w->shape->off_hr ? (jj_hourly *)PART_AT(w, w->shape->off_hr) : NULL;
}
static inline const jj_hourly *CHOURLY(const jj_window *w) {
  return w->shape->off_hr ? (const jj_hourly *)CPART_AT(w, w->shape->off_hr) : NULL;
}

#if UINTPTR_MAX == UINT64_MAX
_Static_assert(offsetof(jj_window, cur_sum) == 48, "the sums follow the positions");
_Static_assert(sizeof(jj_window) == 88, "the core is 88 bytes (see the top comment)");
#endif

/* The rare counters for reading: zeros when the window has none yet. */
static const window_rare k_no_rare;
static inline const window_rare *rare_of(const jj_window *w) {
  return w->rare ? w->rare : &k_no_rare;
}

/* Where the optional parts go, and the block's size. */
static void layout_of(jj_wshape *l, int minmax, int moments, int tumbling, int sketch,
                      int hourly, int shared, int rare) {
  size_t off = sizeof(jj_window);
  l->off_mm = l->off_mom = l->off_tum = l->off_sk = l->off_hr = l->off_sh = l->off_rare = 0;
  if (minmax) { /* first: see DABA() */
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
  if (hourly) {
    l->off_hr = (uint16_t)off;
    off += sizeof(jj_hourly);
  }
  if (shared) {
    l->off_sh = (uint16_t)off;
    off += sizeof(shared_part);
  }
  if (rare) {
    l->off_rare = (uint16_t)off;
    off += sizeof(window_rare);
  }
  l->bytes = (uint32_t)((off + 7) & ~(size_t)7);
}

/* ---- small helpers ---------------------------------------------------- */

/* Cold paths kept out of line, so that the hot one around them keeps its
 * values in registers it need not save. */
#if defined(__GNUC__)
#define JJ_NOINLINE __attribute__((noinline))
#define JJ_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define JJ_NOINLINE
#define JJ_UNLIKELY(x) (x)
#endif

/* The slot of a position in [base, base + 2 cap): every live one. */
static inline uint32_t slot(const jj_window *w, wpos pos) {
  /* pos - base, as (pos - head) + head_slot (modulo 2^32 the same): a
   * push has pos - head at hand (the count). */
  const uint32_t i = (wpos)(pos - w->head) + w->head_slot;
  return i < w->cap ? i : i - w->cap; /* a conditional move */
}
static inline jj_ring_rec *rec_at(const jj_window *w, wpos pos) {
  return &w->ring[slot(w, pos)];
}
static inline int64_t ts_at(const jj_window *w, wpos pos) { return rec_at(w, pos)->ts; }
/* The oldest stored sample's record (the push path reads it on every
 * call): at head_slot. */
static inline jj_ring_rec *head_rec(const jj_window *w) { return &w->ring[w->head_slot]; }
static inline int64_t head_ts(const jj_window *w) { return head_rec(w)->ts; }
static inline double val_at(const jj_window *w, wpos pos) { return rec_at(w, pos)->val; }

/* The rare counters, made if the window has none yet: 0 when they cannot
 * be (JJ_ENOMEM). A push calls it before it changes anything when it may
 * count one. */
static JJ_NOINLINE int rare_make(jj_window *w) {
  if (!w->rare) w->rare = jj__calloc(&w->shape->alc, sizeof *w->rare);
  return w->rare != NULL;
}

/* A refusal that changes nothing else: count it in the rare counter at
 * byte offset `at` and return `st`, or JJ_ENOMEM (nothing counted) when
 * the counters cannot be made. */
static JJ_NOINLINE jj_status rare_count(jj_window *w, size_t at, jj_status st) {
  if (!rare_make(w)) return JJ_ENOMEM;
  ++*(uint64_t *)(void *)((char *)w->rare + at);
  return st;
}

/* accepted is about to wrap: its high half is in the rare counters, so
 * a push makes them first (every 2^32 samples: the fast paths leave such
 * a push to the general one, which does). The tail's high half needs no
 * carry: see tail64. */
static inline int at_wrap(const jj_window *w) { return w->accepted == UINT32_MAX; }
/* accepted, one up (the rare counters made: at_wrap). */
static inline void accept_one(jj_window *w) {
  if (JJ_UNLIKELY(++w->accepted == 0)) w->rare->accepted_hi++;
}
/* The 64-bit accepted (jj_window_counters, the snapshot). */
static uint64_t accepted64(const jj_window *w) {
  return (uint64_t)rare_of(w)->accepted_hi << 32 | w->accepted;
}

/* The end of the settled part [head, agg_end) (the top comment): only
 * DABA needs it, so windows with min/max alone keep it, as the end of
 * DABA's deque (which is that part). */
static inline wpos agg_end(const jj_window *w) {
  const jj_daba *d = CDABA(w); /* (its front is head's sample) */
  return w->head + jj__daba_rel(d, d->end);
}

/* The end of the window [head, win_end) (the top comment): the tail of a
 * sliding window, where everything stored is in the window; a TUMBLING
 * window keeps it in its part. */
static inline wpos wend(const jj_window *w) {
#ifdef JJ_NO_TUMBLING
  return w->tail; /* (no window is TUMBLING: normalize) */
#else
  return w->shape->off_tum ? CTUM(w)->win_end : w->tail;
#endif
}

/* head moves forward to `to` (by at most cap): its slot with it, keeping
 * base <= head < base + cap. */
static inline void head_to(jj_window *w, wpos to) {
  const uint32_t s = w->head_slot + (wpos)(to - w->head);
  w->head_slot = (uint32_t)(s < w->cap ? s : s - w->cap);
  w->head = to;
}

/* floor(a / b) for b > 0. */
static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && (a < 0)) q--;
  return q;
}

/* `now` before the first sample or jj_window_advance: one below every
 * valid time (jj__ts_valid), so "ts > now" alone says that a sample is
 * later than now and not too old to be valid. */
#define NO_NOW (-JJ_TS_LIMIT - 1)
/* t + d, or INT64_MAX past it (d >= 0): the deadlines (jj__window_due). */
static int64_t add_sat(int64_t t, int64_t d) {
  return t > INT64_MAX - d ? INT64_MAX : t + d;
}

/* jj__window_due of a sliding time window without hourly aggregates (so
 * of every member of a shared ring, jj__wring_due): when its oldest
 * sample leaves. */
static inline int64_t time_due(const jj_window *w) {
  return w->head == w->tail ? INT64_MAX : add_sat(head_ts(w), w->shape->span_ms);
}

static inline int has_now(const jj_window *w) { return w->now != NO_NOW; }

static inline int64_t watermark(const jj_window *w) { return w->now - w->shape->lateness_ms; }

/* ---- min/max lanes (minmax.h) ------------------------------------------ */

/* The sides a window reads (jj_wshape.use_minmax). */
enum { MM_MIN = 1, MM_MAX = 2 };

/* The lane's sides (jj_wshape.mm_sides). Built for size (JJ_FORCE_INLINE
 * off: the small boards) every lane keeps both: one variant of the DABA
 * code and no one-sided image writer, flash counting more than 8 B a slot
 * of RAM there. */
#ifdef JJ_NO_FORCE_INLINE
#define LANE_SIDES(sh) ((void)(sh), 2)
#else
#define LANE_SIDES(sh) ((int)(sh)->mm_sides)
#endif

/* A value in its lane's form: {v, -v} on two sides; on one, v for min and
 * -v for max (the lane keeps minima: the maximum is minus the minimum of
 * the negated values). `sides` is the shape's mm_sides, a constant where
 * the caller is specialised. */
JJ_HOT_INLINE jj_minmax minmax_lift(const jj_wshape *sh, double v, int sides) {
  jj_minmax x = {v, -v};
  if (sides == 1) x.lo = v * sh->mm_sign; /* (exact: a sign) */
  return x;
}

/* A lane's aggregate as {min, -max}; the side a one-sided lane does not
 * keep is NaN (never asked for: only enabled aggregates are read). */
JJ_HOT_INLINE jj_minmax minmax_unlift(const jj_wshape *sh, jj_minmax q, int sides) {
  if (sides == 2) return q;
  jj_minmax m = {NAN, NAN};
  if (sh->use_minmax == MM_MIN)
    m.lo = q.lo;
  else
    m.nhi = q.lo;
  return m;
}
/* A shared ring's members keep lanes of positions (minmax_pos.h): a
 * quarter (or half) of the bytes of values, and the ring they read the
 * values from is the one the shared push touches anyway. */
#ifndef JJ_NO_SHARED_RINGS
#define MM_POS(sh) ((sh)->shared)
#else
#define MM_POS(sh) ((void)(sh), 0)
#endif
/* Positions of more than 16 bits: a window holding more than 2^16 samples. */
#define MM_POS_WIDE(sh) ((sh)->max_samples > 65536u)

/* Where a lane of positions finds the values (jj_lanev): the ring's now. */
static inline jj_lanev lanev_of(const jj_window *w) {
  jj_lanev v = {&w->ring[0].val, (uint32_t)w->head, w->head_slot, w->cap,
                MM_POS_WIDE(w->shape), w->shape->mm_sign};
  return v;
}


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
#ifdef JJ_NO_TUMBLING
  if (c->kind == JJ_WINDOW_TUMBLING) return JJ_ENOTSUP; /* left out of the build */
#endif
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
#ifdef JJ_NO_EWMA
  if (c->aggregates & JJ_AGG_BIT(JJ_AGG_EWMA)) return JJ_ENOTSUP; /* left out of the build */
#endif
#ifdef JJ_NO_SKETCH
  if (c->aggregates & JJ_AGG_BIT(JJ_AGG_PERCENTILE)) return JJ_ENOTSUP;
#endif
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

static uint64_t pow2_at_least(uint64_t n) {
  uint64_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

/* The bytes of a min/max lane with room for `cap` values: cap + 1 slots
 * (minmax.h). */
static size_t lane_bytes(const jj_wshape *sh, uint64_t cap) {
  if (MM_POS(sh))
    return (size_t)(cap + 1) * LANE_SIDES(sh) * (MM_POS_WIDE(sh) ? sizeof(uint32_t) : sizeof(uint16_t));
  return (size_t)(cap + 1) * LANE_SIDES(sh) * sizeof(double);
}

/* Move to a ring of `newcap` slots, keeping every position's meaning:
 * the live samples start slot 0 of the new ring (base = head). */
static jj_status resize(jj_window *w, uint32_t newcap) {
  const jj_wshape *sh = w->shape;
  jj_ring_rec *nring = jj__malloc(&sh->alc, (size_t)newcap * sizeof *nring);
  /* DABA's lane has the ring's slots (and, from here, its base). */
  double *nmm = sh->use_minmax ? jj__malloc(&sh->alc, lane_bytes(sh, newcap)) : NULL;
  int32_t *nkeys = sh->use_sketch ? jj__malloc(&sh->alc, (size_t)newcap * sizeof *nkeys) : NULL;
  if (!nring || (sh->use_minmax && !nmm) || (sh->use_sketch && !nkeys)) {
    jj__free(&sh->alc, nring);
    jj__free(&sh->alc, nmm);
    jj__free(&sh->alc, nkeys);
    return JJ_ENOMEM;
  }
  if (sh->use_sketch) {
    for (wpos p = w->head; p != w->tail; p++) nkeys[(wpos)(p - w->head)] = SK(w)->keys[slot(w, p)];
    jj__free(&sh->alc, SK(w)->keys);
    SK(w)->keys = nkeys;
  }
  for (wpos p = w->head; p != w->tail; p++) nring[(wpos)(p - w->head)] = *rec_at(w, p);
  jj__free(&sh->alc, w->ring);
  w->ring = nring;
  if (sh->use_minmax) {
    jj_daba *d = DABA(w);
    double *old = d->agg;
    jj__daba_move(d, nmm, newcap, LANE_SIDES(sh));
    jj__free(&sh->alc, old);
  }
  w->head_slot = 0; /* base = head */
  w->cap = newcap;
  return JJ_OK;
}

/* The next capacity: an eighth more, at least GROW_MIN, at most `limit`
 * (max_samples). */
static uint32_t grown_cap(uint32_t cap, uint32_t limit) {
  uint32_t step = cap / 8 > GROW_MIN ? cap / 8 : GROW_MIN;
  return (uint64_t)cap + step < limit ? cap + step : limit;
}

/* A push at ts (later than now) to a full sliding time window evicts its
 * oldest sample before it stores: then it needs no more room. */
static inline int frees_a_slot(const jj_window *w, int64_t ts) {
  return w->shape->kind == JJ_WINDOW_SLIDING_TIME && has_now(w) && ts > w->now &&
         w->tail != w->head && head_ts(w) <= ts - w->shape->span_ms;
}

/* Make room for one more sample (at ts) if the ring is full and may still
 * grow. Called before time moves: failing here leaves the window
 * untouched. */
static jj_status grow_if_full(jj_window *w, int64_t ts) {
  if (w->tail - w->head < w->cap || w->cap >= w->shape->max_samples || frees_a_slot(w, ts))
    return JJ_OK;
  return resize(w, grown_cap(w->cap, w->shape->max_samples));
}

/* ---- the sums over [head, win_end) ------------------------------------ */

/* The sample at `pos` joins (add = 1) or leaves (add = 0) the sums and
 * the sketch. `light` (a constant at every call) marks windows whose sums
 * are at most the plain sum (sum, mean, min, max, first, last...) on the
 * in-order path: the general moments code and the sketch are left out.
 * `key`: the value's sketch key when the caller has it, else KEY_UNKNOWN
 * (a key is a log(): a push computes it once, to reserve and to add). */
#define KEY_UNKNOWN INT32_MIN

/* Field by field (not memset): a copy in registers stays there. */
static inline void gen_clear(jj_ksum *k) {
  k->sum = 0.0;
  k->comp = 0.0;
}

/* One generation's sum takes (add) or gives back v; `n` is its count
 * before, win_end - head or win_end - gen_pos (a generation's count is
 * not stored: positions give it). */
#define gen_apply jj_sum_apply

/* The higher moments of one generation of count n (before). */
JJ_HOT_INLINE void gen_moments(jj_ksum *k, jj_moments *m, uint32_t n, const jj_wshape *sh,
                               int64_t ts, double v, int add) {
  jj_moments_apply(k, n, m, sh->mom, ts, v, add ? 1.0 : -1.0, sh->halflife);
}

/* account_k for a sample at a position the counts do not include yet
 * (`gone` = 1: JJ_DUP_REPLACE, the old value just left). */
JJ_HOT_INLINE void account_g(jj_window *w, wpos pos, int64_t ts, double v, int add, int light,
                             int32_t key, uint32_t gone) {
  const jj_wshape *sh = w->shape;
  if (sh->mom) { /* min/max-only windows keep no sums */
    const wpos end = wend(w);
    const uint32_t ncur = (wpos)(end - w->head) - gone, nnext = (wpos)(end - w->gen_pos) - gone;
    if (light || !sh->off_mom) { /* count and sum only: no moments part */
      gen_apply(&w->cur_sum, v, add, ncur);
      if (!pos_lt(pos, w->gen_pos)) gen_apply(&w->next_sum, v, add, nnext);
    } else {
      gen_moments(&w->cur_sum, &MOM(w)->cur, ncur, sh, ts, v, add);
      if (!pos_lt(pos, w->gen_pos)) gen_moments(&w->next_sum, &MOM(w)->next, nnext, sh, ts, v, add);
    }
  }
  if (!light && sh->use_sketch) {
    if (key == KEY_UNKNOWN) key = SK(w)->keys[slot(w, pos)]; /* stored with the sample */
    if (add)
      jj__sketch_add(&SK(w)->sketch, key);
    else
      jj__sketch_remove(&SK(w)->sketch, key);
  }
}

/* The sample at `pos`, in [head, win_end) to leave or at win_end to join,
 * joins or leaves. */
JJ_HOT_INLINE void account_k(jj_window *w, wpos pos, int64_t ts, double v, int add, int light,
                             int32_t key) {
  account_g(w, pos, ts, v, add, light, key, 0);
}

JJ_HOT_INLINE void account(jj_window *w, wpos pos, int64_t ts, double v, int add, int light) {
  account_k(w, pos, ts, v, add, light, KEY_UNKNOWN);
}

JJ_HOT_INLINE void enter(jj_window *w, wpos pos, int64_t ts, double v) {
  account(w, pos, ts, v, 1, 0);
}

JJ_HOT_INLINE void leave(jj_window *w, wpos pos, int64_t ts, double v) {
  account(w, pos, ts, v, 0, 0);
}

/* Empty the window part [head, win_end) in O(1). */
static void clear_window(jj_window *w) {
  const jj_wshape *sh = w->shape;
  head_to(w, TUM(w)->win_end); /* (TUMBLING only) */
  w->gen_pos = w->head;
  gen_clear(&w->cur_sum);
  gen_clear(&w->next_sum);
  if (sh->off_mom) {
    jj_moments_clear(&MOM(w)->cur);
    jj_moments_clear(&MOM(w)->next);
  }
  if (sh->use_sketch) jj__sketch_clear(&SK(w)->sketch);
  if (sh->use_minmax) jj__daba_reset(DABA(w));
}

/* A lane of positions' steps (a shared ring's member, MM_POS) on the
 * general paths, out of line: the members' own pushes (push_shared) have
 * copies of their own, and force-inlined into every general path these
 * steps took about 36 KB of a board build with shared rings. */
static JJ_NOINLINE void lane_pos_evict(jj_window *w) {
  const jj_lanev rv = lanev_of(w);
  jj__dabap_evict(DABA(w), &rv, LANE_SIDES(w->shape));
}
JJ_HOT_INLINE void lane_pos_settle_t(jj_window *w, int64_t wm) {
  const jj_lanev rv = lanev_of(w);
  const wpos end = wend(w);
  for (wpos p = agg_end(w); pos_lt(p, end) && ts_at(w, p) < wm; p++)
    jj__dabap_push(DABA(w), &rv, p, LANE_SIDES(w->shape));
}
static JJ_NOINLINE void lane_pos_settle(jj_window *w, int64_t wm) { lane_pos_settle_t(w, wm); }

JJ_HOT_INLINE void evict_front_t(jj_window *w, int light) {
  const jj_wshape *sh = w->shape;
  wpos pos = w->head;
  if (pos_lt(pos, wend(w))) {
    const jj_ring_rec *r = head_rec(w);
    account(w, pos, r->ts, r->val, 0, light);
  }
  if (sh->use_minmax) {
    if (!pos_lt(pos, agg_end(w))) {
      jj__daba_reset(DABA(w)); /* nothing settled: empty (its front is the new head) */
    } else if (MM_POS(sh)) {
      lane_pos_evict(w);
    } else {
      jj__daba_evict(DABA(w), LANE_SIDES(sh));
    }
  }
  head_to(w, pos + 1);
  if (sh->off_tum && pos_lt(TUM(w)->win_end, w->head)) TUM(w)->win_end = w->head;
  if (!pos_lt(w->head, w->gen_pos)) {
    /* Every sample `cur` has subtracted is gone: take the fresh sums. */
    w->cur_sum = w->next_sum;
    gen_clear(&w->next_sum);
    if (!light && sh->off_mom) {
      MOM(w)->cur = MOM(w)->next;
      jj_moments_clear(&MOM(w)->next);
    }
    w->gen_pos = wend(w);
  }
}

JJ_HOT_INLINE void evict_front(jj_window *w) { evict_front_t(w, 0); }

/* Settled samples (ts < watermark, see below) inside the window enter DABA.
 * `member`: a shared ring member's own push calls (member_settle), which
 * keep the lane of positions' loop inline. */
JJ_HOT_INLINE void settle_t(jj_window *w, int member) {
  const jj_wshape *sh = w->shape;
  /* Only DABA needs to know what is settled. */
  if (!has_now(w) || !sh->use_minmax) return;
  /* A sample AT the watermark is settled too: an accepted sample with the
   * same timestamp is stored after it. Unless it may still be replaced
   * (JJ_DUP_REPLACE). With lateness 0 a sample is settled on arrival, so
   * reads of min/max scan no pending one. */
  int64_t wm = watermark(w) + (sh->duplicates != JJ_DUP_REPLACE);
  if (MM_POS(sh)) {
    if (member)
      lane_pos_settle_t(w, wm);
    else
      lane_pos_settle(w, wm);
    return;
  }
  const int sides = LANE_SIDES(sh);
  const wpos end = wend(w);
  for (wpos p = agg_end(w); pos_lt(p, end) && ts_at(w, p) < wm; p++)
    jj__daba_push(DABA(w), minmax_lift(sh, val_at(w, p), sides), sides); /* (its end: p + 1) */
}
JJ_HOT_INLINE void settle(jj_window *w) { settle_t(w, 0); }

/* TUMBLING: samples before the boundary join the open window. */
static void extend_window(jj_window *w) {
  tumbling_part *t = TUM(w);
  while (pos_lt(t->win_end, w->tail) && ts_at(w, t->win_end) < t->boundary) {
    enter(w, t->win_end, ts_at(w, t->win_end), val_at(w, t->win_end));
    t->win_end++;
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

JJ_HOT_INLINE int is_complete(const jj_window *w, uint64_t n) {
  return n >= w->shape->complete_min;
}

/* {min, -max} of [head, win_end): DABA's settled part and a scan of the
 * pending samples (see the top comment). */
JJ_HOT_INLINE jj_minmax window_minmax(const jj_window *w) {
  const jj_wshape *sh = w->shape;
  const int sides = LANE_SIDES(sh);
  jj_minmax q;
  if (MM_POS(sh)) {
    const jj_lanev rv = lanev_of(w);
    q = jj__dabap_query(CDABA(w), &rv, sides);
  } else {
    q = jj__daba_query(CDABA(w), sides);
  }
  for (wpos p = agg_end(w), end = wend(w); pos_lt(p, end); p++)
    q = jj__minmax_combine(minmax_lift(sh, val_at(w, p), sides), q, sides); /* (ties: q) */
  return minmax_unlift(sh, q, sides);
}

/* The value of one enabled aggregate of [head, win_end); NaN if none. */
JJ_HOT_INLINE double compute(const jj_window *w, jj_agg agg) {
  const jj_wshape *sh = w->shape;
  const jj_moments *m = sh->off_mom ? &CMOM(w)->cur : NULL; /* NULL: not enabled */
  const wpos end = wend(w);
  const uint32_t n = end - w->head;
  const jj_ksum *ms = &w->cur_sum;
  if (n == 0) return agg == JJ_AGG_COUNT ? 0.0 : NAN;
  double dn = (double)n;
  switch (agg) {
    case JJ_AGG_COUNT: return dn;
    case JJ_AGG_SUM: return jj_ksum_value(ms);
    case JJ_AGG_MEAN: return jj_ksum_value(ms) / dn;
    case JJ_AGG_MIN: return window_minmax(w).lo;
    case JJ_AGG_MAX: return -window_minmax(w).nhi;
    case JJ_AGG_FIRST: return head_rec(w)->val;
    case JJ_AGG_LAST: return val_at(w, end - 1);
    case JJ_AGG_VARIANCE: return jj_moments_variance(n, m);
    case JJ_AGG_STDDEV: return sqrt(jj_moments_variance(n, m));
    case JJ_AGG_DELTA: return val_at(w, end - 1) - head_rec(w)->val;
    case JJ_AGG_SLOPE:
      if (head_ts(w) == ts_at(w, end - 1)) return NAN;
      return jj_moments_slope(n, m);
    case JJ_AGG_PERCENTILE: return jj__sketch_quantile(&CSK(w)->sketch, sh->percentile);
    case JJ_AGG_EWMA: return jj_ksum_value(&m->ea) / jj_ksum_value(&m->eb);
    case JJ_AGG_NOWCAST:
    case JJ_AGG_C24E_PM25:
    case JJ_AGG_C24E_PM10: /* read at the open (closing) window's last hour */
      return jj__hourly_value(CHOURLY(w), agg,
                              sh->kind == JJ_WINDOW_TUMBLING ? CTUM(w)->boundary - 1 : w->now);
    case JJ_AGG__COUNT: break;
  }
  return NAN;
}

static void fill_stats(const jj_window *w, jj_window_stats *out) {
  const jj_wshape *sh = w->shape;
  uint32_t n = wend(w) - w->head;
  memset(out, 0, sizeof *out);
  out->count = n;
  out->windows = 1;
  out->complete = is_complete(w, n);
  for (int a = 0; a < JJ_AGG_SLOTS; a++)
    out->value[a] = (sh->aggregates & JJ_AGG_BIT(a)) ? compute(w, (jj_agg)a) : NAN;
  switch (sh->kind) {
    case JJ_WINDOW_SLIDING_TIME:
      out->end_ms = has_now(w) ? w->now : 0;
      out->start_ms = out->end_ms - sh->span_ms;
      break;
    case JJ_WINDOW_SLIDING_COUNT:
      if (n) {
        out->start_ms = head_ts(w);
        out->end_ms = ts_at(w, wend(w) - 1);
      }
      break;
    case JJ_WINDOW_TUMBLING:
      if (CTUM(w)->has_boundary) {
        out->end_ms = CTUM(w)->boundary;
        out->start_ms = CTUM(w)->boundary - sh->span_ms;
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
  closed_result *s = &t->closed[(t->closed_first + t->closed_len) % w->shape->closed_cap];
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
  s->start_ms = first_end - w->shape->span_ms;
  s->end_ms = first_end + (int64_t)(k - 1) * w->shape->hop_ms;
  s->windows = (uint32_t)(k > UINT32_MAX ? UINT32_MAX : k);
  for (int a = 0; a < JJ_AGG__COUNT; a++) s->value[a] = NAN;
  if (w->shape->cfg_aggregates & JJ_AGG_BIT(JJ_AGG_COUNT)) s->value[JJ_AGG_COUNT] = 0.0;
  TUM(w)->nclosed += k;
}

/* Close every window whose end the watermark has passed, while the queue
 * has room. A full queue does not drop results: closing waits, and
 * jj_window_pop_closed resumes it, so every window is reported once
 * whatever the steps time moves in. (Waiting windows keep their samples
 * in the ring; nothing else changes.) */
static void close_due(jj_window *w) {
#ifdef JJ_NO_TUMBLING
  return; /* no window is TUMBLING (normalize): the code below is dropped */
#endif
  if (!TUM(w)->has_boundary) return;
  const int64_t span = w->shape->span_ms, hop = w->shape->hop_ms;
  int64_t wm = watermark(w);
  while (wm >= TUM(w)->boundary && TUM(w)->closed_len < w->shape->closed_cap) {
    extend_window(w);
    if (TUM(w)->win_end == w->head) {
      /* A run of empty windows goes out as one result: every window ending
       * at or before the next stored sample (and the watermark) is empty.
       * extend_window took every sample before the boundary, so
       * limit >= boundary. */
      int64_t next_ts = TUM(w)->win_end != w->tail ? ts_at(w, TUM(w)->win_end) : INT64_MAX;
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
    TUM(w)->nclosed++;
    TUM(w)->boundary += hop;
    int64_t start = TUM(w)->boundary - span;
    if (ts_at(w, TUM(w)->win_end - 1) < start) {
      clear_window(w); /* tumbling: nothing carries over */
    } else {
      while (w->head != TUM(w)->win_end && head_ts(w) < start) evict_front(w);
    }
  }
  extend_window(w);
}

/* TUMBLING, first accepted sample: open the window that holds the oldest
 * timestamp still acceptable (ts, or now - lateness if older), so a late
 * sample never lands in a later window than its own. */
static void init_boundary(jj_window *w, int64_t ts) {
#ifdef JJ_NO_TUMBLING
  return;
#endif
  int64_t now = (has_now(w) && w->now > ts) ? w->now : ts;
  int64_t oldest = now - w->shape->lateness_ms;
  if (oldest > ts) oldest = ts;
  if (oldest < -JJ_TS_LIMIT) oldest = -JJ_TS_LIMIT; /* nothing older is accepted */
  tumbling_part *t = TUM(w);
  const int64_t align = w->shape->align_ms, hop = w->shape->hop_ms;
  t->boundary = align + (floor_div(oldest - align, hop) + 1) * hop;
  t->has_boundary = 1;
}

/* ---- time and eviction ------------------------------------------------ */

/* Apply the consequences of `now`: settle, evict, close. */
static void apply_time(jj_window *w) {
  switch (w->shape->kind) {
    case JJ_WINDOW_SLIDING_TIME: {
      settle(w);
      int64_t cutoff = w->now - w->shape->span_ms;
      while (w->head != w->tail && head_ts(w) <= cutoff) evict_front(w);
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

/* A shared ring's member changed: its ring's due time is no longer known
 * (jj__wring_due, "shared rings" below). */
static void ring_due_unknown(jj_window *m);

jj_status jj_window_advance(jj_window *w, int64_t now_ms) {
  if (!w) return JJ_EINVAL;
  if (!jj__ts_valid(now_ms)) return JJ_EINVAL;
  if (has_now(w) && now_ms <= w->now) return JJ_OK;
  w->now = now_ms;
  if (w->shape->shared) ring_due_unknown(w);
  apply_time(w);
  return JJ_OK;
}

/* ---- push ------------------------------------------------------------- */

/* Where a sample with timestamp ts goes: after every stored sample with a
 * timestamp <= ts. Scans back from the tail: the distance is bounded by
 * the samples inside the lateness horizon. */
static wpos insert_pos(const jj_window *w, int64_t ts) {
  wpos pos = w->tail;
  while (pos != w->head && ts_at(w, pos - 1) > ts) pos--;
  return pos;
}

static void ring_insert(jj_window *w, wpos pos, int64_t ts, double v, int32_t key) {
  for (wpos p = w->tail; p != pos; p--) *rec_at(w, p) = *rec_at(w, p - 1);
  if (w->shape->use_sketch) {
    int32_t *keys = SK(w)->keys;
    for (wpos p = w->tail; p != pos; p--) keys[slot(w, p)] = keys[slot(w, p - 1)];
    keys[slot(w, pos)] = key;
  }
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
  const jj_wshape *sh = w->shape;
  const uint32_t n = w->tail - w->head;
  if (ts <= w->now || ts > JJ_TS_LIMIT || !jj__value_valid(v) || /* (see NO_NOW) */
      sh->kind == JJ_WINDOW_TUMBLING || JJ_UNLIKELY(at_wrap(w)))
    return 0;
  /* Room in the ring: a full count window frees its oldest slot first, so
   * does a full time window whose oldest sample expires now (frees_a_slot:
   * the rest of its test passed above). */
  if (n >= w->cap) {
    if (!(sh->kind == JJ_WINDOW_SLIDING_COUNT ? n >= sh->count : head_ts(w) <= ts - sh->span_ms))
      return 0;
    /* A full ring may refuse it: the rare counters first (the general
     * path). (cap <= max_samples: only a full ring can be.) */
    if (n >= sh->max_samples && !w->rare) return 0;
  }
  /* The sketch (light is 0 then): its key once; a key without a counter
   * yet takes the general path, which allocates before anything changes. */
  int32_t key = KEY_UNKNOWN;
  if (!light && sh->use_sketch) {
    key = jj__sketch_key(&SK(w)->sketch, v);
    if (!jj__sketch_has(&SK(w)->sketch, key)) return 0;
  }
  w->now = ts;
  /* apply_time() for the two sliding kinds, inlined. */
  settle(w);
  if (sh->kind == JJ_WINDOW_SLIDING_TIME) {
    const int64_t cutoff = ts - sh->span_ms;
    while (w->head != w->tail && head_ts(w) <= cutoff) evict_front_t(w, light);
  } else if (n >= sh->count) {
    evict_front_t(w, light); /* the newest `count` stay: the oldest goes */
  }
  if ((wpos)(w->tail - w->head) >= sh->max_samples) {
    w->rare->rejected_full++; /* (made: see the test above) */
    *st = JJ_EFULL;
    return 1;
  }
  wpos pos = w->tail;
  account_k(w, pos, ts, v, 1, light, key); /* (counts before: tail is the window's end) */
  w->tail++;
  jj_ring_rec *r = rec_at(w, pos);
  r->ts = ts;
  r->val = v;
  if (!light && sh->use_sketch) SK(w)->keys[slot(w, pos)] = key;
  w->accepted++; /* (no wrap: at_wrap above) */
  if (sh->lateness_ms == 0 && sh->use_minmax) {
    /* The new sample is settled already (at the watermark; settle() took
     * every older one above): straight into DABA, its ts not read back. */
    if (agg_end(w) == pos && sh->duplicates != JJ_DUP_REPLACE) {
      jj__daba_push(DABA(w), minmax_lift(sh, v, LANE_SIDES(sh)), LANE_SIDES(sh));
    } else {
      settle(w);
    }
  }
  *st = JJ_OK;
  return 1;
}

/* ---- the specialised in-order push -------------------------------------
 * Most windows are sliding windows of count, sum, mean, min, max, first or
 * last fed in time order. For them jj_window_push runs one of four copies
 * of the code below, each compiled for its kind (count or time) and
 * whether DABA is kept, so a push tests only what can still vary: is the
 * sample in order and valid, is there room. The arithmetic is the general
 * path's (same operations, same order: same sums to the last bit); the
 * checks it leaves out cannot fire for such a window:
 *  - no lateness test, duplicate or boundary: ts > now;
 *  - no "pending" samples (FAST_MM needs lateness 0 and no REPLACE, so
 *    every stored sample is settled in DABA: agg_end == tail after every
 *    push, advance and restore, see all_settled; checked all the same);
 *  - no growth and no JJ_EFULL: a sample that needs the ring to grow takes
 *    the general path, and once the oldest sample leaves there is room
 *    below max_samples.
 * FAST_ON is set by shape_init when the shape qualifies (fast_bits). */
enum {
  FAST_ON = 1,   /* sliding, at most the plain sums, no hourly part */
  FAST_TIME = 2, /* SLIDING_TIME (else SLIDING_COUNT) */
  FAST_MM = 4,   /* min/max: DABA, lateness 0, duplicates not replaced (a one-sided lane) */
  FAST_SK = 8,   /* the percentile sketch (then not FAST_MM) */
  FAST_MM2 = 16, /* with FAST_ON and FAST_MM: the lane keeps both sides (min and max read) */
  FAST_HOURLY = 16, /* alone (not FAST_ON): the general path, with the hourly part */
  FAST_SHARED = 32, /* not FAST_ON: the shared ring's push (push_shared) */
  FAST_SUMS = 64 /* with FAST_ON: count and sum kept (else none: min, max, first...) */
};

/* Copies for windows with and without sums, and the sums in registers
 * through a push: where doubles are registers (x86-64, AArch64). On a
 * 32-bit Arm a double is two of its 13 registers (a soft double without
 * a double FPU) and flash counts: one copy asks the shape, as before
 * (the Cortex-M4F image would be 4.9 KB larger). */
#if defined(__arm__)
#define FAST_SPLIT_SUMS 0
#else
#define FAST_SPLIT_SUMS 1
#endif
/* A time window's fast push stores the new sample before the expired ones
 * leave, so that it ends their loop (push_fast): a second copy of
 * fast_evict in each time copy (a full ring's oldest leaves first), which
 * the 32-bit Arm builds leave out (2.3 KB of the Cortex-M4F image). */
#define FAST_TIME_SENTINEL FAST_SPLIT_SUMS

/* Every stored sample is settled (agg_end == tail) whenever a call
 * returns: a window of the specialised copies with a lane (FAST_MM:
 * lateness 0, no REPLACE) settles a sample on arrival (push_fast,
 * push_in_order, push_sample), time only evicts, and a restore settles
 * what an image left pending (jj__window_decode). Its pushes and reads
 * then need not compare agg_end with the tail. */
static inline int all_settled(const jj_wshape *sh) {
  return (sh->fast & (FAST_ON | FAST_MM)) == (FAST_ON | FAST_MM);
}

static uint8_t fast_bits(const jj_wshape *sh) {
  if (sh->shared) return FAST_SHARED;
  if (sh->off_hr) return FAST_HOURLY;
  if (sh->kind == JJ_WINDOW_TUMBLING || (sh->mom & ~(unsigned)JJ_MOM_SUM) ||
      (sh->use_sketch && sh->use_minmax))
    return 0;
  if (sh->use_minmax && (sh->lateness_ms != 0 || sh->duplicates == JJ_DUP_REPLACE)) return 0;
  return (uint8_t)(FAST_ON | (sh->kind == JJ_WINDOW_SLIDING_TIME ? FAST_TIME : 0) |
                   (sh->use_minmax ? FAST_MM : 0) | (LANE_SIDES(sh) == 2 ? FAST_MM2 : 0) |
                   (sh->use_sketch ? FAST_SK : 0) |
                   (FAST_SPLIT_SUMS && sh->mom ? FAST_SUMS : 0));
}

/* The oldest sample leaves: evict_front_t(w, 1) for a sliding window
 * (win_end == tail) whose settled part is all of it when `mm` (the lane's
 * sides, 0: no lane). The sums
 * are the caller's copies (`cur`, `next`): kept in registers for the whole
 * push instead of stored and loaded again between the eviction and the
 * addition (the compiler must assume the ring stores in between may
 * alias them). Each push's sum is a chain through the previous one's: one
 * round trip through memory per push instead of two. */
JJ_HOT_INLINE void fast_evict(jj_window *w, const jj_wshape *sh, int mm, int sk, int sums,
                              jj_ksum *cur, jj_ksum *next) {
  const wpos pos = w->head;
  const uint32_t at = w->head_slot; /* (see head_rec) */
  const jj_ring_rec *r0 = &w->ring[at];
  /* The samples that leave next, a few pushes ahead: in a long window
   * they were stored long ago and are out of cache; this read would
   * otherwise wait for memory on every push. (A prefetch past the ring's
   * end is harmless.) */
  JJ_PREFETCH((const char *)r0 + 256);
  const int keeps = FAST_SPLIT_SUMS ? sums : sh->mom;
  double v0 = 0.0;
  if (keeps) {
    v0 = r0->val;
    /* (pos is head: the count before is win_end - pos) */
    gen_apply(cur, v0, 0, w->tail - pos); /* (sliding: the window ends at the tail) */
  }
  if (sk) jj__sketch_remove(&SK(w)->sketch, SK(w)->keys[at]);
  if (mm) jj__daba_evict(DABA(w), mm);
  w->head = pos + 1;
  /* (head_to, one step.) Without a lane, a mask, not a branch: taken
   * once a lap, it was mispredicted there (a 32-slot ring: every 32nd
   * push). With a lane, the branch: the conditional move cost max's push
   * 0.4 ns. */
  uint32_t hs = at + 1;
  if (mm) {
    if (JJ_UNLIKELY(hs == w->cap)) hs = 0;
  } else {
    hs &= -(uint32_t)(hs != w->cap);
  }
  w->head_slot = hs;
  /* head passes gen_pos (one test for both cases: gen_pos is head or the
   * next position): every sample `cur` has subtracted is gone. */
  const uint32_t to_gen = (wpos)(w->gen_pos - pos); /* (head <= gen_pos) */
  if (JJ_UNLIKELY(to_gen <= 1)) {
    /* pos == gen_pos: the sample was in `next` too (its count before is
     * the same: win_end - pos). */
    if (keeps && to_gen == 0) gen_apply(next, v0, 0, w->tail - pos);
    w->gen_pos = w->tail;
    if (!keeps) return;   /* (no sums: nothing to move) */
    cur->sum = next->sum; /* (field by field: see gen_clear) */
    cur->comp = next->comp;
    gen_clear(next);
  }
}

/* 1 when the sample was taken (JJ_OK), 0 when the general path must
 * decide. `time`, `mm`, `sk`, `sums` and `run` are constants at each call
 * (FAST_TIME, FAST_MM: mm is the lane's sides, 1 or 2 with FAST_MM2, 0
 * without a lane; FAST_SK, FAST_SUMS; sums -1: the shape says; run: in
 * jj_window_push_values's loop). */
JJ_HOT_INLINE int push_fast_t(jj_window *w, int64_t ts, double v, int time, int mm, int sk,
                              int sums, int run) {
  const jj_wshape *sh = w->shape;
  /* In order after a valid now, and valid (see push_in_order). */
  if (ts <= w->now || ts > JJ_TS_LIMIT || !jj__value_valid(v)) return 0; /* (see NO_NOW) */
  if (JJ_UNLIKELY(at_wrap(w))) return 0; /* (the general path carries) */
  const uint32_t n = w->tail - w->head;
  /* Never true (all_settled), and yet kept: without it a 16-sample
   * window's max push + read took 11.6 ns instead of 9.7 (count) and 11.5
   * instead of 10.9 (time), pinned, best of 40 runs; 1,024 samples within
   * 0.3 ns. Its early loads of DABA's end and front seem to help what
   * follows; why is not pinned down. A run's loop leaves it out: there it
   * costs six instructions a sample and keeps two more values live. */
  if (mm && !run && agg_end(w) != w->tail) return 0;
  if (time) {
    const int64_t cutoff = ts - sh->span_ms;
    /* Room: a full ring only takes the sample when its oldest expires. */
    if (n >= w->cap && head_ts(w) > cutoff) return 0;
  } else if (n < sh->count && n >= w->cap) {
    return 0; /* the ring grows first */
  }
  /* The sketch: its key once (a log()); a key without a counter yet takes
   * the general path, which allocates before anything changes. */
  int32_t key = 0;
  if (sk) {
    key = jj__sketch_key(&SK(w)->sketch, v);
    if (!jj__sketch_has(&SK(w)->sketch, key)) return 0;
  }
  /* The sums in registers (see fast_evict); not with DABA, whose state
   * needs the registers (six more saved per push) and whose windows are
   * read for min/max, not the sums. */
#if FAST_SPLIT_SUMS
  const int regs = sums > 0 && !mm;
  jj_ksum lcur = w->cur_sum, lnext = w->next_sum; /* (unused, so not loaded, unless regs) */
  jj_ksum *const cur = regs ? &lcur : &w->cur_sum, *const next = regs ? &lnext : &w->next_sum;
#else /* (sums -1: one copy for both) */
  jj_ksum *const cur = &w->cur_sum, *const next = &w->next_sum;
#endif
  const wpos pos = w->tail;
  uint32_t at;
  if (time) {
    const int64_t cutoff = ts - sh->span_ms;
    w->now = ts;
#if FAST_TIME_SENTINEL
    /* A full ring's oldest expires (tested above): it leaves first, its
     * slot is the new sample's. */
    if (n >= w->cap) fast_evict(w, sh, mm, sk, sums, cur, next);
    /* The new sample stored first (its slot does not move with head)
     * ends the loop: ts > cutoff, so no test of head against the tail. */
    at = slot(w, pos);
    w->ring[at].ts = ts;
    w->ring[at].val = v;
    while (head_ts(w) <= cutoff) fast_evict(w, sh, mm, sk, sums, cur, next);
#else
    while (w->head != w->tail && head_ts(w) <= cutoff) fast_evict(w, sh, mm, sk, sums, cur, next);
    at = slot(w, pos);
    w->ring[at].ts = ts;
    w->ring[at].val = v;
#endif
  } else {
    if (n >= sh->count) {
      w->now = ts;
      fast_evict(w, sh, mm, sk, sums, cur, next); /* the newest `count` stay: the oldest goes */
    } else {
      w->now = ts;
    }
    at = slot(w, pos);
    w->ring[at].ts = ts;
    w->ring[at].val = v;
  }
  w->tail = pos + 1;
  if (FAST_SPLIT_SUMS ? sums : sh->mom) {
    gen_apply(cur, v, 1, 0); /* (an addition needs no count) */
    gen_apply(next, v, 1, 0); /* (gen_pos <= win_end, the tail: pos is in `next`) */
#if FAST_SPLIT_SUMS
    if (regs) {
      w->cur_sum = lcur;
      w->next_sum = lnext;
    }
#endif
  }
  if (sk) {
    SK(w)->keys[at] = key;
    jj__sketch_add(&SK(w)->sketch, key);
  }
  w->accepted++;
  if (mm) jj__daba_push(DABA(w), minmax_lift(sh, v, mm), mm); /* settled on arrival: lateness 0 */
  return 1;
}

/* A single push's. */
JJ_HOT_INLINE int push_fast(jj_window *w, int64_t ts, double v, int time, int mm, int sk,
                            int sums) {
  return push_fast_t(w, ts, v, time, mm, sk, sums, 0);
}

static jj_status push_sample(jj_window *w, int64_t ts, double v);
static jj_status push_general(jj_window *w, int64_t ts, double v);
#ifndef JJ_NO_SHARED_RINGS
static jj_status push_shared(jj_window *w, int64_t ts, double v);
#else
#define push_shared push_general /* no shape is shared: never runs */
#endif

/* ---- reads after a push ------------------------------------------------ */

/* jj_window_value for an enabled `agg`, `w` and `out` valid: every
 * aggregate, every check but those. */
static JJ_NOINLINE jj_status value_general(const jj_window *w, jj_agg agg, double *out) {
  const uint32_t n = wend(w) - w->head;
  double v = compute(w, agg);
  *out = v;
  if (n == 0 || isnan(v)) return JJ_ENODATA;
  return is_complete(w, n) ? JJ_OK : JJ_EINCOMPLETE;
}

/* The same. The reads a rule makes after every push (sum, mean, min, max
 * of a non-empty window) without compute()'s switch and in few enough
 * registers to save none; everything else out of line. `mm`: the lane's
 * sides (0: no lane, -1: the shape says, MM_POS1: a shared ring member's
 * min or max, the member holding samples, in its lane's common form, one
 * side of 16-bit positions); `settled`: the caller knows all_settled (a
 * constant: no agg_end test). */
#define MM_POS1 (-2)
/* The fast reads' value for a window of n > 0 samples that ends at `end`
 * (value_enabled_t's and bulk_read's): sum or mean from the sums, else
 * min or max from DABA, every sample settled (the caller checked). */
JJ_HOT_INLINE double fast_value_t(const jj_window *w, jj_agg agg, uint32_t n, int mm) {
  if (mm != MM_POS1 && (agg == JJ_AGG_SUM || agg == JJ_AGG_MEAN)) {
    const double v = jj_ksum_value(&w->cur_sum);
    return agg == JJ_AGG_MEAN ? v / (double)(int64_t)n : v; /* (n < 2^30: a signed convert) */
  }
  const jj_wshape *sh = w->shape;
  const int sides = mm > 0 ? mm : mm == MM_POS1 ? 1 : LANE_SIDES(sh);
  jj_minmax q;
  if (mm == MM_POS1 || (mm < 0 && MM_POS(sh))) {
    jj_lanev rv = lanev_of(w);
    if (mm == MM_POS1 || (sides == 1 && !rv.wide)) { /* (the common form, as constants) */
      rv.wide = 0;
      q = jj__dabap_query(CDABA(w), &rv, 1);
    } else {
      q = jj__dabap_query(CDABA(w), &rv, sides);
    }
  } else { /* (the deque is [head, end): not empty) */
    q = jj__daba_query_some(CDABA(w), sides);
  }
  /* One side: the one enabled (v or -v in the lane, see minmax_lift). */
  if (sides == 1) return q.lo * sh->mm_sign;
  return agg == JJ_AGG_MIN ? q.lo : -q.nhi;
}

/* *out = v, read from n samples: its status. */
JJ_HOT_INLINE jj_status fast_result(const jj_window *w, uint32_t n, double v, double *out) {
  *out = v;
  if (isnan(v)) return JJ_ENODATA; /* (pushes never make one; a restored image might) */
  return is_complete(w, n) ? JJ_OK : JJ_EINCOMPLETE;
}

JJ_HOT_INLINE jj_status value_enabled_t(const jj_window *w, jj_agg agg, double *out, int mm,
                                        int settled) {
#ifndef JJ_NO_FORCE_INLINE /* (built for size: one path) */
  /* (mm != -1: a specialised copy's window or a member, sliding: it ends at the tail) */
  const wpos end = mm != -1 ? w->tail : wend(w);
  if (mm == MM_POS1 || ((unsigned)agg - 1u <= (mm ? 3u : 1u) && end != w->head)) {
    const uint32_t n = end - w->head;
    /* Sums need nothing settled; DABA holds only settled samples (always
     * all of them with lateness 0). */
    if ((mm != MM_POS1 && (agg == JJ_AGG_SUM || agg == JJ_AGG_MEAN)) || settled ||
        agg_end(w) == end)
      return fast_result(w, n, fast_value_t(w, agg, n, mm), out);
    return value_general(w, agg, out);
  }
#else
  (void)mm, (void)settled;
#endif
  return value_general(w, agg, out);
}

/* Any window (its lane as the shape says). */
JJ_HOT_INLINE jj_status value_enabled(const jj_window *w, jj_agg agg, double *out) {
  return value_enabled_t(w, agg, out, -1, 0);
}

#ifndef JJ_NO_FORCE_INLINE /* (built for size: jj_window_value has one path) */
/* The same, out of line: jj_window_value's read of what its specialised
 * copies do not cover (TUMBLING, lanes of positions), so that its common
 * path saves no registers for it. */
static JJ_NOINLINE jj_status value_other(const jj_window *w, jj_agg agg, double *out) {
  return value_enabled(w, agg, out);
}
#endif

/* jj_window_push_value once its arguments are checked: the push, then,
 * when it took the sample, the read. */
JJ_HOT_INLINE jj_status read_after(const jj_window *w, jj_status pushed, jj_agg agg, double *out) {
  if (pushed != JJ_OK) {
    *out = NAN;
    return pushed;
  }
  return value_enabled(w, agg, out);
}

/* A status of jj_window_push_value that is a push's refusal (the sample
 * not taken), not a read's. */
static inline int refused(jj_status st) {
  return st != JJ_OK && st != JJ_EINCOMPLETE && st != JJ_ENODATA;
}

#ifdef JJ_NO_FORCE_INLINE
/* Built for size (JJ_FORCE_INLINE=OFF): no specialised copies, the
 * general path only (flash counts more than instructions there). */
jj_status jj_window_push(jj_window *w, int64_t ts, double v) {
  if (!w) return JJ_EINVAL;
  if (w->shape->shared) return push_shared(w, ts, v);
  return push_general(w, ts, v);
}

static jj_status push_value(jj_window *w, int64_t ts, double v, jj_agg agg, double *out) {
  return read_after(w, jj_window_push(w, ts, v), agg, out);
}
#else
/* Each specialised copy is a function of its own: what it keeps in
 * registers is its own business (one function with all of them saved six
 * registers on every push). */
#define PUSH_FAST_FN(name, time, mm, sk, sums)                          \
  static JJ_NOINLINE jj_status name(jj_window *w, int64_t ts, double v) { \
    if (push_fast(w, ts, v, time, mm, sk, sums)) return JJ_OK;          \
    return push_general(w, ts, v);                                      \
  }
#define NOSUMS (FAST_SPLIT_SUMS ? 0 : -1) /* the copies without FAST_SUMS */
/* The list of copies, (name, time, mm, sk, sums), written once for both
 * entry points: FN defines the copy P##name (S: "_s" for the FAST_SUMS ones). */
#ifndef JJ_NO_SKETCH /* (no percentile window then: FAST_SK is never set) */
#define FAST_COPIES_SK(FN, P, S, sums) \
  FN(P##fast_count_sk##S, 0, 0, 1, sums) FN(P##fast_time_sk##S, 1, 0, 1, sums)
#else
#define FAST_COPIES_SK(FN, P, S, sums)
#endif
#define FAST_COPIES_OF(FN, P, S, sums)                                                   \
  FN(P##fast_count##S, 0, 0, 0, sums) FN(P##fast_time##S, 1, 0, 0, sums)                  \
  FN(P##fast_count_mm##S, 0, 1, 0, sums) FN(P##fast_time_mm##S, 1, 1, 0, sums)            \
  FN(P##fast_count_mm2##S, 0, 2, 0, sums) FN(P##fast_time_mm2##S, 1, 2, 0, sums)          \
  FAST_COPIES_SK(FN, P, S, sums)
#if FAST_SPLIT_SUMS
#define FAST_COPIES(FN, P) FAST_COPIES_OF(FN, P, , NOSUMS) FAST_COPIES_OF(FN, P, _s, 1)
#else
#define FAST_COPIES(FN, P) FAST_COPIES_OF(FN, P, , NOSUMS)
#endif
FAST_COPIES(PUSH_FAST_FN, push_)
#ifdef JJ_NO_SKETCH
#define push_fast_count_sk push_general
#define push_fast_time_sk push_general
#if FAST_SPLIT_SUMS
#define push_fast_count_sk_s push_general
#define push_fast_time_sk_s push_general
#endif
#endif
#undef PUSH_FAST_FN

/* Indexed by the shape's FAST_* bits: 0 is the general path straight
 * (moments, tumbling, ...), FAST_HOURLY the general path with the hourly
 * part; combinations fast_bits never makes (MM with SK; SUMS without ON)
 * go the general way too. The layout is written once for both tables
 * (jj_window_push's and jj_window_push_value's): P is the copies' prefix,
 * G the entry for the bit patterns that have no copy of their own. */
#define FAST_TABLE (FAST_SPLIT_SUMS ? 128 : 64) /* FAST_* bits in use */
#define FAST_ROWS_0_63(P, G)                                                          \
  G, P##fast_count, G, P##fast_time,       /* 0-3: -, ON, TIME, ON|TIME */           \
  G, P##fast_count_mm, G, P##fast_time_mm, /* 4-7: + MM */                           \
  G, P##fast_count_sk, G, P##fast_time_sk, /* 8-11: + SK */                          \
  G, G, G, G,                              /* 12-15: MM and SK: never */             \
  P##general, G, G, G,                     /* 16: FAST_HOURLY */                     \
  G, P##fast_count_mm2, G, P##fast_time_mm2, /* 20-23: + MM + MM2 */                 \
  G, G, G, G, G, G, G, G,                  /* 24-31 */                               \
  P##shared, G, G, G, G, G, G, G,          /* 32: FAST_SHARED */                     \
  G, G, G, G, G, G, G, G, G, G, G, G, G, G, G, G, G, G, G, G, G, G, G, G /* 40-63 */
#define FAST_ROWS_64_127(P, G)                                                        \
  G, P##fast_count_s, G, P##fast_time_s,       /* 64-67: + SUMS */                   \
  G, P##fast_count_mm_s, G, P##fast_time_mm_s, /* 68-71: + MM */                     \
  G, P##fast_count_sk_s, G, P##fast_time_sk_s, /* 72-75: + SK */                     \
  G, G, G, G, G, G, G, G,                                    /* 76-83: never */  \
  G, P##fast_count_mm2_s, G, P##fast_time_mm2_s, /* 84-87: + MM + MM2 */             \
  G, G, G, G, G, G, G, G,                                    /* 88-95: never */  \
  G, G, G, G, G, G, G, G, G, G, G, G, G, G, G, G,                                    \
  G, G, G, G, G, G, G, G, G, G, G, G, G, G, G, G /* 96-127 */
static jj_status (*const k_push[])(jj_window *, int64_t, double) = {
    FAST_ROWS_0_63(push_, push_sample),
#if FAST_SPLIT_SUMS
    FAST_ROWS_64_127(push_, push_sample),
#endif
};

jj_status jj_window_push(jj_window *w, int64_t ts, double v) {
  if (!w) return JJ_EINVAL;
  return k_push[w->shape->fast & (FAST_TABLE - 1u)](w, ts, v);
}

/* jj_window_push_value: the same copies, each followed by the read (no
 * second call, and the read finds the sums the push just wrote). */
static JJ_NOINLINE jj_status pv_general(jj_window *w, int64_t ts, double v, jj_agg agg,
                                        double *out) {
  return read_after(w, push_general(w, ts, v), agg, out);
}
/* (The general path a tail call: the copy then saves no registers.) */
#define PUSH_VALUE_FN(name, time, mm, sk, sums)                                                    \
  static JJ_NOINLINE jj_status name(jj_window *w, int64_t ts, double v, jj_agg agg, double *out) { \
    if (push_fast(w, ts, v, time, mm, sk, sums))                                                   \
      return value_enabled_t(w, agg, out, mm, (mm) > 0); /* (mm: FAST_MM, all_settled) */          \
    return pv_general(w, ts, v, agg, out);                                                         \
  }
FAST_COPIES(PUSH_VALUE_FN, pv_)
#undef PUSH_VALUE_FN

/* jj_window_push_values: the same copies, each a loop over a run of
 * samples, the push and the read inlined with the copy's constants.
 * Where the read is one of value_enabled_t's own (bulk_reads), the loop
 * works on a copy of the window's core and lane in its frame
 * (bulk_state): nothing else can reach it, so the compiler keeps the
 * positions, sums and DABA's boundaries in registers from one sample to
 * the next, where on the window itself every store to the ring, the lane
 * or `out` would make it load them again. A sample the copy does not take
 * goes to the general path on the window itself, the copy written back
 * before and read again after: the same operations in the same order as
 * single calls, so the same results to the last bit. */
static jj_status push_values_each(jj_window *w, const int64_t *ts, const double *v, size_t n,
                                  jj_agg agg, double *out, jj_status *status);

typedef struct bulk_state {
  jj_window w;
  minmax_part mm; /* (right after the core, where DABA() looks) */
} bulk_state;
_Static_assert(offsetof(bulk_state, mm) == sizeof(jj_window), "DABA(&s.w) is s.mm");

JJ_HOT_INLINE void bulk_load(bulk_state *s, const jj_window *w, int mm) {
  s->w = *w;
  if (mm) s->mm = *(const minmax_part *)CPART_AT(w, sizeof(jj_window));
}

JJ_HOT_INLINE void bulk_store(jj_window *w, const bulk_state *s, int mm) {
  *w = s->w;
  if (mm) *(minmax_part *)PART_AT(w, sizeof(jj_window)) = s->mm;
}

/* The reads bulk_read makes: sum and mean, and min and max with a lane
 * (value_enabled_t's fast ones for a specialised copy's window). */
static inline int bulk_reads(jj_agg agg, int mm) { return (unsigned)agg - 1u <= (mm ? 3u : 1u); }

/* value_enabled_t(w, agg, out, mm, 1) for a bulk_reads `agg` just after
 * push_fast took a sample (the window is not empty), without its
 * fallback to value_general, which would need the window's address
 * (bulk_state then could not stay in registers). */
JJ_HOT_INLINE jj_status bulk_read(const jj_window *w, jj_agg agg, double *out, int mm) {
  const uint32_t n = w->tail - w->head;
  return fast_result(w, n, fast_value_t(w, agg, n, mm), out);
}

/* The loop of a copy, for one read (`agg` a constant at each call). */
JJ_HOT_INLINE jj_status bulk_loop(jj_window *w, const int64_t *restrict ts,
                                  const double *restrict v, size_t n, jj_agg agg,
                                  double *restrict out, jj_status *restrict status, int time, int mm,
                                  int sums) {
  bulk_state s;
  bulk_load(&s, w, mm);
  jj_status first = JJ_OK;
  for (size_t i = 0; i < n; i++) {
    jj_status st;
    if (push_fast_t(&s.w, ts[i], v[i], time, mm, 0, sums, 1)) {
      st = bulk_read(&s.w, agg, &out[i], mm);
    } else { /* the general path decides, on the window itself */
      bulk_store(w, &s, mm);
      st = pv_general(w, ts[i], v[i], agg, &out[i]);
      bulk_load(&s, w, mm);
      /* (a refusal comes from here only: push_fast took the others) */
      if (refused(st) && first == JJ_OK) first = st;
    }
    if (status) status[i] = st;
  }
  bulk_store(w, &s, mm);
  return first;
}

JJ_HOT_INLINE jj_status push_values_fast(jj_window *w, const int64_t *restrict ts,
                                         const double *restrict v, size_t n, jj_agg agg,
                                         double *restrict out, jj_status *restrict status, int time,
                                         int mm, int sk, int sums) {
  /* The sketch's part is not in bulk_state; other reads may need
   * value_general: one call a sample. */
  if (sk || !bulk_reads(agg, mm)) return push_values_each(w, ts, v, n, agg, out, status);
  /* A loop for each read, so that it tests no `agg` (sums 0: no sum or
   * mean is enabled). */
  if (sums && agg == JJ_AGG_SUM)
    return bulk_loop(w, ts, v, n, JJ_AGG_SUM, out, status, time, mm, sums);
  if (sums && agg == JJ_AGG_MEAN)
    return bulk_loop(w, ts, v, n, JJ_AGG_MEAN, out, status, time, mm, sums);
  if (!mm) return push_values_each(w, ts, v, n, agg, out, status); /* (never: bulk_reads) */
  if (mm == 2 && agg == JJ_AGG_MIN)
    return bulk_loop(w, ts, v, n, JJ_AGG_MIN, out, status, time, mm, sums);
  /* The maximum, or the one side a one-sided lane keeps (min or max: its
   * read is the same, see bulk_read). */
  return bulk_loop(w, ts, v, n, JJ_AGG_MAX, out, status, time, mm, sums);
}

#define PUSH_VALUES_FN(name, time, mm, sk, sums)                                        \
  static JJ_NOINLINE jj_status name(jj_window *w, const int64_t *restrict ts,           \
                                    const double *restrict v, size_t n, jj_agg agg,     \
                                    double *restrict out, jj_status *restrict status) { \
    return push_values_fast(w, ts, v, n, agg, out, status, time, mm, sk, sums);         \
  }
FAST_COPIES(PUSH_VALUES_FN, pvs_)
#undef PUSH_VALUES_FN
#undef FAST_COPIES
#undef FAST_COPIES_OF
#undef FAST_COPIES_SK
#undef NOSUMS

static JJ_NOINLINE jj_status pv_sample(jj_window *w, int64_t ts, double v, jj_agg agg,
                                       double *out) {
  return read_after(w, push_sample(w, ts, v), agg, out);
}
#ifndef JJ_NO_SHARED_RINGS
static jj_status pv_shared(jj_window *w, int64_t ts, double v, jj_agg agg, double *out);
#else
static JJ_NOINLINE jj_status pv_shared(jj_window *w, int64_t ts, double v, jj_agg agg,
                                       double *out) {
  return read_after(w, push_shared(w, ts, v), agg, out);
}
#endif
#ifdef JJ_NO_SKETCH
#define pv_fast_count_sk pv_general
#define pv_fast_time_sk pv_general
#if FAST_SPLIT_SUMS
#define pv_fast_count_sk_s pv_general
#define pv_fast_time_sk_s pv_general
#endif
#endif

/* As k_push. */
static jj_status (*const k_push_value[])(jj_window *, int64_t, double, jj_agg, double *) = {
    FAST_ROWS_0_63(pv_, pv_sample),
#if FAST_SPLIT_SUMS
    FAST_ROWS_64_127(pv_, pv_sample),
#endif
};
/* As k_push: the general entries loop over push_value. */
#define pvs_general push_values_each
#define pvs_shared push_values_each
#ifdef JJ_NO_SKETCH
#define pvs_fast_count_sk push_values_each
#define pvs_fast_time_sk push_values_each
#if FAST_SPLIT_SUMS
#define pvs_fast_count_sk_s push_values_each
#define pvs_fast_time_sk_s push_values_each
#endif
#endif
static jj_status (*const k_push_values[])(jj_window *, const int64_t *, const double *, size_t,
                                          jj_agg, double *, jj_status *) = {
    FAST_ROWS_0_63(pvs_, push_values_each),
#if FAST_SPLIT_SUMS
    FAST_ROWS_64_127(pvs_, push_values_each),
#endif
};
#undef pvs_general
#undef pvs_shared
_Static_assert(sizeof k_push_values / sizeof k_push_values[0] == FAST_TABLE,
               "k_push_values covers every bit pattern");
#undef FAST_ROWS_0_63
#undef FAST_ROWS_64_127
/* A row too few would leave NULL entries: the tables are exactly the bits. */
_Static_assert(sizeof k_push / sizeof k_push[0] == FAST_TABLE, "k_push covers every bit pattern");
_Static_assert(sizeof k_push_value / sizeof k_push_value[0] == FAST_TABLE,
               "k_push_value covers every bit pattern");

static jj_status push_value(jj_window *w, int64_t ts, double v, jj_agg agg, double *out) {
  return k_push_value[w->shape->fast & (FAST_TABLE - 1u)](w, ts, v, agg, out);
}

static jj_status push_values(jj_window *w, const int64_t *ts, const double *v, size_t n, jj_agg agg,
                             double *out, jj_status *status) {
  return k_push_values[w->shape->fast & (FAST_TABLE - 1u)](w, ts, v, n, agg, out, status);
}
#endif

jj_status jj__window_push_value(jj_window *w, int64_t ts, double v, jj_agg agg, double *out) {
  return push_value(w, ts, v, agg, out);
}

jj_status jj_window_push_value(jj_window *w, int64_t ts_ms, double value, jj_agg agg,
                               double *out) {
  /* Checked before the push: JJ_EINVAL then never means "taken". */
  if (!w || !out || (unsigned)agg >= JJ_AGG__COUNT ||
      !(w->shape->aggregates & JJ_AGG_BIT(agg))) {
    if (out) *out = NAN;
    return JJ_EINVAL;
  }
  return push_value(w, ts_ms, value, agg, out);
}

/* n calls' worth of push_value, one call a sample: the windows the bulk
 * copies do not cover, and the build for size (one loop for all). */
static jj_status push_values_each(jj_window *w, const int64_t *ts, const double *v, size_t n,
                                  jj_agg agg, double *out, jj_status *status) {
  jj_status first = JJ_OK;
  for (size_t i = 0; i < n; i++) {
    const jj_status st = push_value(w, ts[i], v[i], agg, &out[i]);
    if (status) status[i] = st;
    if (refused(st) && first == JJ_OK) first = st;
  }
  return first;
}

jj_status jj_window_push_values(jj_window *w, const int64_t *ts_ms, const double *values, size_t n,
                                jj_agg agg, double *out, jj_status *status) {
  /* Checked before the run (as n calls would each refuse). */
  if (!w || (n && (!ts_ms || !values || !out)) || (unsigned)agg >= JJ_AGG__COUNT ||
      !(w->shape->aggregates & JJ_AGG_BIT(agg))) {
    for (size_t i = 0; i < n; i++) {
      if (out) out[i] = NAN;
      if (status) status[i] = JJ_EINVAL;
    }
    return JJ_EINVAL;
  }
  if (n == 0) return JJ_OK;
#ifdef JJ_NO_FORCE_INLINE
  return push_values_each(w, ts_ms, values, n, agg, out, status);
#else
  return push_values(w, ts_ms, values, n, agg, out, status);
#endif
}

/* Everything but the specialised path: kept out of line, so that path
 * saves no registers for it. */
static JJ_NOINLINE jj_status push_general(jj_window *w, int64_t ts, double v) {
  if (!w->shape->off_hr) return push_sample(w, ts, v);
  jj_hourly *hr = HOURLY(w);
  const uint64_t dups = rare_of(w)->duplicates;
  jj_status st = push_sample(w, ts, v);
  /* A replaced duplicate updated its hour itself (push_sample). */
  if (st == JJ_OK && !(w->shape->duplicates == JJ_DUP_REPLACE && rare_of(w)->duplicates != dups))
    jj__hourly_add(hr, ts, v);
  return st;
}

static jj_status push_sample(jj_window *w, int64_t ts, double v) {
  const jj_wshape *sh = w->shape;
  jj_status fast;
  if ((sh->mom & ~(unsigned)JJ_MOM_SUM) == 0 && !sh->use_sketch) {
    if (push_in_order(w, ts, v, &fast, 1)) return fast;
  } else if (push_in_order(w, ts, v, &fast, 0)) {
    return fast;
  }
  /* jj__sample_check's tests, written out so the compiler shares them
   * with the fast path's guard (one instruction less per push there). */
  if (!isfinite(v)) return rare_count(w, offsetof(window_rare, rejected_invalid), JJ_ENAN);
  if (!jj__ts_valid(ts) || !jj__value_valid(v))
    return rare_count(w, offsetof(window_rare, rejected_invalid), JJ_EINVAL);
  if (has_now(w) && ts < watermark(w))
    return rare_count(w, offsetof(window_rare, rejected_late), JJ_ELATE);
  /* A duplicate, or a sample older than all a full count window holds,
   * needs a stored sample as late as ts; a refusal a full ring (time
   * moving only takes samples out); a wrap accepted's high half: the rare
   * counters first. */
  if (!w->rare &&
      ((w->tail != w->head && ts_at(w, w->tail - 1) >= ts) ||
       w->tail - w->head >= sh->max_samples || at_wrap(w)) &&
      !rare_make(w))
    return JJ_ENOMEM;

  /* Allocate before anything changes: JJ_ENOMEM leaves the window as it
   * was ("the object is unchanged"), time included. */
  int32_t key = KEY_UNKNOWN;
  if (sh->use_sketch) {
    key = jj__sketch_key(&SK(w)->sketch, v);
    if (jj__sketch_reserve(&SK(w)->sketch, &sh->alc, key)) return JJ_ENOMEM;
  }
  if (grow_if_full(w, ts) != JJ_OK) return JJ_ENOMEM;

  if (sh->kind == JJ_WINDOW_TUMBLING && !TUM(w)->has_boundary) init_boundary(w, ts);
  /* Time moves first, so expired samples make room before the cap check. */
  if (!has_now(w) || ts > w->now) {
    w->now = ts;
    apply_time(w);
  }

  wpos pos = insert_pos(w, ts);
  if (pos != w->head && ts_at(w, pos - 1) == ts) {
    w->rare->duplicates++; /* (made above) */
    if (sh->duplicates == JJ_DUP_REJECT) return JJ_EDUPLICATE;
    if (sh->duplicates == JJ_DUP_REPLACE) {
      /* The stored sample is pending (it is not older than the watermark),
       * so only the sums need to change. */
      wpos at = pos - 1;
      if (sh->off_hr) jj__hourly_replace(HOURLY(w), ts, val_at(w, at), v);
      if (pos_lt(at, wend(w))) {
        leave(w, at, ts, val_at(w, at));
        account_g(w, at, ts, v, 1, 0, key, 1); /* (the count lacks the old one) */
      }
      rec_at(w, at)->val = v;
      if (sh->use_sketch) SK(w)->keys[slot(w, at)] = key;
      accept_one(w);
      w->rare->accepted_less_tail++; /* (counted, not stored) */
      return JJ_OK;
    }
  }

  /* A full count window keeps the newest `count` by timestamp: its oldest
   * leaves before the new one is stored (so count slots suffice), or the
   * new one, if older than all, is counted in and out at once (accepted,
   * and so evicted: see jj_window_counters_get). */
  if (sh->kind == JJ_WINDOW_SLIDING_COUNT && w->tail - w->head >= sh->count) {
    if (pos == w->head) { /* (older than the tail: the rare counters made above) */
      accept_one(w);
      w->rare->accepted_less_tail++; /* (counted, not stored) */
      return JJ_OK;
    }
    evict_front(w);
  }
  /* grow_if_full left room unless the ring is at max_samples, where this
   * check rejects first. */
  if (w->tail - w->head >= sh->max_samples) {
    w->rare->rejected_full++; /* (made above) */
    return JJ_EFULL;
  }

  /* The counts before it (account_k reads them off the positions), then
   * the ring. */
  const int in_window = sh->kind != JJ_WINDOW_TUMBLING || ts < TUM(w)->boundary;
  if (in_window) account_k(w, pos, ts, v, 1, 0, key);
  ring_insert(w, pos, ts, v, key);
  if (pos_lt(pos, w->gen_pos)) w->gen_pos++; /* positions after pos shifted by one */
  if (in_window && sh->kind == JJ_WINDOW_TUMBLING) TUM(w)->win_end++;
  accept_one(w);

  /* apply_time settled everything else when time moved; the new sample
   * is settled now when it is at the watermark (lateness 0). */
  settle(w);
  if (sh->kind == JJ_WINDOW_SLIDING_COUNT)
    while (w->tail - w->head > sh->count) evict_front(w);
  return JJ_OK;
}
/* ---- shared rings ---------------------------------------------------------
 * The sliding time windows of one series that take exactly the same
 * samples (same lateness, duplicate policy and cap; no sketch, no hourly
 * part) keep them in one ring, a jj_wring, instead of a copy each: 20
 * rules over windows of 30 s .. 125 s of a 1 Hz series hold 125 samples,
 * not 1,550. Every member numbers positions alike (the same tail; a
 * position is at the same slot in each: member bases are base0 plus a
 * multiple of cap), and keeps its own head, agg_end, sums and DABA lane
 * (sized for its own samples, growing by an eighth as it fills; a lane
 * of positions, minmax_pos.h, reading the values from the ring).
 *
 *   ring:  lo ..... head(125 s) ..... head(30 s) ..... tail
 *          |<- the longest member ------------------------>|
 *                                |<- the shortest -------->|
 *
 * The engine pushes each member the same samples in turn. The first push
 * of a sample (the "leader") does it for all: moves every member to the
 * same time, grows the ring (or a lane) when needed, stores the sample
 * once and accounts it in every member; the other members' pushes then
 * only return its status (shared_part.seq tells them apart from a new
 * sample). Decisions are the ring's: a sample is late, a duplicate, or
 * refused JJ_EFULL (the ring holds max_samples, i.e. the longest member
 * is full) for every member at once, each counting it. A member that is
 * empty while the others hold samples (a window reset, or added by a
 * reload) starts at the tail. */
/* The first lane: what a private window's first ring would give. */
static uint32_t first_lane(const jj_wshape *sh) {
  return INITIAL_CAPACITY < sh->max_samples ? INITIAL_CAPACITY : sh->max_samples;
}

#ifndef JJ_NO_SHARED_RINGS
struct jj_wring {
  jj_ring_rec *ring;
  uint32_t cap, max_samples;
  wpos base0;      /* the position at slot 0 on some lap: every member's base is base0 + k cap
                      (at most 2^31 behind the tail: ring_rebase) */
  wpos tail;       /* every member's tail */
  uint32_t tail_hi; /* the tail's high half (positions wrap): shared_tail64 */
  uint32_t seq;    /* operations (pushes) so far (only compared: may wrap) */
  jj_status status;/* the last one's */
  /* What ring_push_in_order's pass found for the next sample, valid while
   * `due` is known (derived: never saved; both in what was padding):
   * ready_in, when not 0, a sample at least that many ms after the
   * members' time passes that function's tests of every member
   * (member_ready); lo, the oldest member head. */
  uint32_t ready_in;
  int64_t due;     /* jj__wring_due as ring_push_in_order left it; DUE_UNKNOWN after any
                      other change to a member (derived: never saved) */
  uint32_t n, room, nlive; /* members joined, room for, not yet freed */
  wpos lo;
  jj_allocator alc;
  jj_window *m[];  /* the members */
};

int jj__window_config_shareable(const jj_window_config *cfg) {
  /* Sums at most the plain sum (moments_needed): the members' accounting
   * is then the light one (the higher moments' is 3 KB of code a copy). */
  return cfg->kind == JJ_WINDOW_SLIDING_TIME && !cfg->preallocate &&
         !(cfg->aggregates & JJ_AGG_BIT(JJ_AGG_PERCENTILE)) &&
         (moments_needed(cfg->aggregates) & ~(unsigned)JJ_MOM_SUM) == 0 &&
         !jj__hourly_wanted(cfg->aggregates);
}

int jj__window_share_key(const jj_window_config *cfg, jj_wshare_key *out) {
  jj_window_config c = *cfg;
  if (normalize(&c) != JJ_OK || !jj__window_config_shareable(&c)) return 0;
  out->lateness_ms = c.lateness_ms;
  out->max_samples = c.max_samples;
  out->duplicates = (uint32_t)c.duplicates;
  return 1;
}

/* jj_wring.due when the members changed otherwise than by
 * ring_push_in_order (time_due is never INT64_MIN). */
#define DUE_UNKNOWN INT64_MIN
static void ring_due_unknown(jj_window *m) { SHP(m)->g->due = DUE_UNKNOWN; }

/* The member's base for the ring's current geometry (head >= base0). */
static void member_map(jj_window *m, const jj_wring *g) {
  m->ring = g->ring;
  m->cap = g->cap;
  m->head_slot = (wpos)(m->head - g->base0) % g->cap; /* base: base0 + k cap */
}

/* Positions wrap (every 2^32 samples), so base0 must not fall 2^31 or
 * more behind the tail (member_map's distance would no longer be exact):
 * moved on by a multiple of cap it stays every member's base, and at
 * most the ring's live start (tail - cap). Called as the tail moves.
 * A test build moves it far sooner (tests/CMakeLists.txt,
 * test_shared_ring_rebase): at 2^31 no test would ever see it. */
#ifndef JJ_RING_REBASE_DISTANCE
#define JJ_RING_REBASE_DISTANCE INT32_MAX
#endif
#ifdef JJ_TEST_RING_REBASE
unsigned long jj__test_ring_rebases;
#endif
static inline void ring_rebase(jj_wring *g) {
  const wpos d = g->tail - g->base0;
  if (JJ_UNLIKELY(d > JJ_RING_REBASE_DISTANCE) && g->cap) { /* (cap 0: nothing held) */
    const uint32_t laps = d / g->cap; /* (a distance of less than 2 cap stays) */
    if (laps > 1) {
      g->base0 += (laps - 1) * g->cap;
#ifdef JJ_TEST_RING_REBASE
      jj__test_ring_rebases++;
#endif
    }
  }
}

/* The ring's tail, one up (its high half too). */
static inline void ring_tail_step(jj_wring *g) {
  if (JJ_UNLIKELY(++g->tail == 0)) g->tail_hi++;
  ring_rebase(g);
}

/* A member's tail as a 64-bit number: the ring's. */
static uint64_t shared_tail64(const jj_window *w) {
  const jj_wring *g = CSHP(w)->g;
  return (uint64_t)g->tail_hi << 32 | g->tail;
}

/* The member with the oldest head: its range is the ring's live part. */
static jj_window *ring_ref(const jj_wring *g) {
  jj_window *ref = g->m[0];
  for (uint32_t i = 1; i < g->n; i++)
    if (pos_lt(g->m[i]->head, ref->head)) ref = g->m[i];
  return ref;
}

/* An empty member stands at the tail, where its next sample goes. */
static void member_empty_at(jj_window *m, jj_wring *g, wpos pos) {
  g->due = DUE_UNKNOWN;
  m->head = m->tail = m->gen_pos = pos;
  member_map(m, g);
  if (m->shape->use_minmax) jj__daba_reset(DABA(m));
}

/* A ring of `newcap` slots whose slot 0 holds position `lo` (<= the live
 * part's start), keeping the live samples. */
static jj_status ring_resize(jj_wring *g, uint32_t newcap, wpos lo) {
  jj_ring_rec *nring = jj__malloc(&g->alc, (size_t)newcap * sizeof *nring);
  if (!nring) return JJ_ENOMEM;
  const jj_window *ref = ring_ref(g);
  for (wpos p = ref->head; p != g->tail; p++) nring[(wpos)(p - lo)] = *rec_at(ref, p);
  jj__free(&g->alc, g->ring);
  g->ring = nring;
  g->cap = newcap;
  g->base0 = lo;
  for (uint32_t i = 0; i < g->n; i++) member_map(g->m[i], g);
  return JJ_OK;
}

/* Room in a member's DABA lane for `need` positions (<= max_samples):
 * an eighth more, as a ring grows (grown_cap), or `need` if more. */
static jj_status lane_reserve(jj_window *m, uint64_t need) {
  const jj_wshape *sh = m->shape;
  jj_daba *d = DABA(m);
  if (need <= jj__daba_cap(d)) return JJ_OK;
  uint32_t size = grown_cap(jj__daba_cap(d), sh->max_samples);
  if (size < need) size = (uint32_t)need;
  double *lane = jj__malloc(&sh->alc, lane_bytes(sh, size));
  if (!lane) return JJ_ENOMEM;
  double *old = d->agg;
  jj__dabap_move(d, lane, size, LANE_SIDES(sh), MM_POS_WIDE(sh)); /* (MM_POS: a member) */
  jj__free(&sh->alc, old);
  return JJ_OK;
}

/* Time moving to `now` frees a slot of the full ring: every member whose
 * head is the ring's oldest sample lets it go (see frees_a_slot). */
static int ring_frees_a_slot(const jj_wring *g, wpos lo, int64_t now) {
  for (uint32_t i = 0; i < g->n; i++) {
    const jj_window *m = g->m[i];
    if (m->head != lo || m->head == m->tail) continue;
    if ((has_now(m) && now <= m->now) || head_ts(m) > now - m->shape->span_ms) return 0;
  }
  return 1;
}

/* A member's sums take (add) or give back a sample, and its settled
 * samples enter DABA: one copy of each, out of line (the member loop
 * below is not the hot path the inline copies are for). */
static JJ_NOINLINE void member_account(jj_window *m, wpos pos, int64_t ts, double v, int add,
                                       uint32_t gone) {
  account_g(m, pos, ts, v, add, 1, KEY_UNKNOWN, gone); /* light: jj__window_config_shareable */
}
static JJ_NOINLINE void member_settle(jj_window *m) { settle_t(m, 1); }

/* A member's lane steps (minmax_pos.h) with the lane's form as constants
 * in the common one, a side of 16-bit positions (a min or a max of up to
 * 2^16 samples), so the compiler drops the other forms' tests and moves
 * from every step; else as the shape says. */
#define LANE_FORM_CALL(sh, F, ...)                                         \
  ((LANE_SIDES(sh) == 1 && !MM_POS_WIDE(sh)) ? F(__VA_ARGS__, 1, 0)       \
                                              : F(__VA_ARGS__, LANE_SIDES(sh), MM_POS_WIDE(sh)))

/* The member's samples up to `cutoff` leave (its lane first). */
JJ_HOT_INLINE int member_evict_t(jj_window *m, const jj_wshape *msh, int64_t cutoff, int sides,
                                 int wide) {
  while (m->head != m->tail && head_ts(m) <= cutoff) {
    jj_lanev rv = lanev_of(m);
    rv.wide = wide;
    jj__dabap_evict(DABA(m), &rv, sides);
    fast_evict(m, msh, 0, 0, msh->mom != 0, &m->cur_sum, &m->next_sum);
  }
  return 0;
}
static JJ_NOINLINE void member_evict(jj_window *m, const jj_wshape *msh, int64_t cutoff) {
  (void)LANE_FORM_CALL(msh, member_evict_t, m, msh, cutoff);
}

/* The sample at `pos`, stored, enters the member's lane. */
JJ_HOT_INLINE int member_lane_push_t(jj_window *m, wpos pos, int sides, int wide) {
  jj_lanev rv = lanev_of(m);
  rv.wide = wide;
  jj__dabap_push(DABA(m), &rv, (uint32_t)pos, sides);
  return 0;
}
static JJ_NOINLINE void member_lane_push(jj_window *m, wpos pos) {
  (void)LANE_FORM_CALL(m->shape, member_lane_push_t, m, pos);
}

/* A lane member's whole step when the sample is stored at `pos` already
 * and settled on arrival (ring_push_in_order with at_once, a free tail
 * slot): member_advance, then member_take, in one call instead of two
 * (the same operations in the same order). Returns its due time. */
JJ_HOT_INLINE int64_t member_lane_step_t(jj_window *m, const jj_wshape *msh, int64_t cutoff,
                                         wpos pos, double v, int sides, int wide) {
  /* (every stored sample settled after: agg_end is the tail, pos) */
  if (agg_end(m) != m->tail) member_settle(m);
  (void)member_evict_t(m, msh, cutoff, sides, wide);
  m->tail = pos + 1;
  if (msh->mom) {
    gen_apply(&m->cur_sum, v, 1, 0);
    gen_apply(&m->next_sum, v, 1, 0); /* (gen_pos <= the tail: pos is in `next`) */
  }
  m->accepted++;
  jj_lanev rv = lanev_of(m);
  rv.wide = wide;
  jj__dabap_push_value(DABA(m), &rv, (uint32_t)pos, v, sides); /* (v: the value at pos) */
  return add_sat(head_ts(m), msh->span_ms);
}
/* member_advance's min/max part: what leaves is settled then (ts <= cutoff <
 * watermark); with at_once every stored sample already is (member_take
 * below). */
JJ_HOT_INLINE void member_advance_lane(jj_window *m, const jj_wshape *msh, int64_t cutoff,
                                       int at_once) {
  if (!at_once || agg_end(m) != m->tail) member_settle(m);
  member_evict(m, msh, cutoff);
}
/* A member's half of ring_push_in_order before the sample is stored:
 * its time moves to ts, with apply_time's order (settle, then evict) and
 * fast_evict's arithmetic (the same operations in the same order as the
 * general path). */
JJ_HOT_INLINE void member_advance(jj_window *m, int64_t ts, int at_once) {
  const jj_wshape *msh = m->shape;
  const int64_t cutoff = ts - msh->span_ms;
  m->now = ts;
  if (msh->use_minmax) {
    member_advance_lane(m, msh, cutoff, at_once);
  } else {
    while (m->head != m->tail && head_ts(m) <= cutoff)
      fast_evict(m, msh, 0, 0, msh->mom != 0, &m->cur_sum, &m->next_sum);
  }
}

/* Its half once the sample is stored at `pos` (the tail): the sample
 * joins its sums and lane. Returns the member's due time (time_due: it
 * holds the sample, so it is not empty). */
JJ_HOT_INLINE int64_t member_take(jj_window *m, wpos pos, double v, int at_once) {
  const jj_wshape *msh = m->shape;
  m->tail = pos + 1;
  if (msh->mom) {
    gen_apply(&m->cur_sum, v, 1, 0);
    gen_apply(&m->next_sum, v, 1, 0); /* (gen_pos <= the tail: pos is in `next`) */
  }
  m->accepted++;
  if (msh->use_minmax) {
    if (at_once && agg_end(m) == pos)
      member_lane_push(m, pos);
    else
      member_settle(m);
  }
  return add_sat(head_ts(m), msh->span_ms);
}

/* A lane member's step to time ts (at_once): member_lane_step_t in the
 * lanes' common form (LANE_FORM_CALL's), the one copy of it (6 KB of a
 * board build with both); the other forms take member_advance's and
 * member_take's steps, which they share with the full ring's pass.
 * Returns the member's due time. */
static JJ_NOINLINE int64_t member_lane_step(jj_window *m, int64_t ts, wpos pos, double v) {
  const jj_wshape *msh = m->shape;
  const int64_t cutoff = ts - msh->span_ms;
  m->now = ts;
  if (LANE_SIDES(msh) == 1 && !MM_POS_WIDE(msh))
    return member_lane_step_t(m, msh, cutoff, pos, v, 1, 0);
  member_advance_lane(m, msh, cutoff, 1);
  return member_take(m, pos, v, 1);
}

/* The least time from which `m`, as a pass of ring_push_in_order leaves
 * it (due `d`, its time the sample's), passes that function's tests
 * (jj_wring.ready_in): room in its lane for one more sample, its
 * accepted counter not at its wrap (else INT64_MAX: never), and room in
 * a ring of its own (own_cap), or its oldest sample leaving first (from
 * its due time on, frees_a_slot; else INT64_MIN: any time). */
static inline int64_t member_ready(const jj_window *m, const jj_wshape *sh, int64_t d) {
  const uint32_t count = m->tail - m->head, own = CSHP(m)->own_cap;
  if (at_wrap(m) || (m->shape->use_minmax && count >= jj__daba_cap(CDABA(m)))) return INT64_MAX;
  return count >= own && own < sh->max_samples ? d : INT64_MIN;
}

/* What ring_push_in_order's pass learns from its members: the ring's due
 * time (the least of theirs), from when the next sample passes every
 * member's tests (the greatest member_ready) and the oldest member head. */
typedef struct pass_notes {
  int64_t due, ready;
  wpos lo;
} pass_notes;
JJ_HOT_INLINE void pass_note(pass_notes *p, const jj_window *m, const jj_wshape *sh, int64_t d) {
  if (d < p->due) p->due = d;
  const int64_t from = member_ready(m, sh, d);
  if (from > p->ready) p->ready = from;
  if (pos_lt(m->head, p->lo)) p->lo = m->head;
}

/* The common case, ring_push's steps for a sample later than every
 * member's time, in a ring with room: no lateness, duplicate or cap to
 * test. When a ring (of its own, own_cap, or the shared one) or a lane
 * would grow, 0: ring_push decides. On the way it learns the ring's due
 * time (jj__wring_due), each member's head being at hand, and what the
 * next sample's tests will find (jj_wring.ready_in, lo): in the steady state
 * (every member at the last sample's time, each with room) the next one
 * skips the pass of tests over the members. */
static int ring_push_in_order(jj_wring *g, const jj_wshape *sh, int64_t ts, double v) {
  jj_window *const *const ms = g->m;
  const uint32_t n = g->n;
  if (ts > JJ_TS_LIMIT || !jj__value_valid(v)) return 0;
  /* The new sample is settled on arrival (see push_in_order). */
  const int at_once = sh->lateness_ms == 0 && sh->duplicates != JJ_DUP_REPLACE;
  wpos lo = g->tail;
  if (g->due != DUE_UNKNOWN && g->ready_in && ts > ms[0]->now &&
      (uint64_t)ts - (uint64_t)ms[0]->now >= g->ready_in) {
    /* The last change was this function's pass: every member's time is
     * the last sample's (ms[0]'s), and each passes the tests below. */
    lo = g->lo;
  } else {
    for (uint32_t i = 0; i < n; i++) {
      const jj_window *m = ms[i];
      if (!has_now(m) || ts <= m->now || at_wrap(m)) return 0; /* (at_wrap: ring_push carries) */
      /* grow_if_full's test for a ring of its own: full, and nothing expires */
      if (m->tail - m->head >= CSHP(m)->own_cap && CSHP(m)->own_cap < sh->max_samples &&
          !frees_a_slot(m, ts))
        return 0;
      if (m->shape->use_minmax && m->tail - m->head + 1 > jj__daba_cap(CDABA(m))) return 0;
      if (pos_lt(m->head, lo)) lo = m->head;
    }
  }
  const int full = g->tail - lo >= g->cap;
  if (g->tail - lo >= sh->max_samples || (full && !ring_frees_a_slot(g, lo, ts))) return 0;
  const wpos pos = g->tail;
  jj_ring_rec *r = rec_at(ms[0], pos); /* (free, or freed below: tail - lo <= cap) */
  pass_notes notes = {INT64_MAX, INT64_MIN, pos};
  if (!full) {
    /* The tail's slot is free: stored first, then one pass over the
     * members (each member's steps in the order of the pass below). */
    r->ts = ts;
    r->val = v;
    ring_tail_step(g);
    for (uint32_t i = 0; i < n; i++) {
      jj_window *m = ms[i];
      int64_t d;
      if (at_once && m->shape->use_minmax) {
        d = member_lane_step(m, ts, pos, v);
      } else {
        member_advance(m, ts, at_once);
        d = member_take(m, pos, v, at_once);
      }
      pass_note(&notes, m, sh, d);
    }
  } else {
    /* The tail's slot is the oldest sample's, which the members let go
     * first. */
    for (uint32_t i = 0; i < n; i++) member_advance(ms[i], ts, at_once);
    r->ts = ts;
    r->val = v;
    ring_tail_step(g);
    for (uint32_t i = 0; i < n; i++)
      pass_note(&notes, ms[i], sh, member_take(ms[i], pos, v, at_once));
  }
  g->due = notes.due;
  /* (ready > ts: their difference is exact as a uint64_t; INT64_MAX: never) */
  const int64_t ready = notes.ready;
  const uint64_t wait = (uint64_t)ready - (uint64_t)ts;
  g->ready_in = ready <= ts ? 1u : ready != INT64_MAX && wait < UINT32_MAX ? (uint32_t)wait : 0u;
  g->lo = notes.lo;
  return 1;
}

/* Every member's rare counters (rare_make); 0: JJ_ENOMEM (those made stay, zero). */
static int rare_make_all(jj_window *const *ms, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (!rare_make(ms[i])) return 0;
  return 1;
}

/* The sample (ts, v) as a member's push would take it, for every member
 * (the top of this section); the status every member returns. */
static jj_status ring_push(jj_wring *g, const jj_wshape *sh, int64_t ts, double v) {
  if (ring_push_in_order(g, sh, ts, v)) return JJ_OK;
  g->due = DUE_UNKNOWN; /* (before anything changes) */
  jj_window *const *const ms = g->m;
  const uint32_t n = g->n;
  if (!isfinite(v) || !jj__ts_valid(ts) || !jj__value_valid(v)) {
    if (!rare_make_all(ms, n)) return JJ_ENOMEM;
    for (uint32_t i = 0; i < n; i++) ms[i]->rare->rejected_invalid++;
    return isfinite(v) ? JJ_EINVAL : JJ_ENAN;
  }
  int any_now = 0; /* the ring's time: its members' latest */
  int wrap = 0;    /* a member's accepted wraps (at_wrap) */
  int64_t now = INT64_MIN;
  for (uint32_t i = 0; i < n; i++) {
    if (has_now(ms[i]) && ms[i]->now > now) now = ms[i]->now;
    any_now |= has_now(ms[i]);
    wrap |= at_wrap(ms[i]); /* (accepted: rare_make_all below) */
  }
  if (any_now && ts < now - sh->lateness_ms) {
    if (!rare_make_all(ms, n)) return JJ_ENOMEM;
    for (uint32_t i = 0; i < n; i++) ms[i]->rare->rejected_late++;
    return JJ_ELATE;
  }
  if (!any_now || ts > now) now = ts;
  /* Allocate before anything changes (JJ_ENOMEM: as it was); the rare
   * counters when a duplicate or a refusal may come (as push_sample). */
  wpos lo = ring_ref(g)->head;
  if (((g->tail != lo && ts_at(ring_ref(g), g->tail - 1) >= ts) ||
       g->tail - lo >= sh->max_samples || wrap) &&
      !rare_make_all(ms, n))
    return JJ_ENOMEM;
  for (uint32_t i = 0; i < n; i++) {
    jj_window *m = ms[i];
    if (!m->shape->use_minmax) continue;
    uint32_t need = g->tail - m->head + 1;
    if (lane_reserve(m, need < sh->max_samples ? need : sh->max_samples) != JJ_OK) return JJ_ENOMEM;
  }
  if (g->tail - lo >= g->cap && g->cap < g->max_samples && !ring_frees_a_slot(g, lo, now) &&
      ring_resize(g, grown_cap(g->cap, g->max_samples), lo) != JJ_OK)
    return JJ_ENOMEM;
  for (uint32_t i = 0; i < n; i++) { /* what a ring of its own would do (grow_if_full) */
    shared_part *sp = SHP(ms[i]);
    if (ms[i]->tail - ms[i]->head >= sp->own_cap && sp->own_cap < sh->max_samples &&
        !frees_a_slot(ms[i], ts))
      sp->own_cap = grown_cap(sp->own_cap, sh->max_samples);
  }
  for (uint32_t i = 0; i < n; i++) {
    jj_window *m = ms[i];
    if (has_now(m) && now <= m->now) continue;
    m->now = now;
    apply_time(m);
  }
  const jj_window *ref = ring_ref(g);
  lo = ref->head;
  wpos pos = g->tail; /* after every sample with a timestamp <= ts (insert_pos) */
  while (pos != lo && ts_at(ref, pos - 1) > ts) pos--;
  if (pos != lo && ts_at(ref, pos - 1) == ts) {
    for (uint32_t i = 0; i < n; i++) ms[i]->rare->duplicates++;
    if (sh->duplicates == JJ_DUP_REJECT) return JJ_EDUPLICATE;
    if (sh->duplicates == JJ_DUP_REPLACE) {
      const wpos at = pos - 1; /* pending in every member: only the sums change */
      const double old = val_at(ref, at);
      rec_at(ref, at)->val = v;
      for (uint32_t i = 0; i < n; i++) {
        jj_window *m = ms[i];
        if ((wpos)(at - m->head) < (wpos)(m->tail - m->head)) { /* (sliding: it ends at the tail) */
          member_account(m, at, ts, old, 0, 0);
          member_account(m, at, ts, v, 1, 1); /* (the count lacks the old one) */
        }
        accept_one(m);
      }
      return JJ_OK;
    }
  }
  if (g->tail - lo >= sh->max_samples) {
    for (uint32_t i = 0; i < n; i++) ms[i]->rare->rejected_full++;
    return JJ_EFULL;
  }
  for (wpos p = g->tail; p != pos; p--) *rec_at(ref, p) = *rec_at(ref, p - 1);
  rec_at(ref, pos)->ts = ts;
  rec_at(ref, pos)->val = v;
  ring_tail_step(g);
  for (uint32_t i = 0; i < n; i++) {
    jj_window *m = ms[i];
    accept_one(m);
    if (pos_lt(pos, m->head)) {
      /* Empty, and standing past where the sample sorts (it joined
       * after older samples came): it stays empty, at the tail. */
      member_empty_at(m, g, g->tail);
      continue;
    }
    member_account(m, pos, ts, v, 1, 0); /* (the counts before it: then the positions) */
    m->tail++;
    if (pos_lt(pos, m->gen_pos)) m->gen_pos++; /* positions after pos shifted by one */
    member_settle(m);
  }
  return JJ_OK;
}

jj_status jj__window_init_shared(const jj_wshape *sh, void *mem, jj_window *peer,
                                 uint32_t nmembers, jj_window **out) {
  *out = NULL;
  if (!sh->shared || (peer && (!peer->shape->shared || SHP(peer)->g->n == SHP(peer)->g->room ||
                               SHP(peer)->g->max_samples != sh->max_samples)))
    return JJ_EINVAL;
  jj_wring *g = peer ? SHP(peer)->g : NULL;
  if (!g) {
    g = jj__calloc(&sh->alc, sizeof *g + (size_t)nmembers * sizeof g->m[0]);
    if (!g) return JJ_ENOMEM;
    g->alc = sh->alc;
    g->room = nmembers;
    g->max_samples = sh->max_samples;
    g->cap = INITIAL_CAPACITY < sh->max_samples ? INITIAL_CAPACITY : sh->max_samples;
    g->due = DUE_UNKNOWN;
    g->ring = jj__malloc(&g->alc, (size_t)g->cap * sizeof *g->ring);
    if (!g->ring) {
      jj__free(&g->alc, g);
      return JJ_ENOMEM;
    }
  }
  jj_window *w = mem;
  w->shape = sh;
  w->now = NO_NOW;
  if (sh->use_minmax) {
    const uint32_t size = first_lane(sh);
    DABA(w)->agg = jj__malloc(&sh->alc, lane_bytes(sh, size));
    if (!DABA(w)->agg) {
      if (g->n == 0) {
        jj__free(&g->alc, g->ring);
        jj__free(&g->alc, g);
      }
      return JJ_ENOMEM;
    }
    DABA(w)->n = size + 1;
  }
  SHP(w)->g = g;
  SHP(w)->seq = g->seq;
  SHP(w)->own_cap = INITIAL_CAPACITY < sh->max_samples ? INITIAL_CAPACITY : sh->max_samples;
  g->m[g->n++] = w;
  g->nlive++;
  member_empty_at(w, g, g->tail);
  *out = w;
  return JJ_OK;
}

int jj__window_shares_with(const jj_window *a, const jj_window *b) {
  return a->shape->shared && b->shape->shared && CSHP(a)->g == CSHP(b)->g;
}

/* A member of a shared ring takes a state of `n` samples from `head`:
 * room in the ring (and its lane) for them. The others' samples must be
 * the same ones, at the same positions (they are, when the windows saved
 * took the same samples: shared or not, the positions of a window count
 * the samples it took); else JJ_ENOTFOUND, and the member starts fresh.
 * When every other member is empty, the state sets the ring's tail. */
static jj_status ring_restore_room(jj_window *w, const jj_rbuf *in, uint64_t head64, uint32_t n,
                                   uint32_t want) {
  jj_wring *g = SHP(w)->g;
  const wpos head = (wpos)head64, tail = head + n;
  const jj_window *ref = NULL; /* the oldest of the others that hold samples */
  for (uint32_t i = 0; i < g->n; i++) {
    const jj_window *m = g->m[i];
    if (m != w && m->head != m->tail && (!ref || pos_lt(m->head, ref->head))) ref = m;
  }
  if (ref) {
    /* (the positions' low halves: the samples compared below) */
    if (tail != g->tail) return JJ_ENOTFOUND;
    jj_rbuf r = *in;
    for (wpos p = head; p != tail; p++) {
      const int64_t ts = jj__r_i64(&r);
      const double v = jj__r_f64(&r);
      if (r.bad) return JJ_EINVAL;
      if (!pos_lt(p, ref->head) && (ts_at(ref, p) != ts || val_at(ref, p) != v))
        return JJ_ENOTFOUND;
    }
    if (pos_lt(head, ref->head) &&
        ring_resize(g, (uint32_t)(n > g->cap ? n : g->cap), head) != JJ_OK)
      return JJ_ENOMEM;
  } else {
    if (want > g->cap) {
      if (ring_resize(g, want, head) != JJ_OK) return JJ_ENOMEM;
    } else {
      g->base0 = head;
    }
    g->tail = tail;
    g->tail_hi = (uint32_t)((head64 + n) >> 32);
    for (uint32_t i = 0; i < g->n; i++)
      if (g->m[i] != w) member_empty_at(g->m[i], g, tail);
  }
  if (w->shape->use_minmax && lane_reserve(w, n ? n : 1) != JJ_OK) return JJ_ENOMEM;
  return JJ_OK;
}

/* jj_window_free's part for a member: the ring goes with its last one. */
static void shared_free(jj_window *w) {
  jj_wring *g = SHP(w)->g;
  g->due = DUE_UNKNOWN;
  if (--g->nlive == 0) {
    jj__free(&g->alc, g->ring);
    jj__free(&g->alc, g);
  }
}

/* jj_window_reset's: empty, at the ring's tail (the others keep its samples). */
static void shared_reset(jj_window *w) {
  member_empty_at(w, SHP(w)->g, SHP(w)->g->tail);
  SHP(w)->seq = SHP(w)->g->seq;
}

/* jj_window_memory's: the ring and its block are counted once, with the first member. */
static size_t shared_memory(const jj_window *w) {
  const jj_wring *g = CSHP(w)->g;
  if (g->m[0] != w) return 0;
  return (size_t)g->cap * sizeof(jj_ring_rec) + sizeof *g + (size_t)g->room * sizeof g->m[0];
}

/* jj__window_decode's, once the member's positions are set: the ring's lap. */
static void shared_restored(jj_window *w, uint32_t want) {
  ring_due_unknown(w); /* (its head and tail are the state's) */
  member_map(w, SHP(w)->g);
  SHP(w)->seq = SHP(w)->g->seq;
  if (want > SHP(w)->own_cap) SHP(w)->own_cap = want;
}

/* The push of the member that comes first: the ring takes the sample for all. */
static JJ_NOINLINE jj_status push_lead(jj_window *w, int64_t ts, double v) {
  shared_part *sp = SHP(w);
  jj_wring *g = sp->g;
  g->status = ring_push(g, w->shape, ts, v);
  sp->seq = ++g->seq;
  return g->status;
}

/* A member's push: the other members of a ring (all but the first) only
 * pick up its status, so that case is the one inline. */
JJ_HOT_INLINE jj_status shared_take(jj_window *w, int64_t ts, double v) {
  shared_part *sp = SHP(w);
  const jj_wring *g = sp->g;
  if (sp->seq != g->seq) { /* a member before this one took the sample for all */
    sp->seq = g->seq;
    return g->status;
  }
  return push_lead(w, ts, v);
}

static JJ_NOINLINE jj_status push_shared(jj_window *w, int64_t ts, double v) {
  return shared_take(w, ts, v);
}

/* A member's read once the ring took a sample (read_after): the newest
 * or oldest sample straight from the ring (compute's LAST and FIRST),
 * not through value_general's switch; the rest as value_enabled. */
JJ_HOT_INLINE jj_status member_read(const jj_window *m, jj_agg agg, double *out) {
  if (agg != JJ_AGG_LAST && agg != JJ_AGG_FIRST) return value_enabled(m, agg, out);
  const uint32_t n = m->tail - m->head; /* (sliding: the window ends at the tail) */
  if (n == 0) {
    *out = NAN;
    return JJ_ENODATA;
  }
  const double v = agg == JJ_AGG_LAST ? val_at(m, m->tail - 1) : head_rec(m)->val;
  *out = v;
  if (isnan(v)) return JJ_ENODATA;
  return is_complete(m, n) ? JJ_OK : JJ_EINCOMPLETE;
}

/* The same, then the read. */
#ifndef JJ_NO_FORCE_INLINE
/* The first member's: the push for all, then its read. */
static JJ_NOINLINE jj_status pv_lead(jj_window *w, int64_t ts, double v, jj_agg agg, double *out) {
  const jj_status st = push_lead(w, ts, v);
  return st == JJ_OK ? member_read(w, agg, out) : read_after(w, st, agg, out);
}
static JJ_NOINLINE jj_status member_read_other(const jj_window *m, jj_agg agg, double *out) {
  return member_read(m, agg, out);
}
/* A member's min or max (pv_shared; it holds samples): in the lane's
 * common form (one side, 16-bit positions: LANE_FORM_CALL) with every
 * sample settled, value_enabled_t's read of that form (MM_POS1, settled),
 * out of line; else member_read_other. */
static JJ_NOINLINE jj_status member_read_lane(const jj_window *m, jj_agg agg, double *out) {
  const jj_wshape *sh = m->shape;
  /* (the rest a tail call) */
  if (LANE_SIDES(sh) != 1 || MM_POS_WIDE(sh) || agg_end(m) != m->tail)
    return member_read_other(m, agg, out);
  return value_enabled_t(m, agg, out, MM_POS1, 1);
}
/* Every other member's (19 of 20 rules over one ring): the ring's status,
 * then a read of the sums or of the newest or oldest sample (value_enabled
 * and member_read's arithmetic), in few enough registers to save none; a
 * lane's read (min, max) and the rest out of line. */
static JJ_NOINLINE jj_status pv_shared(jj_window *w, int64_t ts, double v, jj_agg agg,
                                       double *out) {
  shared_part *sp = SHP(w);
  const jj_wring *g = sp->g;
  if (sp->seq == g->seq) return pv_lead(w, ts, v, agg, out);
  sp->seq = g->seq; /* a member before this one took the sample for all */
  if (g->status != JJ_OK) {
    *out = NAN;
    return g->status;
  }
  const uint32_t n = w->tail - w->head; /* (sliding: the window ends at the tail) */
  double x;
  if (n == 0) return member_read_other(w, agg, out);
  if (agg == JJ_AGG_SUM || agg == JJ_AGG_MEAN) {
    x = jj_ksum_value(&w->cur_sum);
    if (agg == JJ_AGG_MEAN) x /= (double)(int64_t)n; /* (n < 2^30: a signed convert) */
  } else if (agg == JJ_AGG_LAST) {
    x = val_at(w, w->tail - 1);
  } else if (agg == JJ_AGG_FIRST) {
    x = head_rec(w)->val;
  } else if (agg == JJ_AGG_MIN || agg == JJ_AGG_MAX) {
    return member_read_lane(w, agg, out);
  } else {
    return member_read_other(w, agg, out);
  }
  *out = x;
  if (isnan(x)) return JJ_ENODATA;
  return is_complete(w, n) ? JJ_OK : JJ_EINCOMPLETE;
}
#endif

/* The earliest of its members' jj__window_due: each a sliding time
 * window without hourly aggregates (jj__window_config_shareable), due
 * when its oldest sample leaves. */
int64_t jj__wring_due(const jj_window *first) {
  const jj_wring *g = CSHP(first)->g;
  if (g->due != DUE_UNKNOWN) return g->due; /* the engine asks after every push */
  int64_t due = INT64_MAX;
  for (uint32_t i = 0; i < g->n; i++) {
    const int64_t d = time_due(g->m[i]);
    if (d < due) due = d;
  }
  return due;
}
#else /* JJ_NO_SHARED_RINGS: left out of the build, every window has its own ring */
int jj__window_config_shareable(const jj_window_config *cfg) {
  (void)cfg;
  return 0;
}
int jj__window_share_key(const jj_window_config *cfg, jj_wshare_key *out) {
  (void)cfg;
  (void)out;
  return 0;
}
jj_status jj__window_init_shared(const jj_wshape *sh, void *mem, jj_window *peer,
                                 uint32_t nmembers, jj_window **out) {
  (void)sh, (void)mem, (void)peer, (void)nmembers;
  *out = NULL;
  return JJ_ENOTSUP;
}
int jj__window_shares_with(const jj_window *a, const jj_window *b) {
  (void)a, (void)b;
  return 0;
}
/* No shape is shared: these never run. */
static void shared_free(jj_window *w) { (void)w; }
static void ring_due_unknown(jj_window *m) { (void)m; }
static void shared_reset(jj_window *w) { (void)w; }
static size_t shared_memory(const jj_window *w) {
  (void)w;
  return 0;
}
static jj_status ring_restore_room(jj_window *w, const jj_rbuf *in, uint64_t head, uint32_t n,
                                   uint32_t want) {
  (void)w, (void)in, (void)head, (void)n, (void)want;
  return JJ_EINVAL;
}
static void shared_restored(jj_window *w, uint32_t want) { (void)w, (void)want; }
static uint64_t shared_tail64(const jj_window *w) {
  (void)w;
  return 0;
}
#endif

/* ---- shapes ----------------------------------------------------------- */

/* Equal settings (every field but the allocator): windows of either
 * behave alike, so they may share one shape. */
static int same_shape(const jj_wshape *a, const jj_wshape *b) {
  return a->span_ms == b->span_ms && a->lateness_ms == b->lateness_ms &&
         a->complete_min == b->complete_min && a->count == b->count &&
         a->max_samples == b->max_samples && a->aggregates == b->aggregates &&
         a->mom == b->mom && a->kind == b->kind && a->use_minmax == b->use_minmax &&
         a->mm_sides == b->mm_sides && a->mm_sign == b->mm_sign &&
         a->use_sketch == b->use_sketch && a->duplicates == b->duplicates &&
         a->preallocate == b->preallocate && a->shared == b->shared && a->off_mm == b->off_mm &&
         a->off_mom == b->off_mom && a->off_sh == b->off_sh &&
         a->off_tum == b->off_tum && a->off_sk == b->off_sk && a->off_hr == b->off_hr &&
         a->off_rare == b->off_rare &&
         a->bytes == b->bytes && a->hop_ms == b->hop_ms && a->align_ms == b->align_ms &&
         a->cfg_aggregates == b->cfg_aggregates && a->closed_cap == b->closed_cap &&
         a->halflife == b->halflife && a->percentile == b->percentile &&
         a->pct_accuracy == b->pct_accuracy && a->pct_floor == b->pct_floor;
}

/* Fill a shape from a configuration; JJ_EINVAL when it is not valid. */
static jj_status shape_init(jj_wshape *sh, const jj_window_config *cfg, const jj_allocator *alc,
                            int shared) {
  jj_window_config c = *cfg;
  jj_status st = normalize(&c);
  if (st != JJ_OK) return st;
  if (shared && !jj__window_config_shareable(&c)) return JJ_EINVAL;
  memset(sh, 0, sizeof *sh);
  jj__alloc_resolve(&sh->alc, alc);
  const unsigned mom = moments_needed(c.aggregates);
  sh->mom = (uint8_t)mom;
  sh->use_minmax = (uint8_t)(((c.aggregates & JJ_AGG_BIT(JJ_AGG_MIN)) ? MM_MIN : 0) |
                             ((c.aggregates & JJ_AGG_BIT(JJ_AGG_MAX)) ? MM_MAX : 0));
#ifdef JJ_NO_FORCE_INLINE
  sh->mm_sides = 2; /* (see LANE_SIDES) */
#else
  sh->mm_sides = sh->use_minmax == (MM_MIN | MM_MAX) ? 2 : 1;
#endif
  sh->mm_sign = sh->use_minmax == MM_MAX ? -1.0 : 1.0;
  sh->use_sketch = (c.aggregates & JJ_AGG_BIT(JJ_AGG_PERCENTILE)) != 0;
  layout_of(sh, sh->use_minmax, (mom & ~(unsigned)JJ_MOM_SUM) != 0,
            c.kind == JJ_WINDOW_TUMBLING, sh->use_sketch, jj__hourly_wanted(c.aggregates), shared,
            c.preallocate != 0);
  sh->shared = shared != 0;
  sh->kind = (uint8_t)c.kind;
  sh->duplicates = (uint8_t)c.duplicates;
  sh->preallocate = c.preallocate != 0;
  sh->span_ms = c.span_ms;
  sh->lateness_ms = c.lateness_ms;
  sh->count = c.count;
  sh->max_samples = c.max_samples;
  sh->aggregates = c.aggregates;
  sh->cfg_aggregates = c.aggregates;
  sh->complete_min = complete_threshold(&c);
  sh->hop_ms = c.hop_ms;
  sh->align_ms = c.align_ms;
  sh->halflife = (double)c.ewma_halflife_ms;
  sh->percentile = c.percentile;
  sh->pct_accuracy = c.percentile_accuracy;
  sh->pct_floor = c.percentile_floor;
  sh->fast = fast_bits(sh);
  if (c.kind == JJ_WINDOW_TUMBLING) {
    uint64_t q = (uint64_t)((c.span_ms + c.lateness_ms) / c.hop_ms) + 3;
    sh->closed_cap = (uint32_t)(q < MAX_CLOSED_QUEUE ? q : MAX_CLOSED_QUEUE);
  }
  return JJ_OK;
}

jj_status jj__wshape_new(const jj_window_config *cfg, const jj_allocator *alc, int shared,
                         jj_wshape **out) {
  *out = NULL;
  jj_allocator a;
  jj__alloc_resolve(&a, alc);
  jj_wshape *sh = jj__malloc(&a, sizeof *sh);
  if (!sh) return JJ_ENOMEM;
  jj_status st = shape_init(sh, cfg, &a, shared);
  if (st != JJ_OK) {
    jj__free(&a, sh);
    return st;
  }
  *out = sh;
  return JJ_OK;
}

void jj__wshape_free(jj_wshape *sh) {
  if (!sh) return;
  jj_allocator a = sh->alc;
  jj__free(&a, sh);
}

int64_t jj__wshape_find(jj_wshape *const *shapes, uint32_t n, const jj_window_config *cfg,
                        int shared) {
  jj_wshape t; /* normalized once, compared with each */
  if (shape_init(&t, cfg, NULL, shared) != JJ_OK) return -1;
  for (uint32_t i = 0; i < n; i++)
    if (same_shape(shapes[i], &t)) return i;
  return -1;
}

uint32_t jj__wshape_max_samples(const jj_wshape *sh) { return sh->max_samples; }

size_t jj__wshape_memory(const jj_wshape *sh) { return sh ? sizeof *sh : 0; }

/* ---- life cycle ------------------------------------------------------- */

/* A window of shape `sh` in a block of sh->bytes + `extra` bytes. */
static jj_status window_make(const jj_wshape *sh, size_t extra, jj_window **out) {
  *out = NULL;
  jj_window *w = jj__calloc(&sh->alc, sh->bytes + extra);
  if (!w) return JJ_ENOMEM;
  w->shape = sh;
  *out = w;
  return JJ_OK;
}

/* The storage a new window starts with, after window_make (and, for an
 * own shape, after the shape is in place). */
static jj_status window_storage(jj_window *w) {
  const jj_wshape *sh = w->shape;
  const jj_allocator *a = &sh->alc;
  w->now = NO_NOW;
  if (sh->off_rare) w->rare = PART_AT(w, sh->off_rare);
  if (sh->use_sketch) jj__sketch_init(&SK(w)->sketch, sh->pct_accuracy, sh->pct_floor);
  uint32_t cap = sh->preallocate ? sh->max_samples
                                 : (INITIAL_CAPACITY < sh->max_samples ? INITIAL_CAPACITY
                                                                       : sh->max_samples);
  jj_status st = resize(w, cap);
  /* preallocate promises no allocation after creation: cover every bucket
   * the sketch can use (a few KiB at the default accuracy). */
  if (st == JJ_OK && sh->use_sketch && sh->preallocate &&
      (jj__sketch_reserve(&SK(w)->sketch, a, -SK(w)->sketch.key_max) ||
       jj__sketch_reserve(&SK(w)->sketch, a, SK(w)->sketch.key_max)))
    st = JJ_ENOMEM;
  if (st == JJ_OK && sh->kind == JJ_WINDOW_TUMBLING) {
    TUM(w)->closed = jj__malloc(a, (size_t)sh->closed_cap * sizeof *TUM(w)->closed);
    if (!TUM(w)->closed) st = JJ_ENOMEM;
  }
  if (sh->off_hr) jj__hourly_clear(HOURLY(w));
  if (st == JJ_OK && sh->use_minmax) jj__daba_reset(DABA(w));
  return st;
}

size_t jj__wshape_window_bytes(const jj_wshape *sh) { return sh->bytes; }
size_t jj__window_block_bytes(const jj_window *w) { return w->shape->bytes; }

jj_status jj__window_init_shaped(const jj_wshape *sh, void *mem, jj_window **out) {
  jj_window *w = mem;
  w->shape = sh;
  jj_status st = window_storage(w);
  if (st != JJ_OK) {
    jj_window_free(w); /* what storage it got; the block stays the caller's */
    return st;
  }
  *out = w;
  return JJ_OK;
}

jj_status jj_window_new(const jj_window_config *cfg, const jj_allocator *alc,
                        jj_window **out) {
  if (!out) return JJ_EINVAL;
  *out = NULL;
  if (!cfg) return JJ_EINVAL;
  jj_wshape tmp;
  jj_status st = shape_init(&tmp, cfg, alc, 0);
  if (st != JJ_OK) return st;
  /* The window's own shape goes after its parts, in the same block. */
  jj_window *w;
  st = window_make(&tmp, sizeof tmp, &w);
  if (st != JJ_OK) return st;
  jj_wshape *own = (jj_wshape *)PART_AT(w, tmp.bytes);
  *own = tmp;
  own->own = 1; /* (the block is the window's: jj_window_free frees it) */
  w->shape = own;
  st = window_storage(w);
  if (st != JJ_OK) {
    jj_window_free(w);
    return st;
  }
  *out = w;
  return JJ_OK;
}

void jj_window_free(jj_window *w) {
  if (!w) return;
  const jj_wshape *sh = w->shape;
  jj_allocator a = sh->alc; /* an own shape goes with the block */
  if (sh->shared)
    shared_free(w); /* the ring goes with its last member */
  else
    jj__free(&a, w->ring);
  if (sh->use_minmax) jj__free(&a, DABA(w)->agg);
  if (sh->off_tum) jj__free(&a, TUM(w)->closed);
  if (sh->use_sketch) {
    jj__sketch_free(&SK(w)->sketch, &a);
    jj__free(&a, SK(w)->keys);
  }
  if (!sh->off_rare) jj__free(&a, w->rare);
  if (sh->own) jj__free(&a, w); /* else the block is the caller's (jj__window_init_shaped) */
}

void jj_window_reset(jj_window *w) {
  if (!w) return;
  const jj_wshape *sh = w->shape;
  w->head = w->tail = w->gen_pos = 0;
  w->head_slot = 0;
  gen_clear(&w->cur_sum);
  gen_clear(&w->next_sum);
  if (sh->off_mom) {
    jj_moments_clear(&MOM(w)->cur);
    jj_moments_clear(&MOM(w)->next);
  }
  if (sh->use_sketch) jj__sketch_clear(&SK(w)->sketch);
  if (sh->use_minmax) jj__daba_reset(DABA(w));
  w->now = NO_NOW;
  if (sh->off_tum) {
    TUM(w)->win_end = 0;
    TUM(w)->has_boundary = 0;
    TUM(w)->boundary = 0;
    TUM(w)->closed_first = TUM(w)->closed_len = 0;
    TUM(w)->nclosed = 0;
  }
  w->accepted = 0;
  if (w->rare) memset(w->rare, 0, sizeof *w->rare); /* (storage is kept) */
  if (sh->off_hr) jj__hourly_clear(HOURLY(w));
  if (sh->shared) shared_reset(w);
}

/* ---- queries ---------------------------------------------------------- */

jj_status jj_window_value(const jj_window *w, jj_agg agg, double *out) {
  if (!w || !out || (unsigned)agg >= JJ_AGG__COUNT ||
      !(w->shape->aggregates & JJ_AGG_BIT(agg))) {
    if (out) *out = NAN;
    return JJ_EINVAL;
  }
#ifndef JJ_NO_FORCE_INLINE
  /* A sliding window ends at its tail, and its lane's sides are one of
   * two constants: the read the specialised copies make (value_enabled_t
   * with mm >= 0), not the one that asks the shape for both on every
   * call (about 5 ns more for min/max, bench_window). */
  const jj_wshape *sh = w->shape;
  /* The specialised copies' windows first, by their bits alone (one load:
   * FAST_ON is sliding, FAST_MM all_settled, no lane without it). */
  const unsigned fast = sh->fast & (FAST_ON | FAST_MM | FAST_MM2);
  if (fast == FAST_ON) return value_enabled_t(w, agg, out, 0, 0);
  if (fast == (FAST_ON | FAST_MM)) return value_enabled_t(w, agg, out, 1, 1);
  if (fast == (FAST_ON | FAST_MM | FAST_MM2)) return value_enabled_t(w, agg, out, 2, 1);
  if (!sh->off_tum) {
    if (!sh->use_minmax) return value_enabled_t(w, agg, out, 0, 0);
    if (!MM_POS(sh)) /* (a lane of positions: value_enabled's read, below) */
      return LANE_SIDES(sh) == 1 ? value_enabled_t(w, agg, out, 1, 0)
                                 : value_enabled_t(w, agg, out, 2, 0);
  }
  return value_other(w, agg, out);
#else
  return value_enabled(w, agg, out);
#endif
}

jj_status jj_window_stats_get(const jj_window *w, jj_window_stats *out) {
  if (!w || !out) return JJ_EINVAL;
  fill_stats(w, out);
  if (out->count == 0) return JJ_ENODATA;
  return out->complete ? JJ_OK : JJ_EINCOMPLETE;
}

int jj_window_pop_closed(jj_window *w, jj_window_stats *out) {
#ifdef JJ_NO_TUMBLING
  return 0; /* no window closes */
#endif
  if (!w || !out || !w->shape->off_tum || TUM(w)->closed_len == 0) return 0;
  const closed_result *c = &TUM(w)->closed[TUM(w)->closed_first];
  memset(out, 0, sizeof *out);
  out->start_ms = c->start_ms;
  out->end_ms = c->end_ms;
  out->count = c->count;
  out->windows = c->windows;
  out->complete = c->complete;
  memcpy(out->value, c->value, sizeof c->value);
  for (int a = JJ_AGG__COUNT; a < JJ_AGG_SLOTS; a++) out->value[a] = NAN;
  TUM(w)->closed_first = (TUM(w)->closed_first + 1) % w->shape->closed_cap;
  TUM(w)->closed_len--;
  /* Room again: close what waited for it (see close_due). */
  close_due(w);
  settle(w);
  return 1;
}

int64_t jj_window_now(const jj_window *w) {
  return (w && has_now(w)) ? w->now : INT64_MIN;
}

void jj_window_counters_get(const jj_window *w, jj_window_counters *out) {
  if (!out) return;
  memset(out, 0, sizeof *out);
  if (!w) return;
  const window_rare *r = rare_of(w);
  out->rejected_late = r->rejected_late;
  out->rejected_invalid = r->rejected_invalid;
  out->rejected_full = r->rejected_full;
  out->duplicates = r->duplicates;
  out->closed = w->shape->off_tum ? CTUM(w)->nclosed : 0;
  out->accepted = accepted64(w);
  /* Every accepted sample is stored, replaced a stored one in place
   * (JJ_DUP_REPLACE: each duplicate), or has left. */
  const uint64_t replaced = w->shape->duplicates == JJ_DUP_REPLACE ? r->duplicates : 0;
  out->evicted = out->accepted - (wpos)(w->tail - w->head) - replaced;
}

jj_status jj__window_footprint(const jj_window_config *cfg, int shared, size_t *embedded,
                               jj__footprint_fn add, void *ctx) {
  jj_wshape sh; /* the shape the engine shares (counted by the caller), not allocated here */
  jj_status st = shape_init(&sh, cfg, NULL, shared);
  if (st != JJ_OK) return st;
  if (shared) { /* the block, and the lane as it grows (the ring: jj__wring_footprint) */
    if (embedded)
      *embedded = sh.bytes;
    else
      add(ctx, sh.bytes);
    add(ctx, sizeof(window_rare)); /* the rare counters, made by a push that counts one */
    for (uint32_t size = first_lane(&sh); sh.use_minmax; size = grown_cap(size, sh.max_samples)) {
      add(ctx, lane_bytes(&sh, size));
      if (size >= sh.max_samples) break;
    }
    return JJ_OK;
  }
  /* As jj__window_init_shaped allocates, in its order: the block (parts
   * and the hourly link inline), resize() to the first capacity, the
   * preallocated sketch, the closed-result queue; then every resize a
   * push may make, an eighth at a time up to max_samples (grown_cap). */
  if (embedded)
    *embedded = sh.bytes;
  else
    add(ctx, sh.bytes);
  uint32_t cap = sh.preallocate ? sh.max_samples
                                : (INITIAL_CAPACITY < sh.max_samples ? INITIAL_CAPACITY
                                                                     : sh.max_samples);
  for (int first = 1;; first = 0) {
    add(ctx, (size_t)cap * sizeof(jj_ring_rec));
    if (sh.use_minmax) add(ctx, lane_bytes(&sh, cap));
    if (sh.use_sketch) add(ctx, (size_t)cap * sizeof(int32_t));
    if (first) {
      if (!sh.off_rare) add(ctx, sizeof(window_rare)); /* made by a push that counts one */
      if (sh.use_sketch) jj__sketch_footprint(sh.pct_accuracy, sh.pct_floor, add, ctx);
      if (sh.kind == JJ_WINDOW_TUMBLING) add(ctx, (size_t)sh.closed_cap * sizeof(closed_result));
    }
    if (cap >= sh.max_samples) break;
    cap = grown_cap(cap, sh.max_samples);
  }
  return JJ_OK;
}

jj_status jj__wring_footprint(const jj_window_config *cfg, uint32_t nmembers, jj__footprint_fn add,
                              void *ctx) {
  jj_wshape sh;
  jj_status st = shape_init(&sh, cfg, NULL, 1);
  if (st != JJ_OK) return st;
#ifndef JJ_NO_SHARED_RINGS
  add(ctx, sizeof(jj_wring) + (size_t)nmembers * sizeof(jj_window *));
#else
  (void)nmembers; /* (never called: shape_init refused a shared shape) */
#endif
  uint32_t cap = INITIAL_CAPACITY < sh.max_samples ? INITIAL_CAPACITY : sh.max_samples;
  for (;;) { /* as ring_push grows it */
    add(ctx, (size_t)cap * sizeof(jj_ring_rec));
    if (cap >= sh.max_samples) break;
    cap = grown_cap(cap, sh.max_samples);
  }
  return JJ_OK;
}

size_t jj__wshape_bytes(void) { return sizeof(jj_wshape); }

int jj__window_config_same(const jj_window_config *a, int a_shared, const jj_window_config *b,
                           int b_shared) {
  jj_wshape ta, tb;
  return shape_init(&ta, a, NULL, a_shared) == JJ_OK &&
         shape_init(&tb, b, NULL, b_shared) == JJ_OK &&
         same_shape(&ta, &tb);
}

size_t jj_window_memory(const jj_window *w) {
  if (!w) return 0;
  const jj_wshape *sh = w->shape;
  size_t bytes = sh->bytes + (sh->own ? sizeof *sh : 0);
  /* A shared ring is counted once, with its first member. */
  bytes += sh->shared ? shared_memory(w) : (size_t)w->cap * sizeof(jj_ring_rec);
  if (sh->use_minmax) bytes += lane_bytes(sh, jj__daba_cap(CDABA(w)));
  if (sh->off_tum) bytes += (size_t)sh->closed_cap * sizeof(closed_result);
  if (w->rare && !sh->off_rare) bytes += sizeof *w->rare;
  if (sh->use_sketch)
    bytes += jj__sketch_memory(&CSK(w)->sketch) + (size_t)w->cap * sizeof(int32_t);
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
  uint32_t n = wend(w) - w->head;
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


void jj__window_prefetch_struct(const jj_window *w, int minmax) {
  /* The core, sizeof(jj_window) (two lines, three by its alignment): what a
   * push and a read of count/sum/mean use (the shape is shared: cached);
   * then DABA's bookkeeping, the first part when min/max is on. */
  JJ_PREFETCH(w);
  JJ_PREFETCH((const char *)w + 64);
  JJ_PREFETCH((const char *)w + sizeof(jj_window) - 1);
  if (minmax) {
    JJ_PREFETCH((const char *)w + sizeof(jj_window));
    JJ_PREFETCH((const char *)w + sizeof(jj_window) + sizeof(minmax_part) - 1);
  }
}

/* A shared ring's lines, asked for by its first member for all of them:
 * the members' heads (the samples leaving) and the positions their lanes
 * name are spread over the whole live ring, so all of it, every line
 * once (a few lines more than the members touch, in parallel instead of
 * each lane's value waiting for the lane slot that names it).
 *
 * Forced inline, as every helper here that only asks for lines must be:
 * GCC finds a function that stores nothing "pure" (a prefetch is no side
 * effect to it) and drops a call whose result is unused, prefetches and
 * all. A static helper holding the lane's hints below was dropped so in
 * an experiment, and case F ran 40 % slower. */
JJ_HOT_INLINE void prefetch_shared(const jj_window *w) {
#ifndef JJ_NO_SHARED_RINGS
  if (CSHP(w)->g->m[0] != w) return;
  const char *p = (const char *)w->ring, *end = (const char *)(w->ring + w->cap);
  for (; p < end; p += 64) JJ_PREFETCH(p);
  JJ_PREFETCH(end - 1);
#else
  (void)w;
#endif
}

void jj__window_prefetch_ring(const jj_window *w) {
  if (w->cap == 0) return;
  if (w->shape->shared) {
    prefetch_shared(w);
  } else {
    /* A full ring's tail slot is its head's (evicted first): in range. */
    JJ_PREFETCH(rec_at(w, w->tail));
    JJ_PREFETCH(head_rec(w));
  }
  if (w->shape->use_minmax) {
    /* DABA Lite writes the new back slot and steps its l and a cursors. */
    const jj_daba *d = CDABA(w);
    const int sides = LANE_SIDES(w->shape);
    if (MM_POS(w->shape)) {
      const int wide = MM_POS_WIDE(w->shape);
      JJ_PREFETCH(jj__dabap_at(d, d->end, sides, wide));
      JJ_PREFETCH(jj__dabap_at(d, d->l, sides, wide));
      JJ_PREFETCH(jj__dabap_at(d, jj__daba_prev(d, d->a), sides, wide));
      JJ_PREFETCH(jj__dabap_at(d, d->front, sides, wide));
      return;
    }
    JJ_PREFETCH(jj__daba_at(d, d->end, sides));
    JJ_PREFETCH(jj__daba_at(d, d->l, sides));
    JJ_PREFETCH(jj__daba_at(d, jj__daba_prev(d, d->a), sides));
    JJ_PREFETCH(jj__daba_at(d, d->front, sides));
    /* A push that evicts reads the next front slot (the read's first
     * aggregate), on the next line once every 8 (4 with both sides). */
    JJ_PREFETCH(jj__daba_at(d, jj__daba_next(d, d->front), sides));
  }
}

/* The engine's deadline index (deadline.c) asks when time alone next
 * changes the window: a sliding sample expires at ts + span, a TUMBLING
 * window closes when the watermark reaches its end. Hourly aggregates of
 * a sliding window are read at `now`, so any advance may change them. */
int64_t jj__window_due(const jj_window *w) {
  const jj_wshape *sh = w->shape;
  switch (sh->kind) {
    case JJ_WINDOW_SLIDING_TIME: return sh->off_hr ? INT64_MIN : time_due(w);
    case JJ_WINDOW_SLIDING_COUNT: return sh->off_hr ? INT64_MIN : INT64_MAX;
    case JJ_WINDOW_TUMBLING:
      if (CTUM(w)->closed_len) return INT64_MIN; /* results not taken yet */
      if (!CTUM(w)->has_boundary) return INT64_MAX;
      return add_sat(CTUM(w)->boundary, sh->lateness_ms);
  }
  return INT64_MIN;
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

/* A generation's count and sum. The count is not stored in the window
 * (positions give it) but is in the image, as the format always had it:
 * a window with no sums (min/max only) counts 0. */
static void put_sums(jj_wbuf *o, const jj_window *w, uint64_t n, const jj_ksum *k) {
  jj__w_u64(o, w->shape->mom ? n : 0);
  jj__w_f64(o, k->sum);
  jj__w_f64(o, k->comp);
}

/* 0 when the image's count is not the one the positions give. */
static int get_sums(jj_rbuf *in, const jj_window *w, uint64_t n, jj_ksum *k) {
  const uint64_t got = jj__r_u64(in);
  k->sum = jj__r_f64(in);
  k->comp = jj__r_f64(in);
  return got == (w->shape->mom ? n : 0);
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

static double min_of(double x, double y) { return x < y ? x : y; } /* (jj__minmax_combine's) */

/* A lane's mid, back and slot i in the lane's form (minmax_lift), for a
 * lane of values or of positions. */
static jj_minmax lane_mid(const jj_window *w, int sides) {
  if (!MM_POS(w->shape)) return CDABA(w)->mid;
  const jj_lanev rv = lanev_of(w);
  return jj__dabap_held(&CDABA(w)->mid, &rv, sides).v;
}
static jj_minmax lane_back(const jj_window *w, int sides) {
  if (!MM_POS(w->shape)) return CDABA(w)->back;
  const jj_lanev rv = lanev_of(w);
  return jj__dabap_held(&CDABA(w)->back, &rv, sides).v;
}
static jj_minmax lane_get(const jj_window *w, uint32_t i, int sides) {
  if (!MM_POS(w->shape)) return jj__daba_get(CDABA(w), i, sides);
  const jj_lanev rv = lanev_of(w);
  return jj__dabap_get(CDABA(w), &rv, i, sides).v;
}

/* DABA's aggregates, mid, back and the lane's [front, end), each as the
 * pair {min, -max} a two-sided lane holds. A one-sided lane writes the
 * side it does not keep as a two-sided one would hold it, from the
 * samples and DABA Lite's invariant (minmax.h): the image does not depend
 * on which sides the window reads, and the format is the one of lanes
 * that always kept both. (That side is computed back to front, and
 * written over placeholders.) */
static void put_lane(jj_wbuf *o, const jj_window *w) {
  const jj_wshape *sh = w->shape;
  const jj_daba *d = CDABA(w);
  /* The boundaries as positions from the front (the ring's from head). */
  const uint64_t len = jj__daba_rel(d, d->end), l = jj__daba_rel(d, d->l),
                 r = jj__daba_rel(d, d->r), a = jj__daba_rel(d, d->a), b = jj__daba_rel(d, d->b);
  if (LANE_SIDES(sh) == 2) {
    put_mm(o, lane_mid(w, 2));
    put_mm(o, lane_back(w, 2));
    for (uint32_t k = 0, i = d->front; k < len; k++, i = jj__daba_next(d, i))
      put_mm(o, lane_get(w, i, 2));
    return;
  }
  const int kept_lo = sh->use_minmax == MM_MIN; /* else the lane keeps -max, the pair's nhi */
  const double other = -sh->mm_sign;            /* the other side's form of a value */
  const double kmid = lane_mid(w, 1).lo, kback = lane_back(w, 1).lo;
  jj_minmax mid = {kmid, kmid}, back = {kback, kback};
  double omid = INFINITY, oback = INFINITY;
  for (uint64_t k = b; k-- > r;) omid = min_of(val_at(w, w->head + (wpos)k) * other, omid);
  for (uint64_t k = len; k-- > b;) oback = min_of(val_at(w, w->head + (wpos)k) * other, oback);
  *(kept_lo ? &mid.nhi : &mid.lo) = omid;
  *(kept_lo ? &back.nhi : &back.lo) = oback;
  put_mm(o, mid);
  put_mm(o, back);
  const size_t at = o->n + (kept_lo ? 8 : 0); /* the first entry's other side */
  for (uint32_t k = 0, i = d->front; k < len; k++, i = jj__daba_next(d, i)) {
    const double kept = lane_get(w, i, 1).lo;
    put_mm(o, (jj_minmax){kept, kept});
  }
  double to_b = INFINITY, to_r = INFINITY; /* Σ[k, b), Σ[k, r) */
  for (uint64_t k = len; k-- > 0;) {
    const double x = val_at(w, w->head + (wpos)k) * other;
    double e = x; /* [r, a) and [b, end): the value */
    if (k < b) {
      to_b = min_of(x, to_b);
      if (k >= a || k < l) e = to_b; /* [a, b) and [front, l) */
      if (k >= l && k < r) e = to_r = min_of(x, to_r); /* [l, r) */
    }
    jj__w_patch_f64(o, at + (size_t)k * 16, e);
  }
}

/* A lane of positions from the samples and DABA Lite's invariant (as
 * put_lane computes a side it does not keep, back to front, the later
 * sample on ties), for the deque [head, head + len) from slot 0; 0 when
 * the image's pairs (read from `in`) are not what the samples give. */
static int get_lane_pos(jj_rbuf *in, jj_window *w) {
  const jj_wshape *sh = w->shape;
  jj_daba *d = DABA(w);
  const int sides = LANE_SIDES(sh);
  const jj_lanev rv = lanev_of(w);
  const uint32_t len = d->end, l = d->l, r = d->r, a = d->a, b = d->b;
  jj_mmp to_b = JJ_MMP_IDENTITY, to_r = JJ_MMP_IDENTITY, mid = JJ_MMP_IDENTITY,
         back = JJ_MMP_IDENTITY;
  for (uint32_t k = len; k-- > 0;) {
    const jj_mmp x = jj__lanev_at(&rv, (uint32_t)(w->head + k), sides);
    jj_mmp e = x; /* [r, a) and [b, end): the value */
    if (k < b) {
      to_b = jj__mmp_combine(x, to_b, sides);
      if (k >= a || k < l) e = to_b; /* [a, b) and [front, l) */
      if (k >= l && k < r) e = to_r = jj__mmp_combine(x, to_r, sides); /* [l, r) */
      if (k >= r) mid = to_b;
    } else {
      back = jj__mmp_combine(x, back, sides);
    }
    jj__dabap_put(d, &rv, k, e, sides);
  }
  d->mid = d->back = JJ_MINMAX_IDENTITY;
  if (r != b) jj__dabap_hold(&d->mid, mid, sides);
  if (b != len) jj__dabap_hold(&d->back, back, sides);
  /* The image's pairs: the kept sides must be the samples'. */
  const int kept_lo = sides == 2 || sh->use_minmax == MM_MIN;
  for (uint32_t k = 0; k < len + 2; k++) {
    const jj_minmax m = get_mm(in);
    const jj_minmax want = k == 0 ? lane_mid(w, sides)
                           : k == 1 ? lane_back(w, sides)
                                    : lane_get(w, k - 2, sides);
    const double got = kept_lo ? m.lo : m.nhi;
    if (got != want.lo || (sides == 2 && m.nhi != want.nhi)) return 0;
  }
  return 1;
}

/* put_lane's pairs back into the lane: the sides it keeps (a lane of
 * positions: get_lane_pos). */
static int get_lane(jj_rbuf *in, jj_window *w) {
  const jj_wshape *sh = w->shape;
  if (MM_POS(sh)) return get_lane_pos(in, w);
  jj_daba *d = DABA(w);
  const int sides = LANE_SIDES(sh);
  const int kept_lo = sides == 2 || sh->use_minmax == MM_MIN;
  jj_minmax m = get_mm(in);
  d->mid = m;
  if (!kept_lo) d->mid.lo = m.nhi;
  m = get_mm(in);
  d->back = m;
  if (!kept_lo) d->back.lo = m.nhi;
  for (uint32_t i = d->front; i != d->end; i = jj__daba_next(d, i)) {
    m = get_mm(in);
    if (!kept_lo) m.lo = m.nhi;
    jj__daba_put(d, i, m, sides);
  }
  return 1;
}

/* The settings a state only fits a window with: everything that decides
 * what a push or a read does. */
static void put_shape(jj_wbuf *o, const jj_window *w) {
  const jj_wshape *sh = w->shape;
  jj__w_u8(o, sh->kind);
  jj__w_i64(o, sh->span_ms);
  jj__w_i64(o, sh->lateness_ms);
  jj__w_u64(o, sh->complete_min);
  jj__w_u32(o, sh->count);
  jj__w_u32(o, sh->max_samples);
  /* The format's "largest ring": rings were powers of two when it was
   * fixed; the value still follows from max_samples alone. */
  jj__w_u64(o, pow2_at_least(sh->max_samples));
  jj__w_u32(o, sh->aggregates);
  jj__w_u8(o, sh->mom);
  jj__w_u8(o, sh->use_minmax != 0); /* (the format's flag: the sides follow from aggregates) */
  jj__w_u8(o, sh->use_sketch);
  jj__w_u8(o, sh->duplicates);
  jj__w_u8(o, sh->off_hr != 0);
  jj__w_f64(o, sh->off_mom ? sh->halflife : 0.0);
  jj__w_i64(o, sh->off_tum ? sh->hop_ms : 0);
  jj__w_i64(o, sh->off_tum ? sh->align_ms : 0);
  jj__w_u32(o, sh->off_tum ? sh->cfg_aggregates : 0);
  jj__w_f64(o, sh->use_sketch ? sh->percentile : 0.0);
  jj__w_f64(o, sh->use_sketch ? CSK(w)->sketch.floor : 0.0);
  jj__w_f64(o, sh->use_sketch ? CSK(w)->sketch.gamma : 0.0);
}

/* The tail as a 64-bit number: a shared ring keeps its high half; a
 * window of its own stores every sample it counts unless the rare
 * counters say otherwise (window_rare.accepted_less_tail). */
static uint64_t tail64(const jj_window *w) {
  if (w->shape->shared) return shared_tail64(w);
  return accepted64(w) - rare_of(w)->accepted_less_tail;
}

void jj__window_encode(const jj_window *w, jj_wbuf *o) {
  size_t shape = jj__w_open(o);
  put_shape(o, w);
  jj__w_close(o, shape);
  jj__w_u8(o, (unsigned)has_now(w));
  jj__w_i64(o, has_now(w) ? w->now : 0);
  jj__w_u64(o, w->shape->shared ? CSHP(w)->own_cap : w->cap);
  /* Positions as 64-bit values: the others are less than 2^30 before
   * the tail (tail64). */
  jj__w_u64(o, tail64(w) - (wpos)(w->tail - w->head));
  jj__w_u64(o, (wpos)(w->tail - w->head));
  jj__w_u64(o, w->shape->use_minmax ? (wpos)(agg_end(w) - w->head) : 0); /* (0: none kept) */
  jj__w_u64(o, (wpos)(wend(w) - w->head));
  jj__w_u64(o, (wpos)(w->gen_pos - w->head));
  for (wpos p = w->head; p != w->tail; p++) {
    jj__w_i64(o, ts_at(w, p));
    jj__w_f64(o, val_at(w, p));
  }
  put_sums(o, w, (wpos)(wend(w) - w->head), &w->cur_sum);
  put_sums(o, w, (wpos)(wend(w) - w->gen_pos), &w->next_sum);
  const jj_wshape *sh = w->shape;
  if (sh->off_mom) {
    put_moments(o, &CMOM(w)->cur);
    put_moments(o, &CMOM(w)->next);
  }
  if (sh->use_minmax) {
    const jj_daba *d = CDABA(w);
    /* (the deque starts at head: its slots as positions from there) */
    const uint32_t pos[6] = {d->front, d->end, d->l, d->r, d->a, d->b};
    for (int i = 0; i < 6; i++) jj__w_u64(o, jj__daba_rel(d, pos[i]));
    put_lane(o, w);
  }
  if (sh->off_tum) {
    const tumbling_part *t = CTUM(w);
    jj__w_u8(o, (unsigned)t->has_boundary);
    jj__w_i64(o, t->boundary);
    jj__w_u32(o, t->closed_len);
    jj__w_u32(o, JJ_AGG__COUNT);
    for (uint32_t i = 0; i < t->closed_len; i++) {
      const closed_result *c = &t->closed[(t->closed_first + i) % sh->closed_cap];
      jj__w_i64(o, c->start_ms);
      jj__w_i64(o, c->end_ms);
      jj__w_u64(o, c->count);
      jj__w_u32(o, c->windows);
      jj__w_u8(o, (unsigned)c->complete);
      for (int a = 0; a < JJ_AGG__COUNT; a++) jj__w_f64(o, c->value[a]);
    }
  }
  if (sh->off_hr) {
    const jj_hourly *hr = CHOURLY(w);
    jj__w_i64(o, hr->newest);
    for (int i = 0; i < JJ_HOURLY_SLOTS; i++) {
      jj__w_f64(o, hr->sum[i]);
      jj__w_u32(o, hr->count[i]);
    }
  }
  jj_window_counters c;
  jj_window_counters_get(w, &c);
  jj__w_u64(o, c.accepted);
  jj__w_u64(o, c.evicted);
  jj__w_u64(o, c.rejected_late);
  jj__w_u64(o, c.rejected_invalid);
  jj__w_u64(o, c.rejected_full);
  jj__w_u64(o, c.duplicates);
  jj__w_u64(o, c.closed);
}

/* The image's positions are 64-bit (a window keeps their low halves and
 * the tail's high half, which wraps into the rare counters): the format
 * asks for room for 2^62 more samples after a restored head. */
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
  const int saved_now = jj__r_flag(in);
  const int64_t now = jj__r_i64(in);
  const uint64_t cap = jj__r_u64(in), head = jj__r_u64(in), n = jj__r_u64(in);
  const uint64_t agg = jj__r_u64(in), win = jj__r_u64(in), gen = jj__r_u64(in);
  const jj_wshape *sh = w->shape;
  /* cap was the writer's ring (a power of two up to the format's largest
   * ring, or any size since rings grow by an eighth): at most max_samples
   * slots are kept, never fewer than w has. */
  if (in->bad || cap == 0 || cap > pow2_at_least(sh->max_samples) || n > cap ||
      n > sh->max_samples || head > SNAP_POS_LIMIT || agg > win || win > n || gen > win ||
      (saved_now && !jj__ts_valid(now)) || in->size - in->at < n * 16)
    return JJ_EINVAL;
  const uint32_t want = (uint32_t)(cap < sh->max_samples ? cap : sh->max_samples);
  if (sh->shared) {
    jj_status st = ring_restore_room(w, in, head, (uint32_t)n, want);
    if (st != JJ_OK) return st;
  } else if (want > w->cap && resize(w, want) != JJ_OK) {
    return JJ_ENOMEM;
  }
  w->now = saved_now ? now : NO_NOW;
  w->head_slot = 0; /* base = head: the ring is empty, any lap will do */
  w->head = (wpos)head; /* (the high half: with the counters below) */
  w->tail = (wpos)(head + n);
  if (sh->off_tum)
    TUM(w)->win_end = (wpos)(head + win);
  else if (win != n) /* a sliding window ends at the tail */
    return JJ_EINVAL;
  w->gen_pos = (wpos)(head + gen);
  if (sh->shared) shared_restored(w, want); /* the ring's lap, which its other members share */
  int64_t prev = INT64_MIN;
  for (wpos p = w->head; p != w->tail; p++) {
    int64_t ts = jj__r_i64(in);
    double v = jj__r_f64(in);
    /* Sorted by time, valid readings: what the push paths rely on. */
    if (!jj__ts_valid(ts) || !jj__value_valid(v) || ts < prev) return JJ_EINVAL;
    prev = ts;
    rec_at(w, p)->ts = ts;
    rec_at(w, p)->val = v;
  }
  if (!get_sums(in, w, win, &w->cur_sum) || !get_sums(in, w, win - gen, &w->next_sum))
    return JJ_EINVAL;
  if (sh->off_mom) {
    get_moments(in, &MOM(w)->cur);
    get_moments(in, &MOM(w)->next);
  }
  if (sh->use_minmax) {
    jj_daba *d = DABA(w);
    uint64_t pos[6];
    for (int i = 0; i < 6; i++) {
      pos[i] = jj__r_u64(in);
      if (pos[i] > agg) return JJ_EINVAL;
      pos[i] += head;
    }
    /* DABA's deque is the settled part of the window, [head, agg_end),
     * its boundaries in order (minmax.h): the lane is read between them. */
    if (pos[0] != head || pos[1] != head + agg || pos[2] < pos[0] || pos[3] < pos[2] ||
        pos[4] < pos[3] || pos[5] < pos[4] || pos[1] < pos[5])
      return JJ_EINVAL;
    /* The lane is empty: the deque from slot 0 (agg <= the lane's room). */
    d->front = 0;
    d->end = (uint32_t)(pos[1] - head);
    d->l = (uint32_t)(pos[2] - head);
    d->r = (uint32_t)(pos[3] - head);
    d->a = (uint32_t)(pos[4] - head);
    d->b = (uint32_t)(pos[5] - head);
    if (!get_lane(in, w)) return JJ_EINVAL;
  }
  if (sh->off_tum) {
    tumbling_part *t = TUM(w);
    t->has_boundary = jj__r_flag(in);
    t->boundary = jj__r_i64(in);
    uint32_t len = jj__r_u32(in), naggs = jj__r_u32(in);
    if (in->bad || len > sh->closed_cap || naggs != JJ_AGG__COUNT ||
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
  if (sh->off_hr) {
    jj_hourly *hr = HOURLY(w);
    hr->newest = jj__r_i64(in);
    for (int i = 0; i < JJ_HOURLY_SLOTS; i++) {
      hr->sum[i] = jj__r_f64(in);
      hr->count[i] = jj__r_u32(in);
    }
  }
  const uint64_t accepted = jj__r_u64(in);
  const uint64_t evicted = jj__r_u64(in);
  window_rare rare;
  rare.rejected_late = jj__r_u64(in);
  rare.rejected_invalid = jj__r_u64(in);
  rare.rejected_full = jj__r_u64(in);
  rare.duplicates = jj__r_u64(in);
  const uint64_t closed = jj__r_u64(in);
  if (in->bad || in->at != in->size) return JJ_EINVAL;
  if (sh->off_tum)
    TUM(w)->nclosed = closed;
  else if (closed) /* only TUMBLING windows close */
    return JJ_EINVAL;
  /* evicted is derived (jj_window_counters_get): the image must agree. */
  const uint64_t replaced = sh->duplicates == JJ_DUP_REPLACE ? rare.duplicates : 0;
  if (accepted < n || accepted - n < replaced || accepted - n - replaced != evicted)
    return JJ_EINVAL;
  w->accepted = (uint32_t)accepted;
  rare.accepted_hi = (uint32_t)(accepted >> 32);
  /* (a shared member's tail is its ring's: shared_tail64) */
  rare.accepted_less_tail = sh->shared ? 0 : accepted - (head + n);
  /* The rare counters: made only when one is counted, or accepted is not
   * what the positions say (as a push would). */
  if (rare.rejected_late || rare.rejected_invalid || rare.rejected_full || rare.duplicates ||
      rare.accepted_hi || rare.accepted_less_tail) {
    if (!rare_make(w)) return JJ_ENOMEM;
    *w->rare = rare;
  } else if (w->rare) {
    memset(w->rare, 0, sizeof *w->rare);
  }
  if (sh->use_sketch) { /* each stored sample's key again; the window's counted */
    jj__sketch_clear(&SK(w)->sketch);
    for (wpos p = w->head; p != w->tail; p++) {
      int32_t key = jj__sketch_key(&SK(w)->sketch, val_at(w, p));
      SK(w)->keys[slot(w, p)] = key;
      if (!pos_lt(p, wend(w))) continue;
      if (jj__sketch_reserve(&SK(w)->sketch, &sh->alc, key)) return JJ_ENOMEM;
      jj__sketch_add(&SK(w)->sketch, key);
    }
  }
  if (all_settled(sh)) {
    /* What the window's pushes and reads rely on (all_settled): the
     * samples an image left pending, settled; one that cannot be (later
     * than now, or no now) no push makes. */
    settle(w);
    if (agg_end(w) != w->tail) return JJ_EINVAL;
  }
  return JJ_OK;
}
