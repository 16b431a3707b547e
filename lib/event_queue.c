/* Building events from transitions and delivering them: the callback
 * first, then the bounded poll queue (event_poll.c; no queue with
 * JJ_ENGINE_NO_QUEUE). Each queued event remembers the series or group
 * whose labels it points at and holds a reference on it, so forgetting
 * that series cannot free the labels of an event still waiting to be
 * polled (jj_engine_poll, in engine.c, lets go). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "engine_internal.h"

static void window_bounds(const jj_engine *e, const jj_rule *r, const jj_series *s,
                          const jj_inst *in, const jj_group *g, int64_t *start, int64_t *end) {
  const jj_window_cfg *wc = &r->cfg.window;
  if (g && jj__combines_rules(r->cfg.group)) { /* the agreement span (CAI: the last source's) */
    *start = g->win_start;
    *end = g->win_end;
  } else if (wc->kind == JJ_WINDOW_TUMBLING) {
    /* A TUMBLING rule's instance has a jj_inst_more (a group its own bounds). */
    const jj_inst_more *m = !g && in ? jj__inst_more(in) : NULL;
    *start = g ? g->win_start : m ? m->win_start : INT64_MIN;
    *end = g ? g->win_end : m ? m->win_end : INT64_MIN;
  } else if (wc->kind == JJ_WINDOW_SLIDING_TIME || g) {
    *end = g ? e->now : jj_window_now(jj__slot_win(s, &s->slots[jj__inst_slot(in)]));
    *start = *end == INT64_MIN ? INT64_MIN
                               : *end - (wc->kind == JJ_WINDOW_SLIDING_TIME ? wc->span_ms : 0);
  } else {
    jj_window_stats ws;
    jj_window_stats_get(jj__slot_win(s, &s->slots[jj__inst_slot(in)]), &ws);
    *start = ws.start_ms;
    *end = ws.end_ms;
  }
  /* No window yet (a quality event before the first accepted reading, a
   * TUMBLING rule before its first window closed): no bounds, rather than
   * bounds computed from INT64_MIN. */
  if (*end == INT64_MIN || *start == INT64_MIN) *start = *end = INT64_MIN;
}

static void build(jj_engine *e, const jj_transition *t, const jj_rule *r, uint32_t rule_index,
                  jj_series *s, jj_inst *in, jj_group *g, const jj_alert *a, int64_t sample_ts,
                  double sample_value, jj_event *out) {
  jj_event ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = t->kind;
  ev.reason = t->reason;
  ev.rule = r->cfg.name;
  ev.rule_index = rule_index;
  ev.level = t->level;
  ev.prev_level = t->prev_level;
  int named = t->level ? t->level : t->prev_level;
  ev.level_name = named ? r->levels[named - 1].name : "";
  ev.severity = named ? r->levels[named - 1].severity : "";
  ev.prev_level_name = t->prev_level ? r->levels[t->prev_level - 1].name : "";
  ev.prev_severity = t->prev_level ? r->levels[t->prev_level - 1].severity : "";
  ev.level_started_ms = a->level_since;
  ev.metric = r->cfg.metric;
  ev.is_group = g != NULL;
  if (g) {
    ev.labels = g->labels;
    ev.nlabels = g->nlabels;
  } else {
    /* Valid while it is delivered or visited; a queued copy gets them
     * again when polled (jj_engine_poll). */
    jj__series_labels(s, e->labels_delivered);
    ev.labels = e->labels_delivered;
    ev.nlabels = s->nlabels;
  }
  ev.fingerprint = jj_fingerprint(r->cfg.name, ev.labels, ev.nlabels);
  ev.ruleset = e->rs;
  ev.rule_labels = r->labels;
  ev.nrule_labels = r->nlabels;
  ev.value = a->value;
  ev.concentration = NAN;
  ev.band = ev.index_name = "";
#ifndef JJ_NO_AQI /* else no rule has an index (feature_check.c) */
  if (r->index) {
    const jj_inst_more *m = !g && in ? jj__inst_more(in) : NULL;
    ev.concentration = g ? g->index_conc : m ? m->index_conc : NAN;
    ev.band = jj_aqi_band_name(r->index, jj_aqi_band_of_index(r->index, a->value));
    ev.index_name = jj_aqi_table_name(r->index);
  }
#endif
  window_bounds(e, r, s, in, g, &ev.window_start_ms, &ev.window_end_ms);
  ev.time_ms = e->now;
  /* The episode an event belongs to: a no-data episode for NODATA and
   * NODATA_RESOLVED (not the firing that may be running alongside). */
  if (t->kind == JJ_EVENT_NODATA || t->kind == JJ_EVENT_QUALITY)
    ev.started_ms = e->now;
  else if (t->kind == JJ_EVENT_NODATA_RESOLVED || (t->kind == JJ_EVENT_ACTIVE && !a->level))
    ev.started_ms = jj__alert_nodata_since(a);
  else if (t->kind == JJ_EVENT_QUALITY_RESOLVED && !a->level)
    ev.started_ms = INT64_MIN; /* not firing: no episode to report */
  else
    ev.started_ms = a->started;
  ev.sample_ts_ms = sample_ts;
  ev.sample_value = sample_value;
  const jj_series *where = g ? g->cause : s;
  const jj_loc_entry *loc = where && where->has_loc ? jj__loc_get(&e->locs, where) : NULL;
  if (loc) {
    ev.has_location = 1;
    ev.lat = loc->lat;
    ev.lon = loc->lon;
  }
  *out = ev;
}

/* ---- a full queue ----------------------------------------------------- */

void jj__owner_release(jj_engine *e, jj_event_owner *o) {
  if (o->series && --o->series->queued == 0 && o->series->forgotten)
    jj__series_free(&e->alc, o->series);
  if (o->group && --o->group->queued == 0 && o->group->forgotten) jj__group_free(e, o->group);
  o->series = NULL;
  o->group = NULL;
}

static void deliver(jj_engine *e, jj_event *ev, jj_series *s, jj_group *g) {
  ev->seq = ++e->seq;
  e->st.events++;
  if (e->cfg.on_event) {
    e->busy = 1; /* calls back into the engine get JJ_ESTATE (engine.c) */
    e->cfg.on_event(e->cfg.on_event_ctx, ev);
    e->busy = 0;
  }
  /* Without a queue (JJ_ENGINE_NO_QUEUE) the callback was the delivery. */
  if (e->queue) jj__queue_push(e, ev, s, g);
}

void jj__emit_inst(jj_engine *e, jj_series *s, jj_inst *in, const jj_transition *t,
                   int64_t sample_ts, double sample_value) {
  jj_event ev;
  build(e, t, in->rule, jj__inst_rule_index(e->rs, in), s, in, NULL, &in->alert, sample_ts, sample_value, &ev);
  deliver(e, &ev, s, NULL);
}

void jj__emit_built(jj_engine *e, jj_event *ev, jj_series *s) { deliver(e, ev, s, NULL); }

void jj__emit_group(jj_engine *e, jj_group *g, const jj_transition *t, int64_t sample_ts,
                    double sample_value) {
  jj_event ev;
  build(e, t, g->rule, g->rule_index, NULL, NULL, g, &g->alert, sample_ts, sample_value, &ev);
  deliver(e, &ev, NULL, g);
}

/* The alert as it stands, for jj_engine_foreach_alert: not a transition,
 * so no sequence number and no delivery. */
static void active_transition(const jj_alert *a, jj_transition *t) {
  t->kind = JJ_EVENT_ACTIVE;
  t->level = t->prev_level = a->level;
  t->reason = a->nodata ? JJ_REASON_STALE : JJ_REASON_NONE;
}

void jj__event_active_inst(jj_engine *e, jj_series *s, jj_inst *in, jj_event *out) {
  jj_transition t;
  active_transition(&in->alert, &t);
  build(e, &t, in->rule, jj__inst_rule_index(e->rs, in), s, in, NULL, &in->alert, INT64_MIN, NAN, out);
}

void jj__event_active_group(jj_engine *e, jj_group *g, jj_event *out) {
  jj_transition t;
  active_transition(&g->alert, &t);
  build(e, &t, g->rule, g->rule_index, NULL, NULL, g, &g->alert, INT64_MIN, NAN, out);
}
