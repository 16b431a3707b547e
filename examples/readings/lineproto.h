/* InfluxDB line protocol, one line at a time: what Telegraf and many
 * sensor gateways send to POST /write.
 *
 *   measurement[,tag=value...] field=value[,field=value...] [timestamp]
 *
 * Following InfluxData's line protocol reference (InfluxDB v2 docs,
 * "Line protocol"): measurement names escape ',' and ' ' with a
 * backslash; tag keys, tag values and field keys escape ',', '=' and ' ';
 * string field values are double-quoted and escape '"' and '\'; a
 * backslash before any other character is itself. Field values are floats
 * (1, -1.5, 1e3), integers (12i), unsigned integers (12u), strings ("x")
 * or booleans (t T true True TRUE f F false False FALSE). The timestamp is
 * an integer in the request's precision (ns by default). Blank lines and
 * lines starting with '#' are skipped. No Debian package parses line
 * protocol in C, hence this module. */
#ifndef JJ_SERVER_LINEPROTO_H
#define JJ_SERVER_LINEPROTO_H

#include <stddef.h>
#include <stdint.h>

#define SRV_LP_MAX_TAGS 32
#define SRV_LP_MAX_FIELDS 64

typedef enum srv_lp_precision {
  SRV_LP_NS = 0, /* the default, as in InfluxDB */
  SRV_LP_US,
  SRV_LP_MS,
  SRV_LP_S
} srv_lp_precision;

typedef enum srv_lp_type {
  SRV_LP_FLOAT,
  SRV_LP_INT,
  SRV_LP_UINT,
  SRV_LP_STRING,
  SRV_LP_BOOL
} srv_lp_type;

typedef struct srv_lp_tag {
  const char *key;
  const char *value;
} srv_lp_tag;

typedef struct srv_lp_field {
  const char *key;
  srv_lp_type type;
  double num;      /* FLOAT, INT, UINT (as a double), BOOL (0 or 1) */
  const char *str; /* STRING, unescaped */
} srv_lp_field;

/* One parsed line. Strings point into the caller's scratch buffer. */
typedef struct srv_lp_line {
  const char *measurement;
  srv_lp_tag tags[SRV_LP_MAX_TAGS];
  size_t ntags;
  srv_lp_field fields[SRV_LP_MAX_FIELDS];
  size_t nfields;
  int has_ts;
  int64_t ts_ms; /* the timestamp in milliseconds (rounded down) */
} srv_lp_line;

/* "ns", "n", "us", "u", "ms", "s" (InfluxDB 1.x and 2.x spellings); NULL
 * means ns. 0 and *out; -1 for anything else. */
int srv_lp_precision_parse(const char *text, srv_lp_precision *out);

/* Parse `len` bytes of one line (no newline; a trailing '\r' is ignored).
 * `scratch` must hold at least len + 1 bytes: the unescaped strings go
 * there. Returns 1 for a line to skip (blank, comment), 0 for a line in
 * *out, -1 for a malformed line with a message and the 1-based byte column
 * of the problem in err / *col. */
int srv_lp_parse(const char *line, size_t len, srv_lp_precision precision, char *scratch,
                 srv_lp_line *out, char *err, size_t errsize, size_t *col);

#endif
