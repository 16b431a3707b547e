/* The device test runner's implementation (see cmocka.h next to it). */
#include "cmocka.h"

#include <stdlib.h>

static jmp_buf g_jump;
static int g_skipped;
static const char *g_filter;

/* Decimal text of v, without printf's %llu (newlib-nano has no long long). */
static const char *dec(uintmax_t v, char *buf /* 24 bytes */) {
  char *p = buf + 23;
  *p = '\0';
  do {
    *--p = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return p;
}

void jj_dev_fail(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("%s:%d: error: ", file, line);
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  longjmp(g_jump, 1);
}

void jj_dev_skip(void) {
  g_skipped = 1;
  longjmp(g_jump, 1);
}

void jj_dev_int_equal(uintmax_t a, uintmax_t b, int want_equal, const char *as, const char *bs,
                      const char *file, int line) {
  if ((a == b) == (want_equal != 0)) return;
  char x[24], y[24];
  /* As signed too: most values compared are small negatives or counts. */
  jj_dev_fail(file, line, "%s (%s%s) %s %s (%s%s)", as, (intmax_t)a < 0 ? "-" : "",
              dec((intmax_t)a < 0 ? (uintmax_t)0 - a : a, x), want_equal ? "!=" : "==", bs,
              (intmax_t)b < 0 ? "-" : "", dec((intmax_t)b < 0 ? (uintmax_t)0 - b : b, y));
}

void jj_dev_string_equal(const char *a, const char *b, const char *as, const char *bs,
                         const char *file, int line) {
  if (a && b && strcmp(a, b) == 0) return;
  jj_dev_fail(file, line, "%s (\"%s\") != %s (\"%s\")", as, a ? a : "(null)", bs,
              b ? b : "(null)");
}

void cmocka_set_test_filter(const char *pattern) { g_filter = pattern; }

/* Glob with '*' only, as the tests' JJ_TEST_FILTER patterns use. */
static int glob(const char *p, const char *s) {
  if (*p == '\0') return *s == '\0';
  if (*p == '*') return glob(p + 1, s) || (*s && glob(p, s + 1));
  return *s == *p && glob(p + 1, s + 1);
}

void print_message(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
}

void print_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
}

/* Run one test: 1 passed, 0 failed (g_skipped says skipped). setjmp lives
 * here, away from the caller's counters. */
static int run_one(const struct CMUnitTest *t, void *state) {
  volatile int ok = 1;
  g_skipped = 0;
  if (t->setup_func && t->setup_func(&state) != 0) ok = 0;
  if (ok) {
    if (setjmp(g_jump) == 0)
      t->test_func(&state);
    else
      ok = g_skipped;
  }
  if (t->teardown_func && t->teardown_func(&state) != 0) ok = 0;
  return ok;
}

int jj_dev_run(const char *group, const struct CMUnitTest *t, size_t n, CMFixtureFunction setup,
               CMFixtureFunction teardown) {
  void *gstate = NULL;
  size_t failed = 0, ran = 0, skipped = 0;
  printf("[==========] %s: running %u test(s).\n", group, (unsigned)n);
  if (setup && setup(&gstate) != 0) {
    printf("[  ERROR   ] %s: group setup failed\n", group);
    return 1;
  }
  for (size_t i = 0; i < n; i++) {
    if (g_filter && !glob(g_filter, t[i].name)) continue;
    void *state = t[i].initial_state ? t[i].initial_state : gstate;
    printf("[ RUN      ] %s\n", t[i].name);
    ran++;
    int ok = run_one(&t[i], state);
    if (g_skipped) {
      skipped++;
      printf("[  SKIPPED ] %s\n", t[i].name);
    } else if (ok) {
      printf("[       OK ] %s\n", t[i].name);
    } else {
      failed++;
      printf("[  FAILED  ] %s\n", t[i].name);
    }
  }
  if (teardown) (void)teardown(&gstate);
  printf("[==========] %s: %u test(s) run.\n", group, (unsigned)ran);
  printf("[  PASSED  ] %u test(s).\n", (unsigned)(ran - failed - skipped));
  if (failed) printf("[  FAILED  ] %u test(s).\n", (unsigned)failed);
  return (int)failed;
}
