/* The engine: sample intake, time, life cycle and judging per-series
 * alerts (see include/jjair/engine.h). Series identity and layout live in
 * series.c, group rules in group.c, event delivery in event_queue.c. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "footprint.h"
#include "ksum.h" /* JJ_HOT_INLINE */
#include "retired.h"
#include "sample.h"
#include "window_fast.h"

/* ---- configuration ---------------------------------------------------- */

void jj_engine_config_init(jj_engine_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->max_series = 65536;
  cfg->max_labels = 16;
  cfg->max_groups = 4096;
  cfg->event_queue = 1024;
  cfg->max_future_ms = 300000;
}

/* Zero fields of a caller's config take the defaults of jj_engine_config_init. */
static void fill_defaults(jj_engine_config *c) {
  jj_engine_config d;
  jj_engine_config_init(&d);
  if (!c->max_series) c->max_series = d.max_series;
  if (!c->max_labels) c->max_labels = d.max_labels;
  if (!c->max_groups) c->max_groups = d.max_groups;
  if (!c->event_queue) c->event_queue = d.event_queue;
  if (!c->max_future_ms) c->max_future_ms = d.max_future_ms;
}

void jj__engine_fill_defaults(jj_engine_config *c) { fill_defaults(c); }

uint32_t jj__series_array_first(const jj_engine_config *c) {
  return c->max_series < 64 ? c->max_series : 64;
}

uint64_t jj__group_bound(const jj_ruleset *rs, const jj_engine_config *c) {
  uint64_t n = 0;
  for (uint32_t i = 0; i < rs->nrules; i++) n += rs->rules[i].cfg.group != JJ_GROUP_NONE;
  return n * c->max_groups;
}

/* ---- series ------------------------------------------------------------- */

/* Make the series' group rule instances members of their groups, and link
 * its alerts to the rules groups they feed. */
static jj_status join_groups(jj_engine *e, jj_series *s) {
  jj_status st = JJ_OK;
  for (uint32_t i = 0; i < s->ninst && st == JJ_OK; i++) {
    jj_inst *in = &jj__series_inst(s)[i];
    if (in->rule->cfg.group != JJ_GROUP_NONE)
      st = jj__group_join(e, jj__inst_rule_index(e->rs, in), s, in);
    else if (in->rule->nfeeds)
      st = jj__group_feed(e, s, in);
    /* A group that would exceed max_groups: the series is still created,
     * that one rule leaves it out (counted), its other rules see it. */
    if (st == JJ_ELIMIT) {
      e->st.group_refused++;
      st = JJ_OK;
    }
  }
  return st; /* on failure the caller undoes the memberships (jj__group_leave) */
}

/* An engine works on one call at a time: a call made from inside one of
 * its callbacks would change the state being walked. Only a callback can
 * call in while a call runs, so `busy` is up exactly while one runs
 * (on_event in event_queue.c, the foreach visitor below), and the public
 * entry points that change the engine refuse while it is: one test per
 * call, nothing to undo on the way out. */
#define ENGINE_CHECK(e)                \
  do {                                 \
    if ((e)->busy) return JJ_ESTATE;   \
  } while (0)

/* The metric, label names and values of a new series are at most
 * JJ_MAX_LABEL_BYTES long: a series' memory stays bounded by max_labels.
 * Checked only when a series is created (an existing one fits). */
static int fits(const char *s) {
  for (size_t n = 0; n <= JJ_MAX_LABEL_BYTES; n++)
    if (!s[n]) return 1;
  return 0;
}

static int labels_fit(const char *metric, const jj_label *labels, uint32_t n) {
  if (!fits(metric)) return 0;
  for (uint32_t i = 0; i < n; i++)
    if (!fits(labels[i].name) || !fits(labels[i].value)) return 0;
  return 1;
}

static int series_pending(const jj_series *s);

/* Room for one more series id (jj__series_array_next): 0, or -1 when out
 * of memory, the array unchanged. */
static int grow_series_array(jj_engine *e) {
  if (e->nseries < e->series_cap) return 0;
  const uint32_t cap =
      e->series_cap ? jj__series_array_next(e->series_cap) : jj__series_array_first(&e->cfg);
  if (!cap) return -1;
  jj_series **n = jj__realloc(&e->alc, e->series, (size_t)e->series_cap * sizeof *e->series,
                              (size_t)cap * sizeof *e->series);
  if (!n) return -1;
  e->series = n;
  e->series_cap = cap;
  return 0;
}

static jj_status series_get(jj_engine *e, const char *metric, const jj_label *labels,
                            uint32_t nlabels, jj_series_id *out) {
  if (!metric || !*metric || !out || (nlabels && !labels)) return JJ_EINVAL;
  if (nlabels > e->cfg.max_labels || nlabels > JJ_SERIES_MAX_LABELS) {
    e->st.rejected_limit++;
    return JJ_ELIMIT;
  }
  jj_series_key key;
  int64_t found;
  jj_status st =
      jj__series_lookup(&e->series_index, e->series, metric, labels, nlabels, &key, &found);
  if (st != JJ_OK) return st;
  if (found >= 0) {
    *out = (jj_series_id)found;
    return JJ_OK;
  }
  if (e->st.series >= e->cfg.max_series || !labels_fit(metric, labels, nlabels)) {
    /* live series: forgetting makes room */
    e->st.rejected_limit++;
    return JJ_ELIMIT;
  }
  if (grow_series_array(e)) return JJ_ENOMEM;
  if (jj__index_reserve(&e->series_index, &e->alc, jj__series_hash_at, e->series)) return JJ_ENOMEM;
  if (jj__deadline_reserve(e, e->nseries + 1)) return JJ_ENOMEM;
  jj_series *s;
  uint32_t undecided;
  st = jj__series_new(e->rs, &e->alc, &e->shapes, &key, e->cfg.lateness_ms,
                      e->cfg.max_samples_per_window, &s, &undecided);
  e->st.match_undecided += undecided;
  if (st == JJ_ELIMIT) e->st.rejected_limit++; /* more rules match than a series holds */
  if (st != JJ_OK) return st;
  /* Staleness counts from creation; before the engine knows any time it
   * counts from the first time it learns (check_stale). */
  s->last_ts = e->has_now ? e->now : INT64_MIN;
  st = join_groups(e, s);
  if (st != JJ_OK) {
    jj__group_leave(e, s, 1);
    jj__series_free(&e->alc, s);
    return st;
  }
  uint32_t id = e->nseries++;
  e->series[id] = s;
  jj__index_insert(&e->series_index, key.hash, id);
  jj__deadline_created(e, id, s, series_pending(s));
  e->st.series++;
  *out = id;
  return JJ_OK;
}

/* ---- judging a series' window ------------------------------------------ */

/* The instance's alert may have changed: its slot's quiet bounds change
 * with it when it left its rest or came back to it. */
static inline void note_alert(jj_series *s, const jj_inst *in, int was_at_rest) {
  if (jj__alert_at_rest(&in->alert) != was_at_rest)
    jj__slot_summarize(s, &s->slots[jj__inst_slot(in)]);
}

static inline void judge_series(jj_engine *e, jj_series *s, jj_inst *in, double value, int valid,
                                int fresh, int64_t sample_ts, double sample_value) {
  const jj_rule *r = in->rule;
  if (r->cfg.group != JJ_GROUP_NONE) {
    jj_inst_more *m = jj__inst_more(in); /* every group rule's instance has one */
    jj__group_touch(e, m->group); /* its group re-judges at the next advance */
    m->member_value = value;
    m->member_valid = (uint8_t)valid;
    /* A time window's value at a re-check on advance is its value now
     * (samples expire); a count window's never changes without a reading,
     * so only readings date its agreement (else a silent member would
     * agree forever). */
    if (r->cfg.group == JJ_GROUP_K_OF_N && valid &&
        (fresh || r->cfg.window.kind != JJ_WINDOW_SLIDING_COUNT) &&
        jj__cmp_holds(r->cfg.member_op, value, r->cfg.member_value))
      m->member_agree_ts = e->now;
    return;
  }
  if (r->index) { /* the index of the value (aqi_rule.c) */
    jj__inst_more(in)->index_conc = value;
    value = jj__rule_index_value(r, value, &valid);
  }
  jj_transition t;
  const int before = in->alert.level, was_at_rest = jj__alert_at_rest(&in->alert);
  if (jj__alert_eval(&in->alert, r, value, valid, fresh, e->now, &t, &e->st.events_muted))
    jj__emit_inst(e, s, in, &t, sample_ts, sample_value);
  note_alert(s, in, was_at_rest);
  if (r->nfeeds && before != in->alert.level)
    jj__group_source_changed(e, s, in, before, in->alert.level, sample_ts, sample_value);
  if (r->nfeeds && r->index) jj__group_source_value(e, s, in, value, valid, sample_ts, sample_value);
}

/* The aggregates of one window, read once per sample (all that its rules
 * use, on first need) however many rules share the window. */
typedef struct agg_cache {
  uint32_t want;  /* JJ_AGG_BIT of the slot's aggregates */
  int have;       /* read yet? */
  uint32_t valid; /* which are complete values */
  double value[JJ_AGG__COUNT];
} agg_cache;

static inline void cache_init(agg_cache *c, const jj_slot *sl) {
  c->want = sl->aggs;
  c->have = 0;
}

static inline double cached_value(const jj_window *w, jj_agg agg, agg_cache *c, int *valid) {
  if (!c->have) {
    c->have = 1;
    c->valid = jj__window_values(w, c->want, c->value);
  }
  *valid = (c->valid & JJ_AGG_BIT(agg)) != 0;
  return c->value[agg];
}

/* 1 when the slot's summary shows that no instance changes: every
 * aggregate read is a complete value inside its bounds. */
/* 1 when the complete value x of a one-rule slot is inside its rule's
 * bound (jj__quiet_add of that one rule). */
static inline int lead_quiet(const jj_rule *r, double x) {
  const jj_level *l = &r->levels[0];
  /* x < lo && x > hi with the rule's threshold as lo or hi and the other
   * bound infinite: two comparisons, as with a stored bound (doubles are
   * library calls on a single-precision FPU). A threshold is finite
   * (ruleset.c); a bundle record's NaN would only never be quiet. */
  if (l->issue_op == JJ_CMP_GE || l->issue_op == JJ_CMP_GT) return x < l->issue_value && x > -INFINITY;
  return x < INFINITY && x > l->issue_value;
}

static inline int slot_quiet(const jj_series *s, const jj_slot *sl, agg_cache *c) {
  if (sl->count == 1) { /* the bound is its rule's */
    const jj_rule *r = sl->lead;
    int valid;
    double x = cached_value(jj__slot_win(s, sl), r->cfg.aggregate, c, &valid);
    return valid && lead_quiet(r, x);
  }
  const jj_quiet *quiet = jj__slot_cquiet(s, sl);
  for (uint32_t k = 0; k < sl->nquiet; k++) {
    const jj_quiet *q = &quiet[k];
    int valid;
    double x = cached_value(jj__slot_win(s, sl), (jj_agg)q->agg, c, &valid);
    if (!valid || !(x < q->lo && x > q->hi)) return 0;
  }
  return 1;
}

/* 1 when a sample changes nothing for this instance of a loud slot, so it
 * is passed over: jj__alert_quiet for its rule's value. */
static inline int inst_quiet(const jj_inst *in, const jj_window *w, agg_cache *c) {
  const jj_rule *r = in->rule;
  /* Members always take the full path: they update their group. An alert
   * not at rest is judged without reading the window first. */
  if (r->cfg.group != JJ_GROUP_NONE || !jj__alert_at_rest(&in->alert)) return 0;
  int valid;
  double x = cached_value(w, r->cfg.aggregate, c, &valid) * r->cfg.scale;
  x = jj__rule_index_value(r, x, &valid);
  return valid && jj__alert_quiet(&in->alert, r, x);
}

/* Read a sliding window's value and judge it. */
static void judge_sliding(jj_engine *e, jj_series *s, jj_inst *in, agg_cache *c, int fresh,
                          int64_t sample_ts, double sample_value) {
  int valid;
  double v = cached_value(jj__slot_win(s, &s->slots[jj__inst_slot(in)]), in->rule->cfg.aggregate, c,
                          &valid);
  judge_series(e, s, in, v * in->rule->cfg.scale, valid, fresh, sample_ts, sample_value);
  jj_group *g = jj__inst_group(in);
  if (g) jj__group_eval_sliding(e, g, fresh, s, sample_ts, sample_value);
}

/* Judge every window a TUMBLING slot has closed, for each of its rules. */
static void judge_closed(jj_engine *e, jj_series *s, jj_slot *sl, int64_t sample_ts,
                         double sample_value) {
#ifdef JJ_NO_TUMBLING
  return; /* no slot is TUMBLING: such rules are refused (feature_check.c) */
#endif
  jj_window_stats ws;
  while (jj_window_pop_closed(jj__slot_win(s, sl), &ws)) {
    for (uint32_t i = sl->first; i < sl->first + sl->count; i++) {
      jj_inst *in = &jj__series_inst(s)[i];
      const jj_rule *r = in->rule;
      if (r->cfg.group != JJ_GROUP_NONE) { /* no group: refused at max_groups */
        if (jj__inst_group(in)) jj__group_window(e, in, s, &ws, sample_ts, sample_value);
        continue;
      }
      jj__inst_more(in)->win_start = ws.start_ms; /* a TUMBLING slot's instances have one */
      jj__inst_more(in)->win_end = ws.end_ms;
      int valid = ws.complete && ws.count > 0;
      double v = ws.value[r->cfg.aggregate] * r->cfg.scale;
      judge_series(e, s, in, valid ? v : NAN, valid, 1, sample_ts, sample_value);
    }
  }
}

/* After an advance re-checked a sliding slot (fresh = 0), would the next
 * re-check with the window unchanged change anything for this instance?
 * An alert at rest only takes the same value again, a member the same
 * value, so those are settled. A persistence run can complete with time, a
 * k-of-n member that agrees is dated now, and a source of a CAI group has
 * it judged on every re-check: those need the next advance too. */
static int recheck_pending(const jj_inst *in) {
  const jj_rule *r = in->rule;
  if (r->cfg.group == JJ_GROUP_NONE) return !jj__alert_at_rest(&in->alert) || (r->index && r->nfeeds);
  return r->cfg.group == JJ_GROUP_K_OF_N && r->cfg.window.kind != JJ_WINDOW_SLIDING_COUNT &&
         jj__inst_more(in)->member_valid &&
         jj__cmp_holds(r->cfg.member_op, jj__inst_more(in)->member_value, r->cfg.member_value);
}

static int slot_pending(const jj_series *s, const jj_slot *sl) {
  for (uint32_t i = sl->first; i < sl->first + sl->count; i++)
    if (recheck_pending(&jj__series_inst(s)[i])) return 1;
  return 0;
}

/* A new series whose first re-check changes something even with empty
 * windows (a CAI source tells its group it has no value yet): due at the
 * next advance, as the full walk re-checks it there. */
static int series_pending(const jj_series *s) {
  for (uint32_t j = 0; j < s->nslots; j++)
    if (!s->slots[j].tumbling && slot_pending(s, &s->slots[j])) return 1;
  return 0;
}

/* Re-check a sliding slot without a new evaluation (fresh = 0), as an
 * advance does: samples expired, persistence may complete with time.
 * Groups re-judge in group.c. 1 when its instances need it again at the
 * next advance (recheck_pending); a quiet slot is passed over (0).
 * `members` 0: leave group members out (an owed re-check, settle_owed:
 * with its window unchanged since a reading judged it, a member would
 * take the value it has; one that agrees made the series due). */
static int recheck_slot(jj_engine *e, jj_series *s, jj_slot *sl, int members) {
  agg_cache cache;
  cache_init(&cache, sl);
  if (!sl->loud && slot_quiet(s, sl, &cache)) return 0;
  for (uint32_t i = sl->first; i < sl->first + sl->count; i++) {
    jj_inst *in = &jj__series_inst(s)[i];
    if (!members && in->rule->cfg.group != JJ_GROUP_NONE) continue;
    int valid;
    double v = cached_value(jj__slot_win(s, sl), in->rule->cfg.aggregate, &cache, &valid);
    judge_series(e, s, in, v * in->rule->cfg.scale, valid && !jj__inst_stale(in), 0, INT64_MIN,
                 NAN);
  }
  return slot_pending(s, sl);
}

/* The re-check an advance owed a series it passed over (deadline.h): a
 * reading judged a sliding slot, then an advance came, which would have
 * given every instance of the slot its value (alerts at rest take the
 * value, nothing else changes: anything more made the series due). Its
 * windows have not changed since, so the re-check now is that one. Only
 * the slots the readings did not find quiet (jj__deadline_owed_slot): a
 * quiet slot with its window unchanged is quiet at the re-check too, which
 * then changes nothing. */
static void settle_owed(jj_engine *e, jj_series *s) {
  const uint32_t owed = s->dr.owed_slots;
  for (uint32_t j = 0; j < s->nslots; j++)
    if (!s->slots[j].tumbling && (owed & jj__deadline_owed_slot(j)))
      recheck_slot(e, s, &s->slots[j], 0);
  jj__deadline_settled(s);
}

/* Bring one series to where the full walk would have it: windows to the
 * last advance's time, owed re-checks done. */
static void catch_up(jj_engine *e, jj_series *s) {
  if (jj__deadline_behind(&e->dl, s)) jj__deadline_sync(e, s);
  if (jj__deadline_owed(&e->dl, s)) settle_owed(e, s);
}

void jj__engine_catch_up(jj_engine *e) {
  for (uint32_t sid = 0; sid < e->nseries; sid++)
    if (e->series[sid]) catch_up(e, e->series[sid]);
  jj__groups_catch_up(e);
}

/* Bring every series up to date (as at its next reading) and start the
 * deadline epochs over at 0 (JJ__EPOCH_LAST): nothing anyone can see
 * changes. Before the advance's collect moves `swept`. */
static void renumber_epochs(jj_engine *e) {
  for (uint32_t sid = 0; sid < e->nseries; sid++) {
    jj_series *s = e->series[sid];
    if (!s) continue;
    catch_up(e, s);
    jj_due_rec *r = &s->dr;
    r->synced = 0;
    r->owed = r->owed ? 1 : 0; /* still owed (by the next advance): after epoch 0 */
  }
  e->dl.epoch = 0;
}

/* ---- quality gates ------------------------------------------------------ */

static void emit_quality(jj_engine *e, jj_series *s, const jj_slot *sl, jj_event_kind kind,
                         jj_event_reason reason, int64_t ts, double v) {
  for (uint32_t i = sl->first; i < sl->first + sl->count; i++) {
    jj_inst *in = &jj__series_inst(s)[i];
    jj_transition t;
    t.kind = kind;
    t.reason = reason;
    t.level = t.prev_level = in->alert.level;
    jj__emit_inst(e, s, in, &t, ts, v);
  }
}

/* Why the reading must be dropped from this slot's window (JJ_REASON_RANGE
 * or JJ_REASON_STUCK), or JJ_REASON_NONE when it passes the gates. */
static jj_event_reason quality_gate(jj_engine *e, jj_series *s, jj_slot *sl, int64_t ts,
                                    double v) {
  const jj_rule_cfg *c = &jj__series_inst(s)[sl->first].rule->cfg;
  jj_event_reason reason = JJ_REASON_NONE;
  if ((!isnan(c->valid_min) && v < c->valid_min) || (!isnan(c->valid_max) && v > c->valid_max)) {
    reason = JJ_REASON_RANGE;
  } else if (c->stuck_samples) {
    jj_stuck *st = jj__slot_stuck(s, sl);
    if (st->run > 0 && fabs(v - st->last) <= c->stuck_epsilon) {
      if (st->run < UINT32_MAX) st->run++;
    } else {
      st->run = 1;
      st->last = v;
    }
    if (st->run >= c->stuck_samples) reason = JJ_REASON_STUCK;
  }
  /* The events show the window's end: a window the last advance passed
   * over (deadline.h) catches up first. */
  const int behind = jj__deadline_behind(&e->dl, s);
  if (reason != JJ_REASON_NONE) {
    e->st.rejected_quality++;
    if (!sl->quality_bad || sl->quality_reason != reason) {
      if (behind) jj_window_advance(jj__slot_win(s, sl), e->dl.swept);
      sl->quality_bad = 1;
      sl->quality_reason = (uint8_t)reason;
      emit_quality(e, s, sl, JJ_EVENT_QUALITY, reason, ts, v);
    }
    return reason;
  }
  if (sl->quality_bad) {
    sl->quality_bad = 0;
    if (behind) jj_window_advance(jj__slot_win(s, sl), e->dl.swept);
    emit_quality(e, s, sl, JJ_EVENT_QUALITY_RESOLVED, (jj_event_reason)sl->quality_reason, ts, v);
  }
  return JJ_REASON_NONE;
}

/* ---- staleness ----------------------------------------------------------- */

static void mark_fresh(jj_engine *e, jj_series *s, jj_inst *in, int64_t ts, double v) {
  jj__inst_set_stale(in, 0);
  s->nstale--;
  if (in->rule->cfg.group != JJ_GROUP_NONE) {
    jj_group *g = jj__inst_group(in);
    if (!g) return; /* refused at max_groups */
    /* The group has data again now, not only when this member's TUMBLING
     * window next closes (up to a window later). */
    jj__group_freshen(e, g, ts, v);
    return;
  }
  jj_transition t;
  if (jj__alert_unstale(&in->alert, e->now, &t)) jj__emit_inst(e, s, in, &t, ts, v);
}

static void check_stale(jj_engine *e, jj_series *s, jj_inst *in) {
  int64_t after = in->rule->cfg.stale_after_ms;
  if (s->last_ts == INT64_MIN) s->last_ts = e->now;
  if (!after || jj__inst_stale(in) || e->now - s->last_ts < after) return;
  if (in->rule->cfg.group != JJ_GROUP_NONE) jj__group_touch(e, jj__inst_group(in)); /* before it changes */
  jj__inst_set_stale(in, 1);
  s->nstale++;
  if (jj__inst_more(in)) jj__inst_more(in)->member_valid = 0;
  if (in->rule->cfg.group != JJ_GROUP_NONE) return; /* the group judges */
  jj_transition t;
  const int before = in->alert.level, was_at_rest = jj__alert_at_rest(&in->alert);
  if (jj__alert_stale(&in->alert, in->rule, e->now, &t, &e->st.events_muted))
    jj__emit_inst(e, s, in, &t, INT64_MIN, NAN);
  note_alert(s, in, was_at_rest);
  if (in->rule->nfeeds && before != in->alert.level)
    jj__group_source_changed(e, s, in, before, in->alert.level, INT64_MIN, NAN);
  if (in->rule->nfeeds && in->rule->index) jj__group_source_value(e, s, in, NAN, 0, INT64_MIN, NAN);
}

/* ---- samples ------------------------------------------------------------- */

/* Microcontrollers (Arm's M profile) have no data cache to fill ahead
 * (the look-ahead of single pushes would only cost instructions there),
 * and flash counts more than instructions: like builds for size
 * (JJ_FORCE_INLINE=OFF), the push keeps one path there, the general one
 * (push_slot, inlined into it), without the quiet reading's own copy,
 * which would link jj_window_push_value's specialised copies (12 KB on
 * the Cortex-M4F). */
#if defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M'
#define JJ_MCU 1
#else
#define JJ_MCU 0
#endif
#if defined(__GNUC__) && !defined(JJ_NO_FORCE_INLINE) && !JJ_MCU
#define JJ_NOINLINE __attribute__((noinline)) /* (as window.c) */
#define PLAIN_PATH 1
/* A copy of push_one for single pushes and one for batches, each without
 * the other's tests. */
#define PUSH_ONE_INLINE JJ_HOT_INLINE
#else
#define JJ_NOINLINE
#define PLAIN_PATH 0
#define PUSH_ONE_INLINE static
#endif

/* Cache hints for the sample `ahead` places on: the series block, then its
 * windows' bookkeeping and judging lines, then their ring slots, each
 * stage relying on the previous one having arrived. Forced inline: a copy
 * for one stage that stores nothing would be "pure" to GCC, and its call
 * dropped (see prefetch_shared, window.c). */
JJ_HOT_INLINE void prefetch_stage(const jj_engine *e, jj_series_id id, int stage) {
  if (id >= e->nseries) return;
  const jj_series *s = e->series[id];
  if (!s) return;
  if (stage == 0) {
    JJ_PREFETCH(s);
    JJ_PREFETCH((const char *)s + 64);
    JJ_PREFETCH((const char *)s + 128);
    return;
  }
  for (uint32_t j = 0; j < s->nslots; j++) {
    if (stage == 1) {
      jj__window_prefetch_struct(jj__slot_win(s, &s->slots[j]), jj__slot_minmax(&s->slots[j]));
      jj__slot_prefetch(s, &s->slots[j]);
    } else {
      jj__window_prefetch_ring(jj__slot_win(s, &s->slots[j]));
    }
  }
}

/* Samples between the prefetch stages of a batch (and of single pushes in
 * series order): the series block, then its windows, then their ring
 * slots, each stage `PREFETCH_AHEAD` samples before the next. */
#define PREFETCH_AHEAD 4

/* Cache hints after a single push of series `id` (`in_order`: it came
 * right after id - 1's). A caller going through its series in id order (a
 * round of readings from every station, the common case with many
 * series) gets the batch's pipeline: the lines of the series 1, 2 and 3
 * stages ahead are asked for, so the misses overlap instead of each push
 * waiting for its own. Out of order, a push asks for its own lines when
 * it starts (push_one). A wrong guess costs a few hints, never a result. */
static inline void prefetch_single(jj_engine *e, jj_series_id id, int in_order) {
  if (!JJ_MCU && in_order) { /* (JJ_MCU: see push_slot) */
    prefetch_stage(e, id + 3 * PREFETCH_AHEAD, 0);
    prefetch_stage(e, id + 2 * PREFETCH_AHEAD, 1);
    prefetch_stage(e, id + PREFETCH_AHEAD, 2);
  }
  e->push_next = id + 1;
}

/* What the slots of one push leave for its end: the status (the first
 * window failure, else the first gate drop: a window that lost the
 * reading outranks a gate that dropped it on purpose, as the caller must
 * learn of the loss first; one status, so a clean push tests none) and,
 * for the deadline index (jj__deadline_pushed), whether a re-check is due
 * at the next advance (busy) and the sliding slots whose re-check the
 * next advance owes. */
typedef struct push_acc {
  jj_status ret;
  int busy;
  uint32_t owed;
} push_acc;

/* Slot j's window could not take the reading (JJ_EFULL, JJ_ENOMEM, ...):
 * the other rules still get it, but the caller is told. */
static void window_refused(jj_engine *e, const jj_slot *sl, uint32_t j, jj_status wst,
                           push_acc *acc) {
  e->st.rejected_window++;
  if (acc->ret == JJ_OK || acc->ret == JJ_ERANGE || acc->ret == JJ_ESTUCK) acc->ret = wst;
  if (!sl->tumbling) acc->owed |= jj__deadline_owed_slot(j);
}

/* Sliding slot j's window took the reading and its quiet summary did not
 * pass it over: judge the instances that are not quiet. */
static void judge_pushed(jj_engine *e, jj_series *s, jj_slot *sl, uint32_t j, agg_cache *cache,
                         int64_t ts, double v, push_acc *acc) {
  acc->owed |= jj__deadline_owed_slot(j);
  for (uint32_t i = sl->first; i < sl->first + sl->count; i++) {
    jj_inst *in = &jj__series_inst(s)[i];
    if (!inst_quiet(in, jj__slot_win(s, sl), cache)) judge_sliding(e, s, in, cache, 1, ts, v);
  }
  if (!acc->busy) acc->busy = slot_pending(s, sl);
}

/* Slot j's part of a push the general way: quality gates, TUMBLING
 * windows, loud slots, slots of several rules. Out of line, like the
 * rest of what a quiet reading of a plain rule never runs, so the common
 * path keeps its registers and its stack frame small. */
static JJ_NOINLINE void push_slot(jj_engine *e, jj_series *s, uint32_t j, int64_t ts, double v,
                                  push_acc *acc) {
  jj_slot *sl = &s->slots[j];
  if (sl->gated) {
    jj_event_reason why = quality_gate(e, s, sl, ts, v);
    if (why != JJ_REASON_NONE) {
      /* Dropped by this rule's gate; other slots may still take it. */
      if (acc->ret == JJ_OK) acc->ret = why == JJ_REASON_RANGE ? JJ_ERANGE : JJ_ESTUCK;
      if (!sl->tumbling) acc->owed |= jj__deadline_owed_slot(j); /* not found quiet */
      return;
    }
  }
  jj_status wst = jj_window_push(jj__slot_win(s, sl), ts, v);
  if (wst != JJ_OK) {
    window_refused(e, sl, j, wst, acc);
    return;
  }
  if (sl->tumbling) {
    judge_closed(e, s, sl, ts, v);
    return;
  }
  agg_cache cache;
  cache_init(&cache, sl);
  if (!sl->loud && slot_quiet(s, sl, &cache)) return;
  judge_pushed(e, s, sl, j, &cache, ts, v, acc);
}

/* The common slot (plain_slot) after jj__window_push_value gave `st` and
 * x for its rule's aggregate, when that was not a quiet value: a refusal
 * of the window, an incomplete or empty window, or a value past the
 * rule's bound. */
static JJ_NOINLINE void plain_not_quiet(jj_engine *e, jj_series *s, uint32_t j, jj_status st,
                                        double x, int64_t ts, double v, push_acc *acc) {
  jj_slot *sl = &s->slots[j];
  if (st != JJ_OK && st != JJ_EINCOMPLETE && st != JJ_ENODATA) { /* not taken (window.h) */
    window_refused(e, sl, j, st, acc);
    return;
  }
  agg_cache cache;
  cache_init(&cache, sl);
  if (st == JJ_OK) { /* a complete value: what jj__window_values reads (the rest reads again) */
    const jj_agg agg = sl->lead->cfg.aggregate;
    cache.have = 1;
    cache.valid = JJ_AGG_BIT(agg);
    cache.value[agg] = x;
  }
  judge_pushed(e, s, sl, j, &cache, ts, v, acc);
}

/* A slot a quiet reading passes with one window call: one rule, sliding,
 * no quality gate, its alert at rest (not loud: a plain rule, no group,
 * scale or index), so its quiet bound is its rule's threshold. */
static inline int plain_slot(const jj_slot *sl) {
  return PLAIN_PATH && sl->plain; /* (jj_slot.plain: kept by jj__slot_summarize) */
}

/* One reading of series `id`; `loc`: its latitude and longitude, or NULL.
 * `single`: a single push (jj_engine_push...), whose cache hints are
 * prefetch_single's; a batch asks for its own ahead. */
PUSH_ONE_INLINE jj_status push_one(jj_engine *e, jj_series_id id, int64_t ts, double v,
                                   const double *loc, int single) {
  if (id >= e->nseries || !e->series[id]) { /* unknown or forgotten */
    e->st.rejected_invalid++;
    return JJ_ENOTFOUND;
  }
  jj_status bad = jj__sample_check(ts, v);
  if (bad != JJ_OK) {
    e->st.rejected_invalid++;
    return bad;
  }
  /* ts and clock are within +-2^62 (jj__sample_check), so their difference
   * cannot overflow, whatever max_future_ms is (INT64_MAX: no limit). */
  if (e->has_clock && e->cfg.max_future_ms > 0 && ts - e->clock > e->cfg.max_future_ms) {
    e->st.rejected_future++;
    return JJ_EFUTURE;
  }
  jj_series *s = e->series[id];
  /* A single push out of series order asks for its own lines at once (in
   * order, earlier pushes asked for them: see the end). */
  const int in_order = single && id == e->push_next;
  if (single && !in_order) jj__series_prefetch(s);
  /* Windows an advance passed over catch up first (deadline.h), so the
   * late checks below, the windows and the events see the time the
   * advance set. A sample at or after that time moves each window it
   * enters there by itself (the same settling, evictions and closes), so
   * only an older one, or a series whose no-data episodes end before any
   * window takes the sample, needs it here; quality_gate brings a window
   * the sample does not enter up to date before it reports on it. */
  if (jj__deadline_behind(&e->dl, s) && (ts < e->dl.swept || s->nstale))
    jj__deadline_sync(e, s);
  if (jj__deadline_owed(&e->dl, s)) settle_owed(e, s);
  if (s->has_ts && ts < s->last_ts - e->cfg.lateness_ms) {
    e->st.rejected_late++;
    return JJ_ELATE;
  }
  /* jj_engine_advance also moves the series' windows to engine time; a
   * sample older than that minus lateness_ms cannot enter them. Report it
   * late here instead of accepting it and losing it in every window. No
   * window is ahead of engine time, so a sample within lateness_ms of it
   * (every in-order one) needs no look at the windows. */
  if (e->has_now && ts < e->now - e->cfg.lateness_ms) {
    for (uint32_t j = 0; j < s->nslots; j++) {
      int64_t wnow = jj_window_now(jj__slot_win(s, &s->slots[j]));
      if (wnow != INT64_MIN && ts < wnow - e->cfg.lateness_ms) {
        e->st.rejected_late++;
        return JJ_ELATE;
      }
    }
  }
  e->st.accepted++;
  if (!s->has_ts || ts > s->last_ts) s->last_ts = ts;
  s->has_ts = 1;
  if (loc) { /* (jj_engine_push_located made its entry's room) */
    s->has_loc = 1;
    jj__loc_set(&e->locs, s, loc[0], loc[1]);
  }
  if (!e->has_now || ts > e->now) {
    if (!e->has_now) jj__deadline_start(&e->dl, ts);
    e->has_now = 1;
    e->now = ts;
  }
  if (s->nstale) {
    for (uint32_t i = 0; i < s->ninst; i++)
      if (jj__inst_stale(&jj__series_inst(s)[i])) mark_fresh(e, s, &jj__series_inst(s)[i], ts, v);
  }
  push_acc acc = {JJ_OK, 0, 0};
  const uint64_t seq0 = e->seq, muted0 = e->st.events_muted;
  for (uint32_t j = 0; j < s->nslots; j++) {
    const jj_slot *sl = &s->slots[j];
    if (plain_slot(sl)) { /* the push, the read and the threshold: quiet, nothing more */
      const jj_rule *r = sl->lead;
      double x;
      jj_status st = jj__window_push_value(jj__slot_win(s, sl), ts, v, r->cfg.aggregate, &x);
      if (st != JJ_OK || !lead_quiet(r, x)) plain_not_quiet(e, s, j, st, x, ts, v, &acc);
    } else {
      push_slot(e, s, j, ts, v, &acc);
    }
  }
  /* moved: an alert moved (its repeat and flapping times: every transition
   * is delivered, with a new sequence number, or muted). */
  jj__deadline_pushed(&e->dl, e->cfg.series_idle_ms, id, s, acc.busy,
                      e->seq != seq0 || e->st.events_muted != muted0, acc.owed);
  /* Last, when nothing else is live (no registers to save around them). */
  if (single) prefetch_single(e, id, in_order);
  return acc.ret;
}

jj_status jj_engine_series(jj_engine *e, const char *metric, const jj_label *labels,
                           uint32_t nlabels, jj_series_id *out) {
  if (!e) return JJ_EINVAL;
  ENGINE_CHECK(e);
  return series_get(e, metric, labels, nlabels, out);
}

jj_status jj_engine_push(jj_engine *e, jj_series_id series, int64_t ts_ms, double value) {
  if (!e) return JJ_EINVAL;
  ENGINE_CHECK(e);
  return push_one(e, series, ts_ms, value, NULL, 1);
}

jj_status jj_engine_push_located(jj_engine *e, jj_series_id series, int64_t ts_ms, double value,
                                 double lat, double lon) {
  if (!e) return JJ_EINVAL;
  ENGINE_CHECK(e);
  if (!isfinite(lat) || !isfinite(lon) || fabs(lat) > 90.0 || fabs(lon) > 180.0) {
    e->st.rejected_invalid++;
    return JJ_EINVAL;
  }
  /* Room for the series' position first (its first located push may
   * allocate): a reading is taken whole or not at all. */
  if (series < e->nseries && e->series[series] &&
      jj__loc_reserve(&e->locs, &e->alc, e->series[series]))
    return JJ_ENOMEM;
  const double loc[2] = {lat, lon};
  return push_one(e, series, ts_ms, value, loc, 1);
}

/* The readings of one batch call, wherever they lie: record i's fields are
 * at base + i * stride. jj_sample arrays (stride 24) and separate columns
 * (strides 4 and 8; stride 0 repeats one series id) share one loop. */
typedef struct batch_view {
  const char *ids, *ts, *vals, *flags; /* flags NULL: none to check */
  size_t ids_stride, ts_stride, vals_stride, flags_stride;
} batch_view;

#define BATCH_AT(base, stride, i, type) (*(const type *)(const void *)((base) + (i) * (stride)))

/* Forced inline so that each caller's strides are constants in its copy. */
JJ_HOT_INLINE jj_status push_batch_view(jj_engine *e, const batch_view *b, size_t n,
                                        size_t *accepted) {
  const size_t ahead = PREFETCH_AHEAD;
  jj_status first = JJ_OK;
  size_t ok = 0;
  for (size_t i = 0; i < n; i++) {
    if (i + 3 * ahead < n)
      prefetch_stage(e, BATCH_AT(b->ids, b->ids_stride, i + 3 * ahead, jj_series_id), 0);
    if (i + 2 * ahead < n)
      prefetch_stage(e, BATCH_AT(b->ids, b->ids_stride, i + 2 * ahead, jj_series_id), 1);
    if (i + ahead < n)
      prefetch_stage(e, BATCH_AT(b->ids, b->ids_stride, i + ahead, jj_series_id), 2);
    jj_status st = JJ_EINVAL;
    if (!b->flags || BATCH_AT(b->flags, b->flags_stride, i, uint32_t) == 0)
      st = push_one(e, BATCH_AT(b->ids, b->ids_stride, i, jj_series_id),
                    BATCH_AT(b->ts, b->ts_stride, i, int64_t),
                    BATCH_AT(b->vals, b->vals_stride, i, double), NULL, 0);
    else /* reserved for flags a later version defines */
      e->st.rejected_invalid++;
    if (st == JJ_OK)
      ok++;
    else if (first == JJ_OK)
      first = st;
  }
  if (accepted) *accepted = ok;
  return first;
}

jj_status jj_engine_push_batch(jj_engine *e, const jj_sample *samples, size_t n, size_t *accepted) {
  if (accepted) *accepted = 0;
  if (!e || (n && !samples)) return JJ_EINVAL;
  ENGINE_CHECK(e);
  if (n == 0) return JJ_OK;
  const char *base = (const char *)samples;
  const batch_view b = {base + offsetof(jj_sample, series), base + offsetof(jj_sample, ts_ms),
                        base + offsetof(jj_sample, value),  base + offsetof(jj_sample, flags),
                        sizeof(jj_sample),                  sizeof(jj_sample),
                        sizeof(jj_sample),                  sizeof(jj_sample)};
  return push_batch_view(e, &b, n, accepted);
}

jj_status jj_engine_push_columns(jj_engine *e, const jj_series_id *series, jj_series_id one_series,
                                 const int64_t *ts_ms, const double *values, size_t n,
                                 size_t *accepted) {
  if (accepted) *accepted = 0;
  if (!e || (n && (!ts_ms || !values))) return JJ_EINVAL;
  ENGINE_CHECK(e);
  if (n == 0) return JJ_OK;
  const batch_view b = {series ? (const char *)series : (const char *)&one_series,
                        (const char *)ts_ms,
                        (const char *)values,
                        NULL,
                        series ? sizeof *series : 0,
                        sizeof *ts_ms,
                        sizeof *values,
                        0};
  return push_batch_view(e, &b, n, accepted);
}

jj_status jj_engine_push_labeled(jj_engine *e, const char *metric, const jj_label *labels,
                                 uint32_t nlabels, int64_t ts_ms, double value) {
  if (!e) return JJ_EINVAL;
  ENGINE_CHECK(e);
  jj_series_id id;
  jj_status st = series_get(e, metric, labels, nlabels, &id);
  if (st != JJ_OK) return st;
  return push_one(e, id, ts_ms, value, NULL, 1);
}

/* ---- time ---------------------------------------------------------------- */

static void advance_to(jj_engine *e, int64_t now_ms);
static void forget(jj_engine *e, jj_series_id id);

jj_status jj_engine_advance(jj_engine *e, int64_t now_ms) {
  if (!e) return JJ_EINVAL;
  if (!jj__ts_valid(now_ms)) return JJ_EINVAL;
  ENGINE_CHECK(e);
  advance_to(e, now_ms);
  return JJ_OK;
}

/* Every time-driven check of one series at engine time e->now: its
 * windows, staleness, the re-check of its sliding slots, repeats. Returns
 * 1 when a re-check must run at the next advance too, -1 when the series
 * went idle and was forgotten. */
static int advance_series(jj_engine *e, uint32_t sid, jj_series *s) {
  /* A re-check owed since an earlier advance than this one saw the
   * windows before this one's evictions: it comes first. */
  if (s->dr.owed && e->dl.epoch > s->dr.owed) settle_owed(e, s);
  if (s->last_ts == INT64_MIN) s->last_ts = e->now; /* idle and stale count from here */
  if (e->cfg.series_idle_ms > 0 && e->now - s->last_ts >= e->cfg.series_idle_ms) {
    forget(e, sid);
    return -1;
  }
  int busy = 0;
  for (uint32_t j = 0; j < s->nslots; j++) {
    jj_slot *sl = &s->slots[j];
    jj_window_advance(jj__slot_win(s, sl), e->now);
    for (uint32_t i = sl->first; i < sl->first + sl->count; i++) check_stale(e, s, &jj__series_inst(s)[i]);
    if (sl->tumbling) {
      judge_closed(e, s, sl, INT64_MIN, NAN);
      continue;
    }
    if (recheck_slot(e, s, sl, 1)) busy = 1;
  }
  for (uint32_t i = 0; i < s->ninst; i++) {
    jj_inst *in = &jj__series_inst(s)[i];
    if (in->rule->cfg.group != JJ_GROUP_NONE) continue;
    jj_transition t;
    if (jj__alert_tick(&in->alert, in->rule, e->now, &t))
      jj__emit_inst(e, s, in, &t, INT64_MIN, NAN);
  }
  return busy;
}

/* Engine time moves to now_ms (if later) and every time-driven check runs:
 * for the series whose deadline came (deadline.h), in id order, then for
 * the groups touched since or whose deadline came (group_deadline.h). */
static void advance_to(jj_engine *e, int64_t now_ms) {
  if (!e->has_clock || now_ms > e->clock) {
    e->has_clock = 1;
    e->clock = now_ms;
  }
  if (!e->has_now || now_ms > e->now) {
    if (!e->has_now) jj__deadline_start(&e->dl, now_ms);
    e->has_now = 1;
    e->now = now_ms;
  }
  if (e->dl.epoch == JJ__EPOCH_LAST) renumber_epochs(e);
  jj__deadline_collect(e);
  for (uint32_t sid = 0; jj__deadline_next(&e->dl, e->nseries, &sid); sid++) {
    jj_series *s = e->series[sid];
    if (!s) continue;
    e->dl.visits++;
    int busy = advance_series(e, sid, s);
    if (busy >= 0) jj__deadline_processed(e, sid, s, busy);
  }
  jj__groups_advance(e); /* the groups due (group_deadline.h), in id order */
}

int64_t jj_engine_now(const jj_engine *e) { return (e && e->has_now) ? e->now : INT64_MIN; }

/* ---- polling, forgetting, listing ----------------------------------------- */

static void release(jj_engine *e, jj_event_owner *o) { jj__owner_release(e, o); }

const jj_event *jj_engine_poll(jj_engine *e) {
  /* From the event callback (busy): the engine is mid-delivery; nothing. */
  if (!e || e->busy || !e->queue) return NULL;
  release(e, &e->polled_owner); /* the previous poll's event is no longer valid */
  int got = jj__queue_take(e, &e->polled, &e->polled_owner);
  if (got && e->polled_owner.series) { /* its labels, as the series has them */
    jj__series_labels(e->polled_owner.series, e->labels_polled);
    e->polled.labels = e->labels_polled;
  }
  if (e->retired) jj__retired_sweep(e, got ? e->polled.seq : UINT64_MAX);
  return got ? &e->polled : NULL;
}

/* End every open episode of the series, take it out of its groups and the
 * index, and free it unless a queued event still points at its labels. */
static void forget(jj_engine *e, jj_series_id id) {
  jj_series *s = e->series[id];
  catch_up(e, s); /* its events show window ends and values */
  for (uint32_t j = 0; j < s->nslots; j++) {
    jj_slot *sl = &s->slots[j];
    if (sl->quality_bad) {
      sl->quality_bad = 0;
      emit_quality(e, s, sl, JJ_EVENT_QUALITY_RESOLVED, JJ_REASON_FORGOTTEN, INT64_MIN, NAN);
    }
  }
  jj__group_leave(e, s, 0); /* a firing feeder is released from its rules groups */
  for (uint32_t i = 0; i < s->ninst; i++) {
    jj_inst *in = &jj__series_inst(s)[i];
    if (in->rule->cfg.group != JJ_GROUP_NONE) continue;
    jj_transition t[2];
    int n = jj__alert_forget(&in->alert, e->now, t);
    for (int k = 0; k < n; k++) jj__emit_inst(e, s, in, &t[k], INT64_MIN, NAN);
  }
  jj__index_remove(&e->series_index, jj__series_hash(s), id, jj__series_hash_at, e->series);
  jj__deadline_forgotten(e, id);
  if (s->has_loc) jj__loc_remove(&e->locs, s); /* its events have their copy */
  s->has_loc = 0;
  e->series[id] = NULL;
  e->st.series--;
  e->st.series_forgotten++;
  s->forgotten = 1;
  if (!s->queued) jj__series_free(&e->alc, s);
}

jj_status jj_engine_forget(jj_engine *e, jj_series_id series) {
  if (!e) return JJ_EINVAL;
  ENGINE_CHECK(e);
  if (series >= e->nseries || !e->series[series]) return JJ_ENOTFOUND;
  forget(e, series);
  return JJ_OK;
}

static int alert_active(const jj_alert *a) { return a->level > 0 || a->nodata; }

/* Hand one active alert to the caller's visitor, with `busy` up as while
 * on_event runs: a visitor calling back in gets JJ_ESTATE. 1 = stop. */
static int visit(jj_engine *e, jj_alert_visit_fn fn, void *ctx, const jj_event *ev) {
  e->busy = 1;
  int stop = fn(ctx, ev);
  e->busy = 0;
  return stop;
}

jj_status jj_engine_foreach_alert(jj_engine *e, jj_alert_visit_fn fn, void *ctx) {
  if (!e || !fn) return JJ_EINVAL;
  ENGINE_CHECK(e);
  jj_event ev;
  for (uint32_t sid = 0; sid < e->nseries; sid++) {
    jj_series *s = e->series[sid];
    if (!s) continue;
    catch_up(e, s); /* window ends and values as the full walk has them */
    for (uint32_t i = 0; i < s->ninst; i++) {
      jj_inst *in = &jj__series_inst(s)[i];
      if (in->rule->cfg.group != JJ_GROUP_NONE || !alert_active(&in->alert)) continue;
      jj__event_active_inst(e, s, in, &ev);
      if (visit(e, fn, ctx, &ev)) return JJ_OK;
    }
  }
  for (uint32_t gi = 0; gi < e->ngroups; gi++) {
    jj_group *g = e->groups[gi];
    if (!g || !alert_active(&g->alert)) continue;
    jj__group_sync(e, g); /* window bounds as the full walk has them */
    jj__event_active_group(e, g, &ev);
    if (visit(e, fn, ctx, &ev)) return JJ_OK;
  }
  return JJ_OK;
}

/* ---- life cycle ----------------------------------------------------------- */

jj_status jj_engine_new(jj_ruleset *rs, const jj_engine_config *cfg, const jj_allocator *alc,
                        jj_engine **out) {
  if (!out) return JJ_EINVAL;
  *out = NULL;
  if (!rs) return JJ_EINVAL;
  jj_engine_config c;
  if (cfg)
    c = *cfg;
  else
    jj_engine_config_init(&c);
  fill_defaults(&c);
  if (c.lateness_ms < 0 || c.lateness_ms > JJ_TS_LIMIT || c.max_labels > JJ_SERIES_MAX_LABELS ||
      c.series_idle_ms < 0)
    return JJ_EINVAL;
  /* A cap below what a rule's window holds would judge fewer samples than
   * the rule says: refused (jj_engine_check names the rule). */
  jj_status cst = jj_engine_check(rs, &c, NULL);
  if (cst != JJ_OK) return cst;
  if ((c.flags & ~JJ_ENGINE_NO_QUEUE) || ((c.flags & JJ_ENGINE_NO_QUEUE) && !c.on_event))
    return JJ_EINVAL;
#ifdef JJ_NO_QUEUE
  /* The poll queue is left out (JJ_WITH_QUEUE=OFF): callback engines only. */
  if (!(c.flags & JJ_ENGINE_NO_QUEUE)) return JJ_ENOTSUP;
  const int no_queue = 1;
#else
  const int no_queue = (c.flags & JJ_ENGINE_NO_QUEUE) != 0;
#endif

  jj_allocator user;
  jj__alloc_resolve(&user, alc);
  jj_engine *e = jj__calloc(&user, sizeof *e);
  if (!e) return JJ_ENOMEM;
  jj__counting_init(&e->counting, &user, &e->alc);
  e->dl.swept = INT64_MIN; /* no advance yet */
  e->cfg = c;
  e->rs = rs;
  /* Tables sized for the limits a device states (max_series, max_groups). */
  e->series_index.first = jj__index_first_cap(c.max_series);
  e->group_index.first = jj__index_first_cap(jj__group_bound(rs, &c));
  jj__ruleset_retain(rs);
  if (!no_queue) {
    e->queue = jj__malloc(&e->alc, (size_t)c.event_queue * sizeof *e->queue);
    e->queue_owner = jj__malloc(&e->alc, (size_t)c.event_queue * sizeof *e->queue_owner);
    e->queue_scratch_cap = jj__queue_scratch_cap(c.event_queue);
    e->queue_scratch = jj__malloc(&e->alc, (size_t)e->queue_scratch_cap * sizeof(uint32_t));
  }
  e->groups_per_rule = jj__calloc(&e->alc, (rs->nrules ? rs->nrules : 1) * sizeof(uint32_t));
  if (c.max_labels) {
    e->labels_delivered = jj__malloc(&e->alc, jj__engine_label_bytes(&c, no_queue));
    if (e->labels_delivered && !no_queue) e->labels_polled = e->labels_delivered + c.max_labels;
  }
  if ((!no_queue && (!e->queue || !e->queue_owner || !e->queue_scratch_cap || !e->queue_scratch)) ||
      !e->groups_per_rule || (c.max_labels && !e->labels_delivered)) {
    jj_engine_free(e);
    return JJ_ENOMEM;
  }
  *out = e;
  return JJ_OK;
}

void jj_engine_free(jj_engine *e) {
  if (!e) return;
  /* Forgotten series and groups live on only through queued events. */
  jj_event ev;
  jj_event_owner o;
  release(e, &e->polled_owner);
  while (e->queue && jj__queue_take(e, &ev, &o)) release(e, &o);
  jj__retired_sweep(e, UINT64_MAX);
  for (uint32_t i = 0; i < e->nseries; i++) jj__series_free(&e->alc, e->series[i]);
  for (uint32_t i = 0; i < e->ngroups; i++) jj__group_free(e, e->groups[i]);
  jj__free(&e->alc, e->series);
  jj__deadline_free(e);
  jj__free(&e->alc, e->groups);
  jj__index_free(&e->series_index, &e->alc);
  jj__loc_free(&e->locs, &e->alc);
  jj__shape_cache_free(&e->shapes, &e->alc);
  jj__index_free(&e->group_index, &e->alc);
  jj__free(&e->alc, e->queue);
  jj__free(&e->alc, e->queue_owner);
  jj__free(&e->alc, e->queue_scratch);
  jj__free(&e->alc, e->groups_per_rule);
  jj__free(&e->alc, e->labels_delivered); /* labels_polled is its second half */
  jj_ruleset_free(e->rs);
  jj_allocator user = e->counting.parent;
  jj__free(&user, e);
}

void jj_engine_stats_get(const jj_engine *e, jj_engine_stats *out) {
  if (!out) return;
  if (!e) {
    memset(out, 0, sizeof *out);
    return;
  }
  *out = e->st;
  out->memory = e->counting.bytes + sizeof *e;
}

jj_status jj_engine_alert_state(const jj_engine *e, jj_series_id series, uint32_t rule,
                                jj_alert_state *out) {
  if (!e || !out) return JJ_EINVAL;
  if (series >= e->nseries || !e->series[series]) return JJ_ENOTFOUND;
  const jj_series *s = e->series[series];
  for (uint32_t i = 0; i < s->ninst; i++) {
    const jj_inst *in = &jj__series_inst(s)[i];
    if (jj__inst_rule_index(e->rs, in) != rule) continue;
    const jj_group *g = jj__inst_group(in);
    if (in->rule->cfg.group != JJ_GROUP_NONE && !g) break; /* refused at max_groups */
    const jj_alert *a = g ? &g->alert : &in->alert;
    memset(out, 0, sizeof *out);
    out->level = a->level;
    out->pending_level = a->pending;
    out->stale = g ? a->stale : jj__inst_stale(in);
    out->flapping = a->flapping;
    out->quality_bad = s->slots[jj__inst_slot(in)].quality_bad;
    out->value = a->value;
    if (!g && in->rule->cfg.window.kind != JJ_WINDOW_TUMBLING) {
      /* The quiet path does not store values; read the window instead. */
      double v;
      out->value = jj_window_value(jj__slot_win(s, &s->slots[jj__inst_slot(in)]), in->rule->cfg.aggregate, &v) == JJ_OK
                       ? v * in->rule->cfg.scale
                       : NAN;
    }
    out->started_ms = a->started;
    out->level_started_ms = a->level_since;
    return JJ_OK;
  }
  return JJ_ENOTFOUND;
}

