/* jj_event_json: one event as one JSON object. Byte-exact goldens for a
 * hand-made event (member order, numbers, times, nulls), string escaping
 * and invalid UTF-8, the snprintf contract at every buffer size, and
 * annotation text escaped as it is rendered. (test_event_json.py parses
 * the output back with Python's json module.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "engine_testutil.h"
#include "jjair/jjair.h"

static jj_label series_labels[] = {{"station", "palbok-03"}, {"zone", "중부권역"}};
static jj_label static_labels[] = {{"team", "air"}};

static jj_event base_event(void) {
  jj_event ev;
  memset(&ev, 0, sizeof ev);
  ev.seq = 42;
  ev.kind = JJ_EVENT_ESCALATED;
  ev.reason = JJ_REASON_NONE;
  ev.rule = "pm25";
  ev.rule_index = 3;
  ev.level = 2;
  ev.prev_level = 1;
  ev.level_name = "warning";
  ev.severity = "경보";
  ev.metric = "pm25";
  ev.is_group = 1;
  ev.labels = series_labels;
  ev.nlabels = 2;
  ev.rule_labels = static_labels;
  ev.nrule_labels = 1;
  ev.value = 151.25;
  ev.window_start_ms = 1704078000000LL;
  ev.window_end_ms = 1704081600000LL;
  ev.time_ms = 1704081600250LL;
  ev.started_ms = 1704074400000LL;
  ev.sample_ts_ms = 1704081600250LL;
  ev.sample_value = 160;
  ev.has_location = 1;
  ev.lat = 35.8467;
  ev.lon = -0.0;
  ev.prev_level_name = "advisory";
  ev.prev_severity = "주의보";
  ev.level_started_ms = 1704081600250LL;
  ev.fingerprint = 0x0123456789abcdefULL;
  return ev;
}

static void test_golden(void **state) {
  (void)state;
  jj_event ev = base_event();
  char buf[4096];
  size_t n = jj_event_json(&ev, buf, sizeof buf);
  const char *want =
      "{\"seq\":42,\"time\":\"2024-01-01T04:00:00.250Z\",\"time_ms\":1704081600250,"
      "\"kind\":\"escalated\",\"reason\":\"\",\"rule\":\"pm25\",\"rule_index\":3,\"level\":2,"
      "\"prev_level\":1,\"level_name\":\"warning\",\"severity\":\"경보\",\"metric\":\"pm25\","
      "\"is_group\":true,\"labels\":{\"station\":\"palbok-03\",\"zone\":\"중부권역\"},"
      "\"rule_labels\":{\"team\":\"air\"},\"value\":151.25,"
      "\"window_start\":\"2024-01-01T03:00:00Z\",\"window_end\":\"2024-01-01T04:00:00Z\","
      "\"started\":\"2024-01-01T02:00:00Z\",\"sample_time\":\"2024-01-01T04:00:00.250Z\","
      "\"sample_value\":160,\"lat\":35.846699999999998,\"lon\":-0,\"annotations\":{},"
      "\"prev_level_name\":\"advisory\",\"prev_severity\":\"주의보\","
      "\"level_started\":\"2024-01-01T04:00:00.250Z\",\"fingerprint\":\"0123456789abcdef\","
      "\"concentration\":null,\"band\":\"\",\"index\":\"\"}";
  assert_string_equal(buf, want);
  assert_int_equal(n, strlen(want));
}

/* NaN and infinities are null; so are a time-driven event's sample and a
 * missing location; large and small numbers keep 17 digits. */
static void test_nulls_and_numbers(void **state) {
  (void)state;
  jj_event ev = base_event();
  ev.value = NAN;
  ev.sample_ts_ms = INT64_MIN;
  ev.sample_value = 5;
  ev.has_location = 0;
  ev.level_started_ms = INT64_MIN;
  ev.labels = NULL;
  ev.nlabels = 0;
  char buf[4096];
  jj_event_json(&ev, buf, sizeof buf);
  assert_non_null(strstr(buf, ",\"value\":null,"));
  assert_non_null(strstr(buf, ",\"sample_time\":null,\"sample_value\":null,"));
  assert_non_null(strstr(buf, ",\"lat\":null,\"lon\":null,"));
  assert_non_null(strstr(buf, ",\"level_started\":null,"));
  assert_non_null(strstr(buf, ",\"labels\":{},"));
  static const struct {
    double v;
    const char *text;
  } nums[] = {
      {INFINITY, "null"}, {-INFINITY, "null"}, {0.1, "0.10000000000000001"},
      {1e15, "1000000000000000"}, {1e17, "1e+17"}, {999999999999999.0, "999999999999999"},
      {-2.5, "-2.5"},     {1e-7, "9.9999999999999995e-08"},
      {123456.0, "123456"},
  };
  for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
    ev.value = nums[i].v;
    jj_event_json(&ev, buf, sizeof buf);
    char want[64];
    (void)snprintf(want, sizeof want, ",\"value\":%s,", nums[i].text);
    if (!strstr(buf, want)) fail_msg("%.17g: want %s in %s", nums[i].v, want, buf);
  }
}

/* Strings: JSON escapes, control characters, valid UTF-8 kept, each
 * invalid byte replaced by U+FFFD (and the bytes after it read again). */
static void test_escaping(void **state) {
  (void)state;
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"plain", "\"plain\""},
      {"q\"b\\s/", "\"q\\\"b\\\\s/\""},
      {"a\nb\rc\td", "\"a\\nb\\rc\\td\""},
      {"\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\""},
      {"중부 🔥", "\"중부 🔥\""},
      {"\xff", "\"\\ufffd\""},
      {"a\x80z", "\"a\\ufffdz\""},
      {"\xec\x9d", "\"\\ufffd\\ufffd\""},          /* cut short at the end */
      {"\xec\x9dz", "\"\\ufffd\\ufffdz\""},         /* cut short before 'z' */
      {"\xc0\xaf", "\"\\ufffd\\ufffd\""},           /* overlong '/' */
      {"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""}, /* a surrogate */
      {"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""}, /* > U+10FFFF */
      {"\xe2\x82\xac\xe2", "\"€\\ufffd\""},
      {"", "\"\""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    jj_event ev = base_event();
    jj_label l = {"name", cases[i].in};
    ev.labels = &l;
    ev.nlabels = 1;
    char buf[4096], want[256];
    jj_event_json(&ev, buf, sizeof buf);
    (void)snprintf(want, sizeof want, ",\"labels\":{\"name\":%s},", cases[i].out);
    if (!strstr(buf, want)) fail_msg("case %zu: want %s in %s", i, want, buf);
  }
  jj_event ev = base_event();
  ev.rule = NULL; /* NULL strings are "" */
  ev.kind = (jj_event_kind)99;
  char buf[4096];
  jj_event_json(&ev, buf, sizeof buf);
  assert_non_null(strstr(buf, "\"kind\":\"\",\"reason\":\"\",\"rule\":\"\","));
}

/* snprintf contract at every size: the full length, and the longest
 * NUL-terminated prefix of the full text that fits. */
static void test_truncation(void **state) {
  (void)state;
  jj_event ev = base_event();
  char full[4096];
  size_t n = jj_event_json(&ev, full, sizeof full);
  assert_int_equal(jj_event_json(&ev, NULL, 0), n);
  for (size_t size = 1; size <= n + 1; size++) {
    char buf[4096];
    memset(buf, '#', sizeof buf);
    assert_int_equal(jj_event_json(&ev, buf, size), n);
    assert_int_equal(buf[size - 1], '\0');
    assert_int_equal(strlen(buf), size - 1 < n ? size - 1 : n);
    assert_memory_equal(buf, full, strlen(buf));
    assert_int_equal(buf[size], '#'); /* nothing written past size */
  }
  char empty[1] = {'#'};
  assert_int_equal(jj_event_json(NULL, empty, 1), 0);
  assert_int_equal(empty[0], '\0');
}

/* Annotations are rendered into the object and escaped on the way, the
 * same as escaping the whole rendered text: a UTF-8 sequence split between
 * the template's text and a label value still reads as one character. */
static void test_annotations(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "pm25";
  rc.metric = "pm25";
  jj_level_config lv = et_level("high", JJ_CMP_GE, 100, JJ_CMP_NONE, 0, 1);
  uint32_t r = et_add(b, &rc, &lv, 1);
  jj_error err;
  assert_int_equal(jj_ruleset_builder_add_annotation(b, r, "summary",
                                                     "\"{{ labels.zone }}\"\n{{ value:.1f }}",
                                                     &err),
                   JJ_OK);
  assert_int_equal(jj_ruleset_builder_add_annotation(b, r, "split", "\xec{{ labels.tail }}!", &err),
                   JJ_OK);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  jj_event ev = base_event();
  jj_label l[] = {{"tail", "\x9d\xb4"}, {"zone", "중부"}};
  ev.labels = l;
  ev.nlabels = 2;
  ev.ruleset = rs;
  ev.rule_index = 0;
  char buf[4096];
  size_t n = jj_event_json(&ev, buf, sizeof buf);
  assert_non_null(
      strstr(buf, ",\"annotations\":{\"summary\":\"\\\"중부\\\"\\n151.2\",\"split\":\"이!\"},"));
  /* The lengths agree with a rendering into a buffer that is too small. */
  char small[16];
  assert_int_equal(jj_event_json(&ev, small, sizeof small), n);
  l[0].value = "\x9d"; /* now the sequence stays incomplete: two replacements */
  jj_event_json(&ev, buf, sizeof buf);
  assert_non_null(strstr(buf, "\"split\":\"\\ufffd\\ufffd!\""));
  jj_ruleset_free(rs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_golden),
      cmocka_unit_test(test_nulls_and_numbers),
      cmocka_unit_test(test_escaping),
      cmocka_unit_test(test_truncation),
      cmocka_unit_test(test_annotations),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
