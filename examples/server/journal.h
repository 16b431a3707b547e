/* The journal: every reading the engine thread pushes since the last
 * snapshot, so a crash (kill -9, power aside) loses no reading the engine
 * had taken. The engine thread appends each batch before pushing it and
 * hands it to the kernel (fflush) at once; after each event it has handed
 * to delivery it appends "#seq N", the event's sequence number. At start,
 * the server restores the snapshot the journal belongs to ("#gen G", its
 * first line) and pushes the journal's readings again: the engine, exact
 * to the byte from the snapshot on, produces the same events with the same
 * sequence numbers, and those up to the last "#seq" mark were delivered
 * before the crash, so they are not delivered again (server_state.h).
 *
 * Format: text, one line each. "#gen G" first, then readings as NDJSON
 * objects in the server's reading format (reading_json.h: metric, labels,
 * ts, value, lat/lon; values with 17 significant digits, so they read back
 * bit for bit) and "#seq N" marks. A torn last line (a crash in the middle
 * of a write) is skipped with a count. */
#ifndef JJ_SERVER_JOURNAL_H
#define JJ_SERVER_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "reading.h"

typedef struct srv_journal {
  FILE *f;
  char *path;
  uint64_t readings; /* appended since it was opened */
} srv_journal;

/* Start a new journal at `path` for generation `gen`: written to
 * "<path>.tmp", synced, renamed over `path`. 0, or -1 with err. */
int srv_journal_create(srv_journal *j, const char *path, uint64_t gen, char *err, size_t errsize);

/* Append the readings of `b` and hand them to the kernel. 0 or -1. */
int srv_journal_append(srv_journal *j, const srv_batch *b);

/* Append "#seq N" (handed to the kernel at once). 0 or -1. */
int srv_journal_mark(srv_journal *j, uint64_t seq);

/* Close (NULL f: no-op). */
void srv_journal_close(srv_journal *j);

/* What srv_journal_scan found. */
typedef struct srv_journal_info {
  int exists;
  uint64_t gen;       /* from "#gen" */
  uint64_t last_seq;  /* the last "#seq" mark; 0 when none */
  uint64_t lines;
} srv_journal_info;

/* Read the header and the last mark of the journal at `path`. 0 (also when
 * there is none: exists 0), -1 with err for a file without a valid header. */
int srv_journal_scan(const char *path, srv_journal_info *info, char *err, size_t errsize);

/* Hand every reading of the journal, in order, to `each` in batches (the
 * callee does not keep them). Returns the number of readings; *bad gets
 * the lines that did not parse (a torn last line). -1 when unreadable. */
typedef void (*srv_journal_fn)(void *ctx, srv_batch *b);
long long srv_journal_replay(const char *path, srv_journal_fn each, void *ctx, uint64_t *bad);

#endif
