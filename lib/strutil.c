/* String copies through an object's allocator. */
#include "strutil.h"

#include <string.h>

#include "alloc.h"

char *jj__strndup(const jj_allocator *a, const char *s, size_t n) {
  char *d = jj__malloc(a, n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *jj__strdup(const jj_allocator *a, const char *s) { return jj__strndup(a, s, strlen(s)); }
