/* The default (libc) allocator and the helpers objects use to allocate
 * through a caller-supplied one. */
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

#ifndef JJ_NO_LIBC_MALLOC
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
#else
/* JJ_LIBC_MALLOC=OFF (firmware): no reference to malloc at all, so the C
 * library's allocator is not linked; an object created without an
 * allocator (alc NULL) gets JJ_ENOMEM. Give a pool (jj_alloc_pool_init). */
static void *libc_malloc(void *ctx, size_t size) {
  (void)ctx;
  (void)size;
  return NULL;
}

static void *libc_realloc(void *ctx, void *ptr, size_t old_size, size_t size) {
  (void)ctx;
  (void)ptr;
  (void)old_size;
  (void)size;
  return NULL;
}

static void libc_free(void *ctx, void *ptr) {
  (void)ctx;
  (void)ptr;
}
#endif

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

int jj__grow(const jj_allocator *a, void *arrp, uint32_t *cap, uint32_t len, size_t size,
             uint32_t first) {
  if (len < *cap) return 0;
  void **arr = arrp;
  uint32_t ncap = *cap ? *cap * 2 : first;
  void *n = jj__realloc(a, *arr, (size_t)*cap * size, (size_t)ncap * size);
  if (!n) return -1;
  *arr = n;
  *cap = ncap;
  return 0;
}

/* ---- counting wrapper ------------------------------------------------- */

#define COUNT_HEADER JJ__COUNT_HEADER

/* Over a pool the counting needs no header of its own: the pool's block
 * header has the size (16 bytes less per block on a device). */
static void *count_malloc(void *ctx, size_t size) {
  jj_counting_alloc *c = ctx;
  if (c->over_pool) {
    void *q = jj__malloc(&c->parent, size);
    if (q) c->bytes += size;
    return q;
  }
  unsigned char *p = jj__malloc(&c->parent, size + COUNT_HEADER);
  if (!p) return NULL;
  memcpy(p, &size, sizeof size);
  c->bytes += size;
  return p + COUNT_HEADER;
}

static void *count_realloc(void *ctx, void *ptr, size_t old_size, size_t size) {
  jj_counting_alloc *c = ctx;
  if (!ptr) return count_malloc(ctx, size);
  if (c->over_pool) {
    size_t had = 0;
    (void)jj__pool_block_size(&c->parent, ptr, &had);
    void *q = jj__realloc(&c->parent, ptr, had, size);
    if (q) c->bytes = c->bytes - had + size;
    return q;
  }
  unsigned char *base = (unsigned char *)ptr - COUNT_HEADER;
  size_t stored;
  memcpy(&stored, base, sizeof stored);
  (void)old_size;
  unsigned char *p = jj__realloc(&c->parent, base, stored + COUNT_HEADER, size + COUNT_HEADER);
  if (!p) return NULL;
  memcpy(p, &size, sizeof size);
  c->bytes = c->bytes - stored + size;
  return p + COUNT_HEADER;
}

static void count_free(void *ctx, void *ptr) {
  jj_counting_alloc *c = ctx;
  if (c->over_pool) {
    size_t had = 0;
    (void)jj__pool_block_size(&c->parent, ptr, &had);
    c->bytes -= had;
    jj__free(&c->parent, ptr);
    return;
  }
  unsigned char *base = (unsigned char *)ptr - COUNT_HEADER;
  size_t stored;
  memcpy(&stored, base, sizeof stored);
  c->bytes -= stored;
  jj__free(&c->parent, base);
}

void jj__counting_init(jj_counting_alloc *c, const jj_allocator *parent, jj_allocator *out) {
  jj__alloc_resolve(&c->parent, parent);
  c->bytes = 0;
  c->over_pool = jj__pool_block_size(&c->parent, NULL, NULL);
  out->malloc = count_malloc;
  out->realloc = count_realloc;
  out->free = count_free;
  out->ctx = c;
}
