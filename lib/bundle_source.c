/* jj_bundle_write_source: a ruleset as C source of constant rule records
 * (bundle_static.h), host side, used by `jjair compile -s`. Every field is
 * written by name (designated initialisers), from the same field lists as
 * the binary bundle (bundle_fields.h), so the records compile to the
 * library's layout on any target; doubles are written with 17 significant
 * digits, which read back to the same double. The firmware does not link
 * this file's code (unused sections are dropped). */
#include <math.h>
#include <string.h>

#include "bundle_fields.h"
#include "bundle_static.h"
#include "errfmt.h"
#include "numfmt.h"

typedef struct sbuf {
  char *p;
  size_t size, n; /* n: bytes the text needs so far (written while they fit) */
} sbuf;

static void put(sbuf *w, const char *s, size_t k) {
  if (w->n + k <= w->size) memcpy(w->p + w->n, s, k);
  w->n += k;
}

static void put_s(sbuf *w, const char *s) { put(w, s, strlen(s)); }

static void put_u(sbuf *w, uint64_t v) {
  char b[24];
  put(w, b, jj__fmt_u64(v, b));
  if (v > UINT32_MAX) put_s(w, "ull");
  else if (v > INT32_MAX) put_s(w, "u");
}

static void put_i(sbuf *w, int64_t v) {
  if (v == INT64_MIN) {
    put_s(w, "INT64_MIN");
    return;
  }
  char b[24];
  put(w, b, jj__fmt_i64(v, b));
  if (v > INT32_MAX || v < -INT32_MAX) put_s(w, "ll");
}

static void put_f(sbuf *w, double x) {
  if (isnan(x)) {
    put_s(w, "NAN");
  } else if (isinf(x)) {
    put_s(w, x < 0 ? "-INFINITY" : "INFINITY");
  } else {
    char b[JJ__FMT_DOUBLE_MAX];
    size_t k = jj__fmt_double(x, 'e', 16, b, sizeof b); /* 17 digits: exact */
    put(w, b, k);
  }
}

/* A C string literal (NULL for none): every byte that is not printable
 * ASCII, and " \ ?, as a three-digit octal escape. */
static void put_str(sbuf *w, const char *s) {
  if (!s) {
    put_s(w, "NULL");
    return;
  }
  put_s(w, "\"");
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    if (*c >= 0x20 && *c < 0x7f && *c != '"' && *c != '\\' && *c != '?') {
      put(w, (const char *)c, 1);
    } else {
      char e[4] = {'\\', (char)('0' + (*c >> 6)), (char)('0' + ((*c >> 3) & 7)),
                   (char)('0' + (*c & 7))};
      put(w, e, 4);
    }
  }
  put_s(w, "\"");
}

/* ", .FIELD = " with FIELD taken from the field list's "(c).window.kind". */
static void put_field(sbuf *w, const char *expr) {
  const char *dot = strchr(expr, ')');
  put_s(w, ", ");
  put_s(w, dot ? dot + 1 : expr);
  put_s(w, " = ");
}

#define S_U32(x) put_field(w, #x), put_u(w, (uint64_t)(x));
#define S_I64(x) put_field(w, #x), put_i(w, (int64_t)(x));
#define S_F64(x) put_field(w, #x), put_f(w, (x));
#define S(kind, x) S_##kind(x)

/* NAME_TAGi: the name of an array of rule i. */
static void put_array_name(sbuf *w, const char *name, const char *tag, uint32_t i) {
  char b[24];
  put_s(w, name);
  put_s(w, "_");
  put_s(w, tag);
  put(w, b, jj__fmt_u64(i, b));
}

static void put_str_array(sbuf *w, const char *name, const char *tag, uint32_t i,
                          char *const *v, uint32_t n) {
  if (!n) return;
  put_s(w, "static char *const ");
  put_array_name(w, name, tag, i);
  put_s(w, "[] = {");
  for (uint32_t k = 0; k < n; k++) {
    put_s(w, k ? ", " : "");
    put_str(w, v[k]);
  }
  put_s(w, "};\n");
}

static void put_pairs(sbuf *w, const char *name, const char *tag, uint32_t i, const jj_label *v,
                      uint32_t n) {
  if (!n) return;
  put_s(w, "static const jj_label ");
  put_array_name(w, name, tag, i);
  put_s(w, "[] = {\n");
  for (uint32_t k = 0; k < n; k++) {
    put_s(w, "  {");
    put_str(w, v[k].name);
    put_s(w, ", ");
    put_str(w, v[k].value);
    put_s(w, "},\n");
  }
  put_s(w, "};\n");
}

/* The arrays rule i points at. */
static void put_rule_arrays(sbuf *w, const char *name, uint32_t i, const jj_rule *r) {
  put_str_array(w, name, "group_labels", i, r->group_labels, r->ngroup_labels);
  if (r->nmatchers) {
    put_s(w, "static const jj_matcher ");
    put_array_name(w, name, "matchers", i);
    put_s(w, "[] = {\n");
    for (uint32_t k = 0; k < r->nmatchers; k++) {
      put_s(w, "  {.label = ");
      put_str(w, r->matchers[k].label);
      put_s(w, ", .op = ");
      put_u(w, (uint64_t)r->matchers[k].op);
      put_s(w, ", .value = ");
      put_str(w, r->matchers[k].value);
      put_s(w, "},\n");
    }
    put_s(w, "};\n");
  }
  put_s(w, "static const jj_level ");
  put_array_name(w, name, "levels", i);
  put_s(w, "[] = {\n");
  for (uint32_t k = 0; k < r->nlevels; k++) {
    const jj_level lv = r->levels[k];
    put_s(w, "  {.name = ");
    put_str(w, lv.name);
    put_s(w, ", .severity = ");
    put_str(w, lv.severity);
    JJ_BUNDLE_LEVEL_FIELDS(S, lv)
    put_s(w, "},\n");
  }
  put_s(w, "};\n");
  put_pairs(w, name, "labels", i, r->labels, r->nlabels);
  put_pairs(w, name, "annotations", i, r->annotations, r->nannotations);
  put_str_array(w, name, "notify", i, r->notify, r->nnotify);
}

/* ", .FIELD = (TYPE *)NAME_TAGi, .nFIELD = n[, .FIELD_cap = n]", or nothing. */
static void put_ref(sbuf *w, const char *name, const char *tag, uint32_t i, const char *type,
                    uint32_t n, const char *count, const char *cap) {
  if (!n) return;
  put_s(w, ",\n   .");
  put_s(w, tag);
  put_s(w, " = (");
  put_s(w, type);
  put_s(w, ")");
  put_array_name(w, name, tag, i);
  put_s(w, ", .");
  put_s(w, count);
  put_s(w, " = ");
  put_u(w, n);
  if (cap) {
    put_s(w, ", .");
    put_s(w, cap);
    put_s(w, " = ");
    put_u(w, n);
  }
}

static void put_indices(sbuf *w, const char *field, const uint32_t *v, uint32_t n,
                        const char *count) {
  if (!n) return;
  put_s(w, ",\n   .");
  put_s(w, field);
  put_s(w, " = {");
  for (uint32_t k = 0; k < n; k++) {
    put_s(w, k ? ", " : "");
    put_u(w, v[k]);
  }
  put_s(w, "}, .");
  put_s(w, count);
  put_s(w, " = ");
  put_u(w, n);
}

static void put_rule(sbuf *w, const char *name, uint32_t i, const jj_rule *r, int64_t period_ms) {
  jj_rule_config c;
  jj__bundle_rule_config(r, period_ms, &c);
  put_s(w, "  {.cfg = {.name = ");
  put_str(w, c.name);
  put_s(w, ", .metric = ");
  put_str(w, c.metric);
  put_s(w, ", .group_by = ");
  put_str(w, c.group_by);
  put_s(w, ", .sources = ");
  put_str(w, c.sources);
  JJ_BUNDLE_RULE_FIELDS(S, c)
  put_s(w, "}");
  put_ref(w, name, "group_labels", i, "char **", r->ngroup_labels, "ngroup_labels", NULL);
  put_ref(w, name, "matchers", i, "jj_matcher *", r->nmatchers, "nmatchers", "matchers_cap");
  put_ref(w, name, "levels", i, "jj_level *", r->nlevels, "nlevels", "levels_cap");
  put_ref(w, name, "labels", i, "jj_label *", r->nlabels, "nlabels", "labels_cap");
  put_ref(w, name, "annotations", i, "jj_label *", r->nannotations, "nannotations",
          "annotations_cap");
  put_ref(w, name, "notify", i, "char **", r->nnotify, "nnotify", "notify_cap");
  put_indices(w, "src", r->src, r->nsrc, "nsrc");
  put_indices(w, "feeds", r->feeds, r->nfeeds, "nfeeds");
  put_s(w, "},\n");
}

static int is_identifier(const char *s) {
  if (!*s || (*s >= '0' && *s <= '9')) return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '_'))
      return 0;
  return 1;
}

jj_status jj_bundle_write_source(const jj_ruleset *rs, int64_t sample_period_ms,
                                 const char *name, char *buf, size_t size, size_t *needed) {
  if (!rs || !name || !needed || (size && !buf) || sample_period_ms < 0 || !is_identifier(name))
    return JJ_EINVAL;
  if (jj_bundle_check(rs, NULL) != JJ_OK) return JJ_ENOTSUP;
  for (uint32_t i = 0; i < rs->nrules; i++)
    for (uint32_t k = 0; k < rs->rules[i].nmatchers; k++)
      if (rs->rules[i].matchers[k].re) return JJ_ENOTSUP; /* compiled at load */
  sbuf w = {buf, size, 0};
  put_s(&w,
        "/* libjjair rules as constant records, made by jj_bundle_write_source (jjair\n"
        " * compile -s) for this version of the library; load them with\n"
        " * jj_bundle_load_rules(&");
  put_s(&w, name);
  put_s(&w,
        ", ...). Compile with the library's lib/\n"
        " * directory on the include path. Do not edit. */\n"
        "#include <math.h>\n#include <stdint.h>\n#include <stddef.h>\n\n"
        "#include \"bundle_static.h\"\n\n"
        "/* The records are constant (in flash on a device) and the ruleset never\n"
        " * writes through them; the rule struct's pointers are not const. */\n"
        "#pragma GCC diagnostic ignored \"-Wcast-qual\"\n\n");
  for (uint32_t i = 0; i < rs->nrules; i++) put_rule_arrays(&w, name, i, &rs->rules[i]);
  put_s(&w, "\nstatic const jj_rule ");
  put_s(&w, name);
  put_s(&w, "_records[] = {\n");
  for (uint32_t i = 0; i < rs->nrules; i++) put_rule(&w, name, i, &rs->rules[i], sample_period_ms);
  put_s(&w, "};\n\nextern const jj_static_rules ");
  put_s(&w, name);
  put_s(&w, ";\nconst jj_static_rules ");
  put_s(&w, name);
  put_s(&w, " = {JJ_STATIC_RULES_MAGIC, JJ_BUNDLE_VERSION, sizeof(jj_rule), ");
  put_u(&w, rs->nrules);
  put_s(&w, ", ");
  put_s(&w, name);
  put_s(&w, "_records};\n");
  *needed = w.n;
  if (w.n >= size) return JJ_EFULL;
  buf[w.n] = '\0';
  return JJ_OK;
}
