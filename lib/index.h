/* Internal: a hash index from 64-bit hashes to dense ids (0, 1, ...), open
 * addressing with linear probing. It knows nothing of what the ids name:
 * a slot is 4 bytes, the id and, in the bits the ids do not need yet, a
 * tag of its key's hash, so lookups pass over most other keys without
 * asking the owner, who compares the keys of the candidates it is handed.
 * Where an id's key belongs (its home slot) is not kept: growing and
 * removing ask the owner for the hash of an id (jj_index_hash_fn). */
#ifndef JJ_LIB_INDEX_H
#define JJ_LIB_INDEX_H

#include <stdint.h>

#include "alloc.h"

/* A slot: id + 1 in its low bits (`idmask`; 0 = empty), and above them
 * the same bits of the high half of the key's hash (the tag). 4 bytes
 * where a 32-bit hash beside the id took 8. */
typedef uint32_t jj_index_slot;

typedef struct jj_index {
  jj_index_slot *slots;
  uint32_t mask; /* capacity - 1, or 0 before the first insert */
  uint32_t count;
  uint32_t first; /* capacity of the first table (a power of two); 0 = 64 */
  /* The low bits of a slot that hold id + 1 (the rest: the tag), widened
   * by jj__index_insert as the ids grow; 0 before the first table (then
   * 8 bits). A mask, not a count: no shifts (64-bit ones on 32-bit
   * targets) on the lookup path. */
  uint32_t idmask;
} jj_index;

/* The owner's hash of the key of `id` (an id in the index), as given to
 * jj__index_insert. */
typedef uint64_t (*jj_index_hash_fn)(const void *ctx, uint32_t id);

/* A first capacity for an index that will hold about `expected` ids
 * (twice as many slots, up to 64): a device's 8 series need 16 slots, not 64. */
static inline uint32_t jj__index_first_cap(uint64_t expected) {
  uint32_t cap = 8;
  while (cap < 64 && (uint64_t)cap < 2 * expected) cap *= 2;
  return cap;
}

/* A lookup in progress. */
typedef struct jj_index_probe {
  uint32_t pos, tag; /* tag: the high half of the hash */
} jj_index_probe;

/* A table of `cap` slots takes `n` ids while at most 3/4 full: linear
 * probing's runs stay short (about 2.5 slots read for a hit, in one cache
 * line of 4-byte slots), and the table costs 4 x 1.33..2.67 bytes an id
 * where a limit of 1/2 cost 4 x 2..4. */
static inline int jj__index_fits(uint64_t n, uint64_t cap) { return n * 4 <= cap * 3; }

/* Make room for one more id (jj__index_fits, doubling; the ids already in
 * are placed again by their hashes, from hash_of): 0, or -1 when out of
 * memory, the index unchanged. */
int jj__index_reserve(jj_index *ix, const jj_allocator *alc, jj_index_hash_fn hash_of,
                      const void *ctx);
/* Add id under hash h; jj__index_reserve must have made room. */
void jj__index_insert(jj_index *ix, uint64_t h, uint32_t id);
void jj__index_free(jj_index *ix, const jj_allocator *alc);
/* Take id (stored under hash h) out: 0, or -1 when it is not there. Later
 * entries of its probe run shift back (their homes from hash_of), so
 * lookups never need tombstones. */
int jj__index_remove(jj_index *ix, uint64_t h, uint32_t id, jj_index_hash_fn hash_of,
                     const void *ctx);

static inline jj_index_probe jj__index_probe(const jj_index *ix, uint64_t h) {
  jj_index_probe p = {(uint32_t)h & ix->mask, (uint32_t)(h >> 32)};
  return p;
}

/* The next id whose slot's tag matches h's, in probe order: 1 and *id, or
 * 0 when there is none. The caller checks that the key is its own. */
static inline int jj__index_next(const jj_index *ix, jj_index_probe *p, uint32_t *id) {
  if (!ix->slots) return 0;
  const uint32_t idmask = ix->idmask;
  for (;;) {
    const jj_index_slot sl = ix->slots[p->pos];
    if (!sl) return 0;
    p->pos = (p->pos + 1) & ix->mask;
    if (!((sl ^ p->tag) & ~idmask)) {
      *id = (sl & idmask) - 1;
      return 1;
    }
  }
}

#endif
