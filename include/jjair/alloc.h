/* libjjair — the allocator hook.
 *
 * Every object that allocates takes an optional `const jj_allocator *`.
 * NULL means the C library's malloc/realloc/free. The library copies the
 * struct, so it need not outlive the call, but `ctx` must outlive every
 * object created with it. There are no global allocator settings. */
#ifndef JJAIR_ALLOC_H
#define JJAIR_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "jjair/export.h"
#include "jjair/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jj_allocator {
  /* Return `size` bytes aligned for any type, or NULL on failure. */
  void *(*malloc)(void *ctx, size_t size);
  /* Resize `ptr` (allocated `old_size` bytes) to `size` bytes; NULL on
   * failure, in which case `ptr` must stay valid and unchanged. */
  void *(*realloc)(void *ctx, void *ptr, size_t old_size, size_t size);
  /* Release `ptr`; never called with NULL. */
  void (*free)(void *ctx, void *ptr);
  void *ctx;
} jj_allocator;

/* A fixed-buffer pool for firmware (like yyjson_alc_pool_init): *alc
 * allocates from buf[0..size) and never calls the C library's malloc.
 * Allocation is a bump of a pointer; free and realloc give memory back
 * only for the most recent block, so an engine set up once at start
 * (rulesets, engine, series) uses about the sum of what it asks for.
 * Blocks are 8-byte aligned. The pool's bookkeeping lives at the start of
 * buf, which must stay valid while anything allocated from it lives.
 * JJ_EINVAL when alc or buf is NULL or size is too small (< 64 bytes).
 * A pool is used by one thread at a time. */
JJ_API jj_status jj_alloc_pool_init(jj_allocator *alc, void *buf, size_t size);

/* Bytes of a pool's buffer in use now and at most so far, and the number
 * of allocations (malloc, and realloc that had to move) so far; any
 * pointer may be NULL. JJ_EINVAL when alc is not a pool's. */
JJ_API jj_status jj_alloc_pool_stats(const jj_allocator *alc, size_t *used, size_t *peak,
                                     uint64_t *allocations);

#ifdef __cplusplus
}
#endif

#endif
