/* Alert life-cycle semantics of the rule engine, with simulated time.
 *
 * Korean PM2.5/PM10 advisories and warnings hour by hour (대기환경보전법
 * 시행규칙 별표 7), ozone on the max station, zone averages with dead
 * stations, fire rate-of-rise (sources: rules/README.md, "Sources"),
 * missing data policies, persistence on both edges, flapping, repeats and
 * k-of-n agreement. Every case asserts the exact event sequence. */
/* cmocka.h needs these first. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_testutil.h"
#include "jjair/jjair.h"
#include "testutil.h"

/* A fixture: one ruleset, one engine recording its events. */
typedef struct fx {
  jj_ruleset *rs;
  jj_engine *e;
  et_rec rec;
} fx;

/* These tests replay whole hours and then move the clock to the hour's
 * end, so the caller's clock may trail the readings by up to an hour: the
 * future check is off unless a test passes its own config. */
static void fx_open(fx *f, jj_ruleset *rs, const jj_engine_config *cfg) {
  jj_engine_config c;
  jj_engine_config_init(&c);
  c.max_future_ms = -1;
  memset(f, 0, sizeof *f);
  f->rs = rs;
  f->e = et_engine(rs, cfg ? cfg : &c, &f->rec);
}

static void fx_close(fx *f) {
  jj_engine_free(f->e);
  jj_ruleset_free(f->rs);
  et_rec_free(&f->rec);
}

static fx *fx_pm25(jj_window_config *wmod) {
  static fx f;
  jj_rule_config rc;
  jj_level_config lv[2];
  et_korean_pm_rule(&rc, lv, "pm25-korea", "pm25", 75, 35, 150, 75);
  if (wmod) rc.window.min_samples = wmod->min_samples;
  fx_open(&f, et_ruleset1(&rc, lv, 2), NULL);
  return &f;
}

/* ==========================================================================
 * 1. Korean PM2.5: hour by hour
 * ========================================================================== */

static void test_pm25_hour_by_hour(void **state) {
  (void)state;
  fx *f = fx_pm25(NULL);
  static const char *const kv[] = {"station", "jeonju-a"};
  jj_series_id id = et_series(f->e, "pm25", kv, 1);

  /* Hour 0 at 80: judged by the first reading of hour 1. One hour >= 75
   * is not enough: no event, the advisory is pending. */
  et_hour(f->e, id, 0, 80);
  et_expect_none(&f->rec);
  et_hour_part(f->e, id, 1, 80, 0, 1);
  et_expect_none(&f->rec);
  jj_alert_state s = et_state(f->e, id, 0);
  assert_int_equal(s.level, 0);
  assert_int_equal(s.pending_level, 1);
  assert_true(s.value == 80.0);
  et_hour_part(f->e, id, 1, 80, 1, ET_PER_HOUR);
  et_expect_none(&f->rec);

  /* Second consecutive hour >= 75: 주의보 (advisory) issued when hour 1 is
   * judged, i.e. at the first reading of hour 2. */
  et_hour_part(f->e, id, 2, 160, 0, 1);
  const jj_event *ev = et_expect(&f->rec, JJ_EVENT_FIRED, 1);
  assert_int_equal(ev->prev_level, 0);
  assert_true(ev->value == 80.0);
  assert_int_equal(ev->window_start_ms, ET_H(1));
  assert_int_equal(ev->window_end_ms, ET_H(2));
  assert_int_equal(ev->time_ms, ET_H(2));
  assert_int_equal(ev->started_ms, ET_H(2));
  assert_int_equal(ev->sample_ts_ms, ET_H(2));
  assert_true(ev->sample_value == et_hour_value(160, 0));
  assert_string_equal(ev->rule, "pm25-korea");
  assert_string_equal(ev->metric, "pm25");
  assert_string_equal(ev->level_name, "advisory");
  assert_string_equal(ev->severity, "caution");
  assert_int_equal(ev->is_group, 0);
  assert_int_equal(ev->reason, JJ_REASON_NONE);
  et_expect_none(&f->rec);
  et_hour_part(f->e, id, 2, 160, 1, ET_PER_HOUR);

  /* One hour >= 150: warning pending, advisory holds. */
  et_hour_part(f->e, id, 3, 160, 0, 1);
  et_expect_none(&f->rec);
  s = et_state(f->e, id, 0);
  assert_int_equal(s.level, 1);
  assert_int_equal(s.pending_level, 2);
  assert_int_equal(s.started_ms, ET_H(2));
  et_hour_part(f->e, id, 3, 160, 1, ET_PER_HOUR);

  /* Second hour >= 150: 경보 (warning). */
  et_hour_part(f->e, id, 4, 100, 0, 1);
  ev = et_expect(&f->rec, JJ_EVENT_ESCALATED, 2);
  assert_int_equal(ev->prev_level, 1);
  assert_true(ev->value == 160.0);
  assert_int_equal(ev->window_start_ms, ET_H(3));
  assert_int_equal(ev->window_end_ms, ET_H(4));
  assert_int_equal(ev->started_ms, ET_H(2)); /* same episode */
  assert_string_equal(ev->level_name, "warning");
  assert_string_equal(ev->severity, "critical");
  et_expect_none(&f->rec);
  et_hour_part(f->e, id, 4, 100, 1, ET_PER_HOUR);

  /* An hour at 100: below 150 but not below 75, the warning's release
   * level: the warning stays. */
  et_hour_part(f->e, id, 5, 60, 0, 1);
  et_expect_none(&f->rec);
  assert_int_equal(et_state(f->e, id, 0).level, 2);
  et_hour_part(f->e, id, 5, 60, 1, ET_PER_HOUR);

  /* An hour at 60 (< 75, not < 35): the warning becomes an advisory. */
  et_hour_part(f->e, id, 6, 20, 0, 1);
  ev = et_expect(&f->rec, JJ_EVENT_DOWNGRADED, 1);
  assert_int_equal(ev->prev_level, 2);
  assert_true(ev->value == 60.0);
  assert_string_equal(ev->level_name, "advisory");
  assert_int_equal(ev->window_start_ms, ET_H(5));
  et_expect_none(&f->rec);
  et_hour_part(f->e, id, 6, 20, 1, ET_PER_HOUR);

  /* An hour at 20 (< 35): released. */
  et_hour_part(f->e, id, 7, 20, 0, 1);
  ev = et_expect(&f->rec, JJ_EVENT_RESOLVED, 0);
  assert_int_equal(ev->prev_level, 1);
  assert_true(ev->value == 20.0);
  assert_string_equal(ev->level_name, "advisory"); /* named by prev_level */
  assert_int_equal(ev->started_ms, ET_H(2));
  assert_int_equal(ev->window_start_ms, ET_H(6));
  assert_int_equal(ev->window_end_ms, ET_H(7));
  assert_int_equal(ev->time_ms, ET_H(7));
  et_expect_none(&f->rec);
  s = et_state(f->e, id, 0);
  assert_int_equal(s.level, 0);
  assert_int_equal(s.pending_level, 0);

  /* A new episode starts afresh: hour 7 stays clean (20, then 20s), hours
   * 8 and 9 at 90 fire when hour 9 is judged. */
  et_hour_part(f->e, id, 7, 20, 1, ET_PER_HOUR);
  et_hour(f->e, id, 8, 90);
  et_hour(f->e, id, 9, 90);
  et_expect_none(&f->rec);
  et_hour_part(f->e, id, 10, 90, 0, 1);
  ev = et_expect(&f->rec, JJ_EVENT_FIRED, 1);
  assert_int_equal(ev->window_start_ms, ET_H(9));
  assert_int_equal(ev->started_ms, ET_H(10));
  et_expect_none(&f->rec);
  fx_close(f);
}

/* A warning that drops straight to clean air resolves once, cascading
 * through the advisory (60 is not < 35, 20 is). A jump from clean air to
 * two hours >= 150 fires the warning directly. */
static void test_pm25_jump_and_cascade(void **state) {
  (void)state;
  fx *f = fx_pm25(NULL);
  jj_series_id id = et_series(f->e, "pm25", NULL, 0);
  et_hour(f->e, id, 0, 10);
  et_hour(f->e, id, 1, 160);
  et_hour(f->e, id, 2, 160);
  et_expect_none(&f->rec); /* hour 2 not judged yet */
  et_hour_part(f->e, id, 3, 20, 0, 1);
  const jj_event *ev = et_expect(&f->rec, JJ_EVENT_FIRED, 2);
  assert_int_equal(ev->prev_level, 0);
  assert_string_equal(ev->level_name, "warning");
  assert_int_equal(ev->window_start_ms, ET_H(2));
  et_expect_none(&f->rec);
  et_hour_part(f->e, id, 3, 20, 1, ET_PER_HOUR);
  et_hour_part(f->e, id, 4, 20, 0, 1);
  ev = et_expect(&f->rec, JJ_EVENT_RESOLVED, 0);
  assert_int_equal(ev->prev_level, 2);
  assert_true(ev->value == 20.0);
  assert_string_equal(ev->level_name, "warning");
  et_expect_none(&f->rec);
  assert_int_equal(et_state(f->e, id, 0).level, 0);
  fx_close(f);
}

/* A missing clock hour between two hours >= 75 breaks the 2-hour run. */
static void test_pm25_missing_hour_breaks_run(void **state) {
  (void)state;
  fx *f = fx_pm25(NULL);
  jj_series_id id = et_series(f->e, "pm25", NULL, 0);
  et_hour(f->e, id, 0, 80);
  /* hour 1: no readings at all */
  et_hour(f->e, id, 2, 80);
  et_hour_part(f->e, id, 3, 80, 0, 1); /* judges hour 2 (and the empty hour 1) */
  et_expect_none(&f->rec);
  jj_alert_state s = et_state(f->e, id, 0);
  assert_int_equal(s.level, 0);
  assert_int_equal(s.pending_level, 1);
  et_hour_part(f->e, id, 3, 80, 1, ET_PER_HOUR);
  et_hour_part(f->e, id, 4, 80, 0, 1);
  const jj_event *ev = et_expect(&f->rec, JJ_EVENT_FIRED, 1);
  assert_int_equal(ev->window_start_ms, ET_H(3));
  et_expect_none(&f->rec);

  /* The same with the gap closed by the clock instead of a reading. */
  fx_close(f);
  f = fx_pm25(NULL);
  id = et_series(f->e, "pm25", NULL, 0);
  et_hour(f->e, id, 0, 80);
  assert_int_equal(jj_engine_advance(f->e, ET_H(1)), JJ_OK); /* hour 0 judged */
  assert_int_equal(et_state(f->e, id, 0).pending_level, 1);
  assert_int_equal(jj_engine_advance(f->e, ET_H(2)), JJ_OK); /* empty hour 1 judged */
  assert_int_equal(et_state(f->e, id, 0).pending_level, 0);
  et_hour(f->e, id, 2, 80);
  assert_int_equal(jj_engine_advance(f->e, ET_H(3)), JJ_OK);
  et_expect_none(&f->rec);
  fx_close(f);
}

/* With min_samples 9 of 12 an incomplete hour is neither clean nor
 * polluted: it never resolves a firing alert and breaks issue runs. */
static void test_pm25_incomplete_hour(void **state) {
  (void)state;
  jj_window_config w;
  memset(&w, 0, sizeof w);
  w.min_samples = 9;
  fx *f = fx_pm25(&w);
  jj_series_id id = et_series(f->e, "pm25", NULL, 0);
  et_hour(f->e, id, 0, 80);
  et_hour(f->e, id, 1, 80);
  et_hour_part(f->e, id, 2, 10, 0, 6); /* 6 clean readings: incomplete */
  et_expect(&f->rec, JJ_EVENT_FIRED, 1);
  et_hour_part(f->e, id, 3, 10, 0, 1); /* judges the incomplete hour 2 */
  et_expect_none(&f->rec);
  jj_alert_state s = et_state(f->e, id, 0);
  assert_int_equal(s.level, 1);
  assert_true(isnan(s.value));
  /* Hour 3 has 8 clean readings: still incomplete, still firing. */
  et_hour_part(f->e, id, 3, 10, 1, 8);
  assert_int_equal(jj_engine_advance(f->e, ET_H(4)), JJ_OK);
  et_expect_none(&f->rec);
  assert_int_equal(et_state(f->e, id, 0).level, 1);
  /* A complete clean hour releases. */
  et_hour(f->e, id, 4, 10);
  assert_int_equal(jj_engine_advance(f->e, ET_H(5)), JJ_OK);
  const jj_event *ev = et_expect(&f->rec, JJ_EVENT_RESOLVED, 0);
  assert_int_equal(ev->window_start_ms, ET_H(4));
  assert_int_equal(ev->sample_ts_ms, INT64_MIN); /* time-driven */

  /* 80 (complete), 80 (8 readings), 80, 80: fires only after the last two. */
  et_hour(f->e, id, 5, 80);
  et_hour_part(f->e, id, 6, 80, 0, 8);
  et_hour(f->e, id, 7, 80);
  assert_int_equal(jj_engine_advance(f->e, ET_H(8)), JJ_OK);
  et_expect_none(&f->rec);
  et_hour(f->e, id, 8, 80);
  assert_int_equal(jj_engine_advance(f->e, ET_H(9)), JJ_OK);
  ev = et_expect(&f->rec, JJ_EVENT_FIRED, 1);
  assert_int_equal(ev->window_start_ms, ET_H(8));
  et_expect_none(&f->rec);
  fx_close(f);
}

/* ==========================================================================
 * 2. PM10 (150 / 100, 300 / 150), hours judged by the clock
 * ========================================================================== */

static void test_pm10_levels_and_boundaries(void **state) {
  (void)state;
  static fx f;
  jj_rule_config rc;
  jj_level_config lv[2];
  et_korean_pm_rule(&rc, lv, "pm10-korea", "pm10", 150, 100, 300, 150);
  fx_open(&f, et_ruleset1(&rc, lv, 2), NULL);
  jj_series_id id = et_series(f.e, "pm10", NULL, 0);
  /* hourly means and the event each hour's judgement must give */
  static const struct {
    double mean;
    int kind; /* 0 = none */
    int level;
  } hours[] = {
      {150, 0, 0},                   /* >= 150 (이상) counts; pending */
      {150, JJ_EVENT_FIRED, 1},      /* two hours: advisory */
      {300, 0, 0},                   /* warning pending */
      {300, JJ_EVENT_ESCALATED, 2},  /* warning */
      {150, 0, 0},                   /* 150 is not < 150 (미만): stays */
      {149, JJ_EVENT_DOWNGRADED, 1}, /* < 150: advisory */
      {100, 0, 0},                   /* 100 is not < 100 */
      {99, JJ_EVENT_RESOLVED, 0},    /* < 100: released */
      {120, 0, 0},
  };
  for (int k = 0; k < (int)(sizeof hours / sizeof hours[0]); k++) {
    et_hour(f.e, id, k, hours[k].mean);
    assert_int_equal(jj_engine_advance(f.e, ET_H(k + 1)), JJ_OK);
    if (hours[k].kind) {
      const jj_event *ev = et_expect(&f.rec, (jj_event_kind)hours[k].kind, hours[k].level);
      assert_true(ev->value == hours[k].mean);
      assert_int_equal(ev->window_start_ms, ET_H(k));
      assert_int_equal(ev->window_end_ms, ET_H(k + 1));
      assert_int_equal(ev->time_ms, ET_H(k + 1));
      assert_int_equal(ev->sample_ts_ms, INT64_MIN);
    }
    et_expect_none(&f.rec);
  }
  fx_close(&f);
}

/* ==========================================================================
 * 3. Ozone: three levels on the max station of a zone
 * ========================================================================== */

static jj_ruleset *ozone_rules(void) {
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "o3-korea";
  rc.metric = "o3";
  rc.window.kind = JJ_WINDOW_TUMBLING;
  rc.window.span_ms = ET_HOUR;
  rc.aggregate = JJ_AGG_MEAN;
  rc.group = JJ_GROUP_MAX;
  rc.group_by = "zone";
  jj_level_config lv[3] = {
      et_level("advisory", JJ_CMP_GE, 0.12, JJ_CMP_LT, 0.12, 1),
      et_level("warning", JJ_CMP_GE, 0.3, JJ_CMP_LT, 0.3, 1),
      et_level("major-warning", JJ_CMP_GE, 0.5, JJ_CMP_LT, 0.5, 1),
  };
  return et_ruleset1(&rc, lv, 3);
}

/* Twelve readings of each station for hour k, interleaved in time. */
static void zone_hour(jj_engine *e, const jj_series_id *ids, int n, int k, const double *v) {
  for (int i = 0; i < ET_PER_HOUR; i++)
    for (int s = 0; s < n; s++) et_push(e, ids[s], ET_H(k) + i * 5 * ET_MIN, v[s]);
}

static void test_ozone_max_station(void **state) {
  (void)state;
  static fx f;
  fx_open(&f, ozone_rules(), NULL);
  static const char *const a[] = {"station", "a", "zone", "jungbu"};
  static const char *const b[] = {"zone", "jungbu", "station", "b"};
  static const char *const c[] = {"station", "c", "zone", "jungbu"};
  static const char *const d[] = {"station", "d", "zone", "north"};
  jj_series_id ids[4] = {et_series(f.e, "o3", a, 2), et_series(f.e, "o3", b, 2),
                         et_series(f.e, "o3", c, 2), et_series(f.e, "o3", d, 2)};
  static const struct {
    double v[4];
    int kind, level;
  } hours[] = {
      {{0.05, 0.05, 0.05, 0.05}, 0, 0},
      {{0.05, 0.13, 0.05, 0.05}, JJ_EVENT_FIRED, 1}, /* one station: no persistence */
      {{0.05, 0.31, 0.20, 0.05}, JJ_EVENT_ESCALATED, 2},
      {{0.55, 0.31, 0.20, 0.05}, JJ_EVENT_ESCALATED, 3},
      {{0.40, 0.31, 0.20, 0.05}, JJ_EVENT_DOWNGRADED, 2}, /* < 0.5 */
      {{0.20, 0.10, 0.05, 0.05}, JJ_EVENT_DOWNGRADED, 1}, /* < 0.3 */
      {{0.11, 0.10, 0.05, 0.05}, JJ_EVENT_RESOLVED, 0},   /* < 0.12 */
      {{0.05, 0.60, 0.05, 0.05}, JJ_EVENT_FIRED, 3},      /* straight to 중대경보 */
      {{0.05, 0.05, 0.05, 0.05}, JJ_EVENT_RESOLVED, 0},   /* one event for the drop */
  };
  for (int k = 0; k < (int)(sizeof hours / sizeof hours[0]); k++) {
    zone_hour(f.e, ids, 4, k, hours[k].v);
    assert_int_equal(jj_engine_advance(f.e, ET_H(k + 1)), JJ_OK);
    if (hours[k].kind) {
      const jj_event *ev = et_expect(&f.rec, (jj_event_kind)hours[k].kind, hours[k].level);
      double max = hours[k].v[0];
      for (int s = 1; s < 3; s++)
        if (hours[k].v[s] > max) max = hours[k].v[s];
      et_near(ev->value, max, 1e-12);
      assert_int_equal(ev->is_group, 1);
      assert_int_equal(ev->nlabels, 1);
      assert_string_equal(ev->labels[0].name, "zone");
      assert_string_equal(ev->labels[0].value, "jungbu");
      assert_int_equal(ev->window_start_ms, ET_H(k));
      assert_int_equal(ev->window_end_ms, ET_H(k + 1));
      assert_string_equal(ev->metric, "o3");
    }
    et_expect_none(&f.rec); /* and nothing for the clean "north" zone */
    jj_alert_state s = et_state(f.e, ids[0], 0);
    jj_alert_state sb = et_state(f.e, ids[1], 0);
    assert_int_equal(s.level, sb.level); /* members share the group's alert */
    assert_int_equal(et_state(f.e, ids[3], 0).level, 0);
  }
  fx_close(&f);
}

/* ==========================================================================
 * 4. Zone average (PM2.5) across three stations
 * ========================================================================== */

static jj_ruleset *zone_avg_rules_wait(uint32_t min_members, int64_t stale_after, int64_t wait) {
  jj_rule_config rc;
  jj_level_config lv[2];
  et_korean_pm_rule(&rc, lv, "pm25-zone", "pm25", 75, 35, 150, 75);
  rc.group = JJ_GROUP_AVG;
  rc.group_by = "zone";
  rc.group_min_members = min_members;
  rc.stale_after_ms = stale_after;
  rc.group_wait_ms = wait;
  return et_ruleset1(&rc, lv, 2);
}

static jj_ruleset *zone_avg_rules(uint32_t min_members, int64_t stale_after) {
  return zone_avg_rules_wait(min_members, stale_after, 0);
}

/* The zone average over hopping 1-hour windows every `hop`. */
static jj_ruleset *zone_hop_rules(int64_t hop, int64_t wait) {
  jj_rule_config rc;
  jj_level_config lv[2];
  et_korean_pm_rule(&rc, lv, "pm25-zone", "pm25", 75, 35, 150, 75);
  rc.window.hop_ms = hop;
  rc.group = JJ_GROUP_AVG;
  rc.group_by = "zone";
  rc.group_wait_ms = wait;
  return et_ruleset1(&rc, lv, 2);
}

static void zone_ids(jj_engine *e, jj_series_id ids[3]) {
  static const char *const a[] = {"station", "a", "zone", "z"};
  static const char *const b[] = {"station", "b", "zone", "z"};
  static const char *const c[] = {"station", "c", "zone", "z"};
  ids[0] = et_series(e, "pm25", a, 2);
  ids[1] = et_series(e, "pm25", b, 2);
  ids[2] = et_series(e, "pm25", c, 2);
}

/* The group judges an hour once every station has reported it. */
static void test_zone_average_waits_for_all(void **state) {
  (void)state;
  static fx f;
  fx_open(&f, zone_avg_rules(0, 0), NULL);
  jj_series_id ids[3];
  zone_ids(f.e, ids);
  const double h0[3] = {60, 90, 90}; /* mean 80 */
  zone_hour(f.e, ids, 3, 0, h0);
  et_push(f.e, ids[0], ET_H(1), 60); /* a reports hour 0 */
  assert_true(isnan(et_state(f.e, ids[0], 0).value));
  et_push(f.e, ids[1], ET_H(1), 90); /* b reports hour 0 */
  assert_true(isnan(et_state(f.e, ids[0], 0).value));
  et_push(f.e, ids[2], ET_H(1), 90); /* c reports: judged */
  jj_alert_state s = et_state(f.e, ids[0], 0);
  assert_true(s.value == 80.0);
  assert_int_equal(s.pending_level, 1);
  et_expect_none(&f.rec);
  for (int i = 1; i < ET_PER_HOUR; i++)
    for (int k = 0; k < 3; k++) et_push(f.e, ids[k], ET_H(1) + i * 5 * ET_MIN, h0[k]);
  et_push(f.e, ids[0], ET_H(2), 60);
  et_push(f.e, ids[1], ET_H(2), 90);
  et_expect_none(&f.rec);
  et_push(f.e, ids[2], ET_H(2), 90);
  const jj_event *ev = et_expect(&f.rec, JJ_EVENT_FIRED, 1);
  assert_true(ev->value == 80.0);
  assert_int_equal(ev->is_group, 1);
  assert_string_equal(ev->labels[0].value, "z");
  assert_int_equal(ev->window_start_ms, ET_H(1));
  assert_int_equal(ev->sample_ts_ms, ET_H(2));
  et_expect_none(&f.rec);
  fx_close(&f);
}

/* Readings of hour k for the stations whose value is not NAN (NAN = silent
 * for the hour), interleaved in time: a replay without a clock. */
static void zone_hour_gaps(jj_engine *e, const jj_series_id *ids, int n, int k, const double *v) {
  for (int i = 0; i < ET_PER_HOUR; i++)
    for (int s = 0; s < n; s++)
      if (!isnan(v[s])) et_push(e, ids[s], ET_H(k) + i * 5 * ET_MIN, v[s]);
}

/* One station silent for an hour: its next reading closes two windows at
 * once (its last hour with data, then the empty one). The group must
 * still judge the earlier hour with every station's value, and judge the
 * later hour on time, without the silent station. */
static void test_zone_average_station_gap(void **state) {
  (void)state;
  static fx f;
  fx_open(&f, zone_avg_rules(0, 0), NULL);
  jj_series_id ids[3];
  zone_ids(f.e, ids);
  const double h0[3] = {60, 90, 90};  /* mean 80; a alone would be 60 */
  const double h1[3] = {NAN, 70, 90}; /* a silent; mean of b, c = 80 */
  const double h2[3] = {20, 20, 20};
  zone_hour_gaps(f.e, ids, 3, 0, h0);
  zone_hour_gaps(f.e, ids, 3, 1, h1);
  et_expect_none(&f.rec);
  /* Hour 0 waits for a (no clock: nothing says a has no more for it). a's
   * first reading of hour 2 reports hour 0 (60) and its empty hour 1;
   * hour 0 is judged with all three (80, >= 75) and hour 1 with b and c
   * (80): the advisory fires when c reports hour 1. Judging hour 0 with a
   * alone (60) would delay it by an hour. */
  zone_hour_gaps(f.e, ids, 3, 2, h2);
  const jj_event *ev = et_expect(&f.rec, JJ_EVENT_FIRED, 1);
  assert_true(ev->value == 80.0);
  assert_int_equal(ev->window_start_ms, ET_H(1));
  assert_int_equal(ev->time_ms, ET_H(2));
  et_expect_none(&f.rec);
  jj_engine_stats st;
  jj_engine_stats_get(f.e, &st);
  assert_int_equal(st.group_late, 0);
  fx_close(&f);
}

/* Every station silent for an hour: the zone has no value for it, which
 * breaks the 2-hour run exactly as for a single station. */
static void test_zone_average_missing_hour(void **state) {
  (void)state;
  static fx f;
  fx_open(&f, zone_avg_rules(0, 0), NULL);
  jj_series_id ids[3];
  zone_ids(f.e, ids);
  const double h80[3] = {80, 80, 80};
  const double none[3] = {NAN, NAN, NAN};
  zone_hour_gaps(f.e, ids, 3, 0, h80);
  zone_hour_gaps(f.e, ids, 3, 1, none);
  zone_hour_gaps(f.e, ids, 3, 2, h80);
  zone_hour_gaps(f.e, ids, 3, 3, h80); /* judges hour 2: not consecutive */
  et_expect_none(&f.rec);
  assert_int_equal(et_state(f.e, ids[0], 0).pending_level, 1);
  zone_hour_gaps(f.e, ids, 3, 4, h80); /* judges hour 3: hours 2 + 3 */
  const jj_event *ev = et_expect(&f.rec, JJ_EVENT_FIRED, 1);
  assert_int_equal(ev->window_start_ms, ET_H(3));
  et_expect_none(&f.rec);
  jj_engine_stats st;
  jj_engine_stats_get(f.e, &st);
  assert_int_equal(st.group_late, 0);
  fx_close(&f);
}

/* Live feed with the clock: every 5 minutes the live stations report and
 * the caller advances. Station c dies at the end of hour 1. */
static void live_hour(jj_engine *e, const jj_series_id *ids, int n, int k, const double *v) {
  for (int i = 0; i < ET_PER_HOUR; i++) {
    int64_t t = ET_H(k) + i * 5 * ET_MIN;
    for (int s = 0; s < n; s++) et_push(e, ids[s], t, v[s]);
    assert_int_equal(jj_engine_advance(e, t), JJ_OK);
  }
}

static void test_zone_average_dead_station(void **state) {
  (void)state;
  static fx f;
  fx_open(&f, zone_avg_rules(0, 20 * ET_MIN), NULL);
  jj_series_id ids[3];
  zone_ids(f.e, ids);
  const double all80[3] = {80, 80, 80};
  live_hour(f.e, ids, 3, 0, all80);
  live_hour(f.e, ids, 3, 1, all80);
  /* Hour 2: c is silent; a = 100, b = 80. */
  const double h2[2] = {100, 80};
  live_hour(f.e, ids, 2, 2, h2); /* the clock at H(2) judged hour 1 */
  const jj_event *ev = et_expect(&f.rec, JJ_EVENT_FIRED, 1);
  assert_true(ev->value == 80.0);
  assert_int_equal(ev->window_start_ms, ET_H(1));
  /* c is stale, but a group reports stale only when every member is */
  assert_int_equal(et_state(f.e, ids[2], 0).stale, 0);
  /* Hour 2 is judged as soon as a and b report it, without c. */
  et_push(f.e, ids[0], ET_H(3), 20);
  et_push(f.e, ids[1], ET_H(3), 20);
  jj_alert_state s = et_state(f.e, ids[0], 0);
  assert_true(s.value == 90.0);
  assert_int_equal(s.level, 1);
  et_expect_none(&f.rec);
  assert_int_equal(jj_engine_advance(f.e, ET_H(3)), JJ_OK);
  const double h3[2] = {20, 20};
  for (int i = 1; i < ET_PER_HOUR; i++) {
    int64_t t = ET_H(3) + i * 5 * ET_MIN;
    for (int k = 0; k < 2; k++) et_push(f.e, ids[k], t, h3[k]);
    assert_int_equal(jj_engine_advance(f.e, t), JJ_OK);
  }
  et_push(f.e, ids[0], ET_H(4), 20);
  et_push(f.e, ids[1], ET_H(4), 20);
  ev = et_expect(&f.rec, JJ_EVENT_RESOLVED, 0);
  assert_true(ev->value == 20.0);
  assert_int_equal(ev->window_start_ms, ET_H(3));
  et_expect_none(&f.rec);
  fx_close(&f);
}

/* group_wait_ms with a dead member: c joined the zone but never reports
 * (and never goes stale), so it never reports a window. The clock judges
 * the hour group_wait_ms after its end with a and b, not a moment before;
 * without a wait the hour waits until a and b move on (the next hour's
 * end). Hours 0 and 1 at 80: the advisory fires when hour 1 is judged. */
static void test_group_wait_dead_member(void **state) {
  (void)state;
  for (int with_wait = 1; with_wait >= 0; with_wait--) {
    static fx f;
    const int64_t wait = 10 * ET_MIN;
    fx_open(&f, zone_avg_rules_wait(0, 0, with_wait ? wait : 0), NULL);
    jj_series_id ids[3];
    zone_ids(f.e, ids);
    const double v[2] = {70, 90}; /* mean 80 */
    live_hour(f.e, ids, 2, 0, v);
    for (int64_t t = ET_H(1); t <= ET_H(2) + 20 * ET_MIN; t += ET_MIN) {
      if (t % (5 * ET_MIN) == 0)
        for (int s = 0; s < 2; s++) et_push(f.e, ids[s], t, v[s]);
      assert_int_equal(jj_engine_advance(f.e, t), JJ_OK);
      jj_alert_state st = et_state(f.e, ids[0], 0);
      int64_t judged0 = with_wait ? ET_H(1) + wait : ET_H(2); /* hour 0 */
      int64_t judged1 = with_wait ? ET_H(2) + wait : ET_H(3); /* hour 1 */
      if (t < judged0) {
        assert_true(isnan(st.value));
        assert_int_equal(st.pending_level, 0);
      } else {
        assert_true(st.value == 80.0);
      }
      if (t == judged1) {
        const jj_event *ev = et_expect(&f.rec, JJ_EVENT_FIRED, 1);
        assert_int_equal(ev->time_ms, t);
        assert_int_equal(ev->window_start_ms, ET_H(1));
        assert_true(ev->value == 80.0);
        assert_int_equal(ev->sample_ts_ms, INT64_MIN); /* the clock, not a reading */
      } else {
        assert_int_equal(st.level, t > judged1 ? 1 : 0);
      }
      et_expect_none(&f.rec);
    }
    jj_engine_stats es;
    jj_engine_stats_get(f.e, &es);
    assert_int_equal(es.group_late, 0);
    fx_close(&f);
  }
}

/* group_wait_ms is an upper bound: when every member has reported an hour
 * it is judged at once, by the clock reaching the hour's end or by the
 * last member's reading. */
static void test_group_wait_all_reported(void **state) {
  (void)state;
  static fx f;
  fx_open(&f, zone_avg_rules_wait(0, 0, 30 * ET_MIN), NULL);
  jj_series_id ids[3];
  zone_ids(f.e, ids);
  const double v[3] = {60, 90, 90}; /* mean 80 */
  live_hour(f.e, ids, 3, 0, v);
  assert_true(isnan(et_state(f.e, ids[0], 0).value));
  assert_int_equal(jj_engine_advance(f.e, ET_H(1)), JJ_OK); /* closes hour 0 everywhere */
  jj_alert_state st = et_state(f.e, ids[0], 0);
  assert_true(st.value == 80.0);
  assert_int_equal(st.pending_level, 1);
  et_expect_none(&f.rec);
  /* Hour 1 without a clock: the readings of hour 2 close it, member by
   * member; the last one judges it. */
  zone_hour(f.e, ids, 3, 1, v);
  et_push(f.e, ids[0], ET_H(2), 20);
  et_push(f.e, ids[1], ET_H(2), 20);
  et_expect_none(&f.rec);
  et_push(f.e, ids[2], ET_H(2), 20);
  const jj_event *ev = et_expect(&f.rec, JJ_EVENT_FIRED, 1);
  assert_int_equal(ev->time_ms, ET_H(2));
  assert_int_equal(ev->window_start_ms, ET_H(1));
  assert_int_equal(ev->sample_ts_ms, ET_H(2));
  et_expect_none(&f.rec);
  fx_close(&f);
}

/* Twenty stations whose clocks differ by up to 19 s (station k reads at
 * +k s): crossing the hour closes a station's own hour, so the first
 * station into the next hour does not get the zone's hour judged. Without
 * a clock the hour is judged when the last station crosses it; with one,
 * when the clock reaches the hour's end (every station's hour is closed
 * then). Either way with all twenty: mean of 60, 62 ... 98 = 79. */
static void test_group_skewed_station_clocks(void **state) {
  (void)state;
  for (int clocked = 0; clocked < 2; clocked++) {
    static fx f;
    fx_open(&f, zone_avg_rules(0, 0), NULL);
    jj_series_id ids[20];
    char names[20][8];
    for (int k = 0; k < 20; k++) {
      snprintf(names[k], sizeof names[k], "s%02d", k);
      const char *kv[] = {"station", names[k], "zone", "z"};
      ids[k] = et_series(f.e, "pm25", kv, 2);
    }
    for (int i = 0; i <= ET_PER_HOUR; i++) {
      for (int k = 0; k < 20; k++) {
        int64_t t = ET_H(0) + i * 5 * ET_MIN + k * ET_SEC;
        et_push(f.e, ids[k], t, 60 + 2 * k);
        if (clocked) assert_int_equal(jj_engine_advance(f.e, t), JJ_OK);
        if (i < ET_PER_HOUR) continue;
        jj_alert_state st = et_state(f.e, ids[0], 0);
        if (!clocked && k < 19) {
          assert_true(isnan(st.value)); /* s00 .. s18 are in hour 1, s19 is not */
        } else {
          assert_true(st.value == 79.0);
          assert_int_equal(st.pending_level, 1);
        }
      }
    }
    jj_engine_stats es;
    jj_engine_stats_get(f.e, &es);
    assert_int_equal(es.group_late, 0);
    et_expect_none(&f.rec);
    fx_close(&f);
  }
}

/* Hopping windows (1 h every 15 min) with readings every 30 min: each
 * reading closes two windows of its station at once. Each window must be
 * judged with all three stations (mean 80; a alone is 60), not with the
 * first station whose reading closes the next one. Without a clock, a
 * window is judged at c's reading (+4 s); with a clock that moves only
 * every 30 min, at the advance that closes it for everyone. */
static void test_group_hopping_windows(void **state) {
  (void)state;
  for (int clocked = 0; clocked < 2; clocked++) {
    static fx f;
    fx_open(&f, zone_hop_rules(15 * ET_MIN, 0), NULL);
    jj_series_id ids[3];
    zone_ids(f.e, ids);
    const double v[3] = {60, 90, 90};
    for (int i = 0; i <= 8; i++) {
      int64_t t = ET_H(0) + i * 30 * ET_MIN;
      if (clocked) assert_int_equal(jj_engine_advance(f.e, t), JJ_OK);
      for (int k = 0; k < 3; k++) {
        et_push(f.e, ids[k], t + k * 2 * ET_SEC, v[k]);
        jj_alert_state st = et_state(f.e, ids[0], 0);
        if (i == 0 || (i == 1 && !clocked && k < 2)) {
          assert_true(isnan(st.value));
        } else {
          assert_true(st.value == 80.0);
        }
        /* The windows ending at 15 and 30 min are the two hours >= 75. */
        if (i == 1 && (clocked ? k == 0 : k == 2)) {
          const jj_event *ev = et_expect(&f.rec, JJ_EVENT_FIRED, 1);
          assert_true(ev->value == 80.0);
          assert_int_equal(ev->window_end_ms, ET_H(0) + 30 * ET_MIN);
          assert_int_equal(ev->time_ms, clocked ? t : t + 4 * ET_SEC);
        }
        et_expect_none(&f.rec);
      }
    }
    jj_engine_stats es;
    jj_engine_stats_get(f.e, &es);
    assert_int_equal(es.group_late, 0);
    fx_close(&f);
  }
}

/* Hopping windows with a dead member d and a 20 min wait, the clock every
 * 5 min: the window ending at 15 min is judged at 35 min, the one ending
 * at 30 min (which a, b and c reported while the first still waited) at
 * 50 min, in order. */
static void test_group_hopping_wait_by_clock(void **state) {
  (void)state;
  static fx f;
  fx_open(&f, zone_hop_rules(15 * ET_MIN, 20 * ET_MIN), NULL);
  jj_series_id ids[4];
  zone_ids(f.e, ids);
  static const char *const d[] = {"station", "d", "zone", "z"};
  ids[3] = et_series(f.e, "pm25", d, 2);
  const double v[3] = {60, 90, 90};
  for (int m = 0; m <= 60; m += 5) {
    int64_t t = ET_H(0) + m * ET_MIN;
    if (m % 30 == 0)
      for (int k = 0; k < 3; k++) et_push(f.e, ids[k], t, v[k]);
    assert_int_equal(jj_engine_advance(f.e, t), JJ_OK);
    jj_alert_state st = et_state(f.e, ids[0], 0);
    if (m < 35) {
      assert_true(isnan(st.value));
    } else {
      assert_true(st.value == 80.0);
    }
    if (m == 50) {
      const jj_event *ev = et_expect(&f.rec, JJ_EVENT_FIRED, 1);
      assert_int_equal(ev->window_end_ms, ET_H(0) + 30 * ET_MIN);
      assert_int_equal(ev->time_ms, t);
    }
    et_expect_none(&f.rec);
  }
  fx_close(&f);
}

/* Station c is cut off for hour 1 and comes back at 2:00:04, after a and
 * b have reported hour 1. With a wait longer than the hour (90 min), hour
 * 0 waits for c: judged with c's 140 (mean 90) when it reports, then hour
 * 1 (a and b, 85): two hours >= 75, the advisory fires. With a 10 min wait
 * the wait is over when a reports hour 1: hour 0 is judged with a and b
 * (65), c's hour 0 comes too late (group_late) and nothing fires. */
static void test_group_member_behind_by_a_window(void **state) {
  (void)state;
  for (int long_wait = 1; long_wait >= 0; long_wait--) {
    static fx f;
    fx_open(&f, zone_avg_rules_wait(0, 0, long_wait ? 90 * ET_MIN : 10 * ET_MIN), NULL);
    jj_series_id ids[3];
    zone_ids(f.e, ids);
    const double h0[3] = {60, 70, 140}, h1[3] = {80, 90, NAN};
    for (int i = 0; i < 2 * ET_PER_HOUR; i++)
      for (int k = 0; k < 3; k++) {
        const double *v = i < ET_PER_HOUR ? h0 : h1;
        if (!isnan(v[k])) et_push(f.e, ids[k], ET_H(0) + i * 5 * ET_MIN + k * 2 * ET_SEC, v[k]);
      }
    et_push(f.e, ids[0], ET_H(2), 20); /* a reports hour 1 */
    et_push(f.e, ids[1], ET_H(2) + 2 * ET_SEC, 20);
    jj_alert_state st = et_state(f.e, ids[0], 0);
    if (long_wait) {
      assert_true(isnan(st.value)); /* hour 0 still waits for c */
    } else {
      assert_true(st.value == 65.0);
    }
    et_expect_none(&f.rec);
    et_push(f.e, ids[2], ET_H(2) + 4 * ET_SEC, 20); /* c reports hour 0 and an empty hour 1 */
    st = et_state(f.e, ids[0], 0);
    jj_engine_stats es;
    jj_engine_stats_get(f.e, &es);
    if (long_wait) {
      const jj_event *ev = et_expect(&f.rec, JJ_EVENT_FIRED, 1);
      assert_true(ev->value == 85.0);
      assert_int_equal(ev->window_start_ms, ET_H(1));
      assert_int_equal(es.group_late, 0);
    } else {
      assert_true(st.value == 85.0); /* hour 1, judged at c's report */
      assert_int_equal(st.pending_level, 1);
      assert_int_equal(es.group_late, 1);
    }
    et_expect_none(&f.rec);
    fx_close(&f);
  }
}

/* group_min_members above the number of fresh stations: no value, no fire
 * (and with a lower minimum the same feed fires: the control). */
static void test_zone_average_min_members(void **state) {
  (void)state;
  for (uint32_t min_members = 2; min_members <= 3; min_members++) {
    static fx f;
    fx_open(&f, zone_avg_rules(min_members, 20 * ET_MIN), NULL);
    jj_series_id ids[3];
    zone_ids(f.e, ids); /* c never reports */
    const double v[2] = {90, 90};
    for (int k = 0; k < 3; k++) live_hour(f.e, ids, 2, k, v);
    assert_int_equal(jj_engine_advance(f.e, ET_H(3)), JJ_OK);
    jj_alert_state s = et_state(f.e, ids[0], 0);
    if (min_members == 2) {
      et_expect(&f.rec, JJ_EVENT_FIRED, 1);
      assert_true(s.value == 90.0);
    } else {
      assert_int_equal(s.level, 0);
      assert_int_equal(s.pending_level, 0);
      assert_true(isnan(s.value));
    }
    et_expect_none(&f.rec);
    fx_close(&f);
  }
}

/* ==========================================================================
 * 5. Fire: rate-of-rise and fixed temperature
 * ========================================================================== */

static jj_ruleset *heat_rules(void) {
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "heat-ror";
  rc.metric = "temperature";
  rc.window.kind = JJ_WINDOW_SLIDING_TIME;
  rc.window.span_ms = 60 * ET_SEC;
  rc.window.min_samples = 10;
  rc.aggregate = JJ_AGG_SLOPE; /* per second */
  rc.scale = 60;               /* per minute */
  jj_level_config ror = et_level("rate-of-rise", JJ_CMP_GE, 8.3, JJ_CMP_NONE, 0, 1);
  et_add(b, &rc, &ror, 1);
  rc.name = "heat-fixed";
  rc.window.span_ms = 10 * ET_SEC;
  rc.window.min_samples = 5;
  rc.aggregate = JJ_AGG_MEAN;
  rc.scale = 1;
  jj_level_config fixed = et_level("fixed", JJ_CMP_GE, 57, JJ_CMP_NONE, 0, 1);
  et_add(b, &rc, &fixed, 1);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  return rs;
}

/* A sensor reading: the true temperature, a little noise, 0.1 °C steps. */
static double sensor(tu_rng *r, double t) {
  return round((t + (tu_rng_unit(r) - 0.5) * 0.1) * 10.0) / 10.0;
}

/* First event of rule `rule` at or after index `from`, or NULL. */
static const jj_event *first_of(const et_rec *rec, const char *rule) {
  for (size_t i = 0; i < rec->n; i++)
    if (strcmp(rec->ev[i].rule, rule) == 0) return &rec->ev[i];
  return NULL;
}

static void test_fire_rate_of_rise_15_per_min(void **state) {
  (void)state;
  static fx f;
  fx_open(&f, heat_rules(), NULL);
  tu_rng rng;
  tu_rng_seed(&rng, 42);
  jj_series_id id = et_series(f.e, "temperature", NULL, 0);
  const int64_t ramp = ET_T0 + 5 * ET_MIN; /* 5 quiet minutes at 20 °C first */
  for (int64_t t = ET_T0; t <= ramp + 10 * ET_MIN && !first_of(&f.rec, "heat-fixed"); t += ET_SEC) {
    double temp = t <= ramp ? 20.0 : 20.0 + 15.0 * (double)(t - ramp) / (double)ET_MIN;
    et_push(f.e, id, t, sensor(&rng, temp));
  }
  const jj_event *ror = first_of(&f.rec, "heat-ror");
  assert_non_null(ror);
  assert_int_equal(ror->kind, JJ_EVENT_FIRED);
  int64_t took = ror->time_ms - ramp;
  print_message("      rate-of-rise: 15 C/min ramp detected after %" PRId64
                " ms (limit 270000), slope %.2f C/min\n",
                took, ror->value);
  assert_true(took > 0);
  assert_true(took <= 270000); /* 2종: within 4 min 30 s */
  assert_true(ror->value >= 8.3);
  /* The fixed element: the 10 s mean reaches 57 °C about 148 + 5 s in. */
  const jj_event *fixed = first_of(&f.rec, "heat-fixed");
  assert_non_null(fixed);
  int64_t fixed_after = fixed->time_ms - ramp;
  print_message("      fixed 57 C: after %" PRId64 " ms\n", fixed_after);
  assert_true(fixed_after >= 148 * ET_SEC && fixed_after <= 160 * ET_SEC);
  fx_close(&f);
}

static void test_fire_rate_of_rise_3_per_min_never(void **state) {
  (void)state;
  static fx f;
  fx_open(&f, heat_rules(), NULL);
  tu_rng rng;
  tu_rng_seed(&rng, 7);
  jj_series_id id = et_series(f.e, "temperature", NULL, 0);
  const int64_t ramp = ET_T0 + 2 * ET_MIN;
  for (int64_t t = ET_T0; t <= ramp + 15 * ET_MIN; t += ET_SEC) {
    double temp = t <= ramp ? 20.0 : 20.0 + 3.0 * (double)(t - ramp) / (double)ET_MIN;
    et_push(f.e, id, t, sensor(&rng, temp));
  }
  /* 15 minutes of 3 °C/min: 65 °C at the end, so the fixed element fires,
   * but rate-of-rise never does. */
  assert_null(first_of(&f.rec, "heat-ror"));
  assert_non_null(first_of(&f.rec, "heat-fixed"));
  jj_alert_state s = et_state(f.e, id, 0);
  assert_int_equal(s.level, 0);
  assert_int_equal(s.pending_level, 0);
  et_near(s.value, 3.0, 0.2); /* the slope is per minute */
  fx_close(&f);
}

/* +30 °C step: within 30 s (the Japanese detector ordinance, 2종; rules/README.md). */
static void test_fire_step_30(void **state) {
  (void)state;
  static fx f;
  fx_open(&f, heat_rules(), NULL);
  tu_rng rng;
  tu_rng_seed(&rng, 3);
  jj_series_id id = et_series(f.e, "temperature", NULL, 0);
  const int64_t step = ET_T0 + 3 * ET_MIN;
  for (int64_t t = ET_T0; t <= step + ET_MIN; t += ET_SEC)
    et_push(f.e, id, t, sensor(&rng, t < step ? 22.0 : 52.0));
  const jj_event *ror = first_of(&f.rec, "heat-ror");
  assert_non_null(ror);
  print_message("      +30 C step detected after %" PRId64 " ms (limit 30000)\n",
                ror->time_ms - step);
  assert_true(ror->time_ms - step <= 30 * ET_SEC);
  assert_null(first_of(&f.rec, "heat-fixed")); /* 52 < 57 */
  fx_close(&f);
}

/* ==========================================================================
 * 6. Missing data
 * ========================================================================== */

/* Sliding 5-minute mean, fires at >= 75 (clears < 35), readings every
 * minute. */
static jj_ruleset *missing_rules(jj_missing_policy pol, int64_t stale_after, int64_t span) {
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "pm-live";
  rc.metric = "pm25";
  rc.window.kind = JJ_WINDOW_SLIDING_TIME;
  rc.window.span_ms = span;
  rc.on_missing = pol;
  rc.stale_after_ms = stale_after;
  jj_level_config lv = et_level("high", JJ_CMP_GE, 75, JJ_CMP_LT, 35, 1);
  return et_ruleset1(&rc, &lv, 1);
}

static void test_missing_keep(void **state) {
  (void)state;
  static fx f;
  fx_open(&f, missing_rules(JJ_MISSING_KEEP, 10 * ET_MIN, 5 * ET_MIN), NULL);
  jj_series_id id = et_series(f.e, "pm25", NULL, 0);
  for (int m = 0; m < 5; m++) et_push(f.e, id, ET_T0 + m * ET_MIN, 100);
  et_expect(&f.rec, JJ_EVENT_FIRED, 1);
  for (int m = 5; m <= 60; m++) assert_int_equal(jj_engine_advance(f.e, ET_T0 + m * ET_MIN), JJ_OK);
  et_expect_none(&f.rec);
  jj_alert_state s = et_state(f.e, id, 0);
  assert_int_equal(s.level, 1);
  assert_int_equal(s.stale, 1);
  et_push(f.e, id, ET_T0 + 61 * ET_MIN, 100); /* back: no event under KEEP */
  et_expect_none(&f.rec);
  s = et_state(f.e, id, 0);
  assert_int_equal(s.stale, 0);
  assert_int_equal(s.level, 1);
  fx_close(&f);
}

/* A dead sensor must never read as clean air: with no stale_after_ms, the
 * sliding window drains to its last (clean-looking) readings and then to
 * nothing, and advance() must not resolve. */
static void test_missing_dead_sensor_not_clean(void **state) {
  (void)state;
  static fx f;
  fx_open(&f, missing_rules(JJ_MISSING_KEEP, 0, 10 * ET_MIN), NULL);
  jj_series_id id = et_series(f.e, "pm25", NULL, 0);
  for (int m = 0; m < 8; m++) et_push(f.e, id, ET_T0 + m * ET_MIN, 120);
  et_expect(&f.rec, JJ_EVENT_FIRED, 1);
  /* Two low readings: the 10-minute mean stays >= 35 ... */
  et_push(f.e, id, ET_T0 + 8 * ET_MIN, 20);
  et_push(f.e, id, ET_T0 + 9 * ET_MIN, 20);
  et_expect_none(&f.rec);
  /* ... then the sensor dies. As the 120s expire the window mean falls to
   * 20 (< 35) and the window finally empties: still firing. */
  for (int64_t t = ET_T0 + 9 * ET_MIN; t <= ET_T0 + 2 * ET_HOUR; t += 30 * ET_SEC)
    assert_int_equal(jj_engine_advance(f.e, t), JJ_OK);
  et_expect_none(&f.rec);
  assert_int_equal(et_state(f.e, id, 0).level, 1);
  fx_close(&f);
}

static void test_missing_resolve(void **state) {
  (void)state;
  static fx f;
  fx_open(&f, missing_rules(JJ_MISSING_RESOLVE, 10 * ET_MIN, 5 * ET_MIN), NULL);
  jj_series_id id = et_series(f.e, "pm25", NULL, 0);
  for (int m = 0; m < 5; m++) et_push(f.e, id, ET_T0 + m * ET_MIN, 100);
  const jj_event *ev = et_expect(&f.rec, JJ_EVENT_FIRED, 1);
  int64_t started = ev->started_ms;
  const int64_t last = ET_T0 + 4 * ET_MIN;
  for (int64_t t = last; t < last + 10 * ET_MIN; t += ET_MIN)
    assert_int_equal(jj_engine_advance(f.e, t), JJ_OK);
  et_expect_none(&f.rec);
  assert_int_equal(jj_engine_advance(f.e, last + 10 * ET_MIN), JJ_OK);
  ev = et_expect(&f.rec, JJ_EVENT_RESOLVED, 0);
  assert_int_equal(ev->reason, JJ_REASON_STALE);
  assert_string_equal(jj_event_reason_name(ev->reason), "stale");
  assert_int_equal(ev->prev_level, 1);
  assert_int_equal(ev->time_ms, last + 10 * ET_MIN);
  assert_int_equal(ev->started_ms, started);
  assert_int_equal(ev->sample_ts_ms, INT64_MIN);
  assert_true(isnan(ev->value));
  et_expect_none(&f.rec);
  /* Still stale: nothing more. Data back: a new episode. */
  assert_int_equal(jj_engine_advance(f.e, last + 30 * ET_MIN), JJ_OK);
  et_expect_none(&f.rec);
  et_push(f.e, id, last + 31 * ET_MIN, 100);
  ev = et_expect(&f.rec, JJ_EVENT_FIRED, 1);
  assert_int_equal(ev->started_ms, last + 31 * ET_MIN);
  assert_int_equal(ev->reason, JJ_REASON_NONE);
  et_expect_none(&f.rec);
  fx_close(&f);
}

static void test_missing_alert(void **state) {
  (void)state;
  static fx f;
  fx_open(&f, missing_rules(JJ_MISSING_ALERT, 10 * ET_MIN, 5 * ET_MIN), NULL);
  jj_series_id id = et_series(f.e, "pm25", NULL, 0);
  for (int m = 0; m < 5; m++) et_push(f.e, id, ET_T0 + m * ET_MIN, 100);
  et_expect(&f.rec, JJ_EVENT_FIRED, 1);
  const int64_t last = ET_T0 + 4 * ET_MIN;
  for (int64_t t = last; t <= last + 20 * ET_MIN; t += ET_MIN)
    assert_int_equal(jj_engine_advance(f.e, t), JJ_OK);
  const jj_event *ev = et_expect(&f.rec, JJ_EVENT_NODATA, 1); /* the alert keeps its level */
  assert_int_equal(ev->reason, JJ_REASON_STALE);
  assert_int_equal(ev->time_ms, last + 10 * ET_MIN);
  assert_int_equal(ev->started_ms, last + 10 * ET_MIN);
  et_expect_none(&f.rec); /* once per episode */
  assert_int_equal(et_state(f.e, id, 0).stale, 1);
  et_push(f.e, id, last + 21 * ET_MIN, 100);
  ev = et_expect(&f.rec, JJ_EVENT_NODATA_RESOLVED, 1);
  assert_int_equal(ev->time_ms, last + 21 * ET_MIN);
  assert_int_equal(ev->sample_ts_ms, last + 21 * ET_MIN);
  /* the episode that ended is the no-data one */
  assert_int_equal(ev->started_ms, last + 10 * ET_MIN);
  et_expect_none(&f.rec);
  assert_int_equal(et_state(f.e, id, 0).stale, 0);
  assert_int_equal(et_state(f.e, id, 0).level, 1);
  fx_close(&f);
}

/* A series created before the engine knows any time counts its silence
 * from the first time the engine learns, not from the epoch: no NODATA on
 * the first advance, one after stale_after of real silence. */
static void test_missing_counts_from_first_time(void **state) {
  (void)state;
  static fx f;
  fx_open(&f, missing_rules(JJ_MISSING_ALERT, 10 * ET_MIN, 5 * ET_MIN), NULL);
  jj_series_id id = et_series(f.e, "pm25", NULL, 0); /* engine time still unknown */
  assert_int_equal(jj_engine_advance(f.e, ET_T0), JJ_OK);
  et_expect_none(&f.rec);
  assert_int_equal(jj_engine_advance(f.e, ET_T0 + 9 * ET_MIN), JJ_OK);
  et_expect_none(&f.rec);
  assert_int_equal(jj_engine_advance(f.e, ET_T0 + 10 * ET_MIN), JJ_OK);
  const jj_event *ev = et_expect(&f.rec, JJ_EVENT_NODATA, 0);
  assert_int_equal(ev->time_ms, ET_T0 + 10 * ET_MIN);
  et_push(f.e, id, ET_T0 + 11 * ET_MIN, 10);
  et_expect(&f.rec, JJ_EVENT_NODATA_RESOLVED, 0);
  et_expect_none(&f.rec);
  fx_close(&f);
}

/* A group is stale only when every member is: then it applies on_missing
 * (RESOLVE: the zone alert resolves; ALERT: a zone NODATA). */
static void test_group_missing_data(void **state) {
  (void)state;
  for (int pol = JJ_MISSING_RESOLVE; pol <= JJ_MISSING_ALERT; pol++) {
    jj_rule_config rc;
    jj_rule_config_init(&rc);
    rc.name = "o3-zone";
    rc.metric = "o3";
    rc.window.kind = JJ_WINDOW_TUMBLING;
    rc.window.span_ms = ET_HOUR;
    rc.group = JJ_GROUP_MAX;
    rc.group_by = "zone";
    rc.on_missing = (jj_missing_policy)pol;
    rc.stale_after_ms = 30 * ET_MIN;
    jj_level_config lv = et_level("advisory", JJ_CMP_GE, 0.12, JJ_CMP_LT, 0.12, 1);
    static fx f;
    fx_open(&f, et_ruleset1(&rc, &lv, 1), NULL);
    static const char *const a[] = {"station", "a", "zone", "z"};
    static const char *const b[] = {"station", "b", "zone", "z"};
    jj_series_id ids[2] = {et_series(f.e, "o3", a, 2), et_series(f.e, "o3", b, 2)};
    const double high[2] = {0.2, 0.15};
    live_hour(f.e, ids, 2, 0, high);
    assert_int_equal(jj_engine_advance(f.e, ET_H(1)), JJ_OK);
    const jj_event *ev = et_expect(&f.rec, JJ_EVENT_FIRED, 1);
    et_near(ev->value, 0.2, 1e-12);
    /* b dies at H(1); a keeps reporting for an hour: no staleness event */
    live_hour(f.e, ids, 1, 1, high);
    assert_int_equal(jj_engine_advance(f.e, ET_H(2)), JJ_OK);
    et_expect_none(&f.rec);
    assert_int_equal(et_state(f.e, ids[0], 0).stale, 0);
    /* a dies too, its last reading at H(2) - 5 min: stale at H(2) + 25 min */
    for (int64_t t = ET_H(2); t < ET_H(2) + 25 * ET_MIN; t += 5 * ET_MIN)
      assert_int_equal(jj_engine_advance(f.e, t), JJ_OK);
    et_expect_none(&f.rec);
    assert_int_equal(jj_engine_advance(f.e, ET_H(2) + 25 * ET_MIN), JJ_OK);
    if (pol == JJ_MISSING_RESOLVE) {
      ev = et_expect(&f.rec, JJ_EVENT_RESOLVED, 0);
      assert_int_equal(ev->reason, JJ_REASON_STALE);
    } else {
      ev = et_expect(&f.rec, JJ_EVENT_NODATA, 1);
      assert_int_equal(ev->reason, JJ_REASON_STALE);
    }
    assert_int_equal(ev->is_group, 1);
    assert_string_equal(ev->labels[0].value, "z");
    assert_int_equal(ev->time_ms, ET_H(2) + 25 * ET_MIN);
    et_expect_none(&f.rec);
    assert_int_equal(et_state(f.e, ids[0], 0).stale, 1);
    assert_int_equal(jj_engine_advance(f.e, ET_H(4)), JJ_OK);
    et_expect_none(&f.rec); /* once per episode */
    /* b comes back */
    et_push(f.e, ids[1], ET_H(4) + ET_MIN, 0.05);
    if (pol == JJ_MISSING_ALERT) {
      ev = et_expect(&f.rec, JJ_EVENT_NODATA_RESOLVED, 1);
      assert_int_equal(ev->is_group, 1);
      assert_int_equal(ev->started_ms, ET_H(2) + 25 * ET_MIN);
    }
    et_expect_none(&f.rec);
    assert_int_equal(et_state(f.e, ids[0], 0).stale, 0);
    fx_close(&f);
  }
}

/* ==========================================================================
 * 7. Persistence on both edges
 * ========================================================================== */

static jj_ruleset *last_value_rule(jj_level_config lv, int64_t span, int64_t repeat,
                                   uint32_t flap_changes, int64_t flap_window) {
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "r";
  rc.metric = "x";
  rc.window.kind = JJ_WINDOW_SLIDING_TIME;
  rc.window.span_ms = span;
  rc.aggregate = JJ_AGG_LAST;
  rc.repeat_interval_ms = repeat;
  rc.flap_changes = flap_changes;
  rc.flap_window_ms = flap_window;
  return et_ruleset1(&rc, &lv, 1);
}

/* for_ms on a sliding mean: the issue condition must hold 2 minutes; the
 * clock (advance) completes the timer without new readings. */
static void test_persistence_for_ms(void **state) {
  (void)state;
  static fx f;
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "for-ms";
  rc.metric = "x";
  rc.window.span_ms = 5 * ET_MIN;
  jj_level_config lv = et_level("high", JJ_CMP_GE, 50, JJ_CMP_NONE, 0, 1);
  lv.for_ms = 2 * ET_MIN;
  fx_open(&f, et_ruleset1(&rc, &lv, 1), NULL);
  jj_series_id id = et_series(f.e, "x", NULL, 0);
  /* A 1-minute excursion, interrupted: the timer restarts. */
  for (int s = 0; s <= 60; s += 10) et_push(f.e, id, ET_T0 + s * ET_SEC, 60);
  assert_int_equal(et_state(f.e, id, 0).pending_level, 1);
  et_push(f.e, id, ET_T0 + 70 * ET_SEC, -400); /* mean < 50 */
  assert_int_equal(et_state(f.e, id, 0).pending_level, 0);
  const int64_t t1 = ET_T0 + 80 * ET_SEC;
  et_push(f.e, id, t1, 460); /* mean >= 50 again: timer starts at t1 */
  assert_int_equal(jj_engine_advance(f.e, t1 + 2 * ET_MIN - 1), JJ_OK);
  et_expect_none(&f.rec);
  assert_int_equal(et_state(f.e, id, 0).pending_level, 1);
  assert_int_equal(jj_engine_advance(f.e, t1 + 2 * ET_MIN), JJ_OK);
  const jj_event *ev = et_expect(&f.rec, JJ_EVENT_FIRED, 1);
  assert_int_equal(ev->time_ms, t1 + 2 * ET_MIN);
  assert_int_equal(ev->sample_ts_ms, INT64_MIN);
  et_expect_none(&f.rec);
  fx_close(&f);
}

/* clear_for_count: three consecutive clean evaluations to clear. */
static void test_persistence_clear_for_count(void **state) {
  (void)state;
  static fx f;
  jj_level_config lv = et_level("high", JJ_CMP_GE, 50, JJ_CMP_LT, 30, 1);
  lv.clear_for_count = 3;
  fx_open(&f, last_value_rule(lv, ET_HOUR, 0, 0, 0), NULL);
  jj_series_id id = et_series(f.e, "x", NULL, 0);
  static const double seq[] = {60, 20, 20, 40, 20, 20, 20};
  for (int i = 0; i < 7; i++) {
    et_push(f.e, id, ET_T0 + i * ET_MIN, seq[i]);
    if (i == 0) et_expect(&f.rec, JJ_EVENT_FIRED, 1);
    if (i == 6) {
      const jj_event *ev = et_expect(&f.rec, JJ_EVENT_RESOLVED, 0);
      assert_int_equal(ev->time_ms, ET_T0 + 6 * ET_MIN);
    }
    et_expect_none(&f.rec);
  }
  fx_close(&f);
}

/* keep_firing_for_ms: clear only after the clear condition held 5 min;
 * an interruption restarts the count; the clock can finish it. */
static void test_persistence_keep_firing(void **state) {
  (void)state;
  static fx f;
  jj_level_config lv = et_level("high", JJ_CMP_GE, 50, JJ_CMP_LT, 30, 1);
  lv.keep_firing_for_ms = 5 * ET_MIN;
  fx_open(&f, last_value_rule(lv, ET_HOUR, 0, 0, 0), NULL);
  jj_series_id id = et_series(f.e, "x", NULL, 0);
  et_push(f.e, id, ET_T0, 60);
  et_expect(&f.rec, JJ_EVENT_FIRED, 1);
  for (int m = 1; m <= 4; m++) et_push(f.e, id, ET_T0 + m * ET_MIN, 20);
  et_push(f.e, id, ET_T0 + 5 * ET_MIN, 40); /* not clean: restart */
  for (int m = 6; m <= 10; m++) et_push(f.e, id, ET_T0 + m * ET_MIN, 20);
  et_expect_none(&f.rec); /* clean since 6 min: 4 min so far */
  et_push(f.e, id, ET_T0 + 11 * ET_MIN, 20);
  const jj_event *ev = et_expect(&f.rec, JJ_EVENT_RESOLVED, 0);
  assert_int_equal(ev->time_ms, ET_T0 + 11 * ET_MIN);
  et_expect_none(&f.rec);

  /* The clock completes it: clean at 21 min, no readings after 22 min. */
  et_push(f.e, id, ET_T0 + 20 * ET_MIN, 70);
  et_expect(&f.rec, JJ_EVENT_FIRED, 1);
  et_push(f.e, id, ET_T0 + 21 * ET_MIN, 10);
  et_push(f.e, id, ET_T0 + 22 * ET_MIN, 10);
  assert_int_equal(jj_engine_advance(f.e, ET_T0 + 26 * ET_MIN - 1), JJ_OK);
  et_expect_none(&f.rec);
  assert_int_equal(jj_engine_advance(f.e, ET_T0 + 26 * ET_MIN), JJ_OK);
  ev = et_expect(&f.rec, JJ_EVENT_RESOLVED, 0);
  assert_int_equal(ev->sample_ts_ms, INT64_MIN);
  et_expect_none(&f.rec);
  fx_close(&f);
}

/* Two levels on the last value: advisory >= 75 clears < 35, warning >= 150
 * clears < 75 (the PM2.5 thresholds), with the given clear persistence. */
static jj_ruleset *cascade_rule(uint32_t adv_clear_count, int64_t adv_keep,
                                uint32_t warn_clear_count, int64_t warn_keep) {
  jj_level_config lv[2] = {et_level("advisory", JJ_CMP_GE, 75, JJ_CMP_LT, 35, 1),
                           et_level("warning", JJ_CMP_GE, 150, JJ_CMP_LT, 75, 1)};
  lv[0].clear_for_count = adv_clear_count;
  lv[0].keep_firing_for_ms = adv_keep;
  lv[1].clear_for_count = warn_clear_count;
  lv[1].keep_firing_for_ms = warn_keep;
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "cascade";
  rc.metric = "x";
  rc.window.span_ms = ET_HOUR;
  rc.aggregate = JJ_AGG_LAST;
  return et_ruleset1(&rc, lv, 2);
}

/* Readings one minute apart, from minute `m0`; the events they cause are
 * checked by the caller. */
static void push_minutes(fx *f, jj_series_id id, int m0, const double *v, int n) {
  for (int i = 0; i < n; i++) et_push(f->e, id, ET_T0 + (m0 + i) * ET_MIN, v[i]);
}

/* A warning cleared by one low value drops through the advisory only if
 * the advisory's own clear_for_count is met too; otherwise it lands on the
 * advisory and resolves when that count completes. */
static void test_cascade_lower_clear_for_count(void **state) {
  (void)state;
  static fx f;
  fx_open(&f, cascade_rule(2, 0, 1, 0), NULL);
  jj_series_id id = et_series(f.e, "x", NULL, 0);
  et_push(f.e, id, ET_T0, 160);
  et_expect(&f.rec, JJ_EVENT_FIRED, 2);
  et_push(f.e, id, ET_T0 + ET_MIN, 20); /* < 75 and < 35, but only once */
  const jj_event *ev = et_expect(&f.rec, JJ_EVENT_DOWNGRADED, 1);
  assert_int_equal(ev->prev_level, 2);
  assert_string_equal(ev->level_name, "advisory");
  assert_true(ev->value == 20.0);
  et_expect_none(&f.rec);
  assert_int_equal(et_state(f.e, id, 0).level, 1);
  /* The landing value counts: the next low value is the advisory's second. */
  et_push(f.e, id, ET_T0 + 2 * ET_MIN, 20);
  ev = et_expect(&f.rec, JJ_EVENT_RESOLVED, 0);
  assert_int_equal(ev->prev_level, 1);
  assert_int_equal(ev->time_ms, ET_T0 + 2 * ET_MIN);
  et_expect_none(&f.rec);

  /* A value between the clear thresholds breaks the advisory's run. */
  et_push(f.e, id, ET_T0 + 10 * ET_MIN, 160);
  et_expect(&f.rec, JJ_EVENT_FIRED, 2);
  static const double seq[] = {20, 50, 20};
  push_minutes(&f, id, 11, seq, 3);
  et_expect(&f.rec, JJ_EVENT_DOWNGRADED, 1);
  et_expect_none(&f.rec); /* 50 restarts the count, 20 is the first again */
  et_push(f.e, id, ET_T0 + 14 * ET_MIN, 20);
  et_expect(&f.rec, JJ_EVENT_RESOLVED, 0);
  et_expect_none(&f.rec);
  fx_close(&f);

  /* The advisory's count runs while the warning fires: with both at 2,
   * two low values resolve in one step. */
  fx_open(&f, cascade_rule(2, 0, 2, 0), NULL);
  id = et_series(f.e, "x", NULL, 0);
  et_push(f.e, id, ET_T0, 160);
  et_expect(&f.rec, JJ_EVENT_FIRED, 2);
  et_push(f.e, id, ET_T0 + ET_MIN, 20);
  et_expect_none(&f.rec);
  et_push(f.e, id, ET_T0 + 2 * ET_MIN, 20);
  ev = et_expect(&f.rec, JJ_EVENT_RESOLVED, 0);
  assert_int_equal(ev->prev_level, 2);
  et_expect_none(&f.rec);
  /* ... but 50 then 20 clears the warning (two values < 75) with only one
   * value < 35: the advisory stays, and goes on the next 20. */
  et_push(f.e, id, ET_T0 + 10 * ET_MIN, 160);
  et_expect(&f.rec, JJ_EVENT_FIRED, 2);
  static const double mid[] = {50, 20};
  push_minutes(&f, id, 11, mid, 2);
  et_expect(&f.rec, JJ_EVENT_DOWNGRADED, 1);
  et_expect_none(&f.rec);
  et_push(f.e, id, ET_T0 + 13 * ET_MIN, 20);
  et_expect(&f.rec, JJ_EVENT_RESOLVED, 0);
  et_expect_none(&f.rec);
  fx_close(&f);
}

/* The same with keep_firing_for_ms on the advisory: its clean time counts
 * from the first value < 35, also while the warning still fires, and the
 * clock finishes it without new readings. */
static void test_cascade_lower_keep_firing(void **state) {
  (void)state;
  static fx f;
  fx_open(&f, cascade_rule(1, 10 * ET_MIN, 1, 0), NULL);
  jj_series_id id = et_series(f.e, "x", NULL, 0);
  et_push(f.e, id, ET_T0, 160);
  et_expect(&f.rec, JJ_EVENT_FIRED, 2);
  et_push(f.e, id, ET_T0 + ET_MIN, 20);
  const jj_event *ev = et_expect(&f.rec, JJ_EVENT_DOWNGRADED, 1);
  assert_int_equal(ev->prev_level, 2);
  et_expect_none(&f.rec);
  et_push(f.e, id, ET_T0 + 5 * ET_MIN, 20);
  assert_int_equal(jj_engine_advance(f.e, ET_T0 + 11 * ET_MIN - 1), JJ_OK);
  et_expect_none(&f.rec);
  assert_int_equal(jj_engine_advance(f.e, ET_T0 + 11 * ET_MIN), JJ_OK);
  ev = et_expect(&f.rec, JJ_EVENT_RESOLVED, 0);
  assert_int_equal(ev->prev_level, 1);
  assert_int_equal(ev->time_ms, ET_T0 + 11 * ET_MIN);
  assert_int_equal(ev->sample_ts_ms, INT64_MIN);
  et_expect_none(&f.rec);

  /* Warning keeps firing 5 min, advisory 10 min, clean from 21 min: the
   * warning leaves at 26 min onto the advisory (clean 5 of 10 min), which
   * resolves at 31 min. */
  fx_close(&f);
  fx_open(&f, cascade_rule(1, 10 * ET_MIN, 1, 5 * ET_MIN), NULL);
  id = et_series(f.e, "x", NULL, 0);
  et_push(f.e, id, ET_T0 + 20 * ET_MIN, 160);
  et_expect(&f.rec, JJ_EVENT_FIRED, 2);
  for (int m = 21; m <= 32; m++) {
    et_push(f.e, id, ET_T0 + m * ET_MIN, 20);
    if (m == 26) {
      ev = et_expect(&f.rec, JJ_EVENT_DOWNGRADED, 1);
      assert_int_equal(ev->time_ms, ET_T0 + 26 * ET_MIN);
    }
    if (m == 31) {
      ev = et_expect(&f.rec, JJ_EVENT_RESOLVED, 0);
      assert_int_equal(ev->time_ms, ET_T0 + 31 * ET_MIN);
    }
    et_expect_none(&f.rec);
  }
  fx_close(&f);
}

/* Three falling levels (oxygen %), the middle one with clear_for_count 2:
 * landing on it, leaving it for the lowest, and escalating again after a
 * downgrade (the issue runs above the landing level start afresh). */
static void test_cascade_three_levels_falling(void **state) {
  (void)state;
  static fx f;
  jj_level_config lv[3] = {et_level("low", JJ_CMP_LT, 19.5, JJ_CMP_GE, 20, 1),
                           et_level("danger", JJ_CMP_LT, 16, JJ_CMP_GE, 17, 1),
                           et_level("critical", JJ_CMP_LT, 10, JJ_CMP_GE, 12, 1)};
  lv[1].clear_for_count = 2;
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "o2";
  rc.metric = "x";
  rc.window.span_ms = ET_HOUR;
  rc.aggregate = JJ_AGG_LAST;
  fx_open(&f, et_ruleset1(&rc, lv, 3), NULL);
  jj_series_id id = et_series(f.e, "x", NULL, 0);
  static const struct {
    double v;
    int kind, level;
  } steps[] = {
      {8, JJ_EVENT_FIRED, 3},
      {21, JJ_EVENT_DOWNGRADED, 2}, /* danger clean once */
      {21, JJ_EVENT_RESOLVED, 0},   /* twice; low plain */
      {8, JJ_EVENT_FIRED, 3},
      {18, JJ_EVENT_DOWNGRADED, 2},
      {18, JJ_EVENT_DOWNGRADED, 1}, /* 18 is not >= 20 */
      {19, 0, 0},
      {8, JJ_EVENT_ESCALATED, 3},
      {12, JJ_EVENT_DOWNGRADED, 2}, /* >= 12, < 17 */
      {21, 0, 0},                   /* danger clean once */
      {21, JJ_EVENT_RESOLVED, 0},
  };
  int level = 0;
  for (int i = 0; i < (int)(sizeof steps / sizeof steps[0]); i++) {
    et_push(f.e, id, ET_T0 + i * ET_MIN, steps[i].v);
    if (steps[i].kind) {
      const jj_event *ev = et_expect(&f.rec, (jj_event_kind)steps[i].kind, steps[i].level);
      assert_int_equal(ev->prev_level, level);
      assert_true(ev->value == steps[i].v);
      level = steps[i].level;
    }
    et_expect_none(&f.rec);
    assert_int_equal(et_state(f.e, id, 0).level, level);
  }
  fx_close(&f);
}

/* Lower levels without clear persistence are passed on the value alone, as
 * before: one hour < 35 releases a Korean PM2.5 경보 straight to nothing
 * (and an hour between 35 and 75 lands on the 주의보); see also
 * test_pm25_jump_and_cascade. With a 2-hour release on the 주의보 the same
 * single clean hour only downgrades. */
static void test_cascade_without_persistence(void **state) {
  (void)state;
  for (uint32_t adv_clear = 1; adv_clear <= 2; adv_clear++) {
    static fx f;
    jj_rule_config rc;
    jj_level_config lv[2];
    et_korean_pm_rule(&rc, lv, "pm25-korea", "pm25", 75, 35, 150, 75);
    lv[0].clear_for_count = adv_clear;
    fx_open(&f, et_ruleset1(&rc, lv, 2), NULL);
    jj_series_id id = et_series(f.e, "pm25", NULL, 0);
    static const double hours[] = {160, 160, 50, 160, 160, 20, 20};
    for (int k = 0; k < 7; k++) {
      et_hour(f.e, id, k, hours[k]);
      assert_int_equal(jj_engine_advance(f.e, ET_H(k + 1)), JJ_OK);
      const jj_event *ev = NULL;
      if (k == 1 || k == 4) ev = et_expect(&f.rec, k == 1 ? JJ_EVENT_FIRED : JJ_EVENT_ESCALATED, 2);
      if (k == 2) ev = et_expect(&f.rec, JJ_EVENT_DOWNGRADED, 1); /* 50: 주의보 */
      if (k == 5)
        ev = et_expect(&f.rec, adv_clear == 1 ? JJ_EVENT_RESOLVED : JJ_EVENT_DOWNGRADED,
                       adv_clear == 1 ? 0 : 1);
      if (k == 6 && adv_clear == 2) ev = et_expect(&f.rec, JJ_EVENT_RESOLVED, 0);
      if (ev) {
        assert_int_equal(ev->window_start_ms, ET_H(k));
        assert_true(ev->value == hours[k]);
      }
      et_expect_none(&f.rec);
    }
    assert_int_equal(et_state(f.e, id, 0).level, 0);
    fx_close(&f);
  }
}

/* for_count on the issue edge with a sliding window: three readings. */
static void test_persistence_for_count_sliding(void **state) {
  (void)state;
  static fx f;
  jj_level_config lv = et_level("high", JJ_CMP_GE, 50, JJ_CMP_NONE, 0, 3);
  fx_open(&f, last_value_rule(lv, ET_HOUR, 0, 0, 0), NULL);
  jj_series_id id = et_series(f.e, "x", NULL, 0);
  static const double seq[] = {60, 60, 10, 60, 60, 60};
  for (int i = 0; i < 6; i++) {
    et_push(f.e, id, ET_T0 + i * ET_MIN, seq[i]);
    /* the clock alone never counts as another evaluation */
    assert_int_equal(jj_engine_advance(f.e, ET_T0 + i * ET_MIN + 30 * ET_SEC), JJ_OK);
    if (i == 5) et_expect(&f.rec, JJ_EVENT_FIRED, 1);
    et_expect_none(&f.rec);
  }
  fx_close(&f);
}

/* ==========================================================================
 * 8. Flapping and repeats
 * ========================================================================== */

static void test_flapping(void **state) {
  (void)state;
  static fx f;
  jj_level_config lv = et_level("high", JJ_CMP_GE, 50, JJ_CMP_NONE, 0, 1);
  fx_open(&f, last_value_rule(lv, ET_HOUR, 0, 4, 10 * ET_MIN), NULL);
  jj_series_id id = et_series(f.e, "x", NULL, 0);
  int64_t t = ET_T0;
  et_push(f.e, id, t, 60);
  et_expect(&f.rec, JJ_EVENT_FIRED, 1);
  et_push(f.e, id, t += 30 * ET_SEC, 40);
  et_expect(&f.rec, JJ_EVENT_RESOLVED, 0);
  et_push(f.e, id, t += 30 * ET_SEC, 60);
  et_expect(&f.rec, JJ_EVENT_FIRED, 1);
  /* The 4th transition within 10 minutes: FLAPPING replaces RESOLVED. */
  et_push(f.e, id, t += 30 * ET_SEC, 40);
  const jj_event *ev = et_expect(&f.rec, JJ_EVENT_FLAPPING, 0);
  assert_int_equal(ev->prev_level, 1);
  et_expect_none(&f.rec);
  assert_int_equal(et_state(f.e, id, 0).flapping, 1);
  /* Further transitions are muted and counted. */
  for (int i = 0; i < 6; i++) et_push(f.e, id, t += 30 * ET_SEC, i % 2 ? 40 : 60);
  et_expect_none(&f.rec);
  jj_engine_stats st;
  jj_engine_stats_get(f.e, &st);
  assert_int_equal(st.events_muted, 6);
  assert_int_equal(et_state(f.e, id, 0).level, 0); /* the state still follows */
  /* Quiet for a whole flap window: FLAPPING_END, via the clock. */
  const int64_t last_change = t;
  et_push(f.e, id, t += 30 * ET_SEC, 45);
  assert_int_equal(jj_engine_advance(f.e, last_change + 10 * ET_MIN - 1), JJ_OK);
  et_expect_none(&f.rec);
  assert_int_equal(jj_engine_advance(f.e, last_change + 10 * ET_MIN), JJ_OK);
  ev = et_expect(&f.rec, JJ_EVENT_FLAPPING_END, 0);
  assert_int_equal(ev->prev_level, 0);
  et_expect_none(&f.rec);
  assert_int_equal(et_state(f.e, id, 0).flapping, 0);
  /* Transitions are announced again. */
  et_push(f.e, id, last_change + 11 * ET_MIN, 70);
  et_expect(&f.rec, JJ_EVENT_FIRED, 1);
  et_expect_none(&f.rec);
  jj_engine_stats_get(f.e, &st);
  assert_int_equal(st.events_muted, 6);
  fx_close(&f);
}

/* A group alert flaps too: the max over a zone's stations alternates
 * around the threshold; the group (which keeps its own flap history)
 * reports FLAPPING once and mutes what follows. */
static void test_group_flapping(void **state) {
  (void)state;
  static fx f;
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "zone-max";
  rc.metric = "x";
  rc.window.kind = JJ_WINDOW_SLIDING_COUNT;
  rc.window.count = 1;
  rc.aggregate = JJ_AGG_LAST;
  rc.group = JJ_GROUP_MAX;
  rc.group_by = "zone";
  rc.flap_changes = 4;
  rc.flap_window_ms = 10 * ET_MIN;
  jj_level_config lv = et_level("high", JJ_CMP_GE, 50, JJ_CMP_NONE, 0, 1);
  fx_open(&f, et_ruleset1(&rc, &lv, 1), NULL);
  static const char *const a[] = {"station", "a", "zone", "z"};
  static const char *const b[] = {"station", "b", "zone", "z"};
  jj_series_id ida = et_series(f.e, "x", a, 2), idb = et_series(f.e, "x", b, 2);
  int64_t t = ET_T0;
  et_push(f.e, idb, t, 10);
  static const int want[] = {JJ_EVENT_FIRED, JJ_EVENT_RESOLVED, JJ_EVENT_FIRED,
                             JJ_EVENT_FLAPPING};
  for (int i = 0; i < 4; i++) {
    et_push(f.e, ida, t += 30 * ET_SEC, i % 2 ? 40 : 60);
    const jj_event *ev = et_expect(&f.rec, want[i], i % 2 || i == 3 ? 0 : 1);
    assert_true(ev->is_group);
  }
  for (int i = 0; i < 6; i++) et_push(f.e, ida, t += 30 * ET_SEC, i % 2 ? 40 : 60);
  et_expect_none(&f.rec);
  jj_engine_stats st;
  jj_engine_stats_get(f.e, &st);
  assert_int_equal(st.events_muted, 6);
  fx_close(&f);
}

static void test_repeat(void **state) {
  (void)state;
  static fx f;
  jj_level_config lv[2] = {et_level("high", JJ_CMP_GE, 50, JJ_CMP_NONE, 0, 1),
                           et_level("very-high", JJ_CMP_GE, 100, JJ_CMP_NONE, 0, 1)};
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "rep";
  rc.metric = "x";
  rc.window.span_ms = ET_HOUR;
  rc.aggregate = JJ_AGG_LAST;
  rc.repeat_interval_ms = 30 * ET_MIN;
  fx_open(&f, et_ruleset1(&rc, lv, 2), NULL);
  jj_series_id id = et_series(f.e, "x", NULL, 0);
  et_push(f.e, id, ET_T0, 60);
  et_expect(&f.rec, JJ_EVENT_FIRED, 1);
  /* Readings and ticks every minute; repeats come from the clock only. */
  for (int m = 1; m <= 65; m++) {
    et_push(f.e, id, ET_T0 + m * ET_MIN, m == 40 ? 120 : 60 + (m % 3));
    if (m == 40) et_expect(&f.rec, JJ_EVENT_ESCALATED, 2);
    /* 62 at 41 min: 'very-high' clears (< 100), back to 'high' — a
     * transition, which restarts the repeat timer. */
    if (m == 41) et_expect(&f.rec, JJ_EVENT_DOWNGRADED, 1);
    et_expect_none(&f.rec); /* a push never repeats */
    assert_int_equal(jj_engine_advance(f.e, ET_T0 + m * ET_MIN), JJ_OK);
    if (m == 30) {
      const jj_event *ev = et_expect(&f.rec, JJ_EVENT_REPEAT, 1);
      assert_int_equal(ev->prev_level, 1);
      assert_int_equal(ev->started_ms, ET_T0);
      assert_int_equal(ev->time_ms, ET_T0 + 30 * ET_MIN);
    }
    et_skip_all(&f.rec);
  }
  /* Count the repeats from the recording: at 30 min, then 30 min after the
   * last transition (41 min) = 71 min > 65: exactly one. */
  size_t repeats = 0;
  for (size_t i = 0; i < f.rec.n; i++) repeats += f.rec.ev[i].kind == JJ_EVENT_REPEAT;
  assert_int_equal(repeats, 1);
  assert_int_equal(jj_engine_advance(f.e, ET_T0 + 71 * ET_MIN - 1), JJ_OK);
  et_expect_none(&f.rec);
  assert_int_equal(jj_engine_advance(f.e, ET_T0 + 71 * ET_MIN), JJ_OK);
  et_expect(&f.rec, JJ_EVENT_REPEAT, 1);
  assert_int_equal(jj_engine_advance(f.e, ET_T0 + 101 * ET_MIN), JJ_OK);
  et_expect(&f.rec, JJ_EVENT_REPEAT, 1);
  et_expect_none(&f.rec);
  fx_close(&f);
}

/* ==========================================================================
 * 9. k-of-n: two heat sensors of one robot within 30 s
 * ========================================================================== */

static jj_ruleset *kofn_rules(void) {
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "robot-fire";
  rc.metric = "temperature";
  rc.window.kind = JJ_WINDOW_SLIDING_TIME;
  rc.window.span_ms = 10 * ET_SEC;
  rc.aggregate = JJ_AGG_MEAN;
  rc.group = JJ_GROUP_K_OF_N;
  rc.group_by = "robot";
  rc.member_op = JJ_CMP_GE;
  rc.member_value = 57;
  rc.group_within_ms = 30 * ET_SEC;
  jj_level_config lv = et_level("two-sensors", JJ_CMP_GE, 2, JJ_CMP_NONE, 0, 1);
  return et_ruleset1(&rc, &lv, 1);
}

/* Sensors of robots r1 (s1..s3) and r2 (s1) read every second: 90 °C
 * during [hot_from[i], hot_to[i]) seconds, 25 °C otherwise. */
typedef struct kofn_case {
  int64_t hot_from[4], hot_to[4];
} kofn_case;

static void kofn_run(fx *f, const kofn_case *c, int64_t seconds) {
  static const char *const kv[4][4] = {{"robot", "r1", "sensor", "s1"},
                                       {"sensor", "s2", "robot", "r1"},
                                       {"robot", "r1", "sensor", "s3"},
                                       {"robot", "r2", "sensor", "s1"}};
  jj_series_id ids[4];
  for (int i = 0; i < 4; i++) ids[i] = et_series(f->e, "temperature", kv[i], 2);
  for (int64_t s = 0; s < seconds; s++) {
    for (int i = 0; i < 4; i++) {
      double v = (s >= c->hot_from[i] && s < c->hot_to[i]) ? 90.0 : 25.0;
      et_push(f->e, ids[i], ET_T0 + s * ET_SEC, v);
    }
    assert_int_equal(jj_engine_advance(f->e, ET_T0 + s * ET_SEC), JJ_OK);
  }
}

static void test_k_of_n(void **state) {
  (void)state;
  static fx f;
  /* One sensor hot (and r2's sensor, another robot): no alert. */
  kofn_case one = {{60, 0, 0, 70}, {120, 0, 0, 130}};
  fx_open(&f, kofn_rules(), NULL);
  kofn_run(&f, &one, 200);
  et_expect_none(&f.rec);
  fx_close(&f);

  /* s1 hot from 60 s, s2 from 80 s (within 30 s): fires. */
  kofn_case two = {{60, 80, 0, 0}, {120, 140, 0, 0}};
  fx_open(&f, kofn_rules(), NULL);
  kofn_run(&f, &two, 200);
  const jj_event *ev = et_expect(&f.rec, JJ_EVENT_FIRED, 1);
  assert_int_equal(ev->is_group, 1);
  assert_int_equal(ev->nlabels, 1);
  assert_string_equal(ev->labels[0].name, "robot");
  assert_string_equal(ev->labels[0].value, "r1");
  assert_true(ev->value == 2.0);
  /* s2's 10 s mean reaches 57 after 5 readings at 90 (s = 84). */
  assert_true(ev->time_ms >= ET_T0 + 80 * ET_SEC && ev->time_ms <= ET_T0 + 86 * ET_SEC);
  /* After both cool down, agreement expires and the alert resolves. */
  ev = et_expect(&f.rec, JJ_EVENT_RESOLVED, 0);
  assert_true(ev->time_ms > ET_T0 + 120 * ET_SEC);
  et_expect_none(&f.rec);
  fx_close(&f);

  /* Two sensors hot 60 s apart, each for 10 s: no alert. */
  kofn_case apart = {{60, 130, 0, 0}, {70, 140, 0, 0}};
  fx_open(&f, kofn_rules(), NULL);
  kofn_run(&f, &apart, 200);
  et_expect_none(&f.rec);
  fx_close(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pm25_hour_by_hour),
      cmocka_unit_test(test_pm25_jump_and_cascade),
      cmocka_unit_test(test_pm25_missing_hour_breaks_run),
      cmocka_unit_test(test_pm25_incomplete_hour),
      cmocka_unit_test(test_pm10_levels_and_boundaries),
      cmocka_unit_test(test_ozone_max_station),
      cmocka_unit_test(test_zone_average_waits_for_all),
      cmocka_unit_test(test_zone_average_station_gap),
      cmocka_unit_test(test_zone_average_missing_hour),
      cmocka_unit_test(test_zone_average_dead_station),
      cmocka_unit_test(test_zone_average_min_members),
      cmocka_unit_test(test_group_wait_dead_member),
      cmocka_unit_test(test_group_wait_all_reported),
      cmocka_unit_test(test_group_skewed_station_clocks),
      cmocka_unit_test(test_group_hopping_windows),
      cmocka_unit_test(test_group_hopping_wait_by_clock),
      cmocka_unit_test(test_group_member_behind_by_a_window),
      cmocka_unit_test(test_fire_rate_of_rise_15_per_min),
      cmocka_unit_test(test_fire_rate_of_rise_3_per_min_never),
      cmocka_unit_test(test_fire_step_30),
      cmocka_unit_test(test_missing_keep),
      cmocka_unit_test(test_missing_dead_sensor_not_clean),
      cmocka_unit_test(test_missing_resolve),
      cmocka_unit_test(test_missing_alert),
      cmocka_unit_test(test_missing_counts_from_first_time),
      cmocka_unit_test(test_group_missing_data),
      cmocka_unit_test(test_persistence_for_ms),
      cmocka_unit_test(test_persistence_clear_for_count),
      cmocka_unit_test(test_persistence_keep_firing),
      cmocka_unit_test(test_cascade_lower_clear_for_count),
      cmocka_unit_test(test_cascade_lower_keep_firing),
      cmocka_unit_test(test_cascade_three_levels_falling),
      cmocka_unit_test(test_cascade_without_persistence),
      cmocka_unit_test(test_persistence_for_count_sliding),
      cmocka_unit_test(test_flapping),
      cmocka_unit_test(test_group_flapping),
      cmocka_unit_test(test_repeat),
      cmocka_unit_test(test_k_of_n),
  };
  /* JJ_TEST_FILTER=pattern runs only the matching tests (e.g. under valgrind). */
  const char *filter = getenv("JJ_TEST_FILTER");
  if (filter && *filter) cmocka_set_test_filter(filter);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
