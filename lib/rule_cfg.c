/* Copies between the public rule and window configurations and the
 * library's own compact ones (rule_cfg.h). */
#include "rule_cfg.h"

#include <stddef.h>
#include <string.h>

/* Every field of the public structs is listed below: a new one takes the
 * place of reserved words right after the last field these asserts name,
 * which fails them until it is added here too. */
_Static_assert(offsetof(jj_window_config, reserved0) - offsetof(jj_window_config, duplicates) -
                       sizeof(jj_dup_policy) <
                   sizeof(uint32_t) &&
                   sizeof(((jj_window_config *)0)->reserved) == 6 * sizeof(uint64_t),
               "jj_window_config changed: update jj_window_cfg and its copies");
_Static_assert(offsetof(jj_rule_config, reserved) - offsetof(jj_rule_config, group_distinct) -
                       sizeof(jj_group_distinct) <
                   sizeof(uint64_t) &&
                   sizeof(((jj_rule_config *)0)->reserved) == 15 * sizeof(uint64_t),
               "jj_rule_config changed: update jj_rule_cfg and its copies");

#define WINDOW_FIELDS(X)                                                                      \
  X(kind) X(span_ms) X(hop_ms) X(align_ms) X(count) X(lateness_ms) X(aggregates) X(min_samples) \
  X(min_coverage) X(expected_interval_ms) X(max_samples) X(preallocate) X(percentile)          \
  X(percentile_accuracy) X(percentile_floor) X(ewma_halflife_ms) X(duplicates)

#define RULE_FIELDS(X)                                                                         \
  X(name) X(metric) X(aggregate) X(scale) X(group) X(group_by) X(group_min_members)            \
  X(group_wait_ms) X(sources) X(member_op) X(member_value) X(group_within_ms) X(on_missing)    \
  X(stale_after_ms) X(valid_min) X(valid_max) X(stuck_samples) X(stuck_epsilon)                \
  X(repeat_interval_ms) X(flap_changes) X(flap_window_ms) X(life_safety) X(group_distinct)

#define COPY(f) d->f = s->f;

static void window_set(jj_window_cfg *d, const jj_window_config *s) { WINDOW_FIELDS(COPY) }

void jj__window_cfg_get(jj_window_config *d, const jj_window_cfg *s) {
  memset(d, 0, sizeof *d);
  WINDOW_FIELDS(COPY)
}

void jj__rule_cfg_set(jj_rule_cfg *d, const jj_rule_config *s) {
  memset(d, 0, sizeof *d);
  RULE_FIELDS(COPY)
  window_set(&d->window, &s->window);
}

void jj__rule_cfg_get(jj_rule_config *d, const jj_rule_cfg *s) {
  memset(d, 0, sizeof *d);
  RULE_FIELDS(COPY)
  jj__window_cfg_get(&d->window, &s->window);
}
