/* libjjair — alert events: what the engine tells you.
 *
 * Every state change of an alert produces one event, delivered to the
 * engine's callback (jj_engine_config.on_event) and queued for
 * jj_engine_poll (engine.h). An event and everything it points to (rule,
 * level and label strings) is borrowed, for as long as it was handed out:
 *   - in the callback: during the call only;
 *   - from jj_engine_poll: until the next jj_engine_poll on that engine or
 *     jj_engine_free, whichever comes first;
 *   - from jj_event_copy: until jj_event_free (the copy owns its strings
 *     and keeps the ruleset alive, so it may outlive the engine).
 * Copy what you keep longer. The functions below only read an event and
 * are thread-safe (on distinct buffers) unless stated otherwise.
 *
 * Fields are appended, never reordered; jj_struct_size("jj_event")
 * (version.h) is the size the running library uses. */
#ifndef JJAIR_EVENT_H
#define JJAIR_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "jjair/alloc.h"
#include "jjair/export.h"
#include "jjair/status.h"

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
  JJ_EVENT_QUALITY_RESOLVED = 11,/* readings pass the gates again */
  JJ_EVENT_ACTIVE = 12          /* not a transition: an alert that is active now,
                                   as jj_engine_foreach_alert lists it (seq 0) */
} jj_event_kind;

typedef enum jj_event_reason {
  JJ_REASON_NONE = 0,
  JJ_REASON_STALE = 1,  /* RESOLVED because the data went missing */
  JJ_REASON_RANGE = 2,  /* QUALITY: reading outside valid_min..valid_max */
  JJ_REASON_STUCK = 3,  /* QUALITY: the same reading stuck_samples times */
  JJ_REASON_FORGOTTEN = 4, /* RESOLVED, NODATA_RESOLVED, QUALITY_RESOLVED: the series
                             (or group) was forgotten (jj_engine_forget, idle expiry) */
  JJ_REASON_RULE_CHANGED = 5, /* RESOLVED, NODATA_RESOLVED, QUALITY_RESOLVED: the rule
                                 changed in a reload or restore (snapshot.h) */
  JJ_REASON_RULE_REMOVED = 6  /* the same: the rule is gone from the new ruleset */
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
  /* Name and severity of `level`; when level is 0 (RESOLVED, and events of
   * an inactive alert) those of prev_level, so a RESOLVED event names the
   * level it released; "" when both are 0. */
  const char *level_name;
  const char *severity;
  const char *metric;
  int is_group;              /* 1: labels are the group_by labels of a group */
  const jj_label *labels;    /* the series' (or group's) labels, sorted by name */
  uint32_t nlabels;
  const jj_label *rule_labels; /* the rule's static labels */
  uint32_t nrule_labels;
  double value;              /* the evaluated value (NaN when none) */
  int64_t window_start_ms;   /* the window the value came from; both INT64_MIN when
                                there is none yet (an event before the first
                                accepted reading or the first closed window) */
  int64_t window_end_ms;
  int64_t time_ms;           /* engine time of the transition */
  int64_t started_ms;        /* start of this firing (or no-data) episode; QUALITY:
                                now; QUALITY_RESOLVED: the firing episode's start,
                                INT64_MIN when the alert is not firing */
  int64_t sample_ts_ms;      /* the sample that caused it; INT64_MIN if time-driven */
  double sample_value;
  int has_location;          /* lat/lon of the last located sample */
  double lat, lon;
  const struct jj_ruleset *ruleset; /* for the annotation functions; borrowed */
  /* Name and severity of prev_level, always (not swapped like level_name);
   * "" when prev_level is 0. With level_name they make ESCALATED and
   * DOWNGRADED self-describing ("warning -> advisory"). */
  const char *prev_level_name;
  const char *prev_severity;
  /* When the alert entered `level`: time_ms for FIRED, ESCALATED,
   * DOWNGRADED and RESOLVED (for RESOLVED, when it became inactive); for
   * the other kinds the time of its last level change. INT64_MIN when the
   * alert has been inactive since it was created. An escalation or a
   * downgrade resets it; started_ms stays at the start of the episode. */
  int64_t level_started_ms;
  /* The alert's identity for deduplication: jj_fingerprint(rule, labels,
   * nlabels), equal for every event of this rule and series (or group),
   * in every process and version. */
  uint64_t fingerprint;
  /* Rules that judge an index (jj_ruleset_builder_set_index, aqi.h; rule
   * files' `index:`): `value` is the index, `concentration` the value it
   * came from (the aggregate times scale, or the group's value; NaN when
   * there is none), `band` the name of the index's band ("나쁨") and
   * `index_name` the table's name ("cai-pm25"). Without an index:
   * concentration NaN, band and index_name "". Owned by the ruleset. */
  double concentration;
  const char *band;
  const char *index_name;
} jj_event;

/* Callback for events (jj_engine_config.on_event); `ev` is valid only
 * during the call. */
typedef void (*jj_event_fn)(void *ctx, const jj_event *ev);

/* "fired", "resolved", ...; NULL for unknown kinds. Static. */
JJ_API const char *jj_event_kind_name(int kind);
/* "stale", "range", "stuck", "" for none; NULL for unknown. Static. */
JJ_API const char *jj_event_reason_name(int reason);

/* ---- identity ------------------------------------------------------------ */

/* The fingerprint of the label set {alertname: `alertname`} + `labels`:
 * FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3) over,
 * for each label in increasing byte order of names, the name's bytes, the
 * byte 0xFF, the value's bytes and 0xFF. This is Prometheus's and
 * Alertmanager's label-set fingerprint, so an alert sent to Alertmanager
 * with labels alertname=<rule> plus the series labels has this
 * fingerprint there too. It depends on these strings only: stable across
 * processes, machines, library versions and snapshots. The rule's static
 * labels are not part of it (editing a description label must not turn an
 * alert into a new one).
 *
 * `labels` may be in any order; names must be unique. A label named
 * "alertname" is ignored when `alertname` is given (the rule name wins, as
 * in Prometheus); with `alertname` NULL only `labels` count. NULL strings
 * count as "". Allocates nothing; thread-safe. */
JJ_API uint64_t jj_fingerprint(const char *alertname, const jj_label *labels, uint32_t nlabels);

/* `fp` as 16 lowercase hex digits, zero-padded (Alertmanager's form),
 * snprintf-style: NUL-terminated when size > 0, returns 16. */
JJ_API size_t jj_fingerprint_hex(uint64_t fp, char *buf, size_t size);

/* ---- annotations --------------------------------------------------------- */

/* The rule's annotations (jj_ruleset_builder_add_annotation): how many,
 * and the name of annotation i (NULL if out of range). The name is owned
 * by the ruleset: valid as long as the event. */
JJ_API uint32_t jj_event_annotation_count(const jj_event *ev);
JJ_API const char *jj_event_annotation_name(const jj_event *ev, uint32_t i);

/* The index of the annotation called `name`: JJ_OK and *index, or
 * JJ_ENOTFOUND; JJ_EINVAL when ev, name or index is NULL. */
JJ_API jj_status jj_event_annotation_find(const jj_event *ev, const char *name, uint32_t *index);

/* Render annotation i for this event into buf (always NUL-terminated when
 * size > 0, truncated if needed). Returns the length the full text needs,
 * excluding the NUL, like snprintf; 0 if i is out of range. Numbers and
 * times are formatted by the library itself (no printf, no locale): the
 * same text on every platform. Allocates nothing. */
JJ_API size_t jj_event_render(const jj_event *ev, uint32_t i, char *buf, size_t size);

/* ---- JSON ---------------------------------------------------------------- */

/* The event as one JSON object (no newline), snprintf-style: writes at most
 * `size` bytes, NUL-terminated when size > 0 (`buf` may be NULL when size
 * is 0), and returns the full length without the NUL, so a caller can size
 * a buffer and call again. Allocates nothing; the same bytes on every
 * platform and locale.
 *
 * Members, in this order: seq, time (RFC 3339 UTC, see timefmt.h),
 * time_ms, kind, reason, rule, rule_index, level, prev_level, level_name,
 * severity, metric, is_group, labels {name: value}, rule_labels, value,
 * window_start, window_end, started, sample_time, sample_value, lat, lon,
 * annotations {name: rendered text}, then prev_level_name, prev_severity,
 * level_started, fingerprint (16 hex digits), concentration, band and
 * index (the index table's name, "" without one). Members are only ever
 * appended. Times of INT64_MIN (sample_time of a time-driven event, an
 * unknown level_started) and NaN or infinite numbers are null; lat and lon
 * are null without a location. Integral values below 1e15 print as
 * integers, others with 17 significant digits (they read back exactly).
 * Strings are valid UTF-8: '"', '\\', control characters and DEL are
 * escaped, and every byte that is not part of valid UTF-8 becomes
 * U+FFFD. */
JJ_API size_t jj_event_json(const jj_event *ev, char *buf, size_t size);

/* ---- owned copies -------------------------------------------------------- */

/* A deep copy of `ev` in one allocation from `alc` (NULL = libc): every
 * string and label array is copied, and the copy holds a reference to
 * ev->ruleset (if any), so the annotation functions and jj_event_json work
 * on it after the engine is freed. JJ_EINVAL when ev or out is NULL;
 * JJ_ENOMEM leaves *out NULL. Thread-safe. */
JJ_API jj_status jj_event_copy(const jj_event *ev, const jj_allocator *alc, jj_event **out);

/* Free a copy made by jj_event_copy (and drop its ruleset reference); NULL
 * is a no-op. Never pass an event from a callback or jj_engine_poll. */
JJ_API void jj_event_free(jj_event *ev);

#ifdef __cplusplus
}
#endif

#endif
