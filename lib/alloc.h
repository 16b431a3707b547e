/* Internal: the allocator every object carries, resolved from the public
 * jj_allocator (NULL = libc). Objects store a copy, never a pointer. */
#ifndef JJ_LIB_ALLOC_H
#define JJ_LIB_ALLOC_H

#include <stddef.h>
#include <stdint.h>

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

/* Make room for element `len` of a growable array of `*cap` elements of
 * `size` bytes: doubles the capacity (to `first` when empty). 0 on
 * success; -1 when allocation fails, leaving the array as it was. */
int jj__grow(const jj_allocator *a, void *arrp, uint32_t *cap, uint32_t len, size_t size,
             uint32_t first);



/* The counting wrapper's header (below) and the pool's (alloc_pool.c):
 * what jj_engine_estimate adds per block. */
#define JJ__COUNT_HEADER 16u /* keeps max_align_t alignment on common ABIs */
#define JJ__POOL_HEADER 8u
#define JJ__POOL_ALIGN 8u

/* An allocator that counts the bytes live through it (for memory stats).
 * Each block carries a 16-byte header holding its size. */
typedef struct jj_counting_alloc {
  jj_allocator parent;
  size_t bytes;
  int over_pool; /* the parent is a jj_alloc_pool: its own header has the size */
} jj_counting_alloc;

/* The size a jj_alloc_pool block was asked for, when `a` is a pool
 * (alloc_pool.c): 1 and *size, else 0. */
int jj__pool_block_size(const jj_allocator *a, const void *p, size_t *size);

/* Wrap `parent` (NULL = libc); *out allocates through `c`, which must stay
 * at a fixed address while *out is used. */
void jj__counting_init(jj_counting_alloc *c, const jj_allocator *parent, jj_allocator *out);

#endif
