/* Internal: where the deliveries of one dispatcher live (record.c).
 *
 * A queued delivery is small and lives until its notifier acknowledges
 * it; deliveries come and go in about FIFO order. Allocated one by one
 * they grew the delivering thread's heap a page at a time, and glibc grows
 * a thread's arena with one mprotect() per page: a system call every few
 * events. Here they are carved in order from 64 KiB blocks (one malloc per
 * about 200 deliveries); a block counts what still lives in it and is freed
 * when that reaches 0 (the current block is reused instead). Called under
 * the dispatcher's lock, or by its owner before and after delivery runs. */
#ifndef JJ_LIB_NOTIFY_DPOOL_H
#define JJ_LIB_NOTIFY_DPOOL_H

#include <stddef.h>

typedef struct jj__dblock jj__dblock;

typedef struct jj__dpool {
  jj__dblock *cur; /* the block being carved, NULL before the first */
} jj__dpool;

/* `size` bytes (16-byte aligned) from the pool, and in *blk the block to
 * give to jj__dpool_free (NULL: a plain malloc, for a size over a quarter
 * block or with pool NULL; release it with free). NULL out of memory. */
void *jj__dpool_alloc(jj__dpool *pool, size_t size, jj__dblock **blk);
/* Release one allocation of blk (p's own block; p itself with blk NULL). */
void jj__dpool_free(jj__dblock *blk, void *p);
/* Free the current block; every allocation was released before. */
void jj__dpool_fini(jj__dpool *pool);

#endif
