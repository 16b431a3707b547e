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
  if (cap && (uint64_t)(ix->count + 1) * 2 <= cap) return 0;
  uint32_t ncap = cap ? cap * 2 : 64;
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

void jj__index_free(jj_index *ix, const jj_allocator *alc) {
  jj__free(alc, ix->slots);
  ix->slots = NULL;
  ix->mask = ix->count = 0;
}
