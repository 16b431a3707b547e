/* Building events from transitions and delivering them: the callback
 * first, then the bounded poll queue (full queue: the new event is dropped
 * and counted). */
#include <math.h>
#include <string.h>

#include "engine_internal.h"
#include "template.h"

static void window_bounds(const jj_engine *e, const jj_rule *r, const jj_inst *in,
                          const jj_group *g, int64_t *start, int64_t *end) {
  const jj_window_config *wc = &r->cfg.window;
  if (g && r->cfg.group == JJ_GROUP_RULES) { /* the agreement span */
    *start = g->win_start;
    *end = g->win_end;
  } else if (wc->kind == JJ_WINDOW_TUMBLING) {
    *start = g ? g->win_start : in->win_start;
    *end = g ? g->win_end : in->win_end;
  } else if (wc->kind == JJ_WINDOW_SLIDING_TIME || g) {
    *end = g ? e->now : jj_window_now(in->win);
    *start = *end - (wc->kind == JJ_WINDOW_SLIDING_TIME ? wc->span_ms : 0);
  } else {
    jj_window_stats ws;
    jj_window_stats_get(in->win, &ws);
    *start = ws.start_ms;
    *end = ws.end_ms;
  }
}

static void emit(jj_engine *e, const jj_transition *t, const jj_rule *r, uint32_t rule_index,
                 jj_series *s, jj_inst *in, jj_group *g, const jj_alert *a, int64_t sample_ts,
                 double sample_value) {
  jj_event ev;
  memset(&ev, 0, sizeof ev);
  ev.seq = ++e->seq;
  ev.kind = t->kind;
  ev.reason = t->reason;
  ev.rule = r->cfg.name;
  ev.rule_index = rule_index;
  ev.level = t->level;
  ev.prev_level = t->prev_level;
  int named = t->level ? t->level : t->prev_level;
  ev.level_name = named ? r->levels[named - 1].name : "";
  ev.severity = named ? r->levels[named - 1].severity : "";
  ev.metric = r->cfg.metric;
  ev.is_group = g != NULL;
  if (g) {
    ev.labels = g->labels;
    ev.nlabels = g->nlabels;
  } else {
    ev.labels = s->labels;
    ev.nlabels = s->nlabels;
  }
  ev.ruleset = e->rs;
  ev.rule_labels = r->labels;
  ev.nrule_labels = r->nlabels;
  ev.value = a->value;
  window_bounds(e, r, in, g, &ev.window_start_ms, &ev.window_end_ms);
  ev.time_ms = e->now;
  /* The episode an event belongs to: a no-data episode for NODATA and
   * NODATA_RESOLVED (not the firing that may be running alongside). */
  if (t->kind == JJ_EVENT_NODATA || t->kind == JJ_EVENT_QUALITY)
    ev.started_ms = e->now;
  else if (t->kind == JJ_EVENT_NODATA_RESOLVED)
    ev.started_ms = a->nodata_since;
  else
    ev.started_ms = a->started;
  ev.sample_ts_ms = sample_ts;
  ev.sample_value = sample_value;
  const jj_series *where = g ? g->cause : s;
  if (where && where->has_loc) {
    ev.has_location = 1;
    ev.lat = where->lat;
    ev.lon = where->lon;
  }
  e->st.events++;
  if (e->cfg.on_event) e->cfg.on_event(e->cfg.on_event_ctx, &ev);
  if (e->queue_len == e->cfg.event_queue) {
    e->st.events_dropped++;
    return;
  }
  e->queue[(e->queue_first + e->queue_len) % e->cfg.event_queue] = ev;
  e->queue_len++;
}

void jj__emit_inst(jj_engine *e, jj_series *s, jj_inst *in, const jj_transition *t,
                   int64_t sample_ts, double sample_value) {
  emit(e, t, in->rule, in->rule_index, s, in, NULL, &in->alert, sample_ts, sample_value);
}

void jj__emit_group(jj_engine *e, jj_group *g, const jj_transition *t, int64_t sample_ts,
                    double sample_value) {
  emit(e, t, g->rule, g->rule_index, NULL, NULL, g, &g->alert, sample_ts, sample_value);
}

int jj_engine_poll(jj_engine *e, jj_event *out) {
  if (!e || !out || e->queue_len == 0) return 0;
  *out = e->queue[e->queue_first];
  e->queue_first = (e->queue_first + 1) % e->cfg.event_queue;
  e->queue_len--;
  return 1;
}

const char *jj_event_kind_name(int kind) {
  switch (kind) {
    case JJ_EVENT_FIRED: return "fired";
    case JJ_EVENT_ESCALATED: return "escalated";
    case JJ_EVENT_DOWNGRADED: return "downgraded";
    case JJ_EVENT_RESOLVED: return "resolved";
    case JJ_EVENT_REPEAT: return "repeat";
    case JJ_EVENT_NODATA: return "nodata";
    case JJ_EVENT_NODATA_RESOLVED: return "nodata_resolved";
    case JJ_EVENT_FLAPPING: return "flapping";
    case JJ_EVENT_FLAPPING_END: return "flapping_end";
    case JJ_EVENT_QUALITY: return "quality";
    case JJ_EVENT_QUALITY_RESOLVED: return "quality_resolved";
    default: return NULL;
  }
}

const char *jj_event_reason_name(int reason) {
  switch (reason) {
    case JJ_REASON_NONE: return "";
    case JJ_REASON_STALE: return "stale";
    case JJ_REASON_RANGE: return "range";
    case JJ_REASON_STUCK: return "stuck";
    default: return NULL;
  }
}

size_t jj_event_size(void) { return sizeof(jj_event); }

/* ---- annotations ------------------------------------------------------- */

static const jj_rule *event_rule(const jj_event *ev) {
  if (!ev || !ev->ruleset || ev->rule_index >= ev->ruleset->nrules) return NULL;
  return &ev->ruleset->rules[ev->rule_index];
}

uint32_t jj_event_annotation_count(const jj_event *ev) {
  const jj_rule *r = event_rule(ev);
  return r ? r->nannotations : 0;
}

const char *jj_event_annotation_name(const jj_event *ev, uint32_t i) {
  const jj_rule *r = event_rule(ev);
  return (r && i < r->nannotations) ? r->annotations[i].name : NULL;
}

size_t jj_event_render(const jj_event *ev, uint32_t i, char *buf, size_t size) {
  const jj_rule *r = event_rule(ev);
  if (!r || i >= r->nannotations) {
    if (buf && size) buf[0] = '\0';
    return 0;
  }
  return jj__template_render(r->annotations[i].value, ev, buf, size);
}
