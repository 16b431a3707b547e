/* Internal: annotation templates, "PM2.5 {{ value:.0f }} in {{ labels.zone }}".
 * Checked once when a rule is built; rendered on demand from an event into
 * the caller's buffer, with no allocation. */
#ifndef JJ_LIB_TEMPLATE_H
#define JJ_LIB_TEMPLATE_H

#include <stddef.h>

#include "jjair/event.h"

/* 0 when `tmpl` is valid; else -1 with the reason (and its byte offset)
 * in `why`. */
int jj__template_check(const char *tmpl, char *why, size_t n);

/* Render into buf (NUL-terminated when size > 0); returns the full length
 * like snprintf. `tmpl` must have passed jj__template_check. */
size_t jj__template_render(const char *tmpl, const jj_event *ev, char *buf, size_t size);

#endif
