/* Internal: releasing an event copy (event_copy.c) without dropping its
 * ruleset reference at once, for a consumer that frees many copies and
 * drops their references together (jj__ruleset_release). */
#ifndef JJ_LIB_EVENT_COPY_H
#define JJ_LIB_EVENT_COPY_H

#include "jjair/event.h"

/* Free a copy made by jj_event_copy and return the ruleset it held a
 * reference to (NULL if none): the caller now owns that reference. NULL
 * ev: returns NULL. */
struct jj_ruleset *jj__event_free_keep_ref(jj_event *ev);

#endif
