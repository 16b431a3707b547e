/* The dispatcher: takes events from any thread and delivers them from one
 * thread (its own, or the caller's poll loop) through the notifiers'
 * vtables and one shared libcurl multi handle (http.c).
 *
 * Enqueue only routes the event (which lanes take it) and copies it into
 * the hand-off ring (handoff.c); the delivering thread takes it from there,
 * renders the record, appends it to the outbox and queues it — so the
 * thread that produces events never renders, writes or waits (README
 * "Notifiers", "Delivery guarantees": when an event becomes durable).
 *
 * A notifier is one or more lanes (struct nf): a lane per set of
 * recipients that share one policy (per-recipient quiet hours and rate
 * limits), each with its own type instance, queue and policy state; a
 * notifier without per-recipient settings is a single lane. Per lane,
 * deliveries wait in groups (queue.c, `group_by`); one message (a group,
 * or one life-safety delivery) is in flight at a time, and within a group
 * messages go in the order the events were accepted, a retry holding back
 * the ones behind it. When a group may go is the policy's decision
 * (policy.c); back-off and outcome are decided here. */
#define _POSIX_C_SOURCE 200809L /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "errfmt.h"
#include "file_read.h"
#include "dpool.h"
#include "handoff.h"
#include "lanes.h"
#include "jjair/rule.h"
#include "notify_internal.h"
#include "policy.h"
#include "queue.h"

#define ERRMAX 200
#define MAX_LANES JJ_HANDOFF_LANES

typedef struct nf {
  char *name;      /* the notifier's name (what rules list in notify:) */
  char *rec;       /* the name its outbox records carry: name, or name/<first
                      recipient> for each lane of a notifier with several */
  uint32_t lane;   /* 0 for a notifier's first (or only) lane */
  const jj_notifier_type *type;
  const jj__http_ops *http;
  void *ctx;
  char *severities, *kinds; /* filters; NULL = every severity / kind but "active" */
  int64_t timeout_ms;
  int insecure;
  jj__policy pol;
  jj__policy_state pst;
  jj__queue q;
  jj__fifo *busy_q;   /* the FIFO whose first busy_n deliveries are in flight */
  jj__group *busy_g;  /* its group (NULL: the life-safety FIFO) */
  uint32_t busy_n;
  int side_busy;   /* a request of the notifier's own (tick) is in flight */
  struct {
    struct nf *n;
  } side;          /* the owner tag of that request */
  jj_notifier_stats st;
  atomic_uint_least64_t refused; /* refused at enqueue: the hand-off ring was full */
  atomic_uint_least64_t spilled; /* found the ring full: went to its overflow list */
  int64_t log_next_ms, log_gap_ms;
  uint64_t log_held;
} nf;

struct jj_dispatcher {
  jj_dispatcher_config cfg;
  pthread_mutex_t mu;
  nf **nfs;        /* lanes; a notifier's lanes are adjacent */
  uint32_t nnf;
  jj__builtin *types; /* user types (http NULL) */
  uint32_t ntypes;
  jj__outbox ob;
  jj__delivery *orphans; /* read back, waiting for their notifier */
  int sealed;
  int compact_now; /* rewrite the outbox at the first poll (read back with acks or damage) */
  jj__http *http;
  jj__handoff *ho;
  atomic_uint_least64_t refused; /* events refused at enqueue (ring full, out of memory) */
  uint64_t refused_logged;
  jj__sb scratch;  /* the delivering thread's record buffer, reused */
  jj__dpool pool;  /* where deliveries live (under mu) */
  jj__dpool tpool; /* records written to the outbox, until the batch is (under mu) */
  /* deliveries of the batch being taken whose records wait in the
   * outbox's batch: their copies in memory go once it is written */
  jj__delivery **fresh;
  size_t nfresh, capfresh;
  int64_t refused_log_ms;
  /* group commit (JJ_OUTBOX_SYNC_BATCH): when the outbox was last synced
   * (monotonic ms), and whether a life-safety record waits for a sync */
  int64_t synced_mono_ms;
  int sync_urgent;
  uint64_t nsyncs; /* group commits done (jj__dispatcher_syncs, for tests) */
  pthread_t thread;
  int running, stop;
  uint64_t rng;
};

/* ---- small things ----------------------------------------------------------- */

static int64_t realtime_ms(void *ctx) {
  (void)ctx;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_ms(const jj_dispatcher *d) { return d->cfg.clock(d->cfg.clock_ctx); }

/* The acceptance time enqueue stamps: with the default clock, the coarse
 * one (a few ms of resolution, a tenth of the cost: enqueue runs on the
 * ingest thread); a caller's clock as it is. */
static int64_t accept_ms(const jj_dispatcher *d) {
#ifdef CLOCK_REALTIME_COARSE /* Linux */
  if (d->cfg.clock == realtime_ms) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
  }
#endif
  return now_ms(d);
}

static void stderr_log(void *ctx, const char *notifier, const char *message) {
  (void)ctx;
  (void)fprintf(stderr, "jjair notify: %s: %s\n", notifier ? notifier : "dispatcher", message);
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void logf_(const jj_dispatcher *d, const char *notifier, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  (void)vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  d->cfg.log(d->cfg.log_ctx, notifier, msg);
}

static uint64_t rng_next(jj_dispatcher *d) { /* xorshift64* */
  d->rng ^= d->rng >> 12;
  d->rng ^= d->rng << 25;
  d->rng ^= d->rng >> 27;
  return d->rng * 0x2545F4914F6CDD1DULL;
}

/* The first lane of notifier `name`, or NULL. */
static nf *find_nf(const jj_dispatcher *d, const char *name) {
  for (uint32_t i = 0; i < d->nnf; i++)
    if (strcmp(d->nfs[i]->name, name) == 0) return d->nfs[i];
  return NULL;
}

/* The lane whose records carry `rec`, or NULL. */
static nf *find_rec(const jj_dispatcher *d, const char *rec) {
  for (uint32_t i = 0; i < d->nnf; i++)
    if (strcmp(d->nfs[i]->rec, rec) == 0) return d->nfs[i];
  return NULL;
}

/* ---- configuration ---------------------------------------------------------- */

void jj_dispatcher_config_init(jj_dispatcher_config *cfg) {
  if (!cfg) return;
  memset(cfg, 0, sizeof *cfg);
  cfg->size = sizeof *cfg;
  cfg->outbox_sync = JJ_OUTBOX_SYNC_BATCH;
}

static void on_recovered(void *ctx, uint64_t id, const unsigned char *p, size_t len) {
  jj_dispatcher *d = ctx;
  jj__delivery *x = jj__delivery_parse(&d->pool, id, p, len);
  if (!x) {
    /* intact frame, unreadable content: a newer format or a bug */
    d->ob.damage += len;
    logf_(d, NULL, "outbox record %llu is not readable: skipped", (unsigned long long)id);
    return;
  }
  /* ids come in increasing order: append keeps the acceptance order */
  jj__delivery **tail = &d->orphans;
  while (*tail) tail = &(*tail)->next;
  *tail = x;
}

jj_status jj_dispatcher_new(const jj_dispatcher_config *cfg, jj_dispatcher **out,
                            jj_error *err) {
  if (!out) return jj__fail(err, JJ_EINVAL, "out is NULL");
  *out = NULL;
  jj_dispatcher_config def;
  jj_dispatcher_config_init(&def);
  if (cfg && cfg->size != sizeof *cfg)
    return jj__fail(err, JJ_EINVAL,
                    "jj_dispatcher_config.size is %zu, this library's is %zu: call "
                    "jj_dispatcher_config_init",
                    cfg->size, sizeof *cfg);
  if (cfg && (unsigned)cfg->outbox_sync > JJ_OUTBOX_SYNC_NONE)
    return jj__fail(err, JJ_EINVAL, "unknown outbox_sync %d", (int)cfg->outbox_sync);
  if (cfg && (cfg->handoff_capacity > (1u << 24) || cfg->handoff_slot_bytes > (1u << 20) ||
              (cfg->handoff_slot_bytes && cfg->handoff_slot_bytes < 512)))
    return jj__fail(err, JJ_EINVAL,
                    "handoff_capacity must be at most 16777216 and handoff_slot_bytes from 512 "
                    "to 1048576 (0: the defaults)");
  if (cfg && cfg->outbox_sync_interval_ms < 0)
    return jj__fail(err, JJ_EINVAL, "outbox_sync_interval_ms is %lld: 0 (100 ms) or more",
                    (long long)cfg->outbox_sync_interval_ms);
  jj_dispatcher *d = calloc(1, sizeof *d);
  if (!d) return jj__fail(err, JJ_ENOMEM, "out of memory");
  d->cfg = cfg ? *cfg : def;
  if (!d->cfg.queue_capacity) d->cfg.queue_capacity = 10000;
  if (!d->cfg.compact_after) d->cfg.compact_after = 1000;
  if (!d->cfg.handoff_capacity) d->cfg.handoff_capacity = 4096;
  if (!d->cfg.handoff_slot_bytes) d->cfg.handoff_slot_bytes = 1024;
  if (d->cfg.retry_initial_ms <= 0) d->cfg.retry_initial_ms = 1000;
  if (d->cfg.retry_max_ms <= 0) d->cfg.retry_max_ms = 300000;
  if (d->cfg.give_up_after_ms <= 0) d->cfg.give_up_after_ms = 24LL * 3600 * 1000;
  if (d->cfg.http_timeout_ms <= 0) d->cfg.http_timeout_ms = 10000;
  if (!d->cfg.outbox_sync_interval_ms) d->cfg.outbox_sync_interval_ms = 100;
  /* A new dispatcher comes after a quiet spell: its first record is synced
   * at once. The monotonic clock counts from boot, so "last synced at 0"
   * would hold it back for up to one interval on a machine up for less. */
  d->synced_mono_ms = mono_ms() - d->cfg.outbox_sync_interval_ms;
  if (!d->cfg.clock) d->cfg.clock = realtime_ms;
  if (!d->cfg.log) d->cfg.log = stderr_log;
  d->rng = d->cfg.seed ? d->cfg.seed : (uint64_t)mono_ms() * 0x9E3779B97F4A7C15ULL + 1;
  if (pthread_mutex_init(&d->mu, NULL)) {
    free(d);
    return jj__fail(err, JJ_ENOMEM, "cannot create a mutex");
  }
  d->cfg.outbox_path = NULL; /* the outbox keeps its own copy */
  char msg[300] = "";
  d->ob.fd = -1;
  if (jj__outbox_open(&d->ob, cfg ? cfg->outbox_path : NULL, d->cfg.outbox_sync, on_recovered,
                      d, msg, sizeof msg)) {
    jj_dispatcher_free(d);
    return jj__fail(err, JJ_ENOTFOUND, "%s", msg);
  }
  if (d->ob.damage)
    logf_(d, NULL,
          "outbox %s: %llu damaged bytes skipped (a truncated or corrupt record); the intact "
          "records are delivered",
          d->ob.path, (unsigned long long)d->ob.damage);
  d->compact_now = d->ob.damage > 0 || d->ob.acked > 0;
  atomic_init(&d->refused, 0);
  d->ho = jj__handoff_new(d->cfg.handoff_capacity, d->cfg.handoff_slot_bytes);
  if (!d->ho) {
    jj_dispatcher_free(d);
    return jj__fail(err, JJ_ENOMEM, "out of memory (the hand-off ring)");
  }
  d->http = jj__http_new();
  if (!d->http) {
    jj_dispatcher_free(d);
    return jj__fail(err, JJ_ENOMEM, "cannot create the HTTP client (libcurl)");
  }
  *out = d;
  return JJ_OK;
}

static void nf_free(nf *n) {
  if (!n) return;
  if (n->type && n->type->fini && n->ctx) n->type->fini(n->ctx);
  jj__queue_free(&n->q);
  free(n->name);
  free(n->rec);
  free(n->severities);
  free(n->kinds);
  free(n);
}

static void take_handoff(jj_dispatcher *d, uint64_t max);
static void truncate_lanes(jj_dispatcher *d, uint32_t n);

void jj_dispatcher_free(jj_dispatcher *d) {
  if (!d) return;
  (void)jj_dispatcher_stop(d);
  /* what is still in the ring goes to the outbox (the next run sends it) */
  if (d->ho) take_handoff(d, UINT64_MAX);
  jj__handoff_free(d->ho);
  jj__http_free(d->http);
  for (uint32_t i = 0; i < d->nnf; i++) {
    if (d->nfs[i]->type->flush && d->nfs[i]->ctx) d->nfs[i]->type->flush(d->nfs[i]->ctx);
    nf_free(d->nfs[i]);
  }
  free(d->nfs);
  while (d->orphans) {
    jj__delivery *x = d->orphans;
    d->orphans = x->next;
    jj__delivery_free(x);
  }
  jj__outbox_close(&d->ob);
  jj__dpool_fini(&d->pool);
  jj__dpool_fini(&d->tpool);
  jj__sb_free(&d->scratch);
  free(d->fresh);
  free(d->types);
  pthread_mutex_destroy(&d->mu);
  free(d);
}

/* the built-in type or registered type called name */
static int lookup_type(const jj_dispatcher *d, const char *name, jj__builtin *out) {
  for (uint32_t i = 0; i < d->ntypes; i++)
    if (strcmp(d->types[i].type->name, name) == 0) return *out = d->types[i], 1;
  for (const jj__builtin *b = jj__builtins; b->type; b++)
    if (strcmp(b->type->name, name) == 0) return *out = *b, 1;
  return 0;
}

jj_status jj_dispatcher_register_type(jj_dispatcher *d, const jj_notifier_type *type,
                                      jj_error *err) {
  if (!d || !type) return jj__fail(err, JJ_EINVAL, "dispatcher or type is NULL");
  if (type->size != sizeof *type)
    return jj__fail(err, JJ_EINVAL, "jj_notifier_type.size is %zu, this library's is %zu",
                    type->size, sizeof *type);
  if (!type->name || !type->name[0] || !type->send)
    return jj__fail(err, JJ_EINVAL, "a notifier type needs a name and a send function");
  jj__builtin b;
  if (lookup_type(d, type->name, &b))
    return jj__fail(err, JJ_EINVAL, "notifier type '%s' is already registered", type->name);
  jj__builtin *t = realloc(d->types, (d->ntypes + 1) * sizeof *t);
  if (!t) return jj__fail(err, JJ_ENOMEM, "out of memory");
  d->types = t;
  d->types[d->ntypes].type = type;
  d->types[d->ntypes].http = NULL;
  d->ntypes++;
  return JJ_OK;
}

/* keys every notifier understands, whatever its type */
static const char *const COMMON_KEYS[] = {
    "severities", "kinds",  "timeout",         "tls_verify",  "group_wait", "group_interval",
    "group_max",  "repeat_interval", "rate_limit", "quiet_hours", "utc_offset", "group_by",
    "recipient_quiet_hours", "recipient_rate_limit", NULL};

static int is_common(const char *k) {
  for (const char *const *c = COMMON_KEYS; *c; c++)
    if (strcmp(*c, k) == 0) return 1;
  return 0;
}

static const jj_notifier_key *type_key(const jj_notifier_type *t, const char *k, size_t len) {
  for (uint32_t i = 0; i < t->nkeys; i++)
    if (strlen(t->keys[i].name) == len && strncmp(t->keys[i].name, k, len) == 0)
      return &t->keys[i];
  return NULL;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n > m && strcmp(s + n - m, suffix) == 0;
}

/* A secret from a file: its content without the trailing newline; NULL
 * with the reason in why[] (a file over 64 KiB is refused, not cut). */
static char *read_secret(const char *path, jj__read_result *r, char *why, size_t whysz) {
  jj_allocator libc;
  jj__alloc_resolve(&libc, NULL);
  size_t len = 0;
  char *s = jj__read_file(&libc, path, 65536, &len, r, why, whysz);
  while (s && len && (s[len - 1] == '\n' || s[len - 1] == '\r')) s[--len] = '\0';
  return s;
}

typedef struct kv {
  const char **keys, **values;
  char **owned; /* resolved secrets */
  uint32_t n;
} kv;

static void kv_free(kv *r) {
  for (uint32_t i = 0; i < r->n; i++) free(r->owned[i]);
  free(r->keys);
  free(r->values);
  free(r->owned);
}

static int valid_name(const char *s) {
  if (!s || !*s) return 0;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          *p == '_' || *p == '.' || *p == ':' || *p == '-'))
      return 0;
  return 1;
}

/* Check the settings against the type and resolve secrets into r. */
static jj_status resolve(const jj_notifier_type *t, const char *const *keys,
                         const char *const *values, uint32_t n, kv *r, jj_error *err) {
  r->keys = calloc(n + 1, sizeof *r->keys);
  r->values = calloc(n + 1, sizeof *r->values);
  r->owned = calloc(n + 1, sizeof *r->owned);
  r->n = 0;
  if (!r->keys || !r->values || !r->owned) return jj__fail(err, JJ_ENOMEM, "out of memory");
  for (uint32_t i = 0; i < n; i++) {
    const char *k = keys[i], *v = values[i];
    if (!k || !v) return jj__fail(err, JJ_EINVAL, "setting %u has no key or value", i);
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(keys[j], k) == 0) return jj__fail(err, JJ_EINVAL, "key '%s' given twice", k);
    const jj_notifier_key *tk = type_key(t, k, strlen(k));
    int env = ends_with(k, "_env"), file = ends_with(k, "_file");
    const jj_notifier_key *sk = (env || file) ? type_key(t, k, strlen(k) - (env ? 4 : 5)) : NULL;
    if (tk && (tk->flags & JJ_KEY_SECRET))
      return jj__fail(err, JJ_EINVAL,
                      "'%s' is a secret and is never written inline: give '%s_env' (the name "
                      "of an environment variable) or '%s_file' (a file holding it)",
                      k, k, k);
    if (sk && (sk->flags & JJ_KEY_SECRET)) {
      char *secret = NULL;
      if (env) {
        const char *e = getenv(v);
        if (!e)
          return jj__fail(err, JJ_EINVAL, "environment variable '%s' (for '%s') is not set", v,
                          sk->name);
        secret = jj__xstrdup(e);
      } else {
        char why[96];
        jj__read_result rr;
        secret = read_secret(v, &rr, why, sizeof why);
        if (!secret)
          return jj__fail(err, rr == JJ__READ_NOMEM ? JJ_ENOMEM : JJ_EINVAL,
                          "cannot read '%s' (for '%s'): %s", v, sk->name, why);
      }
      if (!secret) return jj__fail(err, JJ_ENOMEM, "out of memory");
      r->owned[r->n] = secret;
      r->keys[r->n] = sk->name;
      r->values[r->n] = secret;
      r->n++;
      continue;
    }
    if (!tk && !is_common(k)) {
      jj__sb known = {0};
      for (uint32_t j = 0; j < t->nkeys; j++) {
        jj__sb_puts(&known, j ? ", " : "");
        jj__sb_puts(&known, t->keys[j].name);
        if (t->keys[j].flags & JJ_KEY_SECRET) jj__sb_puts(&known, "_env|_file");
      }
      jj_status st = jj__fail(err, JJ_EINVAL,
                              "unknown key '%s' for a notifier of type '%s' (its keys: %s; "
                              "and for every notifier: severities, kinds, timeout, tls_verify, "
                              "group_by, group_wait, group_interval, group_max, "
                              "repeat_interval, rate_limit, quiet_hours, utc_offset, "
                              "recipient_quiet_hours, recipient_rate_limit)",
                              k, t->name, known.s ? known.s : "none");
      jj__sb_free(&known);
      return st;
    }
    r->keys[r->n] = k;
    r->values[r->n] = v;
    r->n++;
  }
  for (uint32_t j = 0; j < t->nkeys; j++) {
    if (!(t->keys[j].flags & JJ_KEY_REQUIRED)) continue;
    int found = 0;
    for (uint32_t i = 0; i < r->n; i++) found |= strcmp(r->keys[i], t->keys[j].name) == 0;
    if (!found) {
      const char *how = (t->keys[j].flags & JJ_KEY_SECRET) ? "_env or _file" : "";
      return jj__fail(err, JJ_EINVAL, "a notifier of type '%s' needs '%s%s'%s%s", t->name,
                      t->keys[j].name, how, t->keys[j].help ? ": " : "",
                      t->keys[j].help ? t->keys[j].help : "");
    }
  }
  return JJ_OK;
}

typedef struct kind_check {
  const char *bad;
  size_t len;
} kind_check;

static void check_kind(void *ctx, const char *item, size_t len) {
  static const char *const kinds[] = {"fired",  "escalated", "downgraded", "resolved",
                                      "repeat", "nodata",    "nodata_resolved", "flapping",
                                      "flapping_end", "quality", "quality_resolved", NULL};
  kind_check *kc = ctx;
  for (const char *const *k = kinds; *k; k++)
    if (strlen(*k) == len && strncmp(*k, item, len) == 0) return;
  if (!kc->bad) kc->bad = item, kc->len = len;
}

static jj_status common_settings(nf *n, const jj_notifier_settings *s, jj_error *err) {
  const char *v;
  if ((v = jj_notifier_setting(s, "severities")) && !(n->severities = jj__xstrdup(v)))
    return jj__fail(err, JJ_ENOMEM, "out of memory");
  if ((v = jj_notifier_setting(s, "kinds"))) {
    /* every listed kind must exist: a typo would silence a notifier */
    kind_check kc = {NULL, 0};
    jj__list_each(v, check_kind, &kc);
    if (kc.bad)
      return jj__fail(err, JJ_EINVAL,
                      "unknown event kind '%.*s' in 'kinds' (kinds: fired, escalated, "
                      "downgraded, resolved, repeat, nodata, nodata_resolved, flapping, "
                      "flapping_end, quality, quality_resolved)",
                      (int)kc.len, kc.bad);
    if (!(n->kinds = jj__xstrdup(v))) return jj__fail(err, JJ_ENOMEM, "out of memory");
  }
  struct {
    const char *key;
    int64_t *out;
  } durs[] = {{"timeout", &n->timeout_ms},
              {"group_wait", &n->pol.group_wait_ms},
              {"group_interval", &n->pol.group_interval_ms},
              {"repeat_interval", &n->pol.repeat_interval_ms}};
  for (size_t i = 0; i < sizeof durs / sizeof durs[0]; i++) {
    int64_t ms = jj__setting_ms(s, durs[i].key, *durs[i].out);
    if (ms < 0)
      return jj__fail(err, JJ_EINVAL, "'%s' must be a duration such as 30s, 5m or 1h",
                      durs[i].key);
    *durs[i].out = ms;
  }
  int tls = jj__setting_bool(s, "tls_verify", 1);
  if (tls < 0) return jj__fail(err, JJ_EINVAL, "'tls_verify' must be true or false");
  n->insecure = !tls;
  if ((v = jj_notifier_setting(s, "group_by"))) {
    char why[ERRMAX] = "";
    int rc = jj__queue_group_by(&n->q, v, why, sizeof why);
    if (rc == -2) return jj__fail(err, JJ_ENOMEM, "out of memory");
    if (rc) return jj__fail(err, JJ_EINVAL, "%s", why);
  }
  if ((v = jj_notifier_setting(s, "group_max"))) {
    char *end;
    unsigned long g = strtoul(v, &end, 10);
    if (*end || g < 1 || g > 1000)
      return jj__fail(err, JJ_EINVAL, "'group_max' must be a number from 1 to 1000");
    n->pol.group_max = (uint32_t)g;
  } else if (n->pol.group_wait_ms > 0 || n->pol.group_interval_ms > 0 || n->q.nby) {
    n->pol.group_max = 100;
  }
  if ((v = jj_notifier_setting(s, "rate_limit")) &&
      jj__policy_parse_rate(v, &n->pol.rate_n, &n->pol.rate_window_ms))
    return jj__fail(err, JJ_EINVAL,
                    "'rate_limit' must be COUNT/DURATION with COUNT 1..%d, e.g. 5/1h",
                    JJ_POLICY_RATE_MAX);
  if ((v = jj_notifier_setting(s, "quiet_hours")) &&
      jj__policy_parse_quiet(v, &n->pol.quiet_start_min, &n->pol.quiet_end_min))
    return jj__fail(err, JJ_EINVAL, "'quiet_hours' must be HH:MM-HH:MM, e.g. 22:00-07:00");
  if ((v = jj_notifier_setting(s, "utc_offset")) &&
      jj__policy_parse_offset(v, &n->pol.utc_offset_min))
    return jj__fail(err, JJ_EINVAL, "'utc_offset' must be +HH:MM or -HH:MM, e.g. +09:00");
  return JJ_OK;
}

/* One lane of notifier `name`: settings s (recipients already the lane's),
 * policy overrides from spec when not NULL. Appended to d->nfs. */
static jj_status add_lane(jj_dispatcher *d, const jj__builtin *b, const char *name,
                          const char *rec, uint32_t lane, const jj_notifier_settings *s,
                          const jj__lane_spec *spec, jj_error *err) {
  if (d->nnf >= MAX_LANES)
    return jj__fail(err, JJ_EINVAL,
                    "a dispatcher takes at most %d notifiers (a notifier with per-recipient "
                    "settings counts once per distinct setting)",
                    (int)MAX_LANES);
  nf *x = calloc(1, sizeof *x);
  if (!x) return jj__fail(err, JJ_ENOMEM, "out of memory");
  jj_status st = JJ_OK;
  if (!(x->name = jj__xstrdup(name)) || !(x->rec = jj__xstrdup(rec)))
    st = jj__fail(err, JJ_ENOMEM, "out of memory");
  if (st == JJ_OK) {
    x->lane = lane;
    x->type = b->type;
    x->http = b->http;
    x->side.n = x;
    x->timeout_ms = d->cfg.http_timeout_ms;
    atomic_init(&x->refused, 0);
    atomic_init(&x->spilled, 0);
    jj__policy_init(&x->pol);
    jj__policy_state_init(&x->pst);
    x->st.size = sizeof x->st;
    st = common_settings(x, s, err);
  }
  if (st == JJ_OK && spec) {
    x->pol.quiet_start_min = spec->quiet_start_min;
    x->pol.quiet_end_min = spec->quiet_end_min;
    x->pol.rate_n = spec->rate_n;
    x->pol.rate_window_ms = spec->rate_window_ms;
  }
  if (st == JJ_OK && b->type->init) {
    char msg[ERRMAX] = "";
    st = b->type->init(b->type->type_ctx, s, &x->ctx, msg, sizeof msg);
    if (st != JJ_OK) {
      x->ctx = NULL;
      (void)jj__fail(err, st, "notifier '%s': %s", name, msg[0] ? msg : jj_strerror(st));
    }
  }
  if (st == JJ_OK) {
    nf **t = realloc(d->nfs, (d->nnf + 1) * sizeof *t);
    if (!t) st = jj__fail(err, JJ_ENOMEM, "out of memory");
    else {
      d->nfs = t;
      d->nfs[d->nnf++] = x;
      x = NULL;
    }
  }
  nf_free(x);
  return st;
}

/* Per-recipient settings: one lane per distinct policy (lanes.h). */
static jj_status add_lanes(jj_dispatcher *d, const jj__builtin *b, const char *name, kv *r,
                           jj_error *err) {
  jj_notifier_settings s = {name, r->keys, r->values, r->n};
  const char *qmap = jj_notifier_setting(&s, "recipient_quiet_hours");
  const char *rmap = jj_notifier_setting(&s, "recipient_rate_limit");
  if (!qmap && !rmap) return add_lane(d, b, name, name, 0, &s, NULL, err);
  if (!type_key(b->type, "recipients", 10))
    return jj__fail(err, JJ_EINVAL,
                    "'%s' is for notifiers with 'recipients' (sens, solapi, twilio, or a type "
                    "with that key), not type '%s'",
                    qmap ? "recipient_quiet_hours" : "recipient_rate_limit", b->type->name);
  /* the notifier's own quiet hours and rate limit are every recipient's
   * default: parse them as a lane would */
  nf probe;
  memset(&probe, 0, sizeof probe);
  jj__policy_init(&probe.pol);
  jj_status st = common_settings(&probe, &s, err);
  free(probe.severities);
  free(probe.kinds);
  jj__queue_free(&probe.q);
  if (st != JJ_OK) return st;
  jj__lane_spec *lanes = NULL;
  uint32_t nl = 0;
  char why[ERRMAX] = "";
  int rc = jj__lanes_split(jj_notifier_setting(&s, "recipients"), qmap, rmap, &probe.pol, &lanes,
                           &nl, why, sizeof why);
  if (rc == -2) return jj__fail(err, JJ_ENOMEM, "out of memory");
  if (rc) return jj__fail(err, JJ_EINVAL, "%s", why);
  /* each lane's settings: the notifier's, with its own recipients */
  const char **vals = calloc(r->n + 1, sizeof *vals);
  if (!vals) {
    jj__lanes_free(lanes, nl);
    return jj__fail(err, JJ_ENOMEM, "out of memory");
  }
  uint32_t before = d->nnf;
  for (uint32_t l = 0; l < nl && st == JJ_OK; l++) {
    for (uint32_t i = 0; i < r->n; i++)
      vals[i] = strcmp(r->keys[i], "recipients") == 0 ? lanes[l].recipients : r->values[i];
    jj_notifier_settings ls = {name, r->keys, vals, r->n};
    jj__sb rec = {0};
    if (nl == 1) jj__sb_puts(&rec, name);
    else jj__sb_printf(&rec, "%s/%s", name, lanes[l].first);
    st = rec.oom ? jj__fail(err, JJ_ENOMEM, "out of memory")
                 : add_lane(d, b, name, rec.s, l, &ls, &lanes[l], err);
    jj__sb_free(&rec);
  }
  if (st != JJ_OK) truncate_lanes(d, before);
  free(vals);
  jj__lanes_free(lanes, nl);
  return st;
}

jj_status jj_dispatcher_add_notifier(jj_dispatcher *d, const char *name, const char *type,
                                     const char *const *keys, const char *const *values,
                                     uint32_t n, jj_error *err) {
  if (!d || !name || !type || (n && (!keys || !values)))
    return jj__fail(err, JJ_EINVAL, "dispatcher, name, type, keys or values is NULL");
  if (d->sealed)
    return jj__fail(err, JJ_ESTATE, "notifiers are added before the first poll or start");
  if (!valid_name(name))
    return jj__fail(err, JJ_EINVAL,
                    "notifier name '%s' must be letters, digits, _ . : - (as in notify:)", name);
  if (find_nf(d, name)) return jj__fail(err, JJ_EINVAL, "notifier '%s' is defined twice", name);
  jj__builtin b;
  if (!lookup_type(d, type, &b)) {
    jj__sb known = {0};
    for (const jj__builtin *t = jj__builtins; t->type; t++) {
      jj__sb_puts(&known, t == jj__builtins ? "" : ", ");
      jj__sb_puts(&known, t->type->name);
    }
    for (uint32_t i = 0; i < d->ntypes; i++) {
      jj__sb_puts(&known, ", ");
      jj__sb_puts(&known, d->types[i].type->name);
    }
    jj_status st = jj__fail(err, JJ_EINVAL, "unknown notifier type '%s' (types: %s)", type,
                            known.s ? known.s : "");
    jj__sb_free(&known);
    return st;
  }
  kv r = {0};
  jj_status st = resolve(b.type, keys, values, n, &r, err);
  if (st == JJ_OK) st = add_lanes(d, &b, name, &r, err);
  kv_free(&r);
  return st;
}

static void truncate_lanes(jj_dispatcher *d, uint32_t n) {
  while (d->nnf > n) nf_free(d->nfs[--d->nnf]);
}

void jj__dispatcher_truncate(jj_dispatcher *d, uint32_t n) {
  uint32_t i = 0, seen = 0;
  for (; i < d->nnf; i++)
    if (d->nfs[i]->lane == 0 && seen++ == n) break;
  truncate_lanes(d, i);
}

/* ---- accepting events: route, render, append, queue ---------------------- */

/* Queue one record for lane x (lock held). */
static jj_status queue_one(jj_dispatcher *d, nf *x, const char *body, size_t len) {
  if (x->q.depth >= d->cfg.queue_capacity) {
    x->st.dropped++;
    return JJ_EFULL;
  }
  /* without an outbox the record stays in memory, beside the delivery */
  jj__delivery *dl =
      jj__delivery_new(&d->pool, 0, x->rec, body, len, d->ob.fd < 0 ? &d->pool : &d->tpool);
  if (!dl) return JJ_ENOMEM;
  if (jj__policy_suppress(&x->pol, &x->pst, dl->n.fingerprint, dl->n.kind, dl->n.accepted_ms)) {
    x->st.suppressed++;
    jj__delivery_free(dl);
    return JJ_OK;
  }
  uint64_t id;
  int64_t off;
  if (jj__outbox_add(&d->ob, dl->payload, dl->payload_len, &id, &off)) {
    logf_(d, x->name, "cannot write the outbox: %s; the event is refused", strerror(errno));
    jj__delivery_free(dl);
    return JJ_ESTATE;
  }
  dl->id = dl->n.id = id;
  if (jj__queue_add(&x->q, dl)) {
    /* appended but not queued: acknowledge it, or a restart would send it */
    (void)jj__outbox_ack(&d->ob, id);
    jj__delivery_free(dl);
    x->st.dropped++;
    return JJ_ENOMEM;
  }
  /* in the file: the copy in memory can go (read back when it is sent);
   * a batched record only once the batch is written (take_handoff) */
  if (off >= 0 && !d->ob.batching) {
    jj__delivery_drop(dl, off);
  } else if (off >= 0) {
    dl->off = off;
    if (d->nfresh == d->capfresh) {
      size_t nc = d->capfresh ? d->capfresh * 2 : 256;
      jj__delivery **t = realloc(d->fresh, nc * sizeof *t);
      if (t) d->fresh = t, d->capfresh = nc;
    }
    if (d->nfresh < d->capfresh) d->fresh[d->nfresh++] = dl; /* else it stays in memory */
  }
  return JJ_OK;
}

static int routed(const nf *x, const jj_event *ev, const char *kind) {
  if (x->severities && !jj__list_has(x->severities, ev->severity ? ev->severity : ""))
    return 0;
  if (x->kinds) return jj__list_has(x->kinds, kind);
  return ev->kind != JJ_EVENT_ACTIVE;
}

/* The lanes that take ev, as bits of targets; 0 when none. The notifiers
 * are fixed once delivery started (before, the owner adds them on the
 * thread that would enqueue), so this reads them without the lock. */
static int route(const jj_dispatcher *d, const jj_event *ev, const char *kind,
                 uint64_t targets[JJ_HANDOFF_TARGET_WORDS]) {
  const jj_ruleset *rs = ev->ruleset;
  uint32_t nn = jj_ruleset_rule_notify_count(rs, ev->rule_index);
  int any = 0;
  memset(targets, 0, JJ_HANDOFF_TARGET_WORDS * sizeof *targets);
  for (uint32_t j = 0; j < nn; j++) {
    const char *name = jj_ruleset_rule_notify(rs, ev->rule_index, j);
    for (uint32_t i = 0; i < d->nnf; i++) {
      const nf *x = d->nfs[i];
      if (strcmp(x->name, name) != 0 || !routed(x, ev, kind)) continue;
      targets[i / 64] |= 1ULL << (i % 64);
      any = 1;
    }
  }
  return any;
}

/* Render ev once and queue it for every target lane. Takes the lock for
 * the queues; the rendering runs outside it. `scratch`: for an event taken
 * from the hand-off ring, the delivering thread's reused buffer (and the
 * ring's per-lane counts move to the queues); NULL for enqueue's own
 * JJ_OUTBOX_SYNC_EACH path, which has no hand-off. */
static jj_status accept_event(jj_dispatcher *d, jj__sb *scratch, const jj_event *ev,
                              int life_safety, int64_t accepted_ms, const uint64_t *targets) {
  jj__sb own = {0}, *b = scratch ? scratch : &own;
  jj__sb body = *b;
  body.len = 0;
  body.oom = 0;
  jj__record_event(&body, ev, life_safety, accepted_ms);
  if (body.oom) {
    jj__sb_free(&body);
    *b = body;
    if (scratch) jj__handoff_taken(d->ho, targets);
    return JJ_ENOMEM;
  }
  jj_status st = JJ_OK;
  pthread_mutex_lock(&d->mu);
  for (uint32_t i = 0; i < d->nnf; i++) {
    if (!(targets[i / 64] >> (i % 64) & 1)) continue;
    jj_status s1 = queue_one(d, d->nfs[i], body.s, body.len);
    if (s1 != JJ_OK && st == JJ_OK) st = s1;
  }
  /* a life-safety record is synced in this round, not the interval's */
  if (life_safety) d->sync_urgent = 1;
  /* from the ring to the queues, as stats sees it (under the lock) */
  if (scratch) jj__handoff_taken(d->ho, targets);
  pthread_mutex_unlock(&d->mu);
  if (scratch) *scratch = body; /* kept for the next event: no malloc per event */
  else jj__sb_free(&body);
  return st;
}

/* Events taken from the ring per outbox batch: the batch's records are
 * written, and their copies in memory dropped, at least this often (else
 * a producer as fast as the delivering thread keeps one batch open, and
 * every record in memory, for as long as it produces). */
#define BATCH_EVENTS 512

/* One batch: up to BATCH_EVENTS events from the ring become outbox
 * records and queued deliveries. Returns the number taken. */
static uint64_t take_batch(jj_dispatcher *d) {
  jj__handoff_item it;
  uint64_t taken = 0;
  while (taken < BATCH_EVENTS && jj__handoff_take(d->ho, &it)) {
    if (!taken) {
      /* the batch's records go to the file together */
      pthread_mutex_lock(&d->mu);
      jj__outbox_begin(&d->ob);
      pthread_mutex_unlock(&d->mu);
    }
    taken++;
    jj_status st = accept_event(d, &d->scratch, it.ev, it.life_safety, it.accepted_ms, it.targets);
    if (st == JJ_ENOMEM || st == JJ_ESTATE)
      logf_(d, NULL, "event %s of rule %s not queued: %s", jj_event_kind_name((int)it.ev->kind),
            it.ev->rule, jj_strerror(st));
    jj__handoff_done(d->ho, &it);
  }
  jj__handoff_release(d->ho); /* the batch's ruleset references, at once */
  if (!taken) return 0;
  uint64_t n = 0;
  pthread_mutex_lock(&d->mu);
  int rc = jj__outbox_flush(&d->ob, &n);
  /* written: drop the copies; not (all) written: keep them, as records
   * not in the file (compaction writes them from memory) */
  for (size_t i = 0; i < d->nfresh; i++) {
    if (rc) d->fresh[i]->off = -1;
    else jj__delivery_drop(d->fresh[i], d->fresh[i]->off);
  }
  d->nfresh = 0;
  pthread_mutex_unlock(&d->mu);
  if (rc)
    logf_(d, NULL,
          "cannot write %llu records to the outbox: %s; they are queued and will be sent, but a "
          "crash before that loses them",
          (unsigned long long)n, strerror(errno));
  return taken;
}

/* The delivering thread's side of the hand-off: events handed over become
 * outbox records and queued deliveries, in batches, at most `max` events
 * (a delivery round takes about a ring's worth and goes on to fsync and
 * send — a flood of ordinary events must not hold a life-safety message
 * back — and the next round starts at once for the rest). */
static void take_handoff(jj_dispatcher *d, uint64_t max) {
  uint64_t done = 0, k;
  /* a short batch emptied the ring: what arrives now waits for the next
   * round (else a busy producer keeps this loop writing tiny batches) */
  while (done < max && (k = take_batch(d)) > 0) {
    done += k;
    if (k < BATCH_EVENTS && max != UINT64_MAX) break;
  }
}

jj_status jj_dispatcher_enqueue(jj_dispatcher *d, const jj_event *ev) {
  if (!d || !ev) return JJ_EINVAL;
  if (!ev->ruleset) return JJ_OK;
  const char *kind = jj_event_kind_name((int)ev->kind);
  if (!kind) return JJ_EINVAL;
  uint64_t targets[JJ_HANDOFF_TARGET_WORDS];
  if (!route(d, ev, kind, targets)) return JJ_OK;
  int ls = jj_ruleset_rule_life_safety(ev->ruleset, ev->rule_index);
  int64_t now = accept_ms(d);
  /* fsync per event: the caller asked to wait for the disk, so the event
   * is written (and synced) before enqueue returns */
  if (d->cfg.outbox_sync == JJ_OUTBOX_SYNC_EACH) {
    jj_status st = accept_event(d, NULL, ev, ls, now, targets);
    jj__http_wakeup(d->http);
    return st;
  }
  int rc = jj__handoff_put(d->ho, ev, now, targets, ls);
  if (rc < 0) {
    /* refused: counted on every lane it was for, and reported by the
     * delivering thread */
    atomic_fetch_add(&d->refused, 1);
    for (uint32_t i = 0; i < d->nnf; i++)
      if (targets[i / 64] >> (i % 64) & 1) atomic_fetch_add(&d->nfs[i]->refused, 1);
    return rc == -1 ? JJ_EFULL : JJ_ENOMEM;
  }
  if (rc == 1) /* spilled: the ring was full (counted per lane, for sizing it) */
    for (uint32_t i = 0; i < d->nnf; i++)
      if (targets[i / 64] >> (i % 64) & 1) atomic_fetch_add(&d->nfs[i]->spilled, 1);
  /* the dispatcher's clock: with a fake one (tests) only life-safety and
   * a filling ring wake the thread, the rest waits for its round */
  if (jj__handoff_should_wake(d->ho, ls, now)) jj__http_wakeup(d->http);
  return JJ_OK;
}

void jj_dispatcher_on_event(void *dispatcher, const jj_event *ev) {
  (void)jj_dispatcher_enqueue(dispatcher, ev);
}

jj_status jj_dispatcher_send_test(jj_dispatcher *d, const char *name, const char *text) {
  if (!d || !name || !text) return JJ_EINVAL;
  if (!find_nf(d, name)) return JJ_ENOTFOUND;
  /* after the events enqueued before it (the owner is the consumer while
   * no thread runs; with the thread, it may overtake events still in the
   * hand-off ring) */
  if (!d->running) take_handoff(d, UINT64_MAX);
  jj__sb body = {0};
  jj__record_test(&body, text, now_ms(d));
  jj_status st = JJ_ENOMEM;
  if (!body.oom) {
    st = JJ_OK;
    pthread_mutex_lock(&d->mu);
    for (uint32_t i = 0; i < d->nnf; i++) { /* every lane: every recipient */
      if (strcmp(d->nfs[i]->name, name) != 0) continue;
      jj_status s1 = queue_one(d, d->nfs[i], body.s, body.len);
      if (s1 != JJ_OK && st == JJ_OK) st = s1;
    }
    pthread_mutex_unlock(&d->mu);
  }
  jj__sb_free(&body);
  jj__http_wakeup(d->http);
  return st;
}

/* ---- delivery ----------------------------------------------------------------- */

static void compact_if_due(jj_dispatcher *d);

/* Hand recovered records to their lanes, once (lock held). */
static void seal(jj_dispatcher *d) {
  if (d->sealed) return;
  d->sealed = 1;
  jj__delivery **pp = &d->orphans;
  while (*pp) {
    jj__delivery *x = *pp;
    if (jj__delivery_view(x, NULL)) { /* the notifier's name is in the view */
      logf_(d, NULL, "out of memory: outbox record %llu waits for the next start",
            (unsigned long long)x->id);
      pp = &x->next;
      continue;
    }
    nf *n = find_rec(d, x->n.notifier);
    if (!n) {
      logf_(d, x->n.notifier,
            "outbox record %llu names a notifier that is not configured: kept in the outbox",
            (unsigned long long)x->id);
      pp = &x->next;
      continue;
    }
    *pp = x->next;
    jj__delivery_unview(x); /* viewed again when it is sent */
    if (jj__queue_add(&n->q, x)) { /* out of memory: it stays in the outbox */
      logf_(d, n->name, "out of memory: outbox record %llu waits for the next start",
            (unsigned long long)x->id);
      jj__delivery_free(x);
    }
  }
  compact_if_due(d); /* read back with acks or damage: rewrite it now */
}

static int64_t backoff(jj_dispatcher *d, uint32_t attempt) {
  int64_t b = d->cfg.retry_initial_ms;
  for (uint32_t i = 1; i < attempt && b < d->cfg.retry_max_ms; i++) b *= 2;
  if (b > d->cfg.retry_max_ms) b = d->cfg.retry_max_ms;
  /* "equal jitter": half fixed, half random, so retries of many
   * dispatchers spread out but never come back sooner than b/2 */
  int64_t half = b / 2;
  return half + (half > 0 ? (int64_t)(rng_next(d) % (uint64_t)(half + 1)) : 0);
}

static jj__delivery *busy_pop(nf *x) {
  jj__delivery *dl = jj__fifo_pop(x->busy_q);
  if (dl) x->q.depth--;
  return dl;
}

/* Outcome of the in-flight message (lock held). */
static void finish(jj_dispatcher *d, nf *x, jj_send_result r, const char *why,
                   int64_t retry_after_ms) {
  int64_t now = now_ms(d);
  uint32_t n = x->busy_n;
  jj__delivery *head = x->busy_q ? x->busy_q->head : NULL;
  jj__group *g = x->busy_g;
  x->busy_n = 0;
  if (!n || !head) return;
  if (r == JJ_SEND_OK && x->http && x->http->parts) {
    uint32_t parts = x->http->parts(x->ctx);
    if (head->part + 1 < parts) {
      head->part++;
      head->next_try_ms = now; /* the next part continues this message */
      return;
    }
  }
  if (r == JJ_SEND_RETRY && now - head->n.accepted_ms >= d->cfg.give_up_after_ms) {
    r = JJ_SEND_FAILED;
    logf_(d, x->name, "giving up after %u attempts: %s", head->n.attempt, why);
  }
  if (r == JJ_SEND_OK) {
    if (x->http && x->http->delivered) {
      const jj_notification *msgs[1000];
      jj__delivery *it = head;
      for (uint32_t i = 0; i < n && it; i++, it = it->next) msgs[i] = &it->n;
      x->http->delivered(x->ctx, msgs, n, now);
    }
    jj__policy_sent(&x->pol, &x->pst, now);
    if (g) g->last_sent_ms = now;
    x->log_gap_ms = 0;
    for (uint32_t i = 0; i < n && x->busy_q->head; i++) {
      jj__delivery *dl = busy_pop(x);
      if (jj__outbox_ack(&d->ob, dl->id))
        logf_(d, x->name, "cannot write an ack to the outbox: %s (it may be sent again)",
              strerror(errno));
      x->st.sent++;
      jj__delivery_free(dl);
    }
    return;
  }
  (void)snprintf(x->st.last_error, sizeof x->st.last_error, "%s", why);
  if (r == JJ_SEND_RETRY) {
    x->st.retried++;
    int64_t wait = retry_after_ms >= 0 ? retry_after_ms : backoff(d, head->n.attempt);
    head->next_try_ms = now + wait;
    /* complain with growing gaps, not on every retry (collectd's
     * utils_complain) */
    if (now >= x->log_next_ms) {
      if (x->log_held)
        logf_(d, x->name, "retrying in %lld ms: %s (%llu retries not logged)",
              (long long)wait, why, (unsigned long long)x->log_held);
      else logf_(d, x->name, "retrying in %lld ms: %s", (long long)wait, why);
      x->log_held = 0;
      x->log_gap_ms = x->log_gap_ms ? x->log_gap_ms * 2 : 10000;
      if (x->log_gap_ms > 3600000) x->log_gap_ms = 3600000;
      x->log_next_ms = now + x->log_gap_ms;
    } else {
      x->log_held++;
    }
    return;
  }
  for (uint32_t i = 0; i < n && x->busy_q->head; i++) {
    jj__delivery *dl = busy_pop(x);
    logf_(d, x->name, "delivery %llu (%s %s) failed for good: %s", (unsigned long long)dl->id,
          dl->n.rule, dl->n.kind, why);
    (void)jj__outbox_ack(&d->ob, dl->id);
    x->st.failed++;
    jj__delivery_free(dl);
  }
}

typedef struct done_ctx {
  jj_dispatcher *d;
} done_ctx;

static void on_http_done(void *ctx, void *owner, const jj__http_resp *r) {
  jj_dispatcher *d = ((done_ctx *)ctx)->d;
  pthread_mutex_lock(&d->mu);
  for (uint32_t i = 0; i < d->nnf; i++) {
    nf *x = d->nfs[i];
    char why[ERRMAX] = "";
    if (owner == &x->side) {
      x->side_busy = 0;
      if (jj__http_judge(r, why, sizeof why) != JJ_SEND_OK)
        logf_(d, x->name, "periodic re-send failed: %s", why);
    } else if (owner == x) {
      jj_send_result res = x->http->judge ? x->http->judge(x->ctx, r, why, sizeof why)
                                          : jj__http_judge(r, why, sizeof why);
      finish(d, x, res, why, r->status ? r->retry_after_ms : -1);
    }
  }
  pthread_mutex_unlock(&d->mu);
}

/* When the head of a group may go. */
static int64_t group_due(const nf *x, const jj__group *g, int64_t now) {
  const jj__delivery *h = g->q.head;
  if (h->part > 0 && h->next_try_ms <= now) return now; /* finish a started message */
  int64_t due =
      jj__policy_due_group(&x->pol, &x->pst, g->last_sent_ms, 0, h->n.accepted_ms, now);
  return h->next_try_ms > due ? h->next_try_ms : due;
}

/* Pick what lane x sends next: of the life-safety FIFO's head (which the
 * policy never holds; only its own back-off does) and the due groups'
 * heads, the one accepted first (a message already started goes on
 * first). 1 and *q / *g, or 0 and *next = when something is due. */
static int pick(nf *x, int64_t now, jj__fifo **q, jj__group **g, int64_t *next) {
  *next = INT64_MAX;
  const jj__delivery *ls = x->q.ls.head;
  if (ls && ls->next_try_ms > now) {
    *next = ls->next_try_ms;
    ls = NULL;
  }
  if (ls && ls->part > 0) {
    *q = &x->q.ls;
    *g = NULL;
    return 1;
  }
  jj__queue_collect(&x->q, now, x->pol.group_interval_ms);
  jj__group *best = NULL;
  for (jj__group *it = x->q.groups; it; it = it->next) {
    if (!it->q.head) continue;
    int64_t due = group_due(x, it, now);
    if (due <= now && it->q.head->part > 0) { /* finish a started message first */
      best = it;
      ls = NULL;
      break;
    }
    if (due > now) {
      if (due < *next) *next = due;
    } else if (!best || it->q.head->id < best->q.head->id) {
      best = it;
    }
  }
  if (ls && (!best || ls->id < best->q.head->id)) {
    *q = &x->q.ls;
    *g = NULL;
    return 1;
  }
  if (!best) return 0;
  *q = &best->q;
  *g = best;
  return 1;
}

/* Start the next message of x if one is due (lock held; may drop it for a
 * synchronous send). Returns when x is next due, INT64_MAX for never. */
static int64_t start_one(jj_dispatcher *d, nf *x, int64_t now) {
  if (x->busy_n) return INT64_MAX;
  jj__fifo *q;
  jj__group *g;
  int64_t next;
  if (!pick(x, now, &q, &g, &next)) return next;
  jj__delivery *h = q->head;
  uint32_t n = 1;
  if (g) { /* a group: up to group_max of its deliveries as one message */
    while (n < q->n && n < x->pol.group_max) n++;
  }
  /* what waited as a bare record is read now (from the outbox file when
   * its copy was dropped): only the message in flight holds its strings */
  jj__delivery *it = h;
  for (uint32_t i = 0; i < n; i++, it = it->next) {
    int rc = jj__delivery_view(it, &d->ob);
    if (rc == 0) continue;
    if (rc == -1) {
      logf_(d, x->name, "out of memory reading delivery %llu: trying again later",
            (unsigned long long)it->id);
      return now + d->cfg.retry_initial_ms;
    }
    if (i > 0) { /* send the ones before it; it comes up as a head next */
      n = i;
      break;
    }
    /* the head's record is not in the outbox intact (the file was damaged
     * under us): it cannot be sent, say so once */
    logf_(d, x->name, "delivery %llu failed for good: its outbox record is damaged",
          (unsigned long long)it->id);
    x->busy_q = q;
    jj__delivery *dl = busy_pop(x);
    (void)jj__outbox_ack(&d->ob, dl->id);
    x->st.failed++;
    jj__delivery_free(dl);
    return now;
  }
  const jj_notification *msgs[1000];
  it = h;
  for (uint32_t i = 0; i < n; i++, it = it->next) {
    if (h->part == 0) it->n.attempt++; /* the next parts continue one attempt */
    msgs[i] = &it->n;
  }
  x->busy_q = q;
  x->busy_g = g;
  x->busy_n = n;
  char why[ERRMAX] = "";
  if (!x->http) {
    pthread_mutex_unlock(&d->mu);
    jj_send_result r = x->type->send(x->ctx, msgs, n, why, sizeof why);
    pthread_mutex_lock(&d->mu);
    if (r != JJ_SEND_OK && !why[0]) (void)snprintf(why, sizeof why, "the notifier said so");
    finish(d, x, r, why, -1);
    return now;
  }
  jj__http_req req = {0};
  if (x->http->build(x->ctx, msgs, n, h->part, &req, why, sizeof why)) {
    jj__req_clear(&req);
    finish(d, x, JJ_SEND_FAILED, why[0] ? why : "cannot build the request", -1);
    return now;
  }
  req.insecure = x->insecure;
  req.timeout_ms = (long)x->timeout_ms;
  if (jj__http_start(d->http, &req, x)) {
    jj__req_clear(&req);
    finish(d, x, JJ_SEND_RETRY, "cannot start the HTTP request", -1);
    return now + d->cfg.retry_initial_ms;
  }
  return INT64_MAX;
}

/* Every pending delivery of lane x, in no particular order. */
static size_t collect_pending(const nf *x, jj__delivery **all, size_t k) {
  for (jj__delivery *it = x->q.ls.head; it; it = it->next) all[k++] = it;
  for (const jj__group *g = x->q.groups; g; g = g->next)
    for (jj__delivery *it = g->q.head; it; it = it->next) all[k++] = it;
  return k;
}

static int by_id(const void *a, const void *b) {
  uint64_t x = (*(jj__delivery *const *)a)->id, y = (*(jj__delivery *const *)b)->id;
  return x < y ? -1 : x > y;
}

static void compact_if_due(jj_dispatcher *d) {
  if (d->ob.fd < 0 || (d->ob.acked < d->cfg.compact_after && !d->compact_now)) return;
  d->compact_now = 0;
  size_t n = 0;
  for (uint32_t i = 0; i < d->nnf; i++) n += d->nfs[i]->q.depth;
  for (jj__delivery *x = d->orphans; x; x = x->next) n++;
  jj__delivery **all = malloc((n ? n : 1) * sizeof *all);
  if (!all) return;
  size_t k = 0;
  for (jj__delivery *x = d->orphans; x; x = x->next) all[k++] = x;
  for (uint32_t i = 0; i < d->nnf; i++) k = collect_pending(d->nfs[i], all, k);
  /* the rewritten file keeps the acceptance order (ids increase) */
  qsort(all, k, sizeof *all, by_id);
  if (jj__outbox_compact(&d->ob, all, k)) logf_(d, NULL, "cannot compact the outbox: %s", strerror(errno));
  else /* every pending record is in the new file: no copy in memory is needed */
    for (size_t i = 0; i < k; i++) jj__delivery_drop(all[i], all[i]->off);
  free(all);
}

/* Report events refused at enqueue since the last report, at most every
 * 10 s (they are counted per notifier as dropped). */
static void report_refused(jj_dispatcher *d) {
  uint64_t r = atomic_load(&d->refused);
  if (r == d->refused_logged) return;
  int64_t now = mono_ms();
  if (d->refused_log_ms && now - d->refused_log_ms < 10000) return;
  logf_(d, NULL,
        "%llu events refused at enqueue (the hand-off ring of %u and 16 times as many spilled "
        "events were full, or out of memory): counted as dropped",
        (unsigned long long)(r - d->refused_logged), (unsigned)d->cfg.handoff_capacity);
  d->refused_logged = r;
  d->refused_log_ms = now;
}

/* Group commit (JJ_OUTBOX_SYNC_BATCH): fdatasync the records written since
 * the last sync once outbox_sync_interval_ms has passed since it, at once
 * when one of them is a life-safety record, or when `now` (stop, drain).
 * Outside the lock, so a send_test never waits for the disk (compaction,
 * which replaces the descriptor, runs on this thread only). Returns how
 * long the next sync may wait (INT64_MAX: nothing to sync). */
static int64_t sync_due(jj_dispatcher *d, int now) {
  pthread_mutex_lock(&d->mu);
  int64_t t = mono_ms(), wait = INT64_MAX;
  int fd = -1;
  if (d->ob.dirty && d->ob.sync == JJ_OUTBOX_SYNC_BATCH) {
    int64_t left = d->synced_mono_ms + d->cfg.outbox_sync_interval_ms - t;
    if (now || d->sync_urgent || left <= 0) {
      fd = d->ob.fd;
      d->ob.dirty = 0;
      d->sync_urgent = 0;
      d->synced_mono_ms = t;
      d->nsyncs++;
    } else {
      wait = left;
    }
  }
  pthread_mutex_unlock(&d->mu);
  if (fd >= 0 && fdatasync(fd)) logf_(d, NULL, "cannot fsync the outbox: %s", strerror(errno));
  return wait;
}

/* How long the delivering thread waits, at most, for ordinary events to
 * gather into a batch (a producer wakes it at once for a life-safety one
 * or a quarter-full ring). */
#define NAP_MS 10

static void poll_once(jj_dispatcher *d, int timeout_ms) {
  pthread_mutex_lock(&d->mu);
  seal(d);
  pthread_mutex_unlock(&d->mu);
  /* events handed over since the last round: now they are written */
  uint64_t before = jj__handoff_pending(d->ho);
  take_handoff(d, d->cfg.handoff_capacity);
  report_refused(d);
  int64_t sync_wait = sync_due(d, 0);
  pthread_mutex_lock(&d->mu);
  int64_t now = now_ms(d);
  int64_t next = now + (timeout_ms > 0 ? timeout_ms : 0);
  for (uint32_t i = 0; i < d->nnf; i++) {
    nf *x = d->nfs[i];
    int64_t due = start_one(d, x, now);
    if (due < next) next = due;
    if (x->http && x->http->tick && !x->side_busy) {
      jj__http_req req = {0};
      if (x->http->tick(x->ctx, now, &req)) {
        req.insecure = x->insecure;
        req.timeout_ms = (long)x->timeout_ms;
        if (jj__http_start(d->http, &req, &x->side) == 0) x->side_busy = 1;
        else jj__req_clear(&req);
      }
    }
  }
  compact_if_due(d);
  pthread_mutex_unlock(&d->mu);
  int64_t wait = next - now;
  if (wait < 0) wait = 0;
  if (wait > timeout_ms) wait = timeout_ms;
  if (wait > sync_wait) wait = sync_wait; /* back when the group commit is due */
  /* just woken for events: look again soon, for the ones a producer did
   * not wake us for (it wakes at most every 10 ms) */
  if (before && wait > NAP_MS) wait = NAP_MS;
  /* events came in during this round: nap (at most NAP_MS) to take the
   * next ones as one batch, unless they are urgent — not a round (an
   * outbox write, a wakeup) per handful of events while a producer is
   * busy */
  int nap = jj__handoff_sleep(d->ho, accept_ms(d), wait < NAP_MS ? wait : NAP_MS);
  if (nap == 1) wait = 0;
  else if (nap == 2 && wait > NAP_MS) wait = NAP_MS;
  done_ctx dc = {d};
  (void)jj__http_run(d->http, (int)wait, on_http_done, &dc);
  jj__handoff_awake(d->ho);
}

jj_status jj_dispatcher_poll(jj_dispatcher *d, int timeout_ms) {
  if (!d) return JJ_EINVAL;
  if (d->running) return JJ_ESTATE;
  poll_once(d, timeout_ms);
  return JJ_OK;
}

static void *thread_main(void *arg) {
  jj_dispatcher *d = arg;
  for (;;) {
    pthread_mutex_lock(&d->mu);
    int stop = d->stop;
    pthread_mutex_unlock(&d->mu);
    if (stop) break;
    poll_once(d, 200);
  }
  (void)sync_due(d, 1); /* what the last interval wrote */
  return NULL;
}

jj_status jj_dispatcher_start(jj_dispatcher *d) {
  if (!d) return JJ_EINVAL;
  if (d->running) return JJ_ESTATE;
  pthread_mutex_lock(&d->mu);
  seal(d);
  d->stop = 0;
  pthread_mutex_unlock(&d->mu);
  if (pthread_create(&d->thread, NULL, thread_main, d)) return JJ_ENOMEM;
  d->running = 1;
  return JJ_OK;
}

jj_status jj_dispatcher_stop(jj_dispatcher *d) {
  if (!d) return JJ_EINVAL;
  if (!d->running) return JJ_OK;
  pthread_mutex_lock(&d->mu);
  d->stop = 1;
  pthread_mutex_unlock(&d->mu);
  jj__http_wakeup(d->http);
  pthread_join(d->thread, NULL);
  d->running = 0;
  return JJ_OK;
}

static uint64_t pending(jj_dispatcher *d) {
  uint64_t n = jj__handoff_pending(d->ho);
  pthread_mutex_lock(&d->mu);
  for (uint32_t i = 0; i < d->nnf; i++) n += d->nfs[i]->q.depth;
  pthread_mutex_unlock(&d->mu);
  return n;
}

jj_status jj_dispatcher_drain(jj_dispatcher *d, int timeout_ms) {
  if (!d) return JJ_EINVAL;
  int64_t end = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
  pthread_mutex_lock(&d->mu);
  seal(d); /* records read back count as pending */
  pthread_mutex_unlock(&d->mu);
  if (d->running) jj__http_wakeup(d->http);
  while (pending(d) && mono_ms() < end) {
    if (d->running) {
      struct timespec ts = {0, 10 * 1000000L};
      nanosleep(&ts, NULL);
    } else {
      poll_once(d, 50);
    }
  }
  for (uint32_t i = 0; i < d->nnf; i++)
    if (d->nfs[i]->type->flush && d->nfs[i]->ctx) d->nfs[i]->type->flush(d->nfs[i]->ctx);
  if (!d->running) (void)sync_due(d, 1); /* (the thread syncs when it is due) */
  return pending(d) ? JJ_EFULL : JJ_OK;
}

uint32_t jj_dispatcher_notifier_count(const jj_dispatcher *d) {
  uint32_t n = 0;
  for (uint32_t i = 0; d && i < d->nnf; i++) n += d->nfs[i]->lane == 0;
  return n;
}

const char *jj_dispatcher_notifier_name(const jj_dispatcher *d, uint32_t i) {
  for (uint32_t k = 0; d && k < d->nnf; k++)
    if (d->nfs[k]->lane == 0 && i-- == 0) return d->nfs[k]->name;
  return NULL;
}

/* The oldest acceptance time of lane x's pending deliveries (INT64_MAX). */
static int64_t oldest(const nf *x) {
  int64_t o = x->q.ls.head ? x->q.ls.head->n.accepted_ms : INT64_MAX;
  for (const jj__group *g = x->q.groups; g; g = g->next)
    if (g->q.head && g->q.head->n.accepted_ms < o) o = g->q.head->n.accepted_ms;
  return o;
}

jj_status jj_dispatcher_stats(jj_dispatcher *d, const char *name, jj_notifier_stats *out) {
  if (!d || !name || !out) return JJ_EINVAL;
  if (!find_nf(d, name)) return JJ_ENOTFOUND;
  memset(out, 0, sizeof *out);
  out->size = sizeof *out;
  int64_t old = INT64_MAX;
  pthread_mutex_lock(&d->mu);
  /* a notifier's lanes add up; the last error is the latest lane's */
  for (uint32_t i = 0; i < d->nnf; i++) {
    nf *x = d->nfs[i];
    if (strcmp(x->name, name) != 0) continue;
    out->sent += x->st.sent;
    out->retried += x->st.retried;
    out->failed += x->st.failed;
    out->dropped += x->st.dropped + atomic_load(&x->refused);
    out->spilled += atomic_load(&x->spilled);
    out->suppressed += x->st.suppressed;
    out->queue_depth += x->q.depth + jj__handoff_pending_lane(d->ho, i);
    int64_t o = oldest(x);
    if (o < old) old = o;
    if (x->st.last_error[0]) memcpy(out->last_error, x->st.last_error, sizeof out->last_error);
  }
  out->oldest_pending_ms = old == INT64_MAX ? 0 : now_ms(d) - old;
  if (out->oldest_pending_ms < 0) out->oldest_pending_ms = 0;
  pthread_mutex_unlock(&d->mu);
  return JJ_OK;
}

uint64_t jj_dispatcher_outbox_damage(const jj_dispatcher *d) { return d ? d->ob.damage : 0; }

uint64_t jj__dispatcher_syncs(jj_dispatcher *d) {
  pthread_mutex_lock(&d->mu);
  uint64_t n = d->nsyncs;
  pthread_mutex_unlock(&d->mu);
  return n;
}
