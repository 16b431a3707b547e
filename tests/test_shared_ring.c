/* Windows that share their series' sample ring (window.c, "shared
 * rings"). Sliding time windows of one series with different spans keep
 * one copy of the samples; each must still report, count and save
 * exactly what it would with a ring of its own. The reference: every
 * rule on an engine of its own (one window a series: nothing to share),
 * fed the same stream — gaps that empty windows, out-of-order samples
 * within lateness, late ones, duplicates, invalid values and enough
 * samples to grow the rings — compared window by window, bit for bit,
 * after every push, across a snapshot and restore and a reload of the same
 * rules (kept: the windows go on sharing), and across reloads that drop a
 * rule and add it back. The test also checks that the windows it compares
 * did share one ring. */
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

#include "engine_internal.h"
#include "jjair/jjair.h"
#include "series.h"
#include "window_fast.h"
#include "window_image_testutil.h"

#define SEC 1000LL
#define T0 1700000000000LL
#define NRULES 10
#define LATENESS (2500)    /* the stream's out-of-order reach */
static int64_t g_lateness; /* the engines' */
/* The rules' max_samples: over 65,536, the shared windows' min/max lanes
 * keep 32-bit positions instead of 16-bit ones (window.c, MM_POS_WIDE). */
static uint32_t g_max_samples = 400;
/* With it, a min rule shares each max rule's window (r1, r8): their lanes
 * keep both sides (the shared push's lane steps have a copy for one side
 * of 16-bit positions, the common form, and one for every other). */
static int g_both_sides;

static const jj_agg k_aggs[NRULES] = {JJ_AGG_MEAN, JJ_AGG_MAX,   JJ_AGG_MIN,   JJ_AGG_LAST,
                                      JJ_AGG_SUM,  JJ_AGG_COUNT, JJ_AGG_DELTA, JJ_AGG_FIRST,
                                      JJ_AGG_MAX,  JJ_AGG_MIN};

/* With it, the rules' thresholds are inside the stream's values (5 ..
 * 105), so their alerts fire and resolve (test_events_alike). */
static int g_firing;
static double firing_issue(jj_agg agg) {
  /* (about a sample a second) */
  if (agg == JJ_AGG_SUM) return 900.0;
  if (agg == JJ_AGG_COUNT) return 15.0;
  if (agg == JJ_AGG_DELTA) return 30.0;
  if (agg == JJ_AGG_MIN) return 25.0;
  if (agg == JJ_AGG_MAX) return 100.0;
  if (agg == JJ_AGG_MEAN) return 62.0;
  return 70.0; /* first, last */
}

/* Rule i of the mix (span 5 s + 3 i) reading `agg`, named `name`. */
static void add_rule(jj_ruleset_builder *b, const char *name, int i, jj_agg agg,
                     jj_dup_policy dups) {
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = name;
  rc.metric = "pm25";
  rc.window.kind = JJ_WINDOW_SLIDING_TIME;
  rc.window.span_ms = (5 + 3 * i) * SEC;
  rc.window.aggregates = JJ_AGG_BIT(agg);
  rc.window.duplicates = dups;
  rc.window.max_samples = g_max_samples; /* never reached; bounds the estimate's growth */
  rc.aggregate = agg;
  uint32_t idx;
  jj_error err;
  assert_int_equal(jj_ruleset_builder_add_rule(b, &rc, &idx, &err), JJ_OK);
  jj_level_config lc;
  jj_level_config_init(&lc);
  lc.name = "high";
  lc.issue_value = g_firing ? firing_issue(agg) : 1e12; /* quiet: the windows are compared */
  /* Firing after 3 s: an advance that finds the value still past the
   * threshold, in its window as time left it, fires it. */
  if (g_firing) lc.for_ms = 3 * SEC;
  assert_int_equal(jj_ruleset_builder_add_level(b, idx, &lc, &err), JJ_OK);
}

/* Rules `from` .. `to` - 1 of the mix: spans 5 s, 8 s, ... 32 s (with
 * g_both_sides, after them a min rule over each max rule's window: the
 * two share that window, whose lane then keeps both sides). */
static jj_ruleset *rules(int from, int to, jj_dup_policy dups) {
  jj_ruleset_builder *b;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  char name[16];
  for (int i = from; i < to; i++) {
    snprintf(name, sizeof name, "r%d", i);
    add_rule(b, name, i, k_aggs[i], dups);
  }
  for (int i = from; i < to && g_both_sides; i++) {
    if (k_aggs[i] != JJ_AGG_MAX) continue;
    snprintf(name, sizeof name, "r%dmin", i);
    add_rule(b, name, i, JJ_AGG_MIN, dups);
  }
  jj_ruleset *rs;
  jj_error err;
  assert_int_equal(jj_ruleset_builder_build(b, &rs, &err), JJ_OK);
  jj_ruleset_builder_free(b);
  return rs;
}

static jj_engine *engine(jj_ruleset *rs, jj_series_id *id) {
  jj_engine_config ec;
  jj_engine_config_init(&ec);
  ec.lateness_ms = g_lateness;
  jj_engine *e;
  assert_int_equal(jj_engine_new(rs, &ec, NULL, &e), JJ_OK);
  jj_label l = {"station", "a"};
  assert_int_equal(jj_engine_series(e, "pm25", &l, 1, id), JJ_OK);
  return e;
}

/* The window of rule `rule` in series `id`. */
static const jj_window *window_of(const jj_engine *e, jj_series_id id, uint32_t rule) {
  const jj_series *s = e->series[id];
  for (uint32_t i = 0; i < s->ninst; i++)
    if (jj__inst_rule_index(e->rs, &jj__series_inst(s)[i]) == rule) return jj__slot_win(s, &s->slots[jj__inst_slot(&jj__series_inst(s)[i])]);
  fail_msg("rule %u has no window", rule);
  return NULL;
}

static uint64_t bits(double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}

/* Window a (shared) against b (alone): the same stats (and, with
 * `counters`, the same counters). */
static void same_values(const jj_window *a, const jj_window *b, int rule, long step, int counters) {
  jj_window_stats x, y;
  jj_status sx = jj_window_stats_get(a, &x), sy = jj_window_stats_get(b, &y);
  if (sx != sy || x.count != y.count || x.start_ms != y.start_ms || x.end_ms != y.end_ms ||
      x.complete != y.complete)
    fail_msg("rule %d step %ld: status %d/%d count %llu/%llu", rule, step, sx, sy,
             (unsigned long long)x.count, (unsigned long long)y.count);
  for (int k = 0; k < JJ_AGG_SLOTS; k++)
    if (bits(x.value[k]) != bits(y.value[k]))
      fail_msg("rule %d step %ld: %s %.17g (shared) vs %.17g (alone)", rule, step,
               jj_agg_name(k) ? jj_agg_name(k) : "?", x.value[k], y.value[k]);
  /* The one-aggregate read too (its own path: jj_window_value). */
  double va, vb;
  sx = jj_window_value(a, k_aggs[rule], &va);
  sy = jj_window_value(b, k_aggs[rule], &vb);
  if (sx != sy || bits(va) != bits(vb))
    fail_msg("rule %d step %ld: jj_window_value %d %.17g (shared) vs %d %.17g (alone)", rule, step,
             sx, va, sy, vb);
  if (!counters) return;
  jj_window_counters cx, cy;
  jj_window_counters_get(a, &cx);
  jj_window_counters_get(b, &cy);
  if (memcmp(&cx, &cy, sizeof cx) != 0)
    fail_msg(
        "rule %d step %ld: counters differ (accepted %llu/%llu evicted %llu/%llu late "
        "%llu/%llu dup %llu/%llu)",
        rule, step, (unsigned long long)cx.accepted, (unsigned long long)cy.accepted,
        (unsigned long long)cx.evicted, (unsigned long long)cy.evicted,
        (unsigned long long)cx.rejected_late, (unsigned long long)cy.rejected_late,
        (unsigned long long)cx.duplicates, (unsigned long long)cy.duplicates);
}

static void same_window(const jj_window *a, const jj_window *b, int rule, long step) {
  same_values(a, b, rule, step, 1);
}

/* The series' slots are marked as its rings' (jj_slot.ring: `first`
 * has bit j set when slot j is a ring's first, the others are members),
 * and the deadline the engine keeps for its windows, asked of each ring
 * once (jj__wring_due), is the earliest of its windows' own. */
static void ring_due_marked(const jj_engine *e, jj_series_id id, uint32_t first, long step) {
  const jj_series *s = e->series[id];
  int64_t least = INT64_MAX;
  for (uint32_t j = 0; j < s->nslots; j++) {
    assert_int_equal(s->slots[j].ring,
                     (first >> j & 1) ? JJ_SLOT_RING_FIRST : JJ_SLOT_RING_MEMBER);
    const int64_t d = jj__window_due(jj__slot_win(s, &s->slots[j]));
    if (d < least) least = d;
  }
  if (jj__series_windows_due(s) != least)
    fail_msg("step %ld: the windows are due at %lld, not %lld", step,
             (long long)jj__series_windows_due(s), (long long)least);
}
static void ring_due_right(const jj_engine *e, jj_series_id id, long step) {
  ring_due_marked(e, id, 1, step); /* one ring */
}

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;
static uint64_t rng(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

typedef struct what_happened {
  long ooo, late, dups, gaps, invalid;
} what_happened;

/* The next sample of the stream after time *t. */
static void next_sample(int64_t *t, int64_t *ts, double *v, what_happened *w) {
  const uint64_t r = rng() % 100;
  *v = 5.0 + (double)(rng() % 10000) / 100.0;
  if (r < 60) { /* in order, 0.1 .. 1.5 s later */
    *t += 100 + (int64_t)(rng() % 1400);
    *ts = *t;
  } else if (r < 75) { /* out of order, within lateness */
    *ts = *t - (int64_t)(rng() % LATENESS);
    w->ooo++;
  } else if (r < 80) { /* too late */
    *ts = *t - LATENESS - 1 - (int64_t)(rng() % 5000);
    w->late++;
  } else if (r < 88) { /* the same time as the newest */
    *ts = *t;
    w->dups++;
  } else if (r < 90) { /* a gap that empties every window */
    *t += 40 * SEC;
    *ts = *t;
    w->gaps++;
  } else if (r < 91) {
    *ts = *t;
    *v = NAN;
    w->invalid++;
  } else {
    *t += 1;
    *ts = *t;
  }
}

/* One engine with the rules r0 .. r9 (their windows share a ring) and,
 * as the reference, each rule on an engine of its own (nothing to share);
 * one series "station=a" in each. */
typedef struct twins {
  jj_ruleset *all, *one[NRULES];
  jj_engine *shared, *alone[NRULES];
  jj_series_id sid, aid[NRULES];
} twins;

static void twins_make(twins *x, jj_dup_policy dups) {
  x->all = rules(0, NRULES, dups);
  x->shared = engine(x->all, &x->sid);
  for (int i = 0; i < NRULES; i++) {
    x->one[i] = rules(i, i + 1, dups);
    x->alone[i] = engine(x->one[i], &x->aid[i]);
  }
}

static void twins_free(twins *x) {
  for (int i = 0; i < NRULES; i++) {
    jj_engine_free(x->alone[i]);
    jj_ruleset_free(x->one[i]);
  }
  jj_engine_free(x->shared);
  jj_ruleset_free(x->all);
}

static void run_mix(jj_dup_policy dups, int64_t lateness) {
  g_lateness = lateness;
  twins x;
  twins_make(&x, dups);
  /* They share: one ring for the series' ten windows. */
  for (uint32_t i = 1; i < NRULES; i++)
    assert_true(
        jj__window_shares_with(window_of(x.shared, x.sid, 0), window_of(x.shared, x.sid, i)));
  assert_false(jj__window_shares_with(window_of(x.alone[0], x.aid[0], 0),
                                      window_of(x.alone[1], x.aid[1], 0)));
  what_happened w = {0};
  int64_t t = T0;
  size_t most = 0;
  for (long step = 0; step < 6000; step++) {
    int64_t ts;
    double v;
    next_sample(&t, &ts, &v, &w);
    jj_status st = jj_engine_push(x.shared, x.sid, ts, v);
    for (int i = 0; i < NRULES; i++) {
      jj_status sa = jj_engine_push(x.alone[i], x.aid[i], ts, v);
      if (st != sa) fail_msg("step %ld rule %d: status %d (shared) vs %d (alone)", step, i, st, sa);
      same_window(window_of(x.shared, x.sid, (uint32_t)i), window_of(x.alone[i], x.aid[i], 0), i,
                  step);
    }
    ring_due_right(x.shared, x.sid, step);
    jj_window_stats ws;
    jj_window_stats_get(window_of(x.shared, x.sid, NRULES - 1), &ws);
    if (ws.count > most) most = (size_t)ws.count;
    if (step == 3000) { /* save and restore: the same windows after */
      size_t need = 0;
      jj_engine_snapshot(x.shared, NULL, 0, &need);
      void *buf = malloc(need);
      assert_non_null(buf);
      assert_int_equal(jj_engine_snapshot(x.shared, buf, need, &need), JJ_OK);
      jj_engine_free(x.shared);
      jj_engine_config ec;
      jj_engine_config_init(&ec);
      ec.lateness_ms = g_lateness;
      assert_int_equal(jj_engine_new(x.all, &ec, NULL, &x.shared), JJ_OK);
      jj_restore_report rep;
      jj_error err;
      assert_int_equal(jj_engine_restore(x.shared, buf, need, &rep, &err), JJ_OK);
      assert_int_equal(rep.windows_reset, 0);
      free(buf);
      ring_due_right(x.shared, x.sid, step); /* (the ring's due, unknown since the restore) */
      for (uint32_t i = 1; i < NRULES; i++)
        assert_true(
            jj__window_shares_with(window_of(x.shared, x.sid, 0), window_of(x.shared, x.sid, i)));
      for (int i = 0; i < NRULES; i++)
        same_window(window_of(x.shared, x.sid, (uint32_t)i), window_of(x.alone[i], x.aid[i], 0), i,
                    step);
    }
    if (step == 4500) { /* reload the same rules, freshly built: kept, still sharing */
      jj_ruleset *again = rules(0, NRULES, dups);
      jj_restore_report rep;
      jj_error err;
      assert_int_equal(jj_engine_reload(x.shared, again, &rep, &err), JJ_OK);
      jj_ruleset_free(again); /* the engine holds its own reference */
      assert_int_equal(rep.windows_reset, 0);
      for (uint32_t i = 1; i < NRULES; i++)
        assert_true(
            jj__window_shares_with(window_of(x.shared, x.sid, 0), window_of(x.shared, x.sid, i)));
      for (int i = 0; i < NRULES; i++)
        same_window(window_of(x.shared, x.sid, (uint32_t)i), window_of(x.alone[i], x.aid[i], 0), i,
                    step);
    }
  }
  /* The stream did what it claims: every case came, and the longest
   * window held more than the first ring's 16 samples (it grew). */
  assert_true(w.ooo > 100 && w.late > 50 && w.dups > 100 && w.gaps > 20 && w.invalid > 10);
  jj_window_counters c;
  jj_window_counters_get(window_of(x.shared, x.sid, 0), &c);
  print_message("lateness %lld: accepted %llu, duplicates %llu\n", (long long)lateness,
                (unsigned long long)c.accepted, (unsigned long long)c.duplicates);
  /* (The engine refuses what is older than its lateness before any
   * window sees it.) Out-of-order samples were taken within lateness
   * (about 850 of 6,000), and duplicates stored, replaced or refused. */
  assert_true(lateness ? c.accepted > 5000 : c.accepted < 5000);
  assert_true(c.duplicates > 300);
  assert_true(most > 32);
  /* And the ring saves memory: the engine's windows take less than the ten alone. */
  jj_engine_stats a, b;
  jj_engine_stats_get(x.shared, &a);
  size_t sum = 0;
  for (int i = 0; i < NRULES; i++) {
    jj_engine_stats_get(x.alone[i], &b);
    sum += b.memory;
  }
  assert_true(a.memory < sum);
  twins_free(&x);
}

/* What an event says, for comparing engines. */
typedef struct event_rec {
  int kind, level, prev_level;
  uint64_t value;
  int64_t time, sample_ts, win_start, win_end;
} event_rec;
#define MAX_EVENTS 4096
typedef struct event_log {
  event_rec ev[NRULES][MAX_EVENTS]; /* by rule (of the engine's ruleset: alone, always 0) */
  size_t n[NRULES];
  size_t timed; /* events of an advance (no sample) */
} event_log;
static void log_event(void *ctx, const jj_event *ev) {
  event_log *l = ctx;
  const int r = atoi(ev->rule + 1); /* "r3": the mix's rule 3 */
  assert_true(r >= 0 && r < NRULES && l->n[r] < MAX_EVENTS);
  event_rec *x = &l->ev[r][l->n[r]++];
  x->kind = (int)ev->kind;
  x->level = ev->level;
  x->prev_level = ev->prev_level;
  x->value = bits(ev->value);
  x->time = ev->time_ms;
  x->sample_ts = ev->sample_ts_ms;
  x->win_start = ev->window_start_ms;
  x->win_end = ev->window_end_ms;
  l->timed += ev->sample_ts_ms == INT64_MIN;
}

/* The engine judges a shared ring's windows as it would windows of their
 * own: with thresholds the stream crosses, the events of each rule, on
 * pushes and on advances (when a window's samples expire: the ring's
 * deadline, the earliest of its members'), are those of the rule alone.
 * Every rule reads the value after every push (the first, the last, a
 * sum...), and its alert turns loud and back (the slot leaves the quiet
 * reading and returns). `lateness`: the engines' (0: every sample is
 * settled on arrival, and the members' min and max reads take their
 * settled path, member_read_lane). */
static void events_alike(int64_t lateness) {
  g_firing = 1;
  g_lateness = lateness;
  event_log *shared = calloc(1, sizeof *shared), *alone = calloc(1, sizeof *alone);
  assert_non_null(shared);
  assert_non_null(alone);
  jj_ruleset *all = rules(0, NRULES, JJ_DUP_KEEP), *one[NRULES];
  jj_engine_config ec;
  jj_engine_config_init(&ec);
  ec.lateness_ms = lateness;
  ec.on_event = log_event;
  ec.on_event_ctx = shared;
  jj_engine *es, *ea[NRULES];
  jj_series_id sid, aid[NRULES];
  const jj_label l = {"station", "a"};
  assert_int_equal(jj_engine_new(all, &ec, NULL, &es), JJ_OK);
  assert_int_equal(jj_engine_series(es, "pm25", &l, 1, &sid), JJ_OK);
  ec.on_event_ctx = alone;
  for (int i = 0; i < NRULES; i++) {
    one[i] = rules(i, i + 1, JJ_DUP_KEEP);
    assert_int_equal(jj_engine_new(one[i], &ec, NULL, &ea[i]), JJ_OK);
    assert_int_equal(jj_engine_series(ea[i], "pm25", &l, 1, &aid[i]), JJ_OK);
  }
  for (uint32_t i = 1; i < NRULES; i++)
    assert_true(jj__window_shares_with(window_of(es, sid, 0), window_of(es, sid, i)));
  what_happened w = {0};
  int64_t t = T0, adv = INT64_MIN;
  for (long step = 0; step < 6000; step++) {
    int64_t ts;
    double v;
    next_sample(&t, &ts, &v, &w);
    jj_status st = jj_engine_push(es, sid, ts, v);
    for (int i = 0; i < NRULES; i++)
      if (jj_engine_push(ea[i], aid[i], ts, v) != st) fail_msg("step %ld rule %d: status", step, i);
    if (step % 5 == 4) { /* an advance, up to 9 s on: samples expire */
      const int64_t to = t + (int64_t)(rng() % 9000);
      if (to > adv) adv = to;
      assert_int_equal(jj_engine_advance(es, adv), JJ_OK);
      for (int i = 0; i < NRULES; i++) assert_int_equal(jj_engine_advance(ea[i], adv), JJ_OK);
      if (adv > t) t = adv;
    }
    ring_due_right(es, sid, step);
    for (int i = 0; i < NRULES; i++) {
      if (shared->n[i] != alone->n[i])
        fail_msg("step %ld rule %d: %zu events (shared) vs %zu (alone)", step, i, shared->n[i],
                 alone->n[i]);
      if (shared->n[i] && memcmp(&shared->ev[i][shared->n[i] - 1], &alone->ev[i][alone->n[i] - 1],
                                 sizeof(event_rec)))
        fail_msg("step %ld rule %d: event %zu differs", step, i, shared->n[i] - 1);
    }
  }
  size_t total = 0;
  for (int i = 0; i < NRULES; i++) {
    /* Every rule fires and resolves, again and again (in order, fewer
     * samples are taken: the sum crosses its threshold less often). */
    assert_true(shared->n[i] >= (lateness ? 40u : 10u));
    total += shared->n[i];
  }
  print_message("%zu events, %zu of them at advances\n", total, shared->timed);
  assert_true(shared->timed > 20); /* windows emptied by time alone */
  for (int i = 0; i < NRULES; i++) {
    jj_engine_free(ea[i]);
    jj_ruleset_free(one[i]);
  }
  jj_engine_free(es);
  jj_ruleset_free(all);
  free(shared);
  free(alone);
  g_firing = 0;
}
static void test_events_alike(void **state) {
  (void)state;
  events_alike(LATENESS);
}
static void test_events_alike_in_order(void **state) {
  (void)state;
  events_alike(0);
}

/* Two rings in one series (the rules' caps differ): each ring answers
 * for its own members' deadlines. */
static void test_two_rings_due(void **state) {
  (void)state;
  jj_ruleset_builder *b;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  for (int i = 0; i < 6; i++) {
    char name[16];
    snprintf(name, sizeof name, "r%d", i);
    g_max_samples = i % 2 ? 500 : 400; /* rings r0 r2 r4 and r1 r3 r5 */
    add_rule(b, name, i, k_aggs[i], JJ_DUP_KEEP);
  }
  g_max_samples = 400;
  jj_ruleset *rs;
  jj_error err;
  assert_int_equal(jj_ruleset_builder_build(b, &rs, &err), JJ_OK);
  jj_ruleset_builder_free(b);
  g_lateness = LATENESS;
  jj_series_id id;
  jj_engine *e = engine(rs, &id);
  assert_true(jj__window_shares_with(window_of(e, id, 0), window_of(e, id, 4)));
  assert_true(jj__window_shares_with(window_of(e, id, 1), window_of(e, id, 5)));
  assert_false(jj__window_shares_with(window_of(e, id, 0), window_of(e, id, 1)));
  what_happened w = {0};
  int64_t t = T0;
  for (long step = 0; step < 3000; step++) {
    int64_t ts;
    double v;
    next_sample(&t, &ts, &v, &w);
    jj_engine_push(e, id, ts, v);
    ring_due_marked(e, id, 3, step); /* slots 0 and 1 lead the two rings */
  }
  jj_engine_free(e);
  jj_ruleset_free(rs);
}

/* The ring's due time (jj__wring_due) is learnt by an in-order push;
 * advances that let samples go, between pushes, must not leave the one
 * learnt before them (nor must a window's reset). */
static void test_due_after_advance(void **state) {
  (void)state;
  g_lateness = 0;
  jj_ruleset *rs = rules(0, NRULES, JJ_DUP_KEEP);
  jj_series_id id;
  jj_engine *e = engine(rs, &id);
  long step = 0;
  for (int round = 0; round < 3; round++) {
    const int64_t t0 = T0 + round * 100 * SEC;
    for (int k = 0; k < 40; k++, step++) { /* 1 Hz: spans 5 s .. 32 s fill */
      assert_int_equal(jj_engine_push(e, id, t0 + k * SEC, (double)(k % 7)), JJ_OK);
      ring_due_right(e, id, step);
    }
    const int64_t first_due = jj__series_windows_due(e->series[id]);
    assert_true(first_due < INT64_MAX);
    /* Every 700 ms, samples leave some windows; at the end all are empty. */
    for (int64_t now = t0 + 40 * SEC; now < t0 + 80 * SEC; now += 700, step++) {
      assert_int_equal(jj_engine_advance(e, now), JJ_OK);
      ring_due_right(e, id, step);
    }
    assert_true(jj__series_windows_due(e->series[id]) > first_due);
    if (round == 1) { /* the shortest window emptied alone: the ring's due is the others' */
      assert_int_equal(jj_engine_push(e, id, t0 + 81 * SEC, 1.0), JJ_OK);
      const jj_series *s = e->series[id];
      for (uint32_t j = 0; j < s->nslots; j++)
        if (jj__slot_win(s, &s->slots[j]) == window_of(e, id, 0))
          jj_window_reset(jj__slot_win(s, &s->slots[j]));
      ring_due_right(e, id, step);
    }
  }
  jj_engine_free(e);
  jj_ruleset_free(rs);
}

static void test_keep(void **state) {
  (void)state;
  run_mix(JJ_DUP_KEEP, LATENESS);
}
static void test_replace(void **state) {
  (void)state;
  run_mix(JJ_DUP_REPLACE, LATENESS);
}
static void test_reject(void **state) {
  (void)state;
  run_mix(JJ_DUP_REJECT, LATENESS);
}
/* Lateness 0: min/max take each sample into DABA on arrival. */
static void test_keep_in_order(void **state) {
  (void)state;
  run_mix(JJ_DUP_KEEP, 0);
}
static void test_replace_in_order(void **state) {
  (void)state;
  run_mix(JJ_DUP_REPLACE, 0);
}
/* Lanes of both sides (min and max read), in order and not. */
static void test_keep_both_sides(void **state) {
  (void)state;
  g_both_sides = 1;
  run_mix(JJ_DUP_KEEP, 0);
  run_mix(JJ_DUP_KEEP, LATENESS);
  g_max_samples = 70000; /* and of 32-bit positions */
  run_mix(JJ_DUP_KEEP, 0);
  g_max_samples = 400;
  g_both_sides = 0;
}
/* Lanes of 32-bit positions (windows that may hold more than 2^16). */
static void test_keep_wide(void **state) {
  (void)state;
  g_max_samples = 70000;
  run_mix(JJ_DUP_KEEP, LATENESS);
  g_max_samples = 400;
}

/* The min/max lanes of shared windows keep 16-bit positions, taken modulo
 * 2^16: a stream past position 65,536 (and on, past 2^17) must read the
 * same min and max as the windows alone. Every 8th push is compared, and
 * every push around the first wrap; and a lane holds 2 bytes a slot (a
 * one-sided one), not a value's 8. */
static void test_positions_wrap(void **state) {
  (void)state;
  g_lateness = LATENESS;
  twins x;
  twins_make(&x, JJ_DUP_KEEP);
  static const uint32_t mm_rules[] = {1, 2, 8, 9}; /* max, min, max, min */
  what_happened w = {0};
  int64_t t = T0;
  long compared = 0;
  uint64_t most = 0; /* rule 1's most samples */
  for (long step = 0; step < 180000; step++) {
    int64_t ts;
    double v;
    next_sample(&t, &ts, &v, &w);
    jj_engine_push(x.shared, x.sid, ts, v);
    for (int i = 0; i < NRULES; i++) jj_engine_push(x.alone[i], x.aid[i], ts, v);
    jj_window_counters c;
    jj_window_counters_get(window_of(x.shared, x.sid, 1), &c);
    if (step % 8 && (c.accepted < 65000 || c.accepted > 67000)) continue;
    jj_window_stats ws;
    jj_window_stats_get(window_of(x.shared, x.sid, 1), &ws);
    if (ws.count > most) most = ws.count;
    for (size_t k = 0; k < sizeof mm_rules / sizeof mm_rules[0]; k++)
      same_window(window_of(x.shared, x.sid, mm_rules[k]),
                  window_of(x.alone[mm_rules[k]], x.aid[mm_rules[k]], 0), (int)mm_rules[k], step);
    compared++;
  }
  jj_window_counters c;
  jj_window_counters_get(window_of(x.shared, x.sid, 1), &c);
  assert_true(c.accepted > 2 * 65536);
#ifdef JJ_TEST_RING_REBASE
  /* (test_shared_ring_rebase: the ring's base moved, again and again,
   * while every push above compared equal) */
  print_message("ring base moves: %lu\n", jj__test_ring_rebases);
  assert_true(jj__test_ring_rebases > 100);
#endif
  assert_true(compared > 20000);
  /* Rule 1 (max, a lane) against rule 3 (last, none): its minmax part
   * (72 B) and a lane of 2 bytes a slot, the slots at most an eighth (or
   * 8) more than the most samples it held (a lane of values: 8 B). */
  const size_t lane = jj_window_memory(window_of(x.shared, x.sid, 1)) -
                      jj_window_memory(window_of(x.shared, x.sid, 3));
  print_message("max window: at most %llu samples, lane and part %lu B\n", (unsigned long long)most,
                (unsigned long)lane);
  assert_true(most > 24);
  assert_true(lane > 72 && (lane - 72) <= 3 * (most + 1));
  twins_free(&x);
}

/* A reload that drops a rule beside windows sharing a ring, then adds it
 * back. Dropping: the other nine are kept, still share, and go on equal
 * to their twins bit for bit (counters too). Adding: the new window joins
 * the ring empty at its newest sample (README, "shared rings"), so it
 * first differs from its twin, which saw the whole stream; once a gap
 * longer than every span has emptied both, its values equal the twin's
 * after every push (its counters, started at the reload, do not). */
static void test_reload_drop_add(void **state) {
  (void)state;
  g_lateness = LATENESS;
  twins x;
  twins_make(&x, JJ_DUP_KEEP);
  what_happened w = {0};
  int64_t t = T0;
  int live = NRULES;   /* rules 0 .. live-1 are in the shared engine */
  int last_synced = 1; /* rule NRULES-1 equals its twin (until the re-add) */
  long gaps_at_add = -1, compared_after = 0;
  for (long step = 0; step < 5000; step++) {
    if (step == 1500 || step == 3000) {
      live = step == 1500 ? NRULES - 1 : NRULES;
      jj_ruleset *next = rules(0, live, JJ_DUP_KEEP);
      jj_restore_report rep;
      jj_error err;
      assert_int_equal(jj_engine_reload(x.shared, next, &rep, &err), JJ_OK);
      jj_ruleset_free(next);
      assert_int_equal(rep.windows_reset, 0);
      for (int i = 1; i < live; i++)
        assert_true(jj__window_shares_with(window_of(x.shared, x.sid, 0),
                                           window_of(x.shared, x.sid, (uint32_t)i)));
      for (int i = 0; i < NRULES - 1; i++)
        same_window(window_of(x.shared, x.sid, (uint32_t)i), window_of(x.alone[i], x.aid[i], 0), i,
                    step);
      if (step == 3000) { /* joined empty at the newest sample */
        jj_window_stats ws;
        jj_window_stats_get(window_of(x.shared, x.sid, NRULES - 1), &ws);
        assert_int_equal(ws.count, 0);
        last_synced = 0;
        gaps_at_add = w.gaps;
      }
    }
    int64_t ts;
    double v;
    next_sample(&t, &ts, &v, &w);
    jj_status st = jj_engine_push(x.shared, x.sid, ts, v);
    for (int i = 0; i < NRULES; i++) {
      jj_status sa = jj_engine_push(x.alone[i], x.aid[i], ts, v);
      if (i < NRULES - 1 && st != sa)
        fail_msg("step %ld rule %d: status %d (shared) vs %d (alone)", step, i, st, sa);
    }
    for (int i = 0; i < NRULES - 1; i++)
      same_window(window_of(x.shared, x.sid, (uint32_t)i), window_of(x.alone[i], x.aid[i], 0), i,
                  step);
    const int last = NRULES - 1;
    if (live == NRULES && last_synced)
      same_values(window_of(x.shared, x.sid, (uint32_t)last),
                  window_of(x.alone[last], x.aid[last], 0), last, step, step < 1500);
    /* A 40 s gap (every span is at most 32 s) empties both windows. */
    if (live == NRULES && !last_synced && w.gaps > gaps_at_add) last_synced = 1;
    if (live == NRULES && last_synced && step > 3000) compared_after++;
  }
  /* The re-added window was compared for most of the run after it. */
  assert_true(compared_after > 1500);
  twins_free(&x);
}

/* A window that joins a ring long after its last growth starts empty at
 * the tail, in the slot the ring's base says (member_map), and from there
 * must equal a window alone that takes the same samples. The base stays
 * where the ring last grew until it falls 2^31 positions behind
 * (ring_rebase); test_shared_ring_rebase's build moves it every ~1,000,
 * so there the join maps through a moved base, and a base moved by other
 * than whole laps puts the window's samples in the wrong slots. */
static void test_join_after_base_moves(void **state) {
  (void)state;
  jj_window_config cfg;
  jj_window_config_init(&cfg);
  cfg.kind = JJ_WINDOW_SLIDING_TIME;
  cfg.span_ms = 20 * SEC;
  cfg.aggregates = JJ_AGG_BIT(JJ_AGG_MEAN) | JJ_AGG_BIT(JJ_AGG_MAX) | JJ_AGG_BIT(JJ_AGG_FIRST) |
                   JJ_AGG_BIT(JJ_AGG_LAST);
  jj_wshape *sh;
  assert_int_equal(jj__wshape_new(&cfg, NULL, 1, &sh), JJ_OK);
  const size_t bytes = jj__wshape_window_bytes(sh);
  void *mem_a = calloc(1, bytes), *mem_b = calloc(1, bytes);
  assert_non_null(mem_a);
  assert_non_null(mem_b);
  jj_window *a, *b, *alone;
  assert_int_equal(jj__window_init_shared(sh, mem_a, NULL, 2, &a), JJ_OK);
#ifdef JJ_TEST_RING_REBASE
  const unsigned long moves = jj__test_ring_rebases;
#endif
  int64_t t = T0;
  for (int k = 0; k < 6000; k++, t += SEC)
    assert_int_equal(jj_window_push(a, t, (double)(k % 37)), JJ_OK);
#ifdef JJ_TEST_RING_REBASE
  assert_true(jj__test_ring_rebases >= moves + 4);
#endif
  assert_int_equal(jj__window_init_shared(sh, mem_b, a, 2, &b), JJ_OK);
  assert_true(jj__window_shares_with(a, b));
  assert_int_equal(jj_window_new(&cfg, NULL, &alone), JJ_OK);
  for (int k = 0; k < 200; k++, t += SEC) {
    const double v = (double)((k * 7) % 41);
    assert_int_equal(jj_window_push(a, t, v), JJ_OK);
    assert_int_equal(jj_window_push(b, t, v), JJ_OK);
    assert_int_equal(jj_window_push(alone, t, v), JJ_OK);
    same_values(b, alone, 0, k, 0);
  }
  jj_window_free(alone);
  jj_window_free(b);
  jj_window_free(a);
  free(mem_b);
  free(mem_a);
  jj__wshape_free(sh);
}

/* jj_engine_estimate counts a shared ring once and each member's lane
 * as it doubles: never below what a pool gives out as the rings and
 * lanes grow to the engine's cap, and below the same windows' estimate
 * if each had a ring of its own (the ten rules on ten series of ten
 * engines). */
static unsigned char pool_mem[4u << 20];
static void test_estimate(void **state) {
  (void)state;
  jj_ruleset *rs = rules(0, NRULES, JJ_DUP_KEEP);
  jj_engine_config ec;
  jj_engine_config_init(&ec);
  jj_label l = {"station", "a"};
  jj_series_spec sp = {"pm25", &l, 1, 0};
  jj_memory_estimate est;
  assert_int_equal(jj_engine_estimate(rs, &ec, &sp, 1, &est), JJ_OK);
  size_t alone = 0;
  for (int i = 0; i < NRULES; i++) {
    jj_ruleset *one = rules(i, i + 1, JJ_DUP_KEEP);
    jj_memory_estimate e1;
    assert_int_equal(jj_engine_estimate(one, &ec, &sp, 1, &e1), JJ_OK);
    alone += e1.series_bytes;
    jj_ruleset_free(one);
  }
  jj_allocator pool;
  assert_int_equal(jj_alloc_pool_init(&pool, pool_mem, sizeof pool_mem), JJ_OK);
  jj_engine *e;
  assert_int_equal(jj_engine_new(rs, &ec, &pool, &e), JJ_OK);
  jj_series_id id;
  assert_int_equal(jj_engine_series(e, "pm25", &l, 1, &id), JJ_OK);
  size_t used, peak;
  /* 10 readings a second: the 32 s window holds up to 320 (of 400). */
  for (int64_t k = 0; k < 2000; k++) {
    assert_int_equal(jj_engine_push(e, id, T0 + k * 100, (double)(k % 37)), JJ_OK);
    assert_int_equal(jj_alloc_pool_stats(&pool, &used, &peak, NULL), JJ_OK);
    assert_true(peak <= est.pool_bytes);
  }
  assert_true(jj__window_shares_with(window_of(e, id, 0), window_of(e, id, NRULES - 1)));
  print_message("estimate %lu B (series %lu B; alone %lu B), pool peak %lu B\n",
                (unsigned long)est.pool_bytes, (unsigned long)est.series_bytes,
                (unsigned long)alone, (unsigned long)peak);
  assert_true(est.series_bytes < alone);
  jj_engine_free(e);
  jj_ruleset_free(rs);
}

/* a's snapshot record is b's, byte for byte (jj__window_encode). */
static void same_image(const jj_window *a, const jj_window *b, int rule, long step) {
  size_t na, nb;
  unsigned char *ia = encode(a, &na), *ib = encode(b, &nb);
  if (na != nb || memcmp(ia, ib, na) != 0)
    fail_msg("rule %d step %ld: the images differ", rule, step);
  free(ib);
  free(ia);
}

/* The in-order push of a steady ring skips its pass of tests over the
 * members when the last pass found room for the next sample (jj_wring's
 * ready_in): a member at its own ring's capacity (own_cap, the image's
 * cap) has room only when its oldest sample leaves first. Rules r1 .. r3
 * (8, 11 and 14 s) fed every 0.5 s: r1's window holds 16 samples, its
 * first capacity (the ring, r3's 28, has room), each sample letting the
 * oldest go, until one comes only 0.25 s later, which none leaves for;
 * it must then grow there, as the window alone does (the same image
 * after every push), not a sample later. */
#define STEADY_FROM 1
#define STEADY_N 3
static void test_steady_own_cap(void **state) {
  (void)state;
  g_lateness = 0;
  jj_ruleset *all = rules(STEADY_FROM, STEADY_FROM + STEADY_N, JJ_DUP_KEEP), *one[STEADY_N];
  jj_series_id sid, aid[STEADY_N];
  jj_engine *shared = engine(all, &sid), *alone[STEADY_N];
  for (int i = 0; i < STEADY_N; i++) {
    one[i] = rules(STEADY_FROM + i, STEADY_FROM + i + 1, JJ_DUP_KEEP);
    alone[i] = engine(one[i], &aid[i]);
  }
  for (uint32_t i = 1; i < STEADY_N; i++)
    assert_true(jj__window_shares_with(window_of(shared, sid, 0), window_of(shared, sid, i)));
  int64_t t = T0;
  for (long step = 0; step < 100; step++) {
    t += step == 80 || step == 90 ? 250 : 500; /* (steady, then a sample nothing leaves for) */
    const double v = (double)(step % 13);
    assert_int_equal(jj_engine_push(shared, sid, t, v), JJ_OK);
    for (int i = 0; i < STEADY_N; i++) {
      assert_int_equal(jj_engine_push(alone[i], aid[i], t, v), JJ_OK);
      const jj_window *a = window_of(shared, sid, (uint32_t)i), *b = window_of(alone[i], aid[i], 0);
      same_window(a, b, STEADY_FROM + i, step);
      same_image(a, b, STEADY_FROM + i, step);
    }
    ring_due_right(shared, sid, step);
  }
  for (int i = 0; i < STEADY_N; i++) {
    jj_engine_free(alone[i]);
    jj_ruleset_free(one[i]);
  }
  jj_engine_free(shared);
  jj_ruleset_free(all);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_keep),
      cmocka_unit_test(test_replace),
      cmocka_unit_test(test_reject),
      cmocka_unit_test(test_keep_in_order),
      cmocka_unit_test(test_replace_in_order),
      cmocka_unit_test(test_keep_wide),
      cmocka_unit_test(test_keep_both_sides),
      cmocka_unit_test(test_positions_wrap),
      cmocka_unit_test(test_estimate),
      cmocka_unit_test(test_reload_drop_add),
      cmocka_unit_test(test_join_after_base_moves),
      cmocka_unit_test(test_events_alike),
      cmocka_unit_test(test_events_alike_in_order),
      cmocka_unit_test(test_two_rings_due),
      cmocka_unit_test(test_due_after_advance),
      cmocka_unit_test(test_steady_own_cap),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
