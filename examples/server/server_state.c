/* Snapshots of the engine across restarts: not supported yet (see
 * server_state.h). These functions say so; they do not pretend. */
#include "server_state.h"

#include <stdio.h>

static srv_state_status unsupported(const srv_config *cfg, char *msg, size_t size) {
  if (!cfg->state_dir) {
    (void)snprintf(msg, size, "no state dir configured");
    return SRV_STATE_NONE;
  }
  (void)snprintf(msg, size,
                 "snapshots are not supported yet (libjjair has no engine snapshot API); "
                 "state in %s is neither read nor written",
                 cfg->state_dir);
  return SRV_STATE_UNSUPPORTED;
}

srv_state_status srv_state_restore(const srv_config *cfg, jj_engine *e, char *msg, size_t size) {
  (void)e;
  return unsupported(cfg, msg, size);
}

srv_state_status srv_state_checkpoint(const srv_config *cfg, jj_engine *e, char *msg,
                                      size_t size) {
  (void)e;
  return unsupported(cfg, msg, size);
}
