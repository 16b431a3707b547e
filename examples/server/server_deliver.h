/* Delivery: where the server's alert events go. The one seam between the
 * engine thread and the outside world for events.
 *
 * Every event is written as one line of JSON (jj_event_json) to the
 * configured file ("-" = stdout; an audit trail of everything the engine
 * said), flushed after each batch and fsync'd at shutdown, and handed to
 * the notifiers (notifiers.h) when the configuration has some. */
#ifndef JJ_SERVER_DELIVER_H
#define JJ_SERVER_DELIVER_H

#include "config.h"
#include "jjair/event.h"
#include "metrics.h"
#include "notifiers.h"

typedef struct srv_deliver srv_deliver;

/* Open the delivery file (appending); events also go to `n` (borrowed,
 * may be NULL). NULL with a message in err. */
srv_deliver *srv_deliver_open(const srv_config *cfg, srv_metrics *m, srv_notifiers *n, char *err,
                              size_t errsize);

/* One event, from the engine thread's callback (ev is valid only during
 * the call, so it is written at once). Counts it by kind. */
void srv_deliver_event(srv_deliver *d, const jj_event *ev);

/* Push buffered lines out (after each batch, so a reader of the file sees
 * events within one batch of their cause). */
void srv_deliver_flush(srv_deliver *d);

/* Flush, fsync and close. NULL is a no-op. */
void srv_deliver_close(srv_deliver *d);

#endif
