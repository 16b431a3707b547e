/* The notifier layer without a network: the SMS gateways' signature check
 * values, EUC-KR lengths (the shipped SMS templates too), the policy state
 * machine, and the dispatcher with a registered synchronous type on a fake
 * clock: routing, ordering, retries and back-off, permanent failures,
 * grouping, life-safety, secrets, the outbox across restarts (truncated and
 * corrupt files), compaction, and the YAML loader's errors.
 *
 * Linked against the static library: the signature and policy functions
 * are internal (jj__*). */
#define _POSIX_C_SOURCE 200809L /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jjair/jjair.h>

#include "notify/notify_internal.h"
#include "notify/policy.h"

/* ---- check values (vendor documents) ---------------------------------------- */

static void test_sens_signature(void **state) {
  (void)state;
  char sig[64];
  /* Naver Cloud SENS v2 "Signature" example values (DOMAIN check value) */
  assert_int_equal(jj__sens_signature("POST", "/sms/v2/services/ncp:sms:kr:123456789012:jjair/messages",
                                      "1700000000000", "AKEXAMPLE0000000000",
                                      "SKEXAMPLE00000000000000000000000000000000", sig),
                   0);
  assert_string_equal(sig, "5/1iaTKpVJNIbQ0E1dtAQeYF8Dix7Z/H1vk7o3XYqQk=");
}

static void test_solapi_signature(void **state) {
  (void)state;
  char sig[72];
  assert_int_equal(jj__solapi_signature("SOLAPISECRETEXAMPLE", "2024-01-01T00:00:00+09:00",
                                        "0123456789abcdefghijklmnopqrstuv", sig),
                   0);
  assert_string_equal(sig, "b1fc790dfde3a8e0121dde84006d08f98d247fdb15a97b8f9189ffad9d67cdbe");
}

static void test_euckr_length(void **state) {
  (void)state;
  size_t n = 0;
  /* 52 characters, 81 bytes EUC-KR: one SMS (SENS SMS API v2 counts so) */
  assert_int_equal(jj_sms_euckr_length("[전주시] 초미세먼지 주의보 발령(중부권역, PM2.5 82㎍/㎥). "
                                       "실외활동 자제 바랍니다.",
                                       &n),
                   JJ_OK);
  assert_int_equal(n, 81);
  assert_int_equal(jj_sms_euckr_length("abc", &n), JJ_OK);
  assert_int_equal(n, 3);
  assert_int_equal(jj_sms_euckr_length("화재 \xF0\x9F\x94\xA5", &n), JJ_EINVAL); /* emoji */
  assert_int_equal(jj_sms_euckr_length("\xC3", &n), JJ_EINVAL);                 /* cut UTF-8 */
  /* cut to a limit on a character boundary */
  char big[3001];
  for (int i = 0; i < 1000; i++) memcpy(big + 3 * i, "가", 3);
  big[3000] = '\0';
  char *fit = jj__sms_fit(big, 2000, &n);
  assert_non_null(fit);
  assert_int_equal(n, 2000);
  assert_int_equal(strlen(fit), 3000);
  free(fit);
  fit = jj__sms_fit("가나다", 5, &n);
  assert_string_equal(fit, "가나");
  assert_int_equal(n, 4);
  free(fit);
}

/* Every SMS-sized text the shipped rules carry (annotations sms_* and
 * summary), rendered with long but plausible values, fits one SMS. */
static void test_shipped_templates_fit_sms(void **state) {
  (void)state;
  static const char *const files[] = {"fire.yaml", "korea-air.yaml", "sensor-health.yaml"};
  static const char *const sev[] = {"주의보", "경보", "황사경보", "화재의심", "info"};
  size_t checked = 0;
  for (size_t f = 0; f < 3; f++) {
    char path[512];
    (void)snprintf(path, sizeof path, "%s/%s", JJ_RULES_DIR, files[f]);
    jj_ruleset_builder *b = NULL;
    jj_ruleset *rs = NULL;
    assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
    assert_int_equal(jj_rules_load_file(b, path, NULL, 0, NULL), JJ_OK);
    assert_int_equal(jj_ruleset_builder_build(b, &rs, NULL), JJ_OK);
    jj_ruleset_builder_free(b);
    for (uint32_t r = 0; r < jj_ruleset_rule_count(rs); r++) {
      /* a robot's series (fire, sensor health) or a zone's (air) */
      jj_label labels[2] = {{"robot", "robot-12"}, {"zone", "중부권역"}};
      jj_event ev;
      memset(&ev, 0, sizeof ev);
      ev.kind = JJ_EVENT_FIRED;
      ev.rule = jj_ruleset_rule_name(rs, r);
      ev.rule_index = r;
      ev.ruleset = rs;
      ev.level = 1;
      ev.labels = labels;
      ev.nlabels = 2;
      ev.time_ms = ev.started_ms = ev.level_started_ms = 1704085200000; /* 2024-01-01 */
      ev.sample_ts_ms = ev.time_ms;
      ev.metric = "";
      ev.level_name = "level";
      ev.prev_level_name = ev.prev_severity = "";
      for (uint32_t a = 0; a < jj_event_annotation_count(&ev); a++) {
        const char *name = jj_event_annotation_name(&ev, a);
        if (strncmp(name, "sms_", 4) != 0 && strcmp(name, "summary") != 0) continue;
        for (size_t s = 0; s < sizeof sev / sizeof sev[0]; s++) {
          ev.severity = sev[s];
          /* ozone reads 0.xxx ppm, the rest up to three digits */
          ev.value = strstr(ev.rule, "o3") || strstr(ev.rule, "ozone") ? 0.512 : 999;
          char text[1024];
          (void)jj_event_render(&ev, a, text, sizeof text);
          size_t n = 0;
          assert_int_equal(jj_sms_euckr_length(text, &n), JJ_OK);
          if (n > 90) fail_msg("%s %s: %zu bytes EUC-KR: %s", ev.rule, name, n, text);
          checked++;
        }
      }
    }
    jj_ruleset_free(rs);
  }
  assert_true(checked >= 20); /* it looked at the shipped texts */
}

/* ---- policy ------------------------------------------------------------------ */

#define H (3600LL * 1000)
#define T0 1704067200000LL /* 2024-01-01T00:00:00Z = 09:00 KST */

static void test_policy_quiet_hours(void **state) {
  (void)state;
  jj__policy p;
  jj__policy_state st;
  jj__policy_init(&p);
  jj__policy_state_init(&st);
  assert_int_equal(jj__policy_parse_quiet("22:00-07:00", &p.quiet_start_min, &p.quiet_end_min), 0);
  assert_int_equal(jj__policy_parse_quiet("22:00-7:00", &p.quiet_start_min, &p.quiet_end_min), -1);
  assert_int_equal(jj__policy_parse_quiet("22:00-07:00", &p.quiet_start_min, &p.quiet_end_min), 0);
  /* 09:00 KST: not quiet */
  assert_int_equal(jj__policy_due(&p, &st, 0, T0, T0), T0);
  /* 23:00 KST (14:00Z): waits until 07:00 KST next day (22:00Z) */
  assert_int_equal(jj__policy_due(&p, &st, 0, T0 + 14 * H, T0 + 14 * H), T0 + 22 * H);
  /* 02:00 KST (17:00Z): also until 07:00 KST */
  assert_int_equal(jj__policy_due(&p, &st, 0, T0 + 17 * H, T0 + 17 * H), T0 + 22 * H);
  /* a life-safety message goes at once */
  assert_int_equal(jj__policy_due(&p, &st, 1, T0 + 14 * H, T0 + 14 * H), T0 + 14 * H);
}

static void test_policy_rate_group_repeat(void **state) {
  (void)state;
  jj__policy p;
  jj__policy_state st;
  jj__policy_init(&p);
  jj__policy_state_init(&st);
  assert_int_equal(jj__policy_parse_rate("2/1h", &p.rate_n, &p.rate_window_ms), 0);
  assert_int_equal(jj__policy_parse_rate("0/1h", &p.rate_n, &p.rate_window_ms), -1);
  jj__policy_sent(&p, &st, T0);
  assert_int_equal(jj__policy_due(&p, &st, 0, T0, T0 + 1000), T0 + 1000);
  jj__policy_sent(&p, &st, T0 + 1000);
  /* third within the hour waits for the first to leave the window */
  assert_int_equal(jj__policy_due(&p, &st, 0, T0, T0 + 2000), T0 + H);
  assert_int_equal(jj__policy_due(&p, &st, 1, T0, T0 + 2000), T0 + 2000);
  /* grouping */
  jj__policy_init(&p);
  jj__policy_state_init(&st);
  p.group_wait_ms = 30000;
  p.group_interval_ms = 300000;
  assert_int_equal(jj__policy_due(&p, &st, 0, T0, T0), T0 + 30000);
  jj__policy_sent(&p, &st, T0 + 30000);
  assert_int_equal(jj__policy_due(&p, &st, 0, T0 + 40000, T0 + 70000), T0 + 330000);
  /* repeat suppression */
  p.repeat_interval_ms = H;
  assert_int_equal(jj__policy_suppress(&p, &st, 42, "fired", T0), 0);
  assert_int_equal(jj__policy_suppress(&p, &st, 42, "repeat", T0 + 1000), 1);
  assert_int_equal(jj__policy_suppress(&p, &st, 42, "repeat", T0 + H), 0);
  assert_int_equal(jj__policy_suppress(&p, &st, 42, "resolved", T0 + H + 1), 0);
}

/* ---- a dispatcher with a scripted synchronous type on a fake clock -------- */

static int64_t fake_now;
static int64_t fake_clock(void *ctx) {
  (void)ctx;
  return fake_now;
}

typedef struct sent_rec {
  char kind[32];
  char key[160];
  char text[256];
  uint32_t attempt, group;
  int64_t at;
} sent_rec;

static struct {
  jj_send_result script[64];
  size_t nscript, next;
  sent_rec sent[256];
  size_t nsent, calls;
  char logs[4096];
  int nlogs;
} cap;

static jj_send_result cap_send(void *ctx, const jj_notification *const *m, uint32_t n, char *err,
                               size_t errsize) {
  (void)ctx;
  jj_send_result r = cap.next < cap.nscript ? cap.script[cap.next] : JJ_SEND_OK;
  cap.next++;
  cap.calls++;
  if (r != JJ_SEND_OK) {
    (void)snprintf(err, errsize, "scripted %d", (int)r);
  }
  for (uint32_t i = 0; i < n && cap.nsent < 256; i++) {
    sent_rec *s = &cap.sent[cap.nsent++];
    (void)snprintf(s->kind, sizeof s->kind, "%s", m[i]->kind);
    (void)snprintf(s->key, sizeof s->key, "%s", m[i]->idempotency_key);
    (void)snprintf(s->text, sizeof s->text, "%s", m[i]->text);
    s->attempt = m[i]->attempt;
    s->group = n;
    s->at = fake_now;
    if (r != JJ_SEND_OK) s->kind[0] = '!'; /* marks a failed try */
  }
  return r;
}

static const jj_notifier_key cap_keys[] = {{"secret", JJ_KEY_SECRET, NULL},
                                           {"label", 0, NULL}};
static const jj_notifier_type cap_type = {sizeof(jj_notifier_type), "capture", cap_keys, 2,
                                          NULL, cap_send, NULL, NULL, NULL,
                                          {NULL, NULL, NULL, NULL}};

static void cap_log(void *ctx, const char *notifier, const char *msg) {
  (void)ctx;
  size_t len = strlen(cap.logs);
  (void)snprintf(cap.logs + len, sizeof cap.logs - len, "%s: %s\n", notifier ? notifier : "-",
                 msg);
  cap.nlogs++;
}

static void cap_reset(void) {
  memset(&cap, 0, sizeof cap);
  fake_now = T0;
}

static const char RULES[] =
    "version: 1\n"
    "rules:\n"
    "  - name: pm-high\n"
    "    metric: pm25\n"
    "    window: {kind: count, count: 1}\n"
    "    aggregate: max\n"
    "    levels:\n"
    "      - {name: high, severity: warning, issue: \">= 100\", clear: \"< 50\"}\n"
    "      - {name: very-high, severity: critical, issue: \">= 200\", clear: \"< 150\"}\n"
    "    annotations:\n"
    "      sms_fired: \"PM high {{ value:.0f }} at {{ labels.station }}\"\n"
    "      summary: \"PM {{ value:.0f }}\"\n"
    "    notify: [cap, other]\n"
    "  - name: fire\n"
    "    metric: temperature\n"
    "    window: {kind: count, count: 1}\n"
    "    aggregate: max\n"
    "    levels:\n"
    "      - {name: hot, issue: \">= 57\", clear: \"< 50\"}\n"
    "    life_safety: true\n"
    "    notify: [cap]\n";

typedef struct rig {
  jj_dispatcher *d;
  jj_engine *e;
  jj_ruleset *rs;
} rig;

static void rig_open(rig *r, const char *outbox, const char *const *kv, uint32_t nkv,
                     uint32_t compact_after) {
  jj_dispatcher_config dc;
  jj_dispatcher_config_init(&dc);
  dc.clock = fake_clock;
  dc.log = cap_log;
  dc.outbox_path = outbox;
  dc.outbox_sync = JJ_OUTBOX_SYNC_NONE;
  dc.retry_initial_ms = 1000;
  dc.retry_max_ms = 8000;
  dc.give_up_after_ms = 3600000;
  dc.compact_after = compact_after;
  dc.seed = 7;
  jj_error err;
  assert_int_equal(jj_dispatcher_new(&dc, &r->d, &err), JJ_OK);
  assert_int_equal(jj_dispatcher_register_type(r->d, &cap_type, &err), JJ_OK);
  const char *keys[8], *vals[8];
  for (uint32_t i = 0; i < nkv; i++) keys[i] = kv[2 * i], vals[i] = kv[2 * i + 1];
  if (jj_dispatcher_add_notifier(r->d, "cap", "capture", keys, vals, nkv, &err) != JJ_OK)
    fail_msg("add_notifier: %s", err.message);
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  assert_int_equal(jj_rules_load_string(b, RULES, sizeof RULES - 1, "t.yaml", NULL, 0, NULL),
                   JJ_OK);
  assert_int_equal(jj_ruleset_builder_build(b, &r->rs, NULL), JJ_OK);
  jj_ruleset_builder_free(b);
  jj_engine_config ec;
  jj_engine_config_init(&ec);
  ec.on_event = jj_dispatcher_on_event;
  ec.on_event_ctx = r->d;
  ec.flags = JJ_ENGINE_NO_QUEUE;
  ec.max_future_ms = -1;
  assert_int_equal(jj_engine_new(r->rs, &ec, NULL, &r->e), JJ_OK);
}

static void rig_close(rig *r) {
  jj_engine_free(r->e);
  jj_ruleset_free(r->rs);
  jj_dispatcher_free(r->d);
}

static void push(rig *r, const char *metric, const char *station, int64_t ts, double v) {
  jj_label l = {"station", station};
  assert_int_equal(jj_engine_push_labeled(r->e, metric, &l, 1, ts, v), JJ_OK);
}

static jj_notifier_stats stats(rig *r) {
  jj_notifier_stats st;
  assert_int_equal(jj_dispatcher_stats(r->d, "cap", &st), JJ_OK);
  return st;
}

static void test_route_text_order(void **state) {
  (void)state;
  cap_reset();
  rig r;
  rig_open(&r, NULL, NULL, 0, 0);
  push(&r, "pm25", "a", 1000, 120); /* fired */
  push(&r, "pm25", "a", 2000, 250); /* escalated */
  push(&r, "pm25", "a", 3000, 10);  /* resolved */
  push(&r, "pm25", "b", 3000, 10);  /* nothing */
  assert_int_equal(stats(&r).queue_depth, 3);
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(cap.nsent, 3);
  assert_string_equal(cap.sent[0].kind, "fired");
  assert_string_equal(cap.sent[1].kind, "escalated");
  assert_string_equal(cap.sent[2].kind, "resolved");
  /* the text convention: sms_<kind>, else summary */
  assert_string_equal(cap.sent[0].text, "PM high 120 at a");
  assert_string_equal(cap.sent[1].text, "(escalated) PM 250");
  assert_non_null(strstr(cap.sent[0].key, "-fired-1000-cap"));
  jj_notifier_stats st = stats(&r);
  assert_int_equal(st.sent, 3);
  assert_int_equal(st.queue_depth, 0);
  rig_close(&r);
}

static void test_filters(void **state) {
  (void)state;
  cap_reset();
  const char *kv[] = {"severities", "critical", "kinds", "escalated\nresolved"};
  rig r;
  rig_open(&r, NULL, kv, 2, 0);
  push(&r, "pm25", "a", 1000, 120); /* fired, warning: filtered */
  push(&r, "pm25", "a", 2000, 250); /* escalated, critical */
  push(&r, "pm25", "a", 3000, 10);  /* resolved (names "very-high"): critical */
  assert_int_equal(stats(&r).queue_depth, 2);
  rig_close(&r);
  /* a typo in kinds is an error, not a silent filter */
  jj_dispatcher *d = NULL;
  jj_error err;
  assert_int_equal(jj_dispatcher_new(NULL, &d, &err), JJ_OK);
  const char *k[] = {"kinds"}, *v[] = {"fird"};
  assert_int_equal(jj_dispatcher_add_notifier(d, "x", "stdout", k, v, 1, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "'fird'"));
  jj_dispatcher_free(d);
}

static void test_retry_backoff_then_ok(void **state) {
  (void)state;
  cap_reset();
  cap.script[0] = cap.script[1] = cap.script[2] = JJ_SEND_RETRY;
  cap.nscript = 3;
  rig r;
  rig_open(&r, NULL, NULL, 0, 0);
  push(&r, "pm25", "a", 1000, 120);
  push(&r, "pm25", "a", 2000, 10);
  int64_t last = fake_now;
  for (int step = 0; step < 3; step++) {
    assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
    assert_int_equal(cap.calls, (size_t)step + 1);
    /* nothing happens before the back-off: 1 s, 2 s, 4 s with equal jitter */
    int64_t base = 1000LL << step;
    fake_now = last + base / 2 - 1;
    assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
    assert_int_equal(cap.calls, (size_t)step + 1);
    fake_now = last + base;
    last = fake_now;
  }
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(cap.calls, 5);
  /* the first event's four tries, then the second: order kept */
  assert_string_equal(cap.sent[3].kind, "fired");
  assert_int_equal(cap.sent[3].attempt, 4);
  assert_string_equal(cap.sent[4].kind, "resolved");
  assert_int_equal(cap.sent[4].attempt, 1);
  jj_notifier_stats st = stats(&r);
  assert_int_equal(st.retried, 3);
  assert_int_equal(st.sent, 2);
  assert_string_equal(st.last_error, "scripted 1");
  /* retries are logged with growing gaps: the first, not all three */
  assert_int_equal(cap.nlogs, 1);
  rig_close(&r);
}

static void test_permanent_failure_once(void **state) {
  (void)state;
  cap_reset();
  cap.script[0] = JJ_SEND_FAILED;
  cap.nscript = 1;
  rig r;
  rig_open(&r, NULL, NULL, 0, 0);
  push(&r, "pm25", "a", 1000, 120);
  push(&r, "pm25", "a", 2000, 10);
  for (int i = 0; i < 4; i++) {
    fake_now += 60000;
    assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  }
  assert_int_equal(cap.calls, 2); /* the failed one was not retried */
  jj_notifier_stats st = stats(&r);
  assert_int_equal(st.failed, 1);
  assert_int_equal(st.sent, 1);
  assert_int_equal(st.retried, 0);
  assert_non_null(strstr(cap.logs, "failed for good"));
  rig_close(&r);
}

static void test_give_up(void **state) {
  (void)state;
  cap_reset();
  for (int i = 0; i < 64; i++) cap.script[i] = JJ_SEND_RETRY;
  cap.nscript = 64;
  rig r;
  rig_open(&r, NULL, NULL, 0, 0);
  push(&r, "pm25", "a", 1000, 120);
  for (int i = 0; i < 40 && stats(&r).queue_depth; i++) {
    fake_now += 8000;
    assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  }
  assert_int_equal(stats(&r).queue_depth, 1); /* an hour is not over yet */
  fake_now += 3600000;
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(stats(&r).failed, 1);
  assert_non_null(strstr(cap.logs, "giving up"));
  rig_close(&r);
}

static void test_grouping_and_life_safety(void **state) {
  (void)state;
  cap_reset();
  const char *kv[] = {"group_wait", "30s", "quiet_hours", "00:00-23:59"};
  rig r;
  rig_open(&r, NULL, kv, 2, 0);
  push(&r, "pm25", "a", 1000, 120);
  push(&r, "pm25", "b", 1000, 130);
  push(&r, "pm25", "c", 1000, 140);
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(cap.calls, 0); /* group_wait and quiet hours hold them */
  /* a fire alarm overtakes the held ones: never delayed */
  push(&r, "temperature", "d", 1000, 80);
  assert_int_equal(stats(&r).queue_depth, 4);
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(cap.calls, 1);
  assert_string_equal(cap.sent[0].kind, "fired");
  assert_int_equal(cap.sent[0].group, 1);
  assert_int_equal(stats(&r).queue_depth, 3);
  fake_now += 31000; /* group_wait is over, the quiet hours are not */
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(cap.calls, 1);
  rig_close(&r);
  /* without quiet hours: one message for the three, after group_wait */
  cap_reset();
  const char *kv2[] = {"group_wait", "30s"};
  rig_open(&r, NULL, kv2, 1, 0);
  push(&r, "pm25", "a", 1000, 120);
  push(&r, "pm25", "b", 1000, 130);
  push(&r, "pm25", "c", 1000, 140);
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(cap.calls, 0);
  fake_now += 30000;
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(cap.calls, 1);
  assert_int_equal(cap.nsent, 3);
  assert_int_equal(cap.sent[0].group, 3);
  rig_close(&r);
}

static void test_life_safety_first(void **state) {
  (void)state;
  cap_reset();
  const char *kv[] = {"quiet_hours", "00:00-23:59"};
  rig r;
  rig_open(&r, NULL, kv, 1, 0);
  push(&r, "temperature", "d", 1000, 80); /* fire: life-safety */
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(cap.calls, 1);
  assert_string_equal(cap.sent[0].kind, "fired");
  push(&r, "pm25", "a", 1000, 120); /* not life-safety: held all day */
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(cap.calls, 1);
  assert_int_equal(jj_ruleset_rule_life_safety(r.rs, 1), 1);
  assert_int_equal(jj_ruleset_rule_life_safety(r.rs, 0), 0);
  rig_close(&r);
}

static void test_queue_full(void **state) {
  (void)state;
  cap_reset();
  jj_dispatcher_config dc;
  jj_dispatcher_config_init(&dc);
  dc.queue_capacity = 2;
  dc.clock = fake_clock;
  jj_dispatcher *d = NULL;
  assert_int_equal(jj_dispatcher_new(&dc, &d, NULL), JJ_OK);
  assert_int_equal(jj_dispatcher_register_type(d, &cap_type, NULL), JJ_OK);
  assert_int_equal(jj_dispatcher_add_notifier(d, "cap", "capture", NULL, NULL, 0, NULL), JJ_OK);
  assert_int_equal(jj_dispatcher_send_test(d, "cap", "one"), JJ_OK);
  assert_int_equal(jj_dispatcher_send_test(d, "cap", "two"), JJ_OK);
  assert_int_equal(jj_dispatcher_send_test(d, "cap", "three"), JJ_EFULL);
  assert_int_equal(jj_dispatcher_send_test(d, "nope", "x"), JJ_ENOTFOUND);
  jj_notifier_stats st;
  assert_int_equal(jj_dispatcher_stats(d, "cap", &st), JJ_OK);
  assert_int_equal(st.dropped, 1);
  assert_int_equal(st.queue_depth, 2);
  fake_now += 5000;
  assert_int_equal(jj_dispatcher_stats(d, "cap", &st), JJ_OK);
  assert_int_equal(st.oldest_pending_ms, 5000);
  assert_int_equal(jj_dispatcher_drain(d, 1000), JJ_OK);
  assert_int_equal(cap.nsent, 2);
  assert_string_equal(cap.sent[1].text, "two");
  jj_dispatcher_free(d);
}

static void test_secrets(void **state) {
  (void)state;
  jj_dispatcher *d = NULL;
  jj_error err;
  assert_int_equal(jj_dispatcher_new(NULL, &d, &err), JJ_OK);
  assert_int_equal(jj_dispatcher_register_type(d, &cap_type, &err), JJ_OK);
  /* inline: refused, and the value is not echoed */
  const char *k1[] = {"secret"}, *v1[] = {"hunter2-inline"};
  assert_int_equal(jj_dispatcher_add_notifier(d, "a", "capture", k1, v1, 1, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "secret_env"));
  assert_null(strstr(err.message, "hunter2"));
  /* from an unset variable: named, value unknown */
  const char *k2[] = {"secret_env"}, *v2[] = {"JJ_TEST_UNSET_SECRET_VAR"};
  assert_int_equal(jj_dispatcher_add_notifier(d, "a", "capture", k2, v2, 1, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "JJ_TEST_UNSET_SECRET_VAR"));
  setenv("JJ_TEST_SECRET_VAR", "hunter2-env", 1);
  const char *v3[] = {"JJ_TEST_SECRET_VAR"};
  assert_int_equal(jj_dispatcher_add_notifier(d, "a", "capture", k2, v3, 1, &err), JJ_OK);
  /* unknown keys name the known ones */
  const char *k4[] = {"lable"}, *v4[] = {"x"};
  assert_int_equal(jj_dispatcher_add_notifier(d, "b", "capture", k4, v4, 1, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "unknown key 'lable'"));
  assert_non_null(strstr(err.message, "label"));
  assert_int_equal(jj_dispatcher_add_notifier(d, "a", "capture", NULL, NULL, 0, &err), JJ_EINVAL);
  assert_int_equal(jj_dispatcher_add_notifier(d, "c", "nosuch", NULL, NULL, 0, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "webhook"));
  assert_int_equal(jj_dispatcher_register_type(d, &cap_type, &err), JJ_EINVAL);
  /* a secret file: trailing newline dropped; TLS off only by name */
  const char *k5[] = {"url", "secret_file"};
  char path[] = "/tmp/jjair-secret-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "https://hooks.example/x\n", 24), 24);
  close(fd);
  const char *k6[] = {"url_file", "tls_verify"}, *v6[] = {path, "false"};
  assert_int_equal(jj_dispatcher_add_notifier(d, "s", "slack", k6, v6, 2, &err), JJ_OK);
  const char *v7[] = {path, "no"};
  assert_int_equal(jj_dispatcher_add_notifier(d, "s2", "slack", k6, v7, 2, &err), JJ_EINVAL);
  (void)k5;
  unlink(path);
  assert_int_equal(jj_dispatcher_notifier_count(d), 2);
  assert_string_equal(jj_dispatcher_notifier_name(d, 1), "s");
  jj_dispatcher_free(d);
}

/* ---- the outbox ----------------------------------------------------------- */

static void outbox_path(char *buf, size_t n) {
  (void)snprintf(buf, n, "/tmp/jjair-outbox-test-%ld", (long)getpid());
  unlink(buf);
}

static void test_outbox_restart(void **state) {
  (void)state;
  char path[128];
  outbox_path(path, sizeof path);
  cap_reset();
  rig r;
  rig_open(&r, path, NULL, 0, 0);
  for (int i = 0; i < 5; i++) push(&r, "pm25", "a", 1000 + 2000 * i, 120), push(&r, "pm25", "a", 2000 + 2000 * i, 10);
  rig_close(&r); /* nothing delivered: a crash as far as the file knows */
  assert_int_equal(cap.nsent, 0);
  cap_reset();
  rig_open(&r, path, NULL, 0, 0);
  assert_int_equal(jj_dispatcher_drain(r.d, 2000), JJ_OK);
  assert_int_equal(cap.nsent, 10);
  assert_non_null(strstr(cap.sent[0].key, "-fired-1000-"));
  assert_non_null(strstr(cap.sent[9].key, "-resolved-10000-"));
  rig_close(&r);
  /* acknowledged: nothing again */
  cap_reset();
  rig_open(&r, path, NULL, 0, 0);
  assert_int_equal(jj_dispatcher_drain(r.d, 1000), JJ_OK);
  assert_int_equal(cap.nsent, 0);
  assert_int_equal(jj_dispatcher_outbox_damage(r.d), 0);
  rig_close(&r);
  /* the file was compacted at the last start: empty */
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_size, 0);
  unlink(path);
}

static void damage_and_count(const char *path, int truncate_by, long flip_at, size_t want_sent) {
  cap_reset();
  rig r;
  rig_open(&r, path, NULL, 0, 0);
  for (int i = 0; i < 3; i++) push(&r, "pm25", "a", 1000 + 2000 * i, 120), push(&r, "pm25", "a", 2000 + 2000 * i, 10);
  rig_close(&r);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  if (truncate_by) assert_int_equal(truncate(path, st.st_size - truncate_by), 0);
  if (flip_at >= 0) {
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, flip_at, SEEK_SET);
    int c = fgetc(f);
    fseek(f, flip_at, SEEK_SET);
    fputc(c ^ 0x55, f);
    fclose(f);
  }
  cap_reset();
  rig_open(&r, path, NULL, 0, 0);
  assert_true(jj_dispatcher_outbox_damage(r.d) > 0);
  assert_non_null(strstr(cap.logs, "damaged"));
  assert_int_equal(jj_dispatcher_drain(r.d, 2000), JJ_OK);
  assert_int_equal(cap.nsent, want_sent);
  rig_close(&r);
  unlink(path);
}

static void test_outbox_truncated(void **state) {
  (void)state;
  char path[128];
  outbox_path(path, sizeof path);
  /* the last record cut short: the five before it are delivered */
  damage_and_count(path, 7, -1, 5);
}

static void test_outbox_corrupt_middle(void **state) {
  (void)state;
  char path[128];
  outbox_path(path, sizeof path);
  /* a byte inside the first record's payload: that record is lost and
   * reported, the five after it still arrive */
  damage_and_count(path, 0, 40, 5);
}

static void test_outbox_compaction(void **state) {
  (void)state;
  char path[128];
  outbox_path(path, sizeof path);
  cap_reset();
  rig r;
  rig_open(&r, path, NULL, 0, 4);
  struct stat st;
  off_t biggest = 0;
  for (int i = 0; i < 50; i++) {
    push(&r, "pm25", "a", 1000 + 2000 * i, 120);
    push(&r, "pm25", "a", 2000 + 2000 * i, 10);
    assert_int_equal(jj_dispatcher_drain(r.d, 1000), JJ_OK);
    assert_int_equal(stat(path, &st), 0);
    if (st.st_size > biggest) biggest = st.st_size;
  }
  assert_int_equal(cap.nsent, 100);
  /* without compaction 100 records and 100 acks would be > 60 KB */
  assert_true(biggest < 8 * 1024);
  rig_close(&r);
  unlink(path);
}

/* ---- YAML -------------------------------------------------------------------- */

static void test_yaml_errors(void **state) {
  (void)state;
  jj_dispatcher *d = NULL;
  assert_int_equal(jj_dispatcher_new(NULL, &d, NULL), JJ_OK);
  static const char bad[] =
      "version: 1\n"
      "notifiers:\n"
      "  - name: a\n"
      "    type: webhook\n"
      "    url: http://127.0.0.1:1/x\n"
      "    tiemout: 5s\n"
      "  - name: b\n"
      "    type: sens\n"
      "    service_id: s\n"
      "    access_key: k\n"
      "    secret_key: inline-secret-value\n"
      "    from: '1'\n"
      "    recipients: ['010']\n"
      "  - name: c\n"
      "    type: nosuch\n"
      "  - name: d\n"
      "    type: stdout\n"
      "    group_wait: soon\n";
  jj_error errs[8];
  size_t n = 0;
  assert_int_equal(jj_dispatcher_load_string(d, bad, sizeof bad - 1, "n.yaml", errs, 8, &n),
                   JJ_EINVAL);
  assert_int_equal(n, 4);
  assert_int_equal(errs[0].line, 6);
  assert_int_equal(errs[0].column, 5);
  assert_non_null(strstr(errs[0].message, "unknown key 'tiemout'"));
  assert_string_equal(errs[0].file, "n.yaml");
  assert_int_equal(errs[1].line, 11);
  assert_non_null(strstr(errs[1].message, "secret_key_env"));
  assert_null(strstr(errs[1].message, "inline-secret-value"));
  assert_int_equal(errs[2].line, 15);
  assert_int_equal(errs[2].column, 11);
  assert_int_equal(errs[3].line, 18);
  /* all or nothing: the good ones were not kept */
  assert_int_equal(jj_dispatcher_notifier_count(d), 0);
  static const char good[] =
      "version: 1\n"
      "rules: []\n"
      "notifiers:\n"
      "  - name: out\n"
      "    type: stdout\n"
      "    kinds: [fired, resolved]\n"
      "  - name: hook\n"
      "    type: webhook\n"
      "    url: https://example.invalid/hook\n"
      "    headers: {X-A: '1', X-B: 'two, three'}\n";
  if (jj_dispatcher_load_string(d, good, sizeof good - 1, "g.yaml", errs, 8, &n) != JJ_OK)
    fail_msg("%d:%d: %s", errs[0].line, errs[0].column, errs[0].message);
  assert_int_equal(jj_dispatcher_notifier_count(d), 2);
  static const char notlist[] = "notifiers: {a: 1}\n";
  assert_int_equal(jj_dispatcher_load_string(d, notlist, sizeof notlist - 1, "l.yaml", errs, 8, &n),
                   JJ_EINVAL);
  assert_int_equal(errs[0].line, 1);
  assert_int_equal(errs[0].column, 12);
  assert_int_equal(jj_dispatcher_load_file(d, "/nonexistent/n.yaml", errs, 8, &n), JJ_ENOTFOUND);
  jj_dispatcher_free(d);
  /* the rule loader takes a file with a notifiers section */
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  assert_int_equal(jj_rules_load_string(b, good, sizeof good - 1, "g.yaml", NULL, 0, NULL), JJ_OK);
  jj_ruleset_builder_free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sens_signature),
      cmocka_unit_test(test_solapi_signature),
      cmocka_unit_test(test_euckr_length),
      cmocka_unit_test(test_shipped_templates_fit_sms),
      cmocka_unit_test(test_policy_quiet_hours),
      cmocka_unit_test(test_policy_rate_group_repeat),
      cmocka_unit_test(test_route_text_order),
      cmocka_unit_test(test_filters),
      cmocka_unit_test(test_retry_backoff_then_ok),
      cmocka_unit_test(test_permanent_failure_once),
      cmocka_unit_test(test_give_up),
      cmocka_unit_test(test_grouping_and_life_safety),
      cmocka_unit_test(test_life_safety_first),
      cmocka_unit_test(test_queue_full),
      cmocka_unit_test(test_secrets),
      cmocka_unit_test(test_outbox_restart),
      cmocka_unit_test(test_outbox_truncated),
      cmocka_unit_test(test_outbox_corrupt_middle),
      cmocka_unit_test(test_outbox_compaction),
      cmocka_unit_test(test_yaml_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
