/* The server configuration file (see config.h): the library's located YAML
 * tree (lib/yaml_tree.h, linked from the static library) walked against a
 * table per section, so each problem is reported where it is. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jjair/duration.h"
#include "reading.h"
#include "yaml_tree.h"

#define MAX_CONFIG_BYTES (1u << 20)
#define MAX_ERRORS 100

typedef enum ktype {
  K_STR,      /* non-empty string */
  K_INT,      /* integer within min..max */
  K_DUR,      /* duration ("10m"), within min..max ms */
  K_BOOL,     /* true / false */
  K_STRLIST,  /* list of non-empty strings */
  K_PATH,     /* string; relative to the configuration file */
  K_PATHLIST, /* list of paths */
  K_LISTEN,   /* "host:port" */
  K_TIMEMODE  /* wall-clock | data */
} ktype;

typedef struct key_spec {
  const char *name;
  ktype type;
  size_t off; /* in srv_config */
  size_t size; /* of the field, for K_INT */
  int64_t min, max;
  size_t count_off; /* K_STRLIST, K_PATHLIST: the count field */
} key_spec;

#define F(field) offsetof(srv_config, field), sizeof(((srv_config *)0)->field)

static const key_spec mqtt_keys[] = {
    {"host", K_STR, F(mqtt_host), 0, 0, 0},
    {"port", K_INT, F(mqtt_port), 1, 65535, 0},
    {"client_id", K_STR, F(mqtt_client_id), 0, 0, 0},
    {"topics", K_STRLIST, F(mqtt_topics), 0, 0, offsetof(srv_config, mqtt_ntopics)},
    {"qos", K_INT, F(mqtt_qos), 0, 2, 0},
    {"keepalive", K_DUR, F(mqtt_keepalive_s), 5000, 3600000, 0},
    {"clean_session", K_BOOL, F(mqtt_clean_session), 0, 1, 0},
    {NULL, K_STR, 0, 0, 0, 0, 0}};
static const key_spec http_keys[] = {
    {"listen", K_LISTEN, F(http_host), 0, 0, 0},
    {"max_body", K_INT, F(http_max_body), 1024, (int64_t)1 << 32, 0},
    {NULL, K_STR, 0, 0, 0, 0, 0}};
static const key_spec time_keys[] = {
    {"mode", K_TIMEMODE, F(time_mode), 0, 0, 0},
    {"lateness", K_DUR, F(lateness_ms), 0, (int64_t)7 * 86400000, 0},
    {"max_future", K_DUR, F(max_future_ms), 0, (int64_t)7 * 86400000, 0},
    {"tick", K_DUR, F(tick_ms), 10, 60000, 0},
    {NULL, K_STR, 0, 0, 0, 0, 0}};
static const key_spec limits_keys[] = {
    {"max_series", K_INT, F(max_series), 1, (int64_t)1 << 30, 0},
    {"max_labels", K_INT, F(max_labels), 1, SRV_MAX_LABELS, 0},
    {"queue", K_INT, F(queue), 1, (int64_t)1 << 26, 0},
    {"series_idle", K_DUR, F(series_idle_ms), 0, JJ_DURATION_MAX_MS, 0},
    {NULL, K_STR, 0, 0, 0, 0, 0}};
static const key_spec state_keys[] = {
    {"dir", K_PATH, F(state_dir), 0, 0, 0},
    {"checkpoint_interval", K_DUR, F(checkpoint_ms), 1000, (int64_t)86400000, 0},
    {NULL, K_STR, 0, 0, 0, 0, 0}};
static const key_spec delivery_keys[] = {
    {"file", K_PATH, F(delivery_file), 0, 0, 0},
    {"drain_timeout", K_DUR, F(drain_timeout_ms), 0, (int64_t)3600000, 0},
    {NULL, K_STR, 0, 0, 0, 0, 0}};
static const key_spec log_keys[] = {
    {"reject_interval", K_DUR, F(reject_log_interval_ms), 0, (int64_t)86400000, 0},
    {NULL, K_STR, 0, 0, 0, 0, 0}};

typedef struct section {
  const char *name;
  const key_spec *keys;
  size_t present_off; /* int set to 1 when the section is there; SIZE_MAX: none */
} section;

static const section sections[] = {
    {"mqtt", mqtt_keys, offsetof(srv_config, mqtt)},
    {"http", http_keys, offsetof(srv_config, http)},
    {"time", time_keys, SIZE_MAX},
    {"limits", limits_keys, SIZE_MAX},
    {"state", state_keys, SIZE_MAX},
    {"delivery", delivery_keys, SIZE_MAX},
    {"log", log_keys, SIZE_MAX},
};

static const char *const top_keys[] = {"version", "mqtt",  "http",     "rules",     "time", "limits",
                                       "state",   "delivery", "notifiers", "log", NULL};

/* A problem kept until the walk ends, to be reported in file order. */
typedef struct kept {
  const char *file;
  int line, col;
  size_t order;
  char message[512];
} kept;

typedef struct ctx {
  jj_ytree tree;
  srv_config_error_fn err;
  void *err_ctx;
  kept errs[MAX_ERRORS];
  size_t nerr;
  const char *dir; /* of the configuration file, "" for the current one */
  const char *text; /* the file's text and length (the notifiers section) */
  size_t len;
} ctx;

static void tree_error(void *c_, const char *file, int line, int col, const char *message) {
  ctx *c = c_;
  if (c->nerr >= MAX_ERRORS) return;
  kept *k = &c->errs[c->nerr];
  k->file = file;
  k->line = line;
  k->col = col;
  k->order = c->nerr++;
  (void)snprintf(k->message, sizeof k->message, "%s", message);
}

static int by_position(const void *a_, const void *b_) {
  const kept *a = a_, *b = b_;
  if (a->line != b->line) return a->line < b->line ? -1 : 1;
  if (a->col != b->col) return a->col < b->col ? -1 : 1;
  return a->order < b->order ? -1 : a->order > b->order;
}

/* Report the kept problems sorted by line and column. */
static void report(ctx *c) {
  qsort(c->errs, c->nerr, sizeof c->errs[0], by_position);
  for (size_t i = 0; i < c->nerr; i++)
    c->err(c->err_ctx, c->errs[i].file, c->errs[i].line, c->errs[i].col, c->errs[i].message);
}

static void problem(ctx *c, const jj_ynode *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(ctx *c, const jj_ynode *at, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  (void)vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  tree_error(c, at->file, at->line, at->col, msg);
}

/* Edit distance with adjacent transpositions (optimal string alignment),
 * for "did you mean": "mdoe" is one step from "mode". */
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 40 || lb > 40) return 99;
  size_t d[41][41];
  for (size_t i = 0; i <= la; i++) d[i][0] = i;
  for (size_t j = 0; j <= lb; j++) d[0][j] = j;
  for (size_t i = 1; i <= la; i++)
    for (size_t j = 1; j <= lb; j++) {
      size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
          d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  return d[la][lb];
}

static void unknown_key(ctx *c, const jj_yentry *e, const char *where, const char *const *names) {
  const char *best = NULL;
  size_t bestd = 99;
  for (size_t i = 0; names[i]; i++) {
    size_t d = edit_distance(e->key, names[i]);
    if (d < bestd) bestd = d, best = names[i];
  }
  if (best && bestd <= (strlen(e->key) < 5 ? 1u : 2u)) {
    problem(c, e->knode, "unknown key '%s' in %s (did you mean '%s'?)", e->key, where, best);
    return;
  }
  char list[256] = "";
  size_t off = 0;
  for (size_t i = 0; names[i] && off < sizeof list; i++) {
    int w = snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "", names[i]);
    if (w < 0) break;
    off += (size_t)w;
  }
  problem(c, e->knode, "unknown key '%s' in %s (known keys: %s)", e->key, where, list);
}

static char *dup_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* `p` taken from the configuration file's directory unless absolute. */
static char *resolve(const ctx *c, const char *p) {
  if (p[0] == '/' || !c->dir[0] || strcmp(p, "-") == 0) return dup_str(p);
  size_t n = strlen(c->dir) + strlen(p) + 2;
  char *d = malloc(n);
  if (d) (void)snprintf(d, n, "%s/%s", c->dir, p);
  return d;
}

static const char *scalar(ctx *c, const jj_ynode *v, const char *key) {
  if (v->kind != JJ_YSCALAR || jj__ynode_is_null(v)) {
    problem(c, v, "'%s' must be a value, not %s", key, jj__ynode_kind_name(v));
    return NULL;
  }
  if (strlen(v->str) != v->len) {
    problem(c, v, "'%s' holds a NUL byte", key);
    return NULL;
  }
  return v->str;
}

static int set_int(ctx *c, const key_spec *k, const jj_ynode *v, void *field) {
  const char *s = scalar(c, v, k->name);
  if (!s) return -1;
  char *end;
  errno = 0;
  long long n = strtoll(s, &end, 10);
  if (!v->plain || !s[0] || *end || errno) {
    problem(c, v, "'%s' must be a whole number, not '%.40s'", k->name, s);
    return -1;
  }
  if (n < k->min || n > k->max) {
    problem(c, v, "'%s' must be between %lld and %lld, not %lld", k->name, (long long)k->min,
            (long long)k->max, n);
    return -1;
  }
  /* int, uint32_t or size_t fields; the range check keeps n in each */
  if (k->size == sizeof(int32_t)) {
    int32_t n32 = (int32_t)n;
    memcpy(field, &n32, sizeof n32);
  } else {
    uint64_t n64 = (uint64_t)n;
    memcpy(field, &n64, sizeof n64);
  }
  return 0;
}

static int set_dur(ctx *c, const key_spec *k, const jj_ynode *v, void *field) {
  const char *s = scalar(c, v, k->name);
  if (!s) return -1;
  int64_t ms;
  jj_error e;
  memset(&e, 0, sizeof e);
  if (jj_duration_parse(s, strlen(s), &ms, &e) != JJ_OK) {
    problem(c, v, "'%s': %s", k->name, e.message);
    return -1;
  }
  if (ms < k->min || ms > k->max) {
    char lo[JJ_DURATION_FORMAT_MAX], hi[JJ_DURATION_FORMAT_MAX];
    (void)jj_duration_format(k->min, lo, sizeof lo);
    (void)jj_duration_format(k->max, hi, sizeof hi);
    problem(c, v, "'%s' must be between %s and %s, not %s", k->name, lo, hi, s);
    return -1;
  }
  if (k->size == sizeof(int))
    *(int *)field = (int)(ms / 1000); /* keepalive, in seconds */
  else
    *(int64_t *)field = ms;
  return 0;
}

static int set_list(ctx *c, const key_spec *k, jj_ynode *v, void *field, size_t *count) {
  if (v->kind != JJ_YSEQ || v->n == 0) {
    problem(c, v, "'%s' must be a non-empty list", k->name);
    return -1;
  }
  char **arr = calloc(v->n, sizeof *arr);
  if (!arr) return c->tree.oom = 1, -1;
  int rc = 0;
  size_t n = 0;
  for (size_t i = 0; i < v->n; i++) {
    const char *s = scalar(c, v->items[i], k->name);
    if (!s || !s[0]) {
      if (s) problem(c, v->items[i], "'%s': empty entry", k->name);
      rc = -1;
      continue;
    }
    arr[n] = k->type == K_PATHLIST ? resolve(c, s) : dup_str(s);
    if (!arr[n]) c->tree.oom = 1, rc = -1;
    else n++;
  }
  char ***f = field;
  for (size_t i = 0; i < *count; i++) free((*f)[i]);
  free(*f);
  *f = arr;
  *count = n;
  return rc;
}

static int set_key(ctx *c, srv_config *cfg, const key_spec *k, jj_ynode *v) {
  void *field = (char *)cfg + k->off;
  const char *s;
  switch (k->type) {
  case K_INT: return set_int(c, k, v, field);
  case K_DUR: return set_dur(c, k, v, field);
  case K_STRLIST:
  case K_PATHLIST: return set_list(c, k, v, field, (size_t *)((char *)cfg + k->count_off));
  case K_BOOL:
    if (!(s = scalar(c, v, k->name))) return -1;
    if (strcmp(s, "true") == 0)
      *(int *)field = 1;
    else if (strcmp(s, "false") == 0)
      *(int *)field = 0;
    else {
      problem(c, v, "'%s' must be true or false, not '%.40s'", k->name, s);
      return -1;
    }
    return 0;
  case K_TIMEMODE:
    if (!(s = scalar(c, v, k->name))) return -1;
    if (strcmp(s, "wall-clock") == 0)
      *(srv_time_mode *)field = SRV_TIME_WALL;
    else if (strcmp(s, "data") == 0)
      *(srv_time_mode *)field = SRV_TIME_DATA;
    else {
      problem(c, v, "'mode' must be wall-clock or data, not '%.40s'", s);
      return -1;
    }
    return 0;
  case K_LISTEN: {
    if (!(s = scalar(c, v, k->name))) return -1;
    const char *colon = strrchr(s, ':');
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || colon == s || !colon[1] || *end || port < 0 || port > 65535) {
      problem(c, v, "'listen' must be host:port (e.g. 127.0.0.1:8080; port 0 = any), not '%.60s'",
              s);
      return -1;
    }
    char *host = malloc((size_t)(colon - s) + 1);
    if (!host) return c->tree.oom = 1, -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    free(cfg->http_host);
    cfg->http_host = host;
    cfg->http_port = (int)port;
    return 0;
  }
  case K_STR:
  case K_PATH: {
    if (!(s = scalar(c, v, k->name))) return -1;
    if (!s[0]) {
      problem(c, v, "'%s' must not be empty", k->name);
      return -1;
    }
    char *d = k->type == K_PATH ? resolve(c, s) : dup_str(s);
    if (!d) return c->tree.oom = 1, -1;
    free(*(char **)field);
    *(char **)field = d;
    return 0;
  }
  }
  return -1;
}

static int walk_section(ctx *c, srv_config *cfg, const section *sec, jj_ynode *map) {
  if (map->kind != JJ_YMAP) {
    problem(c, map, "'%s' must be a mapping (key: value lines), not %s", sec->name,
            jj__ynode_kind_name(map));
    return -1;
  }
  int rc = jj__ytree_flatten(&c->tree, map);
  if (map->flat_done != 1) return -1;
  const char *names[16];
  size_t nn = 0;
  for (const key_spec *k = sec->keys; k->name && nn < 15; k++) names[nn++] = k->name;
  names[nn] = NULL;
  for (size_t i = 0; i < map->nflat; i++) {
    const jj_yentry *e = &map->flat[i];
    const key_spec *k = sec->keys;
    while (k->name && strcmp(k->name, e->key) != 0) k++;
    if (!k->name) {
      char where[64];
      (void)snprintf(where, sizeof where, "'%s'", sec->name);
      unknown_key(c, e, where, names);
      rc = -1;
      continue;
    }
    if (set_key(c, cfg, k, e->value) != 0) rc = -1;
  }
  if (sec->present_off != SIZE_MAX) *(int *)((char *)cfg + sec->present_off) = 1;
  return rc;
}

static void defaults(srv_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->mqtt_port = 1883;
  cfg->mqtt_qos = 1;
  cfg->mqtt_keepalive_s = 30;
  cfg->http_port = 8080;
  cfg->http_max_body = (size_t)16 << 20;
  cfg->time_mode = SRV_TIME_WALL;
  cfg->lateness_ms = -1; /* unset: depends on the time mode (resolved in walk) */
  cfg->max_future_ms = 300000;
  cfg->tick_ms = 1000;
  cfg->max_series = 100000;
  cfg->max_labels = 16;
  cfg->queue = 65536;
  cfg->checkpoint_ms = 300000;
  cfg->reject_log_interval_ms = 10000;
  cfg->drain_timeout_ms = 10000;
}

/* Fill the defaults that are strings (they need memory). */
static int string_defaults(srv_config *cfg) {
  if (!cfg->mqtt_client_id && !(cfg->mqtt_client_id = dup_str("jjair-server"))) return -1;
  if (!cfg->mqtt_ntopics) {
    cfg->mqtt_topics = calloc(1, sizeof *cfg->mqtt_topics);
    if (!cfg->mqtt_topics || !(cfg->mqtt_topics[0] = dup_str("jjair/v1/#"))) return -1;
    cfg->mqtt_ntopics = 1;
  }
  if (!cfg->http_host && !(cfg->http_host = dup_str("127.0.0.1"))) return -1;
  if (!cfg->delivery_file && !(cfg->delivery_file = dup_str("-"))) return -1;
  return 0;
}

/* `notifiers:` as a path (a notifier file) or a list here. The list is
 * kept as this file's text with the lines of every other top-level key
 * blanked: the library's loader then reads exactly the section, and its
 * file:line:column messages point into this file. That needs a block
 * mapping at the top (each key on lines of its own). */
static int notifiers(ctx *c, srv_config *cfg, const jj_ynode *root, const jj_yentry *e) {
  jj_ynode *v = e->value;
  if (jj__ynode_is_null(v) || (v->kind == JJ_YSEQ && v->n == 0)) return 0;
  if (v->kind == JJ_YSCALAR) {
    static const key_spec file_key = {"notifiers", K_PATH, offsetof(srv_config, notifier_file),
                                      sizeof(char *), 0, 0, 0};
    return set_key(c, cfg, &file_key, v);
  }
  if (v->kind != JJ_YSEQ) {
    problem(c, v, "'notifiers' must be a list of notifiers or the path of a notifier file, not %s",
            jj__ynode_kind_name(v));
    return -1;
  }
  if (e->knode->col != root->col) {
    problem(c, v,
            "an inline 'notifiers' list needs the configuration in block style (each "
            "top-level key on a line of its own); or give the path of a notifier file");
    return -1;
  }
  int first = e->knode->line, end = INT32_MAX; /* [first, end) are kept */
  for (size_t i = 0; i + 1 < root->n; i += 2) {
    int l = root->items[i]->line;
    if (l > first && l < end) end = l;
  }
  char *t = malloc(c->len + 1);
  if (!t) return c->tree.oom = 1, -1;
  int line = 1;
  for (size_t i = 0; i < c->len; i++) {
    char ch = c->text[i];
    t[i] = ch;
    if (ch != '\n' && (line < first || line >= end)) t[i] = ' ';
    if (ch == '\n') line++;
  }
  t[c->len] = '\0';
  free(cfg->notifier_yaml);
  cfg->notifier_yaml = t;
  cfg->notifier_yaml_len = c->len;
  return 0;
}

static int walk(ctx *c, srv_config *cfg, jj_ynode *root) {
  if (root->kind != JJ_YMAP) {
    problem(c, root, "a server configuration must be a mapping (key: value lines), not %s",
            jj__ynode_kind_name(root));
    return -1;
  }
  int rc = jj__ytree_flatten(&c->tree, root);
  if (root->flat_done != 1) return -1;
  for (size_t i = 0; i < root->nflat; i++) {
    const jj_yentry *e = &root->flat[i];
    jj_ynode *v = e->value;
    size_t s = 0;
    while (s < sizeof sections / sizeof sections[0] && strcmp(sections[s].name, e->key) != 0) s++;
    if (s < sizeof sections / sizeof sections[0]) {
      if (walk_section(c, cfg, &sections[s], v) != 0) rc = -1;
    } else if (strcmp(e->key, "version") == 0) {
      if (v->kind != JJ_YSCALAR || strcmp(v->str, "1") != 0)
        problem(c, v, "'version' must be 1 (the only configuration format so far)"), rc = -1;
    } else if (strcmp(e->key, "rules") == 0) {
      static const key_spec rules_key = {"rules", K_PATHLIST, offsetof(srv_config, rule_files),
                                         sizeof(char **), 0, 0,
                                         offsetof(srv_config, nrule_files)};
      if (set_key(c, cfg, &rules_key, v) != 0) rc = -1;
    } else if (strcmp(e->key, "notifiers") == 0) {
      if (notifiers(c, cfg, root, e) != 0) rc = -1;
    } else {
      unknown_key(c, e, "the server configuration", top_keys);
      rc = -1;
    }
  }
  if (!cfg->nrule_files) {
    const jj_yentry *r = jj__ynode_get(root, "rules");
    if (!r) problem(c, root, "missing 'rules' (the list of rule files to evaluate)"), rc = -1;
  }
  /* On wall-clock time a reading waits in the queue while the engine is
   * advanced with the clock: without some lateness it would be refused as
   * late. On data time nothing advances the engine. */
  if (cfg->lateness_ms < 0) cfg->lateness_ms = cfg->time_mode == SRV_TIME_WALL ? 10000 : 0;
  if (!cfg->mqtt && !cfg->http)
    problem(c, root, "nothing to read from: configure 'mqtt', 'http' or both"), rc = -1;
  if (cfg->mqtt && !cfg->mqtt_host) {
    const jj_yentry *m = jj__ynode_get(root, "mqtt");
    problem(c, m ? m->knode : root, "'mqtt' needs 'host' (the broker's address)");
    rc = -1;
  }
  return rc;
}

int srv_config_load(const char *path, srv_config *out, srv_config_error_fn err, void *err_ctx) {
  defaults(out);
  ctx *c = calloc(1, sizeof *c); /* the kept errors make it too big for the stack */
  char *dir = dup_str(path);     /* the file's directory, for relative paths */
  char *text = malloc(MAX_CONFIG_BYTES + 1);
  if (!c || !dir || !text) {
    err(err_ctx, path, 0, 0, "out of memory");
    free(c);
    free(dir);
    free(text);
    return -1;
  }
  c->err = err;
  c->err_ctx = err_ctx;
  char *slash = strrchr(dir, '/');
  if (slash == dir)
    dir[1] = '\0';
  else if (slash)
    *slash = '\0';
  else
    dir[0] = '\0';
  c->dir = dir;
  c->text = text;

  int rc = -1;
  FILE *f = fopen(path, "rb");
  size_t len = f ? fread(text, 1, MAX_CONFIG_BYTES + 1, f) : 0;
  if (!f) {
    char msg[300];
    (void)snprintf(msg, sizeof msg, "cannot read the configuration file: %s", strerror(errno));
    err(err_ctx, path, 0, 0, msg);
  } else if (fclose(f) != 0 || len > MAX_CONFIG_BYTES) {
    err(err_ctx, path, 0, 0, "cannot read the configuration file (above 1 MiB?)");
  } else {
    c->len = len;
    jj__ytree_init(&c->tree, NULL, tree_error, c);
    c->tree.doc = "a server configuration file";
    c->tree.block_hint = "quote it";
    jj_ynode *root = NULL;
    const char *file = jj__ytree_strdup(&c->tree, path);
    if (file && jj__ytree_parse(&c->tree, file, text, len, &root) == 0) {
      if (!root)
        tree_error(c, file, 1, 1, "the configuration file is empty");
      else
        rc = walk(c, out, root);
    }
    if (c->tree.oom || string_defaults(out) != 0 || !(out->config_path = dup_str(path))) {
      tree_error(c, path, 0, 0, "out of memory");
      rc = -1;
    }
    if (c->nerr) rc = -1;
    report(c);
    jj__ytree_free(&c->tree);
  }
  free(text);
  free(dir);
  free(c);
  if (rc != 0) srv_config_free(out);
  return rc;
}

void srv_config_free(srv_config *c) {
  free(c->mqtt_host);
  free(c->mqtt_client_id);
  for (size_t i = 0; i < c->mqtt_ntopics; i++) free(c->mqtt_topics[i]);
  free(c->mqtt_topics);
  free(c->http_host);
  for (size_t i = 0; i < c->nrule_files; i++) free(c->rule_files[i]);
  free(c->rule_files);
  free(c->state_dir);
  free(c->delivery_file);
  free(c->notifier_file);
  free(c->notifier_yaml);
  free(c->config_path);
  memset(c, 0, sizeof *c);
}
