/* The YAML rule loader when the library is built without it
 * (JJ_WITH_YAML=OFF): the functions of rule_yaml.h exist, so every build
 * has the same symbols, and say why they cannot load anything. */
#include <stdio.h>
#include <string.h>

#include "jjair/rule_yaml.h"

static jj_status not_built(jj_error *errs, size_t max_errs, size_t *nerrs, const char *file) {
  if (errs && max_errs) {
    memset(errs, 0, sizeof *errs);
    errs[0].code = JJ_ENOTSUP;
    (void)snprintf(errs[0].file, sizeof errs[0].file, "%s", file ? file : "");
    (void)snprintf(errs[0].message, sizeof errs[0].message,
                   "this libjjair was built without the YAML rule loader; rebuild it with "
                   "-DJJ_WITH_YAML=ON (needs libyaml), or build the rules in C (rule.h)");
  }
  if (nerrs) *nerrs = 1;
  return JJ_ENOTSUP;
}

jj_status jj_rules_load_string(jj_ruleset_builder *b, const char *yaml, size_t len,
                               const char *name, jj_error *errs, size_t max_errs, size_t *nerrs) {
  (void)b;
  (void)yaml;
  (void)len;
  return not_built(errs, max_errs, nerrs, name);
}

jj_status jj_rules_load_file(jj_ruleset_builder *b, const char *path, jj_error *errs,
                             size_t max_errs, size_t *nerrs) {
  (void)b;
  return not_built(errs, max_errs, nerrs, path);
}
