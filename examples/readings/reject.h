/* Why a reading was not taken: the reasons the readers (reading_json.h,
 * reading_line.h) report, which jjair-server counts in /metrics and
 * `jjair replay` in its end counts. */
#ifndef JJ_READINGS_REJECT_H
#define JJ_READINGS_REJECT_H

/* Why a reading (or a message, or a line) was not taken. Append only: the
 * names are metric label values. */
typedef enum srv_reject {
  SRV_REJ_JSON = 0,    /* not valid JSON */
  SRV_REJ_NOT_OBJECT,  /* valid JSON, but not a reading object */
  SRV_REJ_UNKNOWN_KEY, /* a key the payload does not have (a typo) */
  SRV_REJ_METRIC,      /* missing, empty or not the topic's metric */
  SRV_REJ_LABELS,      /* not an object of strings, too many, or against the topic */
  SRV_REJ_TIMESTAMP,   /* missing (data time) or not an integer of milliseconds */
  SRV_REJ_VALUE,       /* missing or not a number */
  SRV_REJ_LOCATION,    /* lat/lon not both numbers in range */
  SRV_REJ_TOPIC,       /* an MQTT topic outside the layout */
  SRV_REJ_LINE,        /* line protocol syntax */
  SRV_REJ_FIELD_TYPE,  /* a line protocol field that is not a number (string, boolean) */
  SRV_REJ_QUEUE_FULL,  /* MQTT QoS 0 message dropped: the queue was full */
  SRV_REJ_TOO_LARGE,   /* an HTTP body above http.max_body, or a batch above the queue */
  SRV_REJ_NOMEM,       /* out of memory while parsing */
  SRV_REJ_COUNT
} srv_reject;

const char *srv_reject_name(srv_reject r);

#endif
