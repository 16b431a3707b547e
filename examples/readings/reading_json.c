/* JSON readings and MQTT topics (see reading_json.h), parsed with jansson. */
#include "reading_json.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int srv_topic_parse(const char *topic, srv_topic *out, char *err, size_t errsize) {
  /* the last three levels: <kind>/<id>/<metric> */
  const char *lv[3] = {NULL, NULL, NULL};
  size_t ln[3] = {0, 0, 0};
  size_t end = strlen(topic);
  int found = 0;
  while (found < 3) {
    size_t start = end;
    while (start > 0 && topic[start - 1] != '/') start--;
    lv[2 - found] = topic + start;
    ln[2 - found] = end - start;
    found++;
    if (start == 0) break;
    end = start - 1;
  }
  if (found < 3) {
    (void)snprintf(err, errsize, "topic '%.100s' does not end in <station|robot>/<id>/<metric>",
                   topic);
    return -1;
  }
  if (ln[0] == 7 && memcmp(lv[0], "station", 7) == 0)
    out->label = "station";
  else if (ln[0] == 5 && memcmp(lv[0], "robot", 5) == 0)
    out->label = "robot";
  else {
    (void)snprintf(err, errsize, "topic '%.100s': the kind level is '%.*s', not station or robot",
                   topic, (int)(ln[0] < 40 ? ln[0] : 40), lv[0]);
    return -1;
  }
  if (ln[1] == 0 || ln[2] == 0 || ln[1] >= sizeof out->id || ln[2] >= sizeof out->metric) {
    (void)snprintf(err, errsize, "topic '%.100s': empty or too long id or metric", topic);
    return -1;
  }
  memcpy(out->id, lv[1], ln[1]);
  out->id[ln[1]] = '\0';
  memcpy(out->metric, lv[2], ln[2]);
  out->metric[ln[2]] = '\0';
  return 0;
}

typedef struct report {
  srv_bad_fn bad;
  void *ctx;
  size_t line;
} report;

static int reject(const report *rp, srv_reject why, const char *fmt, ...) {
  if (!rp->bad) return -1;
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  (void)vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  rp->bad(rp->ctx, rp->line, why, msg);
  return -1;
}

/* One reading object into b; -1 (reported) when it is bad. */
static int add_object(srv_batch *b, json_t *o, const srv_topic *topic, int64_t default_ts,
                      const report *rp) {
  if (!json_is_object(o)) return reject(rp, SRV_REJ_NOT_OBJECT, "a reading must be a JSON object");
  json_t *metric = NULL, *labels = NULL, *ts = NULL, *value = NULL, *lat = NULL, *lon = NULL;
  const char *key;
  json_t *v;
  json_object_foreach(o, key, v) {
    if (strcmp(key, "metric") == 0)
      metric = v;
    else if (strcmp(key, "labels") == 0)
      labels = v;
    else if (strcmp(key, "ts") == 0)
      ts = v;
    else if (strcmp(key, "value") == 0)
      value = v;
    else if (strcmp(key, "lat") == 0)
      lat = v;
    else if (strcmp(key, "lon") == 0)
      lon = v;
    else
      return reject(rp, SRV_REJ_UNKNOWN_KEY,
                    "unknown key '%.60s' (known: metric, labels, ts, value, lat, lon)", key);
  }
  const char *m = topic ? topic->metric : NULL;
  if (metric) {
    if (!json_is_string(metric) || json_string_length(metric) == 0 ||
        strlen(json_string_value(metric)) != json_string_length(metric))
      return reject(rp, SRV_REJ_METRIC, "'metric' must be a non-empty string");
    if (m && strcmp(m, json_string_value(metric)) != 0)
      return reject(rp, SRV_REJ_METRIC, "'metric' is '%.60s' but the topic says '%s'",
                    json_string_value(metric), m);
    m = json_string_value(metric);
  }
  if (!m) return reject(rp, SRV_REJ_METRIC, "missing 'metric'");
  size_t nl = 0;
  if (labels) {
    if (!json_is_object(labels)) return reject(rp, SRV_REJ_LABELS, "'labels' must be an object");
    nl = json_object_size(labels);
  }
  int topic_label = topic && !(labels && json_object_get(labels, topic->label));
  if (topic && labels && json_object_get(labels, topic->label)) {
    json_t *tl = json_object_get(labels, topic->label);
    if (!json_is_string(tl) || strcmp(json_string_value(tl), topic->id) != 0)
      return reject(rp, SRV_REJ_LABELS, "label '%s' does not match the topic's '%s'",
                    topic->label, topic->id);
  }
  if (nl + (size_t)topic_label > SRV_MAX_LABELS)
    return reject(rp, SRV_REJ_LABELS, "more than %d labels", SRV_MAX_LABELS);
  int64_t t = default_ts;
  if (ts) {
    if (!json_is_integer(ts))
      return reject(rp, SRV_REJ_TIMESTAMP, "'ts' must be an integer (milliseconds since 1970)");
    t = (int64_t)json_integer_value(ts);
  } else if (default_ts == INT64_MIN) {
    return reject(rp, SRV_REJ_TIMESTAMP, "missing 'ts' (required on data time)");
  }
  if (!value || !json_is_number(value))
    return reject(rp, SRV_REJ_VALUE, "'value' must be a number");
  int has_loc = lat || lon;
  if (has_loc) {
    if (!lat || !lon || !json_is_number(lat) || !json_is_number(lon) ||
        fabs(json_number_value(lat)) > 90 || fabs(json_number_value(lon)) > 180)
      return reject(rp, SRV_REJ_LOCATION, "'lat' and 'lon' must both be numbers in range");
  }

  srv_reading *r = srv_batch_add(b, (uint32_t)(nl + (size_t)topic_label));
  if (!r) return reject(rp, SRV_REJ_NOMEM, "out of memory");
  r->metric = srv_batch_strdup(b, m, strlen(m));
  int ok = r->metric != NULL;
  uint32_t i = 0;
  if (labels) {
    json_object_foreach(labels, key, v) {
      if (!json_is_string(v) || !key[0] ||
          strlen(json_string_value(v)) != json_string_length(v)) {
        srv_batch_drop_last(b);
        return reject(rp, SRV_REJ_LABELS, "label '%.60s' must be a string with a non-empty name",
                      key);
      }
      r->labels[i].name = srv_batch_strdup(b, key, strlen(key));
      r->labels[i].value = srv_batch_strdup(b, json_string_value(v), json_string_length(v));
      ok = ok && r->labels[i].name && r->labels[i].value;
      i++;
    }
  }
  if (topic_label) {
    r->labels[i].name = topic->label;
    r->labels[i].value = srv_batch_strdup(b, topic->id, strlen(topic->id));
    ok = ok && r->labels[i].value;
  }
  if (!ok) {
    srv_batch_drop_last(b);
    return reject(rp, SRV_REJ_NOMEM, "out of memory");
  }
  r->ts_ms = t;
  r->value = json_number_value(value);
  if (has_loc) {
    r->has_location = 1;
    r->lat = json_number_value(lat);
    r->lon = json_number_value(lon);
  }
  return 0;
}

size_t srv_json_payload(srv_batch *b, const char *text, size_t len, const srv_topic *topic,
                        int64_t default_ts, size_t line, srv_bad_fn bad, void *ctx) {
  report rp = {bad, ctx, line};
  json_error_t jerr;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!root) {
    (void)reject(&rp, SRV_REJ_JSON, "bad JSON at column %d: %s", jerr.column, jerr.text);
    return 0;
  }
  size_t added = 0;
  if (json_is_array(root)) {
    size_t i;
    json_t *v;
    json_array_foreach(root, i, v) {
      if (add_object(b, v, topic, default_ts, &rp) == 0) added++;
    }
  } else if (add_object(b, root, topic, default_ts, &rp) == 0) {
    added++;
  }
  json_decref(root);
  return added;
}

size_t srv_ndjson_parse(srv_batch *b, const char *body, size_t len, int64_t default_ts,
                        srv_bad_fn bad, void *ctx) {
  size_t added = 0, line = 0, pos = 0;
  while (pos < len) {
    const char *nl = memchr(body + pos, '\n', len - pos);
    size_t end = nl ? (size_t)(nl - body) : len;
    line++;
    size_t s = pos, e = end;
    while (s < e && (body[s] == ' ' || body[s] == '\t' || body[s] == '\r')) s++;
    while (e > s && (body[e - 1] == ' ' || body[e - 1] == '\t' || body[e - 1] == '\r')) e--;
    if (e > s) added += srv_json_payload(b, body + s, e - s, NULL, default_ts, line, bad, ctx);
    pos = end + 1;
  }
  return added;
}
