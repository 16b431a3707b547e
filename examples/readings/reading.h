/* Readings on their way from an ingest thread (MQTT, HTTP) to the engine
 * thread: a batch owns its readings and every string they point to, so it
 * can cross threads through the queue (queue.h) and be freed in one go. */
#ifndef JJ_SERVER_READING_H
#define JJ_SERVER_READING_H

#include <stddef.h>
#include <stdint.h>

#include "jjair/event.h"

#define SRV_MAX_LABELS 32

typedef struct srv_reading {
  const char *metric;
  jj_label *labels; /* in the batch's memory */
  uint32_t nlabels;
  int64_t ts_ms;
  double value;
  int has_location;
  double lat, lon;
} srv_reading;

typedef enum srv_source { SRV_SRC_MQTT = 0, SRV_SRC_NDJSON, SRV_SRC_LINE, SRV_SRC_COUNT } srv_source;

typedef struct srv_chunk srv_chunk;

/* What a queue item asks of the engine thread. */
typedef enum srv_item_kind {
  SRV_ITEM_READINGS = 0, /* push the readings */
  SRV_ITEM_ALERTS,       /* list the active alerts into `query` (GET /alerts) */
  SRV_ITEM_RELOAD        /* swap in the ruleset `rules` (SIGHUP) */
} srv_item_kind;

struct srv_query; /* engine_loop.h */
struct jj_ruleset;

typedef struct srv_batch {
  struct srv_batch *next; /* the queue's link */
  srv_item_kind kind;
  srv_source source;
  srv_reading *r;
  size_t n, cap;
  srv_chunk *chunks; /* string memory */
  struct srv_query *query;
  struct jj_ruleset *rules; /* SRV_ITEM_RELOAD: owned by the batch until taken */
} srv_batch;

/* An empty batch; NULL when out of memory. */
srv_batch *srv_batch_new(srv_source source);
void srv_batch_free(srv_batch *b);

/* Append a reading with room for `nlabels` labels; the caller fills
 * labels[i] with strings from srv_batch_strdup. NULL when out of memory. */
srv_reading *srv_batch_add(srv_batch *b, uint32_t nlabels);

/* Drop the last reading added (a reading found bad half-way). */
void srv_batch_drop_last(srv_batch *b);

/* A copy of `len` bytes of `s` plus a NUL, owned by the batch; NULL when
 * out of memory. */
char *srv_batch_strdup(srv_batch *b, const char *s, size_t len);

#endif
