/* Built-in notifier "twilio": Twilio's Messages resource,
 *   POST {endpoint}/2010-04-01/Accounts/{account_sid}/Messages.json
 * a form (To, From or MessagingServiceSid, Body) with basic auth
 * account_sid:auth_token; one request per recipient (the API takes one
 * To), each a part of the message, so a retry never re-sends to the ones
 * already reached. Body at most 1600 characters. Success is HTTP 201.
 * Source: Twilio API reference, "Message resource". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_internal.h"

typedef struct ctx {
  char *endpoint, *sid, *token, *from, *service;
  char **to;
  uint32_t nto;
} ctx;

static const jj_notifier_key keys[] = {
    {"account_sid", JJ_KEY_REQUIRED, "the Twilio account SID"},
    {"auth_token", JJ_KEY_SECRET | JJ_KEY_REQUIRED, "the account's auth token"},
    {"from", 0, "the sender number (or messaging_service_sid)"},
    {"messaging_service_sid", 0, "a messaging service instead of from"},
    {"recipients", JJ_KEY_LIST | JJ_KEY_REQUIRED, "phone numbers (E.164)"},
    {"endpoint", 0, "default https://api.twilio.com"},
};

static void fini(void *p) {
  ctx *c = p;
  if (!c) return;
  free(c->endpoint);
  free(c->sid);
  free(c->token);
  free(c->from);
  free(c->service);
  jj__list_free(c->to, c->nto);
  free(c);
}

static jj_status init(void *tc, const jj_notifier_settings *s, void **out, char *err, size_t n) {
  (void)tc;
  const char *from = jj_notifier_setting(s, "from");
  const char *svc = jj_notifier_setting(s, "messaging_service_sid");
  if (!from == !svc) {
    (void)snprintf(err, n, "give exactly one of 'from' and 'messaging_service_sid'");
    return JJ_EINVAL;
  }
  const char *ep = jj_notifier_setting(s, "endpoint");
  ctx *c = calloc(1, sizeof *c);
  if (!c) return JJ_ENOMEM;
  c->endpoint = jj__xstrdup(ep ? ep : "https://api.twilio.com");
  c->sid = jj__xstrdup(jj_notifier_setting(s, "account_sid"));
  c->token = jj__xstrdup(jj_notifier_setting(s, "auth_token"));
  c->from = jj__xstrdup(from);
  c->service = jj__xstrdup(svc);
  if (!c->endpoint || !c->sid || !c->token || (!c->from && !c->service)) {
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

static uint32_t parts(void *p) { return ((const ctx *)p)->nto; }

static int build(void *p, const jj_notification *const *m, uint32_t n, uint32_t part,
                 jj__http_req *req, char *err, size_t errsize) {
  const ctx *c = p;
  char *text = jj__group_text(m, n);
  if (!text) return -1;
  /* 1600 characters: count UTF-8 lead bytes */
  size_t chars = 0, cut = 0;
  for (size_t i = 0; text[i]; i++)
    if (((unsigned char)text[i] & 0xC0) != 0x80 && ++chars > 1600) {
      cut = i;
      break;
    }
  if (cut) text[cut] = '\0';
  jj__sb b = {0};
  jj__sb_puts(&b, "To=");
  jj__sb_form(&b, c->to[part < c->nto ? part : 0]);
  jj__sb_puts(&b, c->from ? "&From=" : "&MessagingServiceSid=");
  jj__sb_form(&b, c->from ? c->from : c->service);
  jj__sb_puts(&b, "&Body=");
  jj__sb_form(&b, text);
  free(text);
  req->body_len = b.len;
  req->body = jj__sb_take(&b);
  jj__sb url = {0};
  jj__sb_printf(&url, "%s/2010-04-01/Accounts/%s/Messages.json", c->endpoint, c->sid);
  req->url = jj__sb_take(&url);
  jj__sb up = {0};
  jj__sb_printf(&up, "%s:%s", c->sid, c->token);
  req->userpwd = jj__sb_take(&up);
  int bad = !req->body || !req->url || !req->userpwd ||
            jj__req_header(req, "Content-Type", "application/x-www-form-urlencoded");
  if (bad) (void)snprintf(err, errsize, "cannot build the request");
  return bad ? -1 : 0;
}

const jj_notifier_type jj__type_twilio = {
    sizeof(jj_notifier_type), "twilio", keys, sizeof keys / sizeof keys[0], init, NULL, NULL,
    fini, NULL, {NULL, NULL, NULL, NULL}};
const jj__http_ops jj__http_twilio = {parts, build, NULL, NULL, NULL};
