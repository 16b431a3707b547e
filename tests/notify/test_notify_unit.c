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
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <jjair/jjair.h>

#include "notify/dpool.h"
#include "notify/handoff.h"
#include "notify/notify_internal.h"
#include "notify/policy.h"
#include "ruleset.h"

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
  char to[64];    /* the lane's recipients (capr), "," joined */
  char zone[32];  /* the event's zone label, "" without */
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
    const char *z = jj__label(m[i], "zone");
    (void)snprintf(s->zone, sizeof s->zone, "%s", z ? z : "");
    (void)snprintf(s->to, sizeof s->to, "%s", ctx ? (const char *)ctx : "");
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

/* "capr": a type with recipients (as the SMS gateways), its context the
 * lane's recipients joined by ",", so a test sees who got each message */
static jj_status capr_init(void *type_ctx, const jj_notifier_settings *st, void **ctx,
                           char *err, size_t errsize) {
  (void)type_ctx, (void)err, (void)errsize;
  const char *r = jj_notifier_setting(st, "recipients");
  char *c = strdup(r ? r : "");
  if (!c) return JJ_ENOMEM;
  for (char *p = c; *p; p++)
    if (*p == '\n') *p = ',';
  *ctx = c;
  return JJ_OK;
}
static void capr_fini(void *ctx) { free(ctx); }
static const jj_notifier_key capr_keys[] = {{"recipients", JJ_KEY_LIST | JJ_KEY_REQUIRED, NULL}};
static const jj_notifier_type capr_type = {sizeof(jj_notifier_type), "capr", capr_keys, 1,
                                           capr_init, cap_send, NULL, capr_fini, NULL,
                                           {NULL, NULL, NULL, NULL}};

static void cap_log(void *ctx, const char *notifier, const char *msg) {
  (void)ctx;
  size_t len = strlen(cap.logs);
  (void)snprintf(cap.logs + len, sizeof cap.logs - len, "%s: %s\n", notifier ? notifier : "-",
                 msg);
  cap.nlogs++;
}

static const char *rig_type = "capture"; /* the type rig_open's "cap" has */
static uint32_t rig_handoff;              /* jj_dispatcher_config.handoff_capacity */
static jj_outbox_sync rig_sync = JJ_OUTBOX_SYNC_NONE;
static int64_t rig_sync_interval;          /* outbox_sync_interval_ms */

static void cap_reset(void) {
  memset(&cap, 0, sizeof cap);
  fake_now = T0;
  rig_type = "capture";
  rig_handoff = 0;
  rig_sync = JJ_OUTBOX_SYNC_NONE;
  rig_sync_interval = 0;
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
  dc.outbox_sync = rig_sync;
  dc.outbox_sync_interval_ms = rig_sync_interval;
  dc.retry_initial_ms = 1000;
  dc.retry_max_ms = 8000;
  dc.give_up_after_ms = 3600000;
  dc.compact_after = compact_after;
  dc.seed = 7;
  dc.handoff_capacity = rig_handoff;
  jj_error err;
  assert_int_equal(jj_dispatcher_new(&dc, &r->d, &err), JJ_OK);
  assert_int_equal(jj_dispatcher_register_type(r->d, &cap_type, &err), JJ_OK);
  assert_int_equal(jj_dispatcher_register_type(r->d, &capr_type, &err), JJ_OK);
  const char *keys[8], *vals[8];
  for (uint32_t i = 0; i < nkv; i++) keys[i] = kv[2 * i], vals[i] = kv[2 * i + 1];
  if (jj_dispatcher_add_notifier(r->d, "cap", rig_type, keys, vals, nkv, &err) != JJ_OK)
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

static void push_zone(rig *r, const char *station, const char *zone, int64_t ts, double v) {
  jj_label l[2] = {{"station", station}, {"zone", zone}};
  assert_int_equal(jj_engine_push_labeled(r->e, "pm25", l, 2, ts, v), JJ_OK);
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
  /* a secret file larger than 64 KiB is refused, not cut short */
  static char big[70000];
  memset(big, 'k', sizeof big);
  fd = open(path, O_WRONLY | O_TRUNC);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, big, sizeof big), (ssize_t)sizeof big);
  close(fd);
  const char *v8[] = {path, "false"};
  assert_int_equal(jj_dispatcher_add_notifier(d, "s3", "slack", k6, v8, 2, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "larger than 65536 bytes"));
  assert_null(strstr(err.message, "kkkk")); /* the secret never shows */
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

/* JJ_OUTBOX_SYNC_BATCH's group commit: the first records after a quiet
 * spell are synced at once, the ordinary ones written within the interval
 * after that wait and share one fdatasync, a life-safety record's round
 * syncs at once, and drain syncs what is left. */
static void test_group_commit(void **state) {
  (void)state;
  char path[128];
  outbox_path(path, sizeof path);
  cap_reset();
  rig_sync = JJ_OUTBOX_SYNC_BATCH;
  rig_sync_interval = 3600000; /* an hour: only the rules above sync */
  rig r;
  rig_open(&r, path, NULL, 0, 0);
  assert_int_equal(jj__dispatcher_syncs(r.d), 0);
  push(&r, "pm25", "a", 1000, 120);
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(jj__dispatcher_syncs(r.d), 1);
  push(&r, "pm25", "b", 2000, 120);
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  push(&r, "pm25", "c", 3000, 120);
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(jj__dispatcher_syncs(r.d), 1); /* written, waiting for the interval */
  push(&r, "temperature", "robot-1", 4000, 60);    /* fire: life-safety */
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(jj__dispatcher_syncs(r.d), 2);
  push(&r, "pm25", "d", 5000, 120);
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(jj__dispatcher_syncs(r.d), 2);
  assert_int_equal(jj_dispatcher_drain(r.d, 2000), JJ_OK);
  assert_int_equal(jj__dispatcher_syncs(r.d), 3);
  assert_int_equal(cap.nsent, 5);
  rig_close(&r);
  /* a negative interval is refused */
  jj_dispatcher_config dc;
  jj_dispatcher_config_init(&dc);
  dc.outbox_sync_interval_ms = -1;
  jj_dispatcher *d = NULL;
  jj_error err;
  assert_int_equal(jj_dispatcher_new(&dc, &d, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "outbox_sync_interval_ms"));
  cap_reset();
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


/* ---- the hand-off ring: when an event is durable, what a full ring does --- */

/* An engine-like event of rule `rule` (0 pm-high, 1 fire) for `station`. */
static jj_event mk_event(const rig *r, uint32_t rule, jj_event_kind kind, const jj_label *l,
                         int64_t t) {
  jj_event ev;
  memset(&ev, 0, sizeof ev);
  ev.seq = (uint64_t)t;
  ev.kind = kind;
  ev.rule = jj_ruleset_rule_name(r->rs, rule);
  ev.rule_index = rule;
  ev.ruleset = r->rs;
  ev.level = kind == JJ_EVENT_RESOLVED ? 0 : 1;
  ev.prev_level = kind == JJ_EVENT_RESOLVED ? 1 : 0;
  ev.level_name = ev.prev_level_name = "x";
  ev.severity = ev.prev_severity = "warning";
  ev.metric = "pm25";
  ev.band = ev.index_name = "";
  ev.labels = l;
  ev.nlabels = 1;
  ev.value = 120;
  ev.concentration = NAN;
  ev.time_ms = ev.started_ms = ev.level_started_ms = t;
  ev.fingerprint = jj_fingerprint(ev.rule, l, 1);
  return ev;
}

/* The consumer drops the ruleset references of the copies it released
 * together, at jj__handoff_release (not one atomic operation per event on
 * the count's line), and never before: the copies' templates stay valid. */
static void test_handoff_release_together(void **state) {
  (void)state;
  cap_reset();
  rig r;
  rig_open(&r, NULL, NULL, 0, 0);
  unsigned base = (unsigned)r.rs->refs; /* the test's and the engine's */
  jj__handoff *h = jj__handoff_new(8, 1024);
  assert_non_null(h);
  jj_label l = {"station", "a"};
  uint64_t targets[JJ_HANDOFF_TARGET_WORDS] = {1};
  for (int i = 0; i < 3; i++) {
    jj_event ev = mk_event(&r, 0, JJ_EVENT_FIRED, &l, 1000 + i);
    assert_int_equal(jj__handoff_put(h, &ev, 0, targets, 0), 0);
  }
  assert_int_equal((unsigned)r.rs->refs, base + 3);
  jj__handoff_item it;
  for (int i = 0; i < 3; i++) {
    assert_int_equal(jj__handoff_take(h, &it), 1);
    jj__handoff_taken(h, it.targets);
    jj__handoff_done(h, &it);
  }
  assert_int_equal(jj__handoff_take(h, &it), 0);
  assert_int_equal((unsigned)r.rs->refs, base + 3); /* held until the release */
  jj__handoff_release(h);
  assert_int_equal((unsigned)r.rs->refs, base);
  jj__handoff_release(h); /* nothing held: a no-op */
  assert_int_equal((unsigned)r.rs->refs, base);
  /* released by jj__handoff_free too */
  jj_event ev = mk_event(&r, 0, JJ_EVENT_FIRED, &l, 2000);
  assert_int_equal(jj__handoff_put(h, &ev, 0, targets, 0), 0);
  assert_int_equal(jj__handoff_take(h, &it), 1);
  jj__handoff_taken(h, it.targets);
  jj__handoff_done(h, &it);
  assert_int_equal((unsigned)r.rs->refs, base + 1);
  jj__handoff_free(h);
  assert_int_equal((unsigned)r.rs->refs, base);
  rig_close(&r);
}

/* The consumer naps to gather a batch while only a few ordinary events
 * are pending: ordinary puts do not wake it then; a life-safety event, or
 * a quarter of the ring pending, does (and stops it from napping at all). */
static void test_handoff_nap(void **state) {
  (void)state;
  cap_reset();
  rig r;
  rig_open(&r, NULL, NULL, 0, 0);
  jj__handoff *h = jj__handoff_new(16, 1024);
  assert_non_null(h);
  jj_label l = {"station", "a"};
  uint64_t targets[JJ_HANDOFF_TARGET_WORDS] = {1};
  assert_int_equal(jj__handoff_sleep(h, 1000, 10), 0); /* nothing pending */
  jj_event ev = mk_event(&r, 0, JJ_EVENT_FIRED, &l, 1000);
  assert_int_equal(jj__handoff_put(h, &ev, 1000, targets, 0), 0);
  assert_int_equal(jj__handoff_should_wake(h, 0, 1000), 1); /* the first event wakes it */
  jj__handoff_awake(h);
  /* one ordinary event pending: nap until 1025 — an ordinary put at 1020
   * (20 ms after the last wakeup, which would wake a sleeper) does not
   * wake it */
  assert_int_equal(jj__handoff_sleep(h, 1015, 10), 2);
  assert_int_equal(jj__handoff_put(h, &ev, 1020, targets, 0), 0);
  assert_int_equal(jj__handoff_should_wake(h, 0, 1020), 0);
  assert_int_equal(jj__handoff_put(h, &ev, 1030, targets, 0), 0); /* after the nap */
  assert_int_equal(jj__handoff_should_wake(h, 0, 1030), 1);
  jj__handoff_awake(h);
  assert_int_equal(jj__handoff_sleep(h, 1030, 10), 2); /* three of 16 pending: nap */
  jj__handoff_awake(h);
  assert_int_equal(jj__handoff_put(h, &ev, 1031, targets, 0), 0);
  assert_int_equal(jj__handoff_sleep(h, 1031, 10), 1); /* a quarter of 16 pending */
  jj__handoff_awake(h);
  jj__handoff_item it;
  for (int i = 0; i < 4; i++) {
    assert_int_equal(jj__handoff_take(h, &it), 1);
    jj__handoff_taken(h, it.targets);
    jj__handoff_done(h, &it);
  }
  /* napping with one ordinary event; a life-safety one wakes it at once */
  assert_int_equal(jj__handoff_put(h, &ev, 1040, targets, 0), 0);
  assert_int_equal(jj__handoff_sleep(h, 1040, 10), 2);
  jj_event fire = mk_event(&r, 1, JJ_EVENT_FIRED, &l, 1041);
  assert_int_equal(jj__handoff_put(h, &fire, 1041, targets, 1), 0);
  assert_int_equal(jj__handoff_should_wake(h, 1, 1041), 1);
  jj__handoff_awake(h);
  /* a life-safety event pending when it looks: no nap */
  assert_int_equal(jj__handoff_sleep(h, 1042, 10), 1);
  jj__handoff_awake(h);
  for (int i = 0; i < 2; i++) {
    assert_int_equal(jj__handoff_take(h, &it), 1);
    assert_int_equal(it.life_safety, i);
    jj__handoff_taken(h, it.targets);
    jj__handoff_done(h, &it);
  }
  assert_int_equal(jj__handoff_sleep(h, 1050, 10), 0); /* taken: nothing pending */
  jj__handoff_free(h);
  rig_close(&r);
}

static void test_handoff_full(void **state) {
  (void)state;
  cap_reset();
  rig_handoff = 4; /* four events between two delivery rounds */
  enum { SPILL = 16 * 4 }; /* ordinary events the overflow list takes: 16 rings */
  rig r;
  rig_open(&r, NULL, NULL, 0, 0);
  static char names[4 + SPILL + 2][8];
  jj_label st[4 + SPILL + 2];
  for (int i = 0; i < 4 + SPILL + 2; i++) {
    (void)snprintf(names[i], sizeof names[i], "s%d", i);
    st[i].name = "station";
    st[i].value = names[i];
  }
  jj_label fire = {"station", "robot-1"};
  for (int i = 0; i < 4; i++) {
    jj_event ev = mk_event(&r, 0, JJ_EVENT_FIRED, &st[i], 1000 + i);
    assert_int_equal(jj_dispatcher_enqueue(r.d, &ev), JJ_OK);
  }
  /* the ring is full: ordinary events spill to the overflow list, none
   * lost, up to 16 times the ring ... */
  for (int i = 4; i < 4 + SPILL; i++) {
    jj_event ev = mk_event(&r, 0, JJ_EVENT_FIRED, &st[i], 1000 + i);
    assert_int_equal(jj_dispatcher_enqueue(r.d, &ev), JJ_OK);
  }
  /* ... beyond that an ordinary event is refused and counted ... */
  jj_event e1 = mk_event(&r, 0, JJ_EVENT_FIRED, &st[4 + SPILL], 2000);
  assert_int_equal(jj_dispatcher_enqueue(r.d, &e1), JJ_EFULL);
  /* ... a life-safety one never is: fired and resolved, in that order */
  jj_event f1 = mk_event(&r, 1, JJ_EVENT_FIRED, &fire, 2001);
  assert_int_equal(jj_dispatcher_enqueue(r.d, &f1), JJ_OK);
  jj_event e2 = mk_event(&r, 0, JJ_EVENT_FIRED, &st[4 + SPILL + 1], 2002);
  assert_int_equal(jj_dispatcher_enqueue(r.d, &e2), JJ_EFULL);
  jj_event f2 = mk_event(&r, 1, JJ_EVENT_RESOLVED, &fire, 2003);
  assert_int_equal(jj_dispatcher_enqueue(r.d, &f2), JJ_OK);
  jj_notifier_stats s = stats(&r);
  assert_int_equal(s.dropped, 2);
  assert_int_equal(s.queue_depth, 4 + SPILL + 2); /* in the ring and its overflow */
  assert_int_equal(s.spilled, SPILL + 2);         /* the overflow list's, counted */
  assert_int_equal(jj_dispatcher_drain(r.d, 2000), JJ_OK);
  assert_int_equal(cap.nsent, 4 + SPILL + 2);
  /* acceptance order: the four in the ring, the spilled ones, then the
   * fire alarm's two */
  for (int i = 0; i < 4 + SPILL; i++) {
    char want[32];
    (void)snprintf(want, sizeof want, "-fired-%d-", 1000 + i);
    assert_non_null(strstr(cap.sent[i].key, want));
  }
  assert_non_null(strstr(cap.sent[4 + SPILL].key, "-fired-2001-"));
  assert_non_null(strstr(cap.sent[4 + SPILL + 1].key, "-resolved-2003-"));
  s = stats(&r);
  assert_int_equal(s.sent, 4 + SPILL + 2);
  assert_int_equal(s.dropped, 2);
  /* the refusals are reported by the delivering side, not silent */
  assert_non_null(strstr(cap.logs, "2 events refused at enqueue"));
  /* the ring and the overflow list are reused: each round fills both */
  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < 4 + SPILL; i++) {
      jj_event ev = mk_event(&r, 0, JJ_EVENT_RESOLVED, &st[i], 3000 + 100 * round + i);
      assert_int_equal(jj_dispatcher_enqueue(r.d, &ev), JJ_OK);
    }
    assert_int_equal(jj_dispatcher_drain(r.d, 2000), JJ_OK);
  }
  assert_int_equal(cap.nsent, 3 * (4 + SPILL) + 2);
  s = stats(&r);
  assert_int_equal(s.dropped, 2);
  rig_close(&r);
}

/* Count the deliveries a restart finds in the outbox. */
static size_t recovered(const char *path) {
  cap_reset();
  rig r;
  rig_open(&r, path, NULL, 0, 0);
  assert_int_equal(jj_dispatcher_drain(r.d, 2000), JJ_OK);
  size_t n = cap.nsent;
  rig_close(&r);
  unlink(path);
  return n;
}

/* A child enqueues `nev` events (a label value of `pad` bytes each: large
 * records), runs `rounds` delivery rounds (group_wait holds the messages,
 * so none is sent), then dies without cleaning up (a crash: _exit, no
 * jj_dispatcher_free). */
static void crash_child_n(const char *path, jj_outbox_sync sync, int rounds, int nev,
                          size_t pad) {
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    jj_dispatcher_config dc;
    jj_dispatcher_config_init(&dc);
    dc.clock = fake_clock;
    dc.log = cap_log;
    dc.outbox_path = path;
    dc.outbox_sync = sync;
    jj_dispatcher *d = NULL;
    if (jj_dispatcher_new(&dc, &d, NULL) || jj_dispatcher_register_type(d, &cap_type, NULL))
      _exit(13);
    const char *k[] = {"group_wait"}, *v[] = {"1h"}; /* nothing is sent before the crash */
    if (jj_dispatcher_add_notifier(d, "cap", "capture", k, v, 1, NULL)) _exit(13);
    rig r = {d, NULL, NULL};
    jj_ruleset_builder *b = NULL;
    if (jj_ruleset_builder_new(NULL, &b) ||
        jj_rules_load_string(b, RULES, sizeof RULES - 1, "t.yaml", NULL, 0, NULL) ||
        jj_ruleset_builder_build(b, &r.rs, NULL))
      _exit(13);
    char *value = malloc(pad + 16);
    if (!value) _exit(13);
    for (int i = 0; i < nev; i++) {
      memset(value, 'x', pad);
      (void)snprintf(value + pad, 16, "%d", i);
      jj_label l = {"station", value};
      jj_event ev = mk_event(&r, 0, JJ_EVENT_FIRED, &l, 1000 + i);
      if (jj_dispatcher_enqueue(d, &ev) != JJ_OK) _exit(14);
    }
    for (int i = 0; i < rounds; i++) (void)jj_dispatcher_poll(d, 0);
    _exit(0); /* no free: what is not in the file is gone */
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  /* 0, or 1 under valgrind (which counts what a crash leaves allocated) */
  assert_true(WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 1);
}

static void crash_child(const char *path, jj_outbox_sync sync, int rounds) {
  crash_child_n(path, sync, rounds, 3, 0);
}

static void test_handoff_durability(void **state) {
  (void)state;
  char path[128];
  outbox_path(path, sizeof path);
  /* enqueued, no delivery round yet: only in the ring, lost by a crash */
  crash_child(path, JJ_OUTBOX_SYNC_BATCH, 0);
  assert_int_equal(recovered(path), 0);
  /* one round took them from the ring and appended them: durable */
  crash_child(path, JJ_OUTBOX_SYNC_BATCH, 1);
  assert_int_equal(recovered(path), 3);
  /* fsync per event: written inside enqueue, durable when it returns */
  crash_child(path, JJ_OUTBOX_SYNC_EACH, 0);
  assert_int_equal(recovered(path), 3);
  /* a round larger than the outbox's write size (256 KiB: 200 records of
   * over 4 KiB) is written in pieces, every record of it durable */
  crash_child_n(path, JJ_OUTBOX_SYNC_BATCH, 1, 200, 4000);
  assert_int_equal(recovered(path), 200);
  /* a clean jj_dispatcher_free writes what the ring still holds */
  cap_reset();
  rig r;
  rig_open(&r, path, NULL, 0, 0);
  jj_label l = {"station", "z"};
  jj_event ev = mk_event(&r, 0, JJ_EVENT_FIRED, &l, 5000);
  assert_int_equal(jj_dispatcher_enqueue(r.d, &ev), JJ_OK);
  rig_close(&r);
  assert_int_equal(recovered(path), 1);
}

/* A delivery waiting in the queue keeps no copy of its record once the
 * outbox has it: it is read back from the file when it is sent, from
 * wherever a compaction moved it, and a record damaged in the file under
 * a waiting delivery fails that delivery (reported), not the others. */
static void flip_record_byte(const char *path, int nth) {
  FILE *f = fopen(path, "r+b");
  assert_non_null(f);
  static unsigned char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf, f);
  int seen = 0;
  for (size_t i = 0; i + 4 <= n; i++) {
    if (memcmp(buf + i, "JJOB", 4) != 0 || seen++ != nth) continue;
    assert_true(i + 60 < n);
    assert_int_equal(fseek(f, (long)(i + 60), SEEK_SET), 0);
    assert_int_equal(fputc(buf[i + 60] ^ 0x55, f), buf[i + 60] ^ 0x55);
    break;
  }
  assert_int_equal(seen, nth + 1);
  assert_int_equal(fclose(f), 0);
}

static int count_records(const char *path) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  static unsigned char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf, f);
  (void)fclose(f);
  int k = 0;
  for (size_t i = 0; i + 4 <= n; i++) k += memcmp(buf + i, "JJOB", 4) == 0;
  return k;
}

static void test_outbox_read_back(void **state) {
  (void)state;
  char path[128];
  outbox_path(path, sizeof path);
  jj_label st[3] = {{"station", "a"}, {"station", "b"}, {"station", "c"}};
  /* damaged under a waiting delivery */
  cap_reset();
  rig r;
  const char *kv[] = {"group_wait", "1m"};
  rig_open(&r, path, kv, 1, 0);
  for (int i = 0; i < 3; i++) {
    jj_event ev = mk_event(&r, 0, JJ_EVENT_FIRED, &st[i], 1000 + i);
    assert_int_equal(jj_dispatcher_enqueue(r.d, &ev), JJ_OK);
  }
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK); /* written, held by group_wait */
  assert_int_equal(cap.nsent, 0);
  flip_record_byte(path, 1);
  fake_now += 61000;
  assert_int_equal(jj_dispatcher_drain(r.d, 2000), JJ_OK);
  assert_int_equal(cap.nsent, 2);
  assert_non_null(strstr(cap.sent[0].key, "-fired-1000-"));
  assert_non_null(strstr(cap.sent[1].key, "-fired-1002-"));
  assert_string_equal(cap.sent[1].text, "PM high 120 at c"); /* read back whole */
  jj_notifier_stats s = stats(&r);
  assert_int_equal(s.sent, 2);
  assert_int_equal(s.failed, 1);
  assert_non_null(strstr(cap.logs, "its outbox record is damaged"));
  rig_close(&r);
  unlink(path);
  /* moved by a compaction while it waits */
  cap_reset();
  const char *kv2[] = {"group_wait", "1m", "group_by", "station"};
  rig_open(&r, path, kv2, 2, 1);
  jj_event a = mk_event(&r, 0, JJ_EVENT_FIRED, &st[0], 1000);
  assert_int_equal(jj_dispatcher_enqueue(r.d, &a), JJ_OK);
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  fake_now += 61000;
  jj_event b = mk_event(&r, 0, JJ_EVENT_FIRED, &st[1], 1001);
  assert_int_equal(jj_dispatcher_enqueue(r.d, &b), JJ_OK);
  /* b is written after a; a goes (its group is due) and is acknowledged,
   * which makes the file due for a rewrite holding b alone */
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(cap.nsent, 1);
  assert_int_equal(count_records(path), 1); /* rewritten: b alone, at another place */
  fake_now += 61000;
  assert_int_equal(jj_dispatcher_drain(r.d, 2000), JJ_OK);
  assert_int_equal(cap.nsent, 2);
  assert_non_null(strstr(cap.sent[1].key, "-fired-1001-"));
  assert_string_equal(cap.sent[1].text, "PM high 120 at b");
  s = stats(&r);
  assert_int_equal(s.failed, 0);
  assert_null(strstr(cap.logs, "damaged"));
  rig_close(&r);
  unlink(path);
}

/* The deliveries' block allocator: allocations come from shared blocks
 * (so a queue of them does not grow the heap a page at a time), aligned,
 * distinct; a block is reused when everything in it was released, and
 * freed when it is not the current one (valgrind checks nothing leaks). */
static void test_dpool(void **state) {
  (void)state;
  jj__dpool pool = {0};
  enum { N = 1000 };
  static void *p[N];
  static jj__dblock *b[N];
  for (int i = 0; i < N; i++) {
    p[i] = jj__dpool_alloc(&pool, 320, &b[i]);
    assert_non_null(p[i]);
    assert_non_null(b[i]);
    assert_int_equal((uintptr_t)p[i] % 16, 0);
    memset(p[i], i & 0xff, 320);
    if (i) assert_true(p[i] != p[i - 1]);
  }
  assert_ptr_equal(b[0], b[1]); /* many to a block */
  assert_true(b[0] != b[N - 1]);  /* and several blocks */
  for (int i = 0; i < N; i++) {
    const unsigned char *c = p[i];
    assert_int_equal(c[0], i & 0xff); /* nothing overlapped */
    assert_int_equal(c[319], i & 0xff);
  }
  /* released in FIFO order: the old blocks go, the current one stays */
  for (int i = 0; i < N; i++) jj__dpool_free(b[i], p[i]);
  assert_ptr_equal(pool.cur, b[N - 1]);
  jj__dblock *again;
  void *q = jj__dpool_alloc(&pool, 100, &again);
  assert_ptr_equal(again, b[N - 1]); /* reused from its start */
  int first = N - 1;
  while (first > 0 && b[first - 1] == b[N - 1]) first--;
  assert_ptr_equal(q, p[first]);
  /* too large for a block, or no pool: plain malloc */
  jj__dblock *none = (jj__dblock *)&pool;
  void *big = jj__dpool_alloc(&pool, 32 << 10, &none);
  assert_non_null(big);
  assert_null(none);
  jj__dpool_free(none, big);
  jj__dpool_free(again, q);
  jj__dpool_fini(&pool);
  assert_null(pool.cur);
}

/* ---- grouping by labels (group_by) --------------------------------------------- */

static size_t count_zone(const char *zone, size_t from) {
  size_t n = 0;
  for (size_t i = from; i < cap.nsent; i++) n += strcmp(cap.sent[i].zone, zone) == 0;
  return n;
}

static void test_group_by(void **state) {
  (void)state;
  cap_reset();
  const char *kv[] = {"group_by", "zone", "group_wait", "30s", "group_interval", "5m"};
  rig r;
  rig_open(&r, NULL, kv, 3, 0);
  push_zone(&r, "a1", "north", 1000, 120);
  push_zone(&r, "s1", "south", 1000, 130);
  push_zone(&r, "a2", "north", 1000, 140);
  push_zone(&r, "a3", "north", 1000, 150);
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(cap.calls, 0); /* group_wait */
  /* a fire alarm does not wait for group_wait, and is not grouped */
  push(&r, "temperature", "robot-1", 1000, 80);
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(cap.calls, 1);
  assert_int_equal(cap.sent[0].group, 1);
  assert_string_equal(cap.sent[0].zone, "");
  fake_now += 30000;
  for (int i = 0; i < 3; i++) assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  /* one message per zone: north's three, south's one */
  assert_int_equal(cap.calls, 3);
  assert_int_equal(cap.nsent, 5);
  assert_int_equal(cap.sent[1].group, 3);
  assert_int_equal(count_zone("north", 1), 3);
  assert_string_equal(cap.sent[4].zone, "south");
  assert_int_equal(cap.sent[4].group, 1);
  /* north again a minute later: waits for north's group_interval (5 min
   * after its last message); a new zone only for its group_wait */
  fake_now += 60000;
  push_zone(&r, "a1", "north", 2000, 10); /* resolved */
  push_zone(&r, "e1", "east", 2000, 120);
  fake_now += 30000;
  for (int i = 0; i < 3; i++) assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(cap.calls, 4);
  assert_string_equal(cap.sent[5].zone, "east");
  fake_now = T0 + 30000 + 300000 - 1; /* just before north's interval is over */
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(cap.calls, 4);
  fake_now += 1;
  assert_int_equal(jj_dispatcher_poll(r.d, 0), JJ_OK);
  assert_int_equal(cap.calls, 5);
  assert_string_equal(cap.sent[6].zone, "north");
  assert_string_equal(cap.sent[6].kind, "resolved");
  jj_notifier_stats s = stats(&r);
  assert_int_equal(s.sent, 7);
  assert_int_equal(s.queue_depth, 0);
  rig_close(&r);
  /* group_by [rule] groups across zones; bad names are refused */
  jj_dispatcher *d = NULL;
  jj_error err;
  assert_int_equal(jj_dispatcher_new(NULL, &d, &err), JJ_OK);
  const char *k[] = {"group_by"}, *v1[] = {"zone\nzone"}, *v2[] = {"2zone"}, *v3[] = {" "};
  assert_int_equal(jj_dispatcher_add_notifier(d, "x", "stdout", k, v1, 1, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "'zone' twice"));
  assert_int_equal(jj_dispatcher_add_notifier(d, "x", "stdout", k, v2, 1, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "not a label name"));
  assert_int_equal(jj_dispatcher_add_notifier(d, "x", "stdout", k, v3, 1, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "empty"));
  jj_dispatcher_free(d);
}

static void test_group_by_yaml(void **state) {
  (void)state;
  jj_dispatcher *d = NULL;
  assert_int_equal(jj_dispatcher_new(NULL, &d, NULL), JJ_OK);
  static const char bad[] =
      "notifiers:\n"
      "  - name: a\n"
      "    type: stdout\n"
      "    group_by: [zone, rule]\n"
      "    group_wait: 30s\n"
      "  - name: b\n"
      "    type: stdout\n"
      "    group_by: [zone, \"zone-id\"]\n";
  jj_error errs[4];
  size_t n = 0;
  assert_int_equal(jj_dispatcher_load_string(d, bad, sizeof bad - 1, "g.yaml", errs, 4, &n),
                   JJ_EINVAL);
  assert_int_equal(n, 1);
  assert_string_equal(errs[0].file, "g.yaml");
  assert_int_equal(errs[0].line, 8);
  assert_int_equal(errs[0].column, 5);
  assert_non_null(strstr(errs[0].message, "'zone-id' is not a label name"));
  size_t first = (size_t)(strstr(bad, "  - name: b") - bad); /* notifier a alone */
  assert_int_equal(jj_dispatcher_load_string(d, bad, first, "g.yaml", errs, 4, &n), JJ_OK);
  assert_int_equal(jj_dispatcher_notifier_count(d), 1);
  jj_dispatcher_free(d);
}

/* ---- per-recipient quiet hours and rate limits ------------------------------ */

static size_t sent_to(const char *who, const char *kind) {
  size_t n = 0;
  for (size_t i = 0; i < cap.nsent; i++)
    n += strstr(cap.sent[i].to, who) != NULL && (!kind || strcmp(cap.sent[i].kind, kind) == 0);
  return n;
}

static void poll_all(rig *r) {
  for (int i = 0; i < 8; i++) assert_int_equal(jj_dispatcher_poll(r->d, 0), JJ_OK);
}

static void test_per_recipient(void **state) {
  (void)state;
  cap_reset();
  rig_type = "capr";
  /* A sleeps 22:00-07:00 KST, B gets at most one message an hour, C and D
   * neither: three lanes (C and D share one) */
  const char *kv[] = {"recipients", "A\nB\nC\nD", "recipient_quiet_hours", "A: 22:00-07:00",
                      "recipient_rate_limit", "B: 1/1h"};
  rig r;
  rig_open(&r, NULL, kv, 3, 0);
  assert_int_equal(jj_dispatcher_notifier_count(r.d), 1);
  assert_string_equal(jj_dispatcher_notifier_name(r.d, 0), "cap");
  fake_now = T0 + 14 * H; /* 23:00 KST */
  push(&r, "pm25", "s1", 1000, 120);
  poll_all(&r);
  assert_int_equal(sent_to("A", NULL), 0); /* quiet */
  assert_int_equal(sent_to("B", NULL), 1);
  assert_int_equal(sent_to("C,D", NULL), 1); /* one message to the lane C, D */
  push(&r, "pm25", "s2", 1000, 130);
  poll_all(&r);
  assert_int_equal(sent_to("B", NULL), 1); /* its hour is not over */
  assert_int_equal(sent_to("C,D", NULL), 2);
  /* a fire alarm reaches everyone at once: quiet hours and rate limits
   * never hold a life-safety alert */
  push(&r, "temperature", "robot-1", 1000, 80);
  poll_all(&r);
  assert_int_equal(sent_to("A", "fired"), 1);
  assert_int_equal(sent_to("B", NULL), 2);
  assert_int_equal(sent_to("C,D", NULL), 3);
  jj_notifier_stats s = stats(&r);
  assert_int_equal(s.sent, 6);
  assert_int_equal(s.queue_depth, 3); /* A's two, B's one */
  /* an hour later B gets its second; A still sleeps */
  fake_now += H;
  poll_all(&r);
  assert_int_equal(sent_to("B", NULL), 3);
  assert_int_equal(sent_to("A", NULL), 1);
  /* 07:00 KST: A gets the two that waited, in order */
  fake_now = T0 + 22 * H;
  poll_all(&r);
  assert_int_equal(sent_to("A", NULL), 3);
  assert_int_equal(stats(&r).queue_depth, 0);
  /* every lane's idempotency key names its lane: A's and C's differ */
  int a_seen = 0;
  for (size_t i = 0; i < cap.nsent; i++)
    if (strcmp(cap.sent[i].to, "A") == 0 && strstr(cap.sent[i].key, "-cap/A")) a_seen = 1;
  assert_true(a_seen);
  /* a test message goes to every recipient, whatever their policy */
  size_t before = cap.nsent;
  assert_int_equal(jj_dispatcher_send_test(r.d, "cap", "check"), JJ_OK);
  poll_all(&r);
  assert_int_equal(cap.nsent - before, 3);
  rig_close(&r);
  /* mistakes are refused with a reason */
  jj_dispatcher *d = NULL;
  jj_error err;
  assert_int_equal(jj_dispatcher_new(NULL, &d, &err), JJ_OK);
  assert_int_equal(jj_dispatcher_register_type(d, &capr_type, &err), JJ_OK);
  const char *k[] = {"recipients", "recipient_quiet_hours"};
  const char *v1[] = {"A\nB", "Z: 22:00-07:00"}, *v2[] = {"A\nB", "A: late"},
             *v3[] = {"A\nA", "A: none"};
  assert_int_equal(jj_dispatcher_add_notifier(d, "x", "capr", k, v1, 2, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "'Z', which is not in 'recipients'"));
  assert_int_equal(jj_dispatcher_add_notifier(d, "x", "capr", k, v2, 2, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "HH:MM-HH:MM"));
  assert_int_equal(jj_dispatcher_add_notifier(d, "x", "capr", k, v3, 2, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "twice"));
  const char *wk[] = {"url", "recipient_rate_limit"}, *wv[] = {"http://x/", "A: 1/1h"};
  assert_int_equal(jj_dispatcher_add_notifier(d, "w", "webhook", wk, wv, 2, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "'recipient_rate_limit' is for notifiers with"));
  assert_int_equal(jj_dispatcher_notifier_count(d), 0);
  jj_dispatcher_free(d);
}

/* A restart sends each lane's pending records to that lane. */
static void test_per_recipient_outbox(void **state) {
  (void)state;
  char path[128];
  outbox_path(path, sizeof path);
  const char *kv[] = {"recipients", "A\nB", "recipient_quiet_hours", "A: 22:00-07:00"};
  cap_reset();
  rig_type = "capr";
  rig r;
  rig_open(&r, path, kv, 2, 0);
  fake_now = T0 + 14 * H; /* 23:00 KST: A's record waits */
  push(&r, "pm25", "s1", 1000, 120);
  poll_all(&r);
  assert_int_equal(sent_to("B", NULL), 1);
  rig_close(&r);
  cap_reset();
  rig_type = "capr";
  fake_now = T0 + 22 * H; /* the next morning, after a restart */
  rig_open(&r, path, kv, 2, 0);
  assert_int_equal(jj_dispatcher_drain(r.d, 2000), JJ_OK);
  assert_int_equal(cap.nsent, 1);
  assert_string_equal(cap.sent[0].to, "A");
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
  /* a directory is not an empty configuration */
  assert_int_equal(jj_dispatcher_load_file(d, "/tmp", errs, 8, &n), JJ_ENOTFOUND);
  assert_non_null(strstr(errs[0].message, "not a regular file"));
  assert_string_equal(errs[0].file, "/tmp");
  jj_dispatcher_free(d);
  /* the rule loader takes a file with a notifiers section */
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  assert_int_equal(jj_rules_load_string(b, good, sizeof good - 1, "g.yaml", NULL, 0, NULL), JJ_OK);
  jj_ruleset_builder_free(b);
}

/* ---- Alertmanager's re-send ------------------------------------------------ */

/* A resolved alert is re-sent for `resolve_resend` by the dispatcher's
 * clock, also when its event time is years back (a replay of old data):
 * it used to be forgotten at the first tick because the event time was
 * compared with the wall clock. */
static void test_alertmanager_resend_old_data(void **state) {
  (void)state;
  const char *k[] = {"url", "resend_interval", "resolve_resend"};
  const char *v[] = {"http://127.0.0.1:9/", "1s", "10s"};
  const jj_notifier_settings s = {"am", k, v, 3};
  void *am = NULL;
  char err[128];
  assert_int_equal(jj__type_alertmanager.init(NULL, &s, &am, err, sizeof err), JJ_OK);
  const jj_label labels[] = {{"zone", "seoul"}};
  jj_notification m;
  memset(&m, 0, sizeof m);
  m.size = sizeof m;
  m.kind = "resolved";
  m.rule = "pm25-korea";
  m.level_name = "advisory";
  m.severity = "warning";
  m.metric = "pm25";
  m.labels = labels;
  m.nlabels = 1;
  m.text = "PM2.5 advisory lifted";
  m.time_ms = 1514764800000;    /* 2018-01-01T00:00:00Z, the replayed data */
  m.started_ms = 1514761200000; /* an hour before */
  m.fingerprint = 42;
  m.is_resolved = 1;
  const jj_notification *mp = &m;
  const int64_t now = 1800000000000; /* the dispatcher's clock, 2027 */
  jj__http_alertmanager.delivered(am, &mp, 1, now);
  jj__http_req req;
  memset(&req, 0, sizeof req);
  assert_int_equal(jj__http_alertmanager.tick(am, now, &req), 0); /* starts the clock */
  assert_int_equal(jj__http_alertmanager.tick(am, now + 2000, &req), 1);
  assert_non_null(strstr(req.url, "/api/v2/alerts"));
  assert_non_null(strstr(req.body, "\"alertname\":\"pm25-korea\""));
  assert_non_null(strstr(req.body, "\"endsAt\":\"2018-01-01T00:00:00"));
  jj__req_clear(&req);
  assert_int_equal(jj__http_alertmanager.tick(am, now + 6000, &req), 1); /* still within 10 s */
  jj__req_clear(&req);
  /* resolve_resend after the resolve was delivered: forgotten */
  assert_int_equal(jj__http_alertmanager.tick(am, now + 12000, &req), 0);
  assert_int_equal(jj__http_alertmanager.tick(am, now + 14000, &req), 0);
  jj__req_clear(&req);
  jj__type_alertmanager.fini(am);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sens_signature),
      cmocka_unit_test(test_alertmanager_resend_old_data),
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
      cmocka_unit_test(test_group_commit),
      cmocka_unit_test(test_outbox_truncated),
      cmocka_unit_test(test_outbox_corrupt_middle),
      cmocka_unit_test(test_outbox_compaction),
      cmocka_unit_test(test_yaml_errors),
      cmocka_unit_test(test_handoff_release_together),
      cmocka_unit_test(test_handoff_nap),
      cmocka_unit_test(test_handoff_full),
      cmocka_unit_test(test_handoff_durability),
      cmocka_unit_test(test_outbox_read_back),
      cmocka_unit_test(test_dpool),
      cmocka_unit_test(test_group_by),
      cmocka_unit_test(test_group_by_yaml),
      cmocka_unit_test(test_per_recipient),
      cmocka_unit_test(test_per_recipient_outbox),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
