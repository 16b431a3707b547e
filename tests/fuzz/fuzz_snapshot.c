/* libFuzzer target for snapshot decoding (jj_engine_restore). The first
 * input byte chooses how the rest is used:
 *   bit 0: re-seal the image first (set its size and CRC-32 to match), so
 *          mutations reach the record decoders instead of stopping at the
 *          checksum;
 *   bit 1: restore over a changed ruleset (rules kept, changed, removed,
 *          added: the matching and end-of-episode paths).
 * Invariants (a violation aborts):
 *   - a refused image leaves the engine fresh (no time, no series, no
 *     events, no counters) and its memory where it was;
 *   - a taken image runs: readings and time move it, and it snapshots;
 *   - over the same ruleset, restore(snapshot(x)) snapshots to the same
 *     bytes again (the decoder and the encoder agree on every field).
 * Seeds (corpus_snapshot) are real snapshots of engines over RULES below,
 * made by make_snapshot_seeds.py. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jjair/jjair.h"

/* RULES-BEGIN (make_snapshot_seeds.py reads these lines) */
static const char rules[] =
    "version: 1\n"
    "rules:\n"
    "  - name: mean-for\n"
    "    metric: pm25\n"
    "    window: {kind: sliding, span: 10m}\n"
    "    aggregate: mean\n"
    "    levels:\n"
    "      - {name: bad, issue: \">= 50\", clear: \"< 40\", for: 3m, keep_firing_for: 2m}\n"
    "      - {name: worse, issue: \">= 80\", clear: \"< 70\", for_count: 3}\n"
    "    repeat_interval: 10m\n"
    "    flap: {changes: 4, window: 30m}\n"
    "    stale_after: 5m\n"
    "    on_missing: alert\n"
    "  - name: max-gate\n"
    "    metric: pm25\n"
    "    window: {kind: sliding, span: 5m}\n"
    "    aggregate: max\n"
    "    valid: {min: 0, max: 500}\n"
    "    stuck: {samples: 6, epsilon: 0}\n"
    "    levels: [{name: peak, issue: \">= 90\", clear: \"< 60\"}]\n"
    "  - name: spread\n"
    "    metric: pm25\n"
    "    window: {kind: sliding, span: 7m, ewma_halflife: 2m, percentile: 0.9}\n"
    "    aggregate: percentile\n"
    "    levels: [{name: high, issue: \">= 70\", clear: \"< 50\"}]\n"
    "  - name: hourly\n"
    "    metric: pm25\n"
    "    window: {kind: tumbling, span: 20m, hop: 5m, duplicates: replace}\n"
    "    aggregate: nowcast\n"
    "    levels: [{name: hour-bad, issue: \">= 45\", clear: \"< 35\", for_count: 2}]\n"
    "  - name: last10\n"
    "    metric: pm25\n"
    "    window: {kind: count, count: 10, min_samples: 9}\n"
    "    aggregate: slope\n"
    "    levels: [{name: rising, issue: \">= 0.001\", clear: \"< 0\"}]\n"
    "  - name: zone-avg\n"
    "    metric: pm25\n"
    "    window: {kind: tumbling, span: 10m}\n"
    "    aggregate: mean\n"
    "    group: {by: [zone], mode: avg}\n"
    "    levels: [{name: zone-bad, issue: \">= 55\", clear: \"< 45\"}]\n"
    "  - name: zone-two\n"
    "    metric: pm25\n"
    "    window: {kind: sliding, span: 2m}\n"
    "    aggregate: max\n"
    "    group: {by: [zone], mode: k_of_n, member: \">= 70\", within: 3m}\n"
    "    levels: [{name: two, issue: \">= 2\", clear: \"< 1\"}]\n"
    "  - name: zone-any\n"
    "    group: {by: [zone], mode: rules, sources: [mean-for, max-gate], within: 5m, distinct: series}\n"
    "    levels: [{name: corroborated, issue: \">= 2\", clear: \"< 1\"}]\n";
/* RULES-END */

static const char changed[] =
    "version: 1\n"
    "rules:\n"
    "  - name: mean-for\n"
    "    metric: pm25\n"
    "    window: {kind: sliding, span: 10m}\n"
    "    aggregate: mean\n"
    "    levels: [{name: bad, issue: \">= 60\", clear: \"< 40\"}]\n"
    "  - name: spread\n"
    "    metric: pm25\n"
    "    window: {kind: sliding, span: 7m, ewma_halflife: 2m, percentile: 0.9}\n"
    "    aggregate: percentile\n"
    "    levels: [{name: high, issue: \">= 70\", clear: \"< 50\"}]\n"
    "  - name: zone-two\n"
    "    metric: pm25\n"
    "    window: {kind: sliding, span: 2m}\n"
    "    aggregate: max\n"
    "    group: {by: [zone], mode: k_of_n, member: \">= 70\", within: 3m}\n"
    "    levels: [{name: two, issue: \">= 2\", clear: \"< 1\"}]\n";

static jj_ruleset *load(const char *yaml) {
  jj_ruleset_builder *b = NULL;
  jj_ruleset *rs = NULL;
  if (jj_ruleset_builder_new(NULL, &b) != JJ_OK) return NULL;
  if (jj_rules_load_string(b, yaml, strlen(yaml), "fuzz.yaml", NULL, 0, NULL) == JJ_OK)
    (void)jj_ruleset_builder_build(b, &rs, NULL);
  jj_ruleset_builder_free(b);
  return rs;
}

static jj_engine *engine(jj_ruleset *rs) {
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.lateness_ms = 20000; /* as make_snapshot_seeds.py */
  cfg.max_series = 64;
  jj_engine *e = NULL;
  CHECK(jj_engine_new(rs, &cfg, NULL, &e) == JJ_OK);
  return e;
}

static unsigned char *snap(jj_engine *e, size_t *n) {
  size_t need = 0;
  CHECK(jj_engine_snapshot(e, NULL, 0, &need) == JJ_EFULL);
  unsigned char *buf = malloc(need);
  CHECK(buf && jj_engine_snapshot(e, buf, need, n) == JJ_OK && *n == need);
  return buf;
}

static void drain(jj_engine *e) {
  while (jj_engine_poll(e)) {
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static jj_ruleset *rs, *rs2;
  if (!rs) {
    rs = load(rules);
    rs2 = load(changed);
  }
  if (!rs || !rs2 || size < 1) return 0; /* a build without the YAML loader */
  const unsigned flags = data[0];
  size_t n = size - 1;
  unsigned char *img = malloc(n ? n : 1);
  CHECK(img);
  if (n) memcpy(img, data + 1, n);
  if ((flags & 1) && n >= 24) {
    for (int i = 0; i < 8; i++) img[8 + i] = (unsigned char)((uint64_t)n >> (8 * i));
    uint32_t c = crc32_ieee(img + 24, n - 24);
    for (int i = 0; i < 4; i++) img[16 + i] = (unsigned char)(c >> (8 * i));
  }
  jj_ruleset *over = (flags & 2) ? rs2 : rs;
  jj_engine *e = engine(over);
  jj_engine_stats before;
  jj_engine_stats_get(e, &before);
  jj_error err;
  memset(&err, 0, sizeof err);
  jj_status st = jj_engine_restore(e, img, n, NULL, &err);
  if (st != JJ_OK) {
    jj_engine_stats after;
    jj_engine_stats_get(e, &after);
    CHECK(err.message[0] != '\0');
    CHECK(memcmp(&before, &after, sizeof before) == 0);
    CHECK(jj_engine_now(e) == INT64_MIN);
    CHECK(jj_engine_poll(e) == NULL);
  } else {
    drain(e);
    size_t n1;
    unsigned char *s1 = snap(e, &n1);
    if (!(flags & 2)) { /* the same rules: decode and encode agree */
      jj_engine *e2 = engine(over);
      CHECK(jj_engine_restore(e2, s1, n1, NULL, NULL) == JJ_OK);
      size_t n2;
      unsigned char *s2 = snap(e2, &n2);
      CHECK(n2 == n1 && memcmp(s1, s2, n1) == 0);
      free(s2);
      jj_engine_free(e2);
    }
    free(s1);
    /* It runs: readings, time, a reload. */
    int64_t t = jj_engine_now(e);
    if (t == INT64_MIN) t = 1714500000000;
    jj_label l[2] = {{"station", "s0"}, {"zone", "north"}};
    for (int k = 0; k < 8; k++) {
      t += 30000;
      (void)jj_engine_advance(e, t);
      (void)jj_engine_push_labeled(e, "pm25", l, 2, t, 40.0 + 10.0 * k);
      drain(e);
    }
    CHECK(jj_engine_reload(e, rs2, NULL, NULL) == JJ_OK);
    drain(e);
  }
  jj_engine_free(e);
  free(img);
  return 0;
}
