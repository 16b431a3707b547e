/* Built-in notifier "slack": a chat incoming webhook. Slack (and
 * Mattermost, Rocket.Chat) take {"text": ...}; `style: discord` sends
 * {"content": ...} (Discord caps it at 2000 characters). The webhook URL
 * carries its own secret, so it is a secret key: url_env or url_file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_internal.h"

typedef struct ctx {
  char *url;
  int discord;
} ctx;

static const jj_notifier_key keys[] = {
    {"url", JJ_KEY_SECRET | JJ_KEY_REQUIRED, "the incoming-webhook URL"},
    {"style", 0, "slack (default) or discord"},
};

static void fini(void *p) {
  ctx *c = p;
  if (!c) return;
  free(c->url);
  free(c);
}

static jj_status init(void *tc, const jj_notifier_settings *s, void **out, char *err, size_t n) {
  (void)tc;
  const char *st = jj_notifier_setting(s, "style");
  if (st && strcmp(st, "slack") != 0 && strcmp(st, "discord") != 0) {
    (void)snprintf(err, n, "'style' must be slack or discord");
    return JJ_EINVAL;
  }
  ctx *c = calloc(1, sizeof *c);
  if (!c || !(c->url = jj__xstrdup(jj_notifier_setting(s, "url")))) {
    fini(c);
    return JJ_ENOMEM;
  }
  c->discord = st && strcmp(st, "discord") == 0;
  *out = c;
  return JJ_OK;
}

static int build(void *p, const jj_notification *const *m, uint32_t n, uint32_t part,
                 jj__http_req *req, char *err, size_t errsize) {
  (void)part;
  const ctx *c = p;
  jj__sb text = {0};
  for (uint32_t i = 0; i < n; i++) {
    if (i) jj__sb_puts(&text, "\n");
    jj__sb_puts(&text, m[i]->text);
  }
  if (c->discord && text.len > 1900) { /* 2000 characters at most; cut on a UTF-8 boundary */
    size_t cut = 1900;
    while (cut > 0 && (text.s[cut] & 0xC0) == 0x80) cut--;
    text.s[cut] = '\0';
    text.len = cut;
  }
  jj__sb b = {0};
  jj__sb_puts(&b, c->discord ? "{\"content\":" : "{\"text\":");
  jj__sb_json(&b, text.s ? text.s : "");
  jj__sb_puts(&b, "}");
  jj__sb_free(&text);
  req->body_len = b.len;
  req->body = jj__sb_take(&b);
  req->url = jj__xstrdup(c->url);
  if (!req->body || !req->url ||
      jj__req_header(req, "Content-Type", "application/json; charset=utf-8")) {
    (void)snprintf(err, errsize, "out of memory");
    return -1;
  }
  return 0;
}

const jj_notifier_type jj__type_slack = {
    sizeof(jj_notifier_type), "slack", keys, sizeof keys / sizeof keys[0], init, NULL, NULL,
    fini, NULL, {NULL, NULL, NULL, NULL}};
const jj__http_ops jj__http_slack = {NULL, build, NULL, NULL, NULL};
