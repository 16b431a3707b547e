/* Hardening regressions (issue 10): each test pins the defined answer to an
 * input or a fault that once gave an undefined or silently wrong one —
 * quality events before any reading, "no limit" time settings, a series
 * no rule matches, a full poll queue, a creation that fails half way,
 * groups whose members go silent, push_batch against push, long-run drift
 * of the running sums. */
#include <float.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine_testutil.h"
#include "testutil.h"

/* ---- quality events before the first accepted reading -------------------- */

/* A reading outside valid_min..valid_max as the very first one: the
 * QUALITY event has no window yet (both bounds INT64_MIN, never a bound
 * computed from INT64_MIN), and QUALITY_RESOLVED has no firing episode
 * to report (started_ms INT64_MIN), for sliding and TUMBLING rules alike. */
static void quality_first_reading(jj_window_kind kind) {

  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "pm";
  rc.metric = "pm25";
  rc.window.kind = kind;
  rc.window.span_ms = ET_HOUR;
  rc.valid_min = 0;
  rc.valid_max = 1000;
  jj_level_config lv = et_level("high", JJ_CMP_GE, 75, JJ_CMP_NONE, 0, 1);
  jj_ruleset *rs = et_ruleset1(&rc, &lv, 1);
  et_rec rec = {0};
  jj_engine *e = et_engine(rs, NULL, &rec);
  jj_series_id id = et_series(e, "pm25", NULL, 0);
  assert_int_equal(jj_engine_push(e, id, ET_H(0), 5000), JJ_ERANGE);
  const jj_event *ev = et_expect(&rec, JJ_EVENT_QUALITY, 0);
  assert_true(ev->window_start_ms == INT64_MIN);
  assert_true(ev->window_end_ms == INT64_MIN);
  assert_true(ev->started_ms == ET_H(0));
  et_push(e, id, ET_H(0) + ET_MIN, 10);
  ev = et_expect(&rec, JJ_EVENT_QUALITY_RESOLVED, 0);
  assert_true(ev->started_ms == INT64_MIN);
  /* the gate runs before the window takes the reading: still no window */
  assert_true(ev->window_start_ms == INT64_MIN);
  assert_true(ev->window_end_ms == INT64_MIN);
  jj_engine_free(e);
  jj_ruleset_free(rs);
  et_rec_free(&rec);
}

static void test_quality_before_first_reading_sliding(void **state) {
  (void)state;
  quality_first_reading(JJ_WINDOW_SLIDING_TIME);
}

static void test_quality_before_first_reading_tumbling(void **state) {
  (void)state;
  quality_first_reading(JJ_WINDOW_TUMBLING);
}

/* ---- "no limit" time settings --------------------------------------------- */

/* max_future_ms near INT64_MAX means "no practical limit": readings are
 * still accepted after an advance (the sum clock + max_future_ms once
 * overflowed and refused every reading). */
static void test_max_future_near_int64_max(void **state) {
  (void)state;
  jj_ruleset *rs = et_pm_high_rule();
  const int64_t limits[] = {INT64_MAX, INT64_MAX - 1, INT64_MAX / 2, ((int64_t)1 << 62) + 1};
  for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
    jj_engine_config cfg;
    jj_engine_config_init(&cfg);
    cfg.max_future_ms = limits[i];
    jj_engine *e = NULL;
    assert_int_equal(jj_engine_new(rs, &cfg, NULL, &e), JJ_OK);
    jj_series_id id = et_series(e, "pm25", NULL, 0);
    assert_int_equal(jj_engine_advance(e, ET_H(0)), JJ_OK);
    assert_int_equal(jj_engine_push(e, id, ET_H(0) + ET_MIN, 10), JJ_OK);
    assert_int_equal(jj_engine_push(e, id, ET_H(1000000), 10), JJ_OK);
    /* the clock far in the past, a reading far ahead of it */
    jj_engine_stats st;
    jj_engine_stats_get(e, &st);
    assert_int_equal(st.rejected_future, 0);
    jj_engine_free(e);
  }
  jj_ruleset_free(rs);
}

/* ---- a series no rule matches ---------------------------------------------- */

/* It exists, takes readings and is forgotten like any other: nothing is
 * computed from its (absent) instances (the clang UBSan build checks the
 * pointer arithmetic on them). */
static void test_series_matching_no_rule(void **state) {
  (void)state;
  jj_ruleset *rs = et_pm_high_rule();
  et_rec rec = {0};
  jj_engine *e = et_engine(rs, NULL, &rec);
  jj_series_id id = et_series(e, "humidity", NULL, 0);
  et_push(e, id, ET_H(0), 50);
  assert_int_equal(jj_engine_advance(e, ET_H(1)), JJ_OK);
  jj_alert_state as;
  assert_int_equal(jj_engine_alert_state(e, id, 0, &as), JJ_ENOTFOUND);
  assert_int_equal(jj_engine_forget(e, id), JJ_OK);
  et_expect_none(&rec);
  jj_engine_free(e);
  jj_ruleset_free(rs);
  et_rec_free(&rec);
}

/* ---- push_batch = push ------------------------------------------------------ */

typedef struct ev_log {
  char text[1 << 16];
  size_t len;
  unsigned long n;
} ev_log;

static void log_cb(void *ctx, const jj_event *ev) {
  ev_log *l = ctx;
  char buf[256];
  int k = snprintf(buf, sizeof buf, "%d %d %d %s %" PRId64 " %.17g %" PRId64 "\n", (int)ev->kind,
                   ev->level, (int)ev->reason, ev->rule, ev->time_ms, ev->value, ev->sample_ts_ms);
  l->n++;
  if (k > 0 && l->len + (size_t)k < sizeof l->text) {
    memcpy(l->text + l->len, buf, (size_t)k);
    l->len += (size_t)k;
  }
}

/* The same readings (valid, late, NaN, out of range, unknown ids, flags)
 * give the same events, statuses and stats one by one and in a batch. */
static void test_push_batch_equals_push(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "mean";
  rc.metric = "pm25";
  rc.window.span_ms = 10 * ET_MIN;
  rc.valid_min = 0;
  rc.valid_max = 900;
  jj_level_config lv[2] = {et_level("a", JJ_CMP_GE, 35, JJ_CMP_LT, 30, 2),
                           et_level("b", JJ_CMP_GE, 75, JJ_CMP_LT, 60, 1)};
  et_add(b, &rc, lv, 2);
  jj_rule_config_init(&rc);
  rc.name = "hourly";
  rc.metric = "pm25";
  rc.window.kind = JJ_WINDOW_TUMBLING;
  rc.window.span_ms = ET_HOUR;
  rc.group = JJ_GROUP_AVG;
  rc.group_by = "zone";
  et_add(b, &rc, lv, 2);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);

  enum { NSER = 6, NS = 20000 };
  jj_sample *smp = calloc(NS, sizeof *smp);
  assert_non_null(smp);
  tu_rng rng;
  tu_rng_seed(&rng, 42);
  int64_t t = ET_H(0);
  for (size_t i = 0; i < NS; i++) {
    t += (int64_t)tu_rng_below(&rng, 20 * ET_SEC);
    smp[i].series = (jj_series_id)tu_rng_below(&rng, NSER + 1); /* NSER: unknown */
    smp[i].ts_ms = t - (tu_rng_chance(&rng, 0.02) ? ET_HOUR : 0);
    smp[i].value = 20 + 70 * tu_rng_unit(&rng);
    if (tu_rng_chance(&rng, 0.01)) smp[i].value = NAN;
    if (tu_rng_chance(&rng, 0.01)) smp[i].value = 5000;
    if (tu_rng_chance(&rng, 0.002)) smp[i].flags = 1;
  }
  ev_log *log[2];
  jj_engine_stats st[2];
  size_t acc[2];
  for (int pass = 0; pass < 2; pass++) {
    log[pass] = calloc(1, sizeof(ev_log));
    assert_non_null(log[pass]);
    jj_engine_config cfg;
    jj_engine_config_init(&cfg);
    cfg.on_event = log_cb;
    cfg.on_event_ctx = log[pass];
    cfg.lateness_ms = 30 * ET_SEC;
    jj_engine *e = NULL;
    assert_int_equal(jj_engine_new(rs, &cfg, NULL, &e), JJ_OK);
    for (int s = 0; s < NSER; s++) {
      char zone[8], stn[8];
      (void)snprintf(zone, sizeof zone, "z%d", s % 2);
      (void)snprintf(stn, sizeof stn, "s%d", s);
      jj_label l[2] = {{"station", stn}, {"zone", zone}};
      jj_series_id id;
      assert_int_equal(jj_engine_series(e, "pm25", l, 2, &id), JJ_OK);
      assert_int_equal(id, (jj_series_id)s);
    }
    acc[pass] = 0;
    for (size_t i = 0; i < NS; i += 1000) {
      size_t n = NS - i < 1000 ? NS - i : 1000;
      if (pass == 0) {
        for (size_t k = i; k < i + n; k++) {
          jj_status ps = smp[k].flags ? JJ_EINVAL
                                      : jj_engine_push(e, smp[k].series, smp[k].ts_ms, smp[k].value);
          acc[0] += ps == JJ_OK;
        }
      } else {
        size_t a = 0;
        (void)jj_engine_push_batch(e, smp + i, n, &a);
        acc[1] += a;
      }
      assert_int_equal(jj_engine_advance(e, smp[i + n - 1].ts_ms), JJ_OK);
    }
    jj_engine_stats_get(e, &st[pass]);
    jj_engine_free(e);
  }
  /* one-by-one counts the flagged samples nowhere: add them for the batch */
  size_t flagged = 0;
  for (size_t i = 0; i < NS; i++) flagged += smp[i].flags != 0;
  assert_true(log[0]->n > 50); /* the input does exercise the rules */
  assert_int_equal(log[0]->n, log[1]->n);
  assert_int_equal(log[0]->len, log[1]->len);
  assert_memory_equal(log[0]->text, log[1]->text, log[0]->len);
  assert_int_equal(acc[0], acc[1]);
  assert_int_equal(st[0].accepted, st[1].accepted);
  assert_int_equal(st[0].rejected_invalid + flagged, st[1].rejected_invalid);
  assert_int_equal(st[0].rejected_late, st[1].rejected_late);
  assert_int_equal(st[0].rejected_quality, st[1].rejected_quality);
  assert_int_equal(st[0].events, st[1].events);
  free(log[0]);
  free(log[1]);
  free(smp);
  jj_ruleset_free(rs);
}

/* ---- a full poll queue --------------------------------------------------- */

/* One rule over "x": the last value >= 50 fires; stale after 1 min with a
 * no-data alert. */
static jj_ruleset *last_rule(void) {
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "r";
  rc.metric = "x";
  rc.window.span_ms = ET_MIN;
  rc.aggregate = JJ_AGG_LAST;
  rc.on_missing = JJ_MISSING_ALERT;
  rc.stale_after_ms = ET_MIN;
  jj_level_config lv = et_level("on", JJ_CMP_GE, 50, JJ_CMP_NONE, 0, 1);
  return et_ruleset1(&rc, &lv, 1);
}

/* A consumer that only polls, now and then, with a queue of 4 and 6
 * alerts changing at random: after each poll round its picture of every
 * alert (level from the firing track, no-data from its own) equals the
 * engine's. Superseded events are counted, never the latest ones. */
static void test_queue_poller_ends_on_latest_state(void **state) {
  (void)state;
  jj_ruleset *rs = last_rule();
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.event_queue = 8;
  jj_engine *e = et_engine(rs, &cfg, NULL);
  enum { N = 4 };
  jj_series_id id[N];
  int level[N] = {0}, nodata[N] = {0};
  for (int i = 0; i < N; i++) {
    char name[8];
    (void)snprintf(name, sizeof name, "s%d", i);
    jj_label l = {"station", name};
    assert_int_equal(jj_engine_series(e, "x", &l, 1, &id[i]), JJ_OK);
  }
  tu_rng rng;
  tu_rng_seed(&rng, 7);
  int64_t t = ET_H(0);
  for (int round = 0; round < 300; round++) {
    int steps = 1 + (int)tu_rng_below(&rng, 40);
    for (int k = 0; k < steps; k++) {
      t += ET_SEC;
      int i = (int)tu_rng_below(&rng, N);
      if (tu_rng_chance(&rng, 0.05)) {
        t += 2 * ET_MIN; /* everyone silent: no-data for all */
        assert_int_equal(jj_engine_advance(e, t), JJ_OK);
        continue;
      }
      et_push(e, id[i], t, tu_rng_chance(&rng, 0.5) ? 80 : 10);
    }
    for (const jj_event *ev; (ev = jj_engine_poll(e)) != NULL;) {
      int i = (int)(ev->labels[0].value[1] - '0');
      if (ev->kind == JJ_EVENT_NODATA) nodata[i] = 1;
      else if (ev->kind == JJ_EVENT_NODATA_RESOLVED) nodata[i] = 0;
      else level[i] = ev->level;
    }
    for (int i = 0; i < N; i++) {
      jj_alert_state as = et_state(e, id[i], 0);
      assert_int_equal(level[i], as.level);
      assert_int_equal(nodata[i], as.stale);
    }
  }
  jj_engine_stats st;
  jj_engine_stats_get(e, &st);
  assert_true(st.events_superseded > 100); /* the queue did overflow */
  assert_int_equal(st.events_dropped, 0);
  jj_engine_free(e);
  jj_ruleset_free(rs);
}

/* More alerts change than the queue holds: the oldest event goes, counted
 * in events_dropped, and the later ones are all there. */
static void test_queue_more_alerts_than_room(void **state) {
  (void)state;
  jj_ruleset *rs = last_rule();
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.event_queue = 3;
  jj_engine *e = et_engine(rs, &cfg, NULL);
  for (int i = 0; i < 5; i++) {
    char name[8];
    (void)snprintf(name, sizeof name, "s%d", i);
    jj_label l = {"station", name};
    assert_int_equal(jj_engine_push_labeled(e, "x", &l, 1, ET_H(0) + i, 80), JJ_OK);
  }
  jj_engine_stats st;
  jj_engine_stats_get(e, &st);
  assert_int_equal(st.events_dropped, 2);
  assert_int_equal(st.events_superseded, 0);
  for (int i = 2; i < 5; i++) {
    const jj_event *ev = jj_engine_poll(e);
    assert_non_null(ev);
    assert_int_equal(ev->seq, (uint64_t)i + 1);
  }
  assert_null(jj_engine_poll(e));
  jj_engine_free(e);
  jj_ruleset_free(rs);
}

/* ---- limits on what a series may carry ---------------------------------- */

/* A metric, label name or label value over JJ_MAX_LABEL_BYTES: JJ_ELIMIT,
 * counted, nothing allocated; exactly the limit is fine. */
static void test_label_bytes_limit(void **state) {
  (void)state;
  jj_ruleset *rs = et_pm_high_rule();
  tu_alloc a;
  tu_alloc_init(&a);
  jj_engine *e = NULL;
  assert_int_equal(jj_engine_new(rs, NULL, &a.alc, &e), JJ_OK);
  char *big = malloc(JJ_MAX_LABEL_BYTES + 2);
  assert_non_null(big);
  memset(big, 'v', JJ_MAX_LABEL_BYTES + 1);
  big[JJ_MAX_LABEL_BYTES + 1] = '\0';
  size_t live = a.live_bytes;
  jj_series_id id;
  jj_label l = {"station", big};
  assert_int_equal(jj_engine_series(e, "pm25", &l, 1, &id), JJ_ELIMIT);
  l.name = big;
  l.value = "a";
  assert_int_equal(jj_engine_series(e, "pm25", &l, 1, &id), JJ_ELIMIT);
  assert_int_equal(jj_engine_series(e, big, NULL, 0, &id), JJ_ELIMIT);
  assert_int_equal(jj_engine_push_labeled(e, big, NULL, 0, ET_H(0), 1), JJ_ELIMIT);
  assert_int_equal(a.live_bytes, live);
  jj_engine_stats st;
  jj_engine_stats_get(e, &st);
  assert_int_equal(st.rejected_limit, 4);
  assert_int_equal(st.series, 0);
  big[JJ_MAX_LABEL_BYTES] = '\0'; /* exactly the limit */
  l.name = "station";
  l.value = big;
  assert_int_equal(jj_engine_series(e, "pm25", &l, 1, &id), JJ_OK);
  free(big);
  jj_engine_free(e);
  jj_ruleset_free(rs);
  assert_int_equal(a.live_bytes, 0);
}

/* ---- creating a series fails half way ------------------------------------ */

/* Every allocation of a new series (its block, windows, groups, the
 * group tables) fails in turn: each failure is JJ_ENOMEM with nothing left
 * behind — no series, and no group without members. */
static void test_series_creation_fails_cleanly(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  jj_level_config lv = et_level("high", JJ_CMP_GE, 75, JJ_CMP_NONE, 0, 1);
  const char *const modes[] = {"zone", "station", "zone,station"};
  for (int i = 0; i < 3; i++) {
    char name[16];
    (void)snprintf(name, sizeof name, "g%d", i);
    jj_rule_config_init(&rc);
    rc.name = name;
    rc.metric = "pm25";
    rc.window.span_ms = ET_MIN * (i + 1);
    rc.group = JJ_GROUP_AVG;
    rc.group_by = modes[i];
    et_add(b, &rc, &lv, 1);
  }
  jj_rule_config_init(&rc);
  rc.name = "own";
  rc.metric = "pm25";
  rc.window.span_ms = ET_MIN;
  et_add(b, &rc, &lv, 1);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  int succeeded = 0;
  for (unsigned long n = 1; n < 200 && !succeeded; n++) {
    tu_alloc a;
    tu_alloc_init(&a);
    jj_engine *e = NULL;
    assert_int_equal(jj_engine_new(rs, NULL, &a.alc, &e), JJ_OK);
    tu_alloc_fail_at(&a, n, 0);
    jj_label l[2] = {{"station", "a"}, {"zone", "z"}};
    jj_series_id id;
    jj_status st = jj_engine_series(e, "pm25", l, 2, &id);
    jj_engine_stats s;
    jj_engine_stats_get(e, &s);
    if (st == JJ_OK) {
      succeeded = 1;
      assert_int_equal(s.groups, 3);
    } else {
      assert_int_equal(st, JJ_ENOMEM);
      assert_int_equal(s.series, 0);
      assert_int_equal(s.groups, 0);
    }
    jj_engine_free(e);
    assert_int_equal(a.live_bytes, 0);
    assert_int_equal(a.errors, 0);
  }
  assert_true(succeeded);
  jj_ruleset_free(rs);
}

/* ---- the probe window of rule validation ------------------------------- */

/* Checking a rule whose window preallocates 2^20 samples allocates no such
 * window: validation needs the settings, not the storage. */
static void test_rule_check_allocates_no_window_storage(void **state) {
  (void)state;
  tu_alloc a;
  tu_alloc_init(&a);
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(&a.alc, &b), JJ_OK);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "big";
  rc.metric = "pm25";
  rc.window.span_ms = ET_HOUR;
  rc.window.max_samples = 1u << 20;
  rc.window.preallocate = 1;
  uint32_t idx;
  assert_int_equal(jj_ruleset_builder_add_rule(b, &rc, &idx, NULL), JJ_OK);
  assert_true(a.peak_bytes < 1u << 20);
  jj_ruleset_builder_free(b);
  assert_int_equal(a.live_bytes, 0);
}

/* ---- regex matchers that cannot decide ---------------------------------- */
#ifdef JJ_TEST_HAVE_PCRE2

/* One rule over pm25 with one matcher on "station". */
static jj_ruleset *regex_rule(jj_match_op op, const char *pattern, const jj_allocator *alc) {
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(alc, &b), JJ_OK);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "re";
  rc.metric = "pm25";
  rc.window.span_ms = ET_MIN;
  jj_level_config lv = et_level("high", JJ_CMP_GE, 75, JJ_CMP_NONE, 0, 1);
  uint32_t r = et_add(b, &rc, &lv, 1);
  jj_error err;
  assert_int_equal(jj_ruleset_builder_add_matcher(b, r, "station", op, pattern, &err), JJ_OK);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  return rs;
}

/* 1 if the rule applies to a new series with this station, 0 if not;
 * *undecided gets the engine's match_undecided. */
static int binds(jj_ruleset *rs, const char *station, uint64_t *undecided) {
  jj_engine *e = et_engine(rs, NULL, NULL);
  jj_label l = {"station", station};
  jj_series_id id;
  assert_int_equal(jj_engine_series(e, "pm25", &l, 1, &id), JJ_OK);
  jj_alert_state as;
  jj_status st = jj_engine_alert_state(e, id, 0, &as);
  jj_engine_stats stats;
  jj_engine_stats_get(e, &stats);
  *undecided = stats.match_undecided;
  jj_engine_free(e);
  assert_true(st == JJ_OK || st == JJ_ENOTFOUND);
  return st == JJ_OK;
}

/* A match limit hit or a value that is not UTF-8 is "undecided": neither
 * =~ nor !~ binds the rule (once, "no match" made every !~ apply), and it
 * is counted. */
static void test_regex_undecided_binds_neither_way(void **state) {
  (void)state;
  char as[41];
  memset(as, 'a', 40);
  as[40] = '\0';
  const char *const subjects[] = {as, "st\xff\xfe", "\xc3"};
  for (size_t k = 0; k < sizeof subjects / sizeof subjects[0]; k++) {
    const char *pat = k == 0 ? "(?:a|a)+\\d" : "zz";
    for (jj_match_op op = JJ_MATCH_RE; op <= JJ_MATCH_NRE; op++) {
      jj_ruleset *rs = regex_rule(op, pat, NULL);
      uint64_t undecided = 0;
      assert_int_equal(binds(rs, subjects[k], &undecided), 0);
      assert_int_equal(undecided, 1);
      jj_ruleset_free(rs);
    }
  }
  /* a decided answer still binds as the operator says */
  jj_ruleset *rs = regex_rule(JJ_MATCH_NRE, "zz", NULL);
  uint64_t undecided = 1;
  assert_int_equal(binds(rs, "station-1", &undecided), 1);
  assert_int_equal(undecided, 0);
  jj_ruleset_free(rs);
}

/* The limits fit realistic label values: (a|b|c)* on a value of
 * JJ_MAX_LABEL_BYTES decides (matches), and so does a mismatch at its end. */
static void test_regex_limits_fit_long_values(void **state) {
  (void)state;
  char v[JJ_MAX_LABEL_BYTES + 1];
  for (int i = 0; i < JJ_MAX_LABEL_BYTES; i++) v[i] = "abc"[i % 3];
  v[JJ_MAX_LABEL_BYTES] = '\0';
  const char *const pats[] = {"(a|b|c)*", "(?:a|b|c)*", "((a)|(b)|(c))*", "(.)*", "[abc]+"};
  for (size_t k = 0; k < sizeof pats / sizeof pats[0]; k++) {
    jj_ruleset *rs = regex_rule(JJ_MATCH_RE, pats[k], NULL);
    uint64_t undecided = 1;
    assert_int_equal(binds(rs, v, &undecided), 1);
    assert_int_equal(undecided, 0);
    v[JJ_MAX_LABEL_BYTES - 1] = 'd';
    assert_int_equal(binds(rs, v, &undecided), k == 3); /* only (.)* takes the d */
    assert_int_equal(undecided, 0);
    v[JJ_MAX_LABEL_BYTES - 1] = "abc"[(JJ_MAX_LABEL_BYTES - 1) % 3];
    jj_ruleset_free(rs);
  }
}

/* PCRE2 allocates through the caller's allocators (the builder's for the
 * compiled pattern, the engine's for matching), and running out of memory
 * there is JJ_ENOMEM, never a wrong answer: at every failure point, the
 * series is either refused with JJ_ENOMEM or created with the rule bound. */
static void test_regex_memory_through_caller(void **state) {
  (void)state;
  /* the builder: compile-time allocations fail one by one */
  int built = 0;
  for (unsigned long n = 1; n < 100 && !built; n++) {
    tu_alloc a;
    tu_alloc_init(&a);
    jj_ruleset_builder *b = NULL;
    assert_int_equal(jj_ruleset_builder_new(&a.alc, &b), JJ_OK);
    jj_rule_config rc;
    jj_rule_config_init(&rc);
    rc.name = "re";
    rc.metric = "pm25";
    rc.window.span_ms = ET_MIN;
    uint32_t r;
    assert_int_equal(jj_ruleset_builder_add_rule(b, &rc, &r, NULL), JJ_OK);
    unsigned long before = a.live_blocks;
    tu_alloc_fail_at(&a, n, 0);
    jj_status st = jj_ruleset_builder_add_matcher(b, r, "station", JJ_MATCH_NRE, "zz.*", NULL);
    if (st == JJ_OK) {
      built = 1;
      assert_true(a.live_blocks >= before + 4); /* label, value, pattern and its holder */
    } else {
      assert_int_equal(st, JJ_ENOMEM);
    }
    jj_ruleset_builder_free(b);
    assert_int_equal(a.live_bytes, 0);
    assert_int_equal(a.errors, 0);
  }
  assert_true(built);
  /* the engine: matching allocates through it */
  jj_ruleset *rs = regex_rule(JJ_MATCH_NRE, "zz.*", NULL);
  int created = 0;
  for (unsigned long n = 1; n < 200 && !created; n++) {
    tu_alloc a;
    tu_alloc_init(&a);
    jj_engine *e = NULL;
    assert_int_equal(jj_engine_new(rs, NULL, &a.alc, &e), JJ_OK);
    tu_alloc_fail_at(&a, n, 0);
    jj_label l = {"station", "abc"};
    jj_series_id id;
    jj_status st = jj_engine_series(e, "pm25", &l, 1, &id);
    if (st == JJ_OK) {
      created = 1;
      jj_alert_state as;
      assert_int_equal(jj_engine_alert_state(e, id, 0, &as), JJ_OK);
      assert_true(n > 3); /* PCRE2's match context, match data, ... came first */
    } else {
      assert_int_equal(st, JJ_ENOMEM);
    }
    jj_engine_free(e);
    assert_int_equal(a.live_bytes, 0);
    assert_int_equal(a.errors, 0);
  }
  assert_true(created);
  jj_ruleset_free(rs);
}
#endif

/* ---- groups whose members go silent ------------------------------------- */

/* A group rule over "temp" grouped by robot, three members r1/a..c. */
static jj_ruleset *group_rule(jj_group_mode mode, jj_window_kind kind, jj_missing_policy miss,
                              int64_t stale_after) {
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "g";
  rc.metric = "temp";
  rc.window.kind = kind;
  rc.window.span_ms = kind == JJ_WINDOW_SLIDING_COUNT ? 0 : ET_MIN;
  rc.window.count = kind == JJ_WINDOW_SLIDING_COUNT ? 3 : 0;
  rc.group = mode;
  rc.group_by = "robot";
  rc.on_missing = miss;
  rc.stale_after_ms = stale_after;
  jj_level_config lv = et_level("hot", JJ_CMP_GE, 57, JJ_CMP_LT, 50, 1);
  if (mode == JJ_GROUP_K_OF_N) {
    rc.member_op = JJ_CMP_GE;
    rc.member_value = 57;
    rc.group_within_ms = 30 * ET_SEC;
    lv = et_level("fire", JJ_CMP_GE, 2, JJ_CMP_NONE, 0, 1);
  }
  return et_ruleset1(&rc, &lv, 1);
}

typedef struct silent_case {
  jj_group_mode mode;
  jj_window_kind kind;
  jj_missing_policy miss;
  int64_t stale_after;
  jj_event_kind expect; /* what advance alone produces once all are silent */
  jj_event_reason reason;
} silent_case;

/* Three members report hot readings until the group fires, then all go
 * silent; only jj_engine_advance moves time, in 5 s steps, for 10 min.
 * The documented answer per mode (engine.h, "Groups and time"). */
static void run_silent(const silent_case *c) {
  jj_ruleset *rs = group_rule(c->mode, c->kind, c->miss, c->stale_after);
  et_rec rec = {0};
  jj_engine *e = et_engine(rs, NULL, &rec);
  static const char *const names[] = {"a", "b", "c"};
  jj_series_id id[3];
  for (int i = 0; i < 3; i++) {
    const char *kv[] = {"robot", "r1", "sensor", names[i]};
    id[i] = et_series(e, "temp", kv, 2);
  }
  int64_t t = ET_H(0);
  for (int k = 0; k < 30; k++, t += 5 * ET_SEC)
    for (int i = 0; i < 3; i++) et_push(e, id[i], t + i, 70);
  assert_int_equal(jj_engine_advance(e, t), JJ_OK);
  const jj_event *ev = et_next(&rec);
  while (ev && ev->kind != JJ_EVENT_FIRED) ev = et_next(&rec);
  assert_non_null(ev);
  et_skip_all(&rec);
  for (int k = 0; k < 120; k++) {
    t += 5 * ET_SEC;
    assert_int_equal(jj_engine_advance(e, t), JJ_OK);
  }
  if (c->expect == 0) {
    et_expect_none(&rec);
    assert_int_equal(et_state(e, id[0], 0).level, 1);
  } else {
    ev = et_next(&rec);
    assert_non_null(ev);
    if (ev->kind != c->expect || ev->reason != c->reason)
      print_error("mode %d kind %d: got %s\n", (int)c->mode, (int)c->kind, et_describe(ev));
    assert_int_equal(ev->kind, c->expect);
    assert_int_equal(ev->reason, c->reason);
    assert_true(ev->is_group);
    et_expect_none(&rec); /* once, not on every advance */
  }
  jj_engine_free(e);
  jj_ruleset_free(rs);
  et_rec_free(&rec);
}

static void test_group_silence_k_of_n(void **state) {
  (void)state;
  /* the agreement count decays with time: the group resolves on advance
   * once no member agreed within group_within_ms, with or without
   * stale_after_ms; for a no-data alert the staleness comes first */
  const silent_case cases[] = {
      {JJ_GROUP_K_OF_N, JJ_WINDOW_SLIDING_TIME, JJ_MISSING_KEEP, 0, JJ_EVENT_RESOLVED,
       JJ_REASON_NONE},
      {JJ_GROUP_K_OF_N, JJ_WINDOW_SLIDING_TIME, JJ_MISSING_KEEP, 5 * ET_MIN, JJ_EVENT_RESOLVED,
       JJ_REASON_NONE},
      {JJ_GROUP_K_OF_N, JJ_WINDOW_SLIDING_TIME, JJ_MISSING_ALERT, 20 * ET_SEC, JJ_EVENT_NODATA,
       JJ_REASON_STALE},
      {JJ_GROUP_K_OF_N, JJ_WINDOW_SLIDING_COUNT, JJ_MISSING_KEEP, 0, JJ_EVENT_RESOLVED,
       JJ_REASON_NONE},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_silent(&cases[i]);
}

static void test_group_silence_value_modes(void **state) {
  (void)state;
  /* avg/max/min: a silent member has no value, and missing data never
   * counts as clean air: the group keeps its level until staleness
   * applies on_missing (RESOLVE: resolved, ALERT: no-data), as a series'
   * own alert does */
  const jj_group_mode modes[] = {JJ_GROUP_AVG, JJ_GROUP_MAX, JJ_GROUP_MIN};
  const jj_window_kind kinds[] = {JJ_WINDOW_SLIDING_TIME, JJ_WINDOW_TUMBLING};
  for (size_t m = 0; m < 3; m++) {
    for (size_t k = 0; k < 2; k++) {
      silent_case c = {modes[m], kinds[k], JJ_MISSING_KEEP, 0, 0, 0};
      run_silent(&c);
      c.miss = JJ_MISSING_RESOLVE;
      c.stale_after = 2 * ET_MIN;
      c.expect = JJ_EVENT_RESOLVED;
      c.reason = JJ_REASON_STALE;
      run_silent(&c);
      c.miss = JJ_MISSING_ALERT;
      c.expect = JJ_EVENT_NODATA;
      run_silent(&c);
    }
  }
}

/* RULES: sources resolve through their own staleness; the group resolves
 * on advance once group_within_ms has passed after that. */
static void test_group_silence_rules(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc;
  const char *const metrics[] = {"heat", "smoke"};
  jj_level_config on = et_level("on", JJ_CMP_GE, 50, JJ_CMP_LT, 50, 1);
  for (int i = 0; i < 2; i++) {
    jj_rule_config_init(&rc);
    rc.name = metrics[i];
    rc.metric = metrics[i];
    rc.window.span_ms = ET_MIN;
    rc.aggregate = JJ_AGG_LAST;
    rc.on_missing = JJ_MISSING_RESOLVE;
    rc.stale_after_ms = ET_MIN;
    et_add(b, &rc, &on, 1);
  }
  jj_rule_config_init(&rc);
  rc.name = "both";
  rc.group = JJ_GROUP_RULES;
  rc.group_by = "robot";
  rc.sources = "heat,smoke";
  rc.group_within_ms = 30 * ET_SEC;
  jj_level_config two = et_level("fire", JJ_CMP_GE, 2, JJ_CMP_NONE, 0, 1);
  et_add(b, &rc, &two, 1);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  et_rec rec = {0};
  jj_engine *e = et_engine(rs, NULL, &rec);
  const char *kv[] = {"robot", "r1"};
  jj_series_id h = et_series(e, "heat", kv, 1), sm = et_series(e, "smoke", kv, 1);
  et_push(e, h, ET_H(0), 80);
  et_push(e, sm, ET_H(0) + 1, 80);
  int fired = 0, resolved = 0;
  for (const jj_event *ev; (ev = et_next(&rec)) != NULL;)
    fired += ev->is_group && ev->kind == JJ_EVENT_FIRED;
  assert_int_equal(fired, 1);
  int64_t resolved_at = 0;
  for (int64_t t = ET_H(0); t <= ET_H(0) + 5 * ET_MIN; t += 5 * ET_SEC) {
    assert_int_equal(jj_engine_advance(e, t), JJ_OK);
    for (const jj_event *ev; (ev = et_next(&rec)) != NULL;) {
      if (ev->is_group && ev->kind == JJ_EVENT_RESOLVED) {
        resolved++;
        resolved_at = ev->time_ms;
      }
    }
  }
  assert_int_equal(resolved, 1);
  /* sources stale at +1 min, then 30 s of group_within_ms */
  assert_true(resolved_at >= ET_H(0) + ET_MIN + 30 * ET_SEC);
  assert_true(resolved_at <= ET_H(0) + ET_MIN + 40 * ET_SEC);
  jj_engine_free(e);
  jj_ruleset_free(rs);
  et_rec_free(&rec);
}

/* ---- annotation numbers ---------------------------------------------------- */

/* A number in an annotation is never cut short: 1e288 (the largest value a
 * window takes, JJ_WINDOW_VALUE_LIMIT) with .2f is 289 digits and the
 * decimals, exactly as printf prints it. */
static void test_annotation_long_numbers(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "big";
  rc.metric = "x";
  rc.window.span_ms = ET_MIN;
  rc.aggregate = JJ_AGG_LAST;
  jj_level_config lv = et_level("on", JJ_CMP_GE, 75, JJ_CMP_NONE, 0, 1);
  uint32_t r = et_add(b, &rc, &lv, 1);
  assert_int_equal(jj_ruleset_builder_add_annotation(b, r, "f", "v={{value:.2f}}!", NULL), JJ_OK);
  assert_int_equal(jj_ruleset_builder_add_annotation(b, r, "e", "{{value:.40e}}", NULL), JJ_OK);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  et_rec rec = {0};
  jj_engine *e = et_engine(rs, NULL, &rec);
  jj_series_id id = et_series(e, "x", NULL, 0);
  const double values[] = {JJ_WINDOW_VALUE_LIMIT, -JJ_WINDOW_VALUE_LIMIT,
                           123456789012345678901234567890.0};
  for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
    et_push(e, id, ET_H(0) + (int64_t)k * 2 * ET_MIN, values[k]);
    const jj_event *ev = NULL;
    for (const jj_event *x; (x = et_next(&rec)) != NULL;) ev = x;
    assert_non_null(ev); /* fired, resolved (below the level), fired again */
    char want[1024], got[1024];
    int n = snprintf(want, sizeof want, "v=%.2f!", ev->value);
    assert_true(n > 288 || values[k] < 1e100);
    assert_int_equal(jj_event_render(ev, 0, got, sizeof got), (size_t)n);
    assert_string_equal(got, want);
    n = snprintf(want, sizeof want, "%.40e", ev->value);
    assert_int_equal(jj_event_render(ev, 1, got, sizeof got), (size_t)n);
    assert_string_equal(got, want);
  }
  jj_engine_free(e);
  jj_ruleset_free(rs);
  et_rec_free(&rec);
}

/* ---- long-run drift of the running sums --------------------------------- */

/* Two million samples through a 64-sample window (1,999,936 evictions), a
 * level jump of 1e9 and back, noise in the low digits: sum and mean stay
 * within a few ulps of the largest magnitude seen (window.h: compensated
 * sums), checked against a fresh sum of the window's samples. */
static void test_running_sum_drift(void **state) {
  (void)state;
  jj_window_config c;
  jj_window_config_init(&c);
  c.kind = JJ_WINDOW_SLIDING_COUNT;
  c.count = 64;
  c.aggregates = JJ_AGG_BIT(JJ_AGG_SUM) | JJ_AGG_BIT(JJ_AGG_MEAN);
  jj_window *w = NULL;
  assert_int_equal(jj_window_new(&c, NULL, &w), JJ_OK);
  double ring[64];
  tu_rng rng;
  tu_rng_seed(&rng, 2024);
  const long n = 2000000;
  double maxabs = 0, worst = 0;
  for (long i = 0; i < n; i++) {
    double base = (i / 100000) % 2 ? 0.001 : 1e9; /* ends on the small level */
    double v = base + tu_rng_unit(&rng) * 1e-3 - 5e-4;
    ring[i % 64] = v;
    if (fabs(v) > maxabs) maxabs = fabs(v);
    assert_int_equal(jj_window_push(w, i, v), JJ_OK);
    if (i % 9973 == 0 || i == n - 1) {
      long have = i + 1 < 64 ? i + 1 : 64;
      /* the reference: Neumaier's compensated sum of the window's samples
       * (in doubles: valgrind runs long double at double precision) */
      double ref = 0, comp = 0;
      for (long k = 0; k < have; k++) {
        double x = ring[k], tsum = ref + x;
        comp += fabs(ref) >= fabs(x) ? (ref - tsum) + x : (x - tsum) + ref;
        ref = tsum;
      }
      ref += comp;
      double sum, mean;
      assert_int_equal(jj_window_value(w, JJ_AGG_SUM, &sum), JJ_OK);
      assert_int_equal(jj_window_value(w, JJ_AGG_MEAN, &mean), JJ_OK);
      double err = fabs(sum - ref);
      if (err > worst) worst = err;
      assert_true(err <= 8 * DBL_EPSILON * maxabs);
      assert_true(fabs(mean - ref / (double)have) <= 8 * DBL_EPSILON * maxabs);
    }
  }
  print_message("drift: worst |sum error| %.3g, bound %.3g\n", worst, 8 * DBL_EPSILON * maxabs);
  jj_window_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_quality_before_first_reading_sliding),
      cmocka_unit_test(test_quality_before_first_reading_tumbling),
      cmocka_unit_test(test_max_future_near_int64_max),
      cmocka_unit_test(test_series_matching_no_rule),
      cmocka_unit_test(test_push_batch_equals_push),
      cmocka_unit_test(test_queue_poller_ends_on_latest_state),
      cmocka_unit_test(test_queue_more_alerts_than_room),
      cmocka_unit_test(test_label_bytes_limit),
      cmocka_unit_test(test_series_creation_fails_cleanly),
      cmocka_unit_test(test_rule_check_allocates_no_window_storage),
      cmocka_unit_test(test_group_silence_k_of_n),
      cmocka_unit_test(test_group_silence_value_modes),
      cmocka_unit_test(test_group_silence_rules),
      cmocka_unit_test(test_annotation_long_numbers),
      cmocka_unit_test(test_running_sum_drift),
#ifdef JJ_TEST_HAVE_PCRE2
      cmocka_unit_test(test_regex_undecided_binds_neither_way),
      cmocka_unit_test(test_regex_limits_fit_long_values),
      cmocka_unit_test(test_regex_memory_through_caller),
#endif
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
