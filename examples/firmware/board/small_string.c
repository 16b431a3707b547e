/* The board's C string functions, written for size. newlib-nano's are
 * tuned for speed (its Thumb-2 strcmp alone is 732 B, the eight the core
 * and newlib call 2.2 KB together); these take about 0.3 KB. memcpy and
 * memset still move a word at a time when both ends are aligned, since the
 * engine copies window state and events with them. Linked into every
 * firmware program (jj_firmware_link), so the device test suites and
 * newlib's own printf run on them too; tests/device/test_board_libc.c
 * checks the corner cases. Built without link-time optimisation and
 * without -ftree-loop-distribute-patterns, so the compiler cannot turn
 * these loops back into calls to themselves. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Both addresses a multiple of 4: the loops may move whole words. */
static int aligned2(const void *a, const void *b) {
  return (((uintptr_t)a | (uintptr_t)b) & 3u) == 0;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  if (aligned2(d, s)) {
    uint32_t *dw = (void *)d;
    const uint32_t *sw = (const void *)s;
    for (; n >= 16; n -= 16, dw += 4, sw += 4) { /* the engine copies 128 B on a push */
      dw[0] = sw[0];
      dw[1] = sw[1];
      dw[2] = sw[2];
      dw[3] = sw[3];
    }
    for (; n >= 4; n -= 4) *dw++ = *sw++;
    d = (void *)dw;
    s = (const void *)sw;
  }
  while (n--) *d++ = *s++;
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  if ((uintptr_t)d - (uintptr_t)s >= n) { /* d before s, or past its end: forwards is safe */
    while (n--) *d++ = *s++;
  } else { /* d inside [s, s + n): from the end */
    while (n--) d[n] = s[n];
  }
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  unsigned char *d = dst;
  if (aligned2(d, d)) {
    uint32_t w = (unsigned char)c * 0x01010101u, *dw = (void *)d;
    for (; n >= 16; n -= 16, dw += 4) { /* the engine clears 320 B on a push */
      dw[0] = w;
      dw[1] = w;
      dw[2] = w;
      dw[3] = w;
    }
    for (; n >= 4; n -= 4) *dw++ = w;
    d = (void *)dw;
  }
  while (n--) *d++ = (unsigned char)c;
  return dst;
}

/* The C library's signatures hand back a const input as non-const. */
static void *unconst(const void *p) {
  union {
    const void *c;
    void *v;
  } u = {p};
  return u.v;
}

void *memchr(const void *s, int c, size_t n) {
  const unsigned char *p = s;
  for (; n; n--, p++)
    if (*p == (unsigned char)c) return unconst(p);
  return NULL;
}

size_t strlen(const char *s) {
  const char *p = s;
  while (*p) p++;
  return (size_t)(p - s);
}

/* Bytes compare as unsigned char (C11 7.24.4). */
int strcmp(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n) {
  for (; n; n--, a++, b++)
    if (*a != *b || !*a) return (unsigned char)*a - (unsigned char)*b;
  return 0;
}

/* The terminator counts as part of the string: strchr(s, 0) finds it. */
char *strchr(const char *s, int c) {
  for (;; s++) {
    if (*s == (char)c) return unconst(s);
    if (!*s) return NULL;
  }
}
