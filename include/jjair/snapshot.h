/* libjjair — engine state that survives restarts and rule changes:
 * snapshot, restore and hot reload.
 *
 * A snapshot is a byte image of everything an engine knows: engine time
 * and the caller's clock, the event sequence number and the counters, each
 * series (metric, labels, ids), each window (its samples and its running
 * sums, bit for bit), each alert (level, pending streaks, `for` and
 * keep_firing timers, flap history, no-data and quality state), and each
 * group (members, collected windows, sources). An engine restored from it
 * gives, for the same input, the same events as one that never stopped:
 * byte for byte, seq numbers included.
 *
 * The image is little-endian with fixed-width fields, so one written on a
 * 32-bit big- or little-endian device reads on a 64-bit server; it is
 * versioned and carries a CRC-32 over every byte. The format and its
 * guarantees are described at the top of lib/snapshot.c and in README.md
 * ("Snapshots and hot reload").
 *
 * Rules are matched by name and by a hash of their content (everything
 * that decides when and how they fire: window, aggregate, thresholds,
 * persistence, groups, matchers, level names and severities — not their
 * static labels, annotations or notifier lists, which only decorate
 * events). Restored over a changed ruleset, or reloaded:
 *  - a rule whose name and content are unchanged keeps its windows and
 *    alerts (a window shared with a rule that changed the window's
 *    aggregates starts fresh, and so do the alerts reading it);
 *  - a changed or removed rule's state is dropped, and each of its open
 *    episodes ends at once with an event: QUALITY_RESOLVED if a gate was
 *    dropping readings, NODATA_RESOLVED if a no-data episode was open,
 *    RESOLVED if it was firing (that order), with reason
 *    JJ_REASON_RULE_CHANGED or JJ_REASON_RULE_REMOVED. These events name
 *    the rule and levels as the old rule had them, carry ruleset NULL (no
 *    annotations: the old rule's templates are gone) and rule_index
 *    UINT32_MAX for a removed rule;
 *  - a new rule starts fresh, as for a new engine.
 *
 * Thread-safety: as for every engine call (engine.h), one thread at a time
 * per engine; all of these return JJ_ESTATE from the engine's event
 * callback. A snapshot image is plain bytes: any thread may hold it. */
#ifndef JJAIR_SNAPSHOT_H
#define JJAIR_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "jjair/engine.h"
#include "jjair/error.h"
#include "jjair/export.h"
#include "jjair/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The format version this library writes and reads. */
#define JJ_SNAPSHOT_VERSION 1u

/* What a restore or a reload did with the rules and alerts it found. */
typedef struct jj_restore_report {
  uint32_t rules_kept;     /* rules restored (same name and content) */
  uint32_t rules_changed;  /* same name, other content: state dropped */
  uint32_t rules_removed;  /* not in the new ruleset: state dropped */
  uint32_t rules_added;    /* new rules: they start fresh */
  uint32_t series;         /* series restored */
  uint32_t groups;         /* groups restored */
  uint32_t alerts_ended;   /* events emitted for the dropped rules' open episodes */
  uint32_t windows_reset;  /* windows of kept rules that started fresh (shared
                              with a changed rule that changed their shape) */
  uint32_t reserved[8];    /* zero */
} jj_restore_report;

/* Write the engine's state into buf[0..size). *needed (required) gets the
 * image's size; when it is larger than `size` nothing useful is written
 * and the result is JJ_EFULL (call with size 0, buf NULL, to ask). Events
 * waiting in the poll queue are not part of the state: poll them first (a
 * restored engine starts with an empty queue). Reads the engine only;
 * allocates nothing. JJ_EINVAL for NULL e or needed; JJ_ESTATE from the
 * event callback. */
JJ_API jj_status jj_engine_snapshot(jj_engine *e, void *buf, size_t size, size_t *needed);

/* Write the snapshot to `path` safely: into "<path>.tmp" in the same
 * directory, flushed to disk (fsync), then renamed over `path` (and the
 * directory synced), so a crash leaves either the old file or the new one,
 * never a torn one. Errors, with `err` (may be NULL) naming the file and
 * the system's reason: JJ_EINVAL (NULL arguments, a path too long), JJ_ENOMEM,
 * JJ_ESTATE (from the callback), JJ_ENOTFOUND (the file could not be
 * written: directory missing, no permission, disk full). */
JJ_API jj_status jj_engine_save(jj_engine *e, const char *path, jj_error *err);

/* Restore a snapshot into `e`, a FRESH engine (no series, no time, no
 * event yet: else JJ_ESTATE) created over the same ruleset or a changed
 * one (see the top of this file) and with the same lateness_ms as the
 * engine that wrote it, and a max_samples_per_window that gives its rules'
 * windows the same caps (else JJ_EINVAL saying which). The image is checked in full — magic, version, size,
 * CRC-32, every record's length and every value's range — and decoded into
 * new state before anything of `e` changes: on any error `e` is exactly as
 * it was. Errors, with `err` (may be NULL) saying what and where (byte
 * offset): JJ_EINVAL for a damaged, truncated or foreign image; JJ_ENOTSUP
 * for another format version; JJ_ENOMEM; JJ_ELIMIT when it holds more
 * series than max_series. On success the engine continues where the
 * snapshot left off (series keep their ids), and the events for dropped
 * rules' open episodes are delivered before it returns. `report` may be
 * NULL. The image is only read; it may go once this returns. */
JJ_API jj_status jj_engine_restore(jj_engine *e, const void *image, size_t size,
                                   jj_restore_report *report, jj_error *err);

/* jj_engine_restore from a file written by jj_engine_save. JJ_ENOTFOUND
 * when it cannot be read (err names it and the reason). */
JJ_API jj_status jj_engine_load(jj_engine *e, const char *path, jj_restore_report *report,
                                jj_error *err);

/* Swap a running engine's ruleset for `rs` (the engine takes a reference;
 * the caller may free its own), keeping the state of unchanged rules (see
 * the top of this file): as if the engine were snapshotted and restored
 * over `rs`, in one call, ids and counters kept. Load the new rule file
 * into a ruleset first: a file that fails to load never reaches the
 * engine, which runs on with its old rules.
 *
 * Events already handed out stay valid as engine.h says (the last polled
 * one until the next jj_engine_poll): queued events keep their old labels
 * and rule strings; the engine keeps the old ruleset until no queued or
 * polled event refers to it. Errors leave the engine exactly as it was:
 * JJ_EINVAL (NULL e or rs), JJ_ELIMIT (a window of `rs` does not fit
 * max_samples_per_window, as jj_engine_check says, naming the rule), JJ_ENOMEM, JJ_ESTATE (from the callback). The
 * dropped rules' end-of-episode events are delivered before it returns.
 * Costs about one snapshot and one restore of the state. */
JJ_API jj_status jj_engine_reload(jj_engine *e, jj_ruleset *rs, jj_restore_report *report,
                                  jj_error *err);

#ifdef __cplusplus
}
#endif

#endif
