/* The engine's bounded poll queue (event_queue.c delivers into it; left
 * out of builds with JJ_WITH_QUEUE=OFF, event_poll_none.c).
 *
 * A full queue makes room so that a consumer that only polls still ends
 * on every alert's latest state: the oldest queued event that a later one
 * of the same alert and the same track supersedes goes first (tracks:
 * firing, no-data, quality — a NODATA is never superseded by a FIRED);
 * only when every queued event is its alert's latest does the oldest one
 * go (events_dropped). See jj_engine_config.event_queue. */
#include <stdint.h>
#include <string.h>

#include "engine_internal.h"

uint32_t jj__queue_scratch_cap(uint32_t cap) {
  uint32_t n = 16;
  while (n < 2u * (uint64_t)cap) {
    if (n >= (1u << 31)) return 0; /* too large: the caller reports JJ_ENOMEM */
    n *= 2;
  }
  return n;
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

void jj__queue_push(jj_engine *e, const jj_event *ev, jj_series *s, jj_group *g) {
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

int jj__queue_take(jj_engine *e, jj_event *out, jj_event_owner *owner) {
  if (e->queue_len == 0) return 0;
  *out = e->queue[e->queue_first];
  *owner = e->queue_owner[e->queue_first];
  e->queue_first = (e->queue_first + 1) % e->cfg.event_queue;
  e->queue_len--;
  return 1;
}
