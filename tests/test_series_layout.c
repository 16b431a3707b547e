/* A series' block (lib/series.h). The instance limit: slots count
 * instances in 16 bits, so a series matching more than 65,535 rules is
 * refused with JJ_ELIMIT, by jj_engine_series and by jj_engine_estimate's
 * footprint alike. The instances' stores: each instance's jj_inst_more,
 * flap history, cold part and streaks lie after the instances, in that
 * order, found from its alert. A ruleset of 65,536 distinct rules takes the builder a minute
 * (it checks names pairwise), so the series code is driven directly with
 * a ruleset of copies of one compiled rule. Linked statically. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "engine_testutil.h"
#include "footprint.h"
#include "series.h"

static void add_bytes(void *ctx, size_t n) { *(size_t *)ctx += n; }

/* The key of a series of `metric` without labels. */
static jj_series_key metric_key(const char *metric) {
  jj_series_key k;
  memset(&k, 0, sizeof k);
  k.metric = metric;
  return k;
}

/* A ruleset of one rule, "r": metric `metric`, a 60 s mean, one level. */
static jj_ruleset *one_rule(const char *metric) {
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "r";
  rc.metric = metric;
  rc.window.span_ms = 60000;
  jj_level_config lv = et_level("high", JJ_CMP_GE, 75, JJ_CMP_NONE, 0, 1);
  return et_ruleset1(&rc, &lv, 1);
}

static void test_instances_per_series(void **state) {
  (void)state;
  jj_ruleset *rs = one_rule("m");
  /* 65,536 copies of the rule, all matching metric m and sharing a slot */
  jj_ruleset many = *rs;
  many.rules = calloc(65536, sizeof *many.rules);
  assert_non_null(many.rules);
  for (uint32_t i = 0; i < 65536; i++) many.rules[i] = rs->rules[0];
  jj_allocator alc;
  jj__alloc_resolve(&alc, NULL);
  jj_shape_cache shapes = {0};
  const jj_series_key k = metric_key("m");
  for (uint32_t n = 65535; n <= 65536; n++) {
    many.nrules = n;
    jj_series *s = NULL;
    uint32_t undecided = 0;
    jj_status st = jj__series_new(&many, &alc, &shapes, &k, 0, 0, &s, &undecided);
    jj__shape_tally tally;
    memset(&tally, 0, sizeof tally);
    size_t bytes = 0;
    jj_status fp = jj__series_footprint(&many, "m", NULL, 0, 0, 0, &tally, add_bytes, &bytes);
    if (n == JJ_SERIES_MAX_INST) {
      assert_int_equal(st, JJ_OK);
      assert_int_equal(s->ninst, 65535);
      assert_int_equal(s->nslots, 1);
      assert_int_equal(s->slots[0].count, 65535);
      assert_int_equal(jj__inst_slot(&jj__series_inst(s)[65534]), 0);
      assert_int_equal(fp, JJ_OK);
      assert_true(bytes > 65535 * sizeof(jj_inst));
      jj__series_free(&alc, s);
    } else {
      assert_int_equal(st, JJ_ELIMIT);
      assert_null(s);
      assert_int_equal(fp, JJ_ELIMIT);
    }
  }
  jj__shape_cache_free(&shapes, &alc);
  free(many.rules);
  jj_ruleset_free(rs);
}

/* Three rules: a plain one (a one-level alert's store: its streak start
 * alone), a TUMBLING one with two levels that detects flapping (a
 * jj_inst_more, a flap history, a cold part, two levels' streaks), and a
 * plain one again, in two slots. Each part is where jj__inst_more and the
 * alert's accessors find it, the parts do not overlap, and the instance's
 * bits in its alert's host word keep apart. */
static void test_instance_stores(void **state) {
  (void)state;
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.metric = "m";
  rc.window.span_ms = 60000;
  rc.name = "plain";
  jj_level_config lv[2] = {et_level("high", JJ_CMP_GE, 75, JJ_CMP_NONE, 0, 1),
                           et_level("higher", JJ_CMP_GE, 150, JJ_CMP_NONE, 0, 1)};
  et_add(b, &rc, lv, 1);
  rc.name = "tumbling";
  rc.window.kind = JJ_WINDOW_TUMBLING;
  rc.flap_changes = 4;
  rc.flap_window_ms = 600000;
  et_add(b, &rc, lv, 2);
  jj_rule_config_init(&rc);
  rc.metric = "m";
  rc.window.span_ms = 60000;
  rc.name = "plain2";
  et_add(b, &rc, lv, 1);
  jj_ruleset *rs = et_build(b);
  jj_ruleset_builder_free(b);
  jj_allocator alc;
  jj__alloc_resolve(&alc, NULL);
  jj_shape_cache shapes = {0};
  const jj_series_key k = metric_key("m");
  jj_series *s = NULL;
  uint32_t undecided = 0;
  assert_int_equal(jj__series_new(rs, &alc, &shapes, &k, 0, 0, &s, &undecided), JJ_OK);
  assert_int_equal(s->ninst, 3);
  assert_int_equal(s->nslots, 2);
  jj_inst *in = jj__series_inst(s);
  const char *end = (const char *)s + s->strings_off; /* the strings follow the stores */
  char *at = (char *)(in + 3);            /* the stores follow the instances */
  for (uint32_t i = 0; i < 3; i++) {
    const jj_rule *r = in[i].rule;
    const int tumbling = r->cfg.window.kind == JJ_WINDOW_TUMBLING;
    assert_int_equal(jj__inst_slot(&in[i]), tumbling ? 1 : 0);
    assert_int_equal(s->slots[jj__inst_slot(&in[i])].lead->cfg.window.kind, r->cfg.window.kind);
    jj_inst_more *m = jj__inst_more(&in[i]);
    const jj_alert *a = &in[i].alert;
    if (tumbling) {
      assert_ptr_equal(m, at);
      assert_true(isnan(m->member_value));
      assert_int_equal(m->win_start, INT64_MIN);
      at += sizeof *m;
      assert_ptr_equal(jj__alert_flap(a), at);
      at += JJ_FLAP_SLOTS * sizeof(int64_t);
      assert_ptr_equal(jj__alert_cold(a), at);
      at += sizeof(jj_alert_cold);
    } else {
      assert_null(m);
      assert_null(jj__alert_flap(a));
      assert_null(jj__alert_cold(a));
    }
    assert_ptr_equal(jj__alert_since(a), at);
    at += jj__alert_levels_bytes(r->nlevels);
    /* stale comes and goes without touching the slot or the record */
    jj__inst_set_stale(&in[i], 1);
    assert_true(jj__inst_stale(&in[i]));
    assert_ptr_equal(jj__inst_more(&in[i]), m);
    jj__inst_set_stale(&in[i], 0);
    assert_false(jj__inst_stale(&in[i]));
    assert_int_equal(jj__inst_slot(&in[i]), tumbling ? 1 : 0);
  }
  assert_ptr_equal(at, end);
  jj__series_free(&alc, s);
  jj__shape_cache_free(&shapes, &alc);
  jj_ruleset_free(rs);
}

/* A series' strings: its labels' names and values, sorted by name, after
 * its last instance's store; its metric too only when no rule is bound to
 * it (a bound rule names exactly its metric, so the series reads it
 * there). Lookups, hashes and labels read the same either way. */
static void test_strings(void **state) {
  (void)state;
  jj_ruleset *rs = one_rule("pm25");
  jj_allocator alc;
  jj__alloc_resolve(&alc, NULL);
  jj_shape_cache shapes = {0};
  const jj_label labels[2] = {{"zone", "z01"}, {"station", "s1"}};
  const jj_index none = {0};
  for (int bound = 1; bound >= 0; bound--) {
    const char *metric = bound ? "pm25" : "no2"; /* the rule reads pm25 only */
    jj_series_key k;
    int64_t id;
    assert_int_equal(jj__series_lookup(&none, NULL, metric, labels, 2, &k, &id), JJ_OK);
    assert_int_equal(id, -1);
    jj_series *s = NULL;
    uint32_t undecided = 0;
    assert_int_equal(jj__series_new(rs, &alc, &shapes, &k, 0, 0, &s, &undecided), JJ_OK);
    assert_int_equal(s->nslots, bound ? 1 : 0);
    const char *strings = (const char *)s + s->strings_off;
    static const char names[] = "station\0s1\0zone\0z01"; /* sorted by name */
    if (bound) {
      assert_ptr_equal(jj__series_metric(s), rs->rules[0].cfg.metric); /* the rule's */
      assert_memory_equal(strings, names, sizeof names);
    } else {
      assert_ptr_equal(jj__series_metric(s), strings); /* its own, first */
      assert_string_equal(strings, "no2");
      assert_memory_equal(strings + 4, names, sizeof names);
    }
    assert_ptr_equal(jj__series_label_strings(s), bound ? strings : strings + 4);
    assert_true(jj__series_hash(s) == k.hash);
    assert_string_equal(jj__series_label(s, "zone"), "z01");
    assert_string_equal(jj__series_label(s, "station"), "s1");
    assert_null(jj__series_label(s, "z01"));
    jj_label got[2];
    jj__series_labels(s, got);
    assert_string_equal(got[0].name, "station");
    assert_string_equal(got[1].value, "z01");
    jj__series_free(&alc, s);
  }
  jj__shape_cache_free(&shapes, &alc);
  jj_ruleset_free(rs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_instances_per_series),
      cmocka_unit_test(test_instance_stores),
      cmocka_unit_test(test_strings),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
