/* An LD_PRELOAD allocator interposer for test_libc_oom: every malloc,
 * calloc, realloc and free of the process (the library's, libyaml's,
 * PCRE2's, stdio's) goes through here to glibc's own allocator. Armed
 * with jj_failmalloc_arm(n), the n-th allocation request from then on
 * returns NULL with errno ENOMEM (once); jj_failmalloc_live() counts the
 * blocks allocated and not yet freed, to find leaks. glibc supports
 * replacing malloc this way (its manual, "Replacing malloc"); the other
 * entry points it lists (memalign and friends) keep glibc's. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void __libc_free(void *ptr);

void jj_failmalloc_arm(unsigned long n);
unsigned long jj_failmalloc_calls(void);
long jj_failmalloc_live(void);

static unsigned long fail_at, calls;
static long live;

void jj_failmalloc_arm(unsigned long n) {
  calls = 0;
  fail_at = n;
}

unsigned long jj_failmalloc_calls(void) { return calls; }

long jj_failmalloc_live(void) { return live; }

static int fail_now(void) {
  calls++;
  if (fail_at && calls == fail_at) {
    errno = ENOMEM;
    return 1;
  }
  return 0;
}

void *malloc(size_t size) {
  if (fail_now()) return NULL;
  void *p = __libc_malloc(size);
  if (p) live++;
  return p;
}

void *calloc(size_t n, size_t size) {
  if (fail_now()) return NULL;
  void *p = __libc_calloc(n, size);
  if (p) live++;
  return p;
}

void *realloc(void *ptr, size_t size) {
  if (!ptr) return malloc(size);
  if (size == 0) {
    free(ptr);
    return NULL;
  }
  if (fail_now()) return NULL;
  return __libc_realloc(ptr, size);
}

void free(void *ptr) {
  if (!ptr) return;
  live--;
  __libc_free(ptr);
}
