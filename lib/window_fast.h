/* Internal: the window's fast paths for the engine.
 *  - Cache hints for the batch path: with 10,000 series a sample's window
 *    is rarely in cache; asking for it a few samples ahead overlaps those
 *    misses instead of taking them one after another.
 *  - Reading several aggregates at once, for rules sharing a window. */
#ifndef JJ_LIB_WINDOW_FAST_H
#define JJ_LIB_WINDOW_FAST_H

#include <stdint.h>

#include "jjair/window.h"

#if defined(__GNUC__)
#define JJ_PREFETCH(p) __builtin_prefetch(p)
#else
#define JJ_PREFETCH(p) ((void)(p))
/* The earliest engine time at which jj_window_advance changes what the
 * window holds or reports (a sample expires, a TUMBLING window closes):
 * INT64_MAX when time alone never does, INT64_MIN when any advance may. */
int64_t jj__window_due(const jj_window *w);

#endif

/* Ask for the window's bookkeeping (the struct's first cache lines). */
void jj__window_prefetch_struct(const jj_window *w);
/* Ask for the ring slots a push will touch (tail, head); the struct
 * should already be cached. */
void jj__window_prefetch_ring(const jj_window *w);

/* Every aggregate in `mask` (JJ_AGG_BIT, all enabled) into out[agg], as
 * jj_window_value would give it; returns the mask of those that are
 * complete values (jj_window_value's JJ_OK). */
uint32_t jj__window_values(const jj_window *w, uint32_t mask, double *out);

/* The earliest engine time at which jj_window_advance changes what the
 * window holds or reports (a sample expires, a TUMBLING window closes):
 * INT64_MAX when time alone never does, INT64_MIN when any advance may. */
int64_t jj__window_due(const jj_window *w);

#endif
