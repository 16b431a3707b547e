/* The server's counters and their Prometheus exposition (see metrics.h).
 * Every family has HELP and TYPE lines; label values are fixed names, so
 * they need no escaping. */
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jjair/event.h"
#include "jjair/status.h"
#include "queue.h"

static const char *const source_names[SRV_SRC_COUNT] = {"mqtt", "http_ndjson", "http_line"};

void srv_metrics_init(srv_metrics *m, int64_t start_ms) {
  memset(m, 0, sizeof *m);
  m->start_ms = start_ms;
  m->engine_now_ms = INT64_MIN;
  (void)pthread_mutex_init(&m->mu, NULL);
}

void srv_metrics_fini(srv_metrics *m) { (void)pthread_mutex_destroy(&m->mu); }

void srv_metrics_reject(srv_metrics *m, srv_source src, srv_reject r) {
  if ((unsigned)src < SRV_SRC_COUNT && (unsigned)r < SRV_REJ_COUNT)
    atomic_fetch_add_explicit(&m->rejected[src][r], 1, memory_order_relaxed);
}

void srv_metrics_publish_engine(srv_metrics *m, const jj_engine_stats *st, int64_t now_ms) {
  (void)pthread_mutex_lock(&m->mu);
  m->stats = *st;
  m->engine_now_ms = now_ms;
  (void)pthread_mutex_unlock(&m->mu);
}

static uint64_t get(atomic_uint_fast64_t *a) {
  return (uint64_t)atomic_load_explicit(a, memory_order_relaxed);
}

static void family(FILE *f, const char *name, const char *type, const char *help) {
  (void)fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

char *srv_metrics_render(srv_metrics *m, struct srv_queue *q, size_t *len) {
  char *buf = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&buf, &size);
  if (!f) return NULL;

  family(f, "jjair_server_readings_total", "counter", "Readings parsed and queued, by source.");
  for (int s = 0; s < SRV_SRC_COUNT; s++)
    (void)fprintf(f, "jjair_server_readings_total{source=\"%s\"} %llu\n", source_names[s],
                  (unsigned long long)get(&m->readings[s]));
  family(f, "jjair_server_rejected_total", "counter",
         "Readings, lines or messages not taken, by source and reason.");
  for (int s = 0; s < SRV_SRC_COUNT; s++)
    for (int r = 0; r < SRV_REJ_COUNT; r++)
      (void)fprintf(f, "jjair_server_rejected_total{source=\"%s\",reason=\"%s\"} %llu\n",
                    source_names[s], srv_reject_name((srv_reject)r),
                    (unsigned long long)get(&m->rejected[s][r]));
  family(f, "jjair_server_http_busy_total", "counter",
         "HTTP ingest requests refused with 503 because the queue was full.");
  (void)fprintf(f, "jjair_server_http_busy_total %llu\n", (unsigned long long)get(&m->http_busy));
  family(f, "jjair_server_queue_depth", "gauge", "Readings waiting for the engine thread.");
  (void)fprintf(f, "jjair_server_queue_depth %zu\n", q ? srv_queue_depth(q) : 0);
  family(f, "jjair_server_queue_capacity", "gauge", "Capacity of the ingest queue, in readings.");
  (void)fprintf(f, "jjair_server_queue_capacity %zu\n", q ? q->cap : 0);
  family(f, "jjair_server_processed_total", "counter", "Readings handed to the engine.");
  (void)fprintf(f, "jjair_server_processed_total %llu\n", (unsigned long long)get(&m->processed));
  family(f, "jjair_server_push_total", "counter",
         "The engine's answers to readings, by status (JJ_OK: every rule took it).");
  for (int s = 0; s <= SRV_STATUSES; s++) {
    uint64_t v = get(&m->push_status[s]);
    if (v || s == 0)
      (void)fprintf(f, "jjair_server_push_total{status=\"%s\"} %llu\n",
                    s < SRV_STATUSES ? jj_status_name(s) : "other", (unsigned long long)v);
  }
  family(f, "jjair_server_events_total", "counter", "Alert events delivered, by kind.");
  for (int k = 1; k < SRV_EVENT_KINDS; k++)
    (void)fprintf(f, "jjair_server_events_total{kind=\"%s\"} %llu\n", jj_event_kind_name(k),
                  (unsigned long long)get(&m->events[k]));
  family(f, "jjair_server_delivery_errors_total", "counter",
         "Events that could not be written to the delivery file or handed to the notifiers.");
  (void)fprintf(f, "jjair_server_delivery_errors_total %llu\n",
                (unsigned long long)get(&m->delivery_errors));
  family(f, "jjair_server_mqtt_connected", "gauge", "1 while connected to the MQTT broker.");
  (void)fprintf(f, "jjair_server_mqtt_connected %d\n",
                atomic_load_explicit(&m->mqtt_connected, memory_order_relaxed));
  family(f, "jjair_server_mqtt_messages_total", "counter", "MQTT messages received.");
  (void)fprintf(f, "jjair_server_mqtt_messages_total %llu\n",
                (unsigned long long)get(&m->mqtt_messages));
  family(f, "jjair_server_reloads_total", "counter",
         "SIGHUP reload requests; those whose rule files did not load (invalid), were swapped "
         "in (ok) or refused by the engine (failed).");
  (void)fprintf(f, "jjair_server_reloads_total{result=\"requested\"} %llu\n",
                (unsigned long long)get(&m->reloads));
  (void)fprintf(f, "jjair_server_reloads_total{result=\"invalid\"} %llu\n",
                (unsigned long long)get(&m->reload_invalid));
  (void)fprintf(f, "jjair_server_reloads_total{result=\"ok\"} %llu\n",
                (unsigned long long)get(&m->reload_ok));
  (void)fprintf(f, "jjair_server_reloads_total{result=\"failed\"} %llu\n",
                (unsigned long long)get(&m->reload_failed));
  family(f, "jjair_server_snapshots_total", "counter", "Checkpoints of the engine, by result.");
  (void)fprintf(f, "jjair_server_snapshots_total{result=\"ok\"} %llu\n",
                (unsigned long long)get(&m->snapshots_ok));
  (void)fprintf(f, "jjair_server_snapshots_total{result=\"error\"} %llu\n",
                (unsigned long long)get(&m->snapshots_failed));
  family(f, "jjair_server_snapshot_bytes", "gauge", "Size of the last snapshot.");
  (void)fprintf(f, "jjair_server_snapshot_bytes %llu\n",
                (unsigned long long)get(&m->snapshot_bytes));
  int64_t snap_ms = atomic_load_explicit(&m->snapshot_ms, memory_order_relaxed);
  if (snap_ms) {
    family(f, "jjair_server_snapshot_age_seconds", "gauge", "Time since the last snapshot.");
    (void)fprintf(f, "jjair_server_snapshot_age_seconds %.3f\n",
                  (double)(srv_now_ms() - snap_ms) / 1000);
  }
  family(f, "jjair_server_journal_replayed_total", "counter",
         "Journal readings pushed again at start (after a crash).");
  (void)fprintf(f, "jjair_server_journal_replayed_total %llu\n",
                (unsigned long long)get(&m->replayed));
  family(f, "jjair_server_journal_errors_total", "counter",
         "Batches that could not be written to the journal.");
  (void)fprintf(f, "jjair_server_journal_errors_total %llu\n",
                (unsigned long long)get(&m->journal_errors));
  family(f, "jjair_server_start_time_seconds", "gauge", "When the server started (Unix time).");
  (void)fprintf(f, "jjair_server_start_time_seconds %.3f\n", (double)m->start_ms / 1000);

  jj_engine_stats st;
  int64_t now;
  (void)pthread_mutex_lock(&m->mu);
  st = m->stats;
  now = m->engine_now_ms;
  (void)pthread_mutex_unlock(&m->mu);
  family(f, "jjair_engine_series", "gauge", "Series alive in the engine.");
  (void)fprintf(f, "jjair_engine_series %llu\n", (unsigned long long)st.series);
  family(f, "jjair_engine_groups", "gauge", "Groups alive in the engine.");
  (void)fprintf(f, "jjair_engine_groups %llu\n", (unsigned long long)st.groups);
  family(f, "jjair_engine_accepted_total", "counter", "Readings the engine took in.");
  (void)fprintf(f, "jjair_engine_accepted_total %llu\n", (unsigned long long)st.accepted);
  family(f, "jjair_engine_rejected_total", "counter", "Readings the engine refused, by reason.");
  const struct {
    const char *name;
    uint64_t v;
  } rej[] = {{"invalid", st.rejected_invalid}, {"late", st.rejected_late},
             {"future", st.rejected_future},   {"limit", st.rejected_limit},
             {"window", st.rejected_window},   {"quality", st.rejected_quality}};
  for (size_t i = 0; i < sizeof rej / sizeof rej[0]; i++)
    (void)fprintf(f, "jjair_engine_rejected_total{reason=\"%s\"} %llu\n", rej[i].name,
                  (unsigned long long)rej[i].v);
  family(f, "jjair_engine_events_total", "counter", "Events the engine produced.");
  (void)fprintf(f, "jjair_engine_events_total %llu\n", (unsigned long long)st.events);
  family(f, "jjair_engine_memory_bytes", "gauge", "Bytes owned by the engine.");
  (void)fprintf(f, "jjair_engine_memory_bytes %llu\n", (unsigned long long)st.memory);
  family(f, "jjair_engine_series_forgotten_total", "counter", "Series forgotten (idle expiry).");
  (void)fprintf(f, "jjair_engine_series_forgotten_total %llu\n",
                (unsigned long long)st.series_forgotten);
  if (now != INT64_MIN) {
    family(f, "jjair_engine_time_seconds", "gauge", "Engine time (Unix time).");
    /* a double holds milliseconds exactly far beyond any real clock */
    (void)fprintf(f, "jjair_engine_time_seconds %.3f\n", (double)now / 1000);
  }
  if (m->render_more) m->render_more(m->render_more_ctx, f);
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  *len = size;
  return buf;
}
