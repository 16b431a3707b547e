/* Built-in notifier "solapi": Solapi's messages API v4,
 *   POST {endpoint}/messages/v4/send-many/detail
 * with Authorization: HMAC-SHA256 apiKey=K, date=D, salt=S, signature=
 * hex(HMAC-SHA256(secret, D + S)) (crypto.c), D the time in ISO 8601 and S
 * a fresh random salt per request. Solapi picks SMS or LMS from the
 * length itself; the text is cut to 2000 bytes of EUC-KR. At most 100
 * recipients per request, in parts like "sens". Source: Solapi API
 * reference, "Authentication" and "send-many/detail". */
#define _POSIX_C_SOURCE 200809L /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jjair/timefmt.h"
#include "notify_internal.h"

#define PER_REQUEST 100

typedef struct ctx {
  char *endpoint, *key, *secret, *from;
  char **to;
  uint32_t nto;
} ctx;

static const jj_notifier_key keys[] = {
    {"api_key", JJ_KEY_REQUIRED, "the Solapi API key"},
    {"api_secret", JJ_KEY_SECRET | JJ_KEY_REQUIRED, "the Solapi API secret"},
    {"from", JJ_KEY_REQUIRED, "the registered sender number"},
    {"recipients", JJ_KEY_LIST | JJ_KEY_REQUIRED, "phone numbers"},
    {"endpoint", 0, "default https://api.solapi.com"},
};

static void fini(void *p) {
  ctx *c = p;
  if (!c) return;
  free(c->endpoint);
  free(c->key);
  free(c->secret);
  free(c->from);
  jj__list_free(c->to, c->nto);
  free(c);
}

static jj_status init(void *tc, const jj_notifier_settings *s, void **out, char *err, size_t n) {
  (void)tc;
  const char *ep = jj_notifier_setting(s, "endpoint");
  ctx *c = calloc(1, sizeof *c);
  if (!c) return JJ_ENOMEM;
  c->endpoint = jj__xstrdup(ep ? ep : "https://api.solapi.com");
  c->key = jj__xstrdup(jj_notifier_setting(s, "api_key"));
  c->secret = jj__xstrdup(jj_notifier_setting(s, "api_secret"));
  c->from = jj__xstrdup(jj_notifier_setting(s, "from"));
  if (!c->endpoint || !c->key || !c->secret || !c->from) {
    fini(c);
    return JJ_ENOMEM;
  }
  jj_status st = jj__recipients(s, &c->to, &c->nto, err, n);
  if (st != JJ_OK) {
    fini(c);
    return st;
  }
  *out = c;
  return JJ_OK;
}

static uint32_t parts(void *p) {
  const ctx *c = p;
  return (c->nto + PER_REQUEST - 1) / PER_REQUEST;
}

static int build(void *p, const jj_notification *const *m, uint32_t n, uint32_t part,
                 jj__http_req *req, char *err, size_t errsize) {
  const ctx *c = p;
  size_t len = 0;
  char *fit = jj__sms_text(m, n, 2000, &len, "Solapi", err, errsize);
  if (!fit) return -1;
  jj__sb b = {0};
  jj__sb_puts(&b, "{\"messages\":[");
  for (uint32_t i = part * PER_REQUEST, k = 0; i < c->nto && k < PER_REQUEST; i++, k++) {
    jj__sb_puts(&b, k ? ",{\"to\":" : "{\"to\":");
    jj__sb_json(&b, c->to[i]);
    jj__sb_puts(&b, ",\"from\":");
    jj__sb_json(&b, c->from);
    jj__sb_puts(&b, ",\"text\":");
    jj__sb_json(&b, fit);
    jj__sb_puts(&b, "}");
  }
  jj__sb_puts(&b, "]}");
  free(fit);
  req->body_len = b.len;
  req->body = jj__sb_take(&b);
  jj__sb url = {0};
  jj__sb_printf(&url, "%s/messages/v4/send-many/detail", c->endpoint);
  req->url = jj__sb_take(&url);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  char date[JJ_TIME_TEXT_MAX], salt[40], sig[72];
  (void)jj_time_rfc3339((int64_t)ts.tv_sec * 1000, date, sizeof date);
  int bad = !req->body || !req->url || jj__random_hex(salt, 16) ||
            jj__solapi_signature(c->secret, date, salt, sig);
  if (!bad) {
    jj__sb a = {0};
    jj__sb_printf(&a, "HMAC-SHA256 apiKey=%s, date=%s, salt=%s, signature=%s", c->key, date,
                  salt, sig);
    bad |= a.oom || jj__req_header(req, "Authorization", a.s);
    jj__sb_free(&a);
    bad |= jj__req_header(req, "Content-Type", "application/json; charset=utf-8");
  }
  if (bad) (void)snprintf(err, errsize, "cannot build the request");
  return bad ? -1 : 0;
}

const jj_notifier_type jj__type_solapi = {
    sizeof(jj_notifier_type), "solapi", keys, sizeof keys / sizeof keys[0], init, NULL, NULL,
    fini, NULL, {NULL, NULL, NULL, NULL}};
const jj__http_ops jj__http_solapi = {parts, build, NULL, NULL, NULL};
