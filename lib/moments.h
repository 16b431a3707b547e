/* Internal: the invertible running sums behind count, sum, mean, variance,
 * slope and EWMA. Every sum is compensated; values and times are taken
 * relative to a shift chosen when the sums start empty, so squares stay
 * small and well conditioned. */
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

/* EWMA weights are 2^((ts - eref)/halflife); rebase eref before the
 * exponent can overflow a double. */
#define JJ_EWMA_REBASE_EXP 512.0

typedef struct jj_moments {
  uint64_t n;
  jj_ksum sum;           /* sum of v */
  jj_ksum s1, s2;        /* sums of d and d*d, d = v - vshift */
  jj_ksum st, stt, stv;  /* sums of t, t*t, t*d; t = (ts - tshift) seconds */
  jj_ksum ea, eb;        /* sums of w*v and w */
  double vshift;
  int64_t tshift;
  int64_t eref;
} jj_moments;

static inline void jj_moments_clear(jj_moments *m) { memset(m, 0, sizeof *m); }

static inline double jj_moments_ewma_weight(jj_moments *m, int64_t ts,
                                            double halflife_ms) {
  double e = (double)(ts - m->eref) / halflife_ms;
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
  return exp2(e);
}

/* sign = +1 to add a sample, -1 to remove one. */
static inline void jj_moments_apply(jj_moments *m, unsigned what, int64_t ts,
                                    double v, double sign, double halflife_ms) {
  if (m->n == 0) {
    m->vshift = v;
    m->tshift = ts;
    m->eref = ts;
  }
  if (sign > 0)
    m->n++;
  else
    m->n--;
  if (what & JJ_MOM_SUM) jj_ksum_add(&m->sum, sign * v);
  if (what & (JJ_MOM_VAR | JJ_MOM_SLOPE)) {
    double d = v - m->vshift;
    jj_ksum_add(&m->s1, sign * d);
    if (what & JJ_MOM_VAR) jj_ksum_add(&m->s2, sign * d * d);
    if (what & JJ_MOM_SLOPE) {
      double t = (double)(ts - m->tshift) / 1000.0;
      jj_ksum_add(&m->st, sign * t);
      jj_ksum_add(&m->stt, sign * t * t);
      jj_ksum_add(&m->stv, sign * t * d);
    }
  }
  if (what & JJ_MOM_EWMA) {
    double w = jj_moments_ewma_weight(m, ts, halflife_ms);
    jj_ksum_add(&m->ea, sign * w * v);
    jj_ksum_add(&m->eb, sign * w);
  }
  if (m->n == 0) jj_moments_clear(m); /* drop rounding residue */
}

#endif
