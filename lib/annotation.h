/* Internal: a rule's annotation templates rendered for one of its events,
 * for the JSON writer, which escapes the text as it arrives. */
#ifndef JJ_LIB_ANNOTATION_H
#define JJ_LIB_ANNOTATION_H

#include <stdint.h>

#include "jjair/event.h"
#include "template.h"

/* Render annotation i of ev's rule through fn; nothing if out of range. */
void jj__annotation_emit(const jj_event *ev, uint32_t i, jj__put_fn fn, void *ctx);

#endif
