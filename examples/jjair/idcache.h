/* jjair CLI — series ids of `jjair replay` cached per distinct tuple of
 * label-column values, so a row costs one hash of its label cells instead
 * of an engine lookup by metric and labels per cell.
 *
 * An entry holds one id per metric column, JJ_IDCACHE_NONE until the
 * engine has resolved it (a failed jj_engine_series is not cached and is
 * retried on the next row, as a plain push_labeled would be). The ids stay
 * valid because replay never forgets a series (no series_idle_ms, no
 * jj_engine_forget). Not thread-safe. */
#ifndef JJAIR_CLI_IDCACHE_H
#define JJAIR_CLI_IDCACHE_H

#include <jjair/jjair.h>

#include <stddef.h>
#include <stdint.h>

#define JJ_IDCACHE_NONE UINT32_MAX

typedef struct idcache idcache;

/* A cache for tuples of nvalues values, each with nids ids. NULL: no memory. */
idcache *idcache_new(size_t nvalues, size_t nids);
void idcache_free(idcache *c);

/* The ids of the tuple values[0..nvalues) (lengths in len), created
 * (all JJ_IDCACHE_NONE) if new. NULL when out of memory or when the cache
 * is full (more than 1 M tuples): the caller then resolves without it. */
jj_series_id *idcache_get(idcache *c, char *const *values, const size_t *len);

#endif
