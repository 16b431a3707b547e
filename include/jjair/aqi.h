/* libjjair — air-quality indices: concentration -> index -> band.
 *
 * An index table maps a pollutant concentration to an index by linear
 * interpolation inside breakpoint bands, as the Korean CAI (통합대기환경지수,
 * AirKorea) and the US EPA AQI (Technical Assistance Document, 2024) do:
 *
 *     I = (I_hi - I_lo) / (C_hi - C_lo) * (C - C_lo) + I_lo
 *
 * after truncating C to the table's number of decimals, and rounding I to
 * the nearest whole number (halves up). Tables are data: the shipped ones
 * are found by name (jj_aqi_table_find), and a caller (or a rule file) can
 * build its own with jj_aqi_table_new, validated to be contiguous and
 * increasing.
 *
 * The averaging the indices ask for is here too, as functions over hourly
 * means: the EPA NowCast (PM, 12 hours) and AirKorea's predicted 24-hour
 * mean C24E (PM, 12 hours). The window aggregates JJ_AGG_NOWCAST and
 * JJ_AGG_C24E_PM25 / _PM10 (window.h) compute the same from raw samples.
 *
 * Everything here is usable without an engine. Shipped tables are static
 * and immutable; all functions are thread-safe (a table made with
 * jj_aqi_table_new is read-only after creation). */
#ifndef JJAIR_AQI_H
#define JJAIR_AQI_H

#include <stdint.h>

#include "jjair/alloc.h"
#include "jjair/error.h"
#include "jjair/export.h"
#include "jjair/rule.h"
#include "jjair/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jj_aqi_table jj_aqi_table;

/* Most bands a table may have. */
#define JJ_AQI_MAX_BANDS 16
/* Most decimals a table may truncate to. */
#define JJ_AQI_MAX_DECIMALS 6

/* One band of a table, for jj_aqi_table_new: the concentrations c_lo..c_hi
 * (inclusive, at the table's resolution) map to the indices i_lo..i_hi.
 * `name` is the band's name ("나쁨", "Unhealthy"); copied. Callers pass
 * arrays of it, so its layout is fixed: it never grows (a later need gets
 * a new struct), and jj_struct_size("jj_aqi_band") reports it. */
typedef struct jj_aqi_band {
  double c_lo, c_hi;
  double i_lo, i_hi;
  const char *name;
} jj_aqi_band;

/* The shipped table called `name`, or NULL. Names: "cai-pm25",
 * "cai-pm10", "cai-o3", "cai-no2", "cai-co", "cai-so2" (Korean CAI
 * sub-indices: PM on the 24-hour mean, gases on the 1-hour mean),
 * "cai" (the CAI scale itself, index -> band, for an overall CAI);
 * "aqi-pm25", "aqi-pm10" (24 h), "aqi-o3-8h", "aqi-o3-1h" (ppm), "aqi-co"
 * (8 h, ppm), "aqi-so2", "aqi-no2" (1 h, ppb) for the US EPA AQI 2024.
 * Static: never freed. */
JJ_API const jj_aqi_table *jj_aqi_table_find(const char *name);

/* Number of shipped tables, and shipped table i (NULL out of range). */
JJ_API uint32_t jj_aqi_table_count(void);
JJ_API const jj_aqi_table *jj_aqi_table_at(uint32_t i);

/* Build a table: `nbands` (1..JJ_AQI_MAX_BANDS) bands in increasing order,
 * concentrations truncated to `decimals` (0..JJ_AQI_MAX_DECIMALS). Each
 * band needs c_lo <= c_hi and i_lo <= i_hi, finite, c_lo >= 0; band k
 * starts one resolution step (10^-decimals) above the end of band k-1
 * (c_lo[k] = c_hi[k-1] + step) and one index above it (i_lo[k] =
 * i_hi[k-1] + 1), and every band has a non-empty name. On success *out
 * is a new table (free with jj_aqi_table_free); otherwise JJ_EINVAL with
 * `err` (may be NULL) naming the band (err->line = the band's 1-based
 * number, column 0) and the problem, or JJ_ENOMEM. Strings are copied;
 * `alc` may be NULL (libc). */
JJ_API jj_status jj_aqi_table_new(const char *name, int decimals, const jj_aqi_band *bands,
                                  uint32_t nbands, const jj_allocator *alc, jj_aqi_table **out,
                                  jj_error *err);

/* Free a table made by jj_aqi_table_new. NULL and shipped tables are
 * no-ops. */
JJ_API void jj_aqi_table_free(jj_aqi_table *t);

/* The table's name; borrowed while the table lives. */
JJ_API const char *jj_aqi_table_name(const jj_aqi_table *t);
/* How many decimals concentrations are truncated to. */
JJ_API int jj_aqi_table_decimals(const jj_aqi_table *t);
/* Number of bands. */
JJ_API uint32_t jj_aqi_table_bands(const jj_aqi_table *t);
/* Band i (0-based): fills *out (name borrowed while the table lives);
 * JJ_EINVAL when out of range or an argument is NULL. */
JJ_API jj_status jj_aqi_table_band(const jj_aqi_table *t, uint32_t i, jj_aqi_band *out);

/* `c` truncated toward zero to the table's decimals (9.09 -> 9.0 for one
 * decimal). A binary double just below a decimal (0.151 is stored as
 * 0.15099999...) truncates to that decimal. NaN for NaN. */
JJ_API double jj_aqi_truncate(const jj_aqi_table *t, double c);

/* The index of concentration `c`: truncate, find the band, interpolate,
 * round. JJ_OK with *index set; JJ_ERANGE when the truncated value lies
 * below the first band (a negative reading, or an index that starts
 * above 0 such as the 1-hour ozone AQI) — *index is NaN; above the last
 * band the index is the last band's top (JJ_OK: "at least"); JJ_ENAN for
 * NaN or infinity; JJ_EINVAL for a NULL table or out. */
JJ_API jj_status jj_aqi_index(const jj_aqi_table *t, double c, double *index);

/* The band (1-based) an index value falls in: the band whose i_lo..i_hi
 * holds round(index); above the last band, the last; 0 for NaN or below
 * the first. */
JJ_API int jj_aqi_band_of_index(const jj_aqi_table *t, double index);

/* The name of band `band` (1-based), "" for 0 or out of range. Borrowed
 * while the table lives. */
JJ_API const char *jj_aqi_band_name(const jj_aqi_table *t, int band);

/* The overall CAI of several sub-indices (NaN ones are skipped): the
 * largest, plus 50 when two of them are 나쁨 or worse (>= 101) and plus
 * 75 when three or more are (AirKorea), at most 500. JJ_ENODATA (and
 * NaN) when none is a number. */
JJ_API jj_status jj_cai_overall(const double *subindex, uint32_t n, double *out);

/* The EPA NowCast of hourly means for PM: hours[0] is the newest clock
 * hour, hours[1] the one before, ...; NaN marks a missing hour. Only the
 * first 12 are read. With the valid hours' max and min, w = max(1 -
 * (max - min) / max, 0.5) (1 when max is 0), and NowCast = sum(c_i *
 * w^i) / sum(w^i) over valid hours i (0-based). JJ_ENODATA (NaN) unless
 * at least 2 of the 3 newest hours are valid. Not truncated:
 * jj_aqi_index truncates. */
JJ_API jj_status jj_nowcast(const double *hours, uint32_t n, double *out);

/* AirKorea's M for C24E: hours at or above it (and within 0.9..1.7 of
 * C12) count at 0.75 in C4. */
#define JJ_C24E_M_PM25 30.0
#define JJ_C24E_M_PM10 70.0

/* AirKorea's predicted 24-hour PM mean: hours[0] is the newest clock
 * hour (NaN = missing), only the first 12 are read. C12 = mean of the
 * valid hours of the 12, C4 = mean of the valid hours of the newest 4,
 * each hour c counted as 0.75*c when c >= m and 0.9 <= c/C12 <= 1.7;
 * C24E = (12*C12 + 12*C4) / 24. JJ_ENODATA (all NaN) when fewer than 6
 * of the 12 or fewer than 2 of the newest 4 hours are valid (a libjjair
 * design default: AirKorea publishes no count). c12 and c4 may be NULL. */
JJ_API jj_status jj_c24e(const double *hours, uint32_t n, double m, double *c12, double *c4,
                         double *out);

/* Make rule `rule` of a builder judge the index of its value: the
 * aggregate (times scale; for a group rule, the group's avg/max/min) is
 * looked up in `table` and the index is what the levels compare (issue:
 * ">= 101" = CAI 나쁨 or worse); a value with no index (below the table)
 * counts as missing. Events of the rule carry the concentration, the band
 * name and the table's name (event.h). A shipped table is referenced, any
 * other is copied (the caller keeps and frees its own). Not for k_of_n or
 * rules groups (JJ_EINVAL). JJ_EINVAL with `err` for a bad rule index or
 * table, JJ_ENOMEM. */
JJ_API jj_status jj_ruleset_builder_set_index(jj_ruleset_builder *b, uint32_t rule,
                                              const jj_aqi_table *table, jj_error *err);

#ifdef __cplusplus
}
#endif

#endif
