/* Internal: the invertible running sums behind count, sum, mean, variance,
 * slope and EWMA. Every sum is compensated; values and times are taken
 * relative to a shift chosen when the sums start empty, so squares stay
 * small.
 *
 * The shift is only the generation's first sample, and an outlier or a
 * level change can leave it far from the window's mean. So the shifted
 * value, its square and the cross products go in exactly (two_sum, fma),
 * and variance and slope are finished in double-double: the one-pass
 * formula sum(d^2) - sum(d)^2/n then does not cancel away the answer. */
#ifndef JJ_LIB_MOMENTS_H
#define JJ_LIB_MOMENTS_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ksum.h"

enum {
  JJ_MOM_SUM = 1,   /* sum */
  JJ_MOM_VAR = 2,   /* s1, s2 */
  JJ_MOM_SLOPE = 4, /* s1, st, stt, stv */
  JJ_MOM_EWMA = 8   /* ea, eb */
};

/* EWMA weights are 2^((ts - eref)/halflife); rebase eref once the newest
 * weight passes 2^32, so that weight times value stays far from overflow
 * for every accepted value (JJ_VALUE_LIMIT in sample.h). */
#define JJ_EWMA_REBASE_EXP 32.0

/* The count and the plain sum: all that count, sum and mean need. Kept
 * apart from the higher moments so that a window's two generations of them
 * share one cache line. */
typedef struct jj_sums {
  uint64_t n;
  jj_ksum sum; /* sum of v */
} jj_sums;

/* The higher moments, for variance, slope and EWMA. */
typedef struct jj_moments {
  jj_ksum s1, s2;        /* sums of d and d*d, d = v - vshift */
  jj_ksum st, stt, stv;  /* sums of t, t*t, t*d; t = ts - tshift in ms (exact) */
  jj_ksum ea, eb;        /* sums of w*v and w */
  double vshift;
  int64_t tshift;
  int64_t eref;
} jj_moments;

static inline void jj_moments_clear(jj_moments *m) { memset(m, 0, sizeof *m); }
static inline void jj_sums_clear(jj_sums *s) { memset(s, 0, sizeof *s); }

/* Add (add = 1) or remove a sample from the count and sum. */
JJ_HOT_INLINE void jj_sums_apply(jj_sums *s, double v, int add) {
  if (add) {
    s->n++;
    jj_ksum_add(&s->sum, v);
  } else {
    s->n--;
    jj_ksum_add(&s->sum, -v);
    if (s->n == 0) jj_sums_clear(s); /* drop rounding residue */
  }
}

/* a - b as a double. Timestamps are within +-2^62, so the difference can
 * reach 2^63, one past int64: subtract in unsigned arithmetic instead. */
static inline double jj_ts_diff(int64_t a, int64_t b) {
  if (a >= b) return (double)((uint64_t)a - (uint64_t)b);
  return -(double)((uint64_t)b - (uint64_t)a);
}

/* ---- double-double, just enough for the two formulas below ------------ */

typedef struct jj_dd {
  double hi, lo;
} jj_dd;

static inline jj_dd jj_dd_two_sum(double a, double b) {
  jj_dd r;
  r.hi = a + b;
  double bb = r.hi - a;
  r.lo = (a - (r.hi - bb)) + (b - bb);
  return r;
}

static inline jj_dd jj_dd_of(const jj_ksum *k) { return jj_dd_two_sum(k->sum, k->comp); }

static inline jj_dd jj_dd_sub(jj_dd a, jj_dd b) {
  jj_dd s = jj_dd_two_sum(a.hi, -b.hi);
  return jj_dd_two_sum(s.hi, s.lo + (a.lo - b.lo));
}

static inline jj_dd jj_dd_mul(jj_dd a, jj_dd b) {
  double p = a.hi * b.hi;
  double e = jj_prod_err(a.hi, b.hi, p) + (a.hi * b.lo + a.lo * b.hi);
  return jj_dd_two_sum(p, e);
}

static inline jj_dd jj_dd_div(jj_dd a, double b) {
  double q = a.hi / b;
  double p = q * b;
  double r = ((a.hi - p) - jj_prod_err(q, b, p) + a.lo) / b;
  return jj_dd_two_sum(q, r);
}

static inline double jj_moments_ewma_weight(jj_moments *m, int64_t ts,
                                            double halflife_ms) {
#ifdef JJ_NO_EWMA
  /* No ewma rule gets past the feature check: never called, and exp2
   * (newlib's is pow: ~4 KB) stays out of the firmware image. */
  (void)m;
  (void)ts;
  (void)halflife_ms;
  return 1.0;
#endif
  double e = jj_ts_diff(ts, m->eref) / halflife_ms;
  if (e > JJ_EWMA_REBASE_EXP) {
    /* Scale every weight down so the newest one is 1. */
    double f = exp2(-e);
    m->ea.sum *= f;
    m->ea.comp *= f;
    m->eb.sum *= f;
    m->eb.comp *= f;
    m->eref = ts;
    e = 0.0;
  }
  /* Below 2^-1075 the weight rounds to 0 anyway; exp2's underflow path
   * (errno, exceptions) is slow, and old samples of a long window with a
   * short half-life land there on every eviction. */
  if (e < -1080.0) return 0.0;
  return exp2(e);
}

/* jj_ksum_add_prod, always inlined: a push makes up to eight such calls,
 * and a call each costs more than the work. */
JJ_HOT_INLINE void jj_mom_add_prod(jj_ksum *k, double a, double b, double sign) {
  double p = a * b;
  double e = jj_prod_err(a, b, p);
  jj_ksum_add(k, sign * p);
  k->comp += sign * e;
}

/* sign = +1 to add a sample, -1 to remove one: the count, the sum (with
 * JJ_MOM_SUM) and the higher moments in `what`. */
JJ_HOT_INLINE void jj_moments_apply(jj_sums *s, jj_moments *m, unsigned what, int64_t ts,
                                    double v, double sign, double halflife_ms) {
  if (sign > 0 && s->n == 0) {
    m->vshift = v;
    m->tshift = ts;
    m->eref = ts;
  }
  if (what & JJ_MOM_SUM) {
    jj_sums_apply(s, v, sign > 0);
  } else {
    s->n = sign > 0 ? s->n + 1 : s->n - 1;
  }
  if (what & (JJ_MOM_VAR | JJ_MOM_SLOPE)) {
    /* d = hi + lo exactly: after a level change v - vshift is large and
     * its rounding would swamp the differences between the samples. */
    jj_dd d = jj_dd_two_sum(v, -m->vshift);
    jj_ksum_add(&m->s1, sign * d.hi);
    m->s1.comp += sign * d.lo;
    if (what & JJ_MOM_VAR) {
      jj_mom_add_prod(&m->s2, d.hi, d.hi, sign);
      m->s2.comp += sign * 2.0 * d.hi * d.lo;
    }
    if (what & JJ_MOM_SLOPE) {
      /* Milliseconds, not seconds: integers below 2^53 are exact. */
      double t = jj_ts_diff(ts, m->tshift);
      jj_ksum_add(&m->st, sign * t);
      jj_mom_add_prod(&m->stt, t, t, sign);
      jj_mom_add_prod(&m->stv, t, d.hi, sign);
      m->stv.comp += sign * t * d.lo;
    }
  }
  if (what & JJ_MOM_EWMA) {
    double w = jj_moments_ewma_weight(m, ts, halflife_ms);
    jj_ksum_add(&m->ea, sign * w * v);
    jj_ksum_add(&m->eb, sign * w);
  }
  if (sign < 0 && s->n == 0) jj_moments_clear(m); /* drop rounding residue */
}

/* n*sum(x*y) - sum(x)*sum(y): n^2 times the covariance, in double-double
 * (n < 2^30 is exact as a double). No division: the callers divide once. */
static inline jj_dd jj_moments_comoment_n(const jj_ksum *sxy, const jj_ksum *sx,
                                          const jj_ksum *sy, double n) {
  const jj_dd dn = {n, 0.0};
  return jj_dd_sub(jj_dd_mul(jj_dd_of(sxy), dn), jj_dd_mul(jj_dd_of(sx), jj_dd_of(sy)));
}

/* Population variance; n > 0. One division (n*S2 - S1^2) / n^2. */
static inline double jj_moments_variance(const jj_sums *s, const jj_moments *m) {
  double dn = (double)s->n;
  jj_dd c = jj_moments_comoment_n(&m->s2, &m->s1, &m->s1, dn);
  double var = (c.hi + c.lo) / (dn * dn);
  return var < 0.0 ? 0.0 : var; /* rounding can dip below zero */
}

/* Least-squares slope in value per second; NaN without spread in time.
 * The n^2 of both comoments cancels: one division. */
static inline double jj_moments_slope(const jj_sums *s, const jj_moments *m) {
  double dn = (double)s->n;
  jj_dd den = jj_moments_comoment_n(&m->stt, &m->st, &m->st, dn);
  jj_dd num = jj_moments_comoment_n(&m->stv, &m->st, &m->s1, dn);
  double d = den.hi + den.lo;
  return d > 0.0 ? 1000.0 * (num.hi + num.lo) / d : NAN;
}

#endif
