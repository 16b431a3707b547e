/* libjjair — memory estimates: how much an engine will allocate, worked
 * out before it allocates anything, so a device can size its pool
 * (jj_alloc_pool_init) at build time or check it at start.
 *
 * The estimate covers jj_engine_new and the jj_engine_series calls for the
 * series listed, in that order: the engine, its series and id index, every
 * window (the bundle's `-p` period makes windows preallocated, so pushing
 * then allocates nothing), groups and their member lists. It does not
 * include the ruleset (jj_alloc_pool_stats after jj_bundle_load gives it).
 * The engine's table of positions, which a series' first located push
 * makes room in (jj_engine_push_located), is counted for the series
 * flagged JJ_SERIES_LOCATED. */
#ifndef JJAIR_ESTIMATE_H
#define JJAIR_ESTIMATE_H

#include <stddef.h>
#include <stdint.h>

#include "jjair/engine.h"
#include "jjair/export.h"
#include "jjair/rule.h"
#include "jjair/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* jj_series_spec.flags: the series will be pushed with positions
 * (jj_engine_push_located), so it takes an entry in the engine's table of
 * positions. */
#define JJ_SERIES_LOCATED 1u

/* One series the engine will be given (jj_engine_series's arguments). The
 * pointers are borrowed for the call. */
typedef struct jj_series_spec {
  const char *metric;
  const jj_label *labels;
  uint32_t nlabels;
  uint32_t flags; /* 0 or JJ_SERIES_LOCATED (was reserved and zero: a series without positions) */
} jj_series_spec;

/* What jj_engine_estimate found. */
typedef struct jj_memory_estimate {
  size_t bytes;        /* sum of the sizes the engine asks of an allocator other than
                          a pool (a 16-byte header on all but the first block) */
  size_t allocations;  /* number of blocks asked for */
  size_t pool_bytes;   /* what they take in a jj_alloc_pool: each block rounded
                          up to 8 bytes plus its 8-byte header. A pool also
                          keeps up to 64 bytes of its own at the start */
  size_t series_bytes; /* of pool_bytes, the series (with windows, groups and positions) */
  uint64_t reserved[4];
} jj_memory_estimate;

/* Estimate the memory of an engine made with jj_engine_new(rs, cfg, ...)
 * (cfg NULL = defaults) that is then given `series[0..nseries)` in order.
 * Every figure is an upper bound of what the engine allocates, and
 * pool_bytes one of the growth of a pool's peak (jj_alloc_pool_stats): it
 * counts every block as kept, where a pool may reuse the newest block and
 * a C library allocator reuses freed ones. It is exact for a pool when
 * every window is preallocated and no series array, id index, group
 * member list, list of window shapes or table of positions outgrows its
 * first size (64 series, 32 ids, 8 members, 8 distinct window
 * configurations, 6 located series). Windows not preallocated count every
 * growth (an eighth at a time) up to their cap; a rule with a regex
 * matcher that cannot be decided without memory counts as matching. A
 * series listed twice is counted once, as the engine would find it, and
 * is located when either listing says so. Cost: about nseries^2 x rules
 * matcher checks (groups are found by comparing with the series before);
 * allocates nothing. Errors: JJ_EINVAL (rs or out NULL, a bad
 * configuration or series: what jj_engine_new or jj_engine_series would
 * refuse; flags other than JJ_SERIES_LOCATED), JJ_ELIMIT (more series
 * than max_series, labels over max_labels, a series more than 65,535
 * rules match, or a rule's window over max_samples_per_window: see
 * jj_engine_check), JJ_ENOTSUP (a poll queue in a build without one, as
 * jj_engine_new). Thread-safe. */
JJ_API jj_status jj_engine_estimate(const jj_ruleset *rs, const jj_engine_config *cfg,
                                    const jj_series_spec *series, uint32_t nseries,
                                    jj_memory_estimate *out);

#ifdef __cplusplus
}
#endif

#endif
