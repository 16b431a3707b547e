/* HTTP for the notifiers (the only file that includes <curl/curl.h>): one
 * libcurl multi handle runs every request of a dispatcher on one thread,
 * and its wakeup lets enqueue on another thread interrupt the wait. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "notify_internal.h"

/* One transfer: the request's memory lives as long as the easy handle. */
typedef struct xfer {
  struct xfer *prev, *next; /* the transfers running */
  CURL *easy;
  jj__http_req req;
  struct curl_slist *hdrs;
  void *owner;
  jj__sb resp;
  char errbuf[CURL_ERROR_SIZE];
} xfer;

struct jj__http {
  CURLM *multi;
  int running;
  xfer *list;
};

static void unlink_xfer(jj__http *h, xfer *x) {
  if (x->prev) x->prev->next = x->next;
  else h->list = x->next;
  if (x->next) x->next->prev = x->prev;
  x->prev = x->next = NULL;
}

int jj__req_header(jj__http_req *req, const char *name, const char *value) {
  if (req->nheaders >= JJ_HTTP_MAX_HEADERS) return -1;
  jj__sb b = {0};
  jj__sb_printf(&b, "%s: %s", name, value);
  char *h = jj__sb_take(&b);
  if (!h) return -1;
  req->headers[req->nheaders++] = h;
  return 0;
}

void jj__req_clear(jj__http_req *req) {
  free(req->url);
  free(req->body);
  free(req->userpwd);
  for (int i = 0; i < req->nheaders; i++) free(req->headers[i]);
  memset(req, 0, sizeof *req);
}

jj__http *jj__http_new(void) {
  /* curl_global_init is not thread-safe before 7.84; Debian 12 has 7.88,
   * where it is, and curl_multi_init calls it once if needed. */
  jj__http *h = calloc(1, sizeof *h);
  if (!h) return NULL;
  h->multi = curl_multi_init();
  if (!h->multi) {
    free(h);
    return NULL;
  }
  return h;
}

static void xfer_free(xfer *x) {
  curl_slist_free_all(x->hdrs);
  jj__req_clear(&x->req);
  jj__sb_free(&x->resp);
  free(x);
}

void jj__http_free(jj__http *h) {
  if (!h) return;
  xfer *next = NULL;
  for (xfer *x = h->list; x; x = next) {
    next = x->next;
    curl_multi_remove_handle(h->multi, x->easy);
    curl_easy_cleanup(x->easy);
    xfer_free(x);
  }
  h->list = NULL;
  curl_multi_cleanup(h->multi);
  free(h);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx) {
  xfer *x = ctx;
  size_t n = size * nmemb;
  if (x->resp.len < 65536) jj__sb_add(&x->resp, data, n); /* enough to judge */
  return n;
}

int jj__http_start(jj__http *h, jj__http_req *req, void *owner) {
  xfer *x = calloc(1, sizeof *x);
  if (!x) return -1;
  x->req = *req;
  memset(req, 0, sizeof *req);
  x->owner = owner;
  CURL *e = curl_easy_init();
  if (!e) {
    xfer_free(x);
    return -1;
  }
  for (int i = 0; i < x->req.nheaders; i++) {
    struct curl_slist *l = curl_slist_append(x->hdrs, x->req.headers[i]);
    if (!l) {
      curl_easy_cleanup(e);
      xfer_free(x);
      return -1;
    }
    x->hdrs = l;
  }
  /* "Expect: 100-continue" would cost a round trip on large bodies. */
  struct curl_slist *l = curl_slist_append(x->hdrs, "Expect:");
  if (l) x->hdrs = l;
  curl_easy_setopt(e, CURLOPT_URL, x->req.url);
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->req.body ? x->req.body : "");
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->req.body_len);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
  if (x->req.userpwd) {
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(e, CURLOPT_USERPWD, x->req.userpwd);
  }
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, x->req.insecure ? 0L : 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, x->req.insecure ? 0L : 2L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, x->req.timeout_ms > 0 ? x->req.timeout_ms : 10000L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   x->req.timeout_ms > 0 ? x->req.timeout_ms : 10000L);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_USERAGENT, "libjjair");
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
  curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)x);
  if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
    curl_easy_cleanup(e);
    xfer_free(x);
    return -1;
  }
  x->easy = e;
  x->next = h->list;
  if (h->list) h->list->prev = x;
  h->list = x;
  h->running++;
  return 0;
}

/* Hand every finished transfer to done; returns how many finished. */
static int collect(jj__http *h, jj__http_done_fn done, void *ctx) {
  int finished = 0;
  CURLMsg *msg;
  int left = 0;
  while ((msg = curl_multi_info_read(h->multi, &left))) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL *e = msg->easy_handle;
    CURLcode code = msg->data.result;
    xfer *x = NULL;
    curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
    jj__http_resp r = {0};
    r.retry_after_ms = -1;
    if (code == CURLE_OK) {
      curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r.status);
      curl_off_t ra = -1;
      if (curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
        r.retry_after_ms = (int64_t)ra * 1000;
    } else {
      r.error = x->errbuf[0] ? x->errbuf : curl_easy_strerror(code);
    }
    jj__sb_add(&x->resp, "", 0);
    r.body = x->resp.s ? x->resp.s : "";
    r.body_len = x->resp.len;
    curl_multi_remove_handle(h->multi, e);
    unlink_xfer(h, x);
    h->running--;
    done(ctx, x->owner, &r);
    curl_easy_cleanup(e);
    xfer_free(x);
    finished++;
  }
  return finished;
}

int jj__http_run(jj__http *h, int timeout_ms, jj__http_done_fn done, void *ctx) {
  int running = 0;
  curl_multi_perform(h->multi, &running);
  /* a fast answer may already be in: never sleep on a finished transfer */
  if (collect(h, done, ctx) == 0 && timeout_ms > 0) {
    curl_multi_poll(h->multi, NULL, 0, timeout_ms, NULL);
    curl_multi_perform(h->multi, &running);
    (void)collect(h, done, ctx);
  }
  return h->running;
}

void jj__http_wakeup(jj__http *h) { curl_multi_wakeup(h->multi); }

jj_send_result jj__http_judge(const jj__http_resp *r, char *err, size_t errsize) {
  if (r->status == 0) {
    (void)snprintf(err, errsize, "no answer: %s", r->error ? r->error : "transfer failed");
    return JJ_SEND_RETRY;
  }
  if (r->status >= 200 && r->status < 300) return JJ_SEND_OK;
  /* a short excerpt of the answer helps; gateways do not echo secrets */
  (void)snprintf(err, errsize, "HTTP %ld: %.120s", r->status, r->body ? r->body : "");
  if (r->status == 408 || r->status == 425 || r->status == 429 || r->status >= 500)
    return JJ_SEND_RETRY;
  return JJ_SEND_FAILED;
}
