/* The dispatcher: takes events from any thread (enqueue: route, write the
 * outbox, queue — never the network), and delivers them from one thread
 * (its own, or the caller's poll loop) through the notifiers' vtables and
 * one shared libcurl multi handle (http.c).
 *
 * Per notifier, deliveries wait in a FIFO; the head (or a group starting
 * at it) is in flight at most once at a time, so messages arrive in the
 * order the events were accepted, and a retry holds back the ones behind
 * it. When the head may go is the policy's decision (policy.c); back-off
 * and outcome are decided here. */
#define _POSIX_C_SOURCE 200809L /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "errfmt.h"
#include "jjair/rule.h"
#include "notify_internal.h"
#include "policy.h"

#define ERRMAX 200

typedef struct nf {
  char *name;
  const jj_notifier_type *type;
  const jj__http_ops *http;
  void *ctx;
  char *severities, *kinds; /* filters; NULL = every severity / kind but "active" */
  int64_t timeout_ms;
  int insecure;
  jj__policy pol;
  jj__policy_state pst;
  jj__delivery *head, *tail;
  uint32_t depth;
  uint32_t busy_n; /* the first busy_n deliveries are in flight */
  int side_busy;   /* a request of the notifier's own (tick) is in flight */
  struct {
    struct nf *n;
  } side;          /* the owner tag of that request */
  jj_notifier_stats st;
  int64_t log_next_ms, log_gap_ms;
  uint64_t log_held;
} nf;

struct jj_dispatcher {
  jj_dispatcher_config cfg;
  pthread_mutex_t mu;
  nf **nfs;
  uint32_t nnf;
  jj__builtin *types; /* user types (http NULL) */
  uint32_t ntypes;
  jj__outbox ob;
  jj__delivery *orphans; /* read back, waiting for their notifier */
  int sealed;
  int compact_now; /* rewrite the outbox at the first poll (read back with acks or damage) */
  jj__http *http;
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

static nf *find_nf(const jj_dispatcher *d, const char *name) {
  for (uint32_t i = 0; i < d->nnf; i++)
    if (strcmp(d->nfs[i]->name, name) == 0) return d->nfs[i];
  return NULL;
}

static void push_tail(nf *n, jj__delivery *x) {
  x->next = NULL;
  if (n->tail) n->tail->next = x;
  else n->head = x;
  n->tail = x;
  n->depth++;
}

static jj__delivery *pop_head(nf *n) {
  jj__delivery *x = n->head;
  if (!x) return NULL;
  n->head = x->next;
  if (!n->head) n->tail = NULL;
  n->depth--;
  return x;
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
  jj__delivery *x = jj__delivery_parse(id, p, len);
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
  jj_dispatcher *d = calloc(1, sizeof *d);
  if (!d) return jj__fail(err, JJ_ENOMEM, "out of memory");
  d->cfg = cfg ? *cfg : def;
  if (!d->cfg.queue_capacity) d->cfg.queue_capacity = 10000;
  if (!d->cfg.compact_after) d->cfg.compact_after = 1000;
  if (d->cfg.retry_initial_ms <= 0) d->cfg.retry_initial_ms = 1000;
  if (d->cfg.retry_max_ms <= 0) d->cfg.retry_max_ms = 300000;
  if (d->cfg.give_up_after_ms <= 0) d->cfg.give_up_after_ms = 24LL * 3600 * 1000;
  if (d->cfg.http_timeout_ms <= 0) d->cfg.http_timeout_ms = 10000;
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
  while (n->head) jj__delivery_free(pop_head(n));
  free(n->name);
  free(n->severities);
  free(n->kinds);
  free(n);
}

void jj_dispatcher_free(jj_dispatcher *d) {
  if (!d) return;
  (void)jj_dispatcher_stop(d);
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
    "group_max",  "repeat_interval", "rate_limit", "quiet_hours", "utc_offset", NULL};

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

/* A secret from a file: its content without the trailing newline. */
static char *read_secret(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  jj__sb b = {0};
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0 && b.len < 65536) jj__sb_add(&b, buf, n);
  (void)fclose(f);
  while (b.len && (b.s[b.len - 1] == '\n' || b.s[b.len - 1] == '\r')) b.s[--b.len] = '\0';
  return jj__sb_take(&b);
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
        secret = read_secret(v);
        if (!secret)
          return jj__fail(err, JJ_EINVAL, "cannot read '%s' (for '%s'): %s", v, sk->name,
                          strerror(errno));
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
                              "group_wait, group_interval, group_max, repeat_interval, "
                              "rate_limit, quiet_hours, utc_offset)",
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
  if ((v = jj_notifier_setting(s, "group_max"))) {
    char *end;
    unsigned long g = strtoul(v, &end, 10);
    if (*end || g < 1 || g > 1000)
      return jj__fail(err, JJ_EINVAL, "'group_max' must be a number from 1 to 1000");
    n->pol.group_max = (uint32_t)g;
  } else if (n->pol.group_wait_ms > 0 || n->pol.group_interval_ms > 0) {
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
  nf *x = st == JJ_OK ? calloc(1, sizeof *x) : NULL;
  if (st == JJ_OK && (!x || !(x->name = jj__xstrdup(name))))
    st = jj__fail(err, JJ_ENOMEM, "out of memory");
  jj_notifier_settings s = {name, r.keys, r.values, r.n};
  if (st == JJ_OK && x) {
    x->type = b.type;
    x->http = b.http;
    x->side.n = x;
    x->timeout_ms = d->cfg.http_timeout_ms;
    jj__policy_init(&x->pol);
    jj__policy_state_init(&x->pst);
    x->st.size = sizeof x->st;
    st = common_settings(x, &s, err);
  }
  if (st == JJ_OK && x && b.type->init) {
    char msg[ERRMAX] = "";
    st = b.type->init(b.type->type_ctx, &s, &x->ctx, msg, sizeof msg);
    if (st != JJ_OK) {
      x->ctx = NULL;
      (void)jj__fail(err, st, "notifier '%s': %s", name, msg[0] ? msg : jj_strerror(st));
    }
  }
  if (st == JJ_OK && x) {
    nf **t = realloc(d->nfs, (d->nnf + 1) * sizeof *t);
    if (!t) st = jj__fail(err, JJ_ENOMEM, "out of memory");
    else {
      d->nfs = t;
      d->nfs[d->nnf++] = x;
      x = NULL;
    }
  }
  nf_free(x);
  kv_free(&r);
  return st;
}

void jj__dispatcher_truncate(jj_dispatcher *d, uint32_t n) {
  while (d->nnf > n) nf_free(d->nfs[--d->nnf]);
}

/* ---- enqueue ---------------------------------------------------------------- */

/* Queue one record for notifier x (lock held). */
static jj_status queue_one(jj_dispatcher *d, nf *x, const char *body, size_t len) {
  if (x->depth >= d->cfg.queue_capacity) {
    x->st.dropped++;
    return JJ_EFULL;
  }
  jj__sb p = {0};
  jj__record_payload(&p, x->name, body, len);
  jj__delivery *dl = p.oom ? NULL : jj__delivery_parse(0, (unsigned char *)p.s, p.len);
  jj__sb_free(&p);
  if (!dl) return JJ_ENOMEM;
  if (jj__policy_suppress(&x->pol, &x->pst, dl->n.fingerprint, dl->n.kind, dl->n.accepted_ms)) {
    x->st.suppressed++;
    jj__delivery_free(dl);
    return JJ_OK;
  }
  uint64_t id;
  if (jj__outbox_add(&d->ob, dl->payload, dl->payload_len, &id)) {
    logf_(d, x->name, "cannot write the outbox: %s; the event is refused", strerror(errno));
    jj__delivery_free(dl);
    return JJ_ESTATE;
  }
  dl->id = dl->n.id = id;
  push_tail(x, dl);
  return JJ_OK;
}

static int routed(const nf *x, const jj_event *ev, const char *kind) {
  if (x->severities && !jj__list_has(x->severities, ev->severity ? ev->severity : ""))
    return 0;
  if (x->kinds) return jj__list_has(x->kinds, kind);
  return ev->kind != JJ_EVENT_ACTIVE;
}

jj_status jj_dispatcher_enqueue(jj_dispatcher *d, const jj_event *ev) {
  if (!d || !ev) return JJ_EINVAL;
  const jj_ruleset *rs = ev->ruleset;
  if (!rs) return JJ_OK;
  const char *kind = jj_event_kind_name((int)ev->kind);
  if (!kind) return JJ_EINVAL;
  uint32_t nn = jj_ruleset_rule_notify_count(rs, ev->rule_index);
  /* the notifiers are fixed once delivery started; before, the owner adds
   * them on this thread */
  nf *targets[32];
  uint32_t nt = 0;
  for (uint32_t j = 0; j < nn && nt < 32; j++) {
    nf *x = find_nf(d, jj_ruleset_rule_notify(rs, ev->rule_index, j));
    if (x && routed(x, ev, kind)) targets[nt++] = x;
  }
  if (!nt) return JJ_OK;
  int64_t now = now_ms(d);
  jj__sb body = {0};
  jj__record_event(&body, ev, jj_ruleset_rule_life_safety(rs, ev->rule_index), now);
  if (body.oom) {
    jj__sb_free(&body);
    return JJ_ENOMEM;
  }
  jj_status st = JJ_OK;
  int wake = 0;
  pthread_mutex_lock(&d->mu);
  for (uint32_t i = 0; i < nt; i++) {
    jj_status s1 = queue_one(d, targets[i], body.s, body.len);
    if (s1 != JJ_OK && st == JJ_OK) st = s1;
    /* a notifier with a message in flight takes the next one when that
     * finishes; only an idle one needs the delivery thread woken (a
     * syscall saved per event while a gateway is slow) */
    wake |= targets[i]->busy_n == 0;
  }
  pthread_mutex_unlock(&d->mu);
  jj__sb_free(&body);
  if (wake) jj__http_wakeup(d->http);
  return st;
}

void jj_dispatcher_on_event(void *dispatcher, const jj_event *ev) {
  (void)jj_dispatcher_enqueue(dispatcher, ev);
}

jj_status jj_dispatcher_send_test(jj_dispatcher *d, const char *name, const char *text) {
  if (!d || !name || !text) return JJ_EINVAL;
  nf *x = find_nf(d, name);
  if (!x) return JJ_ENOTFOUND;
  jj__sb body = {0};
  jj__record_test(&body, text, now_ms(d));
  jj_status st = JJ_ENOMEM;
  if (!body.oom) {
    pthread_mutex_lock(&d->mu);
    st = queue_one(d, x, body.s, body.len);
    pthread_mutex_unlock(&d->mu);
  }
  jj__sb_free(&body);
  jj__http_wakeup(d->http);
  return st;
}

/* ---- delivery ----------------------------------------------------------------- */

static void compact_if_due(jj_dispatcher *d);

/* Hand recovered records to their notifiers, once (lock held). */
static void seal(jj_dispatcher *d) {
  if (d->sealed) return;
  d->sealed = 1;
  jj__delivery **pp = &d->orphans;
  while (*pp) {
    jj__delivery *x = *pp;
    nf *n = find_nf(d, x->n.notifier);
    if (!n) {
      logf_(d, x->n.notifier,
            "outbox record %llu names a notifier that is not configured: kept in the outbox",
            (unsigned long long)x->id);
      pp = &x->next;
      continue;
    }
    *pp = x->next;
    push_tail(n, x);
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

/* Outcome of the in-flight group (lock held). */
static void finish(jj_dispatcher *d, nf *x, jj_send_result r, const char *why,
                   int64_t retry_after_ms) {
  int64_t now = now_ms(d);
  uint32_t n = x->busy_n;
  x->busy_n = 0;
  if (!n || !x->head) return;
  if (r == JJ_SEND_OK && x->http && x->http->parts) {
    uint32_t parts = x->http->parts(x->ctx);
    if (x->head->part + 1 < parts) {
      x->head->part++;
      x->head->next_try_ms = now;
      return;
    }
  }
  if (r == JJ_SEND_RETRY && now - x->head->n.accepted_ms >= d->cfg.give_up_after_ms) {
    r = JJ_SEND_FAILED;
    logf_(d, x->name, "giving up after %u attempts: %s", x->head->n.attempt, why);
  }
  if (r == JJ_SEND_OK) {
    if (x->http && x->http->delivered) {
      const jj_notification *msgs[1000];
      jj__delivery *it = x->head;
      for (uint32_t i = 0; i < n && it; i++, it = it->next) msgs[i] = &it->n;
      x->http->delivered(x->ctx, msgs, n, now);
    }
    jj__policy_sent(&x->pol, &x->pst, now);
    x->log_gap_ms = 0;
    for (uint32_t i = 0; i < n && x->head; i++) {
      jj__delivery *dl = pop_head(x);
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
    int64_t wait = retry_after_ms >= 0 ? retry_after_ms : backoff(d, x->head->n.attempt);
    x->head->next_try_ms = now + wait;
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
  for (uint32_t i = 0; i < n && x->head; i++) {
    jj__delivery *dl = pop_head(x);
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

/* Start the head group of x if it is due (lock held; may drop it for a
 * synchronous send). Returns when x is next due, INT64_MAX for never. */
static int64_t start_one(jj_dispatcher *d, nf *x, int64_t now) {
  if (x->busy_n || !x->head) return INT64_MAX;
  jj__delivery *h = x->head;
  int64_t due = jj__policy_due(&x->pol, &x->pst, h->n.life_safety, h->n.accepted_ms, now);
  if (h->next_try_ms > due) due = h->next_try_ms;
  if (h->part > 0 && h->next_try_ms <= now) due = now; /* finish a started message */
  if (due > now && h->part == 0) {
    /* a life-safety message never waits behind held ones: it overtakes */
    jj__delivery *prev = h;
    for (jj__delivery *it = h->next; it; prev = it, it = it->next) {
      if (!it->n.life_safety || it->next_try_ms > now) continue;
      prev->next = it->next;
      if (x->tail == it) x->tail = prev;
      it->next = h;
      x->head = h = it;
      due = now;
      break;
    }
  }
  if (due > now) return due;
  uint32_t n = 1;
  if (!h->n.life_safety && x->pol.group_max > 1) {
    for (jj__delivery *it = h->next; it && n < x->pol.group_max && !it->n.life_safety;
         it = it->next)
      n++;
  }
  const jj_notification *msgs[1000];
  jj__delivery *it = h;
  for (uint32_t i = 0; i < n; i++, it = it->next) {
    if (h->part == 0) it->n.attempt++; /* the next parts continue one attempt */
    msgs[i] = &it->n;
  }
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

static void compact_if_due(jj_dispatcher *d) {
  if (d->ob.fd < 0 || (d->ob.acked < d->cfg.compact_after && !d->compact_now)) return;
  d->compact_now = 0;
  size_t n = 0;
  for (uint32_t i = 0; i < d->nnf; i++) n += d->nfs[i]->depth;
  for (jj__delivery *x = d->orphans; x; x = x->next) n++;
  jj__delivery **all = malloc((n ? n : 1) * sizeof *all);
  if (!all) return;
  size_t k = 0;
  for (jj__delivery *x = d->orphans; x; x = x->next) all[k++] = x;
  for (uint32_t i = 0; i < d->nnf; i++)
    for (jj__delivery *x = d->nfs[i]->head; x; x = x->next) all[k++] = x;
  if (jj__outbox_compact(&d->ob, all, k))
    logf_(d, NULL, "cannot compact the outbox: %s", strerror(errno));
  free(all);
}

static void poll_once(jj_dispatcher *d, int timeout_ms) {
  pthread_mutex_lock(&d->mu);
  seal(d);
  /* fsync what was accepted before this round sends anything, outside the
   * lock so enqueue never waits for the disk (compaction, which replaces
   * the descriptor, runs on this thread only) */
  int fd = d->ob.dirty && d->ob.sync == JJ_OUTBOX_SYNC_BATCH ? d->ob.fd : -1;
  d->ob.dirty = 0;
  pthread_mutex_unlock(&d->mu);
  if (fd >= 0 && fdatasync(fd)) logf_(d, NULL, "cannot fsync the outbox: %s", strerror(errno));
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
  done_ctx dc = {d};
  (void)jj__http_run(d->http, (int)wait, on_http_done, &dc);
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
  uint64_t n = 0;
  pthread_mutex_lock(&d->mu);
  for (uint32_t i = 0; i < d->nnf; i++) n += d->nfs[i]->depth;
  pthread_mutex_unlock(&d->mu);
  return n;
}

jj_status jj_dispatcher_drain(jj_dispatcher *d, int timeout_ms) {
  if (!d) return JJ_EINVAL;
  int64_t end = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
  pthread_mutex_lock(&d->mu);
  seal(d); /* records read back count as pending */
  pthread_mutex_unlock(&d->mu);
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
  return pending(d) ? JJ_EFULL : JJ_OK;
}

uint32_t jj_dispatcher_notifier_count(const jj_dispatcher *d) { return d ? d->nnf : 0; }

const char *jj_dispatcher_notifier_name(const jj_dispatcher *d, uint32_t i) {
  return d && i < d->nnf ? d->nfs[i]->name : NULL;
}

jj_status jj_dispatcher_stats(jj_dispatcher *d, const char *name, jj_notifier_stats *out) {
  if (!d || !name || !out) return JJ_EINVAL;
  nf *x = find_nf(d, name);
  if (!x) return JJ_ENOTFOUND;
  pthread_mutex_lock(&d->mu);
  *out = x->st;
  out->size = sizeof *out;
  out->queue_depth = x->depth;
  out->oldest_pending_ms = x->head ? now_ms(d) - x->head->n.accepted_ms : 0;
  if (out->oldest_pending_ms < 0) out->oldest_pending_ms = 0;
  pthread_mutex_unlock(&d->mu);
  return JJ_OK;
}

uint64_t jj_dispatcher_outbox_damage(const jj_dispatcher *d) { return d ? d->ob.damage : 0; }
