/* Internal: sliding min/max with worst-case O(1) insert, evict and query.
 *
 * DABA Lite (De-Amortized Banker's Aggregator, Tangwongsan, Hirzel and
 * Schneider, "In-order sliding-window aggregation in worst-case constant
 * time", VLDB Journal 2021). The deque is a range of positions in the
 * window's sample ring; its partial aggregates live in a lane of `cap`
 * slots addressed like the ring: `base` is the position at slot 0 on the
 * current lap (base <= front < base + cap), so position p is at slot
 * p - base, minus cap once past the end. The lane grows with the ring, by
 * an eighth, never to a power of two. Values enter at the back in
 * timestamp order and leave at the front.
 *
 * A lane keeps one side or both (`sides`, a constant at every call on the
 * hot paths, so the compiler keeps one variant of each):
 *  - 2: {min, -max} per slot, 16 B: combining two is one SSE2 minpd;
 *  - 1: one double per slot, 8 B: the minimum of what the caller puts in,
 *    v for a min-only window, -v for a max-only one (the window does that
 *    mapping, minmax_lift in window.c).
 * Aggregates travel as jj_minmax in both cases; with one side only `lo`
 * means anything.
 *
 * DABA Lite's invariant (what each slot holds, Σ the combine): with
 * front <= l <= r <= a <= b <= end,
 *   [front, l): Σ[p, b)   [l, r): Σ[p, r)   [r, a): the value at p
 *   [a, b):     Σ[p, b)   [b, end): the value at p
 *   mid = Σ[r, b), back = Σ[b, end).
 * (jj__window_encode relies on it to write the side a one-sided lane
 * does not keep.) */
#ifndef JJ_LIB_MINMAX_H
#define JJ_LIB_MINMAX_H

#include <math.h>
#include <stdint.h>

#include "ksum.h" /* JJ_HOT_INLINE */

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* The minimum and the NEGATED maximum, so that combining two is a
 * minimum in both lanes. */
typedef struct jj_minmax {
  double lo, nhi;
} jj_minmax;

typedef struct jj_daba {
  double *agg;         /* the lane: cap slots of `sides` doubles */
  uint64_t base;       /* the position at slot 0 on this lap */
  uint64_t front;      /* first position in the deque */
  uint64_t end;        /* one past the last position */
  uint64_t l, r, a, b; /* DABA Lite's segment boundaries */
  jj_minmax mid, back;
  uint32_t cap;        /* slots: at least end - front */
} jj_daba;

/* The deque's operations, inline: every push calls two of them.
 * Each does a constant amount of work: a push or evict moves the
 * boundaries l, r, a by at most one step, so nothing walks the window. */

#define JJ_MINMAX_IDENTITY ((jj_minmax){INFINITY, INFINITY})

JJ_HOT_INLINE jj_minmax jj__minmax_combine(jj_minmax x, jj_minmax y, int sides) {
  jj_minmax z = x; /* (both lanes are overwritten; initialised for the linters) */
  if (sides == 1) {
    z.lo = x.lo < y.lo ? x.lo : y.lo; /* (one minsd) */
    return z;
  }
#if defined(__SSE2__)
  _mm_storeu_pd(&z.lo, _mm_min_pd(_mm_loadu_pd(&x.lo), _mm_loadu_pd(&y.lo)));
#else
  z.lo = x.lo < y.lo ? x.lo : y.lo;
  z.nhi = x.nhi < y.nhi ? x.nhi : y.nhi;
#endif
  return z;
}

/* The slot of a live position (front <= pos < front + cap): one
 * conditional wrap, as the ring. */
JJ_HOT_INLINE double *jj__daba_at(const jj_daba *d, uint64_t pos, int sides) {
  const uint64_t i = pos - d->base;
  return d->agg + (i < d->cap ? i : i - d->cap) * (unsigned)sides;
}

JJ_HOT_INLINE jj_minmax jj__daba_get(const jj_daba *d, uint64_t pos, int sides) {
  const double *e = jj__daba_at(d, pos, sides);
  jj_minmax x = {e[0], INFINITY};
  if (sides == 2) x.nhi = e[1];
  return x;
}

JJ_HOT_INLINE void jj__daba_put(const jj_daba *d, uint64_t pos, jj_minmax x, int sides) {
  double *e = jj__daba_at(d, pos, sides);
  e[0] = x.lo;
  if (sides == 2) e[1] = x.nhi;
}

JJ_HOT_INLINE jj_minmax jj__daba_delta(const jj_daba *d, int sides) {
  return d->a == d->b ? JJ_MINMAX_IDENTITY : jj__daba_get(d, d->a, sides);
}

/* Empty, the next value at `pos` (the lane is kept). */
JJ_HOT_INLINE void jj__daba_reset(jj_daba *d, uint64_t pos) {
  d->base = d->front = d->end = pos;
  d->l = d->r = d->a = d->b = pos;
  d->mid = d->back = JJ_MINMAX_IDENTITY;
}

/* Move to `lane` of `cap` slots (>= end - front), the deque from slot 0:
 * every position keeps its meaning. The old lane is the caller's to free. */
static inline void jj__daba_move(jj_daba *d, double *lane, uint32_t cap, int sides) {
  for (uint64_t p = d->front; p < d->end; p++) {
    const double *e = jj__daba_at(d, p, sides);
    for (int s = 0; s < sides; s++) lane[(p - d->front) * (unsigned)sides + (unsigned)s] = e[s];
  }
  d->agg = lane;
  d->cap = cap;
  d->base = d->front;
}

/* Start a new round: the back segment becomes the front to be processed. */
JJ_HOT_INLINE void jj__daba_flip(jj_daba *d) {
  d->l = d->front;
  d->r = d->b;
  d->a = d->end;
  d->b = d->end;
  d->mid = d->back;
  d->back = JJ_MINMAX_IDENTITY;
}

JJ_HOT_INLINE void jj__daba_step(jj_daba *d, int sides) {
  if (d->l == d->b) jj__daba_flip(d);
  if (d->front != d->b) {
    if (d->a != d->r) {
      jj_minmax prev = jj__daba_delta(d, sides);
      d->a--;
      jj__daba_put(d, d->a, jj__minmax_combine(jj__daba_get(d, d->a, sides), prev, sides),
                   sides);
    }
    if (d->l != d->r) {
      jj__daba_put(d, d->l, jj__minmax_combine(jj__daba_get(d, d->l, sides), d->mid, sides),
                   sides);
      d->l++;
    } else {
      d->l++;
      d->r++;
      d->a++;
      d->mid = jj__daba_delta(d, sides);
    }
  } else {
    d->back = d->mid = JJ_MINMAX_IDENTITY;
  }
}

/* `x`: the value in the lane's form (see the top: minmax_lift). The lane
 * has room: end - front < cap. */
JJ_HOT_INLINE void jj__daba_push(jj_daba *d, jj_minmax x, int sides) {
  d->back = jj__minmax_combine(d->back, x, sides);
  jj__daba_put(d, d->end, x, sides);
  d->end++;
  jj__daba_step(d, sides);
}

JJ_HOT_INLINE void jj__daba_evict(jj_daba *d, int sides) {
  d->front++;
  if (d->front - d->base >= d->cap) d->base += d->cap; /* keep base <= front < base + cap */
  jj__daba_step(d, sides);
}

JJ_HOT_INLINE jj_minmax jj__daba_query(const jj_daba *d, int sides) {
  if (d->front == d->end) return JJ_MINMAX_IDENTITY;
  jj_minmax alpha = d->b == d->front ? JJ_MINMAX_IDENTITY : jj__daba_get(d, d->front, sides);
  return jj__minmax_combine(alpha, d->back, sides);
}

#endif
