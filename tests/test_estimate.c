/* jj_engine_estimate (jjair/estimate.h): the memory an engine will take,
 * counted before anything is allocated, against what a pool really gives
 * out — exactly for the robot (the committed fire bundle, preallocated
 * windows) and as an upper bound when windows grow, series arrays and
 * indexes double, groups fill. Runs on the host and on the board. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "engine_testutil.h"
#include "jjair/jjair.h"

extern const unsigned char jj_fire_bundle[];
extern const size_t jj_fire_bundle_size;

#define SEC 1000LL
#define T0 1714539600000LL

/* 1 MiB: the growing windows of test_upper_bound_when_things_grow leave
 * each smaller ring behind in the pool (about 570 KB at the peak). */
static uint64_t pool_mem[1024 * 1024 / 8];

static void on_event(void *ctx, const jj_event *ev) {
  (void)ctx;
  (void)ev;
}

static size_t pool_used(const jj_allocator *pool) {
  size_t used = 0;
  assert_int_equal(jj_alloc_pool_stats(pool, &used, NULL, NULL), JJ_OK);
  return used;
}

static size_t pool_peak(const jj_allocator *pool) {
  size_t peak = 0;
  assert_int_equal(jj_alloc_pool_stats(pool, NULL, &peak, NULL), JJ_OK);
  return peak;
}

/* Make the engine and the series in the pool; returns the engine and the
 * pool's use before it (*before). */
static jj_engine *make(jj_ruleset *rs, const jj_engine_config *cfg, const jj_allocator *pool,
                       const jj_series_spec *sp, uint32_t n, jj_series_id *ids) {
  jj_engine *e = NULL;
  assert_int_equal(jj_engine_new(rs, cfg, pool, &e), JJ_OK);
  for (uint32_t i = 0; i < n; i++)
    assert_int_equal(jj_engine_series(e, sp[i].metric, sp[i].labels, sp[i].nlabels, &ids[i]),
                     JJ_OK);
  return e;
}

/* The robot's set-up: a pool over pool_mem holding the fire bundle
 * (compiled with -p 1s), its 8 series (each with `flags`) and the small
 * device's engine configuration. */
static void robot_setup(jj_allocator *pool, jj_ruleset **rs, jj_label labels[8][2],
                        jj_series_spec sp[8], uint32_t flags, jj_engine_config *cfg) {
  assert_int_equal(jj_alloc_pool_init(pool, pool_mem, sizeof pool_mem), JJ_OK);
  assert_int_equal(jj_bundle_load(jj_fire_bundle, jj_fire_bundle_size, pool, rs, NULL), JJ_OK);
  static const char *const metric[8] = {"temperature", "temperature", "co",       "smoke",
                                        "pm25",        "pm10",        "humidity", "o3"};
  static const char *const sensor[8] = {"body", "camera", "gas", "optical",
                                        "optical", "optical", "body", "gas"};
  for (int i = 0; i < 8; i++) {
    labels[i][0] = (jj_label){"robot", "r2"};
    labels[i][1] = (jj_label){"sensor", sensor[i]};
    sp[i] = (jj_series_spec){metric[i], labels[i], 2, flags};
  }
  jj_engine_config_init(cfg);
  cfg->max_series = 8;
  cfg->max_labels = 2;
  cfg->max_groups = 2;
  cfg->flags = JJ_ENGINE_NO_QUEUE;
  cfg->on_event = on_event;
}

/* The robot: the fire bundle compiled with -p 1s, 8 series. The estimate
 * is the pool's exact growth, and nothing is allocated after init. */
static void test_robot_exact(void **state) {
  (void)state;
  jj_allocator pool;
  jj_ruleset *rs = NULL;
  jj_label labels[8][2];
  jj_series_spec sp[8];
  jj_engine_config cfg;
  robot_setup(&pool, &rs, labels, sp, 0, &cfg);
  jj_memory_estimate est;
  assert_int_equal(jj_engine_estimate(rs, &cfg, sp, 8, &est), JJ_OK);
  size_t before = pool_used(&pool);
  jj_series_id ids[8];
  jj_engine *e = make(rs, &cfg, &pool, sp, 8, ids);
  size_t after = pool_used(&pool);
  print_message("robot: ruleset %lu B, engine + 8 series %lu B (estimate %lu B, %lu blocks)\n",
                (unsigned long)before, (unsigned long)(after - before),
                (unsigned long)est.pool_bytes, (unsigned long)est.allocations);
  assert_int_equal(est.pool_bytes, after - before);
  assert_true(est.series_bytes < est.pool_bytes);
  /* The sizes asked (less the counting headers a pool does not need) fit
   * in the pool's rounded blocks with their 8-byte headers. */
  size_t asked = est.bytes - 16 * (est.allocations - 1);
  assert_true(asked <= est.pool_bytes - 8 * est.allocations);
  assert_true(asked + 8 * est.allocations > est.pool_bytes - 8 * est.allocations);
  /* A fire: nothing more is allocated, so the figure holds for the run. */
  for (int t = 0; t < 200; t++)
    for (int i = 0; i < 8; i++)
      assert_int_equal(jj_engine_push(e, ids[i], T0 + t * SEC, i < 2 ? 20.0 + t : 1.0 + t), JJ_OK);
  assert_int_equal(pool_peak(&pool), after);
  jj_engine_free(e);
  jj_ruleset_free(rs);
}

/* The robot pushing positions (jj_engine_push_located) on all 8 series:
 * flagged JJ_SERIES_LOCATED, the estimate counts the engine's table of
 * positions (8 entries, then 16 once a 7th series is located), and is
 * still the pool's exact growth after every series' located pushes. */
static void test_robot_located_exact(void **state) {
  (void)state;
  jj_allocator pool;
  jj_ruleset *rs = NULL;
  jj_label labels[8][2];
  jj_series_spec sp[8];
  jj_engine_config cfg;
  robot_setup(&pool, &rs, labels, sp, JJ_SERIES_LOCATED, &cfg);
  jj_memory_estimate est, plain;
  assert_int_equal(jj_engine_estimate(rs, &cfg, sp, 8, &est), JJ_OK);
  for (int i = 0; i < 8; i++) sp[i].flags = 0;
  assert_int_equal(jj_engine_estimate(rs, &cfg, sp, 8, &plain), JJ_OK);
  /* the table's two blocks: 8 and 16 entries of 24 bytes, each with the
   * pool's 8-byte header */
  assert_int_equal(est.pool_bytes - plain.pool_bytes, (8 + 8 * 24) + (8 + 16 * 24));
  assert_int_equal(est.allocations, plain.allocations + 2);
  /* A series listed twice, once flagged: one entry, as the engine would
   * make. Six located series fit the first table. */
  jj_series_spec twice[9];
  for (int i = 0; i < 8; i++) twice[i] = sp[i];
  twice[8] = sp[0];
  for (int i = 3; i < 9; i++) twice[i].flags = JJ_SERIES_LOCATED;
  jj_memory_estimate six;
  assert_int_equal(jj_engine_estimate(rs, &cfg, twice, 9, &six), JJ_OK);
  assert_int_equal(six.pool_bytes - plain.pool_bytes, 8 + 8 * 24);
  for (int i = 0; i < 8; i++) sp[i].flags = JJ_SERIES_LOCATED;

  size_t before = pool_used(&pool);
  jj_series_id ids[8];
  jj_engine *e = make(rs, &cfg, &pool, sp, 8, ids);
  for (int t = 0; t < 200; t++)
    for (int i = 0; i < 8; i++)
      assert_int_equal(jj_engine_push_located(e, ids[i], T0 + t * SEC, i < 2 ? 20.0 + t : 1.0 + t,
                                              35.8242 + 1e-5 * t, 127.1480),
                       JJ_OK);
  assert_int_equal(pool_peak(&pool) - before, est.pool_bytes);
  jj_engine_free(e);
  jj_ruleset_free(rs);
}

/* Rules that exercise every kind of block: growing (not preallocated)
 * windows with min/max, a tumbling window, a k_of_n group over a label,
 * a rules group fed by two rules, a percentile (when the build has the
 * sketch), flap histories. */
static jj_ruleset *mixed_rules(void) {
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc;
  jj_level_config lc = et_level("high", JJ_CMP_GE, 50, JJ_CMP_LT, 40, 1);
  jj_rule_config_init(&rc);
  rc.name = "pm-max";
  rc.metric = "pm25";
  rc.window.span_ms = 300 * SEC;
  rc.window.max_samples = 256; /* the growing windows' caps: what bounds them */
  rc.aggregate = JJ_AGG_MAX;
  rc.flap_changes = 4;
  rc.flap_window_ms = 600 * SEC;
  et_add(b, &rc, &lc, 1);
  jj_rule_config_init(&rc);
  rc.name = "pm-hour";
  rc.metric = "pm25";
  rc.window.kind = JJ_WINDOW_TUMBLING;
  rc.window.span_ms = 3600 * SEC;
  rc.window.max_samples = 256;
  rc.aggregate = JJ_AGG_MEAN;
  et_add(b, &rc, &lc, 1);
  jj_rule_config_init(&rc);
  rc.name = "pm-zone";
  rc.metric = "pm25";
  rc.window.span_ms = 60 * SEC;
  rc.window.max_samples = 256;
  rc.aggregate = JJ_AGG_MEAN;
  rc.group = JJ_GROUP_K_OF_N;
  rc.group_by = "zone";
  rc.member_op = JJ_CMP_GE;
  rc.member_value = 50;
  rc.group_within_ms = 60 * SEC;
  lc = et_level("many", JJ_CMP_GE, 2, JJ_CMP_LT, 1, 1);
  et_add(b, &rc, &lc, 1);
  jj_rule_config_init(&rc);
  rc.name = "heat";
  rc.metric = "temperature";
  rc.window.span_ms = 60 * SEC;
  rc.window.max_samples = 100;
  rc.window.preallocate = 1;
  rc.aggregate = JJ_AGG_SLOPE;
  lc = et_level("rise", JJ_CMP_GE, 8, JJ_CMP_LT, 3, 1);
  et_add(b, &rc, &lc, 1);
  rc.name = "heat-min";
  rc.aggregate = JJ_AGG_MIN;
  lc = et_level("hot", JJ_CMP_GE, 57, JJ_CMP_LT, 50, 1);
  et_add(b, &rc, &lc, 1);
  jj_rule_config_init(&rc);
  rc.name = "confirmed";
  rc.group = JJ_GROUP_RULES;
  rc.group_by = "zone";
  rc.sources = "heat,pm-max";
  rc.group_within_ms = 60 * SEC;
  lc = et_level("fire", JJ_CMP_GE, 2, JJ_CMP_LT, 1, 1);
  et_add(b, &rc, &lc, 1);
#ifndef JJ_NO_SKETCH
  jj_rule_config_init(&rc);
  rc.name = "pm-p95";
  rc.metric = "pm10";
  rc.window.span_ms = 600 * SEC;
  rc.window.percentile = 0.95;
  rc.window.max_samples = 700;
  rc.aggregate = JJ_AGG_PERCENTILE;
  lc = et_level("high", JJ_CMP_GE, 100, JJ_CMP_LT, 80, 1);
  et_add(b, &rc, &lc, 1);
#endif
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  return rs;
}

/* 80 series in 5 zones: the series array and id index outgrow their first
 * size, groups gain more than 8 members, windows grow as samples come. The
 * estimate is never below what the pool gives out, however far the
 * windows fill. (It is far above here: a sketch that is not preallocated
 * counts its whole key range, 1e-3 to 1e288, though these readings use a
 * few keys; preallocate or leave out percentile rules on a device.) */
static void test_upper_bound_when_things_grow(void **state) {
  (void)state;
  jj_ruleset *rs = mixed_rules();
  enum { N = 80 };
  static char names[N][8];
  static jj_label labels[N][2];
  jj_series_spec sp[N + 1];
  static const char *const zone[5] = {"a", "b", "c", "d", "e"};
  static const char *const metric[3] = {"pm25", "temperature", "pm10"};
  for (int i = 0; i < N; i++) {
    names[i][0] = 's';
    names[i][1] = (char)('0' + i / 10);
    names[i][2] = (char)('0' + i % 10);
    names[i][3] = '\0';
    labels[i][0] = (jj_label){"sensor", names[i]};
    labels[i][1] = (jj_label){"zone", zone[i % 5]};
    sp[i] = (jj_series_spec){metric[i % 3], labels[i], 2, 0};
  }
  sp[N] = sp[7]; /* listed twice: one series */
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.event_queue = 16;
  jj_memory_estimate est;
  assert_int_equal(jj_engine_estimate(rs, &cfg, sp, N + 1, &est), JJ_OK);
  jj_allocator pool;
  assert_int_equal(jj_alloc_pool_init(&pool, pool_mem, sizeof pool_mem), JJ_OK);
  jj_series_id ids[N + 1];
  jj_engine *e = make(rs, &cfg, &pool, sp, N + 1, ids);
  assert_int_equal(ids[N], ids[7]);
  size_t init = pool_peak(&pool);
  assert_true(est.pool_bytes >= init);
  /* 2 hours at one reading a minute: every window reaches its size. */
  for (int t = 0; t < 120; t++)
    for (int i = 0; i < N; i++)
      assert_int_equal(jj_engine_push(e, ids[i], T0 + t * 60 * SEC, (double)((t * 7 + i) % 90)),
                       JJ_OK);
  size_t peak = pool_peak(&pool);
  print_message("80 series: pool %lu B at init, %lu B full; estimate %lu B\n", (unsigned long)init,
                (unsigned long)peak, (unsigned long)est.pool_bytes);
  assert_true(est.pool_bytes >= peak);
  jj_engine_free(e);
  jj_ruleset_free(rs);
}

static void test_errors(void **state) {
  (void)state;
  jj_ruleset *rs = mixed_rules();
  jj_memory_estimate est;
  jj_label l = {"zone", "a"};
  jj_series_spec sp[3] = {{"pm25", &l, 1, 0}, {"pm10", &l, 1, 0}, {"o3", &l, 1, 0}};
  assert_int_equal(jj_engine_estimate(NULL, NULL, sp, 1, &est), JJ_EINVAL);
  assert_int_equal(jj_engine_estimate(rs, NULL, sp, 1, NULL), JJ_EINVAL);
  assert_int_equal(jj_engine_estimate(rs, NULL, NULL, 1, &est), JJ_EINVAL);
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.max_series = 2;
  assert_int_equal(jj_engine_estimate(rs, &cfg, sp, 3, &est), JJ_ELIMIT);
  cfg.max_series = 3;
  assert_int_equal(jj_engine_estimate(rs, &cfg, sp, 3, &est), JJ_OK);
  /* A rule whose window does not fit the engine's cap: refused, as
   * jj_engine_new refuses it. */
  cfg.max_samples_per_window = 150;
  assert_int_equal(jj_engine_estimate(rs, &cfg, sp, 3, &est), JJ_ELIMIT);
  cfg.max_samples_per_window = 0;
  jj_label twice[2] = {{"zone", "a"}, {"zone", "b"}};
  jj_series_spec bad = {"pm25", twice, 2, 0};
  assert_int_equal(jj_engine_estimate(rs, NULL, &bad, 1, &est), JJ_EINVAL);
  jj_series_spec unknown = {"pm25", &l, 1, 2}; /* a flag this version does not know */
  assert_int_equal(jj_engine_estimate(rs, NULL, &unknown, 1, &est), JJ_EINVAL);
  /* No series: the engine alone; the default poll queue dominates. */
  assert_int_equal(jj_engine_estimate(rs, NULL, NULL, 0, &est), JJ_OK);
  assert_true(est.pool_bytes > 1024 * sizeof(jj_event));
  assert_int_equal(est.series_bytes, 0);
  jj_ruleset_free(rs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_robot_exact),
      cmocka_unit_test(test_robot_located_exact),
      cmocka_unit_test(test_upper_bound_when_things_grow),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
