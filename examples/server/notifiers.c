/* The server's notifiers (see notifiers.h): a jj_dispatcher built from the
 * configuration, fed by the engine thread, delivering on its own thread. */
#include "notifiers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jjair/jjair.h"
#include "log.h"

#define MAX_PROBLEMS 32

struct srv_notifiers {
  jj_dispatcher *d;
};

static void dispatcher_log(void *ctx, const char *notifier, const char *message) {
  (void)ctx;
  srv_log("notifier %s: %s", notifier ? notifier : "(dispatcher)", message);
}

static void report_errors(const jj_error *errs, size_t n, const char *fallback,
                          srv_problem_fn report, void *ctx) {
  for (size_t i = 0; i < n && i < MAX_PROBLEMS; i++)
    report(ctx, errs[i].file[0] ? errs[i].file : fallback, errs[i].line, errs[i].column,
           errs[i].message);
  if (n > MAX_PROBLEMS) {
    char msg[64];
    (void)snprintf(msg, sizeof msg, "... %zu more problems", n - MAX_PROBLEMS);
    report(ctx, fallback, 0, 0, msg);
  }
}

/* <dir>/outbox, the directory created when missing. NULL after reporting. */
static char *outbox_path(const char *dir, srv_problem_fn report, void *ctx) {
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
    char msg[300];
    (void)snprintf(msg, sizeof msg, "cannot create the state directory: %s", strerror(errno));
    report(ctx, dir, 0, 0, msg);
    return NULL;
  }
  size_t len = strlen(dir) + sizeof "/outbox";
  char *p = malloc(len);
  if (p) (void)snprintf(p, len, "%s/outbox", dir);
  else report(ctx, dir, 0, 0, "out of memory");
  return p;
}

int srv_notifiers_open(const srv_config *cfg, int outbox, srv_notifiers **out,
                       srv_problem_fn report, void *ctx) {
  *out = NULL;
  if (!cfg->notifier_file && !cfg->notifier_yaml) return 0;
  const char *where = cfg->notifier_file ? cfg->notifier_file : cfg->config_path;
  if (!(jj_features() & JJ_FEATURE_CURL)) {
    report(ctx, where, 0, 0,
           "this libjjair was built without notifiers (-DJJ_WITH_CURL=ON); remove 'notifiers' "
           "or rebuild");
    return -1;
  }
  srv_notifiers *n = calloc(1, sizeof *n);
  char *ob = NULL;
  if (!n) {
    report(ctx, where, 0, 0, "out of memory");
    return -1;
  }
  if (outbox && cfg->state_dir && !(ob = outbox_path(cfg->state_dir, report, ctx))) {
    free(n);
    return -1;
  }
  jj_dispatcher_config dc;
  jj_dispatcher_config_init(&dc);
  dc.outbox_path = ob;
  dc.log = dispatcher_log;
  jj_error err;
  memset(&err, 0, sizeof err);
  jj_status st = jj_dispatcher_new(&dc, &n->d, &err);
  free(ob);
  if (st != JJ_OK) {
    report(ctx, cfg->state_dir ? cfg->state_dir : where, 0, 0, err.message);
    free(n);
    return -1;
  }
  jj_error errs[MAX_PROBLEMS];
  size_t nerrs = 0;
  memset(errs, 0, sizeof errs);
  st = cfg->notifier_file
           ? jj_dispatcher_load_file(n->d, cfg->notifier_file, errs, MAX_PROBLEMS, &nerrs)
           : jj_dispatcher_load_string(n->d, cfg->notifier_yaml, cfg->notifier_yaml_len,
                                       cfg->config_path, errs, MAX_PROBLEMS, &nerrs);
  if (st != JJ_OK) {
    report_errors(errs, nerrs, where, report, ctx);
    srv_notifiers_close(n);
    return -1;
  }
  *out = n;
  return 0;
}

static int defined(const srv_notifiers *n, const char *name) {
  if (!n) return 0;
  for (uint32_t i = 0; i < jj_dispatcher_notifier_count(n->d); i++)
    if (strcmp(jj_dispatcher_notifier_name(n->d, i), name) == 0) return 1;
  return 0;
}

size_t srv_notifiers_check_routes(const srv_notifiers *n, const jj_ruleset *rs,
                                  srv_problem_fn report, void *ctx, const char *what) {
  size_t bad = 0;
  for (uint32_t i = 0; i < jj_ruleset_rule_count(rs); i++)
    for (uint32_t j = 0; j < jj_ruleset_rule_notify_count(rs, i); j++) {
      const char *name = jj_ruleset_rule_notify(rs, i, j);
      if (defined(n, name)) continue;
      char msg[300];
      (void)snprintf(msg, sizeof msg,
                     "rule '%s' names notifier '%s', which the configuration does not define: "
                     "its events reach only the delivery file",
                     jj_ruleset_rule_name(rs, i), name);
      report(ctx, what, 0, 0, msg);
      bad++;
    }
  return bad;
}

uint32_t srv_notifiers_count(const srv_notifiers *n) { return jj_dispatcher_notifier_count(n->d); }

int srv_notifiers_start(srv_notifiers *n) {
  jj_status st = jj_dispatcher_start(n->d);
  if (st == JJ_OK) return 0;
  srv_log("notifiers: cannot start delivery: %s", jj_strerror(st));
  return -1;
}

void srv_notifiers_event(srv_notifiers *n, const jj_event *ev, srv_metrics *m) {
  if (jj_dispatcher_enqueue(n->d, ev) != JJ_OK)
    atomic_fetch_add_explicit(&m->delivery_errors, 1, memory_order_relaxed);
}

/* A label value in the exposition format: \ " and newline escaped. */
static void label_value(FILE *f, const char *s) {
  for (; *s; s++) {
    if (*s == '\\' || *s == '"') (void)fputc('\\', f);
    if (*s == '\n') (void)fputs("\\n", f);
    else (void)fputc(*s, f);
  }
}

void srv_notifiers_render(void *n_, FILE *f) {
  srv_notifiers *n = n_;
  if (!n) return;
  static const struct {
    const char *name, *type, *help;
  } fam[] = {
      {"jjair_notifier_sent_total", "counter", "Deliveries acknowledged as sent, by notifier."},
      {"jjair_notifier_failed_total", "counter", "Deliveries failed for good, by notifier."},
      {"jjair_notifier_retried_total", "counter", "Attempts that ended in a retry, by notifier."},
      {"jjair_notifier_dropped_total", "counter",
       "Events refused at enqueue because the notifier's queue was full."},
      {"jjair_notifier_suppressed_total", "counter",
       "Repeat events held back by the notifier's repeat_interval."},
      {"jjair_notifier_queue_depth", "gauge", "Deliveries pending (in flight included)."},
      {"jjair_notifier_oldest_pending_seconds", "gauge",
       "Age of the oldest pending delivery; 0 when none."},
  };
  uint32_t count = jj_dispatcher_notifier_count(n->d);
  jj_notifier_stats *st = calloc(count ? count : 1, sizeof *st);
  if (!st) return;
  for (uint32_t i = 0; i < count; i++)
    (void)jj_dispatcher_stats(n->d, jj_dispatcher_notifier_name(n->d, i), &st[i]);
  for (size_t k = 0; k < sizeof fam / sizeof fam[0]; k++) {
    (void)fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", fam[k].name, fam[k].help, fam[k].name,
                  fam[k].type);
    for (uint32_t i = 0; i < count; i++) {
      const jj_notifier_stats *s = &st[i];
      (void)fprintf(f, "%s{notifier=\"", fam[k].name);
      label_value(f, jj_dispatcher_notifier_name(n->d, i));
      (void)fputs("\"} ", f);
      switch (k) {
      case 0: (void)fprintf(f, "%llu\n", (unsigned long long)s->sent); break;
      case 1: (void)fprintf(f, "%llu\n", (unsigned long long)s->failed); break;
      case 2: (void)fprintf(f, "%llu\n", (unsigned long long)s->retried); break;
      case 3: (void)fprintf(f, "%llu\n", (unsigned long long)s->dropped); break;
      case 4: (void)fprintf(f, "%llu\n", (unsigned long long)s->suppressed); break;
      case 5: (void)fprintf(f, "%llu\n", (unsigned long long)s->queue_depth); break;
      default: (void)fprintf(f, "%.3f\n", (double)s->oldest_pending_ms / 1000); break;
      }
    }
  }
  (void)fprintf(f,
                "# HELP jjair_notifier_outbox_damage_bytes Bytes of damaged outbox records "
                "skipped at start.\n# TYPE jjair_notifier_outbox_damage_bytes gauge\n"
                "jjair_notifier_outbox_damage_bytes %llu\n",
                (unsigned long long)jj_dispatcher_outbox_damage(n->d));
  free(st);
}

static uint64_t pending(srv_notifiers *n) {
  uint64_t total = 0;
  for (uint32_t i = 0; i < jj_dispatcher_notifier_count(n->d); i++) {
    jj_notifier_stats s;
    if (jj_dispatcher_stats(n->d, jj_dispatcher_notifier_name(n->d, i), &s) == JJ_OK)
      total += s.queue_depth;
  }
  return total;
}

uint64_t srv_notifiers_drain(srv_notifiers *n, int64_t timeout_ms) {
  if (!n) return 0;
  if (timeout_ms > 0)
    (void)jj_dispatcher_drain(n->d, timeout_ms > INT32_MAX ? INT32_MAX : (int)timeout_ms);
  return pending(n);
}

void srv_notifiers_close(srv_notifiers *n) {
  if (!n) return;
  jj_dispatcher_free(n->d);
  free(n);
}
