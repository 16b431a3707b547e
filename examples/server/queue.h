/* The bounded queue between the ingest threads (MQTT, HTTP) and the one
 * thread that owns the engine. Its capacity counts readings, not batches,
 * so memory stays bounded whatever the batch sizes. When it is full:
 *   - HTTP: the whole request is refused with 503 and Retry-After (none of
 *     its readings is taken, so the client can send it again as it is);
 *   - MQTT QoS 0: the message is dropped and counted (queue_full);
 *   - MQTT QoS 1 and 2: the MQTT thread waits for room, so the broker holds
 *     the rest (backpressure instead of loss).
 * Requests that carry no readings (GET /alerts) always fit. After
 * srv_queue_close nothing more is taken, and the engine thread drains what
 * is queued. */
#ifndef JJ_SERVER_QUEUE_H
#define JJ_SERVER_QUEUE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "reading.h"

typedef enum srv_qstatus {
  SRV_Q_OK = 0,
  SRV_Q_FULL,   /* no room now (and the caller would not wait) */
  SRV_Q_TOOBIG, /* more readings than the whole capacity */
  SRV_Q_CLOSED  /* shutting down */
} srv_qstatus;

typedef struct srv_queue {
  pthread_mutex_t mu;
  pthread_cond_t not_empty, not_full;
  srv_batch *head, *tail;
  size_t readings, cap; /* queued readings, capacity */
  int closed;
} srv_queue;

int srv_queue_init(srv_queue *q, size_t cap);
/* Frees the batches still queued. */
void srv_queue_fini(srv_queue *q);

/* Queue `b` (taking ownership on SRV_Q_OK only). With `wait`, blocks while
 * it does not fit. */
srv_qstatus srv_queue_push(srv_queue *q, srv_batch *b, int wait);

/* The oldest batch, waiting until `deadline_ms` (CLOCK_REALTIME
 * milliseconds) at most: NULL on timeout, or when the queue is closed and
 * empty (then *closed is set). */
srv_batch *srv_queue_pop(srv_queue *q, int64_t deadline_ms, int *closed);

/* Stop taking batches; wakes every waiter. */
void srv_queue_close(srv_queue *q);

/* Readings queued now. */
size_t srv_queue_depth(srv_queue *q);

/* CLOCK_REALTIME in milliseconds. */
int64_t srv_now_ms(void);

#endif
