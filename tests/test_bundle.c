/* Rule bundles (jjair/bundle.h) and the fixed-buffer pool (jjair/alloc.h):
 * a bundle loads into a ruleset that gives the same events as the one it
 * was written from; every damaged image is refused; the pool serves an
 * engine with nothing allocated after its series exist. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "engine_testutil.h"
#include "jjair/jjair.h"
#include "event_sink.h"
#include "testutil.h"

#define SEC 1000LL
#define T0 1714539600000LL

/* Heat rate and fixed heat on temperature, CO, and a rules group counting
 * source series (distinct: series), with labels, matchers, annotations. */
static jj_ruleset *fire_rules(const jj_allocator *alc) {
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(alc, &b), JJ_OK);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "heat-rate";
  rc.metric = "temperature";
  rc.window.span_ms = 60 * SEC;
  rc.window.min_samples = 5;
  rc.aggregate = JJ_AGG_SLOPE;
  rc.scale = 60;
  jj_level_config lc = et_level("rate", JJ_CMP_GE, 8.3, JJ_CMP_LT, 3, 2);
  uint32_t r = et_add(b, &rc, &lc, 1);
  assert_int_equal(jj_ruleset_builder_add_annotation(b, r, "summary",
                                                     "{{ labels.robot }} {{ value:.1f }} C/min "
                                                     "({{ time_kst }})",
                                                     NULL),
                   JJ_OK);
  assert_int_equal(jj_ruleset_builder_add_label(b, r, "hazard", "fire", NULL), JJ_OK);
  jj_rule_config_init(&rc);
  rc.name = "heat-fixed";
  rc.metric = "temperature";
  rc.window.span_ms = 10 * SEC;
  rc.window.min_samples = 2;
  rc.aggregate = JJ_AGG_MIN;
  lc = et_level("fixed", JJ_CMP_GE, 57, JJ_CMP_LT, 50, 1);
  et_add(b, &rc, &lc, 1);
  jj_rule_config_init(&rc);
  rc.name = "co";
  rc.metric = "co";
  rc.window.span_ms = 60 * SEC;
  rc.window.min_samples = 3;
  rc.aggregate = JJ_AGG_MEAN;
  lc = et_level("co-rise", JJ_CMP_GE, 30, JJ_CMP_LT, 15, 1);
  r = et_add(b, &rc, &lc, 1);
  assert_int_equal(jj_ruleset_builder_add_matcher(b, r, "robot", JJ_MATCH_NE, "", NULL), JJ_OK);
  assert_int_equal(jj_ruleset_builder_add_notify(b, r, "fire-desk", NULL), JJ_OK);
  jj_rule_config_init(&rc);
  rc.name = "confirmed";
  rc.group = JJ_GROUP_RULES;
  rc.group_by = "robot";
  rc.sources = "heat-rate,heat-fixed,co";
  rc.group_within_ms = 60 * SEC;
  rc.group_distinct = JJ_DISTINCT_SERIES;
  rc.life_safety = 1;
  lc = et_level("fire", JJ_CMP_GE, 2, JJ_CMP_LT, 1, 1);
  et_add(b, &rc, &lc, 1);
  jj_ruleset *rs = NULL;
  jj_error err;
  assert_int_equal(jj_ruleset_builder_build(b, &rs, &err), JJ_OK);
  jj_ruleset_builder_free(b);
  return rs;
}

static unsigned char *write_bundle(const jj_ruleset *rs, int64_t period, size_t *n) {
  assert_int_equal(jj_bundle_write(rs, period, NULL, 0, n), JJ_EFULL);
  unsigned char *img = malloc(*n);
  assert_non_null(img);
  size_t again = 0;
  assert_int_equal(jj_bundle_write(rs, period, img, *n - 1, &again), JJ_EFULL);
  assert_int_equal(again, *n);
  assert_int_equal(jj_bundle_write(rs, period, img, *n, &again), JJ_OK);
  assert_int_equal(again, *n);
  return img;
}

/* A stuck thermistor on robot r1 (no fire), then heat with CO on r2 (a
 * fire); returns the events. */
static char *run(jj_ruleset *rs, const jj_allocator *alc, uint64_t *allocs_after_init) {
  tu_sink s = {NULL, 0, 0};
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.max_series = 8;
  cfg.flags = JJ_ENGINE_NO_QUEUE;
  cfg.on_event = tu_sink_event;
  cfg.on_event_ctx = &s;
  jj_engine *e = NULL;
  assert_int_equal(jj_engine_new(rs, &cfg, alc, &e), JJ_OK);
  jj_label l1[] = {{"robot", "r1"}, {"sensor", "body"}}, l2[] = {{"robot", "r2"}, {"sensor", "body"}};
  jj_label c2[] = {{"robot", "r2"}};
  jj_series_id t1, t2, co;
  assert_int_equal(jj_engine_series(e, "temperature", l1, 2, &t1), JJ_OK);
  assert_int_equal(jj_engine_series(e, "temperature", l2, 2, &t2), JJ_OK);
  assert_int_equal(jj_engine_series(e, "co", c2, 1, &co), JJ_OK);
  uint64_t before = 0;
  if (allocs_after_init) assert_int_equal(jj_alloc_pool_stats(alc, NULL, NULL, &before), JJ_OK);
  for (int t = 0; t < 300; t++) {
    int64_t ts = T0 + t * SEC;
    assert_int_equal(jj_engine_push(e, t1, ts, t < 60 ? 24.0 : 90.0), JJ_OK);
    double heat = t < 150 ? 24.0 : 24.0 + (t - 150) * 0.25;
    assert_int_equal(jj_engine_push(e, t2, ts, heat), JJ_OK);
    assert_int_equal(jj_engine_push(e, co, ts, t < 160 ? 0.4 : 45.0), JJ_OK);
    assert_int_equal(jj_engine_advance(e, ts), JJ_OK);
  }
  if (allocs_after_init) {
    uint64_t after = 0;
    assert_int_equal(jj_alloc_pool_stats(alc, NULL, NULL, &after), JJ_OK);
    *allocs_after_init = after - before;
  }
  jj_engine_free(e);
  assert_non_null(s.text);
  return s.text;
}

/* The loaded bundle gives the events of the ruleset it was written from,
 * and the run shows what it claims: heat-fixed fires on the stuck r1 but
 * only r2 is confirmed. */
static void test_roundtrip_same_events(void **state) {
  (void)state;
  jj_ruleset *rs = fire_rules(NULL);
  size_t n = 0;
  unsigned char *img = write_bundle(rs, 0, &n);
  jj_ruleset *loaded = NULL;
  jj_error err;
  assert_int_equal(jj_bundle_load(img, n, NULL, &loaded, &err), JJ_OK);
  free(img); /* strings are copied: the image may go */
  assert_int_equal(jj_ruleset_rule_count(loaded), jj_ruleset_rule_count(rs));
  for (uint32_t i = 0; i < jj_ruleset_rule_count(rs); i++)
    assert_string_equal(jj_ruleset_rule_name(loaded, i), jj_ruleset_rule_name(rs, i));
  assert_int_equal(jj_ruleset_rule_notify_count(loaded, 2), 1);
  assert_string_equal(jj_ruleset_rule_notify(loaded, 2, 0), "fire-desk");
  /* life_safety travels: a device's notifier never delays the page. */
  for (uint32_t i = 0; i < jj_ruleset_rule_count(rs); i++)
    assert_int_equal(jj_ruleset_rule_life_safety(loaded, i), i == 3);
  char *a = run(rs, NULL, NULL), *b = run(loaded, NULL, NULL);
  assert_string_equal(a, b);
  assert_non_null(strstr(a, "\"rule\":\"heat-fixed\""));
  assert_non_null(strstr(a, "\"rule\":\"confirmed\""));
  assert_null(strstr(a, "\"rule\":\"confirmed\",\"rule_index\":3,\"level\":1,\"prev_level\":0,"
                        "\"level_name\":\"fire\",\"severity\":\"fire\",\"metric\":\"\","
                        "\"is_group\":true,\"labels\":{\"robot\":\"r1\"}"));
  assert_non_null(strstr(a, "\"labels\":{\"robot\":\"r2\"}"));
  assert_non_null(strstr(a, "(2024-05-01 14:0")); /* the annotation rendered: time_kst */
  free(a);
  free(b);
  jj_ruleset_free(loaded);
  jj_ruleset_free(rs);
}

/* Fields at the ends of their ranges (format version 4 writes them as
 * varints: zigzag for signed, doubles by their bits byte-reversed) load
 * back to what was written: writing the loaded ruleset gives the same
 * bytes, and a one-byte-shorter or cut varint is refused. */
static void reseal(unsigned char *img, size_t n);

static void test_varint_fields_roundtrip(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "extremes";
  rc.metric = "temperature";
  rc.window.span_ms = INT64_C(1) << 40;
  rc.window.min_samples = UINT32_MAX;
  rc.aggregate = JJ_AGG_MAX;
  rc.scale = -1.0 / 3.0;
  rc.valid_min = -1e300;
  rc.valid_max = 4.9e-324; /* the least denormal */
  rc.stale_after_ms = INT64_MAX;
  rc.repeat_interval_ms = 1;
  rc.stuck_samples = 0x80; /* the first two-byte varint */
  rc.stuck_epsilon = 0.1;
  jj_level_config lc = et_level("hot", JJ_CMP_GE, -0.0, JJ_CMP_LT, -8.3, 3);
  lc.for_ms = INT64_C(1) << 62;
  et_add(b, &rc, &lc, 1);
  jj_ruleset *rs = NULL;
  assert_int_equal(jj_ruleset_builder_build(b, &rs, NULL), JJ_OK);
  jj_ruleset_builder_free(b);
  size_t n = 0, n2 = 0;
  unsigned char *img = write_bundle(rs, 0, &n);
  jj_ruleset *loaded = NULL;
  assert_int_equal(jj_bundle_load(img, n, NULL, &loaded, NULL), JJ_OK);
  unsigned char *img2 = write_bundle(loaded, 0, &n2);
  assert_int_equal(n2, n);
  assert_memory_equal(img2, img, n);
  jj_ruleset_free(loaded);
  /* An image cut inside its last varint (re-sealed): damaged. */
  unsigned char *cut = malloc(n - 1);
  assert_non_null(cut);
  memcpy(cut, img, n - 1);
  for (int k = 0; k < 4; k++) cut[8 + k] = (unsigned char)((n - 1) >> (8 * k)); /* total size */
  reseal(cut, n - 1);
  assert_int_equal(jj_bundle_load(cut, n - 1, NULL, &loaded, NULL), JJ_EINVAL);
  free(cut);
  free(img);
  free(img2);
  jj_ruleset_free(rs);
}

/* A rule judging an index (an aqi table) cannot be bundled yet: refused
 * by jj_bundle_check with a message naming it and why, and by
 * jj_bundle_write, never written without its table. */
static void test_index_rule_refused_by_name(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "pm-cai";
  rc.metric = "pm25";
  jj_level_config lc = et_level("bad", JJ_CMP_GE, 101, JJ_CMP_LT, 101, 1);
  uint32_t r = et_add(b, &rc, &lc, 1);
  jj_error err;
  assert_int_equal(jj_ruleset_builder_set_index(b, r, jj_aqi_table_find("cai-pm25"), &err), JJ_OK);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  assert_int_equal(jj_bundle_check(rs, &err), JJ_ENOTSUP);
  assert_non_null(strstr(err.message, "rule 'pm-cai': judges an index"));
  size_t n = 0;
  assert_int_equal(jj_bundle_write(rs, 0, NULL, 0, &n), JJ_ENOTSUP);
  assert_int_equal(jj_bundle_write_source(rs, 0, "rules", NULL, 0, &n), JJ_ENOTSUP);
  jj_ruleset_free(rs);
  rs = fire_rules(NULL);
  assert_int_equal(jj_bundle_check(rs, &err), JJ_OK);
  assert_int_equal(jj_bundle_check(NULL, &err), JJ_EINVAL);
  jj_ruleset_free(rs);
}

/* Any one byte changed, and any truncation, is refused; a newer format
 * version is JJ_ENOTSUP. */
static void test_damaged_images_refused(void **state) {
  (void)state;
  jj_ruleset *rs = fire_rules(NULL);
  size_t n = 0;
  unsigned char *img = write_bundle(rs, 0, &n);
  jj_ruleset_free(rs);
  jj_ruleset *out = (jj_ruleset *)&out;
  jj_error err;
  for (size_t i = 0; i < n; i++) {
    img[i] ^= 0x20;
    jj_status st = jj_bundle_load(img, n, NULL, &out, &err);
    assert_int_not_equal(st, JJ_OK);
    assert_null(out);
    assert_true(err.message[0] != '\0');
    img[i] ^= 0x20;
  }
  for (size_t k = 0; k < n; k++) assert_int_equal(jj_bundle_load(img, k, NULL, &out, NULL), JJ_EINVAL);
  img[4] = JJ_BUNDLE_VERSION + 1; /* a newer format */
  assert_int_equal(jj_bundle_load(img, n, NULL, &out, &err), JJ_ENOTSUP);
  assert_non_null(strstr(err.message, "version 4"));
  img[4] = 1; /* an older one (no life_safety): refused, not misread */
  assert_int_equal(jj_bundle_load(img, n, NULL, &out, &err), JJ_EINVAL);
  img[4] = 2; /* strings without NUL: refused, not misread */
  assert_int_equal(jj_bundle_load(img, n, NULL, &out, &err), JJ_EINVAL);
  assert_int_equal(jj_bundle_load_static(img, n, NULL, &out, &err), JJ_EINVAL);
  img[4] = 3; /* fixed-width fields: refused, not misread */
  assert_int_equal(jj_bundle_load(img, n, NULL, &out, &err), JJ_EINVAL);
  img[4] = JJ_BUNDLE_VERSION;
  assert_int_equal(jj_bundle_load(img, n, NULL, &out, &err), JJ_OK);
  jj_ruleset_free(out);
  assert_int_equal(jj_bundle_load(NULL, n, NULL, &out, &err), JJ_EINVAL);
  free(img);
}

/* CRC-32 (IEEE), as the bundle header carries it over the bytes after the
 * 20-byte header: to re-seal an image changed on purpose. */
static void reseal(unsigned char *img, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 20; i < n; i++) {
    c ^= img[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  c = ~c;
  for (int k = 0; k < 4; k++) img[16 + k] = (unsigned char)(c >> (8 * k));
}

/* jj_bundle_load_static: the strings stay in the image (fewer bytes from
 * the allocator, nothing of them freed), the events are the copying
 * load's; a string without its NUL is refused by both loads. */
static void test_load_static(void **state) {
  (void)state;
  jj_ruleset *rs = fire_rules(NULL);
  size_t n = 0;
  unsigned char *img = write_bundle(rs, 1000, &n);
  jj_ruleset_free(rs);
  static uint64_t mem1[64 * 1024 / 8], mem2[64 * 1024 / 8];
  jj_allocator p1, p2;
  assert_int_equal(jj_alloc_pool_init(&p1, mem1, sizeof mem1), JJ_OK);
  assert_int_equal(jj_alloc_pool_init(&p2, mem2, sizeof mem2), JJ_OK);
  jj_ruleset *copied = NULL, *in_place = NULL;
  assert_int_equal(jj_bundle_load(img, n, &p1, &copied, NULL), JJ_OK);
  assert_int_equal(jj_bundle_load_static(img, n, &p2, &in_place, NULL), JJ_OK);
  size_t used1 = 0, used2 = 0;
  assert_int_equal(jj_alloc_pool_stats(&p1, &used1, NULL, NULL), JJ_OK);
  assert_int_equal(jj_alloc_pool_stats(&p2, &used2, NULL, NULL), JJ_OK);
  assert_true(used2 + 200 < used1); /* ~20 strings of 8+ bytes each, not copied */
  for (uint32_t i = 0; i < jj_ruleset_rule_count(in_place); i++) {
    const char *name = jj_ruleset_rule_name(in_place, i);
    assert_true(name >= (const char *)img && name < (const char *)img + n);
    assert_string_equal(name, jj_ruleset_rule_name(copied, i));
  }
  char *a = run(copied, NULL, NULL), *b = run(in_place, NULL, NULL);
  assert_string_equal(a, b);
  free(a);
  free(b);
  jj_ruleset_free(copied);
  jj_ruleset_free(in_place);
  /* Freed: the arrays went back, none of the strings was passed to free. */
  tu_alloc t;
  tu_alloc_init(&t);
  assert_int_equal(jj_bundle_load_static(img, n, &t.alc, &in_place, NULL), JJ_OK);
  jj_ruleset_free(in_place);
  assert_int_equal(t.live_blocks, 0);
  assert_int_equal(t.errors, 0);
  /* The first rule's name ends in a NUL: without it (re-sealed, so the
   * checksum passes) the image is damaged for either load. */
  assert_true(img[20] > 1 && img[20] < 0x80); /* a one-byte length + 1 */
  size_t len = (size_t)img[20] - 1;
  assert_int_equal(img[21 + len], 0);
  img[21 + len] = 'x';
  reseal(img, n);
  jj_error err;
  assert_int_equal(jj_bundle_load_static(img, n, NULL, &in_place, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "damaged"));
  assert_int_equal(jj_bundle_load(img, n, NULL, &copied, &err), JJ_EINVAL);
  img[21 + len] = 0;
  reseal(img, n);
  assert_int_equal(jj_bundle_load_static(img, n, NULL, &in_place, NULL), JJ_OK);
  jj_ruleset_free(in_place);
  free(img);
}

/* Every allocation of a load failing in turn: a clean JJ_ENOMEM, no leak. */
static void test_load_out_of_memory(void **state) {
  (void)state;
  jj_ruleset *rs = fire_rules(NULL);
  size_t n = 0;
  unsigned char *img = write_bundle(rs, 0, &n);
  jj_ruleset_free(rs);
  for (unsigned long k = 1;; k++) {
    tu_alloc a;
    tu_alloc_init(&a);
    tu_alloc_fail_at(&a, k, 0);
    jj_ruleset *out = NULL;
    jj_status st = jj_bundle_load(img, n, &a.alc, &out, NULL);
    if (st == JJ_OK) {
      jj_ruleset_free(out);
      assert_int_equal(a.live_blocks, 0);
      break;
    }
    assert_int_equal(st, JJ_ENOMEM);
    assert_null(out);
    assert_int_equal(a.live_blocks, 0);
    assert_int_equal(a.errors, 0);
  }
  free(img);
}

/* An engine from a bundle written for a 1 s period, in a pool: everything
 * is allocated by the time its series exist, and the events are the same
 * as from libc memory. */
static void test_pool_no_allocation_after_init(void **state) {
  (void)state;
  jj_ruleset *rs = fire_rules(NULL);
  size_t n = 0;
  unsigned char *img = write_bundle(rs, 1000, &n);
  jj_ruleset_free(rs);
  static uint64_t mem[64 * 1024 / 8];
  jj_allocator pool;
  assert_int_equal(jj_alloc_pool_init(&pool, mem, 32), JJ_EINVAL);
  assert_int_equal(jj_alloc_pool_init(&pool, NULL, sizeof mem), JJ_EINVAL);
  assert_int_equal(jj_alloc_pool_stats(NULL, NULL, NULL, NULL), JJ_EINVAL);
  assert_int_equal(jj_alloc_pool_init(&pool, mem, sizeof mem), JJ_OK);
  jj_ruleset *loaded = NULL;
  assert_int_equal(jj_bundle_load(img, n, &pool, &loaded, NULL), JJ_OK);
  uint64_t after = 1;
  char *a = run(loaded, &pool, &after);
  assert_int_equal(after, 0);
  jj_ruleset_free(loaded);
  size_t used = 0, peak = 0;
  assert_int_equal(jj_alloc_pool_stats(&pool, &used, &peak, NULL), JJ_OK);
  assert_true(peak > 0 && peak <= sizeof mem);
  /* The same events as the unbounded ruleset on libc memory. */
  assert_int_equal(jj_bundle_load(img, n, NULL, &loaded, NULL), JJ_OK);
  char *b = run(loaded, NULL, NULL);
  assert_string_equal(a, b);
  jj_ruleset_free(loaded);
  free(a);
  free(b);
  free(img);
  /* A pool too small fails cleanly. */
  static uint64_t tiny[512 / 8];
  assert_int_equal(jj_alloc_pool_init(&pool, tiny, sizeof tiny), JJ_OK);
  img = write_bundle(rs = fire_rules(NULL), 0, &n);
  jj_ruleset_free(rs);
  assert_int_equal(jj_bundle_load(img, n, &pool, &loaded, NULL), JJ_ENOMEM);
  free(img);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_roundtrip_same_events),
      cmocka_unit_test(test_varint_fields_roundtrip),
      cmocka_unit_test(test_index_rule_refused_by_name),
      cmocka_unit_test(test_damaged_images_refused),
      cmocka_unit_test(test_load_static),
      cmocka_unit_test(test_load_out_of_memory),
      cmocka_unit_test(test_pool_no_allocation_after_init),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
