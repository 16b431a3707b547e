/* jjair test — rule unit tests in the spirit of `promtool test rules`:
 * input series in the expanding notation of series.h, fed step by step
 * into an engine, and the exact list of events expected, compared in
 * order. The format is documented in rules/README.md ("Rule unit tests"). */
#include <iconv.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cli.h"
#include "series.h"

static const char help[] =
    "usage: jjair test [-v] FILE...\n"
    "\n"
    "Runs rule unit-test files (format: rules/README.md, \"Rule unit tests\").\n"
    "Prints PASS or FAIL per test, a readable diff of the events for each\n"
    "failure, and a final \"N passed, N failed\" line. -v also prints every\n"
    "event and the encoded length of annotations under byte_limits.\n"
    "An unknown key anywhere in a test file is an error (the file fails).\n"
    "Work is bounded: a test may expand at most 1000000 input values and run\n"
    "at most 1000000 steps (eval_until / interval) and 50000000 series-steps;\n"
    "a file at most 200000000 series-steps over all its tests (aliases count\n"
    "each time they are used).\n"
    "Exit status: 0 when every test passes, 1 otherwise, 2 bad usage.\n";

/* Bounds on the work of one test and of one file (see the help text): a
 * typo such as `interval: 1ms` with `eval_until: 100000d`, or a list of
 * aliases to a large input, must fail with a message, not run for hours or
 * take gigabytes. */
#define MAX_TEST_VALUES 1000000u
#define MAX_TEST_STEPS 1000000u
#define MAX_TEST_WORK 50000000u
#define MAX_FILE_WORK 200000000u

/* ---- small owned strings and label lists ----------------------------------- */

typedef struct kv {
  char *name;
  char *value;
} kv;

typedef struct kvlist {
  kv *v;
  size_t n;
} kvlist;

static char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (!p) {
    (void)fputs("jjair: out of memory\n", stderr);
    exit(2);
  }
  memcpy(p, s, n);
  return p;
}

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) {
    (void)fputs("jjair: out of memory\n", stderr);
    exit(2);
  }
  return q;
}

static void kv_add(kvlist *l, const char *name, const char *value) {
  l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
  l->v[l->n].name = xstrdup(name);
  l->v[l->n].value = xstrdup(value);
  l->n++;
}

static void kv_free(kvlist *l) {
  for (size_t i = 0; i < l->n; i++) {
    free(l->v[i].name);
    free(l->v[i].value);
  }
  free(l->v);
  l->v = NULL;
  l->n = 0;
}

static const char *kv_get(const kvlist *l, const char *name) {
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->v[i].name, name) == 0) return l->v[i].value;
  return NULL;
}

static int kv_cmp(const void *a, const void *b) {
  return strcmp(((const kv *)a)->name, ((const kv *)b)->name);
}

/* ---- events ---------------------------------------------------------------- */

/* An expected event: only the fields given are compared. */
typedef struct xevent {
  int line;
  int64_t at;
  int has_at, has_value, has_labels;
  char *rule, *kind, *level, *severity, *reason;
  double value;
  kvlist labels;      /* exact set when has_labels */
  kvlist annotations; /* each given one must render exactly */
} xevent;

/* An event the engine produced, copied. */
typedef struct gevent {
  int64_t at;
  char *rule, *kind, *level, *severity, *reason;
  double value;
  kvlist labels;      /* sorted by name */
  kvlist annotations; /* rendered */
} gevent;

static void xevent_free(xevent *x) {
  free(x->rule);
  free(x->kind);
  free(x->level);
  free(x->severity);
  free(x->reason);
  kv_free(&x->labels);
  kv_free(&x->annotations);
}

static void gevent_free(gevent *g) {
  free(g->rule);
  free(g->kind);
  free(g->level);
  free(g->severity);
  free(g->reason);
  kv_free(&g->labels);
  kv_free(&g->annotations);
}

typedef struct byte_limit {
  char *annotation;
  char *encoding;
  iconv_t cd; /* UTF-8 -> encoding, opened once when the file is read */
  long max;
  long longest; /* longest encoded length seen */
  char *longest_text;
} byte_limit;

typedef struct run {
  int64_t start;
  gevent *got;
  size_t ngot;
  int verbose;
  byte_limit *limits;
  size_t nlimits;
  int limit_failed;
  char limit_msg[1024];
} run;

/* Encoded length of UTF-8 text through cd (UTF-8 -> the limit's encoding);
 * -1 if a character has no encoding there (an SMS gateway would refuse the
 * message). */
static long encoded_len(iconv_t cd, const char *text) {
  (void)iconv(cd, NULL, NULL, NULL, NULL); /* back to the initial state */
  char *copy = xstrdup(text);              /* iconv's input is not const */
  char *in = copy;
  size_t inleft = strlen(text);
  long total = 0;
  char buf[256];
  while (inleft > 0) {
    char *out = buf;
    size_t outleft = sizeof buf;
    size_t r = iconv(cd, &in, &inleft, &out, &outleft);
    total += (long)(sizeof buf - outleft);
    if (r == (size_t)-1 && outleft == sizeof buf) {
      free(copy);
      return -1;
    }
  }
  char *out = buf;
  size_t outleft = sizeof buf;
  iconv(cd, NULL, NULL, &out, &outleft);
  total += (long)(sizeof buf - outleft);
  free(copy);
  return total;
}

static void on_event(void *ctx, const jj_event *ev) {
  run *r = ctx;
  r->got = xrealloc(r->got, (r->ngot + 1) * sizeof *r->got);
  gevent *g = &r->got[r->ngot++];
  memset(g, 0, sizeof *g);
  g->at = ev->time_ms - r->start;
  g->rule = xstrdup(ev->rule ? ev->rule : "");
  g->kind = xstrdup(jj_event_kind_name(ev->kind) ? jj_event_kind_name(ev->kind) : "?");
  g->level = xstrdup(ev->level_name ? ev->level_name : "");
  g->severity = xstrdup(ev->severity ? ev->severity : "");
  const char *reason = jj_event_reason_name(ev->reason);
  g->reason = xstrdup(reason ? reason : "");
  g->value = ev->value;
  for (uint32_t i = 0; i < ev->nlabels; i++) kv_add(&g->labels, ev->labels[i].name, ev->labels[i].value);
  if (g->labels.n > 1) qsort(g->labels.v, g->labels.n, sizeof *g->labels.v, kv_cmp);
  uint32_t na = jj_event_annotation_count(ev);
  for (uint32_t i = 0; i < na; i++) {
    char *text = cli_render(ev, i);
    const char *name = jj_event_annotation_name(ev, i);
    kv_add(&g->annotations, name ? name : "", text ? text : "");
    for (size_t k = 0; k < r->nlimits; k++) {
      byte_limit *bl = &r->limits[k];
      if (!name || strcmp(name, bl->annotation) != 0 || !text) continue;
      long len = encoded_len(bl->cd, text);
      if (r->verbose)
        printf("    %s: %ld bytes %s: %s\n", name, len, bl->encoding, text);
      if (len > bl->longest) {
        bl->longest = len;
        free(bl->longest_text);
        bl->longest_text = xstrdup(text);
      }
      if ((len < 0 || len > bl->max) && !r->limit_failed) {
        r->limit_failed = 1;
        if (len == -1)
          (void)snprintf(r->limit_msg, sizeof r->limit_msg,
                         "annotation %s of event %zu has characters outside %s: %s", name, r->ngot,
                         bl->encoding, text);
        else
          (void)snprintf(r->limit_msg, sizeof r->limit_msg,
                         "annotation %s of event %zu is %ld bytes in %s, over the limit of %ld: %s",
                         name, r->ngot, len, bl->encoding, bl->max, text);
      }
    }
    free(text);
  }
}

/* ---- YAML helpers ------------------------------------------------------- */

typedef struct tfile {
  const char *path;
  yaml_document_t doc;
  int errors;
  uint64_t work; /* series-steps of the tests run so far (MAX_FILE_WORK) */
} tfile;

static void ferr(tfile *t, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void ferr(tfile *t, const yaml_node_t *n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (n)
    (void)fprintf(stdout, "%s:%zu:%zu: ", t->path, n->start_mark.line + 1,
                  n->start_mark.column + 1);
  else
    (void)fprintf(stdout, "%s: ", t->path);
  (void)vfprintf(stdout, fmt, ap);
  (void)fputc('\n', stdout);
  va_end(ap);
  t->errors++;
}

static yaml_node_t *node(tfile *t, int id) { return yaml_document_get_node(&t->doc, id); }

static const char *scalar(tfile *t, yaml_node_t *n, const char *what) {
  if (!n || n->type != YAML_SCALAR_NODE) {
    ferr(t, n, "%s must be a plain value", what);
    return NULL;
  }
  return (const char *)n->data.scalar.value;
}

/* Check that every key of map n is among `allowed` (NULL-terminated). */
static int check_keys(tfile *t, yaml_node_t *n, const char *const *allowed, const char *what) {
  if (!n || n->type != YAML_MAPPING_NODE) {
    ferr(t, n, "%s must be a mapping", what);
    return -1;
  }
  int ok = 0;
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    yaml_node_t *k = node(t, p->key);
    const char *ks = k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : NULL;
    int found = 0;
    for (size_t i = 0; ks && allowed[i]; i++)
      if (strcmp(ks, allowed[i]) == 0) found = 1;
    if (!found) {
      ferr(t, k, "unknown key '%s' in %s", ks ? ks : "?", what);
      ok = -1;
    }
  }
  return ok;
}

static yaml_node_t *get(tfile *t, yaml_node_t *map, const char *key) {
  if (!map || map->type != YAML_MAPPING_NODE) return NULL;
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    yaml_node_t *k = node(t, p->key);
    if (k && k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, key) == 0)
      return node(t, p->value);
  }
  return NULL;
}

static int get_duration(tfile *t, yaml_node_t *map, const char *key, int64_t *out) {
  yaml_node_t *n = get(t, map, key);
  if (!n) return 0;
  const char *s = scalar(t, n, key);
  if (!s) return -1;
  jj_error why;
  if (jj_duration_parse(s, strlen(s), out, &why) != JJ_OK) {
    ferr(t, n, "%s: %s", key, why.message);
    return -1;
  }
  return 1;
}

static int get_kvmap(tfile *t, yaml_node_t *n, kvlist *out, const char *what) {
  if (n->type != YAML_MAPPING_NODE) {
    ferr(t, n, "%s must be a mapping", what);
    return -1;
  }
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    const char *k = scalar(t, node(t, p->key), what);
    const char *v = scalar(t, node(t, p->value), what);
    if (!k || !v) return -1;
    kv_add(out, k, v);
  }
  return 0;
}

/* ---- one test ------------------------------------------------------------ */

typedef struct input {
  jjs_series s;
  jjs_value *v;
  size_t n;
  jj_series_id id;
} input;

/* 1 when `s` is one of name_of(first), name_of(first + 1), ... (the
 * library's own names for event kinds and reasons). */
static int is_name(const char *(*name_of)(int), int first, const char *s) {
  for (int k = first; name_of(k); k++)
    if (strcmp(name_of(k), s) == 0) return 1;
  return 0;
}

static int parse_expected(tfile *t, yaml_node_t *n, xevent *x) {
  static const char *const keys[] = {"at",    "rule",   "kind",   "level",       "severity",
                                     "reason", "value", "labels", "annotations", NULL};
  memset(x, 0, sizeof *x);
  x->line = (int)n->start_mark.line + 1;
  if (check_keys(t, n, keys, "an expected event") != 0) return -1;
  int r = get_duration(t, n, "at", &x->at);
  if (r < 0) return -1;
  x->has_at = r;
  static const char *const skeys[] = {"rule", "kind", "level", "severity", "reason"};
  char **sval[] = {&x->rule, &x->kind, &x->level, &x->severity, &x->reason};
  for (size_t i = 0; i < 5; i++) {
    yaml_node_t *v = get(t, n, skeys[i]);
    if (!v) continue;
    const char *s = scalar(t, v, skeys[i]);
    if (!s) return -1;
    *sval[i] = xstrdup(s);
  }
  if (x->kind && !is_name(jj_event_kind_name, 1, x->kind)) {
    ferr(t, get(t, n, "kind"), "unknown event kind '%s' (fired, escalated, downgraded, resolved, repeat, nodata, nodata_resolved, flapping, flapping_end, quality, quality_resolved)", x->kind);
    return -1;
  }
  if (x->reason && !is_name(jj_event_reason_name, 1, x->reason)) {
    ferr(t, get(t, n, "reason"), "unknown event reason '%s' (stale, range, stuck)", x->reason);
    return -1;
  }
  yaml_node_t *v = get(t, n, "value");
  if (v) {
    const char *s = scalar(t, v, "value");
    if (!s) return -1;
    char *end;
    x->value = strtod(s, &end);
    if (end == s || *end) {
      ferr(t, v, "value: '%s' is not a number", s);
      return -1;
    }
    x->has_value = 1;
  }
  if ((v = get(t, n, "labels"))) {
    if (get_kvmap(t, v, &x->labels, "labels") != 0) return -1;
    x->has_labels = 1;
    if (x->labels.n > 1) qsort(x->labels.v, x->labels.n, sizeof *x->labels.v, kv_cmp);
  }
  if ((v = get(t, n, "annotations")) && get_kvmap(t, v, &x->annotations, "annotations") != 0)
    return -1;
  return 0;
}

static int value_eq(double a, double b) {
  if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
  return fabs(a - b) <= 1e-9 * fmax(1.0, fmax(fabs(a), fabs(b)));
}

static int labels_eq(const kvlist *a, const kvlist *b) {
  if (a->n != b->n) return 0;
  for (size_t i = 0; i < a->n; i++)
    if (strcmp(a->v[i].name, b->v[i].name) != 0 || strcmp(a->v[i].value, b->v[i].value) != 0)
      return 0;
  return 1;
}

static int matches(const xevent *x, const gevent *g) {
  if (x->has_at && x->at != g->at) return 0;
  if (x->rule && strcmp(x->rule, g->rule) != 0) return 0;
  if (x->kind && strcmp(x->kind, g->kind) != 0) return 0;
  if (x->level && strcmp(x->level, g->level) != 0) return 0;
  if (x->severity && strcmp(x->severity, g->severity) != 0) return 0;
  if (x->reason && strcmp(x->reason, g->reason) != 0) return 0;
  if (x->has_value && !value_eq(x->value, g->value)) return 0;
  if (x->has_labels && !labels_eq(&x->labels, &g->labels)) return 0;
  for (size_t i = 0; i < x->annotations.n; i++) {
    const char *got = kv_get(&g->annotations, x->annotations.v[i].name);
    if (!got || strcmp(got, x->annotations.v[i].value) != 0) return 0;
  }
  return 1;
}

static void print_labels(const kvlist *l) {
  (void)fputc('{', stdout);
  for (size_t i = 0; i < l->n; i++)
    printf("%s%s=\"%s\"", i ? "," : "", l->v[i].name, l->v[i].value);
  (void)fputc('}', stdout);
}

/* One event on one line; `x` (may be NULL) limits a got event's
 * annotations to those the expectation names. */
static void print_got(const char *mark, size_t i, const gevent *g, const xevent *x) {
  char at[JJ_DURATION_FORMAT_MAX];
  (void)jj_duration_format(g->at, at, sizeof at);
  printf("  %s%3zu  at=%s rule=%s kind=%s level=%s", mark, i + 1, at, g->rule, g->kind, g->level);
  if (x && x->severity) printf(" severity=%s", g->severity);
  if (g->reason[0]) printf(" reason=%s", g->reason);
  printf(" value=%.10g labels=", g->value);
  print_labels(&g->labels);
  (void)fputc('\n', stdout);
  for (size_t k = 0; x && k < g->annotations.n; k++) {
    if (!kv_get(&x->annotations, g->annotations.v[k].name)) continue;
    printf("  %s       %s: \"%s\"\n", mark, g->annotations.v[k].name, g->annotations.v[k].value);
  }
}

static void print_expected(const char *mark, size_t i, const xevent *x) {
  printf("  %s%3zu ", mark, i + 1);
  if (x->has_at) {
    char at[JJ_DURATION_FORMAT_MAX];
    (void)jj_duration_format(x->at, at, sizeof at);
    printf(" at=%s", at);
  }
  if (x->rule) printf(" rule=%s", x->rule);
  if (x->kind) printf(" kind=%s", x->kind);
  if (x->level) printf(" level=%s", x->level);
  if (x->severity) printf(" severity=%s", x->severity);
  if (x->reason) printf(" reason=%s", x->reason);
  if (x->has_value) printf(" value=%.10g", x->value);
  if (x->has_labels) {
    printf(" labels=");
    print_labels(&x->labels);
  }
  printf("   (line %d)\n", x->line);
  for (size_t k = 0; k < x->annotations.n; k++)
    printf("  %s       %s: \"%s\"\n", mark, x->annotations.v[k].name, x->annotations.v[k].value);
}

static void free_inputs(input *in, size_t n) {
  for (size_t i = 0; i < n; i++) {
    jjs_series_free(&in[i].s);
    free(in[i].v);
  }
  free(in);
}

/* Runs one test; returns 1 pass, 0 fail. */
static int run_test(tfile *t, yaml_node_t *tn, size_t index, jj_ruleset *rs, int64_t start,
                    int64_t interval, byte_limit *limits, size_t nlimits, int verbose) {
  static const char *const keys[] = {"name", "interval", "input_series", "eval_until",
                                     "expected_events", NULL};
  char name[256];
  (void)snprintf(name, sizeof name, "test %zu", index + 1); /* long names are cut */
  yaml_node_t *nn = get(t, tn, "name");
  if (nn && nn->type == YAML_SCALAR_NODE)
    (void)snprintf(name, sizeof name, "%s", (const char *)nn->data.scalar.value);
  int errors0 = t->errors;
  check_keys(t, tn, keys, "a test");
  if (get_duration(t, tn, "interval", &interval) < 0) return 0;
  if (interval <= 0) {
    ferr(t, get(t, tn, "interval"), "interval must be > 0");
    return 0;
  }
  int64_t eval_until = -1;
  if (get_duration(t, tn, "eval_until", &eval_until) < 0) return 0;

  input *in = NULL;
  size_t nin = 0, steps = 0, nvalues = 0;
  yaml_node_t *is = get(t, tn, "input_series");
  if (is && is->type != YAML_SEQUENCE_NODE) ferr(t, is, "input_series must be a list");
  for (yaml_node_item_t *it = is && is->type == YAML_SEQUENCE_NODE ? is->data.sequence.items.start : NULL;
       it && it < is->data.sequence.items.top; it++) {
    static const char *const ikeys[] = {"series", "values", NULL};
    yaml_node_t *sn = node(t, *it);
    if (check_keys(t, sn, ikeys, "an input series") != 0) continue;
    yaml_node_t *ser = get(t, sn, "series"), *val = get(t, sn, "values");
    if (!ser || !val) {
      ferr(t, sn, "an input series needs 'series' and 'values'");
      continue;
    }
    const char *ss = scalar(t, ser, "series"), *vs = scalar(t, val, "values");
    if (!ss || !vs) continue;
    in = xrealloc(in, (nin + 1) * sizeof *in);
    input *p = &in[nin];
    memset(p, 0, sizeof *p);
    char msg[256];
    if (jjs_parse_series(ss, &p->s, msg, sizeof msg) != 0) {
      ferr(t, ser, "series '%s': %s", ss, msg);
      continue;
    }
    if (jjs_parse_values(vs, &p->v, &p->n, msg, sizeof msg) != 0) {
      ferr(t, val, "values '%s': %s", vs, msg);
      jjs_series_free(&p->s);
      continue;
    }
    nin++;
    nvalues += p->n;
    if (nvalues > MAX_TEST_VALUES) {
      ferr(t, val, "the input series of this test expand to more than %u values", MAX_TEST_VALUES);
      break;
    }
    if (p->n > steps) steps = p->n;
  }

  xevent *xs = NULL;
  size_t nx = 0;
  yaml_node_t *ee = get(t, tn, "expected_events");
  if (ee && ee->type != YAML_SEQUENCE_NODE && !(ee->type == YAML_SCALAR_NODE && ee->data.scalar.length == 0))
    ferr(t, ee, "expected_events must be a list ([] for none)");
  for (yaml_node_item_t *it = ee && ee->type == YAML_SEQUENCE_NODE ? ee->data.sequence.items.start : NULL;
       it && it < ee->data.sequence.items.top; it++) {
    xs = xrealloc(xs, (nx + 1) * sizeof *xs);
    if (parse_expected(t, node(t, *it), &xs[nx]) != 0) {
      xevent_free(&xs[nx]);
      continue;
    }
    nx++;
  }
  if (!ee) ferr(t, tn, "test '%s' has no expected_events (write expected_events: [] for none)", name);

  /* The steps this test runs, bounded before anything runs. */
  size_t last = steps;
  if (eval_until >= 0 && (uint64_t)eval_until / (uint64_t)interval > last)
    last = (size_t)((uint64_t)eval_until / (uint64_t)interval);
  uint64_t work = ((uint64_t)last + 1) * (nin ? nin : 1);
  if (t->errors == errors0) {
    yaml_node_t *where = get(t, tn, "eval_until") ? get(t, tn, "eval_until") : tn;
    if (last > MAX_TEST_STEPS)
      ferr(t, where, "this test runs %zu steps (eval_until / interval), more than %u", last,
           MAX_TEST_STEPS);
    else if (work > MAX_TEST_WORK)
      ferr(t, where, "this test runs %zu steps of %zu series, more than %u series-steps", last + 1,
           nin, MAX_TEST_WORK);
    else if (last > 0 && (uint64_t)interval > (uint64_t)CLI_TS_LIMIT / 2 / last)
      ferr(t, where, "this test spans more than 2^61 ms (%zu steps of the interval)", last);
    else if (t->work + work > MAX_FILE_WORK)
      ferr(t, tn, "the tests of this file run more than %u series-steps in all", MAX_FILE_WORK);
    t->work += work;
  }

  int pass = 0;
  run r;
  memset(&r, 0, sizeof r);
  r.start = start;
  r.verbose = verbose;
  r.limits = limits;
  r.nlimits = nlimits;
  jj_engine *e = NULL;
  if (t->errors != errors0) goto done;

  jj_engine_config ec;
  jj_engine_config_init(&ec);
  ec.on_event = on_event;
  ec.on_event_ctx = &r;
  ec.event_queue = 16; /* the callback takes them all; polling is not used */
  if (jj_engine_new(rs, &ec, NULL, &e) != JJ_OK) {
    printf("%s: %s: could not create an engine\n", t->path, name);
    goto done;
  }
  if (verbose) printf("  %s\n", name);
  /* Start the clock before the series exist, as a live caller's clock
   * runs before its sensors appear: their no-data timers count from
   * `start`. */
  jj_engine_advance(e, start);
  for (size_t i = 0; i < nin; i++) {
    jj_label *ls = xrealloc(NULL, (in[i].s.nlabels + 1) * sizeof *ls);
    for (uint32_t k = 0; k < in[i].s.nlabels; k++) {
      ls[k].name = in[i].s.labels[k].name;
      ls[k].value = in[i].s.labels[k].value;
    }
    jj_status st = jj_engine_series(e, in[i].s.metric, ls, in[i].s.nlabels, &in[i].id);
    free(ls);
    if (st != JJ_OK) {
      printf("%s: %s: series %zu: %s\n", t->path, name, i + 1, jj_strerror(st));
      goto done;
    }
  }
  /* Step through time like a live caller: move the clock to step k (the
   * time-driven transitions of that moment happen first), then push the
   * samples of step k in series order. */
  for (size_t k = 0; k <= last; k++) {
    int64_t ts = start + (int64_t)k * interval;
    jj_engine_advance(e, ts);
    for (size_t i = 0; i < nin; i++) {
      if (k >= in[i].n || in[i].v[k].missing) continue;
      jj_status st = jj_engine_push(e, in[i].id, ts, in[i].v[k].value);
      if (verbose && st != JJ_OK)
        printf("    sample %zu of series %zu rejected: %s\n", k + 1, i + 1, jj_strerror(st));
    }
  }
  if (eval_until >= 0 && eval_until % interval) jj_engine_advance(e, start + eval_until);
  if (verbose)
    for (size_t i = 0; i < r.ngot; i++) print_got(" ", i, &r.got[i], NULL);

  int ok = r.ngot == nx && !r.limit_failed;
  for (size_t i = 0; ok && i < nx; i++) ok = matches(&xs[i], &r.got[i]);
  pass = ok;
  if (ok) {
    printf("PASS %s: %s\n", t->path, name);
  } else {
    printf("FAIL %s: %s\n", t->path, name);
    if (r.limit_failed) printf("  %s\n", r.limit_msg);
    if (r.ngot != nx || !r.limit_failed) {
      printf("  events (%zu expected, %zu produced; '-' expected, '+' produced, ' ' equal):\n", nx,
             r.ngot);
      size_t n = nx > r.ngot ? nx : r.ngot;
      for (size_t i = 0; i < n; i++) {
        if (i < nx && i < r.ngot && matches(&xs[i], &r.got[i])) {
          print_got(" ", i, &r.got[i], NULL);
          continue;
        }
        if (i < nx) print_expected("-", i, &xs[i]);
        if (i < r.ngot) print_got("+", i, &r.got[i], i < nx ? &xs[i] : NULL);
      }
    }
  }

done:
  if (t->errors != errors0) printf("FAIL %s: %s (errors in the test file)\n", t->path, name);
  jj_engine_free(e);
  for (size_t i = 0; i < r.ngot; i++) gevent_free(&r.got[i]);
  free(r.got);
  for (size_t i = 0; i < nx; i++) xevent_free(&xs[i]);
  free(xs);
  free_inputs(in, nin);
  return pass;
}

/* ---- one file -------------------------------------------------------------- */

/* A test file is read whole, up to this size (a test file is a few KB;
 * /dev/zero or a wrong path to a data file must not fill the memory). */
#define MAX_TEST_FILE (16u << 20)

static char *read_all(const char *path, size_t *len, const char **why) {
  *why = "cannot read the file";
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = xrealloc(NULL, cap);
  size_t k;
  while ((k = fread(buf + n, 1, cap - n, f)) > 0) {
    n += k;
    if (n > MAX_TEST_FILE) {
      *why = "larger than 16 MiB: not a test file";
      break;
    }
    if (n == cap) buf = xrealloc(buf, cap *= 2);
  }
  int bad = ferror(f) || n > MAX_TEST_FILE;
  (void)fclose(f); /* read only */
  if (bad) {
    free(buf);
    return NULL;
  }
  *len = n;
  return buf;
}

/* Line and column (1-based, in characters) of byte `offset` of text, for
 * libyaml's reader errors, which give only the offset. */
static void byte_position(const char *text, size_t len, size_t offset, size_t *line, size_t *col) {
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < offset && i < len; i++) {
    unsigned char b = (unsigned char)text[i];
    if (b == '\n' || (b == '\r' && (i + 1 >= len || text[i + 1] != '\n'))) {
      ++*line;
      *col = 1;
    } else if (b != '\r' && (b & 0xC0) != 0x80) {
      ++*col;
    }
  }
}

static void run_file(const char *path, int verbose, int *passed, int *failed) {
  tfile t;
  memset(&t, 0, sizeof t);
  t.path = path;
  size_t len = 0;
  const char *why;
  char *text = read_all(path, &len, &why);
  if (!text) {
    printf("FAIL %s: %s\n", path, why);
    (*failed)++;
    return;
  }
  yaml_parser_t parser;
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  if (!yaml_parser_load(&parser, &t.doc)) {
    size_t line = parser.problem_mark.line + 1, col = parser.problem_mark.column + 1;
    if (parser.error == YAML_READER_ERROR) /* bad UTF-8 or a control character: no mark */
      byte_position(text, len, parser.problem_offset, &line, &col);
    printf("%s:%zu:%zu: %s\nFAIL %s: not valid YAML\n", path, line, col,
           parser.problem ? parser.problem : "YAML error", path);
    yaml_parser_delete(&parser);
    free(text);
    (*failed)++;
    return;
  }
  yaml_parser_delete(&parser);
  free(text);

  static const char *const keys[] = {"rule_files", "interval", "start", "byte_limits", "tests", NULL};
  yaml_node_t *root = yaml_document_get_root_node(&t.doc);
  jj_ruleset *rs = NULL;
  byte_limit *limits = NULL;
  size_t nlimits = 0;
  char **files = NULL;
  size_t nfiles = 0;
  int64_t interval = 60000, start = 0;
  int ran = 0;
  if (!root) {
    ferr(&t, NULL, "empty file");
    goto out;
  }
  /* An unknown key fails the file: a misspelled byte_limits must not
   * silently turn the length check off. */
  if (check_keys(&t, root, keys, "a test file") != 0) goto out;
  if (get_duration(&t, root, "interval", &interval) < 0) goto out;
  yaml_node_t *sn = get(&t, root, "start");
  if (sn) {
    const char *s = scalar(&t, sn, "start");
    if (!s || cli_parse_iso(s, &start) != 0) {
      ferr(&t, sn, "start must be an ISO 8601 time such as 2024-01-01T00:00:00Z");
      goto out;
    }
  }
  /* Rule files are relative to the test file's directory, as in promtool. */
  yaml_node_t *rf = get(&t, root, "rule_files");
  if (!rf || rf->type != YAML_SEQUENCE_NODE || rf->data.sequence.items.start == rf->data.sequence.items.top) {
    ferr(&t, rf ? rf : root, "rule_files must be a non-empty list of rule files");
    goto out;
  }
  const char *slash = strrchr(path, '/');
  size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
  for (yaml_node_item_t *it = rf->data.sequence.items.start; it < rf->data.sequence.items.top; it++) {
    const char *s = scalar(&t, node(&t, *it), "a rule file");
    if (!s) goto out;
    files = xrealloc(files, (nfiles + 1) * sizeof *files);
    size_t n = (s[0] == '/' ? 0 : dirlen) + strlen(s) + 1;
    files[nfiles] = xrealloc(NULL, n);
    (void)snprintf(files[nfiles], n, "%.*s%s", (int)(s[0] == '/' ? 0 : dirlen), path, s);
    nfiles++;
  }
  yaml_node_t *bl = get(&t, root, "byte_limits");
  if (bl && bl->type != YAML_SEQUENCE_NODE) {
    ferr(&t, bl, "byte_limits must be a list");
    goto out;
  }
  for (yaml_node_item_t *it = bl ? bl->data.sequence.items.start : NULL;
       it && it < bl->data.sequence.items.top; it++) {
    static const char *const bkeys[] = {"annotation", "encoding", "max", NULL};
    yaml_node_t *b = node(&t, *it);
    if (check_keys(&t, b, bkeys, "a byte limit") != 0) goto out;
    const char *a = scalar(&t, get(&t, b, "annotation"), "annotation");
    const char *enc = get(&t, b, "encoding") ? scalar(&t, get(&t, b, "encoding"), "encoding") : "UTF-8";
    const char *mx = scalar(&t, get(&t, b, "max"), "max");
    if (!a || !enc || !mx) goto out;
    char *end;
    long m = strtol(mx, &end, 10);
    if (*end || m <= 0) {
      ferr(&t, get(&t, b, "max"), "max must be a positive number of bytes");
      goto out;
    }
    iconv_t cd = iconv_open(enc, "UTF-8");
    if (cd == (iconv_t)-1) { /* NOLINT(performance-no-int-to-ptr): iconv's error value */
      ferr(&t, get(&t, b, "encoding"), "unknown encoding '%s'", enc);
      goto out;
    }
    limits = xrealloc(limits, (nlimits + 1) * sizeof *limits);
    limits[nlimits].annotation = xstrdup(a);
    limits[nlimits].encoding = xstrdup(enc);
    limits[nlimits].cd = cd;
    limits[nlimits].max = m;
    limits[nlimits].longest = -1;
    limits[nlimits].longest_text = NULL;
    nlimits++;
  }
  if (cli_load_rules(files, nfiles, stdout, &rs) != 0) {
    t.errors++;
    goto out;
  }
  yaml_node_t *tests = get(&t, root, "tests");
  if (!tests || tests->type != YAML_SEQUENCE_NODE) {
    ferr(&t, tests ? tests : root, "tests must be a list");
    goto out;
  }
  size_t i = 0;
  ran = 1;
  for (yaml_node_item_t *it = tests->data.sequence.items.start; it < tests->data.sequence.items.top;
       it++, i++) {
    if (run_test(&t, node(&t, *it), i, rs, start, interval, limits, nlimits, verbose))
      (*passed)++;
    else
      (*failed)++;
  }
  for (size_t k = 0; k < nlimits; k++)
    if (limits[k].longest >= 0)
      printf("  %s: longest %s = %ld bytes %s (limit %ld): %s\n", path, limits[k].annotation,
             limits[k].longest, limits[k].encoding, limits[k].max, limits[k].longest_text);

out:
  if (t.errors && !ran) {
    printf("FAIL %s: the file could not be run\n", path);
    (*failed)++;
  }
  jj_ruleset_free(rs);
  for (size_t k = 0; k < nlimits; k++) {
    free(limits[k].annotation);
    free(limits[k].encoding);
    free(limits[k].longest_text);
    iconv_close(limits[k].cd);
  }
  free(limits);
  for (size_t k = 0; k < nfiles; k++) free(files[k]);
  free(files);
  yaml_document_delete(&t.doc);
}

int cmd_test(int argc, char **argv) {
  int verbose = 0, nfiles = 0, passed = 0, failed = 0;
  if (cli_help(argc, argv, help)) return 0;
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) verbose = 1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) continue;
    nfiles++;
    run_file(argv[i], verbose, &passed, &failed);
  }
  if (nfiles == 0) {
    (void)fputs(help, stderr);
    return 2;
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
