/* State across restarts: engine snapshots (libjjair's jj_engine_save /
 * jj_engine_load, include/jjair/snapshot.h) plus the journal of readings
 * since the last one (journal.h), in the configured state directory:
 *
 *   <state dir>/engine-<G>.snap   the engine at checkpoint G (atomic rename)
 *   <state dir>/journal           "#gen G", then every reading since
 *   <state dir>/outbox            the notifiers' outbox (notifiers.h)
 *
 * A checkpoint (every state.checkpoint_interval, after a rule reload, and
 * at shutdown; engine thread) writes engine-<G+1>.snap, then starts a new
 * journal for G+1, then removes engine-<G>.snap: a crash at any point
 * leaves a snapshot and either its own journal or an older one, which the
 * start recognises by its generation and ignores (the snapshot already
 * holds its readings).
 *
 * At start, the newest snapshot is restored (over the rule files as they
 * are now: unchanged rules keep their windows and alerts) and its
 * journal's readings pushed again, with the events the engine had already
 * delivered before the crash kept quiet (their sequence numbers are at or
 * below the journal's last "#seq" mark); events after the mark — those of
 * the batch the crash interrupted — are delivered. Then a checkpoint starts
 * a fresh generation. A snapshot that does not restore (damaged, or the
 * engine settings that must match changed) is renamed *.bad, logged, and
 * the server starts empty.
 *
 * Not covered: readings still in the ingest queue at a crash (taken by
 * HTTP or MQTT, not yet by the engine thread; at most limits.queue), and
 * a power loss between two checkpoints (the journal is handed to the
 * kernel, not synced, per batch). */
#ifndef JJ_SERVER_STATE_H
#define JJ_SERVER_STATE_H

#include <stdint.h>

#include "config.h"
#include "jjair/jjair.h"
#include "journal.h"
#include "reading.h"

typedef enum srv_state_status {
  SRV_STATE_OK = 0,
  SRV_STATE_NONE,  /* nothing to restore (no state dir, no snapshot) */
  SRV_STATE_ERROR
} srv_state_status;

typedef struct srv_state {
  char *dir;
  uint64_t gen;      /* the current generation (its snapshot and journal) */
  srv_journal journal;
  int64_t last_ok_ms; /* wall clock of the last checkpoint; 0 none */
  uint64_t last_bytes;
} srv_state;

/* What the engine side gives the restore: how to push a batch, and where
 * the "quiet up to" sequence number goes. */
typedef struct srv_state_hooks {
  void (*push)(void *ctx, srv_batch *b);
  uint64_t *quiet_upto;
  void *ctx;
} srv_state_hooks;

/* What the restore did (for the log and /metrics). */
typedef struct srv_restore_info {
  uint64_t gen;
  long long replayed;   /* journal readings pushed again; -1 none */
  uint64_t quiet_upto;  /* events up to this sequence number were not delivered again */
  uint64_t bad_lines;
  jj_restore_report report;
} srv_restore_info;

/* Prepare cfg->state_dir (created if missing). SRV_STATE_NONE without a
 * state dir (st stays unused). */
srv_state_status srv_state_open(srv_state *st, const srv_config *cfg, char *msg, size_t size);

/* Restore the newest snapshot into `e` (fresh) and replay its journal
 * (see above); then a checkpoint opens a new generation. SRV_STATE_NONE
 * when there was nothing to restore (the checkpoint is still made);
 * SRV_STATE_ERROR with msg when the snapshot was bad or the state dir
 * cannot be written (then the server runs on without a journal if the
 * first checkpoint failed). */
srv_state_status srv_state_restore(srv_state *st, jj_engine *e, const srv_state_hooks *h,
                                   srv_restore_info *info, char *msg, size_t size);

/* A checkpoint of `e` (engine thread, between batches). */
srv_state_status srv_state_checkpoint(srv_state *st, jj_engine *e, char *msg, size_t size);

/* The journal to append to (NULL without a state dir or after a failed
 * checkpoint). */
srv_journal *srv_state_journal(srv_state *st);

/* Close the journal, free. */
void srv_state_close(srv_state *st);

#endif
