/* Internal: cache hints for the engine's batch path. With 10,000 series a
 * sample's window is rarely in cache; asking for it a few samples ahead
 * overlaps those misses instead of taking them one after another. */
#ifndef JJ_LIB_WINDOW_PREFETCH_H
#define JJ_LIB_WINDOW_PREFETCH_H

#include "jjair/window.h"

#if defined(__GNUC__)
#define JJ_PREFETCH(p) __builtin_prefetch(p)
#else
#define JJ_PREFETCH(p) ((void)(p))
#endif

/* Ask for the window's bookkeeping (the struct's first cache lines). */
void jj__window_prefetch_struct(const jj_window *w);
/* Ask for the ring slots a push will touch (tail, head); the struct
 * should already be cached. */
void jj__window_prefetch_ring(const jj_window *w);

#endif
