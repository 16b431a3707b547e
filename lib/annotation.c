/* The annotations of an event's rule: names, lookup and rendering (the
 * public jj_event_annotation_* and jj_event_render). The event reaches
 * its rule through ev->ruleset and ev->rule_index; the text comes from
 * template.c. */
#include "annotation.h"

#include <string.h>

#include "ruleset.h"

static const jj_rule *event_rule(const jj_event *ev) {
  if (!ev || !ev->ruleset || ev->rule_index >= ev->ruleset->nrules) return NULL;
  return &ev->ruleset->rules[ev->rule_index];
}

uint32_t jj_event_annotation_count(const jj_event *ev) {
  const jj_rule *r = event_rule(ev);
  return r ? r->nannotations : 0;
}

const char *jj_event_annotation_name(const jj_event *ev, uint32_t i) {
  const jj_rule *r = event_rule(ev);
  return (r && i < r->nannotations) ? r->annotations[i].name : NULL;
}

jj_status jj_event_annotation_find(const jj_event *ev, const char *name, uint32_t *index) {
  if (!ev || !name || !index) return JJ_EINVAL;
  const jj_rule *r = event_rule(ev);
  for (uint32_t i = 0; r && i < r->nannotations; i++) {
    if (strcmp(r->annotations[i].name, name) == 0) {
      *index = i;
      return JJ_OK;
    }
  }
  return JJ_ENOTFOUND;
}

size_t jj_event_render(const jj_event *ev, uint32_t i, char *buf, size_t size) {
  const jj_rule *r = event_rule(ev);
  if (!r || i >= r->nannotations) {
    if (buf && size) buf[0] = '\0';
    return 0;
  }
  return jj__template_render(r->annotations[i].value, ev, buf, size);
}

void jj__annotation_emit(const jj_event *ev, uint32_t i, jj__put_fn fn, void *ctx) {
  const jj_rule *r = event_rule(ev);
  if (r && i < r->nannotations) jj__template_emit(r->annotations[i].value, ev, fn, ctx);
}
