/* Rules that judge an index (jj_ruleset_builder_set_index, aqi.h): the
 * rule keeps the table; engine.c and group.c read it through
 * jj__rule_index_value (ruleset.h). */
#include <inttypes.h>
#include <string.h>

#include "aqi_internal.h"
#include "errfmt.h"
#include "feature_check.h"
#include "ruleset.h"

jj_status jj_ruleset_builder_set_index(jj_ruleset_builder *b, uint32_t rule,
                                       const jj_aqi_table *table, jj_error *err) {
  jj_rule *r = jj__ruleset_builder_rule(b, rule);
  if (!r) return jj__fail(err, JJ_EINVAL, "rule %" PRIu32 " does not exist", rule);
  jj_status fst = jj__features_check_index(r->cfg.name, err);
  if (fst != JJ_OK) return fst;
  if (!table) return jj__fail(err, JJ_EINVAL, "rule '%s': the index table is NULL", r->cfg.name);
  if (r->cfg.group == JJ_GROUP_K_OF_N || r->cfg.group == JJ_GROUP_RULES)
    return jj__fail(err, JJ_EINVAL,
                    "rule '%s': an index applies to a value, not to a count of members or "
                    "rules (k_of_n, rules groups)",
                    r->cfg.name);
  jj_aqi_table *t = NULL;
  if (table->owned) {
    jj_status st = jj_aqi_table_new(table->name, table->decimals, table->bands, table->nbands,
                                    jj__ruleset_builder_allocator(b), &t, err);
    if (st != JJ_OK) return st;
  } else {
    /* Shipped tables are static and never freed; the cast only lets the
     * rule hold either kind in one field. */
    union {
      const jj_aqi_table *c;
      jj_aqi_table *m;
    } u = {table};
    t = u.m;
  }
  jj_aqi_table_free(r->index);
  r->index = t;
  if (err) memset(err, 0, sizeof *err);
  return JJ_OK;
}
