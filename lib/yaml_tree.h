/* Internal: a located YAML node tree. libyaml's events become nodes that
 * keep their file:line:column; aliases point at the anchored node (never a
 * copy), merge keys ('<<') are resolved on demand. It knows nothing about
 * rules: rule_yaml.c walks it. yaml_tree.c is the only file that includes
 * <yaml.h>. */
#ifndef JJ_LIB_YAML_TREE_H
#define JJ_LIB_YAML_TREE_H

#include <stddef.h>

#include "jjair/alloc.h"

/* Bounds that keep any input cheap (see rules/README.md, "Limits"). */
#define JJ_YAML_MAX_DEPTH 32       /* nesting of collections, and of merge keys */
#define JJ_YAML_MAX_NODES 500000u  /* nodes in one tree, over all its files */
#define JJ_YAML_MAX_WORK 2000000u  /* map entries visited (aliases re-visit) */

typedef enum jj_ykind { JJ_YSCALAR, JJ_YSEQ, JJ_YMAP } jj_ykind;

typedef struct jj_ynode jj_ynode;

/* One key: value of a mapping. */
typedef struct jj_yentry {
  const char *key;  /* the key's text */
  jj_ynode *knode;  /* the key itself (its position) */
  jj_ynode *value;
} jj_yentry;

struct jj_ynode {
  jj_ykind kind;
  int line, col;    /* 1-based */
  const char *file; /* as given to jj__ytree_parse */
  int plain;        /* scalar written without quotes (may be a number or null) */
  char *str;        /* scalar text, NUL-terminated; len < strlen when it holds a NUL */
  size_t len;
  jj_ynode **items; /* SEQ: the items; MAP: key, value, key, value ... as written */
  size_t n, cap;
  /* MAP after jj__ytree_flatten: unique keys, merged entries included */
  jj_yentry *flat;
  size_t nflat, flat_cap;
  int flat_done; /* 0 not yet, 1 done (bad entries left out), -1 unusable */
  jj_ynode *next_alloc;
};

/* Where problems go: one call per problem, the message complete. */
typedef void (*jj_ytree_error_fn)(void *ctx, const char *file, int line, int col,
                                  const char *message);

/* The nodes of one or more files, and the memory behind them. Every
 * allocation goes through `alc` (libyaml's own parser buffers excepted:
 * libyaml has no allocator hook). Set `doc` and `block_hint` after init to
 * word messages for the caller's kind of file. */
typedef struct jj_ytree {
  jj_allocator alc;
  jj_ytree_error_fn error;
  void *error_ctx;
  const char *doc;        /* one file, for messages: "a rule file" */
  const char *block_hint; /* after "'>' or '|' is a YAML text block: ", e.g. "quote it" */
  int oom;                /* an allocation failed: the tree is incomplete */
  int over_budget;        /* JJ_YAML_MAX_WORK was passed */
  /* private to yaml_tree.c */
  jj_ynode *nodes;
  size_t nnodes;
  void **blocks;
  size_t nblocks, blocks_cap;
  size_t work;
} jj_ytree;

/* An empty tree allocating through `alc` (NULL = libc). */
void jj__ytree_init(jj_ytree *t, const jj_allocator *alc, jj_ytree_error_fn error, void *ctx);
/* Free every node, string and block of the tree. */
void jj__ytree_free(jj_ytree *t);

/* Parse one YAML document of `len` bytes; its nodes name `file` (which
 * must outlive the tree: copy it with jj__ytree_strdup). *root is NULL for
 * an empty document. 0 on success; -1 after reporting a syntax error, a
 * second document, nesting beyond JJ_YAML_MAX_DEPTH, an unknown alias or
 * too many nodes, or with t->oom set. */
int jj__ytree_parse(jj_ytree *t, const char *file, const char *text, size_t len, jj_ynode **root);

/* Resolve a mapping's keys once: keys must be unique non-null scalars,
 * '<<' merges a mapping or a list of mappings (its keys are added unless
 * the mapping has them; earlier mappings in the list win). Problems are
 * reported and their entries left out. 0 when every entry was good; -1
 * otherwise (the mapping is still usable when flat_done is 1). */
int jj__ytree_flatten(jj_ytree *t, jj_ynode *map);

/* The entry `key` of a flattened mapping, or NULL. */
const jj_yentry *jj__ynode_get(const jj_ynode *map, const char *key);
/* 1 for a plain empty, ~ or null scalar. */
int jj__ynode_is_null(const jj_ynode *n);
/* "a list", "a mapping", "nothing (null)" or "a scalar", for messages. */
const char *jj__ynode_kind_name(const jj_ynode *n);

/* A new, flattened, empty mapping located at `at`; entries are added with
 * jj__ytree_map_add (a merge of mappings built by the caller). NULL with
 * t->oom. */
jj_ynode *jj__ytree_map_like(jj_ytree *t, const jj_ynode *at);
int jj__ytree_map_add(jj_ytree *t, jj_ynode *map, const jj_yentry *e);

/* Count `units` of work against JJ_YAML_MAX_WORK: -1 (and over_budget)
 * once it is passed. Walks that can repeat through aliases call it. */
int jj__ytree_work(jj_ytree *t, size_t units);

/* Zeroed memory, or a copy of `s` (NULL for NULL), freed with the tree;
 * NULL with t->oom when allocation fails. */
void *jj__ytree_alloc(jj_ytree *t, size_t size);
char *jj__ytree_strdup(jj_ytree *t, const char *s);

#endif
