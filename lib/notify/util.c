/* Small helpers of the notifier layer: a growable string with JSON and
 * form encoders, comma-separated lists, typed settings, and the message
 * templates built-in notifiers render (webhook bodies, chat text). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jjair/duration.h"
#include "notify_internal.h"

/* ---- growable string ------------------------------------------------------- */

static int sb_reserve(jj__sb *b, size_t more) {
  if (b->oom) return -1;
  if (b->len + more + 1 <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + more + 1) cap *= 2;
  char *s = realloc(b->s, cap);
  if (!s) {
    b->oom = 1;
    return -1;
  }
  b->s = s;
  b->cap = cap;
  return 0;
}

void jj__sb_add(jj__sb *b, const char *s, size_t n) {
  if (sb_reserve(b, n)) return;
  if (n) memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

void jj__sb_puts(jj__sb *b, const char *s) { jj__sb_add(b, s ? s : "", s ? strlen(s) : 0); }

void jj__sb_printf(jj__sb *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char tmp[256];
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof tmp) {
    jj__sb_add(b, tmp, (size_t)n);
    return;
  }
  if (sb_reserve(b, (size_t)n)) return;
  va_start(ap, fmt);
  (void)vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

static void json_body(jj__sb *b, const char *s) {
  static const char hexd[] = "0123456789abcdef";
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    char esc[7];
    if (*p == '"' || *p == '\\') {
      esc[0] = '\\';
      esc[1] = (char)*p;
      jj__sb_add(b, esc, 2);
    } else if (*p == '\n') jj__sb_add(b, "\\n", 2);
    else if (*p == '\r') jj__sb_add(b, "\\r", 2);
    else if (*p == '\t') jj__sb_add(b, "\\t", 2);
    else if (*p < 0x20 || *p == 0x7f) {
      esc[0] = '\\', esc[1] = 'u', esc[2] = '0', esc[3] = '0';
      esc[4] = hexd[*p >> 4];
      esc[5] = hexd[*p & 15];
      jj__sb_add(b, esc, 6);
    } else jj__sb_add(b, (const char *)p, 1);
  }
}

void jj__sb_json(jj__sb *b, const char *s) {
  jj__sb_add(b, "\"", 1);
  json_body(b, s);
  jj__sb_add(b, "\"", 1);
}

void jj__sb_form(jj__sb *b, const char *s) {
  static const char hexd[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
      jj__sb_add(b, (const char *)p, 1);
    } else if (*p == ' ') {
      jj__sb_add(b, "+", 1);
    } else {
      char e[3] = {'%', hexd[*p >> 4], hexd[*p & 15]};
      jj__sb_add(b, e, 3);
    }
  }
}

void jj__sb_free(jj__sb *b) {
  free(b->s);
  memset(b, 0, sizeof *b);
}

char *jj__sb_take(jj__sb *b) {
  if (!b->s && !b->oom) jj__sb_add(b, "", 0);
  if (b->oom) {
    jj__sb_free(b);
    return NULL;
  }
  char *s = b->s;
  memset(b, 0, sizeof *b);
  return s;
}

/* ---- lists and settings ---------------------------------------------------- */

char *jj__xstrdup(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

void jj__list_each(const char *list, void (*fn)(void *ctx, const char *item, size_t len),
                   void *ctx) {
  const char *p = list ? list : "";
  while (*p) {
    const char *comma = p + strcspn(p, ",\n");
    if (!*comma) comma = NULL;
    const char *end = comma ? comma : p + strlen(p);
    const char *a = p, *z = end;
    while (a < z && isspace((unsigned char)*a)) a++;
    while (z > a && isspace((unsigned char)z[-1])) z--;
    if (z > a) fn(ctx, a, (size_t)(z - a));
    p = comma ? comma + 1 : end;
  }
}

typedef struct {
  char **items;
  uint32_t n;
  int oom;
} split_ctx;

static void split_one(void *ctx, const char *item, size_t len) {
  split_ctx *c = ctx;
  char **t = realloc(c->items, (c->n + 1) * sizeof *t);
  char *s = malloc(len + 1);
  if (!t || !s) {
    if (t) c->items = t;
    free(s);
    c->oom = 1;
    return;
  }
  memcpy(s, item, len);
  s[len] = '\0';
  c->items = t;
  c->items[c->n++] = s;
}

jj_status jj__recipients(const jj_notifier_settings *s, char ***to, uint32_t *n, char *err,
                         size_t errsize) {
  if (jj__list_split(jj_notifier_setting(s, "recipients"), to, n)) return JJ_ENOMEM;
  if (*n == 0) {
    (void)snprintf(err, errsize, "'recipients' is empty");
    return JJ_EINVAL;
  }
  return JJ_OK;
}

int jj__list_split(const char *list, char ***items, uint32_t *n) {
  split_ctx c = {NULL, 0, 0};
  jj__list_each(list, split_one, &c);
  if (c.oom) {
    jj__list_free(c.items, c.n);
    return -1;
  }
  *items = c.items;
  *n = c.n;
  return 0;
}

void jj__list_free(char **items, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) free(items[i]);
  free(items);
}

typedef struct {
  const char *item;
  int found;
} has_ctx;

static void has_one(void *ctx, const char *item, size_t len) {
  has_ctx *h = ctx;
  if (strlen(h->item) == len && memcmp(h->item, item, len) == 0) h->found = 1;
}

int jj__list_has(const char *list, const char *item) {
  has_ctx h = {item, 0};
  jj__list_each(list, has_one, &h);
  return h.found;
}

const char *jj_notifier_setting(const jj_notifier_settings *s, const char *key) {
  if (!s || !key) return NULL;
  for (uint32_t i = 0; i < s->n; i++)
    if (strcmp(s->keys[i], key) == 0) return s->values[i];
  return NULL;
}

const char *jj_notifier_settings_name(const jj_notifier_settings *s) { return s ? s->name : NULL; }

int64_t jj__setting_ms(const jj_notifier_settings *s, const char *key, int64_t def) {
  const char *v = jj_notifier_setting(s, key);
  if (!v) return def;
  int64_t ms = 0;
  if (jj_duration_parse(v, strlen(v), &ms, NULL) != JJ_OK || ms < 0) return -1;
  return ms;
}

int jj__setting_bool(const jj_notifier_settings *s, const char *key, int def) {
  const char *v = jj_notifier_setting(s, key);
  if (!v) return def;
  if (strcmp(v, "true") == 0) return 1;
  if (strcmp(v, "false") == 0) return 0;
  return -1;
}

/* ---- templates --------------------------------------------------------------- */

const char *jj__ann(const jj_notification *m, const char *name) {
  for (uint32_t i = 0; i < m->nannotations; i++)
    if (strcmp(m->annotations[i].name, name) == 0) return m->annotations[i].value;
  return NULL;
}

const char *jj__label(const jj_notification *m, const char *name) {
  for (uint32_t i = 0; i < m->nlabels; i++)
    if (strcmp(m->labels[i].name, name) == 0) return m->labels[i].value;
  for (uint32_t i = 0; i < m->nrule_labels; i++)
    if (strcmp(m->rule_labels[i].name, name) == 0) return m->rule_labels[i].value;
  return NULL;
}

static void put_esc(jj__sb *b, const char *v, int esc) {
  if (esc == 'j') json_body(b, v);
  else if (esc == 'f') jj__sb_form(b, v);
  else jj__sb_puts(b, v);
}

/* The value of field f (len n) for m into b; -1 for an unknown field. */
static int field(jj__sb *b, const char *f, size_t n, const jj_notification *m, int esc) {
  char name[96];
  if (n >= sizeof name) return -1;
  memcpy(name, f, n);
  name[n] = '\0';
  char num[64];
  const char *v = NULL;
  int known = 1;
  if (strncmp(name, "labels.", 7) == 0) {
    if (m) v = jj__label(m, name + 7);
  } else if (strncmp(name, "annotations.", 12) == 0) {
    if (m) v = jj__ann(m, name + 12);
  } else if (strcmp(name, "json") == 0) {
    /* already JSON: never escaped again inside a JSON body */
    if (m) jj__sb_puts(b, esc == 'f' ? "" : m->json);
    if (m && esc == 'f') jj__sb_form(b, m->json);
    return 0;
  } else if (!m) {
    known = strcmp(name, "text") == 0 || strcmp(name, "rule") == 0 ||
            strcmp(name, "kind") == 0 || strcmp(name, "severity") == 0 ||
            strcmp(name, "level") == 0 || strcmp(name, "metric") == 0 ||
            strcmp(name, "value") == 0 || strcmp(name, "fingerprint") == 0 ||
            strcmp(name, "idempotency_key") == 0 || strcmp(name, "time_ms") == 0 ||
            strcmp(name, "notifier") == 0;
  } else if (strcmp(name, "text") == 0) v = m->text;
  else if (strcmp(name, "rule") == 0) v = m->rule;
  else if (strcmp(name, "kind") == 0) v = m->kind;
  else if (strcmp(name, "severity") == 0) v = m->severity;
  else if (strcmp(name, "level") == 0) v = m->level_name;
  else if (strcmp(name, "metric") == 0) v = m->metric;
  else if (strcmp(name, "notifier") == 0) v = m->notifier;
  else if (strcmp(name, "idempotency_key") == 0) v = m->idempotency_key;
  else if (strcmp(name, "value") == 0) {
    (void)snprintf(num, sizeof num, "%.17g", m->value);
    v = num;
  } else if (strcmp(name, "fingerprint") == 0) {
    (void)jj_fingerprint_hex(m->fingerprint, num, sizeof num);
    v = num;
  } else if (strcmp(name, "time_ms") == 0) {
    (void)snprintf(num, sizeof num, "%lld", (long long)m->time_ms);
    v = num;
  } else known = 0;
  if (!known) return -1;
  if (m) put_esc(b, v ? v : "", esc);
  return 0;
}

int jj__render(jj__sb *b, const char *t, const jj_notification *m, int esc, char *err,
               size_t errsize) {
  const char *p = t;
  while (*p) {
    const char *open = strstr(p, "{{");
    if (!open) {
      jj__sb_puts(b, p);
      break;
    }
    jj__sb_add(b, p, (size_t)(open - p));
    const char *close = strstr(open + 2, "}}");
    if (!close) {
      (void)snprintf(err, errsize, "unclosed '{{' at offset %zu of the template",
                     (size_t)(open - t));
      return -1;
    }
    const char *a = open + 2, *z = close;
    while (a < z && *a == ' ') a++;
    while (z > a && z[-1] == ' ') z--;
    if (field(b, a, (size_t)(z - a), m, esc)) {
      (void)snprintf(err, errsize,
                     "unknown field '%.*s' in the template (known: text, json, rule, kind, "
                     "severity, level, metric, value, fingerprint, idempotency_key, time_ms, "
                     "notifier, labels.NAME, annotations.NAME)",
                     (int)(z - a > 40 ? 40 : z - a), a);
      return -1;
    }
    p = close + 2;
  }
  return 0;
}

char *jj__group_text(const jj_notification *const *m, uint32_t n) {
  jj__sb b = {0};
  for (uint32_t i = 0; i < n; i++) {
    if (i) jj__sb_puts(&b, "\n");
    jj__sb_puts(&b, m[i]->text);
  }
  return jj__sb_take(&b);
}
