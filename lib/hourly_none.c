/* The clock-hour sums when the build leaves the index averages out
 * (JJ_WITH_AQI=OFF): nowcast and c24e rules are refused
 * (lib/feature_check.c), so no window keeps hourly sums; these only satisfy
 * the linker. */
#include <math.h>

#include "hourly.h"

int jj__hourly_wanted(uint32_t aggregates) {
  (void)aggregates;
  return 0;
}
void jj__hourly_clear(jj_hourly *h) { h->newest = INT64_MIN; }
void jj__hourly_add(jj_hourly *h, int64_t ts_ms, double v) {
  (void)h;
  (void)ts_ms;
  (void)v;
}
void jj__hourly_replace(jj_hourly *h, int64_t ts_ms, double old, double v) {
  (void)h;
  (void)ts_ms;
  (void)old;
  (void)v;
}
void jj__hourly_means(const jj_hourly *h, int64_t end_ms, double out[JJ_HOURLY_READ]) {
  (void)h;
  (void)end_ms;
  for (int i = 0; i < JJ_HOURLY_READ; i++) out[i] = NAN;
}
double jj__hourly_value(const jj_hourly *h, jj_agg agg, int64_t end_ms) {
  (void)h;
  (void)agg;
  (void)end_ms;
  return NAN;
}
