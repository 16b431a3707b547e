/* Internal: string copies through an object's allocator, and hashing. */
#ifndef JJ_LIB_STRUTIL_H
#define JJ_LIB_STRUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "jjair/alloc.h"

char *jj__strdup(const jj_allocator *a, const char *s);
char *jj__strndup(const jj_allocator *a, const char *s, size_t n);

/* FNV-1a, 64 bit; chain calls with the previous result as `h`. */
#define JJ_FNV_OFFSET 0xcbf29ce484222325ULL
static inline uint64_t jj__fnv1a(uint64_t h, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

/* jj__fnv1a over a string and its terminating NUL, without a strlen pass. */
static inline uint64_t jj__fnv1a_str(uint64_t h, const char *s) {
  do {
    h ^= (unsigned char)*s;
    h *= 0x100000001b3ULL;
  } while (*s++);
  return h;
}

/* `p` without its const, for strings the library owns (or borrows from a
 * bundle) behind the public structs' const pointers; never written through. */
static inline void *jj__unconst(const void *p) {
  union {
    const void *c;
    void *m;
  } u;
  u.c = p;
  return u.m;
}

#endif
