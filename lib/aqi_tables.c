/* The shipped index tables: Korean CAI (통합대기환경지수) and US EPA AQI
 * 2024, as data. Sources, in rules/README.md "Sources" (cai.yaml):
 *  - CAI: AirKorea (Korea Environment Corporation), 통합대기환경지수 —
 *    band indices 0-50 좋음, 51-100 보통, 101-250 나쁨, 251-500 매우나쁨;
 *    gases on 1-hour means truncated to 3 decimals (CO 2), PM on the
 *    24-hour (predicted) mean truncated to whole µg/m³.
 *  - AQI: US EPA, Technical Assistance Document for the Reporting of Daily
 *    Air Quality — the Air Quality Index (AQI), EPA-454/B-24-002, May 2024
 *    (the PM2.5 revision; the other pollutants' breakpoints unchanged, the
 *    301-400 and 401-500 rows merged into one 301-500 row).
 * Adding a table: one array and one row in `shipped` (aqi.c checks every
 * shipped table at test time with the same validator as jj_aqi_table_new). */
#include "aqi_internal.h"

#define CAI_BANDS(a, b, c, d, e, f, g, h)                                               \
  {                                                                                     \
    {a, b, 0, 50, "좋음"}, {c, d, 51, 100, "보통"}, {e, f, 101, 250, "나쁨"}, {          \
      g, h, 251, 500, "매우나쁨"                                                        \
    }                                                                                   \
  }

static const jj_aqi_band cai_pm25[] = CAI_BANDS(0, 15, 16, 35, 36, 75, 76, 500);
static const jj_aqi_band cai_pm10[] = CAI_BANDS(0, 30, 31, 80, 81, 150, 151, 600);
static const jj_aqi_band cai_o3[] = CAI_BANDS(0, 0.030, 0.031, 0.090, 0.091, 0.150, 0.151, 0.6);
static const jj_aqi_band cai_no2[] = CAI_BANDS(0, 0.030, 0.031, 0.060, 0.061, 0.200, 0.201, 2);
static const jj_aqi_band cai_co[] = CAI_BANDS(0, 2, 2.01, 9, 9.01, 15, 15.01, 50);
static const jj_aqi_band cai_so2[] = CAI_BANDS(0, 0.020, 0.021, 0.050, 0.051, 0.150, 0.151, 1);
/* The CAI scale itself: index -> band, for an overall CAI. */
static const jj_aqi_band cai_scale[] = CAI_BANDS(0, 50, 51, 100, 101, 250, 251, 500);

#define GOOD "Good"
#define MODERATE "Moderate"
#define USG "Unhealthy for Sensitive Groups"
#define UNHEALTHY "Unhealthy"
#define VERY "Very Unhealthy"
#define HAZARDOUS "Hazardous"

static const jj_aqi_band aqi_pm25[] = {
    {0.0, 9.0, 0, 50, GOOD},           {9.1, 35.4, 51, 100, MODERATE},
    {35.5, 55.4, 101, 150, USG},       {55.5, 125.4, 151, 200, UNHEALTHY},
    {125.5, 225.4, 201, 300, VERY},    {225.5, 325.4, 301, 500, HAZARDOUS}};
static const jj_aqi_band aqi_pm10[] = {
    {0, 54, 0, 50, GOOD},          {55, 154, 51, 100, MODERATE}, {155, 254, 101, 150, USG},
    {255, 354, 151, 200, UNHEALTHY}, {355, 424, 201, 300, VERY},   {425, 604, 301, 500, HAZARDOUS}};
/* 8-hour ozone defines no index above 300: above 0.200 ppm EPA uses the
 * 1-hour table. */
static const jj_aqi_band aqi_o3_8h[] = {{0.000, 0.054, 0, 50, GOOD},
                                        {0.055, 0.070, 51, 100, MODERATE},
                                        {0.071, 0.085, 101, 150, USG},
                                        {0.086, 0.105, 151, 200, UNHEALTHY},
                                        {0.106, 0.200, 201, 300, VERY}};
/* 1-hour ozone defines no index below 101. */
static const jj_aqi_band aqi_o3_1h[] = {{0.125, 0.164, 101, 150, USG},
                                        {0.165, 0.204, 151, 200, UNHEALTHY},
                                        {0.205, 0.404, 201, 300, VERY},
                                        {0.405, 0.604, 301, 500, HAZARDOUS}};
static const jj_aqi_band aqi_co[] = {
    {0.0, 4.4, 0, 50, GOOD},         {4.5, 9.4, 51, 100, MODERATE}, {9.5, 12.4, 101, 150, USG},
    {12.5, 15.4, 151, 200, UNHEALTHY}, {15.5, 30.4, 201, 300, VERY},  {30.5, 50.4, 301, 500, HAZARDOUS}};
/* 1-hour SO2; EPA reads indices above 200 (305 ppb on) from the 24-hour mean. */
static const jj_aqi_band aqi_so2[] = {
    {0, 35, 0, 50, GOOD},            {36, 75, 51, 100, MODERATE}, {76, 185, 101, 150, USG},
    {186, 304, 151, 200, UNHEALTHY}, {305, 604, 201, 300, VERY},  {605, 1004, 301, 500, HAZARDOUS}};
static const jj_aqi_band aqi_no2[] = {{0, 53, 0, 50, GOOD},
                                      {54, 100, 51, 100, MODERATE},
                                      {101, 360, 101, 150, USG},
                                      {361, 649, 151, 200, UNHEALTHY},
                                      {650, 1249, 201, 300, VERY},
                                      {1250, 2049, 301, 500, HAZARDOUS}};

#define TABLE(name, dec, arr) \
  {(name), (dec), (uint32_t)(sizeof(arr) / sizeof((arr)[0])), (arr), 0, {NULL, NULL, NULL, NULL}}

static const jj_aqi_table shipped[] = {
    TABLE("cai-pm25", 0, cai_pm25), TABLE("cai-pm10", 0, cai_pm10),
    TABLE("cai-o3", 3, cai_o3),     TABLE("cai-no2", 3, cai_no2),
    TABLE("cai-co", 2, cai_co),     TABLE("cai-so2", 3, cai_so2),
    TABLE("cai", 0, cai_scale),     TABLE("aqi-pm25", 1, aqi_pm25),
    TABLE("aqi-pm10", 0, aqi_pm10), TABLE("aqi-o3-8h", 3, aqi_o3_8h),
    TABLE("aqi-o3-1h", 3, aqi_o3_1h), TABLE("aqi-co", 1, aqi_co),
    TABLE("aqi-so2", 0, aqi_so2),   TABLE("aqi-no2", 0, aqi_no2)};

uint32_t jj_aqi_table_count(void) { return (uint32_t)(sizeof shipped / sizeof shipped[0]); }

const jj_aqi_table *jj_aqi_table_at(uint32_t i) {
  return i < jj_aqi_table_count() ? &shipped[i] : NULL;
}
