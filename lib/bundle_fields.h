/* Internal: the numeric fields of a rule in a bundle, in image order, as
 * one list both the writer (bundle_write.c) and the loader (bundle.c)
 * expand, so the two cannot drift apart. A new jj_rule_config field must be
 * added here (at the end) with JJ_BUNDLE_VERSION raised.
 *   X(kind, lvalue)   kind: U32 (any enum or uint32_t), I64, F64 */
#ifndef JJ_LIB_BUNDLE_FIELDS_H
#define JJ_LIB_BUNDLE_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "jjair/rule.h"

#define JJ_BUNDLE_RULE_FIELDS(X, c)                                                           \
  X(U32, (c).window.kind) X(I64, (c).window.span_ms) X(I64, (c).window.hop_ms)                 \
  X(I64, (c).window.align_ms) X(U32, (c).window.count) X(I64, (c).window.lateness_ms)          \
  X(U32, (c).window.aggregates) X(U32, (c).window.min_samples)                                 \
  X(F64, (c).window.min_coverage) X(I64, (c).window.expected_interval_ms)                      \
  X(U32, (c).window.max_samples) X(U32, (c).window.preallocate)                                \
  X(F64, (c).window.percentile) X(F64, (c).window.percentile_accuracy)                         \
  X(F64, (c).window.percentile_floor) X(I64, (c).window.ewma_halflife_ms)                      \
  X(U32, (c).window.duplicates) X(U32, (c).aggregate) X(F64, (c).scale) X(U32, (c).group)      \
  X(U32, (c).group_min_members) X(I64, (c).group_wait_ms) X(U32, (c).member_op)                \
  X(F64, (c).member_value) X(I64, (c).group_within_ms) X(U32, (c).on_missing)                  \
  X(I64, (c).stale_after_ms) X(F64, (c).valid_min) X(F64, (c).valid_max)                       \
  X(U32, (c).stuck_samples) X(F64, (c).stuck_epsilon) X(I64, (c).repeat_interval_ms)           \
  X(U32, (c).flap_changes) X(I64, (c).flap_window_ms) X(U32, (c).group_distinct)   \
  X(U32, (c).life_safety)

#define JJ_BUNDLE_LEVEL_FIELDS(X, l)                                                          \
  X(U32, (l).issue_op) X(F64, (l).issue_value) X(U32, (l).clear_op) X(F64, (l).clear_value)    \
  X(U32, (l).for_count) X(I64, (l).for_ms) X(U32, (l).clear_for_count)                         \
  X(I64, (l).keep_firing_for_ms)

#define JJ_BUNDLE_MAGIC "JJRB"
#define JJ_BUNDLE_HEADER 20u

/* r's configuration as a bundle carries it: with sample_period_ms > 0,
 * sliding windows preallocated for span / period + 2 samples
 * (bundle_write.c; jj_bundle_write and jj_bundle_write_source). */
struct jj_rule;
void jj__bundle_rule_config(const struct jj_rule *r, int64_t period_ms, jj_rule_config *out);

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32) of n bytes. */
uint32_t jj__crc32(const unsigned char *p, size_t n);

#endif
