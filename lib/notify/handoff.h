/* Internal: the hand-off between the threads that produce events and the
 * dispatcher's delivery thread (README "Notifiers", "Delivery guarantees").
 *
 * A bounded ring of preallocated slots, one event copy per slot
 * (jj_event_copy into the slot's memory: no malloc unless an event is
 * larger than a slot). Producers claim a slot with one compare-and-swap and
 * publish it with a release store (Vyukov's bounded queue); one consumer —
 * whoever runs the delivery round — takes slots in order. Nothing here
 * locks, renders or writes a file: a producer never waits for the consumer.
 *
 * When the ring is full an event goes to an overflow list instead
 * (malloc'd copies under a small mutex, paid by the producer only then),
 * remembered with the ring position it arrived at, so the consumer takes
 * it after the events before it and before the ones after it. Ordinary
 * events spill there while fewer than JJ_HANDOFF_SPILL times the ring's
 * capacity of them wait (beyond, one is refused: the caller counts it as
 * dropped); a life-safety event always does. The indices the two sides write sit on
 * cache lines of their own, as does each slot, so a producer and the
 * consumer never bounce a line that only one of them needs. */
#ifndef JJ_LIB_NOTIFY_HANDOFF_H
#define JJ_LIB_NOTIFY_HANDOFF_H

#include <stdint.h>

#include "jjair/event.h"

#define JJ_HANDOFF_TARGET_WORDS 4 /* routing bits ... */
#define JJ_HANDOFF_LANES 256u     /* ... for at most this many notifier lanes */
/* Ordinary events that may wait on the overflow list: this many times the
 * ring's capacity (life-safety ones: no bound). */
#define JJ_HANDOFF_SPILL 16u

typedef struct jj__handoff jj__handoff;

/* What a producer hands over and the consumer gets back. */
typedef struct jj__handoff_item {
  jj_event *ev;          /* an owned copy (jj_event_copy): release with jj__handoff_done */
  int64_t accepted_ms;   /* the dispatcher's clock at enqueue */
  uint64_t targets[JJ_HANDOFF_TARGET_WORDS]; /* lanes the event is routed to */
  int life_safety;
  int overflowed;        /* came from the overflow list (else the ring's next slot) */
} jj__handoff_item;

/* A ring of `capacity` slots (rounded up to a power of two) of `slot_bytes`
 * each. NULL out of memory. */
jj__handoff *jj__handoff_new(uint32_t capacity, uint32_t slot_bytes);
/* Free the ring; the caller has taken (and released) every item first. */
void jj__handoff_free(jj__handoff *h);

/* Copy *ev into the ring. 0: handed over. 1: the ring was full and the
 * event went to the overflow list. -1: the ring and the ordinary events'
 * share of the overflow list were full (an ordinary event: refused). -2: out of memory (an event larger
 * than a slot, or the overflow copy). Any thread. */
int jj__handoff_put(jj__handoff *h, const jj_event *ev, int64_t accepted_ms,
                    const uint64_t *targets, int life_safety);

/* The next item in acceptance order: 1 and *out, or 0 when none is ready.
 * One consumer at a time. */
int jj__handoff_take(jj__handoff *h, jj__handoff_item *out);
/* The deliveries of a taken item with these targets are queued: it no
 * longer counts as pending on those lanes (call it where the queues are
 * counted, so no count sees the item twice). */
void jj__handoff_taken(jj__handoff *h, const uint64_t *targets);
/* Release a taken item (its event copy and slot), before the next take.
 * The copy's ruleset reference is kept until jj__handoff_release. */
void jj__handoff_done(jj__handoff *h, jj__handoff_item *it);
/* Drop the ruleset references of the copies released so far (the
 * consumer, after a batch of takes; jj__handoff_free does it too). */
void jj__handoff_release(jj__handoff *h);

/* Items handed over and not yet taken (approximate while producers run). */
uint64_t jj__handoff_pending(jj__handoff *h);
/* Items of `lane` handed over and not yet taken. */
uint64_t jj__handoff_pending_lane(jj__handoff *h, uint32_t lane);

/* The consumer is about to wait: producers should wake it. Returns 0 when
 * nothing is pending (wait as planned); 1 when a life-safety item or a
 * quarter of the ring is pending (do not wait); 2 when a few ordinary
 * items are: nap for at most nap_ms to gather them into one batch (one
 * outbox write, one wakeup), during which ordinary puts do not wake the
 * consumer (`now_ms` on the clock producers pass to should_wake). */
int jj__handoff_sleep(jj__handoff *h, int64_t now_ms, int64_t nap_ms);
/* The consumer is awake again. */
void jj__handoff_awake(jj__handoff *h);
/* Called by a producer after a put: 1 when the consumer sleeps and should
 * be woken now (a life-safety event, a quarter-full ring, or — unless it
 * naps — the first event after 10 ms without a wakeup: so a burst costs one
 * wakeup, not one per event). */
int jj__handoff_should_wake(jj__handoff *h, int life_safety, int64_t now_ms);

#endif
