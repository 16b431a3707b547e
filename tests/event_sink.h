/* Every event of an engine as JSON, one per line, into a growing text:
 * an on_event callback for tests that compare whole runs. Include after
 * <cmocka.h>. The caller frees `text`. */
#ifndef JJ_TEST_EVENT_SINK_H
#define JJ_TEST_EVENT_SINK_H

#include <stdlib.h>
#include <string.h>

#include "jjair/jjair.h"

typedef struct tu_sink {
  char *text;
  size_t len, cap;
} tu_sink;

static void tu_sink_event(void *ctx, const jj_event *ev) {
  tu_sink *s = ctx;
  char line[1024];
  size_t n = jj_event_json(ev, line, sizeof line);
  assert_true(n < sizeof line);
  if (s->len + n + 2 > s->cap) {
    s->cap = (s->len + n + 2) * 2;
    s->text = realloc(s->text, s->cap);
    assert_non_null(s->text);
  }
  memcpy(s->text + s->len, line, n);
  s->len += n;
  s->text[s->len++] = '\n';
  s->text[s->len] = '\0';
}

#endif
