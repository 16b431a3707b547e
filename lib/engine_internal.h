/* Internal: the engine's data structures, shared by engine.c (series,
 * samples, time), group.c (group rules) and event_queue.c. */
#ifndef JJ_LIB_ENGINE_INTERNAL_H
#define JJ_LIB_ENGINE_INTERNAL_H

#include <stdint.h>

#include "alert.h"
#include "alloc.h"
#include "jjair/engine.h"
#include "ruleset.h"

typedef struct jj_group jj_group;

/* The members' values for one group window: how many were valid, how many
 * agreed (K_OF_N), and their sum, max and min. */
typedef struct jj_win_sums {
  uint32_t nvalid, agree;
  double sum, max, min;
} jj_win_sums;
typedef struct jj_series jj_series;

/* One (series, rule) pair: the rule's alert for the series, or its
 * membership in a group. */
typedef struct jj_inst {
  /* What judging a sample in full reads comes first. */
  const jj_rule *rule;
  jj_group *group;      /* group rules: the group this series belongs to */
  jj_alert alert;       /* rules without groups */
  uint32_t rule_index;
  uint32_t slot;        /* index of the series' slot holding the window */
  jj_window *win;       /* that slot's window (shared, not owned) */
  /* As a group member: the last judged value of this series. */
  double member_value;
  int64_t member_agree_ts; /* K_OF_N: last time the member condition held */
  int64_t member_reported_end; /* TUMBLING: end of the last window reported to the group */
  uint8_t member_valid;
  uint8_t stale;
  int64_t win_start, win_end; /* TUMBLING: bounds of the last judged window */
  jj_group *feed[JJ_MAX_FEEDS]; /* JJ_GROUP_RULES groups this alert feeds */
} jj_inst;

/* The part of an instance a sample checks while some instance of its slot
 * is loud (else the slot's quiet bounds answer for all), packed four to a
 * cache line and copied from the rule so the check needs no pointer. It
 * mirrors the alert's level and streak flag (sync_hot keeps them equal). */
typedef struct jj_hot {
  double quiet_below;  /* with op GE: quiet when value*scale < this ... */
  uint8_t quiet_op;    /* ... the least severe level's issue op (0 = no quiet path) */
  uint8_t agg;         /* the rule's aggregate */
  uint8_t level;
  uint8_t streaking;
  uint8_t scaled;      /* scale != 1: read it from the rule (rare) */
} jj_hot;             /* 16 bytes: four to a cache line */

/* A slot's quiet bounds for one aggregate, over its quiet-eligible
 * instances: every one of them is quiet when lo > x > hi (lo: the least
 * threshold of its >=/> rules, hi: the greatest of its <=/< rules). */
typedef struct jj_quiet {
  double lo, hi;
  uint32_t agg;
} jj_quiet;

/* One window per series shared by every rule whose window settings and
 * quality gates are equal, so 20 rules over "the 60 s mean" cost one
 * window push per sample. Its instances are inst[first .. first+count). */
typedef struct jj_slot {
  jj_window *win;
  uint32_t first, count;
  uint32_t aggs;   /* JJ_AGG_BIT of the aggregates its rules read */
  /* The quiet summary: while no instance is loud (firing, building a
   * streak, a group member or scaled), a sample whose values are inside
   * every bound changes nothing and reads no instance. */
  uint32_t loud;
  uint32_t nquiet;
  jj_quiet *quiet;
  uint8_t tumbling; /* the window is JJ_WINDOW_TUMBLING */
  uint8_t gated;    /* the rules have a range or stuck-value gate */
  uint8_t quality_bad;
  uint8_t quality_reason;
  uint32_t stuck_run;
  double stuck_last;
} jj_slot;

/* A series and, in the same allocation, its slots, quiet bounds, hot
 * records, labels and strings, in that order: a quiet sample reads the
 * first few cache lines of the block (header, slots, quiet bounds) and its
 * windows. The instances, read on transitions, are a separate array. */
struct jj_series {
  /* What every sample reads first. */
  int64_t last_ts;  /* newest sample, or the creation time before any */
  uint32_t nslots;
  uint32_t ninst;
  uint32_t nstale;  /* instances marked stale */
  uint8_t has_ts;
  uint8_t has_loc;
  jj_slot *slots;
  jj_hot *hot;     /* parallel to inst */
  jj_inst *inst;   /* ordered by slot */
  /* Identity and location: read when creating, matching and reporting. */
  char *metric;
  jj_label *labels; /* sorted by name */
  uint32_t nlabels;
  uint64_t hash;
  double lat, lon;
};

struct jj_group {
  const jj_rule *rule;
  uint32_t rule_index;
  jj_label *labels; /* the group_by labels with this group's values */
  uint32_t nlabels;
  uint64_t hash;
  jj_inst **members;
  jj_series **member_series;
  uint32_t nmembers, members_cap;
  jj_alert alert;
  /* TUMBLING groups: later windows members reported while the current one
   * still waits (group.c; in the group's own allocation). */
  struct jj_held_set *held;
  /* TUMBLING groups: the window being collected from the members. */
  uint8_t has_bucket;
  int64_t bucket_end;
  int64_t last_judged_end;
  jj_win_sums bucket;
  int64_t win_start, win_end; /* bounds of the last judged (group) window */
  /* JJ_GROUP_RULES: per source rule, members firing now and the last change. */
  uint16_t src_firing[JJ_MAX_SOURCES];
  int64_t src_last[JJ_MAX_SOURCES];
  /* What caused the latest evaluation, for events. */
  jj_series *cause;
  int64_t cause_ts;
  double cause_value;
};

/* A map from a 64-bit hash to ids, open addressing; the caller compares
 * keys. Slots hold id + 1 (0 = empty). */
typedef struct jj_index {
  uint32_t *slots;
  uint32_t mask; /* capacity - 1, or 0 before the first insert */
  uint32_t count;
} jj_index;

struct jj_engine {
  jj_counting_alloc counting;
  jj_allocator alc; /* counts into `counting` */
  jj_engine_config cfg;
  jj_ruleset *rs;

  jj_series **series;
  uint32_t nseries, series_cap;
  jj_index series_index;

  jj_group **groups;
  uint32_t ngroups, groups_cap;
  jj_index group_index;
  uint32_t *groups_per_rule;

  int has_now;
  int64_t now;   /* engine time: max of accepted samples and advance() */
  int has_clock;
  int64_t clock; /* the caller's clock: max of advance() values only */

  jj_event *queue;
  uint32_t queue_first, queue_len;
  uint64_t seq;
  uint8_t busy; /* inside a call: a call from the event callback gets JJ_ESTATE */

  jj_engine_stats st;
};

/* ---- index (engine.c) ---- */
int jj__index_reserve(jj_engine *e, jj_index *ix);
/* Add id under hash h; jj__index_reserve must have made room. */
void jj__index_insert(jj_index *ix, uint64_t h, uint32_t id);

/* ---- events (event_queue.c) ---- */
/* Build and deliver an event for a transition. For series alerts pass the
 * series and instance; for group alerts the group. */
void jj__emit(jj_engine *e, const jj_transition *t, const jj_rule *r, uint32_t rule_index,
              jj_series *s, jj_inst *inst, jj_group *g, const jj_alert *a, int64_t sample_ts,
              double sample_value);

/* ---- groups (group.c) ---- */
/* Find or create the group of rule `ri` for series `s`, and add the
 * instance as a member. */
jj_status jj__group_join(jj_engine *e, uint32_t ri, jj_series *s, jj_inst *inst);
/* A sliding member was judged: re-evaluate its group. */
void jj__group_eval_sliding(jj_engine *e, jj_group *g, int fresh, jj_series *cause,
                            int64_t sample_ts, double sample_value);
/* A TUMBLING member closed a window (or a run of empty windows). */
void jj__group_window(jj_engine *e, jj_inst *inst, jj_series *s, const jj_window_stats *ws,
                      int64_t sample_ts, double sample_value);
/* A member has data again: the group is no longer stale. */
void jj__group_freshen(jj_engine *e, jj_group *g, int64_t sample_ts, double sample_value);
/* Time passed: group waits, staleness, repeats. */
void jj__group_advance(jj_engine *e, jj_group *g);
/* Link a per-series alert to the JJ_GROUP_RULES groups its rule feeds. */
jj_status jj__group_feed(jj_engine *e, jj_series *s, jj_inst *inst);
/* A feeding alert changed level: update and judge those groups. */
void jj__group_source_changed(jj_engine *e, jj_series *s, const jj_inst *in, int old_level,
                              int new_level, int64_t sample_ts, double sample_value);
/* Free one group. */
void jj__group_free(jj_engine *e, jj_group *g);

#endif
