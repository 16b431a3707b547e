/* Readings from InfluxDB line protocol (POST /write): each numeric field of
 * a line is one reading. Its metric is the field's key, except for a field
 * named "value", whose metric is the measurement (so both
 * `air,station=s1 pm25=41,pm10=80` and `pm25,station=s1 value=41` work);
 * the tags are its labels. Fields named "lat" and "lon" are the position
 * of the line's other readings (robots), not readings. String and boolean
 * fields are not readings: each is counted as rejected (field_type). A
 * line without a timestamp takes default_ts, or is refused when that is
 * INT64_MIN (data time). */
#ifndef JJ_SERVER_READING_LINE_H
#define JJ_SERVER_READING_LINE_H

#include <stddef.h>
#include <stdint.h>

#include "lineproto.h"
#include "reading.h"
#include "reading_json.h"

/* Add the readings of every line of `body`; bad lines (and non-numeric
 * fields) are reported through `bad` and left out. Returns how many
 * readings were added. */
size_t srv_line_parse(srv_batch *b, const char *body, size_t len, srv_lp_precision precision,
                      int64_t default_ts, srv_bad_fn bad, void *ctx);

#endif
