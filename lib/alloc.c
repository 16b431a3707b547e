/* The default (libc) allocator and the helpers objects use to allocate
 * through a caller-supplied one. */
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

static void *libc_malloc(void *ctx, size_t size) {
  (void)ctx;
  return malloc(size ? size : 1);
}

static void *libc_realloc(void *ctx, void *ptr, size_t old_size, size_t size) {
  (void)ctx;
  (void)old_size;
  return realloc(ptr, size ? size : 1);
}

static void libc_free(void *ctx, void *ptr) {
  (void)ctx;
  free(ptr);
}

void jj__alloc_resolve(jj_allocator *out, const jj_allocator *user) {
  if (user && user->malloc && user->realloc && user->free) {
    *out = *user;
    return;
  }
  out->malloc = libc_malloc;
  out->realloc = libc_realloc;
  out->free = libc_free;
  out->ctx = NULL;
}

void *jj__calloc(const jj_allocator *a, size_t size) {
  void *p = jj__malloc(a, size);
  if (p) memset(p, 0, size);
  return p;
}
