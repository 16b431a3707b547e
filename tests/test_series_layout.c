/* A series' instance limit (lib/series.h): slots count instances in 16
 * bits, so a series matching more than 65,535 rules is refused with
 * JJ_ELIMIT, by jj_engine_series and by jj_engine_estimate's footprint
 * alike. A ruleset of 65,536 distinct rules takes the builder a minute
 * (it checks names pairwise), so the series code is driven directly with
 * a ruleset of copies of one compiled rule. Linked statically. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "engine_testutil.h"
#include "footprint.h"
#include "series.h"

static void add_bytes(void *ctx, size_t n) { *(size_t *)ctx += n; }

static void test_instances_per_series(void **state) {
  (void)state;
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "r";
  rc.metric = "m";
  rc.window.span_ms = 60000;
  jj_level_config lv = et_level("high", JJ_CMP_GE, 75, JJ_CMP_NONE, 0, 1);
  jj_ruleset *rs = et_ruleset1(&rc, &lv, 1);
  /* 65,536 copies of the rule, all matching metric m and sharing a slot */
  jj_ruleset many = *rs;
  many.rules = calloc(65536, sizeof *many.rules);
  assert_non_null(many.rules);
  for (uint32_t i = 0; i < 65536; i++) many.rules[i] = rs->rules[0];
  jj_allocator alc;
  jj__alloc_resolve(&alc, NULL);
  jj_shape_cache shapes = {0};
  jj_series_key k;
  memset(&k, 0, sizeof k);
  k.metric = "m";
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
      assert_int_equal(jj__series_inst(s)[65534].slot, 0);
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_instances_per_series),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
