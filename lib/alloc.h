/* Internal: the allocator every object carries, resolved from the public
 * jj_allocator (NULL = libc). Objects store a copy, never a pointer. */
#ifndef JJ_LIB_ALLOC_H
#define JJ_LIB_ALLOC_H

#include <stddef.h>

#include "jjair/alloc.h"

/* Copy `user` (or the libc allocator when NULL) into *out. */
void jj__alloc_resolve(jj_allocator *out, const jj_allocator *user);

static inline void *jj__malloc(const jj_allocator *a, size_t size) {
  return a->malloc(a->ctx, size);
}
static inline void *jj__realloc(const jj_allocator *a, void *ptr,
                                size_t old_size, size_t size) {
  return a->realloc(a->ctx, ptr, old_size, size);
}
static inline void jj__free(const jj_allocator *a, void *ptr) {
  if (ptr) a->free(a->ctx, ptr);
}
/* malloc + zero fill. */
void *jj__calloc(const jj_allocator *a, size_t size);

#endif
