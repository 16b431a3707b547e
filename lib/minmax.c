/* DABA Lite over min/max pairs; see minmax.h. Each operation does a
 * constant amount of work: a push or evict moves the boundaries l, r, a by
 * at most one step, so no operation ever walks the window. */
#include "minmax.h"

#include <math.h>

static const jj_minmax identity = {INFINITY, -INFINITY};

static inline jj_minmax combine(jj_minmax x, jj_minmax y) {
  jj_minmax z;
  z.lo = x.lo < y.lo ? x.lo : y.lo;
  z.hi = x.hi > y.hi ? x.hi : y.hi;
  return z;
}

static inline jj_minmax *at(const jj_daba *d, uint64_t pos) {
  return &d->agg[pos & d->mask];
}

static inline jj_minmax delta(const jj_daba *d) {
  return d->a == d->b ? identity : *at(d, d->a);
}

void jj__daba_reset(jj_daba *d, uint64_t pos) {
  d->front = d->end = pos;
  d->l = d->r = d->a = d->b = pos;
  d->mid = d->back = identity;
}

/* Start a new round: the back segment becomes the front to be processed. */
static void flip(jj_daba *d) {
  d->l = d->front;
  d->r = d->b;
  d->a = d->end;
  d->b = d->end;
  d->mid = d->back;
  d->back = identity;
}

static void step(jj_daba *d) {
  if (d->l == d->b) flip(d);
  if (d->front != d->b) {
    if (d->a != d->r) {
      jj_minmax prev = delta(d);
      d->a--;
      *at(d, d->a) = combine(*at(d, d->a), prev);
    }
    if (d->l != d->r) {
      *at(d, d->l) = combine(*at(d, d->l), d->mid);
      d->l++;
    } else {
      d->l++;
      d->r++;
      d->a++;
      d->mid = delta(d);
    }
  } else {
    d->back = d->mid = identity;
  }
}

void jj__daba_push(jj_daba *d, double v) {
  jj_minmax lifted = {v, v};
  d->back = combine(d->back, lifted);
  *at(d, d->end) = lifted;
  d->end++;
  step(d);
}

void jj__daba_evict(jj_daba *d) {
  d->front++;
  step(d);
}

jj_minmax jj__daba_query(const jj_daba *d) {
  if (d->front == d->end) return identity;
  jj_minmax alpha = d->b == d->front ? identity : *at(d, d->front);
  return combine(alpha, d->back);
}
