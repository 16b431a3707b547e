/* Internal: group rules — one alert judged on many series that share
 * group_by label values (see group.c). The engine finds a group for each
 * member and tells it about its members' values and about time; the group
 * judges its alert and emits its own events. */
#ifndef JJ_LIB_GROUP_H
#define JJ_LIB_GROUP_H

#include <stdint.h>

#include "alert.h"
#include "jjair/engine.h"
#include "ruleset.h"
#include "series.h"

/* The members' values for one group window: how many were valid, how many
 * agreed (K_OF_N), and their sum, max and min. */
/* Source series one JJ_DISTINCT_SERIES group tracks at a time. When all
 * are taken by series still firing, a new one is not tracked: the count is
 * already JJ_MAX_EVIDENCE. */
#define JJ_MAX_EVIDENCE 16

typedef struct jj_win_sums {
  uint32_t nvalid, agree;
  double sum, max, min;
} jj_win_sums;

/* Later windows members reported while the current one still waits: slot
 * i is the window ending bucket_end + (i + 1) * hop. Allocated with the
 * group (group.c's group_alloc). */
struct jj_held_set {
  uint32_t cap;
  uint32_t used; /* 1 + the highest slot reported into; 0 = none */
  jj_win_sums w[];
};

struct jj_group {
  const jj_rule *rule;
  uint32_t rule_index;
  jj_label *labels; /* the group_by labels with this group's values */
  uint32_t nlabels;
  jj_inst **members;
  jj_series **member_series;
  uint32_t nmembers, members_cap;
  jj_alert alert; /* its store is in the group's block (group_alloc) */
  /* TUMBLING groups: later windows members reported while the current one
   * still waits (group.c; in the group's own allocation). */
  struct jj_held_set *held;
  /* TUMBLING groups: the window being collected from the members. */
  uint8_t has_bucket;
  int64_t bucket_end;
  int64_t last_judged_end;
  jj_win_sums bucket;
  int64_t win_start, win_end; /* bounds of the last judged (group) window */
  /* JJ_GROUP_RULES with JJ_DISTINCT_SERIES: per source series, how many
   * source rules fire on it now and its last change (group.c). */
  struct jj_evidence {
    const jj_series *s; /* NULL once the series is forgotten */
    uint16_t firing;
    int64_t last;
  } ev[JJ_MAX_EVIDENCE];
  uint32_t nev;
  /* JJ_GROUP_RULES: per source rule, members firing now and the last change. */
  uint16_t src_firing[JJ_MAX_SOURCES];
  int64_t src_last[JJ_MAX_SOURCES];
  double src_value[JJ_MAX_SOURCES]; /* JJ_GROUP_CAI: each source's latest index (NaN: none) */
  int64_t src_end[JJ_MAX_SOURCES];  /* ... and the end of the window it came from */
  /* What caused the latest evaluation, for events. */
  jj_series *cause;
  int64_t cause_ts;
  double cause_value;
  double index_conc; /* rules with an index: the concentration last judged */
  /* Life cycle: the group's index in the engine's table; how many series
   * alerts feed it (JJ_GROUP_RULES); how many queued events point at its
   * labels; set once forgotten (freed when `queued` reaches 0). */
  uint32_t id;
  uint32_t nfeeders;
  uint32_t queued;
  uint8_t forgotten;
};

/* Find or create the group of rule `ri` for series `s`, and add the
 * instance as a member. */
jj_status jj__group_join(jj_engine *e, uint32_t ri, jj_series *s, jj_inst *inst);
/* The group of rule `ri` whose group_by labels (in the rule's sorted
 * order) have `values`: found, or created without members (snapshot.c
 * makes a snapshot's groups in their order before their members join). */
jj_status jj__group_make(jj_engine *e, uint32_t ri, const char *const *values, jj_group **out);
/* A sliding member was judged: re-evaluate its group. */
void jj__group_eval_sliding(jj_engine *e, jj_group *g, int fresh, jj_series *cause,
                            int64_t sample_ts, double sample_value);
/* A TUMBLING member closed a window (or a run of empty windows). */
void jj__group_window(jj_engine *e, jj_inst *inst, jj_series *s, const jj_window_stats *ws,
                      int64_t sample_ts, double sample_value);
/* A member has data again: the group is no longer stale. */
void jj__group_freshen(jj_engine *e, jj_group *g, int64_t sample_ts, double sample_value);
/* A source rule's alert judged `value` (valid or not): update the
 * JJ_GROUP_CAI groups it feeds and judge them. */
void jj__group_source_value(jj_engine *e, jj_series *s, const jj_inst *in, double value,
                            int valid, int64_t sample_ts, double sample_value);
/* Time passed: group waits, staleness, repeats. */
void jj__group_advance(jj_engine *e, jj_group *g);
/* The earliest engine time at which jj__group_advance, just run, could
 * change g again without a touch (group_deadline.h): INT64_MIN for the
 * next advance, INT64_MAX for never. */
int64_t jj__group_next_due(const jj_engine *e, const jj_group *g);
/* jj__group_advance at time `at` was skipped as changing nothing: set the
 * window bounds it would have set. */
void jj__group_skipped(jj_group *g, int64_t at);
/* Link a per-series alert to the JJ_GROUP_RULES groups its rule feeds. */
jj_status jj__group_feed(jj_engine *e, jj_series *s, jj_inst *inst);
/* A feeding alert changed level: update and judge those groups. */
void jj__group_source_changed(jj_engine *e, jj_series *s, const jj_inst *in, int old_level,
                              int new_level, int64_t sample_ts, double sample_value);
/* Series `s` is being forgotten: its instances leave their groups and
 * stop feeding rules groups (a firing feeder counts as resolved first);
 * groups left without members and feeders are forgotten in turn (their
 * open episodes end with JJ_REASON_FORGOTTEN events). `s` must not be
 * referenced by any group afterwards. With `quiet` set (undoing a series
 * that failed to join) no group is judged and no event is emitted. */
void jj__group_leave(jj_engine *e, jj_series *s, int quiet);
/* Free one group. */
void jj__group_free(jj_engine *e, jj_group *g);

#endif
