/* Loading notifiers from YAML: the `notifiers:` section of a rule file, or
 * a file of its own (README "Notifiers"), walked over yaml_tree.c's
 * located nodes so every problem has file:line:column. Each notifier is a
 * mapping with `name`, `type` and settings; a list becomes the items one
 * per line, a mapping (headers) "key: value" lines. The settings are then
 * checked by jj_dispatcher_add_notifier itself, whose message is placed at
 * the key it names. Keys of the rule loader (version, include, defaults,
 * rules) are left to it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "errfmt.h"
#include "file_read.h"
#include "notify_internal.h"
#include "yaml_tree.h"

#define MAX_BYTES (1u << 20)
#define MAX_SETTINGS 64

typedef struct lctx {
  jj_ytree tree;
  jj_error *errs;
  size_t max, n;
  jj_status first;
} lctx;

static void add_err(lctx *c, jj_status code, const char *file, int line, int col,
                    const char *msg) {
  if (c->n < c->max) {
    jj_error *e = &c->errs[c->n];
    memset(e, 0, sizeof *e);
    e->code = code;
    e->line = line;
    e->column = col;
    (void)snprintf(e->file, sizeof e->file, "%s", file ? file : "");
    (void)snprintf(e->message, sizeof e->message, "%s", msg);
  }
  if (!c->n) c->first = code;
  c->n++;
}

static void tree_error(void *ctx, const char *file, int line, int col, const char *message) {
  add_err(ctx, JJ_EINVAL, file, line, col, message);
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void err_at(lctx *c, const jj_ynode *at, const char *fmt, ...) {
  char msg[JJ_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  (void)vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  add_err(c, JJ_EINVAL, at->file, at->line, at->col, msg);
}

/* A setting's value as text: scalar as is, list one item per line,
 * mapping "key: value" lines. NULL after reporting. */
static char *value_text(lctx *c, const char *key, jj_ynode *v) {
  if (v->kind == JJ_YSCALAR) {
    if (v->len != strlen(v->str)) {
      err_at(c, v, "'%s' holds a NUL character", key);
      return NULL;
    }
    return jj__ytree_strdup(&c->tree, v->str);
  }
  jj__sb b = {0};
  if (v->kind == JJ_YSEQ) {
    for (size_t i = 0; i < v->n; i++) {
      if (v->items[i]->kind != JJ_YSCALAR) {
        err_at(c, v->items[i], "the items of '%s' must be plain values, not %s", key,
               jj__ynode_kind_name(v->items[i]));
        jj__sb_free(&b);
        return NULL;
      }
      if (i) jj__sb_puts(&b, "\n");
      jj__sb_puts(&b, v->items[i]->str);
    }
  } else {
    if (jj__ytree_flatten(&c->tree, v)) {
      jj__sb_free(&b);
      return NULL;
    }
    for (size_t i = 0; i < v->nflat; i++) {
      const jj_yentry *e = &v->flat[i];
      if (e->value->kind != JJ_YSCALAR) {
        err_at(c, e->value, "'%s.%s' must be a plain value", key, e->key);
        jj__sb_free(&b);
        return NULL;
      }
      if (i) jj__sb_puts(&b, "\n");
      jj__sb_printf(&b, "%s: %s", e->key, e->value->str);
    }
  }
  char *s = b.oom ? NULL : jj__ytree_strdup(&c->tree, b.s ? b.s : "");
  jj__sb_free(&b);
  return s;
}

/* One notifier mapping: add it, or report where it is wrong. */
static void one(lctx *c, jj_dispatcher *d, jj_ynode *item) {
  if (item->kind != JJ_YMAP) {
    err_at(c, item, "a notifier is a mapping with 'name', 'type' and its settings, not %s",
           jj__ynode_kind_name(item));
    return;
  }
  if (jj__ytree_flatten(&c->tree, item) && item->flat_done != 1) return;
  const char *name = NULL, *type = NULL;
  const char *keys[MAX_SETTINGS], *values[MAX_SETTINGS];
  const jj_yentry *where[MAX_SETTINGS];
  uint32_t n = 0;
  int bad = 0;
  for (size_t i = 0; i < item->nflat; i++) {
    const jj_yentry *e = &item->flat[i];
    int is_name = strcmp(e->key, "name") == 0, is_type = strcmp(e->key, "type") == 0;
    if ((is_name || is_type) && e->value->kind != JJ_YSCALAR) {
      err_at(c, e->value, "'%s' must be text", e->key);
      bad = 1;
      continue;
    }
    if (is_name) name = e->value->str;
    else if (is_type) type = e->value->str;
    else if (n == MAX_SETTINGS) {
      err_at(c, e->knode, "a notifier has at most %d settings", MAX_SETTINGS);
      bad = 1;
    } else {
      char *v = value_text(c, e->key, e->value);
      if (!v) {
        bad = 1;
        continue;
      }
      keys[n] = e->key;
      values[n] = v;
      where[n] = e;
      n++;
    }
  }
  if (!name) err_at(c, item, "a notifier needs 'name' (what rules list in notify:)"), bad = 1;
  if (!type) err_at(c, item, "a notifier needs 'type' (webhook, sens, solapi, twilio, "
                             "alertmanager, slack, ndjson, stdout, or a registered type)"),
             bad = 1;
  if (bad || c->tree.oom) return;
  jj_error e;
  memset(&e, 0, sizeof e);
  jj_status st = jj_dispatcher_add_notifier(d, name, type, keys, values, n, &e);
  if (st == JJ_OK) return;
  /* place the message at the key it names ('key'), else at the name */
  const jj_ynode *at = jj__ynode_get(item, "name")->value;
  if (strstr(e.message, "unknown notifier type"))
    at = jj__ynode_get(item, "type")->value;
  for (uint32_t i = 0; i < n; i++) {
    char q[80];
    (void)snprintf(q, sizeof q, "'%s'", keys[i]);
    if (strstr(e.message, q)) {
      at = where[i]->knode;
      break;
    }
  }
  add_err(c, st, at->file, at->line, at->col, e.message);
}

static void walk(lctx *c, jj_dispatcher *d, jj_ynode *root) {
  static const char *const known[] = {"version", "include", "defaults", "rules", "notifiers",
                                      NULL};
  if (root->kind != JJ_YMAP) {
    err_at(c, root, "a notifier file is a mapping with 'notifiers:'");
    return;
  }
  if (jj__ytree_flatten(&c->tree, root) && root->flat_done != 1) return;
  const jj_yentry *list = NULL;
  for (size_t i = 0; i < root->nflat; i++) {
    const jj_yentry *e = &root->flat[i];
    int ok = strncmp(e->key, "x-", 2) == 0;
    for (const char *const *k = known; *k && !ok; k++) ok = strcmp(*k, e->key) == 0;
    if (!ok)
      err_at(c, e->knode,
             "unknown key '%s' at the top of the file (known keys: version, include, "
             "defaults, rules, notifiers)",
             e->key);
    if (strcmp(e->key, "notifiers") == 0) list = e;
  }
  if (!list) {
    err_at(c, root, "missing 'notifiers:' (a list of notifiers)");
    return;
  }
  if (list->value->kind != JJ_YSEQ) {
    err_at(c, list->value, "'notifiers' must be a list of notifiers (lines starting with '- ')");
    return;
  }
  for (size_t i = 0; i < list->value->n; i++) one(c, d, list->value->items[i]);
}

jj_status jj_dispatcher_load_string(jj_dispatcher *d, const char *yaml, size_t len,
                                    const char *name, jj_error *errs, size_t max_errs,
                                    size_t *nerrs) {
  if (nerrs) *nerrs = 0;
  lctx c;
  memset(&c, 0, sizeof c);
  c.errs = errs;
  c.max = errs ? max_errs : 0;
  if (!d || (!yaml && len)) {
    add_err(&c, JJ_EINVAL, name, 0, 0, "dispatcher or text is NULL");
    if (nerrs) *nerrs = c.n;
    return JJ_EINVAL;
  }
  uint32_t before = jj_dispatcher_notifier_count(d);
  jj__ytree_init(&c.tree, NULL, tree_error, &c);
  c.tree.doc = "a notifier file";
  c.tree.block_hint = "quote it";
  const char *file = jj__ytree_strdup(&c.tree, name ? name : "<string>");
  jj_ynode *root = NULL;
  if (file && jj__ytree_parse(&c.tree, file, yaml ? yaml : "", len, &root) == 0) {
    if (!root) add_err(&c, JJ_EINVAL, file, 1, 1, "the file is empty: add 'notifiers:'");
    else walk(&c, d, root);
  }
  if (c.tree.oom && !c.n) add_err(&c, JJ_ENOMEM, file, 0, 0, "out of memory");
  jj__ytree_free(&c.tree);
  if (c.n) jj__dispatcher_truncate(d, before); /* all or nothing */
  if (nerrs) *nerrs = c.n;
  return c.n ? c.first : JJ_OK;
}

jj_status jj_dispatcher_load_file(jj_dispatcher *d, const char *path, jj_error *errs,
                                  size_t max_errs, size_t *nerrs) {
  if (nerrs) *nerrs = 0;
  jj_allocator libc;
  jj__alloc_resolve(&libc, NULL);
  char why[96] = "no path";
  size_t len = 0;
  jj__read_result r = JJ__READ_FAILED;
  char *text = path ? jj__read_file(&libc, path, MAX_BYTES, &len, &r, why, sizeof why) : NULL;
  if (!text) {
    jj_status st = r == JJ__READ_NOMEM ? JJ_ENOMEM : JJ_ENOTFOUND;
    if (errs && max_errs) {
      (void)jj__fail(errs, st, "cannot read %s: %s", path ? path : "(null)", why);
      (void)snprintf(errs->file, sizeof errs->file, "%s", path ? path : "");
    }
    if (nerrs) *nerrs = 1;
    return st;
  }
  jj_status st = jj_dispatcher_load_string(d, text, len, path, errs, max_errs, nerrs);
  jj__free(&libc, text);
  return st;
}
