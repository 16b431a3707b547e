/* Events as a consumer holds them: what they carry (previous level, the
 * current level's start, the fingerprint), how long a polled one lives,
 * callback-only delivery, owned copies that outlive the engine, and
 * annotation lookup by name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "engine_testutil.h"
#include "jjair/jjair.h"
#include "testutil.h"

/* One rule "pm" on metric "pm": advisory (주의보) >= 75 clearing < 35,
 * warning (경보) >= 150 clearing < 75, on the last reading. */
static jj_ruleset *two_level_rules(const jj_allocator *alc, int64_t repeat_ms) {
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(alc, &b), JJ_OK);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "pm";
  rc.metric = "pm";
  rc.window.kind = JJ_WINDOW_SLIDING_COUNT;
  rc.window.count = 1;
  rc.aggregate = JJ_AGG_LAST;
  rc.repeat_interval_ms = repeat_ms;
  jj_level_config lv[2] = {et_level("advisory", JJ_CMP_GE, 75, JJ_CMP_LT, 35, 1),
                           et_level("warning", JJ_CMP_GE, 150, JJ_CMP_LT, 75, 1)};
  lv[0].severity = "주의보";
  lv[1].severity = "경보";
  uint32_t r = et_add(b, &rc, lv, 2);
  jj_error err;
  assert_int_equal(jj_ruleset_builder_add_label(b, r, "team", "air", &err), JJ_OK);
  assert_int_equal(jj_ruleset_builder_add_annotation(
                       b, r, "summary",
                       "{{ rule }}: {{ prev_level }}({{ prev_severity }}) -> {{ level }}"
                       "({{ severity }}) {{ value:.1f }} in {{ labels.zone }} since "
                       "{{ level_started }} fp {{ fingerprint }}",
                       &err),
                   JJ_OK);
  assert_int_equal(jj_ruleset_builder_add_annotation(b, r, "short", "{{ kind }}", &err), JJ_OK);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  return rs;
}

/* ---- what events carry ------------------------------------------------------ */

static void test_prev_level_and_level_start(void **state) {
  (void)state;
  jj_ruleset *rs = two_level_rules(NULL, 10 * ET_MIN);
  et_rec rec;
  memset(&rec, 0, sizeof rec);
  jj_engine *e = et_engine(rs, NULL, &rec);
  jj_ruleset_free(rs);
  static const char *const kv[] = {"zone", "jungbu"};
  jj_series_id id = et_series(e, "pm", kv, 1);
  const int64_t t1 = ET_T0, t2 = ET_T0 + ET_MIN, t3 = ET_T0 + 13 * ET_MIN, t4 = ET_T0 + 14 * ET_MIN;

  et_push(e, id, t1, 80);
  const jj_event *ev = et_expect(&rec, JJ_EVENT_FIRED, 1);
  assert_string_equal(ev->level_name, "advisory");
  assert_string_equal(ev->prev_level_name, "");
  assert_string_equal(ev->prev_severity, "");
  assert_int_equal(ev->level_started_ms, t1);
  assert_int_equal(ev->started_ms, t1);

  et_push(e, id, t2, 160);
  ev = et_expect(&rec, JJ_EVENT_ESCALATED, 2);
  assert_string_equal(ev->level_name, "warning");
  assert_string_equal(ev->severity, "경보");
  assert_string_equal(ev->prev_level_name, "advisory");
  assert_string_equal(ev->prev_severity, "주의보");
  assert_int_equal(ev->level_started_ms, t2); /* the escalation starts the level ... */
  assert_int_equal(ev->started_ms, t1);       /* ... not the episode */

  /* A repeat tells how long the current level has held. */
  assert_int_equal(jj_engine_advance(e, t2 + 10 * ET_MIN), JJ_OK);
  ev = et_expect(&rec, JJ_EVENT_REPEAT, 2);
  assert_int_equal(ev->time_ms, t2 + 10 * ET_MIN);
  assert_int_equal(ev->level_started_ms, t2);
  assert_int_equal(ev->started_ms, t1);
  assert_string_equal(ev->prev_level_name, "warning"); /* prev_level = level for a repeat */
  et_skip_all(&rec);

  et_push(e, id, t3, 60);
  ev = et_expect(&rec, JJ_EVENT_DOWNGRADED, 1);
  assert_string_equal(ev->level_name, "advisory");
  assert_string_equal(ev->prev_level_name, "warning");
  assert_string_equal(ev->prev_severity, "경보");
  assert_int_equal(ev->level_started_ms, t3);
  assert_int_equal(ev->started_ms, t1);

  et_push(e, id, t4, 20);
  ev = et_expect(&rec, JJ_EVENT_RESOLVED, 0);
  /* RESOLVED names the level it released, in both pairs of fields */
  assert_string_equal(ev->level_name, "advisory");
  assert_string_equal(ev->severity, "주의보");
  assert_string_equal(ev->prev_level_name, "advisory");
  assert_int_equal(ev->level_started_ms, t4); /* inactive since now */
  et_expect_none(&rec);

  /* The annotation sees the new fields too. */
  char text[256];
  jj_event_render(&rec.ev[1], 0, text, sizeof text);
  assert_string_equal(text,
                      "pm: advisory(주의보) -> warning(경보) 160.0 in jungbu since "
                      "2023-11-14T22:01:00Z fp 8d4d8f6a02554f4c");
  jj_engine_free(e);
  et_rec_free(&rec);
}

/* No event of an alert that never changed level has a level start. */
static void test_level_started_unknown(void **state) {
  (void)state;
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "quiet";
  rc.metric = "pm";
  rc.window.kind = JJ_WINDOW_SLIDING_COUNT;
  rc.window.count = 1;
  rc.aggregate = JJ_AGG_LAST;
  rc.on_missing = JJ_MISSING_ALERT;
  rc.stale_after_ms = 5 * ET_MIN;
  jj_level_config lv = et_level("high", JJ_CMP_GE, 100, JJ_CMP_NONE, 0, 1);
  jj_ruleset *rs = et_ruleset1(&rc, &lv, 1);
  et_rec rec;
  memset(&rec, 0, sizeof rec);
  jj_engine *e = et_engine(rs, NULL, &rec);
  jj_ruleset_free(rs);
  jj_series_id id = et_series(e, "pm", NULL, 0);
  et_push(e, id, ET_T0, 10);
  assert_int_equal(jj_engine_advance(e, ET_T0 + 10 * ET_MIN), JJ_OK);
  const jj_event *ev = et_expect(&rec, JJ_EVENT_NODATA, 0);
  assert_int_equal(ev->level_started_ms, INT64_MIN);
  char json[2048];
  jj_event_json(ev, json, sizeof json);
  assert_non_null(strstr(json, ",\"level_started\":null,"));
  jj_engine_free(e);
  et_rec_free(&rec);
}

/* ---- fingerprints ------------------------------------------------------------ */

/* Golden values. The first three are Prometheus's own test and benchmark
 * values (prometheus/common model/signature_test.go); the others come from
 * this Python 3 snippet, run once:
 *
 *   def fp(alertname, labels):
 *       ls = dict(labels)
 *       if alertname is not None: ls["alertname"] = alertname
 *       h = 0xcbf29ce484222325
 *       for k in sorted(ls, key=lambda s: s.encode()):
 *           for b in k.encode() + b"\xff" + ls[k].encode() + b"\xff":
 *               h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
 *       return h
 */
static void test_fingerprint_goldens(void **state) {
  (void)state;
  jj_label fear[] = {{"name", "garland, briggs"}, {"fear", "love is not enough"}};
  assert_true(jj_fingerprint(NULL, fear, 2) == 5799056148416392346ULL);
  assert_true(jj_fingerprint(NULL, NULL, 0) == 14695981039346656037ULL);
  jj_label three[] = {{"third-label", "third-label-value"},
                      {"first-label", "first-label-value"},
                      {"second-label", "second-label-value"}};
  assert_true(jj_fingerprint(NULL, three, 3) == 13843036195897128121ULL);

  jj_label seoul[] = {{"zone", "seoul"}};
  assert_true(jj_fingerprint("pm25-korea", seoul, 1) == 13333122428529188899ULL);
  jj_label st[] = {{"station", "palbok-03"}, {"zone", "jungbu"}};
  assert_true(jj_fingerprint("pm25-local", st, 2) == 11920902428267065844ULL);
  jj_label robot[] = {{"robot", "r2"}};
  assert_true(jj_fingerprint("fire-confirmed", robot, 1) == 7230389925598895970ULL);
  /* UTF-8 and an empty value; "Zone" sorts before "a" (bytes, not case). */
  jj_label ko[] = {{"구역", "중부권역"}, {"Zone", "A"}, {"a", ""}};
  assert_true(jj_fingerprint("화재", ko, 3) == 2246303210579965729ULL);
  assert_true(jj_fingerprint("x", NULL, 0) == 15150372769577562726ULL);

  /* Order does not matter; the rule name replaces a label "alertname". */
  jj_label st_rev[] = {{"zone", "jungbu"}, {"station", "palbok-03"}};
  assert_true(jj_fingerprint("pm25-local", st_rev, 2) == 11920902428267065844ULL);
  jj_label with_alertname[] = {{"alertname", "other"}, {"zone", "seoul"}};
  assert_true(jj_fingerprint("pm25-korea", with_alertname, 2) == 13333122428529188899ULL);
  /* Without a rule name, "alertname" is an ordinary label. */
  jj_label only_name[] = {{"alertname", "x"}};
  assert_true(jj_fingerprint(NULL, only_name, 1) == jj_fingerprint("x", NULL, 0));

  char hex[17];
  assert_int_equal(jj_fingerprint_hex(5799056148416392346ULL, hex, sizeof hex), 16);
  assert_string_equal(hex, "507a62d79ee76c9a");
  assert_int_equal(jj_fingerprint_hex(0x25, hex, sizeof hex), 16);
  assert_string_equal(hex, "0000000000000025");
  char small[5];
  assert_int_equal(jj_fingerprint_hex(0xcbf29ce484222325ULL, small, sizeof small), 16);
  assert_string_equal(small, "cbf2");
  assert_int_equal(jj_fingerprint_hex(1, NULL, 0), 16);
}

/* An engine's events carry the golden fingerprints (same snippet):
 * series alerts over the series labels, group alerts over the group_by
 * labels only. */
static void test_fingerprint_of_events(void **state) {
  (void)state;
  jj_rule_config rc;
  jj_level_config lv[2];
  et_korean_pm_rule(&rc, lv, "pm25-korea", "pm25", 75, 35, 150, 75);
  rc.group = JJ_GROUP_AVG;
  rc.group_by = "zone";
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  et_add(b, &rc, lv, 2);
  jj_rule_config rl;
  jj_rule_config_init(&rl);
  rl.name = "pm25-local";
  rl.metric = "pm25";
  rl.window.kind = JJ_WINDOW_SLIDING_COUNT;
  rl.window.count = 1;
  rl.aggregate = JJ_AGG_LAST;
  jj_level_config high = et_level("high", JJ_CMP_GE, 100, JJ_CMP_NONE, 0, 1);
  et_add(b, &rl, &high, 1);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  et_rec rec;
  memset(&rec, 0, sizeof rec);
  jj_engine *e = et_engine(rs, NULL, &rec);
  jj_ruleset_free(rs);
  static const char *const a[] = {"station", "palbok-03", "zone", "seoul"};
  static const char *const c[] = {"zone", "seoul", "station", "jungang"};
  jj_series_id ida = et_series(e, "pm25", a, 2), idc = et_series(e, "pm25", c, 2);
  for (int k = 0; k < 2; k++) {
    et_hour(e, ida, k, 120);
    et_hour(e, idc, k, 120);
  }
  et_push(e, ida, ET_H(2), 120); /* closes hour 1 */
  et_push(e, idc, ET_H(2), 120);
  int groups = 0, series = 0;
  for (size_t i = 0; i < rec.n; i++) {
    const jj_event *ev = &rec.ev[i];
    if (ev->is_group) {
      assert_string_equal(ev->rule, "pm25-korea");
      assert_true(ev->fingerprint == 13333122428529188899ULL); /* {alertname, zone=seoul} */
      groups++;
    } else {
      assert_string_equal(ev->rule, "pm25-local");
      int palbok = strcmp(ev->labels[0].value, "palbok-03") == 0;
      assert_true(ev->fingerprint == (palbok ? 5065333572870390237ULL : 9654370941430105696ULL));
      series++;
    }
  }
  assert_int_equal(groups, 1);
  assert_int_equal(series, 2);
  jj_engine_free(e);
  et_rec_free(&rec);
}

/* ---- polling ------------------------------------------------------------------ */

/* The polled event is the engine's own copy: pushes that wrap the ring and
 * reuse the slot it came from do not change it. */
static void test_poll_pointer_lifetime(void **state) {
  (void)state;
  jj_ruleset *rs = two_level_rules(NULL, 0);
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.event_queue = 2;
  jj_engine *e = et_engine(rs, &cfg, NULL);
  jj_ruleset_free(rs);
  static const char *const kv_a[] = {"zone", "a"};
  static const char *const kv_b[] = {"zone", "b"};
  jj_series_id a = et_series(e, "pm", kv_a, 1), b = et_series(e, "pm", kv_b, 1);
  et_push(e, a, ET_T0, 80);           /* seq 1 */
  et_push(e, a, ET_T0 + ET_SEC, 20);  /* seq 2 */
  const jj_event *ev = jj_engine_poll(e);
  assert_non_null(ev);
  assert_int_equal(ev->seq, 1);
  char before[4096], after[4096];
  assert_true(jj_event_json(ev, before, sizeof before) < sizeof before);
  /* seq 3 takes the slot seq 1 left; from seq 4 on, each of b's events
   * supersedes the one before it (the queue is full) */
  for (int i = 0; i < 8; i++) et_push(e, b, ET_T0 + (2 + i) * ET_SEC, i % 2 ? 20 : 160);
  assert_int_equal(ev->seq, 1);
  assert_string_equal(ev->labels[0].value, "a");
  jj_event_json(ev, after, sizeof after);
  assert_string_equal(before, after);
  /* the next poll moves on */
  ev = jj_engine_poll(e);
  assert_int_equal(ev->seq, 2);
  ev = jj_engine_poll(e);
  assert_int_equal(ev->seq, 10);
  assert_string_equal(ev->labels[0].value, "b");
  assert_null(jj_engine_poll(e));
  assert_null(jj_engine_poll(NULL));
  jj_engine_stats st;
  jj_engine_stats_get(e, &st);
  assert_int_equal(st.events_superseded, 7);
  assert_int_equal(st.events_dropped, 0);
  jj_engine_free(e);
}

/* Polling from the event callback takes nothing (the engine is delivering);
 * afterwards the queue is intact and in order. */
typedef struct poll_in_cb {
  jj_engine *e;
  int calls, got;
} poll_in_cb;

static void poll_cb(void *ctx, const jj_event *ev) {
  poll_in_cb *p = (poll_in_cb *)ctx;
  (void)ev;
  p->calls++;
  if (jj_engine_poll(p->e)) p->got++;
}

static void test_poll_from_callback(void **state) {
  (void)state;
  jj_ruleset *rs = two_level_rules(NULL, 0);
  poll_in_cb p = {NULL, 0, 0};
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.on_event = poll_cb;
  cfg.on_event_ctx = &p;
  assert_int_equal(jj_engine_new(rs, &cfg, NULL, &p.e), JJ_OK);
  jj_ruleset_free(rs);
  jj_series_id id = et_series(p.e, "pm", NULL, 0);
  et_push(p.e, id, ET_T0, 80);
  et_push(p.e, id, ET_T0 + ET_SEC, 20); /* the first event is queued by now */
  assert_int_equal(p.calls, 2);
  assert_int_equal(p.got, 0);
  const jj_event *ev = jj_engine_poll(p.e);
  assert_non_null(ev);
  assert_int_equal(ev->seq, 1);
  ev = jj_engine_poll(p.e);
  assert_non_null(ev);
  assert_int_equal(ev->seq, 2);
  assert_null(jj_engine_poll(p.e));
  jj_engine_free(p.e);
}

/* JJ_ENGINE_NO_QUEUE: the callback is the only delivery, nothing queued,
 * nothing dropped, no queue memory. */
static void test_callback_only(void **state) {
  (void)state;
  jj_ruleset *rs = two_level_rules(NULL, 0);
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.flags = JJ_ENGINE_NO_QUEUE;
  jj_engine *e = NULL;
  assert_int_equal(jj_engine_new(rs, &cfg, NULL, &e), JJ_EINVAL); /* no callback */
  assert_null(e);
  cfg.flags = 0x80000000u; /* a flag this library does not know */
  et_rec rec;
  memset(&rec, 0, sizeof rec);
  cfg.on_event = et_rec_cb;
  cfg.on_event_ctx = &rec;
  assert_int_equal(jj_engine_new(rs, &cfg, NULL, &e), JJ_EINVAL);
  assert_null(e);

  /* The same feed into a queued engine (queue 4) and a callback-only one. */
  cfg.event_queue = 4;
  jj_engine *queued = NULL, *direct = NULL;
  et_rec qrec;
  memset(&qrec, 0, sizeof qrec);
  cfg.flags = 0;
  cfg.on_event_ctx = &qrec;
  assert_int_equal(jj_engine_new(rs, &cfg, NULL, &queued), JJ_OK);
  cfg.flags = JJ_ENGINE_NO_QUEUE;
  cfg.on_event_ctx = &rec;
  assert_int_equal(jj_engine_new(rs, &cfg, NULL, &direct), JJ_OK);
  jj_ruleset_free(rs);
  jj_series_id q = et_series(queued, "pm", NULL, 0), d = et_series(direct, "pm", NULL, 0);
  for (int i = 0; i < 100; i++) {
    et_push(queued, q, ET_T0 + i * ET_SEC, i % 2 ? 20 : 80);
    et_push(direct, d, ET_T0 + i * ET_SEC, i % 2 ? 20 : 80);
  }
  assert_int_equal(rec.n, 100);
  assert_int_equal(qrec.n, 100);
  assert_null(jj_engine_poll(direct));
  jj_engine_stats sq, sd;
  jj_engine_stats_get(queued, &sq);
  jj_engine_stats_get(direct, &sd);
  assert_int_equal(sq.events, 100);
  /* the queue of 4 was never polled: it holds the alert's last 4 events */
  assert_int_equal(sq.events_superseded, 96);
  assert_int_equal(sq.events_dropped, 0);
  assert_int_equal(sd.events, 100);
  assert_int_equal(sd.events_dropped, 0);
  assert_true(sd.memory + 4 * sizeof(jj_event) <= sq.memory);
  jj_engine_free(queued);
  jj_engine_free(direct);
  et_rec_free(&rec);
  et_rec_free(&qrec);
}

/* ---- owned copies ---------------------------------------------------------- */

/* A copy outlives the engine and the caller's ruleset reference: its
 * annotations still render (ASan and valgrind watch the reads), and the
 * ruleset is freed with the last copy. */
static void test_copy_outlives_engine(void **state) {
  (void)state;
  tu_alloc ra, ca;
  tu_alloc_init(&ra);
  tu_alloc_init(&ca);
  jj_ruleset *rs = two_level_rules(&ra.alc, 0);
  jj_engine *e = et_engine(rs, NULL, NULL);
  jj_ruleset_free(rs);
  static const char *const kv[] = {"zone", "jungbu", "station", "palbok-03"};
  jj_series_id id = et_series(e, "pm", kv, 2);
  assert_int_equal(jj_engine_push_located(e, id, ET_T0, 160, 35.8467, 127.1293), JJ_OK);
  const jj_event *ev = jj_engine_poll(e);
  assert_non_null(ev);
  char json[4096], summary[256];
  assert_true(jj_event_json(ev, json, sizeof json) < sizeof json);
  jj_event_render(ev, 0, summary, sizeof summary);

  jj_event *copy = NULL;
  assert_int_equal(jj_event_copy(ev, &ca.alc, &copy), JJ_OK);
  assert_int_equal(ca.live_blocks, 1); /* one allocation */
  jj_engine_free(e);
  assert_true(ra.live_blocks > 0); /* the copy holds the ruleset */

  assert_ptr_not_equal(copy->rule, NULL);
  assert_string_equal(copy->rule, "pm");
  assert_int_equal(copy->nlabels, 2);
  assert_string_equal(copy->labels[0].name, "station");
  assert_string_equal(copy->labels[1].value, "jungbu");
  assert_string_equal(copy->rule_labels[0].value, "air");
  assert_true(copy->lat == 35.8467);
  char again[256], json2[4096];
  jj_event_render(copy, 0, again, sizeof again);
  assert_string_equal(again, summary);
  assert_string_equal(again,
                      "pm: () -> warning(경보) 160.0 in jungbu since 2023-11-14T22:00:00Z fp "
                      "6c63a2f8229a45b9");
  jj_event_json(copy, json2, sizeof json2);
  assert_string_equal(json2, json);
  uint32_t i = 99;
  assert_int_equal(jj_event_annotation_find(copy, "short", &i), JJ_OK);
  assert_int_equal(i, 1);
  jj_event_render(copy, i, again, sizeof again);
  assert_string_equal(again, "fired");

  /* A copy of the copy is independent of it. */
  jj_event *copy2 = NULL;
  assert_int_equal(jj_event_copy(copy, NULL, &copy2), JJ_OK);
  jj_event_free(copy);
  assert_true(ra.live_blocks > 0);
  jj_event_render(copy2, 0, again, sizeof again);
  assert_string_equal(again, summary);
  jj_event_free(copy2);
  assert_int_equal(ra.live_blocks, 0); /* the last reference is gone */
  assert_int_equal(ca.live_blocks, 0);
  assert_int_equal(ra.errors + ca.errors, 0);
}

/* Every allocation of a copy can fail: JJ_ENOMEM, *out NULL, nothing
 * leaked or retained; then it succeeds. Hand-made events work too. */
static void test_copy_failures_and_edges(void **state) {
  (void)state;
  jj_label l[] = {{"zone", "z"}};
  jj_event ev;
  memset(&ev, 0, sizeof ev);
  ev.seq = 7;
  ev.kind = JJ_EVENT_FIRED;
  ev.rule = "hand-made";
  ev.labels = l;
  ev.nlabels = 1;
  ev.level_name = NULL; /* NULL strings stay NULL */
  int done = 0;
  for (unsigned long n = 1; n < 10 && !done; n++) {
    tu_alloc a;
    tu_alloc_init(&a);
    a.fail_at = n;
    jj_event *c = (jj_event *)&ev; /* must be reset to NULL on failure */
    jj_status st = jj_event_copy(&ev, &a.alc, &c);
    if (st == JJ_OK) {
      assert_string_equal(c->rule, "hand-made");
      assert_ptr_not_equal(c->rule, ev.rule);
      assert_string_equal(c->labels[0].value, "z");
      assert_null(c->level_name);
      assert_null(c->rule_labels);
      assert_int_equal(jj_event_annotation_count(c), 0); /* no ruleset */
      char buf[8] = "x";
      assert_int_equal(jj_event_render(c, 0, buf, sizeof buf), 0);
      assert_string_equal(buf, "");
      jj_event_free(c);
      done = 1;
    } else {
      assert_int_equal(st, JJ_ENOMEM);
      assert_null(c);
    }
    assert_int_equal(a.live_blocks, 0);
    assert_int_equal(a.errors, 0);
  }
  assert_true(done);
  jj_event *c = NULL;
  assert_int_equal(jj_event_copy(NULL, NULL, &c), JJ_EINVAL);
  assert_int_equal(jj_event_copy(&ev, NULL, NULL), JJ_EINVAL);
  jj_event_free(NULL);
}

static void test_annotation_find(void **state) {
  (void)state;
  jj_ruleset *rs = two_level_rules(NULL, 0);
  jj_engine *e = et_engine(rs, NULL, NULL);
  jj_ruleset_free(rs);
  jj_series_id id = et_series(e, "pm", NULL, 0);
  et_push(e, id, ET_T0, 80);
  const jj_event *ev = jj_engine_poll(e);
  assert_non_null(ev);
  uint32_t i = 42;
  assert_int_equal(jj_event_annotation_find(ev, "summary", &i), JJ_OK);
  assert_int_equal(i, 0);
  assert_int_equal(jj_event_annotation_find(ev, "short", &i), JJ_OK);
  assert_int_equal(i, 1);
  i = 42;
  assert_int_equal(jj_event_annotation_find(ev, "Summary", &i), JJ_ENOTFOUND);
  assert_int_equal(i, 42);
  assert_int_equal(jj_event_annotation_find(ev, NULL, &i), JJ_EINVAL);
  assert_int_equal(jj_event_annotation_find(ev, "short", NULL), JJ_EINVAL);
  assert_int_equal(jj_event_annotation_find(NULL, "short", &i), JJ_EINVAL);
  jj_engine_free(e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_prev_level_and_level_start),
      cmocka_unit_test(test_level_started_unknown),
      cmocka_unit_test(test_fingerprint_goldens),
      cmocka_unit_test(test_fingerprint_of_events),
      cmocka_unit_test(test_poll_pointer_lifetime),
      cmocka_unit_test(test_poll_from_callback),
      cmocka_unit_test(test_callback_only),
      cmocka_unit_test(test_copy_outlives_engine),
      cmocka_unit_test(test_copy_failures_and_edges),
      cmocka_unit_test(test_annotation_find),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
