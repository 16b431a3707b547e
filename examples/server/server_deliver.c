/* Event delivery (see server_deliver.h): NDJSON lines to a file, and the
 * notifiers. */
#include "server_deliver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

struct srv_deliver {
  FILE *f;
  int is_stdout;
  char *buf; /* jj_event_json's output */
  size_t cap;
  srv_metrics *m;
  srv_notifiers *n;
};

srv_deliver *srv_deliver_open(const srv_config *cfg, srv_metrics *m, srv_notifiers *n, char *err,
                              size_t errsize) {
  srv_deliver *d = calloc(1, sizeof *d);
  if (!d) {
    (void)snprintf(err, errsize, "out of memory");
    return NULL;
  }
  d->m = m;
  d->n = n;
  d->cap = 4096;
  d->buf = malloc(d->cap);
  if (strcmp(cfg->delivery_file, "-") == 0) {
    d->f = stdout;
    d->is_stdout = 1;
  } else {
    d->f = fopen(cfg->delivery_file, "a");
  }
  if (!d->f || !d->buf) {
    (void)snprintf(err, errsize, "cannot open the delivery file %s: %s", cfg->delivery_file,
                   d->buf ? strerror(errno) : "out of memory");
    if (d->f && !d->is_stdout) (void)fclose(d->f);
    free(d->buf);
    free(d);
    return NULL;
  }
  return d;
}

void srv_deliver_event(srv_deliver *d, const jj_event *ev) {
  if ((unsigned)ev->kind < SRV_EVENT_KINDS)
    atomic_fetch_add_explicit(&d->m->events[ev->kind], 1, memory_order_relaxed);
  /* the notifiers first: the outbox record is what survives a crash */
  if (d->n) srv_notifiers_event(d->n, ev, d->m);
  size_t n = jj_event_json(ev, d->buf, d->cap);
  if (n >= d->cap) {
    char *b = realloc(d->buf, n + 1);
    if (!b) {
      atomic_fetch_add_explicit(&d->m->delivery_errors, 1, memory_order_relaxed);
      srv_log("delivery: out of memory for an event of %zu bytes (rule %s)", n, ev->rule);
      return;
    }
    d->buf = b;
    d->cap = n + 1;
    (void)jj_event_json(ev, d->buf, d->cap);
  }
  d->buf[n] = '\n';
  if (fwrite(d->buf, 1, n + 1, d->f) != n + 1) {
    atomic_fetch_add_explicit(&d->m->delivery_errors, 1, memory_order_relaxed);
    srv_log("delivery: write failed: %s", strerror(errno));
  }
  d->buf[n] = '\0';
}

void srv_deliver_flush(srv_deliver *d) {
  if (fflush(d->f) != 0) {
    atomic_fetch_add_explicit(&d->m->delivery_errors, 1, memory_order_relaxed);
    srv_log("delivery: flush failed: %s", strerror(errno));
  }
}

void srv_deliver_close(srv_deliver *d) {
  if (!d) return;
  srv_deliver_flush(d);
  if (!d->is_stdout) {
    if (fsync(fileno(d->f)) != 0) srv_log("delivery: fsync failed: %s", strerror(errno));
    if (fclose(d->f) != 0) srv_log("delivery: close failed: %s", strerror(errno));
  }
  free(d->buf);
  free(d);
}
