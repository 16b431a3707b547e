/* Built-in notifier "webhook": an HTTP POST of a templated body (JSON by
 * default: the event's JSON; or a form), with extra headers, basic or
 * bearer authentication and an idempotency-key header, so a receiver can
 * drop the copy a retry after a lost answer sends. Voice-call gateways
 * and anything else with an HTTP API go through it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_internal.h"

typedef struct ctx {
  char *url, *body, *headers, *user, *password, *token, *idem_header;
  int form;
} ctx;

static const jj_notifier_key keys[] = {
    {"url", JJ_KEY_REQUIRED, "where to POST"},
    {"format", 0, "json (default) or form"},
    {"body", 0, "the body template; default {{ json }} (json), text={{ text }} (form)"},
    {"headers", JJ_KEY_LIST, "extra headers, each 'Name: value'"},
    {"username", 0, "basic auth user (with password_env/_file)"},
    {"password", JJ_KEY_SECRET, "basic auth password"},
    {"token", JJ_KEY_SECRET, "bearer token (Authorization: Bearer ...)"},
    {"idempotency_header", 0, "header carrying the idempotency key; default Idempotency-Key"},
};

static void fini(void *p) {
  ctx *c = p;
  if (!c) return;
  free(c->url);
  free(c->body);
  free(c->headers);
  free(c->user);
  free(c->password);
  free(c->token);
  free(c->idem_header);
  free(c);
}

static jj_status init(void *tc, const jj_notifier_settings *s, void **out, char *err, size_t n) {
  (void)tc;
  const char *f = jj_notifier_setting(s, "format");
  if (f && strcmp(f, "json") != 0 && strcmp(f, "form") != 0) {
    (void)snprintf(err, n, "'format' must be json or form, not '%s'", f);
    return JJ_EINVAL;
  }
  int form = f && strcmp(f, "form") == 0;
  const char *body = jj_notifier_setting(s, "body");
  if (!body) body = form ? "text={{ text }}" : "{{ json }}";
  jj__sb probe = {0};
  int bad = jj__render(&probe, body, NULL, 0, err, n);
  jj__sb_free(&probe);
  if (bad) return JJ_EINVAL;
  const char *url = jj_notifier_setting(s, "url");
  if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
    (void)snprintf(err, n, "'url' must start with http:// or https://");
    return JJ_EINVAL;
  }
  if (!jj_notifier_setting(s, "username") != !jj_notifier_setting(s, "password")) {
    (void)snprintf(err, n, "basic auth needs both 'username' and 'password_env'/'password_file'");
    return JJ_EINVAL;
  }
  const char *hdrs = jj_notifier_setting(s, "headers");
  for (const char *h = hdrs; h && *h;) {
    size_t len = strcspn(h, "\n");
    const char *colon = memchr(h, ':', len);
    if (!colon || colon == h) {
      (void)snprintf(err, n, "each header must be 'Name: value', not '%.*s'", (int)len, h);
      return JJ_EINVAL;
    }
    h += len + (h[len] == '\n');
  }
  ctx *c = calloc(1, sizeof *c);
  if (!c) return JJ_ENOMEM;
  c->form = form;
  const char *ih = jj_notifier_setting(s, "idempotency_header");
  c->url = jj__xstrdup(url);
  c->body = jj__xstrdup(body);
  c->headers = jj__xstrdup(hdrs ? hdrs : "");
  c->user = jj__xstrdup(jj_notifier_setting(s, "username"));
  c->password = jj__xstrdup(jj_notifier_setting(s, "password"));
  c->token = jj__xstrdup(jj_notifier_setting(s, "token"));
  c->idem_header = jj__xstrdup(ih ? ih : "Idempotency-Key");
  if (!c->url || !c->body || !c->headers || !c->idem_header) {
    fini(c);
    return JJ_ENOMEM;
  }
  *out = c;
  return JJ_OK;
}

static int build(void *p, const jj_notification *const *m, uint32_t n, uint32_t part,
                 jj__http_req *req, char *err, size_t errsize) {
  (void)part;
  const ctx *c = p;
  jj__sb b = {0};
  /* a group of JSON bodies is a JSON array; of form bodies, one per line */
  if (n > 1 && !c->form) jj__sb_puts(&b, "[");
  for (uint32_t i = 0; i < n; i++) {
    if (i) jj__sb_puts(&b, c->form ? "\n" : ",");
    if (jj__render(&b, c->body, m[i], c->form ? 'f' : 'j', err, errsize)) {
      jj__sb_free(&b);
      return -1;
    }
  }
  if (n > 1 && !c->form) jj__sb_puts(&b, "]");
  req->body_len = b.len;
  req->body = jj__sb_take(&b);
  req->url = jj__xstrdup(c->url);
  if (!req->body || !req->url) return -1;
  int bad = jj__req_header(req, "Content-Type",
                           c->form ? "application/x-www-form-urlencoded"
                                   : "application/json; charset=utf-8");
  bad |= jj__req_header(req, c->idem_header, m[0]->idempotency_key);
  if (c->token) {
    jj__sb a = {0};
    jj__sb_printf(&a, "Bearer %s", c->token);
    bad |= a.oom || jj__req_header(req, "Authorization", a.s);
    jj__sb_free(&a);
  }
  if (c->user) {
    jj__sb a = {0};
    jj__sb_printf(&a, "%s:%s", c->user, c->password);
    req->userpwd = jj__sb_take(&a);
    bad |= !req->userpwd;
  }
  for (const char *h = c->headers; *h;) {
    size_t len = strcspn(h, "\n");
    char line[512];
    (void)snprintf(line, sizeof line, "%.*s", (int)len, h);
    char *colon = strchr(line, ':');
    if (colon) {
      *colon = '\0';
      const char *v = colon + 1;
      while (*v == ' ') v++;
      bad |= jj__req_header(req, line, v);
    }
    h += len + (h[len] == '\n');
  }
  if (bad) (void)snprintf(err, errsize, "too many headers or out of memory");
  return bad ? -1 : 0;
}

const jj_notifier_type jj__type_webhook = {
    sizeof(jj_notifier_type), "webhook", keys, sizeof keys / sizeof keys[0], init, NULL, NULL,
    fini, NULL, {NULL, NULL, NULL, NULL}};
const jj__http_ops jj__http_webhook = {NULL, build, NULL, NULL, NULL};
