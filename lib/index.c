/* The generic hash index (see index.h): growing and inserting; lookups
 * are inline in the header. */
#include "index.h"

static void put(jj_index_slot *slots, uint32_t mask, jj_index_slot s) {
  uint32_t j = s.hash & mask;
  while (slots[j].id1) j = (j + 1) & mask;
  slots[j] = s;
}

int jj__index_reserve(jj_index *ix, const jj_allocator *alc) {
  uint32_t cap = ix->mask ? ix->mask + 1 : 0;
  if (cap && jj__index_fits(ix->count + 1, cap)) return 0;
  uint32_t ncap = cap ? cap * 2 : ix->first ? ix->first : 64;
  jj_index_slot *ns = jj__calloc(alc, (size_t)ncap * sizeof *ns);
  if (!ns) return -1;
  /* The stored hash bits place each id again: no need to ask the owner. */
  for (uint32_t i = 0; i < cap; i++)
    if (ix->slots[i].id1) put(ns, ncap - 1, ix->slots[i]);
  jj__free(alc, ix->slots);
  ix->slots = ns;
  ix->mask = ncap - 1;
  return 0;
}

void jj__index_insert(jj_index *ix, uint64_t h, uint32_t id) {
  jj_index_slot s = {(uint32_t)h, id + 1};
  put(ix->slots, ix->mask, s);
  ix->count++;
}

int jj__index_remove(jj_index *ix, uint64_t h, uint32_t id) {
  if (!ix->slots) return -1;
  const uint32_t mask = ix->mask;
  uint32_t hole = (uint32_t)h & mask;
  while (ix->slots[hole].id1 != id + 1) {
    if (!ix->slots[hole].id1) return -1;
    hole = (hole + 1) & mask;
  }
  /* Backward shift: move each later entry of the run into the hole when
   * the hole lies between its home slot and where it sits. */
  for (uint32_t k = hole;;) {
    k = (k + 1) & mask;
    const jj_index_slot sl = ix->slots[k];
    if (!sl.id1) break;
    const uint32_t home = sl.hash & mask;
    if (((k - home) & mask) >= ((k - hole) & mask)) {
      ix->slots[hole] = sl;
      hole = k;
    }
  }
  ix->slots[hole].id1 = 0;
  ix->slots[hole].hash = 0;
  ix->count--;
  return 0;
}

void jj__index_free(jj_index *ix, const jj_allocator *alc) {
  jj__free(alc, ix->slots);
  ix->slots = NULL;
  ix->mask = ix->count = 0;
}
