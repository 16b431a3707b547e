/* The server's counters, and GET /metrics in the Prometheus text
 * exposition format (version 0.0.4). Ingest threads and the engine thread
 * bump relaxed atomics; the engine thread also publishes a copy of the
 * engine's statistics here after each batch, since only it may read the
 * engine. */
#ifndef JJ_SERVER_METRICS_H
#define JJ_SERVER_METRICS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jjair/engine.h"
#include "reading.h"
#include "reject.h"


#define SRV_EVENT_KINDS 13 /* jj_event_kind values 1..12 */
#define SRV_STATUSES 16    /* jj_status values 0..15 */

struct srv_queue;

typedef struct srv_metrics {
  atomic_uint_fast64_t readings[SRV_SRC_COUNT];                /* parsed and queued */
  atomic_uint_fast64_t rejected[SRV_SRC_COUNT][SRV_REJ_COUNT]; /* not taken, by reason */
  atomic_uint_fast64_t http_busy;   /* requests answered 503: the queue was full */
  atomic_uint_fast64_t processed;   /* readings handed to the engine */
  atomic_uint_fast64_t push_status[SRV_STATUSES + 1]; /* the engine's answers; last: other */
  atomic_uint_fast64_t events[SRV_EVENT_KINDS];       /* delivered, by kind */
  atomic_uint_fast64_t delivery_errors;
  atomic_uint_fast64_t mqtt_messages;
  atomic_int mqtt_connected;
  atomic_uint_fast64_t reloads;        /* SIGHUP received */
  atomic_uint_fast64_t reload_invalid; /* ... whose rule files did not load */
  atomic_uint_fast64_t reload_ok;      /* ... swapped in */
  atomic_uint_fast64_t reload_failed;  /* ... refused by the engine */
  atomic_uint_fast64_t snapshots_ok, snapshots_failed;
  atomic_int_fast64_t snapshot_ms;     /* wall clock of the last good one; 0 none */
  atomic_uint_fast64_t snapshot_bytes;
  atomic_uint_fast64_t replayed;       /* journal readings pushed again at start */
  atomic_uint_fast64_t journal_errors;
  int64_t start_ms;
  pthread_mutex_t mu; /* guards the engine's figures below */
  jj_engine_stats stats;
  int64_t engine_now_ms;
  /* More families appended to the exposition (the notifiers'); set before
   * the HTTP thread starts, never changed after. */
  void (*render_more)(void *ctx, FILE *f);
  void *render_more_ctx;
} srv_metrics;

void srv_metrics_init(srv_metrics *m, int64_t start_ms);
void srv_metrics_fini(srv_metrics *m);

void srv_metrics_reject(srv_metrics *m, srv_source src, srv_reject r);

/* The engine thread's copy of the engine's statistics. */
void srv_metrics_publish_engine(srv_metrics *m, const jj_engine_stats *st, int64_t now_ms);

/* The exposition text (malloc'd, NUL-terminated, *len bytes); NULL when
 * out of memory. `q` gives the queue depth; may be NULL. */
char *srv_metrics_render(srv_metrics *m, struct srv_queue *q, size_t *len);

#endif
