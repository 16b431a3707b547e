/* Owned copies of events (jj_event_copy / jj_event_free): one block holds
 * a header, the event, its two label arrays and every string, so a copy is
 * one allocation and one free. The copy holds a reference to the ruleset,
 * which owns the annotation templates the copy may still render.
 *
 *   [ header | jj_event | labels[] | rule_labels[] | "strings\0..." ]
 *              ^ the pointer the caller gets */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "event_copy.h"
#include "jjair/event.h"
#include "ruleset.h"

typedef union copy_hdr {
  struct {
    jj_allocator alc;
    jj_ruleset *rs; /* the reference this copy holds, or NULL */
  } h;
  max_align_t align; /* the event after the header stays aligned */
} copy_hdr;

static size_t str_size(const char *s) { return s ? strlen(s) + 1 : 0; }

static size_t labels_size(const jj_label *l, uint32_t n) {
  size_t size = 0;
  for (uint32_t i = 0; l && i < n; i++) size += str_size(l[i].name) + str_size(l[i].value);
  return size;
}

/* Copy s to *pool and advance it; NULL stays NULL. */
static const char *place(char **pool, const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *d = *pool;
  memcpy(d, s, n);
  *pool += n;
  return d;
}

static const jj_label *place_labels(jj_label *dst, const jj_label *src, uint32_t n, char **pool) {
  if (!src) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    dst[i].name = place(pool, src[i].name);
    dst[i].value = place(pool, src[i].value);
  }
  return dst;
}

jj_status jj_event_copy(const jj_event *ev, const jj_allocator *alc, jj_event **out) {
  if (!out) return JJ_EINVAL;
  *out = NULL;
  if (!ev) return JJ_EINVAL;
  uint32_t nl = ev->labels ? ev->nlabels : 0, nrl = ev->rule_labels ? ev->nrule_labels : 0;
  size_t size = sizeof(copy_hdr) + sizeof(jj_event) + ((size_t)nl + nrl) * sizeof(jj_label) +
                str_size(ev->rule) + str_size(ev->level_name) + str_size(ev->severity) +
                str_size(ev->metric) + str_size(ev->prev_level_name) +
                str_size(ev->prev_severity) + str_size(ev->band) + str_size(ev->index_name) +
                labels_size(ev->labels, nl) +
                labels_size(ev->rule_labels, nrl);
  jj_allocator a;
  jj__alloc_resolve(&a, alc);
  copy_hdr *hdr = jj__malloc(&a, size);
  if (!hdr) return JJ_ENOMEM;
  hdr->h.alc = a;
  jj_event *c = (jj_event *)(hdr + 1);
  *c = *ev;
  jj_label *labels = (jj_label *)(c + 1);
  char *pool = (char *)(labels + nl + nrl);
  c->rule = place(&pool, ev->rule);
  c->level_name = place(&pool, ev->level_name);
  c->severity = place(&pool, ev->severity);
  c->metric = place(&pool, ev->metric);
  c->prev_level_name = place(&pool, ev->prev_level_name);
  c->prev_severity = place(&pool, ev->prev_severity);
  c->band = place(&pool, ev->band);
  c->index_name = place(&pool, ev->index_name);
  c->labels = place_labels(labels, ev->labels, nl, &pool);
  c->rule_labels = place_labels(labels + nl, ev->rule_labels, nrl, &pool);
  /* A reference count is not part of the ruleset's immutable content:
   * taking one through the event's const pointer is sound. */
  union {
    const jj_ruleset *c;
    jj_ruleset *m;
  } rs = {ev->ruleset};
  hdr->h.rs = rs.m;
  if (hdr->h.rs) jj__ruleset_retain(hdr->h.rs);
  *out = c;
  return JJ_OK;
}

jj_ruleset *jj__event_free_keep_ref(jj_event *ev) {
  if (!ev) return NULL;
  copy_hdr *hdr = (copy_hdr *)ev - 1;
  jj_ruleset *rs = hdr->h.rs;
  jj_allocator a = hdr->h.alc;
  jj__free(&a, hdr);
  return rs;
}

void jj_event_free(jj_event *ev) { jj_ruleset_free(jj__event_free_keep_ref(ev)); }
