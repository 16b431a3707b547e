/* Rules that share one window per series. The engine gives rules with
 * equal window settings one window and judges a sample for all of them
 * from a per-window "quiet summary" (the tightest threshold per aggregate)
 * until one of them fires or builds a streak. None of that may change what
 * a rule does: each rule run on its own engine, with a window to itself,
 * must give exactly the events it gives among 16 others. */
/* cmocka needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_testutil.h"
#include "jjair/jjair.h"

#define SEC 1000LL
#define T0 1700000000000LL
#define NRULES 16
#define NSERIES 6
#define MAX_EVENTS 20000

/* One rule of the mix: aggregate, direction, levels, persistence. */
typedef struct mix_rule {
  jj_agg agg;
  jj_cmp op;
  double issue[2], clear[2]; /* two levels; the second more severe */
  uint32_t for_count;
  uint32_t clear_for_count;
} mix_rule;

static void mix_rule_at(int i, mix_rule *m) {
  static const jj_agg aggs[] = {JJ_AGG_MEAN, JJ_AGG_MAX, JJ_AGG_MIN, JJ_AGG_LAST, JJ_AGG_SUM};
  memset(m, 0, sizeof *m);
  m->agg = aggs[i % 5];
  int high = (i / 5) % 2 == 0 || m->agg == JJ_AGG_MAX; /* mostly "too high" rules */
  /* The stream idles near 25 (6 samples a minute, so a sum near 150):
   * every rule is quiet there, so the shared window's summary is in use,
   * and bursts and dips cross the thresholds from a quiet state. */
  double unit = m->agg == JJ_AGG_SUM ? 6.0 : 1.0;
  if (high) {
    m->op = i % 3 ? JJ_CMP_GE : JJ_CMP_GT;
    m->issue[0] = (50.0 + 10.0 * (i % 4)) * unit;
    m->issue[1] = m->issue[0] + 20.0 * unit;
    m->clear[0] = m->issue[0] - 10.0 * unit;
    m->clear[1] = m->issue[1] - 10.0 * unit;
  } else {
    m->op = i % 3 ? JJ_CMP_LT : JJ_CMP_LE;
    m->issue[0] = (12.0 - 3.0 * (i % 3)) * unit;
    m->issue[1] = m->issue[0] - 3.0 * unit;
    m->clear[0] = m->issue[0] + 3.0 * unit;
    m->clear[1] = m->issue[1] + 3.0 * unit;
  }
  m->for_count = 1 + (uint32_t)(i % 3);
  m->clear_for_count = 1 + (uint32_t)(i % 2);
}

static void add_mix_rule(jj_ruleset_builder *b, int i) {
  mix_rule m;
  mix_rule_at(i, &m);
  char name[16];
  snprintf(name, sizeof name, "r%02d", i);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = name;
  rc.metric = "pm25";
  rc.window.kind = JJ_WINDOW_SLIDING_TIME;
  rc.window.span_ms = 60 * SEC;
  rc.window.aggregates = JJ_AGG_BIT(m.agg);
  rc.aggregate = m.agg;
  const jj_cmp clear_op = m.op == JJ_CMP_GE || m.op == JJ_CMP_GT ? JJ_CMP_LT : JJ_CMP_GT;
  jj_level_config lv[2];
  for (int k = 0; k < 2; k++) {
    lv[k] =
        et_level(k ? "warning" : "advisory", m.op, m.issue[k], clear_op, m.clear[k], m.for_count);
    lv[k].clear_for_count = m.clear_for_count;
  }
  et_add(b, &rc, lv, 2);
}

/* rules [first, first + n) of the mix */
static jj_ruleset *mix_rules(int first, int n) {
  jj_ruleset_builder *b;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  for (int i = first; i < first + n; i++) add_mix_rule(b, i);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  return rs;
}

/* What is compared: everything an event says about the alert. */
typedef struct ev_rec {
  char rule[16];
  char station[8];
  int kind, level, prev_level;
  int64_t time_ms, sample_ts_ms;
  double value;
} ev_rec;

typedef struct ev_log {
  ev_rec ev[MAX_EVENTS];
  size_t n;
} ev_log;

static void on_event(void *ctx, const jj_event *ev) {
  ev_log *log = ctx;
  assert_true(log->n < MAX_EVENTS);
  ev_rec *r = &log->ev[log->n++];
  memset(r, 0, sizeof *r);
  snprintf(r->rule, sizeof r->rule, "%s", ev->rule);
  for (uint32_t i = 0; i < ev->nlabels; i++)
    if (strcmp(ev->labels[i].name, "station") == 0)
      snprintf(r->station, sizeof r->station, "%s", ev->labels[i].value);
  r->kind = (int)ev->kind;
  r->level = ev->level;
  r->prev_level = ev->prev_level;
  r->time_ms = ev->time_ms;
  r->sample_ts_ms = ev->sample_ts_ms;
  r->value = ev->value;
}

/* An engine over `rs` that records its events in `log` (emptied first). */
static jj_engine *logging_engine(jj_ruleset *rs, ev_log *log) {
  memset(log, 0, sizeof *log);
  jj_engine_config ec;
  jj_engine_config_init(&ec);
  ec.on_event = on_event;
  ec.on_event_ctx = log;
  jj_engine *e;
  assert_int_equal(jj_engine_new(rs, &ec, NULL, &e), JJ_OK);
  return e;
}

static uint64_t rng_next(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* A PM2.5-like random walk per station with bursts and dips, so every rule
 * fires, escalates, downgrades and resolves many times. */
static void feed(jj_engine *e, uint64_t seed, int minutes) {
  jj_series_id ids[NSERIES];
  char names[NSERIES][8];
  for (int i = 0; i < NSERIES; i++) {
    snprintf(names[i], sizeof names[i], "s%d", i);
    jj_label l = {"station", names[i]};
    assert_int_equal(jj_engine_series(e, "pm25", &l, 1, &ids[i]), JJ_OK);
  }
  int burst[NSERIES] = {0}; /* samples left in a burst (> 0) or a dip (< 0) */
  double height[NSERIES] = {0};
  int64_t t = T0;
  for (int s = 0; s < minutes * 6; s++, t += 10 * SEC) { /* one sample per 10 s */
    for (int i = 0; i < NSERIES; i++) {
      uint64_t r = rng_next(&seed);
      double v = 20.0 + (double)(r % 11); /* idle: 20..30 */
      if (burst[i] == 0 && (r >> 8) % 150 == 0) {
        burst[i] = 1 + (int)((r >> 16) % 40);
        height[i] = 40.0 + (double)((r >> 24) % 120);
      } else if (burst[i] == 0 && (r >> 8) % 150 == 1) {
        burst[i] = -1 - (int)((r >> 16) % 8);
        height[i] = (double)((r >> 24) % 12);
      }
      if (burst[i] > 0) {
        v = height[i] + (double)(r % 7);
        burst[i]--;
      } else if (burst[i] < 0) {
        v = height[i];
        burst[i]++;
      }
      /* Only some stations report each tick: windows differ in length. */
      if ((r >> 40) % 5 == 0) continue;
      assert_int_equal(jj_engine_push(e, ids[i], t, v), JJ_OK);
    }
  }
}

static int same_event(const ev_rec *a, const ev_rec *b) {
  return strcmp(a->rule, b->rule) == 0 && strcmp(a->station, b->station) == 0 &&
         a->kind == b->kind && a->level == b->level && a->prev_level == b->prev_level &&
         a->time_ms == b->time_ms && a->sample_ts_ms == b->sample_ts_ms &&
         (a->value == b->value || (isnan(a->value) && isnan(b->value)));
}

static void run_equivalence(uint64_t seed) {
  static ev_log shared, alone;
  jj_ruleset *all = mix_rules(0, NRULES);
  jj_engine *e = logging_engine(all, &shared);
  feed(e, seed, 1200);
  jj_engine_free(e);
  jj_ruleset_free(all);

  int fired_rules = 0;
  for (int i = 0; i < NRULES; i++) {
    jj_ruleset *one = mix_rules(i, 1);
    e = logging_engine(one, &alone);
    feed(e, seed, 1200);
    jj_engine_free(e);
    jj_ruleset_free(one);

    /* The shared engine's events of this rule, in order, equal these. */
    char name[8];
    snprintf(name, sizeof name, "r%02d", i);
    size_t k = 0, escalated = 0;
    for (size_t j = 0; j < shared.n; j++) {
      if (strcmp(shared.ev[j].rule, name) != 0) continue;
      if (k >= alone.n || !same_event(&shared.ev[j], &alone.ev[k]))
        fail_msg(
            "seed %llu rule %s: event %zu differs when the window is shared "
            "(kind %d level %d at %lld)",
            (unsigned long long)seed, name, k, shared.ev[j].kind, shared.ev[j].level,
            (long long)shared.ev[j].time_ms);
      escalated += shared.ev[j].kind == JJ_EVENT_ESCALATED;
      k++;
    }
    if (k != alone.n)
      fail_msg("seed %llu rule %s: %zu events alone, %zu shared", (unsigned long long)seed, name,
               alone.n, k);
    /* The stream must exercise the rule, or the comparison proves little. */
    if (alone.n >= 4 && escalated >= 1) fired_rules++;
  }
  assert_true(fired_rules >= NRULES / 2);
}

static void test_shared_equals_alone(void **state) {
  (void)state;
  for (uint64_t seed = 1; seed <= 6; seed++) run_equivalence(seed);
}

/* The summary keeps one bound per aggregate: a max rule must still fire
 * when the mean stays low, and a "too low" rule when the min drops. */
static void test_summary_per_aggregate(void **state) {
  (void)state;
  jj_ruleset_builder *b;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  const jj_agg aggs[3] = {JJ_AGG_MEAN, JJ_AGG_MAX, JJ_AGG_MIN};
  const jj_cmp ops[3] = {JJ_CMP_GE, JJ_CMP_GE, JJ_CMP_LT};
  const double at[3] = {50.0, 80.0, 5.0};
  const char *names[3] = {"mean_high", "max_high", "min_low"};
  for (int i = 0; i < 3; i++) {
    jj_rule_config rc;
    jj_rule_config_init(&rc);
    rc.name = names[i];
    rc.metric = "pm25";
    rc.window.span_ms = 60 * SEC;
    rc.window.aggregates = JJ_AGG_BIT(aggs[i]);
    rc.aggregate = aggs[i];
    jj_level_config lv = et_level("alarm", ops[i], at[i], JJ_CMP_NONE, 0, 1);
    et_add(b, &rc, &lv, 1);
  }
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  static ev_log log;
  jj_engine *e = logging_engine(rs, &log);
  jj_series_id id;
  jj_label l = {"station", "s0"};
  assert_int_equal(jj_engine_series(e, "pm25", &l, 1, &id), JJ_OK);
  for (int i = 0; i < 10; i++) assert_int_equal(jj_engine_push(e, id, T0 + i * SEC, 20.0), JJ_OK);
  assert_int_equal(log.n, 0);
  /* One spike: the max crosses 80, the mean (29) does not cross 50. */
  assert_int_equal(jj_engine_push(e, id, T0 + 10 * SEC, 120.0), JJ_OK);
  assert_int_equal(log.n, 1);
  assert_string_equal(log.ev[0].rule, "max_high");
  assert_int_equal(log.ev[0].kind, JJ_EVENT_FIRED);
  /* One dip: the min falls below 5 while max_high is firing (loud). */
  assert_int_equal(jj_engine_push(e, id, T0 + 11 * SEC, 1.0), JJ_OK);
  assert_int_equal(log.n, 2);
  assert_string_equal(log.ev[1].rule, "min_low");
  assert_int_equal(log.ev[1].kind, JJ_EVENT_FIRED);
  /* Both leave the window; both resolve; then a quiet minute stays quiet. */
  for (int i = 0; i < 70; i++)
    assert_int_equal(jj_engine_push(e, id, T0 + (12 + i) * SEC, 20.0), JJ_OK);
  assert_int_equal(log.n, 4);
  assert_int_equal(log.ev[2].kind, JJ_EVENT_RESOLVED);
  assert_int_equal(log.ev[3].kind, JJ_EVENT_RESOLVED);
  /* Quiet again: a dip on a quiet slot is still seen. */
  assert_int_equal(jj_engine_push(e, id, T0 + 90 * SEC, 2.0), JJ_OK);
  assert_int_equal(log.n, 5);
  assert_string_equal(log.ev[4].rule, "min_low");
  jj_engine_free(e);
  jj_ruleset_free(rs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shared_equals_alone),
      cmocka_unit_test(test_summary_per_aggregate),
  };
  const char *filter = getenv("JJ_TEST_FILTER");
  if (filter && *filter) cmocka_set_test_filter(filter);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
