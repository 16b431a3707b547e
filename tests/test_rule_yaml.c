/* Tests for the YAML rule loader (jjair/rule_yaml.h): good files load into
 * the builder and run end to end through an engine; every file in
 * tests/rules_broken/ is rejected with exactly the errors its leading
 * "# expect: [FILE:]LINE:COL: MESSAGE" comments list, and nothing is added
 * to the builder; hostile inputs (alias bombs, deep nesting) stay bounded. */
#define _XOPEN_SOURCE 700
/* cmocka.h needs these first. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_testutil.h"
#include "jjair/jjair.h"
#include "jjair/rule_yaml.h"
#include "testutil.h"

#ifndef JJ_RULES_BROKEN_DIR
#error "JJ_RULES_BROKEN_DIR must name tests/rules_broken"
#endif

#define MAX_ERRS 32

static void load_ok(jj_ruleset_builder *b, const char *yaml, const char *name) {
  jj_error errs[MAX_ERRS];
  size_t n = 99;
  jj_status st = jj_rules_load_string(b, yaml, strlen(yaml), name, errs, MAX_ERRS, &n);
  for (size_t i = 0; i < n && i < MAX_ERRS; i++)
    print_error("%s:%d:%d: %s\n", errs[i].file, errs[i].line, errs[i].column, errs[i].message);
  assert_int_equal(st, JJ_OK);
  assert_int_equal(n, 0);
}

/* An engine over the rules in `yaml` (which must load and build). */
static jj_engine *engine_from_yaml(const char *yaml) {
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  load_ok(b, yaml, NULL);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  jj_engine *e = et_engine(rs, NULL, NULL);
  jj_ruleset_free(rs); /* the engine keeps its own reference */
  return e;
}

/* ---- good files --------------------------------------------------------- */

static const char *const full_file =
    "version: 1\n"
    "x-count: &cnt {kind: count, count: 10, min_samples: 9}\n"
    "x-levels: &korean\n"
    "  - {name: advisory, severity: 주의보, issue: \">= 75\", clear: \"< 35\", for_count: 2}\n"
    "  - {name: warning, severity: 경보, issue: \">= 150\", clear: \"< 75\", for: 0s,\n"
    "     clear_for_count: 1, keep_firing_for: 0s}\n"
    "defaults:\n"
    "  window: {kind: tumbling, span: 1h, min_coverage: 0.75, expected_interval: 5m}\n"
    "  labels: {team: air}\n"
    "rules:\n"
    "  - name: pm25-korea\n"
    "    metric: pm25\n"
    "    match:\n"
    "      zone: jungbu\n"
    "      station: {re: \"palbok-.*\"}\n"
    "      city: {ne: seoul}\n"
    "    window: {align: 0s, hop: 1h, min_samples: 9, max_samples: 1024, duplicates: replace}\n"
    "    aggregate: mean\n"
    "    group: {by: [zone], mode: avg, min_members: 2, wait: 10m}\n"
    "    levels: *korean\n"
    "    on_missing: resolve\n"
    "    stale_after: 15m\n"
    "    valid: {min: 0, max: 1000}\n"
    "    stuck: {samples: 30, epsilon: 0}\n"
    "    repeat_interval: 1h\n"
    "    flap: {changes: 4, window: 30m}\n"
    "    labels: {severity_class: pm}\n"
    "    annotations: {summary: \"PM2.5 {{ value:.0f }}㎍/㎥ in {{ labels.zone }}\"}\n"
    "    notify: [sms-residents, ops]\n"
    "  - name: fire-temp-slope\n"
    "    metric: temperature\n"
    "    window: {kind: sliding, span: 2m}\n"
    "    aggregate: slope\n"
    "    per: min\n"
    "    levels: [{name: fire, issue: \"> 8.3\"}]\n"
    "  - name: smoke-corroborated\n"
    "    metric: smoke\n"
    "    window: {<<: *cnt, percentile: 0.95, accuracy: 0.01, floor: 0.001}\n"
    "    aggregate: percentile\n"
    "    group: {by: robot, mode: k_of_n, member: \">= 57\", within: 30s}\n"
    "    levels: [{name: fire, issue: \">= 2\"}]\n"
    "  - name: co-ewma\n"
    "    metric: co\n"
    "    window: {kind: sliding, span: 1500ms, ewma_halflife: 500ms}\n"
    "    aggregate: ewma\n"
    "    scale: 1.5\n"
    "    levels: [{name: high, issue: \"<= -1e3\", clear: \"> -500\"}]\n";

static void test_full_file(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  load_ok(b, full_file, "full.yaml");
  jj_ruleset *rs = et_build(b);
  assert_int_equal(jj_ruleset_rule_count(rs), 4);
  assert_string_equal(jj_ruleset_rule_name(rs, 0), "pm25-korea");
  assert_string_equal(jj_ruleset_rule_name(rs, 1), "fire-temp-slope");
  assert_string_equal(jj_ruleset_rule_name(rs, 2), "smoke-corroborated");
  assert_string_equal(jj_ruleset_rule_name(rs, 3), "co-ewma");
  assert_int_equal(jj_ruleset_rule_notify_count(rs, 0), 2);
  assert_string_equal(jj_ruleset_rule_notify(rs, 0, 0), "sms-residents");
  assert_string_equal(jj_ruleset_rule_notify(rs, 0, 1), "ops");
  assert_int_equal(jj_ruleset_rule_notify_count(rs, 1), 0);
  jj_ruleset_free(rs);
  jj_ruleset_builder_free(b);
}

/* One YAML rule, end to end: a 3-sample count window's mean against two
 * levels with hysteresis; labels and the annotation reach the events. */
static void test_engine_scenario(void **state) {
  (void)state;
  static const char *const yaml =
      "version: 1\n"
      "rules:\n"
      "  - name: pm25-test\n"
      "    metric: pm25\n"
      "    match: {zone: jungbu}\n"
      "    window: {kind: count, count: 3}\n"
      "    aggregate: mean\n"
      "    levels:\n"
      "      - {name: advisory, severity: 주의보, issue: \">= 75\", clear: \"< 35\"}\n"
      "      - {name: warning, severity: 경보, issue: \">= 150\", clear: \"< 75\"}\n"
      "    labels: {team: air}\n"
      "    annotations: {summary: \"PM2.5 {{ value:.0f }} in {{ labels.zone }}\"}\n";
  jj_engine *e = engine_from_yaml(yaml);
  jj_label other[] = {{"zone", "seobu"}};
  jj_label l[] = {{"station", "palbok-03"}, {"zone", "jungbu"}};
  jj_series_id id, oid;
  assert_int_equal(jj_engine_series(e, "pm25", l, 2, &id), JJ_OK);
  assert_int_equal(jj_engine_series(e, "pm25", other, 1, &oid), JJ_OK);
  static const double v[] = {90, 90, 90, 300, 300, 300, 60, 60, 60, 10, 10, 10};
  const int want_kind[] = {JJ_EVENT_FIRED, JJ_EVENT_ESCALATED, JJ_EVENT_DOWNGRADED,
                           JJ_EVENT_RESOLVED};
  const char *want_level[] = {"advisory", "warning", "advisory", NULL};
  int got = 0;
  for (int i = 0; i < 12; i++) {
    assert_int_equal(jj_engine_push(e, oid, 1000 * (i + 1), 500.0), JJ_OK); /* not selected */
    assert_int_equal(jj_engine_push(e, id, 1000 * (i + 1), v[i]), JJ_OK);
    const jj_event *ev;
    while ((ev = jj_engine_poll(e)) != NULL) {
      assert_true(got < 4);
      assert_int_equal(ev->kind, want_kind[got]);
      assert_string_equal(ev->rule, "pm25-test");
      if (want_level[got]) assert_string_equal(ev->level_name, want_level[got]);
      if (got == 0) {
        assert_string_equal(ev->severity, "주의보");
        assert_int_equal(ev->nrule_labels, 1);
        assert_string_equal(ev->rule_labels[0].name, "team");
        assert_int_equal(jj_event_annotation_count(ev), 1);
        char text[64];
        jj_event_render(ev, 0, text, sizeof text);
        assert_string_equal(text, "PM2.5 90 in jungbu");
      }
      got++;
    }
  }
  assert_int_equal(got, 4);
  jj_engine_free(e);
}

/* group `wait` reaches group_wait_ms: with station c silent, the zone's
 * hour is judged by the clock 10 minutes after it ends, not before. */
static void test_group_wait_key(void **state) {
  (void)state;
  static const char *const yaml =
      "version: 1\n"
      "rules:\n"
      "  - name: pm25-zone\n"
      "    metric: pm25\n"
      "    window: {kind: tumbling, span: 1h}\n"
      "    group: {by: [zone], mode: avg, wait: 10m}\n"
      "    levels: [{name: advisory, issue: \">= 75\", clear: \"< 35\"}]\n";
  jj_engine *e = engine_from_yaml(yaml);
  const int64_t hour = 3600000, min = 60000;
  const char *station[] = {"a", "b", "c"};
  jj_series_id id[3];
  for (int i = 0; i < 3; i++) {
    jj_label l[] = {{"station", station[i]}, {"zone", "z"}};
    assert_int_equal(jj_engine_series(e, "pm25", l, 2, &id[i]), JJ_OK);
  }
  /* a and b report 80 every 5 minutes of hour 0 and the start of hour 1. */
  for (int64_t t = 0; t <= hour; t += 5 * min) {
    assert_int_equal(jj_engine_advance(e, t), JJ_OK);
    for (int i = 0; i < 2; i++) assert_int_equal(jj_engine_push(e, id[i], t, 80), JJ_OK);
  }
  assert_int_equal(jj_engine_advance(e, hour + 10 * min - 1), JJ_OK);
  assert_null(jj_engine_poll(e));
  assert_int_equal(jj_engine_advance(e, hour + 10 * min), JJ_OK);
  const jj_event *ev = jj_engine_poll(e);
  assert_non_null(ev);
  assert_int_equal(ev->kind, JJ_EVENT_FIRED);
  assert_int_equal(ev->time_ms, hour + 10 * min);
  assert_int_equal(ev->window_start_ms, 0);
  assert_null(jj_engine_poll(e));
  jj_engine_free(e);
}

/* Includes resolve against the including file's directory; defaults merge
 * deeply under each rule and only in their own file. */
static void test_include_and_defaults(void **state) {
  (void)state;
  static const char *const yaml =
      "version: 1\n"
      "include: [inc/common.yaml, inc/common.yaml]\n"
      "defaults:\n"
      "  window: {kind: tumbling, span: 1h}\n"
      "  on_missing: alert\n"
      "  stale_after: 2h\n"
      "rules:\n"
      "  - name: pm10-hourly\n"
      "    metric: pm10\n"
      "    window: {hop: 30m}\n"
      "    levels: [{name: advisory, issue: \">= 150\"}]\n";
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  load_ok(b, yaml, JJ_RULES_BROKEN_DIR "/virtual.yaml");
  jj_ruleset *rs = et_build(b);
  assert_int_equal(jj_ruleset_rule_count(rs), 2);
  assert_string_equal(jj_ruleset_rule_name(rs, 0), "common-pm10");
  assert_string_equal(jj_ruleset_rule_name(rs, 1), "pm10-hourly");
  jj_ruleset_free(rs);
  jj_ruleset_builder_free(b);
}

/* Durations in every spelling the format allows. */
static void test_durations(void **state) {
  (void)state;
  static const char *const spans[] = {"500ms", "90s", "5m", "2h", "1d", "1h30m", "1d2h3m4s5ms"};
  for (size_t i = 0; i < sizeof spans / sizeof spans[0]; i++) {
    char yaml[512];
    (void)snprintf(yaml, sizeof yaml,
                   "version: 1\nrules:\n  - name: r\n    metric: m\n"
                   "    window: {kind: sliding, span: %s}\n"
                   "    levels: [{name: a, issue: \">= 1\", for: %s}]\n",
                   spans[i], spans[i]);
    jj_ruleset_builder *b = NULL;
    assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
    load_ok(b, yaml, NULL);
    jj_ruleset_builder_free(b);
  }
}

/* A failing file adds nothing; rules from C stay; errors are capped at
 * max_errs but all are counted. */
static void test_failure_adds_nothing(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "from-c";
  rc.metric = "pm25";
  jj_level_config lc = et_level("a", JJ_CMP_GE, 1, JJ_CMP_NONE, 0, 0);
  et_add(b, &rc, &lc, 1);
  static const char *const yaml =
      "version: 1\nrules:\n"
      "  - {name: good, metric: pm25, levels: [{name: a, issue: \">= 1\"}]}\n"
      "  - {name: bad1, metric: pm25, levels: [{name: a, issue: 1}]}\n"
      "  - {name: bad2, metric: pm25, levels: [{name: a, issue: \">= x\"}]}\n"
      "  - {name: bad3, metric: pm25, levels: [{name: a, isue: \">= 1\"}]}\n";
  jj_error errs[2];
  size_t n = 0;
  assert_int_equal(jj_rules_load_string(b, yaml, strlen(yaml), "t.yaml", errs, 2, &n), JJ_EINVAL);
  assert_int_equal(n, 3);
  assert_int_equal(errs[0].line, 4);
  assert_int_equal(errs[1].line, 5);
  assert_string_equal(errs[0].file, "t.yaml");
  /* NULL errs with max_errs 0 and NULL nerrs are allowed */
  assert_int_equal(jj_rules_load_string(b, yaml, strlen(yaml), NULL, NULL, 0, NULL), JJ_EINVAL);
  /* A clash with the rule added from C shows only while adding: the rule
   * of this load added before it must be taken out again. */
  static const char *const clash =
      "version: 1\nrules:\n"
      "  - {name: fresh, metric: pm25, levels: [{name: a, issue: \">= 1\"}]}\n"
      "  - {name: from-c, metric: pm10, levels: [{name: a, issue: \">= 1\"}]}\n";
  assert_int_equal(jj_rules_load_string(b, clash, strlen(clash), "c.yaml", errs, 2, &n), JJ_EINVAL);
  assert_int_equal(n, 1);
  assert_non_null(strstr(errs[0].message, "from-c"));
  jj_ruleset *rs = et_build(b);
  assert_int_equal(jj_ruleset_rule_count(rs), 1);
  assert_string_equal(jj_ruleset_rule_name(rs, 0), "from-c");
  jj_ruleset_free(rs);
  jj_ruleset_builder_free(b);
}

static void test_missing_file(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_error e;
  size_t n = 0;
  assert_int_equal(jj_rules_load_file(b, JJ_RULES_BROKEN_DIR "/no-such.yaml", &e, 1, &n),
                   JJ_ENOTFOUND);
  assert_int_equal(n, 1);
  assert_int_equal(e.code, JJ_ENOTFOUND);
  assert_non_null(strstr(e.message, "No such file"));
  assert_int_equal(jj_rules_load_file(b, JJ_RULES_BROKEN_DIR, &e, 1, &n), JJ_ENOTFOUND);
  assert_non_null(strstr(e.message, "not a regular file"));
  assert_int_equal(jj_rules_load_file(NULL, "x", &e, 1, &n), JJ_EINVAL);
  assert_int_equal(jj_rules_load_string(b, NULL, 5, NULL, &e, 1, &n), JJ_EINVAL);
  jj_ruleset_builder_free(b);
}

/* Hostile inputs end quickly with an error: an alias bomb (each level
 * doubles the last), merge-key chains, deep flow nesting. */
static void test_hostile(void **state) {
  (void)state;
  char *yaml = malloc(1 << 16);
  assert_non_null(yaml);
  size_t off = (size_t)sprintf(yaml, "version: 1\nx-0: &a0 {k: v, <<: {}}\n");
  for (int i = 1; i < 40; i++)
    off += (size_t)sprintf(yaml + off, "x-%d: &a%d [*a%d, *a%d, {<<: [*a%d]}]\n", i, i, i - 1,
                           i - 1, i - 1);
  off += (size_t)sprintf(yaml + off,
                         "defaults: {labels: {<<: *a0}}\nrules:\n"
                         "  - {name: r, metric: m, levels: [{name: a, issue: \">= 1\"}],"
                         " annotations: *a39}\n");
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_error e[4];
  size_t n = 0;
  assert_int_equal(jj_rules_load_string(b, yaml, off, NULL, e, 4, &n), JJ_EINVAL);
  assert_true(n >= 1);
  /* merge chain: each mapping merges the previous one */
  off = (size_t)sprintf(yaml, "version: 1\nx-0: &m0 {k0: v}\n");
  for (int i = 1; i < 200; i++)
    off += (size_t)sprintf(yaml + off, "x-%d: &m%d {<<: *m%d, k%d: v}\n", i, i, i - 1, i);
  off += (size_t)sprintf(yaml + off, "rules:\n  - {name: r, metric: m, labels: *m199,"
                                     " levels: [{name: a, issue: \">= 1\"}]}\n");
  assert_int_equal(jj_rules_load_string(b, yaml, off, NULL, e, 4, &n), JJ_EINVAL);
  assert_non_null(strstr(e[0].message, "merge keys"));
  memset(yaml, '[', 5000);
  assert_int_equal(jj_rules_load_string(b, yaml, 5000, NULL, e, 4, &n), JJ_EINVAL);
  assert_non_null(strstr(e[0].message, "nesting deeper"));
  free(yaml);
  jj_ruleset_builder_free(b);
}

/* The caller's builder failing its Nth allocation: a clean JJ_ENOMEM (or
 * success once N is past every allocation), never a crash or a leak. */
static void test_builder_out_of_memory(void **state) {
  (void)state;
  int succeeded = 0;
  for (unsigned long n = 1; n < 100000 && !succeeded; n++) {
    tu_alloc a;
    tu_alloc_init(&a);
    jj_ruleset_builder *b = NULL;
    if (jj_ruleset_builder_new(&a.alc, &b) != JJ_OK) continue;
    tu_alloc_fail_at(&a, n, 1);
    jj_error e[4];
    size_t ne = 0;
    jj_status st = jj_rules_load_string(b, full_file, strlen(full_file), NULL, e, 4, &ne);
    if (st == JJ_OK) {
      succeeded = 1;
      assert_int_equal(ne, 0);
    } else {
      assert_int_equal(st, JJ_ENOMEM);
      assert_int_equal(e[0].code, JJ_ENOMEM);
    }
    jj_ruleset_builder_free(b);
    assert_int_equal(a.live_blocks, 0);
    assert_int_equal(a.errors, 0);
  }
  assert_true(succeeded);
}

/* ---- the broken corpus -------------------------------------------------- */

typedef struct expect {
  char file[128]; /* relative to the corpus directory; "" = the file itself */
  int line, col;
  char message[JJ_ERROR_MESSAGE_MAX];
} expect;

static int parse_expect(const char *text, expect *x) {
  memset(x, 0, sizeof *x);
  const char *p = text;
  if (!(*p >= '0' && *p <= '9')) {
    const char *colon = strchr(p, ':');
    if (!colon || (size_t)(colon - p) >= sizeof x->file) return -1;
    memcpy(x->file, p, (size_t)(colon - p));
    p = colon + 1;
  }
  int used = 0;
  if (sscanf(p, "%d:%d: %n", &x->line, &x->col, &used) != 2 || used == 0) return -1;
  (void)snprintf(x->message, sizeof x->message, "%s", p + used);
  size_t n = strlen(x->message);
  while (n && (x->message[n - 1] == '\n' || x->message[n - 1] == '\r')) x->message[--n] = '\0';
  return 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with(const char *s, const char *tail) {
  size_t a = strlen(s), b = strlen(tail);
  return a >= b && strcmp(s + a - b, tail) == 0 && (a == b || s[a - b - 1] == '/');
}

static int check_broken(const char *dir, const char *name) {
  char path[512];
  (void)snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "r");
  if (!f) {
    print_error("%s: cannot open\n", path);
    return 1;
  }
  expect want[MAX_ERRS];
  size_t nwant = 0;
  char line[600];
  while (fgets(line, sizeof line, f) && line[0] == '#') {
    if (strncmp(line, "# expect: ", 10) != 0) continue;
    if (nwant == MAX_ERRS || parse_expect(line + 10, &want[nwant])) {
      print_error("%s: bad expect line: %s", name, line);
      (void)fclose(f);
      return 1;
    }
    nwant++;
  }
  (void)fclose(f);
  if (nwant == 0) {
    print_error("%s: no '# expect:' line\n", name);
    return 1;
  }
  jj_ruleset_builder *b = NULL;
  if (jj_ruleset_builder_new(NULL, &b) != JJ_OK) return 1;
  jj_error errs[MAX_ERRS];
  size_t n = 0;
  jj_status st = jj_rules_load_file(b, path, errs, MAX_ERRS, &n);
  int bad = 0;
  if (st == JJ_OK || n != nwant) {
    print_error("%s: status %s, %zu errors, expected %zu\n", name, jj_status_name(st), n, nwant);
    bad = 1;
  }
  for (size_t i = 0; i < n && i < MAX_ERRS; i++) {
    const jj_error *e = &errs[i];
    const expect *x = i < nwant ? &want[i] : NULL;
    int same = x && e->line == x->line && e->column == x->col &&
               strcmp(e->message, x->message) == 0 && e->code != JJ_OK &&
               (x->file[0] ? ends_with(e->file, x->file) : strcmp(e->file, path) == 0);
    if (!same) {
      print_error("%s: error %zu is\n  %s:%d:%d: %s\nexpected\n  %s:%d:%d: %s\n", name, i,
                  e->file, e->line, e->column, e->message, x ? x->file : "-", x ? x->line : 0,
                  x ? x->col : 0, x ? x->message : "(none)");
      bad = 1;
    }
  }
  /* nothing was added */
  jj_ruleset *rs = NULL;
  if (jj_ruleset_builder_build(b, &rs, NULL) != JJ_EINVAL) {
    print_error("%s: rules were added despite the errors\n", name);
    bad = 1;
  }
  jj_ruleset_free(rs);
  jj_ruleset_builder_free(b);
  return bad;
}

static void test_broken_corpus(void **state) {
  (void)state;
  DIR *d = opendir(JJ_RULES_BROKEN_DIR);
  assert_non_null(d);
  char *names[256];
  size_t n = 0;
  const struct dirent *de;
  while ((de = readdir(d)) != NULL && n < 256) {
    size_t l = strlen(de->d_name);
    if (l > 5 && strcmp(de->d_name + l - 5, ".yaml") == 0) names[n++] = strdup(de->d_name);
  }
  (void)closedir(d);
  qsort(names, n, sizeof *names, cmp_str);
  int failed = 0;
  for (size_t i = 0; i < n; i++) {
    failed += check_broken(JJ_RULES_BROKEN_DIR, names[i]);
    free(names[i]);
  }
  assert_true(n >= 40);
  assert_int_equal(failed, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_full_file),
      cmocka_unit_test(test_engine_scenario),
      cmocka_unit_test(test_group_wait_key),
      cmocka_unit_test(test_include_and_defaults),
      cmocka_unit_test(test_durations),
      cmocka_unit_test(test_failure_adds_nothing),
      cmocka_unit_test(test_missing_file),
      cmocka_unit_test(test_hostile),
      cmocka_unit_test(test_builder_out_of_memory),
      cmocka_unit_test(test_broken_corpus),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
