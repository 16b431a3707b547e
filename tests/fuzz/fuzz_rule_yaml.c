/* libFuzzer target for the YAML rule loader: arbitrary bytes go to
 * jj_rules_load_string; the loader must never crash, leak or hang. Built
 * with -DJJ_BUILD_FUZZ=ON (clang); replay_main.c runs the same function
 * over the corpus in ordinary builds. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"
#include "jjair/jjair.h"
#include "jjair/rule_yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  jj_ruleset_builder *b = NULL;
  if (jj_ruleset_builder_new(NULL, &b) != JJ_OK) return 0;
  jj_error errs[4];
  size_t n = 0;
  jj_status st = jj_rules_load_string(b, (const char *)data, size, "fuzz.yaml", errs, 4, &n);
  if (st == JJ_OK) {
    /* what loaded must also build or be refused cleanly */
    jj_ruleset *rs = NULL;
    if (jj_ruleset_builder_build(b, &rs, NULL) == JJ_OK) {
      jj_engine *e = NULL;
      if (jj_engine_new(rs, NULL, NULL, &e) == JJ_OK) jj_engine_free(e);
    }
    jj_ruleset_free(rs);
  }
  jj_ruleset_builder_free(b);
  return 0;
}
