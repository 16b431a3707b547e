/* What a reload or restore replaced but queued events may still name: the
 * old ruleset, and the events (with their strings) that end the episodes
 * of dropped rules. Built by snapshot.c, freed by the engine's poll. */
#ifndef JJ_RETIRED_H
#define JJ_RETIRED_H

#include <stdint.h>

#include "jjair/engine.h"

typedef struct jj_retired {
  struct jj_retired *next;
  jj_ruleset *rs;    /* NULL, or a replaced ruleset (its reference) */
  uint64_t last_seq; /* the last event that may name this */
  jj_event ev[];     /* the events, then their strings */
} jj_retired;

/* Free the retired blocks no live event can name: events with
 * seq >= `oldest_live` may still be read (UINT64_MAX: none). */
void jj__retired_sweep(jj_engine *e, uint64_t oldest_live);

#endif
