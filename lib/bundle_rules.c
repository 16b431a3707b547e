/* jj_bundle_load_rules: a ruleset over constant rule records (made by
 * jj_bundle_write_source, bundle_static.h) used in place: what a device
 * links to keep its rules in flash. Only the ruleset itself is allocated;
 * jj_ruleset_free leaves the records alone (rs->borrowed). */
#include <string.h>

#include "alloc.h"
#include "bundle_static.h"
#include "errfmt.h"
#include "feature_check.h"
#include "strutil.h"

jj_status jj_bundle_load_rules(const jj_static_rules *sr, const jj_allocator *alc,
                               jj_ruleset **out, jj_error *err) {
  if (!out) return jj__fail(err, JJ_EINVAL, "rules: out is required");
  *out = NULL;
  if (!sr || sr->magic != JJ_STATIC_RULES_MAGIC)
    return jj__fail(err, JJ_EINVAL, "rules: not rule records made by jjair compile -s");
  if (sr->version != JJ_BUNDLE_VERSION || sr->rule_size != sizeof(jj_rule))
    return jj__fail(err, JJ_EINVAL,
                    "rules: made for another build of the library (version %lu, records of "
                    "%lu bytes; this one: %lu, %lu): make them again with its jjair compile -s",
                    (unsigned long)sr->version, (unsigned long)sr->rule_size,
                    (unsigned long)JJ_BUNDLE_VERSION, (unsigned long)sizeof(jj_rule));
  if (sr->nrules == 0 || !sr->rules) return jj__fail(err, JJ_EINVAL, "rules: no rules");
  for (uint32_t i = 0; i < sr->nrules; i++) {
    const jj_rule *r = &sr->rules[i];
    jj_status st = jj__features_check(r->cfg.name, r->cfg.window.kind, r->cfg.aggregate,
                                      r->cfg.group, err);
    if (st == JJ_OK && r->nannotations)
      st = jj__features_check_annotation(r->cfg.name, r->annotations[0].name, err);
    if (st != JJ_OK) return st;
  }
  jj_allocator a;
  jj__alloc_resolve(&a, alc);
  jj_ruleset *rs = jj__calloc(&a, sizeof *rs);
  if (!rs) return jj__fail(err, JJ_ENOMEM, "out of memory");
  rs->alc = a;
  jj__ref_init(&rs->refs, 1);
  /* Never written through: a ruleset is immutable (ruleset.h). */
  rs->rules = jj__unconst(sr->rules);
  rs->nrules = sr->nrules;
  rs->borrowed = JJ__RULES_IN_PLACE;
  *out = rs;
  if (err) memset(err, 0, sizeof *err);
  return JJ_OK;
}
