/* Notifiers: the server's alert events through libjjair's dispatcher
 * (include/jjair/notify.h) — webhooks, SMS gateways, Alertmanager, ... as
 * the configuration's `notifiers:` list (or notifier file) defines them,
 * read by the library's own notifier loader.
 *
 * The engine thread hands every event to the dispatcher (srv_notifiers_event:
 * a copy, a record in the outbox, a queue entry; never the network). The
 * dispatcher delivers on a thread of its own. With a state directory the
 * outbox is <state dir>/outbox: events accepted but not yet delivered
 * survive a crash or kill -9 and go out after the restart. SIGTERM waits up
 * to delivery.drain_timeout for the queues to empty; what is still pending
 * then stays in the outbox.
 *
 * Routing is the library's: an event goes to the notifiers its rule names
 * in `notify:` (and whose severity and kind filters take it). A rule naming
 * a notifier the configuration does not define is reported at start (and by
 * --check): its events reach only the delivery file. */
#ifndef JJ_SERVER_NOTIFIERS_H
#define JJ_SERVER_NOTIFIERS_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "jjair/event.h"
#include "jjair/rule.h"
#include "metrics.h"

typedef struct srv_notifiers srv_notifiers;

/* Called with each problem: file, 1-based line and column (0 when the
 * problem has no position), message. */
typedef void (*srv_problem_fn)(void *ctx, const char *file, int line, int col,
                               const char *message);

/* Build the dispatcher the configuration describes. 0 with *out set, or
 * *out NULL when the configuration has no notifiers; -1 after reporting
 * every problem through `report` (positions in the configuration or the
 * notifier file). `outbox`: use <state dir>/outbox (created with the
 * directory if missing); 0 for --check, which must not touch the state. */
int srv_notifiers_open(const srv_config *cfg, int outbox, srv_notifiers **out,
                       srv_problem_fn report, void *ctx);

/* Report (through `report`, without a position) every rule of `rs` that
 * names a notifier `n` does not define (n may be NULL: then every name is
 * undefined). Returns how many names were reported. */
size_t srv_notifiers_check_routes(const srv_notifiers *n, const jj_ruleset *rs,
                                  srv_problem_fn report, void *ctx, const char *what);

/* How many notifiers the configuration defines. */
uint32_t srv_notifiers_count(const srv_notifiers *n);

/* Start delivering on the dispatcher's own thread. 0, or -1 (logged). */
int srv_notifiers_start(srv_notifiers *n);

/* One event (engine thread). A refusal (queue full, outbox not writable,
 * no memory) is counted in m->delivery_errors; the dispatcher logs why. */
void srv_notifiers_event(srv_notifiers *n, const jj_event *ev, srv_metrics *m);

/* The per-notifier families for /metrics (any thread; n may be NULL:
 * nothing). Matches srv_metrics' render hook. */
void srv_notifiers_render(void *n, FILE *f);

/* Deliver what is pending for up to timeout_ms. Returns the number of
 * deliveries still pending (0: all sent or failed for good). */
uint64_t srv_notifiers_drain(srv_notifiers *n, int64_t timeout_ms);

/* Stop, flush and free (pending deliveries stay in the outbox). NULL is a
 * no-op. */
void srv_notifiers_close(srv_notifiers *n);

#endif
