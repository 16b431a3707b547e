/* libjjair — alert events: what the engine tells you.
 *
 * Every state change of an alert produces one event. Events are delivered
 * to the engine's callback (if set) and queued for jj_engine_poll. Pointers
 * inside an event (rule and level names, labels) are borrowed: valid until
 * the engine is freed; copy what you keep longer. */
#ifndef JJAIR_EVENT_H
#define JJAIR_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "jjair/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum jj_event_kind {
  JJ_EVENT_FIRED = 1,           /* inactive -> firing at `level` */
  JJ_EVENT_ESCALATED = 2,       /* firing, moved to a more severe level */
  JJ_EVENT_DOWNGRADED = 3,      /* firing, moved to a less severe level */
  JJ_EVENT_RESOLVED = 4,        /* firing -> inactive */
  JJ_EVENT_REPEAT = 5,          /* still firing; repeat_interval_ms elapsed */
  JJ_EVENT_NODATA = 6,          /* the series went stale (JJ_MISSING_ALERT) */
  JJ_EVENT_NODATA_RESOLVED = 7, /* data is back */
  JJ_EVENT_FLAPPING = 8,        /* too many transitions: transitions are now muted */
  JJ_EVENT_FLAPPING_END = 9,    /* calm again; `level` is the current state */
  JJ_EVENT_QUALITY = 10,        /* readings dropped by a sensor-quality gate */
  JJ_EVENT_QUALITY_RESOLVED = 11/* readings pass the gates again */
} jj_event_kind;

typedef enum jj_event_reason {
  JJ_REASON_NONE = 0,
  JJ_REASON_STALE = 1,  /* RESOLVED because the data went missing */
  JJ_REASON_RANGE = 2,  /* QUALITY: reading outside valid_min..valid_max */
  JJ_REASON_STUCK = 3   /* QUALITY: the same reading stuck_samples times */
} jj_event_reason;

typedef struct jj_label {
  const char *name;
  const char *value;
} jj_label;

typedef struct jj_event {
  uint64_t seq;              /* 1, 2, 3, ... per engine */
  jj_event_kind kind;
  jj_event_reason reason;
  const char *rule;          /* rule name */
  uint32_t rule_index;
  int level;                 /* level after the event, 1-based; 0 = inactive */
  int prev_level;            /* level before the event */
  const char *level_name;    /* name of `level`, or of prev_level when level is 0 */
  const char *severity;      /* severity of that level */
  const char *metric;
  int is_group;              /* 1: labels are the group_by labels of a group */
  const jj_label *labels;    /* the series' (or group's) labels, sorted by name */
  uint32_t nlabels;
  const jj_label *rule_labels; /* the rule's static labels */
  uint32_t nrule_labels;
  double value;              /* the evaluated value (NaN when none) */
  int64_t window_start_ms;   /* the window the value came from */
  int64_t window_end_ms;
  int64_t time_ms;           /* engine time of the transition */
  int64_t started_ms;        /* start of this firing (or no-data) episode */
  int64_t sample_ts_ms;      /* the sample that caused it; INT64_MIN if time-driven */
  double sample_value;
  int has_location;          /* lat/lon of the last located sample */
  double lat, lon;
  const struct jj_ruleset *ruleset; /* for jj_event_render; borrowed */
} jj_event;

typedef void (*jj_event_fn)(void *ctx, const jj_event *ev);

/* "fired", "resolved", ...; NULL for unknown kinds. Static. */
JJ_API const char *jj_event_kind_name(int kind);
/* "stale", "range", "stuck", "" for none; NULL for unknown. Static. */
JJ_API const char *jj_event_reason_name(int reason);
JJ_API size_t jj_event_size(void);

/* The rule's annotations (jj_ruleset_builder_add_annotation): how many,
 * and the name of annotation i (NULL if out of range). */
JJ_API uint32_t jj_event_annotation_count(const jj_event *ev);
JJ_API const char *jj_event_annotation_name(const jj_event *ev, uint32_t i);

/* Render annotation i for this event into buf (always NUL-terminated when
 * size > 0, truncated if needed). Returns the length the full text needs,
 * excluding the NUL, like snprintf; 0 if i is out of range. Allocates
 * nothing; thread-safe. */
JJ_API size_t jj_event_render(const jj_event *ev, uint32_t i, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
