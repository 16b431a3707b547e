/* Tests for the server's configuration file (examples/server/config.h):
 * the shipped Jeonju configuration loads with the values it states;
 * defaults and relative paths; and the broken-file corpus in
 * tests/server/config_broken/, where each file lists the errors it must
 * give, in order, as "# expect: LINE:COL: start of the message" (the
 * model of tests/rules_broken/). */
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

#include "config.h"

typedef struct errs {
  size_t n;
  char text[32][600];
} errs;

static void collect(void *ctx, const char *file, int line, int col, const char *message) {
  (void)file;
  errs *e = ctx;
  if (e->n < 32) (void)snprintf(e->text[e->n], sizeof e->text[0], "%d:%d: %s", line, col, message);
  e->n++;
}

static void test_jeonju(void **state) {
  (void)state;
  srv_config c;
  errs e = {0};
  int rc = srv_config_load(JJ_SOURCE_DIR "/examples/server/jeonju.yaml", &c, collect, &e);
  if (rc != 0) fail_msg("jeonju.yaml: %s", e.text[0]);
  assert_true(c.mqtt);
  assert_string_equal(c.mqtt_client_id, "jjair-jeonju");
  assert_int_equal(c.mqtt_qos, 1);
  assert_int_equal(c.mqtt_keepalive_s, 30);
  assert_int_equal(c.mqtt_ntopics, 1);
  assert_string_equal(c.mqtt_topics[0], "jjair/v1/#");
  assert_true(c.http);
  assert_string_equal(c.http_host, "127.0.0.1");
  assert_int_equal(c.http_port, 8080);
  assert_int_equal(c.nrule_files, 3);
  assert_string_equal(c.rule_files[0], JJ_SOURCE_DIR "/examples/server/../../rules/korea-air.yaml");
  assert_int_equal(c.time_mode, SRV_TIME_WALL);
  assert_int_equal(c.lateness_ms, 120000);
  assert_int_equal(c.max_series, 100000);
  assert_int_equal(c.queue, 65536);
  assert_string_equal(c.state_dir, "/var/lib/jjair");
  assert_string_equal(c.delivery_file, "/var/lib/jjair/events.ndjson");
  assert_int_equal(c.drain_timeout_ms, 10000);
  assert_string_equal(c.notifier_file, JJ_SOURCE_DIR "/examples/server/jeonju-notifiers.yaml");
  assert_null(c.notifier_yaml);
  srv_config_free(&c);
}

static void test_defaults(void **state) {
  (void)state;
  char path[] = "/tmp/jj_server_config_XXXXXX";
  char templ[sizeof path];
  memcpy(templ, path, sizeof path);
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  (void)fputs("http: {listen: \"0.0.0.0:0\"}\nrules: [r.yaml, /abs/s.yaml]\n"
              "time: {mode: data}\nlimits: {max_series: 5, queue: 7}\n",
              f);
  (void)fclose(f);
  srv_config c;
  errs e = {0};
  assert_int_equal(srv_config_load(path, &c, collect, &e), 0);
  (void)remove(path);
  assert_false(c.mqtt);
  assert_int_equal(c.http_port, 0);
  assert_string_equal(c.http_host, "0.0.0.0");
  assert_string_equal(c.rule_files[0], "/tmp/r.yaml");
  assert_string_equal(c.rule_files[1], "/abs/s.yaml");
  assert_int_equal(c.time_mode, SRV_TIME_DATA);
  assert_int_equal(c.lateness_ms, 0);
  assert_int_equal(c.tick_ms, 1000);
  assert_int_equal(c.max_series, 5);
  assert_int_equal(c.max_labels, 16);
  assert_int_equal(c.queue, 7);
  assert_null(c.state_dir);
  assert_string_equal(c.delivery_file, "-");
  assert_int_equal(c.http_max_body, 16 << 20);
  srv_config_free(&c);
  /* on wall-clock time the default lateness covers the queue's delay */
  memcpy(path, templ, sizeof path);
  fd = mkstemp(path);
  assert_true(fd >= 0);
  f = fdopen(fd, "w");
  (void)fputs("http: {listen: \"127.0.0.1:1\"}\nrules: [r.yaml]\n", f);
  (void)fclose(f);
  assert_int_equal(srv_config_load(path, &c, collect, &e), 0);
  (void)remove(path);
  assert_int_equal(c.time_mode, SRV_TIME_WALL);
  assert_int_equal(c.lateness_ms, 10000);
  srv_config_free(&c);
  /* a file that is not there */
  e.n = 0;
  assert_int_equal(srv_config_load("/nonexistent/x.yaml", &c, collect, &e), -1);
  assert_int_equal(e.n, 1);
  assert_non_null(strstr(e.text[0], "cannot read the configuration file"));
}

static void check_broken(const char *path) {
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char want[32][400];
  size_t nwant = 0;
  char line[400];
  while (fgets(line, sizeof line, f) && nwant < 32) {
    if (strncmp(line, "# expect: ", 10) != 0) continue;
    line[strcspn(line, "\n")] = '\0';
    (void)snprintf(want[nwant++], sizeof want[0], "%s", line + 10);
  }
  (void)fclose(f);
  assert_true(nwant > 0);
  srv_config c;
  errs e = {0};
  assert_int_equal(srv_config_load(path, &c, collect, &e), -1);
  for (size_t i = 0; i < nwant || i < e.n; i++) {
    const char *got = i < e.n ? e.text[i] : "(none)";
    if (i >= nwant || strncmp(got, want[i], strlen(want[i])) != 0)
      fail_msg("%s: error %zu is '%s', expected '%s'", path, i + 1, got,
               i < nwant ? want[i] : "(no more)");
  }
}

static void test_broken_corpus(void **state) {
  (void)state;
  DIR *d = opendir(JJ_SERVER_TEST_DIR "/config_broken");
  assert_non_null(d);
  int files = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    size_t n = strlen(de->d_name);
    if (n < 6 || strcmp(de->d_name + n - 5, ".yaml") != 0) continue;
    char path[1024];
    (void)snprintf(path, sizeof path, "%s/config_broken/%s", JJ_SERVER_TEST_DIR, de->d_name);
    check_broken(path);
    files++;
  }
  (void)closedir(d);
  assert_true(files >= 6);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_jeonju),
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_broken_corpus),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
