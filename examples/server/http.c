/* HTTP endpoints over libmicrohttpd (see http.h). */
#include "http.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine_loop.h"
#include "lineproto.h"
#include "log.h"
#include "reading_json.h"
#include "reading_line.h"

#define MAX_REPORTED_ERRORS 20

struct srv_http {
  struct MHD_Daemon *d;
  const srv_config *cfg;
  srv_queue *q;
  srv_metrics *m;
  int port;
};

/* The body of one POST, collected over the handler's calls. */
typedef struct conn {
  char *body;
  size_t len, cap;
  int too_large;
} conn;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *type, char *text,
                             size_t len, int retry_after) {
  struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
  if (!r) {
    free(text);
    return MHD_NO;
  }
  (void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  if (retry_after) (void)MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
  enum MHD_Result ret = MHD_queue_response(c, code, r);
  MHD_destroy_response(r);
  return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned code, const char *msg) {
  size_t n = strlen(msg);
  char *t = malloc(n + 1);
  if (!t) return MHD_NO;
  memcpy(t, msg, n + 1);
  return reply(c, code, "text/plain; charset=utf-8", t, n, code == MHD_HTTP_SERVICE_UNAVAILABLE);
}

static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned code, json_t *j) {
  char *t = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  if (!t) return MHD_NO;
  size_t n = strlen(t);
  /* json_dumps allocates with malloc (no custom allocator is set) */
  return reply(c, code, "application/json", t, n, code == MHD_HTTP_SERVICE_UNAVAILABLE);
}

typedef struct ingest_report {
  srv_http *h;
  srv_source src;
  size_t rejected;
  json_t *errors;
} ingest_report;

static void bad_line(void *ctx, size_t line, srv_reject why, const char *message) {
  ingest_report *r = ctx;
  r->rejected++;
  srv_metrics_reject(r->h->m, r->src, why);
  srv_log_reject(why, "%s line %zu: %s", r->src == SRV_SRC_LINE ? "POST /write" : "POST /ingest",
                 line, message);
  if (r->errors && json_array_size(r->errors) < MAX_REPORTED_ERRORS)
    (void)json_array_append_new(r->errors,
                                json_pack("{s:I, s:s, s:s}", "line", (json_int_t)line, "reason",
                                          srv_reject_name(why), "message", message));
}

static enum MHD_Result ingest(srv_http *h, struct MHD_Connection *c, conn *cn, srv_source src) {
  srv_lp_precision prec = SRV_LP_NS;
  if (src == SRV_SRC_LINE &&
      srv_lp_precision_parse(
          MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "precision"), &prec) != 0)
    return reply_text(c, MHD_HTTP_BAD_REQUEST,
                      "bad precision (one of ns, n, us, u, ms, s)\n");
  if (cn->too_large) {
    srv_metrics_reject(h->m, src, SRV_REJ_TOO_LARGE);
    return reply_text(c, MHD_HTTP_CONTENT_TOO_LARGE, "body larger than http.max_body\n");
  }
  srv_batch *b = srv_batch_new(src);
  ingest_report rep = {h, src, 0, json_array()};
  if (!b || !rep.errors) {
    srv_batch_free(b);
    json_decref(rep.errors);
    return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
  }
  int64_t default_ts = h->cfg->time_mode == SRV_TIME_WALL ? srv_now_ms() : INT64_MIN;
  size_t n = src == SRV_SRC_LINE
                 ? srv_line_parse(b, cn->body, cn->len, prec, default_ts, bad_line, &rep)
                 : srv_ndjson_parse(b, cn->body, cn->len, default_ts, bad_line, &rep);
  srv_qstatus qs = n ? srv_queue_push(h->q, b, 0) : SRV_Q_OK;
  if (!n) srv_batch_free(b);
  if (qs != SRV_Q_OK) {
    srv_batch_free(b);
    json_decref(rep.errors);
    if (qs == SRV_Q_TOOBIG) {
      srv_metrics_reject(h->m, src, SRV_REJ_TOO_LARGE);
      return reply_text(c, MHD_HTTP_CONTENT_TOO_LARGE,
                        "more readings than the queue holds (limits.queue); split the batch\n");
    }
    atomic_fetch_add_explicit(&h->m->http_busy, 1, memory_order_relaxed);
    return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
                      qs == SRV_Q_FULL ? "queue full: nothing taken, send again\n"
                                       : "shutting down: nothing taken\n");
  }
  atomic_fetch_add_explicit(&h->m->readings[src], n, memory_order_relaxed);
  json_t *j = json_pack("{s:I, s:I, s:o}", "accepted", (json_int_t)n, "rejected",
                        (json_int_t)rep.rejected, "errors", rep.errors);
  if (!j) return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
  return reply_json(c, rep.rejected ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_OK, j);
}

static enum MHD_Result get(srv_http *h, struct MHD_Connection *c, const char *url) {
  if (strcmp(url, "/healthz") == 0) return reply_text(c, MHD_HTTP_OK, "ok\n");
  if (strcmp(url, "/metrics") == 0) {
    size_t len = 0;
    char *t = srv_metrics_render(h->m, h->q, &len);
    if (!t) return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", t, len, 0);
  }
  if (strcmp(url, "/alerts") == 0) {
    char *json = NULL;
    size_t len = 0;
    if (srv_query_alerts(h->q, &json, &len) != 0)
      return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "engine not available\n");
    return reply(c, MHD_HTTP_OK, "application/json", json, len, 0);
  }
  return reply_text(c, MHD_HTTP_NOT_FOUND,
                    "not found (POST /ingest, POST /write, GET /metrics, /healthz, /alerts)\n");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls) {
  (void)version;
  srv_http *h = cls;
  int is_post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
  int ingest_path = strcmp(url, "/ingest") == 0 || strcmp(url, "/write") == 0;
  if (!is_post) {
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 || ingest_path)
      return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
    return get(h, c, url);
  }
  if (!ingest_path) return reply_text(c, MHD_HTTP_NOT_FOUND, "POST to /ingest or /write\n");
  conn *cn = *con_cls;
  if (!cn) { /* first call: headers only */
    cn = calloc(1, sizeof *cn);
    if (!cn) return MHD_NO;
    *con_cls = cn;
    return MHD_YES;
  }
  if (*upload_data_size) { /* a piece of the body */
    size_t n = *upload_data_size;
    *upload_data_size = 0;
    if (cn->too_large || cn->len + n > h->cfg->http_max_body) {
      cn->too_large = 1;
      return MHD_YES;
    }
    if (cn->len + n > cn->cap) {
      size_t cap = cn->cap ? cn->cap : 65536;
      while (cap < cn->len + n) cap *= 2;
      char *b = realloc(cn->body, cap);
      if (!b) return MHD_NO;
      cn->body = b;
      cn->cap = cap;
    }
    memcpy(cn->body + cn->len, upload_data, n);
    cn->len += n;
    return MHD_YES;
  }
  return ingest(h, c, cn, strcmp(url, "/write") == 0 ? SRV_SRC_LINE : SRV_SRC_NDJSON);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe) {
  (void)cls, (void)c, (void)toe;
  conn *cn = *con_cls;
  if (cn) {
    free(cn->body);
    free(cn);
    *con_cls = NULL;
  }
}

srv_http *srv_http_start(const srv_config *cfg, srv_queue *q, srv_metrics *m, char *err,
                         size_t errsize) {
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)cfg->http_port);
  const char *host = strcmp(cfg->http_host, "localhost") == 0 ? "127.0.0.1" : cfg->http_host;
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    (void)snprintf(err, errsize, "http.listen: '%s' is not an IPv4 address", cfg->http_host);
    return NULL;
  }
  srv_http *h = calloc(1, sizeof *h);
  if (!h) {
    (void)snprintf(err, errsize, "out of memory");
    return NULL;
  }
  h->cfg = cfg;
  h->q = q;
  h->m = m;
  h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC |
                              MHD_USE_ERROR_LOG,
                          (uint16_t)cfg->http_port, NULL, NULL, handle, h,
                          MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                          MHD_OPTION_NOTIFY_COMPLETED, completed, h,
                          MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_END);
  if (!h->d) {
    (void)snprintf(err, errsize, "cannot listen on %s:%d", cfg->http_host, cfg->http_port);
    free(h);
    return NULL;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
  h->port = info ? (int)info->port : cfg->http_port;
  return h;
}

int srv_http_port(const srv_http *h) { return h->port; }

void srv_http_quiesce(srv_http *h) {
  if (h) (void)MHD_quiesce_daemon(h->d);
}

void srv_http_stop(srv_http *h) {
  if (!h) return;
  MHD_stop_daemon(h->d);
  free(h);
}
