/* libFuzzer target for the engine: the input is a program of operations
 * (create series, push, push_batch, push_columns, push_labeled, advance, poll,
 * forget, foreach, alert_state) run against a fixed ruleset that uses every kind
 * of window, group mode, gate and time policy, with an engine config and
 * an optional allocation failure taken from the first bytes. After every
 * operation the invariants below must hold; a violation aborts (a crash
 * for libFuzzer, a failed corpus replay in CTest):
 *  - events come with consecutive seq numbers, non-decreasing time_ms,
 *    known kinds, levels within the rule, window bounds either both absent
 *    (INT64_MIN) or ordered, the fingerprint of their rule and labels, and
 *    their JSON and annotations render to the same length whatever the
 *    buffer size;
 *  - polled events are delivered ones, in order; when nothing was dropped
 *    (stats.events_dropped == 0) a consumer that only polls ends on the
 *    same state of every alert as one that saw every event;
 *  - calls from the event callback and the foreach visitor get JJ_ESTATE;
 *  - the stats agree with what the program saw. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jjair/jjair.h"

/* ---- the input ---------------------------------------------------------- */

typedef struct input {
  const uint8_t *p;
  size_t n;
} input;

static unsigned u8(input *in) {
  if (!in->n) return 0;
  in->n--;
  return *in->p++;
}

static unsigned u16(input *in) { return u8(in) | u8(in) << 8; }

/* ---- the ruleset, built once ---------------------------------------------- */

static jj_ruleset *g_rs;

static void level(jj_ruleset_builder *b, uint32_t r, const char *name, jj_cmp op, double issue,
                  jj_cmp cop, double clear, uint32_t for_count) {
  jj_level_config lc;
  jj_level_config_init(&lc);
  lc.name = name;
  lc.issue_op = op;
  lc.issue_value = issue;
  lc.clear_op = cop;
  lc.clear_value = clear;
  lc.for_count = for_count;
  CHECK(jj_ruleset_builder_add_level(b, r, &lc, NULL) == JJ_OK);
}

static uint32_t rule(jj_ruleset_builder *b, const jj_rule_config *rc) {
  uint32_t r = 0;
  jj_error err;
  jj_status st = jj_ruleset_builder_add_rule(b, rc, &r, &err);
  if (st != JJ_OK) (void)fprintf(stderr, "%s: %s\n", rc->name, err.message);
  CHECK(st == JJ_OK);
  return r;
}

static jj_ruleset *build_rules(void) {
  jj_ruleset_builder *b = NULL;
  CHECK(jj_ruleset_builder_new(NULL, &b) == JJ_OK);
  jj_rule_config rc;
  /* PM2.5: a 10 min mean with two levels, hysteresis, gates, no-data,
   * repeats and flapping */
  jj_rule_config_init(&rc);
  rc.name = "pm-mean";
  rc.metric = "pm25";
  rc.window.span_ms = 600000;
  rc.window.min_samples = 2;
  rc.valid_min = 0;
  rc.valid_max = 1000;
  rc.stuck_samples = 6;
  rc.on_missing = JJ_MISSING_ALERT;
  rc.stale_after_ms = 300000;
  rc.repeat_interval_ms = 600000;
  rc.flap_changes = 4;
  rc.flap_window_ms = 600000;
  uint32_t r = rule(b, &rc);
  level(b, r, "advisory", JJ_CMP_GE, 35, JJ_CMP_LT, 30, 2);
  level(b, r, "warning", JJ_CMP_GE, 75, JJ_CMP_LT, 60, 1);
  CHECK(jj_ruleset_builder_add_annotation(b, r, "summary",
                                          "{{labels.station}} {{value:.1f}} {{level}} "
                                          "{{window_start}}..{{window_end}} {{started}}",
                                          NULL) == JJ_OK);
  /* a matcher: regex when the build has it */
  if (jj_ruleset_builder_add_matcher(b, r, "station", JJ_MATCH_NRE, "x(a|b)*", NULL) != JJ_OK)
    CHECK(jj_ruleset_builder_add_matcher(b, r, "station", JJ_MATCH_NE, "x", NULL) == JJ_OK);
  /* hourly TUMBLING zone average, Korean style */
  jj_rule_config_init(&rc);
  rc.name = "pm-zone-hour";
  rc.metric = "pm25";
  rc.window.kind = JJ_WINDOW_TUMBLING;
  rc.window.span_ms = 3600000;
  rc.group = JJ_GROUP_AVG;
  rc.group_by = "zone";
  rc.on_missing = JJ_MISSING_RESOLVE;
  rc.stale_after_ms = 7200000;
  r = rule(b, &rc);
  level(b, r, "advisory", JJ_CMP_GE, 75, JJ_CMP_LT, 35, 2);
  /* hopping max per zone, sliding max per zone */
  jj_rule_config_init(&rc);
  rc.name = "pm-zone-hop";
  rc.metric = "pm25";
  rc.window.kind = JJ_WINDOW_TUMBLING;
  rc.window.span_ms = 1200000;
  rc.window.hop_ms = 300000;
  rc.group = JJ_GROUP_MAX;
  rc.group_by = "zone";
  r = rule(b, &rc);
  level(b, r, "high", JJ_CMP_GE, 150, JJ_CMP_NONE, 0, 1);
  jj_rule_config_init(&rc);
  rc.name = "pm-zone-min";
  rc.metric = "pm25";
  rc.window.span_ms = 120000;
  rc.group = JJ_GROUP_MIN;
  rc.group_by = "zone";
  rc.group_min_members = 2;
  r = rule(b, &rc);
  level(b, r, "all-high", JJ_CMP_GE, 100, JJ_CMP_LT, 80, 1);
  /* temperature: rate of rise per robot sensor, k-of-n per robot */
  jj_rule_config_init(&rc);
  rc.name = "heat-ror";
  rc.metric = "temp";
  rc.window.span_ms = 60000;
  rc.window.min_samples = 3;
  rc.aggregate = JJ_AGG_SLOPE;
  rc.scale = 60;
  rc.on_missing = JJ_MISSING_RESOLVE;
  rc.stale_after_ms = 120000;
  r = rule(b, &rc);
  level(b, r, "ror", JJ_CMP_GE, 8, JJ_CMP_LT, 4, 1);
  jj_rule_config_init(&rc);
  rc.name = "heat-2ofn";
  rc.metric = "temp";
  rc.window.span_ms = 30000;
  rc.group = JJ_GROUP_K_OF_N;
  rc.group_by = "robot";
  rc.member_op = JJ_CMP_GE;
  rc.member_value = 57;
  rc.group_within_ms = 30000;
  rc.on_missing = JJ_MISSING_ALERT;
  rc.stale_after_ms = 60000;
  r = rule(b, &rc);
  level(b, r, "fire", JJ_CMP_GE, 2, JJ_CMP_NONE, 0, 1);
  /* smoke: the last of a count window, then heat AND smoke per robot */
  jj_rule_config_init(&rc);
  rc.name = "smoke";
  rc.metric = "smoke";
  rc.window.kind = JJ_WINDOW_SLIDING_COUNT;
  rc.window.count = 3;
  rc.aggregate = JJ_AGG_MAX;
  r = rule(b, &rc);
  level(b, r, "smoke", JJ_CMP_GE, 0.5, JJ_CMP_LT, 0.2, 2);
  jj_rule_config_init(&rc);
  rc.name = "fire";
  rc.group = JJ_GROUP_RULES;
  rc.group_by = "robot";
  rc.sources = "heat-ror,smoke";
  rc.group_within_ms = 60000;
  r = rule(b, &rc);
  level(b, r, "fire", JJ_CMP_GE, 2, JJ_CMP_NONE, 0, 1);
  /* a percentile over a time window */
  jj_rule_config_init(&rc);
  rc.name = "smoke-p90";
  rc.metric = "smoke";
  rc.window.span_ms = 300000;
  rc.window.percentile = 0.9;
  rc.aggregate = JJ_AGG_PERCENTILE;
  r = rule(b, &rc);
  level(b, r, "p90", JJ_CMP_GE, 0.8, JJ_CMP_NONE, 0, 1);
  jj_ruleset *rs = NULL;
  jj_error err;
  jj_status st = jj_ruleset_builder_build(b, &rs, &err);
  if (st != JJ_OK) (void)fprintf(stderr, "build: %s\n", err.message);
  CHECK(st == JJ_OK);
  jj_ruleset_builder_free(b);
  return rs;
}

/* ---- a failing allocator ---------------------------------------------------- */

typedef struct fail_alloc {
  unsigned long calls, fail_at, every;
} fail_alloc;

static int should_fail(fail_alloc *a) {
  a->calls++;
  return a->calls == a->fail_at || (a->every && a->calls % a->every == 0);
}

static void *fa_malloc(void *ctx, size_t n) { return should_fail(ctx) ? NULL : malloc(n); }

static void *fa_realloc(void *ctx, void *p, size_t old, size_t n) {
  (void)old;
  return should_fail(ctx) ? NULL : realloc(p, n);
}

static void fa_free(void *ctx, void *p) {
  (void)ctx;
  free(p);
}

/* ---- alert states as two consumers see them ------------------------------ */

#define MAX_ALERTS 1024

typedef struct view {
  uint64_t fp[MAX_ALERTS];
  int level[MAX_ALERTS], nodata[MAX_ALERTS], quality[MAX_ALERTS];
  uint32_t n;
  int full;
} view;

static void view_note(view *v, const jj_event *ev) {
  uint32_t i = 0;
  while (i < v->n && v->fp[i] != ev->fingerprint) i++;
  if (i == v->n) {
    if (v->n == MAX_ALERTS) {
      v->full = 1;
      return;
    }
    v->fp[v->n] = ev->fingerprint;
    v->level[v->n] = v->nodata[v->n] = v->quality[v->n] = 0;
    v->n++;
  }
  switch (ev->kind) {
    case JJ_EVENT_NODATA: v->nodata[i] = 1; break;
    case JJ_EVENT_NODATA_RESOLVED: v->nodata[i] = 0; break;
    case JJ_EVENT_QUALITY: v->quality[i] = 1; break;
    case JJ_EVENT_QUALITY_RESOLVED: v->quality[i] = 0; break;
    case JJ_EVENT_FIRED:
    case JJ_EVENT_ESCALATED:
    case JJ_EVENT_DOWNGRADED:
    case JJ_EVENT_RESOLVED:
    case JJ_EVENT_REPEAT:
    case JJ_EVENT_FLAPPING:
    case JJ_EVENT_FLAPPING_END:
    case JJ_EVENT_ACTIVE: v->level[i] = ev->level; break;
  }
}

/* ---- the program's state ----------------------------------------------------- */

#define MAX_IDS 64

typedef struct run {
  jj_engine *e;
  int queued; /* the engine has a poll queue */
  uint64_t delivered, last_seq, last_polled;
  int64_t last_time;
  view cb, polled;
  jj_series_id ids[MAX_IDS];
  uint32_t nids;
  char big[JJ_MAX_LABEL_BYTES + 2];
} run;

static run *g_run; /* the callback's context */

static void check_event(const jj_event *ev) {
  CHECK(ev->kind >= JJ_EVENT_FIRED && ev->kind <= JJ_EVENT_QUALITY_RESOLVED);
  CHECK(ev->level >= 0 && ev->level <= JJ_MAX_LEVELS);
  CHECK(ev->prev_level >= 0 && ev->prev_level <= JJ_MAX_LEVELS);
  CHECK(ev->rule && ev->level_name && ev->severity && ev->metric);
  CHECK(ev->nlabels == 0 || ev->labels);
  if (ev->window_start_ms == INT64_MIN || ev->window_end_ms == INT64_MIN)
    CHECK(ev->window_start_ms == INT64_MIN && ev->window_end_ms == INT64_MIN);
  else
    CHECK(ev->window_start_ms <= ev->window_end_ms);
  CHECK(ev->fingerprint == jj_fingerprint(ev->rule, ev->labels, ev->nlabels));
  if (ev->seq % 8 != 1) return; /* text for a sample of events: the engine is the target */
  char small[8], buf[4096];
  size_t n = jj_event_json(ev, small, sizeof small);
  CHECK(n > 0 && jj_event_json(ev, buf, sizeof buf) == n);
  CHECK(n >= sizeof buf || strlen(buf) == n);
  for (uint32_t i = 0; i < jj_event_annotation_count(ev); i++) {
    size_t m = jj_event_render(ev, i, NULL, 0);
    CHECK(jj_event_render(ev, i, small, sizeof small) == m);
    CHECK(jj_event_render(ev, i, buf, sizeof buf) == m);
    CHECK(strlen(small) == (m < sizeof small ? m : sizeof small - 1));
  }
}

static void on_event(void *ctx, const jj_event *ev) {
  run *r = ctx;
  CHECK(ev->seq == r->last_seq + 1);
  r->last_seq = ev->seq;
  r->delivered++;
  CHECK(ev->time_ms >= r->last_time);
  r->last_time = ev->time_ms;
  CHECK(ev->time_ms == jj_engine_now(r->e));
  check_event(ev);
  view_note(&r->cb, ev);
  /* calls that change the engine are refused from here */
  CHECK(jj_engine_push(r->e, 0, ev->time_ms, 1) == JJ_ESTATE);
  CHECK(jj_engine_advance(r->e, ev->time_ms) == JJ_ESTATE);
  CHECK(jj_engine_poll(r->e) == NULL);
}

static int visit(void *ctx, const jj_event *ev) {
  run *r = ctx;
  CHECK(ev->kind == JJ_EVENT_ACTIVE && ev->seq == 0);
  CHECK(ev->level > 0 || ev->reason == JJ_REASON_STALE);
  CHECK(jj_engine_forget(r->e, 0) == JJ_ESTATE);
  char buf[64];
  (void)jj_event_json(ev, buf, sizeof buf);
  return 0;
}

static void poll_some(run *r, unsigned n) {
  for (unsigned k = 0; k < n; k++) {
    const jj_event *ev = jj_engine_poll(r->e);
    if (!ev) break;
    CHECK(ev->seq > r->last_polled && ev->seq <= r->last_seq);
    r->last_polled = ev->seq;
    check_event(ev);
    view_note(&r->polled, ev);
  }
}

static const double k_values[] = {0,    10,    29.9, 30,   35,   60,    74.9,   75,  80,
                                  150,  999,   1000, 1001, -1,   57,    0.5,    0.2, 1e308,
                                  -1e308, 1e12, NAN, INFINITY, -INFINITY, 5e-324, 200, 56.9};
#define NVALUES (sizeof k_values / sizeof k_values[0])

static double value_of(input *in) {
  unsigned b = u8(in);
  if (b < 128) return k_values[b % NVALUES];
  return (double)(b - 128) * 2.0 + (double)u8(in) / 256.0;
}

/* A label set for a new series, from 2 bytes. */
static jj_status make_series(run *r, input *in, jj_series_id *id) {
  static const char *const metrics[] = {"pm25", "temp", "smoke", "other"};
  static const char *const zones[] = {"z0", "z1", "z2", "z3"};
  static const char *const stations[] = {"s0", "s1", "s2", "xab", "s4", "s5", "s\xff", ""};
  static const char *const robots[] = {"r0", "r1", "r2", "r3"};
  unsigned a = u8(in), b = u8(in);
  const char *metric = metrics[a & 3];
  jj_label l[3];
  uint32_t n = 0;
  if ((a & 3) == 0) {
    l[n++] = (jj_label){"zone", zones[(a >> 2) & 3]};
    l[n++] = (jj_label){"station", stations[b & 7]};
  } else {
    l[n++] = (jj_label){"robot", robots[(a >> 2) & 3]};
    l[n++] = (jj_label){"sensor", stations[b & 7]};
  }
  if (a & 0x40) l[n++] = (jj_label){"extra", (a & 0x80) ? r->big : "v"};
  if ((b & 0xF0) == 0xF0) l[n - 1].name = l[0].name; /* a repeated name: JJ_EINVAL */
  return jj_engine_series(r->e, metric, l, n, id);
}

static jj_series_id pick(run *r, input *in) {
  unsigned b = u8(in);
  if (!r->nids || b == 255) return (jj_series_id)b; /* maybe unknown */
  return r->ids[b % r->nids];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!g_rs) g_rs = build_rules();
  input in = {data, size};
  static run r;
  memset(&r, 0, sizeof r);
  memset(r.big, 'b', JJ_MAX_LABEL_BYTES + 1);
  r.big[JJ_MAX_LABEL_BYTES + 1] = '\0';
  r.last_time = INT64_MIN;
  g_run = &r;

  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  unsigned c0 = u8(&in), c1 = u8(&in), c2 = u8(&in);
  cfg.event_queue = 1 + (c0 & 15);
  cfg.lateness_ms = (int64_t)((c0 >> 4) & 3) * 30000;
  cfg.max_future_ms = (c0 & 0x40) ? -1 : (c0 & 0x80) ? INT64_MAX : 0;
  cfg.series_idle_ms = (c1 & 1) ? 900000 : 0;
  cfg.max_series = 1 + ((c1 >> 1) & 31);
  cfg.max_groups = 1 + ((c1 >> 6) & 3);
  cfg.flags = (c2 & 7) == 7 ? JJ_ENGINE_NO_QUEUE : 0;
  cfg.on_event = on_event;
  cfg.on_event_ctx = &r;
  fail_alloc fa = {0, 0, 0};
  jj_allocator alc = {fa_malloc, fa_realloc, fa_free, &fa};
  if ((c2 & 0x18) == 0x18) {
    fa.fail_at = 1 + u8(&in);
    fa.every = (c2 & 0x20) ? 0 : 7 + (c2 >> 6);
  }
  jj_status st = jj_engine_new(g_rs, &cfg, fa.fail_at ? &alc : NULL, &r.e);
  if (st != JJ_OK) {
    CHECK(st == JJ_ENOMEM && fa.fail_at);
    return 0;
  }
  r.queued = !(cfg.flags & JJ_ENGINE_NO_QUEUE);
  int64_t t = 1700000000000;
  uint64_t ok_pushes = 0;
  for (unsigned ops = 0; in.n && ops < 4096; ops++) {
    unsigned op = u8(&in);
    switch (op % 11) {
      case 0: { /* series */
        jj_series_id id;
        st = make_series(&r, &in, &id);
        CHECK(st == JJ_OK || st == JJ_ELIMIT || st == JJ_EINVAL || st == JJ_ENOMEM);
        if (st == JJ_OK && r.nids < MAX_IDS) r.ids[r.nids++] = id;
        break;
      }
      case 1:
      case 2:
      case 3: { /* push: time steps of 0..255 s, sometimes back */
        jj_series_id id = pick(&r, &in);
        unsigned d = u8(&in);
        int64_t ts = (op & 0x80) ? t - (int64_t)d * 1000 : (t += (int64_t)d * 1000);
        st = jj_engine_push(r.e, id, ts, value_of(&in));
        ok_pushes += st == JJ_OK;
        break;
      }
      case 4: { /* a batch of up to 16 readings 10 s apart (records or columns) */
        jj_sample smp[16];
        unsigned n = 1 + (u8(&in) & 15);
        for (unsigned k = 0; k < n; k++) {
          smp[k].series = pick(&r, &in);
          smp[k].flags = (op & 0x80) && k == 0;
          smp[k].ts_ms = (t += 10000);
          smp[k].value = value_of(&in);
        }
        size_t acc = 0;
        if (op & 0x40) { /* the same readings as columns (no flags there) */
          jj_series_id ids[16];
          int64_t ts[16];
          double vals[16];
          for (unsigned k = 0; k < n; k++) {
            ids[k] = smp[k].series;
            ts[k] = smp[k].ts_ms;
            vals[k] = smp[k].value;
          }
          (void)jj_engine_push_columns(r.e, (op & 0x20) ? NULL : ids, ids[0], ts, vals, n, &acc);
        } else {
          (void)jj_engine_push_batch(r.e, smp, n, &acc);
        }
        CHECK(acc <= n);
        ok_pushes += acc;
        break;
      }
      case 5: { /* advance: up to 65535 s, or a jump */
        unsigned d = u16(&in);
        if (op & 0x80) d = (d & 0xFFF) * 60; /* up to 68 h at once */
        if ((op & 0x40) && d < 2) {
          CHECK(jj_engine_advance(r.e, INT64_MAX) == JJ_EINVAL);
          break;
        }
        t += (int64_t)d * 1000;
        CHECK(jj_engine_advance(r.e, t) == JJ_OK);
        break;
      }
      case 6: poll_some(&r, 1 + u8(&in)); break;
      case 7: { /* forget */
        jj_series_id id = pick(&r, &in);
        st = jj_engine_forget(r.e, id);
        CHECK(st == JJ_OK || st == JJ_ENOTFOUND);
        break;
      }
      case 8: CHECK(jj_engine_foreach_alert(r.e, visit, &r) == JJ_OK); break;
      case 9: { /* alert state */
        jj_alert_state as;
        jj_series_id id = pick(&r, &in);
        st = jj_engine_alert_state(r.e, id, u8(&in) % 12, &as);
        CHECK(st == JJ_OK || st == JJ_ENOTFOUND);
        if (st == JJ_OK) CHECK(as.level >= 0 && as.level <= JJ_MAX_LEVELS);
        break;
      }
      case 10: { /* push_labeled */
        jj_label l = {"station", (op & 0x80) ? "s9" : "s1"};
        st = jj_engine_push_labeled(r.e, "pm25", &l, 1, (t += 1000), value_of(&in));
        ok_pushes += st == JJ_OK;
        break;
      }
      default: break;
    }
    jj_engine_stats s;
    jj_engine_stats_get(r.e, &s);
    CHECK(s.events == r.delivered);
    CHECK(s.accepted >= ok_pushes);
    CHECK(s.series <= cfg.max_series);
    if (!r.queued) CHECK(s.events_dropped == 0 && s.events_superseded == 0);
  }
  /* a poll-only consumer ends where the callback's consumer does */
  poll_some(&r, UINT32_MAX);
  CHECK(jj_engine_poll(r.e) == NULL);
  jj_engine_stats s;
  jj_engine_stats_get(r.e, &s);
  if (r.queued && s.events_dropped == 0 && !r.cb.full && !r.polled.full) {
    for (uint32_t i = 0; i < r.cb.n; i++) {
      uint32_t j = 0;
      while (j < r.polled.n && r.polled.fp[j] != r.cb.fp[i]) j++;
      CHECK(j < r.polled.n); /* every alert that had events was polled */
      CHECK(r.polled.level[j] == r.cb.level[i]);
      CHECK(r.polled.nodata[j] == r.cb.nodata[i]);
      CHECK(r.polled.quality[j] == r.cb.quality[i]);
    }
    CHECK(r.polled.n == r.cb.n);
  }
  if (getenv("JJ_FUZZ_VERBOSE"))
    (void)fprintf(stderr,
                  "series %u events %llu polled-alerts %u superseded %llu dropped %llu "
                  "accepted %llu undecided %llu refused %llu\n",
                  r.nids, (unsigned long long)s.events, r.polled.n,
                  (unsigned long long)s.events_superseded, (unsigned long long)s.events_dropped,
                  (unsigned long long)s.accepted, (unsigned long long)s.match_undecided,
                  (unsigned long long)s.group_refused);
  jj_engine_free(r.e);
  return 0;
}
