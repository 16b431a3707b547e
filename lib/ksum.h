/* Internal: Neumaier-compensated running sum that supports removal.
 *
 * Windows add every sample once and subtract it once when it leaves; plain
 * doubles would drift over millions of such pairs. The compensation term
 * keeps the error at a few ulps of the largest magnitude seen. */
#ifndef JJ_LIB_KSUM_H
#define JJ_LIB_KSUM_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* Hot-path helpers must inline even where the compiler's size heuristics
 * would not: each push calls them several times. JJ_FORCE_INLINE=OFF
 * (JJ_NO_FORCE_INLINE) leaves it to the compiler: about 30 KB less code on
 * a Cortex-M, some speed lost. */
#if defined(__GNUC__) && !defined(JJ_NO_FORCE_INLINE)
#define JJ_HOT_INLINE static inline __attribute__((always_inline))
#else
#define JJ_HOT_INLINE static inline
#endif

typedef struct jj_ksum {
  double sum;
  double comp; /* the low-order bits lost from `sum` */
} jj_ksum;

/* |a| >= |b|. Where doubles are soft-float library calls (Cortex-M0+/M4:
 * no double FPU) a compare costs ~30 instructions; the magnitudes' bit
 * patterns order as unsigned integers the way finite doubles do, and
 * sums never hold NaN or infinity (jj__value_valid). Same answer. */
#if defined(__arm__) && !(defined(__ARM_FP) && (__ARM_FP & 8))
#define JJ_SOFT_DOUBLE 1
JJ_HOT_INLINE int jj_mag_ge(double a, double b) {
  uint64_t x, y;
  memcpy(&x, &a, sizeof x);
  memcpy(&y, &b, sizeof y);
  return (x & ~(UINT64_C(1) << 63)) >= (y & ~(UINT64_C(1) << 63));
}
#else
#define JJ_SOFT_DOUBLE 0
JJ_HOT_INLINE int jj_mag_ge(double a, double b) { return fabs(a) >= fabs(b); }
#endif

JJ_HOT_INLINE void jj_ksum_add(jj_ksum *k, double x) {
  double t = k->sum + x;
  if (jj_mag_ge(k->sum, x))
    k->comp += (k->sum - t) + x;
  else
    k->comp += (x - t) + k->sum;
  k->sum = t;
}

/* jj_ksum_add without its branch, for sums whose every partial sum stays
 * finite (the plain sums: |value| <= JJ_VALUE_LIMIT, fewer than 2^30 of
 * them). Knuth's TwoSum finds the rounding error of sum + x whatever the
 * magnitudes; jj_ksum_add's Fast2Sum finds it for the order it tests.
 * Both give that error exactly, so the same bits. Which order holds
 * changes when a sum restarts from 0 (a window's next generation, once a
 * lap): the branch was mispredicted there, in short windows on every lap.
 * Six additions instead of three, off the sum's own chain: where doubles
 * are hardware (without a double FPU each is a library call) and
 * evaluated in double precision (the error terms are not exact in x87's
 * wider registers). */
#if !JJ_SOFT_DOUBLE && defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
JJ_HOT_INLINE void jj_ksum_add_finite(jj_ksum *k, double x) {
  const double s = k->sum, t = s + x;
  const double sv = t - x, xv = t - sv; /* the parts of t that came from s and x */
  k->comp += (s - sv) + (x - xv);
  k->sum = t;
}
/* jj_ksum_add_finite(k, -x) without the negation: the same operations
 * with their signs flipped, so the same bits (rounding to nearest is
 * symmetric). */
JJ_HOT_INLINE void jj_ksum_sub_finite(jj_ksum *k, double x) {
  const double s = k->sum, t = s - x;
  const double sv = t + x, xv = t - sv;
  k->comp += (s - sv) - (x + xv);
  k->sum = t;
}
#else
#define jj_ksum_add_finite jj_ksum_add
#define jj_ksum_sub_finite(k, x) jj_ksum_add((k), -(x))
#endif

/* jj_ksum_add for a sum that only ever takes integers (times in ms and
 * their squares): while the sum and x are below 2^52 in magnitude, sum + x
 * is an integer below 2^53, exact, and the compensation would gain 0. One
 * addition instead of four (each a library call without a double FPU). */
JJ_HOT_INLINE void jj_ksum_add_int(jj_ksum *k, double x) {
  uint64_t s, v;
  memcpy(&s, &k->sum, sizeof s);
  memcpy(&v, &x, sizeof v);
  const uint64_t below = (uint64_t)(1023 + 52) << 52; /* biased exponent of 2^52 */
  if ((s & ~(UINT64_C(1) << 63)) < below && (v & ~(UINT64_C(1) << 63)) < below) {
    k->sum += x;
    return;
  }
  jj_ksum_add(k, x);
}

/* The rounding error of the product p = a * b, exactly: a * b - p.
 * fma() gives it in one instruction, but only where the double fma is
 * really fused: __FP_FAST_FMA says so (x86-64 with FMA3, AArch64,
 * Cortex-M7's double FPU). __ARM_FEATURE_FMA is not enough: a Cortex-M4's
 * FPU fuses only floats, and newlib's software double fma() is not exact,
 * so the error term came out 0 there. Elsewhere use Dekker's product
 * (Veltkamp's split): plain operations, exact while |a|, |b| stay below
 * about 1e300 (the sums overflow long before) in round-to-nearest double
 * arithmetic without contraction, which -std=c11 gives. Where doubles are
 * evaluated in wider precision (FLT_EVAL_METHOD != 0: x87) the split is
 * not exact, so libm's fma() it is (glibc's is correctly rounded). */
#if defined(__FP_FAST_FMA) || !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#define JJ_KSUM_FUSED 1
JJ_HOT_INLINE double jj_prod_err(double a, double b, double p) { return fma(a, b, -p); }
#else
#define JJ_KSUM_FUSED 0
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
