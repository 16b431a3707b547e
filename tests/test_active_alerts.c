/* Listing active alerts (jj_engine_foreach_alert): every firing or no-data
 * alert, series and groups, as an event a consumer can re-send (to
 * Alertmanager, a status page) without knowing series ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine_testutil.h"

typedef struct listing {
  int n;
  int stop_after; /* 0 = never */
  jj_event *ev[16];
  jj_status reenter[2];
  jj_engine *e;
} listing;

static int collect(void *ctx, const jj_event *alert) {
  listing *l = (listing *)ctx;
  assert_true(l->n < 16);
  assert_int_equal(jj_event_copy(alert, NULL, &l->ev[l->n]), JJ_OK);
  l->n++;
  if (l->e) {
    l->reenter[0] = jj_engine_push(l->e, 0, ET_H(9), 1);
    l->reenter[1] = jj_engine_advance(l->e, ET_H(9));
  }
  return l->stop_after && l->n >= l->stop_after;
}

static void listing_free(listing *l) {
  for (int i = 0; i < l->n; i++) jj_event_free(l->ev[i]);
  memset(l, 0, sizeof *l);
}

static const char *label_of(const jj_event *ev, const char *name) {
  for (uint32_t i = 0; i < ev->nlabels; i++)
    if (strcmp(ev->labels[i].name, name) == 0) return ev->labels[i].value;
  return NULL;
}


static void test_lists_series_and_groups(void **state) {
  (void)state;
  jj_ruleset *rs = et_station_zone_rules();
  et_rec rec;
  memset(&rec, 0, sizeof rec);
  jj_engine *e = et_engine(rs, NULL, &rec);
  jj_ruleset_free(rs);
  const char *la[] = {"station", "a", "zone", "z1"}, *lb[] = {"station", "b", "zone", "z1"},
             *lc[] = {"station", "c", "zone", "z2"};
  jj_series_id a = et_series(e, "pm25", la, 2), b = et_series(e, "pm25", lb, 2),
               c = et_series(e, "pm25", lc, 2);
  listing l;
  memset(&l, 0, sizeof l);
  assert_int_equal(jj_engine_foreach_alert(e, collect, &l), JJ_OK);
  assert_int_equal(l.n, 0); /* nothing active yet */

  et_push(e, a, ET_T0, 120);
  et_push(e, b, ET_T0 + ET_SEC, 110);
  et_push(e, c, ET_T0 + 2 * ET_SEC, 10);
  /* a fired (pm-high) and so did zone z1; b fired (pm-high) */
  uint64_t fp_a = 0, fp_z1 = 0;
  for (size_t i = 0; i < rec.n; i++) {
    const jj_event *ev = &rec.ev[i];
    if (ev->kind != JJ_EVENT_FIRED) continue;
    if (!ev->is_group && strcmp(label_of(ev, "station"), "a") == 0) fp_a = ev->fingerprint;
    if (ev->is_group) fp_z1 = ev->fingerprint;
  }
  assert_true(fp_a && fp_z1);

  assert_int_equal(jj_engine_foreach_alert(e, collect, &l), JJ_OK);
  assert_int_equal(l.n, 3);
  int seen_a = 0, seen_b = 0, seen_z1 = 0;
  for (int i = 0; i < l.n; i++) {
    const jj_event *ev = l.ev[i];
    assert_int_equal(ev->kind, JJ_EVENT_ACTIVE);
    assert_string_equal(jj_event_kind_name(ev->kind), "active");
    assert_int_equal(ev->seq, 0);
    assert_int_equal(ev->level, 1);
    assert_int_equal(ev->prev_level, 1);
    assert_int_equal(ev->time_ms, ET_T0 + 2 * ET_SEC);
    assert_int_equal(ev->sample_ts_ms, INT64_MIN);
    if (ev->is_group) {
      seen_z1++;
      assert_string_equal(ev->rule, "zone-avg");
      assert_string_equal(ev->level_name, "bad");
      assert_int_equal(ev->nlabels, 1);
      assert_string_equal(label_of(ev, "zone"), "z1");
      assert_true(ev->fingerprint == fp_z1);
      assert_int_equal(ev->started_ms, ET_T0);
    } else {
      assert_string_equal(ev->rule, "pm-high");
      assert_string_equal(ev->severity, "warning");
      const char *st = label_of(ev, "station");
      if (strcmp(st, "a") == 0) {
        seen_a++;
        assert_true(ev->fingerprint == fp_a);
        assert_true(ev->value == 120.0);
        assert_int_equal(ev->started_ms, ET_T0);
        assert_int_equal(ev->level_started_ms, ET_T0);
      } else {
        assert_string_equal(st, "b");
        seen_b++;
        assert_int_equal(ev->started_ms, ET_T0 + ET_SEC);
      }
    }
    /* the library formats it like any event */
    char json[2048];
    size_t need = jj_event_json(ev, json, sizeof json);
    assert_true(need > 0 && need < sizeof json);
    assert_non_null(strstr(json, "\"kind\":\"active\""));
  }
  assert_int_equal(seen_a + seen_b + seen_z1, 3);
  assert_true(seen_a == 1 && seen_b == 1 && seen_z1 == 1);
  listing_free(&l);

  /* the visitor can stop early */
  l.stop_after = 1;
  assert_int_equal(jj_engine_foreach_alert(e, collect, &l), JJ_OK);
  assert_int_equal(l.n, 1);
  listing_free(&l);

  /* calls from the visitor that would change the engine are refused */
  l.e = e;
  assert_int_equal(jj_engine_foreach_alert(e, collect, &l), JJ_OK);
  assert_int_equal(l.reenter[0], JJ_ESTATE);
  assert_int_equal(l.reenter[1], JJ_ESTATE);
  assert_int_equal(jj_engine_now(e), ET_T0 + 2 * ET_SEC);
  listing_free(&l);

  /* resolved alerts leave the list */
  et_push(e, a, ET_T0 + 2 * ET_MIN, 10);
  et_push(e, b, ET_T0 + 2 * ET_MIN + ET_SEC, 10);
  assert_int_equal(jj_engine_foreach_alert(e, collect, &l), JJ_OK);
  assert_int_equal(l.n, 0);
  assert_int_equal(jj_engine_foreach_alert(e, NULL, NULL), JJ_EINVAL);
  assert_int_equal(jj_engine_foreach_alert(NULL, collect, &l), JJ_EINVAL);
  jj_engine_free(e);
  et_rec_free(&rec);
}

/* A no-data alert is active too: level 0, reason "stale". */
static void test_lists_nodata(void **state) {
  (void)state;
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "pm-nodata";
  rc.metric = "pm25";
  rc.on_missing = JJ_MISSING_ALERT;
  rc.stale_after_ms = 5 * ET_MIN;
  jj_level_config lv = et_level("high", JJ_CMP_GE, 75, JJ_CMP_NONE, 0, 1);
  jj_ruleset *rs = et_ruleset1(&rc, &lv, 1);
  et_rec rec;
  memset(&rec, 0, sizeof rec);
  jj_engine *e = et_engine(rs, NULL, &rec);
  jj_ruleset_free(rs);
  const char *kv[] = {"station", "a"};
  jj_series_id a = et_series(e, "pm25", kv, 1);
  et_push(e, a, ET_T0, 10);
  assert_int_equal(jj_engine_advance(e, ET_T0 + 6 * ET_MIN), JJ_OK);
  et_expect(&rec, JJ_EVENT_NODATA, 0);
  listing l;
  memset(&l, 0, sizeof l);
  assert_int_equal(jj_engine_foreach_alert(e, collect, &l), JJ_OK);
  assert_int_equal(l.n, 1);
  assert_int_equal(l.ev[0]->kind, JJ_EVENT_ACTIVE);
  assert_int_equal(l.ev[0]->level, 0);
  assert_int_equal(l.ev[0]->reason, JJ_REASON_STALE);
  assert_int_equal(l.ev[0]->started_ms, ET_T0 + 6 * ET_MIN);
  listing_free(&l);
  et_push(e, a, ET_T0 + 7 * ET_MIN, 10); /* data is back */
  assert_int_equal(jj_engine_foreach_alert(e, collect, &l), JJ_OK);
  assert_int_equal(l.n, 0);
  jj_engine_free(e);
  et_rec_free(&rec);
}

/* From inside the event callback the engine is mid-change: refused. */
static jj_status g_from_callback = JJ_OK;
static jj_engine *g_engine;
static int count_only(void *ctx, const jj_event *alert) {
  (void)alert;
  ++*(int *)ctx;
  return 0;
}
static void list_from_callback(void *ctx, const jj_event *ev) {
  (void)ctx;
  (void)ev;
  int n = 0;
  g_from_callback = jj_engine_foreach_alert(g_engine, count_only, &n);
}

static void test_refused_from_callback(void **state) {
  (void)state;
  jj_ruleset *rs = et_pm_high_rule();
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.on_event = list_from_callback;
  assert_int_equal(jj_engine_new(rs, &cfg, NULL, &g_engine), JJ_OK);
  jj_ruleset_free(rs);
  jj_series_id id = et_series(g_engine, "pm25", NULL, 0);
  et_push(g_engine, id, ET_T0, 100);
  assert_int_equal(g_from_callback, JJ_ESTATE);
  int n = 0;
  assert_int_equal(jj_engine_foreach_alert(g_engine, count_only, &n), JJ_OK);
  assert_int_equal(n, 1);
  jj_engine_free(g_engine);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lists_series_and_groups),
      cmocka_unit_test(test_lists_nodata),
      cmocka_unit_test(test_refused_from_callback),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
