/* jj_bundle_write: a compiled ruleset as a bundle image (see
 * jjair/bundle.h); host side, used by `jjair compile`. The firmware does
 * not link it (sections of unused functions are dropped). */
#include <stdint.h>
#include <string.h>

#include "bundle_fields.h"
#include "errfmt.h"
#include "jjair/bundle.h"
#include "ruleset.h"

typedef struct wbuf {
  unsigned char *p;
  size_t size, n; /* n: bytes the image needs so far (written while n <= size) */
} wbuf;

static void put(wbuf *w, const void *src, size_t k) {
  if (w->n + k <= w->size) memcpy(w->p + w->n, src, k);
  w->n += k;
}

/* The header's fields: fixed 4 bytes, little-endian. */
static void put_u32(wbuf *w, uint32_t v) {
  unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                        (unsigned char)(v >> 24)};
  put(w, b, 4);
}

/* Everything after the header (format version 4): LEB128 varints, 7 bits
 * a byte, low first; most fields are 0 or small and take one byte. */
static void put_var(wbuf *w, uint64_t v) {
  unsigned char b[10];
  size_t k = 0;
  do {
    b[k] = (unsigned char)(v & 0x7f);
    v >>= 7;
    if (v) b[k] |= 0x80;
    k++;
  } while (v);
  put(w, b, k);
}

/* Signed: zigzag (0, -1, 1, -2, ... as 0, 1, 2, 3, ...). */
static void put_i64(wbuf *w, int64_t v) {
  put_var(w, ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0));
}

/* A double's bits byte-reversed, so that the sign, exponent and top of the
 * mantissa come first and the trailing zero bytes of round numbers (0, 60,
 * 1e-3 is not one, NaN is) vanish in the varint. */
static void put_f64(wbuf *w, double d) {
  uint64_t v, r = 0;
  memcpy(&v, &d, sizeof v);
  for (int i = 0; i < 8; i++, v >>= 8) r = r << 8 | (v & 0xff);
  put_var(w, r);
}

/* A string: varint length + 1 (0 = NULL), the bytes and a NUL, so that a
 * device can use it in place (jj_bundle_load_static). */
static void put_str(wbuf *w, const char *s) {
  if (!s) {
    put_var(w, 0);
    return;
  }
  size_t k = strlen(s);
  put_var(w, (uint64_t)k + 1);
  put(w, s, k + 1);
}

#define W_U32(x) put_var(w, (uint32_t)(x));
#define W_I64(x) put_i64(w, (int64_t)(x));
#define W_F64(x) put_f64(w, (x));
#define W(kind, x) W_##kind(x)

void jj__bundle_rule_config(const jj_rule *r, int64_t period_ms, jj_rule_config *out) {
  jj_rule_config c;
  jj__rule_cfg_get(&c, &r->cfg);
  if (period_ms > 0 && c.window.kind == JJ_WINDOW_SLIDING_TIME && c.group != JJ_GROUP_RULES) {
    /* Every sample of one span at the stated rate, plus the edges. */
    int64_t n = c.window.span_ms / period_ms + 2;
    if (c.window.max_samples == 0 || (int64_t)c.window.max_samples > n)
      c.window.max_samples = (uint32_t)n;
    c.window.preallocate = 1;
  }
  *out = c;
}

static void put_rule(wbuf *w, const jj_rule *r, int64_t period_ms) {
  jj_rule_config c;
  jj__bundle_rule_config(r, period_ms, &c);
  put_str(w, c.name);
  put_str(w, c.metric);
  put_str(w, c.group_by);
  put_str(w, c.sources);
  JJ_BUNDLE_RULE_FIELDS(W, c)
  put_var(w, r->ngroup_labels);
  for (uint32_t i = 0; i < r->ngroup_labels; i++) put_str(w, r->group_labels[i]);
  put_var(w, r->nmatchers);
  for (uint32_t i = 0; i < r->nmatchers; i++) {
    put_str(w, r->matchers[i].label);
    put_var(w, (uint32_t)r->matchers[i].op);
    put_str(w, r->matchers[i].value);
  }
  put_var(w, r->nlevels);
  for (uint32_t i = 0; i < r->nlevels; i++) {
    put_str(w, r->levels[i].name);
    put_str(w, r->levels[i].severity);
    JJ_BUNDLE_LEVEL_FIELDS(W, r->levels[i])
  }
  put_var(w, r->nlabels);
  for (uint32_t i = 0; i < r->nlabels; i++) {
    put_str(w, r->labels[i].name);
    put_str(w, r->labels[i].value);
  }
  put_var(w, r->nannotations);
  for (uint32_t i = 0; i < r->nannotations; i++) {
    put_str(w, r->annotations[i].name);
    put_str(w, r->annotations[i].value);
  }
  put_var(w, r->nnotify);
  for (uint32_t i = 0; i < r->nnotify; i++) put_str(w, r->notify[i]);
  put_var(w, r->nsrc);
  for (uint32_t i = 0; i < r->nsrc; i++) put_var(w, r->src[i]);
  put_var(w, r->nfeeds);
  for (uint32_t i = 0; i < r->nfeeds; i++) put_var(w, r->feeds[i]);
}

jj_status jj_bundle_check(const jj_ruleset *rs, jj_error *err) {
  if (!rs) return jj__fail(err, JJ_EINVAL, "no ruleset");
  for (uint32_t i = 0; i < rs->nrules; i++) {
    const jj_rule *r = &rs->rules[i];
    if (r->cfg.group == JJ_GROUP_CAI)
      return jj__fail(err, JJ_ENOTSUP,
                      "rule '%s': a cai group combines index tables, which bundles do not "
                      "carry yet; keep it on the server",
                      r->cfg.name);
    if (r->index)
      return jj__fail(err, JJ_ENOTSUP,
                      "rule '%s': judges an index ('index:' with an aqi table), which bundles "
                      "do not carry yet; judge the concentration on the device",
                      r->cfg.name);
  }
  if (err) memset(err, 0, sizeof *err);
  return JJ_OK;
}

jj_status jj_bundle_write(const jj_ruleset *rs, int64_t sample_period_ms, void *buf,
                          size_t size, size_t *needed) {
  if (!rs || !needed || (size && !buf) || sample_period_ms < 0) return JJ_EINVAL;
  /* Index rules (aqi.h: a table per rule, CAI groups) have no bundle
   * format yet: refused rather than written without their tables. */
  for (uint32_t i = 0; i < rs->nrules; i++)
    if (rs->rules[i].index || rs->rules[i].cfg.group == JJ_GROUP_CAI) return JJ_ENOTSUP;
  wbuf w = {buf, size, 0};
  put(&w, JJ_BUNDLE_MAGIC, 4);
  put_u32(&w, JJ_BUNDLE_VERSION);
  put_u32(&w, 0); /* total size, set below */
  put_u32(&w, rs->nrules);
  put_u32(&w, 0); /* checksum, set below */
  for (uint32_t i = 0; i < rs->nrules; i++) put_rule(&w, &rs->rules[i], sample_period_ms);
  *needed = w.n;
  if (w.n > size) return JJ_EFULL;
  if (w.n > UINT32_MAX) return JJ_ELIMIT;
  wbuf h = {buf, size, 8};
  put_u32(&h, (uint32_t)w.n);
  h.n = 16;
  put_u32(&h, jj__crc32(w.p + JJ_BUNDLE_HEADER, w.n - JJ_BUNDLE_HEADER));
  return JJ_OK;
}
