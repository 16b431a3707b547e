/* State across restarts: the one seam for engine snapshots.
 *
 * NOT BUILT YET. Restoring the last snapshot at start and checkpointing on
 * an interval and at shutdown need engine snapshots in libjjair (the
 * "snapshot, restore, hot reload" work), which do not exist yet. Until
 * they do, both functions below do nothing and return
 * SRV_STATE_UNSUPPORTED, and the server starts with an empty engine: after
 * a restart, open alerts are not known to it (they fire again when their
 * condition holds again, and a resolve of an alert opened before the
 * restart is not sent). When snapshots land, only this file changes. */
#ifndef JJ_SERVER_STATE_H
#define JJ_SERVER_STATE_H

#include "config.h"
#include "jjair/engine.h"

typedef enum srv_state_status {
  SRV_STATE_OK = 0,
  SRV_STATE_NONE,        /* nothing to restore (no state dir, no snapshot) */
  SRV_STATE_UNSUPPORTED, /* the library has no snapshots yet */
  SRV_STATE_ERROR
} srv_state_status;

/* Restore the last snapshot in cfg->state_dir into `e` (a fresh engine). */
srv_state_status srv_state_restore(const srv_config *cfg, jj_engine *e, char *msg, size_t size);

/* Write a snapshot of `e` to cfg->state_dir (engine thread only). */
srv_state_status srv_state_checkpoint(const srv_config *cfg, jj_engine *e, char *msg, size_t size);

#endif
