/* Series identity and layout (see series.h): sorting and hashing a
 * series key, finding a series by it, and creating one — which rules it
 * matches, which of them share a window (slots), and the single block
 * that holds the series with its slots, quiet bounds, windows and strings. */
#include "series.h"

#include <math.h>
#include <string.h>

#include "footprint.h"
#include "matcher.h"
#include "strutil.h"

/* ---- identity --------------------------------------------------------- */

/* Sort label pointers by name (insertion sort: label sets are small);
 * rejects empty or repeated names. A repeat is met where its twin stops
 * the insertion, so it costs no pass of its own. */
static jj_status sort_labels(const jj_label *labels, uint32_t n, const jj_label **out) {
  for (uint32_t i = 0; i < n; i++) {
    const jj_label *l = &labels[i];
    if (!l->name || !*l->name || !l->value) return JJ_EINVAL;
    uint32_t j = i;
    int c = 1;
    while (j > 0 && (c = strcmp(out[j - 1]->name, l->name)) > 0) {
      out[j] = out[j - 1];
      j--;
    }
    if (c == 0) return JJ_EINVAL;
    out[j] = l;
  }
  return JJ_OK;
}

static uint64_t key_hash(const char *metric, const jj_label *const *sorted, uint32_t n) {
  uint64_t h = jj__fnv1a_str(JJ_FNV_OFFSET, metric);
  for (uint32_t i = 0; i < n; i++) {
    h = jj__fnv1a_str(h, sorted[i]->name);
    h = jj__fnv1a_str(h, sorted[i]->value);
  }
  return h;
}

/* The string after p among a series' strings. */
static const char *next_str(const char *p) { return p + strlen(p) + 1; }

uint64_t jj__series_hash(const jj_series *s) {
  uint64_t h = jj__fnv1a_str(JJ_FNV_OFFSET, jj__series_metric(s));
  /* the same walk as key_hash: each label's name, then its value */
  const char *p = jj__series_label_strings(s);
  for (uint32_t i = 0; i < 2 * (uint32_t)s->nlabels; i++, p = next_str(p)) h = jj__fnv1a_str(h, p);
  return h;
}

uint64_t jj__series_hash_at(const void *all, uint32_t id) {
  return jj__series_hash(((jj_series *const *)all)[id]);
}

void jj__series_labels(const jj_series *s, jj_label *out) {
  const char *p = jj__series_label_strings(s);
  for (uint32_t i = 0; i < s->nlabels; i++) {
    out[i].name = p;
    out[i].value = p = next_str(p);
    p = next_str(p);
  }
}

const char *jj__series_label(const jj_series *s, const char *name) {
  const char *p = jj__series_label_strings(s);
  for (uint32_t i = 0; i < s->nlabels; i++) {
    const char *n = p;
    p = next_str(n);
    if (strcmp(n, name) == 0) return p;
    p = next_str(p);
  }
  return NULL;
}

static int series_equal(const jj_series *s, const jj_series_key *k) {
  if (s->nlabels != k->nlabels || strcmp(jj__series_metric(s), k->metric) != 0) return 0;
  const char *p = jj__series_label_strings(s);
  for (uint32_t i = 0; i < k->nlabels; i++) {
    if (strcmp(p, k->sorted[i]->name) != 0) return 0;
    p = next_str(p);
    if (strcmp(p, k->sorted[i]->value) != 0) return 0;
    p = next_str(p);
  }
  return 1;
}

jj_status jj__series_lookup(const jj_index *ix, jj_series *const *all, const char *metric,
                            const jj_label *labels, uint32_t n, jj_series_key *k, int64_t *id) {
  *id = -1;
  jj_status st = sort_labels(labels, n, k->sorted);
  if (st != JJ_OK) return st;
  k->metric = metric;
  k->nlabels = n;
  k->hash = key_hash(metric, k->sorted, n);
  jj_index_probe p = jj__index_probe(ix, k->hash);
  for (uint32_t cand; jj__index_next(ix, &p, &cand);) {
    const jj_series *s = all[cand];
    /* Most likely the one: ask for its windows now, while the strings
     * are compared (jj_engine_push_labeled pushes to it next). */
    jj__series_prefetch(s);
    if (series_equal(s, k)) {
      *id = cand;
      break;
    }
  }
  return JJ_OK;
}

/* ---- the block ---------------------------------------------------------- */

void jj__series_free(const jj_allocator *alc, jj_series *s) {
  if (!s) return;
  for (uint32_t i = 0; i < s->nslots; i++) jj_window_free(jj__slot_win(s, &s->slots[i]));
  jj__free(alc, s);
}

/* One allocation holds the series, its slots and quiet bounds (what a
 * sample reads, first), its windows (their rings etc. are the windows'
 * own), its instances with their flap histories and streaks, then its
 * strings (metric, label names and values). */
/* Where the windows start in a series block: right after the quiet
 * bounds, 8-byte aligned like everything before them (and each window's
 * size a multiple of 8: the next one is too). */
_Static_assert(sizeof(jj_series) % 8 == 0 && sizeof(jj_slot) % 8 == 0 && sizeof(jj_quiet) % 8 == 0 &&
                   sizeof(jj_stuck) % 8 == 0,
               "the windows in a series block stay 8-byte aligned");
_Static_assert(JJ_AGG__COUNT <= 16, "jj_slot.aggs holds one bit per aggregate in 16 bits");
#if UINTPTR_MAX == UINT64_MAX
/* What a one-rule series costs besides its window (series.h): pinned so a
 * field added without thought shows here. */
_Static_assert(sizeof(jj_series) == 40,
               "the series header is 40 bytes with the deadline record (series.h)");
_Static_assert(sizeof(jj_slot) == 24, "a slot is 24 bytes (series.h)");
_Static_assert(sizeof(jj_inst) == 48, "an instance is 48 bytes (series.h)");
_Static_assert(sizeof(jj_alert) == 40, "an alert is 40 bytes (alert.h: jj_alert_cold)");
#endif
/* `nstuck`: 0, or nslots when some slot has a stuck-value gate. */
static size_t windows_offset(uint32_t nslots, uint32_t nquiet, uint32_t nstuck) {
  return sizeof(jj_series) + nslots * sizeof(jj_slot) + nquiet * sizeof(jj_quiet) +
         nstuck * sizeof(jj_stuck);
}
static size_t window_room(const jj_wshape *sh) {
  return (jj__wshape_window_bytes(sh) + 7) & ~(size_t)7;
}

/* The series block: header, slots, `nquiet` quiet bounds (quiet_entries),
 * `nstuck` stuck runs, windows (window_bytes in all), `inst_bytes` of
 * instances (inst_room) and `strings` bytes of metric and label
 * strings. */
static uint64_t block_bytes(size_t strings, uint32_t nquiet, uint32_t nstuck, uint32_t nslots,
                            size_t window_bytes, uint64_t inst_bytes) {
  return windows_offset(nslots, nquiet, nstuck) + window_bytes + inst_bytes + strings;
}

/* The instances' room in the block: `ninst` instances, then each one's
 * store (`store_bytes` in all: inst_store). */
static uint64_t inst_room(uint32_t ninst, size_t store_bytes) {
  return (uint64_t)ninst * sizeof(jj_inst) + store_bytes;
}

/* A slot led by rule r has a stuck-value gate (its rules all do: can_share). */
static int slot_stuck(const jj_rule *r) { return r->cfg.stuck_samples != 0; }

/* The quiet bounds a series block holds: one per instance when some slot
 * has more than one rule (jj__slot_quiet), else none (a one-rule slot
 * reads its rule's bound: slot_quiet in engine.c). */
static uint32_t quiet_entries(uint32_t ninst, int multi) { return multi ? ninst : 0; }

/* The bytes of the metric in the strings of a series with `nslots` slots:
 * none when it has any, as its rules' metric is its own
 * (jj__series_metric). */
static size_t series_metric_bytes(const char *metric, uint32_t nslots) {
  return nslots ? 0 : strlen(metric) + 1;
}

static jj_series *series_alloc(const jj_allocator *alc, const jj_series_key *k, uint32_t ninst,
                               uint32_t nquiet, uint32_t nstuck, uint32_t nslots,
                               size_t store_bytes, size_t window_bytes) {
  const uint32_t n = k->nlabels;
  size_t strings = series_metric_bytes(k->metric, nslots);
  for (uint32_t i = 0; i < n; i++)
    strings += strlen(k->sorted[i]->name) + strlen(k->sorted[i]->value) + 2;
  /* The instances (48 bytes each and their stores, read when a slot is
   * loud) follow the windows, so a quiet sample's lines (header, slots,
   * windows) stay together at the start of the block. */
  const uint64_t inst_bytes = inst_room(ninst, store_bytes);
  /* the alerts' offsets to their storage are signed 32-bit */
  if (inst_bytes > INT32_MAX) return NULL;
  /* The windows (bind_rules), the instances, then the strings:
   * jj_engine_push_labeled compares them. */
  const uint64_t strings_off = windows_offset(nslots, nquiet, nstuck) + window_bytes + inst_bytes;
  if (strings_off > UINT32_MAX) return NULL; /* (offsets in the block are 32-bit) */
  const uint64_t bytes = block_bytes(strings, nquiet, nstuck, nslots, window_bytes, inst_bytes);
  if (bytes > SIZE_MAX) return NULL;
  jj_series *s = jj__calloc(alc, (size_t)bytes);
  if (!s) return NULL;
  s->quiet_all = nquiet != 0; /* the slots follow the header, the quiet bounds the slots */
  s->has_stuck = nstuck != 0;
  s->strings_off = (uint32_t)strings_off;
  char *p = (char *)s + strings_off;
  size_t len = series_metric_bytes(k->metric, nslots);
  memcpy(p, k->metric, len); /* first, unless its rules have it (jj__series_metric) */
  p += len;
  for (uint32_t i = 0; i < n; i++) { /* then name, value of each label (jj__series_labels) */
    len = strlen(k->sorted[i]->name) + 1;
    memcpy(p, k->sorted[i]->name, len);
    p += len;
    len = strlen(k->sorted[i]->value) + 1;
    memcpy(p, k->sorted[i]->value, len);
    p += len;
  }
  s->nlabels = (uint8_t)n; /* <= JJ_SERIES_MAX_LABELS */
  return s;
}

/* ---- slots: which rules share a window ---------------------------------- */

static int same_bound(double x, double y) { return (isnan(x) && isnan(y)) || x == y; }

/* Rules whose windows (all but the aggregates) and quality gates are equal
 * can share one window. */
static int can_share(const jj_rule *x, const jj_rule *y) {
  const jj_window_cfg *a = &x->cfg.window, *b = &y->cfg.window;
  return a->kind == b->kind && a->span_ms == b->span_ms && a->hop_ms == b->hop_ms &&
         a->align_ms == b->align_ms && a->count == b->count && a->min_samples == b->min_samples &&
         a->min_coverage == b->min_coverage && a->expected_interval_ms == b->expected_interval_ms &&
         a->max_samples == b->max_samples && a->preallocate == b->preallocate &&
         a->percentile == b->percentile && a->percentile_accuracy == b->percentile_accuracy &&
         a->percentile_floor == b->percentile_floor && a->ewma_halflife_ms == b->ewma_halflife_ms &&
         a->duplicates == b->duplicates && same_bound(x->cfg.valid_min, y->cfg.valid_min) &&
         same_bound(x->cfg.valid_max, y->cfg.valid_max) &&
         x->cfg.stuck_samples == y->cfg.stuck_samples &&
         x->cfg.stuck_epsilon == y->cfg.stuck_epsilon;
}

/* Which rules a new series matches, grouped into slots that share a
 * window: rule[k] is the k-th matching rule, slot_of[k] its slot,
 * slot_rule[j] the first rule of slot j. Worked out before the series is
 * allocated, so its block holds exactly nslots slots. */
/* Rulesets of up to this many rules plan on the stack: a plan allocated
 * and freed while the series is allocated is a hole in a bump pool. */
#define PLAN_LOCAL_RULES 32
#define SHARE_SLOTS JJ_SERIES_RING_SLOTS /* the first this many slots may share rings */
#define NO_SHARE UINT32_MAX

#ifndef JJ_NO_SHARED_RINGS
/* Which slots' windows keep their samples in one ring (window_fast.h,
 * "shared rings"): ungated sliding time windows (so the engine pushes
 * them every sample alike) that agree on the ring's settings; a ring for
 * two or more. keys[j]/ok[j]: slot j's, from jj__window_share_key and its
 * rule's gates. */
static void plan_sharing(const jj_wshare_key *keys, const uint8_t *ok, uint32_t nslots,
                         uint32_t *share) {
  if (nslots > SHARE_SLOTS) nslots = SHARE_SLOTS;
  for (uint32_t j = 0; j < nslots; j++) {
    share[j] = NO_SHARE;
    for (uint32_t k = 0; ok[j] && k < j && share[j] == NO_SHARE; k++)
      if (ok[k] && jj__wshare_key_eq(&keys[k], &keys[j]))
        share[j] = share[k] == NO_SHARE ? k : share[k];
    if (share[j] != NO_SHARE) share[share[j]] = share[j]; /* its first slot leads a ring */
  }
}

/* A rule's window may be pushed a sample its gate drops: gated slots keep
 * rings of their own. */
static int rule_gated(const jj_rule *r) {
  return !isnan(r->cfg.valid_min) || !isnan(r->cfg.valid_max) || r->cfg.stuck_samples;
}

/* Windows in slot j's ring (share[j] != NO_SHARE). */
static uint32_t ring_members(const uint32_t *share, uint32_t nslots, uint32_t j) {
  uint32_t n = 0;
  if (nslots > SHARE_SLOTS) nslots = SHARE_SLOTS;
  for (uint32_t k = 0; k < nslots; k++) n += share[k] == share[j];
  return n;
}
#else
#define ring_members(share, nslots, j) 0u /* (never: no ring) */
#endif

typedef struct slot_plan {
  uint32_t ninst, nslots;
  uint32_t nquiet; /* quiet bounds in the block (quiet_entries) */
  uint32_t nstuck; /* stuck runs in the block: nslots when a slot has a stuck gate, else 0 */
  size_t store_bytes; /* the instances' stores (inst_store) */
  size_t window_bytes; /* the slots' windows in the series block (plan_windows) */
  uint32_t *rule, *slot_of, *slot_rule; /* 3 x the ruleset's rules: `local` or allocated */
  uint32_t local[3 * PLAN_LOCAL_RULES];
  /* share[j]: the first slot of the shared ring slot j's window keeps its
   * samples in (plan_sharing), NO_SHARE for a ring of its own. */
  uint32_t share[SHARE_SLOTS];
} slot_plan;

/* A series' own alert for the rule detects flapping (group rules keep
 * theirs in the group). */
static int needs_flap_history(const jj_rule *r) {
  return r->cfg.flap_changes > 0 && r->cfg.group == JJ_GROUP_NONE;
}

/* Every rule of a slot has the same window kind, so the rule alone tells. */
static int needs_more(const jj_rule *r) {
  return jj__inst_needs_more(r, r->cfg.window.kind == JJ_WINDOW_TUMBLING);
}

/* An instance's store, after the instances in the series block: its
 * jj_inst_more when it needs one, then its alert's store (flap history,
 * cold part, streaks: jj__alert_init), so both are found from the alert
 * (jj__inst_more) and the instance keeps no offset. A multiple of 8. */
static size_t inst_store(const jj_rule *r) {
  return (needs_more(r) ? sizeof(jj_inst_more) : 0) +
         jj__alert_store_bytes(r, needs_flap_history(r));
}
static jj_status plan_slots(const jj_ruleset *rs, const jj_allocator *alc, const char *metric,
                            const jj_label *labels, uint32_t n, slot_plan *p, uint32_t *undecided) {
  memset(p, 0, sizeof *p);
  const uint32_t k = rs->nrules; /* room for every rule: matching runs once */
  if (k == 0) return JJ_OK;
  p->rule = k <= PLAN_LOCAL_RULES ? p->local : jj__malloc(alc, (size_t)3 * k * sizeof *p->rule);
  if (!p->rule) return JJ_ENOMEM;
  p->slot_of = p->rule + k;
  p->slot_rule = p->slot_of + k;
  for (uint32_t i = 0; i < rs->nrules; i++) {
    int m = jj__rule_matches(&rs->rules[i], metric, labels, n, alc);
    if (m == JJ__REGEX_NOMEM) {
      if (p->rule != p->local) jj__free(alc, p->rule);
      return JJ_ENOMEM;
    }
    if (m == JJ__REGEX_UNDECIDED) (*undecided)++;
    if (m != 1) continue;
    if (p->ninst == JJ_SERIES_MAX_INST) { /* jj_slot counts instances in 16 bits */
      if (p->rule != p->local) jj__free(alc, p->rule);
      return JJ_ELIMIT;
    }
    uint32_t j = 0;
    while (j < p->nslots && !can_share(&rs->rules[p->slot_rule[j]], &rs->rules[i])) j++;
    if (j == p->nslots) p->slot_rule[p->nslots++] = i;
    p->rule[p->ninst] = i;
    p->slot_of[p->ninst++] = j;
    p->store_bytes += inst_store(&rs->rules[i]);
  }
  int multi = 0; /* some slot holds a second rule: one not its slot's first */
  for (uint32_t i = 0; i < p->ninst && !multi; i++) multi = p->slot_rule[p->slot_of[i]] != p->rule[i];
  p->nquiet = quiet_entries(p->ninst, multi);
  for (uint32_t j = 0; j < p->nslots && !p->nstuck; j++)
    if (slot_stuck(&rs->rules[p->slot_rule[j]])) p->nstuck = p->nslots;
  return JJ_OK;
}

/* ---- shapes ------------------------------------------------------------- */

/* The window configuration bind_rules gives a slot led by rule `leader`
 * whose rules read `aggs`. */
static jj_window_config slot_config(const jj_ruleset *rs, uint32_t leader, uint32_t aggs,
                                    int64_t lateness_ms, uint32_t max_samples) {
  jj_window_config wc;
  jj__window_cfg_get(&wc, &rs->rules[leader].cfg.window);
  wc.aggregates = aggs;
  wc.lateness_ms = lateness_ms;
  if (wc.kind == JJ_WINDOW_SLIDING_TIME && wc.lateness_ms >= wc.span_ms)
    wc.lateness_ms = wc.span_ms - 1;
  if (max_samples && (wc.max_samples == 0 || wc.max_samples > max_samples))
    wc.max_samples = max_samples;
  return wc;
}

void jj__shape_cache_free(jj_shape_cache *c, const jj_allocator *alc) {
  for (uint32_t i = 0; i < c->n; i++) jj__wshape_free(c->shapes[i]);
  jj__free(alc, c->shapes);
  memset(c, 0, sizeof *c);
}

size_t jj__shape_cache_memory(const jj_shape_cache *c) {
  size_t bytes = (size_t)c->cap * sizeof *c->shapes;
  for (uint32_t i = 0; i < c->n; i++) bytes += jj__wshape_memory(c->shapes[i]);
  return bytes;
}

/* The cache's shape for `wc`, made on first use. Series creation only: a
 * walk over the distinct window configurations seen so far. */
static jj_status shape_for(jj_shape_cache *c, const jj_allocator *alc, const jj_window_config *wc,
                           int shared, const jj_wshape **out) {
  const int64_t i = jj__wshape_find(c->shapes, c->n, wc, shared);
  if (i >= 0) {
    *out = c->shapes[i];
    return JJ_OK;
  }
  if (jj__grow(alc, &c->shapes, &c->cap, c->n, sizeof *c->shapes, 8)) return JJ_ENOMEM;
  jj_wshape *sh;
  jj_status st = jj__wshape_new(wc, alc, shared, &sh);
  if (st != JJ_OK) return st;
  c->shapes[c->n++] = sh;
  *out = sh;
  return JJ_OK;
}

/* The aggregates the rules of slot j read: only those (the configured
 * mask, JJ_AGG_DEFAULT unless set, would keep min/max — DABA, 16 B a
 * sample and a step per push — in windows no rule asks for them). */
static uint32_t slot_aggs(const jj_ruleset *rs, const slot_plan *p, uint32_t j) {
  uint32_t aggs = 0;
  for (uint32_t k = 0; k < p->ninst; k++)
    if (p->slot_of[k] == j) aggs |= JJ_AGG_BIT(rs->rules[p->rule[k]].cfg.aggregate);
  return aggs;
}

/* Each slot's window shape (made now if new), and the room their windows
 * take in the series block. */
static jj_status plan_windows(const jj_ruleset *rs, const jj_allocator *alc,
                              jj_shape_cache *shapes, int64_t lateness_ms, uint32_t max_samples,
                              slot_plan *p) {
#ifndef JJ_NO_SHARED_RINGS
  jj_wshare_key keys[SHARE_SLOTS];
  uint8_t ok[SHARE_SLOTS];
  for (uint32_t j = 0; j < p->nslots && j < SHARE_SLOTS; j++) {
    const jj_window_config wc =
        slot_config(rs, p->slot_rule[j], slot_aggs(rs, p, j), lateness_ms, max_samples);
    ok[j] = (uint8_t)(!rule_gated(&rs->rules[p->slot_rule[j]]) &&
                      jj__window_share_key(&wc, &keys[j]));
  }
  plan_sharing(keys, ok, p->nslots, p->share);
#else /* left out of the build: a ring each */
  for (uint32_t j = 0; j < SHARE_SLOTS; j++) p->share[j] = NO_SHARE;
#endif
  for (uint32_t j = 0; j < p->nslots; j++) {
    const jj_window_config wc =
        slot_config(rs, p->slot_rule[j], slot_aggs(rs, p, j), lateness_ms, max_samples);
    const jj_wshape *sh;
    jj_status st = shape_for(shapes, alc, &wc, j < SHARE_SLOTS && p->share[j] != NO_SHARE, &sh);
    if (st != JJ_OK) return st;
    p->window_bytes += window_room(sh);
  }
  return JJ_OK;
}

/* Give the series an instance for every rule it matches, slot by slot,
 * and each slot its window, in the series block. */
static jj_status bind_rules(const jj_ruleset *rs, const jj_allocator *alc, jj_shape_cache *shapes,
                            int64_t lateness_ms, uint32_t max_samples, jj_series *s,
                            const slot_plan *p) {
  const uint32_t nslots = p->nslots;
  /* No rule matched: no instances, no slots. */
  if (p->ninst == 0) return JJ_OK;
  char *wmem = (char *)s + windows_offset(nslots, p->nquiet, p->nstuck); /* the windows' room */
  /* The instances, after the windows (jj__series_inst once every slot is in) */
  jj_inst *inst = (jj_inst *)(void *)(wmem + p->window_bytes);
  char *store = (char *)(inst + p->ninst); /* the instances' stores (inst_store) */
  jj_status st = JJ_OK;
  for (uint32_t j = 0; j < nslots && st == JJ_OK; j++) {
    jj_slot *sl = &s->slots[j];
    sl->first = s->ninst;
    jj_window_config wc;
    jj__window_cfg_get(&wc, &rs->rules[p->slot_rule[j]].cfg.window);
    wc.aggregates = 0;
    for (uint32_t k = 0; k < p->ninst; k++) {
      if (p->slot_of[k] != j) continue;
      const uint32_t i = p->rule[k];
      const jj_rule *r = &rs->rules[i];
      /* Only what the rules read: the configured mask (JJ_AGG_DEFAULT unless
       * set) would keep min/max (DABA, 16 B a sample and a step per push) in
       * windows no rule asks for them. */
      wc.aggregates |= JJ_AGG_BIT(r->cfg.aggregate);
      sl->aggs = (uint16_t)(sl->aggs | JJ_AGG_BIT(r->cfg.aggregate));
      jj_inst *in = &inst[s->ninst++];
      sl->count++;
      in->rule = r;
      jj_inst_more *m = needs_more(r) ? (jj_inst_more *)(void *)store : NULL;
      jj__alert_init(&in->alert, store + (m ? sizeof *m : 0), r, needs_flap_history(r));
      store += inst_store(r);
      jj__inst_host_init(in, j, m != NULL);
      if (m) {
        m->member_value = NAN;
        m->member_agree_ts = INT64_MIN;
        m->win_start = m->win_end = INT64_MIN; /* no window judged yet */
      }
    }
    /* At most one bound per instance: the slot's part of the quiet array
     * (which follows the slots, see series_alloc) starts at its first, once
     * nslots counts every slot (jj__slot_quiet); bounds come after that.
     * A one-rule slot has its bound from its rule (slot_quiet, engine.c). */
    const jj_rule *r0 = &rs->rules[p->slot_rule[j]];
    sl->lead = r0;
    sl->tumbling = wc.kind == JJ_WINDOW_TUMBLING;
    sl->gated = !isnan(r0->cfg.valid_min) || !isnan(r0->cfg.valid_max) || r0->cfg.stuck_samples;
    /* max_samples 0: each rule's own; jj_engine_check refused rules beyond a cap. */
    wc = slot_config(rs, p->slot_rule[j], wc.aggregates, lateness_ms, max_samples);
    const jj_wshape *sh = NULL;
#ifndef JJ_NO_SHARED_RINGS
    const uint32_t ring = j < SHARE_SLOTS ? p->share[j] : NO_SHARE;
    if (ring != NO_SHARE) {
      sl->ring = ring == j ? JJ_SLOT_RING_FIRST : JJ_SLOT_RING_MEMBER;
      s->has_ring = 1;
    }
#else
    const uint32_t ring = NO_SHARE; /* (left out of the build) */
#endif
    st = shape_for(shapes, alc, &wc, ring != NO_SHARE, &sh);
    jj_window *w = NULL;
    if (st == JJ_OK && ring != NO_SHARE)
      st = jj__window_init_shared(sh, wmem, ring == j ? NULL : jj__slot_win(s, &s->slots[ring]),
                                  ring_members(p->share, nslots, j), &w);
    else if (st == JJ_OK)
      st = jj__window_init_shaped(sh, wmem, &w);
    if (st == JJ_OK) {
#if UINTPTR_MAX == UINT32_MAX
      sl->win = w;
#else
      sl->win_off = (uint32_t)((char *)w - (char *)s); /* < strings_off: series_alloc */
#endif
      s->nslots++;
      wmem += window_room(sh);
    }
  }
  /* The quiet bounds, now that jj__slot_quiet finds them. */
  if (st == JJ_OK)
    for (uint32_t j = 0; j < nslots; j++) jj__slot_summarize(s, &s->slots[j]);
  return st;
}

jj_status jj__series_new(const jj_ruleset *rs, const jj_allocator *alc, jj_shape_cache *shapes,
                         const jj_series_key *k, int64_t lateness_ms, uint32_t max_samples,
                         jj_series **out, uint32_t *undecided) {
  *out = NULL;
  *undecided = 0;
  jj_label flat[JJ_SERIES_MAX_LABELS];
  for (uint32_t i = 0; i < k->nlabels; i++) flat[i] = *k->sorted[i];
  slot_plan plan;
  jj_status st = plan_slots(rs, alc, k->metric, flat, k->nlabels, &plan, undecided);
  if (st != JJ_OK) return st; /* JJ_ENOMEM, or JJ_ELIMIT: too many rules match */
  st = plan_windows(rs, alc, shapes, lateness_ms, max_samples, &plan);
  jj_series *s = st == JJ_OK ? series_alloc(alc, k, plan.ninst, plan.nquiet, plan.nstuck, plan.nslots,
                                            plan.store_bytes, plan.window_bytes)
                             : NULL;
  if (st == JJ_OK) st = s ? bind_rules(rs, alc, shapes, lateness_ms, max_samples, s, &plan) : JJ_ENOMEM;
  if (plan.rule != plan.local) jj__free(alc, plan.rule);
  if (st != JJ_OK) {
    jj__series_free(alc, s);
    return st;
  }
  *out = s;
  return JJ_OK;
}

/* ---- estimates ------------------------------------------------------------ */

/* shape_for's allocations when `wc` is new to the cache `t` tallies. */
#define TALLY_SHARED 0x80000000u /* in jj__shape_tally.aggs: a shared shape */
static void shape_footprint(const jj_ruleset *rs, jj__shape_tally *t, const jj_window_config *wc,
                            int shared, uint32_t leader, int64_t lateness_ms, uint32_t max_samples,
                            jj__footprint_fn add, void *ctx) {
  for (uint32_t i = 0; i < t->n; i++) {
    jj_window_config seen =
        slot_config(rs, t->leader[i], t->aggs[i] & ~TALLY_SHARED, lateness_ms, max_samples);
    if (jj__window_config_same(&seen, (t->aggs[i] & TALLY_SHARED) != 0, wc, shared)) return;
  }
  if (t->cached == t->cap) { /* jj__grow */
    t->cap = t->cap ? t->cap * 2 : 8;
    add(ctx, (size_t)t->cap * sizeof(jj_wshape *));
  }
  add(ctx, jj__wshape_bytes());
  t->cached++;
  if (t->n < JJ__SHAPE_TALLY_MAX) {
    t->leader[t->n] = leader;
    t->aggs[t->n++] = wc->aggregates | (shared ? TALLY_SHARED : 0);
  }
}

/* As plan_slots, bind_rules and series_alloc would allocate; slot leaders
 * kept on the stack (a series in more than 64 slots counts each further
 * rule as a slot of its own: more, never less). */
jj_status jj__series_footprint(const jj_ruleset *rs, const char *metric,
                               const jj_label *sorted, uint32_t n, int64_t lateness_ms,
                               uint32_t max_samples, jj__shape_tally *shapes,
                               jj__footprint_fn add, void *ctx) {
  enum { MAX_LEADERS = 64 };
  uint32_t leader[MAX_LEADERS], nleaders = 0, nslots = 0, ninst = 0;
  int multi = 0; /* some slot holds a second rule (quiet_entries) */
  int stuck = 0; /* some slot has a stuck-value gate (nstuck) */
  uint32_t lead_aggs[MAX_LEADERS], share[SHARE_SLOTS];
  size_t store_bytes = 0, window_bytes = 0;
  jj_allocator libc; /* regex matching's scratch (none: the rule counts as matching) */
  jj__alloc_resolve(&libc, NULL);
  if (rs->nrules > PLAN_LOCAL_RULES) add(ctx, (size_t)3 * rs->nrules * sizeof(uint32_t));
  /* First pass: the instances and slots; windows are sized in the second. */
  for (int pass = 0; pass < 2; pass++) {
#ifdef JJ_NO_SHARED_RINGS
    for (uint32_t j = 0; pass == 1 && j < SHARE_SLOTS; j++) share[j] = NO_SHARE;
#else
    if (pass == 1) { /* the shared rings, as plan_windows finds them */
      jj_wshare_key keys[SHARE_SLOTS];
      uint8_t ok[SHARE_SLOTS];
      for (uint32_t j = 0; j < nleaders && j < SHARE_SLOTS; j++) {
        const jj_window_config wc =
            slot_config(rs, leader[j], lead_aggs[j], lateness_ms, max_samples);
        ok[j] = (uint8_t)(!rule_gated(&rs->rules[leader[j]]) &&
                          jj__window_share_key(&wc, &keys[j]));
      }
      plan_sharing(keys, ok, nleaders, share);
      for (uint32_t j = 0; j < nleaders && j < SHARE_SLOTS; j++) {
        if (share[j] != j) continue;
        const jj_window_config wc =
            slot_config(rs, leader[j], lead_aggs[j], lateness_ms, max_samples);
        jj_status st = jj__wring_footprint(&wc, ring_members(share, nleaders, j), add, ctx);
        if (st != JJ_OK) return st;
      }
    }
#endif
    for (uint32_t i = 0; i < rs->nrules; i++) {
      const jj_rule *r = &rs->rules[i];
      int m = jj__rule_matches(r, metric, sorted, n, &libc);
      if (m == 0) continue;
      uint32_t j = 0;
      while (j < nleaders && !can_share(&rs->rules[leader[j]], r)) j++;
      if (pass == 0) {
        if (ninst == JJ_SERIES_MAX_INST) return JJ_ELIMIT; /* as plan_slots */
        ninst++;
        store_bytes += inst_store(r);
        if (j == nleaders) {
          nslots++;
          stuck |= slot_stuck(r);
          if (nleaders < MAX_LEADERS) {
            lead_aggs[nleaders] = 0;
            leader[nleaders++] = i;
          }
        }
        if (j < nleaders) lead_aggs[j] |= JJ_AGG_BIT(r->cfg.aggregate);
        /* A rule joining a slot, or past MAX_LEADERS, where it might (more,
         * never less). */
        if (j >= nleaders || leader[j] != i) multi = 1;
      } else if (j == nleaders || leader[j] == i) {
        /* The slot's window: its leader's, with the aggregates of every
         * rule in it (a rule past MAX_LEADERS: its own). */
        const jj_window_config wc =
            slot_config(rs, i, j < nleaders ? lead_aggs[j] : JJ_AGG_BIT(r->cfg.aggregate),
                        lateness_ms, max_samples);
        const int shared = j < nleaders && j < SHARE_SLOTS && share[j] != NO_SHARE;
        size_t in_block = 0;
        jj_status st = jj__window_footprint(&wc, shared, &in_block, add, ctx);
        window_bytes += (in_block + 7) & ~(size_t)7; /* window_room */
        if (st == JJ_OK)
          shape_footprint(rs, shapes, &wc, shared, i, lateness_ms, max_samples, add, ctx);
        if (st != JJ_OK) return st;
      }
    }
  }
  /* ... and the block, with the windows (summed in the second pass) and
   * the instances (with flap histories and streaks). */
  size_t strings = series_metric_bytes(metric, nslots);
  for (uint32_t i = 0; i < n; i++) strings += strlen(sorted[i].name) + strlen(sorted[i].value) + 2;
  add(ctx, (size_t)block_bytes(strings, quiet_entries(ninst, multi), stuck ? nslots : 0, nslots,
                               window_bytes, inst_room(ninst, store_bytes)));
  return JJ_OK;
}

/* ---- the quiet summary -------------------------------------------------- */

void jj__slot_summarize(jj_series *s, jj_slot *sl) {
  sl->loud = 0;
  sl->nquiet = 0;
  sl->plain = 0;
  if (sl->count == 1) { /* its bound is its rule's (slot_quiet, engine.c) */
    if (jj__inst_loud(&jj__series_inst(s)[sl->first])) {
      sl->loud = 1;
    } else {
      sl->nquiet = 1;
      sl->plain = !(sl->gated | sl->tumbling);
    }
    return;
  }
  jj_quiet *quiet = jj__slot_quiet(s, sl);
  for (uint32_t i = sl->first; i < sl->first + sl->count; i++) {
    const jj_inst *in = &jj__series_inst(s)[i];
    if (jj__inst_loud(in)) {
      sl->loud++;
      continue;
    }
    const jj_rule *r = in->rule;
    const uint32_t agg = (uint32_t)r->cfg.aggregate;
    uint32_t k = 0;
    while (k < sl->nquiet && quiet[k].agg != agg) k++;
    if (k == sl->nquiet) {
      quiet[k].agg = agg;
      quiet[k].lo = INFINITY;
      quiet[k].hi = -INFINITY;
      sl->nquiet++;
    }
    jj__quiet_add(&quiet[k], r);
  }
}
