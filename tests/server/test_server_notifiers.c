/* Tests for the server's notifiers (examples/server/notifiers.h): the
 * configuration's inline `notifiers:` list and a notifier file, read by
 * the library's loader with positions in the right file; events of a rule
 * naming a notifier reach it (an `ndjson` notifier: no network); a rule
 * naming an undefined notifier is reported; per-notifier /metrics
 * families; deliveries accepted but not sent survive a restart through the
 * outbox in the state directory. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "jjair/jjair.h"
#include "notifiers.h"

typedef struct problems {
  size_t n;
  char text[16][700];
} problems;

static void collect(void *ctx, const char *file, int line, int col, const char *message) {
  problems *p = ctx;
  if (p->n < 16)
    (void)snprintf(p->text[p->n], sizeof p->text[0], "%s:%d:%d: %s", file, line, col, message);
  p->n++;
}

static char dir[64];

static void path_of(char *out, size_t size, const char *name) {
  (void)snprintf(out, size, "%s/%s", dir, name);
}

static void write_file(const char *name, const char *text) {
  char p[256];
  path_of(p, sizeof p, name);
  FILE *f = fopen(p, "w");
  assert_non_null(f);
  (void)fputs(text, f);
  assert_int_equal(fclose(f), 0);
}

static size_t count_lines(const char *name, const char *needle) {
  char p[256], line[8192];
  path_of(p, sizeof p, name);
  FILE *f = fopen(p, "r");
  if (!f) return 0;
  size_t n = 0;
  while (fgets(line, sizeof line, f)) n += strstr(line, needle) != NULL;
  (void)fclose(f);
  return n;
}

static const char rules_yaml[] =
    "version: 1\n"
    "rules:\n"
    "  - name: hot\n"
    "    metric: temperature\n"
    "    window: {kind: sliding, span: 10s, min_samples: 2}\n"
    "    aggregate: min\n"
    "    levels:\n"
    "      - {name: hot, severity: high, issue: \">= 57\", clear: \"< 50\"}\n"
    "    notify: [desk, nowhere]\n";

static int setup(void **state) {
  (void)state;
  (void)snprintf(dir, sizeof dir, "/tmp/jj_srv_notify_XXXXXX");
  if (!mkdtemp(dir)) return -1;
  write_file("rules.yaml", rules_yaml);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  const char *names[] = {"rules.yaml", "server.yaml", "desk.ndjson", "notifiers.yaml",
                         "state/outbox", "state"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    char p[256];
    path_of(p, sizeof p, names[i]);
    (void)remove(p);
  }
  (void)rmdir(dir);
  return 0;
}

static int load_config(const char *text, srv_config *c) {
  write_file("server.yaml", text);
  char p[256];
  path_of(p, sizeof p, "server.yaml");
  problems pr = {0};
  int rc = srv_config_load(p, c, collect, &pr);
  if (rc != 0) print_message("config: %s\n", pr.text[0]);
  return rc;
}

static jj_ruleset *load_rules(void) {
  char p[256];
  path_of(p, sizeof p, "rules.yaml");
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_error errs[4];
  size_t n = 0;
  assert_int_equal(jj_rules_load_file(b, p, errs, 4, &n), JJ_OK);
  jj_ruleset *rs = NULL;
  jj_error e;
  assert_int_equal(jj_ruleset_builder_build(b, &rs, &e), JJ_OK);
  jj_ruleset_builder_free(b);
  return rs;
}

typedef struct sink {
  srv_notifiers *n;
  srv_metrics *m;
} sink;

static void on_event(void *ctx, const jj_event *ev) {
  sink *s = ctx;
  srv_notifiers_event(s->n, ev, s->m);
}

/* Readings that make rule `hot` fire and resolve once. */
static void run_episode(jj_ruleset *rs, srv_notifiers *n, srv_metrics *m) {
  sink s = {n, m};
  jj_engine_config ec;
  jj_engine_config_init(&ec);
  ec.on_event = on_event;
  ec.on_event_ctx = &s;
  ec.flags = JJ_ENGINE_NO_QUEUE;
  jj_engine *e = NULL;
  assert_int_equal(jj_engine_new(rs, &ec, NULL, &e), JJ_OK);
  jj_label l = {"station", "s1"};
  jj_series_id id;
  assert_int_equal(jj_engine_series(e, "temperature", &l, 1, &id), JJ_OK);
  const double v[] = {20, 60, 61, 62, 30, 30, 30};
  for (int i = 0; i < 7; i++) (void)jj_engine_push(e, id, 1000000 + i * 5000, v[i]);
  jj_engine_free(e);
}

static void test_inline_list_delivers(void **state) {
  (void)state;
  char cfgtext[1024];
  (void)snprintf(cfgtext, sizeof cfgtext,
                 "version: 1\n"
                 "http: {listen: \"127.0.0.1:0\"}\n"
                 "notifiers:\n"
                 "  - name: desk\n"
                 "    type: ndjson\n"
                 "    path: %s/desk.ndjson\n"
                 "rules: [rules.yaml]\n"
                 "state: {dir: state}\n",
                 dir);
  srv_config c;
  assert_int_equal(load_config(cfgtext, &c), 0);
  assert_null(c.notifier_file);
  assert_non_null(c.notifier_yaml);
  srv_notifiers *n = NULL;
  problems pr = {0};
  assert_int_equal(srv_notifiers_open(&c, 1, &n, collect, &pr), 0);
  assert_non_null(n);
  assert_int_equal(srv_notifiers_count(n), 1);
  jj_ruleset *rs = load_rules();
  /* 'nowhere' is named by the rule but not defined */
  assert_int_equal(srv_notifiers_check_routes(n, rs, collect, &pr, "server.yaml"), 1);
  assert_non_null(strstr(pr.text[0], "rule 'hot' names notifier 'nowhere'"));
  assert_int_equal(srv_notifiers_check_routes(NULL, rs, collect, &pr, "server.yaml"), 2);

  static srv_metrics m;
  srv_metrics_init(&m, 0);
  assert_int_equal(srv_notifiers_start(n), 0);
  run_episode(rs, n, &m);
  assert_int_equal(srv_notifiers_drain(n, 10000), 0);
  assert_int_equal(count_lines("desk.ndjson", "\"kind\":\"fired\""), 1);
  assert_int_equal(count_lines("desk.ndjson", "\"kind\":\"resolved\""), 1);
  assert_int_equal(atomic_load(&m.delivery_errors), 0);

  /* /metrics: the per-notifier families, after the server's own */
  m.render_more = srv_notifiers_render;
  m.render_more_ctx = n;
  size_t len = 0;
  char *text = srv_metrics_render(&m, NULL, &len);
  assert_non_null(text);
  assert_non_null(strstr(text, "# TYPE jjair_notifier_sent_total counter\n"
                               "jjair_notifier_sent_total{notifier=\"desk\"} 2\n"));
  assert_non_null(strstr(text, "jjair_notifier_failed_total{notifier=\"desk\"} 0\n"));
  assert_non_null(strstr(text, "jjair_notifier_retried_total{notifier=\"desk\"} 0\n"));
  assert_non_null(strstr(text, "jjair_notifier_queue_depth{notifier=\"desk\"} 0\n"));
  assert_non_null(strstr(text, "jjair_notifier_oldest_pending_seconds{notifier=\"desk\"} 0.000\n"));
  free(text);
  srv_notifiers_close(n);
  srv_metrics_fini(&m);

  /* the outbox lives in the state directory */
  char p[256];
  struct stat sb;
  path_of(p, sizeof p, "state/outbox");
  assert_int_equal(stat(p, &sb), 0);
  jj_ruleset_free(rs);
  srv_config_free(&c);
}

/* Events accepted while nothing delivers (the process dies before) are in
 * the outbox and go out after the restart, once. */
static void test_outbox_survives_restart(void **state) {
  (void)state;
  char p[256];
  path_of(p, sizeof p, "desk.ndjson");
  (void)remove(p);
  char cfgtext[1024];
  (void)snprintf(cfgtext, sizeof cfgtext,
                 "http: {listen: \"127.0.0.1:0\"}\n"
                 "rules: [rules.yaml]\n"
                 "state: {dir: state}\n"
                 "notifiers:\n"
                 "  - {name: desk, type: ndjson, path: %s/desk.ndjson}\n",
                 dir);
  srv_config c;
  assert_int_equal(load_config(cfgtext, &c), 0);
  jj_ruleset *rs = load_rules();
  static srv_metrics m;
  srv_metrics_init(&m, 0);
  srv_notifiers *n = NULL;
  problems pr = {0};
  assert_int_equal(srv_notifiers_open(&c, 1, &n, collect, &pr), 0);
  run_episode(rs, n, &m); /* accepted, never started */
  srv_notifiers_close(n);
  assert_int_equal(count_lines("desk.ndjson", "\"kind\""), 0);
  assert_int_equal(srv_notifiers_open(&c, 1, &n, collect, &pr), 0);
  assert_int_equal(srv_notifiers_start(n), 0);
  assert_int_equal(srv_notifiers_drain(n, 10000), 0);
  srv_notifiers_close(n);
  assert_int_equal(count_lines("desk.ndjson", "\"kind\":\"fired\""), 1);
  assert_int_equal(count_lines("desk.ndjson", "\"kind\":\"resolved\""), 1);
  /* and only once: a third start delivers nothing more */
  assert_int_equal(srv_notifiers_open(&c, 1, &n, collect, &pr), 0);
  assert_int_equal(srv_notifiers_drain(n, 1000), 0);
  srv_notifiers_close(n);
  assert_int_equal(count_lines("desk.ndjson", "\"kind\""), 2);
  assert_int_equal(pr.n, 0);
  srv_metrics_fini(&m);
  jj_ruleset_free(rs);
  srv_config_free(&c);
}

static void test_errors_where_they_are(void **state) {
  (void)state;
  /* inline: the library's message at the configuration file's line:column */
  srv_config c;
  assert_int_equal(load_config("http: {listen: \"127.0.0.1:0\"}\n"
                               "rules: [rules.yaml]\n"
                               "notifiers:\n"
                               "  - name: desk\n"
                               "    type: ndjson\n"
                               "    paht: x.ndjson\n"
                               "limits: {queue: 10}\n",
                               &c),
                   0);
  srv_notifiers *n = NULL;
  problems pr = {0};
  assert_int_equal(srv_notifiers_open(&c, 0, &n, collect, &pr), -1);
  assert_null(n);
  char want[300];
  (void)snprintf(want, sizeof want, "%s/server.yaml:6:5: ", dir);
  assert_true(pr.n >= 1);
  if (strncmp(pr.text[0], want, strlen(want)) != 0) fail_msg("got '%s'", pr.text[0]);
  assert_non_null(strstr(pr.text[0], "paht"));
  srv_config_free(&c);

  /* a notifier file: its own positions */
  write_file("notifiers.yaml", "notifiers:\n  - name: desk\n    type: pager\n");
  assert_int_equal(load_config("http: {listen: \"127.0.0.1:0\"}\n"
                               "rules: [rules.yaml]\n"
                               "notifiers: notifiers.yaml\n",
                               &c),
                   0);
  char p[256];
  path_of(p, sizeof p, "notifiers.yaml");
  assert_string_equal(c.notifier_file, p);
  pr.n = 0;
  assert_int_equal(srv_notifiers_open(&c, 0, &n, collect, &pr), -1);
  (void)snprintf(want, sizeof want, "%s:3:11: unknown notifier type 'pager'", p);
  if (pr.n < 1 || strncmp(pr.text[0], want, strlen(want)) != 0)
    fail_msg("got '%s'", pr.n ? pr.text[0] : "(none)");
  srv_config_free(&c);

  /* no notifiers: nothing built, nothing refused */
  assert_int_equal(load_config("http: {listen: \"127.0.0.1:0\"}\nrules: [rules.yaml]\n"
                               "notifiers: []\n",
                               &c),
                   0);
  assert_int_equal(srv_notifiers_open(&c, 1, &n, collect, &pr), 0);
  assert_null(n);
  srv_config_free(&c);
}

/* The shipped Jeonju configuration's notifier file loads (its secrets
 * from the environment), and defines every notifier the shipped rules
 * name. */
static void test_jeonju(void **state) {
  (void)state;
  srv_config c;
  problems pr = {0};
  assert_int_equal(srv_config_load(JJ_SOURCE_DIR "/examples/server/jeonju.yaml", &c, collect, &pr),
                   0);
  srv_notifiers *n = NULL;
  /* without the secrets: refused, at the keys that need them */
  (void)unsetenv("SENS_SECRET_KEY");
  (void)unsetenv("FIRE_DESK_TOKEN");
  assert_int_equal(srv_notifiers_open(&c, 0, &n, collect, &pr), -1);
  assert_true(pr.n >= 1);
  assert_non_null(strstr(pr.text[0], "jeonju-notifiers.yaml:"));
  assert_non_null(strstr(pr.text[0], "SENS_SECRET_KEY"));
  assert_int_equal(setenv("SENS_SECRET_KEY", "example-secret", 1), 0);
  assert_int_equal(setenv("FIRE_DESK_TOKEN", "example-token", 1), 0);
  pr.n = 0;
  assert_int_equal(srv_notifiers_open(&c, 0, &n, collect, &pr), 0);
  assert_int_equal(srv_notifiers_count(n), 4);
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  for (size_t i = 0; i < c.nrule_files; i++) {
    jj_error errs[4];
    size_t ne = 0;
    assert_int_equal(jj_rules_load_file(b, c.rule_files[i], errs, 4, &ne), JJ_OK);
  }
  jj_ruleset *rs = NULL;
  jj_error e;
  assert_int_equal(jj_ruleset_builder_build(b, &rs, &e), JJ_OK);
  jj_ruleset_builder_free(b);
  assert_int_equal(srv_notifiers_check_routes(n, rs, collect, &pr, "jeonju.yaml"), 0);
  jj_ruleset_free(rs);
  srv_notifiers_close(n);
  srv_config_free(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_inline_list_delivers),
      cmocka_unit_test(test_outbox_survives_restart),
      cmocka_unit_test(test_errors_where_they_are),
      cmocka_unit_test(test_jeonju),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
