/* The hand-off ring between event producers and the delivery thread (see
 * handoff.h). Vyukov's bounded MPMC queue with one consumer: each slot has
 * a sequence number; a producer owns slot pos once it moved `head` from
 * pos to pos+1 while the slot's sequence was pos, and publishes it by
 * setting the sequence to pos+1; the consumer frees it for the next lap by
 * setting pos+capacity. */
#define _POSIX_C_SOURCE 200809L /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event_copy.h"
#include "handoff.h"
#include "ruleset.h"

/* Cache-line size: what one side writes is kept off the lines the other
 * side reads on every event (false sharing would bounce a line between
 * the ingest core and the delivering core per event). */
#define LINE 64

typedef struct slot {
  _Alignas(LINE) atomic_uint_least64_t seq; /* a slot starts a line: neighbours never share one */
  jj__handoff_item item;
  unsigned char *mem; /* slot_bytes of preallocated memory for the copy */
  size_t cap;
  int used;           /* mem holds the copy (else it was malloc'd) */
  jj_allocator alc;   /* allocates mem first; ctx is this slot */
} slot;

typedef struct overflow {
  struct overflow *next;
  uint64_t pos;       /* ring position when it arrived: goes before that slot */
  jj__handoff_item item;
} overflow;

struct jj__handoff {
  /* read-only after creation */
  slot *slots;
  unsigned char *arena;
  uint64_t mask;
  /* producers only (and pending(), rarely) */
  _Alignas(LINE) atomic_uint_least64_t head; /* next position a producer claims */
  /* the consumer only (and pending(), rarely) */
  _Alignas(LINE) atomic_uint_least64_t tail; /* next position the consumer takes */
  /* the overflow list: touched when the ring is full */
  _Alignas(LINE) pthread_mutex_t omu;
  overflow *ohead, *otail;
  atomic_uint_least64_t noverflow; /* items on the list */
  atomic_uint_least64_t nspilled;  /* of them ordinary (bounded) */
  /* the consumer writes these twice per round, producers read them */
  _Alignas(LINE) atomic_int sleeping;
  atomic_int_least64_t last_wake_ms;
  /* the consumer naps until then to gather a batch: an ordinary event
   * does not wake it before (0: not napping) */
  atomic_int_least64_t nap_until_ms;
  /* life-safety items handed over and not yet taken (they end a nap) */
  atomic_uint_least32_t ls_pending;
  /* per lane: events handed over (written by producers only) and taken
   * (by the consumer only), on lines of their own */
  _Alignas(LINE) atomic_uint_least32_t lane_handed[JJ_HANDOFF_LANES];
  _Alignas(LINE) atomic_uint_least32_t lane_taken[JJ_HANDOFF_LANES];
  /* the consumer only: ruleset references of released copies, dropped
   * together (jj__handoff_release) — the producer takes one per copy, and
   * a drop per copy on the other core would move the count's cache line
   * back and forth with every event */
  _Alignas(LINE) struct jj_ruleset *held_rs;
  unsigned held_n;
};

/* ---- the slot allocator: jj_event_copy places its block in the slot ------- */

static void *slot_malloc(void *ctx, size_t size) {
  slot *s = ctx;
  if (!s->used && size <= s->cap) {
    s->used = 1;
    return s->mem;
  }
  return malloc(size);
}

static void *slot_realloc(void *ctx, void *p, size_t old, size_t size) {
  slot *s = ctx;
  if (p != s->mem) return realloc(p, size);
  if (size <= s->cap) return p;
  void *n = malloc(size);
  if (n) {
    memcpy(n, p, old);
    s->used = 0;
  }
  return n;
}

static void slot_free(void *ctx, void *p) {
  slot *s = ctx;
  if (p == s->mem) s->used = 0;
  else free(p);
}

/* calloc on a cache-line boundary (the _Alignas members need it). */
static void *line_calloc(size_t n, size_t size) {
  void *p = NULL;
  if (n > SIZE_MAX / size || posix_memalign(&p, LINE, n * size)) return NULL;
  memset(p, 0, n * size);
  return p;
}

jj__handoff *jj__handoff_new(uint32_t capacity, uint32_t slot_bytes) {
  uint64_t cap = 2;
  while (cap < capacity) cap <<= 1;
  jj__handoff *h = line_calloc(1, sizeof *h);
  if (!h) return NULL;
  h->slots = line_calloc(cap, sizeof *h->slots);
  h->arena = malloc(cap * slot_bytes);
  if (!h->slots || !h->arena || pthread_mutex_init(&h->omu, NULL)) {
    free(h->slots);
    free(h->arena);
    free(h);
    return NULL;
  }
  h->mask = cap - 1;
  /* touch every page now: the first lap of the ring must not pay the page
   * faults on the ingest thread */
  memset(h->arena, 0, cap * slot_bytes);
  for (uint64_t i = 0; i < cap; i++) {
    slot *s = &h->slots[i];
    atomic_init(&s->seq, i);
    s->mem = h->arena + i * slot_bytes;
    s->cap = slot_bytes;
    s->alc.malloc = slot_malloc;
    s->alc.realloc = slot_realloc;
    s->alc.free = slot_free;
    s->alc.ctx = s;
  }
  atomic_init(&h->head, 0);
  atomic_init(&h->tail, 0);
  atomic_init(&h->noverflow, 0);
  atomic_init(&h->nspilled, 0);
  atomic_init(&h->sleeping, 0);
  atomic_init(&h->last_wake_ms, 0);
  atomic_init(&h->nap_until_ms, 0);
  atomic_init(&h->ls_pending, 0);
  for (size_t i = 0; i < JJ_HANDOFF_LANES; i++) {
    atomic_init(&h->lane_handed[i], 0);
    atomic_init(&h->lane_taken[i], 0);
  }
  return h;
}

void jj__handoff_free(jj__handoff *h) {
  if (!h) return;
  jj__handoff_release(h);
  pthread_mutex_destroy(&h->omu);
  free(h->slots);
  free(h->arena);
  free(h);
}

static void count_lanes(jj__handoff *h, const uint64_t *targets, int add) {
  for (uint32_t w = 0; w < JJ_HANDOFF_TARGET_WORDS; w++)
    for (uint64_t bits = targets[w]; bits; bits &= bits - 1) {
      uint32_t lane = w * 64 + (uint32_t)__builtin_ctzll(bits);
      if (add) atomic_fetch_add_explicit(&h->lane_handed[lane], 1, memory_order_relaxed);
      else atomic_fetch_add_explicit(&h->lane_taken[lane], 1, memory_order_relaxed);
    }
}

static void fill(jj__handoff_item *it, jj_event *copy, int64_t accepted_ms,
                 const uint64_t *targets, int life_safety) {
  it->ev = copy;
  it->accepted_ms = accepted_ms;
  memcpy(it->targets, targets, sizeof it->targets);
  it->life_safety = life_safety;
  it->overflowed = 0;
}

/* An event that found the ring full: a malloc'd copy on the overflow list,
 * ordered by the ring position it arrived at. Ordinary events only while
 * fewer than JJ_HANDOFF_SPILL times the ring's capacity of them wait there
 * (-1 beyond); a life-safety event always. */
static int put_overflow(jj__handoff *h, const jj_event *ev, int64_t accepted_ms,
                        const uint64_t *targets, int life_safety, uint64_t pos) {
  if (!life_safety &&
      atomic_fetch_add(&h->nspilled, 1) >= JJ_HANDOFF_SPILL * (h->mask + 1)) {
    atomic_fetch_sub(&h->nspilled, 1);
    return -1;
  }
  overflow *o = malloc(sizeof *o);
  jj_event *copy = NULL;
  if (!o || jj_event_copy(ev, NULL, &copy) != JJ_OK) {
    free(o);
    if (!life_safety) atomic_fetch_sub(&h->nspilled, 1);
    return -2;
  }
  o->next = NULL;
  o->pos = pos;
  fill(&o->item, copy, accepted_ms, targets, life_safety);
  o->item.overflowed = 1;
  count_lanes(h, targets, 1);
  if (life_safety) atomic_fetch_add(&h->ls_pending, 1);
  pthread_mutex_lock(&h->omu);
  if (h->otail) h->otail->next = o;
  else h->ohead = o;
  h->otail = o;
  pthread_mutex_unlock(&h->omu);
  atomic_fetch_add(&h->noverflow, 1);
  return 1;
}

int jj__handoff_put(jj__handoff *h, const jj_event *ev, int64_t accepted_ms,
                    const uint64_t *targets, int life_safety) {
  uint64_t pos = atomic_load_explicit(&h->head, memory_order_relaxed);
  slot *s;
  for (;;) {
    s = &h->slots[pos & h->mask];
    uint64_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
    int64_t diff = (int64_t)(seq - pos);
    if (diff == 0) {
      if (atomic_compare_exchange_weak_explicit(&h->head, &pos, pos + 1, memory_order_relaxed,
                                                memory_order_relaxed))
        break;
    } else if (diff < 0) {
      return put_overflow(h, ev, accepted_ms, targets, life_safety, pos);
    } else {
      pos = atomic_load_explicit(&h->head, memory_order_relaxed);
    }
  }
  /* the slot is ours until we publish it */
  jj_event *copy = NULL;
  int rc = 0;
  if (jj_event_copy(ev, &s->alc, &copy) != JJ_OK) {
    copy = NULL; /* published empty: the consumer skips it (counted by the caller) */
    rc = -2;
  } else {
    count_lanes(h, targets, 1);
  }
  fill(&s->item, copy, accepted_ms, targets, life_safety);
  if (life_safety && copy) atomic_fetch_add(&h->ls_pending, 1);
  atomic_store_explicit(&s->seq, pos + 1, memory_order_release);
  return rc;
}

/* Unlink the overflow list's first item if it arrived before ring
 * position `before` (any position when `any`). */
static overflow *overflow_pop(jj__handoff *h, uint64_t before, int any) {
  pthread_mutex_lock(&h->omu);
  overflow *o = h->ohead;
  if (o && (any || o->pos <= before)) {
    h->ohead = o->next;
    if (!h->ohead) h->otail = NULL;
  } else {
    o = NULL;
  }
  pthread_mutex_unlock(&h->omu);
  if (o) {
    atomic_fetch_sub(&h->noverflow, 1);
    if (!o->item.life_safety) atomic_fetch_sub(&h->nspilled, 1);
  }
  return o;
}

static int take_overflow(jj__handoff *h, overflow *o, jj__handoff_item *out) {
  *out = o->item;
  free(o);
  if (out->life_safety) atomic_fetch_sub(&h->ls_pending, 1);
  return 1;
}

int jj__handoff_take(jj__handoff *h, jj__handoff_item *out) {
  uint64_t tail = atomic_load_explicit(&h->tail, memory_order_relaxed);
  for (;;) {
    /* an overflowed event that arrived before slot `tail` */
    if (atomic_load(&h->noverflow)) {
      overflow *o = overflow_pop(h, tail, 0);
      if (o) return take_overflow(h, o, out);
    }
    slot *s = &h->slots[tail & h->mask];
    uint64_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
    if (seq != tail + 1) {
      /* nothing published at tail; overflow items past it wait for it,
       * unless nothing was claimed there at all (all producers done) */
      if (atomic_load(&h->noverflow) && atomic_load(&h->head) == tail) {
        overflow *o = overflow_pop(h, tail, 1);
        if (o) return take_overflow(h, o, out);
      }
      return 0;
    }
    if (!s->item.ev) { /* a copy that failed: skip the slot */
      atomic_store_explicit(&s->seq, tail + h->mask + 1, memory_order_release);
      atomic_store_explicit(&h->tail, ++tail, memory_order_relaxed);
      continue;
    }
    *out = s->item;
    if (out->life_safety) atomic_fetch_sub(&h->ls_pending, 1);
    return 1;
  }
}

void jj__handoff_taken(jj__handoff *h, const uint64_t *targets) { count_lanes(h, targets, 0); }

void jj__handoff_done(jj__handoff *h, jj__handoff_item *it) {
  struct jj_ruleset *rs = jj__event_free_keep_ref(it->ev);
  if (rs != h->held_rs) {
    jj__handoff_release(h);
    h->held_rs = rs;
  }
  h->held_n += rs != NULL;
  it->ev = NULL;
  if (!it->overflowed) { /* the slot at tail: free it for the next lap */
    uint64_t tail = atomic_load_explicit(&h->tail, memory_order_relaxed);
    slot *s = &h->slots[tail & h->mask];
    s->item.ev = NULL;
    atomic_store_explicit(&s->seq, tail + h->mask + 1, memory_order_release);
    atomic_store_explicit(&h->tail, tail + 1, memory_order_relaxed);
  }
}

void jj__handoff_release(jj__handoff *h) {
  jj__ruleset_release(h->held_rs, h->held_n);
  h->held_rs = NULL;
  h->held_n = 0;
}

uint64_t jj__handoff_pending(jj__handoff *h) {
  uint64_t head = atomic_load(&h->head);
  uint64_t tail = atomic_load_explicit(&h->tail, memory_order_relaxed);
  return (head > tail ? head - tail : 0) + atomic_load(&h->noverflow);
}

uint64_t jj__handoff_pending_lane(jj__handoff *h, uint32_t lane) {
  if (lane >= JJ_HANDOFF_LANES) return 0;
  /* unsigned difference: right across the counters' wrap-around */
  return (uint32_t)(atomic_load(&h->lane_handed[lane]) - atomic_load(&h->lane_taken[lane]));
}

int jj__handoff_sleep(jj__handoff *h, int64_t now_ms, int64_t nap_ms) {
  atomic_store(&h->nap_until_ms, 0);
  atomic_store(&h->sleeping, 1);
  /* a producer that published before the store above did not see the
   * flag: look once more */
  uint64_t n = jj__handoff_pending(h);
  if (!n) return 0;
  if (atomic_load(&h->ls_pending) || n * 4 >= h->mask + 1) return 1;
  /* ordinary events only, a few: nap to gather more */
  atomic_store(&h->nap_until_ms, now_ms + nap_ms);
  return 2;
}

void jj__handoff_awake(jj__handoff *h) { atomic_store(&h->sleeping, 0); }

int jj__handoff_should_wake(jj__handoff *h, int life_safety, int64_t now_ms) {
  if (!atomic_load_explicit(&h->sleeping, memory_order_relaxed)) return 0;
  int urgent = life_safety || jj__handoff_pending(h) * 4 >= h->mask + 1;
  if (!urgent && now_ms < atomic_load(&h->nap_until_ms)) return 0; /* gathering a batch */
  int64_t since = now_ms - atomic_load(&h->last_wake_ms);
  if (!urgent && since >= 0 && since < 10) return 0; /* a clock set back: wake */
  if (!atomic_exchange(&h->sleeping, 0)) return 0; /* another producer wakes it */
  atomic_store(&h->last_wake_ms, now_ms);
  return 1;
}
