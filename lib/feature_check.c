/* Which rules this build can run: the optional parts a firmware build may
 * leave out (JJ_WITH_SKETCH, JJ_WITH_EWMA, JJ_WITH_GROUPS, JJ_WITH_TEMPLATES,
 * JJ_WITH_AQI, JJ_WITH_TUMBLING) and the rules that need them, refused with
 * JJ_ENOTSUP naming the rule and the option, by the builder and by the
 * bundle loaders alike. */
#include "feature_check.h"

#include "errfmt.h"
#include "ruleset.h"

jj_status jj__features_check_rule(const jj_rule_config *rc, jj_error *err) {
  return jj__features_check(rc->name, rc->window.kind, rc->aggregate, rc->group, err);
}

jj_status jj__features_check(const char *name, jj_window_kind kind, jj_agg aggregate,
                             jj_group_mode group, jj_error *err) {
#ifdef JJ_NO_TUMBLING
  /* (A group combining rules reads no window: its kind does not matter.) */
  if (kind == JJ_WINDOW_TUMBLING && !jj__combines_rules(group))
    return jj__fail(err, JJ_ENOTSUP,
                    "rule '%s': tumbling windows are left out of this build "
                    "(-DJJ_WITH_TUMBLING=ON)",
                    name);
#endif
#ifdef JJ_NO_SKETCH
  if (aggregate == JJ_AGG_PERCENTILE)
    return jj__fail(err, JJ_ENOTSUP,
                    "rule '%s': percentile needs the quantile sketch, left out of this build "
                    "(-DJJ_WITH_SKETCH=ON)",
                    name);
#endif
#ifdef JJ_NO_EWMA
  if (aggregate == JJ_AGG_EWMA)
    return jj__fail(err, JJ_ENOTSUP,
                    "rule '%s': ewma is left out of this build (-DJJ_WITH_EWMA=ON)", name);
#endif
#ifdef JJ_NO_AQI
  if (aggregate == JJ_AGG_NOWCAST || aggregate == JJ_AGG_C24E_PM25 ||
      aggregate == JJ_AGG_C24E_PM10)
    return jj__fail(err, JJ_ENOTSUP,
                    "rule '%s': the hourly index averages (nowcast, c24e) are left out of this "
                    "build (-DJJ_WITH_AQI=ON)",
                    name);
  if (group == JJ_GROUP_CAI)
    return jj__fail(err, JJ_ENOTSUP,
                    "rule '%s': cai groups are left out of this build (-DJJ_WITH_AQI=ON)",
                    name);
#endif
#ifdef JJ_NO_GROUPS
  if (group != JJ_GROUP_NONE)
    return jj__fail(err, JJ_ENOTSUP,
                    "rule '%s': group rules are left out of this build (-DJJ_WITH_GROUPS=ON)",
                    name);
#endif
  (void)name;
  (void)kind;
  (void)aggregate;
  (void)group;
  (void)err;
  return JJ_OK;
}

jj_status jj__features_check_index(const char *rule, jj_error *err) {
#ifdef JJ_NO_AQI
  return jj__fail(err, JJ_ENOTSUP,
                  "rule '%s': index tables are left out of this build (-DJJ_WITH_AQI=ON)",
                  rule ? rule : "");
#else
  (void)rule;
  (void)err;
  return JJ_OK;
#endif
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
