/* The generic hash index (see index.h): growing, inserting and removing;
 * lookups are inline in the header. */
#include "index.h"

#define FIRST_IDMASK 0xffu /* ids below 255 before the first widening */

/* The slot of id under a hash whose high half is hi. */
static jj_index_slot slot_of(uint32_t idmask, uint32_t hi, uint32_t id) {
  return (hi & ~idmask) | (id + 1);
}

static uint32_t slot_id(uint32_t idmask, jj_index_slot s) { return (s & idmask) - 1; }

static void put(jj_index_slot *slots, uint32_t mask, uint64_t h, jj_index_slot s) {
  uint32_t j = (uint32_t)h & mask;
  while (slots[j]) j = (j + 1) & mask;
  slots[j] = s;
}

int jj__index_reserve(jj_index *ix, const jj_allocator *alc, jj_index_hash_fn hash_of,
                      const void *ctx) {
  uint32_t cap = ix->mask ? ix->mask + 1 : 0;
  if (cap && jj__index_fits(ix->count + 1, cap)) return 0;
  uint32_t ncap = cap ? cap * 2 : ix->first ? ix->first : 64;
  jj_index_slot *ns = jj__calloc(alc, (size_t)ncap * sizeof *ns);
  if (!ns) return -1;
  /* The slots keep no home: the owner's hashes place each id again. */
  for (uint32_t i = 0; i < cap; i++)
    if (ix->slots[i])
      put(ns, ncap - 1, hash_of(ctx, slot_id(ix->idmask, ix->slots[i])), ix->slots[i]);
  jj__free(alc, ix->slots);
  ix->slots = ns;
  ix->mask = ncap - 1;
  if (!ix->idmask) ix->idmask = FIRST_IDMASK;
  return 0;
}

/* Give ids one more bit, taken from the tags: in place, as an id's place
 * depends on its hash's low half only. */
static void widen(jj_index *ix) {
  const uint32_t bit = ix->idmask + 1; /* a tag bit until now; 0 in every id + 1 so far */
  for (uint32_t i = 0; i <= ix->mask; i++) ix->slots[i] &= ~bit;
  ix->idmask |= bit;
}

void jj__index_insert(jj_index *ix, uint64_t h, uint32_t id) {
  while (id >= ix->idmask && ix->idmask != UINT32_MAX) widen(ix); /* id + 1 must fit */
  put(ix->slots, ix->mask, h, slot_of(ix->idmask, (uint32_t)(h >> 32), id));
  ix->count++;
}

int jj__index_remove(jj_index *ix, uint64_t h, uint32_t id, jj_index_hash_fn hash_of,
                     const void *ctx) {
  if (!ix->slots || id >= ix->idmask) return -1;
  const uint32_t mask = ix->mask, idm = ix->idmask;
  uint32_t hole = (uint32_t)h & mask;
  while ((ix->slots[hole] & idm) != id + 1) {
    if (!ix->slots[hole]) return -1;
    hole = (hole + 1) & mask;
  }
  /* Backward shift: move each later entry of the run into the hole when
   * the hole lies between its home slot and where it sits. */
  for (uint32_t k = hole;;) {
    k = (k + 1) & mask;
    const jj_index_slot sl = ix->slots[k];
    if (!sl) break;
    const uint32_t home = (uint32_t)hash_of(ctx, slot_id(idm, sl)) & mask;
    if (((k - home) & mask) >= ((k - hole) & mask)) {
      ix->slots[hole] = sl;
      hole = k;
    }
  }
  ix->slots[hole] = 0;
  ix->count--;
  return 0;
}

void jj__index_free(jj_index *ix, const jj_allocator *alc) {
  jj__free(alc, ix->slots);
  ix->slots = NULL;
  ix->mask = ix->count = 0;
}
