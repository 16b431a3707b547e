/* A delivery's record: the event flattened to bytes (what the outbox keeps)
 * and read back into a jj_notification. A live event is serialized and
 * parsed like a recovered one, so both take exactly the same path.
 *
 * Layout, little-endian, strings as u32 length + bytes:
 *   notifier | kind life_safety seq fingerprint time started accepted value
 *   | rule level_name severity metric json | labels rule_labels annotations
 * where each label list is a u32 count and name, value strings. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jjair/event.h"
#include "jjair/rule.h"
#include "dpool.h"
#include "notify_internal.h"

static void put_u32(jj__sb *b, uint32_t v) {
  unsigned char x[4];
  for (int i = 0; i < 4; i++) x[i] = (unsigned char)(v >> (8 * i));
  jj__sb_add(b, (const char *)x, 4);
}

static void put_u64(jj__sb *b, uint64_t v) {
  unsigned char x[8];
  for (int i = 0; i < 8; i++) x[i] = (unsigned char)(v >> (8 * i));
  jj__sb_add(b, (const char *)x, 8);
}

static void put_str(jj__sb *b, const char *s) {
  size_t n = s ? strlen(s) : 0;
  put_u32(b, (uint32_t)n);
  jj__sb_add(b, s ? s : "", n);
}

static void put_labels(jj__sb *b, const jj_label *l, uint32_t n) {
  put_u32(b, n);
  for (uint32_t i = 0; i < n; i++) {
    put_str(b, l[i].name);
    put_str(b, l[i].value);
  }
}

static void put_f64(jj__sb *b, double v) {
  uint64_t u;
  memcpy(&u, &v, sizeof u);
  put_u64(b, u);
}

void jj__record_event(jj__sb *out, const jj_event *ev, int life_safety, int64_t accepted_ms) {
  const char *kind = jj_event_kind_name((int)ev->kind);
  put_str(out, kind ? kind : "unknown");
  put_u32(out, (uint32_t)(life_safety != 0));
  put_u64(out, ev->seq);
  put_u64(out, ev->fingerprint);
  put_u64(out, (uint64_t)ev->time_ms);
  put_u64(out, (uint64_t)ev->started_ms);
  put_u64(out, (uint64_t)accepted_ms);
  put_f64(out, ev->value);
  put_str(out, ev->rule);
  put_str(out, ev->level_name);
  put_str(out, ev->severity);
  put_str(out, ev->metric);
  /* the event's JSON, rendered annotations included: into a stack buffer
   * first, so an event is rendered once (twice only when it is larger) */
  char stack[4096];
  size_t jn = jj_event_json(ev, stack, sizeof stack);
  if (jn < sizeof stack) {
    put_str(out, stack);
  } else {
    char *json = malloc(jn + 1);
    if (!json) {
      out->oom = 1;
      return;
    }
    (void)jj_event_json(ev, json, jn + 1);
    put_str(out, json);
    free(json);
  }
  put_labels(out, ev->labels, ev->nlabels);
  put_labels(out, ev->rule_labels, ev->nrule_labels);
  uint32_t na = jj_event_annotation_count(ev);
  put_u32(out, na);
  for (uint32_t i = 0; i < na; i++) {
    put_str(out, jj_event_annotation_name(ev, i));
    size_t tn = jj_event_render(ev, i, stack, sizeof stack);
    if (tn < sizeof stack) {
      put_str(out, stack);
      continue;
    }
    char *t = malloc(tn + 1);
    if (!t) {
      out->oom = 1;
      return;
    }
    (void)jj_event_render(ev, i, t, tn + 1);
    put_str(out, t);
    free(t);
  }
}

void jj__record_test(jj__sb *out, const char *text, int64_t now_ms) {
  put_str(out, "test");
  put_u32(out, 1); /* a test goes out at once, like a life-safety alert */
  put_u64(out, 0);
  put_u64(out, 0);
  put_u64(out, (uint64_t)now_ms);
  put_u64(out, (uint64_t)now_ms);
  put_u64(out, (uint64_t)now_ms);
  put_f64(out, NAN);
  put_str(out, "jjair-test");
  put_str(out, "test");
  put_str(out, "info");
  put_str(out, "");
  jj__sb json = {0};
  jj__sb_puts(&json, "{\"kind\":\"test\",\"text\":");
  jj__sb_json(&json, text);
  jj__sb_puts(&json, "}");
  put_str(out, json.s ? json.s : "{}");
  if (json.oom) out->oom = 1;
  jj__sb_free(&json);
  put_u32(out, 0);
  put_u32(out, 0);
  put_u32(out, 1);
  put_str(out, "summary");
  put_str(out, text);
}

/* ---- reading back ----------------------------------------------------------- */

typedef struct rd {
  const unsigned char *p, *end;
  int bad;
  char *arena; /* strings go here when non-NULL */
} rd;

static uint64_t get_u(rd *r, int n) {
  if (r->bad || r->end - r->p < n) {
    r->bad = 1;
    return 0;
  }
  uint64_t v = 0;
  for (int i = 0; i < n; i++) v |= (uint64_t)r->p[i] << (8 * i);
  r->p += n;
  return v;
}

static const char *get_str(rd *r) {
  uint32_t n = (uint32_t)get_u(r, 4);
  if (r->bad || (size_t)(r->end - r->p) < n || memchr(r->p, 0, n)) {
    r->bad = 1;
    return "";
  }
  const char *s = "";
  if (r->arena) {
    memcpy(r->arena, r->p, n);
    r->arena[n] = '\0';
    s = r->arena;
    r->arena += n + 1;
  }
  r->p += n;
  return s;
}

static uint32_t get_labels(rd *r, jj_label *l) {
  uint32_t n = (uint32_t)get_u(r, 4);
  if ((size_t)(r->end - r->p) / 8 < n) {
    r->bad = 1;
    return 0;
  }
  for (uint32_t i = 0; i < n && !r->bad; i++) {
    const char *k = get_str(r);
    const char *v = get_str(r);
    if (l) l[i].name = k, l[i].value = v;
  }
  return n;
}

static int is_resolved_kind(const char *k) {
  return strcmp(k, "resolved") == 0 || strcmp(k, "nodata_resolved") == 0 ||
         strcmp(k, "quality_resolved") == 0 || strcmp(k, "flapping_end") == 0;
}

/* Read the whole record; with arena/labels NULL it only validates and
 * counts. */
static void read_all(rd *r, jj_notification *n, jj_label *labels) {
  n->notifier = get_str(r);
  n->kind = get_str(r);
  n->life_safety = (int)get_u(r, 4);
  n->seq = get_u(r, 8);
  n->fingerprint = get_u(r, 8);
  n->time_ms = (int64_t)get_u(r, 8);
  n->started_ms = (int64_t)get_u(r, 8);
  n->accepted_ms = (int64_t)get_u(r, 8);
  uint64_t u = get_u(r, 8);
  memcpy(&n->value, &u, sizeof u);
  n->rule = get_str(r);
  n->level_name = get_str(r);
  n->severity = get_str(r);
  n->metric = get_str(r);
  n->json = get_str(r);
  n->nlabels = get_labels(r, labels);
  n->labels = labels;
  n->nrule_labels = get_labels(r, labels ? labels + n->nlabels : NULL);
  n->rule_labels = labels ? labels + n->nlabels : NULL;
  n->nannotations = get_labels(r, labels ? labels + n->nlabels + n->nrule_labels : NULL);
  n->annotations = labels ? labels + n->nlabels + n->nrule_labels : NULL;
  if (r->p != r->end) r->bad = 1;
}

/* The text convention (README "Notifiers"): the annotation sms_<kind>, else
 * `summary` (after "(<kind>) " unless the kind is fired or test: a summary
 * written for the alarm must not read as a new alarm when it resolves),
 * else a line generated from the event. */
static void make_text(jj__sb *b, const jj_notification *n) {
  char name[64];
  (void)snprintf(name, sizeof name, "sms_%s", n->kind);
  const char *t = jj__ann(n, name);
  if (t) {
    jj__sb_puts(b, t);
    return;
  }
  t = jj__ann(n, "summary");
  if (t) {
    if (strcmp(n->kind, "fired") != 0 && strcmp(n->kind, "test") != 0)
      jj__sb_printf(b, "(%s) ", n->kind);
    jj__sb_puts(b, t);
    return;
  }
  jj__sb_printf(b, "[%s] %s %s", n->rule, n->kind, n->level_name);
  if (n->severity[0] && strcmp(n->severity, n->level_name) != 0)
    jj__sb_printf(b, " (%s)", n->severity);
  if (n->metric[0] && !isnan(n->value)) jj__sb_printf(b, " %s=%g", n->metric, n->value);
  for (uint32_t i = 0; i < n->nlabels; i++)
    jj__sb_printf(b, " %s=%s", n->labels[i].name, n->labels[i].value);
}

/* The kind name of a record as a static string (jj_event_kind_name's, or
 * "test"), so a delivery that is not viewed yet still has its kind. NULL
 * for a name this version does not know. */
static const char *static_kind(const unsigned char *p, size_t n) {
  static const char test[] = "test";
  if (n == sizeof test - 1 && memcmp(p, test, n) == 0) return test;
  for (int k = 0; k < 64; k++) {
    const char *name = jj_event_kind_name(k);
    if (name && strlen(name) == n && memcmp(p, name, n) == 0) return name;
  }
  return NULL;
}

static void clear_view(jj_notification *n) {
  n->notifier = n->rule = n->level_name = n->severity = n->metric = "";
  n->json = n->text = n->idempotency_key = "";
  n->labels = n->rule_labels = n->annotations = NULL;
  n->nlabels = n->nrule_labels = n->nannotations = 0;
}

jj__delivery *jj__delivery_new(jj__dpool *pool, uint64_t id, const char *notifier,
                               const void *body, size_t len, jj__dpool *ppool) {
  size_t nlen = notifier ? strlen(notifier) : 0;
  size_t total = (notifier ? 4 + nlen : 0) + len;
  jj__dblock *blk, *pblk = NULL;
  jj__delivery *d = jj__dpool_alloc(pool, sizeof *d, &blk);
  unsigned char *q = d ? jj__dpool_alloc(ppool, total ? total : 1, &pblk) : NULL;
  if (!d || !q) {
    if (d) jj__dpool_free(blk, d);
    return NULL;
  }
  memset(d, 0, sizeof *d);
  d->blk = blk;
  d->pblk = pblk;
  d->payload = q;
  d->off = -1;
  if (notifier) {
    for (int i = 0; i < 4; i++) q[i] = (unsigned char)(nlen >> (8 * i));
    for (size_t i = 0; i < nlen; i++) q[4 + i] = (unsigned char)notifier[i]; /* no NUL */
    q += 4 + nlen;
  }
  if (len) memcpy(q, body, len);
  d->payload_len = total;
  /* validate, and read the fixed fields (strings stay in the payload
   * until jj__delivery_view) */
  rd r = {d->payload, d->payload + total, 0, NULL};
  read_all(&r, &d->n, NULL);
  if (r.bad) {
    jj__delivery_free(d);
    return NULL;
  }
  /* the kind: the second string of the record */
  uint32_t klen = 0, skip = 0;
  for (int i = 0; i < 4; i++) skip |= (uint32_t)d->payload[i] << (8 * i);
  for (int i = 0; i < 4; i++) klen |= (uint32_t)d->payload[4 + skip + i] << (8 * i);
  d->n.size = sizeof d->n;
  d->n.id = d->id = id;
  d->next_try_ms = INT64_MIN;
  clear_view(&d->n);
  d->n.kind = static_kind(d->payload + 8 + skip, klen);
  d->n.is_resolved = d->n.kind && is_resolved_kind(d->n.kind);
  if (!d->n.kind && jj__delivery_view(d, NULL)) { /* a kind of a newer version: view it now */
    jj__delivery_free(d);
    return NULL;
  }
  return d;
}

jj__delivery *jj__delivery_parse(jj__dpool *pool, uint64_t id, const unsigned char *p,
                                 size_t len) {
  return jj__delivery_new(pool, id, NULL, p, len, NULL);
}

int jj__delivery_view(jj__delivery *d, const jj__outbox *ob) {
  if (d->block) return 0;
  unsigned char *p = d->payload;
  if (!p) { /* dropped: read back from the outbox */
    int rc = ob ? jj__outbox_read(ob, d->id, d->off, d->payload_len, &p) : -2;
    if (rc) return rc;
  }
  jj_notification v = d->n; /* committed to d->n only when complete */
  rd r = {p, p + d->payload_len, 0, NULL};
  read_all(&r, &v, NULL);
  size_t nl = (size_t)v.nlabels + v.nrule_labels + v.nannotations;
  /* strings: each at most its length + NUL, so payload_len bytes cover them all */
  void *block = r.bad ? NULL : malloc(nl * sizeof(jj_label) + d->payload_len + 1);
  if (!block) {
    if (p != d->payload) free(p);
    return r.bad ? -2 : -1;
  }
  jj_label *labels = block;
  rd r2 = {p, p + d->payload_len, 0, (char *)(labels + nl)};
  read_all(&r2, &v, labels);
  if (p != d->payload) free(p);
  v.is_resolved = is_resolved_kind(v.kind);
  /* text and idempotency key: one string pair held by the delivery */
  jj__sb t = {0};
  make_text(&t, &v);
  char fp[20];
  (void)jj_fingerprint_hex(v.fingerprint, fp, sizeof fp);
  size_t text_len = t.len;
  jj__sb_add(&t, "", 1); /* keep the NUL between the two strings */
  jj__sb_printf(&t, "jj-%s-%s-%lld-%s", fp, v.kind, (long long)v.time_ms, v.notifier);
  if (t.oom) {
    jj__sb_free(&t);
    free(block);
    return -1;
  }
  v.text = t.s;
  v.idempotency_key = t.s + text_len + 1;
  d->n = v;
  d->block = block;
  d->texts = t.s;
  return 0;
}

void jj__delivery_unview(jj__delivery *d) {
  if (!d->block || !d->n.kind) return;
  const char *kind = static_kind((const unsigned char *)d->n.kind, strlen(d->n.kind));
  if (!kind) return; /* a kind only the view holds: keep it */
  free(d->block);
  free(d->texts);
  d->block = NULL;
  d->texts = NULL;
  clear_view(&d->n);
  d->n.kind = kind;
}

void jj__delivery_drop(jj__delivery *d, int64_t off) {
  if (off < 0 || !d->payload) return;
  jj__dpool_free(d->pblk, d->payload);
  d->payload = NULL;
  d->pblk = NULL;
  d->off = off;
}

void jj__delivery_free(jj__delivery *d) {
  if (!d) return;
  free(d->texts);
  free(d->block);
  if (d->payload) jj__dpool_free(d->pblk, d->payload);
  jj__dpool_free(d->blk, d);
}
