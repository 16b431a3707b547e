/* The bounded ingest queue (see queue.h): a mutex, two condition
 * variables and a linked list of batches. */
#include "queue.h"

#include <time.h>

int64_t srv_now_ms(void) {
  struct timespec ts;
  (void)clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int srv_queue_init(srv_queue *q, size_t cap) {
  q->head = q->tail = NULL;
  q->readings = 0;
  q->cap = cap ? cap : 1;
  q->closed = 0;
  if (pthread_mutex_init(&q->mu, NULL) != 0) return -1;
  if (pthread_cond_init(&q->not_empty, NULL) != 0) {
    (void)pthread_mutex_destroy(&q->mu);
    return -1;
  }
  if (pthread_cond_init(&q->not_full, NULL) != 0) {
    (void)pthread_cond_destroy(&q->not_empty);
    (void)pthread_mutex_destroy(&q->mu);
    return -1;
  }
  return 0;
}

void srv_queue_fini(srv_queue *q) {
  for (srv_batch *b = q->head, *next; b; b = next) {
    next = b->next;
    srv_batch_free(b);
  }
  q->head = q->tail = NULL;
  (void)pthread_cond_destroy(&q->not_full);
  (void)pthread_cond_destroy(&q->not_empty);
  (void)pthread_mutex_destroy(&q->mu);
}

srv_qstatus srv_queue_push(srv_queue *q, srv_batch *b, int wait) {
  size_t n = b->kind == SRV_ITEM_READINGS ? b->n : 0;
  if (n > q->cap) return SRV_Q_TOOBIG;
  (void)pthread_mutex_lock(&q->mu);
  while (!q->closed && q->readings + n > q->cap) {
    if (!wait) {
      (void)pthread_mutex_unlock(&q->mu);
      return SRV_Q_FULL;
    }
    (void)pthread_cond_wait(&q->not_full, &q->mu);
  }
  if (q->closed) {
    (void)pthread_mutex_unlock(&q->mu);
    return SRV_Q_CLOSED;
  }
  b->next = NULL;
  if (q->tail)
    q->tail->next = b;
  else
    q->head = b;
  q->tail = b;
  q->readings += n;
  (void)pthread_cond_signal(&q->not_empty);
  (void)pthread_mutex_unlock(&q->mu);
  return SRV_Q_OK;
}

srv_batch *srv_queue_pop(srv_queue *q, int64_t deadline_ms, int *closed) {
  struct timespec until = {(time_t)(deadline_ms / 1000), (long)(deadline_ms % 1000) * 1000000L};
  *closed = 0;
  (void)pthread_mutex_lock(&q->mu);
  while (!q->head && !q->closed)
    if (pthread_cond_timedwait(&q->not_empty, &q->mu, &until) != 0) break; /* timeout */
  srv_batch *b = q->head;
  if (b) {
    q->head = b->next;
    if (!q->head) q->tail = NULL;
    q->readings -= b->kind == SRV_ITEM_READINGS ? b->n : 0;
    (void)pthread_cond_broadcast(&q->not_full);
  } else if (q->closed) {
    *closed = 1;
  }
  (void)pthread_mutex_unlock(&q->mu);
  return b;
}

void srv_queue_close(srv_queue *q) {
  (void)pthread_mutex_lock(&q->mu);
  q->closed = 1;
  (void)pthread_cond_broadcast(&q->not_empty);
  (void)pthread_cond_broadcast(&q->not_full);
  (void)pthread_mutex_unlock(&q->mu);
}

size_t srv_queue_depth(srv_queue *q) {
  (void)pthread_mutex_lock(&q->mu);
  size_t n = q->readings;
  (void)pthread_mutex_unlock(&q->mu);
  return n;
}
