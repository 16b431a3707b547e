/* jjair-server: the ingestion server. Readings in over MQTT and HTTP, rule
 * files evaluated by one libjjair engine, alert events out as NDJSON and
 * through the configured notifiers.
 *
 *   jjair-server [--check] CONFIG.yaml
 *
 * This file owns the life cycle: configuration and rules, the threads
 * (engine, HTTP, MQTT, the notifiers' delivery), the state (restore at
 * start, checkpoint at the end; server_state.h) and the signals (SIGHUP:
 * reload the rule files, SIGTERM/SIGINT: stop taking input, drain the
 * queue, checkpoint, let the notifiers deliver, flush, exit 0). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "engine_loop.h"
#include "http.h"
#include "jjair/jjair.h"
#include "log.h"
#include "metrics.h"
#include "mqtt.h"
#include "notifiers.h"
#include "queue.h"
#include "server_deliver.h"
#include "server_state.h"

static void usage(FILE *f) {
  (void)fputs("usage: jjair-server [--check] CONFIG.yaml\n"
              "  --check   validate the configuration and its rule files, then exit\n"
              "Signals: SIGHUP reloads the rule files (unchanged rules keep their state;\n"
              "a file with errors is logged and the running rules stay); SIGTERM or SIGINT\n"
              "stops taking input, drains the queue, writes a snapshot (state.dir), lets\n"
              "the notifiers deliver (delivery.drain_timeout), flushes the delivery file\n"
              "and exits 0.\n",
              f);
}

static void config_error(void *ctx, const char *file, int line, int col, const char *message) {
  int *n = ctx;
  (*n)++;
  if (line > 0)
    (void)fprintf(stderr, "%s:%d:%d: %s\n", file, line, col, message);
  else
    (void)fprintf(stderr, "%s: %s\n", file, message);
}

/* Load and build every rule file; problems to stderr as file:line:column.
 * NULL when any file is bad. */
static jj_ruleset *load_rules(const srv_config *cfg) {
  jj_ruleset_builder *b = NULL;
  if (jj_ruleset_builder_new(NULL, &b) != JJ_OK) {
    (void)fprintf(stderr, "jjair-server: out of memory\n");
    return NULL;
  }
  int bad = 0;
  for (size_t i = 0; i < cfg->nrule_files; i++) {
    jj_error errs[20];
    size_t n = 0;
    memset(errs, 0, sizeof errs);
    if (jj_rules_load_file(b, cfg->rule_files[i], errs, 20, &n) == JJ_OK) continue;
    bad = 1;
    for (size_t k = 0; k < n && k < 20; k++) {
      if (errs[k].line > 0)
        (void)fprintf(stderr, "%s:%d:%d: %s\n", errs[k].file, errs[k].line, errs[k].column,
                      errs[k].message);
      else
        (void)fprintf(stderr, "%s: %s\n", errs[k].file[0] ? errs[k].file : cfg->rule_files[i],
                      errs[k].message);
    }
    if (n > 20) (void)fprintf(stderr, "%s: ... %zu more problems\n", cfg->rule_files[i], n - 20);
  }
  jj_ruleset *rs = NULL;
  if (!bad) {
    jj_error e;
    memset(&e, 0, sizeof e);
    if (jj_ruleset_builder_build(b, &rs, &e) != JJ_OK) {
      (void)fprintf(stderr, "jjair-server: rules: %s\n", e.message);
      rs = NULL;
    }
  }
  jj_ruleset_builder_free(b);
  return rs;
}

/* SIGHUP: load the rule files; if they are good, the engine thread swaps
 * them in (engine_loop.c, jj_engine_reload); if not, the running rules
 * stay. */
static void route_warning(void *ctx, const char *file, int line, int col, const char *message);

static void on_hangup(const srv_config *cfg, srv_metrics *m, srv_queue *q,
                      const srv_notifiers *notifiers, const char *path) {
  atomic_fetch_add_explicit(&m->reloads, 1, memory_order_relaxed);
  srv_log("SIGHUP: loading the rule files");
  jj_ruleset *rs = load_rules(cfg);
  if (!rs) {
    atomic_fetch_add_explicit(&m->reload_invalid, 1, memory_order_relaxed);
    srv_log("SIGHUP: the rule files have errors (above); the running rules stay");
    return;
  }
  (void)srv_notifiers_check_routes(notifiers, rs, route_warning, NULL, path);
  srv_batch *b = srv_batch_new(SRV_SRC_NDJSON);
  if (b) {
    b->kind = SRV_ITEM_RELOAD;
    b->rules = rs;
    if (srv_queue_push(q, b, 1) == SRV_Q_OK) return; /* the engine thread takes rs */
    srv_batch_free(b);
  }
  jj_ruleset_free(rs);
  atomic_fetch_add_explicit(&m->reload_failed, 1, memory_order_relaxed);
  srv_log("SIGHUP: cannot hand the rules to the engine thread; the running rules stay");
}

/* A rule naming a notifier the configuration lacks: a warning, not an
 * error (a deployment may not have every channel). */
static void route_warning(void *ctx, const char *file, int line, int col, const char *message) {
  (void)line;
  (void)col;
  const char *prefix = ctx;
  if (prefix)
    (void)fprintf(stderr, "%s: warning: %s\n", file, message);
  else
    srv_log("warning: %s", message);
}

static int serve(const srv_config *cfg, jj_ruleset *rs, srv_notifiers *notifiers) {
  const char *path = cfg->config_path;
  sigset_t sigs;
  (void)sigemptyset(&sigs);
  (void)sigaddset(&sigs, SIGTERM);
  (void)sigaddset(&sigs, SIGINT);
  (void)sigaddset(&sigs, SIGHUP);
  /* every thread started from here on inherits the mask: only sigwait
   * below sees these signals */
  (void)pthread_sigmask(SIG_BLOCK, &sigs, NULL);
  (void)signal(SIGPIPE, SIG_IGN);
  srv_log_set_interval(cfg->reject_log_interval_ms);

  static srv_metrics metrics;
  static srv_queue queue;
  srv_metrics_init(&metrics, srv_now_ms());
  if (srv_queue_init(&queue, cfg->queue) != 0) {
    srv_log("cannot create the queue");
    return 1;
  }
  char err[512];
  metrics.render_more = srv_notifiers_render;
  metrics.render_more_ctx = notifiers;
  if (notifiers && srv_notifiers_start(notifiers) != 0) {
    srv_queue_fini(&queue);
    return 1;
  }
  srv_deliver *d = srv_deliver_open(cfg, &metrics, notifiers, err, sizeof err);
  if (!d) {
    srv_log("%s", err);
    srv_queue_fini(&queue);
    return 1;
  }
  static srv_engine_loop loop;
  static srv_state state;
  loop.cfg = cfg;
  loop.q = &queue;
  loop.m = &metrics;
  loop.d = d;
  jj_engine_config ec;
  jj_engine_config_init(&ec);
  ec.max_series = cfg->max_series;
  ec.max_labels = cfg->max_labels;
  ec.lateness_ms = cfg->lateness_ms;
  ec.max_future_ms = cfg->max_future_ms ? cfg->max_future_ms : -1;
  ec.series_idle_ms = cfg->series_idle_ms;
  ec.on_event = srv_engine_loop_on_event;
  ec.on_event_ctx = &loop;
  ec.flags = JJ_ENGINE_NO_QUEUE; /* every event goes to delivery; nothing to poll */
  jj_status st = jj_engine_new(rs, &ec, NULL, &loop.engine);
  if (st != JJ_OK) {
    srv_log("cannot create the engine: %s", jj_strerror(st));
    srv_deliver_close(d);
    srv_queue_fini(&queue);
    return 1;
  }
  if (srv_state_open(&state, cfg, err, sizeof err) != SRV_STATE_OK) srv_log("state: %s", err);
  loop.state = &state;
  {
    srv_state_hooks hooks = {srv_engine_loop_push, &loop.quiet_upto, &loop};
    srv_restore_info ri;
    srv_state_status rs_st = srv_state_restore(&state, loop.engine, &hooks, &ri, err, sizeof err);
    if (rs_st == SRV_STATE_OK) {
      atomic_store(&metrics.replayed, ri.replayed > 0 ? (uint64_t)ri.replayed : 0);
      srv_log("state: restored snapshot %llu (%u series, %u groups; rules: %u kept, %u changed, "
              "%u removed, %u added; %u alerts ended); %lld journal readings replayed, events "
              "up to #%llu not delivered again%s%s",
              (unsigned long long)ri.gen, ri.report.series, ri.report.groups,
              ri.report.rules_kept, ri.report.rules_changed, ri.report.rules_removed,
              ri.report.rules_added, ri.report.alerts_ended,
              ri.replayed < 0 ? 0 : ri.replayed, (unsigned long long)ri.quiet_upto,
              ri.bad_lines ? "; torn journal lines skipped: " : "",
              ri.bad_lines ? "yes" : "");
    } else if (err[0]) {
      srv_log("state: %s", err);
    }
    if (state.last_ok_ms) {
      atomic_fetch_add(&metrics.snapshots_ok, 1);
      atomic_store(&metrics.snapshot_ms, state.last_ok_ms);
      atomic_store(&metrics.snapshot_bytes, state.last_bytes);
      loop.next_checkpoint_ms = state.last_ok_ms + cfg->checkpoint_ms;
    }
  }

  srv_http *http = NULL;
  srv_mqtt *mqtt = NULL;
  int rc = 0;
  if (srv_engine_loop_start(&loop) != 0) {
    srv_log("cannot start the engine thread");
    rc = 1;
    goto out_engine;
  }
  if (cfg->http) {
    http = srv_http_start(cfg, &queue, &metrics, err, sizeof err);
    if (!http) {
      srv_log("http: %s", err);
      rc = 1;
      goto out_loop;
    }
    srv_log("http: listening on %s:%d", cfg->http_host, srv_http_port(http));
  }
  if (cfg->mqtt) {
    mqtt = srv_mqtt_start(cfg, &queue, &metrics, err, sizeof err);
    if (!mqtt) {
      srv_log("mqtt: %s", err);
      rc = 1;
      goto out_loop;
    }
  }
  srv_log("ready: %u rules, %s time, delivering to %s and %u notifiers",
          jj_ruleset_rule_count(rs), cfg->time_mode == SRV_TIME_WALL ? "wall-clock" : "data",
          cfg->delivery_file, notifiers ? srv_notifiers_count(notifiers) : 0);

  for (;;) {
    int sig = 0;
    if (sigwait(&sigs, &sig) != 0) continue;
    if (sig == SIGHUP) {
      on_hangup(cfg, &metrics, &queue, notifiers, path);
      continue;
    }
    srv_log("%s: stopping: no new input, draining %zu queued readings",
            sig == SIGTERM ? "SIGTERM" : "SIGINT", srv_queue_depth(&queue));
    break;
  }

out_loop:
  /* Stop the sources first (their in-flight requests still reach the
   * queue), then let the engine thread drain it. */
  srv_http_quiesce(http);
  srv_mqtt_stop(mqtt);
  srv_http_stop(http);
  srv_queue_close(&queue);
  srv_engine_loop_join(&loop);
  srv_engine_loop_checkpoint(&loop, "at shutdown");
out_engine:
  srv_queue_close(&queue);
  if (notifiers) {
    uint64_t left = srv_notifiers_drain(notifiers, cfg->drain_timeout_ms);
    if (left)
      srv_log("notifiers: %llu deliveries still pending after %lld ms; they stay in the outbox",
              (unsigned long long)left, (long long)cfg->drain_timeout_ms);
  }
  srv_deliver_close(d);
  {
    uint64_t events = 0;
    for (int k = 0; k < SRV_EVENT_KINDS; k++)
      events += atomic_load_explicit(&metrics.events[k], memory_order_relaxed);
    srv_log("stopped: %llu readings processed, %zu left in the queue, %llu events delivered",
            (unsigned long long)atomic_load(&metrics.processed), srv_queue_depth(&queue),
            (unsigned long long)events);
  }
  jj_engine_free(loop.engine);
  srv_state_close(&state);
  srv_queue_fini(&queue);
  srv_metrics_fini(&metrics);
  return rc;
}

int main(int argc, char **argv) {
  int check = 0;
  const char *path = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--check") == 0)
      check = 1;
    else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(argv[i], "--version") == 0) {
      (void)printf("jjair-server (libjjair %s)\n", jj_version());
      return 0;
    } else if (argv[i][0] == '-' || path) {
      usage(stderr);
      return 2;
    } else {
      path = argv[i];
    }
  }
  if (!path) {
    usage(stderr);
    return 2;
  }
  srv_config cfg;
  int nerr = 0;
  if (srv_config_load(path, &cfg, config_error, &nerr) != 0) return 2;
  jj_ruleset *rs = load_rules(&cfg);
  srv_notifiers *notifiers = NULL;
  if (!rs || srv_notifiers_open(&cfg, !check, &notifiers, config_error, &nerr) != 0) {
    jj_ruleset_free(rs);
    srv_config_free(&cfg);
    return 2;
  }
  (void)srv_notifiers_check_routes(notifiers, rs, route_warning, check ? "check" : NULL, path);
  int rc = 0;
  if (check)
    (void)printf("%s: ok (%u rules from %zu files, %u notifiers)\n", path,
                 jj_ruleset_rule_count(rs), cfg.nrule_files,
                 notifiers ? srv_notifiers_count(notifiers) : 0);
  else
    rc = serve(&cfg, rs, notifiers);
  srv_notifiers_close(notifiers);
  jj_ruleset_free(rs);
  srv_config_free(&cfg);
  return rc;
}
