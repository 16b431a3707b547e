/* Readings as JSON (jansson): MQTT payloads and POST /ingest NDJSON lines.
 *
 * A reading is one object:
 *   {"metric": "pm25", "labels": {"station": "palbok-1", "zone": "중부권역"},
 *    "ts": 1714539600000, "value": 41.5, "lat": 35.84, "lon": 127.13}
 * metric: a non-empty string; labels: an object of strings (optional);
 * ts: integer milliseconds since 1970 UTC (optional in wall-clock mode,
 * where the time of receipt is used; required in data-time mode); value:
 * a number; lat/lon: both or neither, degrees (robots). Any other key is
 * refused (a typo must not pass unnoticed). An MQTT payload or an NDJSON
 * line may also be an array of such objects.
 *
 * MQTT topics end in <kind>/<id>/<metric> with kind "station" or "robot"
 * (e.g. jjair/v1/robot/robot-06/temperature): the topic gives the metric
 * and the label station=<id> or robot=<id>; the payload may repeat them
 * but not contradict them. */
#ifndef JJ_SERVER_READING_JSON_H
#define JJ_SERVER_READING_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "reading.h"
#include "reject.h"

/* Told about each bad reading: `line` is the 1-based line of an NDJSON
 * body (0 for an MQTT payload), `message` says what is wrong. */
typedef void (*srv_bad_fn)(void *ctx, size_t line, srv_reject reason, const char *message);

typedef struct srv_topic {
  const char *label; /* "station" or "robot" */
  char id[128];
  char metric[128];
} srv_topic;

/* 0 and *out for a topic of the layout; -1 with a message otherwise. */
int srv_topic_parse(const char *topic, srv_topic *out, char *err, size_t errsize);

/* Add the readings of one JSON text (an object or an array of objects) to
 * `b`; `topic` may be NULL; default_ts is used for a reading without "ts"
 * (INT64_MIN: "ts" is required). Each bad reading is reported through
 * `bad` (may be NULL) with `line` and left out; the good ones are kept.
 * Returns how many readings were added. */
size_t srv_json_payload(srv_batch *b, const char *text, size_t len, const srv_topic *topic,
                        int64_t default_ts, size_t line, srv_bad_fn bad, void *ctx);

/* The same for every line of an NDJSON body (blank lines are skipped). */
size_t srv_ndjson_parse(srv_batch *b, const char *body, size_t len, int64_t default_ts,
                        srv_bad_fn bad, void *ctx);

#endif
