/* Snapshots, restore and hot reload (include/jjair/snapshot.h):
 *  - a restored engine continues bit for bit, over rules that use every
 *    part of a window (min/max, moments, EWMA, percentile, TUMBLING with
 *    hops, count windows, the hourly ring), timers (for, keep_firing_for,
 *    repeat), flapping, quality gates, no-data, and groups (avg, k_of_n,
 *    rules with distinct series), with lateness (pending samples);
 *  - damaged, truncated, foreign and other-version images are refused
 *    with their status and leave the engine as it was;
 *  - a golden image (tests/data/snapshot_v1.bin) written once still
 *    decodes and is written again byte for byte;
 *  - restore over a changed ruleset and hot reload keep unchanged rules,
 *    end the open episodes of changed and removed ones with their reason,
 *    keep events already handed out readable;
 *  - every allocation failure in restore and reload leaves the engine as
 *    it was and leaks nothing; a snapshot allocates nothing;
 *  - saving to a file replaces it atomically; loading reports I/O errors. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "snapshot_testutil.h"
#include "testutil.h"

static const char rules_yaml[] =
    "version: 1\n"
    "rules:\n"
    "  - name: mean-for\n"
    "    metric: pm25\n"
    "    window: {kind: sliding, span: 10m}\n"
    "    aggregate: mean\n"
    "    levels:\n"
    "      - {name: bad, severity: s1, issue: \">= 50\", clear: \"< 40\", for: 3m, keep_firing_for: 2m}\n"
    "      - {name: worse, severity: s2, issue: \">= 80\", clear: \"< 70\", for_count: 3}\n"
    "    repeat_interval: 10m\n"
    "    flap: {changes: 4, window: 30m}\n"
    "    stale_after: 5m\n"
    "    on_missing: alert\n"
    "    annotations: {summary: \"{{ value:.1f }} in {{ labels.zone }}\"}\n"
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
    "    aggregate: stddev\n"
    "    levels: [{name: noisy, issue: \">= 15\", clear: \"< 8\", for_count: 2, clear_for_count: 2}]\n"
    "  - name: p90\n"
    "    metric: pm25\n"
    "    window: {kind: sliding, span: 8m, percentile: 0.9}\n"
    "    aggregate: percentile\n"
    "    levels: [{name: high, issue: \">= 70\", clear: \"< 50\"}]\n"
    "  - name: trend\n"
    "    metric: pm25\n"
    "    window: {kind: sliding, span: 7m, ewma_halflife: 2m, percentile: 0.9}\n"
    "    aggregate: ewma\n"
    "    levels: [{name: up, issue: \">= 60\", clear: \"< 45\"}]\n"
    "  - name: hourly\n"
    "    metric: pm25\n"
    "    window: {kind: tumbling, span: 20m, hop: 5m, duplicates: replace}\n"
    "    aggregate: mean\n"
    "    levels: [{name: hour-bad, issue: \">= 45\", clear: \"< 35\", for_count: 2}]\n"
    "  - name: last10\n"
    "    metric: pm25\n"
    "    window: {kind: count, count: 10, min_samples: 9}\n"
    "    aggregate: slope\n"
    "    scale: 60000\n"
    "    levels: [{name: rising, issue: \">= 5\", clear: \"< 1\"}]\n"
    "  - name: zone-avg\n"
    "    metric: pm25\n"
    "    window: {kind: sliding, span: 5m}\n"
    "    aggregate: mean\n"
    "    group: {by: [zone], mode: avg}\n"
    "    levels: [{name: zone-bad, issue: \">= 55\", clear: \"< 45\"}]\n"
    "  - name: zone-two\n"
    "    metric: pm25\n"
    "    window: {kind: sliding, span: 2m}\n"
    "    aggregate: max\n"
    "    group: {by: [zone], mode: k_of_n, member: \">= 70\", within: 3m}\n"
    "    levels: [{name: two, issue: \">= 2\", clear: \"< 1\"}]\n"
    "  - name: zone-hour\n"
    "    metric: pm25\n"
    "    window: {kind: tumbling, span: 10m}\n"
    "    aggregate: mean\n"
    "    group: {by: [zone], mode: max}\n"
    "    levels: [{name: zone-hour-bad, issue: \">= 50\", clear: \"< 40\"}]\n"
    "  - name: zone-any\n"
    "    group: {by: [zone], mode: rules, sources: [mean-for, max-gate], within: 5m, distinct: series}\n"
    "    levels: [{name: corroborated, issue: \">= 2\", clear: \"< 1\"}]\n";

/* The same rules with `mean-for` changed (a threshold), `added` new,
 * `p90` with a new annotation (kept: annotations are not content), `trend`
 * unchanged but without the rules it shared its window with (so the
 * window has fewer aggregates: it starts fresh, and so does `trend`), the
 * others removed. */
static const char rules_changed_yaml[] =
    "version: 1\n"
    "rules:\n"
    "  - name: mean-for\n"
    "    metric: pm25\n"
    "    window: {kind: sliding, span: 10m}\n"
    "    aggregate: mean\n"
    "    levels:\n"
    "      - {name: bad, severity: s1, issue: \">= 55\", clear: \"< 40\", for: 3m, keep_firing_for: 2m}\n"
    "      - {name: worse, severity: s2, issue: \">= 80\", clear: \"< 70\", for_count: 3}\n"
    "    repeat_interval: 10m\n"
    "    flap: {changes: 4, window: 30m}\n"
    "    stale_after: 5m\n"
    "    on_missing: alert\n"
    "  - name: added\n"
    "    metric: pm25\n"
    "    window: {kind: sliding, span: 3m}\n"
    "    aggregate: last\n"
    "    levels: [{name: any, issue: \">= 0\"}]\n"
    "  - name: p90\n"
    "    metric: pm25\n"
    "    window: {kind: sliding, span: 8m, percentile: 0.9}\n"
    "    aggregate: percentile\n"
    "    levels: [{name: high, issue: \">= 70\", clear: \"< 50\"}]\n"
    "    annotations: {summary: \"new text\"}\n"
    "  - name: trend\n"
    "    metric: pm25\n"
    "    window: {kind: sliding, span: 7m, ewma_halflife: 2m, percentile: 0.9}\n"
    "    aggregate: ewma\n"
    "    levels: [{name: up, issue: \">= 60\", clear: \"< 45\"}]\n";

static jj_ruleset *rules_from(const char *yaml) {
  jj_ruleset_builder *b = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &b), JJ_OK);
  jj_error errs[2];
  size_t n = 0;
  memset(errs, 0, sizeof errs);
  jj_status st = jj_rules_load_string(b, yaml, strlen(yaml), "test.yaml", errs, 2, &n);
  if (st != JJ_OK) fprintf(stderr, "%d:%d: %s\n", errs[0].line, errs[0].column, errs[0].message);
  assert_int_equal(st, JJ_OK);
  jj_ruleset *rs = NULL;
  jj_error err;
  memset(&err, 0, sizeof err);
  st = jj_ruleset_builder_build(b, &rs, &err);
  if (st != JJ_OK) fprintf(stderr, "build: %s\n", err.message);
  assert_int_equal(st, JJ_OK);
  jj_ruleset_builder_free(b);
  return rs;
}

static jj_engine *engine_over(jj_ruleset *rs, st_events *ev, int queue, const jj_allocator *alc) {
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.lateness_ms = 20000; /* samples stay pending a while: DABA's pending part */
  cfg.on_event = queue ? NULL : st_on_event;
  cfg.on_event_ctx = ev;
  if (!queue) cfg.flags = JJ_ENGINE_NO_QUEUE;
  jj_engine *e = NULL;
  assert_int_equal(jj_engine_new(rs, &cfg, alc, &e), JJ_OK);
  return e;
}

/* Deterministic readings: four stations in two zones, every 30 s with
 * jitter, some out of order (within the lateness), a stuck run, an
 * out-of-range value, a silent station (no-data), episodes up and down. */
#define NSTEPS 2400
typedef struct reading {
  int64_t ts;
  int station;
  double v;
} reading;

static reading readings[NSTEPS];

static void make_readings(void) {
  tu_rng r;
  tu_rng_seed(&r, 11);
  const int64_t t0 = 1714500000000;
  for (int k = 0; k < NSTEPS; k++) {
    int station = k % 4;
    int64_t ts = t0 + (int64_t)(k / 4) * 30000 + tu_rng_range(&r, 0, 9000);
    if (k > 8 && tu_rng_chance(&r, 0.05)) ts -= 15000; /* late, inside the lateness */
    double phase = (double)(k / 4) / 80.0;
    double v = 45 + 40 * sin(phase + station) + tu_rng_range(&r, -15, 15);
    if (v < 0) v = 0;
    if (station == 2 && k > 600 && k < 700) v = 33.0;        /* stuck */
    if (station == 1 && k % 97 == 0) v = 900.0;               /* out of range */
    if (station == 3 && k > 1200 && k < 1500) station = -1;   /* silent: no-data */
    if (k % 50 == 0) v = -0.0;                                /* a signed zero */
    readings[k].ts = ts;
    readings[k].station = station;
    readings[k].v = v;
  }
}

static const char *zone_of(int station) { return station < 2 ? "north" : "south"; }

static void feed(jj_engine *e, int from, int to) {
  for (int k = from; k < to; k++) {
    const reading *r = &readings[k];
    if (r->station >= 0) {
      char name[16];
      snprintf(name, sizeof name, "s%d", r->station);
      jj_label l[2] = {{"station", name}, {"zone", zone_of(r->station)}};
      (void)jj_engine_push_labeled(e, "pm25", l, 2, r->ts, r->v);
    }
    if (k % 4 == 3) (void)jj_engine_advance(e, r->ts);
  }
}

static void drain(jj_engine *e, st_events *ev) {
  const jj_event *x;
  while ((x = jj_engine_poll(e)) != NULL) st_on_event(ev, x);
}

/* ---- bit for bit ---------------------------------------------------------- */

static void test_continue_bit_for_bit(void **state) {
  (void)state;
  make_readings();
  for (int queue = 0; queue < 2; queue++) {
    jj_ruleset *rs = rules_from(rules_yaml);
    st_events ref = {0}, got = {0};
    jj_engine *a = engine_over(rs, &ref, queue, NULL);
    /* Cut at several points; each continues to the end. */
    static const int cuts[] = {1, 777, 1250};
    unsigned char *snaps[3];
    size_t sizes[3], nev[3];
    int next = 0;
    for (int k = 0; k <= NSTEPS; k++) {
      if (next < 3 && k == cuts[next]) {
        if (queue) drain(a, &ref);
        snaps[next] = st_snapshot(a, &sizes[next]);
        assert_non_null(snaps[next]);
        nev[next++] = ref.n;
      }
      if (k < NSTEPS) feed(a, k, k + 1);
    }
    if (queue) drain(a, &ref);
    size_t nfinal;
    unsigned char *final = st_snapshot(a, &nfinal);
    jj_engine_free(a);
    size_t fired = 0, groups = 0, kinds = 0;
    unsigned seen = 0;
    for (size_t i = 0; i < ref.n; i++) {
      fired += ref.kind[i] == JJ_EVENT_FIRED;
      groups += strstr(ref.json[i], "\"is_group\":true") != NULL;
      seen |= 1u << ref.kind[i];
    }
    for (unsigned k = 0; k < 32; k++) kinds += (seen >> k) & 1;
    /* The readings reach most kinds of event, groups included. */
    assert_true(fired > 10 && groups > 4 && kinds >= 8);
    for (int c = 0; c < 3; c++) {
      jj_engine *b = engine_over(rs, &got, queue, NULL);
      jj_restore_report rep;
      assert_int_equal(jj_engine_restore(b, snaps[c], sizes[c], &rep, NULL), JJ_OK);
      assert_int_equal(rep.rules_kept, 11);
      feed(b, cuts[c], NSTEPS);
      if (queue) drain(b, &got);
      assert_int_equal(got.n, ref.n - nev[c]);
      for (size_t i = 0; i < got.n; i++) assert_string_equal(got.json[i], ref.json[nev[c] + i]);
      size_t n;
      unsigned char *s = st_snapshot(b, &n);
      assert_int_equal(n, nfinal);
      assert_memory_equal(s, final, n);
      free(s);
      jj_engine_free(b);
      st_events_clear(&got);
      free(snaps[c]);
    }
    free(final);
    st_events_free(&ref);
    st_events_free(&got);
    jj_ruleset_free(rs);
  }
}

/* ---- damaged images ---------------------------------------------------------- */

static uint32_t crc32_ieee(const unsigned char *p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return ~c;
}

/* Re-seal an edited image: its size and CRC (the fuzz target does too). */
static void reseal(unsigned char *p, size_t n) {
  for (int i = 0; i < 8; i++) p[8 + i] = (unsigned char)((uint64_t)n >> (8 * i));
  uint32_t c = crc32_ieee(p + 24, n - 24);
  for (int i = 0; i < 4; i++) p[16 + i] = (unsigned char)(c >> (8 * i));
}

static int engine_is_fresh(jj_engine *e) {
  jj_engine_stats st;
  jj_engine_stats_get(e, &st);
  jj_engine_stats zero;
  memset(&zero, 0, sizeof zero);
  zero.memory = st.memory;
  return jj_engine_now(e) == INT64_MIN && memcmp(&st, &zero, sizeof st) == 0;
}

static void test_damaged(void **state) {
  (void)state;
  make_readings();
  jj_ruleset *rs = rules_from(rules_yaml);
  st_events ev = {0};
  jj_engine *a = engine_over(rs, &ev, 0, NULL);
  feed(a, 0, 120);
  size_t n;
  unsigned char *img = st_snapshot(a, &n);
  assert_non_null(img);
  jj_engine_free(a);
  unsigned char *bad = malloc(n + 8);
  assert_non_null(bad);
  jj_engine *b = engine_over(rs, &ev, 0, NULL);
  size_t mem0;
  {
    jj_engine_stats st;
    jj_engine_stats_get(b, &st);
    mem0 = st.memory;
  }
  jj_error err;
  /* Every truncation. */
  for (size_t k = 0; k < n; k++) {
    memset(&err, 0, sizeof err);
    assert_int_equal(jj_engine_restore(b, img, k, NULL, &err), JJ_EINVAL);
    assert_true(err.message[0] != '\0');
  }
  assert_non_null(strstr(err.message, "truncated"));
  /* Every byte flipped: the header's fields, the CRC or the checksum. */
  for (size_t k = 0; k < n; k += (k < 256 ? 1 : 101)) {
    memcpy(bad, img, n);
    bad[k] ^= 0x5a;
    jj_status st = jj_engine_restore(b, bad, n, NULL, &err);
    assert_true(st == JJ_EINVAL || st == JJ_ENOTSUP);
  }
  /* Foreign and other versions. */
  memcpy(bad, img, n);
  bad[0] = 'X';
  assert_int_equal(jj_engine_restore(b, bad, n, NULL, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "not a libjjair snapshot"));
  memcpy(bad, img, n);
  bad[4] = 2;
  assert_int_equal(jj_engine_restore(b, bad, n, NULL, &err), JJ_ENOTSUP);
  assert_non_null(strstr(err.message, "version 2"));
  /* Extra bytes after the image. */
  memcpy(bad, img, n);
  bad[n] = 0;
  assert_int_equal(jj_engine_restore(b, bad, n + 1, NULL, &err), JJ_EINVAL);
  /* Sealed damage: the CRC is right but a field is not. Every byte of the
   * 61st byte of the body, resealed: refused or taken, never a crash (ASan and
   * valgrind watch), and when refused the engine is untouched. */
  size_t refused = 0;
  for (size_t k = 24; k < n; k += 61) {
    memcpy(bad, img, n);
    bad[k] ^= 0xff;
    reseal(bad, n);
    jj_engine *c = engine_over(rs, &ev, 0, NULL);
    jj_status st = jj_engine_restore(c, bad, n, NULL, &err);
    if (st != JJ_OK) {
      refused++;
      assert_true(engine_is_fresh(c));
    } else {
      feed(c, 120, 140); /* a taken image must run */
    }
    jj_engine_free(c);
    st_events_clear(&ev);
  }
  assert_true(refused > 0);
  /* Through all of it, b stayed fresh and its memory did not move. */
  assert_true(engine_is_fresh(b));
  {
    jj_engine_stats st;
    jj_engine_stats_get(b, &st);
    assert_int_equal(st.memory, mem0);
  }
  assert_int_equal(jj_engine_restore(b, img, n, NULL, &err), JJ_OK);
  /* Only a fresh engine takes a snapshot. */
  jj_engine *c = engine_over(rs, &ev, 0, NULL);
  feed(c, 0, 4);
  assert_int_equal(jj_engine_restore(c, img, n, NULL, &err), JJ_ESTATE);
  jj_engine_free(c);
  /* The settings the state depends on must match. */
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.lateness_ms = 1000;
  assert_int_equal(jj_engine_new(rs, &cfg, NULL, &c), JJ_OK);
  assert_int_equal(jj_engine_restore(c, img, n, NULL, &err), JJ_EINVAL);
  assert_non_null(strstr(err.message, "lateness_ms"));
  jj_engine_free(c);
  jj_engine_free(b);
  free(bad);
  free(img);
  st_events_free(&ev);
  jj_ruleset_free(rs);
}

/* Only TUMBLING windows close: an image (sealed, its CRC right) whose
 * sliding window claims closed windows is refused, and the engine stays
 * fresh. The window's counters end its record: accepted, evicted, late,
 * invalid, full, duplicates, closed (little-endian u64s). Found by their
 * values; the same edit of the late counter is taken, so the place is
 * the counters and only the closed one is refused. */
static void put_u64le(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void test_closed_on_sliding(void **state) {
  (void)state;
  static const char yaml[] =
      "version: 1\n"
      "rules:\n"
      "  - name: mean\n"
      "    metric: pm25\n"
      "    window: {kind: sliding, span: 10s}\n"
      "    aggregate: mean\n"
      "    levels: [{name: high, issue: \">= 1000\"}]\n";
  jj_ruleset *rs = rules_from(yaml);
  st_events ev = {0};
  jj_engine *a = engine_over(rs, &ev, 0, NULL);
  jj_label l = {"station", "a"};
  const int pushes = 25; /* one a second: 10 stay in the 10 s window, 15 evicted */
  for (int k = 0; k < pushes; k++)
    assert_int_equal(jj_engine_push_labeled(a, "pm25", &l, 1, 1700000000000LL + k * 1000, 5.0),
                     JJ_OK);
  size_t n;
  unsigned char *img = st_snapshot(a, &n);
  assert_non_null(img);
  /* accepted 25, evicted 14 or 15 (the 10 s window holds 10 or 11), then
   * five zeros. */
  size_t at = 0, found = 0;
  static const unsigned char zeros[40] = {0};
  for (size_t k = 24; k + 56 <= n; k++) {
    uint64_t acc = 0, evicted = 0;
    for (int i = 7; i >= 0; i--) {
      acc = acc << 8 | img[k + (size_t)i];
      evicted = evicted << 8 | img[k + 8 + (size_t)i];
    }
    if (acc == (uint64_t)pushes && evicted >= 14 && evicted <= 15 &&
        memcmp(img + k + 16, zeros, sizeof zeros) == 0) {
      at = k;
      found++;
    }
  }
  assert_int_equal(found, 1);
  unsigned char *bad = malloc(n);
  assert_non_null(bad);
  jj_error err;
  for (int field = 2; field <= 6; field += 4) { /* 2: rejected_late, 6: closed */
    memcpy(bad, img, n);
    put_u64le(bad + at + 8 * (size_t)field, 1);
    reseal(bad, n);
    jj_engine *b = engine_over(rs, &ev, 0, NULL);
    jj_status st = jj_engine_restore(b, bad, n, NULL, &err);
    if (field == 2) {
      assert_int_equal(st, JJ_OK);
    } else {
      assert_int_equal(st, JJ_EINVAL);
      assert_true(engine_is_fresh(b));
    }
    jj_engine_free(b);
  }
  free(bad);
  free(img);
  jj_engine_free(a);
  st_events_free(&ev);
  jj_ruleset_free(rs);
}

/* ---- golden image ----------------------------------------------------------- */

/* An image of the engine after the first 200 readings through rules_yaml
 * restores into a fresh engine that continues exactly as the engine that
 * wrote it. */
static void continues_as_writer(jj_ruleset *rs, const unsigned char *img, size_t n) {
  st_events ev = {0}, ev2 = {0};
  jj_engine *a = engine_over(rs, &ev, 0, NULL);
  feed(a, 0, 200);
  jj_engine *b = engine_over(rs, &ev2, 0, NULL);
  assert_int_equal(jj_engine_restore(b, img, n, NULL, NULL), JJ_OK);
  size_t from = ev.n;
  feed(a, 200, 600);
  feed(b, 200, 600);
  assert_int_equal(ev2.n, ev.n - from);
  for (size_t i = 0; i < ev2.n; i++) assert_string_equal(ev2.json[i], ev.json[from + i]);
  jj_engine_free(a);
  jj_engine_free(b);
  st_events_free(&ev);
  st_events_free(&ev2);
}

static unsigned char *read_data(const char *name, size_t *n) {
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/data/%s", JJ_SOURCE_DIR, name);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  size_t cap = 1 << 16, len = 0;
  unsigned char *buf = malloc(cap);
  assert_non_null(buf);
  size_t got;
  while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
    len += got;
    if (len == cap) {
      cap *= 2;
      buf = realloc(buf, cap);
      assert_non_null(buf);
    }
  }
  fclose(f);
  *n = len;
  return buf;
}

/* tests/data/snapshot_v1.bin: the engine after the first 200 readings
 * through rules_yaml, written once (JJ_UPDATE_GOLDEN=1 rewrites it). A
 * format change that breaks it must raise JJ_SNAPSHOT_VERSION.
 * tests/data/snapshot_v1_pow2.bin is the same engine written by the
 * library before rings grew by an eighth (power-of-two ring capacities)
 * and before max_samples_per_window 0 became the default (it says 65536):
 * the same format, so it must still restore and continue. */
static void test_golden(void **state) {
  (void)state;
  make_readings();
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/data/snapshot_v1.bin", JJ_SOURCE_DIR);
  jj_ruleset *rs = rules_from(rules_yaml);
  st_events ev = {0};
  jj_engine *a = engine_over(rs, &ev, 0, NULL);
  feed(a, 0, 200);
  size_t n;
  unsigned char *img = st_snapshot(a, &n);
  if (getenv("JJ_UPDATE_GOLDEN")) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(img, 1, n, f), n);
    fclose(f);
  }
  size_t gn;
  unsigned char *gold = read_data("snapshot_v1.bin", &gn);
  /* The same bytes on this host (byte order and word size do not show). */
  assert_int_equal(gn, n);
  assert_memory_equal(gold, img, n);
  /* And the golden images continue as the engine that wrote them. */
  continues_as_writer(rs, gold, gn);
  size_t on;
  unsigned char *old = read_data("snapshot_v1_pow2.bin", &on);
  continues_as_writer(rs, old, on);
  jj_engine_free(a);
  free(old);
  free(gold);
  free(img);
  st_events_free(&ev);
  jj_ruleset_free(rs);
}

/* ---- changed rules ------------------------------------------------------------ */

static int level_of(jj_engine *e, jj_series_id id, uint32_t rule) {
  jj_alert_state a;
  if (jj_engine_alert_state(e, id, rule, &a) != JJ_OK) return -1;
  return a.level;
}

static uint32_t rule_index(const char *yaml, const char *name) {
  /* Rules are indexed in file order. */
  uint32_t i = 0;
  const char *p = yaml;
  while ((p = strstr(p, "  - name: ")) != NULL) {
    p += 10;
    if (strncmp(p, name, strlen(name)) == 0 && p[strlen(name)] == '\n') return i;
    i++;
  }
  return UINT32_MAX;
}

/* Drive station s0 high until mean-for, max-gate and p90 fire. */
static void drive_high(jj_engine *e, int64_t *t) {
  jj_label l[2] = {{"station", "s0"}, {"zone", "north"}};
  for (int k = 0; k < 40; k++, *t += 30000) {
    (void)jj_engine_advance(e, *t);
    (void)jj_engine_push_labeled(e, "pm25", l, 2, *t, 95.0 + (k % 3));
  }
}

/* The alerts active before a restore or reload, as the events that must
 * end them: "rule|kind|reason|level_name|labels" (sorted). */
typedef struct expect {
  char line[64][400];
  size_t n;
} expect;

static void labels_text(const jj_label *l, uint32_t n, char *out, size_t size) {
  out[0] = '\0';
  for (uint32_t i = 0; i < n; i++) {
    size_t k = strlen(out);
    snprintf(out + k, size - k, "%s=%s,", l[i].name, l[i].value);
  }
}

static int collect_active(void *ctx, const jj_event *a) {
  expect *x = ctx;
  if (strcmp(a->rule, "p90") == 0) return 0; /* kept: no event */
  const char *reason = strcmp(a->rule, "mean-for") == 0 || strcmp(a->rule, "trend") == 0
                           ? "rule_changed"
                           : "rule_removed";
  char labels[128];
  labels_text(a->labels, a->nlabels, labels, sizeof labels);
  assert_true(x->n < 62);
  if (a->reason == JJ_REASON_STALE)
    snprintf(x->line[x->n++], 400, "%s|nodata_resolved|%s|%s", a->rule, reason, labels);
  if (a->level > 0)
    snprintf(x->line[x->n++], 400, "%s|resolved|%s|%s|%s", a->rule, reason, a->level_name,
             labels);
  return 0;
}

static int cmp_line(const void *a, const void *b) { return strcmp(a, b); }

/* Each event is checked on its fields as the poll (or callback) gave them:
 * the st_events JSON is only for order. */
static void check_reload_events(const expect *want, const st_events *ev, size_t from) {
  static expect got;
  got.n = 0;
  for (size_t i = from; i < ev->n; i++) {
    char rule[64], kind[32], reason[32], level[64];
    const char *j = ev->json[i];
    assert_int_equal(sscanf(strstr(j, "\"rule\":"), "\"rule\":\"%63[^\"]", rule), 1);
    assert_int_equal(sscanf(strstr(j, "\"kind\":"), "\"kind\":\"%31[^\"]", kind), 1);
    assert_int_equal(sscanf(strstr(j, "\"reason\":"), "\"reason\":\"%31[^\"]", reason), 1);
    assert_int_equal(sscanf(strstr(j, "\"level_name\":"), "\"level_name\":\"%63[^\"]", level), 1);
    /* labels: {"a":"x","b":"y"} -> a=x,b=y, */
    char lab[128] = "";
    const char *lp = strstr(j, "\"labels\":{") + 10;
    char name[32], value[32];
    while (sscanf(lp, "\"%31[^\"]\":\"%31[^\"]\"", name, value) == 2) {
      size_t k = strlen(lab);
      snprintf(lab + k, sizeof lab - k, "%s=%s,", name, value);
      lp += strlen(name) + strlen(value) + 5;
      if (*lp == ',') lp++;
    }
    assert_true(got.n < 64);
    if (strcmp(kind, "resolved") == 0)
      snprintf(got.line[got.n++], 400, "%s|%s|%s|%s|%s", rule, kind, reason, level, lab);
    else
      snprintf(got.line[got.n++], 400, "%s|%s|%s|%s", rule, kind, reason, lab);
  }
  static expect w;
  w = *want;
  qsort(w.line, w.n, sizeof w.line[0], cmp_line);
  qsort(got.line, got.n, sizeof got.line[0], cmp_line);
  for (size_t i = 0; i < got.n && i < w.n; i++) assert_string_equal(got.line[i], w.line[i]);
  assert_int_equal(got.n, w.n);
  assert_true(w.n >= 3); /* mean-for, trend and a removed rule at least */
}

static void test_restore_changed_rules(void **state) {
  (void)state;
  jj_ruleset *rs = rules_from(rules_yaml);
  st_events ev = {0};
  jj_engine *a = engine_over(rs, &ev, 0, NULL);
  int64_t t = 1714500000000;
  drive_high(a, &t);
  jj_series_id id;
  jj_label l[2] = {{"station", "s0"}, {"zone", "north"}};
  assert_int_equal(jj_engine_series(a, "pm25", l, 2, &id), JJ_OK);
  assert_int_equal(level_of(a, id, rule_index(rules_yaml, "mean-for")), 2);
  assert_int_equal(level_of(a, id, rule_index(rules_yaml, "max-gate")), 1);
  assert_int_equal(level_of(a, id, rule_index(rules_yaml, "p90")), 1);
  static expect want;
  want.n = 0;
  assert_int_equal(jj_engine_foreach_alert(a, collect_active, &want), JJ_OK);
  size_t n;
  unsigned char *img = st_snapshot(a, &n);
  jj_engine_free(a);
  jj_ruleset_free(rs);

  jj_ruleset *rs2 = rules_from(rules_changed_yaml);
  st_events ev2 = {0};
  jj_engine *b = engine_over(rs2, &ev2, 1, NULL); /* with a poll queue */
  jj_restore_report rep;
  assert_int_equal(jj_engine_restore(b, img, n, &rep, NULL), JJ_OK);
  assert_int_equal(rep.rules_kept, 2);    /* p90 (its annotation changed), trend */
  assert_int_equal(rep.rules_changed, 1); /* mean-for */
  assert_int_equal(rep.rules_removed, 8);
  assert_int_equal(rep.rules_added, 1);
  assert_int_equal(rep.series, 1);
  assert_int_equal(rep.windows_reset, 1); /* trend's */
  assert_int_equal(rep.alerts_ended, want.n);
  drain(b, &ev2);
  check_reload_events(&want, &ev2, 0);
  assert_int_equal(level_of(b, id, rule_index(rules_changed_yaml, "p90")), 1);
  assert_int_equal(level_of(b, id, rule_index(rules_changed_yaml, "mean-for")), 0);
  /* The changed rule starts fresh and fires again on its own terms. */
  drive_high(b, &t);
  drain(b, &ev2);
  assert_int_equal(level_of(b, id, rule_index(rules_changed_yaml, "mean-for")), 2);
  jj_engine_free(b);
  jj_ruleset_free(rs2);
  free(img);
  st_events_free(&ev);
  st_events_free(&ev2);
}

static void test_reload(void **state) {
  (void)state;
  jj_ruleset *rs = rules_from(rules_yaml);
  st_events ev = {0};
  jj_engine *e = engine_over(rs, &ev, 1, NULL);
  jj_ruleset_free(rs); /* the engine holds it */
  int64_t t = 1714500000000;
  drive_high(e, &t);
  /* One event polled and kept, the rest left queued across the reload. */
  const jj_event *held = jj_engine_poll(e);
  assert_non_null(held);
  char before[4096];
  jj_event_json(held, before, sizeof before);
  jj_series_id id;
  jj_label l[2] = {{"station", "s0"}, {"zone", "north"}};
  assert_int_equal(jj_engine_series(e, "pm25", l, 2, &id), JJ_OK);
  const uint32_t p90_old = rule_index(rules_yaml, "p90");
  static expect want;
  want.n = 0;
  assert_int_equal(jj_engine_foreach_alert(e, collect_active, &want), JJ_OK);
  jj_engine_stats st0;
  jj_engine_stats_get(e, &st0);

  /* A rule file that fails to load never reaches the engine. */
  jj_ruleset_builder *bad = NULL;
  assert_int_equal(jj_ruleset_builder_new(NULL, &bad), JJ_OK);
  assert_int_equal(jj_rules_load_string(bad, "rules: [{name: x", 16, "bad.yaml", NULL, 0, NULL),
                   JJ_EINVAL);
  jj_ruleset_builder_free(bad);
  assert_int_equal(level_of(e, id, p90_old), 1);

  jj_ruleset *rs2 = rules_from(rules_changed_yaml);
  jj_restore_report rep;
  jj_error err;
  memset(&err, 0, sizeof err);
  assert_int_equal(jj_engine_reload(e, rs2, &rep, &err), JJ_OK);
  jj_ruleset_free(rs2);
  assert_int_equal(rep.rules_kept, 2);
  assert_int_equal(rep.alerts_ended, want.n);
  /* The event polled before the reload is still whole (old labels, old
   * rule strings: valgrind and ASan watch the reads). */
  char after[4096];
  jj_event_json(held, after, sizeof after);
  assert_string_equal(before, after);
  /* Ids, counters and sequence numbers go on. */
  jj_series_id id2;
  assert_int_equal(jj_engine_series(e, "pm25", l, 2, &id2), JJ_OK);
  assert_int_equal(id2, id);
  jj_engine_stats st1;
  jj_engine_stats_get(e, &st1);
  assert_int_equal(st1.accepted, st0.accepted);
  assert_int_equal(st1.events, st0.events + want.n);
  /* The queued events of the old rules, then the two endings. */
  size_t old_queued = 0;
  const jj_event *x;
  uint64_t last_seq = held->seq;
  size_t from = 0;
  while ((x = jj_engine_poll(e)) != NULL) {
    assert_true(x->seq > last_seq);
    last_seq = x->seq;
    st_on_event(&ev, x);
    if (x->reason != JJ_REASON_RULE_CHANGED && x->reason != JJ_REASON_RULE_REMOVED)
      old_queued++, from = ev.n;
  }
  assert_true(old_queued > 0);
  check_reload_events(&want, &ev, from);
  assert_int_equal(level_of(e, id, rule_index(rules_changed_yaml, "p90")), 1);
  /* Reloading the same rules keeps everything and says nothing. */
  jj_ruleset *rs3 = rules_from(rules_changed_yaml);
  assert_int_equal(jj_engine_reload(e, rs3, &rep, NULL), JJ_OK);
  assert_int_equal(rep.rules_kept, 4);
  assert_int_equal(rep.alerts_ended, 0);
  assert_null(jj_engine_poll(e));
  jj_ruleset_free(rs3);
  drive_high(e, &t);
  jj_engine_free(e);
  st_events_free(&ev);
}

/* From the event callback, every snapshot call is refused. */
static jj_engine *cb_engine;
static jj_ruleset *cb_rules;
static jj_status cb_status[3];
static void reentrant(void *ctx, const jj_event *ev) {
  (void)ctx;
  (void)ev;
  size_t need;
  cb_status[0] = jj_engine_snapshot(cb_engine, NULL, 0, &need);
  cb_status[1] = jj_engine_reload(cb_engine, cb_rules, NULL, NULL);
  cb_status[2] = jj_engine_save(cb_engine, "/nonexistent/x", NULL);
}

static void test_from_callback(void **state) {
  (void)state;
  jj_ruleset *rs = rules_from(rules_yaml);
  cb_rules = rs;
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.on_event = reentrant;
  assert_int_equal(jj_engine_new(rs, &cfg, NULL, &cb_engine), JJ_OK);
  int64_t t = 1714500000000;
  drive_high(cb_engine, &t);
  for (int i = 0; i < 3; i++) assert_int_equal(cb_status[i], JJ_ESTATE);
  jj_engine_free(cb_engine);
  jj_ruleset_free(rs);
}

/* ---- allocation failures ---------------------------------------------------- */

static void test_alloc_failures(void **state) {
  (void)state;
  make_readings();
  jj_ruleset *rs = rules_from(rules_yaml);
  jj_ruleset *rs2 = rules_from(rules_changed_yaml);
  st_events ev = {0};
  jj_engine *a = engine_over(rs, &ev, 0, NULL);
  feed(a, 0, 240);
  size_t n;
  unsigned char *img = st_snapshot(a, &n);
  jj_engine_free(a);
  /* A snapshot allocates nothing. */
  tu_alloc ta;
  tu_alloc_init(&ta);
  jj_engine *e = engine_over(rs, &ev, 1, &ta.alc);
  feed(e, 0, 100);
  unsigned long calls = ta.calls;
  size_t m;
  unsigned char *s = st_snapshot(e, &m);
  free(s);
  assert_int_equal(ta.calls, calls);
  jj_engine_free(e);
  assert_int_equal(ta.live_blocks, 0);
  /* Restore: fail the Nth allocation for every N until it succeeds. */
  int done = 0;
  for (unsigned long k = 1; !done; k++) {
    tu_alloc_init(&ta);
    e = engine_over(rs, &ev, 1, &ta.alc);
    size_t live = ta.live_bytes;
    tu_alloc_fail_at(&ta, k, 0);
    jj_status st = jj_engine_restore(e, img, n, NULL, NULL);
    if (st == JJ_OK) {
      done = 1;
    } else {
      assert_int_equal(st, JJ_ENOMEM);
      assert_true(engine_is_fresh(e));
      assert_int_equal(ta.live_bytes, live);
    }
    jj_engine_free(e);
    assert_int_equal(ta.live_blocks, 0);
    assert_int_equal(ta.errors, 0);
  }
  /* Reload: the running engine goes on untouched. */
  done = 0;
  for (unsigned long k = 1; !done; k++) {
    tu_alloc_init(&ta);
    st_events_clear(&ev);
    e = engine_over(rs, &ev, 0, &ta.alc);
    feed(e, 0, 240);
    size_t before_n;
    unsigned char *before = st_snapshot(e, &before_n);
    size_t nev = ev.n;
    tu_alloc_fail_at(&ta, k, 0);
    jj_status st = jj_engine_reload(e, rs2, NULL, NULL);
    if (st == JJ_OK) {
      done = 1;
    } else {
      assert_int_equal(st, JJ_ENOMEM);
      size_t after_n;
      unsigned char *after = st_snapshot(e, &after_n);
      assert_int_equal(after_n, before_n);
      assert_memory_equal(after, before, after_n);
      assert_int_equal(ev.n, nev);
      free(after);
      feed(e, 240, 260);
    }
    free(before);
    jj_engine_free(e);
    assert_int_equal(ta.live_blocks, 0);
    assert_int_equal(ta.errors, 0);
  }
  free(img);
  st_events_free(&ev);
  jj_ruleset_free(rs);
  jj_ruleset_free(rs2);
}

/* ---- files ---------------------------------------------------------------------- */

static void test_save_load(void **state) {
  (void)state;
  make_readings();
  jj_ruleset *rs = rules_from(rules_yaml);
  st_events ev = {0};
  jj_engine *a = engine_over(rs, &ev, 0, NULL);
  feed(a, 0, 300);
  char path[256], tmp[300];
  snprintf(path, sizeof path, "/tmp/jj_snap_%ld.bin", (long)getpid());
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  jj_error err;
  memset(&err, 0, sizeof err);
  assert_int_equal(jj_engine_save(a, path, &err), JJ_OK);
  assert_int_equal(jj_engine_save(a, path, &err), JJ_OK); /* over an existing one */
  FILE *f = fopen(tmp, "rb");
  assert_null(f); /* the temporary is gone */
  jj_engine *b = engine_over(rs, &ev, 0, NULL);
  assert_int_equal(jj_engine_load(b, path, NULL, &err), JJ_OK);
  size_t n1, n2;
  unsigned char *s1 = st_snapshot(a, &n1), *s2 = st_snapshot(b, &n2);
  assert_int_equal(n1, n2);
  assert_memory_equal(s1, s2, n1);
  free(s1);
  free(s2);
  /* Out of memory: save keeps the file it would replace, load leaves the
   * engine fresh; failing every allocation in turn until each succeeds. */
  tu_alloc ta;
  int done = 0;
  for (unsigned long k = 1; !done; k++) {
    tu_alloc_init(&ta);
    jj_engine *d = engine_over(rs, &ev, 0, &ta.alc);
    feed(d, 0, 100);
    tu_alloc_fail_at(&ta, k, 0);
    jj_status st = jj_engine_save(d, path, &err);
    if (st == JJ_OK) {
      done = 1;
    } else {
      assert_int_equal(st, JJ_ENOMEM);
      jj_engine *check = engine_over(rs, &ev, 0, NULL);
      assert_int_equal(jj_engine_load(check, path, NULL, &err), JJ_OK);
      size_t nc;
      unsigned char *sc = st_snapshot(check, &nc);
      assert_int_equal(nc, n1);
      free(sc);
      jj_engine_free(check);
    }
    jj_engine_free(d);
    assert_int_equal(ta.live_blocks, 0);
  }
  done = 0;
  for (unsigned long k = 1; !done; k++) {
    tu_alloc_init(&ta);
    jj_engine *d = engine_over(rs, &ev, 0, &ta.alc);
    size_t live = ta.live_bytes;
    tu_alloc_fail_at(&ta, k, 0);
    jj_status st = jj_engine_load(d, path, NULL, &err);
    if (st == JJ_OK) {
      done = 1;
    } else {
      assert_int_equal(st, JJ_ENOMEM);
      assert_true(engine_is_fresh(d));
      assert_int_equal(ta.live_bytes, live);
    }
    jj_engine_free(d);
    assert_int_equal(ta.live_blocks, 0);
    assert_int_equal(ta.errors, 0);
  }
  remove(path);
  jj_engine *c = engine_over(rs, &ev, 0, NULL);
  assert_int_equal(jj_engine_load(c, path, NULL, &err), JJ_ENOTFOUND);
  assert_non_null(strstr(err.message, path));
  assert_int_equal(jj_engine_load(c, "/tmp", NULL, &err), JJ_ENOTFOUND); /* a directory */
  assert_non_null(strstr(err.message, "not a regular file"));
  assert_string_equal(err.file, "/tmp");
  assert_int_equal(jj_engine_save(a, "/nonexistent-dir/x.bin", &err), JJ_ENOTFOUND);
  assert_non_null(strstr(err.message, "nonexistent-dir"));
  jj_engine_free(a);
  jj_engine_free(b);
  jj_engine_free(c);
  st_events_free(&ev);
  jj_ruleset_free(rs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_continue_bit_for_bit),
      cmocka_unit_test(test_damaged),
      cmocka_unit_test(test_closed_on_sliding),
      cmocka_unit_test(test_golden),
      cmocka_unit_test(test_restore_changed_rules),
      cmocka_unit_test(test_reload),
      cmocka_unit_test(test_from_callback),
      cmocka_unit_test(test_alloc_failures),
      cmocka_unit_test(test_save_load),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
