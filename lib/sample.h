/* Internal: what makes a sample acceptable, decided once for the engine
 * and the window: a finite value within +-JJ_VALUE_LIMIT and a timestamp
 * within +-2^62 ms (so the difference of two accepted times, or a time
 * plus a span, fits int64). */
#ifndef JJ_LIB_SAMPLE_H
#define JJ_LIB_SAMPLE_H

#include <math.h>
#include <stdint.h>

#include "jjair/status.h"
#include "jjair/window.h"

#define JJ_TS_LIMIT ((int64_t)1 << 62)

/* The largest accepted |value| (see jj_window_push). A window holds fewer
 * than 2^30 samples and EWMA weights stay below 2^32 (JJ_EWMA_REBASE_EXP),
 * so every running sum of such values, weighted or not, stays below
 * 2^62 * 1e288 < DBL_MAX: two readings of 1e308 can no longer overflow a
 * sum into infinity (and then NaN when one leaves). No instrument reads
 * anything near it. */
#define JJ_VALUE_LIMIT JJ_WINDOW_VALUE_LIMIT

static inline int jj__ts_valid(int64_t ts) { return ts >= -JJ_TS_LIMIT && ts <= JJ_TS_LIMIT; }

static inline int jj__value_valid(double v) { return fabs(v) <= JJ_VALUE_LIMIT; }

/* JJ_OK, or why the sample is refused: JJ_ENAN (NaN or infinite value)
 * before JJ_EINVAL (|value| beyond JJ_VALUE_LIMIT, or time out of range). */
static inline jj_status jj__sample_check(int64_t ts, double v) {
  if (!isfinite(v)) return JJ_ENAN;
  return jj__ts_valid(ts) && jj__value_valid(v) ? JJ_OK : JJ_EINVAL;
}

#endif
