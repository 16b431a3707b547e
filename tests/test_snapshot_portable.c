/* Snapshots are the same bytes on every platform: this suite runs on the
 * host and, built for a Cortex-M (32-bit ARM, tests/device, under QEMU in
 * .ci/firmware), on the device. An engine over rules built in C (no YAML
 * on the device) is fed integer-valued readings (no libm in the data);
 *  - its snapshot must equal tests/data/snapshot_portable.h, written once
 *    on x86-64 (JJ_UPDATE_GOLDEN=1 prints it), byte for byte: word size
 *    and byte order do not show;
 *  - that image restores on this platform and continues exactly as the
 *    engine that never stopped (same later snapshot). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jjair/jjair.h"

static const unsigned char golden[] = {
#include "data/snapshot_portable.h"
};

static jj_ruleset *rules(void) {
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc;
  jj_level_config lc;
  uint32_t ri;
  /* mean over 10 min, for_count 2, flapping, no-data after 5 min */
  jj_rule_config_init(&rc);
  rc.name = "mean";
  rc.metric = "pm25";
  rc.window.span_ms = 600000;
  rc.aggregate = JJ_AGG_MEAN;
  rc.flap_changes = 4;
  rc.flap_window_ms = 1800000;
  rc.stale_after_ms = 300000;
  rc.on_missing = JJ_MISSING_ALERT;
  assert_int_equal(jj_ruleset_builder_add_rule(b, &rc, &ri, NULL), JJ_OK);
  jj_level_config_init(&lc);
  lc.name = "bad";
  lc.issue_op = JJ_CMP_GE;
  lc.issue_value = 50;
  lc.clear_op = JJ_CMP_LT;
  lc.clear_value = 40;
  lc.for_count = 2;
  assert_int_equal(jj_ruleset_builder_add_level(b, ri, &lc, NULL), JJ_OK);
  /* max over 5 min, kept firing 2 min */
  jj_rule_config_init(&rc);
  rc.name = "peak";
  rc.metric = "pm25";
  rc.window.span_ms = 300000;
  rc.window.aggregates = JJ_AGG_BIT(JJ_AGG_MAX);
  rc.aggregate = JJ_AGG_MAX;
  assert_int_equal(jj_ruleset_builder_add_rule(b, &rc, &ri, NULL), JJ_OK);
  jj_level_config_init(&lc);
  lc.name = "peak";
  lc.issue_op = JJ_CMP_GE;
  lc.issue_value = 90;
  lc.clear_op = JJ_CMP_LT;
  lc.clear_value = 60;
  lc.keep_firing_for_ms = 120000;
  assert_int_equal(jj_ruleset_builder_add_level(b, ri, &lc, NULL), JJ_OK);
  /* hopping tumbling mean */
  jj_rule_config_init(&rc);
  rc.name = "hour";
  rc.metric = "pm25";
  rc.window.kind = JJ_WINDOW_TUMBLING;
  rc.window.span_ms = 1200000;
  rc.window.hop_ms = 300000;
  rc.aggregate = JJ_AGG_MEAN;
  assert_int_equal(jj_ruleset_builder_add_rule(b, &rc, &ri, NULL), JJ_OK);
  jj_level_config_init(&lc);
  lc.name = "hour-bad";
  lc.issue_op = JJ_CMP_GE;
  lc.issue_value = 45;
  lc.for_count = 2;
  assert_int_equal(jj_ruleset_builder_add_level(b, ri, &lc, NULL), JJ_OK);
  /* the zone's average */
  jj_rule_config_init(&rc);
  rc.name = "zone";
  rc.metric = "pm25";
  rc.window.span_ms = 300000;
  rc.aggregate = JJ_AGG_MEAN;
  rc.group = JJ_GROUP_AVG;
  rc.group_by = "zone";
  assert_int_equal(jj_ruleset_builder_add_rule(b, &rc, &ri, NULL), JJ_OK);
  jj_level_config_init(&lc);
  lc.name = "zone-bad";
  lc.issue_op = JJ_CMP_GE;
  lc.issue_value = 55;
  assert_int_equal(jj_ruleset_builder_add_level(b, ri, &lc, NULL), JJ_OK);
  jj_ruleset *rs = NULL;
  assert_int_equal(jj_ruleset_builder_build(b, &rs, NULL), JJ_OK);
  jj_ruleset_builder_free(b);
  return rs;
}

static jj_engine *engine(jj_ruleset *rs) {
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.lateness_ms = 20000;
  cfg.flags = JJ_ENGINE_NO_QUEUE;
  cfg.on_event = NULL;
  cfg.event_queue = 16;
  cfg.flags = 0;
  jj_engine *e = NULL;
  assert_int_equal(jj_engine_new(rs, &cfg, NULL, &e), JJ_OK);
  return e;
}

/* Readings k in [from, to): four stations in two zones, every 30 s,
 * integer tenths from an LCG (the same numbers everywhere). */
static void feed(jj_engine *e, int from, int to) {
  for (int k = from; k < to; k++) {
    uint32_t x = (uint32_t)k * 2654435761u;
    x ^= x >> 13;
    int station = k % 4;
    int64_t ts = 1714500000000 + (int64_t)(k / 4) * 30000 + (int64_t)(x % 9000u);
    double v = (double)((k / 40) % 2 ? 400 + x % 900u : x % 500u) / 10.0;
    char name[4] = {'s', (char)('0' + station), 0, 0};
    jj_label l[2] = {{"station", name}, {"zone", station < 2 ? "north" : "south"}};
    if (station == 3 && k > 300 && k < 400) continue; /* a silent station */
    (void)jj_engine_push_labeled(e, "pm25", l, 2, ts, v);
    if (k % 4 == 3) (void)jj_engine_advance(e, ts);
    while (jj_engine_poll(e)) {
    }
  }
}

static unsigned char *snap(jj_engine *e, size_t *n) {
  size_t need = 0;
  assert_int_equal(jj_engine_snapshot(e, NULL, 0, &need), JJ_EFULL);
  unsigned char *buf = malloc(need);
  assert_non_null(buf);
  assert_int_equal(jj_engine_snapshot(e, buf, need, n), JJ_OK);
  return buf;
}

static void test_same_bytes_everywhere(void **state) {
  (void)state;
  jj_ruleset *rs = rules();
  jj_engine *a = engine(rs);
  feed(a, 0, 480);
  size_t n;
  unsigned char *img = snap(a, &n);
  if (getenv("JJ_UPDATE_GOLDEN")) {
    for (size_t i = 0; i < n; i++) printf("0x%02x,%s", img[i], i % 16 == 15 ? "\n" : "");
    printf("\n");
  }
  if (n != sizeof golden || memcmp(img, golden, n) != 0) {
    size_t k = 0;
    while (k < n && k < sizeof golden && img[k] == golden[k]) k++;
    print_error("snapshot differs from the golden image at byte %lu (sizes %lu, %lu)\n",
                (unsigned long)k, (unsigned long)n, (unsigned long)sizeof golden);
  }
  assert_int_equal(n, sizeof golden);
  assert_memory_equal(img, golden, n);
  /* The golden image continues here as the engine that wrote it. */
  jj_engine *b = engine(rs);
  assert_int_equal(jj_engine_restore(b, golden, sizeof golden, NULL, NULL), JJ_OK);
  feed(a, 480, 640);
  feed(b, 480, 640);
  size_t na, nb;
  unsigned char *sa = snap(a, &na), *sb = snap(b, &nb);
  assert_int_equal(na, nb);
  assert_memory_equal(sa, sb, na);
  free(sa);
  free(sb);
  free(img);
  jj_engine_free(a);
  jj_engine_free(b);
  jj_ruleset_free(rs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_same_bytes_everywhere),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
