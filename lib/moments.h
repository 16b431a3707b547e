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
/* The plain sum (count, sum and mean) is a jj_ksum kept apart from the
 * higher moments, so that a window's two generations of it share one cache
 * line; the count is the caller's (a window's positions give it). */

/* Add (add = 1) or remove a sample from a plain sum of `n` samples (before):
 * removing the last one drops the rounding residue. Field by field, not
 * memset: a caller's copy in registers stays there (window.c's
 * specialised push). */
JJ_HOT_INLINE void jj_sum_apply(jj_ksum *k, double v, int add, uint64_t n) {
  if (add) {
    jj_ksum_add_finite(k, v);
  } else {
    jj_ksum_sub_finite(k, v);
    if (n == 1) { /* drop rounding residue */
      k->sum = 0.0;
      k->comp = 0.0;
    }
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

/* x, or -x when removing: a sign flip, where `sign * x` would be a
 * multiplication (a library call on a single-precision FPU). Same value. */
#define JJ_SIGNED(add, x) ((add) ? (x) : -(x))

/* k += sign * a * b with the product's rounding error too, so sums of
 * products keep their low bits. Always inlined: a push makes up to eight
 * such calls, and a call each costs more than the work. */
JJ_HOT_INLINE void jj_mom_add_prod(jj_ksum *k, double a, double b, int add) {
  double p = a * b;
  double e = jj_prod_err(a, b, p);
  jj_ksum_add(k, JJ_SIGNED(add, p));
  k->comp += JJ_SIGNED(add, e);
}

/* As jj_mom_add_prod for a = t, an integer of at most 2^26 in magnitude: t * t
 * is exact (error 0, nothing to add) and t needs no split (Veltkamp's
 * split of it is t + 0). Same sums as the general path. */
#if !JJ_KSUM_FUSED
JJ_HOT_INLINE void jj_mom_add_small_prod(jj_ksum *k, double t, double b, int add) {
  double p = t * b;
  double bh, bl;
  jj_split(b, &bh, &bl);
  double e = (t * bh - p) + t * bl;
  jj_ksum_add(k, JJ_SIGNED(add, p));
  k->comp += JJ_SIGNED(add, e);
}
#else
#define jj_mom_add_small_prod jj_mom_add_prod
#endif

/* The time offset ts - tshift is at most 2^26 (18.6 hours in ms): its
 * square and its split are exact. Unsigned: the difference may reach 2^63. */
static inline int jj_ts_small(int64_t ts, int64_t tshift) {
  return (uint64_t)ts - (uint64_t)tshift + (UINT64_C(1) << 26) < (UINT64_C(1) << 27);
}

/* 1 when x is zero (either sign), without a double compare. */
static inline int jj_is_zero(double x) {
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  return (u << 1) == 0;
}

/* a - b exactly as hi + lo (two_sum), 1 operation instead of 6 when a
 * and b share sign and exponent: then a - b is exact (Sterbenz: b/2 <= a
 * <= 2b) and lo is 0. A sensor's readings mostly stay in one binade. */
JJ_HOT_INLINE jj_dd jj_dd_diff(double a, double b) {
  uint64_t x, y;
  memcpy(&x, &a, sizeof x);
  memcpy(&y, &b, sizeof y);
  if (((x ^ y) >> 52) == 0) {
    jj_dd d = {a - b, 0.0};
    return d;
  }
  return jj_dd_two_sum(a, -b);
}

/* sign = +1 to add a sample, -1 to remove one, of `n` (before): the sum
 * (with JJ_MOM_SUM) and the higher moments in `what`. */
JJ_HOT_INLINE void jj_moments_apply(jj_ksum *sum, uint64_t n, jj_moments *m, unsigned what,
                                    int64_t ts, double v, double sign, double halflife_ms) {
  const int add = !signbit(sign); /* a bit test, not a double compare */
  if (add && n == 0) {
    m->vshift = v;
    m->tshift = ts;
    m->eref = ts;
  }
  if (what & JJ_MOM_SUM) jj_sum_apply(sum, v, add, n);
  if (what & (JJ_MOM_VAR | JJ_MOM_SLOPE)) {
    /* d = hi + lo exactly: after a level change v - vshift is large and
     * its rounding would swamp the differences between the samples. The
     * lo terms are skipped when 0 (v near vshift: the usual case), as
     * adding a zero would change nothing. */
    jj_dd d = jj_dd_diff(v, m->vshift);
    const int exact = jj_is_zero(d.lo);
    jj_ksum_add(&m->s1, JJ_SIGNED(add, d.hi));
    if (!exact) m->s1.comp += JJ_SIGNED(add, d.lo);
    if (what & JJ_MOM_VAR) {
      jj_mom_add_prod(&m->s2, d.hi, d.hi, add);
      if (!exact) m->s2.comp += JJ_SIGNED(add, 2.0 * d.hi * d.lo);
    }
    if (what & JJ_MOM_SLOPE) {
      /* Milliseconds, not seconds: integers below 2^53 are exact. A
       * small offset converts from 32 bits (cheaper without a double FPU). */
      const int small = jj_ts_small(ts, m->tshift);
      double t = small ? (double)(int32_t)(ts - m->tshift) : jj_ts_diff(ts, m->tshift);
      jj_ksum_add_int(&m->st, JJ_SIGNED(add, t)); /* t is an integer */
      if (small) {
        jj_ksum_add_int(&m->stt, JJ_SIGNED(add, t * t)); /* exact */
        jj_mom_add_small_prod(&m->stv, t, d.hi, add);
      } else {
        jj_mom_add_prod(&m->stt, t, t, add);
        jj_mom_add_prod(&m->stv, t, d.hi, add);
      }
      if (!exact) m->stv.comp += JJ_SIGNED(add, t * d.lo);
    }
  }
  if (what & JJ_MOM_EWMA) {
    double w = jj_moments_ewma_weight(m, ts, halflife_ms);
    jj_ksum_add(&m->ea, JJ_SIGNED(add, w * v));
    jj_ksum_add(&m->eb, JJ_SIGNED(add, w));
  }
  if (!add && n == 1) jj_moments_clear(m); /* drop rounding residue */
}

/* n*sum(x*y) - sum(x)*sum(y): n^2 times the covariance, in double-double
 * (n < 2^30 is exact as a double). No division: the callers divide once. */
static inline jj_dd jj_moments_comoment_n(const jj_ksum *sxy, const jj_ksum *sx,
                                          const jj_ksum *sy, double n) {
  /* First in plain doubles: its error is at most 4u(|a| + |b|) (u =
   * 2^-53: the three inputs rounded, two products, the difference), so
   * when the difference keeps 2^-11 of that scale it is right to 2^-40 of
   * itself. A time comoment usually passes (times are offsets from the
   * generation's first sample); a value one near zero (a flat signal's
   * slope) takes double-double. On a single-precision FPU that saves some
   * 40 soft-double operations a read. */
  const double a = n * jj_ksum_value(sxy), b = jj_ksum_value(sx) * jj_ksum_value(sy);
  const double c = a - b;
  if (jj_mag_ge(c, (fabs(a) + fabs(b)) * 0x1p-11)) {
    const jj_dd plain = {c, 0.0};
    return plain;
  }
  const jj_dd dn = {n, 0.0};
  return jj_dd_sub(jj_dd_mul(jj_dd_of(sxy), dn), jj_dd_mul(jj_dd_of(sx), jj_dd_of(sy)));
}

/* Population variance; n > 0. One division (n*S2 - S1^2) / n^2. */
static inline double jj_moments_variance(uint64_t n, const jj_moments *m) {
  double dn = (double)n;
  jj_dd c = jj_moments_comoment_n(&m->s2, &m->s1, &m->s1, dn);
  double var = (c.hi + c.lo) / (dn * dn);
  return var < 0.0 ? 0.0 : var; /* rounding can dip below zero */
}

/* Least-squares slope in value per second; NaN without spread in time.
 * The n^2 of both comoments cancels: one division. */
static inline double jj_moments_slope(uint64_t n, const jj_moments *m) {
  double dn = (double)n;
  jj_dd den = jj_moments_comoment_n(&m->stt, &m->st, &m->st, dn);
  jj_dd num = jj_moments_comoment_n(&m->stv, &m->st, &m->s1, dn);
  double d = den.hi + den.lo;
  return d > 0.0 ? 1000.0 * (num.hi + num.lo) / d : NAN;
}

#endif
