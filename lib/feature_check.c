/* Which rules this build can run: the optional parts a firmware build may
 * leave out (JJ_WITH_SKETCH, JJ_WITH_EWMA, JJ_WITH_GROUPS, JJ_WITH_TEMPLATES) and the
 * rules that need them, refused with JJ_ENOTSUP naming the rule and the
 * option, by the builder and by the bundle loader alike. */
#include "feature_check.h"

#include "errfmt.h"

jj_status jj__features_check_rule(const jj_rule_config *rc, jj_error *err) {
#ifdef JJ_NO_SKETCH
  if (rc->aggregate == JJ_AGG_PERCENTILE)
    return jj__fail(err, JJ_ENOTSUP,
                    "rule '%s': percentile needs the quantile sketch, left out of this build "
                    "(-DJJ_WITH_SKETCH=ON)",
                    rc->name);
#endif
#ifdef JJ_NO_EWMA
  if (rc->aggregate == JJ_AGG_EWMA)
    return jj__fail(err, JJ_ENOTSUP,
                    "rule '%s': ewma is left out of this build (-DJJ_WITH_EWMA=ON)", rc->name);
#endif
#ifdef JJ_NO_GROUPS
  if (rc->group != JJ_GROUP_NONE)
    return jj__fail(err, JJ_ENOTSUP,
                    "rule '%s': group rules are left out of this build (-DJJ_WITH_GROUPS=ON)",
                    rc->name);
#endif
  (void)rc;
  (void)err;
  return JJ_OK;
}

jj_status jj__features_check_annotation(const char *rule, const char *name, jj_error *err) {
#ifdef JJ_NO_TEMPLATES
  return jj__fail(err, JJ_ENOTSUP,
                  "rule '%s': annotation '%s' needs templates, left out of this build "
                  "(-DJJ_WITH_TEMPLATES=ON)",
                  rule, name ? name : "");
#else
  (void)rule;
  (void)name;
  (void)err;
  return JJ_OK;
#endif
}
