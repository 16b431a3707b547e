/* Internal: Neumaier-compensated running sum that supports removal.
 *
 * Windows add every sample once and subtract it once when it leaves; plain
 * doubles would drift over millions of such pairs. The compensation term
 * keeps the error at a few ulps of the largest magnitude seen. */
#ifndef JJ_LIB_KSUM_H
#define JJ_LIB_KSUM_H

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

/* Add sign * a * b with the product's rounding error too (fma gives it
 * exactly), so sums of squares keep their low bits. */
static inline void jj_ksum_add_prod(jj_ksum *k, double a, double b, double sign) {
  double p = a * b;
  double e = fma(a, b, -p);
  jj_ksum_add(k, sign * p);
  k->comp += sign * e; /* tiny next to the sum: the compensation absorbs it */
}

static inline double jj_ksum_value(const jj_ksum *k) { return k->sum + k->comp; }

static inline void jj_ksum_clear(jj_ksum *k) {
  k->sum = 0.0;
  k->comp = 0.0;
}

#endif
