/* Building, validating and sharing rulesets (see include/jjair/rule.h).
 *
 * The builder owns growing arrays of rules; build() checks everything that
 * needs the whole picture and moves the rules into an immutable,
 * reference-counted ruleset. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "errfmt.h"
#include "feature_check.h"
#include "matcher.h"
#include "ruleset.h"
#include "strutil.h"
#include "template.h"

struct jj_ruleset_builder {
  jj_allocator alc;
  jj_rule *rules;
  uint32_t nrules, cap;
};

/* ---- errors ----------------------------------------------------------- */

static void ok(jj_error *err) {
  if (err) memset(err, 0, sizeof *err);
}

static const char *cmp_text(jj_cmp op) {
  switch (op) {
    case JJ_CMP_GT: return ">";
    case JJ_CMP_GE: return ">=";
    case JJ_CMP_LT: return "<";
    case JJ_CMP_LE: return "<=";
    case JJ_CMP_NONE: break;
  }
  return "none";
}

/* ---- defaults --------------------------------------------------------- */

void jj_rule_config_init(jj_rule_config *rc) {
  memset(rc, 0, sizeof *rc);
  jj_window_config_init(&rc->window);
  rc->aggregate = JJ_AGG_MEAN;
  rc->scale = 1.0;
  rc->valid_min = NAN;
  rc->valid_max = NAN;
}

void jj_level_config_init(jj_level_config *lc) {
  memset(lc, 0, sizeof *lc);
  lc->issue_op = JJ_CMP_GE;
}

/* ---- freeing ---------------------------------------------------------- */

/* Label and config strings are const in the public structs but owned
 * here: freed through jj__unconst (strutil.h). */

/* own_strings = 0: the strings point into a bundle image the caller keeps
 * (jj_bundle_load_static); only the arrays are the ruleset's. */
static void free_str(const jj_allocator *a, const void *s, int own_strings) {
  if (own_strings) jj__free(a, jj__unconst(s));
}

static void free_pairs(const jj_allocator *a, jj_label *list, uint32_t n, int own_strings) {
  for (uint32_t i = 0; i < n; i++) {
    free_str(a, list[i].name, own_strings);
    free_str(a, list[i].value, own_strings);
  }
  jj__free(a, list);
}

static void rule_free_parts(const jj_allocator *a, jj_rule *r, int own_strings) {
  free_str(a, r->cfg.name, own_strings);
  free_str(a, r->cfg.metric, own_strings);
  free_str(a, r->cfg.sources, own_strings);
  free_str(a, r->cfg.group_by, own_strings);
  for (uint32_t i = 0; i < r->ngroup_labels; i++) free_str(a, r->group_labels[i], own_strings);
  jj__free(a, r->group_labels);
  for (uint32_t i = 0; i < r->nmatchers; i++) {
    free_str(a, r->matchers[i].label, own_strings);
    free_str(a, r->matchers[i].value, own_strings);
    if (r->matchers[i].re) jj__regex_free(r->matchers[i].re);
  }
  jj__free(a, r->matchers);
  for (uint32_t i = 0; i < r->nlevels; i++) {
    free_str(a, r->levels[i].name, own_strings);
    free_str(a, r->levels[i].severity, own_strings);
  }
  jj__free(a, r->levels);
  free_pairs(a, r->labels, r->nlabels, own_strings);
  free_pairs(a, r->annotations, r->nannotations, own_strings);
  for (uint32_t i = 0; i < r->nnotify; i++) free_str(a, r->notify[i], own_strings);
  jj__free(a, r->notify);
  jj_aqi_table_free(r->index); /* a shipped table: no-op */
  memset(r, 0, sizeof *r);
}

static void rule_free(const jj_allocator *a, jj_rule *r) { rule_free_parts(a, r, 1); }

jj_status jj_ruleset_builder_new(const jj_allocator *alc, jj_ruleset_builder **out) {
  if (!out) return JJ_EINVAL;
  jj_allocator a;
  jj__alloc_resolve(&a, alc);
  jj_ruleset_builder *b = jj__calloc(&a, sizeof *b);
  *out = b;
  if (!b) return JJ_ENOMEM;
  b->alc = a;
  return JJ_OK;
}

void jj_ruleset_builder_free(jj_ruleset_builder *b) {
  if (!b) return;
  for (uint32_t i = 0; i < b->nrules; i++) rule_free(&b->alc, &b->rules[i]);
  jj__free(&b->alc, b->rules);
  jj_allocator a = b->alc;
  jj__free(&a, b);
}

/* ---- adding rules ----------------------------------------------------- */

static int valid_name(const char *s) {
  if (!s || !*s) return 0;
  for (; *s; s++) {
    char c = *s;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '.' || c == ':' || c == '-'))
      return 0;
  }
  return 1;
}

static int find_rule(const jj_rule *rules, uint32_t n, const char *name) {
  for (uint32_t i = 0; i < n; i++)
    if (strcmp(rules[i].cfg.name, name) == 0) return (int)i;
  return -1;
}

/* Insertion sort: a group_by names a few labels, and qsort would be the
 * only reason a firmware image links it. */
static void sort_names(char **v, uint32_t n) {
  for (uint32_t i = 1; i < n; i++) {
    char *x = v[i];
    uint32_t j = i;
    for (; j > 0 && strcmp(v[j - 1], x) > 0; j--) v[j] = v[j - 1];
    v[j] = x;
  }
}

/* Split "zone, city" into sorted owned strings. */
static jj_status split_group_by(jj_ruleset_builder *b, jj_rule *r, const char *rule_name,
                                jj_error *err) {
  const char *s = r->cfg.group_by;
  uint32_t n = 1;
  for (const char *p = s; *p; p++) n += *p == ',';
  r->group_labels = jj__calloc(&b->alc, n * sizeof *r->group_labels);
  if (!r->group_labels) return jj__fail(err, JJ_ENOMEM, "out of memory");
  const char *p = s;
  while (1) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    while (len && (*p == ' ')) p++, len--;
    while (len && p[len - 1] == ' ') len--;
    char *name = jj__strndup(&b->alc, p, len);
    if (!name) return jj__fail(err, JJ_ENOMEM, "out of memory");
    r->group_labels[r->ngroup_labels++] = name;
    if (!valid_name(name))
      return jj__fail(err, JJ_EINVAL, "rule '%s': group_by has an empty or invalid label name '%s'",
                      rule_name, name);
    if (!end) break;
    p = end + 1;
  }
  sort_names(r->group_labels, r->ngroup_labels);
  for (uint32_t i = 1; i < r->ngroup_labels; i++)
    if (strcmp(r->group_labels[i - 1], r->group_labels[i]) == 0)
      return jj__fail(err, JJ_EINVAL, "rule '%s': group_by names label '%s' twice", rule_name,
                      r->group_labels[i]);
  return JJ_OK;
}

/* `a`: the builder's allocator, for the window made to check the window
 * settings. */
static jj_status check_rule_config(const jj_allocator *a, const jj_rule_config *rc, jj_error *err) {
  const char *n = rc->name;
  if (!valid_name(n))
    return jj__fail(err, JJ_EINVAL,
                    "rule name '%s' is empty or has characters other than letters, digits, _ . : -",
                    n ? n : "");
  int combined = jj__combines_rules(rc->group);
  if (!combined && (!rc->metric || !*rc->metric))
    return jj__fail(err, JJ_EINVAL, "rule '%s': metric is required", n);
  if (combined && (!rc->sources || !*rc->sources))
    return jj__fail(err, JJ_EINVAL, "rule '%s': a rules group needs sources, the rules it combines",
                    n);
  if (combined && rc->group_within_ms < 0)
    return jj__fail(err, JJ_EINVAL, "rule '%s': durations must not be negative", n);
  if (rc->group_distinct != JJ_DISTINCT_RULES &&
      (!combined || rc->group_distinct != JJ_DISTINCT_SERIES))
    return jj__fail(err, JJ_EINVAL, "rule '%s': group_distinct is for rules groups only", n);
  if ((unsigned)rc->aggregate >= JJ_AGG__COUNT)
    return jj__fail(err, JJ_EINVAL, "rule '%s': unknown aggregate %d", n, (int)rc->aggregate);
  if (!isfinite(rc->scale))
    return jj__fail(err, JJ_EINVAL, "rule '%s': scale must be a finite number", n);
  /* Before the window probe, which says only JJ_ENOTSUP: name the part. */
  jj_status fst = jj__features_check_rule(rc, err);
  if (fst != JJ_OK) return fst;
  jj_window_config wc = rc->window;
  /* Named apart from the other window errors: span 1 d with hop 1 ms is
   * 86,400,000 windows per sample. */
  if (!combined && wc.kind == JJ_WINDOW_TUMBLING && wc.hop_ms > 0 && wc.span_ms > 0 &&
      wc.span_ms / wc.hop_ms > JJ_WINDOW_MAX_OVERLAP)
    return jj__fail(err, JJ_EINVAL,
                    "rule '%s': span / hop is %lld; at most %d overlapping windows (make hop at "
                    "least span / %d)",
                    n, (long long)(wc.span_ms / wc.hop_ms), JJ_WINDOW_MAX_OVERLAP,
                    JJ_WINDOW_MAX_OVERLAP);
  wc.aggregates |= JJ_AGG_BIT(rc->aggregate);
  wc.lateness_ms = 0; /* the engine decides lateness */
  wc.preallocate = 0; /* checking the settings needs no storage (2^20 samples: 33 MB) */
  jj_window *probe = NULL;
  jj_status st = combined ? JJ_OK : jj_window_new(&wc, a, &probe);
  jj_window_free(probe);
  if (st == JJ_ENOMEM) return jj__fail(err, st, "out of memory");
  if (st == JJ_ENOTSUP) /* window.aggregates asks for one */
    return jj__fail(err, st, "rule '%s': an aggregate of its window is left out of this build", n);
  if (st != JJ_OK)
    return jj__fail(err, JJ_EINVAL,
                    "rule '%s': invalid window (check kind, span/hop/count, coverage and "
                    "percentile settings)",
                    n);
  switch (rc->group) {
    case JJ_GROUP_NONE: break;
    case JJ_GROUP_AVG:
    case JJ_GROUP_MAX:
    case JJ_GROUP_MIN:
    case JJ_GROUP_K_OF_N:
    case JJ_GROUP_RULES:
    case JJ_GROUP_CAI:
      if (!rc->group_by || !*rc->group_by)
        return jj__fail(err, JJ_EINVAL, "rule '%s': a group rule needs group_by labels", n);
      break;
    default: return jj__fail(err, JJ_EINVAL, "rule '%s': unknown group mode %d", n, (int)rc->group);
  }
  if (rc->group == JJ_GROUP_K_OF_N) {
    if (rc->member_op == JJ_CMP_NONE || !isfinite(rc->member_value))
      return jj__fail(err, JJ_EINVAL, "rule '%s': k_of_n needs a member condition", n);
    if (rc->group_within_ms <= 0)
      return jj__fail(err, JJ_EINVAL, "rule '%s': k_of_n needs group_within_ms > 0", n);
  }
  if (rc->group_wait_ms < 0 || rc->stale_after_ms < 0 || rc->repeat_interval_ms < 0 ||
      rc->flap_window_ms < 0)
    return jj__fail(err, JJ_EINVAL, "rule '%s': durations must not be negative", n);
  if (rc->on_missing != JJ_MISSING_KEEP && rc->on_missing != JJ_MISSING_RESOLVE &&
      rc->on_missing != JJ_MISSING_ALERT)
    return jj__fail(err, JJ_EINVAL, "rule '%s': unknown on_missing policy", n);
  if (rc->on_missing != JJ_MISSING_KEEP && rc->stale_after_ms == 0)
    return jj__fail(err, JJ_EINVAL, "rule '%s': on_missing needs stale_after_ms > 0", n);
  if (!isnan(rc->valid_min) && !isnan(rc->valid_max) && rc->valid_min > rc->valid_max)
    return jj__fail(err, JJ_EINVAL, "rule '%s': valid_min %g is above valid_max %g", n,
                    rc->valid_min, rc->valid_max);
  if (!(rc->stuck_epsilon >= 0.0))
    return jj__fail(err, JJ_EINVAL, "rule '%s': stuck_epsilon must be >= 0", n);
  if (rc->stuck_samples == 1)
    return jj__fail(err, JJ_EINVAL, "rule '%s': stuck_samples must be 0 (off) or at least 2", n);
  if ((rc->flap_changes == 0) != (rc->flap_window_ms == 0))
    return jj__fail(err, JJ_EINVAL,
                    "rule '%s': set both flap_changes and flap_window_ms, or neither", n);
  if (rc->flap_changes > 16)
    return jj__fail(err, JJ_EINVAL, "rule '%s': flap_changes is at most 16", n);
  return JJ_OK;
}

jj_status jj_ruleset_builder_add_rule(jj_ruleset_builder *b, const jj_rule_config *rc,
                                      uint32_t *index, jj_error *err) {
  if (!b || !rc) return jj__fail(err, JJ_EINVAL, "builder and rule config are required");
  jj_status st = check_rule_config(&b->alc, rc, err);
  if (st != JJ_OK) return st;
  if (find_rule(b->rules, b->nrules, rc->name) >= 0)
    return jj__fail(err, JJ_EINVAL, "rule '%s' is defined twice", rc->name);
  if (jj__grow(&b->alc, &b->rules, &b->cap, b->nrules, sizeof *b->rules, 8))
    return jj__fail(err, JJ_ENOMEM, "out of memory");
  jj_rule *r = &b->rules[b->nrules];
  memset(r, 0, sizeof *r);
  jj__rule_cfg_set(&r->cfg, rc);
  /* The caller's strings become the rule's own copies (see jj_rule). */
  r->cfg.name = jj__strdup(&b->alc, rc->name);
  const int combined = jj__combines_rules(rc->group);
  r->cfg.metric = jj__strdup(&b->alc, combined ? "" : rc->metric);
  r->cfg.group_by = NULL;
  r->cfg.sources = combined ? jj__strdup(&b->alc, rc->sources) : NULL;
  if (!r->cfg.name || !r->cfg.metric || (combined && !r->cfg.sources)) {
    rule_free(&b->alc, r);
    return jj__fail(err, JJ_ENOMEM, "out of memory");
  }
  if (rc->group != JJ_GROUP_NONE) {
    r->cfg.group_by = jj__strdup(&b->alc, rc->group_by);
    st = r->cfg.group_by ? split_group_by(b, r, rc->name, err)
                         : jj__fail(err, JJ_ENOMEM, "out of memory");
    if (st != JJ_OK) {
      rule_free(&b->alc, r);
      return st;
    }
  }
  r->cfg.window.aggregates |= JJ_AGG_BIT(rc->aggregate);
  if (r->cfg.scale == 0.0) r->cfg.scale = 1.0;
  if (r->cfg.group_min_members == 0) r->cfg.group_min_members = 1;
  if (index) *index = b->nrules;
  b->nrules++;
  ok(err);
  return JJ_OK;
}

static int rising(jj_cmp op) { return op == JJ_CMP_GT || op == JJ_CMP_GE; }

jj_status jj_ruleset_builder_add_level(jj_ruleset_builder *b, uint32_t rule,
                                       const jj_level_config *lc, jj_error *err) {
  if (!b || !lc || rule >= b->nrules)
    return jj__fail(err, JJ_EINVAL, "no such rule index %" PRIu32, rule);
  jj_rule *r = &b->rules[rule];
  const char *rn = r->cfg.name;
  if (r->nlevels == JJ_MAX_LEVELS)
    /* A rule with too many levels is an invalid configuration like any
     * other (JJ_ELIMIT is for run-time limits such as max_series). */
    return jj__fail(err, JJ_EINVAL, "rule '%s': at most %d levels", rn, JJ_MAX_LEVELS);
  if (!valid_name(lc->name))
    return jj__fail(err, JJ_EINVAL, "rule '%s': level name '%s' is empty or invalid", rn,
                    lc->name ? lc->name : "");
  for (uint32_t i = 0; i < r->nlevels; i++)
    if (strcmp(r->levels[i].name, lc->name) == 0)
      return jj__fail(err, JJ_EINVAL, "rule '%s': level '%s' is defined twice", rn, lc->name);
  if (lc->issue_op < JJ_CMP_GT || lc->issue_op > JJ_CMP_LE || !isfinite(lc->issue_value))
    return jj__fail(err, JJ_EINVAL, "rule '%s' level '%s': needs an issue condition with a number",
                    rn, lc->name);
  if (lc->for_count > 65535 || lc->clear_for_count > 65535)
    return jj__fail(err, JJ_EINVAL,
                    "rule '%s' level '%s': for_count and clear_for_count are at most 65535", rn,
                    lc->name);
  if (lc->for_ms < 0 || lc->keep_firing_for_ms < 0)
    return jj__fail(err, JJ_EINVAL, "rule '%s' level '%s': durations must not be negative", rn,
                    lc->name);
  int up = rising(lc->issue_op);
  jj_cmp clear_op = lc->clear_op;
  double clear_value = lc->clear_value;
  if (clear_op == JJ_CMP_NONE) {
    /* Clear when the issue condition fails: the exact negation. */
    clear_op = lc->issue_op == JJ_CMP_GE   ? JJ_CMP_LT
               : lc->issue_op == JJ_CMP_GT ? JJ_CMP_LE
               : lc->issue_op == JJ_CMP_LE ? JJ_CMP_GT
                                           : JJ_CMP_GE;
    clear_value = lc->issue_value;
  } else {
    if (clear_op < JJ_CMP_GT || clear_op > JJ_CMP_LE || !isfinite(clear_value))
      return jj__fail(err, JJ_EINVAL, "rule '%s' level '%s': invalid clear condition", rn,
                      lc->name);
    if (rising(clear_op) == up)
      return jj__fail(err, JJ_EINVAL,
                      "rule '%s' level '%s': clear condition %s %g points the same way as the "
                      "issue condition %s %g",
                      rn, lc->name, cmp_text(clear_op), clear_value, cmp_text(lc->issue_op),
                      lc->issue_value);
    /* A value must not satisfy issue and clear at once (no hysteresis gap
     * the wrong way round). */
    int overlap =
        up ? (clear_value > lc->issue_value || (clear_value == lc->issue_value &&
                                                clear_op == JJ_CMP_LE && lc->issue_op == JJ_CMP_GE))
           : (clear_value < lc->issue_value ||
              (clear_value == lc->issue_value && clear_op == JJ_CMP_GE &&
               lc->issue_op == JJ_CMP_LE));
    if (overlap)
      return jj__fail(err, JJ_EINVAL,
                      "rule '%s' level '%s': clear condition %s %g overlaps the issue condition "
                      "%s %g; a value would both raise and clear",
                      rn, lc->name, cmp_text(clear_op), clear_value, cmp_text(lc->issue_op),
                      lc->issue_value);
  }
  if (r->nlevels) {
    const jj_level *prev = &r->levels[r->nlevels - 1];
    if (rising(prev->issue_op) != up)
      return jj__fail(err, JJ_EINVAL, "rule '%s' level '%s': all levels must point the same way",
                      rn, lc->name);
    int ordered = up ? lc->issue_value > prev->issue_value : lc->issue_value < prev->issue_value;
    if (!ordered)
      return jj__fail(err, JJ_EINVAL,
                      "rule '%s' level '%s': issue threshold %g must be %s than the previous "
                      "level '%s' (%g); list levels from least to most severe",
                      rn, lc->name, lc->issue_value, up ? "higher" : "lower", prev->name,
                      prev->issue_value);
  }
  if (jj__grow(&b->alc, &r->levels, &r->levels_cap, r->nlevels, sizeof *r->levels, 1) != 0)
    return jj__fail(err, JJ_ENOMEM, "out of memory");
  jj_level *l = &r->levels[r->nlevels];
  memset(l, 0, sizeof *l);
  l->name = jj__strdup(&b->alc, lc->name);
  l->severity = jj__strdup(&b->alc, lc->severity ? lc->severity : lc->name);
  if (!l->name || !l->severity) {
    jj__free(&b->alc, l->name);
    jj__free(&b->alc, l->severity);
    memset(l, 0, sizeof *l);
    return jj__fail(err, JJ_ENOMEM, "out of memory");
  }
  l->issue_op = lc->issue_op;
  l->issue_value = lc->issue_value;
  l->clear_op = clear_op;
  l->clear_value = clear_value;
  l->for_count = lc->for_count ? lc->for_count : 1;
  l->for_ms = lc->for_ms;
  l->clear_for_count = lc->clear_for_count ? lc->clear_for_count : 1;
  l->keep_firing_for_ms = lc->keep_firing_for_ms;
  r->nlevels++;
  ok(err);
  return JJ_OK;
}

jj_status jj_ruleset_builder_add_matcher(jj_ruleset_builder *b, uint32_t rule, const char *label,
                                         jj_match_op op, const char *value, jj_error *err) {
  if (!b || rule >= b->nrules) return jj__fail(err, JJ_EINVAL, "no such rule index %" PRIu32, rule);
  jj_rule *r = &b->rules[rule];
  if (!valid_name(label))
    return jj__fail(err, JJ_EINVAL, "rule '%s': matcher label name '%s' is empty or invalid",
                    r->cfg.name, label ? label : "");
  if (!value)
    return jj__fail(err, JJ_EINVAL, "rule '%s': matcher on '%s' has no value", r->cfg.name, label);
  if (op != JJ_MATCH_EQ && op != JJ_MATCH_NE && op != JJ_MATCH_RE && op != JJ_MATCH_NRE)
    return jj__fail(err, JJ_EINVAL, "rule '%s': unknown matcher operator %d", r->cfg.name, (int)op);
  void *re = NULL;
  if (op == JJ_MATCH_RE || op == JJ_MATCH_NRE) {
    if (!jj__regex_available())
      return jj__fail(err, JJ_EINVAL,
                      "rule '%s': regex matcher on '%s' needs the PCRE2 matcher, which this build "
                      "does not include",
                      r->cfg.name, label);
    char why[200];
    jj_status rst = jj__regex_compile(value, &b->alc, &re, why, sizeof why);
    if (rst == JJ_ENOMEM) return jj__fail(err, JJ_ENOMEM, "out of memory");
    if (rst != JJ_OK)
      return jj__fail(err, JJ_EINVAL, "rule '%s': invalid regex for label '%s': %s", r->cfg.name,
                      label, why);
  }
  if (jj__grow(&b->alc, &r->matchers, &r->matchers_cap, r->nmatchers, sizeof *r->matchers, 4)) {
    if (re) jj__regex_free(re);
    return jj__fail(err, JJ_ENOMEM, "out of memory");
  }
  jj_matcher *m = &r->matchers[r->nmatchers];
  m->label = jj__strdup(&b->alc, label);
  m->value = jj__strdup(&b->alc, value);
  m->op = op;
  m->re = re;
  if (!m->label || !m->value) {
    jj__free(&b->alc, m->label);
    jj__free(&b->alc, m->value);
    if (re) jj__regex_free(re);
    return jj__fail(err, JJ_ENOMEM, "out of memory");
  }
  r->nmatchers++;
  ok(err);
  return JJ_OK;
}

/* Labels and annotations are both name -> text lists on a rule. `what` and
 * `text_kind` only word the errors ("label" / "a value"). */
static jj_status add_pair(jj_ruleset_builder *b, const jj_rule *r, jj_label **list, uint32_t *n,
                          uint32_t *cap, const char *name, const char *text, const char *what,
                          const char *text_kind, jj_error *err) {
  if (!valid_name(name) || !text)
    return jj__fail(err, JJ_EINVAL, "rule '%s': %s '%s' needs a valid name and %s", r->cfg.name,
                    what, name ? name : "", text_kind);
  for (uint32_t i = 0; i < *n; i++)
    if (strcmp((*list)[i].name, name) == 0)
      return jj__fail(err, JJ_EINVAL, "rule '%s': %s '%s' is set twice", r->cfg.name, what, name);
  if (jj__grow(&b->alc, list, cap, *n, sizeof **list, 4))
    return jj__fail(err, JJ_ENOMEM, "out of memory");
  char *k = jj__strdup(&b->alc, name), *v = jj__strdup(&b->alc, text);
  if (!k || !v) {
    jj__free(&b->alc, k);
    jj__free(&b->alc, v);
    return jj__fail(err, JJ_ENOMEM, "out of memory");
  }
  (*list)[*n].name = k;
  (*list)[*n].value = v;
  (*n)++;
  ok(err);
  return JJ_OK;
}

jj_status jj_ruleset_builder_add_label(jj_ruleset_builder *b, uint32_t rule, const char *name,
                                       const char *value, jj_error *err) {
  if (!b || rule >= b->nrules) return jj__fail(err, JJ_EINVAL, "no such rule index %" PRIu32, rule);
  jj_rule *r = &b->rules[rule];
  return add_pair(b, r, &r->labels, &r->nlabels, &r->labels_cap, name, value, "label", "a value",
                  err);
}

jj_status jj_ruleset_builder_add_annotation(jj_ruleset_builder *b, uint32_t rule, const char *name,
                                            const char *tmpl, jj_error *err) {
  if (!b || rule >= b->nrules) return jj__fail(err, JJ_EINVAL, "no such rule index %" PRIu32, rule);
  jj_rule *r = &b->rules[rule];
  jj_status fst = jj__features_check_annotation(r->cfg.name, name, err);
  if (fst != JJ_OK) return fst;
  if (valid_name(name) && tmpl) {
    char why[JJ_ERROR_MESSAGE_MAX / 2];
    if (jj__template_check(tmpl, why, sizeof why) != 0)
      return jj__fail(err, JJ_EINVAL, "rule '%s': annotation '%s': %s", r->cfg.name, name, why);
  }
  return add_pair(b, r, &r->annotations, &r->nannotations, &r->annotations_cap, name, tmpl,
                  "annotation", "a template", err);
}

jj_status jj_ruleset_builder_add_notify(jj_ruleset_builder *b, uint32_t rule, const char *name,
                                        jj_error *err) {
  if (!b || rule >= b->nrules) return jj__fail(err, JJ_EINVAL, "no such rule index %" PRIu32, rule);
  jj_rule *r = &b->rules[rule];
  if (!valid_name(name))
    return jj__fail(err, JJ_EINVAL, "rule '%s': notifier name '%s' is empty or invalid",
                    r->cfg.name, name ? name : "");
  for (uint32_t i = 0; i < r->nnotify; i++)
    if (strcmp(r->notify[i], name) == 0)
      return jj__fail(err, JJ_EINVAL, "rule '%s': notifier '%s' is listed twice", r->cfg.name,
                      name);
  if (jj__grow(&b->alc, &r->notify, &r->notify_cap, r->nnotify, sizeof *r->notify, 4))
    return jj__fail(err, JJ_ENOMEM, "out of memory");
  char *n = jj__strdup(&b->alc, name);
  if (!n) return jj__fail(err, JJ_ENOMEM, "out of memory");
  r->notify[r->nnotify++] = n;
  ok(err);
  return JJ_OK;
}

uint32_t jj_ruleset_rule_notify_count(const jj_ruleset *rs, uint32_t i) {
  return (rs && i < rs->nrules) ? rs->rules[i].nnotify : 0;
}

const char *jj_ruleset_rule_notify(const jj_ruleset *rs, uint32_t i, uint32_t j) {
  if (!rs || i >= rs->nrules || j >= rs->rules[i].nnotify) return NULL;
  return rs->rules[i].notify[j];
}

int jj_ruleset_rule_life_safety(const jj_ruleset *rs, uint32_t i) {
  return (rs && i < rs->nrules) ? rs->rules[i].cfg.life_safety != 0 : 0;
}

uint32_t jj__ruleset_builder_count(const jj_ruleset_builder *b) { return b ? b->nrules : 0; }

jj_rule *jj__ruleset_builder_rule(jj_ruleset_builder *b, uint32_t i) {
  return b && i < b->nrules ? &b->rules[i] : NULL;
}

void jj__ruleset_builder_truncate(jj_ruleset_builder *b, uint32_t n) {
  while (b && b->nrules > n) rule_free(&b->alc, &b->rules[--b->nrules]);
}

const jj_allocator *jj__ruleset_builder_allocator(const jj_ruleset_builder *b) { return &b->alc; }

/* JJ_GROUP_RULES: look up each source by name and link both ways. */
static jj_status resolve_sources(jj_ruleset_builder *b, jj_error *err) {
  for (uint32_t i = 0; i < b->nrules; i++) b->rules[i].nfeeds = 0;
  for (uint32_t i = 0; i < b->nrules; i++) {
    jj_rule *r = &b->rules[i];
    r->nsrc = 0;
    if (!jj__combines_rules(r->cfg.group)) continue;
    const char *p = r->cfg.sources;
    while (*p) {
      while (*p == ' ' || *p == ',') p++;
      size_t len = strcspn(p, ", ");
      if (!len) break;
      char name[128];
      if (len >= sizeof name)
        return jj__fail(err, JJ_EINVAL, "rule '%s': source name '%.*s...' is too long", r->cfg.name,
                        40, p);
      memcpy(name, p, len);
      name[len] = '\0';
      p += len;
      int k = find_rule(b->rules, b->nrules, name);
      if (k < 0)
        return jj__fail(err, JJ_EINVAL, "rule '%s': source rule '%s' does not exist", r->cfg.name,
                        name);
      jj_rule *src = &b->rules[k];
      if ((uint32_t)k == i || src->cfg.group != JJ_GROUP_NONE)
        return jj__fail(err, JJ_EINVAL,
                        "rule '%s': source '%s' must be another rule without a group (it is judged "
                        "per series)",
                        r->cfg.name, name);
      for (uint32_t j = 0; j < r->nsrc; j++)
        if (r->src[j] == (uint32_t)k)
          return jj__fail(err, JJ_EINVAL, "rule '%s': source '%s' is listed twice", r->cfg.name,
                          name);
      if (r->nsrc == JJ_MAX_SOURCES)
        return jj__fail(err, JJ_EINVAL, "rule '%s': at most %d sources", r->cfg.name,
                        JJ_MAX_SOURCES);
      if (src->nfeeds == JJ_MAX_FEEDS)
        return jj__fail(err, JJ_EINVAL, "rule '%s': source '%s' already feeds %d rules groups",
                        r->cfg.name, name, JJ_MAX_FEEDS);
      if (r->cfg.group == JJ_GROUP_CAI && !src->index)
        return jj__fail(err, JJ_EINVAL,
                        "rule '%s': source '%s' must judge a CAI sub-index (index: cai-pm25, ...)",
                        r->cfg.name, name);
      r->src[r->nsrc++] = (uint32_t)k;
      src->feeds[src->nfeeds++] = i;
    }
    if (r->nsrc == 0)
      return jj__fail(err, JJ_EINVAL, "rule '%s': sources lists no rule", r->cfg.name);
  }
  return JJ_OK;
}

jj_status jj_ruleset_builder_build(jj_ruleset_builder *b, jj_ruleset **out, jj_error *err) {
  if (!b || !out) return jj__fail(err, JJ_EINVAL, "builder and output are required");
  *out = NULL;
  if (b->nrules == 0) return jj__fail(err, JJ_EINVAL, "the ruleset has no rules");
  for (uint32_t i = 0; i < b->nrules; i++) {
    const jj_rule *r = &b->rules[i];
    if (r->nlevels == 0)
      return jj__fail(err, JJ_EINVAL, "rule '%s' has no levels; add at least one", r->cfg.name);
    if (r->cfg.group == JJ_GROUP_K_OF_N && !rising(r->levels[0].issue_op))
      return jj__fail(err, JJ_EINVAL,
                      "rule '%s': a k_of_n rule counts agreeing members, so its levels must use "
                      "> or >=",
                      r->cfg.name);
  }
  jj_status st = resolve_sources(b, err);
  if (st != JJ_OK) return st;
  jj_ruleset *rs = jj__calloc(&b->alc, sizeof *rs);
  if (!rs) return jj__fail(err, JJ_ENOMEM, "out of memory");
  rs->alc = b->alc;
  jj__ref_init(&rs->refs, 1);
  rs->rules = b->rules;
  rs->nrules = b->nrules;
  b->rules = NULL;
  b->nrules = b->cap = 0;
  *out = rs;
  ok(err);
  return JJ_OK;
}

void jj__ruleset_retain(jj_ruleset *rs) { (void)jj__ref_inc(&rs->refs); }

void jj_ruleset_free(jj_ruleset *rs) { jj__ruleset_release(rs, 1); }

void jj__ruleset_release(jj_ruleset *rs, unsigned n) {
  if (!rs || !n) return;
  if (jj__ref_sub(&rs->refs, n) != n) return;
  jj_allocator a = rs->alc;
  if (rs->borrowed != JJ__RULES_IN_PLACE) { /* else constant records: nothing of them is ours */
    for (uint32_t i = 0; i < rs->nrules; i++) rule_free_parts(&a, &rs->rules[i], !rs->borrowed);
    jj__free(&a, rs->rules);
  }
  jj__free(&a, rs);
}

uint32_t jj_ruleset_rule_count(const jj_ruleset *rs) { return rs ? rs->nrules : 0; }

const char *jj_ruleset_rule_name(const jj_ruleset *rs, uint32_t i) {
  return (rs && i < rs->nrules) ? rs->rules[i].cfg.name : NULL;
}

jj_status jj_ruleset_find(const jj_ruleset *rs, const char *name, uint32_t *index) {
  if (!rs || !name) return JJ_EINVAL;
  int i = find_rule(rs->rules, rs->nrules, name);
  if (i < 0) return JJ_ENOTFOUND;
  if (index) *index = (uint32_t)i;
  return JJ_OK;
}

/* ---- matching --------------------------------------------------------- */

const char *jj__label_get(const jj_label *labels, uint32_t n, const char *name) {
  for (uint32_t i = 0; i < n; i++)
    if (strcmp(labels[i].name, name) == 0) return labels[i].value;
  return NULL;
}

int jj__rule_matches(const jj_rule *r, const char *metric, const jj_label *labels,
                     uint32_t nlabels, const jj_allocator *alc) {
  /* A rules group reads no series: its sources feed it (group.c). */
  if (jj__combines_rules(r->cfg.group) || strcmp(r->cfg.metric, metric) != 0) return 0;
  for (uint32_t i = 0; i < r->nmatchers; i++) {
    const jj_matcher *m = &r->matchers[i];
    const char *v = jj__label_get(labels, nlabels, m->label);
    if (!v) v = "";
    int hit = m->re ? jj__regex_match(m->re, v, alc) : strcmp(v, m->value) == 0;
    if (hit < 0) return hit; /* undecided: neither =~ nor !~ may bind the rule */
    if ((m->op == JJ_MATCH_EQ || m->op == JJ_MATCH_RE) != hit) return 0;
  }
  /* A group rule needs every group_by label to place the series. */
  for (uint32_t i = 0; i < r->ngroup_labels; i++)
    if (!jj__label_get(labels, nlabels, r->group_labels[i])) return 0;
  return 1;
}
