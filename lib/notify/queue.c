/* A lane's pending deliveries, grouped by label values (see queue.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"

void jj__fifo_push(jj__fifo *q, jj__delivery *x) {
  x->next = NULL;
  if (q->tail) q->tail->next = x;
  else q->head = x;
  q->tail = x;
  q->n++;
}

jj__delivery *jj__fifo_pop(jj__fifo *q) {
  jj__delivery *x = q->head;
  if (!x) return NULL;
  q->head = x->next;
  if (!q->head) q->tail = NULL;
  q->n--;
  return x;
}

/* A Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]* */
static int label_name(const char *s, size_t n) {
  if (!n || (s[0] >= '0' && s[0] <= '9')) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return 0;
  }
  return 1;
}

typedef struct parse_ctx {
  jj__queue *q;
  char *err;
  size_t errsize;
  int rc;
} parse_ctx;

static void add_name(void *ctx, const char *item, size_t len) {
  parse_ctx *p = ctx;
  if (p->rc) return;
  if (!label_name(item, len)) {
    (void)snprintf(p->err, p->errsize,
                   "'group_by' item '%.*s' is not a label name (letters, digits and _, not "
                   "starting with a digit)",
                   (int)len, item);
    p->rc = -1;
    return;
  }
  for (uint32_t i = 0; i < p->q->nby; i++)
    if (strlen(p->q->by[i]) == len && strncmp(p->q->by[i], item, len) == 0) {
      (void)snprintf(p->err, p->errsize, "'group_by' names '%.*s' twice", (int)len, item);
      p->rc = -1;
      return;
    }
  if (p->q->nby == JJ_GROUP_BY_MAX) {
    (void)snprintf(p->err, p->errsize, "'group_by' takes at most %d labels", JJ_GROUP_BY_MAX);
    p->rc = -1;
    return;
  }
  char *s = malloc(len + 1);
  if (!s) {
    p->rc = -2;
    return;
  }
  memcpy(s, item, len);
  s[len] = '\0';
  p->q->by[p->q->nby++] = s;
}

int jj__queue_group_by(jj__queue *q, const char *list, char *err, size_t errsize) {
  if (!q->by && !(q->by = calloc(JJ_GROUP_BY_MAX, sizeof *q->by))) return -2;
  parse_ctx p = {q, err, errsize, 0};
  jj__list_each(list, add_name, &p);
  if (!p.rc && !q->nby) {
    (void)snprintf(err, errsize, "'group_by' is an empty list: name labels, e.g. [zone, rule]");
    p.rc = -1;
  }
  return p.rc;
}

/* The value a delivery has for group_by name `by`. */
static const char *value_of(const jj_notification *m, const char *by) {
  const char *v = jj__label(m, by);
  if (v) return v;
  if (strcmp(by, "alertname") == 0 || strcmp(by, "rule") == 0) return m->rule;
  if (strcmp(by, "severity") == 0) return m->severity;
  return "";
}

int jj__queue_add(jj__queue *q, jj__delivery *x) {
  if (x->n.life_safety) {
    jj__fifo_push(&q->ls, x);
    q->depth++;
    return 0;
  }
  jj__sb key = {0};
  /* the labels are in the delivery's view: read it for the key, and
   * release it again unless it was read before */
  int viewed = x->block != NULL;
  if (q->nby && jj__delivery_view(x, NULL)) return -1; /* the record is in memory here */
  for (uint32_t i = 0; i < q->nby; i++) {
    if (i) jj__sb_add(&key, "\x1f", 1);
    jj__sb_puts(&key, value_of(&x->n, q->by[i]));
  }
  if (q->nby && !viewed) jj__delivery_unview(x);
  if (key.oom) {
    jj__sb_free(&key);
    return -1;
  }
  const char *k = key.s ? key.s : "";
  jj__group *g = q->groups, *last = NULL;
  for (; g && strcmp(g->key, k) != 0; g = g->next) last = g;
  if (!g) {
    g = calloc(1, sizeof *g);
    if (!g) {
      jj__sb_free(&key);
      return -1;
    }
    g->key = jj__sb_take(&key);
    g->last_sent_ms = INT64_MIN;
    /* appended: groups are tried in the order they first appeared */
    if (last) last->next = g;
    else q->groups = g;
  } else {
    jj__sb_free(&key);
  }
  jj__fifo_push(&g->q, x);
  q->depth++;
  return 0;
}

void jj__queue_collect(jj__queue *q, int64_t now, int64_t interval_ms) {
  for (jj__group **pp = &q->groups; *pp;) {
    jj__group *g = *pp;
    if (!g->q.n && (g->last_sent_ms == INT64_MIN || now - g->last_sent_ms >= interval_ms)) {
      *pp = g->next;
      free(g->key);
      free(g);
    } else {
      pp = &g->next;
    }
  }
}

void jj__queue_free(jj__queue *q) {
  while (q->ls.head) jj__delivery_free(jj__fifo_pop(&q->ls));
  while (q->groups) {
    jj__group *g = q->groups;
    q->groups = g->next;
    while (g->q.head) jj__delivery_free(jj__fifo_pop(&g->q));
    free(g->key);
    free(g);
  }
  for (uint32_t i = 0; i < q->nby; i++) free(q->by[i]);
  free(q->by);
  memset(q, 0, sizeof *q);
}
