/* jj_bundle_load: a ruleset from a bundle image (see jjair/bundle.h), with
 * no YAML parser and no builder: what the device links. Every read is
 * bounds-checked against the image, the checksum is checked before any
 * field is read, and indices and counts are checked against the limits the
 * builder enforces, so a damaged image is refused, never trusted. */
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "bundle_fields.h"
#include "errfmt.h"
#include "feature_check.h"
#include "jjair/bundle.h"
#include "matcher.h"
#include "ruleset.h"
#include "strutil.h"

uint32_t jj__crc32(const unsigned char *p, size_t n) {
  /* Bitwise: no 1 KB table in flash; bundles are read once. */
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return ~c;
}

typedef struct rbuf {
  const unsigned char *p;
  size_t size, at;
  int bad; /* a read ran past the end */
  const jj_allocator *alc;
  int nomem;
  int borrow; /* strings point into the image (jj_bundle_load_static) */
} rbuf;

/* The header's fields: fixed 4 bytes, little-endian. */
static uint32_t get_u32(rbuf *r) {
  if (r->bad || r->size - r->at < 4) {
    r->bad = 1;
    return 0;
  }
  const unsigned char *b = r->p + r->at;
  r->at += 4;
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* A LEB128 varint (bundle_write.c) of at most `max`: past the end, longer
 * than 10 bytes or over `max` is damage. */
static uint64_t get_var(rbuf *r, uint64_t max) {
  uint64_t v = 0;
  for (unsigned shift = 0; !r->bad; shift += 7) {
    if (r->at == r->size || shift > 63) break;
    const unsigned char b = r->p[r->at++];
    if (shift == 63 && b > 1) break; /* bits past 64 */
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      if (v <= max) return v;
      break;
    }
  }
  r->bad = 1;
  return 0;
}

static uint32_t get_v32(rbuf *r) { return (uint32_t)get_var(r, UINT32_MAX); }

static int64_t get_i64(rbuf *r) { /* zigzag */
  uint64_t z = get_var(r, UINT64_MAX);
  return (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
}

static double get_f64(rbuf *r) { /* the bits byte-reversed (bundle_write.c) */
  uint64_t z = get_var(r, UINT64_MAX), v = 0;
  for (int i = 0; i < 8; i++, z >>= 8) v = v << 8 | (z & 0xff);
  double d;
  memcpy(&d, &v, sizeof d);
  return d;
}

/* A string copied through the allocator; NULL for a NULL string (and on
 * error: r->bad or r->nomem says which). */
static char *get_str(rbuf *r) {
  uint32_t k = get_v32(r);
  if (r->bad || k-- == 0) return NULL; /* length + 1; 0 = NULL */
  /* k bytes without a NUL, then the NUL (format version 3 on). */
  if (r->size - r->at <= k || memchr(r->p + r->at, '\0', k) || r->p[r->at + k] != '\0') {
    r->bad = 1;
    return NULL;
  }
  const char *in_image = (const char *)r->p + r->at;
  r->at += (size_t)k + 1;
  if (r->borrow) {
    /* The rule structs hold char *; the ruleset never writes through
     * them (it is immutable) and does not free them (rs->borrowed). */
    return jj__unconst(in_image);
  }
  char *s = jj__malloc(r->alc, (size_t)k + 1);
  if (!s) {
    r->nomem = 1;
    return NULL;
  }
  memcpy(s, in_image, (size_t)k + 1);
  return s;
}

/* A required string: missing counts as damage. */
static char *need_str(rbuf *r) {
  char *s = get_str(r);
  if (!s && !r->nomem) r->bad = 1;
  return s;
}

/* A count of at most `max` items, each at least `min_bytes` in the image
 * (a string takes at least 2: its length and its NUL; a field 1). */
static uint32_t get_count(rbuf *r, uint32_t max, size_t min_bytes) {
  uint32_t n = get_v32(r);
  if (n > max || (size_t)n * min_bytes > r->size - r->at) {
    r->bad = 1;
    return 0;
  }
  return n;
}

static void *get_array(rbuf *r, uint32_t n, size_t size) {
  if (!n || r->bad) return NULL;
  void *a = jj__calloc(r->alc, (size_t)n * size);
  if (!a) r->nomem = 1;
  return a;
}

/* The U32 fields are enums, uint32_t or int: plain assignment converts. */
#define R_U32(x) x = get_v32(r);
#define R_I64(x) x = get_i64(r);
#define R_F64(x) x = get_f64(r);
#define R(kind, x) R_##kind(x)

static jj_status rule_read(rbuf *r, jj_rule *ru, uint32_t nrules, jj_error *err) {
  ru->cfg.name = need_str(r);
  ru->cfg.metric = need_str(r);
  ru->cfg.group_by = get_str(r);
  ru->cfg.sources = get_str(r);
  JJ_BUNDLE_RULE_FIELDS(R, ru->cfg)
  ru->ngroup_labels = get_count(r, 64, 2);
  ru->group_labels = get_array(r, ru->ngroup_labels, sizeof *ru->group_labels);
  if (!ru->group_labels) ru->ngroup_labels = 0; /* rule_free walks the counts */
  for (uint32_t i = 0; i < ru->ngroup_labels && ru->group_labels; i++)
    ru->group_labels[i] = need_str(r);
  ru->nmatchers = ru->matchers_cap = get_count(r, 1024, 5);
  ru->matchers = get_array(r, ru->nmatchers, sizeof *ru->matchers);
  if (!ru->matchers) ru->nmatchers = ru->matchers_cap = 0;
  for (uint32_t i = 0; i < ru->nmatchers && ru->matchers; i++) {
    jj_matcher *m = &ru->matchers[i];
    m->label = need_str(r);
    m->op = (jj_match_op)get_v32(r);
    m->value = need_str(r);
    if (m->op < JJ_MATCH_EQ || m->op > JJ_MATCH_NRE) r->bad = 1;
    if (!r->bad && !r->nomem && (m->op == JJ_MATCH_RE || m->op == JJ_MATCH_NRE)) {
      char why[JJ_ERROR_MESSAGE_MAX / 2];
      jj_status rst = jj__regex_compile(m->value, r->alc, &m->re, why, sizeof why);
      if (rst == JJ_ENOMEM) return jj__fail(err, JJ_ENOMEM, "out of memory");
      if (rst != JJ_OK)
        return jj__fail(err, JJ_ENOTSUP, "bundle: rule '%s': label matcher: %s",
                        ru->cfg.name ? ru->cfg.name : "?", why);
    }
  }
  ru->nlevels = ru->levels_cap = get_count(r, JJ_MAX_LEVELS, 12);
  ru->levels = get_array(r, ru->nlevels, sizeof *ru->levels);
  if (!ru->levels) ru->nlevels = ru->levels_cap = 0;
  for (uint32_t i = 0; i < ru->nlevels && ru->levels; i++) {
    ru->levels[i].name = need_str(r);
    ru->levels[i].severity = need_str(r);
    JJ_BUNDLE_LEVEL_FIELDS(R, ru->levels[i])
  }
  jj_label **pairs[2] = {&ru->labels, &ru->annotations};
  uint32_t *npairs[2] = {&ru->nlabels, &ru->nannotations};
  uint32_t *caps[2] = {&ru->labels_cap, &ru->annotations_cap};
  for (int k = 0; k < 2; k++) {
    *npairs[k] = *caps[k] = get_count(r, 1024, 4);
    *pairs[k] = get_array(r, *npairs[k], sizeof **pairs[k]);
    if (!*pairs[k]) *npairs[k] = *caps[k] = 0;
    for (uint32_t i = 0; i < *npairs[k] && *pairs[k]; i++) {
      (*pairs[k])[i].name = need_str(r);
      (*pairs[k])[i].value = need_str(r);
    }
  }
  ru->nnotify = ru->notify_cap = get_count(r, 1024, 2);
  ru->notify = get_array(r, ru->nnotify, sizeof *ru->notify);
  if (!ru->notify) ru->nnotify = ru->notify_cap = 0;
  for (uint32_t i = 0; i < ru->nnotify && ru->notify; i++) ru->notify[i] = need_str(r);
  ru->nsrc = get_count(r, JJ_MAX_SOURCES, 1);
  for (uint32_t i = 0; i < ru->nsrc; i++)
    if ((ru->src[i] = get_v32(r)) >= nrules) r->bad = 1;
  ru->nfeeds = get_count(r, JJ_MAX_FEEDS, 1);
  for (uint32_t i = 0; i < ru->nfeeds; i++)
    if ((ru->feeds[i] = get_v32(r)) >= nrules) r->bad = 1;
  if (r->nomem) return jj__fail(err, JJ_ENOMEM, "out of memory");
  if (r->bad)
    return jj__fail(err, JJ_EINVAL, "bundle: rule %s is damaged (a field runs past the image "
                    "or is out of bounds)", ru->cfg.name ? ru->cfg.name : "?");
  /* Values the engine indexes or switches on. */
  if ((unsigned)ru->cfg.aggregate >= JJ_AGG__COUNT || ru->nlevels == 0 ||
      (unsigned)ru->cfg.group > JJ_GROUP_RULES || (unsigned)ru->cfg.on_missing > JJ_MISSING_ALERT ||
      (unsigned)ru->cfg.group_distinct > JJ_DISTINCT_SERIES ||
      (ru->cfg.group == JJ_GROUP_RULES) != (ru->nsrc > 0))
    return jj__fail(err, JJ_EINVAL, "bundle: rule '%s' has a field out of range", ru->cfg.name);
  for (uint32_t i = 0; i < ru->nlevels; i++)
    if ((unsigned)ru->levels[i].issue_op > JJ_CMP_LE || (unsigned)ru->levels[i].clear_op > JJ_CMP_LE)
      return jj__fail(err, JJ_EINVAL, "bundle: rule '%s' has a field out of range", ru->cfg.name);
  jj_status st = jj__features_check(ru->cfg.name, ru->cfg.window.kind, ru->cfg.aggregate,
                                    ru->cfg.group, err);
  if (st == JJ_OK && ru->nannotations)
    st = jj__features_check_annotation(ru->cfg.name, ru->annotations[0].name, err);
  return st;
}

static jj_status bundle_load(const void *image, size_t size, const jj_allocator *alc, int borrow,
                             jj_ruleset **out, jj_error *err) {
  if (!out) return jj__fail(err, JJ_EINVAL, "bundle: out is required");
  *out = NULL;
  if (!image) return jj__fail(err, JJ_EINVAL, "bundle: image is required");
  const unsigned char *p = image;
  if (size < JJ_BUNDLE_HEADER || memcmp(p, JJ_BUNDLE_MAGIC, 4) != 0)
    return jj__fail(err, JJ_EINVAL, "bundle: not a rule bundle (no JJRB header)");
  rbuf r = {p, size, 4, 0, NULL, 0, borrow};
  uint32_t version = get_u32(&r), total = get_u32(&r), nrules = get_u32(&r), crc = get_u32(&r);
  if (version != JJ_BUNDLE_VERSION)
    return jj__fail(err, version > JJ_BUNDLE_VERSION ? JJ_ENOTSUP : JJ_EINVAL,
                    "bundle: format version %lu; this library reads version %lu",
                    (unsigned long)version, (unsigned long)JJ_BUNDLE_VERSION);
  if (total != size)
    return jj__fail(err, JJ_EINVAL, "bundle: image is %lu bytes, its header says %lu",
                    (unsigned long)size, (unsigned long)total);
  if (jj__crc32(p + JJ_BUNDLE_HEADER, size - JJ_BUNDLE_HEADER) != crc)
    return jj__fail(err, JJ_EINVAL, "bundle: checksum mismatch (the image is damaged)");
  /* A rule takes more than 48 bytes: 4 strings, 36 fields, 7 counts, a level. */
  if (nrules == 0 || nrules > (size - JJ_BUNDLE_HEADER) / 48)
    return jj__fail(err, JJ_EINVAL, "bundle: bad rule count %lu", (unsigned long)nrules);
  jj_allocator a;
  jj__alloc_resolve(&a, alc);
  r.alc = &a;
  jj_ruleset *rs = jj__calloc(&a, sizeof *rs);
  jj_rule *rules = rs ? jj__calloc(&a, (size_t)nrules * sizeof *rules) : NULL;
  if (!rules) {
    jj__free(&a, rs);
    return jj__fail(err, JJ_ENOMEM, "out of memory");
  }
  rs->alc = a;
  jj__ref_init(&rs->refs, 1);
  rs->rules = rules;
  rs->nrules = nrules;
  rs->borrowed = (uint8_t)borrow;
  jj_status st = JJ_OK;
  for (uint32_t i = 0; i < nrules && st == JJ_OK; i++) st = rule_read(&r, &rules[i], nrules, err);
  if (st == JJ_OK && r.at != size)
    st = jj__fail(err, JJ_EINVAL, "bundle: %lu bytes after the last rule",
                  (unsigned long)(size - r.at));
  if (st != JJ_OK) {
    jj_ruleset_free(rs);
    return st;
  }
  *out = rs;
  if (err) memset(err, 0, sizeof *err);
  return JJ_OK;
}

jj_status jj_bundle_load(const void *image, size_t size, const jj_allocator *alc,
                         jj_ruleset **out, jj_error *err) {
  return bundle_load(image, size, alc, 0, out, err);
}

jj_status jj_bundle_load_static(const void *image, size_t size, const jj_allocator *alc,
                                jj_ruleset **out, jj_error *err) {
  return bundle_load(image, size, alc, 1, out, err);
}
