/* Internal: Neumaier-compensated running sum that supports removal.
 *
 * Windows add every sample once and subtract it once when it leaves; plain
 * doubles would drift over millions of such pairs. The compensation term
 * keeps the error at a few ulps of the largest magnitude seen. */
#ifndef JJ_LIB_KSUM_H
#define JJ_LIB_KSUM_H

#include <float.h>
#include <math.h>

/* Hot-path helpers must inline even where the compiler's size heuristics
 * would not: each push calls them several times. */
#if defined(__GNUC__)
#define JJ_HOT_INLINE static inline __attribute__((always_inline))
#else
#define JJ_HOT_INLINE static inline
#endif

typedef struct jj_ksum {
  double sum;
  double comp; /* the low-order bits lost from `sum` */
} jj_ksum;

JJ_HOT_INLINE void jj_ksum_add(jj_ksum *k, double x) {
  double t = k->sum + x;
  if (fabs(k->sum) >= fabs(x))
    k->comp += (k->sum - t) + x;
  else
    k->comp += (x - t) + k->sum;
  k->sum = t;
}

/* The rounding error of the product p = a * b, exactly: a * b - p.
 * With a hardware FMA that is one instruction. Without one (x86-64's
 * baseline), fma() is a libm call through the PLT on every use, so use
 * Dekker's product instead: plain operations, exact while |a|, |b| stay
 * below about 1e300 (the sums overflow long before) in round-to-nearest
 * double arithmetic without contraction, which -std=c11 gives. */
#if defined(__FMA__) || defined(__aarch64__) || defined(__ARM_FEATURE_FMA) || \
    !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
JJ_HOT_INLINE double jj_prod_err(double a, double b, double p) { return fma(a, b, -p); }
#else
JJ_HOT_INLINE void jj_split(double a, double *hi, double *lo) {
  double t = 134217729.0 * a; /* 2^27 + 1 */
  *hi = t - (t - a);
  *lo = a - *hi;
}

JJ_HOT_INLINE double jj_prod_err(double a, double b, double p) {
  double ah, al, bh, bl;
  jj_split(a, &ah, &al);
  jj_split(b, &bh, &bl);
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}
#endif

/* Add sign * a * b with the product's rounding error too, so sums of
 * squares keep their low bits. */
static inline void jj_ksum_add_prod(jj_ksum *k, double a, double b, double sign) {
  double p = a * b;
  double e = jj_prod_err(a, b, p);
  jj_ksum_add(k, sign * p);
  k->comp += sign * e; /* tiny next to the sum: the compensation absorbs it */
}

static inline double jj_ksum_value(const jj_ksum *k) { return k->sum + k->comp; }

static inline void jj_ksum_clear(jj_ksum *k) {
  k->sum = 0.0;
  k->comp = 0.0;
}

#endif
