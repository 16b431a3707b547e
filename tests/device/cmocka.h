/* A minimal cmocka-compatible test runner for the device (Cortex-M under
 * QEMU, output through semihosting): the subset of cmocka 1.1's API the
 * unit tests use, so tests/test_*.c compile unchanged for the board. A
 * failed assertion prints file:line and jumps out of the test, as cmocka
 * does. Numbers are printed without printf's long long (newlib-nano lacks
 * it). Never used on the host: the host links the real cmocka. */
#ifndef JJ_DEVICE_CMOCKA_H
#define JJ_DEVICE_CMOCKA_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uintmax_t LargestIntegralType;
typedef void (*CMUnitTestFunction)(void **state);
typedef int (*CMFixtureFunction)(void **state);

struct CMUnitTest {
  const char *name;
  CMUnitTestFunction test_func;
  CMFixtureFunction setup_func;
  CMFixtureFunction teardown_func;
  void *initial_state;
};

#define cmocka_unit_test(f) {#f, f, NULL, NULL, NULL}
#define cmocka_unit_test_setup_teardown(f, s, t) {#f, f, s, t, NULL}
#define cmocka_unit_test_prestate(f, p) {#f, f, NULL, NULL, p}

void jj_dev_fail(const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((noreturn, format(printf, 3, 4)))
#endif
    ;
void jj_dev_skip(void)
#if defined(__GNUC__)
    __attribute__((noreturn))
#endif
    ;
void jj_dev_int_equal(uintmax_t a, uintmax_t b, int want_equal, const char *as, const char *bs,
                      const char *file, int line);
void jj_dev_string_equal(const char *a, const char *b, const char *as, const char *bs,
                         const char *file, int line);
int jj_dev_run(const char *group, const struct CMUnitTest *t, size_t n, CMFixtureFunction setup,
               CMFixtureFunction teardown);
void cmocka_set_test_filter(const char *pattern);
void print_message(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
void print_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#define assert_true(c) \
  ((c) ? (void)0 : jj_dev_fail(__FILE__, __LINE__, "%s is not true", #c))
#define assert_false(c) \
  (!(c) ? (void)0 : jj_dev_fail(__FILE__, __LINE__, "%s is not false", #c))
#define assert_null(p) \
  ((p) == NULL ? (void)0 : jj_dev_fail(__FILE__, __LINE__, "%s is not NULL", #p))
#define assert_non_null(p) \
  ((p) != NULL ? (void)0 : jj_dev_fail(__FILE__, __LINE__, "%s is NULL", #p))
#define assert_ptr_equal(a, b) \
  ((const void *)(a) == (const void *)(b) ? (void)0 \
   : jj_dev_fail(__FILE__, __LINE__, "%s != %s", #a, #b))
#define assert_ptr_not_equal(a, b) \
  ((const void *)(a) != (const void *)(b) ? (void)0 \
   : jj_dev_fail(__FILE__, __LINE__, "%s == %s", #a, #b))
#define assert_int_equal(a, b) \
  jj_dev_int_equal((uintmax_t)(a), (uintmax_t)(b), 1, #a, #b, __FILE__, __LINE__)
#define assert_int_not_equal(a, b) \
  jj_dev_int_equal((uintmax_t)(a), (uintmax_t)(b), 0, #a, #b, __FILE__, __LINE__)
#define assert_string_equal(a, b) \
  jj_dev_string_equal((const char *)(a), (const char *)(b), #a, #b, __FILE__, __LINE__)
#define assert_memory_equal(a, b, n) \
  (memcmp((a), (b), (n)) == 0 ? (void)0 \
   : jj_dev_fail(__FILE__, __LINE__, "%s and %s differ", #a, #b))
#define fail() jj_dev_fail(__FILE__, __LINE__, "fail()")
#define fail_msg(...) jj_dev_fail(__FILE__, __LINE__, __VA_ARGS__)
#define skip() jj_dev_skip()
#define _fail(file, line) jj_dev_fail((file), (line), "failure")

#define cmocka_run_group_tests(t, setup, teardown) \
  jj_dev_run(#t, (t), sizeof(t) / sizeof((t)[0]), (setup), (teardown))
#define cmocka_run_group_tests_name(name, t, setup, teardown) \
  jj_dev_run((name), (t), sizeof(t) / sizeof((t)[0]), (setup), (teardown))

#endif
