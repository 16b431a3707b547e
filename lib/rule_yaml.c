/* Loading rules from YAML files: the rule schema (see
 * include/jjair/rule_yaml.h and rules/README.md), walked over the located
 * node tree of yaml_tree.c, and the loader around it (files, includes,
 * defaults, the builder's checks, one sorted list of errors).
 *
 * Every rule is walked, then tried on a scratch builder (so the builder's
 * own checks report at the rule's nodes, in the same pass), and only when
 * the whole file set is clean are the rules added to the caller's builder.
 * Every allocation goes through the builder's allocator. */
/* realpath() is POSIX (XSI) */
#define _XOPEN_SOURCE 700 /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "aqi_internal.h"
#include "file_read.h"
#include "jjair/duration.h"
#include "jjair/rule_yaml.h"
#include "ruleset.h"
#include "yaml_tree.h"

/* ---- limits ----------------------------------------------------------- */

#define MAX_BYTES (1u << 20) /* one file */
#define MAX_RULES 10000u     /* rules in one load */
#define MAX_INCLUDE_DEPTH 16
#define MAX_FILES 256
/* count and max_samples of a window: checking a rule creates its window,
 * and preallocate would take 32 bytes per sample at once */
#define MAX_WINDOW_SAMPLES (1u << 20)
#define MAX_KEPT_ERRORS 1000u /* stored for de-duplication; all are counted */

typedef jj_ynode ynode;
typedef jj_yentry yentry;

/* ---- context: the tree, files, errors --------------------------------- */

/* An error and the load order of its file, for sorting. */
typedef struct kept_error {
  jj_error e;
  size_t file_order;
} kept_error;

typedef struct ctx {
  jj_ytree tree; /* every node, string and array of this load */
  const char **files; /* display names in load order (sorting errors) */
  size_t nfiles, files_cap;
  kept_error *kept;
  size_t nkept, kept_cap, total;
  /* include stack (identities) */
  const char *stack[MAX_INCLUDE_DEPTH + 1];
  int depth;
} ctx;

/* Make room for element `len` of the array at *arrp (`*cap` elements of
 * `size` bytes), through the tree's allocator. -1 and tree.oom on failure,
 * leaving the array as it was. */
static int grow(ctx *c, void *arrp, size_t *cap, size_t len, size_t size, size_t first) {
  if (len < *cap) return 0;
  void **arr = arrp;
  size_t ncap = *cap ? *cap * 2 : first;
  void *n = jj__realloc(&c->tree.alc, *arr, *cap * size, ncap * size);
  if (!n) {
    c->tree.oom = 1;
    return -1;
  }
  *arr = n;
  *cap = ncap;
  return 0;
}

static size_t file_order(const ctx *c, const char *file) {
  for (size_t i = 0; i < c->nfiles; i++)
    if (strcmp(c->files[i], file) == 0) return i;
  return SIZE_MAX;
}

#if defined(__GNUC__)
__attribute__((format(printf, 6, 7)))
#endif
static void add_error(ctx *c, jj_status code, const char *file, int line, int col,
                      const char *fmt, ...) {
  kept_error k;
  memset(&k, 0, sizeof k);
  k.e.code = code;
  k.e.line = line;
  k.e.column = col;
  (void)snprintf(k.e.file, sizeof k.e.file, "%s", file ? file : "");
  va_list ap;
  va_start(ap, fmt);
  (void)vsnprintf(k.e.message, sizeof k.e.message, fmt, ap);
  va_end(ap);
  /* The same problem reached twice (an alias, a default merged into every
   * rule) is reported once. */
  for (size_t i = 0; i < c->nkept; i++) {
    const jj_error *e = &c->kept[i].e;
    if (e->line == line && e->column == col && strcmp(e->file, k.e.file) == 0 &&
        strcmp(e->message, k.e.message) == 0)
      return;
  }
  c->total++;
  if (c->nkept >= MAX_KEPT_ERRORS || grow(c, &c->kept, &c->kept_cap, c->nkept, sizeof *c->kept, 16))
    return;
  k.file_order = file_order(c, k.e.file);
  c->kept[c->nkept++] = k;
}

/* The tree's problems (YAML syntax, merge keys, duplicate keys ...). */
static void tree_error(void *ctxp, const char *file, int line, int col, const char *message) {
  add_error(ctxp, JJ_EINVAL, file, line, col, "%s", message);
}

#define ERR(c, node, ...) add_error((c), JJ_EINVAL, (node)->file, (node)->line, (node)->col, __VA_ARGS__)

/* 1 when the load has run out of memory or out of its work budget: stop. */
static int stopped(const ctx *c) { return c->tree.oom || c->tree.over_budget; }

/* Errors in file load order, then line and column; stable, so problems
 * at one node keep the order they were found in. (Insertion sort: no
 * allocation, and the list is short.) */
static void sort_errors(kept_error *k, size_t n) {
  for (size_t i = 1; i < n; i++) {
    kept_error x = k[i];
    size_t j = i;
    while (j > 0) {
      const kept_error *p = &k[j - 1];
      int after = p->file_order != x.file_order ? p->file_order > x.file_order
                  : p->e.line != x.e.line       ? p->e.line > x.e.line
                                                : p->e.column > x.e.column;
      if (!after) break;
      k[j] = k[j - 1];
      j--;
    }
    k[j] = x;
  }
}

/* ---- schema helpers --------------------------------------------------- */

static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 40 || lb > 40) return 99;
  size_t row[41], prev[41], prev2[41];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  memcpy(prev, row, sizeof row);
  memcpy(prev2, row, sizeof row);
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t best = diag + (a[i - 1] != b[j - 1]);
      if (row[j] + 1 < best) best = row[j] + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      /* a swap of two neighbours counts as one edit */
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < best)
        best = prev2[j - 2] + 1;
      row[j] = best;
      diag = up;
    }
    memcpy(prev2, prev, sizeof prev);
    memcpy(prev, row, sizeof row);
  }
  return row[lb];
}

/* Words people reach for (often from other tools) and the key we use. */
static const char *const synonyms[][2] = {
    {"threshold", "issue"},   {"raise", "issue"},       {"when", "issue"},
    {"condition", "issue"},   {"expr", "issue"},        {"resolve", "clear"},
    {"recover", "clear"},     {"duration", "for"},      {"pending", "for"},
    {"clear_for", "clear_for_count"}, {"selector", "match"}, {"matchers", "match"},
    {"filter", "match"},      {"agg", "aggregate"},     {"function", "aggregate"},
    {"group_by", "group"},    {"alerts", "rules"},      {"rule", "rules"},
    {"length", "span"},       {"size", "span"},         {"range", "span"},
    {"step", "hop"},          {"slide", "hop"},         {"type", "kind"},
    {"quantile", "percentile"}, {"halflife", "ewma_halflife"}, {"multiplier", "scale"},
    {"level", "levels"},      {"thresholds", "levels"}, {"receivers", "notify"},
    {"receiver", "notify"},   {"notifiers", "notify"},  {"tags", "labels"},
    {"missing", "on_missing"}, {"stale", "stale_after"}, {"range_check", "valid"},
    {"includes", "include"},  {"default", "defaults"},  {"interval", "expected_interval"},
    {"coverage", "min_coverage"}, {"repeat", "repeat_interval"}, {"flapping", "flap"},
};

static const char *suggest(const char *key, const char *const *allowed) {
  const char *best = NULL;
  size_t bestd = 99;
  size_t lim = strlen(key) < 5 ? 1 : 2;
  for (size_t i = 0; allowed[i]; i++) {
    size_t d = edit_distance(key, allowed[i]);
    if (d < bestd) bestd = d, best = allowed[i];
  }
  for (size_t s = 0; s < sizeof synonyms / sizeof synonyms[0]; s++) {
    int ok = 0;
    for (size_t i = 0; allowed[i]; i++)
      if (strcmp(allowed[i], synonyms[s][1]) == 0) ok = 1;
    if (!ok) continue;
    size_t d = edit_distance(key, synonyms[s][0]);
    if (d < bestd) bestd = d, best = synonyms[s][1];
  }
  return bestd <= lim ? best : NULL;
}

/* The NULL-terminated `names` joined with ", " (cut short if too long). */
static void join_names(char *list, size_t size, const char *const *names) {
  size_t off = 0;
  list[0] = '\0';
  for (size_t i = 0; names[i] && off < size; i++) {
    int w = snprintf(list + off, size - off, "%s%s", i ? ", " : "", names[i]);
    if (w < 0) break;
    off += (size_t)w;
  }
}

static void unknown_key(ctx *c, const yentry *e, const char *where, const char *const *allowed) {
  const char *s = suggest(e->key, allowed);
  if (s)
    ERR(c, e->knode, "unknown key '%s' in %s (did you mean '%s'?)", e->key, where, s);
  else {
    char list[160];
    join_names(list, sizeof list, allowed);
    ERR(c, e->knode, "unknown key '%s' in %s (known keys: %s)", e->key, where, list);
  }
}

/* Index of `k` in the NULL-terminated `names`, or -1. */
static int name_index(const char *k, const char *const *names) {
  for (int i = 0; names[i]; i++)
    if (strcmp(k, names[i]) == 0) return i;
  return -1;
}

static int known(const char *k, const char *const *allowed) { return name_index(k, allowed) >= 0; }

/* 1 when map m has an unknown key that looks like a misspelt `key` (the
 * typo is reported; "missing key" would only repeat it). */
static int typo_for(const ynode *m, const char *key, const char *const *allowed) {
  for (size_t i = 0; i < m->nflat; i++)
    if (!known(m->flat[i].key, allowed)) {
      const char *s = suggest(m->flat[i].key, allowed);
      if (s && strcmp(s, key) == 0) return 1;
    }
  return 0;
}

/* The node must be a mapping; flattens it. Returns 0 when usable. */
static int want_map(ctx *c, ynode *n, const char *what) {
  if (n->kind != JJ_YMAP) {
    ERR(c, n, "%s must be a mapping (key: value lines), not %s", what, jj__ynode_kind_name(n));
    return -1;
  }
  (void)jj__ytree_flatten(&c->tree, n);
  return n->flat_done > 0 ? 0 : -1;
}

/* ---- scalar values ---------------------------------------------------- */

/* The entry's value when it is a (non-null) scalar; else NULL after "'key'
 * must be <want>, not <what it is>". */
static const ynode *want_scalar(ctx *c, const yentry *e, const char *want) {
  const ynode *v = e->value;
  if (v->kind == JJ_YSCALAR && !jj__ynode_is_null(v)) return v;
  ERR(c, v, "'%s' must be %s, not %s", e->key, want, jj__ynode_kind_name(v));
  return NULL;
}

static int get_str(ctx *c, const yentry *e, const char **out) {
  const ynode *v = want_scalar(c, e, "a text value");
  if (!v) return -1;
  if (strlen(v->str) != v->len) {
    ERR(c, v, "'%s' contains a NUL character", e->key);
    return -1;
  }
  *out = v->str;
  return 0;
}

static int looks_numeric(const char *s) {
  if (!*s) return 0;
  for (const char *p = s; *p; p++)
    if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '+' || *p == 'e' ||
          *p == 'E'))
      return 0;
  return 1;
}

static int parse_number(const char *s, double *out) {
  if (!looks_numeric(s)) return -1;
  char *end = NULL;
  errno = 0;
  double d = strtod(s, &end);
  if (end == s || *end || errno == ERANGE || !isfinite(d)) return -1;
  *out = d;
  return 0;
}

static int get_num(ctx *c, const yentry *e, double *out) {
  const ynode *v = want_scalar(c, e, "a number");
  if (!v) return -1;
  double d;
  if (parse_number(v->str, &d)) {
    ERR(c, v, "'%s' must be a number, got '%.40s'", e->key, v->str);
    return -1;
  }
  if (!v->plain) {
    ERR(c, v, "'%s' must be a number, not a quoted string; remove the quotes", e->key);
    return -1;
  }
  *out = d;
  return 0;
}

/* A number from lo to hi; `range` says so when it is outside. *out is set
 * even then (0 when it is no number): later checks read it. */
static int get_num_in(ctx *c, const yentry *e, double lo, double hi, const char *range,
                      double *out) {
  double d = 0;
  int bad = get_num(c, e, &d);
  if (!bad && !(d >= lo && d <= hi)) {
    ERR(c, e->value, "%s", range);
    bad = 1;
  }
  *out = d;
  return bad;
}

static int get_uint(ctx *c, const yentry *e, uint32_t max, uint32_t *out) {
  const ynode *v = e->value;
  if (v->kind != JJ_YSCALAR || jj__ynode_is_null(v) || !v->plain) {
    ERR(c, v, "'%s' must be a whole number, not %s", e->key,
        v->kind == JJ_YSCALAR && !jj__ynode_is_null(v) ? "a quoted string" : jj__ynode_kind_name(v));
    return -1;
  }
  const char *s = v->str;
  if (*s == '+') s++;
  uint64_t x = 0;
  int ok = *s != '\0';
  for (; *s && ok; s++) {
    if (*s < '0' || *s > '9') ok = 0;
    else if ((x = x * 10 + (uint64_t)(*s - '0')) > max) {
      ERR(c, v, "'%s' is at most %u", e->key, max);
      return -1;
    }
  }
  if (!ok) {
    ERR(c, v, "'%s' must be a whole number >= 0, got '%.40s'", e->key, v->str);
    return -1;
  }
  *out = (uint32_t)x;
  return 0;
}


/* A duration (include/jjair/duration.h: the grammar the jjair command
 * reads too). */
static int get_dur(ctx *c, const yentry *e, int64_t *out) {
  const ynode *v = want_scalar(c, e, "a duration like 90s, 5m or 1h30m");
  if (!v) return -1;
  jj_error why;
  if (jj_duration_parse(v->str, v->len, out, &why) != JJ_OK) {
    ERR(c, v, "'%s': %s", e->key, why.message);
    return -1;
  }
  return 0;
}

/* ">= 75", "< 35". */
static int get_cond(ctx *c, const yentry *e, jj_cmp *op, double *val) {
  const ynode *v = want_scalar(c, e, "a condition like \">= 75\"");
  if (!v) return -1;
  const char *s = v->str;
  while (*s == ' ') s++;
  if (s[0] == '>' && s[1] == '=') *op = JJ_CMP_GE, s += 2;
  else if (s[0] == '<' && s[1] == '=') *op = JJ_CMP_LE, s += 2;
  else if (s[0] == '>') *op = JJ_CMP_GT, s++;
  else if (s[0] == '<') *op = JJ_CMP_LT, s++;
  else {
    double d;
    if (parse_number(s, &d) == 0)
      ERR(c, v, "'%s': condition '%.40s' needs an operator; write e.g. \">= %.40s\" (quoted)",
          e->key, v->str, s);
    else
      ERR(c, v, "'%s': bad condition '%.40s'; write an operator (>, >=, <, <=) and a number, e.g. \">= 75\"",
          e->key, v->str);
    return -1;
  }
  while (*s == ' ') s++;
  char num[64];
  size_t n = strlen(s);
  while (n && s[n - 1] == ' ') n--;
  if (n == 0 || n >= sizeof num) {
    ERR(c, v, "'%s': bad condition '%.40s'; the operator needs a number after it, e.g. \">= 75\"",
        e->key, v->str);
    return -1;
  }
  memcpy(num, s, n);
  num[n] = '\0';
  if (parse_number(num, val)) {
    ERR(c, v, "'%s': bad condition '%.40s'; '%s' is not a number", e->key, v->str, num);
    return -1;
  }
  return 0;
}

static int get_enum(ctx *c, const yentry *e, const char *const *names, int *out) {
  const char *s;
  if (get_str(c, e, &s)) return -1;
  int i = name_index(s, names);
  if (i >= 0) {
    *out = i;
    return 0;
  }
  char list[160];
  join_names(list, sizeof list, names);
  const char *sg = suggest(s, names);
  if (sg)
    ERR(c, e->value, "'%s' must be one of %s; got '%.40s' (did you mean '%s'?)", e->key, list, s,
        sg);
  else
    ERR(c, e->value, "'%s' must be one of %s; got '%.40s'", e->key, list, s);
  return -1;
}

/* ---- rules ------------------------------------------------------------ */

/* ---- rules ------------------------------------------------------------ */

/* A rule as walked: its settings for the builder, the node of each part
 * (the builder's errors are reported there), and what already failed. */
typedef struct lvl {
  jj_level_config lc;
  ynode *at;
  int bad; /* a problem was reported: the builder does not see it */
} lvl;
typedef struct mat {
  const char *label, *value;
  jj_match_op op;
  ynode *at;
} mat;
typedef struct pair {
  const char *k, *v;
  ynode *at;
} pair;

typedef struct rspec {
  jj_rule_config rc;
  ynode *at, *name_at;
  int bad;        /* some problem was reported in this rule */
  int config_bad; /* ... in rc (the rule's own settings, not its parts) */
  lvl *levels;
  size_t nlevels;
  mat *m;
  size_t nm;
  pair *labels, *ann, *notify;
  size_t nlabels, nann, nnotify;
  /* index: a shipped table, or the bands of the rule's own (walk_index) */
  const jj_aqi_table *index;
  const char *index_name;
  int index_decimals;
  jj_aqi_band *index_bands;
  size_t nindex_bands;
  ynode *index_at;
} rspec;

static const char *const RULE_KEYS[] = {
    "name",  "metric",     "match",       "window",          "aggregate", "scale",
    "per",   "group",      "levels",      "on_missing",      "stale_after", "valid",
    "stuck", "repeat_interval", "flap",   "labels",          "annotations", "notify",
    "index", "life_safety", NULL};
static const char *const WINDOW_KEYS[] = {
    "kind",         "span",       "hop",       "align",     "count",
    "min_samples",  "min_coverage", "expected_interval", "max_samples", "duplicates",
    "percentile",   "accuracy",   "floor",     "ewma_halflife", "preallocate", NULL};
static const char *const LEVEL_KEYS[] = {"name",      "severity",        "issue",
                                         "clear",     "for",             "for_count",
                                         "clear_for_count", "keep_firing_for", NULL};
static const char *const GROUP_KEYS[] = {"by",     "mode",   "min_members", "wait",
                                         "member", "within", "sources",     "distinct", NULL};
static const char *const DISTINCT_NAMES[] = {"rules", "series", NULL};
static const char *const TOP_KEYS[] = {"version", "include", "defaults", "rules", "notifiers", NULL};
static const char *const AGG_NAMES[] = {"count",    "sum",   "mean",  "min",        "max",
                                        "first",    "last",  "variance", "stddev",  "delta",
                                        "slope",    "percentile", "ewma", "avg",
                                        "nowcast", "c24e-pm25", "c24e-pm10", NULL};
static const char *const KIND_NAMES[] = {"sliding", "count", "tumbling", NULL};
static const char *const DUP_NAMES[] = {"keep", "replace", "reject", NULL};
static const char *const MODE_NAMES[] = {"avg", "max", "min", "k_of_n", "rules", "cai", NULL};
static const char *const MISSING_NAMES[] = {"keep", "resolve", "alert", NULL};
static const char *const PER_NAMES[] = {"s", "min", "h", NULL};
static const char *const MATCH_OPS[] = {"eq", "ne", "re", "nre", NULL};
static const char *const BOOL_NAMES[] = {"false", "true", NULL};

static int walk_window(ctx *c, ynode *wn, jj_window_config *w) {
  if (want_map(c, wn, "'window'")) return -1;
  int rc = 0, kind = -1;
  int span_bad = 0, hop_bad = 0; /* reported: checks that read them are skipped */
  const ynode *span = NULL, *hop = NULL, *align = NULL, *count = NULL, *cov = NULL, *ei = NULL;
  for (size_t i = 0; i < wn->nflat; i++) {
    const yentry *e = &wn->flat[i];
    const char *k = e->key;
    int bad = 0;
    int x = 0;
    if (strcmp(k, "kind") == 0) bad = get_enum(c, e, KIND_NAMES, &kind);
    else if (strcmp(k, "span") == 0) bad = span_bad = get_dur(c, e, &w->span_ms), span = e->knode;
    else if (strcmp(k, "hop") == 0) bad = hop_bad = get_dur(c, e, &w->hop_ms), hop = e->knode;
    else if (strcmp(k, "align") == 0) bad = get_dur(c, e, &w->align_ms), align = e->knode;
    else if (strcmp(k, "count") == 0) bad = get_uint(c, e, MAX_WINDOW_SAMPLES, &w->count), count = e->knode;
    else if (strcmp(k, "min_samples") == 0) bad = get_uint(c, e, UINT32_MAX, &w->min_samples);
    else if (strcmp(k, "min_coverage") == 0) {
      bad = get_num_in(c, e, 0, 1, "'min_coverage' is a fraction between 0 and 1 (0.75 = 75 %)",
                       &w->min_coverage);
      cov = e->knode;
    } else if (strcmp(k, "expected_interval") == 0)
      bad = get_dur(c, e, &w->expected_interval_ms), ei = e->knode;
    else if (strcmp(k, "max_samples") == 0) bad = get_uint(c, e, MAX_WINDOW_SAMPLES, &w->max_samples);
    else if (strcmp(k, "duplicates") == 0) {
      bad = get_enum(c, e, DUP_NAMES, &x);
      w->duplicates = x == 1 ? JJ_DUP_REPLACE : x == 2 ? JJ_DUP_REJECT : JJ_DUP_KEEP;
    } else if (strcmp(k, "percentile") == 0)
      bad = get_num_in(c, e, 0, 1,
                       "'percentile' is a quantile between 0 and 1 (0.95 = 95th percentile)",
                       &w->percentile);
    else if (strcmp(k, "accuracy") == 0)
      bad = get_num_in(c, e, 0.001, 0.2,
                       "'accuracy' is a relative error from 0.001 to 0.2 (0.01 = 1 %)",
                       &w->percentile_accuracy);
    else if (strcmp(k, "floor") == 0)
      bad = get_num_in(c, e, 1e-9, 1e6, "'floor' must be from 1e-9 to 1e6", &w->percentile_floor);
    else if (strcmp(k, "ewma_halflife") == 0) {
      bad = get_dur(c, e, &w->ewma_halflife_ms);
      if (!bad && w->ewma_halflife_ms <= 0) {
        ERR(c, e->value, "'ewma_halflife' must be above 0");
        bad = 1;
      }
    } else if (strcmp(k, "preallocate") == 0) {
      bad = get_enum(c, e, BOOL_NAMES, &x);
      w->preallocate = x == 1;
    } else {
      unknown_key(c, e, "window", WINDOW_KEYS);
      bad = 1;
    }
    if (bad) rc = -1;
  }
  if (kind < 0) {
    if (!jj__ynode_get(wn, "kind") && !typo_for(wn, "kind", WINDOW_KEYS)) ERR(c, wn, "window needs 'kind': sliding, count or tumbling");
    return -1;
  }
  w->kind = kind == 0 ? JJ_WINDOW_SLIDING_TIME : kind == 1 ? JJ_WINDOW_SLIDING_COUNT : JJ_WINDOW_TUMBLING;
  const char *kn = KIND_NAMES[kind];
  if (kind == 1) {
    if (span) ERR(c, span, "'span' is for sliding and tumbling windows; a count window uses 'count'"), rc = -1;
    if (!count) ERR(c, wn, "a count window needs 'count' (the number of samples)"), rc = -1;
  } else {
    if (count) ERR(c, count, "'count' is for count windows; a %s window uses 'span'", kn), rc = -1;
    if (!span) ERR(c, wn, "a %s window needs 'span', e.g. span: 1h", kn), rc = -1;
    else if (!span_bad && w->span_ms <= 0) ERR(c, span, "'span' must be above 0"), rc = -1;
    if (cov && w->min_coverage > 0 && !ei)
      ERR(c, cov, "'min_coverage' needs 'expected_interval' (the sampling period, e.g. 5m)"), rc = -1;
  }
  if (kind != 2) {
    if (hop) ERR(c, hop, "'hop' is for tumbling windows only"), rc = -1;
    if (align) ERR(c, align, "'align' is for tumbling windows only"), rc = -1;
  } else if (hop && span && !hop_bad && !span_bad && w->hop_ms > w->span_ms) {
    ERR(c, hop, "'hop' must not be longer than 'span' (hop < span gives overlapping windows)");
    rc = -1;
  } else if (hop && span && !hop_bad && !span_bad && w->hop_ms > 0 &&
             w->span_ms / w->hop_ms > JJ_WINDOW_MAX_OVERLAP) {
    ERR(c, hop, "'hop' is too short: span / hop is %lld, at most %d overlapping windows",
        (long long)(w->span_ms / w->hop_ms), JJ_WINDOW_MAX_OVERLAP);
    rc = -1;
  }
  return rc;
}

static int walk_level(ctx *c, ynode *ln, lvl *l) {
  if (want_map(c, ln, "a level")) return -1;
  jj_level_config_init(&l->lc);
  l->at = ln;
  int rc = 0;
  for (size_t i = 0; i < ln->nflat; i++) {
    const yentry *e = &ln->flat[i];
    const char *k = e->key;
    int bad = 0;
    if (strcmp(k, "name") == 0) bad = get_str(c, e, &l->lc.name);
    else if (strcmp(k, "severity") == 0) bad = get_str(c, e, &l->lc.severity);
    else if (strcmp(k, "issue") == 0) bad = get_cond(c, e, &l->lc.issue_op, &l->lc.issue_value);
    else if (strcmp(k, "clear") == 0) bad = get_cond(c, e, &l->lc.clear_op, &l->lc.clear_value);
    else if (strcmp(k, "for") == 0) bad = get_dur(c, e, &l->lc.for_ms);
    else if (strcmp(k, "for_count") == 0) bad = get_uint(c, e, 65535, &l->lc.for_count);
    else if (strcmp(k, "clear_for_count") == 0) bad = get_uint(c, e, 65535, &l->lc.clear_for_count);
    else if (strcmp(k, "keep_firing_for") == 0) bad = get_dur(c, e, &l->lc.keep_firing_for_ms);
    else {
      unknown_key(c, e, "level", LEVEL_KEYS);
      bad = 1;
    }
    if (bad) rc = -1;
  }
  if (!jj__ynode_get(ln, "name") && !typo_for(ln, "name", LEVEL_KEYS)) ERR(c, ln, "a level needs 'name', e.g. name: advisory"), rc = -1;
  if (!jj__ynode_get(ln, "issue") && !typo_for(ln, "issue", LEVEL_KEYS)) ERR(c, ln, "a level needs 'issue', e.g. issue: \">= 75\""), rc = -1;
  return rc;
}

/* A list of names (or one name) as one comma-separated string: group_by
 * labels, the sources of a rules group. */
static int get_names(ctx *c, const yentry *e, const char *what, const char **out) {
  ynode *v = e->value;
  int bad = 0;
  if (v->kind != JJ_YSEQ) return get_str(c, e, out);
  size_t total = 1;
  for (size_t j = 0; j < v->n; j++) {
    const yentry it = {what, e->knode, v->items[j]};
    const char *s;
    if (get_str(c, &it, &s)) bad = 1;
    else if (strchr(s, ',')) ERR(c, v->items[j], "name '%.40s' has a comma", s), bad = 1;
    else total += strlen(s) + 1;
  }
  if (v->n == 0) ERR(c, v, "'%s' needs at least one name", what), bad = 1;
  char *joined = bad ? NULL : jj__ytree_alloc(&c->tree, total);
  if (joined) {
    size_t off = 0;
    for (size_t j = 0; j < v->n; j++) {
      if (j) joined[off++] = ',';
      memcpy(joined + off, v->items[j]->str, v->items[j]->len);
      off += v->items[j]->len;
    }
    joined[off] = '\0';
    *out = joined;
  }
  return bad || !joined ? -1 : 0;
}

static int walk_group(ctx *c, ynode *gn, jj_rule_config *rc_) {
  if (want_map(c, gn, "'group'")) return -1;
  int rc = 0, mode = -1;
  const ynode *member = NULL, *within = NULL, *sources = NULL, *distinct = NULL;
  int within_bad = 0, dist = 0;
  for (size_t i = 0; i < gn->nflat; i++) {
    const yentry *e = &gn->flat[i];
    const char *k = e->key;
    int bad = 0;
    if (strcmp(k, "by") == 0) {
      bad = get_names(c, e, "by", &rc_->group_by);
    } else if (strcmp(k, "sources") == 0) {
      bad = get_names(c, e, "sources", &rc_->sources);
      sources = e->knode;
    } else if (strcmp(k, "mode") == 0) bad = get_enum(c, e, MODE_NAMES, &mode);
    else if (strcmp(k, "min_members") == 0) bad = get_uint(c, e, UINT32_MAX, &rc_->group_min_members);
    else if (strcmp(k, "wait") == 0) bad = get_dur(c, e, &rc_->group_wait_ms);
    else if (strcmp(k, "member") == 0) bad = get_cond(c, e, &rc_->member_op, &rc_->member_value), member = e->knode;
    else if (strcmp(k, "within") == 0) bad = within_bad = get_dur(c, e, &rc_->group_within_ms), within = e->knode;
    else if (strcmp(k, "distinct") == 0) bad = get_enum(c, e, DISTINCT_NAMES, &dist), distinct = e->knode;
    else {
      unknown_key(c, e, "group", GROUP_KEYS);
      bad = 1;
    }
    if (bad) rc = -1;
  }
  if (!jj__ynode_get(gn, "by") && !typo_for(gn, "by", GROUP_KEYS)) ERR(c, gn, "'group' needs 'by', the labels that form a group, e.g. by: [zone]"), rc = -1;
  if (!jj__ynode_get(gn, "mode")) {
    if (!typo_for(gn, "mode", GROUP_KEYS)) ERR(c, gn, "'group' needs 'mode': avg, max, min, k_of_n, rules or cai");
    return -1;
  }
  if (mode < 0) return -1;
  static const jj_group_mode modes[] = {JJ_GROUP_AVG, JJ_GROUP_MAX, JJ_GROUP_MIN, JJ_GROUP_K_OF_N,
                                         JJ_GROUP_RULES, JJ_GROUP_CAI};
  rc_->group = modes[mode];
  if (mode == 3) {
    if (!member) ERR(c, gn, "k_of_n needs 'member', the condition each member must meet, e.g. member: \">= 57\""), rc = -1;
    if (!within) ERR(c, gn, "k_of_n needs 'within', how recent agreement must be, e.g. within: 30s"), rc = -1;
    else if (!within_bad && rc_->group_within_ms <= 0) ERR(c, within, "'within' must be above 0"), rc = -1;
  } else if (mode == 4) {
    if (!sources) ERR(c, gn, "mode rules needs 'sources', the rules it combines, e.g. sources: [fire-heat-rate, fire-smoke]"), rc = -1;
    if (member) ERR(c, member, "'member' is for mode k_of_n only"), rc = -1;
  } else if (mode == 5) { /* cai: the overall CAI of sub-index rules */
    if (!sources) ERR(c, gn, "mode cai needs 'sources', the sub-index rules it combines, e.g. sources: [cai-pm25-grade, cai-o3-grade]"), rc = -1;
    if (member) ERR(c, member, "'member' is for mode k_of_n only"), rc = -1;
    if (within) ERR(c, within, "'within' is for modes k_of_n and rules only"), rc = -1;
  } else {
    if (member) ERR(c, member, "'member' is for mode k_of_n only"), rc = -1;
    if (within) ERR(c, within, "'within' is for modes k_of_n and rules only"), rc = -1;
  }
  if (sources && mode != 4 && mode != 5) ERR(c, sources, "'sources' is for modes rules and cai only"), rc = -1;
  if (distinct && mode != 4) ERR(c, distinct, "'distinct' is for mode rules only"), rc = -1;
  rc_->group_distinct = dist == 1 ? JJ_DISTINCT_SERIES : JJ_DISTINCT_RULES;
  return rc;
}

/* A mapping of text to text (labels, annotations). */
static int walk_pairs(ctx *c, const yentry *e, pair **out, size_t *n) {
  ynode *m = e->value;
  char what[48];
  (void)snprintf(what, sizeof what, "'%s'", e->key);
  if (want_map(c, m, what)) return -1;
  int rc = 0;
  *out = jj__ytree_alloc(&c->tree, (m->nflat + 1) * sizeof **out);
  if (!*out) return -1;
  for (size_t i = 0; i < m->nflat; i++) {
    const char *v;
    if (get_str(c, &m->flat[i], &v)) {
      rc = -1;
      continue;
    }
    pair p = {m->flat[i].key, v, m->flat[i].value};
    (*out)[(*n)++] = p;
  }
  return rc;
}

static int walk_match(ctx *c, const yentry *e, rspec *r) {
  ynode *m = e->value;
  if (want_map(c, m, "'match'")) return -1;
  int rc = 0;
  r->m = jj__ytree_alloc(&c->tree, (m->nflat + 1) * sizeof *r->m);
  if (!r->m) return -1;
  for (size_t i = 0; i < m->nflat; i++) {
    const yentry *me = &m->flat[i];
    mat x = {me->key, NULL, JJ_MATCH_EQ, me->value};
    if (me->value->kind == JJ_YMAP) {
      if (want_map(c, me->value, "a matcher")) {
        rc = -1;
        continue;
      }
      if (me->value->nflat != 1) {
        ERR(c, me->value, "matcher on '%.40s' needs exactly one of eq, ne, re, nre", me->key);
        rc = -1;
        continue;
      }
      const yentry *op = &me->value->flat[0];
      int oi = name_index(op->key, MATCH_OPS);
      if (oi < 0) {
        unknown_key(c, op, "matcher", MATCH_OPS);
        rc = -1;
        continue;
      }
      x.op = oi == 0 ? JJ_MATCH_EQ : oi == 1 ? JJ_MATCH_NE : oi == 2 ? JJ_MATCH_RE : JJ_MATCH_NRE;
      x.at = op->value;
      if (get_str(c, op, &x.value)) {
        rc = -1;
        continue;
      }
    } else if (get_str(c, me, &x.value)) {
      rc = -1;
      continue;
    }
    r->m[r->nm++] = x;
  }
  return rc;
}

/* ---- index: the rule judges an air-quality index (aqi.h) ---------------- */

/* `index: cai-pm25` (a shipped table) or `index: {name, decimals, bands:
 * [{conc: [lo, hi], index: [lo, hi], name: 나쁨}, ...]}`, validated here so
 * a bad band is reported at its own line and column. */
static int walk_index_band(ctx *c, ynode *bn, jj_aqi_band *b) {
  static const char *const keys[] = {"conc", "index", "name", NULL};
  if (want_map(c, bn, "a band")) return -1;
  int bad = 0, have = 0;
  for (size_t j = 0; j < bn->nflat; j++) {
    const yentry *f = &bn->flat[j];
    if (strcmp(f->key, "name") == 0) {
      bad |= get_str(c, f, &b->name);
      have |= 4;
    } else if (strcmp(f->key, "conc") == 0 || strcmp(f->key, "index") == 0) {
      int is_conc = f->key[0] == 'c';
      double *lo = is_conc ? &b->c_lo : &b->i_lo, *hi = is_conc ? &b->c_hi : &b->i_hi;
      if (f->value->kind != JJ_YSEQ || f->value->n != 2) {
        ERR(c, f->value, "'%s' must be a list of two numbers [low, high], e.g. %s", f->key,
            is_conc ? "conc: [36, 75]" : "index: [101, 250]");
        bad = 1;
        continue;
      }
      const yentry l = {f->key, f->knode, f->value->items[0]}, h = {f->key, f->knode, f->value->items[1]};
      bad |= get_num(c, &l, lo) | get_num(c, &h, hi);
      have |= is_conc ? 1 : 2;
    } else {
      unknown_key(c, f, "a band", keys);
      bad = 1;
    }
  }
  if (!bad && have != 7)
    ERR(c, bn, "a band needs conc, index and name, e.g. {conc: [36, 75], index: [101, 250], name: 나쁨}"), bad = 1;
  return bad ? -1 : 0;
}

static int walk_index(ctx *c, const yentry *e, rspec *r) {
  static const char *const keys[] = {"name", "decimals", "bands", NULL};
  ynode *v = e->value;
  r->index_at = v;
  if (v->kind == JJ_YSCALAR) {
    const char *name;
    if (get_str(c, e, &name)) return -1;
    r->index = jj_aqi_table_find(name);
    if (!r->index) {
      char list[400] = "";
      for (uint32_t i = 0; i < jj_aqi_table_count(); i++) {
        if (i) strncat(list, ", ", sizeof list - strlen(list) - 1);
        strncat(list, jj_aqi_table_name(jj_aqi_table_at(i)), sizeof list - strlen(list) - 1);
      }
      ERR(c, v, "unknown index table '%s' (shipped: %s; or give your own: {name, decimals, bands})", name, list);
      return -1;
    }
    return 0;
  }
  if (want_map(c, v, "'index'")) return -1;
  int bad = 0;
  uint32_t dec = 0;
  ynode *bands = NULL;
  for (size_t j = 0; j < v->nflat; j++) {
    const yentry *f = &v->flat[j];
    if (strcmp(f->key, "name") == 0) bad |= get_str(c, f, &r->index_name);
    else if (strcmp(f->key, "decimals") == 0) bad |= get_uint(c, f, JJ_AQI_MAX_DECIMALS, &dec);
    else if (strcmp(f->key, "bands") == 0) bands = f->value;
    else unknown_key(c, f, "index", keys), bad = 1;
  }
  r->index_decimals = (int)dec;
  if (!r->index_name && !typo_for(v, "name", keys)) ERR(c, v, "'index' needs 'name', e.g. name: my-pm25"), bad = 1;
  if (!bands) {
    if (!typo_for(v, "bands", keys)) ERR(c, v, "'index' needs 'bands', a list of {conc: [lo, hi], index: [lo, hi], name: ...}");
    return -1;
  }
  if (bands->kind != JJ_YSEQ || bands->n == 0 || bands->n > JJ_AQI_MAX_BANDS) {
    ERR(c, bands, "'bands' must be a list of 1 to %d bands", JJ_AQI_MAX_BANDS);
    return -1;
  }
  r->index_bands = jj__ytree_alloc(&c->tree, bands->n * sizeof *r->index_bands);
  if (!r->index_bands) return -1;
  memset(r->index_bands, 0, bands->n * sizeof *r->index_bands);
  r->nindex_bands = bands->n;
  for (size_t j = 0; j < bands->n; j++) bad |= walk_index_band(c, bands->items[j], &r->index_bands[j]);
  if (bad) {
    r->index_bands = NULL; /* reported: the builder does not see it */
    return -1;
  }
  jj_error err;
  memset(&err, 0, sizeof err);
  if (jj__aqi_validate(r->index_name, r->index_decimals, r->index_bands, (uint32_t)r->nindex_bands,
                       &err) != JJ_OK) {
    /* err.line is the band's number: report at that band */
    const ynode *at = err.line >= 1 && (size_t)err.line <= bands->n ? bands->items[err.line - 1] : v;
    ERR(c, at, "%s", err.message);
    r->index_bands = NULL;
    return -1;
  }
  return 0;
}

static int walk_rule(ctx *c, ynode *rn, rspec *r) {
  jj_rule_config *rc_ = &r->rc;
  jj_rule_config_init(rc_);
  r->at = rn;
  int rc = 0, agg = 2, agg_bad = 0, group_bad = 0;
  const ynode *agg_at = NULL, *scale_at = NULL, *per_at = NULL, *missing_at = NULL;
  int has_pct = 0, has_ewma = 0;
  for (size_t i = 0; i < rn->nflat; i++) {
    const yentry *e = &rn->flat[i];
    const char *k = e->key;
    int bad = 0, x = 0;
    /* the parts the builder adds one by one; the rest is the rule's config */
    int part = strcmp(k, "match") == 0 || strcmp(k, "levels") == 0 || strcmp(k, "labels") == 0 ||
               strcmp(k, "annotations") == 0 || strcmp(k, "notify") == 0;
    if (strcmp(k, "name") == 0) bad = get_str(c, e, &rc_->name), r->name_at = e->value;
    else if (strcmp(k, "metric") == 0) bad = get_str(c, e, &rc_->metric);
    else if (strcmp(k, "match") == 0) bad = walk_match(c, e, r);
    else if (strcmp(k, "window") == 0) {
      bad = walk_window(c, e->value, &rc_->window);
      has_pct = e->value->kind == JJ_YMAP && jj__ynode_get(e->value, "percentile");
      has_ewma = e->value->kind == JJ_YMAP && jj__ynode_get(e->value, "ewma_halflife");
    } else if (strcmp(k, "aggregate") == 0) {
      bad = agg_bad = get_enum(c, e, AGG_NAMES, &agg);
      agg_at = e->value;
    } else if (strcmp(k, "scale") == 0) {
      bad = get_num(c, e, &rc_->scale);
      if (!bad && rc_->scale == 0) ERR(c, e->value, "'scale' must not be 0"), bad = 1;
      scale_at = e->knode;
    } else if (strcmp(k, "per") == 0) {
      bad = get_enum(c, e, PER_NAMES, &x);
      rc_->scale = x == 0 ? 1.0 : x == 1 ? 60.0 : 3600.0;
      per_at = e->knode;
    } else if (strcmp(k, "group") == 0) bad = group_bad = walk_group(c, e->value, rc_);
    else if (strcmp(k, "index") == 0) bad = walk_index(c, e, r);
    else if (strcmp(k, "levels") == 0) {
      ynode *v = e->value;
      if (v->kind != JJ_YSEQ) {
        ERR(c, v, "'levels' must be a list of levels (lines starting with '- '), not %s", jj__ynode_kind_name(v));
        bad = 1;
      } else if (v->n == 0) {
        ERR(c, v, "'levels' is empty; add at least one level");
        bad = 1;
      } else if (v->n > JJ_MAX_LEVELS) {
        ERR(c, v->items[JJ_MAX_LEVELS], "a rule has at most %d levels", JJ_MAX_LEVELS);
        bad = 1;
      } else {
        r->levels = jj__ytree_alloc(&c->tree, v->n * sizeof *r->levels);
        if (!r->levels) return -1;
        for (size_t j = 0; j < v->n; j++) {
          lvl *l = &r->levels[r->nlevels++];
          if (walk_level(c, v->items[j], l)) l->bad = 1, r->bad = 1;
        }
      }
    } else if (strcmp(k, "on_missing") == 0) {
      bad = get_enum(c, e, MISSING_NAMES, &x);
      rc_->on_missing = x == 1 ? JJ_MISSING_RESOLVE : x == 2 ? JJ_MISSING_ALERT : JJ_MISSING_KEEP;
      missing_at = e->value;
    } else if (strcmp(k, "life_safety") == 0) {
      bad = get_enum(c, e, BOOL_NAMES, &x); /* notifiers never delay it (notify.h) */
      rc_->life_safety = x == 1;
    } else if (strcmp(k, "stale_after") == 0) bad = get_dur(c, e, &rc_->stale_after_ms);
    else if (strcmp(k, "valid") == 0) {
      static const char *const keys[] = {"min", "max", NULL};
      if (want_map(c, e->value, "'valid'")) bad = 1;
      else
        for (size_t j = 0; j < e->value->nflat; j++) {
          const yentry *f = &e->value->flat[j];
          if (strcmp(f->key, "min") == 0) bad |= get_num(c, f, &rc_->valid_min) != 0;
          else if (strcmp(f->key, "max") == 0) bad |= get_num(c, f, &rc_->valid_max) != 0;
          else unknown_key(c, f, "valid", keys), bad = 1;
        }
      if (!bad && rc_->valid_min > rc_->valid_max)
        ERR(c, e->value, "'valid': min %g is above max %g", rc_->valid_min, rc_->valid_max), bad = 1;
    } else if (strcmp(k, "stuck") == 0) {
      static const char *const keys[] = {"samples", "epsilon", NULL};
      if (want_map(c, e->value, "'stuck'")) bad = 1;
      else
        for (size_t j = 0; j < e->value->nflat; j++) {
          const yentry *f = &e->value->flat[j];
          if (strcmp(f->key, "samples") == 0) {
            bad |= get_uint(c, f, UINT32_MAX, &rc_->stuck_samples) != 0;
            if (rc_->stuck_samples == 1)
              ERR(c, f->value, "'samples' must be at least 2 (or 0 for off)"), bad = 1;
          } else if (strcmp(f->key, "epsilon") == 0) {
            bad |= get_num(c, f, &rc_->stuck_epsilon) != 0;
            if (rc_->stuck_epsilon < 0) ERR(c, f->value, "'epsilon' must be >= 0"), bad = 1;
          } else unknown_key(c, f, "stuck", keys), bad = 1;
        }
    } else if (strcmp(k, "repeat_interval") == 0) bad = get_dur(c, e, &rc_->repeat_interval_ms);
    else if (strcmp(k, "flap") == 0) {
      static const char *const keys[] = {"changes", "window", NULL};
      if (want_map(c, e->value, "'flap'")) bad = 1;
      else {
        for (size_t j = 0; j < e->value->nflat; j++) {
          const yentry *f = &e->value->flat[j];
          if (strcmp(f->key, "changes") == 0) bad |= get_uint(c, f, 16, &rc_->flap_changes) != 0;
          else if (strcmp(f->key, "window") == 0) bad |= get_dur(c, f, &rc_->flap_window_ms) != 0;
          else unknown_key(c, f, "flap", keys), bad = 1;
        }
        if (!bad && (rc_->flap_changes == 0 || rc_->flap_window_ms == 0))
          ERR(c, e->value, "'flap' needs both 'changes' (2..16) and 'window' (a duration above 0)"), bad = 1;
      }
    } else if (strcmp(k, "labels") == 0) bad = walk_pairs(c, e, &r->labels, &r->nlabels);
    else if (strcmp(k, "annotations") == 0) bad = walk_pairs(c, e, &r->ann, &r->nann);
    else if (strcmp(k, "notify") == 0) {
      ynode *v = e->value;
      if (v->kind != JJ_YSEQ) {
        ERR(c, v, "'notify' must be a list of notifier names, e.g. notify: [sms-residents]");
        bad = 1;
      } else {
        r->notify = jj__ytree_alloc(&c->tree, (v->n + 1) * sizeof *r->notify);
        if (!r->notify) return -1;
        for (size_t j = 0; j < v->n; j++) {
          const yentry it = {"notify", e->knode, v->items[j]};
          pair p = {NULL, NULL, v->items[j]};
          if (get_str(c, &it, &p.k)) bad = 1;
          else r->notify[r->nnotify++] = p;
        }
      }
    } else {
      unknown_key(c, e, "rule", RULE_KEYS);
      bad = 1;
    }
    if (bad) {
      rc = -1;
      if (!part) r->config_bad = 1;
    }
  }
  /* Checks across keys; none repeats a problem already reported. */
  int cfg = 0;
  if (!jj__ynode_get(rn, "name") && !typo_for(rn, "name", RULE_KEYS)) ERR(c, rn, "a rule needs 'name', e.g. name: pm25-advisory"), cfg = 1;
  /* A group whose mode did not read may be a rules group, which has no
   * metric: the group's own error is enough. */
  int maybe_rules = group_bad && rc_->group == JJ_GROUP_NONE;
  if (!jj__combines_rules(rc_->group) && !maybe_rules && !jj__ynode_get(rn, "metric") &&
      !typo_for(rn, "metric", RULE_KEYS))
    ERR(c, rn, "a rule needs 'metric', the metric it reads, e.g. metric: pm25"), cfg = 1;
  if (!jj__ynode_get(rn, "levels") && !typo_for(rn, "levels", RULE_KEYS)) ERR(c, rn, "a rule needs 'levels', e.g. levels: [{name: advisory, issue: \">= 75\"}]"), rc = -1;
  if (agg == 13) agg = 2; /* avg = mean */
  else if (agg > 13) agg--; /* the names after avg: JJ_AGG_NOWCAST ... */
  rc_->aggregate = (jj_agg)agg;
  if (scale_at && per_at) ERR(c, per_at, "give 'scale' or 'per', not both"), cfg = 1;
  /* An aggregate that did not read is reported; what depends on it is not. */
  if (per_at && !agg_bad && agg != JJ_AGG_SLOPE)
    ERR(c, per_at, "'per' sets the unit of a slope; use it with aggregate: slope"), cfg = 1;
  if (agg == JJ_AGG_PERCENTILE && !has_pct)
    ERR(c, agg_at, "aggregate percentile needs 'percentile' in the window, e.g. percentile: 0.95"), cfg = 1;
  if (agg == JJ_AGG_EWMA && !has_ewma)
    ERR(c, agg_at, "aggregate ewma needs 'ewma_halflife' in the window, e.g. ewma_halflife: 5m"), cfg = 1;
  if (missing_at && rc_->on_missing != JJ_MISSING_KEEP && !jj__ynode_get(rn, "stale_after"))
    ERR(c, missing_at, "on_missing: %s needs 'stale_after', e.g. stale_after: 15m",
        rc_->on_missing == JJ_MISSING_ALERT ? "alert" : "resolve"), cfg = 1;
  if (cfg) r->config_bad = 1, rc = -1;
  return rc;
}

/* ---- defaults: merged under each rule --------------------------------- */

/* 1 when both mappings name a different 'kind' (a rule's count window
 * replaces a default tumbling window instead of inheriting its span). */
static int other_kind(ctx *c, ynode *d, ynode *r) {
  if (jj__ytree_flatten(&c->tree, d) || jj__ytree_flatten(&c->tree, r)) return 1;
  const yentry *a = jj__ynode_get(d, "kind"), *b = jj__ynode_get(r, "kind");
  return a && b && a->value->kind == JJ_YSCALAR && b->value->kind == JJ_YSCALAR &&
         strcmp(a->value->str, b->value->str) != 0;
}

/* A new mapping: the rule's entries, where both sides are mappings merged
 * deeply, then the defaults' entries the rule does not have. */
static ynode *merge_defaults(ctx *c, ynode *d, ynode *r, int depth) {
  jj_ytree *t = &c->tree;
  if (depth > JJ_YAML_MAX_DEPTH || jj__ytree_flatten(t, d) || jj__ytree_flatten(t, r)) return r;
  if (jj__ytree_work(t, d->nflat * (r->nflat + 1) + r->nflat)) return r;
  ynode *m = jj__ytree_map_like(t, r);
  if (!m) return r;
  for (size_t i = 0; i < r->nflat; i++) {
    yentry e = r->flat[i];
    const yentry *de = jj__ynode_get(d, e.key);
    if (de && de->value->kind == JJ_YMAP && e.value->kind == JJ_YMAP &&
        !other_kind(c, de->value, e.value))
      e.value = merge_defaults(c, de->value, e.value, depth + 1);
    if (jj__ytree_map_add(t, m, &e)) return r;
  }
  for (size_t i = 0; i < d->nflat; i++)
    if (!jj__ynode_get(r, d->flat[i].key) && jj__ytree_map_add(t, m, &d->flat[i])) return r;
  return m;
}

/* ---- files ------------------------------------------------------------ */

typedef struct loader {
  ctx c;
  rspec *rules;
  size_t nrules, cap;
  const char **ids; /* files loaded so far (each is loaded once) */
  size_t nids, ids_cap;
} loader;

static void load_text(loader *L, const char *file, const char *id, const char *buf, size_t len);

/* The tree's arena as an allocator: blocks are freed with the tree. */
static void *tree_malloc(void *tree, size_t size) { return jj__ytree_alloc(tree, size); }
static void tree_keep(void *tree, void *ptr) {
  (void)tree;
  (void)ptr;
}

/* The whole file at `path` in the tree's arena; NULL with the reason in
 * `why` (and the tree marked out of memory when that was the reason). */
static char *read_file(ctx *c, const char *path, size_t *len, char *why, size_t whysz) {
  const jj_allocator arena = {tree_malloc, NULL, tree_keep, &c->tree};
  jj__read_result r;
  char *buf = jj__read_file(&arena, path, MAX_BYTES, len, &r, why, whysz);
  if (r == JJ__READ_NOMEM) c->tree.oom = 1; /* JJ_ENOMEM, not "cannot read" */
  return buf;
}

/* realpath(path) as a copy in the tree (NULL when the path does not
 * resolve or memory runs out). */
static char *real_path(ctx *c, const char *path) {
  char *buf = jj__malloc(&c->tree.alc, PATH_MAX);
  if (!buf) {
    c->tree.oom = 1;
    return NULL;
  }
  char *real = realpath(path, buf) ? jj__ytree_strdup(&c->tree, buf) : NULL;
  jj__free(&c->tree.alc, buf);
  return real;
}

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

static void do_include(loader *L, const ynode *at, const char *from, const char *inc) {
  ctx *c = &L->c;
  /* relative to the including file's directory */
  size_t dl = 0;
  if (inc[0] != '/') {
    const char *slash = strrchr(from, '/');
    if (slash) dl = (size_t)(slash - from) + 1;
  }
  size_t il = strlen(inc);
  char *path = jj__ytree_alloc(&c->tree, dl + il + 1);
  if (!path) return;
  memcpy(path, from, dl);
  memcpy(path + dl, inc, il + 1);
  const char *id = real_path(c, path);
  if (c->tree.oom) return;
  if (!id) id = path;
  for (int i = 0; i < c->depth; i++)
    if (strcmp(c->stack[i], id) == 0) {
      ERR(c, at, "include cycle: '%.60s' includes itself (through '%.60s')", inc, base_name(from));
      return;
    }
  for (size_t i = 0; i < L->nids; i++)
    if (strcmp(L->ids[i], id) == 0) return; /* already loaded: once is enough */
  if (c->depth >= MAX_INCLUDE_DEPTH) {
    ERR(c, at, "includes nest deeper than %d files", MAX_INCLUDE_DEPTH);
    return;
  }
  if (L->nids >= MAX_FILES) {
    ERR(c, at, "more than %d files included", MAX_FILES);
    return;
  }
  char why[128] = "";
  size_t len = 0;
  char *buf = read_file(c, path, &len, why, sizeof why);
  if (c->tree.oom) return;
  if (!buf) {
    add_error(c, JJ_ENOTFOUND, at->file, at->line, at->col,
              "cannot read included file '%.100s' (relative to the including file's directory): %s", inc, why);
    return;
  }
  load_text(L, path, id, buf, len);
}

static void add_rule_spec(loader *L, ynode *rn, ynode *defaults) {
  ctx *c = &L->c;
  if (rn->kind != JJ_YMAP) {
    ERR(c, rn, "each item of 'rules' must be a rule (a mapping with name, metric, levels ...), not %s",
        jj__ynode_kind_name(rn));
    return;
  }
  if (want_map(c, rn, "a rule")) return;
  if (defaults) rn = merge_defaults(c, defaults, rn, 0);
  if (L->nrules >= MAX_RULES) {
    ERR(c, rn, "more than %u rules", MAX_RULES);
    return;
  }
  rspec r;
  memset(&r, 0, sizeof r);
  if (walk_rule(c, rn, &r)) r.bad = 1;
  if (r.rc.name && r.name_at) {
    for (size_t i = 0; i < L->nrules; i++)
      if (L->rules[i].rc.name && strcmp(L->rules[i].rc.name, r.rc.name) == 0) {
        const ynode *p = L->rules[i].name_at;
        ERR(c, r.name_at, "rule '%.60s' is defined twice (first at %.60s:%d:%d); rule names must be unique",
            r.rc.name, base_name(p->file), p->line, p->col);
        r.bad = 1;
        break;
      }
  }
  /* Kept even when bad: the builder still checks what walked cleanly. */
  if (stopped(c) || grow(c, &L->rules, &L->cap, L->nrules, sizeof *L->rules, 16)) return;
  L->rules[L->nrules++] = r;
}

static void load_text(loader *L, const char *file, const char *id, const char *buf, size_t len) {
  ctx *c = &L->c;
  char *idc = jj__ytree_strdup(&c->tree, id);
  char *filec = jj__ytree_strdup(&c->tree, file);
  if (!idc || !filec || grow(c, &L->ids, &L->ids_cap, L->nids, sizeof *L->ids, 8) ||
      grow(c, &c->files, &c->files_cap, c->nfiles, sizeof *c->files, 8))
    return;
  L->ids[L->nids++] = idc;
  c->files[c->nfiles++] = filec;
  if (len > MAX_BYTES) {
    add_error(c, JJ_EINVAL, filec, 1, 1, "the file is larger than %u bytes", MAX_BYTES);
    return;
  }
  ynode *root = NULL;
  if (jj__ytree_parse(&c->tree, filec, buf, len, &root)) return;
  if (!root || jj__ynode_is_null(root)) {
    add_error(c, JJ_EINVAL, filec, 1, 1, "the file is empty; a rule file needs 'version: 1' and 'rules:'");
    return;
  }
  if (root->kind != JJ_YMAP) {
    ERR(c, root, "a rule file is a mapping with 'version: 1' and 'rules:', not %s", jj__ynode_kind_name(root));
    return;
  }
  if (want_map(c, root, "a rule file")) return;
  const yentry *ver = NULL, *inc = NULL, *defs = NULL, *rules = NULL;
  for (size_t i = 0; i < root->nflat; i++) {
    const yentry *e = &root->flat[i];
    if (strcmp(e->key, "version") == 0) ver = e;
    else if (strcmp(e->key, "include") == 0) inc = e;
    else if (strcmp(e->key, "defaults") == 0) defs = e;
    else if (strcmp(e->key, "rules") == 0) rules = e;
    /* x-*: a place for anchors; notifiers: jj_dispatcher_load_* reads it */
    else if (strncmp(e->key, "x-", 2) == 0 || strcmp(e->key, "notifiers") == 0) continue;
    else unknown_key(c, e, "the rule file", TOP_KEYS);
  }
  if (!ver && typo_for(root, "version", TOP_KEYS)) {
    /* reported as a typo */
  } else if (!ver) {
    ERR(c, root, "missing 'version: 1' at the top of the file");
  } else {
    uint32_t v = 0;
    if (get_uint(c, ver, 1000000, &v) == 0 && v != 1)
      ERR(c, ver->value, "unsupported version %u; this library reads version 1", v);
  }
  if (!rules && !inc && !typo_for(root, "rules", TOP_KEYS)) ERR(c, root, "missing 'rules:' (a list of rules)");
  ynode *dmap = NULL;
  if (defs) {
    if (want_map(c, defs->value, "'defaults'") == 0) {
      dmap = defs->value;
      /* Bad keys are reported here once and left out of the merge. */
      size_t keep = 0;
      for (size_t i = 0; i < dmap->nflat; i++) {
        const yentry *e = &dmap->flat[i];
        if (strcmp(e->key, "name") == 0)
          ERR(c, e->knode, "'defaults' cannot set 'name'; every rule needs its own");
        else if (!known(e->key, RULE_KEYS))
          unknown_key(c, e, "defaults", RULE_KEYS);
        else
          dmap->flat[keep++] = *e;
      }
      dmap->nflat = keep;
    }
  }
  if (inc) {
    ynode *v = inc->value;
    if (c->depth < MAX_INCLUDE_DEPTH) c->stack[c->depth] = idc;
    c->depth++;
    if (v->kind == JJ_YSEQ) {
      for (size_t i = 0; i < v->n && !stopped(c); i++) {
        const yentry it = {"include", inc->knode, v->items[i]};
        const char *s;
        if (get_str(c, &it, &s) == 0) do_include(L, v->items[i], filec, s);
      }
    } else {
      const char *s;
      if (get_str(c, inc, &s) == 0) do_include(L, v, filec, s);
    }
    c->depth--;
  }
  if (rules) {
    ynode *v = rules->value;
    if (v->kind != JJ_YSEQ && !jj__ynode_is_null(v)) {
      ERR(c, v, "'rules' must be a list (lines starting with '- '), not %s", jj__ynode_kind_name(v));
    } else if (v->kind == JJ_YSEQ) {
      for (size_t i = 0; i < v->n && !stopped(c); i++) add_rule_spec(L, v->items[i], dmap);
    }
  }
}

/* ---- the builder's checks, then adding -------------------------------- */

/* 1 when a builder call failed, reporting its message at node `at`
 * (running out of memory is reported once, by finish). */
static int builder_failed(ctx *c, jj_status st, const ynode *at, const jj_error *e) {
  if (st == JJ_OK) return 0;
  if (st == JJ_ENOMEM) c->tree.oom = 1;
  else add_error(c, st, at->file, at->line, at->col, "%s", e->message);
  return 1;
}

/* Add rule r's parts to b as rule `idx`: every builder error is reported
 * at its node. Returns the number of parts that failed. Parts that already
 * failed while walking are left out (their problem is reported). */
static int add_parts(ctx *c, jj_ruleset_builder *b, uint32_t idx, const rspec *r) {
  jj_error e;
  int bad = 0;
  for (size_t i = 0; i < r->nlevels; i++) {
    const lvl *l = &r->levels[i];
    if (!l->bad) bad += builder_failed(c, jj_ruleset_builder_add_level(b, idx, &l->lc, &e), l->at, &e);
  }
  for (size_t i = 0; i < r->nm; i++) {
    const mat *m = &r->m[i];
    bad += builder_failed(c, jj_ruleset_builder_add_matcher(b, idx, m->label, m->op, m->value, &e),
                          m->at, &e);
  }
  for (size_t i = 0; i < r->nlabels; i++) {
    const pair *p = &r->labels[i];
    bad += builder_failed(c, jj_ruleset_builder_add_label(b, idx, p->k, p->v, &e), p->at, &e);
  }
  for (size_t i = 0; i < r->nann; i++) {
    const pair *p = &r->ann[i];
    bad += builder_failed(c, jj_ruleset_builder_add_annotation(b, idx, p->k, p->v, &e), p->at, &e);
  }
  for (size_t i = 0; i < r->nnotify; i++) {
    const pair *p = &r->notify[i];
    bad += builder_failed(c, jj_ruleset_builder_add_notify(b, idx, p->k, &e), p->at, &e);
  }
  if (r->index) {
    bad += builder_failed(c, jj_ruleset_builder_set_index(b, idx, r->index, &e), r->index_at, &e);
  } else if (r->index_bands) { /* the rule's own table, validated while walking */
    jj_aqi_table *t = NULL;
    jj_status st = jj_aqi_table_new(r->index_name, r->index_decimals, r->index_bands,
                                    (uint32_t)r->nindex_bands, jj__ruleset_builder_allocator(b),
                                    &t, &e);
    if (st == JJ_OK) st = jj_ruleset_builder_set_index(b, idx, t, &e);
    jj_aqi_table_free(t);
    bad += builder_failed(c, st, r->index_at, &e);
  }
  return bad;
}

/* The builder's checks of one rule on the empty scratch builder `sb`, in
 * the same pass as the schema's: the name first (every message names the
 * rule), then the rule's settings unless they already failed, then each
 * level, matcher, label, annotation and notifier that walked cleanly
 * (under a stand-in rule when the settings failed), and the final build
 * only when nothing failed, so no check repeats a reported problem. */
static void check_rule(ctx *c, jj_ruleset_builder *sb, const rspec *r) {
  if (!r->rc.name) return; /* reported; and every builder message names the rule */
  jj_rule_config stand_in;
  jj_rule_config_init(&stand_in);
  stand_in.name = r->rc.name;
  stand_in.metric = "m";
  jj_error e;
  uint32_t idx = 0;
  if (builder_failed(c, jj_ruleset_builder_add_rule(sb, &stand_in, &idx, &e),
                     r->name_at ? r->name_at : r->at, &e))
    return;
  int bad = r->bad;
  if (!r->config_bad) {
    jj__ruleset_builder_truncate(sb, 0);
    if (builder_failed(c, jj_ruleset_builder_add_rule(sb, &r->rc, &idx, &e), r->at, &e)) {
      bad = 1;
      if (builder_failed(c, jj_ruleset_builder_add_rule(sb, &stand_in, &idx, &e), r->at, &e)) return;
    }
  }
  bad += add_parts(c, sb, idx, r);
  /* A rules group names other rules, which the scratch builder lacks: its
   * sources are checked by jj_ruleset_builder_build on the real one. */
  if (!bad && !jj__combines_rules(r->rc.group)) {
    jj_ruleset *rs = NULL;
    (void)builder_failed(c, jj_ruleset_builder_build(sb, &rs, &e), r->at, &e);
    jj_ruleset_free(rs);
  }
}

/* Add every rule to the caller's builder; on a clash with its rules, or
 * running out of memory, take this load's rules out again. */
static void add_all(loader *L, jj_ruleset_builder *b) {
  ctx *c = &L->c;
  uint32_t before = jj__ruleset_builder_count(b);
  for (size_t i = 0; i < L->nrules; i++) {
    const rspec *r = &L->rules[i];
    jj_error e;
    uint32_t idx = 0;
    if (builder_failed(c, jj_ruleset_builder_add_rule(b, &r->rc, &idx, &e), r->at, &e) ||
        add_parts(c, b, idx, r)) {
      jj__ruleset_builder_truncate(b, before);
      return;
    }
  }
}

static jj_status finish(loader *L, jj_ruleset_builder *b, jj_error *errs, size_t max_errs,
                        size_t *nerrs) {
  ctx *c = &L->c;
  if (c->tree.over_budget)
    add_error(c, JJ_EINVAL, c->nfiles ? c->files[0] : "", 1, 1,
              "the file is too large or its aliases expand too much (over %u entries to check)",
              JJ_YAML_MAX_WORK);
  if (!c->tree.oom && L->nrules) {
    jj_ruleset_builder *sb = NULL;
    if (jj_ruleset_builder_new(jj__ruleset_builder_allocator(b), &sb) != JJ_OK) c->tree.oom = 1;
    for (size_t i = 0; i < L->nrules && !c->tree.oom; i++) {
      check_rule(c, sb, &L->rules[i]);
      jj__ruleset_builder_truncate(sb, 0);
    }
    jj_ruleset_builder_free(sb);
  }
  if (!c->tree.oom && c->total == 0) add_all(L, b);
  sort_errors(c->kept, c->nkept);
  /* Out of memory comes first: nothing after it is trustworthy. */
  int oom = c->tree.oom;
  size_t n = 0;
  if (oom && errs && n < max_errs) {
    memset(&errs[n], 0, sizeof errs[n]);
    errs[n].code = JJ_ENOMEM;
    (void)snprintf(errs[n].message, sizeof errs[n].message, "out of memory while loading rules");
    n++;
  }
  for (size_t i = 0; errs && i < c->nkept && n < max_errs; i++) errs[n++] = c->kept[i].e;
  size_t total = c->total + (size_t)oom;
  if (nerrs) *nerrs = total;
  jj_status st = oom ? JJ_ENOMEM : c->nkept ? c->kept[0].e.code : total ? JJ_EINVAL : JJ_OK;
  jj__free(&c->tree.alc, c->kept);
  jj__free(&c->tree.alc, c->files);
  jj__free(&c->tree.alc, L->rules);
  jj__free(&c->tree.alc, L->ids);
  jj__ytree_free(&c->tree);
  return st;
}

/* A load that stops before reading any YAML: its one error. */
#if defined(__GNUC__)
__attribute__((format(printf, 6, 7)))
#endif
static jj_status load_refused(jj_error *errs, size_t max_errs, size_t *nerrs, jj_status code,
                              const char *file, const char *fmt, ...) {
  if (errs && max_errs) {
    memset(errs, 0, sizeof *errs);
    errs[0].code = code;
    (void)snprintf(errs[0].file, sizeof errs[0].file, "%s", file);
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(errs[0].message, sizeof errs[0].message, fmt, ap);
    va_end(ap);
  }
  if (nerrs) *nerrs = 1;
  return code;
}

static void loader_init(loader *L, jj_ruleset_builder *b) {
  memset(L, 0, sizeof *L);
  jj__ytree_init(&L->c.tree, jj__ruleset_builder_allocator(b), tree_error, &L->c);
  L->c.tree.doc = "a rule file";
  L->c.tree.block_hint = "quote conditions, e.g. issue: \">= 75\"";
}

jj_status jj_rules_load_string(jj_ruleset_builder *b, const char *yaml, size_t len,
                               const char *name, jj_error *errs, size_t max_errs, size_t *nerrs) {
  if (!b || (!yaml && len))
    return load_refused(errs, max_errs, nerrs, JJ_EINVAL, "", "builder and text are required");
  loader L;
  loader_init(&L, b);
  const char *file = name ? name : "<string>";
  const char *real = name ? real_path(&L.c, name) : NULL;
  if (!L.c.tree.oom) load_text(&L, file, real ? real : file, yaml ? yaml : "", len);
  return finish(&L, b, errs, max_errs, nerrs);
}

jj_status jj_rules_load_file(jj_ruleset_builder *b, const char *path, jj_error *errs,
                             size_t max_errs, size_t *nerrs) {
  if (!b || !path)
    return load_refused(errs, max_errs, nerrs, JJ_EINVAL, "", "builder and path are required");
  loader L;
  loader_init(&L, b);
  char why[128] = "";
  size_t len = 0;
  char *buf = read_file(&L.c, path, &len, why, sizeof why);
  if (!buf) {
    jj_status st = L.c.tree.oom ? JJ_ENOMEM : JJ_ENOTFOUND;
    jj__ytree_free(&L.c.tree);
    return load_refused(errs, max_errs, nerrs, st, path, "cannot read rule file: %s", why);
  }
  const char *real = real_path(&L.c, path);
  if (!L.c.tree.oom) load_text(&L, path, real ? real : path, buf, len);
  return finish(&L, b, errs, max_errs, nerrs);
}
