/* libjjair — the engine: readings in, alert events out.
 *
 * An engine holds a shared, immutable ruleset, a table of series, one
 * window and alert state per (series, matching rule), group state, and a
 * bounded event queue. It never sleeps, never starts threads and never
 * reads a clock: time is the samples' timestamps plus jj_engine_advance().
 *
 * Thread-safety: one thread at a time per engine (no internal locking);
 * distinct engines are independent and may share a ruleset. Re-entrancy:
 * while the engine is inside a call (delivering an event to on_event),
 * every call on the same engine that changes it (series, push*, advance)
 * returns JJ_ESTATE and changes nothing (jj_engine_poll returns NULL);
 * read-only calls (now, stats,
 * alert_state) are allowed. jj_engine_free must not be called from the
 * callback.
 *
 * Limits are fixed at creation; reaching one returns an error and counts
 * it, never grows without bound. Once a series exists and its windows have
 * reached their steady size, pushing allocates nothing.
 *
 * Time policy: engine time `now` is the largest of the accepted sample
 * timestamps and the values given to jj_engine_advance. The caller's clock
 * is the largest value given to jj_engine_advance: once it is known, a
 * sample more than max_future_ms ahead of it is rejected (JJ_EFUTURE), so a
 * sensor with a wrong clock cannot drag engine time forward. Replays that
 * never call advance have no clock and no future check. A sample older
 * than its series' newest minus lateness_ms is rejected (JJ_ELATE), and so
 * is one older than the time jj_engine_advance moved the series' windows
 * to, minus lateness_ms (a live caller whose readings arrive after its
 * clock has passed them needs lateness_ms >= that delay). Both are
 * counted. */
#ifndef JJAIR_ENGINE_H
#define JJAIR_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "jjair/alloc.h"
#include "jjair/event.h"
#include "jjair/export.h"
#include "jjair/rule.h"
#include "jjair/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jj_engine jj_engine;
typedef uint32_t jj_series_id;

typedef struct jj_engine_config {
  uint32_t max_series;      /* 0 = 65536 */
  uint32_t max_labels;      /* per series; 0 = 16 */
  uint32_t max_samples_per_window; /* 0 (the default): every window holds what its
                               rule says (max_samples; count windows: count).
                               Else a cap for count and time windows alike: a
                               rule whose window would hold more is refused by
                               jj_engine_new (JJ_ELIMIT; jj_engine_check names
                               it), never capped silently */
  uint32_t max_groups;      /* per group rule; 0 = 4096. A series whose group would be
                               one more is still created, without that rule
                               (stats.group_refused) */
  uint32_t event_queue;     /* capacity of the poll queue; 0 = 1024. When it is full,
                               a new event makes room: first by dropping the oldest
                               queued event that a later event of the same alert (the
                               same series or group and rule) and the same track
                               supersedes (tracks: firing — FIRED, ESCALATED,
                               DOWNGRADED, RESOLVED, REPEAT, FLAPPING(_END); no-data —
                               NODATA(_RESOLVED); quality — QUALITY(_RESOLVED)),
                               counted in events_superseded; so a consumer that only
                               polls still ends on every alert's latest state. Only
                               when every queued event is its alert's latest (more
                               alerts changed than the queue holds) is the oldest
                               dropped (events_dropped): resynchronise then with
                               jj_engine_foreach_alert. Polled events keep their seq,
                               so gaps show what was dropped. */
  int64_t lateness_ms;      /* out-of-order tolerance, default 0. Also how far behind
                               jj_engine_advance's time a reading may arrive: a live
                               caller that advances with its wall clock must set it to
                               at least the delivery delay, or late readings get
                               JJ_ELATE. TUMBLING windows close this much later. */
  int64_t max_future_ms;    /* ahead of the caller's clock; 0 = 300000 (5 min); < 0 = no check;
                               any positive value up to INT64_MAX works (compared as a
                               difference, never added to a time) */
  jj_event_fn on_event;     /* called synchronously for each event; may be NULL.
                               The event is valid only during the call. Calls
                               back into this engine return JJ_ESTATE. */
  void *on_event_ctx;
  uint32_t flags;           /* JJ_ENGINE_* bits; 0 = none; unknown bits: JJ_EINVAL */
  uint32_t reserved0;       /* zero */
  int64_t series_idle_ms;   /* > 0: jj_engine_advance forgets a series that has had no
                               reading for this long (see jj_engine_forget); 0 = never;
                               < 0: JJ_EINVAL */
  uint64_t reserved[7];     /* zero: room for fields whose zero means "default" */
} jj_engine_config;

/* jj_engine_config.flags: events go only to on_event (which is then
 * required: jj_engine_new returns JJ_EINVAL without it); no poll queue is
 * allocated (event_queue is ignored), jj_engine_poll never returns an
 * event, and nothing counts as dropped. For firmware and for callers that
 * handle every event in the callback. */
#define JJ_ENGINE_NO_QUEUE 0x1u

/* One reading for jj_engine_push_batch. 24 bytes, no padding: the layout
 * is fixed so a numpy record array or a network buffer can be handed over
 * as is. */
typedef struct jj_sample {
  jj_series_id series;
  uint32_t flags;  /* 0; reserved for per-sample flags (non-zero: JJ_EINVAL) */
  int64_t ts_ms;
  double value;
} jj_sample;

typedef struct jj_engine_stats {
  uint64_t series;            /* series alive now (created, not forgotten) */
  uint64_t groups;            /* groups alive now */
  uint64_t accepted;          /* samples taken in (a rule's gate may still drop one) */
  uint64_t rejected_invalid;  /* NaN/Inf values, bad timestamps, unknown ids */
  uint64_t rejected_late;     /* JJ_ELATE */
  uint64_t rejected_future;   /* JJ_EFUTURE */
  uint64_t rejected_limit;    /* series or label limits (JJ_ELIMIT) */
  uint64_t rejected_window;   /* a rule's window refused it (JJ_EFULL, JJ_ENOMEM) */
  uint64_t rejected_quality;  /* dropped by range / stuck gates (per rule) */
  uint64_t group_late;        /* member results that arrived after their group window was judged */
  uint64_t events;            /* events produced */
  uint64_t events_dropped;    /* events lost from a full poll queue while every queued
                                 event was its alert's latest (see event_queue) */
  uint64_t events_muted;      /* transitions muted while flapping */
  uint64_t memory;            /* bytes owned by the engine */
  uint64_t series_forgotten;  /* series forgotten: jj_engine_forget and idle expiry */
  uint64_t match_undecided;   /* (new series, rule) pairs a regex matcher could not
                                 decide (its match, depth or heap limit, or a label
                                 value that is not valid UTF-8): the rule was applied
                                 to that series neither way (not as =~, not as !~) */
  uint64_t group_refused;     /* (new series, group rule) pairs left out because the
                                 group would exceed max_groups: the series is created
                                 and its other rules see it; that rule never does */
  uint64_t events_superseded; /* queued events dropped from a full poll queue because a
                                 later event of the same alert supersedes them (see
                                 jj_engine_config.event_queue): nothing a poller's
                                 final state depends on was lost */
  uint64_t reserved[12];      /* zero: room for new counters */
} jj_engine_stats;

/* The state of one alert, for inspection and tests. */
typedef struct jj_alert_state {
  int level;          /* 0 = inactive */
  int pending_level;  /* highest level whose issue condition holds but is not yet persistent */
  int stale;          /* the series (or every member of the group) is stale */
  int flapping;
  int quality_bad;    /* a quality gate is currently dropping readings */
  double value;       /* the last evaluated value (NaN when none) */
  int64_t started_ms; /* start of the current firing episode */
  int64_t level_started_ms; /* when the alert entered `level` (INT64_MIN: it never
                               changed level) */
  uint64_t reserved[7];
} jj_alert_state;

/* Defaults as documented on each field. Never fails. */
JJ_API void jj_engine_config_init(jj_engine_config *cfg);

/* Create an engine over `rs` (it takes a reference; the caller may free its
 * own). `cfg` may be NULL for defaults; `alc` may be NULL (libc).
 * JJ_ELIMIT: a rule's window does not fit max_samples_per_window (see
 * jj_engine_check, which says which). JJ_ENOTSUP: the build leaves the
 * poll queue out (JJ_WITH_QUEUE=OFF) and flags lack JJ_ENGINE_NO_QUEUE. */
JJ_API jj_status jj_engine_new(jj_ruleset *rs, const jj_engine_config *cfg,
                               const jj_allocator *alc, jj_engine **out);

/* Free an engine and its state. NULL is a no-op. */
JJ_API void jj_engine_free(jj_engine *e);

/* The longest metric name, label name or label value a new series may
 * have, in bytes (without the NUL): longer ones are JJ_ELIMIT. */
#define JJ_MAX_LABEL_BYTES 1024

/* Find or create the series `metric` + labels (any order; names must be
 * unique; strings copied). Matches it against every rule once. Returns
 * JJ_ELIMIT at max_series or max_labels, for a string longer than
 * JJ_MAX_LABEL_BYTES or when more than 65,535 rules match it (all counted
 * in rejected_limit), JJ_EINVAL for empty
 * names or duplicate label names, JJ_ENOMEM. A regex matcher that cannot
 * decide (stats.match_undecided) leaves its rule off the series; the
 * series is still created. */
JJ_API jj_status jj_engine_series(jj_engine *e, const char *metric, const jj_label *labels,
                                  uint32_t nlabels, jj_series_id *out);

/* Feed one reading of a resolved series. JJ_OK when every rule took it;
 * otherwise the reason, counted in the stats:
 *  - refused by the engine, no rule saw it: JJ_ENOTFOUND (unknown id),
 *    JJ_ENAN (NaN/Inf), JJ_EINVAL (|ts_ms| > 2^62), JJ_ELATE, JJ_EFUTURE;
 *  - accepted, but a rule's window could not take it (JJ_EFULL, JJ_ENOMEM,
 *    JJ_EDUPLICATE; counted in rejected_window): the other rules got it;
 *  - accepted, but a rule's quality gate dropped it: JJ_ERANGE (outside
 *    valid_min..valid_max) or JJ_ESTUCK (stuck_samples identical readings;
 *    counted in rejected_quality): the other rules got it.
 * A window failure is reported before a gate drop. JJ_ESTATE (nothing
 * done, nothing counted) when called from this engine's event callback.
 * Events it causes are delivered before it returns. */
JJ_API jj_status jj_engine_push(jj_engine *e, jj_series_id series, int64_t ts_ms, double value);

/* Same, with the position of the sensor (robots move): its events carry
 * the latest position pushed. Positions are kept in a table of the
 * engine's for the series that have one (24 bytes an entry, the table
 * doubling when 3/4 full), not in every series: a series' first located
 * push may allocate, before anything else is done (JJ_ENOMEM: nothing
 * taken, nothing counted), and jj_engine_estimate does not count the
 * table. */
JJ_API jj_status jj_engine_push_located(jj_engine *e, jj_series_id series, int64_t ts_ms,
                                        double value, double lat, double lon);

/* Feed n readings in order, each as jj_engine_push would. *accepted (may
 * be NULL) gets how many returned JJ_OK. Returns JJ_OK if all did, else the
 * status of the first that did not; the others are still processed. A
 * sample with non-zero `flags` is refused with JJ_EINVAL (counted in
 * rejected_invalid). */
JJ_API jj_status jj_engine_push_batch(jj_engine *e, const jj_sample *samples, size_t n,
                                      size_t *accepted);

/* Feed n readings given as separate columns — what a numpy or Arrow
 * program holds — without building jj_sample records first. Reading i is
 * (series ? series[i] : one_series, ts_ms[i], values[i]); each is pushed as
 * jj_engine_push would, in order, so the events and counters are those of
 * n single pushes (and of jj_engine_push_batch over the same records).
 * series may be NULL (every reading is one_series's); ts_ms and values are
 * required when n > 0 (JJ_EINVAL). The arrays are read during the call
 * only. *accepted (may be NULL) gets how many returned JJ_OK. Returns
 * JJ_OK if all did, else the status of the first that did not; the others
 * are still processed. Thread-safety: as jj_engine_push. */
JJ_API jj_status jj_engine_push_columns(jj_engine *e, const jj_series_id *series,
                                        jj_series_id one_series, const int64_t *ts_ms,
                                        const double *values, size_t n, size_t *accepted);

/* Resolve metric + labels and push: jj_engine_series + jj_engine_push. */
JJ_API jj_status jj_engine_push_labeled(jj_engine *e, const char *metric, const jj_label *labels,
                                        uint32_t nlabels, int64_t ts_ms, double value);

/* Move engine time to now_ms and run the time-driven transitions: windows
 * expire or close, `for` timers, staleness, repeats, group waits.
 *
 * Groups and time — what advance alone (every member silent) does to a
 * group's alert, by mode:
 *  - K_OF_N: a member agrees when its window's value meets member_op —
 *    at a reading, or for a time window also at a re-check on advance
 *    (its samples expire; a count window agrees only at readings, as its
 *    value never changes without one) — and the agreement expires after
 *    group_within_ms, so the count falls with time once members go
 *    silent; a count that time changed is a new evaluation
 *    (for_count/clear_for_count count it): a firing group resolves (or
 *    downgrades) on advance once too few agreements are recent. A no-data
 *    policy still applies first when every member goes stale
 *    (stale_after_ms, on_missing).
 *  - AVG, MAX, MIN (sliding or TUMBLING): a silent member has no value
 *    and missing data never counts as clean air, so the level is kept
 *    until every member is stale; then on_missing applies once: KEEP
 *    keeps it, RESOLVE resolves (reason JJ_REASON_STALE), ALERT raises
 *    JJ_EVENT_NODATA. Set stale_after_ms on group rules whose silence
 *    matters (a robot whose sensors burn).
 *  - RULES: judged on every advance; a source that fired counts for
 *    group_within_ms after it resolved, so the group resolves on advance
 *    once its sources have resolved (by their own rules, staleness
 *    included) and that span has passed.
 * Each of these produces its event once, not on every advance. */
JJ_API jj_status jj_engine_advance(jj_engine *e, int64_t now_ms);

/* Take the oldest queued event, or NULL if none (or e is NULL, the engine
 * has no queue (JJ_ENGINE_NO_QUEUE), or the call comes from this engine's
 * event callback, where it takes nothing). The event and everything it
 * points to are borrowed from the engine until the next jj_engine_poll on
 * it or jj_engine_free, whichever comes first (like curl_multi_info_read):
 * pushes in between do not change it. jj_event_copy keeps one longer. */
JJ_API const jj_event *jj_engine_poll(jj_engine *e);

/* Forget a series (a typo'd label, a station taken out of service): its
 * open episodes end at once with events of reason JJ_REASON_FORGOTTEN
 * (RESOLVED if it was firing, NODATA_RESOLVED if it was in a no-data
 * episode, QUALITY_RESOLVED if a gate was dropping its readings, in that
 * order per rule); it leaves its groups, and a group left without members
 * is forgotten the same way (its alert resolved with JJ_REASON_FORGOTTEN);
 * a firing alert that fed a JJ_GROUP_RULES rule stops counting there.
 * The id is never used again: pushing to it returns JJ_ENOTFOUND, and the
 * same metric and labels make a new series with a new id and a fresh
 * state. Its memory is released at once, or, when a queued event still
 * shows its labels, when that event has been polled; the id table keeps
 * 8 bytes per id ever created. jj_engine_config.series_idle_ms does the
 * same from jj_engine_advance for series without readings. Returns JJ_OK,
 * JJ_ENOTFOUND (unknown or already forgotten), JJ_ESTATE from the event
 * callback. */
JJ_API jj_status jj_engine_forget(jj_engine *e, jj_series_id series);

/* Called by jj_engine_foreach_alert for each active alert; return 0 to go
 * on, non-zero to stop. `alert` lives only during the call. */
typedef int (*jj_alert_visit_fn)(void *ctx, const jj_event *alert);

/* Visit every active alert: each series' own alert and each group's that
 * is firing (level > 0) or in a no-data episode, series alerts first (by
 * series id, then rule), then groups (in creation order). Each is handed
 * over as an event of kind JJ_EVENT_ACTIVE: seq 0, level = prev_level =
 * the current level (0 for a no-data alert that is not firing),
 * level_name/severity of that level, reason JJ_REASON_STALE while a
 * no-data episode is open, started_ms the episode's start (the no-data
 * start when not firing), level_started_ms, value the last evaluated
 * value, time_ms engine time, sample_ts_ms INT64_MIN, labels and
 * fingerprint as its events carry them; jj_event_json, jj_event_copy and
 * the annotation functions work on it. For re-sending firing alerts (to
 * Alertmanager) and for status pages. While it runs, calls from `fn` that
 * change the engine return JJ_ESTATE. Returns JJ_OK, JJ_EINVAL (NULL e or
 * fn), JJ_ESTATE from the event callback. Allocates nothing. */
JJ_API jj_status jj_engine_foreach_alert(jj_engine *e, jj_alert_visit_fn fn, void *ctx);

/* Engine time (INT64_MIN before any sample or advance). */
JJ_API int64_t jj_engine_now(const jj_engine *e);

JJ_API void jj_engine_stats_get(const jj_engine *e, jj_engine_stats *out);

/* Alert state of rule `rule` for `series` (a non-group rule), or for the
 * group that `series` belongs to (a group rule). JJ_ENOTFOUND if the rule
 * does not apply to the series. */
JJ_API jj_status jj_engine_alert_state(const jj_engine *e, jj_series_id series, uint32_t rule,
                                       jj_alert_state *out);

/* ---- rules and the engine's limits ------------------------------------- */

/* Whether `rs` fits an engine configured by `cfg` (NULL: defaults), as
 * jj_engine_new decides it: JJ_OK, or JJ_ELIMIT with err (may be NULL)
 * naming the first rule whose window does not fit, and JJ_EINVAL for a
 * bad config or NULL rs. With max_samples_per_window 0 (the default) the
 * cap derives from the rules: every window holds its rule's max_samples
 * (count windows: count). A non-zero cap applies to count and time windows
 * alike: a rule whose window would hold more (count, or max_samples for
 * time and tumbling windows) is refused, never capped silently. Allocates
 * nothing; thread-safe. */
JJ_API jj_status jj_engine_check(const jj_ruleset *rs, const jj_engine_config *cfg,
                                 jj_error *err);

/* What one rule's windows did with the readings of its series, summed over
 * the engine's live series bound to it (forgotten series drop out). A
 * window that rules with equal window settings share counts for each of
 * them. Readings the engine refused before any window (unknown series,
 * late for the series, beyond max_future_ms) are only in jj_engine_stats. */
typedef struct jj_rule_stats {
  uint64_t series;           /* live series bound to the rule */
  uint64_t accepted;         /* readings its windows took in */
  uint64_t rejected_late;    /* JJ_ELATE: older than the window's now - lateness */
  uint64_t rejected_invalid; /* refused as invalid by the window */
  uint64_t rejected_full;    /* JJ_EFULL: the window held max_samples */
  uint64_t duplicates;       /* equal timestamps (kept, replaced or rejected) */
  uint64_t evicted;          /* readings that left the windows */
  uint64_t reserved[9];      /* zero (see "ABI and versioning" in the README) */
} jj_rule_stats;

/* Fill *out for rule index `rule` (as jj_ruleset_find gives it):
 * JJ_OK, JJ_EINVAL for NULL e or out, JJ_ENOTFOUND for an index past the
 * ruleset. Walks every series: O(series x rules per series); allocates
 * nothing. Not during an event callback of the same engine from another
 * thread (like every engine call). */
JJ_API jj_status jj_engine_rule_stats(const jj_engine *e, uint32_t rule, jj_rule_stats *out);


#ifdef __cplusplus
}
#endif

#endif
