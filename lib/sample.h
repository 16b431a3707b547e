/* Internal: what makes a sample acceptable, decided once for the engine
 * and the window: a finite value and a timestamp within +-2^62 ms (so the
 * difference of two accepted times, or a time plus a span, fits int64). */
#ifndef JJ_LIB_SAMPLE_H
#define JJ_LIB_SAMPLE_H

#include <math.h>
#include <stdint.h>

#include "jjair/status.h"

#define JJ_TS_LIMIT ((int64_t)1 << 62)

static inline int jj__ts_valid(int64_t ts) { return ts >= -JJ_TS_LIMIT && ts <= JJ_TS_LIMIT; }

/* JJ_OK, or why the sample is refused: JJ_ENAN (NaN or infinite value)
 * before JJ_EINVAL (time out of range). */
static inline jj_status jj__sample_check(int64_t ts, double v) {
  if (!isfinite(v)) return JJ_ENAN;
  return jj__ts_valid(ts) ? JJ_OK : JJ_EINVAL;
}

#endif
