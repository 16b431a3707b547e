/* Tests for the engine (jjair/engine.h): series identity, limits, the time
 * policy (lateness, future timestamps, the caller's clock), invalid
 * values, quality gates, event delivery (queue and callback) and event
 * contents, push_batch / push_columns / push_labeled, determinism, and allocation: none
 * on the hot path, clean JJ_ENOMEM everywhere else. */
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

/* A rule over metric "x" reading `agg` of a sliding window of `span`,
 * firing at >= issue (clear: < issue). */
static jj_ruleset *simple_rules(const char *name, jj_agg agg, int64_t span, double issue) {
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = name;
  rc.metric = "x";
  rc.window.span_ms = span;
  rc.aggregate = agg;
  jj_level_config lv = et_level("high", JJ_CMP_GE, issue, JJ_CMP_NONE, 0, 1);
  return et_ruleset1(&rc, &lv, 1);
}

static jj_engine_stats stats_of(const jj_engine *e) {
  jj_engine_stats st;
  jj_engine_stats_get(e, &st);
  return st;
}

/* ==========================================================================
 * Series
 * ========================================================================== */

static void test_series_identity(void **state) {
  (void)state;
  jj_ruleset *rs = simple_rules("r", JJ_AGG_LAST, ET_MIN, 50);
  jj_engine *e = et_engine(rs, NULL, NULL);
  jj_ruleset_free(rs);
  jj_label l1[3] = {{"zone", "jungbu"}, {"station", "a"}, {"city", "jeonju"}};
  jj_label l2[3] = {{"city", "jeonju"}, {"zone", "jungbu"}, {"station", "a"}};
  jj_label l3[3] = {{"station", "a"}, {"city", "jeonju"}, {"zone", "jungbu"}};
  jj_series_id a, b, c, d, m;
  assert_int_equal(jj_engine_series(e, "x", l1, 3, &a), JJ_OK);
  assert_int_equal(jj_engine_series(e, "x", l2, 3, &b), JJ_OK);
  assert_int_equal(jj_engine_series(e, "x", l3, 3, &c), JJ_OK);
  assert_int_equal(a, b);
  assert_int_equal(a, c);
  assert_int_equal(jj_engine_series(e, "x", l1, 2, &d), JJ_OK); /* fewer labels */
  assert_int_not_equal(a, d);
  assert_int_equal(jj_engine_series(e, "y", l1, 3, &m), JJ_OK); /* other metric */
  assert_int_not_equal(a, m);
  /* strings are copied: mutate the caller's buffers */
  char zone[16] = "jungbu";
  jj_label l4[1] = {{"zone", zone}};
  jj_series_id z1, z2;
  assert_int_equal(jj_engine_series(e, "x", l4, 1, &z1), JJ_OK);
  strcpy(zone, "north");
  assert_int_equal(jj_engine_series(e, "x", l4, 1, &z2), JJ_OK);
  assert_int_not_equal(z1, z2);
  strcpy(zone, "jungbu");
  assert_int_equal(jj_engine_series(e, "x", l4, 1, &z2), JJ_OK);
  assert_int_equal(z1, z2);
  assert_int_equal(stats_of(e).series, 5);

  /* errors */
  jj_series_id id;
  jj_label dup[2] = {{"zone", "a"}, {"zone", "b"}};
  assert_int_equal(jj_engine_series(e, "x", dup, 2, &id), JJ_EINVAL);
  jj_label empty_name[1] = {{"", "a"}};
  assert_int_equal(jj_engine_series(e, "x", empty_name, 1, &id), JJ_EINVAL);
  jj_label null_value[1] = {{"zone", NULL}};
  assert_int_equal(jj_engine_series(e, "x", null_value, 1, &id), JJ_EINVAL);
  assert_int_equal(jj_engine_series(e, "", NULL, 0, &id), JJ_EINVAL);
  assert_int_equal(jj_engine_series(e, NULL, NULL, 0, &id), JJ_EINVAL);
  assert_int_equal(jj_engine_series(e, "x", NULL, 2, &id), JJ_EINVAL);
  assert_int_equal(jj_engine_series(NULL, "x", NULL, 0, &id), JJ_EINVAL);
  assert_int_equal(stats_of(e).series, 5);

  /* alert_state lookups */
  jj_alert_state s;
  assert_int_equal(jj_engine_alert_state(e, a, 0, &s), JJ_OK);
  assert_int_equal(s.level, 0);
  assert_true(isnan(s.value));
  assert_int_equal(jj_engine_alert_state(e, m, 0, &s), JJ_ENOTFOUND); /* metric y */
  assert_int_equal(jj_engine_alert_state(e, a, 1, &s), JJ_ENOTFOUND); /* no rule 1 */
  assert_int_equal(jj_engine_alert_state(e, 999, 0, &s), JJ_ENOTFOUND);
  assert_int_equal(jj_engine_alert_state(e, a, 0, NULL), JJ_EINVAL);
  jj_engine_free(e);
}

/* push_labeled resolves labels in any order to the same series. */
static void test_push_labeled(void **state) {
  (void)state;
  jj_ruleset *rs = simple_rules("r", JJ_AGG_COUNT, ET_HOUR, 1000);
  jj_engine *e = et_engine(rs, NULL, NULL);
  jj_ruleset_free(rs);
  jj_label l1[2] = {{"station", "a"}, {"zone", "z"}};
  jj_label l2[2] = {{"zone", "z"}, {"station", "a"}};
  for (int i = 0; i < 10; i++)
    assert_int_equal(jj_engine_push_labeled(e, "x", i % 2 ? l1 : l2, 2, ET_T0 + i * ET_SEC, i),
                     JJ_OK);
  assert_int_equal(stats_of(e).series, 1);
  jj_series_id id;
  assert_int_equal(jj_engine_series(e, "x", l1, 2, &id), JJ_OK);
  assert_true(et_state(e, id, 0).value == 10.0); /* all ten in one window */
  jj_label dup[2] = {{"zone", "z"}, {"zone", "y"}};
  assert_int_equal(jj_engine_push_labeled(e, "x", dup, 2, ET_T0 + 20 * ET_SEC, 1), JJ_EINVAL);
  assert_int_equal(jj_engine_push_labeled(e, "x", l1, 2, ET_T0 + 21 * ET_SEC, NAN), JJ_ENAN);
  assert_int_equal(stats_of(e).accepted, 10);
  jj_engine_free(e);
}

/* ==========================================================================
 * Limits
 * ========================================================================== */

static void test_limit_series_and_labels(void **state) {
  (void)state;
  jj_ruleset *rs = simple_rules("r", JJ_AGG_LAST, ET_MIN, 50);
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.max_series = 3;
  cfg.max_labels = 2;
  jj_engine *e = et_engine(rs, &cfg, NULL);
  jj_series_id ids[4];
  static const char *const names[] = {"a", "b", "c", "d"};
  for (int i = 0; i < 3; i++) {
    jj_label l = {"station", names[i]};
    assert_int_equal(jj_engine_series(e, "x", &l, 1, &ids[i]), JJ_OK);
  }
  jj_label l = {"station", "d"};
  assert_int_equal(jj_engine_series(e, "x", &l, 1, &ids[3]), JJ_ELIMIT);
  assert_int_equal(jj_engine_push_labeled(e, "x", &l, 1, ET_T0, 1), JJ_ELIMIT);
  jj_engine_stats st = stats_of(e);
  assert_int_equal(st.series, 3);
  assert_int_equal(st.rejected_limit, 2);
  /* existing series still resolve and work at the limit */
  jj_label la = {"station", "a"};
  jj_series_id again;
  assert_int_equal(jj_engine_series(e, "x", &la, 1, &again), JJ_OK);
  assert_int_equal(again, ids[0]);
  assert_int_equal(jj_engine_push(e, ids[0], ET_T0, 1), JJ_OK);
  jj_engine_free(e);

  /* labels: at most 2 per series */
  cfg.max_series = 0;
  e = et_engine(rs, &cfg, NULL);
  jj_label three[3] = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
  jj_series_id id;
  assert_int_equal(jj_engine_series(e, "x", three, 3, &id), JJ_ELIMIT);
  assert_int_equal(jj_engine_series(e, "x", three, 2, &id), JJ_OK);
  st = stats_of(e);
  assert_int_equal(st.rejected_limit, 1);
  assert_int_equal(st.series, 1);
  jj_engine_free(e);

  /* configuration limits */
  cfg.max_labels = 65;
  jj_engine *bad = (jj_engine *)1;
  assert_int_equal(jj_engine_new(rs, &cfg, NULL, &bad), JJ_EINVAL);
  assert_null(bad);
  cfg.max_labels = 0;
  cfg.lateness_ms = -1;
  assert_int_equal(jj_engine_new(rs, &cfg, NULL, &bad), JJ_EINVAL);
  assert_int_equal(jj_engine_new(NULL, NULL, NULL, &bad), JJ_EINVAL);
  assert_int_equal(jj_engine_new(rs, NULL, NULL, NULL), JJ_EINVAL);
  jj_ruleset_free(rs);
  jj_engine_free(NULL);
}

static jj_ruleset *zone_max_rules(void) {
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "o3-zone";
  rc.metric = "o3";
  rc.window.kind = JJ_WINDOW_TUMBLING;
  rc.window.span_ms = ET_HOUR;
  rc.group = JJ_GROUP_MAX;
  rc.group_by = "zone";
  jj_level_config lv = et_level("advisory", JJ_CMP_GE, 0.12, JJ_CMP_LT, 0.12, 1);
  return et_ruleset1(&rc, &lv, 1);
}

static void test_limit_groups(void **state) {
  (void)state;
  jj_ruleset *rs = zone_max_rules();
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.max_groups = 2;
  jj_engine *e = et_engine(rs, &cfg, NULL);
  jj_ruleset_free(rs);
  static const char *const z1a[] = {"zone", "z1", "station", "a"};
  static const char *const z1b[] = {"zone", "z1", "station", "b"};
  static const char *const z2a[] = {"zone", "z2", "station", "a"};
  static const char *const z3a[] = {"zone", "z3", "station", "a"};
  et_series(e, "o3", z1a, 2);
  et_series(e, "o3", z2a, 2);
  /* A third group would exceed max_groups: the series is created all the
   * same (its other rules see it), without this rule, and that is counted. */
  jj_label l[2] = {{"zone", "z3"}, {"station", "a"}};
  jj_series_id id;
  assert_int_equal(jj_engine_series(e, "o3", l, 2, &id), JJ_OK);
  jj_engine_stats st = stats_of(e);
  assert_int_equal(st.groups, 2);
  assert_int_equal(st.group_refused, 1);
  assert_int_equal(st.rejected_limit, 0);
  assert_int_equal(st.series, 3);
  jj_alert_state as;
  assert_int_equal(jj_engine_alert_state(e, id, 0, &as), JJ_ENOTFOUND);
  assert_int_equal(jj_engine_push(e, id, ET_H(0), 0.5), JJ_OK);
  assert_int_equal(jj_engine_advance(e, ET_H(3)), JJ_OK);
  assert_int_equal(stats_of(e).events, 0);
  /* joining an existing group is fine; series outside group rules too */
  jj_series_id b = et_series(e, "o3", z1b, 2);
  jj_series_id other = et_series(e, "pm25", z3a, 2);
  assert_int_not_equal(b, other);
  assert_int_equal(stats_of(e).groups, 2);
  jj_engine_free(e);
}

/* The poll queue is bounded: when full, each new event of the one alert
 * supersedes its oldest queued one (counted); poll returns the latest
 * ones, in order, so the poller ends on the alert's real state. */
static void test_event_queue_overflow(void **state) {
  (void)state;
  jj_ruleset *rs = simple_rules("r", JJ_AGG_LAST, ET_HOUR, 50);
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.event_queue = 4;
  jj_engine *e = et_engine(rs, &cfg, NULL); /* no callback */
  jj_ruleset_free(rs);
  jj_series_id id = et_series(e, "x", NULL, 0);
  for (int i = 0; i < 10; i++) et_push(e, id, ET_T0 + i * ET_SEC, i % 2 ? 40 : 60);
  jj_engine_stats st = stats_of(e);
  assert_int_equal(st.events, 10);
  assert_int_equal(st.events_superseded, 6);
  assert_int_equal(st.events_dropped, 0);
  const jj_event *ev;
  for (int i = 6; i < 10; i++) {
    assert_non_null(ev = jj_engine_poll(e));
    assert_int_equal(ev->seq, (uint64_t)i + 1);
    assert_int_equal(ev->kind, i % 2 ? JJ_EVENT_RESOLVED : JJ_EVENT_FIRED);
    assert_int_equal(ev->time_ms, ET_T0 + i * ET_SEC);
  }
  assert_null(jj_engine_poll(e));
  /* room again: the next event is queued (its seq shows the lost ones) */
  et_push(e, id, ET_T0 + 10 * ET_SEC, 60);
  assert_non_null(ev = jj_engine_poll(e));
  assert_int_equal(ev->seq, 11);
  assert_int_equal(ev->kind, JJ_EVENT_FIRED);
  assert_null(jj_engine_poll(e));
  assert_null(jj_engine_poll(NULL));
  /* wrap-around of the ring */
  for (int i = 0; i < 9; i++) {
    et_push(e, id, ET_T0 + (11 + i) * ET_SEC, i % 2 ? 60 : 40);
    assert_non_null(ev = jj_engine_poll(e));
    assert_int_equal(ev->seq, (uint64_t)12 + i);
  }
  assert_int_equal(stats_of(e).events_superseded, 6);
  assert_int_equal(stats_of(e).events_dropped, 0);
  jj_engine_free(e);
}

/* Series keep no label arrays: each event gets its series' labels filled
 * in, when delivered and again when polled. A polled event keeps its own
 * while pushes deliver other series' events to the callback and queue
 * more, and every queued event shows its own series when polled. */
static void check_station(const jj_event *ev, const char *station, const char *zone) {
  assert_int_equal(ev->nlabels, 2);
  assert_string_equal(ev->labels[0].name, "station");
  assert_string_equal(ev->labels[0].value, station);
  assert_string_equal(ev->labels[1].name, "zone");
  assert_string_equal(ev->labels[1].value, zone);
}

static void test_event_labels_per_series(void **state) {
  (void)state;
  jj_ruleset *rs = simple_rules("r", JJ_AGG_LAST, ET_HOUR, 50);
  et_rec rec = {0};
  jj_engine *e = et_engine(rs, NULL, &rec); /* a callback and the queue */
  jj_ruleset_free(rs);
  static const char *const a_kv[] = {"zone", "north", "station", "a-long-station-name"};
  static const char *const b_kv[] = {"station", "b", "zone", "south-east"};
  jj_series_id a = et_series(e, "x", a_kv, 2), b = et_series(e, "x", b_kv, 2);
  et_push(e, a, ET_T0, 60);
  check_station(et_next(&rec), "a-long-station-name", "north");
  const jj_event *ev = jj_engine_poll(e);
  assert_non_null(ev);
  check_station(ev, "a-long-station-name", "north");
  et_push(e, b, ET_T0 + ET_SEC, 70); /* delivered: b's labels */
  check_station(et_next(&rec), "b", "south-east");
  et_push(e, a, ET_T0 + 2 * ET_SEC, 10); /* a resolves: queued after b */
  check_station(et_next(&rec), "a-long-station-name", "north");
  check_station(ev, "a-long-station-name", "north"); /* still the polled one's */
  assert_non_null(ev = jj_engine_poll(e));
  assert_int_equal(ev->kind, JJ_EVENT_FIRED);
  check_station(ev, "b", "south-east");
  assert_non_null(ev = jj_engine_poll(e));
  assert_int_equal(ev->kind, JJ_EVENT_RESOLVED);
  check_station(ev, "a-long-station-name", "north");
  assert_null(jj_engine_poll(e));
  jj_engine_free(e);
  et_rec_free(&rec);
}

/* ==========================================================================
 * Time policy
 * ========================================================================== */

static void test_lateness(void **state) {
  (void)state;
  jj_ruleset *rs = simple_rules("max", JJ_AGG_MAX, ET_MIN, 50);
  /* lateness 0: an older sample is JJ_ELATE, an equal timestamp is not */
  et_rec rec;
  memset(&rec, 0, sizeof rec);
  jj_engine *e = et_engine(rs, NULL, &rec);
  jj_series_id id = et_series(e, "x", NULL, 0);
  et_push(e, id, ET_T0 + 4 * ET_SEC, 10);
  assert_int_equal(jj_engine_push(e, id, ET_T0 + 3 * ET_SEC, 99), JJ_ELATE);
  assert_int_equal(jj_engine_push(e, id, ET_T0 + 4 * ET_SEC, 11), JJ_OK);
  jj_engine_stats st = stats_of(e);
  assert_int_equal(st.rejected_late, 1);
  assert_int_equal(st.accepted, 2);
  assert_int_equal(rec.n, 0); /* the 99 never reached the window */
  /* lateness is per series: another series may be far behind */
  jj_label l = {"station", "slow"};
  jj_series_id slow;
  assert_int_equal(jj_engine_series(e, "x", &l, 1, &slow), JJ_OK);
  assert_int_equal(jj_engine_push(e, slow, ET_T0 - ET_HOUR, 1), JJ_OK);
  jj_engine_free(e);
  et_rec_free(&rec);

  /* lateness 5 s: a sample 3 s older is accepted and folded in */
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.lateness_ms = 5000;
  memset(&rec, 0, sizeof rec);
  e = et_engine(rs, &cfg, &rec);
  id = et_series(e, "x", NULL, 0);
  et_push(e, id, ET_T0, 10);
  et_push(e, id, ET_T0 + 4 * ET_SEC, 10);
  et_push(e, id, ET_T0 + 1 * ET_SEC, 99);
  assert_int_equal(rec.n, 1);
  assert_int_equal(rec.ev[0].kind, JJ_EVENT_FIRED);
  assert_true(rec.ev[0].value == 99.0); /* the window's max includes it */
  assert_int_equal(rec.ev[0].sample_ts_ms, ET_T0 + ET_SEC);
  assert_int_equal(rec.ev[0].time_ms, ET_T0 + 4 * ET_SEC); /* engine time did not go back */
  assert_int_equal(jj_engine_now(e), ET_T0 + 4 * ET_SEC);
  assert_int_equal(jj_engine_push(e, id, ET_T0 - 2 * ET_SEC, 5), JJ_ELATE); /* 6 s older */
  assert_int_equal(stats_of(e).rejected_late, 1);
  jj_engine_free(e);
  et_rec_free(&rec);
  jj_ruleset_free(rs);
}

/* The clock moves every window of a series: a sample it has passed (minus
 * lateness) cannot enter them, so it must be reported late and counted,
 * never accepted and silently dropped. With enough lateness it counts. */
static void test_late_after_advance(void **state) {
  (void)state;
  jj_ruleset *rs = simple_rules("max", JJ_AGG_MAX, ET_MIN, 50);
  for (int lateness_s = 0; lateness_s <= 10; lateness_s += 10) {
    jj_engine_config cfg;
    jj_engine_config_init(&cfg);
    cfg.lateness_ms = lateness_s * ET_SEC;
    et_rec rec;
    memset(&rec, 0, sizeof rec);
    jj_engine *e = et_engine(rs, &cfg, &rec);
    jj_series_id id = et_series(e, "x", NULL, 0);
    et_push(e, id, ET_T0, 10);
    assert_int_equal(jj_engine_advance(e, ET_T0 + 10 * ET_SEC), JJ_OK);
    /* newer than the series' newest reading, older than the clock */
    jj_status st = jj_engine_push(e, id, ET_T0 + 5 * ET_SEC, 99);
    jj_engine_stats s = stats_of(e);
    if (lateness_s == 0) {
      assert_int_equal(st, JJ_ELATE);
      assert_int_equal(s.rejected_late, 1);
      assert_int_equal(s.accepted, 1);
      assert_int_equal(rec.n, 0);
    } else {
      assert_int_equal(st, JJ_OK);
      assert_int_equal(s.rejected_late, 0);
      assert_int_equal(s.rejected_window, 0);
      assert_int_equal(rec.n, 1); /* the 99 is in the window */
      assert_true(rec.ev[0].value == 99.0);
    }
    jj_engine_free(e);
    et_rec_free(&rec);
  }
  jj_ruleset_free(rs);
}

static void test_future(void **state) {
  (void)state;
  jj_ruleset *rs = simple_rules("r", JJ_AGG_LAST, ET_MIN, 50);
  /* No clock (no advance): a replay may jump ahead freely. */
  jj_engine *e = et_engine(rs, NULL, NULL);
  assert_true(jj_engine_now(e) == INT64_MIN);
  jj_series_id id = et_series(e, "x", NULL, 0);
  et_push(e, id, ET_T0, 1);
  assert_int_equal(jj_engine_now(e), ET_T0);
  et_push(e, id, ET_T0 + 10 * 24 * ET_HOUR, 1);
  assert_int_equal(stats_of(e).rejected_future, 0);
  jj_engine_free(e);

  /* With a clock: more than max_future_ms (default 5 min) ahead of it is
   * JJ_EFUTURE, counted, and does not move engine time. */
  e = et_engine(rs, NULL, NULL);
  id = et_series(e, "x", NULL, 0);
  assert_int_equal(jj_engine_advance(e, ET_T0), JJ_OK);
  assert_int_equal(jj_engine_now(e), ET_T0);
  assert_int_equal(jj_engine_push(e, id, ET_T0 + 5 * ET_MIN + 1, 1), JJ_EFUTURE);
  assert_int_equal(jj_engine_push(e, id, ET_T0 + 365 * 24 * ET_HOUR, 1), JJ_EFUTURE);
  assert_int_equal(jj_engine_now(e), ET_T0);
  et_push(e, id, ET_T0 + 5 * ET_MIN, 1); /* exactly at the limit */
  assert_int_equal(jj_engine_now(e), ET_T0 + 5 * ET_MIN);
  /* the limit is relative to the caller's clock, not to engine time */
  assert_int_equal(jj_engine_push(e, id, ET_T0 + 5 * ET_MIN + 2, 1), JJ_EFUTURE);
  jj_engine_stats st = stats_of(e);
  assert_int_equal(st.rejected_future, 3);
  assert_int_equal(st.accepted, 1);
  /* advancing the clock admits it; advancing backwards is ignored */
  assert_int_equal(jj_engine_advance(e, ET_T0 + ET_MIN), JJ_OK);
  et_push(e, id, ET_T0 + 6 * ET_MIN, 1);
  assert_int_equal(jj_engine_advance(e, ET_T0), JJ_OK);
  assert_int_equal(jj_engine_now(e), ET_T0 + 6 * ET_MIN);
  /* the clock stayed at 1 min: 6 min is the limit (at 0 it would be 5) */
  assert_int_equal(jj_engine_push(e, id, ET_T0 + 6 * ET_MIN, 2), JJ_OK);
  assert_int_equal(jj_engine_push(e, id, ET_T0 + 6 * ET_MIN + 1, 2), JJ_EFUTURE);
  assert_int_equal(jj_engine_advance(e, ((int64_t)1 << 62) + 1), JJ_EINVAL);
  assert_int_equal(jj_engine_advance(NULL, ET_T0), JJ_EINVAL);
  jj_engine_free(e);

  /* max_future_ms < 0: no check */
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.max_future_ms = -1;
  e = et_engine(rs, &cfg, NULL);
  id = et_series(e, "x", NULL, 0);
  assert_int_equal(jj_engine_advance(e, ET_T0), JJ_OK);
  et_push(e, id, ET_T0 + 24 * ET_HOUR, 1);
  jj_engine_free(e);
  jj_ruleset_free(rs);
}

static void test_invalid_values(void **state) {
  (void)state;
  jj_ruleset *rs = simple_rules("r", JJ_AGG_LAST, ET_MIN, 50);
  et_rec rec;
  memset(&rec, 0, sizeof rec);
  jj_engine *e = et_engine(rs, NULL, &rec);
  jj_ruleset_free(rs);
  jj_series_id id = et_series(e, "x", NULL, 0);
  assert_int_equal(jj_engine_push(e, id, ET_T0, NAN), JJ_ENAN);
  assert_int_equal(jj_engine_push(e, id, ET_T0, INFINITY), JJ_ENAN);
  assert_int_equal(jj_engine_push(e, id, ET_T0, -INFINITY), JJ_ENAN);
  assert_int_equal(stats_of(e).rejected_invalid, 3);
  assert_int_equal(jj_engine_push(e, id + 1, ET_T0, 60), JJ_ENOTFOUND);
  assert_int_equal(jj_engine_push(e, UINT32_MAX, ET_T0, 60), JJ_ENOTFOUND);
  assert_int_equal(jj_engine_push(e, id, ((int64_t)1 << 62) + 1, 60), JJ_EINVAL);
  assert_int_equal(jj_engine_push(e, id, -((int64_t)1 << 62) - 1, 60), JJ_EINVAL);
  assert_int_equal(jj_engine_push_located(e, id, ET_T0, 60, 91.0, 0.0), JJ_EINVAL);
  assert_int_equal(jj_engine_push_located(e, id, ET_T0, 60, 0.0, -180.5), JJ_EINVAL);
  assert_int_equal(jj_engine_push_located(e, id, ET_T0, 60, NAN, 0.0), JJ_EINVAL);
  jj_engine_stats st = stats_of(e);
  assert_int_equal(st.rejected_invalid, 10);
  assert_int_equal(st.accepted, 0);
  assert_int_equal(rec.n, 0);
  assert_true(jj_engine_now(e) == INT64_MIN); /* nothing moved time */
  assert_int_equal(jj_engine_push(NULL, id, ET_T0, 1), JJ_EINVAL);
  /* a good one still works */
  et_push(e, id, ET_T0, 60);
  assert_int_equal(rec.n, 1);
  jj_engine_free(e);
  et_rec_free(&rec);
}

/* ==========================================================================
 * Quality gates
 * ========================================================================== */

static void test_quality_range(void **state) {
  (void)state;
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "pm-max";
  rc.metric = "pm25";
  rc.window.span_ms = 10 * ET_MIN;
  rc.aggregate = JJ_AGG_MAX;
  rc.valid_min = 0;
  rc.valid_max = 1000;
  jj_level_config lv = et_level("high", JJ_CMP_GE, 500, JJ_CMP_NONE, 0, 1);
  jj_ruleset *rs = et_ruleset1(&rc, &lv, 1);
  et_rec rec;
  memset(&rec, 0, sizeof rec);
  jj_engine *e = et_engine(rs, NULL, &rec);
  jj_ruleset_free(rs);
  jj_series_id id = et_series(e, "pm25", NULL, 0);
  et_push(e, id, ET_T0, 20);
  /* 5000 is outside 0..1000: dropped (no FIRED although >= 500), one
   * QUALITY event, and the push says why (other rules may still take it). */
  assert_int_equal(jj_engine_push(e, id, ET_T0 + ET_MIN, 5000), JJ_ERANGE);
  const jj_event *ev = et_expect(&rec, JJ_EVENT_QUALITY, 0);
  assert_int_equal(ev->reason, JJ_REASON_RANGE);
  assert_string_equal(jj_event_reason_name(ev->reason), "range");
  assert_true(ev->sample_value == 5000.0);
  assert_int_equal(ev->sample_ts_ms, ET_T0 + ET_MIN);
  assert_int_equal(ev->started_ms, ET_T0 + ET_MIN);
  et_expect_none(&rec);
  jj_alert_state s = et_state(e, id, 0);
  assert_int_equal(s.quality_bad, 1);
  assert_true(s.value == 20.0);
  /* still bad, same episode: no new event */
  assert_int_equal(jj_engine_push(e, id, ET_T0 + 2 * ET_MIN, -3), JJ_ERANGE);
  et_expect_none(&rec);
  assert_int_equal(stats_of(e).rejected_quality, 2);
  /* a good reading ends the episode */
  et_push(e, id, ET_T0 + 3 * ET_MIN, 30);
  ev = et_expect(&rec, JJ_EVENT_QUALITY_RESOLVED, 0);
  assert_int_equal(ev->sample_ts_ms, ET_T0 + 3 * ET_MIN);
  et_expect_none(&rec);
  assert_int_equal(et_state(e, id, 0).quality_bad, 0);
  /* the window never held the 5000: its max is what was accepted */
  et_push(e, id, ET_T0 + 4 * ET_MIN, 600);
  ev = et_expect(&rec, JJ_EVENT_FIRED, 1);
  assert_true(ev->value == 600.0);
  /* the bounds are inclusive */
  et_push(e, id, ET_T0 + 5 * ET_MIN, 1000);
  et_push(e, id, ET_T0 + 6 * ET_MIN, 0);
  et_expect_none(&rec);
  assert_int_equal(stats_of(e).rejected_quality, 2);
  jj_engine_free(e);
  et_rec_free(&rec);
}

static void test_quality_stuck(void **state) {
  (void)state;
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "stuck";
  rc.metric = "pm25";
  rc.window.span_ms = ET_HOUR;
  rc.aggregate = JJ_AGG_COUNT;
  rc.stuck_samples = 5;
  rc.stuck_epsilon = 0.01;
  jj_level_config lv = et_level("never", JJ_CMP_GE, 1e9, JJ_CMP_NONE, 0, 1);
  jj_ruleset *rs = et_ruleset1(&rc, &lv, 1);
  et_rec rec;
  memset(&rec, 0, sizeof rec);
  jj_engine *e = et_engine(rs, NULL, &rec);
  jj_ruleset_free(rs);
  jj_series_id id = et_series(e, "pm25", NULL, 0);
  int64_t t = ET_T0;
  et_push(e, id, t += ET_MIN, 10);
  et_push(e, id, t += ET_MIN, 11);
  et_push(e, id, t += ET_MIN, 12);
  for (int i = 0; i < 4; i++) et_push(e, id, t += ET_MIN, 20);
  et_expect_none(&rec);
  /* the 5th identical reading */
  assert_int_equal(jj_engine_push(e, id, t += ET_MIN, 20), JJ_ESTUCK);
  const jj_event *ev = et_expect(&rec, JJ_EVENT_QUALITY, 0);
  assert_int_equal(ev->reason, JJ_REASON_STUCK);
  assert_string_equal(jj_event_reason_name(ev->reason), "stuck");
  assert_int_equal(jj_engine_push(e, id, t += ET_MIN, 20), JJ_ESTUCK);
  assert_int_equal(jj_engine_push(e, id, t += ET_MIN, 20.005), JJ_ESTUCK); /* within epsilon */
  et_expect_none(&rec);
  assert_int_equal(et_state(e, id, 0).quality_bad, 1);
  et_push(e, id, t += ET_MIN, 21);
  ev = et_expect(&rec, JJ_EVENT_QUALITY_RESOLVED, 0);
  et_expect_none(&rec);
  /* accepted: 10, 11, 12, four 20s and the 21; dropped: three stuck */
  assert_true(et_state(e, id, 0).value == 8.0);
  assert_int_equal(stats_of(e).rejected_quality, 3);
  jj_engine_free(e);
  et_rec_free(&rec);
}

/* ==========================================================================
 * Events
 * ========================================================================== */

static void test_event_fields(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "co-other";
  rc.metric = "co";
  jj_level_config lv = et_level("high", JJ_CMP_GE, 30, JJ_CMP_NONE, 0, 1);
  et_add(b, &rc, &lv, 1);
  rc.name = "pm-fields";
  rc.metric = "pm25";
  rc.window.span_ms = 5 * ET_MIN;
  lv = et_level("high", JJ_CMP_GE, 75, JJ_CMP_LT, 35, 1);
  lv.severity = "warning";
  uint32_t r = et_add(b, &rc, &lv, 1);
  assert_int_equal(r, 1);
  assert_int_equal(jj_ruleset_builder_add_label(b, r, "team", "ops", NULL), JJ_OK);
  assert_int_equal(jj_ruleset_builder_add_label(b, r, "channel", "sms", NULL), JJ_OK);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  et_rec rec;
  memset(&rec, 0, sizeof rec);
  jj_engine *e = et_engine(rs, NULL, &rec);
  jj_ruleset_free(rs);
  jj_label l[3] = {{"zone", "jungbu"}, {"station", "a1"}, {"city", "jeonju"}};
  jj_series_id id;
  assert_int_equal(jj_engine_series(e, "pm25", l, 3, &id), JJ_OK);
  assert_int_equal(jj_engine_push_located(e, id, ET_T0, 100, 35.82, 127.15), JJ_OK);
  const jj_event *ev = et_expect(&rec, JJ_EVENT_FIRED, 1);
  assert_int_equal(ev->seq, 1);
  assert_string_equal(ev->rule, "pm-fields");
  assert_int_equal(ev->rule_index, 1);
  assert_int_equal(ev->prev_level, 0);
  assert_string_equal(ev->level_name, "high");
  assert_string_equal(ev->severity, "warning");
  assert_string_equal(ev->metric, "pm25");
  assert_int_equal(ev->is_group, 0);
  assert_int_equal(ev->nlabels, 3);
  assert_string_equal(ev->labels[0].name, "city");
  assert_string_equal(ev->labels[0].value, "jeonju");
  assert_string_equal(ev->labels[1].name, "station");
  assert_string_equal(ev->labels[1].value, "a1");
  assert_string_equal(ev->labels[2].name, "zone");
  assert_string_equal(ev->labels[2].value, "jungbu");
  assert_int_equal(ev->nrule_labels, 2);
  assert_string_equal(ev->rule_labels[0].name, "team");
  assert_string_equal(ev->rule_labels[0].value, "ops");
  assert_string_equal(ev->rule_labels[1].name, "channel");
  assert_string_equal(ev->rule_labels[1].value, "sms");
  assert_true(ev->value == 100.0);
  assert_int_equal(ev->window_start_ms, ET_T0 - 5 * ET_MIN); /* (now - span, now] */
  assert_int_equal(ev->window_end_ms, ET_T0);
  assert_int_equal(ev->time_ms, ET_T0);
  assert_int_equal(ev->started_ms, ET_T0);
  assert_int_equal(ev->sample_ts_ms, ET_T0);
  assert_true(ev->sample_value == 100.0);
  assert_int_equal(ev->has_location, 1);
  assert_true(ev->lat == 35.82);
  assert_true(ev->lon == 127.15);
  assert_int_equal(ev->reason, JJ_REASON_NONE);
  assert_string_equal(jj_event_kind_name(ev->kind), "fired");

  /* the robot moves; later plain pushes keep the last known position */
  assert_int_equal(jj_engine_push_located(e, id, ET_T0 + ET_MIN, 10, 35.83, 127.16), JJ_OK);
  et_push(e, id, ET_T0 + 2 * ET_MIN, 0);
  et_expect_none(&rec); /* mean 36.7 */
  et_push(e, id, ET_T0 + 3 * ET_MIN, 0);
  ev = et_expect(&rec, JJ_EVENT_RESOLVED, 0);
  assert_int_equal(ev->seq, 2);
  assert_int_equal(ev->prev_level, 1);
  assert_string_equal(ev->level_name, "high");
  assert_string_equal(ev->severity, "warning");
  assert_true(ev->value == 27.5);
  assert_int_equal(ev->started_ms, ET_T0);
  assert_int_equal(ev->time_ms, ET_T0 + 3 * ET_MIN);
  assert_int_equal(ev->sample_ts_ms, ET_T0 + 3 * ET_MIN);
  assert_true(ev->sample_value == 0.0);
  assert_int_equal(ev->has_location, 1);
  assert_true(ev->lat == 35.83);
  assert_true(ev->lon == 127.16);
  et_expect_none(&rec);

  /* a series never located has no location */
  jj_series_id id2 = et_series(e, "pm25", NULL, 0);
  et_push(e, id2, ET_T0 + 3 * ET_MIN, 200);
  ev = et_expect(&rec, JJ_EVENT_FIRED, 1);
  assert_int_equal(ev->seq, 3);
  assert_int_equal(ev->has_location, 0);
  assert_int_equal(ev->nlabels, 0);
  jj_engine_free(e);
  et_rec_free(&rec);

  /* names */
  assert_null(jj_event_kind_name(0));
  assert_null(jj_event_kind_name(13));
  assert_string_equal(jj_event_kind_name(JJ_EVENT_FLAPPING_END), "flapping_end");
  assert_string_equal(jj_event_reason_name(JJ_REASON_NONE), "");
  assert_string_equal(jj_event_reason_name(JJ_REASON_RULE_REMOVED), "rule_removed");
  assert_null(jj_event_reason_name(7));
  assert_int_equal(jj_struct_size("jj_event"), sizeof(jj_event));
}

/* Positions are kept in the engine's table of located series
 * (lib/series_loc.h), not in every series block: 100 series, every third
 * located (the table doubles several times), some of them forgotten (their
 * entries leave, later ones shift back), then each live series' event shows
 * its own position or none, in the engine and in one restored from its
 * snapshot. A located push that cannot get the table's room is refused
 * whole: JJ_ENOMEM, nothing taken. */
enum { LOC_N = 100 };
static int loc_located(int i) { return i % 3 == 0; }
static int loc_forgotten(int i) { return i % 9 == 0 || i % 10 == 0; }
static double loc_lat(int i) { return -40.0 + 0.5 * i; }
static double loc_lon(int i) { return -90.0 + 1.25 * i; }

static void loc_check(jj_engine *e, et_rec *rec, const jj_series_id *ids) {
  for (int i = 0; i < LOC_N; i++) {
    if (loc_forgotten(i)) continue;
    et_push(e, ids[i], ET_T0 + ET_SEC, 300); /* a mean of 106.7 or 155: fires */
    const jj_event *ev = et_expect(rec, JJ_EVENT_FIRED, 1);
    assert_int_equal(ev->has_location, loc_located(i));
    if (loc_located(i)) {
      assert_true(ev->lat == loc_lat(i));
      assert_true(ev->lon == loc_lon(i));
    }
  }
  et_expect_none(rec);
}

static void test_located_table(void **state) {
  (void)state;
  jj_ruleset *rs = et_pm_high_rule();
  et_rec rec, rec2;
  memset(&rec, 0, sizeof rec);
  memset(&rec2, 0, sizeof rec2);
  jj_engine *e = et_engine(rs, NULL, &rec);
  jj_series_id ids[LOC_N];
  for (int i = 0; i < LOC_N; i++) {
    char v[16];
    snprintf(v, sizeof v, "s%03d", i);
    const char *kv[2] = {"station", v};
    ids[i] = et_series(e, "pm25", kv, 1);
    if (loc_located(i)) /* a first position that a second one replaces */
      assert_int_equal(jj_engine_push_located(e, ids[i], ET_T0 - ET_SEC, 10, 1.0, 2.0), JJ_OK);
  }
  for (int i = 0; i < LOC_N; i++) {
    if (loc_located(i))
      assert_int_equal(jj_engine_push_located(e, ids[i], ET_T0, 10, loc_lat(i), loc_lon(i)), JJ_OK);
    else
      et_push(e, ids[i], ET_T0, 10);
  }
  for (int i = 0; i < LOC_N; i++)
    if (loc_forgotten(i)) assert_int_equal(jj_engine_forget(e, ids[i]), JJ_OK);
  et_expect_none(&rec);
  /* The same positions in an engine restored from its snapshot. */
  size_t need = 0;
  assert_int_equal(jj_engine_snapshot(e, NULL, 0, &need), JJ_EFULL);
  void *img = malloc(need);
  assert_non_null(img);
  assert_int_equal(jj_engine_snapshot(e, img, need, &need), JJ_OK);
  jj_engine *e2 = et_engine(rs, NULL, &rec2);
  assert_int_equal(jj_engine_restore(e2, img, need, NULL, NULL), JJ_OK);
  free(img);
  loc_check(e, &rec, ids);
  loc_check(e2, &rec2, ids);
  jj_engine_free(e);
  jj_engine_free(e2);
  et_rec_free(&rec);
  et_rec_free(&rec2);

  /* Out of memory at a series' first located push: refused whole. */
  tu_alloc a;
  tu_alloc_init(&a);
  jj_engine_config c;
  jj_engine_config_init(&c);
  c.on_event = et_rec_cb;
  c.on_event_ctx = &rec;
  memset(&rec, 0, sizeof rec);
  assert_int_equal(jj_engine_new(rs, &c, &a.alc, &e), JJ_OK);
  jj_series_id id = et_series(e, "pm25", NULL, 0);
  tu_alloc_fail_at(&a, 1, 0);
  assert_int_equal(jj_engine_push_located(e, id, ET_T0, 100, 35.8, 127.1), JJ_ENOMEM);
  jj_engine_stats st;
  jj_engine_stats_get(e, &st);
  assert_int_equal(st.accepted, 0);
  et_expect_none(&rec);
  assert_int_equal(jj_engine_push_located(e, id, ET_T0, 100, 35.8, 127.1), JJ_OK);
  const jj_event *ev = et_expect(&rec, JJ_EVENT_FIRED, 1);
  assert_int_equal(ev->has_location, 1);
  assert_true(ev->lat == 35.8 && ev->lon == 127.1);
  jj_engine_free(e);
  et_rec_free(&rec);
  assert_int_equal(a.live_blocks, 0);
  assert_int_equal(a.errors, 0);
  jj_ruleset_free(rs);
}

/* ==========================================================================
 * Re-entrancy: a callback that calls back into its engine
 * ========================================================================== */

typedef struct reenter_ctx {
  jj_engine *e;
  jj_series_id id;
  int calls;
  jj_status st[7];
  int64_t now_seen;
  jj_engine_stats stats_seen;
} reenter_ctx;

static void reenter_cb(void *ctx, const jj_event *ev) {
  reenter_ctx *c = (reenter_ctx *)ctx;
  (void)ev;
  c->calls++;
  jj_series_id id;
  jj_label l = {"station", "x"};
  jj_sample smp = {.series = c->id, .ts_ms = ET_H(9), .value = 1000};
  c->st[0] = jj_engine_push(c->e, c->id, ET_H(9), 1000);
  c->st[1] = jj_engine_push_located(c->e, c->id, ET_H(9), 1000, 35.8, 127.1);
  c->st[2] = jj_engine_push_batch(c->e, &smp, 1, NULL);
  c->st[3] = jj_engine_push_labeled(c->e, "pm25", &l, 1, ET_H(9), 1000);
  c->st[4] = jj_engine_series(c->e, "pm25", &l, 1, &id);
  c->st[5] = jj_engine_advance(c->e, ET_H(9));
  jj_alert_state as;
  c->st[6] = jj_engine_alert_state(c->e, c->id, 0, &as); /* read-only: allowed */
  c->now_seen = jj_engine_now(c->e);
  jj_engine_stats_get(c->e, &c->stats_seen);
}

/* Calls from the callback that would change the engine return JJ_ESTATE
 * and change nothing (engine time above all); reads are allowed; once the
 * callback has returned, the engine takes calls again. */
static void test_reentrancy(void **state) {
  (void)state;
  jj_ruleset *rs = et_pm_high_rule();
  reenter_ctx c;
  memset(&c, 0, sizeof c);
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.on_event = reenter_cb;
  cfg.on_event_ctx = &c;
  assert_int_equal(jj_engine_new(rs, &cfg, NULL, &c.e), JJ_OK);
  jj_ruleset_free(rs);
  c.id = et_series(c.e, "pm25", NULL, 0);
  assert_int_equal(jj_engine_push(c.e, c.id, ET_T0, 100), JJ_OK); /* fires */
  assert_int_equal(c.calls, 1);
  for (int i = 0; i < 6; i++) {
    if (c.st[i] != JJ_ESTATE) print_error("call %d: %s\n", i, jj_status_name(c.st[i]));
    assert_int_equal(c.st[i], JJ_ESTATE);
  }
  assert_int_equal(c.st[6], JJ_OK);
  assert_int_equal(c.now_seen, ET_T0); /* time did not jump to ET_H(9) */
  assert_int_equal(jj_engine_now(c.e), ET_T0);
  jj_engine_stats st = stats_of(c.e);
  assert_int_equal(st.accepted, 1);
  assert_int_equal(st.series, 1); /* "pm25{station=x}" was not created */
  assert_int_equal(st.rejected_invalid + st.rejected_late + st.rejected_future, 0);
  assert_int_equal(c.stats_seen.accepted, 1);
  /* outside the callback everything works again */
  assert_int_equal(jj_engine_push(c.e, c.id, ET_T0 + ET_SEC, 10), JJ_OK);
  assert_int_equal(jj_engine_advance(c.e, ET_T0 + ET_MIN), JJ_OK);
  assert_int_equal(jj_engine_now(c.e), ET_T0 + ET_MIN);
  jj_engine_free(c.e);
}

/* ==========================================================================
 * A mixed workload, for determinism and allocation tests
 * ========================================================================== */

static jj_ruleset *mixed_rules(const jj_allocator *alc) {
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(alc, &b), JJ_OK);
  jj_rule_config rc;
  jj_level_config pm[2];
  et_korean_pm_rule(&rc, pm, "pm25-korea", "pm25", 75, 35, 150, 75);
  rc.window.min_samples = 6;
  rc.valid_min = 0;
  rc.valid_max = 1000;
  rc.repeat_interval_ms = 2 * ET_HOUR;
  et_add(b, &rc, pm, 2);
  et_korean_pm_rule(&rc, pm, "pm25-zone", "pm25", 75, 35, 150, 75);
  rc.group = JJ_GROUP_AVG;
  rc.group_by = "zone";
  rc.stale_after_ms = 30 * ET_MIN;
  et_add(b, &rc, pm, 2);
  /* a fast sliding PM rule that flaps */
  jj_rule_config_init(&rc);
  rc.name = "pm25-fast";
  rc.metric = "pm25";
  rc.window.kind = JJ_WINDOW_SLIDING_COUNT;
  rc.window.count = 3;
  rc.stuck_samples = 20;
  rc.flap_changes = 4;
  rc.flap_window_ms = 20 * ET_MIN;
  rc.on_missing = JJ_MISSING_ALERT;
  rc.stale_after_ms = 10 * ET_MIN;
  jj_level_config fast = et_level("spike", JJ_CMP_GE, 120, JJ_CMP_LT, 90, 1);
  et_add(b, &rc, &fast, 1);
  /* heat: rate-of-rise per sensor, 2-of-n per robot */
  jj_rule_config_init(&rc);
  rc.name = "heat-ror";
  rc.metric = "temperature";
  rc.window.span_ms = 60 * ET_SEC;
  rc.window.min_samples = 3;
  rc.aggregate = JJ_AGG_SLOPE;
  rc.scale = 60;
  rc.on_missing = JJ_MISSING_RESOLVE;
  rc.stale_after_ms = 5 * ET_MIN;
  jj_level_config ror = et_level("ror", JJ_CMP_GE, 8.3, JJ_CMP_LT, 4, 1);
  et_add(b, &rc, &ror, 1);
  jj_rule_config_init(&rc);
  rc.name = "robot-2ofn";
  rc.metric = "temperature";
  rc.window.span_ms = 30 * ET_SEC;
  rc.group = JJ_GROUP_K_OF_N;
  rc.group_by = "robot";
  rc.member_op = JJ_CMP_GE;
  rc.member_value = 57;
  rc.group_within_ms = 30 * ET_SEC;
  jj_level_config two = et_level("fire", JJ_CMP_GE, 2, JJ_CMP_NONE, 0, 1);
  uint32_t r = et_add(b, &rc, &two, 1);
  assert_int_equal(jj_ruleset_builder_add_label(b, r, "team", "robots", NULL), JJ_OK);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  return rs;
}

#define MIX_PM 6   /* pm25 stations in 2 zones */
#define MIX_TEMP 4 /* temperature sensors on 2 robots */

typedef struct mix {
  jj_series_id pm[MIX_PM], temp[MIX_TEMP];
  double pm_level[MIX_PM], temp_level[MIX_TEMP];
  tu_rng rng;
} mix;

static jj_status mix_series(jj_engine *e, mix *m) {
  static const char *const stations[MIX_PM] = {"a", "b", "c", "d", "e", "f"};
  static const char *const sensors[MIX_TEMP] = {"front", "back", "front", "back"};
  for (int i = 0; i < MIX_PM; i++) {
    jj_label l[2] = {{"zone", i < 3 ? "jungbu" : "north"}, {"station", stations[i]}};
    jj_status st = jj_engine_series(e, "pm25", l, 2, &m->pm[i]);
    if (st != JJ_OK) return st;
  }
  for (int i = 0; i < MIX_TEMP; i++) {
    jj_label l[2] = {{"sensor", sensors[i]}, {"robot", i < 2 ? "r1" : "r2"}};
    jj_status st = jj_engine_series(e, "temperature", l, 2, &m->temp[i]);
    if (st != JJ_OK) return st;
  }
  return JJ_OK;
}

static void mix_init(mix *m, uint64_t seed) {
  memset(m, 0, sizeof *m);
  tu_rng_seed(&m->rng, seed);
  for (int i = 0; i < MIX_PM; i++) m->pm_level[i] = 40;
  for (int i = 0; i < MIX_TEMP; i++) m->temp_level[i] = 22;
}

/* One 10-second step of the workload at time t: every sensor reads
 * (mostly), with random walks, pollution episodes, fires, outliers,
 * silences and jitter. `sink` receives each reading. */
typedef void (*mix_sink)(void *ctx, jj_series_id id, int64_t ts, double v, int located, double lat,
                         double lon);

static void mix_step(mix *m, int64_t t, mix_sink sink, void *ctx) {
  tu_rng *r = &m->rng;
  int hour = (int)((t - ET_T0) / ET_HOUR);
  for (int i = 0; i < MIX_PM; i++) {
    if (i == 5 && hour % 5 == 3) continue; /* station f goes silent for an hour */
    if (tu_rng_chance(r, 0.02)) continue;  /* a dropped reading */
    double target = (hour % 6 >= 2 && hour % 6 <= 4) ? (hour % 12 == 3 ? 190 : 110) : 25;
    m->pm_level[i] += (target - m->pm_level[i]) * 0.01 + (tu_rng_unit(r) - 0.5) * 6;
    double v = m->pm_level[i];
    if (tu_rng_chance(r, 0.003)) v = 5000; /* outlier: quality gate */
    if (tu_rng_chance(r, 0.001)) v = NAN;  /* rejected */
    v = round(v);
    int64_t ts = t + (int64_t)tu_rng_below(r, 2000);
    sink(ctx, m->pm[i], ts, v, 0, 0, 0);
  }
  for (int i = 0; i < MIX_TEMP; i++) {
    int fire = (hour % 4 == 1) && (t - ET_H(hour)) > 20 * ET_MIN &&
               (t - ET_H(hour)) < 24 * ET_MIN && (i < 2 || hour % 8 == 1);
    double target = fire ? 95 : 22;
    double rate = fire ? 0.04 : 0.05;
    m->temp_level[i] += (target - m->temp_level[i]) * rate + (tu_rng_unit(r) - 0.5) * 0.4;
    double lat = 35.8 + 0.001 * (double)((t - ET_T0) / ET_MIN % 60), lon = 127.1 + 0.01 * i;
    sink(ctx, m->temp[i], t + 500 * i, round(m->temp_level[i] * 10) / 10, 1, lat, lon);
  }
}

/* Sinks */
typedef struct push_ctx {
  jj_engine *e;
  unsigned long pushed, ok, nomem;
  int use_location;
  int strict; /* only JJ_OK or a value rejection is acceptable */
} push_ctx;

static void push_sink(void *ctx, jj_series_id id, int64_t ts, double v, int located, double lat,
                      double lon) {
  push_ctx *p = (push_ctx *)ctx;
  jj_status st = located && p->use_location ? jj_engine_push_located(p->e, id, ts, v, lat, lon)
                                            : jj_engine_push(p->e, id, ts, v);
  p->pushed++;
  if (st == JJ_OK)
    p->ok++;
  else if (st == JJ_ENOMEM)
    p->nomem++;
  else if (p->strict && st != JJ_ENAN && st != JJ_ERANGE && st != JJ_ESTUCK)
    fail_msg("push: unexpected %s", jj_status_name(st));
}

typedef struct batch_ctx {
  jj_sample *s;
  size_t n, cap;
} batch_ctx;

static void batch_sink(void *ctx, jj_series_id id, int64_t ts, double v, int located, double lat,
                       double lon) {
  (void)located;
  (void)lat;
  (void)lon;
  batch_ctx *b = (batch_ctx *)ctx;
  if (b->n == b->cap) {
    b->cap = b->cap ? 2 * b->cap : 256;
    b->s = (jj_sample *)realloc(b->s, b->cap * sizeof *b->s);
    assert_non_null(b->s);
  }
  b->s[b->n].series = id;
  b->s[b->n].flags = 0;
  b->s[b->n].ts_ms = ts;
  b->s[b->n].value = v;
  b->n++;
}

/* Run `hours` of the workload on `e` (series already created): readings
 * every 10 s, the clock every minute, events polled as they come. */
static void mix_run(jj_engine *e, mix *m, int64_t from, int64_t to, push_ctx *pc, int poll) {
  for (int64_t t = from; t < to; t += 10 * ET_SEC) {
    mix_step(m, t, push_sink, pc);
    if ((t - ET_T0) % ET_MIN == 0) (void)jj_engine_advance(e, t);
    if (poll)
      while (jj_engine_poll(e)) {}
  }
}

static jj_engine_config mix_config(et_rec *rec) {
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.lateness_ms = 5000;
  if (rec) {
    cfg.on_event = et_rec_cb;
    cfg.on_event_ctx = rec;
  }
  return cfg;
}

/* Callback and poll deliver the same events, in the same order. */
static void test_callback_and_poll_agree(void **state) {
  (void)state;
  jj_ruleset *rs = mixed_rules(NULL);
  et_rec rec;
  memset(&rec, 0, sizeof rec);
  jj_engine_config cfg = mix_config(&rec);
  cfg.event_queue = 1 << 16;
  jj_engine *e = NULL;
  assert_int_equal(jj_engine_new(rs, &cfg, NULL, &e), JJ_OK);
  jj_ruleset_free(rs);
  mix m;
  mix_init(&m, 11);
  assert_int_equal(mix_series(e, &m), JJ_OK);
  push_ctx pc = {e, 0, 0, 0, 1, 1};
  mix_run(e, &m, ET_T0, ET_H(6), &pc, 0);
  assert_true(rec.n > 20);
  char a[1024], b[1024];
  const jj_event *ev;
  size_t i = 0;
  while ((ev = jj_engine_poll(e)) != NULL) {
    assert_true(i < rec.n);
    et_format(ev, a, sizeof a);
    et_format(&rec.ev[i], b, sizeof b);
    assert_string_equal(a, b);
    i++;
  }
  assert_int_equal(i, rec.n);
  assert_int_equal(stats_of(e).events, rec.n);
  assert_int_equal(stats_of(e).events_dropped, 0);
  jj_engine_free(e);
  et_rec_free(&rec);
}

/* Two fresh engines fed the same stream give byte-identical events. */
static void test_determinism(void **state) {
  (void)state;
  jj_ruleset *rs = mixed_rules(NULL);
  et_rec rec[2];
  memset(rec, 0, sizeof rec);
  jj_engine *e[2];
  for (int k = 0; k < 2; k++) {
    jj_engine_config cfg = mix_config(&rec[k]);
    assert_int_equal(jj_engine_new(rs, &cfg, NULL, &e[k]), JJ_OK);
    mix m;
    mix_init(&m, 2024);
    assert_int_equal(mix_series(e[k], &m), JJ_OK);
    push_ctx pc = {e[k], 0, 0, 0, 1, 1};
    mix_run(e[k], &m, ET_T0, ET_H(8), &pc, 1);
  }
  /* compare while the engines (which own the strings) are alive */
  assert_int_equal(rec[0].n, rec[1].n);
  for (size_t i = 0; i < rec[0].n; i++) {
    char a[1024], b[1024];
    et_format(&rec[0].ev[i], a, sizeof a);
    et_format(&rec[1].ev[i], b, sizeof b);
    if (strcmp(a, b) != 0) fail_msg("event %zu differs:\n  %s\n  %s", i, a, b);
  }
  /* the workload exercises the interesting paths */
  int kinds[16] = {0}, groups = 0;
  for (size_t i = 0; i < rec[1].n; i++) {
    kinds[rec[1].ev[i].kind]++;
    groups += rec[1].ev[i].is_group;
  }
  print_message(
      "      %zu events: fired %d escalated %d resolved %d quality %d nodata %d "
      "flapping %d repeat %d, %d from groups\n",
      rec[1].n, kinds[JJ_EVENT_FIRED], kinds[JJ_EVENT_ESCALATED], kinds[JJ_EVENT_RESOLVED],
      kinds[JJ_EVENT_QUALITY], kinds[JJ_EVENT_NODATA], kinds[JJ_EVENT_FLAPPING],
      kinds[JJ_EVENT_REPEAT], groups);
  assert_true(kinds[JJ_EVENT_FIRED] >= 5);
  assert_true(kinds[JJ_EVENT_RESOLVED] >= 3);
  assert_true(kinds[JJ_EVENT_ESCALATED] >= 1);
  assert_true(kinds[JJ_EVENT_QUALITY] >= 1);
  assert_true(kinds[JJ_EVENT_NODATA] >= 1);
  assert_true(groups >= 2);
  for (int k = 0; k < 2; k++) {
    jj_engine_free(e[k]);
    et_rec_free(&rec[k]);
  }
  jj_ruleset_free(rs);
}

/* push_batch and push_columns give the same events and counters as one
 * push per sample; a rejected sample in the middle does not stop the rest. */
static void test_push_batch(void **state) {
  (void)state;
  jj_ruleset *rs = mixed_rules(NULL);
  mix m;
  mix_init(&m, 77);
  batch_ctx bc = {NULL, 0, 0};
  for (int64_t t = ET_T0; t < ET_H(4); t += 10 * ET_SEC) mix_step(&m, t, batch_sink, &bc);
  /* e[0]: one push per sample; e[1]: push_batch; e[2]: push_columns */
  et_rec rec[3];
  memset(rec, 0, sizeof rec);
  jj_engine *e[3];
  size_t nan_count = 0;
  for (size_t i = 0; i < bc.n; i++) nan_count += isnan(bc.s[i].value);
  for (int k = 0; k < 3; k++) {
    jj_engine_config cfg = mix_config(&rec[k]);
    assert_int_equal(jj_engine_new(rs, &cfg, NULL, &e[k]), JJ_OK);
    mix m2;
    mix_init(&m2, 77);
    assert_int_equal(mix_series(e[k], &m2), JJ_OK);
  }
  size_t ok_single = 0, gated = 0;
  jj_status *single = (jj_status *)calloc(bc.n, sizeof *single);
  assert_non_null(single);
  for (size_t i = 0; i < bc.n; i++) {
    single[i] = jj_engine_push(e[0], bc.s[i].series, bc.s[i].ts_ms, bc.s[i].value);
    ok_single += single[i] == JJ_OK;
    gated += single[i] == JJ_ERANGE || single[i] == JJ_ESTUCK;
  }
  tu_rng r;
  tu_rng_seed(&r, 5);
  size_t ok_batch = 0, done = 0;
  while (done < bc.n) {
    size_t k = 1 + (size_t)tu_rng_below(&r, 200);
    if (k > bc.n - done) k = bc.n - done;
    size_t acc = 999;
    jj_status st = jj_engine_push_batch(e[1], bc.s + done, k, &acc);
    /* The batch reports the first sample that one push at a time refused. */
    jj_status want = JJ_OK;
    for (size_t i = done; i < done + k && want == JJ_OK; i++) want = single[i];
    assert_int_equal(st, want);
    ok_batch += acc;
    done += k;
  }
  /* The same readings as columns, in chunks of other sizes. */
  jj_series_id *ids = (jj_series_id *)calloc(bc.n, sizeof *ids);
  int64_t *tss = (int64_t *)calloc(bc.n, sizeof *tss);
  double *vals = (double *)calloc(bc.n, sizeof *vals);
  assert_true(ids && tss && vals);
  for (size_t i = 0; i < bc.n; i++) {
    ids[i] = bc.s[i].series;
    tss[i] = bc.s[i].ts_ms;
    vals[i] = bc.s[i].value;
  }
  size_t ok_columns = 0;
  done = 0;
  while (done < bc.n) {
    size_t k = 1 + (size_t)tu_rng_below(&r, 300);
    if (k > bc.n - done) k = bc.n - done;
    size_t acc = 999;
    jj_status st = jj_engine_push_columns(e[2], ids + done, 0, tss + done, vals + done, k, &acc);
    jj_status want = JJ_OK;
    for (size_t i = done; i < done + k && want == JJ_OK; i++) want = single[i];
    assert_int_equal(st, want);
    ok_columns += acc;
    done += k;
  }
  assert_int_equal(ok_columns, ok_single);
  assert_true(nan_count > 0);
  assert_true(gated > 0); /* the mix exercises the quality gates */
  assert_int_equal(ok_single, bc.n - nan_count - gated);
  assert_int_equal(ok_batch, ok_single);
  assert_true(rec[0].n > 10);
  jj_engine_stats st0, stk;
  jj_engine_stats_get(e[0], &st0);
  for (int k = 1; k < 3; k++) {
    assert_int_equal(rec[0].n, rec[k].n);
    for (size_t i = 0; i < rec[0].n; i++) {
      char a[1024], b[1024];
      et_format(&rec[0].ev[i], a, sizeof a);
      et_format(&rec[k].ev[i], b, sizeof b);
      assert_string_equal(a, b);
    }
    jj_engine_stats_get(e[k], &stk);
    assert_memory_equal(&st0, &stk, sizeof st0);
  }
  /* the first rejected sample's status, the others still processed */
  jj_sample s3[3] = {{.series = m.pm[0], .ts_ms = ET_H(5), .value = 10},
                     {.series = 9999, .ts_ms = ET_H(5), .value = 10},
                     {.series = m.pm[1], .ts_ms = ET_H(5), .value = NAN}};
  size_t acc = 99;
  assert_int_equal(jj_engine_push_batch(e[1], s3, 3, &acc), JJ_ENOTFOUND);
  assert_int_equal(acc, 1);
  assert_int_equal(jj_engine_push_batch(e[1], s3, 0, &acc), JJ_OK);
  assert_int_equal(acc, 0);
  assert_int_equal(jj_engine_push_batch(e[1], NULL, 2, &acc), JJ_EINVAL);
  assert_int_equal(jj_engine_push_batch(e[1], s3, 1, NULL), JJ_OK);
  /* columns: the same answers; series NULL means one_series for all */
  jj_series_id c_ids[3] = {m.pm[0], 9999, m.pm[1]};
  int64_t c_ts[3] = {ET_H(6), ET_H(6), ET_H(6) + 1};
  double c_vals[3] = {10, 10, NAN};
  acc = 99;
  assert_int_equal(jj_engine_push_columns(e[2], c_ids, 0, c_ts, c_vals, 3, &acc), JJ_ENOTFOUND);
  assert_int_equal(acc, 1);
  acc = 99;
  assert_int_equal(jj_engine_push_columns(e[2], NULL, 9999, c_ts, c_vals, 2, &acc), JJ_ENOTFOUND);
  assert_int_equal(acc, 0);
  int64_t one_ts[3] = {ET_H(7), ET_H(7) + 1, ET_H(7) + 2};
  double one_vals[3] = {11, NAN, 12};
  assert_int_equal(jj_engine_push_columns(e[2], NULL, m.pm[2], one_ts, one_vals, 3, &acc), JJ_ENAN);
  assert_int_equal(acc, 2);
  assert_int_equal(jj_engine_push_columns(e[2], c_ids, 0, NULL, c_vals, 1, &acc), JJ_EINVAL);
  assert_int_equal(jj_engine_push_columns(e[2], c_ids, 0, c_ts, NULL, 1, &acc), JJ_EINVAL);
  assert_int_equal(jj_engine_push_columns(NULL, c_ids, 0, c_ts, c_vals, 1, &acc), JJ_EINVAL);
  assert_int_equal(jj_engine_push_columns(e[2], NULL, 0, NULL, NULL, 0, &acc), JJ_OK);
  assert_int_equal(acc, 0);
  free(ids);
  free(tss);
  free(vals);
  for (int k = 0; k < 3; k++) {
    jj_engine_free(e[k]);
    et_rec_free(&rec[k]);
  }
  free(bc.s);
  free(single);
  jj_ruleset_free(rs);
}

/* ==========================================================================
 * Allocation
 * ========================================================================== */

/* Once series exist and windows have reached their steady size, pushes
 * (one, labeled, columns), advances, events and polls allocate nothing. */
static void test_no_alloc_hot_path(void **state) {
  (void)state;
  jj_ruleset *rs = mixed_rules(NULL);
  tu_alloc a;
  tu_alloc_init(&a);
  jj_engine_config cfg = mix_config(NULL);
  jj_engine *e = NULL;
  assert_int_equal(jj_engine_new(rs, &cfg, &a.alc, &e), JJ_OK);
  jj_ruleset_free(rs);
  mix m;
  mix_init(&m, 99);
  assert_int_equal(mix_series(e, &m), JJ_OK);
  push_ctx pc = {e, 0, 0, 0, 1, 1};
  mix_run(e, &m, ET_T0, ET_H(3), &pc, 1); /* warm up: every window full once */
  unsigned long calls = a.calls;
  size_t live = a.live_bytes;
  jj_engine_stats before = stats_of(e);
  mix_run(e, &m, ET_H(3), ET_H(15), &pc, 1);
  /* push_labeled of known series takes the same path */
  jj_label l[2] = {{"station", "a"}, {"zone", "jungbu"}};
  for (int i = 0; i < 100; i++)
    assert_int_equal(jj_engine_push_labeled(e, "pm25", l, 2, ET_H(15) + i * ET_SEC, 30 + i % 7), JJ_OK);
  /* and so does push_columns */
  int64_t col_ts[100];
  double col_v[100];
  for (int i = 0; i < 100; i++) {
    col_ts[i] = ET_H(15) + (100 + i) * ET_SEC;
    col_v[i] = 30 + i % 5;
  }
  size_t col_ok = 0;
  assert_int_equal(jj_engine_push_columns(e, NULL, m.pm[0], col_ts, col_v, 100, &col_ok), JJ_OK);
  assert_int_equal(col_ok, 100);
  jj_engine_stats after = stats_of(e);
  print_message("      hot path: %" PRIu64 " samples, %" PRIu64 " events, %lu allocations\n",
                after.accepted - before.accepted, after.events - before.events, a.calls - calls);
  assert_true(after.accepted - before.accepted > 40000);
  assert_true(after.events - before.events > 10);
  assert_int_equal(a.calls, calls);
  assert_int_equal(a.live_bytes, live);
  assert_int_equal(after.memory, before.memory);
  assert_true(after.memory > 0);
  jj_engine_free(e);
  assert_int_equal(a.live_blocks, 0);
  assert_int_equal(a.errors, 0);
}

/* Every allocation the engine makes can fail: each failure is a clean
 * JJ_ENOMEM, the engine stays usable, and freeing it leaves nothing. */
static void test_alloc_failure(void **state) {
  (void)state;
  jj_ruleset *rs = mixed_rules(NULL);
  int completed = 0;
  unsigned long runs = 0, push_failures = 0;
  for (int sticky = 0; sticky <= 1; sticky++) {
    completed = 0;
    for (unsigned long n = 1; n < 5000 && !completed; n++) {
      tu_alloc a;
      tu_alloc_init(&a);
      tu_alloc_fail_at(&a, n, sticky);
      runs++;
      jj_engine_config cfg = mix_config(NULL);
      jj_engine *e = NULL;
      jj_status st = jj_engine_new(rs, &cfg, &a.alc, &e);
      if (st != JJ_OK) {
        assert_int_equal(st, JJ_ENOMEM);
        assert_null(e);
        assert_int_equal(a.live_blocks, 0);
        continue;
      }
      mix m;
      mix_init(&m, 5);
      st = mix_series(e, &m);
      if (st != JJ_OK) {
        assert_int_equal(st, JJ_ENOMEM);
        if (!sticky) assert_int_equal(mix_series(e, &m), JJ_OK); /* retry works */
      }
      push_ctx pc = {e, 0, 0, 0, 1, 0};
      if (!sticky || st == JJ_OK) {
        unsigned long failed_before = a.failed;
        mix_run(e, &m, ET_T0, ET_T0 + 8 * ET_MIN, &pc, 1);
        /* Pushes fail only with JJ_ENOMEM, exactly when an allocation
         * failed under them (a window growing): never silently. */
        if (!sticky) assert_int_equal(pc.nomem, a.failed - failed_before);
        push_failures += pc.nomem > 0;
        if (!sticky) assert_true(pc.ok > 0);
        if (sticky && a.failed > failed_before) assert_true(pc.nomem > 0);
      }
      jj_engine_free(e);
      assert_int_equal(a.live_blocks, 0);
      assert_int_equal(a.errors, 0);
      if (!a.failed) completed = 1;
    }
    assert_true(completed);
  }
  print_message("      %lu failure-injection runs, %lu with a push failing\n", runs, push_failures);
  assert_true(push_failures > 0);
  jj_ruleset_free(rs);
}

static void test_push_status_on_window_failure(void **state) {
  (void)state;
  /* A rule's window that cannot take a reading (its cap is reached) must
   * not be hidden: the push says so and it is counted. */
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "hourly";
  rc.metric = "x";
  rc.window.kind = JJ_WINDOW_TUMBLING;
  rc.window.span_ms = ET_HOUR;
  rc.window.max_samples = 10; /* the rule's own cap (an engine cap below it refuses it) */
  jj_level_config lv = et_level("high", JJ_CMP_GE, 50, JJ_CMP_NONE, 0, 1);
  jj_ruleset *rs = et_ruleset1(&rc, &lv, 1);
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.max_samples_per_window = 10;
  jj_engine *e = et_engine(rs, &cfg, NULL);
  jj_ruleset_free(rs);
  jj_series_id id = et_series(e, "x", NULL, 0);
  for (int i = 0; i < 10; i++) et_push(e, id, ET_T0 + i * ET_SEC, 1);
  assert_int_equal(jj_engine_push(e, id, ET_T0 + 10 * ET_SEC, 1), JJ_EFULL);
  assert_int_equal(stats_of(e).rejected_window, 1);
  jj_engine_free(e);
}

/* The same for a sliding window, a one-rule slot: at rest (the quiet
 * reading's path, which pushes and reads in one window call) and firing
 * (the general path). The refusal is reported and counted, and the alert
 * judges only what its window holds. */
static void test_push_status_on_sliding_window_failure(void **state) {
  (void)state;
  for (int firing = 0; firing <= 1; firing++) {
    jj_rule_config rc;
    jj_rule_config_init(&rc);
    rc.name = "mean";
    rc.metric = "x";
    rc.window.kind = JJ_WINDOW_SLIDING_TIME;
    rc.window.span_ms = ET_HOUR;
    rc.window.max_samples = 10;
    jj_level_config lv = et_level("high", JJ_CMP_GE, 50, JJ_CMP_NONE, 0, 1);
    jj_ruleset *rs = et_ruleset1(&rc, &lv, 1);
    jj_engine_config cfg;
    jj_engine_config_init(&cfg);
    cfg.max_samples_per_window = 10;
    jj_engine *e = et_engine(rs, &cfg, NULL);
    jj_ruleset_free(rs);
    jj_series_id id = et_series(e, "x", NULL, 0);
    const double v = firing ? 100 : 1;
    for (int i = 0; i < 10; i++) et_push(e, id, ET_T0 + i * ET_SEC, v);
    assert_int_equal(et_state(e, id, 0).level, firing);
    /* Full: the next reading (one that would flip the alert) is refused. */
    assert_int_equal(jj_engine_push(e, id, ET_T0 + 10 * ET_SEC, firing ? 1 : 1000), JJ_EFULL);
    assert_int_equal(stats_of(e).rejected_window, 1);
    assert_int_equal(stats_of(e).accepted, 11); /* the engine took it; its window did not */
    jj_alert_state as = et_state(e, id, 0);
    assert_int_equal(as.level, firing);
    assert_true(as.value == v);
    jj_engine_free(e);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_series_identity),
      cmocka_unit_test(test_push_labeled),
      cmocka_unit_test(test_located_table),
      cmocka_unit_test(test_limit_series_and_labels),
      cmocka_unit_test(test_limit_groups),
      cmocka_unit_test(test_event_queue_overflow),
      cmocka_unit_test(test_event_labels_per_series),
      cmocka_unit_test(test_lateness),
      cmocka_unit_test(test_late_after_advance),
      cmocka_unit_test(test_future),
      cmocka_unit_test(test_invalid_values),
      cmocka_unit_test(test_quality_range),
      cmocka_unit_test(test_quality_stuck),
      cmocka_unit_test(test_event_fields),
      cmocka_unit_test(test_callback_and_poll_agree),
      cmocka_unit_test(test_determinism),
      cmocka_unit_test(test_push_batch),
      cmocka_unit_test(test_reentrancy),
      cmocka_unit_test(test_no_alloc_hot_path),
      cmocka_unit_test(test_alloc_failure),
      cmocka_unit_test(test_push_status_on_window_failure),
      cmocka_unit_test(test_push_status_on_sliding_window_failure),
  };
  /* JJ_TEST_FILTER=pattern runs only the matching tests (e.g. under valgrind). */
  const char *filter = getenv("JJ_TEST_FILTER");
  if (filter && *filter) cmocka_set_test_filter(filter);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
