/* Rules against the engine's limits (jj_engine_check, which jj_engine_new
 * runs) and what each rule's windows did with its readings
 * (jj_engine_rule_stats). See engine.h. */
#include <string.h>

#include "engine_internal.h"
#include "errfmt.h"

/* The most samples a rule's window holds, as the rule configures it. */
static uint32_t window_holds(const jj_window_cfg *w) {
  if (w->kind == JJ_WINDOW_SLIDING_COUNT) return w->count;
  return w->max_samples ? w->max_samples : 65536u; /* jj_window_config's 0 = default */
}

int jj__caps_agree(const jj_ruleset *rs, uint32_t a, uint32_t b) {
  for (uint32_t i = 0; i < rs->nrules; i++) {
    const jj_rule_cfg *rc = &rs->rules[i].cfg;
    if (rc->group == JJ_GROUP_RULES) continue;
    const uint32_t holds = window_holds(&rc->window);
    if ((a && a < holds ? a : holds) != (b && b < holds ? b : holds)) return 0;
  }
  return 1;
}

jj_status jj_engine_check(const jj_ruleset *rs, const jj_engine_config *cfg, jj_error *err) {
  if (!rs) return jj__fail(err, JJ_EINVAL, "no ruleset");
  const uint32_t cap = cfg ? cfg->max_samples_per_window : 0;
  if (cap == 0) return JJ_OK; /* every window holds what its rule says */
  for (uint32_t i = 0; i < rs->nrules; i++) {
    const jj_rule_cfg *rc = &rs->rules[i].cfg;
    if (rc->group == JJ_GROUP_RULES) continue; /* no window of its own */
    const uint32_t holds = window_holds(&rc->window);
    const int count = rc->window.kind == JJ_WINDOW_SLIDING_COUNT;
    if (holds > cap)
      return jj__fail(err, JJ_ELIMIT,
                      "rule \"%s\": its %s window holds up to %lu samples, more than the "
                      "engine's max_samples_per_window (%lu); raise that limit (0 takes each "
                      "rule's own) or lower the rule's %s",
                      rc->name ? rc->name : "", count ? "count" : "time", (unsigned long)holds,
                      (unsigned long)cap, count ? "count" : "max_samples");
  }
  return JJ_OK;
}

jj_status jj_engine_rule_stats(const jj_engine *e, uint32_t rule, jj_rule_stats *out) {
  if (!e || !out) return JJ_EINVAL;
  memset(out, 0, sizeof *out);
  if (rule >= e->rs->nrules) return JJ_ENOTFOUND;
  for (uint32_t i = 0; i < e->nseries; i++) {
    const jj_series *s = e->series[i];
    if (!s || s->forgotten) continue;
    for (uint32_t k = 0; k < s->ninst; k++) {
      const jj_inst *in = &jj__series_inst(s)[k];
      if (jj__inst_rule_index(e->rs, in) != rule) continue;
      out->series++;
      jj_window_counters c;
      jj_window_counters_get(jj__slot_win(s, &s->slots[jj__inst_slot(in)]), &c);
      out->accepted += c.accepted;
      out->rejected_late += c.rejected_late;
      out->rejected_invalid += c.rejected_invalid;
      out->rejected_full += c.rejected_full;
      out->duplicates += c.duplicates;
      out->evicted += c.evicted;
    }
  }
  return JJ_OK;
}
