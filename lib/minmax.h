/* Internal: sliding min/max with worst-case O(1) insert, evict and query.
 *
 * DABA Lite (De-Amortized Banker's Aggregator, Tangwongsan, Hirzel and
 * Schneider, "In-order sliding-window aggregation in worst-case constant
 * time", VLDB Journal 2021). The deque is a range of positions in the
 * window's sample ring, oldest first; its partial aggregates live in a
 * lane of the ring's capacity + 1 slots, and DABA's boundaries (front,
 * end, l, r, a, b) are slots in it, each stepped forward or back with one
 * conditional wrap (the extra slot: a full deque's end is not its front,
 * so every comparison of two boundaries means what it says). The lane
 * grows with the ring, by an eighth, never to a power of two. Values enter
 * at the back in timestamp order and leave at the front.
 *
 * A lane keeps one side or both (`sides`, a constant at every call on the
 * hot paths, so the compiler keeps one variant of each):
 *  - 2: {min, -max} per slot, 16 B: combining two is two minima;
 *  - 1: one double per slot, 8 B: the minimum of what the caller puts in,
 *    v for a min-only window, -v for a max-only one (the window does that
 *    mapping, minmax_lift in window.c).
 * Aggregates travel as jj_minmax in both cases; with one side only `lo`
 * means anything.
 *
 * DABA Lite's invariant (what each slot holds, Σ the combine, ranges of
 * positions from the front): with front <= l <= r <= a <= b <= end,
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


/* The minimum and the NEGATED maximum, so that combining two is a
 * minimum in both lanes. */
typedef struct jj_minmax {
  double lo, nhi;
} jj_minmax;

typedef struct jj_daba {
  double *agg;         /* the lane: n slots of `sides` doubles */
  uint32_t n;          /* slots: the capacity + 1, so a full deque's end is not its front */
  uint32_t front;      /* the first slot of the deque */
  uint32_t end;        /* one past the last */
  uint32_t l, r, a, b; /* DABA Lite's segment boundaries */
  jj_minmax mid, back;
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
  /* Two scalar minima, not one minpd: window.c is compiled without SLP
   * vectorization, so the pair's halves live in two registers, and packing
   * them for minpd went through the stack (two 8-byte stores, one 16-byte
   * load: a load that cannot take its data from the stores). */
  z.lo = x.lo < y.lo ? x.lo : y.lo;
  z.nhi = x.nhi < y.nhi ? x.nhi : y.nhi;
  return z;
}

/* The slots after and before slot i, around the lane. */
JJ_HOT_INLINE uint32_t jj__daba_next(const jj_daba *d, uint32_t i) {
  return i + 1 == d->n ? 0 : i + 1;
}
JJ_HOT_INLINE uint32_t jj__daba_prev(const jj_daba *d, uint32_t i) { return (i ? i : d->n) - 1; }
/* Slot i's distance from the front: its position minus the front's. */
JJ_HOT_INLINE uint32_t jj__daba_rel(const jj_daba *d, uint32_t i) {
  /* (A mask, not a branch: whether i has wrapped past the front changes
   * twice a lap, so every push and read of a short window mispredicted.) */
  return i - d->front + (d->n & -(uint32_t)(i < d->front));
}
/* The values the lane has room for. */
JJ_HOT_INLINE uint32_t jj__daba_cap(const jj_daba *d) { return d->n ? d->n - 1 : 0; }

JJ_HOT_INLINE double *jj__daba_at(const jj_daba *d, uint32_t i, int sides) {
  return d->agg + (size_t)i * (unsigned)sides;
}

JJ_HOT_INLINE jj_minmax jj__daba_get(const jj_daba *d, uint32_t i, int sides) {
  const double *e = jj__daba_at(d, i, sides);
  jj_minmax x = {e[0], INFINITY};
  if (sides == 2) x.nhi = e[1];
  return x;
}

JJ_HOT_INLINE void jj__daba_put(const jj_daba *d, uint32_t i, jj_minmax x, int sides) {
  double *e = jj__daba_at(d, i, sides);
  e[0] = x.lo;
  if (sides == 2) e[1] = x.nhi;
}

JJ_HOT_INLINE jj_minmax jj__daba_delta(const jj_daba *d, int sides) {
  return d->a == d->b ? JJ_MINMAX_IDENTITY : jj__daba_get(d, d->a, sides);
}

/* Empty (the lane is kept). */
JJ_HOT_INLINE void jj__daba_reset(jj_daba *d) {
  d->front = d->end = 0;
  d->l = d->r = d->a = d->b = 0;
  d->mid = d->back = JJ_MINMAX_IDENTITY;
}

/* After a move: the lane's entries from the front are now at slots 0 ..
 * len - 1 of `lane` (cap + 1 slots); the boundaries keep their distances
 * from the front. Shared by jj__daba_move and minmax_pos.h's move. */
static inline void jj__daba_renumber(jj_daba *d, double *lane, uint32_t len, uint32_t cap) {
  d->l = jj__daba_rel(d, d->l);
  d->r = jj__daba_rel(d, d->r);
  d->a = jj__daba_rel(d, d->a);
  d->b = jj__daba_rel(d, d->b);
  d->front = 0;
  d->end = len;
  d->agg = lane;
  d->n = cap + 1;
}

/* Move to `lane` of cap + 1 slots (cap >= the deque's length), the deque
 * from slot 0, each value keeping its place in it. The old lane is the
 * caller's to free. */
static inline void jj__daba_move(jj_daba *d, double *lane, uint32_t cap, int sides) {
  const uint32_t len = jj__daba_rel(d, d->end);
  for (uint32_t k = 0, i = d->front; k < len; k++, i = jj__daba_next(d, i)) {
    const double *e = jj__daba_at(d, i, sides);
    for (int s = 0; s < sides; s++) lane[(size_t)k * (unsigned)sides + (unsigned)s] = e[s];
  }
  jj__daba_renumber(d, lane, len, cap);
}

/* *dst = x, the sides the lane keeps only: a one-sided lane's pushes
 * store back.lo alone, and a 16-byte load of back (a copy of the pair)
 * right after such an 8-byte store cannot take its data from the store
 * (it waits for the store to complete). */
#ifndef JJ_NO_FORCE_INLINE
JJ_HOT_INLINE void jj__minmax_set(jj_minmax *dst, jj_minmax x, int sides) {
  dst->lo = x.lo;
  if (sides == 2) dst->nhi = x.nhi;
}
#else /* built for size: every lane keeps both sides (window.c: LANE_SIDES) */
#define jj__minmax_set(dst, x, sides) ((void)(sides), *(dst) = (x))
#endif

/* Start a new round: the back segment becomes the front to be processed.
 * Both sides (minmax_pos.h's lanes keep a flag in nhi). */
JJ_HOT_INLINE void jj__daba_flip(jj_daba *d) {
  d->l = d->front;
  d->r = d->b;
  d->a = d->end;
  d->b = d->end;
  d->mid = d->back;
  d->back = JJ_MINMAX_IDENTITY;
}
#ifndef JJ_NO_FORCE_INLINE
/* The same, moving only the sides the lane keeps. */
JJ_HOT_INLINE void jj__daba_flip_t(jj_daba *d, int sides) {
  if (sides == 2) {
    jj__daba_flip(d);
    return;
  }
  d->l = d->front;
  d->r = d->b;
  d->a = d->end;
  d->b = d->end;
  d->mid.lo = d->back.lo;
  d->back.lo = INFINITY;
}
#else
#define jj__daba_flip_t(d, sides) ((void)(sides), jj__daba_flip(d))
#endif

JJ_HOT_INLINE void jj__daba_step(jj_daba *d, int sides) {
  if (d->l == d->b) jj__daba_flip_t(d, sides);
  if (d->front != d->b) {
    if (d->a != d->r) {
      jj_minmax prev = jj__daba_delta(d, sides);
      d->a = jj__daba_prev(d, d->a);
      jj__daba_put(d, d->a, jj__minmax_combine(jj__daba_get(d, d->a, sides), prev, sides),
                   sides);
    }
    if (d->l != d->r) {
      jj__daba_put(d, d->l, jj__minmax_combine(jj__daba_get(d, d->l, sides), d->mid, sides),
                   sides);
      d->l = jj__daba_next(d, d->l);
    } else { /* l, r and a step on together */
      d->l = jj__daba_next(d, d->l);
      d->r = d->l;
      d->a = jj__daba_next(d, d->a);
      jj__minmax_set(&d->mid, jj__daba_delta(d, sides), sides);
    }
  } else { /* (16-byte stores: later 8-byte loads of lo take their data from them) */
    d->back = d->mid = JJ_MINMAX_IDENTITY;
  }
}

/* `x`: the value in the lane's form (see the top: minmax_lift). The lane
 * has room: the deque holds fewer than jj__daba_cap values. */
JJ_HOT_INLINE void jj__daba_push(jj_daba *d, jj_minmax x, int sides) {
  jj__minmax_set(&d->back, jj__minmax_combine(d->back, x, sides), sides);
  jj__daba_put(d, d->end, x, sides);
  d->end = jj__daba_next(d, d->end);
  jj__daba_step(d, sides);
}

JJ_HOT_INLINE void jj__daba_evict(jj_daba *d, int sides) {
  d->front = jj__daba_next(d, d->front);
  jj__daba_step(d, sides);
}

/* The same for a deque the caller knows is not empty. */
JJ_HOT_INLINE jj_minmax jj__daba_query_some(const jj_daba *d, int sides) {
  jj_minmax alpha = d->b == d->front ? JJ_MINMAX_IDENTITY : jj__daba_get(d, d->front, sides);
  return jj__minmax_combine(alpha, d->back, sides);
}

JJ_HOT_INLINE jj_minmax jj__daba_query(const jj_daba *d, int sides) {
  if (d->front == d->end) return JJ_MINMAX_IDENTITY;
  return jj__daba_query_some(d, sides);
}

#endif
