/* Built-in notifier "sens": Naver Cloud SENS SMS v2.
 *   POST {endpoint}/sms/v2/services/{service_id}/messages
 * signed with x-ncp-apigw-signature-v2 = Base64(HMAC-SHA256(secret,
 * "POST {uri}\n{timestamp}\n{access_key}")) (crypto.c). The text goes as an
 * SMS when it fits 90 bytes of EUC-KR, else as an LMS (up to 2000 bytes,
 * cut at a character boundary beyond), to at most 100 recipients per
 * request: a message to more is sent in parts, and a part already
 * accepted is not sent again when a later one is retried. Success is HTTP
 * 202. Source: Naver Cloud Platform API guide, SENS "SMS API v2". */
#define _POSIX_C_SOURCE 200809L /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "notify_internal.h"

#define PER_REQUEST 100

typedef struct ctx {
  char *endpoint, *service, *access, *secret, *from, *subject, *content_type, *country;
  char **to;
  uint32_t nto;
} ctx;

static const jj_notifier_key keys[] = {
    {"service_id", JJ_KEY_REQUIRED, "the SENS service id (ncp:sms:kr:...)"},
    {"access_key", JJ_KEY_REQUIRED, "the Naver Cloud access key id"},
    {"secret_key", JJ_KEY_SECRET | JJ_KEY_REQUIRED, "the Naver Cloud secret key"},
    {"from", JJ_KEY_REQUIRED, "the pre-registered sender number"},
    {"recipients", JJ_KEY_LIST | JJ_KEY_REQUIRED, "phone numbers"},
    {"endpoint", 0, "default https://sens.apigw.ntruss.com"},
    {"subject", 0, "LMS subject (at most 40 bytes EUC-KR)"},
    {"content_type", 0, "COMM (default) or AD"},
    {"country_code", 0, "default 82"},
};

static void fini(void *p) {
  ctx *c = p;
  if (!c) return;
  free(c->endpoint);
  free(c->service);
  free(c->access);
  free(c->secret);
  free(c->from);
  free(c->subject);
  free(c->content_type);
  free(c->country);
  jj__list_free(c->to, c->nto);
  free(c);
}

static jj_status init(void *tc, const jj_notifier_settings *s, void **out, char *err, size_t n) {
  (void)tc;
  const char *ep = jj_notifier_setting(s, "endpoint");
  const char *ct = jj_notifier_setting(s, "content_type");
  const char *subj = jj_notifier_setting(s, "subject");
  const char *cc = jj_notifier_setting(s, "country_code");
  if (ct && strcmp(ct, "COMM") != 0 && strcmp(ct, "AD") != 0) {
    (void)snprintf(err, n, "'content_type' must be COMM or AD");
    return JJ_EINVAL;
  }
  size_t sl = 0;
  if (subj && (jj_sms_euckr_length(subj, &sl) != JJ_OK || sl > 40)) {
    (void)snprintf(err, n, "'subject' must be at most 40 bytes in EUC-KR");
    return JJ_EINVAL;
  }
  ctx *c = calloc(1, sizeof *c);
  if (!c) return JJ_ENOMEM;
  c->endpoint = jj__xstrdup(ep ? ep : "https://sens.apigw.ntruss.com");
  c->service = jj__xstrdup(jj_notifier_setting(s, "service_id"));
  c->access = jj__xstrdup(jj_notifier_setting(s, "access_key"));
  c->secret = jj__xstrdup(jj_notifier_setting(s, "secret_key"));
  c->from = jj__xstrdup(jj_notifier_setting(s, "from"));
  c->subject = jj__xstrdup(subj ? subj : "");
  c->content_type = jj__xstrdup(ct ? ct : "COMM");
  c->country = jj__xstrdup(cc ? cc : "82");
  if (!c->endpoint || !c->service || !c->access || !c->secret || !c->from || !c->subject ||
      !c->content_type || !c->country) {
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
  char *fit = jj__sms_text(m, n, 2000, &len, "SENS", err, errsize);
  if (!fit) return -1;
  int lms = len > 90;
  jj__sb b = {0};
  jj__sb_printf(&b, "{\"type\":\"%s\",\"contentType\":", lms ? "LMS" : "SMS");
  jj__sb_json(&b, c->content_type);
  jj__sb_puts(&b, ",\"countryCode\":");
  jj__sb_json(&b, c->country);
  jj__sb_puts(&b, ",\"from\":");
  jj__sb_json(&b, c->from);
  if (lms && c->subject[0]) {
    jj__sb_puts(&b, ",\"subject\":");
    jj__sb_json(&b, c->subject);
  }
  jj__sb_puts(&b, ",\"content\":");
  jj__sb_json(&b, fit);
  free(fit);
  jj__sb_puts(&b, ",\"messages\":[");
  for (uint32_t i = part * PER_REQUEST, k = 0; i < c->nto && k < PER_REQUEST; i++, k++) {
    jj__sb_puts(&b, k ? ",{\"to\":" : "{\"to\":");
    jj__sb_json(&b, c->to[i]);
    jj__sb_puts(&b, "}");
  }
  jj__sb_puts(&b, "]}");
  req->body_len = b.len;
  req->body = jj__sb_take(&b);
  jj__sb uri = {0};
  jj__sb_printf(&uri, "/sms/v2/services/%s/messages", c->service);
  jj__sb url = {0};
  jj__sb_printf(&url, "%s%s", c->endpoint, uri.s ? uri.s : "");
  req->url = jj__sb_take(&url);
  /* the gateway allows 5 minutes of skew against its own clock: the
   * timestamp is the real time, not the dispatcher's clock */
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  char stamp[32], sig[64];
  (void)snprintf(stamp, sizeof stamp, "%lld",
                 (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
  int bad = !req->body || !req->url || uri.oom ||
            jj__sens_signature("POST", uri.s, stamp, c->access, c->secret, sig);
  jj__sb_free(&uri);
  if (!bad) {
    bad |= jj__req_header(req, "Content-Type", "application/json; charset=utf-8");
    bad |= jj__req_header(req, "x-ncp-apigw-timestamp", stamp);
    bad |= jj__req_header(req, "x-ncp-iam-access-key", c->access);
    bad |= jj__req_header(req, "x-ncp-apigw-signature-v2", sig);
  }
  if (bad) (void)snprintf(err, errsize, "cannot build the request (out of memory)");
  return bad ? -1 : 0;
}

const jj_notifier_type jj__type_sens = {
    sizeof(jj_notifier_type), "sens", keys, sizeof keys / sizeof keys[0], init, NULL, NULL,
    fini, NULL, {NULL, NULL, NULL, NULL}};
const jj__http_ops jj__http_sens = {parts, build, NULL, NULL, NULL};
