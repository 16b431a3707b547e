/* Shared by the snapshot tests: load rule files into a ruleset, collect an
 * engine's events as JSON lines, and replay a list of readings. */
#ifndef JJ_TESTS_SNAPSHOT_TESTUTIL_H
#define JJ_TESTS_SNAPSHOT_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jjair/jjair.h"

/* A ruleset from rule files under the source tree (NULL on error, printed). */
static inline jj_ruleset *st_load_rules(const char *const *files, size_t n) {
  jj_ruleset_builder *b = NULL;
  if (jj_ruleset_builder_new(NULL, &b) != JJ_OK) return NULL;
  for (size_t i = 0; i < n; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", JJ_SOURCE_DIR, files[i]);
    jj_error errs[4];
    size_t nerr = 0;
    memset(errs, 0, sizeof errs);
    if (jj_rules_load_file(b, path, errs, 4, &nerr) != JJ_OK) {
      fprintf(stderr, "%s:%d: %s\n", path, errs[0].line, errs[0].message);
      jj_ruleset_builder_free(b);
      return NULL;
    }
  }
  jj_ruleset *rs = NULL;
  jj_error err;
  memset(&err, 0, sizeof err);
  if (jj_ruleset_builder_build(b, &rs, &err) != JJ_OK) fprintf(stderr, "build: %s\n", err.message);
  jj_ruleset_builder_free(b);
  return rs;
}

/* Events as JSON text, with the step that made each. */
typedef struct st_events {
  char **json;
  size_t *step;
  int *kind;
  size_t n, cap;
  size_t cur_step;
} st_events;

static inline void st_on_event(void *ctx, const jj_event *ev) {
  st_events *x = ctx;
  if (x->n == x->cap) {
    x->cap = x->cap ? 2 * x->cap : 256;
    x->json = realloc(x->json, x->cap * sizeof *x->json);
    x->step = realloc(x->step, x->cap * sizeof *x->step);
    x->kind = realloc(x->kind, x->cap * sizeof *x->kind);
    if (!x->json || !x->step || !x->kind) abort();
  }
  size_t len = jj_event_json(ev, NULL, 0);
  char *s = malloc(len + 1);
  if (!s) abort();
  jj_event_json(ev, s, len + 1);
  x->json[x->n] = s;
  x->step[x->n] = x->cur_step;
  x->kind[x->n] = (int)ev->kind;
  x->n++;
}

static inline void st_events_clear(st_events *x) {
  for (size_t i = 0; i < x->n; i++) free(x->json[i]);
  x->n = 0;
}

static inline void st_events_free(st_events *x) {
  st_events_clear(x);
  free(x->json);
  free(x->step);
  free(x->kind);
  memset(x, 0, sizeof *x);
}

/* A snapshot in a malloc'ed buffer. */
static inline unsigned char *st_snapshot(jj_engine *e, size_t *size) {
  size_t need = 0;
  if (jj_engine_snapshot(e, NULL, 0, &need) != JJ_EFULL) return NULL;
  unsigned char *buf = malloc(need);
  if (!buf || jj_engine_snapshot(e, buf, need, size) != JJ_OK || *size != need) {
    free(buf);
    return NULL;
  }
  return buf;
}

#endif
