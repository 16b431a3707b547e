/* Group rules: one alert judged on many series that share group_by label
 * values (the stations of a zone, the sensors of a robot).
 *
 *  - Sliding windows: every time a member is judged, the group value is
 *    recomputed from the members' latest values (mean, max, min, or the
 *    number of members agreeing within group_within_ms for k-of-n).
 *  - TUMBLING windows: members report closed windows; the group collects
 *    the window ending at the same boundary from each member and judges it
 *    once every fresh member has reported it (with data, or as part of a
 *    run of empty windows), or once its wait (group_wait_ms, 0 = the span)
 *    after the boundary is over: by the clock (jj_engine_advance), or when
 *    a member reports a later window after that time. Later windows that
 *    members report while an earlier one still waits are held and judged
 *    in order (one reading can close several hopping windows, and a member
 *    may lag behind the others). A window every member reported empty is
 *    judged as missing (it breaks persistence runs). A member's result for
 *    a window already judged is counted in group_late and dropped.
 *
 * Stale members (stale_after_ms) are left out; when every member is stale
 * the group applies the rule's on_missing policy. */
#include <math.h>
#include <string.h>

#include "engine_internal.h"
#include "footprint.h"
#include "group.h"
#include "index.h"
#include "strutil.h"

#define MAX_GROUP_LABELS 64u
#define MAX_HELD 64u /* later windows held per TUMBLING group */

typedef struct jj_held_set held_set; /* group.h */

static int64_t hop_of(const jj_rule *r) {
  return r->cfg.window.hop_ms ? r->cfg.window.hop_ms : r->cfg.window.span_ms;
}

/* How long after its end a window waits for members that have not
 * reported it. */
static int64_t wait_of(const jj_rule *r) {
  return r->cfg.group_wait_ms ? r->cfg.group_wait_ms : r->cfg.window.span_ms;
}

/* Windows that can end before an earlier one's wait is over: only these
 * are held (a report beyond them judges the current window early). */
static uint32_t held_cap(const jj_rule *r) {
  if (jj__combines_rules(r->cfg.group) || r->cfg.window.kind != JJ_WINDOW_TUMBLING) return 0;
  int64_t hop = hop_of(r), wait = wait_of(r);
  if (hop <= 0) return 0;
  int64_t k = wait / hop + (wait % hop != 0) - 1;
  return k <= 0 ? 0 : k > (int64_t)MAX_HELD ? MAX_HELD : (uint32_t)k;
}

/* One member's valid value. */
static void sums_add(jj_win_sums *w, double v) {
  w->nvalid++;
  w->sum += v;
  if (v > w->max) w->max = v;
  if (v < w->min) w->min = v;
}

static void sums_clear(jj_win_sums *w) {
  w->nvalid = w->agree = 0;
  w->sum = 0.0;
  w->max = -INFINITY;
  w->min = INFINITY;
}

/* ---- finding and creating groups ----------------------------------------- */

static uint64_t group_hash(uint32_t ri, const jj_rule *r, const char *const *values) {
  uint64_t h = jj__fnv1a(JJ_FNV_OFFSET, (const char *)&ri, sizeof ri);
  for (uint32_t i = 0; i < r->ngroup_labels; i++) h = jj__fnv1a_str(h, values[i]);
  return h;
}

/* The group index's jj_index_hash_fn (ctx: the engine). */
static uint64_t group_hash_at(const void *ctx, uint32_t id) {
  const jj_group *g = ((const jj_engine *)ctx)->groups[id];
  const char *values[MAX_GROUP_LABELS];
  /* A group has one label per group_by name (group_alloc). */
  for (uint32_t i = 0; i < g->rule->ngroup_labels && i < MAX_GROUP_LABELS; i++)
    values[i] = g->labels[i].value;
  return group_hash(g->rule_index, g->rule, values);
}

static int group_equal(const jj_group *g, uint32_t ri, const char *const *values, uint32_t n) {
  if (g->rule_index != ri || g->nlabels != n) return 0;
  for (uint32_t i = 0; i < n; i++)
    if (strcmp(g->labels[i].value, values[i]) != 0) return 0;
  return 1;
}

size_t jj__group_bytes(const jj_rule *r, const char *const *values) {
  size_t bytes = sizeof(jj_group) + sizeof(held_set) + held_cap(r) * sizeof(jj_win_sums) +
                 jj__alert_store_bytes(r, r->cfg.flap_changes > 0) +
                 r->ngroup_labels * sizeof(jj_label);
  for (uint32_t i = 0; i < r->ngroup_labels; i++) bytes += strlen(values[i]) + 1;
  return bytes;
}

static jj_group *group_alloc(jj_engine *e, uint32_t ri, const jj_rule *r,
                             const char *const *values) {
  uint32_t n = r->ngroup_labels;
  uint32_t cap = held_cap(r);
  size_t held_bytes = sizeof(held_set) + cap * sizeof(jj_win_sums); /* a multiple of 8 */
  /* The alert's store (flap history, cold part, streaks) after the held
   * windows. */
  size_t store_bytes = jj__alert_store_bytes(r, r->cfg.flap_changes > 0);
  jj_group *g = jj__calloc(&e->alc, jj__group_bytes(r, values));
  if (!g) return NULL;
  held_set *h = (held_set *)(void *)(g + 1);
  g->held = h;
  h->cap = cap;
  for (uint32_t i = 0; i < cap; i++) sums_clear(&h->w[i]);
  char *store = (char *)h + held_bytes;
  g->labels = (jj_label *)(void *)(store + store_bytes);
  char *p = (char *)(g->labels + n);
  for (uint32_t i = 0; i < n; i++) {
    size_t len = strlen(values[i]) + 1;
    memcpy(p, values[i], len);
    g->labels[i].name = r->group_labels[i]; /* sorted, owned by the ruleset */
    g->labels[i].value = p;
    p += len;
  }
  g->nlabels = n;
  g->rule = r;
  g->rule_index = ri;
  g->last_judged_end = INT64_MIN;
  g->win_start = g->win_end = INT64_MIN; /* no window judged yet */
  for (uint32_t k = 0; k < JJ_MAX_SOURCES; k++) g->src_last[k] = INT64_MIN;
  for (uint32_t k = 0; k < JJ_MAX_SOURCES; k++) g->src_value[k] = NAN; /* JJ_GROUP_CAI */
  jj__alert_init(&g->alert, store, r, r->cfg.flap_changes > 0);
  return g;
}

static jj_status add_member(jj_engine *e, jj_group *g, jj_series *s, jj_inst *inst) {
  jj__group_touch(e, g); /* one more member to wait for (or to count) */
  if (g->nmembers == g->members_cap) {
    uint32_t ncap = g->members_cap ? g->members_cap * 2 : 8;
    jj_inst **m = jj__realloc(&e->alc, g->members, g->members_cap * sizeof *m, ncap * sizeof *m);
    if (!m) return JJ_ENOMEM;
    g->members = m;
    jj_series **ms = jj__realloc(&e->alc, g->member_series, g->members_cap * sizeof *ms,
                                 ncap * sizeof *ms);
    if (!ms) return JJ_ENOMEM;
    g->member_series = ms;
    g->members_cap = ncap;
  }
  g->members[g->nmembers] = inst;
  g->member_series[g->nmembers] = s;
  g->nmembers++;
  jj__inst_more(inst)->group = g; /* a group rule's instance has one */
  jj__inst_more(inst)->member_reported_end = INT64_MIN;
  return JJ_OK;
}

/* The group of rule `ri` for series `s` (NULL values: s lacks a group_by
 * label), created on first use. */
static jj_status group_get(jj_engine *e, uint32_t ri, const jj_series *s, jj_group **out) {
  const jj_rule *r = &e->rs->rules[ri];
  const char *values[MAX_GROUP_LABELS];
  *out = NULL;
  if (r->ngroup_labels > MAX_GROUP_LABELS) return JJ_ELIMIT;
  for (uint32_t i = 0; i < r->ngroup_labels; i++) {
    values[i] = jj__series_label(s, r->group_labels[i]);
    if (!values[i]) return JJ_ENOTFOUND;
  }
  return jj__group_make(e, ri, values, out);
}

jj_status jj__group_make(jj_engine *e, uint32_t ri, const char *const *values, jj_group **out) {
  const jj_rule *r = &e->rs->rules[ri];
  *out = NULL;
  if (r->ngroup_labels > MAX_GROUP_LABELS) return JJ_ELIMIT;
  uint64_t h = group_hash(ri, r, values);
  jj_index *ix = &e->group_index;
  jj_index_probe p = jj__index_probe(ix, h);
  for (uint32_t id; jj__index_next(ix, &p, &id);) {
    jj_group *g = e->groups[id];
    if (group_equal(g, ri, values, r->ngroup_labels)) {
      *out = g;
      return JJ_OK;
    }
  }
  if (e->groups_per_rule[ri] >= e->cfg.max_groups) return JJ_ELIMIT; /* counted by the caller */
  if (jj__group_due_reserve(e, e->ngroups + 1)) return JJ_ENOMEM;
  if (jj__grow(&e->alc, &e->groups, &e->groups_cap, e->ngroups, sizeof *e->groups, 16))
    return JJ_ENOMEM;
  if (jj__index_reserve(ix, &e->alc, group_hash_at, e)) return JJ_ENOMEM;
  jj_group *g = group_alloc(e, ri, r, values);
  if (!g) return JJ_ENOMEM;
  uint32_t id = e->ngroups++;
  e->groups[id] = g;
  g->id = id;
  jj__group_due_created(e, g);
  jj__index_insert(ix, h, id);
  e->groups_per_rule[ri]++;
  e->st.groups++;
  *out = g;
  return JJ_OK;
}

static void group_forget(jj_engine *e, jj_group *g);

jj_status jj__group_join(jj_engine *e, uint32_t ri, jj_series *s, jj_inst *inst) {
  jj_group *g;
  jj_status st = group_get(e, ri, s, &g);
  if (st == JJ_ENOTFOUND) return JJ_EINVAL; /* jj__rule_matches rules this out */
  if (st != JJ_OK) return st;
  st = add_member(e, g, s, inst);
  /* A group made for this member alone goes again (fresh: no events). */
  if (st != JJ_OK && g->nmembers == 0 && g->nfeeders == 0) group_forget(e, g);
  return st;
}

jj_status jj__group_feed(jj_engine *e, jj_series *s, jj_inst *inst) {
  const jj_rule *r = inst->rule;
  for (uint32_t k = 0; k < r->nfeeds; k++) {
    jj_status st = group_get(e, r->feeds[k], s, &jj__inst_more(inst)->feed[k]); /* a feeder has one */
    if (st == JJ_ENOTFOUND) continue; /* the series lacks the group's labels */
    if (st != JJ_OK) return st;
    jj__inst_more(inst)->feed[k]->nfeeders++;
  }
  return JJ_OK;
}

/* ---- forgetting ------------------------------------------------------------ */

/* The group has no member and no feeder left: end its episodes, take it
 * out of the table, and free it once no queued event points at it. */
static void group_forget(jj_engine *e, jj_group *g) {
  jj_transition t[2];
  int n = jj__alert_forget(&g->alert, e->now, t);
  for (int i = 0; i < n; i++) jj__emit_group(e, g, &t[i], INT64_MIN, NAN);
  jj__index_remove(&e->group_index, group_hash_at(e, g->id), g->id, group_hash_at, e);
  e->groups[g->id] = NULL;
  jj__group_due_forgotten(e, g->id);
  e->groups_per_rule[g->rule_index]--;
  e->st.groups--;
  g->forgotten = 1;
  if (!g->queued) jj__group_free(e, g);
}

static void remove_member(jj_group *g, const jj_inst *inst) {
  for (uint32_t i = 0; i < g->nmembers; i++) {
    if (g->members[i] != inst) continue;
    g->nmembers--;
    g->members[i] = g->members[g->nmembers];
    g->member_series[i] = g->member_series[g->nmembers];
    return;
  }
}

void jj__group_leave(jj_engine *e, jj_series *s, int quiet) {
  for (uint32_t i = 0; i < s->ninst; i++) {
    jj_inst *in = &jj__series_inst(s)[i];
    if (!jj__inst_more(in)) continue; /* neither member nor feeder */
    jj_group *g = jj__inst_more(in)->group;
    if (g) {
      jj__group_touch(e, g); /* one member fewer to wait for */
      remove_member(g, in);
      jj__inst_more(in)->group = NULL;
      if (g->cause == s) g->cause = NULL;
      /* Also when undoing a failed join: a group made for this series
       * alone must not stay behind without members (it has no episode,
       * so forgetting it emits nothing). */
      if (g->nmembers == 0 && g->nfeeders == 0) group_forget(e, g);
      continue;
    }
    /* A firing feeder stops counting for its rules groups, as if resolved. */
    if (!quiet && in->alert.level > 0 && in->rule->nfeeds)
      jj__group_source_changed(e, s, in, in->alert.level, 0, INT64_MIN, NAN);
    for (uint32_t k = 0; k < JJ_MAX_FEEDS; k++) {
      jj_group *f = jj__inst_more(in)->feed[k];
      if (!f) continue;
      jj__group_touch(e, f);
      jj__inst_more(in)->feed[k] = NULL;
      f->nfeeders--;
      /* A forgotten series' evidence still counts for the span, but its
       * address may be reused by a new series. */
      for (uint32_t v = 0; v < f->nev; v++)
        if (f->ev[v].s == s) f->ev[v].s = NULL;
      if (f->cause == s) f->cause = NULL;
      if (f->nfeeders == 0 && f->nmembers == 0) group_forget(e, f);
    }
  }
}

void jj__group_free(jj_engine *e, jj_group *g) {
  if (!g) return;
  jj__free(&e->alc, g->members);
  jj__free(&e->alc, g->member_series);
  jj__free(&e->alc, g);
}

/* ---- judging ------------------------------------------------------------- */

static void judge(jj_engine *e, jj_group *g, double value, int valid, int fresh,
                  int64_t sample_ts, double sample_value) {
  jj_transition t;
  if (g->rule->index) { /* the index of the group's value (aqi_rule.c) */
    g->index_conc = value;
    value = jj__rule_index_value(g->rule, value, &valid);
  }
  if (jj__alert_eval(&g->alert, g->rule, value, valid, fresh, e->now, &t, &e->st.events_muted))
    jj__emit_group(e, g, &t, sample_ts, sample_value);
}

/* A member reported: the group has data again. */
void jj__group_freshen(jj_engine *e, jj_group *g, int64_t sample_ts, double sample_value) {
  jj_transition t;
  jj__group_touch(e, g);
  if (jj__alert_unstale(&g->alert, e->now, &t))
    jj__emit_group(e, g, &t, sample_ts, sample_value);
}

static uint32_t fresh_members(const jj_group *g) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < g->nmembers; i++) n += !jj__inst_stale(g->members[i]);
  return n;
}

/* 1 when every fresh member has reported the open bucket's window. Each
 * member's own progress is tracked (not a count per bucket), because one
 * reading can close several windows of a member at once (its last window
 * with data, then a run of empty ones after a silence) and those must not
 * be taken as news about the bucket. */
static int all_reported(const jj_group *g) {
  for (uint32_t i = 0; i < g->nmembers; i++) {
    const jj_inst *m = g->members[i];
    if (!jj__inst_stale(m) && jj__inst_more(m)->member_reported_end < g->bucket_end) return 0;
  }
  return 1;
}

static void open_bucket(jj_group *g, int64_t end) {
  g->has_bucket = 1;
  g->bucket_end = end;
  sums_clear(&g->bucket);
}

/* The group's value from its members' values. */
static double group_value(const jj_rule *r, const jj_win_sums *w) {
  switch (r->cfg.group) {
    case JJ_GROUP_AVG: return w->nvalid ? w->sum / w->nvalid : NAN;
    case JJ_GROUP_MAX: return w->max;
    case JJ_GROUP_MIN: return w->min;
    case JJ_GROUP_K_OF_N: return (double)w->agree;
    case JJ_GROUP_RULES:
    case JJ_GROUP_CAI:
    case JJ_GROUP_NONE: break;
  }
  return NAN;
}

/* Count one member's window into `w`. */
static void tally(const jj_rule *r, jj_win_sums *w, const jj_window_stats *ws) {
  if (!ws->complete) return;
  double v = ws->value[r->cfg.aggregate] * r->cfg.scale;
  sums_add(w, v);
  if (r->cfg.group == JJ_GROUP_K_OF_N && jj__cmp_holds(r->cfg.member_op, v, r->cfg.member_value))
    w->agree++;
}

void jj__group_eval_sliding(jj_engine *e, jj_group *g, int fresh, jj_series *cause,
                            int64_t sample_ts, double sample_value) {
  const jj_rule *r = g->rule;
  if (cause) { /* a member's reading (on advance, jj__groups_advance calls) */
    jj__group_freshen(e, g, sample_ts, sample_value);
    g->cause = cause;
    g->cause_ts = sample_ts;
    g->cause_value = sample_value;
  }
  jj_win_sums w;
  sums_clear(&w);
  for (uint32_t i = 0; i < g->nmembers; i++) {
    const jj_inst *m = g->members[i];
    if (jj__inst_stale(m)) continue;
    if (r->cfg.group == JJ_GROUP_K_OF_N) {
      w.nvalid++;
      if (jj__inst_more(m)->member_agree_ts != INT64_MIN &&
          jj__inst_more(m)->member_agree_ts >= e->now - r->cfg.group_within_ms)
        w.agree++;
    } else if (jj__inst_more(m)->member_valid) {
      sums_add(&w, jj__inst_more(m)->member_value);
    }
  }
  g->win_end = e->now;
  g->win_start = e->now - (r->cfg.window.kind == JJ_WINDOW_SLIDING_TIME ? r->cfg.window.span_ms : 0);
  const double value = group_value(r, &w);
  /* K_OF_N: agreement expires with time (group_within_ms), so a count that
   * time alone changed is a new evaluation: the group resolves (or
   * escalates) on jj_engine_advance even when every member is silent. */
  if (!fresh && r->cfg.group == JJ_GROUP_K_OF_N && !(value == g->alert.value)) fresh = 1;
  judge(e, g, value, w.nvalid >= r->cfg.group_min_members, fresh, sample_ts, sample_value);
}

/* Judge the collected TUMBLING window. */
static void finalize(jj_engine *e, jj_group *g, int64_t sample_ts, double sample_value) {
  const jj_rule *r = g->rule;
  const uint32_t n = g->bucket.nvalid;
  const double value = group_value(r, &g->bucket);
  g->win_end = g->bucket_end;
  g->win_start = g->bucket_end - r->cfg.window.span_ms;
  g->last_judged_end = g->bucket_end;
  g->has_bucket = 0;
  judge(e, g, value, n >= r->cfg.group_min_members && n > 0, 1, sample_ts, sample_value);
  /* The next window in order becomes the current one if anything later is
   * held (empty if no member had data for it: judged as missing). */
  held_set *h = g->held;
  if (h->used) {
    g->has_bucket = 1;
    g->bucket_end = g->last_judged_end + hop_of(r);
    g->bucket = h->w[0];
    memmove(&h->w[0], &h->w[1], (h->cap - 1) * sizeof h->w[0]);
    sums_clear(&h->w[h->cap - 1]);
    h->used--;
  }
}

/* Judge the current window, then the held ones in order, while every
 * fresh member has reported them or (by_clock) their wait is over. Member
 * reports do not judge on time alone: one advance() closes the members'
 * windows one after another, and all of them must count. */
static void settle(jj_engine *e, jj_group *g, int by_clock, int64_t sample_ts,
                   double sample_value) {
  while (g->has_bucket &&
         (all_reported(g) || (by_clock && e->now - g->bucket_end >= wait_of(g->rule))))
    finalize(e, g, sample_ts, sample_value);
}

void jj__group_window(jj_engine *e, jj_inst *inst, jj_series *s, const jj_window_stats *ws,
                      int64_t sample_ts, double sample_value) {
  jj_group *g = jj__inst_more(inst)->group;
  const jj_rule *r = g->rule;
  jj__group_touch(e, g);
  int64_t first_end = ws->start_ms + r->cfg.window.span_ms;
  int64_t last_end = ws->end_ms;
  if (sample_ts != INT64_MIN) jj__group_freshen(e, g, sample_ts, sample_value);
  if (last_end > jj__inst_more(inst)->member_reported_end) jj__inst_more(inst)->member_reported_end = last_end;

  if (ws->count == 0) {
    /* Empty window(s) [first_end .. last_end]: the member had nothing for
     * them. That alone does not close the open bucket (the others may
     * still report it: a silent member's next reading closes its last
     * window with data and the empty ones in one go). With no bucket open,
     * open the next window to judge if the run covers it, so an hour with
     * no data anywhere is judged as missing instead of skipped. */
    if (!g->has_bucket) {
      int64_t next = g->last_judged_end == INT64_MIN ? first_end : g->last_judged_end + hop_of(r);
      if (next < first_end) next = first_end;
      if (next <= last_end) open_bucket(g, next);
    }
  } else {
    int64_t b = ws->end_ms;
    const int64_t hop = hop_of(r);
    held_set *h = g->held;
    /* A member has moved past the collected window with data. The time is
     * at least b, so a collected window whose wait is over is judged with
     * what came; one still waiting keeps waiting and the member's window
     * is held, unless it lies beyond the held slots. */
    while (g->has_bucket && b > g->bucket_end &&
           (e->now - g->bucket_end >= wait_of(r) || (b - g->bucket_end) / hop > (int64_t)h->cap))
      finalize(e, g, sample_ts, sample_value);
    if (!g->has_bucket) {
      if (b <= g->last_judged_end) {
        e->st.group_late++;
        return;
      }
      open_bucket(g, b);
    }
    if (b == g->bucket_end) {
      tally(r, &g->bucket, ws);
    } else if (b > g->bucket_end && (b - g->bucket_end) % hop == 0) {
      uint32_t i = (uint32_t)((b - g->bucket_end) / hop - 1);
      tally(r, &h->w[i], ws);
      if (h->used < i + 1) h->used = i + 1;
    } else {
      e->st.group_late++;
      return;
    }
    g->cause = s;
    g->cause_ts = sample_ts;
    g->cause_value = sample_value;
  }
  settle(e, g, 0, sample_ts, sample_value);
}

/* JJ_DISTINCT_SERIES: one source series counts when a source rule fires
 * on it now or stopped within the span. */
static int evidence_counts(const jj_engine *e, const jj_rule *r, const struct jj_evidence *v) {
  return v->firing > 0 || e->now - v->last <= r->cfg.group_within_ms;
}

/* JJ_DISTINCT_SERIES: series s changed (a source rule on it started or
 * stopped firing). Its slot, or a slot that no longer counts. */
static void evidence_note(jj_engine *e, jj_group *g, const jj_series *s, int firing) {
  struct jj_evidence *v = NULL;
  for (uint32_t k = 0; k < g->nev && !v; k++)
    if (g->ev[k].s == s) v = &g->ev[k];
  for (uint32_t k = 0; k < g->nev && !v; k++)
    if (!evidence_counts(e, g->rule, &g->ev[k])) v = &g->ev[k];
  if (!v && g->nev < JJ_MAX_EVIDENCE) v = &g->ev[g->nev++];
  if (!v) return; /* JJ_MAX_EVIDENCE series already count */
  if (v->s != s) {
    v->s = s;
    v->firing = 0;
  }
  if (firing)
    v->firing++;
  else if (v->firing > 0)
    v->firing--;
  v->last = e->now;
}

/* JJ_GROUP_RULES: count the sources firing now or within the span (per
 * rule, or per series with JJ_DISTINCT_SERIES). */
static void rules_eval(jj_engine *e, jj_group *g, int64_t sample_ts, double sample_value) {
  const jj_rule *r = g->rule;
  uint32_t agree = 0;
  if (r->cfg.group_distinct == JJ_DISTINCT_SERIES) {
    for (uint32_t k = 0; k < g->nev; k++)
      agree += evidence_counts(e, r, &g->ev[k]);
  } else {
    for (uint32_t k = 0; k < r->nsrc; k++)
      agree += g->src_firing[k] > 0 ||
               (g->src_last[k] != INT64_MIN && e->now - g->src_last[k] <= r->cfg.group_within_ms);
  }
  g->win_end = e->now;
  g->win_start = e->now - r->cfg.group_within_ms;
  /* Every evaluation counts: there is no window to close. */
  judge(e, g, (double)agree, 1, 1, sample_ts, sample_value);
}

void jj__group_source_changed(jj_engine *e, jj_series *s, const jj_inst *in, int old_level,
                              int new_level, int64_t sample_ts, double sample_value) {
  if ((old_level > 0) == (new_level > 0) || !jj__inst_more(in)) return;
  for (uint32_t f = 0; f < JJ_MAX_FEEDS; f++) {
    jj_group *g = jj__inst_more(in)->feed[f];
    if (!g || g->rule->cfg.group != JJ_GROUP_RULES) continue;
    const jj_rule *r = g->rule;
    jj__group_touch(e, g);
    for (uint32_t k = 0; k < r->nsrc; k++) {
      if (r->src[k] != jj__inst_rule_index(e->rs, in)) continue;
      if (new_level > 0)
        g->src_firing[k]++;
      else if (g->src_firing[k] > 0)
        g->src_firing[k]--;
      g->src_last[k] = e->now;
    }
    if (r->cfg.group_distinct == JJ_DISTINCT_SERIES) evidence_note(e, g, s, new_level > 0);
    g->cause = s;
    rules_eval(e, g, sample_ts, sample_value);
  }
}

/* JJ_GROUP_CAI: judge the overall CAI of the sources' latest sub-indices
 * for the window ending at `end` (0 for sliding sources). */
static void cai_judge(jj_engine *e, jj_group *g, int64_t end, int64_t sample_ts,
                      double sample_value) {
  double v = NAN;
#ifdef JJ_NO_AQI
  int ok = 0; /* never reached: CAI groups are refused in this build (feature_check.c) */
#else
  int ok = jj_cai_overall(g->src_value, g->rule->nsrc, &v) == JJ_OK;
#endif
  g->last_judged_end = end;
  judge(e, g, v, ok, 1, sample_ts, sample_value);
}

void jj__group_source_value(jj_engine *e, jj_series *s, const jj_inst *in, double value,
                            int valid, int64_t sample_ts, double sample_value) {
  const int tumbling = in->rule->cfg.window.kind == JJ_WINDOW_TUMBLING;
  if (!jj__inst_more(in)) return; /* not a feeder */
  const int64_t end = tumbling ? jj__inst_more(in)->win_end : 0;
  for (uint32_t f = 0; f < JJ_MAX_FEEDS; f++) {
    jj_group *g = jj__inst_more(in)->feed[f];
    if (!g || g->rule->cfg.group != JJ_GROUP_CAI) continue;
    const jj_rule *r = g->rule;
    jj__group_touch(e, g);
    g->cause = s;
    /* Hourly sources close the same hour one after another: the hour is
     * judged once every source with a value has reported it, or when a
     * source reports a later one (a source late or missing that hour). */
    if (tumbling && g->has_bucket && end > g->bucket_end && g->last_judged_end != g->bucket_end)
      cai_judge(e, g, g->bucket_end, sample_ts, sample_value);
    if (tumbling && (!g->has_bucket || end > g->bucket_end)) {
      g->has_bucket = 1;
      g->bucket_end = end;
      g->win_start = jj__inst_more(in)->win_start;
      g->win_end = end;
    } else if (!tumbling) {
      g->win_start = g->win_end = e->now;
    }
    int all = 1;
    for (uint32_t k = 0; k < r->nsrc; k++) {
      if (r->src[k] == jj__inst_rule_index(e->rs, in)) {
        g->src_value[k] = valid ? value : NAN;
        g->src_end[k] = end;
      }
      if (!isnan(g->src_value[k]) && g->src_end[k] < end) all = 0;
    }
    if (!tumbling || (all && end == g->bucket_end)) cai_judge(e, g, end, sample_ts, sample_value);
  }
}

void jj__group_advance(jj_engine *e, jj_group *g) {
  const jj_rule *r = g->rule;
  jj_transition t;
  if (r->cfg.group == JJ_GROUP_CAI) { /* judged by its sources; time only ticks */
    if (jj__alert_tick(&g->alert, r, e->now, &t)) jj__emit_group(e, g, &t, INT64_MIN, NAN);
    return;
  }
  if (r->cfg.group == JJ_GROUP_RULES) {
    rules_eval(e, g, INT64_MIN, NAN);
    if (jj__alert_tick(&g->alert, r, e->now, &t))
      jj__emit_group(e, g, &t, INT64_MIN, NAN);
    return;
  }
  if (g->nmembers && fresh_members(g) == 0) {
    if (jj__alert_stale(&g->alert, r, e->now, &t, &e->st.events_muted))
      jj__emit_group(e, g, &t, INT64_MIN, NAN);
  }
  if (r->cfg.window.kind == JJ_WINDOW_TUMBLING) {
    settle(e, g, 1, INT64_MIN, NAN);
  } else if (!g->alert.stale) {
    jj__group_eval_sliding(e, g, 0, NULL, INT64_MIN, NAN);
  }
  if (jj__alert_tick(&g->alert, r, e->now, &t))
    jj__emit_group(e, g, &t, INT64_MIN, NAN);
}

/* ---- when jj__group_advance changes anything (group_deadline.h) ---------- */

static int64_t add_sat(int64_t t, int64_t d) { /* d >= 0 */
  return t > INT64_MAX - d ? INT64_MAX : t + d;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* A sliding member group re-judges its members' values on every advance
 * while it is not stale (jj__group_advance); a rules group counts its
 * evidence on every advance. */
static int judges_every_advance(const jj_group *g) {
  const jj_rule *r = g->rule;
  if (r->cfg.group == JJ_GROUP_RULES) return 1;
  if (r->cfg.group == JJ_GROUP_CAI || r->cfg.window.kind == JJ_WINDOW_TUMBLING) return 0;
  return !g->alert.stale;
}

void jj__group_skipped(jj_group *g, int64_t at) {
  if (!judges_every_advance(g)) return;
  const jj_rule *r = g->rule;
  /* The bounds rules_eval and jj__group_eval_sliding set; the rest of the
   * re-judging changed nothing (jj__group_next_due). */
  g->win_end = at;
  if (r->cfg.group == JJ_GROUP_RULES)
    g->win_start = at - r->cfg.group_within_ms;
  else
    g->win_start = at - (r->cfg.window.kind == JJ_WINDOW_SLIDING_TIME ? r->cfg.window.span_ms : 0);
}

/* Once re-judged on advance, a group's next re-judging by time alone (a
 * touch from a member or source comes first otherwise). With its members,
 * sources and alert unchanged, an advance before this time gives it the
 * same value, so the alert stays as it is:
 *  - repeats and the end of flapping (jj__alert_tick) are fixed times;
 *  - an alert not at rest (firing or building up) may complete duration
 *    persistence, or count a fresh evaluation (rules groups), at any
 *    advance: due at each one;
 *  - TUMBLING member groups: the open window's wait ends at bucket_end +
 *    wait (whether every fresh member reported it changes only with a
 *    touch);
 *  - sliding k-of-n groups: a member's agreement expires group_within_ms
 *    after it was dated (avg/max/min values change only with a touch);
 *  - rules groups: a source's (or series') evidence expires group_within
 *    after its last change;
 *  - a stale sliding group is not re-judged; CAI groups only tick. */
int64_t jj__group_next_due(const jj_engine *e, const jj_group *g) {
  const jj_rule *r = g->rule;
  const jj_alert *a = &g->alert;
  int64_t due = INT64_MAX;
  if (a->flapping)
    due = add_sat(jj__alert_last_transition(a), r->cfg.flap_window_ms);
  else if (a->level > 0 && r->cfg.repeat_interval_ms > 0)
    due = add_sat(jj__alert_last_notify(a), r->cfg.repeat_interval_ms);
  if (r->cfg.group == JJ_GROUP_CAI) return due;
  if (r->cfg.window.kind == JJ_WINDOW_TUMBLING && r->cfg.group != JJ_GROUP_RULES)
    return g->has_bucket ? min64(due, add_sat(g->bucket_end, wait_of(r))) : due;
  if (!judges_every_advance(g)) return due;
  if (!jj__alert_at_rest(a)) return INT64_MIN;
  /* At rest: the count goes down when evidence expires (now > last +
   * within); nothing else changes it without a touch. */
  const int64_t within = r->cfg.group_within_ms;
  if (r->cfg.group == JJ_GROUP_K_OF_N) {
    for (uint32_t i = 0; i < g->nmembers; i++) {
      const jj_inst *m = g->members[i];
      if (jj__inst_stale(m) || jj__inst_more(m)->member_agree_ts == INT64_MIN ||
          jj__inst_more(m)->member_agree_ts < e->now - within)
        continue;
      due = min64(due, add_sat(add_sat(jj__inst_more(m)->member_agree_ts, within), 1));
    }
  } else if (r->cfg.group == JJ_GROUP_RULES && r->cfg.group_distinct == JJ_DISTINCT_SERIES) {
    for (uint32_t k = 0; k < g->nev; k++)
      if (!g->ev[k].firing && e->now - g->ev[k].last <= within)
        due = min64(due, add_sat(add_sat(g->ev[k].last, within), 1));
  } else if (r->cfg.group == JJ_GROUP_RULES) {
    for (uint32_t k = 0; k < r->nsrc; k++)
      if (!g->src_firing[k] && g->src_last[k] != INT64_MIN && e->now - g->src_last[k] <= within)
        due = min64(due, add_sat(add_sat(g->src_last[k], within), 1));
  }
  return due;
}
