/* Internal: the compiled form of rules, shared read-only by engines. */
#ifndef JJ_LIB_RULESET_H
#define JJ_LIB_RULESET_H

#include <stdint.h>
#ifndef JJ_SINGLE_THREAD
#include <stdatomic.h>
#endif

#include "jjair/aqi.h"
#include "jjair/event.h"
#include "jjair/rule.h"
#include "rule_cfg.h"

#define JJ_MAX_SOURCES 8 /* source rules of one JJ_GROUP_RULES rule */
#define JJ_MAX_FEEDS 2   /* JJ_GROUP_RULES rules one rule may feed */

typedef struct jj_matcher {
  char *label;
  jj_match_op op;
  char *value;
  void *re; /* compiled pattern for JJ_MATCH_RE / JJ_MATCH_NRE */
} jj_matcher;

/* Widest fields first, so padding takes no room (56 bytes on the M4, not
 * 72: a rule's levels sit in a firmware's flash). */
typedef struct jj_level {
  double issue_value;
  double clear_value;
  int64_t for_ms;
  int64_t keep_firing_for_ms;
  char *name;
  char *severity;
  uint32_t for_count;
  uint32_t clear_for_count;
  jj_cmp issue_op;
  jj_cmp clear_op; /* never NONE once compiled: NONE becomes the negation */
} jj_level;

typedef struct jj_rule {
  /* The rule as configured (rule_cfg.h: jj_rule_config's fields without
   * its reserved tail). Its strings (name, metric, group_by, sources)
   * are the rule's own and only copies; metric is "" for a rules group. */
  jj_rule_cfg cfg;
  char **group_labels; /* cfg.group_by split at commas, sorted */
  uint32_t ngroup_labels;
  jj_matcher *matchers;
  uint32_t nmatchers, matchers_cap;
  jj_level *levels; /* nlevels used of levels_cap (<= JJ_MAX_LEVELS): a rule
                      with one level stores one, not JJ_MAX_LEVELS */
  uint32_t nlevels, levels_cap;
  jj_label *labels; /* static labels, owned strings */
  uint32_t nlabels, labels_cap;
  jj_label *annotations; /* name -> template text, owned strings */
  uint32_t nannotations, annotations_cap;
  char **notify;         /* notifier names, owned */
  uint32_t nnotify, notify_cap;
  /* JJ_GROUP_RULES: the source rules (resolved at build) ... */
  uint32_t src[JJ_MAX_SOURCES];
  uint32_t nsrc;
  /* ... and, on a source rule, the RULES rules it feeds. */
  uint32_t feeds[JJ_MAX_FEEDS];
  uint32_t nfeeds;
  /* The index the rule judges (jj_ruleset_builder_set_index): a shipped
   * table or the rule's own copy (freed with the rule); NULL = none. */
  jj_aqi_table *index;
} jj_rule;

/* The ruleset's reference count. JJ_SINGLE_THREAD builds (Cortex-M0+ has
 * no atomic read-modify-write) use a plain counter: engines sharing a
 * ruleset must then live on one thread. */
#ifdef JJ_SINGLE_THREAD
typedef unsigned jj__refcount;
#define jj__ref_init(r, v) (*(r) = (v))
#define jj__ref_inc(r) ((*(r))++)
#define jj__ref_dec(r) ((*(r))--) /* the value before */
#define jj__ref_sub(r, n) ((*(r)) -= (n), (*(r)) + (n))
#else
typedef atomic_uint jj__refcount;
#define jj__ref_init(r, v) atomic_init((r), (v))
#define jj__ref_inc(r) atomic_fetch_add((r), 1)
#define jj__ref_dec(r) atomic_fetch_sub((r), 1)
#define jj__ref_sub(r, n) atomic_fetch_sub((r), (n))
#endif

#define JJ__RULES_IN_PLACE 2 /* jj_ruleset.borrowed */

struct jj_ruleset {
  jj_allocator alc;
  jj_rule *rules;
  uint32_t nrules;
  uint8_t borrowed; /* the rules' strings point into a bundle image (jj_bundle_load_static),
                       or JJ__RULES_IN_PLACE: the rules are constant records (bundle_rules.c) */
#ifndef JJ_SINGLE_THREAD
  /* A cache line between the fields every push reads and the count: each
   * event copy takes a reference on the ingest thread and a notifier's
   * thread drops it, and the count's line moves between cores each time. */
  char refs_apart[64];
#endif
  jj__refcount refs;
};

/* Internal, for the YAML loader: the number of rules in a builder,
 * dropping every rule from index n on (undoing a partial load), and the
 * builder's allocator (the loader allocates through it too; valid while
 * the builder lives). */
uint32_t jj__ruleset_builder_count(const jj_ruleset_builder *b);
void jj__ruleset_builder_truncate(jj_ruleset_builder *b, uint32_t n);
const jj_allocator *jj__ruleset_builder_allocator(const jj_ruleset_builder *b);

/* Take a reference (engines do). */
void jj__ruleset_retain(jj_ruleset *rs);
/* Drop n references at once: jj_ruleset_free n times in one atomic
 * operation (a notifier's thread drops the references of a batch of event
 * copies together, so the count's line does not move to its core and back
 * per event). NULL or n = 0: nothing. */
void jj__ruleset_release(jj_ruleset *rs, unsigned n);

/* 1 if `x` satisfies `op t`; JJ_CMP_NONE never holds. */
static inline int jj__cmp_holds(jj_cmp op, double x, double t) {
  switch (op) {
    case JJ_CMP_GT: return x > t;
    case JJ_CMP_GE: return x >= t;
    case JJ_CMP_LT: return x < t;
    case JJ_CMP_LE: return x <= t;
    case JJ_CMP_NONE: break;
  }
  return 0;
}

/* A group that combines other rules (its `sources`) instead of series. */
static inline int jj__combines_rules(jj_group_mode m) {
  return m == JJ_GROUP_RULES || m == JJ_GROUP_CAI;
}

/* The value rule r compares for concentration x (aggregate * scale):
 * x itself, or with an index table its index; *valid drops to 0 when x
 * has no index (below the table, see jj_aqi_index). */
static inline double jj__rule_index_value(const jj_rule *r, double x, int *valid) {
#ifdef JJ_NO_AQI
  (void)r; /* no rule has an index in this build (feature_check.c) */
  (void)valid;
  return x;
#else
  if (!r->index || !*valid) return x;
  double i;
  if (jj_aqi_index(r->index, x, &i) != JJ_OK) *valid = 0;
  return i;
#endif
}

/* Internal, for aqi_rule.c: rule i of a builder (NULL out of range). */
jj_rule *jj__ruleset_builder_rule(jj_ruleset_builder *b, uint32_t i);

/* 1 if the series (metric, sorted labels) is selected by rule r, 0 if
 * not, or (a regex matcher could not decide) JJ__REGEX_UNDECIDED or
 * JJ__REGEX_NOMEM (matcher.h): the caller binds the rule neither way.
 * Regex matching allocates with `alc`. */
int jj__rule_matches(const jj_rule *r, const char *metric, const jj_label *labels,
                     uint32_t nlabels, const jj_allocator *alc);

/* Value of label `name` in a sorted label set, or NULL. */
const char *jj__label_get(const jj_label *labels, uint32_t n, const char *name);

#endif
