/* Forgetting series: an explicit jj_engine_forget and the idle expiry
 * (series_idle_ms). A forgotten series' open episodes end with their
 * resolving events (reason "forgotten"), its groups lose it (a group left
 * without members is forgotten too), its id is never reused, and its
 * memory is released once no queued event refers to it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine_testutil.h"

static jj_engine_stats stats_of(const jj_engine *e) {
  jj_engine_stats s;
  jj_engine_stats_get(e, &s);
  return s;
}


static int count_alerts(void *ctx, const jj_event *alert) {
  (void)alert;
  ++*(int *)ctx;
  return 0;
}
static int active(jj_engine *e) {
  int n = 0;
  assert_int_equal(jj_engine_foreach_alert(e, count_alerts, &n), JJ_OK);
  return n;
}

static void test_forget_resolves_and_frees(void **state) {
  (void)state;
  jj_ruleset *rs = et_station_zone_rules();
  et_rec rec;
  memset(&rec, 0, sizeof rec);
  jj_engine *e = et_engine(rs, NULL, &rec);
  jj_ruleset_free(rs);
  uint64_t empty = stats_of(e).memory;
  const char *la[] = {"station", "a", "zone", "z1"}, *lb[] = {"station", "b", "zone", "z1"};
  jj_series_id a = et_series(e, "pm25", la, 2), b = et_series(e, "pm25", lb, 2);
  et_push(e, a, ET_T0, 100);
  et_push(e, b, ET_T0 + ET_SEC, 90);
  et_skip_all(&rec);
  assert_int_equal(active(e), 3); /* a, b and zone z1 */
  uint64_t full = stats_of(e).memory;

  /* forgetting a: its own alert resolves; the zone keeps firing on b */
  assert_int_equal(jj_engine_forget(e, a), JJ_OK);
  const jj_event *ev = et_expect(&rec, JJ_EVENT_RESOLVED, 0);
  assert_int_equal(ev->reason, JJ_REASON_FORGOTTEN);
  assert_string_equal(jj_event_reason_name(ev->reason), "forgotten");
  assert_string_equal(ev->rule, "pm-high");
  assert_int_equal(ev->is_group, 0);
  assert_string_equal(ev->labels[0].value, "a");
  assert_int_equal(ev->prev_level, 1);
  et_expect_none(&rec);
  assert_int_equal(active(e), 2);
  jj_engine_stats st = stats_of(e);
  assert_int_equal(st.series, 1);
  assert_int_equal(st.series_forgotten, 1);
  /* the id is dead, never reused */
  assert_int_equal(jj_engine_push(e, a, ET_T0 + 2 * ET_SEC, 1), JJ_ENOTFOUND);
  assert_int_equal(jj_engine_forget(e, a), JJ_ENOTFOUND);
  assert_int_equal(jj_engine_forget(e, 12345), JJ_ENOTFOUND);
  jj_alert_state as;
  assert_int_equal(jj_engine_alert_state(e, a, 0, &as), JJ_ENOTFOUND);

  /* forgetting b too: the zone has no member left and is forgotten */
  assert_int_equal(jj_engine_forget(e, b), JJ_OK);
  int resolved_b = 0, resolved_zone = 0;
  while ((ev = et_next(&rec)) != NULL) {
    assert_int_equal(ev->kind, JJ_EVENT_RESOLVED);
    assert_int_equal(ev->reason, JJ_REASON_FORGOTTEN);
    if (ev->is_group) {
      resolved_zone++;
      assert_string_equal(ev->rule, "zone-avg");
      assert_string_equal(ev->labels[0].value, "z1");
    } else {
      resolved_b++;
    }
  }
  assert_int_equal(resolved_b, 1);
  assert_int_equal(resolved_zone, 1);
  assert_int_equal(active(e), 0);
  st = stats_of(e);
  assert_int_equal(st.series, 0);
  assert_int_equal(st.groups, 0);
  assert_int_equal(st.series_forgotten, 2);
  /* the memory comes back (only the grown id table and indexes remain)
   * once the queued events that show the series' labels are polled: the
   * poll that finds the queue empty lets go of the last one */
  assert_true(st.memory >= full - (full - empty) / 2);
  while (jj_engine_poll(e) != NULL) {
  }
  st = stats_of(e);
  assert_true(st.memory < full);
  assert_true(st.memory - empty < (full - empty) / 2);

  /* the same labels make a new series with a fresh state */
  jj_series_id a2 = et_series(e, "pm25", la, 2);
  assert_true(a2 != a && a2 != b);
  et_push(e, a2, ET_T0 + ET_MIN, 20);
  et_expect_none(&rec);
  assert_int_equal(et_state(e, a2, 0).level, 0);
  jj_engine_free(e);
  et_rec_free(&rec);
}

/* Events already queued for poll keep their labels after the series they
 * name is forgotten (its memory waits until they are polled). */
static void test_queued_events_outlive_forget(void **state) {
  (void)state;
  jj_ruleset *rs = et_station_zone_rules();
  jj_engine *e = NULL;
  assert_int_equal(jj_engine_new(rs, NULL, NULL, &e), JJ_OK);
  jj_ruleset_free(rs);
  const char *la[] = {"station", "a-long-station-name", "zone", "z1"};
  jj_series_id a = et_series(e, "pm25", la, 2);
  et_push(e, a, ET_T0, 100); /* FIRED x2 queued (station and zone) */
  assert_int_equal(jj_engine_forget(e, a), JJ_OK); /* RESOLVED x2 queued */
  /* more series come and go while the events wait */
  for (int i = 0; i < 50; i++) {
    const char *kv[] = {"station", "tmp", "zone", "z9"};
    jj_series_id t = et_series(e, "pm25", kv, 2);
    et_push(e, t, ET_T0 + i, 1);
    assert_int_equal(jj_engine_forget(e, t), JJ_OK);
  }
  const jj_event *ev;
  int fired = 0, resolved = 0;
  while ((ev = jj_engine_poll(e)) != NULL) {
    if (ev->is_group) {
      assert_string_equal(ev->labels[0].value, "z1");
    } else {
      assert_string_equal(ev->labels[0].value, "a-long-station-name");
      assert_string_equal(ev->labels[1].value, "z1");
    }
    fired += ev->kind == JJ_EVENT_FIRED;
    resolved += ev->kind == JJ_EVENT_RESOLVED;
  }
  assert_int_equal(fired, 2);
  assert_int_equal(resolved, 2);
  assert_int_equal(stats_of(e).series, 0);
  jj_engine_free(e); /* valgrind/ASan: nothing leaked, nothing read after free */
}

/* series_idle_ms: a series without readings for that long is forgotten by
 * jj_engine_advance, exactly at the limit. */
static void test_idle_expiry(void **state) {
  (void)state;
  jj_ruleset *rs = et_station_zone_rules();
  et_rec rec;
  memset(&rec, 0, sizeof rec);
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.series_idle_ms = 10 * ET_MIN;
  jj_engine *e = et_engine(rs, &cfg, &rec);
  jj_ruleset_free(rs);
  const char *la[] = {"station", "a", "zone", "z1"}, *lb[] = {"station", "b", "zone", "z1"};
  jj_series_id a = et_series(e, "pm25", la, 2), b = et_series(e, "pm25", lb, 2);
  et_push(e, a, ET_T0, 100);
  et_push(e, b, ET_T0, 20);
  et_push(e, b, ET_T0 + 5 * ET_MIN, 20);
  et_skip_all(&rec);
  assert_int_equal(jj_engine_advance(e, ET_T0 + 10 * ET_MIN - 1), JJ_OK);
  assert_int_equal(stats_of(e).series, 2);
  assert_int_equal(jj_engine_advance(e, ET_T0 + 10 * ET_MIN), JJ_OK);
  assert_int_equal(stats_of(e).series, 1); /* a went idle; b reported at +5 min */
  assert_int_equal(stats_of(e).series_forgotten, 1);
  int resolved = 0;
  const jj_event *ev;
  while ((ev = et_next(&rec)) != NULL)
    if (ev->kind == JJ_EVENT_RESOLVED && ev->reason == JJ_REASON_FORGOTTEN) resolved++;
  assert_true(resolved >= 1);
  assert_int_equal(jj_engine_push(e, a, ET_T0 + 10 * ET_MIN, 1), JJ_ENOTFOUND);
  et_push(e, b, ET_T0 + 10 * ET_MIN, 20);
  assert_int_equal(jj_engine_advance(e, ET_T0 + 20 * ET_MIN), JJ_OK);
  assert_int_equal(stats_of(e).series, 0);
  jj_engine_free(e);
  et_rec_free(&rec);

  /* a negative idle time is refused */
  rs = et_station_zone_rules();
  cfg.series_idle_ms = -1;
  jj_engine *bad = NULL;
  assert_int_equal(jj_engine_new(rs, &cfg, NULL, &bad), JJ_EINVAL);
  assert_null(bad);
  jj_ruleset_free(rs);
}

/* max_series counts the live series: forgetting makes room. */
static void test_forget_makes_room(void **state) {
  (void)state;
  jj_ruleset *rs = et_station_zone_rules();
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.max_series = 2;
  jj_engine *e = et_engine(rs, &cfg, NULL);
  jj_ruleset_free(rs);
  const char *l1[] = {"station", "1"}, *l2[] = {"station", "2"};
  jj_label l3 = {"station", "3"};
  jj_series_id s1 = et_series(e, "pm25", l1, 1);
  (void)et_series(e, "pm25", l2, 1);
  jj_series_id s3;
  assert_int_equal(jj_engine_series(e, "pm25", &l3, 1, &s3), JJ_ELIMIT);
  assert_int_equal(jj_engine_forget(e, s1), JJ_OK);
  assert_int_equal(jj_engine_series(e, "pm25", &l3, 1, &s3), JJ_OK);
  jj_engine_free(e);
}

/* From the event callback: refused like every other changing call. */
static jj_engine *g_e;
static jj_status g_st = JJ_OK;
static void forget_from_callback(void *ctx, const jj_event *ev) {
  (void)ctx;
  (void)ev;
  g_st = jj_engine_forget(g_e, 0);
}

static void test_forget_refused_from_callback(void **state) {
  (void)state;
  jj_ruleset *rs = et_station_zone_rules();
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.on_event = forget_from_callback;
  assert_int_equal(jj_engine_new(rs, &cfg, NULL, &g_e), JJ_OK);
  jj_ruleset_free(rs);
  const char *la[] = {"station", "a", "zone", "z1"};
  jj_series_id a = et_series(g_e, "pm25", la, 2);
  et_push(g_e, a, ET_T0, 100);
  assert_int_equal(g_st, JJ_ESTATE);
  assert_int_equal(stats_of(g_e).series, 1);
  jj_engine_free(g_e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_forget_resolves_and_frees),
      cmocka_unit_test(test_queued_events_outlive_forget),
      cmocka_unit_test(test_idle_expiry),
      cmocka_unit_test(test_forget_makes_room),
      cmocka_unit_test(test_forget_refused_from_callback),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
