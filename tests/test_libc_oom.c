/* Allocation failure at every N through libc itself (issue 10): with the
 * LD_PRELOAD interposer tests/failmalloc.c, the N-th malloc/calloc/realloc
 * of the whole process fails — in the library, in libyaml, in PCRE2, in
 * stdio — for N = 1, 2, ... until a run completes. The work: load rule
 * files from disk (the shipped fire and Korean rules and one with regex
 * matchers), build, create an engine, create series (regex matching),
 * push readings, poll and print the events as JSON. Each run either
 * fails with an error status, or succeeds with exactly the events of an
 * undisturbed run: an allocation failure is never a wrong answer. No
 * block outlives a run (live count). Without the interposer (valgrind,
 * sanitizer builds) the test is skipped. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jjair/jjair.h"
#include "jjair/rule_yaml.h"

typedef void (*arm_fn)(unsigned long);
typedef unsigned long (*calls_fn)(void);
typedef long (*live_fn)(void);

#define OUT_MAX (1 << 16)

/* The work; JJ_OK with the events' JSON in out, or the first error. */
static jj_status work(char *out, size_t *len) {
  *len = 0;
  jj_ruleset_builder *b = NULL;
  jj_status st = jj_ruleset_builder_new(NULL, &b);
  if (st != JJ_OK) return st;
  static const char *const files[] = {JJ_RULES_DIR "/fire.yaml", JJ_RULES_DIR "/korea-air.yaml",
                                      JJ_TESTS_DIR "/oom_rules.yaml"};
  for (size_t i = 0; i < 3 && st == JJ_OK; i++) {
    jj_error errs[2];
    size_t nerr = 0;
    st = jj_rules_load_file(b, files[i], errs, 2, &nerr);
  }
  jj_ruleset *rs = NULL;
  if (st == JJ_OK) st = jj_ruleset_builder_build(b, &rs, NULL);
  jj_ruleset_builder_free(b);
  if (st != JJ_OK) return st;
  jj_engine *e = NULL;
  st = jj_engine_new(rs, NULL, NULL, &e);
  jj_ruleset_free(rs);
  if (st != JJ_OK) return st;
  static const char *const stations[] = {"palbok-1", "palbok-2", "other", "palbok-\xff"};
  int64_t t = 1700000000000;
  for (int k = 0; k < 48 && st == JJ_OK; k++) {
    for (int s = 0; s < 4 && st == JJ_OK; s++) {
      jj_label l[2] = {{"station", stations[s]}, {"zone", "jungbu"}};
      st = jj_engine_push_labeled(e, "pm25", l, 2, t + s, k < 24 ? 20.0 + 5 * k : 30.0);
      if (st == JJ_ERANGE || st == JJ_ESTUCK) st = JJ_OK; /* gates: part of the answer */
    }
    t += 600000;
    for (const jj_event *ev; st == JJ_OK && (ev = jj_engine_poll(e)) != NULL;) {
      size_t n = jj_event_json(ev, out + *len, OUT_MAX - *len);
      if (*len + n + 1 < OUT_MAX) {
        *len += n;
        out[(*len)++] = '\n';
      }
    }
  }
  jj_engine_stats stats;
  jj_engine_stats_get(e, &stats);
  jj_engine_free(e);
  if (st == JJ_OK && stats.rejected_window) st = JJ_ENOMEM; /* a window lost a reading */
  return st;
}

static void test_every_libc_allocation_fails_in_turn(void **state) {
  (void)state;
  /* functions from a data pointer: memcpy, as ISO C has no such cast */
  arm_fn arm = NULL;
  calls_fn calls = NULL;
  live_fn live = NULL;
  void *p = dlsym(RTLD_DEFAULT, "jj_failmalloc_arm");
  memcpy(&arm, &p, sizeof p);
  p = dlsym(RTLD_DEFAULT, "jj_failmalloc_calls");
  memcpy(&calls, &p, sizeof p);
  p = dlsym(RTLD_DEFAULT, "jj_failmalloc_live");
  memcpy(&live, &p, sizeof p);
  if (!arm || !calls || !live) skip(); /* not preloaded */
  static char ref[OUT_MAX], got[OUT_MAX];
  size_t ref_len = 0, got_len = 0;
  /* an undisturbed run (twice: the first warms up stdio and the loader) */
  assert_int_equal(work(ref, &ref_len), JJ_OK);
  long before = live();
  arm(0);
  assert_int_equal(work(ref, &ref_len), JJ_OK);
  unsigned long total = calls();
  assert_int_equal(live(), before);
  assert_true(ref_len > 200); /* events happened */
  assert_true(total > 100);
  unsigned long failures = 0;
  for (unsigned long n = 1; n <= total; n++) {
    arm(n);
    jj_status st = work(got, &got_len);
    arm(0);
    if (live() != before) print_error("N=%lu: %ld blocks leaked\n", n, live() - before);
    assert_int_equal(live(), before);
    if (st == JJ_OK) {
      if (got_len != ref_len || memcmp(got, ref, ref_len) != 0)
        print_error("N=%lu: succeeded with different events\n", n);
      assert_int_equal(got_len, ref_len);
      assert_memory_equal(got, ref, ref_len);
    } else {
      failures++;
    }
  }
  print_message("%lu allocations, each failed once: %lu runs reported an error, the others "
                "gave the reference events\n",
                total, failures);
  assert_true(failures > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_libc_allocation_fails_in_turn),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
