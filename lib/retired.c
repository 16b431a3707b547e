/* Freeing what reloads and restores retired (see retired.h). Its own file
 * so the engine's poll frees them without depending on the snapshot code. */
#include "retired.h"

#include "engine_internal.h"

void jj__retired_sweep(jj_engine *e, uint64_t oldest_live) {
  jj_retired **pp = &e->retired;
  while (*pp) {
    jj_retired *x = *pp;
    if (x->last_seq < oldest_live) {
      *pp = x->next;
      jj_ruleset_free(x->rs);
      jj__free(&e->alc, x);
    } else {
      pp = &x->next;
    }
  }
}
