/* Internal: sliding min/max with worst-case O(1) insert, evict and query.
 *
 * DABA Lite (De-Amortized Banker's Aggregator, Tangwongsan, Hirzel and
 * Schneider, "In-order sliding-window aggregation in worst-case constant
 * time", VLDB Journal 2021). The deque is a range of positions in the
 * window's sample ring: partial aggregates live in a parallel array indexed
 * by `pos & mask`, so positions survive the ring growing. Values enter at
 * the back in timestamp order and leave at the front. */
#ifndef JJ_LIB_MINMAX_H
#define JJ_LIB_MINMAX_H

#include <stdint.h>

typedef struct jj_minmax {
  double lo, hi;
} jj_minmax;

typedef struct jj_daba {
  jj_minmax *agg;  /* partial aggregates, one per ring slot */
  uint64_t mask;   /* ring capacity - 1 */
  uint64_t front;  /* first position in the deque */
  uint64_t end;    /* one past the last position */
  uint64_t l, r, a, b; /* DABA Lite's segment boundaries */
  jj_minmax mid, back;
} jj_daba;

/* Empty the deque; it will start at position `pos`. */
void jj__daba_reset(jj_daba *d, uint64_t pos);
/* Append a value at position d->end. */
void jj__daba_push(jj_daba *d, double v);
/* Remove the value at position d->front. The deque must not be empty. */
void jj__daba_evict(jj_daba *d);
/* Min and max of the deque; {+inf, -inf} when empty. */
jj_minmax jj__daba_query(const jj_daba *d);

#endif
