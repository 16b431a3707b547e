/* Internal: the allocations objects will make, counted before any is made
 * (jj_engine_estimate, lib/estimate.c). Each owning file sizes its own
 * objects next to the code that allocates them, so a layout change and its
 * estimate sit side by side; tests/test_estimate.c compares the estimate
 * with what a pool actually gives out. */
#ifndef JJ_LIB_FOOTPRINT_H
#define JJ_LIB_FOOTPRINT_H

#include <stddef.h>
#include <stdint.h>

#include "jjair/engine.h"
#include "jjair/window.h"
#include "ruleset.h"

/* Called once for every allocation of `n` bytes (a realloc that grows
 * counts as a new block of its new size). */
typedef void (*jj__footprint_fn)(void *ctx, size_t n);

/* An engine's window of configuration cfg (jj__window_init_shaped, its
 * shape counted apart, see jj__shape_tally): the block (or, with
 * `embedded` non-NULL, its size there: jj__window_init_shaped), the ring, DABA's
 * array, the key lane, the closed-result queue and a preallocated sketch;
 * for a window that is not preallocated, also every growth up to
 * max_samples (window.c). The status jj_window_new would return for cfg. */
jj_status jj__window_footprint(const jj_window_config *cfg, int shared, size_t *embedded,
                               jj__footprint_fn add, void *ctx);
/* A shared ring for `nmembers` windows of (shareable) configuration cfg:
 * its block and the ring as it grows up to max_samples (window.c). A
 * `shared` window above counts its own parts, not the ring. */
jj_status jj__wring_footprint(const jj_window_config *cfg, uint32_t nmembers, jj__footprint_fn add,
                              void *ctx);

/* The window shapes an engine has made so far (series.c's shape cache:
 * one per distinct window configuration, in an array that doubles from
 * 8), as slot leaders and aggregate masks from which the configurations
 * are rebuilt: a shape is counted the first time its configuration comes.
 * Past JJ__SHAPE_TALLY_MAX distinct ones every further one counts as new
 * (an upper bound). Zero it before the first series. */
#define JJ__SHAPE_TALLY_MAX 64
typedef struct jj__shape_tally {
  uint32_t leader[JJ__SHAPE_TALLY_MAX], aggs[JJ__SHAPE_TALLY_MAX];
  uint32_t n, cached; /* entries kept; shapes in the cache (>= n) */
  uint32_t cap;       /* the cache array's capacity */
} jj__shape_tally;

/* jj__sketch_reserve of both ends of the key range (sketch.c). */
void jj__sketch_footprint(double alpha, double floor, jj__footprint_fn add, void *ctx);

/* jj__series_new for a series of `metric` and `labels` sorted by name
 * (series.c), with the shapes it adds to `shapes`. Rules whose regex
 * matcher cannot decide count as matching. */
jj_status jj__series_footprint(const jj_ruleset *rs, const char *metric,
                               const jj_label *sorted, uint32_t n, int64_t lateness_ms,
                               uint32_t max_samples, jj__shape_tally *shapes,
                               jj__footprint_fn add, void *ctx);

/* The block group_alloc makes for rule r and group label values (group.c;
 * 0 when the build leaves groups out). */
size_t jj__group_bytes(const jj_rule *r, const char *const *values);

/* jj_engine_new's defaults for the zero fields of *c (engine.c). */
void jj__engine_fill_defaults(jj_engine_config *c);
/* The first size of the engine's series array, and how many groups the
 * limits allow (the group index's first size follows), for config c. */
uint32_t jj__series_array_first(const jj_engine_config *c);
/* The series array's next capacity after `cap` (> 0): half again, not
 * double (8 bytes a slot: a quarter of the slots unused on average, where
 * doubling left half); 0 past UINT32_MAX. */
static inline uint32_t jj__series_array_next(uint32_t cap) {
  return cap > UINT32_MAX / 3 * 2 ? 0 : cap + (cap + 1) / 2;
}
uint64_t jj__group_bound(const jj_ruleset *rs, const jj_engine_config *c);

#endif
