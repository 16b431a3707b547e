/* The table of located series' positions (see series_loc.h). */
#include "series_loc.h"

#include "index.h"

/* Where s's probe run starts: its address mixed (blocks are 16-byte
 * aligned, so the low bits alone would crowd every other entry). */
static uint32_t home(const jj_series *s, uint32_t mask) {
  const uint64_t h = (uint64_t)(uintptr_t)s * UINT64_C(0x9e3779b97f4a7c15);
  return (uint32_t)(h >> 32) & mask;
}

/* The entry of s, or of the empty one that ends its run (capacity > 0). */
static uint32_t find(const jj_loc_table *t, const jj_series *s) {
  uint32_t j = home(s, t->mask);
  while (t->entries[j].s && t->entries[j].s != s) j = (j + 1) & t->mask;
  return j;
}

const jj_loc_entry *jj__loc_get(const jj_loc_table *t, const jj_series *s) {
  if (!t->count || !t->entries) return NULL;
  const jj_loc_entry *en = &t->entries[find(t, s)];
  return en->s ? en : NULL;
}

uint32_t jj__loc_cap_for(uint32_t cap, uint32_t count) {
  /* at most 3/4 full, as the id index */
  if (cap && jj__index_fits((uint64_t)count + 1, cap)) return cap;
  return cap ? cap * 2 : 8; /* 0 once cap * 2 wraps */
}

int jj__loc_reserve(jj_loc_table *t, const jj_allocator *alc, const jj_series *s) {
  const uint32_t cap = t->entries ? t->mask + 1 : 0;
  const uint32_t ncap = jj__loc_cap_for(cap, t->count);
  if (ncap == cap) return 0;
  if (jj__loc_get(t, s)) return 0; /* it has its entry: no room needed */
  if (!ncap) return -1;            /* (2^32 entries) */
  jj_loc_entry *ne = jj__calloc(alc, (size_t)ncap * sizeof *ne);
  if (!ne) return -1;
  jj_loc_table n = {ne, ncap - 1, t->count};
  for (uint32_t i = 0; i < cap; i++)
    if (t->entries[i].s) n.entries[find(&n, t->entries[i].s)] = t->entries[i];
  jj__free(alc, t->entries);
  *t = n;
  return 0;
}

void jj__loc_set(jj_loc_table *t, const jj_series *s, double lat, double lon) {
  jj_loc_entry *en = &t->entries[find(t, s)];
  if (!en->s) t->count++;
  en->s = s;
  en->lat = lat;
  en->lon = lon;
}

void jj__loc_remove(jj_loc_table *t, const jj_series *s) {
  if (!t->count) return;
  const uint32_t mask = t->mask;
  uint32_t hole = find(t, s);
  if (!t->entries[hole].s) return;
  /* Backward shift (as index.c): move each later entry of the run into
   * the hole when the hole lies between its home and where it sits. */
  for (uint32_t k = hole;;) {
    k = (k + 1) & mask;
    const jj_loc_entry en = t->entries[k];
    if (!en.s) break;
    const uint32_t h = home(en.s, mask);
    if (((k - h) & mask) >= ((k - hole) & mask)) {
      t->entries[hole] = en;
      hole = k;
    }
  }
  t->entries[hole].s = NULL;
  t->count--;
}

void jj__loc_free(jj_loc_table *t, const jj_allocator *alc) {
  jj__free(alc, t->entries);
  t->entries = NULL;
  t->mask = t->count = 0;
}
