/* The located YAML node tree (see yaml_tree.h): libyaml's event stream to
 * nodes with positions, anchors and aliases, merge keys, and the bounds
 * that keep hostile input cheap. The only file that includes <yaml.h>. */
#include "yaml_tree.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "alloc.h"
#include "jjair/error.h"

/* ---- memory ------------------------------------------------------------- */

void jj__ytree_init(jj_ytree *t, const jj_allocator *alc, jj_ytree_error_fn error, void *ctx) {
  memset(t, 0, sizeof *t);
  jj__alloc_resolve(&t->alc, alc);
  t->error = error;
  t->error_ctx = ctx;
  t->doc = "a file";
  t->block_hint = "quote it";
}

void jj__ytree_free(jj_ytree *t) {
  while (t->nodes) {
    jj_ynode *n = t->nodes;
    t->nodes = n->next_alloc;
    jj__free(&t->alc, n->str);
    jj__free(&t->alc, n->items);
    jj__free(&t->alc, n->flat);
    jj__free(&t->alc, n);
  }
  for (size_t i = 0; i < t->nblocks; i++) jj__free(&t->alc, t->blocks[i]);
  jj__free(&t->alc, t->blocks);
  t->blocks = NULL;
  t->nblocks = t->blocks_cap = t->nnodes = 0;
}

/* Make room for element `len` of the array at *arrp (`*cap` elements of
 * `size` bytes): doubles the capacity (to `first` when empty). -1 and
 * t->oom when that fails, leaving the array as it was. */
static int grow(jj_ytree *t, void *arrp, size_t *cap, size_t len, size_t size, size_t first) {
  if (len < *cap) return 0;
  void **arr = arrp;
  size_t ncap = *cap ? *cap * 2 : first;
  void *n = jj__realloc(&t->alc, *arr, *cap * size, ncap * size);
  if (!n) {
    t->oom = 1;
    return -1;
  }
  *arr = n;
  *cap = ncap;
  return 0;
}

void *jj__ytree_alloc(jj_ytree *t, size_t size) {
  if (grow(t, &t->blocks, &t->blocks_cap, t->nblocks, sizeof *t->blocks, 64)) return NULL;
  void *p = jj__calloc(&t->alc, size ? size : 1);
  if (!p) {
    t->oom = 1;
    return NULL;
  }
  t->blocks[t->nblocks++] = p;
  return p;
}

char *jj__ytree_strdup(jj_ytree *t, const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *d = jj__ytree_alloc(t, n);
  if (d) memcpy(d, s, n);
  return d;
}

int jj__ytree_work(jj_ytree *t, size_t units) {
  t->work += units;
  if (t->work > JJ_YAML_MAX_WORK) {
    t->over_budget = 1;
    return -1;
  }
  return 0;
}

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static void report(jj_ytree *t, const char *file, int line, int col, const char *fmt, ...) {
  char msg[JJ_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  (void)vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (t->error) t->error(t->error_ctx, file, line, col, msg);
}

#define ERR(t, node, ...) report((t), (node)->file, (node)->line, (node)->col, __VA_ARGS__)

/* ---- scalars ------------------------------------------------------------ */

int jj__ynode_is_null(const jj_ynode *n) {
  return n->kind == JJ_YSCALAR && n->plain &&
         (n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
          strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0);
}

const char *jj__ynode_kind_name(const jj_ynode *n) {
  if (n->kind == JJ_YSEQ) return "a list";
  if (n->kind == JJ_YMAP) return "a mapping";
  return jj__ynode_is_null(n) ? "nothing (null)" : "a scalar";
}

/* ---- parsing: libyaml events to nodes ----------------------------------- */

/* libyaml's 0-based line or column as the 1-based int of jj_error. */
static int one_based(size_t i) { return i < (size_t)INT_MAX ? (int)i + 1 : INT_MAX; }

static jj_ynode *new_node(jj_ytree *t, const char *file, jj_ykind kind, int line, int col) {
  if (t->nnodes >= JJ_YAML_MAX_NODES) return NULL;
  jj_ynode *n = jj__calloc(&t->alc, sizeof *n);
  if (!n) {
    t->oom = 1;
    return NULL;
  }
  n->kind = kind;
  n->line = line;
  n->col = col;
  n->file = file;
  n->next_alloc = t->nodes;
  t->nodes = n;
  t->nnodes++;
  return n;
}

typedef struct anchor {
  char *name;
  jj_ynode *node;
} anchor;

typedef struct parse_state {
  jj_ynode *stack[JJ_YAML_MAX_DEPTH + 1];
  char *stack_anchor[JJ_YAML_MAX_DEPTH + 1];
  int depth;
  anchor *anchors;
  size_t nanchors, anchors_cap;
} parse_state;

static int add_anchor(jj_ytree *t, parse_state *ps, char *name, jj_ynode *node) {
  /* A later anchor of the same name wins (YAML). */
  if (grow(t, &ps->anchors, &ps->anchors_cap, ps->nanchors, sizeof *ps->anchors, 8)) return -1;
  ps->anchors[ps->nanchors].name = name;
  ps->anchors[ps->nanchors].node = node;
  ps->nanchors++;
  return 0;
}

static jj_ynode *find_anchor(const parse_state *ps, const char *name) {
  for (size_t i = ps->nanchors; i-- > 0;)
    if (strcmp(ps->anchors[i].name, name) == 0) return ps->anchors[i].node;
  return NULL;
}

/* Attach a finished node to the open collection, or make it the root. */
static int attach(jj_ytree *t, parse_state *ps, jj_ynode *n, jj_ynode **root) {
  if (ps->depth == 0) {
    *root = n;
    return 0;
  }
  jj_ynode *parent = ps->stack[ps->depth - 1];
  if (grow(t, &parent->items, &parent->cap, parent->n, sizeof *parent->items, 8)) return -1;
  parent->items[parent->n++] = n;
  return 0;
}

/* Line and column (1-based, columns in characters as libyaml counts them)
 * of byte `offset` of text: CRLF, CR and LF each end a line. */
static void position_of(const char *text, size_t len, size_t offset, int *line, int *col) {
  size_t l = 1, c = 1;
  if (offset > len) offset = len;
  for (size_t i = 0; i < offset; i++) {
    unsigned char b = (unsigned char)text[i];
    if (b == '\n' || (b == '\r' && (i + 1 >= len || text[i + 1] != '\n'))) {
      l++;
      c = 1;
    } else if (b != '\r' && (b & 0xC0) != 0x80) {
      c++; /* a UTF-8 continuation byte is part of the character before */
    }
  }
  *line = l > INT_MAX ? INT_MAX : (int)l;
  *col = c > INT_MAX ? INT_MAX : (int)c;
}

/* libyaml's reader (bad UTF-8, a control character) has no mark, only the
 * byte offset of the problem: locate it in the text, and say what it is. */
static void encoding_error(jj_ytree *t, const char *file, const yaml_parser_t *p, const char *text,
                           size_t len) {
  int line, col;
  position_of(text, len, p->problem_offset, &line, &col);
  const char *problem = p->problem ? p->problem : "?";
  if (strstr(problem, "control"))
    report(t, file, line, col,
           "control character #x%02X is not allowed in YAML (only tab, line breaks and printable "
           "text)", (unsigned)p->problem_value & 0xFFFFFFu);
  else if (p->problem_value >= 0)
    report(t, file, line, col, "not valid UTF-8: %s #x%02X (save the file as UTF-8)", problem,
           (unsigned)p->problem_value & 0xFFu);
  else
    report(t, file, line, col, "not valid UTF-8: %s (save the file as UTF-8)", problem);
}

static void syntax_error(jj_ytree *t, const char *file, const yaml_parser_t *p) {
  int line = one_based(p->problem_mark.line), col = one_based(p->problem_mark.column);
  const char *problem = p->problem ? p->problem : "?";
  if (p->context && strstr(p->context, "block scalar"))
    report(t, file, line, col,
           "YAML syntax error: %s %s; a value starting with '>' or '|' is a YAML text block: %s",
           problem, p->context, t->block_hint);
  else if (p->context)
    report(t, file, line, col, "YAML syntax error: %s %s (check indentation and quoting)", problem,
           p->context);
  else
    report(t, file, line, col, "YAML syntax error: %s (check indentation and quoting)", problem);
}

/* A scalar event as a node (its text copied), or NULL. */
static jj_ynode *scalar_node(jj_ytree *t, const char *file, const yaml_event_t *ev) {
  jj_ynode *n = new_node(t, file, JJ_YSCALAR, one_based(ev->start_mark.line),
                         one_based(ev->start_mark.column));
  if (!n) return NULL;
  n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
  n->len = ev->data.scalar.length;
  n->str = jj__malloc(&t->alc, n->len + 1);
  if (!n->str) {
    t->oom = 1;
    return NULL;
  }
  if (n->len) memcpy(n->str, ev->data.scalar.value, n->len);
  n->str[n->len] = '\0';
  return n;
}

int jj__ytree_parse(jj_ytree *t, const char *file, const char *text, size_t len, jj_ynode **root) {
  yaml_parser_t p;
  parse_state ps;
  memset(&ps, 0, sizeof ps);
  *root = NULL;
  if (!yaml_parser_initialize(&p)) {
    t->oom = 1;
    return -1;
  }
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  int rc = 0, done = 0, docs = 0;
  while (!done) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&p, &ev)) {
      if (p.error == YAML_MEMORY_ERROR) t->oom = 1;
      else if (p.error == YAML_READER_ERROR) encoding_error(t, file, &p, text, len);
      else syntax_error(t, file, &p);
      rc = -1;
      break;
    }
    int line = one_based(ev.start_mark.line), col = one_based(ev.start_mark.column);
    jj_ynode *made = NULL; /* a finished node to attach */
    jj_ynode *n = NULL;    /* the node an opening event made */
    const char *alias;
    switch (ev.type) {
      case YAML_STREAM_END_EVENT: done = 1; break;
      case YAML_DOCUMENT_START_EVENT:
        if (++docs > 1) {
          report(t, file, line, col, "%s holds one YAML document; remove the second '---'", t->doc);
          rc = -1;
          done = 1;
        }
        break;
      case YAML_SCALAR_EVENT:
        n = scalar_node(t, file, &ev);
        if (n && ev.data.scalar.anchor) {
          char *name = jj__ytree_strdup(t, (const char *)ev.data.scalar.anchor);
          if (!name || add_anchor(t, &ps, name, n)) n = NULL;
        }
        made = n;
        break;
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT:
        if (ps.depth >= JJ_YAML_MAX_DEPTH) {
          report(t, file, line, col, "nesting deeper than %d levels; %s needs far fewer",
                 JJ_YAML_MAX_DEPTH, t->doc);
          rc = -1;
          done = 1;
          break;
        }
        n = new_node(t, file, ev.type == YAML_SEQUENCE_START_EVENT ? JJ_YSEQ : JJ_YMAP, line, col);
        if (!n) break;
        /* Anchors become usable once their node is complete (below), so an
         * alias can never form a cycle. */
        ps.stack_anchor[ps.depth] =
            jj__ytree_strdup(t, (const char *)(ev.type == YAML_SEQUENCE_START_EVENT
                                                   ? ev.data.sequence_start.anchor
                                                   : ev.data.mapping_start.anchor));
        ps.stack[ps.depth++] = n;
        break;
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        if (ps.depth > 0) {
          ps.depth--;
          made = ps.stack[ps.depth];
          if (ps.stack_anchor[ps.depth] && add_anchor(t, &ps, ps.stack_anchor[ps.depth], made))
            made = NULL;
        }
        break;
      case YAML_ALIAS_EVENT:
        alias = (const char *)ev.data.alias.anchor;
        made = find_anchor(&ps, alias);
        if (!made) {
          report(t, file, line, col, "alias '*%s' names no complete anchor before it; define '&%s' first",
                 alias, alias);
          rc = -1;
          done = 1;
        }
        break;
      case YAML_NO_EVENT:
      case YAML_STREAM_START_EVENT:
      case YAML_DOCUMENT_END_EVENT: break;
    }
    int needed = ev.type == YAML_SCALAR_EVENT || ev.type == YAML_SEQUENCE_START_EVENT ||
                 ev.type == YAML_MAPPING_START_EVENT;
    yaml_event_delete(&ev);
    if (done) break;
    if (t->oom) {
      rc = -1;
      break;
    }
    if (needed && !n) {
      report(t, file, 1, 1, "the files have more than %u YAML nodes in all", JJ_YAML_MAX_NODES);
      rc = -1;
      break;
    }
    if (made && attach(t, &ps, made, root)) {
      rc = -1;
      break;
    }
  }
  yaml_parser_delete(&p);
  jj__free(&t->alc, ps.anchors);
  if (t->oom) rc = -1;
  return rc;
}

/* ---- mappings ----------------------------------------------------------- */

int jj__ytree_map_add(jj_ytree *t, jj_ynode *map, const jj_yentry *e) {
  if (grow(t, &map->flat, &map->flat_cap, map->nflat, sizeof *map->flat, 8)) return -1;
  map->flat[map->nflat++] = *e;
  return 0;
}

const jj_yentry *jj__ynode_get(const jj_ynode *map, const char *key) {
  for (size_t j = 0; j < map->nflat; j++)
    if (strcmp(map->flat[j].key, key) == 0) return &map->flat[j];
  return NULL;
}

jj_ynode *jj__ytree_map_like(jj_ytree *t, const jj_ynode *at) {
  /* Not counted against JJ_YAML_MAX_NODES: merges are bounded by the work
   * budget instead. */
  jj_ynode *m = jj__calloc(&t->alc, sizeof *m);
  if (!m) {
    t->oom = 1;
    return NULL;
  }
  m->kind = JJ_YMAP;
  m->line = at->line;
  m->col = at->col;
  m->file = at->file;
  m->flat_done = 1;
  m->next_alloc = t->nodes;
  t->nodes = m;
  return m;
}

static int flatten(jj_ytree *t, jj_ynode *m, int depth);

static int merge_in(jj_ytree *t, jj_ynode *m, jj_ynode *src, int depth) {
  if (src->kind != JJ_YMAP) {
    ERR(t, src, "the merge key '<<' takes a mapping or a list of mappings, not %s",
        jj__ynode_kind_name(src));
    return -1;
  }
  if (flatten(t, src, depth + 1)) return -1;
  if (jj__ytree_work(t, src->nflat * (m->nflat + 1))) return -1;
  for (size_t i = 0; i < src->nflat; i++)
    if (!jj__ynode_get(m, src->flat[i].key) && jj__ytree_map_add(t, m, &src->flat[i])) return -1;
  return 0;
}

static int flatten(jj_ytree *t, jj_ynode *m, int depth) {
  if (m->flat_done) return m->flat_done > 0 ? 0 : -1;
  m->flat_done = -1;
  if (depth > JJ_YAML_MAX_DEPTH) {
    ERR(t, m, "merge keys ('<<') nest deeper than %d levels", JJ_YAML_MAX_DEPTH);
    return -1;
  }
  int rc = 0;
  jj_ynode *merge = NULL;
  for (size_t i = 0; i + 1 < m->n; i += 2) {
    jj_ynode *k = m->items[i], *v = m->items[i + 1];
    if (jj__ytree_work(t, m->nflat + 1)) return -1;
    if (k->kind != JJ_YSCALAR || jj__ynode_is_null(k)) {
      ERR(t, k, "a key must be a word, not %s", jj__ynode_kind_name(k));
      rc = -1;
      continue;
    }
    if (k->plain && strcmp(k->str, "<<") == 0) {
      if (merge) {
        ERR(t, k, "only one merge key '<<' per mapping; give it a list: <<: [*a, *b]");
        rc = -1;
      }
      merge = v;
      continue;
    }
    const jj_yentry *prev = jj__ynode_get(m, k->str);
    if (prev) {
      ERR(t, k, "key '%s' appears twice in this mapping (first at line %d)", k->str,
          prev->knode->line);
      rc = -1;
      continue;
    }
    jj_yentry e = {k->str, k, v};
    if (jj__ytree_map_add(t, m, &e)) return -1;
  }
  if (merge && merge->kind == JJ_YSEQ) {
    for (size_t i = 0; i < merge->n; i++)
      if (merge_in(t, m, merge->items[i], depth)) rc = -1;
  } else if (merge) {
    if (merge_in(t, m, merge, depth)) rc = -1;
  }
  if (t->oom || t->over_budget) return -1;
  m->flat_done = 1; /* usable even with bad entries: they were left out */
  return rc;
}

int jj__ytree_flatten(jj_ytree *t, jj_ynode *map) { return flatten(t, map, 0); }
