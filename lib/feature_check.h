/* Internal: refusing rules that need an optional part this build left out
 * (lib/feature_check.c). */
#ifndef JJ_LIB_FEATURE_CHECK_H
#define JJ_LIB_FEATURE_CHECK_H

#include "jjair/error.h"
#include "jjair/rule.h"

/* JJ_OK, or JJ_ENOTSUP with `err` naming rule `name` and the missing
 * option its window kind, aggregate or group mode needs. */
jj_status jj__features_check(const char *name, jj_window_kind kind, jj_agg aggregate,
                             jj_group_mode group, jj_error *err);
/* The same for a public rule configuration. */
jj_status jj__features_check_rule(const jj_rule_config *rc, jj_error *err);
/* JJ_OK, or JJ_ENOTSUP naming `rule` when index tables are left out
 * (jj_ruleset_builder_set_index). */
jj_status jj__features_check_index(const char *rule, jj_error *err);
/* JJ_OK, or JJ_ENOTSUP when templates are left out. */
jj_status jj__features_check_annotation(const char *rule, const char *name, jj_error *err);

#endif
