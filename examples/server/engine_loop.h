/* The engine thread: the only thread that touches the jj_engine. It takes
 * batches from the queue, journals their readings (server_state.h) and
 * pushes them, swaps in reloaded rules (SIGHUP), checkpoints on the
 * configured interval, advances engine time
 * with the wall clock every tick (wall-clock mode; in data-time mode engine
 * time is the readings' own timestamps and nothing advances it), hands
 * events to delivery, answers GET /alerts, and publishes the engine's
 * statistics for /metrics. After srv_queue_close it drains the queue and
 * stops. */
#ifndef JJ_SERVER_ENGINE_LOOP_H
#define JJ_SERVER_ENGINE_LOOP_H

#include <pthread.h>
#include <stddef.h>

#include "config.h"
#include "jjair/engine.h"
#include "metrics.h"
#include "queue.h"
#include "server_deliver.h"
#include "server_state.h"

/* A question for the engine thread (GET /alerts), answered in place. */
typedef struct srv_query {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int done;
  char *json; /* malloc'd JSON array of the active alerts; NULL when out of memory */
  size_t len;
} srv_query;

typedef struct srv_engine_loop {
  const srv_config *cfg;
  jj_engine *engine;
  srv_queue *q;
  srv_metrics *m;
  srv_deliver *d;
  srv_state *state;     /* snapshots and journal; its dir NULL: none */
  uint64_t quiet_upto;  /* events up to this seq are not delivered (journal replay) */
  int64_t next_checkpoint_ms;
  pthread_t thread;
} srv_engine_loop;

/* Start the thread over an engine created by the caller (with
 * srv_engine_loop_on_event as its callback and the loop as its context). */
int srv_engine_loop_start(srv_engine_loop *l);

/* Wait for the thread to end (call srv_queue_close first). */
void srv_engine_loop_join(srv_engine_loop *l);

/* The engine callback: delivers the event and marks it in the journal
 * (engine thread; during the restore, the main thread). */
void srv_engine_loop_on_event(void *ctx, const jj_event *ev);

/* Journal and push a batch's readings (the engine thread's path; the
 * restore's replay calls it with no journal open). */
void srv_engine_loop_push(void *loop, srv_batch *b);

/* A checkpoint now, logged and counted (engine thread, or the main thread
 * once the engine thread has ended). */
void srv_engine_loop_checkpoint(srv_engine_loop *l, const char *why);

/* Ask the engine thread for the active alerts and wait for the answer.
 * 0 and a malloc'd JSON array in *json; -1 when the server is shutting
 * down or out of memory. */
int srv_query_alerts(srv_queue *q, char **json, size_t *len);

#endif
