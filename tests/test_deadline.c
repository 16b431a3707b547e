/* The engine's deadline index (lib/deadline.c): jj_engine_advance looks
 * only at the series whose time-driven work is due, and must give exactly
 * what looking at every series gives. Each test runs two engines on the
 * same input — one with the index, one with the debug switch that makes
 * every series due at every advance (the walk the index replaced) — and
 * compares every status, every event (as JSON, sequence numbers and all),
 * the stats and the alert states. Linked with the static library for the
 * internal switch. Built with JJ_WITH_DEADLINE_INDEX=OFF (.ci/walk), both
 * engines walk everything: the same comparisons then check that build's
 * walk (deadline_walk.c, group_walk.c), and the two tests of what the
 * index skips check that nothing is skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine_internal.h" /* the advance counter (jj_deadlines.epoch) */
#include "engine_testutil.h"
#include "jjair/rule_yaml.h"

/* lib/deadline.h (internal): the debug switch and the visit counters. */
void jj__engine_walk_all(jj_engine *e, int on);
uint64_t jj__engine_advance_visits(const jj_engine *e);
uint64_t jj__engine_group_visits(const jj_engine *e);

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
    "    repeat_interval: 30s\n"
    "  - name: zone-kofn\n"
    "    metric: x\n"
    "    window: {kind: sliding, span: 15s}\n"
    "    aggregate: mean\n"
    "    group: {by: [zone], mode: k_of_n, member: \">= 55\", within: 10s, min_members: 2}\n"
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

static const char GROUP_RULES_YAML[] =
    "version: 1\nrules:\n"
    /* Groups of every mode and their time-driven work (group_deadline.h):
     * a sliding max group with duration persistence, repeats and
     * staleness; a rules group counting series evidence with for_count
     * (every advance is an evaluation); a CAI group over two index rules
     * (of metric p only, so the q and c series stay quiet). */
    "  - name: zone-max\n"
    "    metric: x\n"
    "    window: {kind: sliding, span: 20s}\n"
    "    aggregate: max\n"
    "    group: {by: [zone], mode: max}\n"
    "    levels:\n"
    "      - {name: top, severity: t, issue: \">= 70\", clear: \"< 60\", for: 10s}\n"
    "    stale_after: 15s\n"
    "    on_missing: resolve\n"
    "    repeat_interval: 8s\n"
    "  - name: zone-seen\n"
    "    group: {by: [zone], mode: rules, within: 15s, distinct: series,"
    " sources: [max-resolve, c-count]}\n"
    "    levels:\n"
    "      - {name: seen, severity: s, issue: \">= 2\", clear: \"< 1\", for_count: 2}\n"
    "    flap: {changes: 3, window: 2m}\n"
    /* k-of-n over count windows: agreement is dated at readings only, so
     * with members silent only its expiry resolves the group */
    "  - name: c-kofn\n"
    "    metric: c\n"
    "    window: {kind: count, count: 2}\n"
    "    aggregate: max\n"
    "    group: {by: [zone], mode: k_of_n, member: \">= 30\", within: 10s}\n"
    "    levels:\n"
    "      - {name: two, severity: t, issue: \">= 2\", clear: \"< 1\"}\n"
    "  - name: p-sub25\n"
    "    metric: p\n"
    "    window: {kind: sliding, span: 10s}\n"
    "    aggregate: mean\n"
    "    index: cai-pm25\n"
    "    levels:\n"
    "      - {name: bad, severity: b, issue: \">= 101\", clear: \"< 101\"}\n"
    "    stale_after: 20s\n"
    "  - name: p-sub10\n"
    "    metric: p\n"
    "    window: {kind: sliding, span: 10s}\n"
    "    aggregate: max\n"
    "    index: cai-pm10\n"
    "    levels:\n"
    "      - {name: bad, severity: b, issue: \">= 101\", clear: \"< 101\"}\n"
    "  - name: p-cai\n"
    "    group: {by: [zone], mode: cai, sources: [p-sub25, p-sub10]}\n"
    "    index: cai\n"
    "    levels:\n"
    "      - {name: bad, severity: b, issue: \">= 101\", clear: \"< 101\"}\n"
    "      - {name: worse, severity: w, issue: \">= 251\", clear: \"< 251\"}\n"
    "    repeat_interval: 25s\n"
    /* k-of-n that needs two members: valid once a second one joins */
    "  - name: k-pair\n"
    "    metric: k\n"
    "    window: {kind: sliding, span: 1h}\n"
    "    aggregate: max\n"
    "    group: {by: [zone], mode: k_of_n, member: \">= 55\", within: 1m, min_members: 2}\n"
    "    levels:\n"
    "      - {name: two, severity: t, issue: \">= 2\", clear: \"< 1\"}\n";

static jj_ruleset *rules(void) {
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_error err[4];
  size_t n = 0;
  jj_status st = jj_rules_load_string(b, RULES, sizeof RULES - 1, "deadline.yaml", err, 4, &n);
  if (st != JJ_OK) fail_msg("rules: %s", n ? err[0].message : jj_strerror(st));
  st = jj_rules_load_string(b, GROUP_RULES_YAML, sizeof GROUP_RULES_YAML - 1, "groups.yaml", err,
                            4, &n);
  if (st != JJ_OK) fail_msg("group rules: %s", n ? err[0].message : jj_strerror(st));
  jj_ruleset *rs = NULL;
  jj_error e1;
  assert_int_equal(jj_ruleset_builder_build(b, &rs, &e1), JJ_OK);
  jj_ruleset_builder_free(b);
  return rs;
}

/* Two engines on one ruleset: [0] with the index, [1] walking everything. */
enum { NGR = 6 }; /* the group rules (GROUP_RULES) */

typedef struct pair {
  jj_engine *e[2];
  jj_ruleset *rs;
  uint32_t nrules;
  uint64_t events;
  /* Group events by rule (the group rules below) and kind, and those an
   * advance alone caused: what the comparison exercised. */
  uint32_t group_kinds[NGR][JJ_EVENT_ACTIVE + 1];
  uint32_t group_on_advance[NGR];
  uint32_t group_resolved_on_advance[NGR];
} pair;

static const char *const GROUP_RULES[NGR] = {"zone-avg",  "zone-kofn", "zone-max",
                                             "zone-seen", "p-cai",     "c-kofn"};

static void count_event(pair *p, const jj_event *ev) {
  for (int g = 0; g < NGR; g++) {
    if (strcmp(ev->rule, GROUP_RULES[g]) != 0) continue;
    p->group_kinds[g][ev->kind]++;
    if (ev->sample_ts_ms == INT64_MIN) p->group_on_advance[g]++;
    if (ev->sample_ts_ms == INT64_MIN && ev->kind == JJ_EVENT_RESOLVED)
      p->group_resolved_on_advance[g]++;
  }
}

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
    count_event(p, a);
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

/* Both engines' snapshots are the same bytes: every series and group as
 * the full walk has it (a snapshot syncs what the indexes skipped). */
static void same_snapshot(pair *p) {
  size_t na = 0, nb = 0;
  assert_int_equal(jj_engine_snapshot(p->e[0], NULL, 0, &na), JJ_EFULL);
  assert_int_equal(jj_engine_snapshot(p->e[1], NULL, 0, &nb), JJ_EFULL);
  assert_int_equal(na, nb);
  unsigned char *a = malloc(na), *b = malloc(nb);
  assert_non_null(a);
  assert_non_null(b);
  assert_int_equal(jj_engine_snapshot(p->e[0], a, na, &na), JJ_OK);
  assert_int_equal(jj_engine_snapshot(p->e[1], b, nb, &nb), JJ_OK);
  assert_memory_equal(a, b, na);
  free(a);
  free(b);
}

/* Reload both engines over their own ruleset (a snapshot and a restore in
 * one call): the restored engine rebuilds its indexes. */
static void pair_reload(pair *p) {
  for (int k = 0; k < 2; k++) {
    jj_error err;
    jj_status st = jj_engine_reload(p->e[k], p->rs, NULL, &err);
    if (st != JJ_OK) fail_msg("reload: %s", err.message);
  }
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

static pair totals; /* group events over the seeds of one test */

/* Non-zero: the indexed engine's advance counter starts there (near
 * JJ__EPOCH_LAST, so the run renumbers it). */
static uint32_t start_epoch;

static void run_random(uint64_t seed, int64_t idle_ms, int steps) {
  pair p;
  pair_new(&p, idle_ms);
  if (start_epoch) p.e[0]->dl.epoch = start_epoch;
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
      /* zones fill up over the run: groups are made after advances too */
      snprintf(zone, sizeof zone, "z%d", n < 12 ? n % 3 : n % 5);
      /* mostly metric x (every rule kind), some q and c (count windows
       * only: deadlines no window expiry covers), some p (CAI sources) */
      ids[n] = metric_series(&p, n % 4 == 3   ? "c"
                                 : n % 8 == 2 ? "q"
                                 : n % 8 == 5 ? "p"
                                              : "x",
                             zone, name);
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
    } else if (r < 94) { /* the whole state, byte for byte (group windows included) */
      same_snapshot(&p);
    } else if (r < 95) { /* a reload: the indexes are rebuilt from the state */
      pair_reload(&p);
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
  /* The counter went past its last value and started over (a reload keeps it). */
  if (start_epoch) assert_true(p.e[0]->dl.epoch < start_epoch);
  /* The input did exercise the engine (a generator producing nothing would
   * compare empty streams). */
  assert_true(p.events > 50);
  if (getenv("JJ_TEST_VERBOSE"))
    for (int g = 0; g < NGR; g++) {
      fprintf(stderr, "seed %llu %-9s", (unsigned long long)seed, GROUP_RULES[g]);
      for (int k = 1; k <= JJ_EVENT_ACTIVE; k++) fprintf(stderr, " %u", p.group_kinds[g][k]);
      fprintf(stderr, " | on advance %u\n", p.group_on_advance[g]);
    }
  for (int g = 0; g < NGR; g++) {
    for (int k = 0; k <= JJ_EVENT_ACTIVE; k++) totals.group_kinds[g][k] += p.group_kinds[g][k];
    totals.group_on_advance[g] += p.group_on_advance[g];
    totals.group_resolved_on_advance[g] += p.group_resolved_on_advance[g];
  }
  pair_free(&p);
}

/* JJ_TEST_SEEDS=N runs N seeds instead of 12 (a longer search by hand). */
static uint64_t seeds(uint64_t dflt) {
  const char *s = getenv("JJ_TEST_SEEDS");
  return s && atoi(s) > 0 ? (uint64_t)atoi(s) : dflt;
}

/* What the seeds exercised of the groups' time-driven work: every group
 * mode fired and resolved on advance alone, groups went to no-data,
 * repeated and flapped (each compared with the full walk). */
static void check_group_coverage(void) {
  for (int g = 0; g < NGR; g++) {
    assert_true(totals.group_kinds[g][JJ_EVENT_FIRED] > 0);
    assert_true(totals.group_resolved_on_advance[g] > 0);
  }
  assert_true(totals.group_kinds[0][JJ_EVENT_NODATA] > 0); /* zone-avg */
  assert_true(totals.group_kinds[1][JJ_EVENT_NODATA] > 0); /* zone-kofn */
  assert_true(totals.group_kinds[2][JJ_EVENT_REPEAT] > 0); /* zone-max */
  assert_true(totals.group_kinds[3][JJ_EVENT_FLAPPING] > 0); /* zone-seen */
  assert_true(totals.group_kinds[4][JJ_EVENT_REPEAT] > 0); /* p-cai */
  assert_true(totals.group_kinds[0][JJ_EVENT_REPEAT] > 0); /* zone-avg (TUMBLING) */
}

static void test_random_matches_full_walk(void **state) {
  (void)state;
  memset(&totals, 0, sizeof totals);
  for (uint64_t seed = 1; seed <= seeds(12); seed++) run_random(seed, 0, 2500);
  check_group_coverage();
}

static void test_random_with_idle_forgetting(void **state) {
  (void)state;
  for (uint64_t seed = 1000; seed < 1000 + seeds(12) / 2; seed++) run_random(seed, 90 * ET_SEC, 2500);
}

/* ---- edge cases ---------------------------------------------------------- */

/* One advance days ahead: every window empties, every series goes stale,
 * hopping windows close as a run; the same events as the full walk. */
/* The advance counter is 32-bit: before it would pass JJ__EPOCH_LAST every
 * series catches up and the counters start over (engine.c, renumber_epochs).
 * Engines whose counters start just below that, so every run renumbers
 * with windows behind and re-checks owed, answer as the full walk does. */
static void test_epoch_renumbered(void **state) {
  (void)state;
  for (uint64_t seed = 2000; seed < 2000 + seeds(12) / 2; seed++) {
    start_epoch = JJ__EPOCH_LAST - (uint32_t)(seed % 7) * 40 - 30;
    run_random(seed, seed % 2 ? 90 * ET_SEC : 0, 2500);
  }
  start_epoch = 0;
}

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

/* A ruleset from one YAML text ("far.yaml" in its errors). */
static jj_ruleset *far_rules(const char *yaml, size_t len) {
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_error err[4];
  size_t n = 0;
  jj_status st = jj_rules_load_string(b, yaml, len, "far.yaml", err, 4, &n);
  if (st != JJ_OK) fail_msg("rules: %s", n ? err[0].message : jj_strerror(st));
  jj_ruleset *rs = NULL;
  assert_int_equal(jj_ruleset_builder_build(b, &rs, err), JJ_OK);
  jj_ruleset_builder_free(b);
  return rs;
}

/* A stale_after of 2^31 ms or more (here 30 days) does not fit the
 * index's 31-bit record (jj_due_rec.stale_min): the index then asks the
 * rules. The no-data event still comes exactly at stale_after, and the
 * series is not visited before it (nor is a series with a 20-day one). */
static void test_stale_after_days(void **state) {
  (void)state;
  static const char far[] = "version: 1\nrules:\n"
                            "  - name: month\n    metric: x\n    match: {id: a}\n"
                            "    window: {kind: sliding, span: 1h}\n    aggregate: mean\n"
                            "    levels: [{name: hi, severity: h, issue: \">= 50\"}]\n"
                            "    stale_after: 720h\n    on_missing: alert\n"
                            "  - name: weeks\n    metric: x\n    match: {id: b}\n"
                            "    window: {kind: sliding, span: 1h}\n    aggregate: mean\n"
                            "    levels: [{name: hi, severity: h, issue: \">= 50\"}]\n"
                            "    stale_after: 480h\n    on_missing: alert\n";
  jj_ruleset *rs = far_rules(far, sizeof far - 1);
  jj_engine *e = NULL;
  assert_int_equal(jj_engine_new(rs, NULL, NULL, &e), JJ_OK);
  jj_label la = {"id", "a"}, lb = {"id", "b"};
  jj_series_id a, bb;
  assert_int_equal(jj_engine_series(e, "x", &la, 1, &a), JJ_OK);
  assert_int_equal(jj_engine_series(e, "x", &lb, 1, &bb), JJ_OK);
#ifndef JJ_NO_DEADLINE_INDEX /* (built without the index: every advance walks both) */
  assert_int_equal(e->series[a]->dr.stale_min, JJ__STALE_FAR);
  assert_int_equal(e->series[bb]->dr.stale_min, 480 * ET_HOUR);
#endif
  assert_int_equal(jj_engine_push(e, a, ET_T0, 10), JJ_OK);
  assert_int_equal(jj_engine_push(e, bb, ET_T0, 10), JJ_OK);
  assert_int_equal(jj_engine_advance(e, ET_T0 + 2 * ET_HOUR), JJ_OK); /* the windows empty */
  const uint64_t v0 = jj__engine_advance_visits(e);
  assert_int_equal(jj_engine_advance(e, ET_T0 + 480 * ET_HOUR - 1), JJ_OK);
#ifndef JJ_NO_DEADLINE_INDEX
  assert_int_equal(jj__engine_advance_visits(e), v0); /* neither is due yet */
#else
  assert_int_equal(jj__engine_advance_visits(e), v0 + 2);
#endif
  assert_null(jj_engine_poll(e));
  assert_int_equal(jj_engine_advance(e, ET_T0 + 480 * ET_HOUR), JJ_OK);
  const jj_event *ev = jj_engine_poll(e);
  assert_non_null(ev);
  assert_int_equal(ev->kind, JJ_EVENT_NODATA);
  assert_string_equal(ev->rule, "weeks");
  assert_null(jj_engine_poll(e));
  const uint64_t v1 = jj__engine_advance_visits(e);
  assert_int_equal(jj_engine_advance(e, ET_T0 + 720 * ET_HOUR - 1), JJ_OK);
#ifndef JJ_NO_DEADLINE_INDEX
  assert_int_equal(jj__engine_advance_visits(e), v1);
#else
  assert_int_equal(jj__engine_advance_visits(e), v1 + 2);
#endif
  assert_null(jj_engine_poll(e));
  assert_int_equal(jj_engine_advance(e, ET_T0 + 720 * ET_HOUR), JJ_OK);
  ev = jj_engine_poll(e);
  assert_non_null(ev);
  assert_int_equal(ev->kind, JJ_EVENT_NODATA);
  assert_string_equal(ev->rule, "month");
  assert_int_equal(ev->time_ms, ET_T0 + 720 * ET_HOUR);
  jj_engine_free(e);
  jj_ruleset_free(rs);
}

/* The index keeps a series' time in 32 bits of ms from a base (deadline.h,
 * JJ__DUE_FAR): a stale_after of 1,500 h (62.5 days) is further ahead than
 * that reaches, and weekly advances move the base past 24.8 days twice.
 * The no-data event still comes exactly at stale_after, not a millisecond
 * before, and the series is looked at early once at most (when a base
 * reached its lower bound), as the full walk answers. */
static void test_due_past_32_bits(void **state) {
  (void)state;
  static const char far[] =
      "version: 1\nrules:\n"
      "  - name: season\n    metric: x\n"
      "    window: {kind: sliding, span: 1h}\n    aggregate: mean\n"
      "    levels: [{name: hi, severity: h, issue: \">= 50\"}]\n"
      "    stale_after: 1500h\n    on_missing: alert\n";
  jj_ruleset *rs = far_rules(far, sizeof far - 1);
  jj_engine *e[2];
  for (int k = 0; k < 2; k++) assert_int_equal(jj_engine_new(rs, NULL, NULL, &e[k]), JJ_OK);
  jj__engine_walk_all(e[1], 1);
  jj_label la = {"id", "a"};
  jj_series_id a;
  for (int k = 0; k < 2; k++) {
    assert_int_equal(jj_engine_series(e[k], "x", &la, 1, &a), JJ_OK);
    assert_int_equal(jj_engine_push(e[k], a, ET_T0, 10), JJ_OK);
    assert_int_equal(jj_engine_advance(e[k], ET_T0 + 2 * ET_HOUR), JJ_OK); /* the window empties */
  }
  const uint64_t v0 = jj__engine_advance_visits(e[0]);
  for (int64_t t = ET_T0 + 168 * ET_HOUR; t < ET_T0 + 1500 * ET_HOUR; t += 168 * ET_HOUR) {
    for (int k = 0; k < 2; k++) {
      assert_int_equal(jj_engine_advance(e[k], t), JJ_OK);
      assert_null(jj_engine_poll(e[k]));
    }
  }
  for (int k = 0; k < 2; k++) {
    assert_int_equal(jj_engine_advance(e[k], ET_T0 + 1500 * ET_HOUR - 1), JJ_OK);
    assert_null(jj_engine_poll(e[k]));
  }
#ifndef JJ_NO_DEADLINE_INDEX
  assert_true(jj__engine_advance_visits(e[0]) - v0 <= 1); /* 9 advances: once early at most */
#else
  (void)v0; /* the walk visits every series at every advance */
#endif
  for (int k = 0; k < 2; k++) {
    assert_int_equal(jj_engine_advance(e[k], ET_T0 + 1500 * ET_HOUR), JJ_OK);
    const jj_event *ev = jj_engine_poll(e[k]);
    assert_non_null(ev);
    assert_int_equal(ev->kind, JJ_EVENT_NODATA);
    assert_int_equal(ev->time_ms, ET_T0 + 1500 * ET_HOUR);
    assert_null(jj_engine_poll(e[k]));
    /* and readings after it are due as before */
    assert_int_equal(jj_engine_push(e[k], a, ET_T0 + 1500 * ET_HOUR + 1, 90), JJ_OK);
    assert_int_equal(jj_engine_advance(e[k], ET_T0 + 1502 * ET_HOUR), JJ_OK);
  }
  const jj_event *x = jj_engine_poll(e[0]), *y = jj_engine_poll(e[1]);
  while (x || y) {
    assert_true(x && y);
    assert_int_equal(x->kind, y->kind);
    assert_int_equal(x->time_ms, y->time_ms);
    x = jj_engine_poll(e[0]);
    y = jj_engine_poll(e[1]);
  }
  for (int k = 0; k < 2; k++) jj_engine_free(e[k]);
  jj_ruleset_free(rs);
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
#ifdef JJ_NO_DEADLINE_INDEX
  assert_int_equal(visits, 10 * N); /* built without the index: every advance walks them all */
#else
  assert_true(visits < 10 * N / 10);
#endif
  same_stats(&p);
  pair_free(&p);
}

static const jj_event *expect_event(pair *p, const char *rule, jj_event_kind kind, int64_t at) {
  const jj_event *ev = jj_engine_poll(p->e[1]); /* the walk's */
  assert_non_null(ev);
  assert_string_equal(ev->rule, rule);
  assert_int_equal(ev->kind, kind);
  assert_int_equal(ev->time_ms, at);
  assert_true(ev->sample_ts_ms == INT64_MIN); /* time alone did it */
  return ev;
}

/* A k-of-n group over count windows: agreement is dated at readings only,
 * so once its members are silent the group resolves when the agreements
 * expire (group_within_ms), at the first advance after, and not a
 * millisecond earlier. The index must re-judge it then with nothing
 * touching it. */
static void test_kofn_expires_on_advance(void **state) {
  (void)state;
  pair p;
  pair_new(&p, 0);
  jj_series_id a = metric_series(&p, "c", "z0", "a"), b = metric_series(&p, "c", "z0", "b");
  jj_series_id lone = metric_series(&p, "c", "z1", "lone");
  pair_advance(&p, ET_T0);
  pair_push(&p, a, ET_T0 + 1000, 50);
  pair_push(&p, lone, ET_T0 + 1000, 50); /* z1: one agrees, the group stays at rest */
  pair_push(&p, b, ET_T0 + 2000, 50);    /* two agree: z0 fires (c-count stays at rest) */
  same_events(&p);
  pair_advance(&p, ET_T0 + 5000);
  /* a's agreement counts until T0 + 1 s + 10 s; at one ms later the count
   * is 1: not yet below the clear condition (< 1); b's at T0 + 12.001 s.
   * z1's count (its alert's value) goes from 1 to 0 at T0 + 11.001 s. */
  jj_alert_state st;
  pair_advance(&p, ET_T0 + 11000);
  assert_int_equal(jj_engine_alert_state(p.e[0], lone, 14, &st), JJ_OK); /* c-kofn */
  assert_true(st.value == 1.0);
  pair_advance(&p, ET_T0 + 11001);
  assert_int_equal(jj_engine_alert_state(p.e[0], lone, 14, &st), JJ_OK);
  assert_true(st.value == 0.0);
  same_state(&p, lone);
  pair_advance(&p, ET_T0 + 12000);
  same_snapshot(&p);
  assert_int_equal(jj_engine_advance(p.e[0], ET_T0 + 12001), JJ_OK);
  assert_int_equal(jj_engine_advance(p.e[1], ET_T0 + 12001), JJ_OK);
  expect_event(&p, "c-kofn", JJ_EVENT_RESOLVED, ET_T0 + 12001);
  const jj_event *ev = jj_engine_poll(p.e[0]);
  assert_non_null(ev);
  assert_string_equal(ev->rule, "c-kofn");
  assert_int_equal(ev->kind, JJ_EVENT_RESOLVED);
  assert_int_equal(ev->time_ms, ET_T0 + 12001);
  same_events(&p);
  same_snapshot(&p);
  pair_free(&p);
}

/* Members go silent: the k-of-n and average groups report no data on
 * advance once every member is stale (on_missing: alert), and data back
 * when one reports again; the same events as the full walk. */
static void test_members_go_silent(void **state) {
  (void)state;
  pair p;
  pair_new(&p, 0);
  jj_series_id a = pair_series(&p, "z0", "a"), b = pair_series(&p, "z0", "b");
  for (int i = 0; i < 10; i++) {
    pair_push(&p, a, ET_T0 + i * ET_SEC, 60);
    pair_push(&p, b, ET_T0 + i * ET_SEC, 62);
    pair_advance(&p, ET_T0 + i * ET_SEC + 500);
  }
  /* silent from T0 + 9 s: zone-kofn's members are stale after 20 s,
   * zone-avg's after 30 s */
  for (int64_t t = 10; t < 45; t++) pair_advance(&p, ET_T0 + t * ET_SEC);
  same_snapshot(&p);
  same_state(&p, a);
  jj_alert_state st;
  assert_int_equal(jj_engine_alert_state(p.e[0], a, 7, &st), JJ_OK); /* zone-kofn */
  assert_int_equal(st.stale, 1);
  assert_int_equal(jj_engine_alert_state(p.e[0], a, 6, &st), JJ_OK); /* zone-avg */
  assert_int_equal(st.stale, 1);
  pair_push(&p, b, ET_T0 + 45 * ET_SEC, 30);
  same_events(&p);
  pair_advance(&p, ET_T0 + 46 * ET_SEC);
  same_snapshot(&p);
  pair_free(&p);
}

/* Groups made after advances (new zones, a CAI group whose new source
 * series has no reading yet) are re-judged at the next advance as the
 * full walk re-judges every group: the whole state matches right after. */
static void test_groups_created_after_advances(void **state) {
  (void)state;
  pair p;
  pair_new(&p, 0);
  jj_series_id a = pair_series(&p, "z0", "a");
  pair_push(&p, a, ET_T0, 30);
  pair_advance(&p, ET_T0 + ET_SEC);
  const char *metric[3] = {"x", "p", "c"};
  char zone[8], name[8];
  for (int k = 1; k < 10; k++) {
    snprintf(zone, sizeof zone, "z%d", k);
    snprintf(name, sizeof name, "n%d", k);
    metric_series(&p, metric[k % 3], zone, name);
    /* and one more member for the groups of z0 (k-of-n needs two) */
    snprintf(name, sizeof name, "m%d", k);
    metric_series(&p, "x", "z0", name);
    pair_advance(&p, ET_T0 + (k + 1) * ET_SEC);
    same_snapshot(&p);
  }
  pair_free(&p);
}

/* A member joins: a k-of-n group short of min_members becomes valid, and
 * the next advance judges it so (its value becomes the count) before the
 * new member reports anything. */
static void test_member_joins(void **state) {
  (void)state;
  pair p;
  pair_new(&p, 0);
  jj_series_id a = metric_series(&p, "k", "z0", "a");
  pair_push(&p, a, ET_T0, 30);
  pair_advance(&p, ET_T0 + ET_SEC);
  jj_alert_state st;
  assert_int_equal(jj_engine_alert_state(p.e[0], a, 18, &st), JJ_OK); /* k-pair */
  assert_true(isnan(st.value)); /* one member of two: no value */
  metric_series(&p, "k", "z0", "b");
  pair_advance(&p, ET_T0 + 2 * ET_SEC);
  assert_int_equal(jj_engine_alert_state(p.e[0], a, 18, &st), JJ_OK);
  assert_true(st.value == 0.0); /* two members, none agrees */
  same_state(&p, a);
  same_snapshot(&p);
  pair_free(&p);
}

/* A member's value changes on advance alone (its largest sample expires
 * from the sliding window): its group's value follows at that advance. */
static void test_member_value_expires(void **state) {
  (void)state;
  pair p;
  pair_new(&p, 0);
  jj_series_id a = pair_series(&p, "z0", "a");
  for (int i = 0; i < 4; i++) pair_push(&p, a, ET_T0 + i * 5 * ET_SEC, i == 0 ? 65 : 50);
  pair_advance(&p, ET_T0 + 19 * ET_SEC);
  jj_alert_state st;
  assert_int_equal(jj_engine_alert_state(p.e[0], a, 12, &st), JJ_OK); /* zone-max */
  assert_true(st.value == 65.0);
  pair_advance(&p, ET_T0 + 20 * ET_SEC + 500); /* the 65 at T0 has expired */
  assert_int_equal(jj_engine_alert_state(p.e[0], a, 12, &st), JJ_OK);
  assert_true(st.value == 50.0);
  same_state(&p, a);
  same_snapshot(&p);
  pair_free(&p);
}

/* The groups' index: with members reporting every 10 s and an advance
 * every second, an advance re-judges the groups whose members changed or
 * whose time came (k-of-n and max groups when members are judged, the
 * TUMBLING groups when windows close), not every group each time. */
static void test_quiet_groups_are_not_rejudged(void **state) {
  (void)state;
  pair p;
  pair_new(&p, 0);
  enum { ZONES = 30 };
  jj_series_id id[ZONES][2];
  char name[16], zone[16];
  for (int z = 0; z < ZONES; z++)
    for (int k = 0; k < 2; k++) {
      snprintf(name, sizeof name, "s%d-%d", z, k);
      snprintf(zone, sizeof zone, "z%d", z);
      id[z][k] = pair_series(&p, zone, name);
    }
  uint64_t g0 = 0, w0 = 0;
  for (int s = 0; s < 180; s++) {
    if (s % 10 == 0)
      for (int z = 0; z < ZONES; z++)
        for (int k = 0; k < 2; k++) pair_push(&p, id[z][k], ET_T0 + s * ET_SEC + z, 30 + k);
    pair_advance(&p, ET_T0 + s * ET_SEC + 500);
    if (s == 59) { /* after the first windows closed */
      g0 = jj__engine_group_visits(p.e[0]);
      w0 = jj__engine_group_visits(p.e[1]);
    }
  }
  uint64_t visits = jj__engine_group_visits(p.e[0]) - g0;
  if (getenv("JJ_TEST_VERBOSE"))
    fprintf(stderr, "group visits: %llu of %llu\n", (unsigned long long)visits,
            (unsigned long long)(jj__engine_group_visits(p.e[1]) - w0));
  uint64_t walk = jj__engine_group_visits(p.e[1]) - w0;
  assert_int_equal(walk, 120 * 5 * ZONES); /* zone-avg, -kofn, -rules, -max, -seen: each advance */
#ifdef JJ_NO_DEADLINE_INDEX
  assert_int_equal(visits, walk); /* built without the index: every group, every advance */
#else
  assert_true(visits < walk / 4);
#endif
  same_snapshot(&p);
  same_stats(&p);
  pair_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_random_matches_full_walk),
      cmocka_unit_test(test_random_with_idle_forgetting),
      cmocka_unit_test(test_epoch_renumbered),
      cmocka_unit_test(test_jump_days_ahead),
      cmocka_unit_test(test_expiring_in_the_same_tick),
      cmocka_unit_test(test_series_created_after_advance),
      cmocka_unit_test(test_stale_timing),
      cmocka_unit_test(test_stale_after_days),
      cmocka_unit_test(test_due_past_32_bits),
      cmocka_unit_test(test_quiet_series_are_not_visited),
      cmocka_unit_test(test_kofn_expires_on_advance),
      cmocka_unit_test(test_members_go_silent),
      cmocka_unit_test(test_groups_created_after_advances),
      cmocka_unit_test(test_member_value_expires),
      cmocka_unit_test(test_member_joins),
      cmocka_unit_test(test_quiet_groups_are_not_rejudged),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
