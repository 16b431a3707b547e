/* Tests for the index tables and the index averaging (include/jjair/aqi.h)
 * and the window aggregates built on them (JJ_AGG_NOWCAST, JJ_AGG_C24E_*).
 *
 * The band edges are written out here, independently of lib/aqi_tables.c:
 * for every shipped table, the first and last concentration of every band
 * with the index the agency's table gives it. Check values come from the
 * sources cited in rules/README.md ("Sources", cai.yaml). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "jjair/jjair.h"
#include "testutil.h"

typedef struct edge {
  const char *table;
  double c;
  double index;
  const char *band;
} edge;

/* Every band edge of every shipped table: last value of a band, first of
 * the next, plus 0 and the top. */
static const edge edges[] = {
    {"cai-pm25", 0, 0, "좋음"},     {"cai-pm25", 15, 50, "좋음"},   {"cai-pm25", 16, 51, "보통"},
    {"cai-pm25", 35, 100, "보통"},  {"cai-pm25", 36, 101, "나쁨"},  {"cai-pm25", 75, 250, "나쁨"},
    {"cai-pm25", 76, 251, "매우나쁨"}, {"cai-pm25", 500, 500, "매우나쁨"},
    {"cai-pm10", 0, 0, "좋음"},     {"cai-pm10", 30, 50, "좋음"},   {"cai-pm10", 31, 51, "보통"},
    {"cai-pm10", 80, 100, "보통"},  {"cai-pm10", 81, 101, "나쁨"},  {"cai-pm10", 150, 250, "나쁨"},
    {"cai-pm10", 151, 251, "매우나쁨"}, {"cai-pm10", 600, 500, "매우나쁨"},
    {"cai-o3", 0, 0, "좋음"},       {"cai-o3", 0.030, 50, "좋음"},  {"cai-o3", 0.031, 51, "보통"},
    {"cai-o3", 0.090, 100, "보통"}, {"cai-o3", 0.091, 101, "나쁨"}, {"cai-o3", 0.150, 250, "나쁨"},
    {"cai-o3", 0.151, 251, "매우나쁨"}, {"cai-o3", 0.6, 500, "매우나쁨"},
    {"cai-no2", 0, 0, "좋음"},      {"cai-no2", 0.030, 50, "좋음"}, {"cai-no2", 0.031, 51, "보통"},
    {"cai-no2", 0.060, 100, "보통"}, {"cai-no2", 0.061, 101, "나쁨"}, {"cai-no2", 0.200, 250, "나쁨"},
    {"cai-no2", 0.201, 251, "매우나쁨"}, {"cai-no2", 2, 500, "매우나쁨"},
    {"cai-co", 0, 0, "좋음"},       {"cai-co", 2, 50, "좋음"},      {"cai-co", 2.01, 51, "보통"},
    {"cai-co", 9, 100, "보통"},     {"cai-co", 9.01, 101, "나쁨"},  {"cai-co", 15, 250, "나쁨"},
    {"cai-co", 15.01, 251, "매우나쁨"}, {"cai-co", 50, 500, "매우나쁨"},
    {"cai-so2", 0, 0, "좋음"},      {"cai-so2", 0.020, 50, "좋음"}, {"cai-so2", 0.021, 51, "보통"},
    {"cai-so2", 0.050, 100, "보통"}, {"cai-so2", 0.051, 101, "나쁨"}, {"cai-so2", 0.150, 250, "나쁨"},
    {"cai-so2", 0.151, 251, "매우나쁨"}, {"cai-so2", 1, 500, "매우나쁨"},
    {"cai", 0, 0, "좋음"},          {"cai", 50, 50, "좋음"},        {"cai", 51, 51, "보통"},
    {"cai", 100, 100, "보통"},      {"cai", 101, 101, "나쁨"},      {"cai", 250, 250, "나쁨"},
    {"cai", 251, 251, "매우나쁨"},  {"cai", 500, 500, "매우나쁨"},
    {"aqi-pm25", 0, 0, "Good"},     {"aqi-pm25", 9.0, 50, "Good"},  {"aqi-pm25", 9.1, 51, "Moderate"},
    {"aqi-pm25", 35.4, 100, "Moderate"}, {"aqi-pm25", 35.5, 101, "Unhealthy for Sensitive Groups"},
    {"aqi-pm25", 55.4, 150, "Unhealthy for Sensitive Groups"}, {"aqi-pm25", 55.5, 151, "Unhealthy"},
    {"aqi-pm25", 125.4, 200, "Unhealthy"}, {"aqi-pm25", 125.5, 201, "Very Unhealthy"},
    {"aqi-pm25", 225.4, 300, "Very Unhealthy"}, {"aqi-pm25", 225.5, 301, "Hazardous"},
    {"aqi-pm25", 325.4, 500, "Hazardous"},
    {"aqi-pm10", 0, 0, "Good"},     {"aqi-pm10", 54, 50, "Good"},   {"aqi-pm10", 55, 51, "Moderate"},
    {"aqi-pm10", 154, 100, "Moderate"}, {"aqi-pm10", 155, 101, "Unhealthy for Sensitive Groups"},
    {"aqi-pm10", 254, 150, "Unhealthy for Sensitive Groups"}, {"aqi-pm10", 255, 151, "Unhealthy"},
    {"aqi-pm10", 354, 200, "Unhealthy"}, {"aqi-pm10", 355, 201, "Very Unhealthy"},
    {"aqi-pm10", 424, 300, "Very Unhealthy"}, {"aqi-pm10", 425, 301, "Hazardous"},
    {"aqi-pm10", 604, 500, "Hazardous"},
    {"aqi-o3-8h", 0, 0, "Good"},    {"aqi-o3-8h", 0.054, 50, "Good"}, {"aqi-o3-8h", 0.055, 51, "Moderate"},
    {"aqi-o3-8h", 0.070, 100, "Moderate"}, {"aqi-o3-8h", 0.071, 101, "Unhealthy for Sensitive Groups"},
    {"aqi-o3-8h", 0.085, 150, "Unhealthy for Sensitive Groups"}, {"aqi-o3-8h", 0.086, 151, "Unhealthy"},
    {"aqi-o3-8h", 0.105, 200, "Unhealthy"}, {"aqi-o3-8h", 0.106, 201, "Very Unhealthy"},
    {"aqi-o3-8h", 0.200, 300, "Very Unhealthy"},
    {"aqi-o3-1h", 0.125, 101, "Unhealthy for Sensitive Groups"},
    {"aqi-o3-1h", 0.164, 150, "Unhealthy for Sensitive Groups"}, {"aqi-o3-1h", 0.165, 151, "Unhealthy"},
    {"aqi-o3-1h", 0.204, 200, "Unhealthy"}, {"aqi-o3-1h", 0.205, 201, "Very Unhealthy"},
    {"aqi-o3-1h", 0.404, 300, "Very Unhealthy"}, {"aqi-o3-1h", 0.405, 301, "Hazardous"},
    {"aqi-o3-1h", 0.604, 500, "Hazardous"},
    {"aqi-co", 0, 0, "Good"},       {"aqi-co", 4.4, 50, "Good"},    {"aqi-co", 4.5, 51, "Moderate"},
    {"aqi-co", 9.4, 100, "Moderate"}, {"aqi-co", 9.5, 101, "Unhealthy for Sensitive Groups"},
    {"aqi-co", 12.4, 150, "Unhealthy for Sensitive Groups"}, {"aqi-co", 12.5, 151, "Unhealthy"},
    {"aqi-co", 15.4, 200, "Unhealthy"}, {"aqi-co", 15.5, 201, "Very Unhealthy"},
    {"aqi-co", 30.4, 300, "Very Unhealthy"}, {"aqi-co", 30.5, 301, "Hazardous"},
    {"aqi-co", 50.4, 500, "Hazardous"},
    {"aqi-so2", 0, 0, "Good"},      {"aqi-so2", 35, 50, "Good"},    {"aqi-so2", 36, 51, "Moderate"},
    {"aqi-so2", 75, 100, "Moderate"}, {"aqi-so2", 76, 101, "Unhealthy for Sensitive Groups"},
    {"aqi-so2", 185, 150, "Unhealthy for Sensitive Groups"}, {"aqi-so2", 186, 151, "Unhealthy"},
    {"aqi-so2", 304, 200, "Unhealthy"}, {"aqi-so2", 305, 201, "Very Unhealthy"},
    {"aqi-so2", 604, 300, "Very Unhealthy"}, {"aqi-so2", 605, 301, "Hazardous"},
    {"aqi-so2", 1004, 500, "Hazardous"},
    {"aqi-no2", 0, 0, "Good"},      {"aqi-no2", 53, 50, "Good"},    {"aqi-no2", 54, 51, "Moderate"},
    {"aqi-no2", 100, 100, "Moderate"}, {"aqi-no2", 101, 101, "Unhealthy for Sensitive Groups"},
    {"aqi-no2", 360, 150, "Unhealthy for Sensitive Groups"}, {"aqi-no2", 361, 151, "Unhealthy"},
    {"aqi-no2", 649, 200, "Unhealthy"}, {"aqi-no2", 650, 201, "Very Unhealthy"},
    {"aqi-no2", 1249, 300, "Very Unhealthy"}, {"aqi-no2", 1250, 301, "Hazardous"},
    {"aqi-no2", 2049, 500, "Hazardous"},
};

static void check(const char *table, double c, double want) {
  const jj_aqi_table *t = jj_aqi_table_find(table);
  assert_non_null(t);
  double got;
  assert_int_equal(jj_aqi_index(t, c, &got), JJ_OK);
  if (got != want) fail_msg("%s(%.17g) = %g, want %g", table, c, got, want);
}

static void test_band_edges(void **state) {
  (void)state;
  /* Each table's edges: 2 per band boundary, so a table with k bands has
   * 2k entries (the 1-hour ozone table starts at 101, so 2k too). */
  uint32_t seen[32] = {0};
  for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
    const edge *e = &edges[i];
    check(e->table, e->c, e->index);
    const jj_aqi_table *t = jj_aqi_table_find(e->table);
    int band = jj_aqi_band_of_index(t, e->index);
    assert_string_equal(jj_aqi_band_name(t, band), e->band);
    for (uint32_t k = 0; k < jj_aqi_table_count(); k++)
      if (jj_aqi_table_at(k) == t) seen[k]++;
  }
  /* Every shipped table is covered, at both ends of every band. */
  for (uint32_t k = 0; k < jj_aqi_table_count(); k++) {
    const jj_aqi_table *t = jj_aqi_table_at(k);
    uint32_t want = 2 * jj_aqi_table_bands(t);
    if (seen[k] != want)
      fail_msg("%s: %u edges tested, want %u", jj_aqi_table_name(t), seen[k], want);
  }
}

static void test_check_values(void **state) {
  (void)state;
  /* CAI */
  check("cai-pm10", 150, 250);
  check("cai-pm10", 151, 251);
  check("cai-o3", 0.151, 251);
  /* AQI 2024, PM2.5 */
  check("aqi-pm25", 9.0, 50);
  check("aqi-pm25", 9.1, 51);
  check("aqi-pm25", 35.4, 100);
  check("aqi-pm25", 55.5, 151);
  check("aqi-pm25", 325.4, 500);
  /* Interpolation inside a band: (100-51)/(35.4-9.1)*(20-9.1)+51 = 71.3 */
  check("aqi-pm25", 20.0, 71);
  /* CAI PM2.5 50: (250-101)/(75-36)*(50-36)+101 = 154.49 -> 154 */
  check("cai-pm25", 50, 154);
  /* CAI PM10 100: (250-101)/(150-81)*(100-81)+101 = 142.03 -> 142 */
  check("cai-pm10", 100, 142);
}

static void test_truncation(void **state) {
  (void)state;
  /* Truncated, never rounded, before the lookup. */
  check("aqi-pm25", 9.09, 50);   /* 9.0 */
  check("aqi-pm25", 35.49, 100); /* 35.4 */
  check("aqi-pm10", 54.9, 50);   /* 54 */
  check("aqi-o3-8h", 0.0549, 50);
  check("aqi-co", 4.49, 50);
  check("cai-pm25", 15.9, 50);
  check("cai-pm10", 150.99, 250);
  check("cai-o3", 0.1509, 250);
  check("cai-co", 2.009, 50);
  check("cai-so2", 0.0209, 50);
  const jj_aqi_table *t = jj_aqi_table_find("aqi-pm25");
  assert_true(jj_aqi_truncate(t, 17.4139) == 17.4);
  assert_true(jj_aqi_truncate(t, 9.1) == 9.1);
  assert_true(jj_aqi_truncate(jj_aqi_table_find("cai-o3"), 0.151) == 0.151);
  assert_true(isnan(jj_aqi_truncate(t, NAN)));
  assert_int_equal(jj_aqi_table_decimals(jj_aqi_table_find("cai-co")), 2);
}

static void test_out_of_range(void **state) {
  (void)state;
  const jj_aqi_table *t = jj_aqi_table_find("cai-pm25");
  double v = 0;
  assert_int_equal(jj_aqi_index(t, -1, &v), JJ_ERANGE);
  assert_true(isnan(v));
  assert_int_equal(jj_aqi_index(t, NAN, &v), JJ_ENAN);
  assert_int_equal(jj_aqi_index(t, INFINITY, &v), JJ_ENAN);
  assert_int_equal(jj_aqi_index(NULL, 1, &v), JJ_EINVAL);
  assert_int_equal(jj_aqi_index(t, 1, NULL), JJ_EINVAL);
  /* Above the top: the top index ("at least"). */
  assert_int_equal(jj_aqi_index(t, 9999, &v), JJ_OK);
  assert_true(v == 500);
  /* 1-hour ozone has no index below 101. */
  assert_int_equal(jj_aqi_index(jj_aqi_table_find("aqi-o3-1h"), 0.1, &v), JJ_ERANGE);
  assert_int_equal(jj_aqi_band_of_index(t, NAN), 0);
  assert_int_equal(jj_aqi_band_of_index(t, 9999), 4);
  assert_string_equal(jj_aqi_band_name(t, 0), "");
  assert_string_equal(jj_aqi_band_name(t, 5), "");
  assert_null(jj_aqi_table_find("cai-pm1"));
  assert_null(jj_aqi_table_find(NULL));
  assert_null(jj_aqi_table_at(jj_aqi_table_count()));
  jj_aqi_band b;
  assert_int_equal(jj_aqi_table_band(t, 2, &b), JJ_OK);
  assert_true(b.c_lo == 36 && b.c_hi == 75 && b.i_lo == 101 && b.i_hi == 250);
  assert_string_equal(b.name, "나쁨");
  assert_int_equal(jj_aqi_table_band(t, 4, &b), JJ_EINVAL);
}

static void test_cai_overall(void **state) {
  (void)state;
  double v;
  const double one[] = {50, 120, 80};
  assert_int_equal(jj_cai_overall(one, 3, &v), JJ_OK);
  assert_true(v == 120);
  const double two[] = {120, 130, 80};
  assert_int_equal(jj_cai_overall(two, 3, &v), JJ_OK);
  assert_true(v == 180); /* 130 + 50 */
  const double three[] = {120, 130, 101, 20};
  assert_int_equal(jj_cai_overall(three, 4, &v), JJ_OK);
  assert_true(v == 205); /* 130 + 75 */
  const double edge100[] = {100, 100, 130};
  assert_int_equal(jj_cai_overall(edge100, 3, &v), JJ_OK);
  assert_true(v == 130); /* 100 is 보통: no adjustment */
  const double cap[] = {490, 300};
  assert_int_equal(jj_cai_overall(cap, 2, &v), JJ_OK);
  assert_true(v == 500);
  const double gaps[] = {NAN, 120, NAN, 150};
  assert_int_equal(jj_cai_overall(gaps, 4, &v), JJ_OK);
  assert_true(v == 200);
  const double none[] = {NAN, NAN};
  assert_int_equal(jj_cai_overall(none, 2, &v), JJ_ENODATA);
  assert_true(isnan(v));
}

/* The check sequence, oldest -> newest, as the sources print it. */
static const double nowcast_seq[12] = {50, 80, 75, 90, 82, 53, 64, 74, 21, 10, 16, 13};
static const double c24e_seq[12] = {40, 42, 45, 50, 55, 60, 62, 65, 70, 72, 75, 80};

static void newest_first(const double *oldest_first, double *out) {
  for (int i = 0; i < 12; i++) out[i] = oldest_first[11 - i];
}

static void test_nowcast(void **state) {
  (void)state;
  double h[12], v;
  newest_first(nowcast_seq, h);
  assert_int_equal(jj_nowcast(h, 12, &v), JJ_OK);
  assert_true(fabs(v - 17.41391941) < 1e-6);
  assert_true(jj_aqi_truncate(jj_aqi_table_find("aqi-pm25"), v) == 17.4);
  /* w above the 0.5 floor: 1 - (24-20)/24. */
  const double calm[] = {20, 22, 24};
  assert_int_equal(jj_nowcast(calm, 3, &v), JJ_OK);
  assert_true(fabs(v - 21.758241758) < 1e-6);
  /* A missing hour keeps its place: 40 is two hours back (weight w^2). */
  const double gap[] = {10, NAN, 40};
  assert_int_equal(jj_nowcast(gap, 3, &v), JJ_OK);
  assert_true(fabs(v - 16.0) < 1e-9);
  /* Validity: 2 of the 3 newest hours. */
  const double one_recent[] = {NAN, 20, NAN, 30, 30, 30};
  assert_int_equal(jj_nowcast(one_recent, 6, &v), JJ_ENODATA);
  assert_true(isnan(v));
  const double two_recent[] = {NAN, 20, 30};
  assert_int_equal(jj_nowcast(two_recent, 3, &v), JJ_OK);
  const double newest_missing[] = {NAN, NAN, 30, 30};
  assert_int_equal(jj_nowcast(newest_missing, 4, &v), JJ_ENODATA);
  /* Only 12 hours are read: a 13th changes nothing. */
  double h13[13];
  memcpy(h13, h, sizeof h);
  h13[12] = 1000;
  double v13;
  assert_int_equal(jj_nowcast(h13, 13, &v13), JJ_OK);
  assert_true(fabs(v13 - 17.41391941) < 1e-6);
  const double zeros[] = {0, 0, 0};
  assert_int_equal(jj_nowcast(zeros, 3, &v), JJ_OK);
  assert_true(v == 0);
}

static void test_c24e(void **state) {
  (void)state;
  double h[12], c12, c4, v;
  newest_first(c24e_seq, h);
  assert_int_equal(jj_c24e(h, 12, JJ_C24E_M_PM25, &c12, &c4, &v), JJ_OK);
  /* As the source prints them, to 3 decimals. */
  assert_true(round(c12 * 1000) == 59667);
  assert_true(round(c4 * 1000) == 55688);
  assert_true(round(v * 1000) == 57677);
  /* With PM10's M = 70, only 70, 72, 75, 80 >= 70 still: the same. A
   * higher M leaves the hours at full weight. */
  assert_int_equal(jj_c24e(h, 12, 75, &c12, &c4, &v), JJ_OK);
  assert_true(fabs(c4 - (70 + 72 + 0.75 * 75 + 0.75 * 80) / 4) < 1e-9);
  /* A spike more than 1.7 x C12 counts at full weight, the hours in line
   * with C12 (70 / 75.83 = 0.92) at 0.75. */
  const double spike[12] = {140, 70, 70, 70, 70, 70, 70, 70, 70, 70, 70, 70};
  assert_int_equal(jj_c24e(spike, 12, JJ_C24E_M_PM25, &c12, &c4, &v), JJ_OK);
  assert_true(fabs(c12 - 910.0 / 12) < 1e-9);
  assert_true(fabs(c4 - (140 + 3 * 0.75 * 70) / 4) < 1e-9);
  /* An hour below 0.9 x C12 (a dip) counts at full weight too. */
  const double dip[12] = {40, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100};
  assert_int_equal(jj_c24e(dip, 12, JJ_C24E_M_PM25, &c12, &c4, &v), JJ_OK);
  assert_true(fabs(c4 - (40 + 3 * 0.75 * 100) / 4) < 1e-9);
  /* Missing hours: means of what is there; too few is no value. */
  double holes[12];
  memcpy(holes, h, sizeof holes);
  holes[1] = holes[5] = NAN;
  assert_int_equal(jj_c24e(holes, 12, JJ_C24E_M_PM25, &c12, &c4, &v), JJ_OK);
  assert_true(fabs(c12 - (716.0 - 75 - 62) / 10) < 1e-9);
  const double sparse[12] = {50, NAN, NAN, NAN, 50, 50, 50, 50, 50, NAN, NAN, NAN};
  assert_int_equal(jj_c24e(sparse, 12, JJ_C24E_M_PM25, &c12, &c4, &v), JJ_ENODATA);
  assert_true(isnan(v) && isnan(c12) && isnan(c4));
  const double five[5] = {50, 50, 50, 50, 50};
  assert_int_equal(jj_c24e(five, 5, JJ_C24E_M_PM25, NULL, NULL, &v), JJ_ENODATA);
}

static void test_custom_table(void **state) {
  (void)state;
  const jj_aqi_band ok[] = {{0, 10, 0, 50, "low"}, {10.1, 20, 51, 100, "high"}};
  jj_aqi_table *t = NULL;
  jj_error err;
  memset(&err, 0, sizeof err);
  assert_int_equal(jj_aqi_table_new("my", 1, ok, 2, NULL, &t, &err), JJ_OK);
  assert_string_equal(jj_aqi_table_name(t), "my");
  double v;
  assert_int_equal(jj_aqi_index(t, 10.09, &v), JJ_OK);
  assert_true(v == 50);
  assert_int_equal(jj_aqi_index(t, 10.1, &v), JJ_OK);
  assert_true(v == 51);
  assert_string_equal(jj_aqi_band_name(t, jj_aqi_band_of_index(t, v)), "high");
  jj_aqi_table_free(t);
  jj_aqi_table_free(NULL);
  jj_aqi_table_free((jj_aqi_table *)(uintptr_t)jj_aqi_table_find("cai")); /* no-op */

  struct {
    jj_aqi_band b[2];
    int decimals;
    int band;
    const char *msg;
  } bad[] = {
      {{{0, 10, 0, 50, "a"}, {12, 20, 51, 100, "b"}}, 0, 2, "contiguous"},
      {{{0, 10, 0, 50, "a"}, {10, 20, 51, 100, "b"}}, 0, 2, "contiguous"},
      {{{0, 10, 0, 50, "a"}, {11, 20, 52, 100, "b"}}, 0, 2, "index must start at 51"},
      {{{0, 10, 0, 50, "a"}, {11, 5, 51, 100, "b"}}, 0, 2, "increasing"},
      {{{0, 10, 50, 0, "a"}, {11, 20, 51, 100, "b"}}, 0, 1, "increasing"},
      {{{0, 10, 0, 50, ""}, {11, 20, 51, 100, "b"}}, 0, 1, "needs a name"},
      {{{-1, 10, 0, 50, "a"}, {11, 20, 51, 100, "b"}}, 0, 1, ">= 0"},
      {{{0, 10.25, 0, 50, "a"}, {10.26, 20, 51, 100, "b"}}, 1, 1, "at most 1 decimals"},
      {{{0, NAN, 0, 50, "a"}, {11, 20, 51, 100, "b"}}, 0, 1, "finite"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    memset(&err, 0, sizeof err);
    t = (jj_aqi_table *)&err; /* must be reset to NULL */
    assert_int_equal(jj_aqi_table_new("bad", bad[i].decimals, bad[i].b, 2, NULL, &t, &err),
                     JJ_EINVAL);
    assert_null(t);
    if (!strstr(err.message, bad[i].msg)) fail_msg("case %zu: %s", i, err.message);
    assert_int_equal(err.line, bad[i].band);
  }
  assert_int_equal(jj_aqi_table_new("bad", 7, ok, 2, NULL, &t, &err), JJ_EINVAL);
  assert_int_equal(jj_aqi_table_new("bad", 1, ok, 0, NULL, &t, &err), JJ_EINVAL);
  assert_int_equal(jj_aqi_table_new("", 1, ok, 2, NULL, &t, &err), JJ_EINVAL);
  assert_int_equal(jj_aqi_table_new("bad", 1, ok, 2, NULL, NULL, &err), JJ_EINVAL);
}

static void test_custom_table_oom(void **state) {
  (void)state;
  const jj_aqi_band ok[] = {{0, 10, 0, 50, "low"}, {11, 20, 51, 100, "high"}};
  tu_alloc ta;
  tu_alloc_init(&ta);
  tu_alloc_fail_at(&ta, 1, 0);
  jj_aqi_table *t = NULL;
  assert_int_equal(jj_aqi_table_new("my", 0, ok, 2, &ta.alc, &t, NULL), JJ_ENOMEM);
  assert_null(t);
  assert_int_equal(jj_aqi_table_new("my", 0, ok, 2, &ta.alc, &t, NULL), JJ_OK);
  jj_aqi_table_free(t);
  assert_int_equal(ta.live_bytes, 0);
}

/* ---- the window aggregates -------------------------------------------- */

#define HOUR INT64_C(3600000)

static jj_window *hourly_window(jj_window_kind kind, jj_dup_policy dup) {
  jj_window_config c;
  jj_window_config_init(&c);
  c.kind = kind;
  c.span_ms = HOUR;
  c.duplicates = dup;
  c.aggregates = JJ_AGG_BIT(JJ_AGG_COUNT) | JJ_AGG_BIT(JJ_AGG_NOWCAST) |
                 JJ_AGG_BIT(JJ_AGG_C24E_PM25) | JJ_AGG_BIT(JJ_AGG_C24E_PM10);
  jj_window *w = NULL;
  assert_int_equal(jj_window_new(&c, NULL, &w), JJ_OK);
  return w;
}

static void test_window_nowcast(void **state) {
  (void)state;
  jj_window *w = hourly_window(JJ_WINDOW_SLIDING_TIME, JJ_DUP_KEEP);
  /* Several samples per hour: the hour's mean is what counts. */
  for (int i = 0; i < 12; i++) {
    int64_t t0 = (1000 + i) * HOUR;
    assert_int_equal(jj_window_push(w, t0 + 60000, nowcast_seq[i] - 5), JJ_OK);
    assert_int_equal(jj_window_push(w, t0 + 120000, nowcast_seq[i] + 5), JJ_OK);
  }
  double v;
  assert_int_equal(jj_window_value(w, JJ_AGG_NOWCAST, &v), JJ_OK);
  assert_true(fabs(v - 17.41391941) < 1e-6);
  assert_string_equal(jj_agg_name(JJ_AGG_NOWCAST), "nowcast");
  assert_string_equal(jj_agg_name(JJ_AGG_C24E_PM25), "c24e-pm25");
  assert_string_equal(jj_agg_name(JJ_AGG_C24E_PM10), "c24e-pm10");
  /* Two hours without data: only one of the last three hours -> none. */
  assert_int_equal(jj_window_push(w, 1014 * HOUR, 20), JJ_OK);
  assert_int_equal(jj_window_value(w, JJ_AGG_NOWCAST, &v), JJ_ENODATA);
  assert_int_equal(jj_window_push(w, 1015 * HOUR, 20), JJ_OK);
  assert_int_equal(jj_window_value(w, JJ_AGG_NOWCAST, &v), JJ_OK);
  /* A gap longer than the ring forgets everything. */
  assert_int_equal(jj_window_push(w, 2000 * HOUR, 30), JJ_OK);
  assert_int_equal(jj_window_value(w, JJ_AGG_NOWCAST, &v), JJ_ENODATA);
  jj_window_reset(w);
  assert_int_equal(jj_window_value(w, JJ_AGG_NOWCAST, &v), JJ_ENODATA);
  assert_true(jj_window_memory(w) > 16 * 12);
  jj_window_free(w);
}

static void test_window_c24e_tumbling(void **state) {
  (void)state;
  jj_window *w = hourly_window(JJ_WINDOW_TUMBLING, JJ_DUP_REPLACE);
  for (int i = 0; i < 12; i++) {
    int64_t ts = (500 + i) * HOUR;
    /* A wrong first reading, replaced by the right one (a re-sent hour). */
    assert_int_equal(jj_window_push(w, ts, 999), JJ_OK);
    assert_int_equal(jj_window_push(w, ts, c24e_seq[i]), JJ_OK);
  }
  jj_window_stats ws;
  while (jj_window_pop_closed(w, &ws)) {
  }
  /* The next hour's first sample closes the 12th: the closed result reads
   * the 12 hours ending with it, not the new sample's hour. */
  assert_int_equal(jj_window_push(w, 512 * HOUR, 1000), JJ_OK);
  assert_int_equal(jj_window_pop_closed(w, &ws), 1);
  assert_true(ws.end_ms == 512 * HOUR);
  assert_true(round(ws.value[JJ_AGG_C24E_PM25] * 1000) == 57677);
  /* PM10's M = 70: the last four (70 .. 80) are all still >= M. */
  assert_true(round(ws.value[JJ_AGG_C24E_PM10] * 1000) == 57677);
  assert_true(isnan(ws.value[JJ_AGG_NOWCAST]) == 0);
  assert_int_equal(jj_window_pop_closed(w, &ws), 0);
  jj_window_free(w);
}

static void test_window_oom(void **state) {
  (void)state;
  tu_alloc ta;
  tu_alloc_init(&ta);
  jj_window_config c;
  jj_window_config_init(&c);
  c.aggregates = JJ_AGG_BIT(JJ_AGG_NOWCAST);
  for (unsigned long n = 1;; n++) {
    tu_alloc_fail_at(&ta, n, 0);
    jj_window *w = NULL;
    jj_status st = jj_window_new(&c, &ta.alc, &w);
    if (st == JJ_OK) {
      jj_window_free(w);
      break;
    }
    assert_int_equal(st, JJ_ENOMEM);
    assert_null(w);
    assert_int_equal(ta.live_bytes, 0);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_band_edges),      cmocka_unit_test(test_check_values),
      cmocka_unit_test(test_truncation),      cmocka_unit_test(test_out_of_range),
      cmocka_unit_test(test_cai_overall),     cmocka_unit_test(test_nowcast),
      cmocka_unit_test(test_c24e),            cmocka_unit_test(test_custom_table),
      cmocka_unit_test(test_custom_table_oom), cmocka_unit_test(test_window_nowcast),
      cmocka_unit_test(test_window_c24e_tumbling), cmocka_unit_test(test_window_oom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
