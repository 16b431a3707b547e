/* The ABI as a binding or a firmware image sees it: this program is
 * compiled against the headers of this version and checks, at run time,
 * that the library it runs with reports the same ABI version and the same
 * size for every public struct; and it pins the sizes of ABI version 1 on
 * LP64, so a layout change cannot slip in without an ABI version bump. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <string.h>

#include <jjair/jjair.h>

typedef struct {
  const char *name;
  size_t compiled;  /* sizeof in this program */
  size_t lp64_abi1; /* pinned: the size in ABI version 1 on LP64 */
} struct_row;

#define ROW(t, pinned) {#t, sizeof(t), pinned}
static const struct_row rows[] = {
    ROW(jj_allocator, 32),       ROW(jj_error, 544),           ROW(jj_label, 16),
    ROW(jj_event, 248),            ROW(jj_window_config, 168),   ROW(jj_window_stats, 320),
    ROW(jj_window_counters, 128),  ROW(jj_level_config, 144),    ROW(jj_rule_config, 464),
    ROW(jj_engine_config, 128),    ROW(jj_sample, 24),         ROW(jj_engine_stats, 240),
    ROW(jj_alert_state, 104),      ROW(jj_aqi_band, 40),         ROW(jj_rule_stats, 128),
    ROW(jj_notification, 248),  ROW(jj_notifier_key, 24),
    ROW(jj_notifier_type, 104),   ROW(jj_dispatcher_config, 168), ROW(jj_notifier_stats, 328),
    ROW(jj_restore_report, 64),
};
#define NROWS (sizeof rows / sizeof rows[0])

static void test_versions_match(void **state) {
  (void)state;
  assert_int_equal(jj_abi_version(), JJ_ABI_VERSION);
  assert_int_equal(jj_version_num(), JJ_VERSION_NUM);
  assert_string_equal(jj_version(), JJ_VERSION_STRING);
  assert_true(JJ_ABI_CHECK());
}

static void test_struct_sizes_match(void **state) {
  (void)state;
  for (size_t i = 0; i < NROWS; i++) {
    size_t lib = jj_struct_size(rows[i].name);
    if (lib != rows[i].compiled)
      print_error("%s: library %zu bytes, this program %zu\n", rows[i].name, lib, rows[i].compiled);
    assert_int_equal(lib, rows[i].compiled);
  }
  assert_int_equal(jj_struct_size("jj_no_such_struct"), 0);
  assert_int_equal(jj_struct_size("jj_event "), 0);
  assert_int_equal(jj_struct_size(NULL), 0);
}

/* A size change is an ABI change: it must come with a new JJ_ABI_VERSION
 * (and a new row of pinned sizes here). The one exception is jj_event,
 * which only the library allocates: it may grow at its end (its pinned
 * size moves with it), but no field it has may move (test_event_layout). */
static void test_sizes_pinned(void **state) {
  (void)state;
  if (sizeof(void *) != 8 || sizeof(long) != 8) skip();
  assert_int_equal(JJ_ABI_VERSION, 1);
  for (size_t i = 0; i < NROWS; i++) {
    if (!rows[i].lp64_abi1) continue;
    if (rows[i].compiled != rows[i].lp64_abi1)
      print_error("%s: %zu bytes, ABI 1 pinned %zu\n", rows[i].name, rows[i].compiled,
                  rows[i].lp64_abi1);
    assert_int_equal(rows[i].compiled, rows[i].lp64_abi1);
  }
}

/* Fields of jj_event never move: a binding reading an older prefix keeps
 * reading the right bytes from a newer library. */
static void test_event_layout(void **state) {
  (void)state;
  if (sizeof(void *) != 8) skip();
  assert_int_equal(offsetof(jj_event, seq), 0);
  assert_int_equal(offsetof(jj_event, kind), 8);
  assert_int_equal(offsetof(jj_event, rule), 16);
  assert_int_equal(offsetof(jj_event, level), 28);
  assert_int_equal(offsetof(jj_event, labels), 72);
  assert_int_equal(offsetof(jj_event, value), 104);
  assert_int_equal(offsetof(jj_event, time_ms), 128);
  assert_int_equal(offsetof(jj_event, ruleset), 184);
  assert_int_equal(offsetof(jj_event, prev_level_name), 192);
  assert_int_equal(offsetof(jj_event, level_started_ms), 208);
  assert_int_equal(offsetof(jj_event, fingerprint), 216);
  assert_int_equal(offsetof(jj_event, concentration), 224);
  assert_int_equal(offsetof(jj_event, band), 232);
  assert_int_equal(offsetof(jj_event, index_name), 240);
  /* the library's event is never smaller than the one compiled here */
  assert_true(jj_struct_size("jj_event") >= sizeof(jj_event));
}

/* Counters taken from jj_engine_stats.reserved keep their place: each
 * new one is the next 8 bytes after series_forgotten, the struct's size
 * unchanged. */
static void test_stats_layout(void **state) {
  (void)state;
  assert_int_equal(offsetof(jj_engine_stats, series_forgotten), 14 * 8);
  assert_int_equal(offsetof(jj_engine_stats, match_undecided), 15 * 8);
  assert_int_equal(offsetof(jj_engine_stats, group_refused), 16 * 8);
  assert_int_equal(offsetof(jj_engine_stats, events_superseded), 17 * 8);
  assert_int_equal(offsetof(jj_engine_stats, reserved), 18 * 8);
  assert_int_equal(sizeof(jj_engine_stats), 30 * 8);
}

/* jj_sample is handed over as raw memory (numpy, network buffers): no
 * hidden padding, fields where the header says. */
static void test_sample_layout(void **state) {
  (void)state;
  assert_int_equal(offsetof(jj_sample, series), 0);
  assert_int_equal(offsetof(jj_sample, flags), 4);
  assert_int_equal(offsetof(jj_sample, ts_ms), 8);
  assert_int_equal(offsetof(jj_sample, value), 16);
  assert_int_equal(sizeof(jj_sample), sizeof(jj_series_id) + sizeof(uint32_t) + sizeof(int64_t) +
                                          sizeof(double));
}

/* jj_window_push_value's signature as a binding declares it (a change
 * fails to compile here), and its refusal before the push. */
static void test_window_push_value(void **state) {
  (void)state;
  jj_status (*const fn)(jj_window *, int64_t, double, jj_agg, double *) = jj_window_push_value;
  jj_window_config c;
  jj_window_config_init(&c);
  jj_window *w = NULL;
  assert_int_equal(jj_window_new(&c, NULL, &w), JJ_OK);
  double x = 0.0;
  assert_int_equal(fn(w, 100, 2.0, JJ_AGG_STDDEV, &x), JJ_EINVAL); /* not enabled */
  assert_true(isnan(x));
  assert_int_equal(fn(w, 100, 2.0, JJ_AGG_MEAN, &x), JJ_OK);
  assert_true(x == 2.0);
  jj_window_free(w);
}

/* Adding an aggregate must not change jj_window_stats: value[] has a fixed
 * number of slots, and the ones past the last aggregate read as NaN. */
static void test_window_stats_slots(void **state) {
  (void)state;
  assert_true(JJ_AGG__COUNT <= JJ_AGG_SLOTS);
  assert_int_equal(sizeof(((jj_window_stats *)0)->value) / sizeof(double), JJ_AGG_SLOTS);
  jj_window_config c;
  jj_window_config_init(&c);
  c.kind = JJ_WINDOW_TUMBLING;
  c.span_ms = 1000;
  c.aggregates = JJ_AGG_ALL;
  jj_window *w = NULL;
  assert_int_equal(jj_window_new(&c, NULL, &w), JJ_OK);
  assert_int_equal(jj_window_push(w, 100, 2.0), JJ_OK);
  jj_window_stats st;
  memset(&st, 0xab, sizeof st);
  assert_int_equal(jj_window_stats_get(w, &st), JJ_OK);
  assert_true(st.value[JJ_AGG_MEAN] == 2.0);
  for (int a = JJ_AGG__COUNT; a < JJ_AGG_SLOTS; a++) assert_true(isnan(st.value[a]));
  for (size_t i = 0; i < sizeof st.reserved / sizeof st.reserved[0]; i++)
    assert_int_equal(st.reserved[i], 0);
  /* a closed window comes out the same way */
  assert_int_equal(jj_window_advance(w, 5000), JJ_OK);
  memset(&st, 0xab, sizeof st);
  assert_int_equal(jj_window_pop_closed(w, &st), 1);
  assert_true(st.value[JJ_AGG_MAX] == 2.0 && st.count == 1 && st.start_ms == 0);
  for (int a = JJ_AGG__COUNT; a < JJ_AGG_SLOTS; a++) assert_true(isnan(st.value[a]));
  for (size_t i = 0; i < sizeof st.reserved / sizeof st.reserved[0]; i++)
    assert_int_equal(st.reserved[i], 0);
  jj_window_free(w);
}

/* The init functions leave every reserved field zero, so a later version
 * can give them a meaning whose zero is "as before". */
static void test_init_zeroes_reserved(void **state) {
  (void)state;
  jj_engine_config ec;
  memset(&ec, 0xff, sizeof ec);
  jj_engine_config_init(&ec);
  assert_int_equal(ec.flags, 0);
  assert_int_equal(ec.reserved0, 0);
  for (size_t i = 0; i < sizeof ec.reserved / sizeof ec.reserved[0]; i++)
    assert_int_equal(ec.reserved[i], 0);
  jj_rule_config rc;
  memset(&rc, 0xff, sizeof rc);
  jj_rule_config_init(&rc);
  for (size_t i = 0; i < sizeof rc.reserved / sizeof rc.reserved[0]; i++)
    assert_int_equal(rc.reserved[i], 0);
  assert_int_equal(rc.life_safety, 0);
  assert_int_equal(rc.window.reserved0, 0);
  for (size_t i = 0; i < sizeof rc.window.reserved / sizeof rc.window.reserved[0]; i++)
    assert_int_equal(rc.window.reserved[i], 0);
  jj_level_config lc;
  memset(&lc, 0xff, sizeof lc);
  jj_level_config_init(&lc);
  for (size_t i = 0; i < sizeof lc.reserved / sizeof lc.reserved[0]; i++)
    assert_int_equal(lc.reserved[i], 0);
  jj_dispatcher_config dc;
  memset(&dc, 0xff, sizeof dc);
  jj_dispatcher_config_init(&dc); /* in every build, notifiers or not */
  assert_int_equal(dc.size, sizeof dc);
  assert_int_equal(dc.handoff_capacity, 0); /* 0 = the default */
  assert_int_equal(dc.handoff_slot_bytes, 0);
  assert_int_equal(dc.outbox_sync_interval_ms, 0);
  for (size_t i = 0; i < sizeof dc.reserved / sizeof dc.reserved[0]; i++)
    assert_int_equal(dc.reserved[i], 0);
  /* the hand-off fields took the first 8 bytes of the old reserved tail
   * (LP64 offsets; the size stays pinned in `rows`) */
  if (sizeof(void *) == 8) {
    assert_int_equal(offsetof(jj_dispatcher_config, handoff_capacity), 104);
    assert_int_equal(offsetof(jj_dispatcher_config, handoff_slot_bytes), 108);
    /* then the group commit's interval */
    assert_int_equal(offsetof(jj_dispatcher_config, outbox_sync_interval_ms), 112);
    assert_int_equal(offsetof(jj_dispatcher_config, reserved), 120);
  }
}

static void test_features(void **state) {
  (void)state;
  unsigned f = jj_features();
  assert_int_equal(f & ~(JJ_FEATURE_YAML | JJ_FEATURE_PCRE2 | JJ_FEATURE_CURL), 0);
#ifdef JJ_TEST_HAVE_YAML
  assert_true(f & JJ_FEATURE_YAML);
#else
  assert_false(f & JJ_FEATURE_YAML);
#endif
#ifdef JJ_TEST_HAVE_PCRE2
  assert_true(f & JJ_FEATURE_PCRE2);
#else
  assert_false(f & JJ_FEATURE_PCRE2);
#endif
#ifdef JJ_TEST_HAVE_CURL
  assert_true(f & JJ_FEATURE_CURL);
#else
  assert_false(f & JJ_FEATURE_CURL);
#endif
}

/* Firmware additions: the bundle format version and the append-only enum
 * values a compiled bundle stores; the pool allocator's argument checks. */
static void test_firmware_api(void **state) {
  (void)state;
  assert_int_equal(JJ_BUNDLE_VERSION, 4);
  /* jj_engine_estimate's structs: a reserved word / tail to grow into. */
  assert_int_equal(sizeof(jj_series_spec), 2 * sizeof(void *) + 8);
  assert_int_equal(sizeof(jj_memory_estimate), 4 * sizeof(size_t) + 4 * 8);
  assert_int_equal(JJ_DISTINCT_RULES, 0);
  assert_int_equal(JJ_DISTINCT_SERIES, 1);
  jj_rule_config rc;
  memset(&rc, 0xff, sizeof rc);
  jj_rule_config_init(&rc);
  assert_int_equal(rc.group_distinct, JJ_DISTINCT_RULES);
  assert_int_equal(jj_alloc_pool_init(NULL, &rc, sizeof rc), JJ_EINVAL);
  size_t needed = 0;
  assert_int_equal(jj_bundle_write(NULL, 0, NULL, 0, &needed), JJ_EINVAL);
  jj_ruleset *rs = NULL;
  assert_int_equal(jj_bundle_load("JJRB", 4, NULL, &rs, NULL), JJ_EINVAL);
  assert_int_equal(jj_bundle_load_static("JJRB", 4, NULL, &rs, NULL), JJ_EINVAL);
  assert_int_equal(jj_bundle_load_rules(NULL, NULL, &rs, NULL), JJ_EINVAL);
  assert_int_equal(jj_bundle_write_source(NULL, 0, "x", NULL, 0, &needed), JJ_EINVAL);
  assert_null(rs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_versions_match),    cmocka_unit_test(test_struct_sizes_match),
      cmocka_unit_test(test_sizes_pinned),      cmocka_unit_test(test_event_layout),
      cmocka_unit_test(test_sample_layout),     cmocka_unit_test(test_stats_layout),
      cmocka_unit_test(test_window_stats_slots), cmocka_unit_test(test_init_zeroes_reserved),
      cmocka_unit_test(test_features),          cmocka_unit_test(test_window_push_value),
      cmocka_unit_test(test_firmware_api),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
