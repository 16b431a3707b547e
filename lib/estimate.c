/* jj_engine_estimate (jjair/estimate.h): an engine's memory, counted
 * before any is allocated by walking what jj_engine_new and
 * jj_engine_series would allocate. The objects' own files size them
 * (footprint.h); this file follows the engine's order: the engine, then
 * per series its slot in the series array and id index, the series with
 * its windows, and the groups it joins. */
#include "jjair/estimate.h"

#include <string.h>

#include "alloc.h"
#include "engine_internal.h"
#include "footprint.h"
#include "index.h"
#include "series.h"
#include "series_loc.h"

typedef struct tally {
  jj_memory_estimate *out;
} tally;

static size_t round8(size_t n) {
  return (n + (JJ__POOL_ALIGN - 1)) & ~(size_t)(JJ__POOL_ALIGN - 1);
}

/* A block asked of the caller's allocator directly (the engine itself). */
static void add_direct(tally *t, size_t n) {
  t->out->bytes += n;
  t->out->allocations++;
  t->out->pool_bytes += JJ__POOL_HEADER + round8(n ? n : 1);
}

/* A block asked through the engine's counting wrapper (everything else),
 * which puts its own header in front, except over a pool (whose block
 * header has the size). */
static void add_counted(void *ctx, size_t n) {
  tally *t = ctx;
  add_direct(t, n);
  t->out->bytes += JJ__COUNT_HEADER;
}

/* A growable array (jj__grow, add_member) about to take element `len`:
 * a block of the new capacity when it is full (0 -> first -> 2 first ...). */
static void add_growth(tally *t, uint32_t len, uint32_t first, size_t size) {
  uint32_t cap = 0;
  for (uint32_t k = 0; k <= len; k++) {
    if (k < cap) continue;
    cap = cap ? cap * 2 : first;
    if (k == len) add_counted(t, (size_t)cap * size);
  }
}

/* The engine's series array about to take id `len`: as add_growth, but
 * growing by half (jj__series_array_next). */
static void add_series_array(tally *t, uint32_t len, uint32_t first) {
  uint32_t cap = first;
  while (cap && cap < len) cap = jj__series_array_next(cap);
  if (len == 0 || (cap == len && cap)) {
    uint32_t ncap = len == 0 ? first : jj__series_array_next(cap);
    if (ncap) add_counted(t, (size_t)ncap * sizeof(jj_series *));
  }
}

/* jj__index_reserve before the (count+1)-th id goes in: `first` slots, doubled
 * whenever the table would be over 3/4 full (jj__index_fits). */
static void add_index(tally *t, uint32_t count, uint32_t first) {
  uint32_t cap = 0;
  for (uint32_t k = 0; k <= count; k++) {
    if (cap && jj__index_fits((uint64_t)k + 1, cap)) continue;
    cap = cap ? cap * 2 : first;
    if (k == count) add_counted(t, (size_t)cap * sizeof(jj_index_slot));
  }
}

/* The engine's table of positions as it takes `located` entries, one
 * series' first located push at a time (jj__loc_reserve): a block at each
 * growth, every one counted as kept. */
static void add_locations(tally *t, uint32_t located) {
  uint32_t cap = 0;
  for (uint32_t k = 0; k < located; k++) {
    const uint32_t ncap = jj__loc_cap_for(cap, k);
    if (ncap != cap) add_counted(t, (size_t)ncap * sizeof(jj_loc_entry));
    cap = ncap;
  }
}

/* A spec's labels sorted by name into `sorted` (at most JJ_SERIES_MAX_LABELS);
 * JJ_EINVAL for an empty or repeated name, as jj_engine_series. */
static jj_status sort_spec(const jj_series_spec *sp, jj_label *sorted) {
  for (uint32_t i = 0; i < sp->nlabels; i++) {
    const jj_label *l = &sp->labels[i];
    if (!l->name || !*l->name || !l->value) return JJ_EINVAL;
    uint32_t j = i;
    int c = 1;
    while (j > 0 && (c = strcmp(sorted[j - 1].name, l->name)) > 0) {
      sorted[j] = sorted[j - 1];
      j--;
    }
    if (c == 0) return JJ_EINVAL;
    sorted[j] = *l;
  }
  return JJ_OK;
}

static const char *label_of(const jj_series_spec *sp, const char *name) {
  for (uint32_t i = 0; i < sp->nlabels; i++)
    if (strcmp(sp->labels[i].name, name) == 0) return sp->labels[i].value;
  return NULL;
}

/* 1 when the two specs name the same series (same metric and label set). */
static int same_series(const jj_series_spec *a, const jj_series_spec *b) {
  if (a->nlabels != b->nlabels || strcmp(a->metric, b->metric) != 0) return 0;
  for (uint32_t i = 0; i < a->nlabels; i++) {
    const char *v = label_of(b, a->labels[i].name);
    if (!v || strcmp(v, a->labels[i].value) != 0) return 0;
  }
  return 1;
}

static int spec_matches(const jj_rule *r, const jj_series_spec *sp) {
  jj_label sorted[JJ_SERIES_MAX_LABELS];
  jj_allocator libc;
  jj__alloc_resolve(&libc, NULL);
  if (sort_spec(sp, sorted) != JJ_OK) return 0;
  return jj__rule_matches(r, sp->metric, sorted, sp->nlabels, &libc) != 0;
}

/* How series `sp` touches group rule g: 2 as a member (it has an instance
 * of g), 1 as a feeder (an instance of a rule feeding g), 0 not at all;
 * either way it must carry g's group_by labels. */
static int touches(const jj_ruleset *rs, uint32_t g, const jj_series_spec *sp) {
  const jj_rule *gr = &rs->rules[g];
  for (uint32_t i = 0; i < gr->ngroup_labels; i++)
    if (!label_of(sp, gr->group_labels[i])) return 0;
  if (gr->cfg.group != JJ_GROUP_NONE && !jj__combines_rules(gr->cfg.group) && spec_matches(gr, sp))
    return 2;
  for (uint32_t i = 0; i < rs->nrules; i++) {
    const jj_rule *r = &rs->rules[i];
    if (r->cfg.group != JJ_GROUP_NONE) continue;
    for (uint32_t k = 0; k < r->nfeeds; k++)
      if (r->feeds[k] == g && spec_matches(r, sp)) return 1;
  }
  return 0;
}

static int same_group(const jj_rule *g, const jj_series_spec *a, const jj_series_spec *b) {
  for (uint32_t i = 0; i < g->ngroup_labels; i++)
    if (strcmp(label_of(a, g->group_labels[i]), label_of(b, g->group_labels[i])) != 0) return 0;
  return 1;
}

jj_status jj_engine_estimate(const jj_ruleset *rs, const jj_engine_config *cfg,
                             const jj_series_spec *series, uint32_t nseries,
                             jj_memory_estimate *out) {
  if (!out) return JJ_EINVAL;
  memset(out, 0, sizeof *out);
  if (!rs || (nseries && !series)) return JJ_EINVAL;
  jj_engine_config c;
  if (cfg)
    c = *cfg;
  else
    jj_engine_config_init(&c);
  jj__engine_fill_defaults(&c);
  if (c.lateness_ms < 0 || c.max_labels > JJ_SERIES_MAX_LABELS) return JJ_EINVAL;
  /* A window that would not fit the cap: jj_engine_new refuses it. */
  jj_status cst = jj_engine_check(rs, &c, NULL);
  if (cst != JJ_OK) return cst;
#ifdef JJ_NO_QUEUE
  if (!(c.flags & JJ_ENGINE_NO_QUEUE)) return JJ_ENOTSUP; /* as jj_engine_new */
#endif
  tally t = {out};

  /* jj_engine_new */
  add_direct(&t, sizeof(jj_engine));
  if (!(c.flags & JJ_ENGINE_NO_QUEUE)) {
    add_counted(&t, (size_t)c.event_queue * sizeof(jj_event));
    add_counted(&t, (size_t)c.event_queue * sizeof(jj_event_owner));
    add_counted(&t, (size_t)jj__queue_scratch_cap(c.event_queue) * sizeof(uint32_t));
  }
  add_counted(&t, (rs->nrules ? rs->nrules : 1) * sizeof(uint32_t));
  if (c.max_labels) /* the labels filled in for events */
    add_counted(&t, jj__engine_label_bytes(&c, (c.flags & JJ_ENGINE_NO_QUEUE) != 0));
  const size_t engine_pool = out->pool_bytes;

  /* jj_engine_series, in order */
  uint32_t created = 0, ngroups = 0, located = 0;
  jj__shape_tally shapes; /* the engine's shape cache, as series fill it */
  memset(&shapes, 0, sizeof shapes);
  for (uint32_t s = 0; s < nseries; s++) {
    const jj_series_spec *sp = &series[s];
    if (!sp->metric || !*sp->metric || (sp->nlabels && !sp->labels)) return JJ_EINVAL;
    if (sp->flags & ~JJ_SERIES_LOCATED) return JJ_EINVAL;
    if (sp->nlabels > c.max_labels) return JJ_ELIMIT;
    jj_label sorted[JJ_SERIES_MAX_LABELS];
    if (sort_spec(sp, sorted) != JJ_OK) return JJ_EINVAL;
    int dup = 0;
    for (uint32_t p = 0; p < s && !dup; p++) dup = same_series(&series[p], sp);
    if (dup) continue;
    if (created >= c.max_series) return JJ_ELIMIT;
    add_series_array(&t, created, jj__series_array_first(&c));
    add_index(&t, created, jj__index_first_cap(c.max_series));
    jj__deadline_footprint(created, add_counted, &t); /* the advance's deadline index */
    jj_status st = jj__series_footprint(rs, sp->metric, sorted, sp->nlabels, c.lateness_ms,
                                        c.max_samples_per_window, &shapes, add_counted, &t);
    if (st != JJ_OK) return st;
    /* join_groups: each group rule this series is a member of or feeds */
    for (uint32_t g = 0; g < rs->nrules; g++) {
      const jj_rule *gr = &rs->rules[g];
      if (gr->cfg.group == JJ_GROUP_NONE) continue;
      int how = touches(rs, g, sp);
      if (!how) continue;
      /* Earlier series of the same group (the group exists), its members,
       * and the distinct groups of this rule so far (max_groups). */
      int exists = 0;
      uint32_t members = 0, groups_of_rule = 0;
      for (uint32_t p = 0; p < s; p++) {
        const jj_series_spec *q = &series[p];
        int dup_p = 0;
        for (uint32_t o = 0; o < p && !dup_p; o++) dup_p = same_series(&series[o], q);
        int qh = dup_p ? 0 : touches(rs, g, q);
        if (!qh) continue;
        if (same_group(gr, q, sp)) {
          exists = 1;
          members += qh == 2;
          continue;
        }
        int first = 1; /* q starts a group of its own: count it once */
        for (uint32_t o = 0; o < p && first; o++) {
          const jj_series_spec *u = &series[o];
          int dup_o = 0;
          for (uint32_t v = 0; v < o && !dup_o; v++) dup_o = same_series(&series[v], u);
          if (!dup_o && touches(rs, g, u) && same_group(gr, u, q)) first = 0;
        }
        groups_of_rule += first;
      }
      if (!exists) {
        if (groups_of_rule >= c.max_groups) continue; /* refused, counted */
        const char *values[64];
        for (uint32_t i = 0; i < gr->ngroup_labels && i < 64; i++)
          values[i] = label_of(sp, gr->group_labels[i]);
        size_t due_block = jj__group_due_footprint(ngroups); /* group_deadline.c */
        if (due_block) add_counted(&t, due_block);
        add_growth(&t, ngroups, 16, sizeof(jj_group *));
        add_index(&t, ngroups, jj__index_first_cap(jj__group_bound(rs, &c)));
        add_counted(&t, jj__group_bytes(gr, values));
        ngroups++;
      }
      if (how == 2) { /* add_member: two parallel arrays */
        add_growth(&t, members, 8, sizeof(jj_inst *));
        add_growth(&t, members, 8, sizeof(jj_series *));
      }
    }
    created++;
  }
  /* then the pushes: each located series' first located push (a series
   * listed twice counted once; every spec is valid by now) */
  for (uint32_t s = 0; s < nseries; s++) {
    if (!(series[s].flags & JJ_SERIES_LOCATED)) continue;
    int seen = 0;
    for (uint32_t p = 0; p < s && !seen; p++)
      seen = (series[p].flags & JJ_SERIES_LOCATED) && same_series(&series[p], &series[s]);
    located += (uint32_t)!seen;
  }
  add_locations(&t, located);
  out->series_bytes = out->pool_bytes - engine_pool;
  return JJ_OK;
}
