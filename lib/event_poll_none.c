/* The poll queue when the build leaves it out (JJ_WITH_QUEUE=OFF): an
 * engine needs JJ_ENGINE_NO_QUEUE there (jj_engine_new refuses others with
 * JJ_ENOTSUP), so e->queue is always NULL; these only satisfy the linker. */
#include "engine_internal.h"

uint32_t jj__queue_scratch_cap(uint32_t cap) {
  (void)cap;
  return 0;
}

void jj__queue_push(jj_engine *e, const jj_event *ev, jj_series *s, jj_group *g) {
  (void)e;
  (void)ev;
  (void)s;
  (void)g;
}

int jj__queue_take(jj_engine *e, jj_event *out, jj_event_owner *owner) {
  (void)e;
  (void)out;
  (void)owner;
  return 0;
}
