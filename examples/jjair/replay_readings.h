/* jjair replay's other inputs: readings as NDJSON (--ndjson, the objects
 * jjair-server takes on POST /ingest and MQTT) and InfluxDB line protocol
 * (--line-protocol, what it takes on POST /write), read by the server's
 * own readers (examples/readings). replay_readings.c when jjair is built
 * with jansson; replay_readings_none.c (which says so) otherwise. */
#ifndef JJAIR_REPLAY_READINGS_H
#define JJAIR_REPLAY_READINGS_H

#include <stdint.h>
#include <stdio.h>

#include <jjair/jjair.h>

#include "replay_out.h"

typedef enum replay_input { REPLAY_IN_CSV = 0, REPLAY_IN_NDJSON, REPLAY_IN_LINE } replay_input;

typedef struct replay_totals {
  uint64_t lines;   /* input lines, blank ones included */
  uint64_t pushed;  /* readings the engine accepted */
  int64_t last_ts;  /* newest accepted reading; INT64_MIN when none */
} replay_totals;

/* 1 when this jjair reads NDJSON and line protocol. */
int replay_readings_available(void);

/* 0 when `text` is a precision of line protocol (ns, us, ms, s). */
int replay_precision_ok(const char *text);

/* Read `f` (named `name` in messages) in `kind`, push every good reading
 * into `e` in file order, report bad lines (file:line: reason: message,
 * the first 10) and the counts on stderr, and feed `o` progress. 0, or 1
 * when the input could not be read. */
int replay_readings(FILE *f, const char *name, replay_input kind, const char *precision,
                    jj_engine *e, replay_out *o, replay_totals *t);

#endif
