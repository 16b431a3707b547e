/* Internal: a series — one metric and one label set — with what the
 * engine keeps for it: its identity (sorted labels, hash, lookup), its
 * instances (one per matching rule), the slots whose windows they share,
 * and each slot's quiet bounds, all laid out when the series is created. */
#ifndef JJ_LIB_SERIES_H
#define JJ_LIB_SERIES_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "alert.h"
#include "alloc.h"
#include "due_rec.h"
#include "index.h"
#include "ksum.h" /* JJ_HOT_INLINE */
#include "ruleset.h"
#include "window_fast.h"

typedef struct jj_group jj_group;
typedef struct jj_series jj_series;

/* What only some instances use: group members, rules that feed groups,
 * TUMBLING rules and rules judged through an index. It comes just before
 * the instance's alert's store in the series block (series.c,
 * inst_store), for the instances that need one (jj__inst_needs_more), so
 * a plain rule's instance stays small. */
typedef struct jj_inst_more {
  jj_group *group;      /* group rules: the group this series belongs to */
  jj_group *feed[JJ_MAX_FEEDS]; /* JJ_GROUP_RULES groups this alert feeds */
  /* As a group member: the last judged value of this series. */
  double member_value;
  int64_t member_agree_ts; /* K_OF_N: last time the member condition held */
  int64_t member_reported_end; /* TUMBLING: end of the last window reported to the group */
  int64_t win_start, win_end; /* TUMBLING: bounds of the last judged window */
  double index_conc; /* rules with an index: the concentration last judged */
  uint8_t member_valid;
} jj_inst_more;

/* One (series, rule) pair: the rule's alert for the series, or its
 * membership in a group. 48 bytes on LP64: what the instance keeps of its
 * own besides the rule (its slot, whether it is stale, whether it has a
 * jj_inst_more) is in its alert's host word (jj__inst_slot,
 * jj__inst_stale), and its jj_inst_more is found from its alert's store
 * (jj__inst_more), so it needs no offset of its own. */
typedef struct jj_inst {
  /* What judging a sample reads comes first: a quiet check reads the rule
   * and the head of the alert. */
  const jj_rule *rule; /* its index in the ruleset: jj__inst_rule_index */
  jj_alert alert;       /* rules without groups */
} jj_inst;

/* The instance's bits in alert.host. */
#define JJ_INST_SLOT_MASK 0xffffu /* index of the series' slot holding its window */
#define JJ_INST_STALE (1u << 16)  /* stale (no sample for the rule's stale_after_ms) */
#define JJ_INST_MORE (1u << 17)   /* a jj_inst_more precedes its alert's store */

static inline void jj__inst_host_init(jj_inst *in, uint32_t slot, int more) {
  in->alert.host = (slot & JJ_INST_SLOT_MASK) | (more ? JJ_INST_MORE : 0);
}
/* The index of the series' slot holding the instance's window. */
static inline uint32_t jj__inst_slot(const jj_inst *in) {
  return in->alert.host & JJ_INST_SLOT_MASK;
}
static inline int jj__inst_stale(const jj_inst *in) {
  return (in->alert.host & JJ_INST_STALE) != 0;
}
static inline void jj__inst_set_stale(jj_inst *in, int stale) {
  in->alert.host = stale ? in->alert.host | JJ_INST_STALE : in->alert.host & ~JJ_INST_STALE;
}

/* The index in `rs` of the instance's rule: instances point into the
 * ruleset of the engine (or state) that holds their series, so the index
 * is not stored (4 bytes an instance). */
static inline uint32_t jj__inst_rule_index(const jj_ruleset *rs, const jj_inst *in) {
  return (uint32_t)(in->rule - rs->rules);
}

/* The instance's jj_inst_more, or NULL (jj__inst_needs_more). The record
 * is the instance's own, not part of it: reachable from a const one. */
static inline jj_inst_more *jj__inst_more(const jj_inst *in) {
  return (in->alert.host & JJ_INST_MORE) ? (jj_inst_more *)(void *)jj__alert_store(&in->alert) - 1
                                         : NULL;
}

/* What an instance of rule r in a slot that is (not) `tumbling` reads
 * from its jj_inst_more. */
static inline int jj__inst_needs_more(const jj_rule *r, int tumbling) {
  return r->cfg.group != JJ_GROUP_NONE || r->nfeeds || r->index || tumbling;
}
/* The group the instance is a member of (NULL: none, or refused at
 * max_groups). */
static inline jj_group *jj__inst_group(const jj_inst *in) {
  return jj__inst_more(in) ? jj__inst_more(in)->group : NULL;
}
/* The instance's saved values as a snapshot stores them: its own, or for
 * an instance without jj_inst_more the values one would start with. */
static inline jj_inst_more jj__inst_more_or_default(const jj_inst *in) {
  if (jj__inst_more(in)) return *jj__inst_more(in);
  jj_inst_more m = {0};
  m.member_value = (double)NAN;
  m.member_agree_ts = INT64_MIN;
  m.win_start = m.win_end = INT64_MIN;
  return m;
}

/* A slot's quiet bounds for one aggregate, over its quiet instances:
 * every one of them is quiet when lo > x > hi (lo: the least threshold of
 * its >=/> rules, hi: the greatest of its <=/< rules). */
typedef struct jj_quiet {
  double lo, hi;
  uint32_t agg;
} jj_quiet;

/* Widen q to cover rule r's bound: x >= t and x > t are quiet for every
 * x < t; x <= t and x < t for every x > t (the least severe level's issue
 * condition: see jj__alert_quiet). */
static inline void jj__quiet_add(jj_quiet *q, const jj_rule *r) {
  const jj_level *l = &r->levels[0];
  if (l->issue_op == JJ_CMP_GE || l->issue_op == JJ_CMP_GT) {
    if (l->issue_value < q->lo) q->lo = l->issue_value;
  } else if (l->issue_value > q->hi) {
    q->hi = l->issue_value;
  }
}

/* One window per series shared by every rule whose window settings and
 * quality gates are equal, so 20 rules over "the 60 s mean" cost one
 * window push per sample. Its instances are inst[first .. first+count).
 * 24 bytes on LP64: the window is found by its offset in the series
 * block (jj__slot_win), counts of aggregates are 8 or 16 bits. */
typedef struct jj_slot {
  const jj_rule *lead; /* its first rule (a one-rule slot's quiet bound) */
#if UINTPTR_MAX == UINT32_MAX
  jj_window *win; /* 4 bytes with 4-byte pointers: no offset to add (flash) */
#else
  uint32_t win_off; /* where its window is, in bytes from the series header */
#endif
  uint16_t first, count; /* a series has at most JJ_SERIES_MAX_INST instances */
  /* The quiet summary (jj__slot_summarize): while no instance is loud, a
   * sample whose values are inside every bound changes nothing and reads
   * no instance. */
  uint16_t loud;
  /* Its bounds: jj__slot_quiet (a one-rule slot: its rule's); one per
   * aggregate at most, so at most JJ_AGG__COUNT. */
  uint8_t nquiet;
  uint8_t tumbling : 1; /* the window is JJ_WINDOW_TUMBLING */
  uint8_t gated : 1;    /* the rules have a range or stuck-value gate */
  uint8_t ring : 2;     /* JJ_SLOT_RING_*: the window's part in the series' shared ring */
  /* One rule, no gate, sliding, not loud (jj__slot_summarize keeps it):
   * the engine's quiet reading is one window call and one comparison. */
  uint8_t plain : 1;
  uint8_t quality_bad : 1;
  uint8_t quality_reason : 7; /* a jj_event_reason */
  uint16_t aggs;    /* JJ_AGG_BIT of the aggregates its rules read (JJ_AGG__COUNT is 16) */
#if UINTPTR_MAX == UINT32_MAX
  uint32_t pad; /* a multiple of 8 bytes with 4-byte pointers too: windows follow the slots */
#endif
} jj_slot;

/* jj_slot.ring: the slots whose windows share a ring (window_fast.h,
 * "shared rings"; among the series' first JJ_SERIES_RING_SLOTS) are marked,
 * the ring's first slot (its window the ring's first member) and the
 * others, so that the ring answers once for all of them. */
#define JJ_SLOT_RING_NONE 0
#define JJ_SLOT_RING_FIRST 1
#define JJ_SLOT_RING_MEMBER 2
#define JJ_SERIES_RING_SLOTS 32 /* the first this many slots may share rings */

/* The window of slot `sl` of series `s`: in the series block, after the
 * slots and their quiet bounds (series_alloc). Windows never move. */
static inline jj_window *jj__slot_win(const jj_series *s, const jj_slot *sl);

/* The stuck-value gate's run of a slot whose rules have one (stuck_samples):
 * kept apart from the slot (jj__slot_stuck), as most slots have no such
 * gate. */
typedef struct jj_stuck {
  double last;
  uint32_t run;
} jj_stuck;

/* Instances (so slots) a series may have: jj_slot counts them in 16 bits.
 * A series matching more rules is refused with JJ_ELIMIT. */
#define JJ_SERIES_MAX_INST UINT16_MAX

/* A series and, in the same allocation, its slots, quiet bounds, stuck
 * runs, windows (jj__window_init_shaped), instances (jj__series_inst)
 * and strings, in that order (a position, kept by few series, is in the
 * engine's table: series_loc.h): a quiet sample reads the first
 * lines of the block (header, slots, quiet bounds) and the windows right
 * after them; the instances, read when a slot is loud, come after the
 * windows. The header is 40 bytes on LP64 with what the deadline index
 * keeps for the series (a reading reads and writes it: no line of its
 * own), so a one-rule series' header and slot are the first 64 bytes;
 * where the slots, quiet bounds, stuck runs and instances are follows from
 * nslots, ninst, two flags and the last window, so no pointer says it. */
struct jj_series {
  /* What every sample reads first. */
  int64_t last_ts;  /* newest sample, or the creation time before any */
  uint16_t nslots;
  uint16_t ninst;   /* at most JJ_SERIES_MAX_INST */
  uint16_t nstale;  /* instances marked stale */
  uint8_t nlabels;  /* at most JJ_SERIES_MAX_LABELS */
  uint8_t has_ts : 1;
  uint8_t has_loc : 1; /* the engine's table of positions has one for it (series_loc.h) */
  /* Life cycle: set once the series is forgotten (freed when `queued`,
   * how many queued events point at the labels, reaches 0). */
  uint8_t forgotten : 1;
  uint8_t quiet_all : 1; /* one quiet bound per instance follows the slots, else none */
  uint8_t has_stuck : 1; /* one jj_stuck per slot follows the quiet bounds, else none */
  uint8_t has_ring : 1;  /* some of its slots share a ring (jj_slot.ring) */
  uint32_t queued;
  /* Identity: read when creating, matching and reporting. */
  uint32_t strings_off; /* where its strings are, in bytes from the header (jj__series_metric) */
  jj_due_rec dr; /* the deadline index's record (deadline.h), read and written by every reading */
  jj_slot slots[]; /* nslots, then the quiet bounds (jj__slot_quiet) */
};

static inline jj_window *jj__slot_win(const jj_series *s, const jj_slot *sl) {
#if UINTPTR_MAX == UINT32_MAX
  (void)s;
  return sl->win;
#else
  /* Through an integer, as jj__inst_more: the block is writable. */
  // NOLINTNEXTLINE(performance-no-int-to-ptr)
  return (jj_window *)(uintptr_t)((uintptr_t)s + sl->win_off);
#endif
}

/* The series' instances, ordered by slot (NULL with no slot: none): in
 * its block right after the last slot's window (series_alloc), so the
 * header keeps no pointer to them. Read on the loud path, not by a quiet
 * sample. */
static inline jj_inst *jj__series_inst(const jj_series *s) {
  if (!s->nslots) return NULL;
  const jj_window *w = jj__slot_win(s, &s->slots[s->nslots - 1]);
  const size_t room = (jj__window_block_bytes(w) + 7) & ~(size_t)7; /* window_room (series.c) */
  /* Through an integer, as jj__inst_more: the block is writable. */
  // NOLINTNEXTLINE(performance-no-int-to-ptr)
  return (jj_inst *)(uintptr_t)((uintptr_t)w + room);
}

/* The series' strings, in its block after the windows (series_alloc):
 * the metric, then each label's name and value, sorted by name, each
 * ending in NUL. No jj_label array is kept (16 bytes a label): events get
 * one filled in by jj__series_labels. A series with slots keeps no metric
 * of its own: every rule bound to it names exactly its metric
 * (jj__rule_matches), and its rules live as long as it does. */
static inline const char *jj__series_metric(const jj_series *s) {
  return s->nslots ? s->slots[0].lead->cfg.metric : (const char *)s + s->strings_off;
}
/* The first label's name, then its value, the next name... */
static inline const char *jj__series_label_strings(const jj_series *s) {
  const char *p = (const char *)s + s->strings_off;
  return s->nslots ? p : p + strlen(p) + 1;
}
/* Fill out[0 .. s->nlabels) with the series' labels, sorted by name. The
 * strings are the series' own: valid while it lives (events keep it
 * alive through `queued`). */
void jj__series_labels(const jj_series *s, jj_label *out);
/* The value of the series' label `name`, or NULL. */
const char *jj__series_label(const jj_series *s, const char *name);

/* The quiet bounds of slot `sl` of `s`: its part of the array that follows
 * the slots in the series block (one entry per instance, see bind_rules). */
static inline jj_quiet *jj__slot_quiet(jj_series *s, const jj_slot *sl) {
  return (jj_quiet *)(void *)(s->slots + s->nslots) + sl->first;
}
/* The stuck run of slot `sl`, whose rules have a stuck-value gate
 * (has_stuck is then set): after the quiet bounds, one per slot. */
static inline jj_stuck *jj__slot_stuck(jj_series *s, const jj_slot *sl) {
  jj_quiet *q = (jj_quiet *)(void *)(s->slots + s->nslots) + (s->quiet_all ? s->ninst : 0);
  return (jj_stuck *)(void *)q + (sl - s->slots);
}
static inline const jj_quiet *jj__slot_cquiet(const jj_series *s, const jj_slot *sl) {
  return (const jj_quiet *)(const void *)(s->slots + s->nslots) + sl->first;
}

/* A series key: the metric and its labels sorted by name (pointers into
 * the caller's labels) with their hash. */
#define JJ_SERIES_MAX_LABELS 64u
typedef struct jj_series_key {
  const char *metric;
  const jj_label *sorted[JJ_SERIES_MAX_LABELS];
  uint32_t nlabels;
  uint64_t hash;
} jj_series_key;

/* Find the series of a caller's metric and labels (n at most
 * JJ_SERIES_MAX_LABELS) among `all`, indexed by `ix`: *id is its id, or
 * -1 when there is none yet, and *k its key (for jj__series_new and
 * jj__index_insert). JJ_EINVAL for an empty or repeated label name or a
 * NULL value. One call: this runs for every jj_engine_push_labeled. */
jj_status jj__series_lookup(const jj_index *ix, jj_series *const *all, const char *metric,
                            const jj_label *labels, uint32_t n, jj_series_key *k, int64_t *id);

/* A new series for key k with an instance for every rule of `rs` it
 * matches, all allocated through `alc`; its windows take `lateness_ms`
 * and hold at most `max_samples` samples (the engine's settings; 0: each
 * rule's own), with settings from the engine's `shapes`. Group
 * memberships are the caller's (jj__group_join). *undecided gets how
 * many rules a regex matcher could not decide for it (those rules are not
 * bound; see jj__rule_matches); a matcher out of memory is JJ_ENOMEM. */
/* The window shapes (window_fast.h) an engine's series share: one per
 * distinct window configuration, made when a series first needs it, freed
 * with the engine (after its series). */
typedef struct jj_shape_cache {
  jj_wshape **shapes;
  uint32_t n, cap;
} jj_shape_cache;
void jj__shape_cache_free(jj_shape_cache *c, const jj_allocator *alc);
size_t jj__shape_cache_memory(const jj_shape_cache *c);

jj_status jj__series_new(const jj_ruleset *rs, const jj_allocator *alc, jj_shape_cache *shapes,
                         const jj_series_key *k, int64_t lateness_ms, uint32_t max_samples,
                         jj_series **out, uint32_t *undecided);
void jj__series_free(const jj_allocator *alc, jj_series *s);
/* The hash its key had when it was indexed (to take it out again). */
uint64_t jj__series_hash(const jj_series *s);
/* jj__series_hash of series `id` of `all` (a jj_series *const *): the
 * series index's jj_index_hash_fn. */
uint64_t jj__series_hash_at(const void *all, uint32_t id);

/* Rebuild a slot's quiet bounds from its instances: O(instances), run when
 * an instance turns loud or quiet, never for a quiet sample. */
void jj__slot_summarize(jj_series *s, jj_slot *sl);

/* An instance the slot's quiet bounds do not speak for: a group member
 * (judged in full: it updates its group), a scaled value, a value read
 * through an index table (its levels are on the index, not on the value
 * the bounds hold), or an alert not at rest. */
static inline int jj__inst_loud(const jj_inst *in) {
  const jj_rule *r = in->rule;
  return r->cfg.group != JJ_GROUP_NONE || r->cfg.scale != 1.0 || r->index ||
         !jj__alert_at_rest(&in->alert);
}

/* The slot's window keeps min/max (its rules read one). */
static inline int jj__slot_minmax(const jj_slot *sl) {
  return (sl->aggs & (JJ_AGG_BIT(JJ_AGG_MIN) | JJ_AGG_BIT(JJ_AGG_MAX))) != 0;
}

#ifndef JJ_NO_SHARED_RINGS
/* jj__series_windows_due of a series with shared rings: each ring
 * answers once for its members (jj__wring_due). */
static inline int64_t jj__series_rings_due(const jj_series *s) {
  int64_t due = INT64_MAX;
  const jj_slot *sl = s->slots, *end = sl + s->nslots;
  for (; sl < end; sl++) {
    const jj_window *w = jj__slot_win(s, sl);
    int64_t d;
    if (sl->ring == JJ_SLOT_RING_NONE)
      d = jj__window_due(w);
    else if (sl->ring == JJ_SLOT_RING_FIRST)
      d = jj__wring_due(w);
    else
      continue; /* a later member: its ring's first answered */
    if (d < due) due = d;
  }
  return due;
}
#endif

/* The earliest time an advance changes what one of the series' windows
 * holds or reports (jj__window_due). */
static inline int64_t jj__series_windows_due(const jj_series *s) {
#ifndef JJ_NO_SHARED_RINGS
  if (s->has_ring) return jj__series_rings_due(s); /* (a test per series, not per slot) */
#endif
  int64_t due = INT64_MAX;
  const jj_slot *sl = s->slots, *end = sl + s->nslots;
  for (; sl < end; sl++) { /* sliding and TUMBLING alike */
    const int64_t d = jj__window_due(jj__slot_win(s, sl));
    if (d < due) due = d;
  }
  return due;
}

/* Ask for the lines a slot's sample judges from: the quiet bounds while
 * no instance is loud, else the heads of its instances. (Forced inline:
 * see prefetch_shared in window.c.) */
JJ_HOT_INLINE void jj__slot_prefetch(const jj_series *s, const jj_slot *sl) {
  if (!sl->loud) {
    if (sl->count == 1) return; /* its bound is its rule's, shared: cached */
    const jj_quiet *q = jj__slot_cquiet(s, sl);
    const char *p = (const char *)q, *end = (const char *)(q + sl->nquiet);
    for (; p < end; p += 64) JJ_PREFETCH(p);
  } else {
    for (uint32_t i = sl->first; i < sl->first + sl->count; i++) JJ_PREFETCH(&jj__series_inst(s)[i]);
  }
}

/* Ask for every line of the series a sample reads (the judging lines and
 * each window's bookkeeping) at once, so their cache misses overlap
 * instead of coming one after another. */
static inline void jj__series_prefetch(const jj_series *s) {
  for (uint32_t j = 0; j < s->nslots; j++) {
    jj__window_prefetch_struct(jj__slot_win(s, &s->slots[j]), jj__slot_minmax(&s->slots[j]));
    jj__slot_prefetch(s, &s->slots[j]);
  }
}

#endif
