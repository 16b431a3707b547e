/* libjjair — rules and the immutable compiled ruleset.
 *
 * A rule selects series (metric + label matchers), aggregates each over a
 * window (see window.h), optionally combines series into groups (zone
 * average, max over stations, k-of-n agreement), and compares the value
 * against one or more levels. Each level has an issue condition and its own
 * clear condition (hysteresis) and persistence on both edges.
 *
 * Build rules with a jj_ruleset_builder, then compile them into a
 * jj_ruleset. A ruleset is immutable and reference counted: any number of
 * engines, on any threads, may share it; jj_ruleset_free drops the
 * caller's reference and the last engine using it drops the rest.
 *
 * Strings passed to the builder are copied. A builder is used by one thread
 * at a time. */
#ifndef JJAIR_RULE_H
#define JJAIR_RULE_H

#include <stddef.h>
#include <stdint.h>

#include "jjair/alloc.h"
#include "jjair/error.h"
#include "jjair/export.h"
#include "jjair/status.h"
#include "jjair/window.h"

#ifdef __cplusplus
extern "C" {
#endif

#define JJ_MAX_LEVELS 8

typedef struct jj_ruleset jj_ruleset;
typedef struct jj_ruleset_builder jj_ruleset_builder;

/* Comparison of a value x against a threshold t. */
typedef enum jj_cmp {
  JJ_CMP_NONE = 0, /* no condition (for clear: "issue no longer holds") */
  JJ_CMP_GT = 1,   /* x >  t */
  JJ_CMP_GE = 2,   /* x >= t  (Korean 이상) */
  JJ_CMP_LT = 3,   /* x <  t  (Korean 미만) */
  JJ_CMP_LE = 4    /* x <= t */
} jj_cmp;

typedef enum jj_match_op {
  JJ_MATCH_EQ = 1,  /* label == value (a missing label equals "") */
  JJ_MATCH_NE = 2,  /* label != value */
  JJ_MATCH_RE = 3,  /* label matches the regex, anchored at both ends (PCRE2
                       syntax, needs JJ_WITH_PCRE2; match and depth limits
                       stop a hostile pattern; a missing label matches as "") */
  JJ_MATCH_NRE = 4  /* label does not match the regex (needs JJ_WITH_PCRE2) */
} jj_match_op;

/* How a rule combines the series it selects. */
typedef enum jj_group_mode {
  JJ_GROUP_NONE = 0,  /* each series is judged on its own */
  JJ_GROUP_AVG = 1,   /* mean of the members' values (Korean PM zone average) */
  JJ_GROUP_MAX = 2,   /* max over members (Korean ozone: any station) */
  JJ_GROUP_MIN = 3,
  JJ_GROUP_K_OF_N = 4, /* value = number of members whose own value met
                          member_op/member_value within group_within_ms */
  JJ_GROUP_RULES = 5,  /* combines other rules: value = how many of the
                          `sources` rules fire for a series with the same
                          group_by labels now, or fired within
                          group_within_ms (corroboration: heat AND smoke on
                          one robot). Has no metric or window of its own;
                          judged on every change of a source and on every
                          jj_engine_advance. */
  JJ_GROUP_CAI = 6     /* combines other rules like RULES: value = the overall
                          CAI (jj_cai_overall, aqi.h) of the latest values of
                          the `sources` rules (each judging a CAI sub-index:
                          jj_ruleset_builder_set_index) for a series with the
                          same group_by labels (one station's pollutants);
                          a source without a value (missing, stale) is left
                          out. Judged on every evaluation of a source. */
} jj_group_mode;

/* What a rule does when a series stops reporting (stale_after_ms). */
typedef enum jj_missing_policy {
  JJ_MISSING_KEEP = 0,    /* alert state stays as it is */
  JJ_MISSING_RESOLVE = 1, /* a firing alert resolves (reason JJ_REASON_STALE) */
  JJ_MISSING_ALERT = 2    /* a "no data" alert is raised (JJ_EVENT_NODATA) */
} jj_missing_policy;

typedef struct jj_level_config {
  const char *name;      /* e.g. "advisory"; required, unique in the rule */
  const char *severity;  /* free text for receivers, e.g. "warning"; NULL = name */
  jj_cmp issue_op;       /* required */
  double issue_value;
  jj_cmp clear_op;       /* JJ_CMP_NONE: clears when the issue condition fails */
  double clear_value;
  /* Raise only after the issue condition held on for_count consecutive
   * evaluations (0 = 1) AND for at least for_ms. */
  uint32_t for_count;
  int64_t for_ms;
  /* Clear (or downgrade) only after the clear condition held on
   * clear_for_count consecutive evaluations (0 = 1) AND for at least
   * keep_firing_for_ms. When a higher level clears, the alert drops through
   * this level only if this level's clear condition has held for this
   * persistence too (counted while the higher level fired); otherwise it
   * downgrades to this level, which resolves once it has. With neither
   * set, a value meeting the clear condition is enough. */
  uint32_t clear_for_count;
  int64_t keep_firing_for_ms;
  uint64_t reserved[8]; /* zero: room for fields whose zero means "default" */
} jj_level_config;

typedef struct jj_rule_config {
  const char *name;       /* required, unique; letters, digits, _ . : - */
  const char *metric;     /* required (except JJ_GROUP_RULES): the metric read */
  jj_window_config window;/* lateness_ms is the engine's, not the rule's */
  jj_agg aggregate;       /* the aggregate compared against the levels */
  double scale;           /* value = aggregate * scale (60: slope per minute); 0 = 1 */
  /* Windows whose completeness rule fails are "missing", never clean. */

  jj_group_mode group;
  const char *group_by;   /* comma-separated label names, e.g. "zone" */
  uint32_t group_min_members; /* fewer fresh members = no value; 0 = 1 */
  int64_t group_wait_ms;  /* TUMBLING groups: a window is judged once every
                             fresh member has reported it (a member reports
                             a window when it closes: the clock passes its
                             end, or the member's next reading does), or
                             once this long after its end has passed (0 =
                             span_ms): by the clock, or when a member
                             reports a later window after that. Later
                             windows reported meanwhile are held. */
  const char *sources;    /* RULES: comma-separated names of rules without
                             groups, at most 8, each feeding at most 2 RULES rules */
  jj_cmp member_op;       /* K_OF_N: the per-member condition */
  double member_value;
  int64_t group_within_ms;/* K_OF_N: agreement must be this recent */

  jj_missing_policy on_missing;
  int64_t stale_after_ms; /* 0 = never stale */

  double valid_min, valid_max; /* physical range; NaN = no bound. Readings
                                  outside are dropped and raise JJ_EVENT_QUALITY */
  uint32_t stuck_samples; /* this many identical readings in a row = stuck; 0 = off */
  double stuck_epsilon;   /* "identical" = within this absolute difference */

  int64_t repeat_interval_ms; /* re-announce a firing alert (JJ_EVENT_REPEAT); 0 = never */
  uint32_t flap_changes;  /* this many transitions ...                    */
  int64_t flap_window_ms; /* ... within this span = flapping; 0 = off     */
  uint64_t reserved[16];  /* zero: room for fields whose zero means "default" */
} jj_rule_config;

/* Defaults: SLIDING_TIME 60 s window reading the mean, scale 1, no group,
 * JJ_MISSING_KEEP, no range limits (NaN), no stuck check, no repeat, no
 * flap detection. Never fails. */
JJ_API void jj_rule_config_init(jj_rule_config *rc);

/* All fields zero except issue_op GE. Never fails. */
JJ_API void jj_level_config_init(jj_level_config *lc);

/* Create an empty builder. `alc` may be NULL (libc) and is also used by
 * the rulesets it builds. Free with jj_ruleset_builder_free. */
JJ_API jj_status jj_ruleset_builder_new(const jj_allocator *alc, jj_ruleset_builder **out);
JJ_API void jj_ruleset_builder_free(jj_ruleset_builder *b);

/* Add a rule; its index (0, 1, ...) is stored in *index when not NULL.
 * Checks fields that stand alone; cross-checks happen at build. On an
 * error, `err` (may be NULL) says what is wrong and the builder is
 * unchanged. */
JJ_API jj_status jj_ruleset_builder_add_rule(jj_ruleset_builder *b, const jj_rule_config *rc,
                                             uint32_t *index, jj_error *err);

/* Add a level to rule `rule`. Levels are given from least to most severe. */
JJ_API jj_status jj_ruleset_builder_add_level(jj_ruleset_builder *b, uint32_t rule,
                                              const jj_level_config *lc, jj_error *err);

/* Add a label matcher to rule `rule`; all matchers must hold. */
JJ_API jj_status jj_ruleset_builder_add_matcher(jj_ruleset_builder *b, uint32_t rule,
                                                const char *label, jj_match_op op,
                                                const char *value, jj_error *err);

/* Add a static label that every event of rule `rule` carries. */
JJ_API jj_status jj_ruleset_builder_add_label(jj_ruleset_builder *b, uint32_t rule,
                                              const char *name, const char *value,
                                              jj_error *err);

/* Add an annotation to rule `rule`: a text template rendered for each event
 * with jj_event_render(). Text between {{ and }} is a field, optionally
 * with a number format after a colon, e.g. "PM2.5 {{ value:.0f }}㎍/㎥ in
 * {{ labels.zone }}". Fields: value, level, severity, rule, metric, kind,
 * labels.NAME, lat, lon, time (UTC, ISO 8601), time_kst ("2024-01-01 13:00
 * KST"), started, window_start, window_end (UTC, ISO 8601); for rules
 * with an index (aqi.h): index, band, concentration. Formats: a
 * printf precision and conversion among f, e, g (".1f", "g", ".3g").
 * JJ_EINVAL (with the position in the message) for an unknown field,
 * a bad format or an unclosed {{. */
JJ_API jj_status jj_ruleset_builder_add_annotation(jj_ruleset_builder *b, uint32_t rule,
                                                   const char *name, const char *tmpl,
                                                   jj_error *err);

/* Name a notifier that rule `rule`'s events should go to. Notifiers arrive
 * with a later release; until then the names are validated (letters,
 * digits, _ . : -) and kept, and jj_ruleset_rule_notify lists them. */
JJ_API jj_status jj_ruleset_builder_add_notify(jj_ruleset_builder *b, uint32_t rule,
                                               const char *name, jj_error *err);

/* Validate everything and compile. On success *out is a new ruleset
 * (jj_ruleset_free it) and the builder may be reused or freed. On failure
 * returns JJ_EINVAL (or JJ_ENOMEM) with `err` naming the rule and problem. */
JJ_API jj_status jj_ruleset_builder_build(jj_ruleset_builder *b, jj_ruleset **out,
                                          jj_error *err);

/* Drop a reference; the ruleset is freed when no engine uses it. NULL is a
 * no-op. Thread-safe. */
JJ_API void jj_ruleset_free(jj_ruleset *rs);

/* Number of rules; name of rule i (NULL if out of range; borrowed until
 * the ruleset is freed). Thread-safe. */
JJ_API uint32_t jj_ruleset_rule_count(const jj_ruleset *rs);
JJ_API const char *jj_ruleset_rule_name(const jj_ruleset *rs, uint32_t i);
/* Notifier names of rule i: count, and name j (NULL if out of range). */
JJ_API uint32_t jj_ruleset_rule_notify_count(const jj_ruleset *rs, uint32_t i);
JJ_API const char *jj_ruleset_rule_notify(const jj_ruleset *rs, uint32_t i, uint32_t j);
/* Index of the rule called `name`, or JJ_ENOTFOUND. Thread-safe. */
JJ_API jj_status jj_ruleset_find(const jj_ruleset *rs, const char *name, uint32_t *index);

#ifdef __cplusplus
}
#endif

#endif
