/* Internal: sliding min/max with worst-case O(1) insert, evict and query.
 *
 * DABA Lite (De-Amortized Banker's Aggregator, Tangwongsan, Hirzel and
 * Schneider, "In-order sliding-window aggregation in worst-case constant
 * time", VLDB Journal 2021). The deque is a range of positions in the
 * window's sample ring: partial aggregates live in a parallel array indexed
 * by `pos & mask` (a power of two at least the ring's capacity, which is
 * not one), so positions survive the ring growing. Values enter at the
 * back in timestamp order and leave at the front. (Mapping positions like
 * the ring does, a compare and a subtract per access, cost min/max pushes
 * about 60 instructions more: DABA Lite touches up to seven entries a
 * push.) */
#ifndef JJ_LIB_MINMAX_H
#define JJ_LIB_MINMAX_H

#include <math.h>
#include <stdint.h>

#include "ksum.h" /* JJ_HOT_INLINE */

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* The minimum and the NEGATED maximum, so that combining two is a
 * minimum in both lanes: one SSE2 minpd. */
typedef struct jj_minmax {
  double lo, nhi;
} jj_minmax;

typedef struct jj_daba {
  jj_minmax *agg;  /* partial aggregates, one per ring slot */
  uint64_t mask;   /* ring capacity - 1 */
  uint64_t front;  /* first position in the deque */
  uint64_t end;    /* one past the last position */
  uint64_t l, r, a, b; /* DABA Lite's segment boundaries */
  jj_minmax mid, back;
} jj_daba;


/* The deque's operations, inline: every push calls two of them.
 * Each does a constant amount of work: a push or evict moves the
 * boundaries l, r, a by at most one step, so nothing walks the window. */

#define JJ_MINMAX_IDENTITY ((jj_minmax){INFINITY, INFINITY})

JJ_HOT_INLINE jj_minmax jj__minmax_combine(jj_minmax x, jj_minmax y) {
  jj_minmax z = x; /* (both lanes are overwritten; initialised for the linters) */
#if defined(__SSE2__)
  _mm_storeu_pd(&z.lo, _mm_min_pd(_mm_loadu_pd(&x.lo), _mm_loadu_pd(&y.lo)));
#else
  z.lo = x.lo < y.lo ? x.lo : y.lo;
  z.nhi = x.nhi < y.nhi ? x.nhi : y.nhi;
#endif
  return z;
}

JJ_HOT_INLINE jj_minmax *jj__daba_at(const jj_daba *d, uint64_t pos) {
  return &d->agg[pos & d->mask];
}

JJ_HOT_INLINE jj_minmax jj__daba_delta(const jj_daba *d) {
  return d->a == d->b ? JJ_MINMAX_IDENTITY : *jj__daba_at(d, d->a);
}

JJ_HOT_INLINE void jj__daba_reset(jj_daba *d, uint64_t pos) {
  d->front = d->end = pos;
  d->l = d->r = d->a = d->b = pos;
  d->mid = d->back = JJ_MINMAX_IDENTITY;
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

JJ_HOT_INLINE void jj__daba_step(jj_daba *d) {
  if (d->l == d->b) jj__daba_flip(d);
  if (d->front != d->b) {
    if (d->a != d->r) {
      jj_minmax prev = jj__daba_delta(d);
      d->a--;
      *jj__daba_at(d, d->a) = jj__minmax_combine(*jj__daba_at(d, d->a), prev);
    }
    if (d->l != d->r) {
      *jj__daba_at(d, d->l) = jj__minmax_combine(*jj__daba_at(d, d->l), d->mid);
      d->l++;
    } else {
      d->l++;
      d->r++;
      d->a++;
      d->mid = jj__daba_delta(d);
    }
  } else {
    d->back = d->mid = JJ_MINMAX_IDENTITY;
  }
}

JJ_HOT_INLINE void jj__daba_push(jj_daba *d, double v) {
  jj_minmax lifted = {v, -v};
  d->back = jj__minmax_combine(d->back, lifted);
  *jj__daba_at(d, d->end) = lifted;
  d->end++;
  jj__daba_step(d);
}

JJ_HOT_INLINE void jj__daba_evict(jj_daba *d) {
  d->front++;
  jj__daba_step(d);
}

JJ_HOT_INLINE jj_minmax jj__daba_query(const jj_daba *d) {
  if (d->front == d->end) return JJ_MINMAX_IDENTITY;
  jj_minmax alpha = d->b == d->front ? JJ_MINMAX_IDENTITY : *jj__daba_at(d, d->front);
  return jj__minmax_combine(alpha, d->back);
}

#endif
