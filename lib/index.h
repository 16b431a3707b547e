/* Internal: a hash index from 64-bit hashes to dense ids (0, 1, ...), open
 * addressing with linear probing. It knows nothing of what the ids name:
 * each slot keeps its hash's low 32 bits beside the id, so the index grows
 * on its own and passes over most other keys without asking the owner,
 * who compares the keys of the candidates it is handed. */
#ifndef JJ_LIB_INDEX_H
#define JJ_LIB_INDEX_H

#include <stdint.h>

#include "alloc.h"

typedef struct jj_index_slot {
  uint32_t hash; /* low 32 bits of the key's hash: all that probing uses */
  uint32_t id1;  /* id + 1; 0 = empty */
} jj_index_slot;

typedef struct jj_index {
  jj_index_slot *slots;
  uint32_t mask; /* capacity - 1, or 0 before the first insert */
  uint32_t count;
  uint32_t first; /* capacity of the first table (a power of two); 0 = 64 */
} jj_index;

/* A first capacity for an index that will hold about `expected` ids
 * (twice as many slots, up to 64): a device's 8 series need 16 slots, not 64. */
static inline uint32_t jj__index_first_cap(uint64_t expected) {
  uint32_t cap = 8;
  while (cap < 64 && (uint64_t)cap < 2 * expected) cap *= 2;
  return cap;
}

/* A lookup in progress. */
typedef struct jj_index_probe {
  uint32_t pos, hash;
} jj_index_probe;

/* A table of `cap` slots takes `n` ids while at most 3/4 full: linear
 * probing's runs stay short (about 2.5 slots read for a hit, all in one or
 * two cache lines of 8-byte slots), and the table costs 8 x 1.33..2.67
 * bytes an id where a limit of 1/2 cost 8 x 2..4. */
static inline int jj__index_fits(uint64_t n, uint64_t cap) { return n * 4 <= cap * 3; }

/* Make room for one more id (jj__index_fits, doubling): 0, or -1 when
 * out of memory, the index unchanged. */
int jj__index_reserve(jj_index *ix, const jj_allocator *alc);
/* Add id under hash h; jj__index_reserve must have made room. */
void jj__index_insert(jj_index *ix, uint64_t h, uint32_t id);
void jj__index_free(jj_index *ix, const jj_allocator *alc);
/* Take id (stored under hash h) out: 0, or -1 when it is not there. Later
 * entries of its probe run shift back, so lookups never need tombstones. */
int jj__index_remove(jj_index *ix, uint64_t h, uint32_t id);

static inline jj_index_probe jj__index_probe(const jj_index *ix, uint64_t h) {
  jj_index_probe p = {(uint32_t)h & ix->mask, (uint32_t)h};
  return p;
}

/* The next id stored under h's low 32 bits, in probe order: 1 and *id,
 * or 0 when there is none. The caller checks that the key is its own. */
static inline int jj__index_next(const jj_index *ix, jj_index_probe *p, uint32_t *id) {
  if (!ix->slots) return 0;
  for (;;) {
    const jj_index_slot sl = ix->slots[p->pos];
    if (!sl.id1) return 0;
    p->pos = (p->pos + 1) & ix->mask;
    if (sl.hash == p->hash) {
      *id = sl.id1 - 1;
      return 1;
    }
  }
}

#endif
