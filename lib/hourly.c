/* Clock-hour sums and counts for the index aggregates (see hourly.h). */
#include "hourly.h"

#include <math.h>

#include "jjair/aqi.h"

#define HOUR_MS INT64_C(3600000)

static int64_t hour_of(int64_t ts) {
  int64_t q = ts / HOUR_MS;
  return (ts % HOUR_MS < 0) ? q - 1 : q; /* floor for times before 1970 */
}

static uint32_t slot_of(int64_t hour) {
  return (uint32_t)((uint64_t)hour % JJ_HOURLY_SLOTS);
}

int jj__hourly_wanted(uint32_t aggregates) {
  return (aggregates & (JJ_AGG_BIT(JJ_AGG_NOWCAST) | JJ_AGG_BIT(JJ_AGG_C24E_PM25) |
                        JJ_AGG_BIT(JJ_AGG_C24E_PM10))) != 0;
}

void jj__hourly_clear(jj_hourly *h) {
  h->newest = INT64_MIN;
  for (int i = 0; i < JJ_HOURLY_SLOTS; i++) {
    h->sum[i] = 0;
    h->count[i] = 0;
  }
}

void jj__hourly_add(jj_hourly *h, int64_t ts_ms, double v) {
  int64_t hr = hour_of(ts_ms);
  if (h->newest == INT64_MIN || hr - h->newest >= JJ_HOURLY_SLOTS) {
    jj__hourly_clear(h); /* first sample, or a gap longer than the ring */
    h->newest = hr;
  }
  while (hr > h->newest) { /* open the hours up to hr, emptying their slots */
    h->newest++;
    uint32_t s = slot_of(h->newest);
    h->sum[s] = 0;
    h->count[s] = 0;
  }
  if (h->newest - hr >= JJ_HOURLY_SLOTS) return; /* older than the ring */
  uint32_t s = slot_of(hr);
  h->sum[s] += v;
  h->count[s]++;
}

void jj__hourly_replace(jj_hourly *h, int64_t ts_ms, double old, double v) {
  int64_t hr = hour_of(ts_ms);
  if (h->newest == INT64_MIN || hr > h->newest || h->newest - hr >= JJ_HOURLY_SLOTS) return;
  uint32_t s = slot_of(hr);
  if (h->count[s]) h->sum[s] += v - old;
}

void jj__hourly_means(const jj_hourly *h, int64_t end_ms, double out[JJ_HOURLY_READ]) {
  int64_t hr = hour_of(end_ms);
  for (int i = 0; i < JJ_HOURLY_READ; i++, hr--) {
    out[i] = NAN;
    if (h->newest == INT64_MIN || hr > h->newest || h->newest - hr >= JJ_HOURLY_SLOTS) continue;
    uint32_t s = slot_of(hr);
    if (h->count[s]) out[i] = h->sum[s] / h->count[s];
  }
}

double jj__hourly_value(const jj_hourly *h, jj_agg agg, int64_t end_ms) {
  double means[JJ_HOURLY_READ], v = NAN;
  jj__hourly_means(h, end_ms, means);
  /* (if, not switch: the other aggregates have no hourly value) */
  if (agg == JJ_AGG_NOWCAST)
    (void)jj_nowcast(means, JJ_HOURLY_READ, &v);
  else if (agg == JJ_AGG_C24E_PM25)
    (void)jj_c24e(means, JJ_HOURLY_READ, JJ_C24E_M_PM25, NULL, NULL, &v);
  else if (agg == JJ_AGG_C24E_PM10)
    (void)jj_c24e(means, JJ_HOURLY_READ, JJ_C24E_M_PM10, NULL, NULL, &v);
  return v;
}
