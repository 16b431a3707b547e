/* Internal: clock-hour means for the index aggregates of a window
 * (JJ_AGG_NOWCAST, JJ_AGG_C24E_PM25, JJ_AGG_C24E_PM10).
 *
 * A ring of the last JJ_HOURLY_SLOTS clock hours (hour h = floor(ts / 1 h)),
 * each a sum and a count of the samples in it: a push adds to one slot
 * (clearing the slots of hours skipped on the way, at most the ring's
 * size), a read makes the 12 hourly means (NaN for an hour without
 * samples) and hands them to jj_nowcast / jj_c24e (aqi.c). It is
 * independent of the window's own span: a 1-hour tumbling window still
 * reads 12 hours here. Hours older than the ring are forgotten. */
#ifndef JJ_LIB_HOURLY_H
#define JJ_LIB_HOURLY_H

#include <stdint.h>

#include "jjair/window.h"

/* 12 hours read, plus room for a tumbling window's read that ends an hour
 * or two behind the newest sample, plus late samples. */
#define JJ_HOURLY_SLOTS 16
#define JJ_HOURLY_READ 12

typedef struct jj_hourly {
  int64_t newest; /* newest hour held; INT64_MIN when empty */
  double sum[JJ_HOURLY_SLOTS];
  uint32_t count[JJ_HOURLY_SLOTS];
} jj_hourly;

/* 1 when `aggregates` (a JJ_AGG_BIT mask) needs a ring. */
int jj__hourly_wanted(uint32_t aggregates);
void jj__hourly_clear(jj_hourly *h);
/* A sample entered the window. */
void jj__hourly_add(jj_hourly *h, int64_t ts_ms, double v);
/* A stored sample's value changed from `old` to `v` (JJ_DUP_REPLACE). */
void jj__hourly_replace(jj_hourly *h, int64_t ts_ms, double old, double v);
/* The 12 hourly means ending with the hour holding `end_ms`, newest first
 * (NaN = no sample in that hour). */
void jj__hourly_means(const jj_hourly *h, int64_t end_ms, double out[JJ_HOURLY_READ]);
/* The value of an hourly aggregate read at `end_ms`: NaN when it has none
 * (NowCast's 2-of-3 rule, C24E's counts) or for another aggregate. */
double jj__hourly_value(const jj_hourly *h, jj_agg agg, int64_t end_ms);

#endif
