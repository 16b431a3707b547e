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
 * The state is a jj_daba (its lane pointer, slot count and boundaries
 * mean what they mean there: jj__daba_rel, jj__daba_cap and
 * jj__daba_reset serve both); only mid and back differ: each keeps the
 * positions of its samples in its `lo` field's bytes, and its `nhi`
 *  - one side: the value itself (lifted), so that a step or push combines
 *    with mid or back without reading the ring; INFINITY (the combine's
 *    identity, as jj__daba_reset leaves it) when empty: values are finite
 *    (jj__value_valid), so the identity never wins a combine and its
 *    positions are never kept;
 *  - two sides: whether it is empty (INFINITY) or not (0). */
#ifndef JJ_LIB_MINMAX_POS_H
#define JJ_LIB_MINMAX_POS_H

#include <stdint.h>
#include <string.h>

#include "minmax.h"

/* Where the values are: the window's ring of (ts, value) records, as a
 * stride-2 array of doubles, and its mapping from position to slot
 * (window.c's slot()), valid for every live position. `sign` lifts a
 * value into a one-sided lane's form (minmax_lift); `wide`: the lane
 * keeps 32-bit positions, else 16-bit. */
typedef struct jj_lanev {
  const double *vals;            /* the first record's value; record i's is vals[2 i] */
  uint32_t head, head_slot, cap; /* head: the low bits of the head's position */
  int wide;
  double sign;
} jj_lanev;

/* An aggregate in registers: values (in the lane's lifted form, as
 * jj_minmax) and the positions holding them. */
typedef struct jj_mmp {
  jj_minmax v;
  uint32_t plo, phi;
} jj_mmp;

JJ_HOT_INLINE double jj__lanev_value(const jj_lanev *rv, uint32_t p) {
  uint32_t rel = p - rv->head;
  if (!rv->wide) rel &= 0xffffu; /* (positions modulo 2^16) */
  uint32_t i = rel + rv->head_slot;
  if (i >= rv->cap) i -= rv->cap;
  return rv->vals[(size_t)i * 2];
}

/* The sample at position p, of value v, lifted (minmax_lift). */
JJ_HOT_INLINE jj_mmp jj__lanev_lift(const jj_lanev *rv, uint32_t p, double v, int sides) {
  jj_mmp x = {{v, -v}, p, p};
  if (sides == 1) x.v.lo = v * rv->sign;
  return x;
}
/* The same, its value read from the ring. */
JJ_HOT_INLINE jj_mmp jj__lanev_at(const jj_lanev *rv, uint32_t p, int sides) {
  return jj__lanev_lift(rv, p, jj__lanev_value(rv, p), sides);
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

/* The position slot i keeps for side `side`. */
JJ_HOT_INLINE uint32_t jj__dabap_pos(const jj_daba *d, uint32_t i, int side, int sides, int wide) {
  const size_t k = (size_t)i * (unsigned)sides + (unsigned)side;
  return wide ? ((const uint32_t *)(const void *)d->agg)[k]
              : ((const uint16_t *)(const void *)d->agg)[k];
}
/* The slot's address, for cache hints. */
JJ_HOT_INLINE const void *jj__dabap_at(const jj_daba *d, uint32_t i, int sides, int wide) {
  const size_t k = (size_t)i * (unsigned)sides;
  return wide ? (const void *)((const uint32_t *)(const void *)d->agg + k)
              : (const void *)((const uint16_t *)(const void *)d->agg + k);
}

/* The aggregate of the samples at plo (and phi: two sides). */
JJ_HOT_INLINE jj_mmp jj__dabap_load(const jj_lanev *rv, uint32_t plo, uint32_t phi, int sides) {
  jj_mmp x = jj__lanev_at(rv, plo, sides);
  if (sides == 2) {
    x.v.nhi = -jj__lanev_value(rv, phi);
    x.phi = phi;
  }
  return x;
}

JJ_HOT_INLINE jj_mmp jj__dabap_get(const jj_daba *d, const jj_lanev *rv, uint32_t i, int sides) {
  return jj__dabap_load(rv, jj__dabap_pos(d, i, 0, sides, rv->wide),
                        sides == 2 ? jj__dabap_pos(d, i, 1, sides, rv->wide) : 0, sides);
}

JJ_HOT_INLINE void jj__dabap_put(const jj_daba *d, const jj_lanev *rv, uint32_t i, jj_mmp x,
                                 int sides) {
  const size_t k = (size_t)i * (unsigned)sides;
  if (rv->wide) {
    uint32_t *e = (uint32_t *)(void *)d->agg + k;
    e[0] = x.plo;
    if (sides == 2) e[1] = x.phi;
  } else {
    uint16_t *e = (uint16_t *)(void *)d->agg + k;
    e[0] = (uint16_t)x.plo;
    if (sides == 2) e[1] = (uint16_t)x.phi;
  }
}

/* mid or back (`m`): its aggregate (see the top for the encoding). */
JJ_HOT_INLINE jj_mmp jj__dabap_held(const jj_minmax *m, const jj_lanev *rv, int sides) {
  uint32_t p[2];
  memcpy(p, &m->lo, sizeof p);
  if (sides == 1) { /* (no test, no ring read: empty is the identity) */
    const jj_mmp x = {{m->nhi, INFINITY}, p[0], p[1]};
    return x;
  }
  if (m->nhi != 0.0) return JJ_MMP_IDENTITY;
  return jj__dabap_load(rv, p[0], p[1], sides);
}
/* (an aggregate of at least one sample: never the identity) */
JJ_HOT_INLINE void jj__dabap_hold(jj_minmax *m, jj_mmp x, int sides) {
  const uint32_t p[2] = {x.plo, x.phi};
  memcpy(&m->lo, p, sizeof p);
  m->nhi = sides == 1 ? x.v.lo : 0.0;
}

JJ_HOT_INLINE jj_mmp jj__dabap_delta(const jj_daba *d, const jj_lanev *rv, int sides) {
  return d->a == d->b ? JJ_MMP_IDENTITY : jj__dabap_get(d, rv, d->a, sides);
}

/* As jj__daba_move: the positions keep their meaning. */
static inline void jj__dabap_move(jj_daba *d, double *lane, uint32_t cap, int sides, int wide) {
  const uint32_t len = jj__daba_rel(d, d->end);
  for (uint32_t k = 0, i = d->front; k < len; k++, i = jj__daba_next(d, i))
    for (int s = 0; s < sides; s++) {
      const size_t to = (size_t)k * (unsigned)sides + (unsigned)s;
      const uint32_t p = jj__dabap_pos(d, i, s, sides, wide);
      if (wide)
        ((uint32_t *)(void *)lane)[to] = p;
      else
        ((uint16_t *)(void *)lane)[to] = (uint16_t)p;
    }
  jj__daba_renumber(d, lane, len, cap);
}

/* (jj__daba_flip moves the same fields: mid = back, back empty) */
JJ_HOT_INLINE void jj__dabap_step(jj_daba *d, const jj_lanev *rv, int sides) {
  if (d->l == d->b) jj__daba_flip(d);
  if (d->front != d->b) {
    if (d->a != d->r) {
      jj_mmp prev = jj__dabap_delta(d, rv, sides);
      d->a = jj__daba_prev(d, d->a);
      jj__dabap_put(d, rv, d->a, jj__mmp_combine(jj__dabap_get(d, rv, d->a, sides), prev, sides),
                    sides);
    }
    if (d->l != d->r) {
      jj__dabap_put(d, rv, d->l,
                    jj__mmp_combine(jj__dabap_get(d, rv, d->l, sides),
                                    jj__dabap_held(&d->mid, rv, sides), sides),
                    sides);
      d->l = jj__daba_next(d, d->l);
    } else { /* l, r and a step on together */
      d->l = jj__daba_next(d, d->l);
      d->r = d->l;
      d->a = jj__daba_next(d, d->a);
      if (d->a == d->b)
        d->mid = JJ_MINMAX_IDENTITY;
      else
        jj__dabap_hold(&d->mid, jj__dabap_get(d, rv, d->a, sides), sides);
    }
  } else {
    d->back = d->mid = JJ_MINMAX_IDENTITY;
  }
}

/* The sample at position p (stored in the ring), of value v, enters at
 * the back: a caller with the value at hand saves the ring read. */
JJ_HOT_INLINE void jj__dabap_push_value(jj_daba *d, const jj_lanev *rv, uint32_t p, double v,
                                        int sides) {
  const jj_mmp x = jj__lanev_lift(rv, p, v, sides);
  jj__dabap_hold(&d->back, jj__mmp_combine(jj__dabap_held(&d->back, rv, sides), x, sides), sides);
  jj__dabap_put(d, rv, d->end, x, sides);
  d->end = jj__daba_next(d, d->end);
  jj__dabap_step(d, rv, sides);
}
/* The same, the value read from the ring. */
JJ_HOT_INLINE void jj__dabap_push(jj_daba *d, const jj_lanev *rv, uint32_t p, int sides) {
  jj__dabap_push_value(d, rv, p, jj__lanev_value(rv, p), sides);
}

/* Before the window's head moves past the front's sample. */
JJ_HOT_INLINE void jj__dabap_evict(jj_daba *d, const jj_lanev *rv, int sides) {
  d->front = jj__daba_next(d, d->front);
  jj__dabap_step(d, rv, sides);
}

JJ_HOT_INLINE jj_minmax jj__dabap_query(const jj_daba *d, const jj_lanev *rv, int sides) {
  if (d->front == d->end) return JJ_MINMAX_IDENTITY;
  jj_mmp alpha = d->b == d->front ? JJ_MMP_IDENTITY : jj__dabap_get(d, rv, d->front, sides);
  return jj__mmp_combine(alpha, jj__dabap_held(&d->back, rv, sides), sides).v;
}

#endif
