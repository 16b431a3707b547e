/* Batches of readings with their own string memory (see reading.h): the
 * strings live in chunks freed with the batch. */
#include "reading.h"

#include <stdlib.h>
#include <string.h>

struct srv_chunk {
  srv_chunk *next;
  size_t used, size;
  char data[];
};

/* The first chunk is small (an MQTT message holds one reading), each next
 * one twice the last, up to CHUNK_MAX: memory follows the batch's size. */
#define CHUNK_FIRST 256
#define CHUNK_MAX 65536

srv_batch *srv_batch_new(srv_source source) {
  srv_batch *b = calloc(1, sizeof *b);
  if (b) b->source = source;
  return b;
}

void srv_batch_free(srv_batch *b) {
  if (!b) return;
  for (srv_chunk *c = b->chunks, *next; c; c = next) {
    next = c->next;
    free(c);
  }
  free(b->r);
  free(b);
}

static void *batch_alloc(srv_batch *b, size_t size, size_t align) {
  srv_chunk *c = b->chunks;
  size_t off = c ? (c->used + align - 1) / align * align : 0;
  if (!c || off + size > c->size) {
    size_t want = c ? (c->size < CHUNK_MAX ? c->size * 2 : CHUNK_MAX) : CHUNK_FIRST;
    if (want < size + align) want = size + align;
    srv_chunk *n = malloc(sizeof *n + want);
    if (!n) return NULL;
    n->next = c;
    n->used = 0;
    n->size = want;
    b->chunks = c = n;
    off = 0;
  }
  c->used = off + size;
  return c->data + off;
}

srv_reading *srv_batch_add(srv_batch *b, uint32_t nlabels) {
  if (b->n == b->cap) {
    size_t ncap = b->cap ? b->cap * 2 : 16;
    srv_reading *r = realloc(b->r, ncap * sizeof *r);
    if (!r) return NULL;
    b->r = r;
    b->cap = ncap;
  }
  jj_label *labels = NULL;
  if (nlabels) {
    labels = batch_alloc(b, nlabels * sizeof *labels, sizeof(void *));
    if (!labels) return NULL;
  }
  srv_reading *r = &b->r[b->n++];
  memset(r, 0, sizeof *r);
  r->labels = labels;
  r->nlabels = nlabels;
  return r;
}

void srv_batch_drop_last(srv_batch *b) {
  if (b->n) b->n--;
}

char *srv_batch_strdup(srv_batch *b, const char *s, size_t len) {
  char *d = batch_alloc(b, len + 1, 1);
  if (!d) return NULL;
  memcpy(d, s, len);
  d[len] = '\0';
  return d;
}
