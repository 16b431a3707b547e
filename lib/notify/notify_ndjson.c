/* Built-in notifier "ndjson": appends each event's JSON as one line to a
 * file (newline-delimited JSON), flushed after every message, fsynced
 * with `fsync: true`. A local audit trail, or a queue for another tool. */
#define _POSIX_C_SOURCE 200809L /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify_internal.h"

typedef struct ctx {
  FILE *f;
  int fsync;
} ctx;

static const jj_notifier_key keys[] = {
    {"path", JJ_KEY_REQUIRED, "the file to append to"},
    {"fsync", 0, "true: fsync after each message"},
};

static jj_status init(void *tc, const jj_notifier_settings *s, void **out, char *err, size_t n) {
  (void)tc;
  const char *path = jj_notifier_setting(s, "path");
  int fs = jj__setting_bool(s, "fsync", 0);
  if (fs < 0) {
    (void)snprintf(err, n, "'fsync' must be true or false");
    return JJ_EINVAL;
  }
  ctx *c = calloc(1, sizeof *c);
  if (!c) return JJ_ENOMEM;
  c->f = fopen(path, "a");
  if (!c->f) {
    (void)snprintf(err, n, "cannot open %s: %s", path, strerror(errno));
    free(c);
    return JJ_EINVAL;
  }
  c->fsync = fs;
  *out = c;
  return JJ_OK;
}

static jj_send_result send(void *p, const jj_notification *const *m, uint32_t n, char *err,
                           size_t errsize) {
  ctx *c = p;
  int bad = 0;
  for (uint32_t i = 0; i < n; i++) bad |= fprintf(c->f, "%s\n", m[i]->json) < 0;
  if (bad || fflush(c->f) != 0 || (c->fsync && fsync(fileno(c->f)) != 0)) {
    (void)snprintf(err, errsize, "cannot write: %s", strerror(errno));
    return JJ_SEND_RETRY;
  }
  return JJ_SEND_OK;
}

static void fini(void *p) {
  ctx *c = p;
  (void)fclose(c->f);
  free(c);
}

const jj_notifier_type jj__type_ndjson = {
    sizeof(jj_notifier_type), "ndjson", keys, sizeof keys / sizeof keys[0], init, send, NULL,
    fini, NULL, {NULL, NULL, NULL, NULL}};
