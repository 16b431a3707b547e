/* Tests for the server's ingest queue (examples/server/queue.h): capacity
 * counted in readings, a full queue refusing without waiting (HTTP's 503,
 * MQTT QoS 0's drop) or waiting for room (QoS 1, with a consumer thread),
 * a batch above the capacity refused at once (413), queries always
 * fitting, the order kept, pop timing out, and close letting the consumer
 * drain what is queued. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <pthread.h>

#include "queue.h"

static srv_batch *batch(size_t n, double tag) {
  srv_batch *b = srv_batch_new(SRV_SRC_NDJSON);
  assert_non_null(b);
  for (size_t i = 0; i < n; i++) {
    srv_reading *r = srv_batch_add(b, 0);
    assert_non_null(r);
    r->metric = "m";
    r->value = tag;
  }
  return b;
}

static void test_capacity(void **state) {
  (void)state;
  srv_queue q;
  assert_int_equal(srv_queue_init(&q, 10), 0);
  srv_batch *a = batch(6, 1), *b = batch(4, 2), *c = batch(1, 3), *big = batch(11, 4);
  assert_int_equal(srv_queue_push(&q, a, 0), SRV_Q_OK);
  assert_int_equal(srv_queue_push(&q, b, 0), SRV_Q_OK);
  assert_int_equal(srv_queue_depth(&q), 10);
  assert_int_equal(srv_queue_push(&q, c, 0), SRV_Q_FULL); /* not taken: still ours */
  assert_int_equal(srv_queue_push(&q, big, 1), SRV_Q_TOOBIG); /* never waits */
  srv_batch *query = srv_batch_new(SRV_SRC_NDJSON);
  query->kind = SRV_ITEM_ALERTS;
  assert_int_equal(srv_queue_push(&q, query, 0), SRV_Q_OK); /* queries always fit */
  int closed = 1;
  srv_batch *got = srv_queue_pop(&q, srv_now_ms(), &closed);
  assert_ptr_equal(got, a);
  assert_int_equal(closed, 0);
  srv_batch_free(got);
  assert_int_equal(srv_queue_depth(&q), 4);
  assert_int_equal(srv_queue_push(&q, c, 0), SRV_Q_OK);
  assert_ptr_equal(srv_queue_pop(&q, srv_now_ms(), &closed), b);
  srv_batch_free(b);
  assert_ptr_equal(srv_queue_pop(&q, srv_now_ms(), &closed), query);
  srv_batch_free(query);
  assert_ptr_equal(srv_queue_pop(&q, srv_now_ms(), &closed), c);
  srv_batch_free(c);
  /* empty: times out */
  assert_null(srv_queue_pop(&q, srv_now_ms() + 20, &closed));
  assert_int_equal(closed, 0);
  srv_batch_free(big);
  srv_queue_fini(&q);
}

typedef struct consumer {
  srv_queue *q;
  double sum;
  size_t batches;
} consumer;

static void *consume(void *arg) {
  consumer *c = arg;
  for (;;) {
    int closed = 0;
    srv_batch *b = srv_queue_pop(c->q, srv_now_ms() + 1000, &closed);
    if (b) {
      for (size_t i = 0; i < b->n; i++) c->sum += b->r[i].value;
      c->batches++;
      srv_batch_free(b);
    }
    if (closed) return NULL;
  }
}

static void test_wait_and_drain(void **state) {
  (void)state;
  srv_queue q;
  assert_int_equal(srv_queue_init(&q, 4), 0);
  consumer c = {&q, 0, 0};
  pthread_t t;
  /* 200 batches of 3 through a queue of 4: each push waits for room */
  double want = 0;
  assert_int_equal(pthread_create(&t, NULL, consume, &c), 0);
  for (int i = 0; i < 200; i++) {
    assert_int_equal(srv_queue_push(&q, batch(3, i), 1), SRV_Q_OK);
    want += 3.0 * i;
  }
  srv_queue_close(&q);
  assert_int_equal(pthread_join(t, NULL), 0);
  assert_int_equal(c.batches, 200); /* every batch queued before close was drained */
  assert_true(c.sum == want);
  srv_batch *late = batch(1, 0);
  assert_int_equal(srv_queue_push(&q, late, 1), SRV_Q_CLOSED);
  srv_batch_free(late);
  int closed = 0;
  assert_null(srv_queue_pop(&q, srv_now_ms() + 1000, &closed));
  assert_int_equal(closed, 1);
  srv_queue_fini(&q);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_capacity),
      cmocka_unit_test(test_wait_and_drain),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
