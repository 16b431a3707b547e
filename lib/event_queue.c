/* Building events from transitions and delivering them: the callback
 * first, then the bounded poll queue (no queue with JJ_ENGINE_NO_QUEUE).
 * Each queued event remembers the series or group whose labels it points
 * at and holds a reference on it, so forgetting that series cannot free
 * the labels of an event still waiting to be polled (jj_engine_poll, in
 * engine.c, lets go).
 *
 * A full queue makes room so that a consumer that only polls still ends
 * on every alert's latest state: the oldest queued event that a later one
 * of the same alert and the same track supersedes goes first (tracks:
 * firing, no-data, quality — a NODATA is never superseded by a FIRED);
 * only when every queued event is its alert's latest does the oldest one
 * go (events_dropped). See jj_engine_config.event_queue. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "engine_internal.h"

static void window_bounds(const jj_engine *e, const jj_rule *r, const jj_series *s,
                          const jj_inst *in, const jj_group *g, int64_t *start, int64_t *end) {
  const jj_window_config *wc = &r->cfg.window;
  if (g && jj__combines_rules(r->cfg.group)) { /* the agreement span (CAI: the last source's) */
    *start = g->win_start;
    *end = g->win_end;
  } else if (wc->kind == JJ_WINDOW_TUMBLING) {
    *start = g ? g->win_start : in->more->win_start; /* a TUMBLING rule's instance has one */
    *end = g ? g->win_end : in->more->win_end;
  } else if (wc->kind == JJ_WINDOW_SLIDING_TIME || g) {
    *end = g ? e->now : jj_window_now(s->slots[in->slot].win);
    *start = *end == INT64_MIN ? INT64_MIN
                               : *end - (wc->kind == JJ_WINDOW_SLIDING_TIME ? wc->span_ms : 0);
  } else {
    jj_window_stats ws;
    jj_window_stats_get(s->slots[in->slot].win, &ws);
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
    ev.labels = s->labels;
    ev.nlabels = s->nlabels;
  }
  ev.fingerprint = jj_fingerprint(r->cfg.name, ev.labels, ev.nlabels);
  ev.ruleset = e->rs;
  ev.rule_labels = r->labels;
  ev.nrule_labels = r->nlabels;
  ev.value = a->value;
  ev.concentration = NAN;
  ev.band = ev.index_name = "";
  if (r->index) {
    ev.concentration = g ? g->index_conc : in && in->more ? in->more->index_conc : NAN;
    ev.band = jj_aqi_band_name(r->index, jj_aqi_band_of_index(r->index, a->value));
    ev.index_name = jj_aqi_table_name(r->index);
  }
  window_bounds(e, r, s, in, g, &ev.window_start_ms, &ev.window_end_ms);
  ev.time_ms = e->now;
  /* The episode an event belongs to: a no-data episode for NODATA and
   * NODATA_RESOLVED (not the firing that may be running alongside). */
  if (t->kind == JJ_EVENT_NODATA || t->kind == JJ_EVENT_QUALITY)
    ev.started_ms = e->now;
  else if (t->kind == JJ_EVENT_NODATA_RESOLVED || (t->kind == JJ_EVENT_ACTIVE && !a->level))
    ev.started_ms = a->nodata_since;
  else if (t->kind == JJ_EVENT_QUALITY_RESOLVED && !a->level)
    ev.started_ms = INT64_MIN; /* not firing: no episode to report */
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
  *out = ev;
}

/* ---- a full queue ----------------------------------------------------- */

uint32_t jj__queue_scratch_cap(uint32_t cap) {
  uint32_t n = 16;
  while (n < 2u * (uint64_t)cap) {
    if (n >= (1u << 31)) return 0; /* too large: the caller reports JJ_ENOMEM */
    n *= 2;
  }
  return n;
}

void jj__owner_release(jj_engine *e, jj_event_owner *o) {
  if (o->series && --o->series->queued == 0 && o->series->forgotten)
    jj__series_free(&e->alc, o->series);
  if (o->group && --o->group->queued == 0 && o->group->forgotten) jj__group_free(e, o->group);
  o->series = NULL;
  o->group = NULL;
}

/* Which of an alert's episodes an event belongs to: later events of the
 * same track supersede earlier ones. */
static int track_of(jj_event_kind k) {
  switch (k) {
    case JJ_EVENT_NODATA:
    case JJ_EVENT_NODATA_RESOLVED: return 1;
    case JJ_EVENT_QUALITY:
    case JJ_EVENT_QUALITY_RESOLVED: return 2;
    case JJ_EVENT_FIRED:
    case JJ_EVENT_ESCALATED:
    case JJ_EVENT_DOWNGRADED:
    case JJ_EVENT_RESOLVED:
    case JJ_EVENT_REPEAT:
    case JJ_EVENT_FLAPPING:
    case JJ_EVENT_FLAPPING_END:
    case JJ_EVENT_ACTIVE: break;
  }
  return 0;
}

/* An alert is its owner (the series or the group) and its rule. */
static int same_alert(const jj_event *a, const jj_event_owner *oa, const jj_event *b,
                      const jj_event_owner *ob) {
  return oa->series == ob->series && oa->group == ob->group && a->rule_index == b->rule_index &&
         track_of(a->kind) == track_of(b->kind);
}

static uint32_t alert_hash(const jj_event *ev, const jj_event_owner *o) {
  uint64_t h = (uint64_t)(uintptr_t)(o->series ? (const void *)o->series : (const void *)o->group);
  h ^= ((uint64_t)ev->rule_index << 2 | (uint64_t)track_of(ev->kind)) * 0x9E3779B97F4A7C15ull;
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  return (uint32_t)(h >> 32);
}

/* The queue is full and `ev` (of s or g) comes: drop the oldest queued
 * event a later one of its alert and track supersedes (the new event
 * included), else the oldest of all. One pass from the newest event back,
 * with a hash table of the alerts seen so far: O(queue) per event, only
 * while the queue is full. */
static void make_room(jj_engine *e, const jj_event *ev, jj_series *s, jj_group *g) {
  const uint32_t cap = e->cfg.event_queue, mask = e->queue_scratch_cap - 1;
  if (cap == 0 || e->queue_len == 0) return; /* not a full queue: nothing to do */
  uint32_t *tab = e->queue_scratch; /* queue position + 1; 0 = empty */
  memset(tab, 0, (size_t)e->queue_scratch_cap * sizeof *tab);
  jj_event_owner new_owner = {g ? NULL : s, g};
  uint32_t victim = 0; /* position from queue_first; 0 (the oldest) when nothing is superseded */
  int superseded = 0;
  for (uint32_t k = e->queue_len + 1; k-- > 0;) {
    /* k == queue_len is the new event */
    const jj_event *x = k == e->queue_len ? ev : &e->queue[(e->queue_first + k) % cap];
    const jj_event_owner *ox =
        k == e->queue_len ? &new_owner : &e->queue_owner[(e->queue_first + k) % cap];
    uint32_t i = alert_hash(x, ox) & mask;
    int seen = 0;
    for (; tab[i]; i = (i + 1) & mask) {
      uint32_t q = tab[i] - 1; /* a later event of the same hash */
      const jj_event *y = q == e->queue_len ? ev : &e->queue[(e->queue_first + q) % cap];
      const jj_event_owner *oy =
          q == e->queue_len ? &new_owner : &e->queue_owner[(e->queue_first + q) % cap];
      if (same_alert(x, ox, y, oy)) {
        seen = 1;
        break;
      }
    }
    if (seen) {
      victim = k;
      superseded = 1;
    } else {
      tab[i] = k + 1;
    }
  }
  if (superseded)
    e->st.events_superseded++;
  else
    e->st.events_dropped++;
  uint32_t at = (e->queue_first + victim) % cap;
  jj__owner_release(e, &e->queue_owner[at]);
  /* close the gap: the events after the victim move one place forward */
  for (uint32_t k = victim; k + 1 < e->queue_len; k++) {
    uint32_t to = (e->queue_first + k) % cap, from = (to + 1) % cap;
    e->queue[to] = e->queue[from];
    e->queue_owner[to] = e->queue_owner[from];
  }
  e->queue_len--;
}

static void deliver(jj_engine *e, jj_event *ev, jj_series *s, jj_group *g) {
  ev->seq = ++e->seq;
  e->st.events++;
  if (e->cfg.on_event) {
    e->busy = 1; /* calls back into the engine get JJ_ESTATE (engine.c) */
    e->cfg.on_event(e->cfg.on_event_ctx, ev);
    e->busy = 0;
  }
  if (!e->queue) return; /* JJ_ENGINE_NO_QUEUE: the callback was the delivery */
  if (e->queue_len == e->cfg.event_queue) make_room(e, ev, s, g);
  uint32_t at = (e->queue_first + e->queue_len) % e->cfg.event_queue;
  e->queue[at] = *ev;
  e->queue_owner[at].series = g ? NULL : s;
  e->queue_owner[at].group = g;
  if (g)
    g->queued++;
  else if (s) /* an event of a dropped rule's group owns nothing (snapshot.c) */
    s->queued++;
  e->queue_len++;
}

void jj__emit_inst(jj_engine *e, jj_series *s, jj_inst *in, const jj_transition *t,
                   int64_t sample_ts, double sample_value) {
  jj_event ev;
  build(e, t, in->rule, in->rule_index, s, in, NULL, &in->alert, sample_ts, sample_value, &ev);
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
  build(e, &t, in->rule, in->rule_index, s, in, NULL, &in->alert, INT64_MIN, NAN, out);
}

void jj__event_active_group(jj_engine *e, jj_group *g, jj_event *out) {
  jj_transition t;
  active_transition(&g->alert, &t);
  build(e, &t, g->rule, g->rule_index, NULL, NULL, g, &g->alert, INT64_MIN, NAN, out);
}

int jj__queue_take(jj_engine *e, jj_event *out, jj_event_owner *owner) {
  if (e->queue_len == 0) return 0;
  *out = e->queue[e->queue_first];
  *owner = e->queue_owner[e->queue_first];
  e->queue_first = (e->queue_first + 1) % e->cfg.event_queue;
  e->queue_len--;
  return 1;
}
