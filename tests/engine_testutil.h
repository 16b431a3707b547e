/* Helpers shared by the rule-engine tests (test_ruleset.c, test_engine.c,
 * test_alerts.c): building small rulesets, an engine whose callback
 * records every event, simulated clock-hour feeds, and a canonical text
 * form of an event for byte-exact comparisons.
 *
 * Header-only (static functions); include it AFTER <cmocka.h>, since the
 * helpers assert with cmocka. Time is simulated: integer ms, no sleeping. */
#ifndef JJ_TESTS_ENGINE_TESTUTIL_H
#define JJ_TESTS_ENGINE_TESTUTIL_H

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jjair/jjair.h"

#define ET_SEC ((int64_t)1000)
#define ET_MIN ((int64_t)60000)
#define ET_HOUR ((int64_t)3600000)
/* 2023-11-14 22:00:00 UTC, an exact clock hour: realistic epoch ms. */
#define ET_T0 ((int64_t)472222 * ET_HOUR)
/* Start of clock hour k of a test. */
#define ET_H(k) (ET_T0 + (int64_t)(k)*ET_HOUR)

/* ---- recording events ---------------------------------------------------- */

/* Every event the engine's callback delivered, in order. The callback's
 * event lives only during the call, so each is kept as a jj_event_copy
 * (owned[i]); ev[i] is a plain struct copy of it for easy access, its
 * strings in owned[i], valid until et_rec_free. `seen` is a cursor for
 * et_next/et_expect. */
typedef struct et_rec {
  jj_event *ev;
  jj_event **owned;
  size_t n, cap;
  size_t seen;
} et_rec;

static inline void et_rec_cb(void *ctx, const jj_event *ev) {
  et_rec *r = (et_rec *)ctx;
  if (r->n == r->cap) {
    size_t ncap = r->cap ? r->cap * 2 : 64;
    jj_event *p = (jj_event *)realloc(r->ev, ncap * sizeof *p);
    if (!p) abort();
    r->ev = p;
    jj_event **o = (jj_event **)realloc(r->owned, ncap * sizeof *o);
    if (!o) abort();
    r->owned = o;
    r->cap = ncap;
  }
  jj_event *c = NULL;
  if (jj_event_copy(ev, NULL, &c) != JJ_OK) abort();
  r->owned[r->n] = c;
  r->ev[r->n++] = *c;
}

static inline void et_rec_free(et_rec *r) {
  for (size_t i = 0; i < r->n; i++) jj_event_free(r->owned[i]);
  free(r->owned);
  free(r->ev);
  memset(r, 0, sizeof *r);
}

/* Events delivered since the cursor. */
static inline size_t et_pending(const et_rec *r) { return r->n - r->seen; }

/* The next unread event, or NULL. */
static inline const jj_event *et_next(et_rec *r) {
  return r->seen < r->n ? &r->ev[r->seen++] : NULL;
}

static inline void et_skip_all(et_rec *r) { r->seen = r->n; }

/* ---- canonical text form of an event ------------------------------------- */

static inline void et_appendf(char *buf, size_t size, size_t *len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static inline void et_appendf(char *buf, size_t size, size_t *len, const char *fmt, ...) {
  if (*len >= size) return;
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(buf + *len, size - *len, fmt, ap);
  va_end(ap);
  if (k > 0) *len += (size_t)k;
  if (*len >= size) *len = size - 1;
}

/* Doubles as their exact bits (so -0.0 vs 0.0 or the last ulp differ). */
static inline uint64_t et_bits(double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}

/* Every field, strings by content, doubles by bits. */
static inline size_t et_format(const jj_event *e, char *buf, size_t size) {
  size_t len = 0;
  buf[0] = '\0';
  et_appendf(buf, size, &len,
             "seq=%" PRIu64
             " kind=%d reason=%d rule=%s#%u level=%d prev=%d lname=%s sev=%s "
             "metric=%s group=%d labels={",
             e->seq, (int)e->kind, (int)e->reason, e->rule ? e->rule : "(null)",
             (unsigned)e->rule_index, e->level, e->prev_level,
             e->level_name ? e->level_name : "(null)", e->severity ? e->severity : "(null)",
             e->metric ? e->metric : "(null)", e->is_group);
  for (uint32_t i = 0; i < e->nlabels; i++)
    et_appendf(buf, size, &len, "%s=%s;", e->labels[i].name, e->labels[i].value);
  et_appendf(buf, size, &len, "} rlabels={");
  for (uint32_t i = 0; i < e->nrule_labels; i++)
    et_appendf(buf, size, &len, "%s=%s;", e->rule_labels[i].name, e->rule_labels[i].value);
  et_appendf(buf, size, &len,
             "} value=%016" PRIx64 " win=[%" PRId64 ",%" PRId64 ") t=%" PRId64 " started=%" PRId64
             " sample=%" PRId64 "/%016" PRIx64 " loc=%d/%016" PRIx64 "/%016" PRIx64,
             et_bits(e->value), e->window_start_ms, e->window_end_ms, e->time_ms, e->started_ms,
             e->sample_ts_ms, et_bits(e->sample_value), e->has_location,
             e->has_location ? et_bits(e->lat) : 0, e->has_location ? et_bits(e->lon) : 0);
  return len;
}

/* A readable one-liner for failure messages. */
static inline const char *et_describe(const jj_event *e) {
  static char buf[512];
  if (!e) return "(no event)";
  snprintf(buf, sizeof buf, "%s %s level %d (prev %d, %s) value %g t=%+" PRId64 "ms", e->rule,
           jj_event_kind_name(e->kind), e->level, e->prev_level, jj_event_reason_name(e->reason),
           e->value, e->time_ms - ET_T0);
  return buf;
}

/* Take the next event and check its kind and level. */
#define et_expect(rec, kind_, level_) et_expect_at((rec), (kind_), (level_), __FILE__, __LINE__)
static inline const jj_event *et_expect_at(et_rec *r, jj_event_kind kind, int level,
                                           const char *file, int line) {
  const jj_event *e = et_next(r);
  if (!e || e->kind != kind || e->level != level) {
    print_error("%s:%d: expected %s level %d, got %s\n", file, line, jj_event_kind_name(kind),
                level, et_describe(e));
    _fail(file, line);
  }
  return e;
}

/* No unread event. */
#define et_expect_none(rec) et_expect_none_at((rec), __FILE__, __LINE__)
static inline void et_expect_none_at(et_rec *r, const char *file, int line) {
  if (et_pending(r)) {
    print_error("%s:%d: expected no event, got %s\n", file, line, et_describe(&r->ev[r->seen]));
    _fail(file, line);
  }
}

/* |a - b| <= tol (cmocka 1.1 has no double comparison). */
#define et_near(a, b, tol)                                                                    \
  do {                                                                                        \
    double et_a_ = (a), et_b_ = (b);                                                          \
    if (!(fabs(et_a_ - et_b_) <= (tol))) {                                                    \
      print_error("%s:%d: %s = %.17g, expected %.17g +- %g\n", __FILE__, __LINE__, #a, et_a_, \
                  et_b_, (double)(tol));                                                      \
      _fail(__FILE__, __LINE__);                                                              \
    }                                                                                         \
  } while (0)

/* ---- building rules -------------------------------------------------------- */

static inline jj_level_config et_level(const char *name, jj_cmp issue_op, double issue,
                                       jj_cmp clear_op, double clear, uint32_t for_count) {
  jj_level_config lc;
  jj_level_config_init(&lc);
  lc.name = name;
  lc.issue_op = issue_op;
  lc.issue_value = issue;
  lc.clear_op = clear_op;
  lc.clear_value = clear;
  lc.for_count = for_count;
  return lc;
}

/* Add one rule with its levels to `b`; asserts success. */
static inline uint32_t et_add(jj_ruleset_builder *b, const jj_rule_config *rc,
                              const jj_level_config *lv, int nlv) {
  uint32_t idx = UINT32_MAX;
  jj_error err;
  memset(&err, 0, sizeof err);
  jj_status st = jj_ruleset_builder_add_rule(b, rc, &idx, &err);
  if (st != JJ_OK) print_error("add_rule %s: %s\n", rc->name, err.message);
  assert_int_equal(st, JJ_OK);
  for (int i = 0; i < nlv; i++) {
    st = jj_ruleset_builder_add_level(b, idx, &lv[i], &err);
    if (st != JJ_OK) print_error("add_level %s: %s\n", lv[i].name, err.message);
    assert_int_equal(st, JJ_OK);
  }
  return idx;
}

static inline jj_ruleset *et_build(jj_ruleset_builder *b) {
  jj_ruleset *rs = NULL;
  jj_error err;
  memset(&err, 0, sizeof err);
  jj_status st = jj_ruleset_builder_build(b, &rs, &err);
  if (st != JJ_OK) print_error("build: %s\n", err.message);
  assert_int_equal(st, JJ_OK);
  assert_non_null(rs);
  return rs;
}

/* A ruleset of one rule. */
static inline jj_ruleset *et_ruleset1(const jj_rule_config *rc, const jj_level_config *lv,
                                      int nlv) {
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  et_add(b, rc, lv, nlv);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  return rs;
}

/* One rule "pm": the 60 s mean of pm25 >= 75 is level "high". */
static inline jj_ruleset *et_pm_high_rule(void) {
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "pm";
  rc.metric = "pm25";
  jj_level_config lv = et_level("high", JJ_CMP_GE, 75, JJ_CMP_NONE, 0, 1);
  return et_ruleset1(&rc, &lv, 1);
}

/* Two rules over pm25 for series labelled station + zone: "pm-high" judges
 * each station (60 s mean >= 75 "high", severity "warning", clear < 35)
 * and "zone-avg" the zone's average of them (>= 75 "bad", clear < 35). */
static inline jj_ruleset *et_station_zone_rules(void) {
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "pm-high";
  rc.metric = "pm25";
  jj_level_config lv = et_level("high", JJ_CMP_GE, 75, JJ_CMP_LT, 35, 1);
  lv.severity = "warning";
  et_add(b, &rc, &lv, 1);
  rc.name = "zone-avg";
  rc.group = JJ_GROUP_AVG;
  rc.group_by = "zone";
  lv = et_level("bad", JJ_CMP_GE, 75, JJ_CMP_LT, 35, 1);
  et_add(b, &rc, &lv, 1);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  return rs;
}

/* A Korean PM rule: TUMBLING clock hours, hourly mean, 주의보/경보 levels
 * with the 2-hour persistence (대기환경보전법 시행규칙 별표 7). */
static inline void et_korean_pm_rule(jj_rule_config *rc, jj_level_config lv[2], const char *name,
                                     const char *metric, double adv_issue, double adv_clear,
                                     double warn_issue, double warn_clear) {
  jj_rule_config_init(rc);
  rc->name = name;
  rc->metric = metric;
  rc->window.kind = JJ_WINDOW_TUMBLING;
  rc->window.span_ms = ET_HOUR;
  rc->aggregate = JJ_AGG_MEAN;
  lv[0] = et_level("advisory", JJ_CMP_GE, adv_issue, JJ_CMP_LT, adv_clear, 2);
  lv[0].severity = "caution";
  lv[1] = et_level("warning", JJ_CMP_GE, warn_issue, JJ_CMP_LT, warn_clear, 2);
  lv[1].severity = "critical";
}

/* ---- engines ---------------------------------------------------------------- */

/* An engine whose callback records into `rec`; `cfg` may be NULL. Takes
 * its own reference on `rs`. */
static inline jj_engine *et_engine(jj_ruleset *rs, const jj_engine_config *cfg, et_rec *rec) {
  jj_engine_config c;
  if (cfg)
    c = *cfg;
  else
    jj_engine_config_init(&c);
  if (rec) {
    c.on_event = et_rec_cb;
    c.on_event_ctx = rec;
  }
  jj_engine *e = NULL;
  assert_int_equal(jj_engine_new(rs, &c, NULL, &e), JJ_OK);
  assert_non_null(e);
  return e;
}

static inline jj_series_id et_series(jj_engine *e, const char *metric, const char *const *kv,
                                     int npairs) {
  jj_label labels[16];
  assert_true(npairs <= 16);
  for (int i = 0; i < npairs; i++) {
    labels[i].name = kv[2 * i];
    labels[i].value = kv[2 * i + 1];
  }
  jj_series_id id = UINT32_MAX;
  assert_int_equal(jj_engine_series(e, metric, labels, (uint32_t)npairs, &id), JJ_OK);
  return id;
}

static inline void et_push(jj_engine *e, jj_series_id id, int64_t ts, double v) {
  jj_status st = jj_engine_push(e, id, ts, v);
  if (st != JJ_OK)
    print_error("push(%u, %+" PRId64 ", %g): %s\n", (unsigned)id, ts - ET_T0, v,
                jj_status_name(st));
  assert_int_equal(st, JJ_OK);
}

static inline jj_alert_state et_state(const jj_engine *e, jj_series_id id, uint32_t rule) {
  jj_alert_state s;
  memset(&s, 0, sizeof s);
  assert_int_equal(jj_engine_alert_state(e, id, rule, &s), JJ_OK);
  return s;
}

/* ---- clock-hour feeds --------------------------------------------------------
 * Five-minute readings, 12 per hour at H + 0, 5, ..., 55 min, spread
 * around `mean` by -5.5 .. +5.5 so the hourly mean is exactly `mean` (for
 * integral means). The first reading of hour k closes (judges) hour k-1. */

#define ET_PER_HOUR 12
static inline double et_hour_value(double mean, int i) { return mean + ((double)i - 5.5); }

/* Push readings [from, to) of hour k. */
static inline void et_hour_part(jj_engine *e, jj_series_id id, int k, double mean, int from,
                                int to) {
  for (int i = from; i < to; i++) et_push(e, id, ET_H(k) + i * 5 * ET_MIN, et_hour_value(mean, i));
}

static inline void et_hour(jj_engine *e, jj_series_id id, int k, double mean) {
  et_hour_part(e, id, k, mean, 0, ET_PER_HOUR);
}

#endif
