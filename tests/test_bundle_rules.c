/* Rules as constant records (jj_bundle_write_source, jj_bundle_load_rules;
 * jjair compile -s): the committed examples/firmware/fire_rules.c gives,
 * over the firmware example's recorded episode, the same events as the
 * committed bundle of the same rules (fire_bundle.c), with only the
 * ruleset's own bytes allocated and none of the records written or freed;
 * records of another build, or not records at all, are refused; the
 * writer's size protocol and refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../examples/firmware/episode.h"
#include "bundle_static.h"
#include "engine_testutil.h"
#include "jjair/jjair.h"
#include "event_sink.h"
#include "testutil.h"

extern const unsigned char jj_fire_bundle[];
extern const size_t jj_fire_bundle_size;
extern const jj_static_rules jj_fire_rules;

/* examples/firmware/fire_robot.c's run: the episode's five sensors. */
static char *run(jj_ruleset *rs) {
  static const char *const metric[JJ_FW_SENSORS] = {"temperature", "temperature", "co", "smoke",
                                                    "pm25"};
  static const char *const sensor[JJ_FW_SENSORS] = {"body", "camera", "gas", "optical",
                                                    "optical"};
  tu_sink s = {NULL, 0, 0};
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.flags = JJ_ENGINE_NO_QUEUE;
  cfg.on_event = tu_sink_event;
  cfg.on_event_ctx = &s;
  jj_engine *e = NULL;
  assert_int_equal(jj_engine_new(rs, &cfg, NULL, &e), JJ_OK);
  jj_series_id id[JJ_FW_SENSORS];
  for (int k = 0; k < JJ_FW_SENSORS; k++) {
    jj_label l[2] = {{"robot", "r2"}, {"sensor", sensor[k]}};
    assert_int_equal(jj_engine_series(e, metric[k], l, 2, &id[k]), JJ_OK);
  }
  jj_fw_episode ep;
  jj_fw_episode_open(&ep);
  int16_t row[JJ_FW_SENSORS];
  for (int t = 0; jj_fw_episode_row(&ep, row); t++) {
    int64_t ts = 1714539600000 + (int64_t)t * 1000;
    for (int k = 0; k < JJ_FW_SENSORS; k++) (void)jj_engine_push(e, id[k], ts, row[k] / 10.0);
    assert_int_equal(jj_engine_advance(e, ts), JJ_OK);
  }
  assert_true(jj_fw_episode_check(&ep));
  jj_engine_free(e);
  assert_non_null(s.text);
  return s.text;
}

static void test_records_give_the_bundles_events(void **state) {
  (void)state;
  jj_ruleset *bundle = NULL, *records = NULL;
  jj_error err;
  assert_int_equal(jj_bundle_load(jj_fire_bundle, jj_fire_bundle_size, NULL, &bundle, &err), JJ_OK);
  tu_alloc t;
  tu_alloc_init(&t);
  assert_int_equal(jj_bundle_load_rules(&jj_fire_rules, &t.alc, &records, &err), JJ_OK);
  assert_int_equal(t.live_blocks, 1); /* the ruleset itself; the rules stay where they are */
  assert_int_equal(jj_ruleset_rule_count(records), jj_ruleset_rule_count(bundle));
  for (uint32_t i = 0; i < jj_ruleset_rule_count(bundle); i++) {
    assert_string_equal(jj_ruleset_rule_name(records, i), jj_ruleset_rule_name(bundle, i));
    assert_int_equal(jj_ruleset_rule_life_safety(records, i),
                     jj_ruleset_rule_life_safety(bundle, i));
  }
  char *a = run(bundle), *b = run(records);
  assert_string_equal(a, b);
  /* What the episode is for: the fire confirmed, the PM surge seen. */
  assert_non_null(strstr(a, "\"rule\":\"fire-confirmed\""));
  assert_non_null(strstr(a, "\"rule\":\"fire-pm-surge\""));
  free(a);
  free(b);
  /* Written back as a bundle (-p 1s was applied when both were made):
   * the bytes of the committed bundle. */
  size_t n = 0;
  assert_int_equal(jj_bundle_write(records, 0, NULL, 0, &n), JJ_EFULL);
  assert_int_equal(n, jj_fire_bundle_size);
  unsigned char *img = malloc(n);
  assert_non_null(img);
  assert_int_equal(jj_bundle_write(records, 0, img, n, &n), JJ_OK);
  assert_memory_equal(img, jj_fire_bundle, n);
  free(img);
  jj_ruleset_free(records); /* frees the ruleset only: the records are constant */
  assert_int_equal(t.live_blocks, 0);
  assert_int_equal(t.errors, 0);
  jj_ruleset_free(bundle);
}

static void test_foreign_records_refused(void **state) {
  (void)state;
  jj_ruleset *rs = (jj_ruleset *)&rs;
  jj_error err;
  jj_static_rules sr = jj_fire_rules;
  sr.magic ^= 1;
  assert_int_equal(jj_bundle_load_rules(&sr, NULL, &rs, &err), JJ_EINVAL);
  assert_null(rs);
  assert_non_null(strstr(err.message, "not rule records"));
  sr = jj_fire_rules;
  sr.rule_size += 8; /* made by a build whose records differ */
  assert_int_equal(jj_bundle_load_rules(&sr, NULL, &rs, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "another build of the library"));
  sr = jj_fire_rules;
  sr.version = JJ_BUNDLE_VERSION - 1;
  assert_int_equal(jj_bundle_load_rules(&sr, NULL, &rs, &err), JJ_EINVAL);
  sr = jj_fire_rules;
  sr.nrules = 0;
  assert_int_equal(jj_bundle_load_rules(&sr, NULL, &rs, &err), JJ_EINVAL);
  assert_int_equal(jj_bundle_load_rules(NULL, NULL, &rs, &err), JJ_EINVAL);
  assert_int_equal(jj_bundle_load_rules(&jj_fire_rules, NULL, NULL, &err), JJ_EINVAL);
  /* Out of memory: the one allocation fails cleanly. */
  tu_alloc t;
  tu_alloc_init(&t);
  t.fail_at = 1;
  assert_int_equal(jj_bundle_load_rules(&jj_fire_rules, &t.alc, &rs, &err), JJ_ENOMEM);
  assert_null(rs);
  assert_int_equal(t.live_blocks, 0);
}

static void test_write_source(void **state) {
  (void)state;
  jj_ruleset *rs = NULL;
  assert_int_equal(jj_bundle_load(jj_fire_bundle, jj_fire_bundle_size, NULL, &rs, NULL), JJ_OK);
  size_t n = 0, again = 0;
  assert_int_equal(jj_bundle_write_source(rs, 0, "my_rules", NULL, 0, &n), JJ_EFULL);
  char *text = malloc(n + 1);
  assert_non_null(text);
  assert_int_equal(jj_bundle_write_source(rs, 0, "my_rules", text, n, &again), JJ_EFULL);
  assert_int_equal(again, n); /* no room for the NUL: nothing written */
  assert_int_equal(jj_bundle_write_source(rs, 0, "my_rules", text, n + 1, &again), JJ_OK);
  assert_int_equal(again, n);
  assert_int_equal(strlen(text), n);
  assert_non_null(strstr(text, "const jj_static_rules my_rules = {JJ_STATIC_RULES_MAGIC"));
  assert_non_null(strstr(text, ".name = \"fire-confirmed\""));
  assert_non_null(strstr(text, ".window.span_ms = 60000"));
  assert_non_null(strstr(text, ".valid_min = NAN"));
  /* Non-ASCII (the severities' Hangul) as octal escapes. */
  assert_non_null(strstr(text, "\"\\355\\231\\224"));
  free(text);
  assert_int_equal(jj_bundle_write_source(rs, 0, "9lives", NULL, 0, &n), JJ_EINVAL);
  assert_int_equal(jj_bundle_write_source(rs, 0, "a-b", NULL, 0, &n), JJ_EINVAL);
  assert_int_equal(jj_bundle_write_source(rs, -1, "ok", NULL, 0, &n), JJ_EINVAL);
  assert_int_equal(jj_bundle_write_source(NULL, 0, "ok", NULL, 0, &n), JJ_EINVAL);
  jj_ruleset_free(rs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_records_give_the_bundles_events),
      cmocka_unit_test(test_foreign_records_refused),
      cmocka_unit_test(test_write_source),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
