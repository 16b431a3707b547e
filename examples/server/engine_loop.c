/* The engine thread (see engine_loop.h). */
#include "engine_loop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void srv_engine_loop_on_event(void *ctx, const jj_event *ev) {
  srv_engine_loop *l = ctx;
  if (ev->seq <= l->quiet_upto) return; /* delivered before the crash */
  srv_deliver_event(l->d, ev);
  /* after the hand-over: a crash between the two repeats this event after
   * the restart rather than losing it */
  srv_journal *j = l->state ? srv_state_journal(l->state) : NULL;
  if (j && srv_journal_mark(j, ev->seq) != 0)
    srv_log("journal: cannot write a mark: the next restart may deliver an event again");
}

/* Rate-limited complaint about the engine refusing readings: one line per
 * status per interval (this thread only, so no lock). */
static void complain(const srv_engine_loop *l, jj_status st, const srv_reading *r) {
  static int64_t last[SRV_STATUSES];
  static uint64_t quiet[SRV_STATUSES];
  if ((unsigned)st >= SRV_STATUSES) return;
  int64_t now = srv_now_ms();
  if (last[st] && now - last[st] < l->cfg->reject_log_interval_ms) {
    quiet[st]++;
    return;
  }
  last[st] = now;
  srv_log("engine refused a reading of %s at %lld: %s (%s; %llu more since the last line)",
          r->metric, (long long)r->ts_ms, jj_strerror(st), jj_status_name(st),
          (unsigned long long)quiet[st]);
  quiet[st] = 0;
}

static void push_readings(srv_engine_loop *l, const srv_batch *b);

void srv_engine_loop_push(void *loop, srv_batch *b) {
  srv_engine_loop *l = loop;
  srv_journal *j = l->state ? srv_state_journal(l->state) : NULL;
  if (j && srv_journal_append(j, b) != 0) {
    atomic_fetch_add_explicit(&l->m->journal_errors, 1, memory_order_relaxed);
    srv_log_reject(SRV_REJ_NOMEM, "journal: cannot append a batch: a crash now would lose it");
  }
  push_readings(l, b);
}

void srv_engine_loop_checkpoint(srv_engine_loop *l, const char *why) {
  if (!l->state || !l->state->dir) return;
  char msg[600];
  srv_state_status st = srv_state_checkpoint(l->state, l->engine, msg, sizeof msg);
  if (st == SRV_STATE_OK) {
    atomic_fetch_add_explicit(&l->m->snapshots_ok, 1, memory_order_relaxed);
    atomic_store_explicit(&l->m->snapshot_ms, l->state->last_ok_ms, memory_order_relaxed);
    atomic_store_explicit(&l->m->snapshot_bytes, l->state->last_bytes, memory_order_relaxed);
  } else {
    atomic_fetch_add_explicit(&l->m->snapshots_failed, 1, memory_order_relaxed);
    srv_log("state: %s (%s)", msg, why);
  }
  l->next_checkpoint_ms = srv_now_ms() + l->cfg->checkpoint_ms;
}

/* SIGHUP with rule files that loaded: swap them in, keeping the state of
 * unchanged rules (jj_engine_reload); on failure the old rules run on. */
static void reload(srv_engine_loop *l, jj_ruleset *rs) {
  jj_restore_report r;
  jj_error err;
  memset(&err, 0, sizeof err);
  jj_status st = jj_engine_reload(l->engine, rs, &r, &err);
  jj_ruleset_free(rs); /* the engine holds its own reference */
  if (st != JJ_OK) {
    atomic_fetch_add_explicit(&l->m->reload_failed, 1, memory_order_relaxed);
    srv_log("SIGHUP: reload failed: %s (%s); the running rules stay", err.message,
            jj_status_name(st));
    return;
  }
  atomic_fetch_add_explicit(&l->m->reload_ok, 1, memory_order_relaxed);
  srv_log("SIGHUP: rules reloaded: %u kept, %u changed, %u removed, %u added; %u alerts ended",
          r.rules_kept, r.rules_changed, r.rules_removed, r.rules_added, r.alerts_ended);
  /* one ruleset per journal: the readings before the reload are in the
   * snapshot */
  srv_engine_loop_checkpoint(l, "after the reload");
}

static void push_readings(srv_engine_loop *l, const srv_batch *b) {
  for (size_t i = 0; i < b->n; i++) {
    const srv_reading *r = &b->r[i];
    jj_series_id id;
    jj_status st = jj_engine_series(l->engine, r->metric, r->labels, r->nlabels, &id);
    if (st == JJ_OK)
      st = r->has_location
               ? jj_engine_push_located(l->engine, id, r->ts_ms, r->value, r->lat, r->lon)
               : jj_engine_push(l->engine, id, r->ts_ms, r->value);
    unsigned slot = (unsigned)st < SRV_STATUSES ? (unsigned)st : SRV_STATUSES;
    atomic_fetch_add_explicit(&l->m->push_status[slot], 1, memory_order_relaxed);
    /* a quality gate or one rule's window is not the reading's fault */
    if (st != JJ_OK && st != JJ_ERANGE && st != JJ_ESTUCK) complain(l, st, r);
  }
  atomic_fetch_add_explicit(&l->m->processed, b->n, memory_order_relaxed);
}

typedef struct alerts_out {
  FILE *f;
  char *buf;
  size_t cap;
  int n;
} alerts_out;

static int visit_alert(void *ctx, const jj_event *alert) {
  alerts_out *o = ctx;
  size_t n = jj_event_json(alert, o->buf, o->cap);
  if (n >= o->cap) {
    char *b = realloc(o->buf, n + 1);
    if (!b) return 1;
    o->buf = b;
    o->cap = n + 1;
    (void)jj_event_json(alert, o->buf, o->cap);
  }
  (void)fprintf(o->f, "%s\n  %s", o->n++ ? "," : "", o->buf);
  return 0;
}

static void answer_alerts(srv_engine_loop *l, srv_query *qr) {
  char *json = NULL;
  size_t len = 0;
  alerts_out o = {open_memstream(&json, &len), malloc(4096), 4096, 0};
  int ok = o.f && o.buf;
  if (ok) {
    (void)fputs("[", o.f);
    ok = jj_engine_foreach_alert(l->engine, visit_alert, &o) == JJ_OK;
    (void)fputs(o.n ? "\n]\n" : "]\n", o.f);
  }
  if (o.f && fclose(o.f) != 0) ok = 0;
  free(o.buf);
  if (!ok) {
    free(json);
    json = NULL;
  }
  (void)pthread_mutex_lock(&qr->mu);
  qr->json = json;
  qr->len = json ? len : 0;
  qr->done = 1;
  (void)pthread_cond_signal(&qr->cv);
  (void)pthread_mutex_unlock(&qr->mu);
}

static void publish(srv_engine_loop *l) {
  jj_engine_stats st;
  jj_engine_stats_get(l->engine, &st);
  srv_metrics_publish_engine(l->m, &st, jj_engine_now(l->engine));
}

static void *run(void *arg) {
  srv_engine_loop *l = arg;
  int wall = l->cfg->time_mode == SRV_TIME_WALL;
  int64_t tick = l->cfg->tick_ms;
  int64_t next_tick = srv_now_ms();
  for (;;) {
    int64_t deadline = wall ? next_tick : srv_now_ms() + 1000;
    int closed = 0;
    srv_batch *b = srv_queue_pop(l->q, deadline, &closed);
    if (b) {
      if (b->kind == SRV_ITEM_ALERTS)
        answer_alerts(l, b->query);
      else if (b->kind == SRV_ITEM_RELOAD)
        reload(l, b->rules);
      else
        srv_engine_loop_push(l, b);
      srv_batch_free(b);
    }
    if (wall) {
      int64_t now = srv_now_ms();
      if (now >= next_tick) {
        jj_status st = jj_engine_advance(l->engine, now);
        if (st != JJ_OK) srv_log("advance to %lld: %s", (long long)now, jj_strerror(st));
        next_tick = now + tick;
      }
    }
    srv_deliver_flush(l->d);
    if (l->next_checkpoint_ms && srv_now_ms() >= l->next_checkpoint_ms)
      srv_engine_loop_checkpoint(l, "on the interval");
    publish(l);
    if (closed) break;
  }
  return NULL;
}

int srv_engine_loop_start(srv_engine_loop *l) {
  return pthread_create(&l->thread, NULL, run, l) == 0 ? 0 : -1;
}

void srv_engine_loop_join(srv_engine_loop *l) { (void)pthread_join(l->thread, NULL); }

int srv_query_alerts(srv_queue *q, char **json, size_t *len) {
  srv_query qr = {.done = 0, .json = NULL, .len = 0};
  if (pthread_mutex_init(&qr.mu, NULL) != 0) return -1;
  if (pthread_cond_init(&qr.cv, NULL) != 0) {
    (void)pthread_mutex_destroy(&qr.mu);
    return -1;
  }
  srv_batch *b = srv_batch_new(SRV_SRC_NDJSON);
  int rc = -1;
  if (b) {
    b->kind = SRV_ITEM_ALERTS;
    b->query = &qr;
    if (srv_queue_push(q, b, 0) == SRV_Q_OK) {
      (void)pthread_mutex_lock(&qr.mu);
      while (!qr.done) (void)pthread_cond_wait(&qr.cv, &qr.mu);
      (void)pthread_mutex_unlock(&qr.mu);
      rc = qr.json ? 0 : -1;
    } else {
      srv_batch_free(b);
    }
  }
  *json = qr.json;
  *len = qr.len;
  (void)pthread_cond_destroy(&qr.cv);
  (void)pthread_mutex_destroy(&qr.mu);
  return rc;
}
