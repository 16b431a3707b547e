/* jjair CLI — the replay's series id cache (see idcache.h): an open
 * addressing hash table keyed by the label-column values of a row. */
#include "idcache.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_ENTRIES = 1 << 20 };

typedef struct entry {
  uint64_t hash;
  size_t keylen;      /* bytes of key: for each value, its length (size_t) then its bytes */
  jj_series_id *ids;  /* nids ids, right after the struct */
  unsigned char *key; /* after the ids */
} entry;

struct idcache {
  size_t nvalues, nids;
  entry **slots;
  size_t mask, count;
};

idcache *idcache_new(size_t nvalues, size_t nids) {
  idcache *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->nvalues = nvalues;
  c->nids = nids;
  c->mask = 1023;
  c->slots = calloc(c->mask + 1, sizeof *c->slots);
  if (!c->slots) {
    free(c);
    return NULL;
  }
  return c;
}

void idcache_free(idcache *c) {
  if (!c) return;
  for (size_t i = 0; i <= c->mask; i++) free(c->slots[i]);
  free(c->slots);
  free(c);
}

/* FNV-1a over each value's length and bytes: "ab","c" and "a","bc" differ. */
static uint64_t hash_of(const idcache *c, char *const *values, const size_t *len) {
  uint64_t h = 1469598103934665603u;
  for (size_t i = 0; i < c->nvalues; i++) {
    h = (h ^ len[i]) * 1099511628211u;
    const unsigned char *p = (const unsigned char *)values[i];
    for (size_t k = 0; k < len[i]; k++) h = (h ^ p[k]) * 1099511628211u;
  }
  return h;
}

static int same(const idcache *c, const entry *en, char *const *values, const size_t *len) {
  const unsigned char *k = en->key;
  for (size_t i = 0; i < c->nvalues; i++) {
    size_t n;
    memcpy(&n, k, sizeof n);
    if (n != len[i] || memcmp(k + sizeof n, values[i], n) != 0) return 0;
    k += sizeof n + n;
  }
  return 1;
}

static int grow(idcache *c) {
  size_t nmask = c->mask * 2 + 1;
  entry **ns = calloc(nmask + 1, sizeof *ns);
  if (!ns) return -1;
  for (size_t i = 0; i <= c->mask; i++) {
    entry *en = c->slots[i];
    if (!en) continue;
    size_t j = en->hash & nmask;
    while (ns[j]) j = (j + 1) & nmask;
    ns[j] = en;
  }
  free(c->slots);
  c->slots = ns;
  c->mask = nmask;
  return 0;
}

jj_series_id *idcache_get(idcache *c, char *const *values, const size_t *len) {
  uint64_t h = hash_of(c, values, len);
  size_t j = h & c->mask;
  for (entry *en; (en = c->slots[j]) != NULL; j = (j + 1) & c->mask)
    if (en->hash == h && same(c, en, values, len)) return en->ids;
  if (c->count >= MAX_ENTRIES) return NULL;
  if (2 * (c->count + 1) > c->mask + 1) {
    if (grow(c) != 0) return NULL;
    j = h & c->mask;
    while (c->slots[j]) j = (j + 1) & c->mask;
  }
  size_t keylen = 0;
  for (size_t i = 0; i < c->nvalues; i++) keylen += sizeof(size_t) + len[i];
  entry *en = malloc(sizeof *en + c->nids * sizeof(jj_series_id) + keylen);
  if (!en) return NULL;
  en->hash = h;
  en->keylen = keylen;
  en->ids = (jj_series_id *)(void *)(en + 1);
  en->key = (unsigned char *)(en->ids + c->nids);
  for (size_t i = 0; i < c->nids; i++) en->ids[i] = JJ_IDCACHE_NONE;
  unsigned char *k = en->key;
  for (size_t i = 0; i < c->nvalues; i++) {
    memcpy(k, &len[i], sizeof len[i]);
    memcpy(k + sizeof len[i], values[i], len[i]);
    k += sizeof len[i] + len[i];
  }
  c->slots[j] = en;
  c->count++;
  return en->ids;
}
