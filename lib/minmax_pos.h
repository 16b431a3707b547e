/* Internal: DABA Lite (minmax.h) with a lane of sample positions instead
 * of values, for the windows of a shared sample ring (window.c, "shared
 * rings").
 *
 * A min or max over samples is always one of their values, so a slot of
 * the lane can name the sample that holds its partial aggregate instead
 * of copying the value: 2 bytes a side when the window holds at most
 * 65,536 samples (positions modulo 2^16: every live one is within 65,535
 * of the head), else 4, instead of 8. A read then loads the value from
 * the ring, whose lines the shared push touches anyway. The algorithm,
 * its invariant and its boundaries are minmax.h's, step for step, and a
 * combine keeps the same operand on ties (the later one), so the values
 * are the ones a lane of values gives (-0 and +0 included).
 *
 * jj_dabap takes jj_daba's place in a window (a union of both: they
 * share the initial fields agg .. b, so jj__daba_rel, jj__daba_cap and
 * the lane's pointer read through either); mid and back, which a lane
 * of values keeps as values, are positions too, with a flag when empty
 * (the combine's identity). */
#ifndef JJ_LIB_MINMAX_POS_H
#define JJ_LIB_MINMAX_POS_H

#include <stdint.h>

#include "minmax.h"

typedef struct jj_dabap {
  /* The lane: n slots of `sides` positions, uint16_t (or uint32_t: wide).
   * Typed as jj_daba's, so that the two share their initial fields. */
  double *agg;
  uint32_t n; /* as jj_daba's */
  uint32_t front, end, l, r, a, b;
  uint32_t mid[2], back[2]; /* the positions of mid and back, per side */
  uint8_t mid_empty, back_empty;
  uint8_t wide; /* 32-bit positions (the window may hold more than 65,536 samples) */
} jj_dabap;

_Static_assert(sizeof(jj_dabap) <= sizeof(jj_daba), "jj_dabap fits where a jj_daba goes");

/* Where the values are: the window's ring of (ts, value) records, as a
 * stride-2 array of doubles, and its mapping from position to slot
 * (window.c's slot()), valid for every live position. `sign` lifts a
 * value into a one-sided lane's form (minmax_lift). */
typedef struct jj_lanev {
  const double *vals;            /* the first record's value; record i's is vals[2 i] */
  uint32_t head, head_slot, cap; /* head: the low bits of the head's position */
  double sign;
} jj_lanev;

/* An aggregate in registers: values (in the lane's lifted form, as
 * jj_minmax) and the positions holding them. */
typedef struct jj_mmp {
  jj_minmax v;
  uint32_t plo, phi;
} jj_mmp;

JJ_HOT_INLINE double jj__lanev_value(const jj_lanev *rv, uint32_t p, int wide) {
  uint32_t rel = p - rv->head;
  if (!wide) rel &= 0xffffu; /* (positions modulo 2^16) */
  uint32_t i = rel + rv->head_slot;
  if (i >= rv->cap) i -= rv->cap;
  return rv->vals[(size_t)i * 2];
}

/* The sample at position p, lifted (minmax_lift). */
JJ_HOT_INLINE jj_mmp jj__lanev_at(const jj_lanev *rv, uint32_t p, int sides, int wide) {
  const double v = jj__lanev_value(rv, p, wide);
  jj_mmp x = {{v, -v}, p, p};
  if (sides == 1) x.v.lo = v * rv->sign;
  return x;
}

JJ_HOT_INLINE jj_mmp jj__mmp_combine(jj_mmp x, jj_mmp y, int sides) {
  jj_mmp z = y; /* ties: y, as jj__minmax_combine */
  if (x.v.lo < y.v.lo) {
    z.v.lo = x.v.lo;
    z.plo = x.plo;
  }
  if (sides == 2 && x.v.nhi < y.v.nhi) {
    z.v.nhi = x.v.nhi;
    z.phi = x.phi;
  }
  return z;
}

#define JJ_MMP_IDENTITY ((jj_mmp){{INFINITY, INFINITY}, 0, 0})

JJ_HOT_INLINE uint32_t jj__dabap_next(const jj_dabap *d, uint32_t i) {
  return i + 1 == d->n ? 0 : i + 1;
}
JJ_HOT_INLINE uint32_t jj__dabap_prev(const jj_dabap *d, uint32_t i) { return (i ? i : d->n) - 1; }
JJ_HOT_INLINE uint32_t jj__dabap_rel(const jj_dabap *d, uint32_t i) {
  return i >= d->front ? i - d->front : i + d->n - d->front;
}
JJ_HOT_INLINE uint32_t jj__dabap_cap(const jj_dabap *d) { return d->n ? d->n - 1 : 0; }

/* The positions slot i keeps (side 0, side 1). */
JJ_HOT_INLINE uint32_t jj__dabap_pos(const jj_dabap *d, uint32_t i, int side, int sides) {
  const size_t k = (size_t)i * (unsigned)sides + (unsigned)side;
  return d->wide ? ((const uint32_t *)(const void *)d->agg)[k]
                 : ((const uint16_t *)(const void *)d->agg)[k];
}
/* The slot's address, for cache hints. */
JJ_HOT_INLINE const void *jj__dabap_at(const jj_dabap *d, uint32_t i, int sides) {
  const size_t k = (size_t)i * (unsigned)sides;
  return d->wide ? (const void *)((const uint32_t *)(const void *)d->agg + k)
                 : (const void *)((const uint16_t *)(const void *)d->agg + k);
}

/* One position per side from a point or from a stored aggregate. */
JJ_HOT_INLINE jj_mmp jj__dabap_load(const jj_lanev *rv, uint32_t plo, uint32_t phi, int sides,
                                    int wide) {
  jj_mmp x = jj__lanev_at(rv, plo, sides, wide);
  if (sides == 2) {
    x.v.nhi = -jj__lanev_value(rv, phi, wide);
    x.phi = phi;
  }
  return x;
}

JJ_HOT_INLINE jj_mmp jj__dabap_get(const jj_dabap *d, const jj_lanev *rv, uint32_t i, int sides) {
  const int wide = d->wide;
  return jj__dabap_load(rv, jj__dabap_pos(d, i, 0, sides),
                        sides == 2 ? jj__dabap_pos(d, i, 1, sides) : 0, sides, wide);
}

JJ_HOT_INLINE void jj__dabap_put(const jj_dabap *d, uint32_t i, jj_mmp x, int sides) {
  const size_t k = (size_t)i * (unsigned)sides;
  if (d->wide) {
    uint32_t *e = (uint32_t *)(void *)d->agg + k;
    e[0] = x.plo;
    if (sides == 2) e[1] = x.phi;
  } else {
    uint16_t *e = (uint16_t *)(void *)d->agg + k;
    e[0] = (uint16_t)x.plo;
    if (sides == 2) e[1] = (uint16_t)x.phi;
  }
}

JJ_HOT_INLINE jj_mmp jj__dabap_mid(const jj_dabap *d, const jj_lanev *rv, int sides) {
  return d->mid_empty ? JJ_MMP_IDENTITY : jj__dabap_load(rv, d->mid[0], d->mid[1], sides, d->wide);
}
JJ_HOT_INLINE jj_mmp jj__dabap_back(const jj_dabap *d, const jj_lanev *rv, int sides) {
  return d->back_empty ? JJ_MMP_IDENTITY
                       : jj__dabap_load(rv, d->back[0], d->back[1], sides, d->wide);
}
/* (an aggregate of at least one sample: never the identity) */
JJ_HOT_INLINE void jj__dabap_set_mid(jj_dabap *d, jj_mmp x) {
  d->mid[0] = x.plo;
  d->mid[1] = x.phi;
  d->mid_empty = 0;
}
JJ_HOT_INLINE void jj__dabap_set_back(jj_dabap *d, jj_mmp x) {
  d->back[0] = x.plo;
  d->back[1] = x.phi;
  d->back_empty = 0;
}

JJ_HOT_INLINE jj_mmp jj__dabap_delta(const jj_dabap *d, const jj_lanev *rv, int sides) {
  return d->a == d->b ? JJ_MMP_IDENTITY : jj__dabap_get(d, rv, d->a, sides);
}

JJ_HOT_INLINE void jj__dabap_reset(jj_dabap *d) {
  d->front = d->end = 0;
  d->l = d->r = d->a = d->b = 0;
  d->mid_empty = d->back_empty = 1;
}

/* As jj__daba_move: the positions keep their meaning. */
static inline void jj__dabap_move(jj_dabap *d, double *lane, uint32_t cap, int sides) {
  const uint32_t len = jj__dabap_rel(d, d->end);
  for (uint32_t k = 0, i = d->front; k < len; k++, i = jj__dabap_next(d, i))
    for (int s = 0; s < sides; s++) {
      const size_t to = (size_t)k * (unsigned)sides + (unsigned)s;
      const uint32_t p = jj__dabap_pos(d, i, s, sides);
      if (d->wide)
        ((uint32_t *)(void *)lane)[to] = p;
      else
        ((uint16_t *)(void *)lane)[to] = (uint16_t)p;
    }
  d->l = jj__dabap_rel(d, d->l);
  d->r = jj__dabap_rel(d, d->r);
  d->a = jj__dabap_rel(d, d->a);
  d->b = jj__dabap_rel(d, d->b);
  d->front = 0;
  d->end = len;
  d->agg = lane;
  d->n = cap + 1;
}

JJ_HOT_INLINE void jj__dabap_flip(jj_dabap *d) {
  d->l = d->front;
  d->r = d->b;
  d->a = d->end;
  d->b = d->end;
  d->mid[0] = d->back[0];
  d->mid[1] = d->back[1];
  d->mid_empty = d->back_empty;
  d->back_empty = 1;
}

JJ_HOT_INLINE void jj__dabap_step(jj_dabap *d, const jj_lanev *rv, int sides) {
  if (d->l == d->b) jj__dabap_flip(d);
  if (d->front != d->b) {
    if (d->a != d->r) {
      jj_mmp prev = jj__dabap_delta(d, rv, sides);
      d->a = jj__dabap_prev(d, d->a);
      jj__dabap_put(d, d->a, jj__mmp_combine(jj__dabap_get(d, rv, d->a, sides), prev, sides),
                    sides);
    }
    if (d->l != d->r) {
      jj__dabap_put(
          d, d->l,
          jj__mmp_combine(jj__dabap_get(d, rv, d->l, sides), jj__dabap_mid(d, rv, sides), sides),
          sides);
      d->l = jj__dabap_next(d, d->l);
    } else {
      d->l = jj__dabap_next(d, d->l);
      d->r = d->l;
      d->a = jj__dabap_next(d, d->a);
      if (d->a == d->b)
        d->mid_empty = 1;
      else
        jj__dabap_set_mid(d, jj__dabap_get(d, rv, d->a, sides));
    }
  } else {
    d->back_empty = d->mid_empty = 1;
  }
}

/* The sample at position p (stored in the ring) enters at the back. */
JJ_HOT_INLINE void jj__dabap_push(jj_dabap *d, const jj_lanev *rv, uint32_t p, int sides) {
  const jj_mmp x = jj__lanev_at(rv, p, sides, d->wide);
  jj__dabap_set_back(d, jj__mmp_combine(jj__dabap_back(d, rv, sides), x, sides));
  jj__dabap_put(d, d->end, x, sides);
  d->end = jj__dabap_next(d, d->end);
  jj__dabap_step(d, rv, sides);
}

/* Before the window's head moves past the front's sample. */
JJ_HOT_INLINE void jj__dabap_evict(jj_dabap *d, const jj_lanev *rv, int sides) {
  d->front = jj__dabap_next(d, d->front);
  jj__dabap_step(d, rv, sides);
}

JJ_HOT_INLINE jj_minmax jj__dabap_query(const jj_dabap *d, const jj_lanev *rv, int sides) {
  if (d->front == d->end) return JJ_MINMAX_IDENTITY;
  jj_mmp alpha = d->b == d->front ? JJ_MMP_IDENTITY : jj__dabap_get(d, rv, d->front, sides);
  return jj__mmp_combine(alpha, jj__dabap_back(d, rv, sides), sides).v;
}

#endif
