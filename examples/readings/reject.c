/* The reject reasons' names (see reject.h): metric label values. */
#include "reject.h"

static const char *const reject_names[SRV_REJ_COUNT] = {
    "json",  "not_object", "unknown_key", "metric",     "labels",   "timestamp",   "value",
    "location", "topic",   "line_protocol", "field_type", "queue_full", "too_large", "out_of_memory"};

const char *srv_reject_name(srv_reject r) {
  return (unsigned)r < SRV_REJ_COUNT ? reject_names[r] : "unknown";
}

