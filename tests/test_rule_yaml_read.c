/* Reading rule files (jjair/rule_yaml.h): out of memory at any point of a
 * load that includes a second file -- while reading either file among
 * others -- is JJ_ENOMEM, never "cannot read" (JJ_ENOTFOUND); so is a
 * read() the kernel fails with ENOMEM (this program wraps read with the
 * linker's --wrap, linked against the static library); a missing file is
 * JJ_ENOTFOUND. (Encoding errors located at their line:column are in
 * tests/rules_broken/95-97.) */
#define _XOPEN_SOURCE 700
/* cmocka.h needs these first. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jjair/jjair.h"
#include "jjair/rule_yaml.h"
#include "testutil.h"

/* read(), failing with ENOMEM while `fail_reads` is set. */
static volatile int fail_reads;
ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __wrap_read(int fd, void *buf, size_t n);
ssize_t __wrap_read(int fd, void *buf, size_t n) {
  if (fail_reads) {
    errno = ENOMEM;
    return -1;
  }
  return __real_read(fd, buf, n);
}

static char dir[64];
static char main_path[128], inc_path[128];

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  assert_true(fputs(text, f) >= 0);
  assert_int_equal(fclose(f), 0);
}

static int setup(void **state) {
  (void)state;
  (void)snprintf(dir, sizeof dir, "/tmp/jj_read_XXXXXX");
  if (!mkdtemp(dir)) return -1;
  (void)snprintf(main_path, sizeof main_path, "%s/main.yaml", dir);
  (void)snprintf(inc_path, sizeof inc_path, "%s/inc.yaml", dir);
  write_file(inc_path,
             "version: 1\nrules:\n  - name: a\n    metric: pm25\n"
             "    window: {kind: tumbling, span: 1h}\n    aggregate: mean\n"
             "    levels: [{name: high, issue: \">= 75\"}]\n");
  write_file(main_path,
             "version: 1\ninclude: inc.yaml\nrules:\n  - name: b\n    metric: pm10\n"
             "    window: {kind: tumbling, span: 1h}\n    aggregate: mean\n"
             "    levels: [{name: high, issue: \">= 150\"}]\n");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  (void)unlink(main_path);
  (void)unlink(inc_path);
  (void)rmdir(dir);
  return 0;
}

static void test_oom_is_enomem(void **state) {
  (void)state;
  unsigned long n;
  for (n = 1; n < 100000; n++) {
    tu_alloc a;
    tu_alloc_init(&a);
    jj_ruleset_builder *b = NULL;
    assert_int_equal(jj_ruleset_builder_new(&a.alc, &b), JJ_OK);
    tu_alloc_fail_at(&a, a.calls + n, 0);
    jj_error e[4];
    size_t ne = 0;
    jj_status st = jj_rules_load_file(b, main_path, e, 4, &ne);
    tu_alloc_fail_at(&a, 0, 0);
    jj_ruleset_builder_free(b);
    assert_int_equal(a.live_blocks, 0);
    if (a.failed == 0) {
      assert_int_equal(st, JJ_OK);
      break;
    }
    if (st != JJ_ENOMEM)
      print_error("allocation %lu failed: %s: %s\n", n, jj_status_name(st), ne ? e[0].message : "");
    assert_int_equal(st, JJ_ENOMEM);
    assert_true(ne >= 1);
    assert_int_equal(e[0].code, JJ_ENOMEM);
  }
  assert_true(n > 2); /* the load allocates: the failures were real */
}

static void test_kernel_enomem(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_error e[2];
  size_t ne = 0;
  fail_reads = 1;
  jj_status st = jj_rules_load_file(b, main_path, e, 2, &ne);
  fail_reads = 0;
  assert_int_equal(st, JJ_ENOMEM);
  assert_int_equal(e[0].code, JJ_ENOMEM);
  jj_ruleset_builder_free(b);
}

static void test_missing_is_enotfound(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  char path[160];
  (void)snprintf(path, sizeof path, "%s/nope.yaml", dir);
  jj_error e[2];
  size_t ne = 0;
  assert_int_equal(jj_rules_load_file(b, path, e, 2, &ne), JJ_ENOTFOUND);
  assert_int_equal(e[0].code, JJ_ENOTFOUND);
  jj_ruleset_builder_free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_oom_is_enomem),
      cmocka_unit_test(test_kernel_enomem),
      cmocka_unit_test(test_missing_is_enotfound),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
