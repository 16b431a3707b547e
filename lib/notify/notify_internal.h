/* Internal: what the files of the notifier layer share. The layer sits on
 * top of the core (it reads events, never changes the engine); only
 * http.c includes <curl/curl.h>, only crypto.c OpenSSL, only
 * notify_yaml.c the YAML tree. */
#ifndef JJ_LIB_NOTIFY_INTERNAL_H
#define JJ_LIB_NOTIFY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "jjair/notify.h"

/* ---- a growable string (libc memory) -------------------------------------- */

typedef struct jj__sb {
  char *s;
  size_t len, cap;
  int oom;
} jj__sb;

void jj__sb_add(jj__sb *b, const char *s, size_t n);
void jj__sb_puts(jj__sb *b, const char *s);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void jj__sb_printf(jj__sb *b, const char *fmt, ...);
/* s as a JSON string with its quotes. */
void jj__sb_json(jj__sb *b, const char *s);
/* s percent-encoded for application/x-www-form-urlencoded. */
void jj__sb_form(jj__sb *b, const char *s);
void jj__sb_free(jj__sb *b);
/* The text (never NULL: "" when empty); ownership passes to the caller. */
char *jj__sb_take(jj__sb *b);

/* ---- settings -------------------------------------------------------------- */

struct jj_notifier_settings {
  const char *name;
  const char *const *keys;
  const char *const *values;
  uint32_t n;
};

/* Lists are items separated by commas or newlines (JJ_KEY_LIST values
 * from YAML are joined with newlines). */
/* Split a list: calls fn for each trimmed non-empty item. */
void jj__list_each(const char *list, void (*fn)(void *ctx, const char *item, size_t len),
                   void *ctx);
/* The items as an array of strings: 0, or -1 out of memory. */
int jj__list_split(const char *list, char ***items, uint32_t *n);
void jj__list_free(char **items, uint32_t n);
/* 1 when `item` is in `list`. */
int jj__list_has(const char *list, const char *item);
/* strdup with libc memory (strutil.c has the allocator version). */
char *jj__xstrdup(const char *s);
/* A setting as a duration in ms (jj_duration_parse); `def` when absent,
 * -1 when invalid. */
int64_t jj__setting_ms(const jj_notifier_settings *s, const char *key, int64_t def);
/* A boolean setting: def when absent; -1 when not true/false. */
int jj__setting_bool(const jj_notifier_settings *s, const char *key, int def);

/* ---- text ------------------------------------------------------------------ */

/* The value of annotation `name` of m, or NULL. */
const char *jj__ann(const jj_notification *m, const char *name);
/* The value of label `name` (series labels, then rule labels), or NULL. */
const char *jj__label(const jj_notification *m, const char *name);
/* Render template `t` for m into b: {{ text }}, {{ json }}, {{ rule }},
 * {{ kind }}, {{ severity }}, {{ level }}, {{ metric }}, {{ value }},
 * {{ fingerprint }}, {{ idempotency_key }}, {{ time }}, {{ labels.X }},
 * {{ annotations.X }}. `esc` 'j': JSON-escape each value (without
 * quotes), 'f': form-encode, 0: as is. -1 (message in err) for an unknown
 * field or an unclosed {{. With m NULL only checks the template. */
int jj__render(jj__sb *b, const char *t, const jj_notification *m, int esc, char *err,
               size_t errsize);

/* ---- HTTP (http.c) --------------------------------------------------------- */

#define JJ_HTTP_MAX_HEADERS 12

typedef struct jj__http_req {
  char *url;
  char *body;
  size_t body_len;
  char *headers[JJ_HTTP_MAX_HEADERS]; /* "Name: value" */
  int nheaders;
  char *userpwd;      /* basic auth "user:password" */
  int insecure;       /* TLS verification off (tls_verify: false) */
  long timeout_ms;
} jj__http_req;

typedef struct jj__http_resp {
  long status;        /* 0: no HTTP answer (connection error, timeout) */
  const char *error;  /* transport error text when status is 0 */
  const char *body;   /* the response body (NUL-terminated) */
  size_t body_len;
  int64_t retry_after_ms; /* -1 when absent */
} jj__http_resp;

/* Add a header (copied); -1 when full or out of memory. */
int jj__req_header(jj__http_req *req, const char *name, const char *value);
void jj__req_clear(jj__http_req *req);

typedef struct jj__http jj__http;
typedef void (*jj__http_done_fn)(void *ctx, void *owner, const jj__http_resp *r);

jj__http *jj__http_new(void);
void jj__http_free(jj__http *h);
/* Start `req` (its contents are moved into the transfer; req is cleared).
 * -1 when the transfer cannot be set up. */
int jj__http_start(jj__http *h, jj__http_req *req, void *owner);
/* Run transfers, waiting up to timeout_ms for progress (or a wakeup);
 * calls done for each finished transfer. Returns the transfers running. */
int jj__http_run(jj__http *h, int timeout_ms, jj__http_done_fn done, void *ctx);
/* Wake jj__http_run from another thread. */
void jj__http_wakeup(jj__http *h);
/* The default judgement of an HTTP answer: 2xx OK; 408, 425, 429 and 5xx
 * and no answer RETRY; other 4xx FAILED. Writes the reason to err. */
jj_send_result jj__http_judge(const jj__http_resp *r, char *err, size_t errsize);

/* ---- built-in types -------------------------------------------------------- */

/* The HTTP side of a built-in type: it builds requests, the dispatcher
 * runs them on the shared multi handle. */
typedef struct jj__http_ops {
  /* Requests per message (SMS gateways: one per 100 recipients); NULL = 1. */
  uint32_t (*parts)(void *ctx);
  /* Build request `part` for msgs. 0; -1 = permanent failure (err). */
  int (*build)(void *ctx, const jj_notification *const *msgs, uint32_t n, uint32_t part,
               jj__http_req *req, char *err, size_t errsize);
  /* Judge the answer; NULL = jj__http_judge. */
  jj_send_result (*judge)(void *ctx, const jj__http_resp *r, char *err, size_t errsize);
  /* A request of the notifier's own (Alertmanager's periodic re-send), not
   * tied to a delivery: 1 when *req was filled; NULL = never. */
  int (*tick)(void *ctx, int64_t now_ms, jj__http_req *req);
  /* msgs were delivered (after the last part): the notifier may remember
   * them (Alertmanager's active alerts). NULL = nothing. */
  void (*delivered)(void *ctx, const jj_notification *const *msgs, uint32_t n, int64_t now_ms);
} jj__http_ops;

typedef struct jj__builtin {
  const jj_notifier_type *type;
  const jj__http_ops *http; /* NULL: a synchronous type (type->send) */
} jj__builtin;

extern const jj_notifier_type jj__type_stdout, jj__type_ndjson, jj__type_webhook,
    jj__type_slack, jj__type_sens, jj__type_solapi, jj__type_twilio, jj__type_alertmanager;
extern const jj__http_ops jj__http_webhook, jj__http_slack, jj__http_sens, jj__http_solapi,
    jj__http_twilio, jj__http_alertmanager;

/* The built-in types, NULL-terminated by type. */
extern const jj__builtin jj__builtins[];

/* ---- crypto and SMS text (crypto.c, euckr.c) ------------------------------- */

/* HMAC-SHA256 of msg with key into out[32]; 0 or -1. */
int jj__hmac_sha256(const char *key, size_t keylen, const char *msg, size_t msglen,
                    unsigned char out[32]);
/* Base64 of n bytes into out (NUL-terminated; needs 4*ceil(n/3)+1). */
void jj__base64(const unsigned char *in, size_t n, char *out);
/* Lowercase hex of n bytes into out (needs 2n+1). */
void jj__hex(const unsigned char *in, size_t n, char *out);
/* Naver Cloud SENS v2: Base64(HMAC-SHA256(secret, method " " uri "\n"
 * timestamp "\n" access_key)) into out (45 bytes). 0 or -1. */
int jj__sens_signature(const char *method, const char *uri, const char *timestamp,
                       const char *access_key, const char *secret, char out[64]);
/* Solapi: hex(HMAC-SHA256(secret, date + salt)) into out (65 bytes). */
int jj__solapi_signature(const char *secret, const char *date, const char *salt,
                         char out[72]);
/* A copy of UTF-8 `text` cut (whole characters) to at most max_bytes in
 * EUC-KR; its EUC-KR length in *out_bytes. NULL out of memory. A text
 * EUC-KR cannot encode is returned as is (the caller checks). */
char *jj__sms_fit(const char *text, size_t max_bytes, size_t *out_bytes);
/* The texts of a group, one per line. NULL out of memory. */
char *jj__group_text(const jj_notification *const *m, uint32_t n);
/* An SMS gateway's text for a group: jj__group_text cut to max_bytes of
 * EUC-KR (jj__sms_fit), its length in *out_bytes. NULL out of memory, or
 * (with a message in err naming `gateway`) for a text EUC-KR cannot encode. */
char *jj__sms_text(const jj_notification *const *m, uint32_t n, size_t max_bytes,
                   size_t *out_bytes, const char *gateway, char *err, size_t errsize);
/* An SMS notifier's "recipients" setting split into *to / *n: JJ_OK,
 * JJ_ENOMEM, or JJ_EINVAL (message in err) when the list is empty. */
jj_status jj__recipients(const jj_notifier_settings *s, char ***to, uint32_t *n, char *err,
                         size_t errsize);
/* n random bytes as lowercase hex (salts); 0 or -1. */
int jj__random_hex(char *out, size_t nbytes);

/* Remove the notifiers added after the first n (a failed YAML load). */
void jj__dispatcher_truncate(jj_dispatcher *d, uint32_t n);

/* ---- deliveries (record.c) ------------------------------------------------- */

/* One event for one notifier: the serialized record (what the outbox
 * stores) in the same allocation, and the jj_notification read back from
 * it, so a live event and one recovered after a crash take the same path.
 * Until the delivery is about to be sent (jj__delivery_view) only the
 * record's fixed fields are read: id, kind (a static string), life_safety,
 * seq, fingerprint, times, value, is_resolved, attempt; the strings,
 * labels, text and JSON are "" / NULL. With an outbox, the record itself
 * is dropped from memory once written (jj__delivery_drop) and read back
 * from the file when the delivery is viewed: a delivery waiting behind a
 * stalled gateway costs one small allocation, not its record. */
struct jj__outbox;
typedef struct jj__outbox jj__outbox;
struct jj__dpool;
struct jj__dblock;

typedef struct jj__delivery {
  struct jj__delivery *next;
  uint64_t id;
  struct jj__dblock *blk; /* the pool block this struct is in (dpool.h) */
  struct jj__dblock *pblk;/* and the payload (NULL: malloc'd) */
  unsigned char *payload; /* the record, owned; NULL once it is in the outbox
                             file (jj__delivery_drop) */
  size_t payload_len;
  int64_t off;            /* where the payload is in the outbox file, -1: not there */
  jj_notification n;      /* fixed fields always; the rest once viewed */
  void *block;            /* the view's labels and strings (NULL: not viewed) */
  char *texts;            /* n.text and n.idempotency_key, owned with block */
  int64_t next_try_ms;    /* not before this (back-off, policy) */
  uint32_t part;          /* requests already done (multi-part messages) */
} jj__delivery;

/* The record of `ev` minus the notifier name (the same for every notifier
 * an event goes to), appended to out. */
void jj__record_event(jj__sb *out, const jj_event *ev, int life_safety, int64_t accepted_ms);
/* The record of a test message. */
void jj__record_test(jj__sb *out, const char *text, int64_t now_ms);
/* A delivery of record `body` (len bytes) for `notifier` (its name is put
 * in front, as the payload starts), or with notifier NULL of a whole
 * payload read back from the outbox: the struct from `pool`, the payload
 * from `ppool` (either NULL: malloc) — the pool itself when the record
 * stays in memory for the delivery's life (no outbox), a pool of its own
 * when it is dropped once written (so a batch's payloads come and go in
 * whole blocks, not a heap growing and shrinking a page at a time). NULL
 * when malformed or out of memory. */
jj__delivery *jj__delivery_new(struct jj__dpool *pool, uint64_t id, const char *notifier,
                               const void *body, size_t len, struct jj__dpool *ppool);
/* jj__delivery_new of a whole payload, not kept. */
jj__delivery *jj__delivery_parse(struct jj__dpool *pool, uint64_t id, const unsigned char *p,
                                 size_t len);
/* Read the rest of the record into d->n (strings, labels, text, JSON,
 * idempotency key), from memory or (a dropped record) from ob's file: 0,
 * -1 out of memory, -2 the record is not in the file intact (d unchanged
 * on failure). Idempotent. */
int jj__delivery_view(jj__delivery *d, const jj__outbox *ob);
/* The record is in the outbox file at `off`: free its copy in memory. */
void jj__delivery_drop(jj__delivery *d, int64_t off);
/* Release the view again (d->n back to the fixed fields). */
void jj__delivery_unview(jj__delivery *d);
void jj__delivery_free(jj__delivery *d);

/* ---- the outbox file (outbox.c) -------------------------------------------- */

struct jj__outbox {
  int fd;                 /* -1: no outbox */
  char *path;
  jj_outbox_sync sync;
  int dirty;              /* written since the last fsync */
  uint64_t next_id;
  uint64_t acked;         /* ack records since the last compaction */
  uint64_t damage;        /* bytes skipped when read */
  uint64_t size;          /* where the next record starts: the file's end
                             plus what the batch holds */
  int batching;           /* delivery records gather in batch (jj__outbox_begin) */
  jj__sb batch;           /* kept between batches */
  uint64_t batched;       /* records in batch */
  uint64_t batch_lost;    /* records of this batch a write() failed for */
  int batch_errno;        /* and why */
};

/* Called for each record read back that has no ack. */
typedef void (*jj__outbox_visit_fn)(void *ctx, uint64_t id, const unsigned char *payload,
                                    size_t len);
/* Open (create) and read the outbox; report damage through log. 0, or -1
 * with the reason in err. */
int jj__outbox_open(jj__outbox *ob, const char *path, jj_outbox_sync sync,
                    jj__outbox_visit_fn visit, void *ctx, char *err, size_t errsize);
void jj__outbox_close(jj__outbox *ob);
/* Append a delivery record; its id in *id and where its payload is in the
 * file in *off (-1 without a file). 0 or -1 (errno-style reason). */
int jj__outbox_add(jj__outbox *ob, const unsigned char *payload, size_t len, uint64_t *id,
                   int64_t *off);
/* Read delivery record `id` (payload at `off`, `len` bytes) back from the
 * file, checking its frame and checksum: 0 and a malloc'd copy of the
 * payload in *out; -1 out of memory; -2 when it is not there intact. */
int jj__outbox_read(const jj__outbox *ob, uint64_t id, int64_t off, size_t len,
                    unsigned char **out);
/* Gather the delivery records appended from now on in memory, and write
 * them with one write() per 256 KiB and the rest at jj__outbox_flush (the
 * delivering thread does so for each batch it takes from the hand-off
 * ring). */
void jj__outbox_begin(jj__outbox *ob);
/* Write the gathered records. 0, or -1 (errno) when some of the batch
 * could not be written (their number in *records): they are not in the
 * file. */
int jj__outbox_flush(jj__outbox *ob, uint64_t *records);
/* Append an acknowledgement of id. 0 or -1. */
int jj__outbox_ack(jj__outbox *ob, uint64_t id);
/* How many group commits (fdatasyncs of JJ_OUTBOX_SYNC_BATCH) the
 * dispatcher made so far (for tests). */
uint64_t jj__dispatcher_syncs(jj_dispatcher *d);
/* fsync when dirty. */
int jj__outbox_sync(jj__outbox *ob);
/* Rewrite the file with these records only (the pending ones), atomically
 * (write a temporary file, fsync, rename), and move their `off` to the new
 * file. 0 or -1 (the old file stays). */
int jj__outbox_compact(jj__outbox *ob, jj__delivery *const *pending, size_t n);

#endif
