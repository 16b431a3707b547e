/* Shared by the window tests that look inside a window's snapshot record:
 * encode a window into a fresh buffer of exactly its size. */
#ifndef JJ_TESTS_WINDOW_IMAGE_TESTUTIL_H
#define JJ_TESTS_WINDOW_IMAGE_TESTUTIL_H

#include <stdlib.h>

#include "snapbuf.h"
#include "window_snap.h"

/* The window's record (jj__window_encode), malloc'd: the caller frees it.
 * The first pass only measures; the second must write the same size. */
static inline unsigned char *encode(const jj_window *w, size_t *n) {
  jj_wbuf o = {NULL, 0, 0, 0, 0};
  jj__window_encode(w, &o);
  unsigned char *p = malloc(o.n);
  assert_non_null(p);
  jj_wbuf b = {p, o.n, 0, 0, 0};
  jj__window_encode(w, &b);
  assert_int_equal(b.n, o.n);
  *n = b.n;
  return p;
}

#endif
