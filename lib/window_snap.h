/* Internal: a window's part of a snapshot (implemented at the end of
 * window.c, the one place that knows the window's layout). The image
 * holds logical fields — settings to compare, samples, the running sums
 * and DABA's partial aggregates as numbers, counters — never raw struct
 * bytes, so the window's memory layout may change without changing the
 * format. */
#ifndef JJ_LIB_WINDOW_SNAP_H
#define JJ_LIB_WINDOW_SNAP_H

#include "jjair/window.h"
#include "snapbuf.h"

/* Append the window's state. */
void jj__window_encode(const jj_window *w, jj_wbuf *out);

/* Load a state written by jj__window_encode into `w`, a window just
 * created (empty) with the settings the state should have. JJ_OK;
 * JJ_ENOTFOUND when the state's settings differ from w's (w is left
 * untouched: the caller starts it fresh); JJ_EINVAL when the state is
 * damaged (inconsistent positions, unsorted or invalid samples) and
 * JJ_ENOMEM: w is then unusable and the caller discards it. */
jj_status jj__window_decode(jj_window *w, jj_rbuf *in);

#endif
