/* The deliveries' block allocator (see dpool.h). */
#include <stdint.h>
#include <stdlib.h>

#include "dpool.h"

#define BLOCK (64u << 10)
#define ALIGN 16u

struct jj__dblock {
  jj__dpool *pool;
  size_t used;   /* bytes carved from data */
  uint32_t live; /* allocations not yet released */
  _Alignas(16) unsigned char data[];
};

void *jj__dpool_alloc(jj__dpool *pool, size_t size, jj__dblock **blk) {
  *blk = NULL;
  size = (size + ALIGN - 1) / ALIGN * ALIGN;
  if (!pool || size > BLOCK / 4) return malloc(size);
  jj__dblock *b = pool->cur;
  if (!b || BLOCK - sizeof *b - b->used < size) {
    jj__dblock *n = malloc(BLOCK);
    if (!n) return NULL;
    n->pool = pool;
    n->used = 0;
    n->live = 0;
    /* the old block goes when its last allocation does */
    if (b && b->live == 0) free(b);
    pool->cur = b = n;
  }
  void *p = b->data + b->used;
  b->used += size;
  b->live++;
  *blk = b;
  return p;
}

void jj__dpool_free(jj__dblock *blk, void *p) {
  if (!blk) {
    free(p);
    return;
  }
  if (--blk->live) return;
  if (blk == blk->pool->cur) blk->used = 0; /* empty: carve it again from the start */
  else free(blk);
}

void jj__dpool_fini(jj__dpool *pool) {
  if (!pool) return;
  free(pool->cur);
  pool->cur = NULL;
}
