/* Memory of the YAML rule loader (jjair/rule_yaml.h): every allocation of
 * a load goes through the builder's allocator, and running out of memory
 * at any point is a clean JJ_ENOMEM that adds nothing and leaks nothing.
 *
 * This program links the static library with the linker's --wrap for
 * libc's allocator (malloc, calloc, realloc, free, strdup, strndup) and
 * for realpath and fopen (both allocate inside libc), so a call the
 * library's own code makes to any of them during a load is counted and
 * fails the test. libyaml's parser buffers, allocated inside libyaml.so,
 * are not seen: libyaml has no allocator hook. Every shipped rule file
 * (the .yaml files in rules/) is loaded through a counting allocator and then with the
 * Nth allocation failing, for every N, once alone and once with every
 * later allocation failing too. */
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

#include "jjair/jjair.h"
#include "jjair/rule_yaml.h"
#include "testutil.h"

#ifndef JJ_RULES_DIR
#error "JJ_RULES_DIR must name rules/"
#endif

/* ---- libc's allocator, wrapped (-Wl,--wrap=NAME) ------------------------ */

/* volatile: the compiler knows what malloc does and would otherwise move
 * these stores across the calls to it */
static volatile int armed;             /* count calls only during a load */
static volatile int inside_test_alloc; /* the test's own allocator calls malloc: not counted */
static volatile unsigned long libc_calls;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
char *__real_realpath(const char *path, char *resolved);
FILE *__real_fopen(const char *path, const char *mode);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
char *__wrap_realpath(const char *path, char *resolved);
FILE *__wrap_fopen(const char *path, const char *mode);

static void note(void) {
  if (armed && !inside_test_alloc) libc_calls++;
}
void *__wrap_malloc(size_t n) {
  note();
  return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t size) {
  note();
  return __real_calloc(n, size);
}
void *__wrap_realloc(void *p, size_t n) {
  note();
  return __real_realloc(p, n);
}
void __wrap_free(void *p) {
  if (p) note();
  __real_free(p);
}
char *__wrap_strdup(const char *s) {
  note();
  return __real_strdup(s);
}
char *__wrap_strndup(const char *s, size_t n) {
  note();
  return __real_strndup(s, n);
}
char *__wrap_realpath(const char *path, char *resolved) {
  if (!resolved) note(); /* realpath mallocs its result */
  return __real_realpath(path, resolved);
}
FILE *__wrap_fopen(const char *path, const char *mode) {
  note(); /* a FILE and its buffer */
  return __real_fopen(path, mode);
}

/* ---- the test allocator: tu_alloc (counts, fails on demand), marked ---- */

static void *t_malloc(void *ctx, size_t n) {
  inside_test_alloc++;
  void *p = tu_alloc_malloc(ctx, n);
  inside_test_alloc--;
  return p;
}
static void *t_realloc(void *ctx, void *p, size_t old, size_t n) {
  inside_test_alloc++;
  void *q = tu_alloc_realloc(ctx, p, old, n);
  inside_test_alloc--;
  return q;
}
static void t_free(void *ctx, void *p) {
  inside_test_alloc++;
  tu_alloc_free(ctx, p);
  inside_test_alloc--;
}

static jj_allocator test_alloc(tu_alloc *a) {
  tu_alloc_init(a);
  jj_allocator alc = {t_malloc, t_realloc, t_free, a};
  return alc;
}

/* ---- the shipped rule files ------------------------------------------- */

#define MAX_FILES 32

static size_t rule_files(char paths[][512], long sizes[]) {
  DIR *d = opendir(JJ_RULES_DIR);
  assert_non_null(d);
  size_t n = 0;
  const struct dirent *de;
  while ((de = readdir(d)) != NULL && n < MAX_FILES) {
    size_t l = strlen(de->d_name);
    if (l <= 5 || strcmp(de->d_name + l - 5, ".yaml") != 0) continue;
    (void)snprintf(paths[n], 512, "%s/%s", JJ_RULES_DIR, de->d_name);
    FILE *f = fopen(paths[n], "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    sizes[n] = ftell(f);
    (void)fclose(f);
    n++;
  }
  (void)closedir(d);
  assert_true(n >= 3); /* fire, korea-air, sensor-health at least */
  return n;
}

/* Load `path` into a new builder on `alc`, counting libc calls during the
 * load only. */
static jj_status load(const jj_allocator *alc, const char *path, jj_ruleset_builder **b,
                      jj_error *errs, size_t max, size_t *nerrs) {
  if (jj_ruleset_builder_new(alc, b) != JJ_OK) return JJ_ENOMEM;
  armed = 1;
  jj_status st = jj_rules_load_file(*b, path, errs, max, nerrs);
  armed = 0;
  return st;
}

/* Every byte through the builder's allocator: allocations happen (the
 * whole file's text among them), libc is never called, and once the
 * builder and ruleset are freed nothing is left. */
static void test_counted(void **state) {
  (void)state;
  char paths[MAX_FILES][512];
  long sizes[MAX_FILES];
  size_t nfiles = rule_files(paths, sizes);
  for (size_t i = 0; i < nfiles; i++) {
    tu_alloc a;
    jj_allocator alc = test_alloc(&a);
    jj_ruleset_builder *b = NULL;
    libc_calls = 0;
    unsigned long before = 0;
    jj_error e[4];
    size_t ne = 99;
    assert_int_equal(jj_ruleset_builder_new(&alc, &b), JJ_OK);
    before = a.calls;
    size_t live_before = a.live_bytes;
    armed = 1;
    jj_status st = jj_rules_load_file(b, paths[i], e, 4, &ne);
    armed = 0;
    if (st != JJ_OK) print_error("%s: %s\n", paths[i], e[0].message);
    assert_int_equal(st, JJ_OK);
    assert_int_equal(ne, 0);
    if (libc_calls) print_error("%s: %lu calls to libc's allocator\n", paths[i], libc_calls);
    assert_int_equal(libc_calls, 0);
    /* the file's text, its nodes and the scratch builder: many blocks,
     * at least the file's size at once */
    assert_true(a.calls - before > 100);
    assert_true(a.peak_bytes - live_before >= (size_t)sizes[i]);
    /* what stays is the builder's copy of the rules */
    assert_true(a.live_bytes > live_before);
    jj_ruleset *rs = NULL;
    assert_int_equal(jj_ruleset_builder_build(b, &rs, NULL), JJ_OK);
    assert_true(jj_ruleset_rule_count(rs) > 0);
    jj_ruleset_builder_free(b);
    jj_ruleset_free(rs);
    assert_int_equal(a.live_bytes, 0);
    assert_int_equal(a.live_blocks, 0);
    assert_int_equal(a.errors, 0);
  }
}

/* The Nth allocation of a load fails (alone, or with every later one):
 * JJ_ENOMEM reported first, nothing added, nothing leaked, libc never
 * called; from N = 1 until the load needs fewer than N allocations. */
static void fail_every_n(const char *path, int sticky) {
  unsigned long clean_calls = 0, n;
  for (n = 1;; n++) {
    tu_alloc a;
    jj_allocator alc = test_alloc(&a);
    jj_ruleset_builder *b = NULL;
    assert_int_equal(jj_ruleset_builder_new(&alc, &b), JJ_OK);
    unsigned long before = a.calls;
    tu_alloc_fail_at(&a, n, sticky);
    libc_calls = 0;
    jj_error e[4];
    size_t ne = 0;
    armed = 1;
    jj_status st = jj_rules_load_file(b, path, e, 4, &ne);
    armed = 0;
    assert_int_equal(libc_calls, 0);
    tu_alloc_fail_at(&a, 0, 0);
    jj_ruleset *rs = NULL;
    if (a.failed == 0) {
      /* past every allocation: the load succeeds */
      assert_int_equal(st, JJ_OK);
      assert_int_equal(ne, 0);
      clean_calls = a.calls - before;
      assert_int_equal(jj_ruleset_builder_build(b, &rs, NULL), JJ_OK);
    } else {
      if (st != JJ_ENOMEM)
        print_error("%s: allocation %lu failed: %s, %s\n", path, n, jj_status_name(st),
                    e[0].message);
      assert_int_equal(st, JJ_ENOMEM);
      assert_true(ne >= 1);
      assert_int_equal(e[0].code, JJ_ENOMEM);
      /* nothing of the file was added */
      jj_error be;
      assert_int_equal(jj_ruleset_builder_build(b, &rs, &be), JJ_EINVAL);
      assert_non_null(strstr(be.message, "no rules"));
    }
    jj_ruleset_builder_free(b);
    jj_ruleset_free(rs);
    assert_int_equal(a.live_blocks, 0);
    assert_int_equal(a.live_bytes, 0);
    assert_int_equal(a.errors, 0);
    if (clean_calls) break;
  }
  /* every allocation of the clean load was made to fail once */
  assert_int_equal(n, clean_calls + 1);
}

static void test_fail_every_n(void **state) {
  (void)state;
  char paths[MAX_FILES][512];
  long sizes[MAX_FILES];
  size_t nfiles = rule_files(paths, sizes);
  for (size_t i = 0; i < nfiles; i++) {
    fail_every_n(paths[i], 0);
    fail_every_n(paths[i], 1);
  }
}

/* The builder's own allocator is the one used: a load into a builder on
 * libc's allocator (NULL) is what the wrapper sees, so the check above
 * can fail. */
static void test_wrapper_sees_libc(void **state) {
  (void)state;
  char paths[MAX_FILES][512];
  long sizes[MAX_FILES];
  (void)rule_files(paths, sizes);
  jj_ruleset_builder *b = NULL;
  jj_error e[4];
  size_t ne = 0;
  libc_calls = 0;
  assert_int_equal(load(NULL, paths[0], &b, e, 4, &ne), JJ_OK);
  assert_true(libc_calls > 100);
  jj_ruleset_builder_free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_wrapper_sees_libc),
      cmocka_unit_test(test_counted),
      cmocka_unit_test(test_fail_every_n),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
