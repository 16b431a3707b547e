/* Tests for the server's JSON readings and MQTT topics
 * (examples/server/reading_json.h): the topic layout, a full reading, the
 * topic's metric and label filled in and checked against the payload, and
 * one table of bad readings, each with its reject reason, mixed with good
 * ones in one NDJSON body (the good ones kept). */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <string.h>

#include "reading_json.h"

static void test_topic(void **state) {
  (void)state;
  srv_topic t;
  char err[256];
  assert_int_equal(srv_topic_parse("jjair/v1/robot/robot-06/temperature", &t, err, sizeof err), 0);
  assert_string_equal(t.label, "robot");
  assert_string_equal(t.id, "robot-06");
  assert_string_equal(t.metric, "temperature");
  assert_int_equal(srv_topic_parse("station/palbok-1/pm25", &t, err, sizeof err), 0);
  assert_string_equal(t.label, "station");
  assert_int_equal(srv_topic_parse("jjair/v1/drone/d1/pm25", &t, err, sizeof err), -1);
  assert_non_null(strstr(err, "not station or robot"));
  assert_int_equal(srv_topic_parse("robot/pm25", &t, err, sizeof err), -1);
  assert_int_equal(srv_topic_parse("jjair/v1/robot//pm25", &t, err, sizeof err), -1);
  assert_int_equal(srv_topic_parse("jjair/v1/robot/r1/", &t, err, sizeof err), -1);
}

typedef struct seen {
  size_t n, lines[32];
  srv_reject why[32];
} seen;

static void on_bad(void *ctx, size_t line, srv_reject why, const char *msg) {
  (void)msg;
  seen *s = ctx;
  if (s->n < 32) s->lines[s->n] = line, s->why[s->n] = why;
  s->n++;
}

static void test_topic_payload(void **state) {
  (void)state;
  srv_topic t;
  char err[256];
  assert_int_equal(srv_topic_parse("jjair/v1/robot/r1/temperature", &t, err, sizeof err), 0);
  srv_batch *b = srv_batch_new(SRV_SRC_MQTT);
  seen s = {0};
  const char *p = "{\"ts\": 5, \"value\": 37.5, \"lat\": 35.8, \"lon\": 127.1, "
                  "\"labels\": {\"sensor\": \"body\"}}";
  assert_int_equal(srv_json_payload(b, p, strlen(p), &t, INT64_MIN, 0, on_bad, &s), 1);
  assert_string_equal(b->r[0].metric, "temperature");
  assert_int_equal(b->r[0].nlabels, 2);
  assert_string_equal(b->r[0].labels[0].name, "sensor");
  assert_string_equal(b->r[0].labels[1].name, "robot");
  assert_string_equal(b->r[0].labels[1].value, "r1");
  assert_true(b->r[0].has_location);
  assert_int_equal(b->r[0].ts_ms, 5);
  /* an array; repeating the topic's facts is fine, contradicting is not */
  p = "[{\"ts\": 6, \"value\": 1, \"metric\": \"temperature\", \"labels\": {\"robot\": \"r1\"}},"
      " {\"ts\": 7, \"value\": 1, \"metric\": \"co\"},"
      " {\"ts\": 8, \"value\": 1, \"labels\": {\"robot\": \"r2\"}},"
      " {\"value\": 2}]";
  assert_int_equal(srv_json_payload(b, p, strlen(p), &t, 99, 0, on_bad, &s), 2);
  assert_int_equal(b->n, 3);
  assert_int_equal(b->r[1].nlabels, 1);
  assert_int_equal(b->r[2].ts_ms, 99); /* the default time */
  assert_int_equal(s.n, 2);
  assert_int_equal(s.why[0], SRV_REJ_METRIC);
  assert_int_equal(s.why[1], SRV_REJ_LABELS);
  srv_batch_free(b);
}

static void test_ndjson_mixed(void **state) {
  (void)state;
  static const struct {
    const char *line;
    int good;
    srv_reject why;
  } cases[] = {
      {"{\"metric\":\"pm25\",\"labels\":{\"station\":\"a\"},\"ts\":1,\"value\":3}", 1, 0},
      {"{\"metric\":\"pm25\",\"ts\":1,\"value\":", 0, SRV_REJ_JSON},
      {"42", 0, SRV_REJ_JSON}, /* not an object or array */
      {"[1]", 0, SRV_REJ_NOT_OBJECT},
      {"{\"metric\":\"pm25\",\"ts\":1,\"value\":3,\"valeu\":3}", 0, SRV_REJ_UNKNOWN_KEY},
      {"{\"ts\":1,\"value\":3}", 0, SRV_REJ_METRIC},
      {"{\"metric\":\"\",\"ts\":1,\"value\":3}", 0, SRV_REJ_METRIC},
      {"{\"metric\":7,\"ts\":1,\"value\":3}", 0, SRV_REJ_METRIC},
      {"{\"metric\":\"pm25\",\"labels\":[1],\"ts\":1,\"value\":3}", 0, SRV_REJ_LABELS},
      {"{\"metric\":\"pm25\",\"labels\":{\"a\":1},\"ts\":1,\"value\":3}", 0, SRV_REJ_LABELS},
      {"{\"metric\":\"pm25\",\"labels\":{\"\":\"x\"},\"ts\":1,\"value\":3}", 0, SRV_REJ_LABELS},
      {"{\"metric\":\"pm25\",\"value\":3}", 0, SRV_REJ_TIMESTAMP},
      {"{\"metric\":\"pm25\",\"ts\":1.5,\"value\":3}", 0, SRV_REJ_TIMESTAMP},
      {"{\"metric\":\"pm25\",\"ts\":\"2024\",\"value\":3}", 0, SRV_REJ_TIMESTAMP},
      {"{\"metric\":\"pm25\",\"ts\":1}", 0, SRV_REJ_VALUE},
      {"{\"metric\":\"pm25\",\"ts\":1,\"value\":\"3\"}", 0, SRV_REJ_VALUE},
      {"{\"metric\":\"pm25\",\"ts\":1,\"value\":null}", 0, SRV_REJ_VALUE},
      {"{\"metric\":\"pm25\",\"ts\":1,\"value\":3,\"lat\":1}", 0, SRV_REJ_LOCATION},
      {"{\"metric\":\"pm25\",\"ts\":1,\"value\":3,\"lat\":91,\"lon\":0}", 0, SRV_REJ_LOCATION},
      {"{\"metric\":\"pm25\",\"ts\":1,\"value\":3,\"metric\":\"x\"}", 0, SRV_REJ_JSON},
      {"   ", 1, 0}, /* blank: skipped, not counted */
      {"{\"metric\":\"pm10\",\"ts\":2,\"value\":-1.25e2}", 1, 0},
  };
  char body[4096] = "";
  size_t good = 0, bad = 0, off = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int w = snprintf(body + off, sizeof body - off, "%s%s", cases[i].line, i % 2 ? "\r\n" : "\n");
    assert_true(w > 0 && (size_t)w < sizeof body - off);
    off += (size_t)w;
    if (cases[i].good && cases[i].line[0] == '{') good++;
    if (!cases[i].good) bad++;
  }
  srv_batch *b = srv_batch_new(SRV_SRC_NDJSON);
  seen s = {0};
  assert_int_equal(srv_ndjson_parse(b, body, strlen(body), INT64_MIN, on_bad, &s), good);
  assert_int_equal(s.n, bad);
  size_t k = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    if (cases[i].good) continue;
    if (s.lines[k] != i + 1 || s.why[k] != cases[i].why)
      fail_msg("line %zu '%s': reported as line %zu reason %s", i + 1, cases[i].line, s.lines[k],
               srv_reject_name(s.why[k]));
    k++;
  }
  assert_string_equal(b->r[1].metric, "pm10");
  assert_true(b->r[1].value == -125);
  srv_batch_free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_topic),
      cmocka_unit_test(test_topic_payload),
      cmocka_unit_test(test_ndjson_mixed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
