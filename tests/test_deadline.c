/* The engine's deadline index (lib/deadline.c): jj_engine_advance looks
 * only at the series whose time-driven work is due, and must give exactly
 * what looking at every series gives. Each test runs two engines on the
 * same input — one with the index, one with the debug switch that makes
 * every series due at every advance (the walk the index replaced) — and
 * compares every status, every event (as JSON, sequence numbers and all),
 * the stats and the alert states. Linked with the static library for the
 * internal switch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine_testutil.h"
#include "jjair/rule_yaml.h"

/* lib/deadline.h (internal): the debug switch and the visit counter. */
void jj__engine_walk_all(jj_engine *e, int on);
uint64_t jj__engine_advance_visits(const jj_engine *e);

/* Every kind of time-driven work: expiry of sliding samples, duration
 * persistence on both edges (for, keep_firing_for), repeats, flapping,
 * staleness with each on_missing, quality gates, a count window, hopping
 * TUMBLING windows, and groups of each time-driven mode. */
static const char RULES[] =
    "version: 1\nrules:\n"
    "  - name: mean-for\n"
    "    metric: x\n"
    "    window: {kind: sliding, span: 30s, min_samples: 2}\n"
    "    aggregate: mean\n"
    "    levels:\n"
    "      - {name: warn, severity: w, issue: \">= 50\", clear: \"< 40\", for: 20s,"
    " keep_firing_for: 15s}\n"
    "      - {name: crit, severity: c, issue: \">= 80\", clear: \"< 70\", for_count: 2}\n"
    "    stale_after: 25s\n"
    "    on_missing: alert\n"
    "    repeat_interval: 40s\n"
    "    flap: {changes: 3, window: 60s}\n"
    "  - name: max-resolve\n"
    "    metric: x\n"
    "    window: {kind: sliding, span: 10s}\n"
    "    aggregate: max\n"
    "    levels:\n"
    "      - {name: hi, severity: h, issue: \"> 90\", clear: \"<= 60\"}\n"
    "    stale_after: 20s\n"
    "    on_missing: resolve\n"
    "    valid: {min: 0, max: 200}\n"
    "  - name: max-scaled\n" /* shares max-resolve's window and gate: a loud slot */
    "    metric: x\n"
    "    window: {kind: sliding, span: 10s}\n"
    "    aggregate: max\n"
    "    scale: 0.5\n"
    "    levels:\n"
    "      - {name: half, severity: h, issue: \"> 150\", clear: \"<= 100\"}\n"
    "    valid: {min: 0, max: 200}\n"
    "  - name: count-low\n"
    "    metric: x\n"
    "    window: {kind: count, count: 5}\n"
    "    aggregate: mean\n"
    "    levels:\n"
    "      - {name: low, severity: l, issue: \"< 10\", clear: \">= 20\", for: 10s}\n"
    "    stuck: {samples: 6, epsilon: 0}\n"
    "  - name: scaled\n"
    "    metric: x\n"
    "    window: {kind: sliding, span: 30s, min_samples: 2}\n"
    "    aggregate: mean\n"
    "    scale: 2\n"
    "    levels:\n"
    "      - {name: twice, severity: t, issue: \">= 150\", clear: \"< 100\"}\n"
    "  - name: hop\n"
    "    metric: x\n"
    "    window: {kind: tumbling, span: 30s, hop: 10s}\n"
    "    aggregate: mean\n"
    "    levels:\n"
    "      - {name: hop, severity: h, issue: \">= 60\", clear: \"< 50\", for_count: 2}\n"
    "    repeat_interval: 25s\n"
    "    stale_after: 40s\n"
    "    on_missing: alert\n"
    "  - name: zone-avg\n"
    "    metric: x\n"
    "    window: {kind: tumbling, span: 20s}\n"
    "    aggregate: mean\n"
    "    group: {by: [zone], mode: avg, wait: 5s}\n"
    "    levels:\n"
    "      - {name: zavg, severity: z, issue: \">= 55\", clear: \"< 45\"}\n"
    "    stale_after: 30s\n"
    "    on_missing: alert\n"
    "  - name: zone-kofn\n"
    "    metric: x\n"
    "    window: {kind: sliding, span: 15s}\n"
    "    aggregate: mean\n"
    "    group: {by: [zone], mode: k_of_n, member: \">= 55\", within: 10s, min_members: 1}\n"
    "    levels:\n"
    "      - {name: two, severity: t, issue: \">= 2\", clear: \"< 1\"}\n"
    "    stale_after: 20s\n"
    "    on_missing: alert\n"
    "  - name: zone-rules\n"
    "    group: {by: [zone], mode: rules, within: 20s, sources: [mean-for, max-resolve]}\n"
    "    levels:\n"
    "      - {name: both, severity: b, issue: \">= 2\", clear: \"< 1\"}\n"
    "  - name: q-mean\n"
    "    metric: q\n"
    "    window: {kind: sliding, span: 10s}\n"
    "    aggregate: mean\n"
    "    levels:\n"
    "      - {name: high, severity: h, issue: \">= 50\", clear: \"< 40\", for: 5s}\n"
    "    stale_after: 30s\n"
    "    on_missing: alert\n"
    "  - name: c-count\n"
    "    metric: c\n"
    "    window: {kind: count, count: 3}\n"
    "    aggregate: max\n"
    "    levels:\n"
    "      - {name: high, severity: h, issue: \">= 60\", clear: \"< 40\"}\n"
    "    stale_after: 12s\n"
    "    on_missing: alert\n"
    "    repeat_interval: 30s\n"
    "  - name: q-hour\n"
    "    metric: q\n"
    "    window: {kind: tumbling, span: 1h}\n"
    "    aggregate: max\n"
    "    levels:\n"
    "      - {name: high, severity: h, issue: \">= 50\", clear: \"< 40\"}\n";

static jj_ruleset *rules(void) {
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_error err[4];
  size_t n = 0;
  jj_status st = jj_rules_load_string(b, RULES, sizeof RULES - 1, "deadline.yaml", err, 4, &n);
  if (st != JJ_OK) fail_msg("rules: %s", n ? err[0].message : jj_strerror(st));
  jj_ruleset *rs = NULL;
  jj_error e1;
  assert_int_equal(jj_ruleset_builder_build(b, &rs, &e1), JJ_OK);
  jj_ruleset_builder_free(b);
  return rs;
}

/* Two engines on one ruleset: [0] with the index, [1] walking everything. */
typedef struct pair {
  jj_engine *e[2];
  jj_ruleset *rs;
  uint32_t nrules;
  uint64_t events;
} pair;

static void pair_new(pair *p, int64_t idle_ms) {
  memset(p, 0, sizeof *p);
  p->rs = rules();
  p->nrules = jj_ruleset_rule_count(p->rs);
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.lateness_ms = 2000;
  cfg.event_queue = 4096;
  cfg.series_idle_ms = idle_ms;
  for (int k = 0; k < 2; k++) assert_int_equal(jj_engine_new(p->rs, &cfg, NULL, &p->e[k]), JJ_OK);
  jj__engine_walk_all(p->e[1], 1);
}

static void pair_free(pair *p) {
  for (int k = 0; k < 2; k++) jj_engine_free(p->e[k]);
  jj_ruleset_free(p->rs);
}

/* Both queues hold the same events, in the same order, byte for byte. */
static void same_events(pair *p) {
  for (;;) {
    const jj_event *a = jj_engine_poll(p->e[0]);
    char ja[4096], jb[4096];
    if (a) jj_event_json(a, ja, sizeof ja);
    const jj_event *b = jj_engine_poll(p->e[1]);
    if (b) jj_event_json(b, jb, sizeof jb);
    if (!a || !b) {
      if (a || b) fail_msg("only one engine has: %s", a ? ja : jb);
      return;
    }
    if (strcmp(ja, jb) != 0) fail_msg("events differ:\n index: %s\n walk:  %s", ja, jb);
    p->events++;
  }
}

static void same_stats(pair *p) {
  jj_engine_stats a, b;
  jj_engine_stats_get(p->e[0], &a);
  jj_engine_stats_get(p->e[1], &b);
  a.memory = b.memory = 0; /* the same, but not what is compared here */
  assert_memory_equal(&a, &b, sizeof a);
}

static void same_state(pair *p, jj_series_id id) {
  for (uint32_t r = 0; r < p->nrules; r++) {
    jj_alert_state a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    jj_status sa = jj_engine_alert_state(p->e[0], id, r, &a);
    jj_status sb = jj_engine_alert_state(p->e[1], id, r, &b);
    assert_int_equal(sa, sb);
    if (sa != JJ_OK) continue;
    assert_int_equal(a.level, b.level);
    assert_int_equal(a.pending_level, b.pending_level);
    assert_int_equal(a.stale, b.stale);
    assert_int_equal(a.flapping, b.flapping);
    assert_int_equal(a.quality_bad, b.quality_bad);
    assert_true((isnan(a.value) && isnan(b.value)) || a.value == b.value);
    assert_true(a.started_ms == b.started_ms && a.level_started_ms == b.level_started_ms);
  }
}

static jj_series_id metric_series(pair *p, const char *metric, const char *zone,
                                  const char *name) {
  jj_label l[2] = {{"id", name}, {"zone", zone}};
  jj_series_id a, b;
  assert_int_equal(jj_engine_series(p->e[0], metric, l, 2, &a), JJ_OK);
  assert_int_equal(jj_engine_series(p->e[1], metric, l, 2, &b), JJ_OK);
  assert_int_equal(a, b);
  return a;
}

static jj_series_id pair_series(pair *p, const char *zone, const char *name) {
  return metric_series(p, "x", zone, name);
}

static void pair_push(pair *p, jj_series_id id, int64_t ts, double v) {
  jj_status a = jj_engine_push(p->e[0], id, ts, v);
  jj_status b = jj_engine_push(p->e[1], id, ts, v);
  assert_int_equal(a, b);
}

static void pair_advance(pair *p, int64_t t) {
  assert_int_equal(jj_engine_advance(p->e[0], t), JJ_OK);
  assert_int_equal(jj_engine_advance(p->e[1], t), JJ_OK);
  same_events(p);
}

/* ---- randomized: the index against the full walk ---------------------- */

static uint64_t rng_s;
static uint64_t rnd(void) {
  uint64_t z = (rng_s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static int64_t between(int64_t lo, int64_t hi) { return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1)); }

typedef struct active_list {
  char json[64][1024];
  int n;
} active_list;

static int collect_active(void *ctx, const jj_event *ev) {
  active_list *l = ctx;
  if (l->n < 64) jj_event_json(ev, l->json[l->n++], sizeof l->json[0]);
  return 0;
}

static void run_random(uint64_t seed, int64_t idle_ms, int steps) {
  pair p;
  pair_new(&p, idle_ms);
  rng_s = seed;
  enum { MAXS = 24 };
  jj_series_id ids[MAXS];
  double level[MAXS];
  int64_t quiet_until[MAXS];
  int n = 0;
  int64_t t = ET_T0;
  char name[16], zone[8];
  for (int step = 0; step < steps; step++) {
    uint64_t r = rnd() % 100;
    if ((r < 8 || n == 0) && n < MAXS) { /* a new series, also between advances */
      snprintf(name, sizeof name, "s%d", n);
      snprintf(zone, sizeof zone, "z%d", n % 3);
      /* mostly metric x (every rule kind), some q and c (count windows
       * only: deadlines no window expiry covers) */
      ids[n] = metric_series(&p, n % 4 == 3 ? "c" : n % 8 == 2 ? "q" : "x", zone, name);
      level[n] = (double)between(0, 100);
      quiet_until[n] = INT64_MIN;
      n++;
    } else if (r < 60) { /* readings: mostly in order, some late, a few far ahead */
      int k = (int)(rnd() % (uint64_t)n);
      if (t < quiet_until[k]) continue;
      if (rnd() % 40 == 0) quiet_until[k] = t + between(5, 120) * ET_SEC; /* goes silent */
      level[k] += (double)between(-15, 15);
      if (rnd() % 10 == 0) level[k] = (double)between(0, 120); /* a jump */
      double v = rnd() % 50 == 0 ? 500.0 : level[k];            /* out of range */
      int64_t ts = t + between(-3000, 1000);
      if (rnd() % 100 == 0) ts = t + between(1, 10) * ET_MIN;
      pair_push(&p, ids[k], ts, v);
      if (rnd() % 8 == 0) pair_push(&p, ids[k], ts, v); /* stuck readings */
      same_events(&p);
    } else if (r < 90) { /* time moves: the same tick, a little, a lot, days */
      uint64_t kind = rnd() % 100;
      int64_t dt = kind < 10   ? 0
                   : kind < 70 ? between(1, 5000)
                   : kind < 95 ? between(5, 90) * ET_SEC
                   : kind < 99 ? between(1, 12) * ET_HOUR
                               : between(1, 4) * 24 * ET_HOUR;
      if (rnd() % 20 == 0) dt = -between(1, 10000); /* an older time: nothing moves */
      t += dt;
      pair_advance(&p, t);
    } else if (r < 93) { /* forgetting */
      jj_series_id id = ids[rnd() % (uint64_t)n];
      assert_int_equal(jj_engine_forget(p.e[0], id), jj_engine_forget(p.e[1], id));
      same_events(&p);
    } else if (r < 96) { /* active alerts (window ends included) */
      static active_list la, lb;
      la.n = lb.n = 0;
      assert_int_equal(jj_engine_foreach_alert(p.e[0], collect_active, &la), JJ_OK);
      assert_int_equal(jj_engine_foreach_alert(p.e[1], collect_active, &lb), JJ_OK);
      assert_int_equal(la.n, lb.n);
      for (int i = 0; i < la.n; i++) assert_string_equal(la.json[i], lb.json[i]);
    } else {
      same_state(&p, ids[rnd() % (uint64_t)n]);
    }
    same_stats(&p);
  }
  for (int k = 0; k < n; k++) same_state(&p, ids[k]);
  /* The input did exercise the engine (a generator producing nothing would
   * compare empty streams). */
  assert_true(p.events > 50);
  pair_free(&p);
}

/* JJ_TEST_SEEDS=N runs N seeds instead of 12 (a longer search by hand). */
static uint64_t seeds(uint64_t dflt) {
  const char *s = getenv("JJ_TEST_SEEDS");
  return s && atoi(s) > 0 ? (uint64_t)atoi(s) : dflt;
}

static void test_random_matches_full_walk(void **state) {
  (void)state;
  for (uint64_t seed = 1; seed <= seeds(12); seed++) run_random(seed, 0, 2500);
}

static void test_random_with_idle_forgetting(void **state) {
  (void)state;
  for (uint64_t seed = 1000; seed < 1000 + seeds(12) / 2; seed++) run_random(seed, 90 * ET_SEC, 2500);
}

/* ---- edge cases ---------------------------------------------------------- */

/* One advance days ahead: every window empties, every series goes stale,
 * hopping windows close as a run; the same events as the full walk. */
static void test_jump_days_ahead(void **state) {
  (void)state;
  pair p;
  pair_new(&p, 0);
  jj_series_id a = pair_series(&p, "z0", "a"), b = pair_series(&p, "z0", "b");
  for (int i = 0; i < 40; i++) {
    pair_push(&p, a, ET_T0 + i * ET_SEC, 85);
    pair_push(&p, b, ET_T0 + i * ET_SEC, 95);
    pair_advance(&p, ET_T0 + i * ET_SEC);
  }
  int64_t far = ET_T0 + 3 * 24 * ET_HOUR;
  uint64_t before = p.events;
  pair_advance(&p, far);
  assert_true(p.events > before);
  same_state(&p, a);
  same_state(&p, b);
  /* and the series still take readings after it */
  pair_push(&p, a, far + 1, 10);
  same_events(&p);
  pair_advance(&p, far + ET_MIN);
  same_stats(&p);
  pair_free(&p);
}

/* Samples of many series expire at the same millisecond, and an advance
 * lands exactly on it, then one before it, then one after it. */
static void test_expiring_in_the_same_tick(void **state) {
  (void)state;
  pair p;
  pair_new(&p, 0);
  jj_series_id id[6];
  char name[8];
  for (int k = 0; k < 6; k++) {
    snprintf(name, sizeof name, "s%d", k);
    id[k] = pair_series(&p, k % 2 ? "z1" : "z0", name);
  }
  for (int k = 0; k < 6; k++) {
    pair_push(&p, id[k], ET_T0, 95);
    pair_push(&p, id[k], ET_T0 + 1000, 95);
  }
  same_events(&p);
  /* max-resolve's 10 s window: the first samples expire at T0 + 10 s */
  pair_advance(&p, ET_T0 + 10 * ET_SEC - 1);
  pair_advance(&p, ET_T0 + 10 * ET_SEC);
  pair_advance(&p, ET_T0 + 10 * ET_SEC);
  pair_advance(&p, ET_T0 + 11 * ET_SEC);
  for (int k = 0; k < 6; k++) same_state(&p, id[k]);
  same_stats(&p);
  pair_free(&p);
}

/* A series created after an advance has not seen it: a reading older
 * than the advance (within the lateness) still enters its windows, as in
 * the full walk; then it is due like any other. */
static void test_series_created_after_advance(void **state) {
  (void)state;
  pair p;
  pair_new(&p, 0);
  jj_series_id a = pair_series(&p, "z0", "a");
  pair_push(&p, a, ET_T0, 50);
  pair_advance(&p, ET_T0 + 30 * ET_SEC);
  jj_series_id late = pair_series(&p, "z0", "late");
  pair_push(&p, late, ET_T0 + 29 * ET_SEC, 100); /* within lateness of engine time */
  pair_push(&p, late, ET_T0 + 27 * ET_SEC, 100); /* too late */
  same_events(&p);
  for (int64_t s = 31; s < 90; s += 7) pair_advance(&p, ET_T0 + s * ET_SEC);
  same_state(&p, late);
  same_stats(&p);
  pair_free(&p);
}

/* Staleness with the index: no no-data event one millisecond before
 * stale_after, one exactly at it, at the advance's time. */
static void test_stale_timing(void **state) {
  (void)state;
  pair p;
  pair_new(&p, 0);
  jj_series_id a = pair_series(&p, "z0", "a");
  pair_push(&p, a, ET_T0, 30);
  pair_push(&p, a, ET_T0 + ET_SEC, 30);
  same_events(&p);
  /* max-resolve goes stale after 20 s (on_missing resolve: silent at
   * rest), mean-for after 25 s (on_missing alert: a no-data event) */
  pair_advance(&p, ET_T0 + ET_SEC + 25 * ET_SEC - 1);
  jj_alert_state as;
  assert_int_equal(jj_engine_alert_state(p.e[0], a, 0, &as), JJ_OK);
  assert_int_equal(as.stale, 0);
  assert_int_equal(jj_engine_advance(p.e[0], ET_T0 + 26 * ET_SEC), JJ_OK);
  assert_int_equal(jj_engine_advance(p.e[1], ET_T0 + 26 * ET_SEC), JJ_OK);
  const jj_event *ev = jj_engine_poll(p.e[0]);
  assert_non_null(ev);
  assert_int_equal(ev->kind, JJ_EVENT_NODATA);
  assert_string_equal(ev->rule, "mean-for");
  assert_int_equal(ev->time_ms, ET_T0 + 26 * ET_SEC);
  ev = jj_engine_poll(p.e[1]);
  assert_non_null(ev);
  assert_int_equal(ev->kind, JJ_EVENT_NODATA);
  same_events(&p);
  assert_int_equal(jj_engine_alert_state(p.e[0], a, 0, &as), JJ_OK);
  assert_int_equal(as.stale, 1);
  pair_free(&p);
}

/* What the index is for: with many quiet series and nothing due, an
 * advance visits none of them (the full walk visits all). */
static void test_quiet_series_are_not_visited(void **state) {
  (void)state;
  pair p;
  pair_new(&p, 0);
  enum { N = 500 };
  jj_series_id id[N];
  char name[16];
  for (int k = 0; k < N; k++) {
    snprintf(name, sizeof name, "s%d", k);
    id[k] = metric_series(&p, "q", "z0", name);
  }
  /* readings every second; advances between them, as a live feed does */
  for (int s = 0; s < 60; s++) {
    for (int k = 0; k < N; k++) pair_push(&p, id[k], ET_T0 + s * ET_SEC + k, 30);
    pair_advance(&p, ET_T0 + s * ET_SEC + 999);
  }
  uint64_t v0 = jj__engine_advance_visits(p.e[0]), w0 = jj__engine_advance_visits(p.e[1]);
  for (int s = 60; s < 70; s++) {
    for (int k = 0; k < N; k++) pair_push(&p, id[k], ET_T0 + s * ET_SEC + k, 30);
    pair_advance(&p, ET_T0 + s * ET_SEC + 999);
  }
  uint64_t visits = jj__engine_advance_visits(p.e[0]) - v0;
  assert_int_equal(jj__engine_advance_visits(p.e[1]) - w0, 10 * N);
  /* each second a sample of each series expires from the 10 s and 30 s
   * windows just after its next reading: only those whose expiry the
   * advance reaches (the first ms of each second) are due */
  assert_true(visits < 10 * N / 10);
  same_stats(&p);
  pair_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_random_matches_full_walk),
      cmocka_unit_test(test_random_with_idle_forgetting),
      cmocka_unit_test(test_jump_days_ahead),
      cmocka_unit_test(test_expiring_in_the_same_tick),
      cmocka_unit_test(test_series_created_after_advance),
      cmocka_unit_test(test_stale_timing),
      cmocka_unit_test(test_quiet_series_are_not_visited),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
