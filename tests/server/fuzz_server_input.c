/* Fuzz target for what jjair-server reads from the network: the first
 * byte picks the parser (line protocol body in one of the precisions,
 * NDJSON body, MQTT topic + payload), the rest is its input. Every reading
 * that comes out must be well formed (a metric, labels with names, the
 * location in range). Built as a libFuzzer binary with JJ_BUILD_FUZZ and
 * clang; tests/server/corpus_input is replayed by CTest in every build. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "reading_json.h"
#include "reading_line.h"

static void check_batch(const srv_batch *b) {
  for (size_t i = 0; i < b->n; i++) {
    const srv_reading *r = &b->r[i];
    if (!r->metric || !r->metric[0]) abort();
    for (uint32_t k = 0; k < r->nlabels; k++)
      if (!r->labels[k].name || !r->labels[k].value) abort();
    if (r->has_location && (fabs(r->lat) > 90 || fabs(r->lon) > 180)) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  unsigned mode = data[0] % 6;
  const char *text = (const char *)data + 1;
  size_t len = size - 1;
  srv_batch *b = srv_batch_new(SRV_SRC_LINE);
  if (!b) return 0;
  if (mode < 4) {
    (void)srv_line_parse(b, text, len, (srv_lp_precision)mode, mode % 2 ? 1 : INT64_MIN, NULL,
                         NULL);
  } else if (mode == 4) {
    (void)srv_ndjson_parse(b, text, len, INT64_MIN, NULL, NULL);
  } else { /* topic, a newline, the payload */
    const char *nl = memchr(text, '\n', len);
    size_t tl = nl ? (size_t)(nl - text) : len;
    char *topic = malloc(tl + 1);
    if (topic) {
      memcpy(topic, text, tl);
      topic[tl] = '\0';
      srv_topic t;
      char err[256];
      if (strlen(topic) == tl && srv_topic_parse(topic, &t, err, sizeof err) == 0 && nl)
        (void)srv_json_payload(b, nl + 1, len - tl - 1, &t, 5, 0, NULL, NULL);
      free(topic);
    }
  }
  check_batch(b);
  srv_batch_free(b);
  return 0;
}
