/* libFuzzer target for the YAML rule loader: arbitrary bytes go to
 * jj_rules_load_string; the loader must never crash, leak or hang. What
 * loads is built, and an engine runs it: for every rule, a series that
 * its matchers and group_by labels select gets a bounded run of readings
 * (a ramp up and down through every threshold, a NaN, a silence), with
 * advances and polls, so the rules the fuzzer invents are judged too.
 * Built with -DJJ_BUILD_FUZZ=ON (clang); replay_main.c runs the same
 * function over the corpus in ordinary builds. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "jjair/jjair.h"
#include "jjair/rule_yaml.h"
#include "ruleset.h" /* the rules' metrics and labels, to make series they select */

#define MAX_RULES 32
#define READINGS 48

/* A series for rule r: its metric, each group_by label and each matcher's
 * label with a value that (for = and =~ on a plain word) selects it. */
static void drive_rule(jj_engine *e, const jj_rule *r, int64_t *t) {
  if (!r->cfg.metric || !*r->cfg.metric) return;
  jj_label l[16];
  uint32_t n = 0;
  for (uint32_t i = 0; i < r->ngroup_labels && n < 16; i++) l[n++] = (jj_label){r->group_labels[i], "g"};
  for (uint32_t i = 0; i < r->nmatchers && n < 16; i++) {
    const jj_matcher *m = &r->matchers[i];
    int dup = 0;
    for (uint32_t k = 0; k < n; k++) dup |= strcmp(l[k].name, m->label) == 0;
    if (!dup) l[n++] = (jj_label){m->label, m->op == JJ_MATCH_EQ ? m->value : "a"};
  }
  jj_series_id id;
  if (jj_engine_series(e, r->cfg.metric, l, n, &id) != JJ_OK) return;
  for (int k = 0; k < READINGS; k++) {
    double v = k < READINGS / 2 ? k * 25.0 : (READINGS - k) * 25.0;
    if (k == 7) v = NAN;
    *t += 30000;
    (void)jj_engine_push(e, id, *t, v);
    if (k % 8 == 0) (void)jj_engine_advance(e, *t);
    if (k % 5 == 0) (void)jj_engine_poll(e);
  }
  *t += 6 * 3600000; /* a long silence: staleness, closed windows */
  (void)jj_engine_advance(e, *t);
  while (jj_engine_poll(e)) {
  }
}

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
      jj_engine_config cfg;
      jj_engine_config_init(&cfg);
      cfg.event_queue = 16;
      cfg.max_series = 64;
      jj_engine *e = NULL;
      if (jj_engine_new(rs, &cfg, NULL, &e) == JJ_OK) {
        int64_t t = 1700000000000;
        for (uint32_t i = 0; i < rs->nrules && i < MAX_RULES; i++) drive_rule(e, &rs->rules[i], &t);
        jj_engine_free(e);
      }
    }
    jj_ruleset_free(rs);
  }
  jj_ruleset_builder_free(b);
  return 0;
}
