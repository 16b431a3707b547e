/* Internal: rules as constant records, for `jjair compile -s` (C source
 * that jj_bundle_write_source writes) and jj_bundle_load_rules: the
 * library's own rule records (ruleset.h), initialised by field name, so a
 * device keeps them in flash and the ruleset uses them in place. The
 * generated file includes this header: it compiles only against the
 * library it was made for (rule_size catches a different build). */
#ifndef JJ_LIB_BUNDLE_STATIC_H
#define JJ_LIB_BUNDLE_STATIC_H

#include <stdint.h>

#include "jjair/bundle.h"
#include "ruleset.h"

#define JJ_STATIC_RULES_MAGIC 0x534a524au /* "JRJS" */

struct jj_static_rules {
  uint32_t magic;     /* JJ_STATIC_RULES_MAGIC */
  uint32_t version;   /* JJ_BUNDLE_VERSION of the writer */
  uint32_t rule_size; /* sizeof(jj_rule) where the records were compiled */
  uint32_t nrules;
  const jj_rule *rules;
};

#endif
