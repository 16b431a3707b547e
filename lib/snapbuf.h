/* Internal: writing and reading snapshot images (snapshot.c, and the
 * window's own part in window.c): little-endian fixed-width fields,
 * independent of the host's byte order and word size, as bundles do.
 *
 * The writer counts every byte and stores those that fit, so one pass can
 * size an image (size 0) and the next write it; it can also hash what it
 * is given instead (a rule's content hash). The reader checks every read
 * against the end and turns the first overrun into `bad`; reads after that
 * return zeros, so a decoder tests `bad` once per record. */
#ifndef JJ_LIB_SNAPBUF_H
#define JJ_LIB_SNAPBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "strutil.h"

typedef struct jj_wbuf {
  unsigned char *p;
  size_t size, n; /* n: bytes written so far, stored while n <= size */
  int hashing;    /* 1: feed FNV-1a `hash` instead of storing */
  uint64_t hash;
} jj_wbuf;

static inline void jj__w_bytes(jj_wbuf *w, const void *src, size_t k) {
  if (w->hashing)
    w->hash = jj__fnv1a(w->hash, (const char *)src, k);
  else if (w->n + k <= w->size && k)
    memcpy(w->p + w->n, src, k);
  w->n += k;
}

static inline void jj__w_u8(jj_wbuf *w, unsigned v) {
  unsigned char b = (unsigned char)v;
  jj__w_bytes(w, &b, 1);
}

static inline void jj__w_u32(jj_wbuf *w, uint32_t v) {
  unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                        (unsigned char)(v >> 24)};
  jj__w_bytes(w, b, 4);
}

static inline void jj__w_u64(jj_wbuf *w, uint64_t v) {
  jj__w_u32(w, (uint32_t)v);
  jj__w_u32(w, (uint32_t)(v >> 32));
}

static inline void jj__w_i64(jj_wbuf *w, int64_t v) { jj__w_u64(w, (uint64_t)v); }

/* A double's bits, NaN payloads and signed zeros included. */
static inline void jj__w_f64(jj_wbuf *w, double d) {
  uint64_t v;
  memcpy(&v, &d, sizeof v);
  jj__w_u64(w, v);
}

/* A string: u32 length, the bytes and a NUL (so a reader can hand out a
 * pointer into the image). NULL is written as "". */
static inline void jj__w_str(jj_wbuf *w, const char *s) {
  size_t k = s ? strlen(s) : 0;
  jj__w_u32(w, (uint32_t)k);
  jj__w_bytes(w, s ? s : "", k + 1);
}

/* A length-prefixed part: jj__w_open leaves room for its length,
 * jj__w_close fills it in. */
static inline size_t jj__w_open(jj_wbuf *w) {
  size_t at = w->n;
  jj__w_u32(w, 0);
  return at;
}

static inline void jj__w_close(jj_wbuf *w, size_t at) {
  uint64_t len = w->n - at - 4;
  if (w->hashing || at + 4 > w->size) return;
  unsigned char *b = w->p + at;
  for (int i = 0; i < 4; i++) b[i] = (unsigned char)(len >> (8 * i));
}

/* Overwrite a double written earlier at byte `at` (a field computed
 * after the ones that follow it). Nothing when hashing or not stored. */
static inline void jj__w_patch_f64(jj_wbuf *w, size_t at, double d) {
  uint64_t v;
  memcpy(&v, &d, sizeof v);
  if (w->hashing || at + 8 > w->size) return;
  for (int i = 0; i < 8; i++) w->p[at + (size_t)i] = (unsigned char)(v >> (8 * i));
}

typedef struct jj_rbuf {
  const unsigned char *p;
  size_t size, at;
  int bad; /* a read ran past the end or met a malformed field */
} jj_rbuf;

static inline const unsigned char *jj__r_take(jj_rbuf *r, size_t k) {
  if (r->bad || r->size - r->at < k) {
    r->bad = 1;
    return NULL;
  }
  const unsigned char *b = r->p + r->at;
  r->at += k;
  return b;
}

static inline unsigned jj__r_u8(jj_rbuf *r) {
  const unsigned char *b = jj__r_take(r, 1);
  return b ? b[0] : 0;
}

static inline uint32_t jj__r_u32(jj_rbuf *r) {
  const unsigned char *b = jj__r_take(r, 4);
  if (!b) return 0;
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static inline uint64_t jj__r_u64(jj_rbuf *r) {
  uint64_t lo = jj__r_u32(r);
  return lo | (uint64_t)jj__r_u32(r) << 32;
}

static inline int64_t jj__r_i64(jj_rbuf *r) { return (int64_t)jj__r_u64(r); }

static inline double jj__r_f64(jj_rbuf *r) {
  uint64_t v = jj__r_u64(r);
  double d;
  memcpy(&d, &v, sizeof d);
  return d;
}

/* A string written by jj__w_str, as a pointer into the image ("" on
 * error): its NUL must be there and no other. */
static inline const char *jj__r_str(jj_rbuf *r) {
  uint32_t k = jj__r_u32(r);
  const unsigned char *b = jj__r_take(r, (size_t)k + 1);
  if (!b || b[k] != 0 || memchr(b, 0, k)) {
    r->bad = 1;
    return "";
  }
  return (const char *)b;
}

/* A 0/1 flag; anything else is damage. */
static inline int jj__r_flag(jj_rbuf *r) {
  unsigned v = jj__r_u8(r);
  if (v > 1) r->bad = 1;
  return (int)v;
}

/* A length-prefixed part as a reader of its own; the outer one moves past it. */
static inline jj_rbuf jj__r_part(jj_rbuf *r) {
  jj_rbuf sub = {NULL, 0, 0, 1};
  uint32_t k = jj__r_u32(r);
  const unsigned char *b = jj__r_take(r, k);
  if (b) {
    sub.p = b;
    sub.size = k;
    sub.bad = 0;
  }
  return sub;
}

#endif
