/* Internal: annotation templates, "PM2.5 {{ value:.0f }} in {{ labels.zone }}".
 * The template language alone: checked once when a rule is built (by
 * ruleset.c), rendered on demand from an event (by annotation.c), with no
 * allocation. It knows events but no ruleset or engine. */
#ifndef JJ_LIB_TEMPLATE_H
#define JJ_LIB_TEMPLATE_H

#include <stddef.h>

#include "jjair/event.h"

/* 0 when `tmpl` is valid; else -1 with the reason (and its byte offset)
 * in `why`. */
int jj__template_check(const char *tmpl, char *why, size_t n);

/* Receives rendered text in pieces. A piece never splits a field's value
 * or a run of the template's own text between two fields. */
typedef void (*jj__put_fn)(void *ctx, const char *s, size_t n);

/* Render `tmpl` (which passed jj__template_check) for `ev` through fn. */
void jj__template_emit(const char *tmpl, const jj_event *ev, jj__put_fn fn, void *ctx);

/* Render into buf (NUL-terminated when size > 0); returns the full length
 * like snprintf. */
size_t jj__template_render(const char *tmpl, const jj_event *ev, char *buf, size_t size);

#endif
