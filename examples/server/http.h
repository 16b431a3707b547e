/* HTTP (libmicrohttpd, a thread per connection):
 *   POST /ingest             NDJSON readings (reading_json.h)
 *   POST /write?precision=   InfluxDB line protocol (reading_line.h); ns by default
 *   GET  /metrics            Prometheus text exposition (metrics.h)
 *   GET  /healthz            "ok"
 *   GET  /alerts             the active alerts, a JSON array of jj_event_json objects
 * Ingest answers with JSON counts {"accepted", "rejected", "errors": [the
 * first 20 problems with their line]}: 200 when every line was good, 400
 * when some were not (the good ones are kept, as InfluxDB does with a
 * partial write), 413 above http.max_body or the queue's capacity, 503
 * with Retry-After when the queue is full (nothing of the request taken:
 * send it again). */
#ifndef JJ_SERVER_HTTP_H
#define JJ_SERVER_HTTP_H

#include "config.h"
#include "metrics.h"
#include "queue.h"

typedef struct srv_http srv_http;

/* Listen on cfg->http_host:http_port. NULL with a message in err. */
srv_http *srv_http_start(const srv_config *cfg, srv_queue *q, srv_metrics *m, char *err,
                         size_t errsize);

/* The port listened on (useful with port 0). */
int srv_http_port(const srv_http *h);

/* Stop accepting connections (requests in progress finish). */
void srv_http_quiesce(srv_http *h);

/* Finish requests in progress, stop, free. NULL is a no-op. */
void srv_http_stop(srv_http *h);

#endif
