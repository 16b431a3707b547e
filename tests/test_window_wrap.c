/* Window positions across their wrap (lib/window.c): a window numbers its
 * samples with 32-bit positions that wrap every 2^32 samples, and keeps
 * the high halves of its tail and its accepted counter in the rare
 * counters. Each window here starts just below the wrap (a restored image
 * whose head, and accepted count, are 2^32 - a few hundred) and is fed
 * the same stream as a window starting at 0: in order and out of order
 * within lateness, duplicates kept, replaced or rejected, gaps that empty
 * it; sliding time and count windows, min/max lanes, moments, the
 * percentile sketch, TUMBLING, and members of a shared ring. After every
 * push both must return the same status and the same values to the bit,
 * counters offset by what the image said, and a brute-force scan of the
 * stored samples must agree on count, min, max and sum. Their images
 * must be the same but for the 64-bit head and the counters, and restore
 * to themselves. An ordered comparison of raw positions, or a lost high
 * half, fails here. */
/* cmocka needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jjair/window.h"
#include "snapbuf.h"
#include "window_fast.h"
#include "window_snap.h"
#include "window_image_testutil.h"

#define SEC 1000
#define NSAMPLES 2500
#define WRAP ((uint64_t)1 << 32)

static uint32_t g_rng = 1;
static uint32_t rnd(void) {
  g_rng = g_rng * 1103515245u + 12345u;
  return g_rng >> 8;
}

/* ---- images ------------------------------------------------------------- */

static uint64_t get_u64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
  return v;
}
static void put_u64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* Where the image's head is: after the settings (a length-prefixed
 * part), the time flag and time, the ring's capacity. The counters end
 * it: accepted, evicted, then five more. */
static size_t head_at(const unsigned char *p) {
  return 4 + ((size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 | (size_t)p[3] << 24) + 1 +
         8 + 8;
}
#define ACCEPTED_FROM_END 56
#define EVICTED_FROM_END 48

/* Load an image into `w` (just created, of the same settings). */
static void restore(jj_window *w, const unsigned char *img, size_t n) {
  jj_rbuf in = {img, n, 0, 0};
  assert_int_equal(jj__window_decode(w, &in), JJ_OK);
}

/* An empty window's image with its head at `head` and `accepted` samples
 * taken (and evicted): restored into `w`. */
static void start_at(jj_window *w, const jj_window_config *cfg, uint64_t head, uint64_t accepted) {
  jj_window *e;
  assert_int_equal(jj_window_new(cfg, NULL, &e), JJ_OK);
  size_t n;
  unsigned char *img = encode(e, &n);
  jj_window_free(e);
  put_u64(img + head_at(img), head);
  put_u64(img + n - ACCEPTED_FROM_END, accepted);
  put_u64(img + n - EVICTED_FROM_END, accepted);
  restore(w, img, n);
  free(img);
}

/* w's image is ref's with the head `dhead` and the counters accepted
 * and evicted `dacc` further on; and it restores to itself. */
static void check_image(const jj_window *w, const jj_window *ref, const jj_window_config *cfg,
                        uint64_t dhead, uint64_t dacc) {
  size_t n, nr;
  unsigned char *img = encode(w, &n), *want = encode(ref, &nr);
  assert_int_equal(n, nr);
  const size_t h = head_at(want);
  put_u64(want + h, get_u64(want + h) + dhead);
  put_u64(want + n - ACCEPTED_FROM_END, get_u64(want + n - ACCEPTED_FROM_END) + dacc);
  put_u64(want + n - EVICTED_FROM_END, get_u64(want + n - EVICTED_FROM_END) + dacc);
  assert_memory_equal(img, want, n);
  if (cfg) { /* (own windows: a shared member restores with its ring) */
    jj_window *r;
    assert_int_equal(jj_window_new(cfg, NULL, &r), JJ_OK);
    restore(r, img, n);
    size_t n2;
    unsigned char *again = encode(r, &n2);
    assert_int_equal(n2, n);
    assert_memory_equal(again, img, n);
    free(again);
    jj_window_free(r);
  }
  free(img);
  free(want);
}

/* ---- the stream ------------------------------------------------------------ */

typedef struct sample {
  int64_t ts;
  double v;
  int advance; /* jj_window_advance to ts instead of a push */
} sample;

/* About one sample a second as a random walk; with `ooo`, some come up
 * to `late` ms late, some repeat a timestamp; a few gaps longer than
 * `gap` empty a window; a few advances. */
static void make_stream(sample *s, int n, int ooo, int64_t late, int64_t gap, uint32_t seed) {
  g_rng = seed;
  int64_t t = 1700000000000;
  double v = 50.0;
  for (int i = 0; i < n; i++) {
    t += SEC;
    if (rnd() % 700 == 0) t += gap;
    v += (double)((int)(rnd() % 2001) - 1000) / 100.0;
    s[i].ts = t;
    s[i].v = v;
    s[i].advance = rnd() % 300 == 0;
    if (ooo && i > 0 && rnd() % 4 == 0) s[i].ts = t - (int64_t)(rnd() % (uint32_t)(late + 1));
    if (ooo && i > 0 && rnd() % 25 == 0) s[i].ts = s[i - 1].ts; /* a duplicate */
  }
}

/* ---- checks ---------------------------------------------------------------- */

static int same_double(double a, double b) {
  return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* Every enabled aggregate, status and value, to the bit; the counters,
 * accepted and evicted offset by dacc. */
static void check_same(const jj_window *w, const jj_window *ref, uint32_t aggs, uint64_t dacc) {
  for (int a = 0; a < JJ_AGG__COUNT; a++) {
    if (!(aggs & JJ_AGG_BIT(a))) continue;
    double x, y;
    jj_status sx = jj_window_value(w, (jj_agg)a, &x), sy = jj_window_value(ref, (jj_agg)a, &y);
    assert_int_equal(sx, sy);
    if (!same_double(x, y)) fail_msg("aggregate %d: %.17g != %.17g", a, x, y);
  }
  jj_window_counters c, r;
  jj_window_counters_get(w, &c);
  jj_window_counters_get(ref, &r);
  assert_true(c.accepted == r.accepted + dacc);
  assert_true(c.evicted == r.evicted + dacc);
  assert_true(c.rejected_late == r.rejected_late);
  assert_true(c.duplicates == r.duplicates);
  assert_true(c.closed == r.closed);
}

/* Brute force over what a sliding time window keeps: every accepted
 * sample later than now - span (the window kept the accepted ones in
 * `kept`, duplicates kept). */
typedef struct brute {
  sample *kept;
  int n;
  int64_t now;
  int has_now;
} brute;

static void brute_push(brute *b, const jj_window_config *cfg, int64_t ts, double v,
                       jj_status got) {
  const int late = b->has_now && ts < b->now - cfg->lateness_ms;
  assert_int_equal(got, late ? JJ_ELATE : JJ_OK);
  if (late) return;
  if (!b->has_now || ts > b->now) b->now = ts;
  b->has_now = 1;
  b->kept[b->n].ts = ts;
  b->kept[b->n].v = v;
  b->n++;
}

static void brute_check(const brute *b, const jj_window *w, int64_t span) {
  double lo = INFINITY, hi = -INFINITY, sum = 0.0, mag = 0.0;
  int count = 0;
  for (int i = 0; i < b->n; i++) {
    if (b->kept[i].ts <= b->now - span) continue;
    count++;
    sum += b->kept[i].v;
    mag += fabs(b->kept[i].v);
    if (b->kept[i].v < lo) lo = b->kept[i].v;
    if (b->kept[i].v > hi) hi = b->kept[i].v;
  }
  double x;
  jj_window_value(w, JJ_AGG_COUNT, &x);
  assert_true(x == (double)count);
  if (count == 0) return;
  assert_int_equal(jj_window_value(w, JJ_AGG_MIN, &x), JJ_OK);
  assert_true(x == lo);
  assert_int_equal(jj_window_value(w, JJ_AGG_MAX, &x), JJ_OK);
  assert_true(x == hi);
  assert_int_equal(jj_window_value(w, JJ_AGG_SUM, &x), JJ_OK);
  assert_true(fabs(x - sum) <= 1e-12 * mag + 1e-12);
}

/* ---- own windows ------------------------------------------------------------ */

/* The image's head and sample count add up to the samples the window has
 * stored since it started at 0: every push it took but a replaced
 * duplicate or one older than a full count window holds. */
static void check_stored(const jj_window *w, uint64_t stored) {
  size_t n;
  unsigned char *img = encode(w, &n);
  const size_t h = head_at(img);
  assert_true(get_u64(img + h) + get_u64(img + h + 8) == stored);
  free(img);
}

/* 1 when pushing (ts, ok) to `ref` stored a sample, from what it said
 * before (`before`: its stats and counters) and after. */
static int stored_one(const jj_window *ref, const jj_window_config *cfg, int64_t ts,
                      const jj_window_stats *before, const jj_window_counters *cb) {
  jj_window_counters ca;
  jj_window_counters_get(ref, &ca);
  if (cfg->duplicates == JJ_DUP_REPLACE && ca.duplicates != cb->duplicates) return 0;
  if (cfg->kind == JJ_WINDOW_SLIDING_COUNT && before->count >= cfg->count &&
      ts < before->start_ms)
    return 0;
  return 1;
}

typedef struct wcase {
  jj_window_kind kind;
  int64_t span, lateness, hop;
  uint32_t count;
  uint32_t aggs;
  jj_dup_policy dups;
  int ooo;
  uint64_t head, accepted; /* where the window starts */
} wcase;

#define AGG2(a, b) (JJ_AGG_BIT(JJ_AGG_##a) | JJ_AGG_BIT(JJ_AGG_##b))
#define BRUTE_AGGS (AGG2(COUNT, SUM) | AGG2(MIN, MAX))

static void run_own(const wcase *c, uint32_t seed) {
  jj_window_config cfg;
  jj_window_config_init(&cfg);
  cfg.kind = c->kind;
  cfg.span_ms = c->span;
  cfg.lateness_ms = c->lateness;
  cfg.hop_ms = c->hop;
  cfg.count = c->count;
  cfg.aggregates = c->aggs;
  cfg.duplicates = c->dups;
  jj_window *w, *ref;
  assert_int_equal(jj_window_new(&cfg, NULL, &w), JJ_OK);
  assert_int_equal(jj_window_new(&cfg, NULL, &ref), JJ_OK);
  start_at(w, &cfg, c->head, c->accepted);
  const int brute_on = c->kind == JJ_WINDOW_SLIDING_TIME && c->dups == JJ_DUP_KEEP &&
                       (c->aggs & BRUTE_AGGS) == BRUTE_AGGS;
  sample *s = malloc(NSAMPLES * sizeof *s);
  brute b = {malloc(NSAMPLES * sizeof(sample)), 0, 0, 0};
  assert_non_null(s);
  assert_non_null(b.kept);
  make_stream(s, NSAMPLES, c->ooo, c->lateness, c->kind == JJ_WINDOW_SLIDING_COUNT ? 0 : 3 * c->span,
              seed);
  uint64_t stored = 0;
  for (int i = 0; i < NSAMPLES; i++) {
    if (s[i].advance) {
      assert_int_equal(jj_window_advance(w, s[i].ts), jj_window_advance(ref, s[i].ts));
      if (brute_on && s[i].ts > b.now) b.now = s[i].ts, b.has_now = 1;
    } else {
      jj_window_stats before;
      jj_window_counters cb;
      jj_window_stats_get(ref, &before);
      jj_window_counters_get(ref, &cb);
      jj_status st = jj_window_push(w, s[i].ts, s[i].v);
      assert_int_equal(st, jj_window_push(ref, s[i].ts, s[i].v));
      if (st == JJ_OK) stored += (uint64_t)stored_one(ref, &cfg, s[i].ts, &before, &cb);
      if (brute_on) brute_push(&b, &cfg, s[i].ts, s[i].v, st);
    }
    check_same(w, ref, cfg.aggregates, c->accepted);
    if (brute_on) brute_check(&b, w, c->span);
    jj_window_stats x, y;
    while (jj_window_pop_closed(w, &x)) {
      assert_true(jj_window_pop_closed(ref, &y));
      assert_memory_equal(&x, &y, sizeof x);
    }
    assert_false(jj_window_pop_closed(ref, &y));
    if (i % 500 == 499) {
      check_image(w, ref, &cfg, c->head, c->accepted);
      check_stored(ref, stored);
    }
  }
  /* The stream crossed the wrap: its positions and counters did. */
  jj_window_counters cn;
  jj_window_counters_get(w, &cn);
  assert_true(cn.accepted >= (c->accepted | (WRAP - 1)) + 1);
  check_image(w, ref, &cfg, c->head, c->accepted);
  free(s);
  free(b.kept);
  jj_window_free(w);
  jj_window_free(ref);
}

/* A head 700 samples before the wrap; accepted either the same (no rare
 * counters until a push makes them for the wrap) or past 2^32 already
 * (made on restore), its low half wrapping first. */
#define HEAD (WRAP - 700)
#define ACC_HI (2 * WRAP - 300)

static void test_own_windows(void **state) {
  (void)state;
  const uint32_t all = JJ_AGG_DEFAULT;
  const uint32_t heavy = all | AGG2(VARIANCE, SLOPE) | JJ_AGG_BIT(JJ_AGG_PERCENTILE);
  const wcase cases[] = {
      /* the specialised pushes: sums, a lane of both sides, of one */
      {JJ_WINDOW_SLIDING_TIME, 60 * SEC, 0, 0, 0, AGG2(COUNT, MEAN), JJ_DUP_KEEP, 0, HEAD, HEAD},
      {JJ_WINDOW_SLIDING_TIME, 60 * SEC, 0, 0, 0, all, JJ_DUP_KEEP, 0, HEAD, ACC_HI},
      {JJ_WINDOW_SLIDING_TIME, 45 * SEC, 0, 0, 0, JJ_AGG_BIT(JJ_AGG_MAX), JJ_DUP_KEEP, 0, HEAD,
       HEAD},
      {JJ_WINDOW_SLIDING_COUNT, 0, 0, 0, 100, all, JJ_DUP_KEEP, 0, HEAD, ACC_HI},
      /* the general path: lateness, pending samples, duplicates */
      {JJ_WINDOW_SLIDING_TIME, 60 * SEC, 5 * SEC, 0, 0, all, JJ_DUP_KEEP, 1, HEAD, HEAD},
      {JJ_WINDOW_SLIDING_TIME, 30 * SEC, 3 * SEC, 0, 0, AGG2(COUNT, MAX), JJ_DUP_REJECT, 1, HEAD,
       ACC_HI},
      {JJ_WINDOW_SLIDING_TIME, 60 * SEC, 4 * SEC, 0, 0, heavy, JJ_DUP_REPLACE, 1, HEAD, HEAD},
      {JJ_WINDOW_SLIDING_COUNT, 0, 5 * SEC, 0, 50, heavy, JJ_DUP_KEEP, 1, HEAD, ACC_HI},
      /* late samples older than all a full count window holds: counted, not stored */
      {JJ_WINDOW_SLIDING_COUNT, 0, 5 * SEC, 0, 3, all, JJ_DUP_KEEP, 1, HEAD, HEAD},
      {JJ_WINDOW_TUMBLING, 30 * SEC, 2 * SEC, 10 * SEC, 0, all, JJ_DUP_KEEP, 1, HEAD, HEAD},
      {JJ_WINDOW_TUMBLING, 20 * SEC, 0, 0, 0, heavy, JJ_DUP_REPLACE, 1, HEAD, ACC_HI},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_own(&cases[i], 77u + (uint32_t)i);
}

/* ---- shared rings ------------------------------------------------------------- */

#define NMEMBERS 3

/* Members of one shared ring (spans 20, 45 and 90 s), the first restored
 * just below the wrap (the others, empty, stand at its tail), against
 * windows of their own starting at 0. The wrap comes while the ring still
 * grows (from 16 slots), and again after a gap empties it. */
#define SHARED_HEAD (WRAP - 40)
static void test_shared_ring(void **state) {
  (void)state;
  static const int64_t spans[NMEMBERS] = {20 * SEC, 45 * SEC, 90 * SEC};
  static const uint32_t aggs[NMEMBERS] = {JJ_AGG_DEFAULT, JJ_AGG_BIT(JJ_AGG_MEAN),
                                          JJ_AGG_BIT(JJ_AGG_MAX) | JJ_AGG_BIT(JJ_AGG_COUNT)};
  for (int ooo = 0; ooo < 2; ooo++) {
    jj_window_config cfg[NMEMBERS];
    jj_wshape *sh[NMEMBERS];
    void *mem[NMEMBERS];
    jj_window *m[NMEMBERS], *ref[NMEMBERS];
    for (int i = 0; i < NMEMBERS; i++) {
      jj_window_config_init(&cfg[i]);
      cfg[i].span_ms = spans[i];
      cfg[i].lateness_ms = ooo ? 5 * SEC : 0;
      cfg[i].aggregates = aggs[i];
      assert_int_equal(jj__wshape_new(&cfg[i], NULL, 1, &sh[i]), JJ_OK);
      mem[i] = calloc(1, jj__wshape_window_bytes(sh[i]));
      assert_non_null(mem[i]);
      assert_int_equal(jj__window_init_shared(sh[i], mem[i], i ? m[0] : NULL, NMEMBERS, &m[i]),
                       JJ_OK);
      assert_int_equal(jj_window_new(&cfg[i], NULL, &ref[i]), JJ_OK);
    }
    assert_true(jj__window_shares_with(m[0], m[NMEMBERS - 1]));
    start_at(m[0], &cfg[0], SHARED_HEAD, ACC_HI);
    sample *s = malloc(NSAMPLES * sizeof *s);
    assert_non_null(s);
    make_stream(s, NSAMPLES, ooo, 5 * SEC, 200 * SEC, 991u + (uint32_t)ooo);
    for (int k = 0; k < NSAMPLES; k++) {
      for (int i = 0; i < NMEMBERS; i++) {
        if (s[k].advance) {
          assert_int_equal(jj_window_advance(m[i], s[k].ts), jj_window_advance(ref[i], s[k].ts));
        } else {
          assert_int_equal(jj_window_push(m[i], s[k].ts, s[k].v),
                           jj_window_push(ref[i], s[k].ts, s[k].v));
        }
      }
      for (int i = 0; i < NMEMBERS; i++) check_same(m[i], ref[i], aggs[i], i ? 0 : ACC_HI);
    }
    /* The images: positions from HEAD (all members stood at the first
     * one's tail), each member's counters its own. */
    for (int i = 0; i < NMEMBERS; i++)
      check_image(m[i], ref[i], NULL, SHARED_HEAD, i ? 0 : ACC_HI);
    free(s);
    for (int i = 0; i < NMEMBERS; i++) {
      jj_window_free(m[i]);
      jj_window_free(ref[i]);
      free(mem[i]);
    }
    for (int i = 0; i < NMEMBERS; i++) jj__wshape_free(sh[i]);
  }
}

/* jj_window_push_values across the wrap: a run of in-order samples from
 * just below 2^32 accepted (the copies' loops hand the wrapping sample to
 * the general path) gives what single calls give, to the image. */
static void test_bulk_across_wrap(void **state) {
  (void)state;
  enum { N = 1000 };
  static const jj_agg aggs[] = {JJ_AGG_SUM, JJ_AGG_MEAN, JJ_AGG_MAX};
  int64_t ts[N];
  double v[N], out[N], want[N];
  jj_status st[N];
  for (int i = 0; i < N; i++) {
    ts[i] = 1700000000000 + (int64_t)(i + 1) * SEC;
    v[i] = 50.0 + (double)(rnd() % 10000u) / 100.0;
  }
  for (int kind = 0; kind < 2; kind++)
    for (size_t a = 0; a < 3; a++) {
      jj_window_config cfg;
      jj_window_config_init(&cfg);
      cfg.aggregates = JJ_AGG_BIT(aggs[a]);
      if (kind == 0) {
        cfg.kind = JJ_WINDOW_SLIDING_COUNT;
        cfg.count = 64;
      } else {
        cfg.kind = JJ_WINDOW_SLIDING_TIME;
        cfg.span_ms = 64 * SEC;
      }
      jj_window *single, *bulk;
      assert_int_equal(jj_window_new(&cfg, NULL, &single), JJ_OK);
      assert_int_equal(jj_window_new(&cfg, NULL, &bulk), JJ_OK);
      start_at(single, &cfg, WRAP - 300, WRAP - 300);
      start_at(bulk, &cfg, WRAP - 300, WRAP - 300);
      for (int i = 0; i < N; i++)
        assert_int_equal(jj_window_push_value(single, ts[i], v[i], aggs[a], &want[i]), JJ_OK);
      assert_int_equal(jj_window_push_values(bulk, ts, v, N, aggs[a], out, st), JJ_OK);
      assert_memory_equal(out, want, sizeof out);
      check_image(bulk, single, &cfg, 0, 0);
      jj_window_counters c;
      jj_window_counters_get(bulk, &c);
      assert_true(c.accepted == WRAP - 300 + N); /* (past the wrap) */
      jj_window_free(single);
      jj_window_free(bulk);
    }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_own_windows),
      cmocka_unit_test(test_shared_ring),
      cmocka_unit_test(test_bulk_across_wrap),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
