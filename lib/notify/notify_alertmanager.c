/* Built-in notifier "alertmanager": Prometheus Alertmanager's API v2,
 *   POST {url}/api/v2/alerts   [{labels, annotations, startsAt, endsAt, generatorURL}]
 * as Prometheus itself sends alerts: labels are the identity (alertname =
 * the rule, the series' labels, the rule's labels, severity), annotations
 * the rendered texts. A firing alert is re-sent every resend_interval with
 * endsAt four intervals ahead, so Alertmanager keeps it while jjair does
 * and lets it expire if jjair dies; a resolved one is sent with endsAt =
 * the time it resolved and re-sent for resolve_resend, so a lost request
 * cannot leave it firing. Alertmanager routes, silences and deduplicates
 * them. Events about the data rather than the value (nodata, quality) are
 * alerts of their own: alertname "<rule>:nodata" / "<rule>:quality".
 * severity is a label, so when a jjair alert changes level the alert with
 * the old severity is resolved in the same request as the new one fires. */
#define _POSIX_C_SOURCE 200809L /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jjair/timefmt.h"
#include "notify_internal.h"

typedef struct active {
  uint64_t fp;       /* the jjair alert it belongs to */
  char *key;         /* labels JSON: Alertmanager's identity */
  char *alert;       /* the alert JSON up to (without) endsAt */
  int64_t resolved_ms; /* INT64_MIN while firing; the event time (endsAt) */
  /* The dispatcher's clock when the resolve was delivered: re-sending
   * stops resolve_resend after it. Not the event time, which in a replay
   * of old data is years back and would forget the alert at once. */
  int64_t resolved_seen_ms;
} active;

typedef struct ctx {
  char *url, *generator;
  int64_t resend_ms, resolve_resend_ms;
  int64_t last_tick_ms;
  active *a;
  uint32_t na;
} ctx;

static const jj_notifier_key keys[] = {
    {"url", JJ_KEY_REQUIRED, "Alertmanager's base URL, e.g. http://127.0.0.1:9093"},
    {"generator_url", 0, "template of generatorURL, e.g. https://ops.example/rules/{{ rule }}"},
    {"resend_interval", 0, "re-send firing alerts this often; default 1m"},
    {"resolve_resend", 0, "re-send resolved alerts for this long; default 15m"},
};

static void fini(void *p) {
  ctx *c = p;
  if (!c) return;
  for (uint32_t i = 0; i < c->na; i++) free(c->a[i].key), free(c->a[i].alert);
  free(c->a);
  free(c->url);
  free(c->generator);
  free(c);
}

static jj_status init(void *tc, const jj_notifier_settings *s, void **out, char *err, size_t n) {
  (void)tc;
  int64_t rs = jj__setting_ms(s, "resend_interval", 60000);
  int64_t rr = jj__setting_ms(s, "resolve_resend", 900000);
  if (rs <= 0 || rr < 0) {
    (void)snprintf(err, n, "'resend_interval' and 'resolve_resend' must be durations (above 0)");
    return JJ_EINVAL;
  }
  const char *g = jj_notifier_setting(s, "generator_url");
  if (g) {
    jj__sb probe = {0};
    int bad = jj__render(&probe, g, NULL, 0, err, n);
    jj__sb_free(&probe);
    if (bad) return JJ_EINVAL;
  }
  ctx *c = calloc(1, sizeof *c);
  if (!c) return JJ_ENOMEM;
  const char *url = jj_notifier_setting(s, "url");
  size_t ul = strlen(url);
  while (ul && url[ul - 1] == '/') ul--;
  jj__sb u = {0};
  jj__sb_add(&u, url, ul);
  c->url = jj__sb_take(&u);
  c->generator = g ? jj__xstrdup(g) : NULL;
  c->resend_ms = rs;
  c->resolve_resend_ms = rr;
  c->last_tick_ms = INT64_MIN;
  if (!c->url || (g && !c->generator)) {
    fini(c);
    return JJ_ENOMEM;
  }
  *out = c;
  return JJ_OK;
}

/* Alertmanager expires a firing alert at endsAt by its own clock: the
 * real time, not the event time (a replay of old data fires too). */
static int64_t real_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *suffix(const jj_notification *m) {
  if (strncmp(m->kind, "nodata", 6) == 0) return ":nodata";
  if (strncmp(m->kind, "quality", 7) == 0) return ":quality";
  return "";
}

static int is_firing(const jj_notification *m) {
  return !m->is_resolved && strncmp(m->kind, "flapping", 8) != 0;
}

static void time_text(jj__sb *b, int64_t ms) {
  char t[JJ_TIME_TEXT_MAX];
  (void)jj_time_rfc3339(ms, t, sizeof t);
  jj__sb_json(b, t);
}

/* labels JSON (the identity) of m */
static void labels_json(jj__sb *b, const jj_notification *m) {
  jj__sb_puts(b, "{\"alertname\":");
  jj__sb name = {0};
  jj__sb_printf(&name, "%s%s", m->rule, suffix(m));
  jj__sb_json(b, name.s ? name.s : m->rule);
  jj__sb_free(&name);
  for (uint32_t i = 0; i < m->nlabels; i++) {
    if (strcmp(m->labels[i].name, "alertname") == 0) continue;
    jj__sb_puts(b, ",");
    jj__sb_json(b, m->labels[i].name);
    jj__sb_puts(b, ":");
    jj__sb_json(b, m->labels[i].value);
  }
  /* rule labels and severity after the series' (which win on a clash) */
  for (uint32_t i = 0; i < m->nrule_labels; i++) {
    const char *k = m->rule_labels[i].name;
    int dup = strcmp(k, "alertname") == 0 || strcmp(k, "severity") == 0;
    for (uint32_t j = 0; j < m->nlabels && !dup; j++) dup = strcmp(m->labels[j].name, k) == 0;
    if (dup) continue;
    jj__sb_puts(b, ",");
    jj__sb_json(b, k);
    jj__sb_puts(b, ":");
    jj__sb_json(b, m->rule_labels[i].value);
  }
  if (m->severity[0]) {
    jj__sb_puts(b, ",\"severity\":");
    jj__sb_json(b, m->severity);
  }
  jj__sb_puts(b, "}");
}

/* the alert without endsAt and the closing brace */
static void alert_json(const ctx *c, jj__sb *b, const char *labels, const jj_notification *m) {
  jj__sb_puts(b, "{\"labels\":");
  jj__sb_puts(b, labels);
  jj__sb_puts(b, ",\"annotations\":{");
  int has_summary = 0;
  for (uint32_t i = 0; i < m->nannotations; i++) {
    if (i) jj__sb_puts(b, ",");
    has_summary |= strcmp(m->annotations[i].name, "summary") == 0;
    jj__sb_json(b, m->annotations[i].name);
    jj__sb_puts(b, ":");
    jj__sb_json(b, m->annotations[i].value);
  }
  if (!has_summary) {
    jj__sb_puts(b, m->nannotations ? ",\"summary\":" : "\"summary\":");
    jj__sb_json(b, m->text);
  }
  jj__sb_puts(b, "},\"startsAt\":");
  time_text(b, m->started_ms != INT64_MIN && m->started_ms ? m->started_ms : m->time_ms);
  if (c->generator) {
    jj__sb g = {0};
    char err[8];
    (void)jj__render(&g, c->generator, m, 0, err, sizeof err);
    jj__sb_puts(b, ",\"generatorURL\":");
    jj__sb_json(b, g.s ? g.s : "");
    jj__sb_free(&g);
  }
}

static void finish_alert(jj__sb *b, const char *alert, int64_t ends_ms) {
  jj__sb_puts(b, alert);
  jj__sb_puts(b, ",\"endsAt\":");
  time_text(b, ends_ms);
  jj__sb_puts(b, "}");
}

static int request(const ctx *c, jj__http_req *req, jj__sb *body) {
  jj__sb url = {0};
  jj__sb_printf(&url, "%s/api/v2/alerts", c->url);
  req->url = jj__sb_take(&url);
  req->body_len = body->len;
  req->body = jj__sb_take(body);
  return !req->url || !req->body ||
                 jj__req_header(req, "Content-Type", "application/json")
             ? -1
             : 0;
}

static int build(void *p, const jj_notification *const *m, uint32_t n, uint32_t part,
                 jj__http_req *req, char *err, size_t errsize) {
  (void)part;
  const ctx *c = p;
  jj__sb b = {0};
  jj__sb_puts(&b, "[");
  for (uint32_t i = 0; i < n; i++) {
    jj__sb labels = {0}, alert = {0};
    labels_json(&labels, m[i]);
    alert_json(c, &alert, labels.s ? labels.s : "{}", m[i]);
    if (i) jj__sb_puts(&b, ",");
    /* firing: valid for four re-send intervals; resolved: ended then */
    finish_alert(&b, alert.s ? alert.s : "{}",
                 is_firing(m[i]) ? real_ms() + 4 * c->resend_ms : m[i]->time_ms);
    /* the same jjair alert under other labels (its old severity) ends */
    for (uint32_t k = 0; k < c->na; k++)
      if (c->a[k].fp == m[i]->fingerprint && c->a[k].resolved_ms == INT64_MIN &&
          labels.s && strcmp(c->a[k].key, labels.s) != 0 && c->a[k].alert) {
        jj__sb_puts(&b, ",");
        finish_alert(&b, c->a[k].alert, m[i]->time_ms);
      }
    jj__sb_free(&labels);
    jj__sb_free(&alert);
  }
  jj__sb_puts(&b, "]");
  if (b.oom || request(c, req, &b)) {
    jj__sb_free(&b);
    (void)snprintf(err, errsize, "out of memory");
    return -1;
  }
  return 0;
}

/* Remember what Alertmanager now knows, for the periodic re-send. */
static void delivered(void *p, const jj_notification *const *m, uint32_t n, int64_t now_ms) {
  ctx *c = p;
  for (uint32_t i = 0; i < n; i++) {
    if (strncmp(m[i]->kind, "flapping", 8) == 0 || strcmp(m[i]->kind, "test") == 0) continue;
    jj__sb labels = {0}, alert = {0};
    labels_json(&labels, m[i]);
    alert_json(c, &alert, labels.s ? labels.s : "{}", m[i]);
    if (labels.oom || alert.oom || !labels.s || !alert.s) {
      jj__sb_free(&labels);
      jj__sb_free(&alert);
      continue;
    }
    for (uint32_t j = 0; j < c->na; j++) /* ended by build under its old labels */
      if (c->a[j].fp == m[i]->fingerprint && c->a[j].resolved_ms == INT64_MIN &&
          strcmp(c->a[j].key, labels.s) != 0) {
        c->a[j].resolved_ms = m[i]->time_ms;
        c->a[j].resolved_seen_ms = now_ms;
      }
    uint32_t k = 0;
    while (k < c->na && strcmp(c->a[k].key, labels.s) != 0) k++;
    if (k == c->na) {
      active *t = realloc(c->a, (c->na + 1) * sizeof *t);
      if (!t) {
        jj__sb_free(&labels);
        jj__sb_free(&alert);
        continue;
      }
      c->a = t;
      c->a[c->na].fp = m[i]->fingerprint;
      c->a[c->na].key = jj__sb_take(&labels);
      c->a[c->na].alert = NULL;
      c->na++;
    } else {
      jj__sb_free(&labels);
    }
    free(c->a[k].alert);
    c->a[k].alert = jj__sb_take(&alert);
    c->a[k].resolved_ms = is_firing(m[i]) ? INT64_MIN : m[i]->time_ms;
    c->a[k].resolved_seen_ms = now_ms;
  }
}

static int tick(void *p, int64_t now_ms, jj__http_req *req) {
  ctx *c = p;
  if (!c->na || (c->last_tick_ms != INT64_MIN && now_ms - c->last_tick_ms < c->resend_ms))
    return 0;
  if (c->last_tick_ms == INT64_MIN) {
    c->last_tick_ms = now_ms; /* the first delivery just went out */
    return 0;
  }
  c->last_tick_ms = now_ms;
  jj__sb b = {0};
  jj__sb_puts(&b, "[");
  uint32_t k = 0, sent = 0;
  for (uint32_t i = 0; i < c->na; i++) {
    active *a = &c->a[i];
    if (a->resolved_ms != INT64_MIN && now_ms - a->resolved_seen_ms > c->resolve_resend_ms) {
      free(a->key);
      free(a->alert);
      continue; /* resolved long enough ago: forgotten */
    }
    if (a->alert) {
      if (sent++) jj__sb_puts(&b, ",");
      finish_alert(&b, a->alert,
                   a->resolved_ms == INT64_MIN ? real_ms() + 4 * c->resend_ms : a->resolved_ms);
    }
    c->a[k++] = *a;
  }
  c->na = k;
  jj__sb_puts(&b, "]");
  if (!sent || b.oom || request(c, req, &b)) {
    jj__sb_free(&b);
    jj__req_clear(req);
    return 0;
  }
  return 1;
}

const jj_notifier_type jj__type_alertmanager = {
    sizeof(jj_notifier_type), "alertmanager", keys, sizeof keys / sizeof keys[0], init, NULL,
    NULL, fini, NULL, {NULL, NULL, NULL, NULL}};
const jj__http_ops jj__http_alertmanager = {NULL, build, NULL, tick, delivered};
