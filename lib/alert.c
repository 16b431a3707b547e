/* The alert state machine; see alert.h.
 *
 * Levels are ordered from least to most severe. A level raises when its
 * issue condition has held for its persistence; the highest such level
 * wins (so a jump straight to "warning" fires "warning"). A firing level
 * leaves when its own clear condition has held for its clear persistence;
 * it then drops through every lower level whose clear condition has held
 * for that level's own clear persistence too, counted while the higher
 * level was firing (Korean PM2.5: warning clears below 75 and becomes an
 * advisory, which itself clears below 35; one hour below 35 resolves
 * both). The first lower level not yet persistent is where the alert lands
 * (a downgrade); it resolves later, when its own persistence completes. A
 * lower level without clear persistence is passed on the value alone. */
#include "alert.h"

#include <math.h>
#include <string.h>

size_t jj__alert_store_bytes(const jj_rule *r, int flap) {
  return (flap ? JJ_FLAP_SLOTS * sizeof(int64_t) : 0) +
         (jj__alert_needs_cold(r) ? sizeof(jj_alert_cold) : 0) + jj__alert_levels_bytes(r->nlevels);
}

void jj__alert_init(jj_alert *a, void *store, const jj_rule *r, int flap) {
  const uint32_t nlevels = r->nlevels;
  memset(a, 0, sizeof *a);
  a->value = NAN;
  a->level_since = INT64_MIN;
  a->nlevels = (uint8_t)nlevels; /* <= JJ_MAX_LEVELS */
  const size_t bytes = jj__alert_store_bytes(r, flap);
  memset(store, 0, bytes);
  a->has_flap = flap != 0;
  a->cold = jj__alert_needs_cold(r);
  /* the same block (see jj__alert_init): the per-level storage last, after
   * the flap history and the cold part (jj__alert_store) */
  a->store_off = (int32_t)((char *)store + bytes - jj__alert_levels_bytes(nlevels) - (char *)a);
}

int64_t jj__alert_nodata_since(const jj_alert *a) {
  const jj_alert_cold *c = jj__alert_cold(a);
  return c ? c->nodata_since : 0;
}

int64_t jj__alert_last_notify(const jj_alert *a) {
  const jj_alert_cold *c = jj__alert_cold(a);
  return c ? c->last_notify : jj__alert_last_transition(a);
}

static void reset_streaks(jj_alert *a) {
  memset(jj__alert_streak(a), 0, a->nlevels * sizeof(uint16_t));
  a->streaking = 0;
  a->pending = 0;
}

/* One evaluation of slot k's condition: a fresh one that holds extends the
 * streak, any one that fails breaks it. */
static inline void count_streak(jj_alert *a, int k, int holds, int fresh, int64_t now) {
  uint16_t *streak = jj__alert_streak(a);
  if (!holds) {
    streak[k] = 0;
    return;
  }
  if (!fresh) return;
  if (streak[k] == 0) jj__alert_since(a)[k] = now;
  if (streak[k] < UINT16_MAX) streak[k]++;
}

/* Level k's (0-based, at or below the current level) clear condition has
 * held for its clear persistence (clear_for_count >= 1 once compiled). */
static int clear_persistent(const jj_alert *a, const jj_level *l, int k, int64_t now) {
  return jj__alert_streak(a)[k] >= l->clear_for_count &&
         now - jj__alert_since(a)[k] >= l->keep_firing_for_ms;
}

/* Flap detection: `flap_changes` transitions within `flap_window_ms`. */
static int note_flap(jj_alert *a, const jj_rule *r, int64_t now) {
  uint32_t k = r->cfg.flap_changes;
  if (k == 0) return 0;
  jj__alert_flap(a)[a->flap_head] = now;
  a->flap_head = (uint8_t)((a->flap_head + 1) % JJ_FLAP_SLOTS);
  if (a->flap_n < JJ_FLAP_SLOTS) a->flap_n++;
  if (a->flapping || a->flap_n < k) return 0;
  /* The k-th most recent transition, counting this one. */
  int64_t oldest = jj__alert_flap(a)[(a->flap_head + JJ_FLAP_SLOTS - k) % JJ_FLAP_SLOTS];
  return now - oldest <= r->cfg.flap_window_ms;
}

/* A receiver is told something now. Without a jj_alert_cold (its rule
 * neither repeats nor detects flapping) that is a transition, and
 * jj__alert_last_notify reads level_since. */
static void note_notify(jj_alert *a, int64_t now) {
  jj_alert_cold *c = jj__alert_cold(a);
  if (c) c->last_notify = now;
}

/* A no-data episode starts now (the rule's alerts have a jj_alert_cold:
 * jj__alert_needs_cold). */
static void note_nodata(jj_alert *a, int64_t now) {
  jj_alert_cold *c = jj__alert_cold(a);
  if (c) c->nodata_since = now;
}

static int transition(jj_alert *a, const jj_rule *r, jj_event_kind kind, int level,
                      jj_event_reason reason, int64_t now, jj_transition *out, uint64_t *muted) {
  int prev = a->level;
  a->level = (int8_t)level;
  if (prev == 0 && level > 0) a->started = now;
  /* Also while muted: the state is the truth. Every transition changes the
   * level, so this is also the last transition's time
   * (jj__alert_last_transition). */
  a->level_since = now;
  if (level == 0) {
    reset_streaks(a);
  } else {
    /* The slots between the two levels swap issue and clear counting. */
    int lo = prev < level ? prev : level, hi = prev < level ? level : prev;
    memset(jj__alert_streak(a) + lo, 0, (size_t)(hi - lo) * sizeof(uint16_t));
  }
  int start_flapping = note_flap(a, r, now);
  if (a->flapping) {
    (*muted)++;
    return 0;
  }
  note_notify(a, now);
  out->kind = kind;
  out->level = level;
  out->prev_level = prev;
  out->reason = reason;
  if (start_flapping) {
    a->flapping = 1;
    out->kind = JJ_EVENT_FLAPPING;
  }
  return 1;
}

int jj__alert_eval(jj_alert *a, const jj_rule *r, double value, int valid, int fresh,
                   int64_t now, jj_transition *out, uint64_t *muted) {
  const int n = (int)r->nlevels;
  if (!valid) {
    /* Missing or incomplete data never counts as clean air, nor as a
     * reason to raise: both streaks start over. */
    if (fresh) {
      reset_streaks(a);
      a->value = NAN;
    }
    return 0;
  }
  a->value = value;
  /* Fast path, the common case: nothing firing or building up, and the
   * least severe level's issue condition fails, so no level's can hold
   * (levels are ordered). */
  if (jj__alert_quiet(a, r, value)) return 0;
  const int cur = a->level;
  for (int k = 0; k < cur; k++) {
    const jj_level *l = &r->levels[k];
    count_streak(a, k, jj__cmp_holds(l->clear_op, value, l->clear_value), fresh, now);
  }
  a->streaking = 0;
  for (int k = cur; k < n; k++) {
    const jj_level *l = &r->levels[k];
    count_streak(a, k, jj__cmp_holds(l->issue_op, value, l->issue_value), fresh, now);
    if (jj__alert_streak(a)[k]) a->streaking = 1;
  }

  int target = 0;
  a->pending = 0;
  for (int k = n - 1; k >= cur; k--) {
    const jj_level *l = &r->levels[k];
    const uint16_t streak = jj__alert_streak(a)[k];
    if (streak == 0) continue;
    if (streak >= l->for_count && now - jj__alert_since(a)[k] >= l->for_ms) {
      target = k + 1;
      break;
    }
    if (!a->pending) a->pending = (int8_t)(k + 1);
  }
  if (target > cur) {
    a->pending = 0;
    return transition(a, r, cur == 0 ? JJ_EVENT_FIRED : JJ_EVENT_ESCALATED, target, JJ_REASON_NONE,
                      now, out, muted);
  }

  if (cur == 0 || !clear_persistent(a, &r->levels[cur - 1], cur - 1, now)) return 0;
  /* Drop through the lower levels that are persistently clear too. One
   * without clear persistence needs only its condition on this value (also
   * on a time-driven re-check, which counts no evaluation). */
  int next = cur - 1;
  while (next > 0) {
    const jj_level *l = &r->levels[next - 1];
    int plain = l->clear_for_count <= 1 && l->keep_firing_for_ms == 0;
    if (plain ? !jj__cmp_holds(l->clear_op, value, l->clear_value)
              : !clear_persistent(a, l, next - 1, now))
      break;
    next--;
  }
  return transition(a, r, next == 0 ? JJ_EVENT_RESOLVED : JJ_EVENT_DOWNGRADED, next, JJ_REASON_NONE,
                    now, out, muted);
}

int jj__alert_tick(jj_alert *a, const jj_rule *r, int64_t now, jj_transition *out) {
  jj_event_kind kind;
  if (a->flapping && now - jj__alert_last_transition(a) >= r->cfg.flap_window_ms) {
    a->flapping = 0;
    a->flap_n = 0;
    kind = JJ_EVENT_FLAPPING_END;
  } else if (a->level > 0 && !a->flapping && r->cfg.repeat_interval_ms > 0 &&
             now - jj__alert_last_notify(a) >= r->cfg.repeat_interval_ms) {
    kind = JJ_EVENT_REPEAT;
  } else {
    return 0;
  }
  note_notify(a, now);
  out->kind = kind;
  out->level = out->prev_level = a->level;
  out->reason = JJ_REASON_NONE;
  return 1;
}

int jj__alert_stale(jj_alert *a, const jj_rule *r, int64_t now, jj_transition *out,
                    uint64_t *muted) {
  if (a->stale) return 0;
  a->stale = 1;
  reset_streaks(a);
  a->value = NAN;
  switch (r->cfg.on_missing) {
    case JJ_MISSING_KEEP: return 0;
    case JJ_MISSING_RESOLVE:
      if (a->level == 0) return 0;
      return transition(a, r, JJ_EVENT_RESOLVED, 0, JJ_REASON_STALE, now, out, muted);
    case JJ_MISSING_ALERT:
      a->nodata = 1;
      note_nodata(a, now); /* NODATA_RESOLVED reports it as started_ms */
      out->kind = JJ_EVENT_NODATA;
      out->level = out->prev_level = a->level;
      out->reason = JJ_REASON_STALE;
      return 1;
  }
  return 0;
}

int jj__alert_forget(jj_alert *a, int64_t now, jj_transition out[2]) {
  int n = 0;
  if (a->nodata) {
    a->nodata = 0;
    out[n].kind = JJ_EVENT_NODATA_RESOLVED;
    out[n].level = out[n].prev_level = a->level;
    out[n].reason = JJ_REASON_FORGOTTEN;
    n++;
  }
  if (a->level > 0) {
    /* Never muted by flapping: the receiver must learn the alert ended. */
    out[n].kind = JJ_EVENT_RESOLVED;
    out[n].level = 0;
    out[n].prev_level = a->level;
    out[n].reason = JJ_REASON_FORGOTTEN;
    n++;
    a->level = 0;
    a->level_since = now; /* and so the last transition's */
  }
  reset_streaks(a);
  return n;
}

int jj__alert_unstale(jj_alert *a, int64_t now, jj_transition *out) {
  (void)now;
  if (!a->stale) return 0;
  a->stale = 0;
  if (!a->nodata) return 0;
  a->nodata = 0;
  out->kind = JJ_EVENT_NODATA_RESOLVED;
  out->level = out->prev_level = a->level;
  out->reason = JJ_REASON_NONE;
  return 1;
}
