/* libjjair — notifiers: delivering alert events to people and systems
 * (optional part: JJ_WITH_CURL; see jj_features()).
 *
 * A dispatcher, separate from the engine, takes events (jj_dispatcher_enqueue,
 * or jj_dispatcher_on_event as the engine's on_event callback), routes each
 * to the notifiers its rule names (`notify:` in the rule file), and delivers
 * them: on its own thread (jj_dispatcher_start) or from the caller's loop
 * (jj_dispatcher_poll). HTTP notifiers share one libcurl multi handle, so
 * one thread serves every request; ingest never waits on the network.
 *
 * A notifier type is a const vtable (jj_notifier_type) plus per-instance
 * settings, as Fluent Bit's output plugins are; the library brings the
 * built-in types listed in README "Notifiers" (webhook, sens, solapi,
 * twilio, alertmanager, slack, ndjson, stdout, callback) and callers add
 * their own with jj_dispatcher_register_type.
 *
 * Delivery guarantees (README "Notifiers", "Delivery guarantees"): enqueue
 * only routes the event and copies it into a bounded hand-off ring; the
 * delivering thread (the dispatcher's own, or whoever calls
 * jj_dispatcher_poll / _drain / _free) takes it from there, renders it,
 * appends it to the outbox (when one is configured) and queues it. An
 * event is durable once that append happened: a crash before it (kill -9
 * between enqueue and the next delivery round) loses the events still in
 * the ring; jj_dispatcher_free appends them, and with
 * JJ_OUTBOX_SYNC_EACH enqueue itself appends and syncs before it returns.
 * A record stays in the outbox until its notifier acknowledged it (sent,
 * or failed for good); after a crash, jj_dispatcher_new reads the outbox
 * back and delivers exactly the unacknowledged ones. Retries back off
 * exponentially with jitter; HTTP 429 and 503 honour Retry-After.
 *
 * Thread-safety: jj_dispatcher_enqueue, jj_dispatcher_on_event and
 * jj_dispatcher_stats may be called from any thread at any time (enqueue
 * takes no lock: a compare-and-swap and a copy; stats a short lock).
 * Everything else is called by one thread (the owner), and
 * jj_dispatcher_poll not while the dispatcher's own thread runs. Notifier
 * callbacks (init, send, flush, fini) run on the delivering thread.
 *
 * Memory: the notifier layer allocates with the C library's malloc, as
 * libcurl, OpenSSL and iconv underneath it do; it is not for firmware.
 *
 * In a library built without JJ_WITH_CURL every function below exists and
 * returns JJ_ENOTSUP (or 0 / nothing). */
#ifndef JJAIR_NOTIFY_H
#define JJAIR_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "jjair/alloc.h"
#include "jjair/error.h"
#include "jjair/event.h"
#include "jjair/export.h"
#include "jjair/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a notifier's send reports. Append-only. */
typedef enum jj_send_result {
  JJ_SEND_OK = 0,     /* delivered (acknowledged in the outbox) */
  JJ_SEND_RETRY = 1,  /* temporary failure: try again after a back-off */
  JJ_SEND_FAILED = 2  /* permanent failure: reported once, not retried */
} jj_send_result;

/* When the outbox calls fsync. Append-only. */
typedef enum jj_outbox_sync {
  /* write() each record when the delivering thread takes the event from
   * the hand-off ring; fdatasync as a group commit: the records written
   * since the last sync, once outbox_sync_interval_ms (100 ms) has passed
   * since it, at once when one is a life-safety record (and at stop,
   * drain and free). A record written survives a crash of the process
   * (kill -9); a power loss may lose the ordinary records of the last
   * interval (a message may be sent before its record is synced: it was
   * delivered, so nothing is lost). Default. */
  JJ_OUTBOX_SYNC_BATCH = 0,
  /* no hand-off: enqueue renders, writes and fdatasyncs each record
   * itself: durable (power loss included) when enqueue returns, and
   * enqueue waits for the disk. */
  JJ_OUTBOX_SYNC_EACH = 1,
  /* never fsync (tests, tmpfs). */
  JJ_OUTBOX_SYNC_NONE = 2
} jj_outbox_sync;

/* One message for a notifier: an event as the dispatcher keeps it (a flat
 * copy that survives restarts), borrowed for the duration of send. */
typedef struct jj_notification {
  size_t size;               /* sizeof(jj_notification) of the library */
  uint64_t id;               /* outbox record id, unique in the outbox */
  const char *notifier;      /* the notifier instance's name; for a notifier
                                split by per-recipient settings into lanes,
                                "<name>/<the lane's first recipient>" */
  const char *kind;          /* jj_event_kind_name ("fired", ...) or "test" */
  const char *rule;
  const char *level_name;
  const char *severity;
  const char *metric;
  const jj_label *labels;    /* the series' (or group's) labels */
  uint32_t nlabels;
  uint32_t nrule_labels;
  const jj_label *rule_labels;
  const jj_label *annotations; /* rendered annotation texts, by name */
  uint32_t nannotations;
  uint32_t attempt;          /* 1 on the first try */
  double value;
  int64_t time_ms;           /* the event's engine time */
  int64_t started_ms;
  uint64_t seq;
  uint64_t fingerprint;      /* jj_event.fingerprint */
  int life_safety;           /* the rule is marked `life_safety: true` */
  int is_resolved;           /* kind is resolved (or nodata_resolved, ...) */
  /* The text for people (README "Notifiers", text convention): the
   * annotation `sms_<kind>`, else `summary`, else a generated line. */
  const char *text;
  const char *json;          /* jj_event_json of the event */
  /* Stable across retries and restarts: "jj-" + fingerprint hex + "-" +
   * kind + "-" + time_ms + "-" + notifier. */
  const char *idempotency_key;
  int64_t accepted_ms;       /* dispatcher clock when enqueued */
  uint64_t reserved[8];
} jj_notification;

/* A configuration key of a notifier type. */
#define JJ_KEY_REQUIRED 0x1u /* must be given */
#define JJ_KEY_SECRET 0x2u   /* must come from `<key>_env` (an environment
                                variable's name) or `<key>_file` (a file's
                                path, trailing newline dropped), never inline */
#define JJ_KEY_LIST 0x4u     /* a list: items separated by newlines (or commas,
                                for names and numbers); YAML lists are joined
                                with newlines */
typedef struct jj_notifier_key {
  const char *name;
  unsigned flags;
  const char *help;          /* one line for error messages, may be NULL */
} jj_notifier_key;

/* The settings of one notifier instance (opaque), valid during init. */
typedef struct jj_notifier_settings jj_notifier_settings;

/* A setting's value (secrets resolved), or NULL when not given. The string
 * is borrowed for the duration of init: copy what you keep. */
JJ_API const char *jj_notifier_setting(const jj_notifier_settings *s, const char *key);
/* The instance's name. Borrowed like jj_notifier_setting. */
JJ_API const char *jj_notifier_settings_name(const jj_notifier_settings *s);

/* A notifier type: a const vtable. The struct must outlive the dispatcher
 * it is registered with. */
typedef struct jj_notifier_type {
  size_t size;               /* sizeof(jj_notifier_type) as the caller compiled it */
  const char *name;          /* the `type:` of a notifier in YAML */
  const jj_notifier_key *keys; /* the type's own keys (the dispatcher's
                                  common keys, README "Notifiers", are extra) */
  uint32_t nkeys;
  /* Create the instance context from its settings; JJ_OK, or an error
   * code with a sentence in errbuf (never a secret's value). May be NULL. */
  jj_status (*init)(void *type_ctx, const jj_notifier_settings *s, void **ctx, char *errbuf,
                    size_t errsize);
  /* Deliver msgs[0..n-1] (n > 1 when the notifier groups events) as one
   * message. On RETRY or FAILED, write the reason to errbuf. Required. */
  jj_send_result (*send)(void *ctx, const jj_notification *const *msgs, uint32_t n,
                         char *errbuf, size_t errsize);
  void (*flush)(void *ctx);  /* at the end of jj_dispatcher_drain and before fini; may be NULL */
  void (*fini)(void *ctx);   /* free the context; may be NULL */
  void *type_ctx;            /* passed to init */
  void *reserved[4];         /* NULL */
} jj_notifier_type;

typedef struct jj_dispatcher jj_dispatcher;

/* Dispatcher settings. Initialise with jj_dispatcher_config_init, then set
 * what you need; fields are appended within `reserved`. */
typedef struct jj_dispatcher_config {
  size_t size;               /* set by jj_dispatcher_config_init */
  const char *outbox_path;   /* NULL: no outbox (memory only, lost on crash) */
  jj_outbox_sync outbox_sync;
  uint32_t queue_capacity;   /* pending deliveries per notifier; beyond it
                                an event is dropped for that notifier when
                                it is taken from the hand-off (counted);
                                0 = 10000 */
  uint32_t compact_after;    /* acknowledged records that trigger a rewrite
                                of the outbox; 0 = 1000 */
  int64_t retry_initial_ms;  /* first back-off; 0 = 1000 */
  int64_t retry_max_ms;      /* back-off cap; 0 = 300000 */
  int64_t give_up_after_ms;  /* a delivery older than this fails; 0 = 24 h */
  int64_t http_timeout_ms;   /* per request, unless a notifier's `timeout`; 0 = 10000 */
  /* The clock deliveries run on (epoch ms): NULL = CLOCK_REALTIME. */
  int64_t (*clock)(void *ctx);
  void *clock_ctx;
  /* Where the dispatcher reports problems (a failed delivery, a corrupt
   * outbox tail, ...): one line per call, never a secret. NULL = stderr.
   * Repeated retries of one notifier are reported with growing gaps. */
  void (*log)(void *ctx, const char *notifier, const char *message);
  void *log_ctx;
  uint64_t seed;             /* back-off jitter; 0 = from the clock */
  /* The hand-off ring between enqueue and the delivering thread (README
   * "Notifiers", "Delivery guarantees"): events enqueued and not yet taken
   * by a delivery round; 0 = 4096, at most 16777216. When it is full an
   * event spills to an overflow list (a malloc'd copy, made by the
   * enqueuing thread; no wait): ordinary events up to 16 times as many as
   * the ring holds (65536 by default), beyond that one is refused (JJ_EFULL, counted as dropped
   * and logged); a life-safety event always spills, never refused for
   * space. Size it for the longest burst the delivering thread may fall
   * behind (about events/s times its longest stall). */
  uint32_t handoff_capacity;
  /* Bytes per ring slot, preallocated: an event copy larger than this is
   * malloc'd instead; 0 = 1024, else 512 to 1048576. */
  uint32_t handoff_slot_bytes;
  /* JJ_OUTBOX_SYNC_BATCH's group commit: at most one fdatasync per this
   * many ms for ordinary records (a life-safety record is synced at once);
   * 0 = 100. 1 syncs in every delivery round. */
  int64_t outbox_sync_interval_ms;
  uint64_t reserved[6];
} jj_dispatcher_config;

/* Per-notifier counters (jj_dispatcher_stats). */
typedef struct jj_notifier_stats {
  size_t size;               /* set by jj_dispatcher_stats */
  uint64_t sent;             /* deliveries acknowledged as sent */
  uint64_t retried;          /* attempts that ended in a retry */
  uint64_t failed;           /* deliveries failed for good */
  uint64_t dropped;          /* not queued: the hand-off ring and its
                                overflow were full (an ordinary event;
                                never a life-safety one) or the notifier's
                                queue_capacity was reached */
  uint64_t suppressed;       /* REPEAT events inside the notifier's repeat_interval */
  uint64_t queue_depth;      /* pending now (in flight and in the hand-off
                                ring included) */
  int64_t oldest_pending_ms; /* age of the oldest pending; 0 when none */
  char last_error[200];      /* the last failure's reason, "" when none */
  uint64_t spilled;          /* events that found the hand-off ring full and
                                went to its overflow list (a malloc'd copy
                                made by the enqueuing thread; not lost): when
                                it grows, raise handoff_capacity */
  uint64_t reserved[7];
} jj_notifier_stats;

/* Defaults as documented above. Never fails. */
JJ_API void jj_dispatcher_config_init(jj_dispatcher_config *cfg);

/* A new dispatcher. With an outbox path, the file is opened (created if
 * missing) and read back: unacknowledged records wait for the notifier
 * they name to be added, and are delivered from the first poll or start.
 * A corrupt or truncated record is reported through `log` and counted
 * (jj_dispatcher_outbox_damage) but is not an error: the intact records
 * before and after it are still delivered. JJ_EINVAL for a bad config,
 * JJ_ENOTFOUND when the outbox cannot be opened (reason in err),
 * JJ_ENOMEM. */
JJ_API jj_status jj_dispatcher_new(const jj_dispatcher_config *cfg, jj_dispatcher **out,
                                   jj_error *err);

/* Stop the thread (if started), flush and fini every notifier, free. What
 * is still pending stays in the outbox for the next run. NULL: no-op. */
JJ_API void jj_dispatcher_free(jj_dispatcher *d);

/* Register a notifier type under type->name (before adding instances of
 * it). JJ_EINVAL: no name, no send, or a name already registered. */
JJ_API jj_status jj_dispatcher_register_type(jj_dispatcher *d, const jj_notifier_type *type,
                                             jj_error *err);

/* Add a notifier instance `name` of type `type` with `n` key/value
 * settings (strings copied; JJ_KEY_LIST values as described there). Unknown keys,
 * missing required keys, inline secrets and init failures are JJ_EINVAL
 * with the reason in err. Only before the first poll / start. */
JJ_API jj_status jj_dispatcher_add_notifier(jj_dispatcher *d, const char *name, const char *type,
                                            const char *const *keys, const char *const *values,
                                            uint32_t n, jj_error *err);

/* Load notifiers from YAML (the `notifiers:` section of a rule file or a
 * file of its own; needs JJ_WITH_YAML too, else JJ_ENOTSUP). Errors as
 * jj_rules_load_string: file:line:column, every problem, unknown keys
 * refused. On failure no notifier of the text is added. */
JJ_API jj_status jj_dispatcher_load_string(jj_dispatcher *d, const char *yaml, size_t len,
                                           const char *name, jj_error *errs, size_t max_errs,
                                           size_t *nerrs);
JJ_API jj_status jj_dispatcher_load_file(jj_dispatcher *d, const char *path, jj_error *errs,
                                         size_t max_errs, size_t *nerrs);

/* Hand an event to the dispatcher: routed (the rule's `notify:` names,
 * each notifier's severity and kind filters) and, when a notifier takes
 * it, copied into the hand-off ring (jj_dispatcher_config.
 * handoff_capacity); the delivering thread writes it to the outbox and
 * queues it (see the top of this file for when it is durable). Never
 * blocks, never renders, never writes a file (but with
 * JJ_OUTBOX_SYNC_EACH: then it writes and waits for the disk). JJ_OK (also
 * when no notifier takes it, and when the ring was full and the event
 * spilled to the overflow list), JJ_EFULL when the ring and the ordinary
 * events' share of the overflow list (16 times handoff_capacity) are full and
 * the event is not life-safety (counted as dropped on every notifier it
 * was for; a life-safety event always spills, never refused for space;
 * a caller that must not lose one either may retry later), JJ_ENOMEM, JJ_EINVAL for NULL, JJ_ESTATE when the
 * outbox cannot be written (JJ_OUTBOX_SYNC_EACH only). Thread-safe. */
JJ_API jj_status jj_dispatcher_enqueue(jj_dispatcher *d, const jj_event *ev);

/* jj_dispatcher_enqueue as a jj_event_fn: set the engine's on_event to it
 * and on_event_ctx to the dispatcher. Errors are counted, not returned. */
JJ_API void jj_dispatcher_on_event(void *dispatcher, const jj_event *ev);

/* Queue a test message (kind "test", `text`) to notifier `name` only (to
 * every recipient of it, whatever their per-recipient settings), as
 * life-safety (no grouping, quiet hours or rate limit), after the events
 * enqueued before it (while the dispatcher's own thread runs, it may
 * overtake events still in the hand-off ring). JJ_EFULL when the
 * notifier's queue is full, JJ_ENOTFOUND for an unknown notifier. */
JJ_API jj_status jj_dispatcher_send_test(jj_dispatcher *d, const char *name, const char *text);

/* One round of delivery work: start what is due, wait up to timeout_ms for
 * network progress, finish what completed. JJ_ESTATE while the own thread
 * runs. Returns JJ_OK. */
JJ_API jj_status jj_dispatcher_poll(jj_dispatcher *d, int timeout_ms);

/* Run delivery on a thread of the dispatcher's own until
 * jj_dispatcher_stop (or free). JJ_ESTATE if already running. */
JJ_API jj_status jj_dispatcher_start(jj_dispatcher *d);
JJ_API jj_status jj_dispatcher_stop(jj_dispatcher *d);

/* Deliver until nothing is pending or timeout_ms passed (polls itself, or
 * waits for the own thread). JJ_OK when nothing is pending, JJ_EFULL
 * otherwise. Then calls every notifier's flush. */
JJ_API jj_status jj_dispatcher_drain(jj_dispatcher *d, int timeout_ms);

/* Number of notifier instances (a notifier split by per-recipient
 * settings counts once), and the name of instance i (NULL if out of range;
 * borrowed until jj_dispatcher_free). */
JJ_API uint32_t jj_dispatcher_notifier_count(const jj_dispatcher *d);
JJ_API const char *jj_dispatcher_notifier_name(const jj_dispatcher *d, uint32_t i);

/* Counters of notifier `name` into *out (summed over its per-recipient
 * lanes; last_error is the last lane's with one). JJ_ENOTFOUND, JJ_EINVAL.
 * Thread-safe. */
JJ_API jj_status jj_dispatcher_stats(jj_dispatcher *d, const char *name, jj_notifier_stats *out);

/* Damage found when the outbox was read: the number of bytes skipped (a
 * truncated or corrupt record), 0 for a clean file. */
JJ_API uint64_t jj_dispatcher_outbox_damage(const jj_dispatcher *d);

/* Length of UTF-8 `text` in EUC-KR bytes, as Korean SMS gateways count it
 * (SMS up to 90, LMS up to 2000). JJ_OK and *out, or JJ_EINVAL when the
 * text has a character EUC-KR cannot encode (emoji, ...) or is not UTF-8.
 * Thread-safe. */
JJ_API jj_status jj_sms_euckr_length(const char *text, size_t *out);

#ifdef __cplusplus
}
#endif

#endif
