/* Built-in notifier "stdout": one line per message on standard output,
 * the text (README "Notifiers", text convention) or, with `format: json`,
 * the event's JSON. For trying rules out and for pipelines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_internal.h"

typedef struct ctx {
  int json;
} ctx;

static const jj_notifier_key keys[] = {
    {"format", 0, "text (default) or json"},
};

static jj_status init(void *tc, const jj_notifier_settings *s, void **out, char *err, size_t n) {
  (void)tc;
  const char *f = jj_notifier_setting(s, "format");
  if (f && strcmp(f, "text") != 0 && strcmp(f, "json") != 0) {
    (void)snprintf(err, n, "'format' must be text or json, not '%s'", f);
    return JJ_EINVAL;
  }
  ctx *c = calloc(1, sizeof *c);
  if (!c) return JJ_ENOMEM;
  c->json = f && strcmp(f, "json") == 0;
  *out = c;
  return JJ_OK;
}

static jj_send_result send(void *p, const jj_notification *const *m, uint32_t n, char *err,
                           size_t errsize) {
  const ctx *c = p;
  for (uint32_t i = 0; i < n; i++)
    if (printf("%s\n", c->json ? m[i]->json : m[i]->text) < 0) {
      (void)snprintf(err, errsize, "cannot write to standard output");
      return JJ_SEND_RETRY;
    }
  return fflush(stdout) == 0 ? JJ_SEND_OK : JJ_SEND_RETRY;
}

static void fini(void *p) { free(p); }

const jj_notifier_type jj__type_stdout = {
    sizeof(jj_notifier_type), "stdout", keys, sizeof keys / sizeof keys[0], init, send, NULL,
    fini, NULL, {NULL, NULL, NULL, NULL}};
