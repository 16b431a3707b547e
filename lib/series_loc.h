/* Internal: the positions of located series (jj_engine_push_located),
 * kept by the engine apart from the series blocks, so a series never
 * pushed with a position carries none (16 bytes a series of the
 * one-rule figure). A table from a series' address to its latest
 * position: open addressing with linear probing, at most 3/4 full,
 * doubling; a removal shifts later entries back, so there are no
 * tombstones. A located series costs an entry of 24 bytes, 32 to 64 with
 * the table's room. Only located pushes, events, snapshots and forgetting
 * look at it: a reading without a position never does. */
#ifndef JJ_LIB_SERIES_LOC_H
#define JJ_LIB_SERIES_LOC_H

#include <stdint.h>

#include "alloc.h"

typedef struct jj_series jj_series;

typedef struct jj_loc_entry {
  const jj_series *s; /* NULL: an empty entry */
  double lat, lon;
} jj_loc_entry;

typedef struct jj_loc_table {
  jj_loc_entry *entries;
  uint32_t mask; /* capacity - 1, or 0 before the first entry */
  uint32_t count;
} jj_loc_table;

/* The position of s, or NULL when it has none. */
const jj_loc_entry *jj__loc_get(const jj_loc_table *t, const jj_series *s);
/* The table's growth, one rule for the table and jj_engine_estimate: the
 * capacity it needs to take a (count+1)-th entry when it has room for
 * `cap` (0: none yet): `cap` while it stays at most 3/4 full, else the
 * next size (8 entries, then doubling); 0 past 2^31 entries. */
uint32_t jj__loc_cap_for(uint32_t cap, uint32_t count);
/* Make sure s can be given a position by jj__loc_set without allocating:
 * 0, or -1 when out of memory (the table unchanged). */
int jj__loc_reserve(jj_loc_table *t, const jj_allocator *alc, const jj_series *s);
/* Give s its position (jj__loc_reserve made room for it). */
void jj__loc_set(jj_loc_table *t, const jj_series *s, double lat, double lon);
/* Take s's position out (none: nothing done). */
void jj__loc_remove(jj_loc_table *t, const jj_series *s);
void jj__loc_free(jj_loc_table *t, const jj_allocator *alc);

#endif
