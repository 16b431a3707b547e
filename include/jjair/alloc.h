/* libjjair — the allocator hook.
 *
 * Every object that allocates takes an optional `const jj_allocator *`.
 * NULL means the C library's malloc/realloc/free. The library copies the
 * struct, so it need not outlive the call, but `ctx` must outlive every
 * object created with it. There are no global allocator settings. */
#ifndef JJAIR_ALLOC_H
#define JJAIR_ALLOC_H

#include <stddef.h>

#include "jjair/export.h"

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

#ifdef __cplusplus
}
#endif

#endif
