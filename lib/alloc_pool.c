/* jj_alloc_pool_init: a fixed-buffer bump allocator for firmware, so that
 * nothing calls (or links) the C library's malloc. Layout of the buffer:
 *
 *   [pool header][hdr|block][hdr|block]...[free ........................]
 *                                          ^ top
 *
 * Each block is preceded by an 8-byte header holding its size; free and
 * realloc of the last block move `top` back or forward, anything else is a
 * new block (the old one is lost until the pool is dropped). */
#include <stdint.h>
#include <string.h>

#include "alloc.h"

#define ALIGN JJ__POOL_ALIGN
#define HDR JJ__POOL_HEADER
#define POOL_MAGIC 0x6a6a706fu /* "jjpo" */

typedef struct pool {
  uint32_t magic;
  uint32_t pad;
  unsigned char *base, *top, *end, *last; /* last: the newest block, or NULL */
  size_t peak;
  uint64_t allocations;
} pool;

static size_t round_up(size_t n) { return (n + (ALIGN - 1)) & ~(size_t)(ALIGN - 1); }

static size_t block_size(const unsigned char *p) {
  size_t n;
  memcpy(&n, p - HDR, sizeof n);
  return n;
}

static void *pool_malloc(void *ctx, size_t size) {
  pool *pl = ctx;
  size_t need = HDR + round_up(size ? size : 1);
  if (need < size || (size_t)(pl->end - pl->top) < need) return NULL;
  unsigned char *p = pl->top + HDR;
  memcpy(pl->top, &size, sizeof size);
  pl->top += need;
  pl->last = p;
  pl->allocations++;
  size_t used = (size_t)(pl->top - pl->base);
  if (used > pl->peak) pl->peak = used;
  return p;
}

static void pool_free(void *ctx, void *ptr) {
  pool *pl = ctx;
  unsigned char *p = ptr;
  if (p != pl->last) return; /* only the newest block goes back */
  pl->top = p - HDR;
  pl->last = NULL;
}

static void *pool_realloc(void *ctx, void *ptr, size_t old_size, size_t size) {
  pool *pl = ctx;
  unsigned char *p = ptr;
  (void)old_size;
  if (!p) return pool_malloc(ctx, size);
  size_t have = block_size(p);
  if (p == pl->last) { /* grow or shrink in place */
    size_t need = round_up(size ? size : 1);
    if (need < size || (size_t)(pl->end - p) < need) return NULL;
    memcpy(p - HDR, &size, sizeof size);
    pl->top = p + need;
    size_t used = (size_t)(pl->top - pl->base);
    if (used > pl->peak) pl->peak = used;
    return p;
  }
  unsigned char *n = pool_malloc(ctx, size);
  if (!n) return NULL;
  memcpy(n, p, have < size ? have : size);
  return n;
}

int jj__pool_block_size(const jj_allocator *a, const void *p, size_t *size) {
  if (a->malloc != pool_malloc) return 0;
  if (p) *size = block_size(p);
  return 1;
}

jj_status jj_alloc_pool_init(jj_allocator *alc, void *buf, size_t size) {
  if (!alc || !buf) return JJ_EINVAL;
  /* Align by advancing the pointer itself (no integer-to-pointer cast). */
  size_t skip = (ALIGN - (size_t)((uintptr_t)buf % ALIGN)) % ALIGN;
  if (size < 64 || size - skip < round_up(sizeof(pool)) + 32) return JJ_EINVAL;
  unsigned char *start = (unsigned char *)buf + skip;
  pool *pl = (pool *)(void *)start;
  memset(pl, 0, sizeof *pl);
  pl->magic = POOL_MAGIC;
  pl->base = start + round_up(sizeof(pool));
  pl->top = pl->base;
  pl->end = (unsigned char *)buf + size;
  alc->malloc = pool_malloc;
  alc->realloc = pool_realloc;
  alc->free = pool_free;
  alc->ctx = pl;
  return JJ_OK;
}

jj_status jj_alloc_pool_stats(const jj_allocator *alc, size_t *used, size_t *peak,
                              uint64_t *allocations) {
  if (!alc || alc->malloc != pool_malloc || !alc->ctx) return JJ_EINVAL;
  const pool *pl = alc->ctx;
  if (used) *used = (size_t)(pl->top - pl->base);
  if (peak) *peak = pl->peak;
  if (allocations) *allocations = pl->allocations;
  return JJ_OK;
}
