/* Internal: a rule's configuration as the library keeps it (jj_rule.cfg):
 * the fields of the public jj_rule_config and its jj_window_config under the
 * same names, without the public structs' reserved tails (their room to
 * grow, always zero inside the library) and ordered widest first to leave
 * little padding: 224 instead of 440 bytes a rule on the Cortex-M4. That
 * is 1.5 KB of the fire rules' records in a firmware's flash (jjair
 * compile -s) and as much RAM for every rule a builder or bundle makes.
 * jj__rule_cfg_set / _get copy from and to the public structs. A field
 * added to jj_rule_config or jj_window_config must be added here and to
 * the copies in rule_cfg.c, whose static asserts catch one that is not. */
#ifndef JJ_LIB_RULE_CFG_H
#define JJ_LIB_RULE_CFG_H

#include <stdint.h>

#include "jjair/rule.h"
#include "jjair/window.h"

typedef struct jj_window_cfg {
  int64_t span_ms, hop_ms, align_ms, lateness_ms, expected_interval_ms, ewma_halflife_ms;
  double min_coverage, percentile, percentile_accuracy, percentile_floor;
  uint32_t count, aggregates, min_samples, max_samples;
  int preallocate;
  jj_window_kind kind; /* enums last: one byte each on arm-none-eabi (short enums) */
  jj_dup_policy duplicates;
} jj_window_cfg;

typedef struct jj_rule_cfg {
  jj_window_cfg window;
  double scale, member_value, valid_min, valid_max, stuck_epsilon;
  int64_t group_wait_ms, group_within_ms, stale_after_ms, repeat_interval_ms, flap_window_ms;
  const char *name, *metric, *group_by, *sources;
  uint32_t group_min_members, stuck_samples, flap_changes, life_safety;
  jj_agg aggregate;
  jj_group_mode group;
  jj_cmp member_op;
  jj_missing_policy on_missing;
  jj_group_distinct group_distinct;
} jj_rule_cfg;

/* dst = src's fields (strings as pointers, not copied). */
void jj__rule_cfg_set(jj_rule_cfg *dst, const jj_rule_config *src);
/* dst = src's fields, the reserved tails zero. */
void jj__rule_cfg_get(jj_rule_config *dst, const jj_rule_cfg *src);
void jj__window_cfg_get(jj_window_config *dst, const jj_window_cfg *src);

#endif
