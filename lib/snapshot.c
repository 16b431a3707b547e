/* Engine snapshots, restore and hot reload (include/jjair/snapshot.h).
 *
 * ---- The format (version 1) ----------------------------------------------
 * Every number is little-endian and fixed-width (u8, u32, u64; i64 as
 * two's complement u64; f64 as its IEEE 754 bits, NaN payloads and signed
 * zeros kept), whatever the host's byte order or word size; a string is a
 * u32 length, its bytes and a NUL.
 *
 *   header (24 bytes): "JJST", u32 version, u64 total size, u32 CRC-32
 *                      (IEEE 802.3, zlib's) of every byte after the header,
 *                      u32 flags (0)
 *   records:           u32 tag, u32 length, `length` bytes; in this order:
 *     ENGINE (1)  time, the caller's clock, the last event seq, the engine
 *                 settings the state depends on (lateness, window cap), the
 *                 id space, the counters
 *     RULES (2)   per rule of the ruleset that wrote it: name, content hash
 *                 (below), metric, level names and severities
 *     GROUP (3)   one per live group, in the engine's order: rule, labels,
 *                 alert, collected and held windows, sources, evidence,
 *                 members (series ids) in their order
 *     SERIES (4)  one per live series, by id: id, metric, labels, last
 *                 reading, location, per slot its quality gate and its
 *                 window (window.c, jj__window_encode), per rule instance
 *                 its member state and alert
 *     END (5)     empty; the last record
 * An alert is: level, pending level, flags, per level its streak and
 * start, the episode, level, no-data, notify and transition times, and the
 * flap history when the rule keeps one.
 *
 * Guarantees: a reader checks the magic, the version (another one is
 * JJ_ENOTSUP), the total size against the bytes given (truncation), the
 * CRC over everything, then every record's length and every field's range
 * as it decodes, into new state; the engine is changed only once all of it
 * decoded. Restored state makes the same events as the state saved, bit
 * for bit (sums, DABA aggregates and timers are stored, not recomputed).
 * A later version may add records or fields: it raises the version.
 *
 * A rule's content hash is FNV-1a 64 over its name, metric, group_by,
 * sources, every numeric field of its configuration (the list bundles
 * use, bundle_fields.h), its group labels, matchers, levels (names,
 * severities, thresholds, persistence) and index table (name, bands):
 * everything that decides when it fires. Static labels, annotations and
 * notifier lists are left out: editing them keeps a rule's state.
 *
 * ---- Restore and reload ----------------------------------------------------
 * Both decode an image into a scratch engine that shares the target's
 * allocator and ruleset, then move the scratch state into the target
 * (commit). A reload snapshots the running engine first, and retires its
 * old series, groups and ruleset: series and groups still named by queued
 * events are freed when those are polled (as forgotten ones are), the old
 * ruleset and the strings of the dropped rules' events once no live event
 * can name them (jj__retired_sweep in retired.c, from jj_engine_poll). */
#include "jjair/snapshot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_fields.h"
#include "engine_internal.h"
#include "retired.h"
#include "errfmt.h"
#include "sample.h"
#include "snapbuf.h"
#include "window_snap.h"

#define SNAP_MAGIC "JJST"
#define SNAP_HEADER 24u
#define NO_ID UINT32_MAX
#define SNAP_MAX_IDS (1u << 26) /* a 512 MB id table: an image claiming more is damaged */

enum { REC_ENGINE = 1, REC_RULES = 2, REC_GROUP = 3, REC_SERIES = 4, REC_END = 5 };

/* The counters carried over, in image order (series, groups and memory
 * are recounted). */
#define SNAP_STATS(X, s)                                                                       \
  X((s).accepted) X((s).rejected_invalid) X((s).rejected_late) X((s).rejected_future)          \
  X((s).rejected_limit) X((s).rejected_window) X((s).rejected_quality) X((s).group_late)       \
  X((s).events) X((s).events_dropped) X((s).events_muted) X((s).series_forgotten)              \
  X((s).match_undecided) X((s).group_refused) X((s).events_superseded)
#define SNAP_NSTATS 15u

/* CRC-32 (IEEE 802.3, reflected; the same value as bundles' bitwise
 * jj__crc32 and zlib's crc32), a byte at a time from a table: snapshots
 * are megabytes, read and written far more often than bundles. */
static const uint32_t crc_table[256] = {
    0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u, 0x706af48fu,
    0xe963a535u, 0x9e6495a3u, 0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u,
    0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u, 0x90bf1d91u, 0x1db71064u, 0x6ab020f2u,
    0xf3b97148u, 0x84be41deu, 0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u,
    0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu, 0x14015c4fu, 0x63066cd9u,
    0xfa0f3d63u, 0x8d080df5u, 0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u, 0xa2677172u,
    0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu, 0x35b5a8fau, 0x42b2986cu,
    0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u,
    0x26d930acu, 0x51de003au, 0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u,
    0xcfba9599u, 0xb8bda50fu, 0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u,
    0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du, 0x76dc4190u, 0x01db7106u,
    0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu, 0x9fbfe4a5u, 0xe8b8d433u,
    0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u, 0x7f6a0dbbu, 0x086d3d2du,
    0x91646c97u, 0xe6635c01u, 0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu,
    0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u, 0x65b0d9c6u, 0x12b7e950u,
    0x8bbeb8eau, 0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u,
    0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u, 0x4adfa541u, 0x3dd895d7u,
    0xa4d1c46du, 0xd3d6f4fbu, 0x4369e96au, 0x346ed9fcu, 0xad678846u, 0xda60b8d0u,
    0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u, 0x5005713cu, 0x270241aau,
    0xbe0b1010u, 0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu,
    0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u, 0x2eb40d81u,
    0xb7bd5c3bu, 0xc0ba6cadu, 0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au,
    0xead54739u, 0x9dd277afu, 0x04db2615u, 0x73dc1683u, 0xe3630b12u, 0x94643b84u,
    0x0d6d6a3eu, 0x7a6a5aa8u, 0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u,
    0xf00f9344u, 0x8708a3d2u, 0x1e01f268u, 0x6906c2feu, 0xf762575du, 0x806567cbu,
    0x196c3671u, 0x6e6b06e7u, 0xfed41b76u, 0x89d32be0u, 0x10da7a5au, 0x67dd4accu,
    0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u, 0xd6d6a3e8u, 0xa1d1937eu,
    0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
    0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u,
    0x316e8eefu, 0x4669be79u, 0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u,
    0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu, 0xc5ba3bbeu, 0xb2bd0b28u,
    0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u, 0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du,
    0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au, 0x9c0906a9u, 0xeb0e363fu,
    0x72076785u, 0x05005713u, 0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u,
    0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u, 0x86d3d2d4u, 0xf1d4e242u,
    0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u,
    0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu, 0x8f659effu, 0xf862ae69u,
    0x616bffd3u, 0x166ccf45u, 0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u,
    0xa7672661u, 0xd06016f7u, 0x4969474du, 0x3e6e77dbu, 0xaed16a4au, 0xd9d65adcu,
    0x40df0b66u, 0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u,
    0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u, 0xcdd70693u,
    0x54de5729u, 0x23d967bfu, 0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u,
    0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du,
};

static uint32_t snap_crc32(const unsigned char *p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xffu] ^ (c >> 8);
  return ~c;
}

/* ---- rule content hash ------------------------------------------------- */

#define H_U32(x) jj__w_u32(w, (uint32_t)(x));
#define H_I64(x) jj__w_u64(w, (uint64_t)(x));
#define H_F64(x) jj__w_f64(w, (x));
#define H(kind, x) H_##kind(x)

static uint64_t rule_hash(const jj_rule *r) {
  jj_wbuf hw = {NULL, 0, 0, 1, JJ_FNV_OFFSET};
  jj_wbuf *w = &hw;
  const jj_rule_cfg c = r->cfg;
  jj__w_str(w, c.name);
  jj__w_str(w, c.metric);
  jj__w_str(w, c.group_by);
  jj__w_str(w, c.sources);
  JJ_BUNDLE_RULE_FIELDS(H, c)
  jj__w_u32(w, r->ngroup_labels);
  for (uint32_t i = 0; i < r->ngroup_labels; i++) jj__w_str(w, r->group_labels[i]);
  jj__w_u32(w, r->nmatchers);
  for (uint32_t i = 0; i < r->nmatchers; i++) {
    jj__w_str(w, r->matchers[i].label);
    jj__w_u32(w, (uint32_t)r->matchers[i].op);
    jj__w_str(w, r->matchers[i].value);
  }
  jj__w_u32(w, r->nlevels);
  for (uint32_t i = 0; i < r->nlevels; i++) {
    jj__w_str(w, r->levels[i].name);
    jj__w_str(w, r->levels[i].severity);
    JJ_BUNDLE_LEVEL_FIELDS(H, r->levels[i])
  }
  jj__w_u8(w, r->index != NULL);
  if (r->index) {
    jj__w_str(w, jj_aqi_table_name(r->index));
    jj__w_u32(w, (uint32_t)jj_aqi_table_decimals(r->index));
    uint32_t nb = jj_aqi_table_bands(r->index);
    jj__w_u32(w, nb);
    for (uint32_t i = 0; i < nb; i++) {
      jj_aqi_band b;
      if (jj_aqi_table_band(r->index, i, &b) != JJ_OK) continue;
      jj__w_f64(w, b.c_lo);
      jj__w_f64(w, b.c_hi);
      jj__w_f64(w, b.i_lo);
      jj__w_f64(w, b.i_hi);
      jj__w_str(w, b.name);
    }
  }
  return hw.hash;
}

/* ---- writing ------------------------------------------------------------- */

static void put_alert(jj_wbuf *w, const jj_alert *a) {
  jj__w_u8(w, (uint8_t)a->level);
  jj__w_u8(w, (uint8_t)a->pending);
  jj__w_u8(w, a->streaking);
  jj__w_u8(w, a->flapping);
  jj__w_u8(w, a->stale);
  jj__w_u8(w, a->nodata);
  jj__w_u8(w, a->flap_n);
  jj__w_u8(w, a->flap_head);
  jj__w_u32(w, a->nlevels);
  jj__w_f64(w, a->value);
  for (uint32_t i = 0; i < a->nlevels; i++) {
    jj__w_u32(w, jj__alert_streak(a)[i]);
    jj__w_i64(w, jj__alert_since(a)[i]);
  }
  jj__w_i64(w, a->started);
  jj__w_i64(w, a->level_since);
  jj__w_i64(w, jj__alert_nodata_since(a));
  jj__w_i64(w, jj__alert_last_notify(a));
  jj__w_i64(w, jj__alert_last_transition(a)); /* a field of its own once */
  const int64_t *flap = jj__alert_flap(a);
  jj__w_u8(w, flap != NULL);
  if (flap)
    for (int i = 0; i < JJ_FLAP_SLOTS; i++) jj__w_i64(w, flap[i]);
}

static void put_sums(jj_wbuf *w, const jj_win_sums *s) {
  jj__w_u32(w, s->nvalid);
  jj__w_u32(w, s->agree);
  jj__w_f64(w, s->sum);
  jj__w_f64(w, s->max);
  jj__w_f64(w, s->min);
}

/* A series pointer as its id in the engine (NO_ID: none or forgotten),
 * found through the series index by its hash. */
static uint32_t series_id_of(const jj_engine *e, const jj_series *s) {
  if (!s || s->forgotten) return NO_ID;
  jj_index_probe p = jj__index_probe(&e->series_index, jj__series_hash(s));
  for (uint32_t id; jj__index_next(&e->series_index, &p, &id);)
    if (e->series[id] == s) return id;
  return NO_ID;
}

static void put_group(jj_wbuf *w, const jj_engine *e, const jj_group *g) {
  jj__w_u32(w, g->rule_index);
  jj__w_u32(w, g->nlabels);
  for (uint32_t i = 0; i < g->nlabels; i++) {
    jj__w_str(w, g->labels[i].name);
    jj__w_str(w, g->labels[i].value);
  }
  put_alert(w, &g->alert);
  jj__w_u8(w, g->has_bucket);
  jj__w_i64(w, g->bucket_end);
  jj__w_i64(w, g->last_judged_end);
  put_sums(w, &g->bucket);
  jj__w_i64(w, g->win_start);
  jj__w_i64(w, g->win_end);
  jj__w_u32(w, g->held->cap);
  jj__w_u32(w, g->held->used);
  for (uint32_t i = 0; i < g->held->cap; i++) put_sums(w, &g->held->w[i]);
  jj__w_u32(w, g->nev);
  for (uint32_t i = 0; i < g->nev; i++) {
    jj__w_u32(w, series_id_of(e, g->ev[i].s));
    jj__w_u32(w, g->ev[i].firing);
    jj__w_i64(w, g->ev[i].last);
  }
  jj__w_u32(w, JJ_MAX_SOURCES);
  for (uint32_t k = 0; k < JJ_MAX_SOURCES; k++) {
    jj__w_u32(w, g->src_firing[k]);
    jj__w_i64(w, g->src_last[k]);
    jj__w_f64(w, g->src_value[k]);
    jj__w_i64(w, g->src_end[k]);
  }
  jj__w_u32(w, series_id_of(e, g->cause));
  jj__w_i64(w, g->cause_ts);
  jj__w_f64(w, g->cause_value);
  jj__w_f64(w, g->index_conc);
  jj__w_u32(w, g->nmembers);
  for (uint32_t i = 0; i < g->nmembers; i++) jj__w_u32(w, series_id_of(e, g->member_series[i]));
}

static void put_series(jj_wbuf *w, const jj_engine *e, uint32_t id, jj_series *s) {
  jj__w_u32(w, id);
  jj__w_str(w, jj__series_metric(s));
  jj__w_u32(w, s->nlabels);
  const char *p = jj__series_label_strings(s);
  for (uint32_t i = 0; i < 2 * (uint32_t)s->nlabels; i++) { /* name, value of each (series.h) */
    jj__w_str(w, p);
    p += strlen(p) + 1;
  }
  jj__w_i64(w, s->last_ts);
  jj__w_u8(w, s->has_ts);
  /* (0, 0 without a position, as the series block held before positions
   * moved to the engine's table: the same image) */
  const jj_loc_entry *loc = s->has_loc ? jj__loc_get(&e->locs, s) : NULL;
  jj__w_u8(w, loc != NULL);
  jj__w_f64(w, loc ? loc->lat : 0.0);
  jj__w_f64(w, loc ? loc->lon : 0.0);
  jj__w_u32(w, s->nslots);
  for (uint32_t j = 0; j < s->nslots; j++) {
    const jj_slot *sl = &s->slots[j];
    jj__w_u8(w, sl->quality_bad);
    jj__w_u8(w, sl->quality_reason);
    /* A slot without a stuck gate has no run: 0 and 0.0, as it always read. */
    const jj_stuck none = {0.0, 0}, *run = s->has_stuck ? jj__slot_stuck(s, sl) : &none;
    jj__w_u32(w, run->run);
    jj__w_f64(w, run->last);
    size_t at = jj__w_open(w);
    jj__window_encode(jj__slot_win(s, sl), w);
    jj__w_close(w, at);
  }
  jj__w_u32(w, s->ninst);
  for (uint32_t i = 0; i < s->ninst; i++) {
    const jj_inst *in = &jj__series_inst(s)[i];
    const jj_inst_more m = jj__inst_more_or_default(in); /* the image keeps every field */
    jj__w_u32(w, jj__inst_rule_index(e->rs, in));
    jj__w_u32(w, jj__inst_slot(in));
    jj__w_f64(w, m.member_value);
    jj__w_i64(w, m.member_agree_ts);
    jj__w_i64(w, m.member_reported_end);
    jj__w_u8(w, m.member_valid);
    jj__w_u8(w, jj__inst_stale(in));
    jj__w_i64(w, m.win_start);
    jj__w_i64(w, m.win_end);
    jj__w_f64(w, m.index_conc);
    put_alert(w, &in->alert);
  }
}

static size_t rec_open(jj_wbuf *w, uint32_t tag) {
  jj__w_u32(w, tag);
  return jj__w_open(w);
}

/* The whole image; w->n is its size (stored while it fits). */
static void put_engine(jj_wbuf *w, const jj_engine *e) {
  jj__w_bytes(w, SNAP_MAGIC, 4);
  jj__w_u32(w, JJ_SNAPSHOT_VERSION);
  jj__w_u64(w, 0); /* size and CRC: filled in at the end */
  jj__w_u32(w, 0);
  jj__w_u32(w, 0);
  size_t at = rec_open(w, REC_ENGINE);
  jj__w_u8(w, (unsigned)e->has_now);
  jj__w_i64(w, e->now);
  jj__w_u8(w, (unsigned)e->has_clock);
  jj__w_i64(w, e->clock);
  jj__w_u64(w, e->seq);
  jj__w_i64(w, e->cfg.lateness_ms);
  jj__w_u32(w, e->cfg.max_samples_per_window);
  jj__w_u32(w, e->nseries);
  jj__w_u32(w, SNAP_NSTATS);
#define PUT_STAT(x) jj__w_u64(w, x);
  SNAP_STATS(PUT_STAT, e->st)
#undef PUT_STAT
  jj__w_close(w, at);

  at = rec_open(w, REC_RULES);
  jj__w_u32(w, e->rs->nrules);
  for (uint32_t i = 0; i < e->rs->nrules; i++) {
    const jj_rule *r = &e->rs->rules[i];
    jj__w_str(w, r->cfg.name);
    jj__w_u64(w, rule_hash(r));
    jj__w_str(w, r->cfg.metric);
    jj__w_u32(w, r->nlevels);
    for (uint32_t k = 0; k < r->nlevels; k++) {
      jj__w_str(w, r->levels[k].name);
      jj__w_str(w, r->levels[k].severity);
    }
  }
  jj__w_close(w, at);

  for (uint32_t gi = 0; gi < e->ngroups; gi++) {
    if (!e->groups[gi]) continue;
    at = rec_open(w, REC_GROUP);
    put_group(w, e, e->groups[gi]);
    jj__w_close(w, at);
  }
  for (uint32_t id = 0; id < e->nseries; id++) {
    if (!e->series[id]) continue;
    at = rec_open(w, REC_SERIES);
    put_series(w, e, id, e->series[id]);
    jj__w_close(w, at);
  }
  at = rec_open(w, REC_END);
  jj__w_close(w, at);
}

jj_status jj_engine_snapshot(jj_engine *e, void *buf, size_t size, size_t *needed) {
  if (!e || !needed || (size && !buf)) return JJ_EINVAL;
  if (e->busy) return JJ_ESTATE;
  /* Windows an advance passed over catch up first, so the image holds the
   * state the full walk would have (the deadline index is not saved;
   * restore rebuilds it: deadline.h). */
  jj__engine_catch_up(e);
  jj_wbuf w = {buf, size, 0, 0, 0};
  put_engine(&w, e);
  *needed = w.n;
  if (w.n > size || !buf) return JJ_EFULL;
  unsigned char *p = buf;
  jj_wbuf h = {p, size, 8, 0, 0};
  jj__w_u64(&h, (uint64_t)w.n);
  jj__w_u32(&h, snap_crc32(p + SNAP_HEADER, w.n - SNAP_HEADER));
  return JJ_OK;
}

/* ---- reading: the pieces --------------------------------------------------- */

/* An alert as the image has it, before it is known to fit a rule. */
typedef struct alert_img {
  int level, pending;
  uint8_t streaking, flapping, stale, nodata, flap_n, flap_head;
  uint32_t nlevels;
  double value;
  uint16_t streak[JJ_MAX_LEVELS];
  int64_t since[JJ_MAX_LEVELS];
  int64_t started, level_since, nodata_since, last_notify, last_transition;
  int has_flap;
  int64_t flap[JJ_FLAP_SLOTS];
} alert_img;

static void get_alert(jj_rbuf *r, alert_img *a) {
  memset(a, 0, sizeof *a);
  a->level = (int)jj__r_u8(r);
  a->pending = (int)jj__r_u8(r);
  a->streaking = (uint8_t)jj__r_flag(r);
  a->flapping = (uint8_t)jj__r_flag(r);
  a->stale = (uint8_t)jj__r_flag(r);
  a->nodata = (uint8_t)jj__r_flag(r);
  a->flap_n = (uint8_t)jj__r_u8(r);
  a->flap_head = (uint8_t)jj__r_u8(r);
  a->nlevels = jj__r_u32(r);
  if (r->bad || a->nlevels > JJ_MAX_LEVELS || a->level > (int)a->nlevels ||
      a->pending > (int)a->nlevels || a->flap_n > JJ_FLAP_SLOTS || a->flap_head >= JJ_FLAP_SLOTS) {
    r->bad = 1;
    return;
  }
  a->value = jj__r_f64(r);
  for (uint32_t i = 0; i < a->nlevels; i++) {
    uint32_t s = jj__r_u32(r);
    if (s > UINT16_MAX) r->bad = 1;
    a->streak[i] = (uint16_t)s;
    a->since[i] = jj__r_i64(r);
  }
  a->started = jj__r_i64(r);
  a->level_since = jj__r_i64(r);
  a->nodata_since = jj__r_i64(r);
  a->last_notify = jj__r_i64(r);
  a->last_transition = jj__r_i64(r);
  a->has_flap = jj__r_flag(r);
  if (a->has_flap)
    for (int i = 0; i < JJ_FLAP_SLOTS; i++) a->flap[i] = jj__r_i64(r);
}

/* Load an image into an alert made for the same rule: 0, or -1 when its
 * shape (levels, flap history) is not that rule's. */
static int set_alert(jj_alert *a, const alert_img *m) {
  if (m->nlevels != a->nlevels || m->has_flap != (jj__alert_flap(a) != NULL)) return -1;
  /* An alert without a jj_alert_cold holds only images whose no-data and
   * notify times are what it would read without one (an engine writes
   * those for such a rule's alerts). */
  if (!a->cold && (m->nodata || m->flapping || m->nodata_since != 0 ||
                   m->last_notify != (m->level_since == INT64_MIN ? 0 : m->level_since)))
    return -1;
  a->level = (int8_t)m->level;
  a->pending = (int8_t)m->pending;
  a->streaking = m->streaking;
  a->flapping = m->flapping;
  a->stale = m->stale;
  a->nodata = m->nodata;
  a->flap_n = m->flap_n;
  a->flap_head = m->flap_head;
  a->value = m->value;
  for (uint32_t i = 0; i < m->nlevels; i++) {
    jj__alert_streak(a)[i] = m->streak[i];
    jj__alert_since(a)[i] = m->since[i];
  }
  a->started = m->started;
  a->level_since = m->level_since;
  jj_alert_cold *c = jj__alert_cold(a);
  if (c) {
    c->nodata_since = m->nodata_since;
    c->last_notify = m->last_notify;
  }
  /* m->last_transition is level_since in every image an engine wrote
   * (jj__alert_last_transition): not kept. */
  if (jj__alert_flap(a)) memcpy(jj__alert_flap(a), m->flap, sizeof m->flap);
  return 0;
}

static void get_sums(jj_rbuf *r, jj_win_sums *s) {
  s->nvalid = jj__r_u32(r);
  s->agree = jj__r_u32(r);
  s->sum = jj__r_f64(r);
  s->max = jj__r_f64(r);
  s->min = jj__r_f64(r);
}

/* A rule of the image and what became of it. */
enum { FATE_KEPT, FATE_CHANGED, FATE_REMOVED };
typedef struct old_rule {
  const char *name, *metric;
  uint64_t hash;
  uint32_t nlevels;
  const char *lname[JJ_MAX_LEVELS], *lsev[JJ_MAX_LEVELS];
  uint32_t to;   /* the rule of the same name in the new ruleset, or NO_ID */
  uint8_t fate;
} old_rule;

/* An open episode of a dropped rule, ended by an event after commit. */
typedef struct ghost {
  jj_event_kind kind;
  jj_event_reason reason;
  uint32_t rule;      /* old rule */
  int level;          /* level before (and after, but for RESOLVED) */
  double value;
  int64_t started, level_since;
  uint32_t series;    /* the series whose labels it shows, or NO_ID for a group */
  jj_rbuf labels;     /* a group: its labels in the image */
  uint32_t nlabels;
} ghost;

typedef struct dec {
  jj_engine *sc; /* the scratch engine the state is built in */
  jj_error *err;
  const unsigned char *base; /* the image, for offsets in messages */
  size_t size;
  old_rule *rules;
  uint32_t nrules;
  uint32_t nids; /* the image's id space */
  struct old_group {
    jj_rbuf rec;  /* its record, read again once the series exist */
    jj_group *g;  /* the group made for it, NULL for a dropped rule */
  } *groups;      /* the image's groups, in order */
  uint32_t ngroups, groups_cap;
  ghost *gh;
  uint32_t ngh, gh_cap;
  jj_restore_report rep;
} dec;

static jj_status damaged(dec *d, const jj_rbuf *r, const char *what) {
  size_t off = r->p ? (size_t)(r->p - d->base) + r->at : 0;
  return jj__fail(d->err, JJ_EINVAL, "damaged snapshot: %s (near byte %zu)", what, off);
}

static jj_status nomem(dec *d) { return jj__fail(d->err, JJ_ENOMEM, "out of memory restoring a snapshot"); }

static jj_status add_ghost(dec *d, const ghost *g) {
  if (jj__grow(&d->sc->alc, &d->gh, &d->gh_cap, d->ngh, sizeof *d->gh, 16)) return nomem(d);
  d->gh[d->ngh++] = *g;
  return JJ_OK;
}

/* The events that end an alert's open episodes (and, with `quality`, a
 * gate's), in the order jj_engine_forget uses. */
static jj_status ghosts_for(dec *d, uint32_t rule, const alert_img *a, int quality,
                            uint32_t series, const jj_rbuf *labels, uint32_t nlabels) {
  ghost g;
  memset(&g, 0, sizeof g);
  g.reason = d->rules[rule].fate == FATE_REMOVED ? JJ_REASON_RULE_REMOVED : JJ_REASON_RULE_CHANGED;
  g.rule = rule;
  g.level = a->level;
  g.value = a->value;
  g.level_since = a->level_since;
  g.series = series;
  if (labels) g.labels = *labels;
  g.nlabels = nlabels;
  jj_status st = JJ_OK;
  if (quality) {
    g.kind = JJ_EVENT_QUALITY_RESOLVED;
    g.started = a->level ? a->started : INT64_MIN;
    st = add_ghost(d, &g);
  }
  if (st == JJ_OK && a->nodata) {
    g.kind = JJ_EVENT_NODATA_RESOLVED;
    g.started = a->nodata_since;
    st = add_ghost(d, &g);
  }
  if (st == JJ_OK && a->level > 0) {
    g.kind = JJ_EVENT_RESOLVED;
    g.started = a->started;
    st = add_ghost(d, &g);
  }
  return st;
}

/* ---- reading: records ---------------------------------------------------- */

static jj_status dec_engine(dec *d, jj_rbuf *r) {
  jj_engine *sc = d->sc;
  sc->has_now = jj__r_flag(r);
  sc->now = jj__r_i64(r);
  sc->has_clock = jj__r_flag(r);
  sc->clock = jj__r_i64(r);
  sc->seq = jj__r_u64(r);
  int64_t lateness = jj__r_i64(r);
  uint32_t cap = jj__r_u32(r);
  d->nids = jj__r_u32(r);
  uint32_t nstats = jj__r_u32(r);
  if (r->bad || nstats != SNAP_NSTATS) return damaged(d, r, "engine record");
#define GET_STAT(x) x = jj__r_u64(r);
  SNAP_STATS(GET_STAT, sc->st)
#undef GET_STAT
  if (r->bad || r->at != r->size) return damaged(d, r, "engine record length");
  if ((sc->has_now && !jj__ts_valid(sc->now)) || (sc->has_clock && !jj__ts_valid(sc->clock)))
    return damaged(d, r, "engine time out of range");
  if (lateness != sc->cfg.lateness_ms)
    return jj__fail(d->err, JJ_EINVAL,
                    "snapshot was taken with lateness_ms %lld, this engine has %lld",
                    (long long)lateness, (long long)sc->cfg.lateness_ms);
  /* Equal caps, or caps that make the same windows (an image from before
   * 0 became the default has the old default, 65536). */
  if (!jj__caps_agree(sc->rs, cap, sc->cfg.max_samples_per_window))
    return jj__fail(d->err, JJ_EINVAL,
                    "snapshot was taken with max_samples_per_window %lu, this engine has %lu",
                    (unsigned long)cap, (unsigned long)sc->cfg.max_samples_per_window);
  /* Ids stay what they were: the table holds the image's whole id space,
   * every id ever created, live (a record each, more than 32 bytes) or
   * forgotten (counted); checked exactly once the records are read. */
  if (d->nids > SNAP_MAX_IDS || d->nids > sc->st.series_forgotten + d->size / 32)
    return damaged(d, r, "series id space");
  if (d->nids) {
    sc->series = jj__calloc(&sc->alc, (size_t)d->nids * sizeof *sc->series);
    if (!sc->series) return nomem(d);
    sc->series_cap = d->nids;
    sc->nseries = d->nids;
  }
  return JJ_OK;
}

static jj_status dec_rules(dec *d, jj_rbuf *r) {
  const jj_ruleset *rs = d->sc->rs;
  uint32_t n = jj__r_u32(r);
  if (r->bad || n > r->size / 8) return damaged(d, r, "rule count");
  d->rules = jj__calloc(&d->sc->alc, (n ? n : 1) * sizeof *d->rules);
  if (!d->rules) return nomem(d);
  d->nrules = n;
  uint8_t *seen = jj__calloc(&d->sc->alc, rs->nrules ? rs->nrules : 1);
  if (!seen) return nomem(d);
  for (uint32_t i = 0; i < n && !r->bad; i++) {
    old_rule *o = &d->rules[i];
    o->name = jj__r_str(r);
    o->hash = jj__r_u64(r);
    o->metric = jj__r_str(r);
    o->nlevels = jj__r_u32(r);
    if (o->nlevels > JJ_MAX_LEVELS) r->bad = 1;
    for (uint32_t k = 0; k < o->nlevels && !r->bad; k++) {
      o->lname[k] = jj__r_str(r);
      o->lsev[k] = jj__r_str(r);
    }
    o->to = NO_ID;
    o->fate = FATE_REMOVED;
    for (uint32_t k = 0; k < rs->nrules && !r->bad; k++) {
      if (strcmp(rs->rules[k].cfg.name, o->name) != 0) continue;
      if (seen[k]) r->bad = 1; /* two rules of one name */
      seen[k] = 1;
      o->to = k;
      o->fate = rule_hash(&rs->rules[k]) == o->hash ? FATE_KEPT : FATE_CHANGED;
      break;
    }
  }
  for (uint32_t i = 0; i < n && !r->bad; i++) {
    d->rep.rules_kept += d->rules[i].fate == FATE_KEPT;
    d->rep.rules_changed += d->rules[i].fate == FATE_CHANGED;
    d->rep.rules_removed += d->rules[i].fate == FATE_REMOVED;
  }
  for (uint32_t k = 0; k < rs->nrules; k++) d->rep.rules_added += !seen[k];
  jj__free(&d->sc->alc, seen);
  if (r->bad || r->at != r->size) return damaged(d, r, "rules record");
  return JJ_OK;
}

/* A group record. First pass (g NULL): check it, make the group when its
 * rule is kept, note the episodes of a dropped one. Second pass (g): the
 * series exist; fill the group in. */
static jj_status dec_group(dec *d, jj_rbuf *r, jj_group *g, jj_group **made) {
  jj_engine *sc = d->sc;
  uint32_t rule = jj__r_u32(r), n = jj__r_u32(r);
  if (r->bad || rule >= d->nrules || n > 64) return damaged(d, r, "group rule or labels");
  jj_rbuf labels = *r;
  const char *values[64];
  for (uint32_t i = 0; i < n; i++) {
    (void)jj__r_str(r);
    values[i] = jj__r_str(r);
  }
  alert_img a;
  get_alert(r, &a);
  if (r->bad) return damaged(d, r, "group alert");
  const old_rule *o = &d->rules[rule];
  if (!g) {
    if (o->fate != FATE_KEPT) return ghosts_for(d, rule, &a, 0, NO_ID, &labels, n);
    if (sc->rs->rules[o->to].ngroup_labels != n) return damaged(d, r, "group labels");
    jj_status st = jj__group_make(sc, o->to, values, made);
    if (st == JJ_ENOMEM) return nomem(d);
    if (st == JJ_ELIMIT)
      return jj__fail(d->err, JJ_ELIMIT, "snapshot has more groups of rule '%s' than max_groups",
                      o->name);
    if (st != JJ_OK) return damaged(d, r, "group");
    d->rep.groups++;
  }
  jj_group tmp; /* the first pass checks the rest into a throwaway group */
  struct jj_held_set *held = NULL;
  if (!g) {
    memset(&tmp, 0, sizeof tmp);
    g = &tmp;
  } else {
    held = g->held;
  }
  if (g != &tmp && set_alert(&g->alert, &a) != 0) return damaged(d, r, "group alert levels");
  g->has_bucket = (uint8_t)jj__r_flag(r);
  g->bucket_end = jj__r_i64(r);
  g->last_judged_end = jj__r_i64(r);
  get_sums(r, &g->bucket);
  g->win_start = jj__r_i64(r);
  g->win_end = jj__r_i64(r);
  uint32_t cap = jj__r_u32(r), used = jj__r_u32(r);
  if (r->bad || used > cap || cap > 64 || (held && cap != held->cap))
    return damaged(d, r, "group held windows");
  if (held) held->used = used;
  for (uint32_t i = 0; i < cap; i++) {
    jj_win_sums s;
    get_sums(r, &s);
    if (held) held->w[i] = s;
  }
  uint32_t nev = jj__r_u32(r);
  if (r->bad || nev > JJ_MAX_EVIDENCE) return damaged(d, r, "group evidence");
  g->nev = nev;
  for (uint32_t i = 0; i < nev; i++) {
    uint32_t sid = jj__r_u32(r), firing = jj__r_u32(r);
    if (firing > UINT16_MAX || (sid != NO_ID && sid >= d->nids)) r->bad = 1;
    g->ev[i].s = (g != &tmp && sid != NO_ID) ? sc->series[sid] : NULL;
    g->ev[i].firing = (uint16_t)firing;
    g->ev[i].last = jj__r_i64(r);
  }
  if (jj__r_u32(r) != JJ_MAX_SOURCES) r->bad = 1;
  for (uint32_t k = 0; k < JJ_MAX_SOURCES && !r->bad; k++) {
    uint32_t f = jj__r_u32(r);
    if (f > UINT16_MAX) r->bad = 1;
    g->src_firing[k] = (uint16_t)f;
    g->src_last[k] = jj__r_i64(r);
    g->src_value[k] = jj__r_f64(r);
    g->src_end[k] = jj__r_i64(r);
  }
  uint32_t cause = jj__r_u32(r);
  if (cause != NO_ID && cause >= d->nids) r->bad = 1;
  g->cause = (g != &tmp && cause != NO_ID) ? sc->series[cause] : NULL;
  g->cause_ts = jj__r_i64(r);
  g->cause_value = jj__r_f64(r);
  g->index_conc = jj__r_f64(r);
  uint32_t nm = jj__r_u32(r);
  if (r->bad || nm > d->nids || r->size - r->at != (size_t)nm * 4)
    return damaged(d, r, "group members");
  if (g == &tmp) return JJ_OK;
  /* The members in their old order (sums over them run in that order),
   * those the image does not list after them. */
  uint32_t placed = 0;
  for (uint32_t i = 0; i < nm; i++) {
    uint32_t sid = jj__r_u32(r);
    const jj_series *s = sid < d->nids ? sc->series[sid] : NULL;
    for (uint32_t k = placed; s && k < g->nmembers; k++) {
      if (g->member_series[k] != s) continue;
      jj_inst *mi = g->members[k];
      jj_series *ms = g->member_series[k];
      memmove(&g->members[placed + 1], &g->members[placed], (k - placed) * sizeof *g->members);
      memmove(&g->member_series[placed + 1], &g->member_series[placed],
              (k - placed) * sizeof *g->member_series);
      g->members[placed] = mi;
      g->member_series[placed] = ms;
      placed++;
      break;
    }
  }
  return JJ_OK;
}

/* One slot or instance of the image's series, read ahead of matching. */
typedef struct old_slot {
  uint8_t quality_bad, quality_reason;
  uint32_t stuck_run;
  double stuck_last;
  jj_rbuf win;
  uint32_t used_by; /* the new slot it went to + 1, 0 = none */
} old_slot;

typedef struct old_inst {
  uint32_t rule, slot;
  double member_value;
  int64_t member_agree_ts, member_reported_end;
  uint8_t member_valid, stale;
  int64_t win_start, win_end;
  double index_conc;
  alert_img alert;
  uint8_t restored;
} old_inst;

/* Join the new series to its groups as engine.c's series_get does. */
static jj_status join(jj_engine *sc, jj_series *s) {
  jj_status st = JJ_OK;
  for (uint32_t i = 0; i < s->ninst && st == JJ_OK; i++) {
    jj_inst *in = &jj__series_inst(s)[i];
    if (in->rule->cfg.group != JJ_GROUP_NONE)
      st = jj__group_join(sc, jj__inst_rule_index(sc->rs, in), s, in);
    else if (in->rule->nfeeds)
      st = jj__group_feed(sc, s, in);
    if (st == JJ_ELIMIT) st = JJ_OK; /* max_groups: that rule leaves the series out */
  }
  return st;
}

/* An instance without jj_inst_more has a rule that never reads those
 * fields: the image's values for them are the defaults, not state. */
static void set_inst(jj_inst *in, const old_inst *o) {
  jj__inst_set_stale(in, o->stale);
  jj_inst_more *m = jj__inst_more(in);
  if (!m) return;
  m->member_value = o->member_value;
  m->member_agree_ts = o->member_agree_ts;
  m->member_reported_end = o->member_reported_end;
  m->member_valid = o->member_valid;
  m->win_start = o->win_start;
  m->win_end = o->win_end;
  m->index_conc = o->index_conc;
}

static jj_status dec_series_body(dec *d, jj_rbuf *r, jj_series *s, old_slot *os, uint32_t nos,
                                 old_inst *oi, uint32_t noi, uint32_t id) {
  for (uint32_t j = 0; j < nos; j++) {
    os[j].quality_bad = (uint8_t)jj__r_flag(r);
    os[j].quality_reason = (uint8_t)jj__r_u8(r);
    os[j].stuck_run = jj__r_u32(r);
    os[j].stuck_last = jj__r_f64(r);
    os[j].win = jj__r_part(r);
    os[j].used_by = 0;
  }
  if (jj__r_u32(r) != noi || r->bad) return damaged(d, r, "series slots");
  for (uint32_t i = 0; i < noi; i++) {
    old_inst *o = &oi[i];
    o->rule = jj__r_u32(r);
    o->slot = jj__r_u32(r);
    o->member_value = jj__r_f64(r);
    o->member_agree_ts = jj__r_i64(r);
    o->member_reported_end = jj__r_i64(r);
    o->member_valid = (uint8_t)jj__r_flag(r);
    o->stale = (uint8_t)jj__r_flag(r);
    o->win_start = jj__r_i64(r);
    o->win_end = jj__r_i64(r);
    o->index_conc = jj__r_f64(r);
    get_alert(r, &o->alert);
    o->restored = 0;
    if (r->bad || o->rule >= d->nrules || o->slot >= nos) return damaged(d, r, "series rule");
  }
  if (r->at != r->size) return damaged(d, r, "series record length");
  /* Each new slot takes the window of the old slot its kept rules had. */
  for (uint32_t j = 0; j < s->nslots; j++) {
    jj_slot *sl = &s->slots[j];
    uint32_t from = NO_ID;
    for (uint32_t i = 0; i < noi && from == NO_ID; i++) {
      const old_rule *o = &d->rules[oi[i].rule];
      for (uint32_t k = sl->first; o->fate == FATE_KEPT && k < sl->first + sl->count; k++)
        if (jj__inst_rule_index(d->sc->rs, &jj__series_inst(s)[k]) == o->to) from = oi[i].slot;
    }
    if (from == NO_ID || os[from].used_by) continue;
    jj_rbuf wr = os[from].win;
    jj_status st = jj__window_decode(jj__slot_win(s, sl), &wr);
    if (st == JJ_ENOMEM) return nomem(d);
    if (st == JJ_EINVAL) return damaged(d, &wr, "window");
    if (st != JJ_OK) { /* another shape: the slot starts fresh */
      d->rep.windows_reset++;
      continue;
    }
    os[from].used_by = j + 1;
    sl->quality_bad = os[from].quality_bad;
    sl->quality_reason = os[from].quality_reason;
    if (s->has_stuck) { /* else no slot of the series has a stuck gate now */
      jj__slot_stuck(s, sl)->run = os[from].stuck_run;
      jj__slot_stuck(s, sl)->last = os[from].stuck_last;
    }
  }
  for (uint32_t i = 0; i < noi; i++) {
    old_inst *o = &oi[i];
    const old_rule *orl = &d->rules[o->rule];
    uint32_t to = os[o->slot].used_by;
    for (uint32_t k = 0; to && orl->fate == FATE_KEPT && k < s->ninst; k++) {
      jj_inst *in = &jj__series_inst(s)[k];
      if (jj__inst_rule_index(d->sc->rs, in) != orl->to || jj__inst_slot(in) != to - 1) continue;
      if (set_alert(&in->alert, &o->alert) != 0) return damaged(d, r, "alert levels");
      set_inst(in, o);
      o->restored = 1;
    }
    if (!o->restored) {
      jj_status st = ghosts_for(d, o->rule, &o->alert, os[o->slot].quality_bad, id, NULL, 0);
      if (st != JJ_OK) return st;
    }
  }
  s->nstale = 0;
  for (uint32_t i = 0; i < s->ninst; i++) s->nstale += jj__inst_stale(&jj__series_inst(s)[i]);
  for (uint32_t j = 0; j < s->nslots; j++) jj__slot_summarize(s, &s->slots[j]);
  return JJ_OK;
}

static jj_status dec_series(dec *d, jj_rbuf *r, uint32_t *next_id) {
  jj_engine *sc = d->sc;
  uint32_t id = jj__r_u32(r);
  const char *metric = jj__r_str(r);
  uint32_t nl = jj__r_u32(r);
  if (r->bad || id < *next_id || id >= d->nids || nl > JJ_SERIES_MAX_LABELS)
    return damaged(d, r, "series id or labels");
  *next_id = id + 1;
  if (nl > sc->cfg.max_labels || sc->st.series >= sc->cfg.max_series)
    return jj__fail(d->err, JJ_ELIMIT, "snapshot series %lu does not fit this engine's limits "
                    "(max_series, max_labels)", (unsigned long)id);
  jj_label labels[JJ_SERIES_MAX_LABELS];
  for (uint32_t i = 0; i < nl; i++) {
    labels[i].name = jj__r_str(r);
    labels[i].value = jj__r_str(r);
  }
  int64_t last_ts = jj__r_i64(r);
  int has_ts = jj__r_flag(r), has_loc = jj__r_flag(r);
  double lat = jj__r_f64(r), lon = jj__r_f64(r);
  uint32_t nos = jj__r_u32(r);
  if (r->bad || !*metric || nos > d->nrules) return damaged(d, r, "series");
  jj_series_key key;
  int64_t found;
  if (jj__series_lookup(&sc->series_index, sc->series, metric, labels, nl, &key, &found) != JJ_OK ||
      found >= 0)
    return damaged(d, r, "series labels");
  if (jj__index_reserve(&sc->series_index, &sc->alc, jj__series_hash_at, sc->series))
    return nomem(d);
  jj_series *s;
  uint32_t undecided;
  jj_status st = jj__series_new(sc->rs, &sc->alc, &sc->shapes, &key, sc->cfg.lateness_ms,
                                sc->cfg.max_samples_per_window, &s, &undecided);
  if (st != JJ_OK) return st == JJ_ENOMEM ? nomem(d) : damaged(d, r, "series");
  /* In the table at once: freeing the scratch state frees it. */
  sc->series[id] = s;
  jj__index_insert(&sc->series_index, key.hash, id);
  sc->st.series++;
  d->rep.series++;
  s->last_ts = last_ts;
  s->has_ts = (uint8_t)has_ts;
  if (has_loc) {
    if (jj__loc_reserve(&sc->locs, &sc->alc, s)) return nomem(d);
    jj__loc_set(&sc->locs, s, lat, lon);
    s->has_loc = 1;
  }
  st = join(sc, s);
  if (st != JJ_OK) return nomem(d);
  old_slot *os = jj__malloc(&sc->alc, (nos ? nos : 1) * sizeof *os);
  if (!os) return nomem(d);
  /* Instances: at most one per rule; read their count ahead to size them. */
  jj_rbuf peek = *r;
  for (uint32_t j = 0; j < nos && !peek.bad; j++) {
    (void)jj__r_take(&peek, 1 + 1 + 4 + 8);
    (void)jj__r_part(&peek);
  }
  uint32_t noi = jj__r_u32(&peek);
  if (peek.bad || noi > d->nrules) {
    jj__free(&sc->alc, os);
    return damaged(d, r, "series instances");
  }
  old_inst *oi = jj__malloc(&sc->alc, (noi ? noi : 1) * sizeof *oi);
  if (!oi) {
    jj__free(&sc->alc, os);
    return nomem(d);
  }
  st = dec_series_body(d, r, s, os, nos, oi, noi, id);
  jj__free(&sc->alc, oi);
  jj__free(&sc->alc, os);
  return st;
}

/* RULES groups count their firing sources. When a source rule's state
 * was dropped, its alerts no longer fire: recount every kept group from
 * the alerts as restored (one pass over the series), and a source that
 * stopped counts as having resolved now. */
static jj_status recount_sources(dec *d) {
  jj_engine *sc = d->sc;
  if (!sc->ngroups || d->rep.rules_changed + d->rep.rules_removed + d->rep.windows_reset == 0)
    return JJ_OK;
  uint16_t *firing = jj__calloc(&sc->alc, (size_t)sc->ngroups * JJ_MAX_SOURCES * sizeof *firing);
  if (!firing) return nomem(d);
  for (uint32_t sid = 0; sid < sc->nseries; sid++) {
    const jj_series *s = sc->series[sid];
    for (uint32_t i = 0; s && i < s->ninst; i++) {
      const jj_inst *in = &jj__series_inst(s)[i];
      if (in->alert.level <= 0 || !jj__inst_more(in)) continue;
      for (uint32_t f = 0; f < JJ_MAX_FEEDS; f++) {
        const jj_group *g = jj__inst_more(in)->feed[f];
        if (!g || g->rule->cfg.group != JJ_GROUP_RULES) continue;
        for (uint32_t k = 0; k < g->rule->nsrc; k++) {
          uint16_t *c = &firing[(size_t)g->id * JJ_MAX_SOURCES + k];
          if (g->rule->src[k] == jj__inst_rule_index(sc->rs, in) && *c < UINT16_MAX) (*c)++;
        }
      }
    }
  }
  for (uint32_t gi = 0; gi < sc->ngroups; gi++) {
    jj_group *g = sc->groups[gi];
    if (!g || g->rule->cfg.group != JJ_GROUP_RULES) continue;
    for (uint32_t k = 0; k < g->rule->nsrc; k++) {
      uint16_t c = firing[(size_t)gi * JJ_MAX_SOURCES + k];
      if (c < g->src_firing[k]) g->src_last[k] = sc->now;
      g->src_firing[k] = c;
    }
    for (uint32_t v = 0; v < g->nev; v++) {
      uint16_t c = 0;
      const jj_series *s = g->ev[v].s;
      for (uint32_t i = 0; s && i < s->ninst; i++)
        for (uint32_t f = 0; f < JJ_MAX_FEEDS; f++)
          c += jj__inst_more(&jj__series_inst(s)[i]) && jj__inst_more(&jj__series_inst(s)[i])->feed[f] == g && jj__series_inst(s)[i].alert.level > 0;
      if (c < g->ev[v].firing) g->ev[v].last = sc->now;
      g->ev[v].firing = c;
    }
  }
  jj__free(&sc->alc, firing);
  return JJ_OK;
}

/* ---- the scratch engine ---------------------------------------------------- */

static void scratch_init(jj_engine *sc, const jj_engine *e, jj_ruleset *rs) {
  memset(sc, 0, sizeof *sc);
  sc->alc = e->alc; /* counts into e */
  sc->cfg = e->cfg;
  sc->cfg.on_event = NULL; /* nothing is delivered while state is built */
  sc->rs = rs;
  /* Events built while state is built (none is delivered) fill in e's. */
  sc->labels_delivered = e->labels_delivered;
  /* The deadline index (deadline.h) keeps counting advances across a reload. */
  sc->dl.swept = e->dl.swept;
  sc->dl.epoch = e->dl.epoch;
  sc->dl.visits = e->dl.visits;
  sc->dl.walk_all = e->dl.walk_all;
  sc->dl.groups.passes = e->dl.groups.passes; /* and the groups' (group_deadline.h) */
  sc->dl.groups.swept = e->dl.groups.swept;
  sc->dl.groups.visits = e->dl.groups.visits;
}

/* The restored series share the engine's window shapes: the scratch state
 * gets a copy of e's cache (the same shapes, its own array) to add to.
 * Committed, the copy replaces e's; else what it added goes. */
static jj_status shapes_borrow(const jj_engine *e, jj_engine *sc) {
  const jj_shape_cache *c = &e->shapes;
  memset(&sc->shapes, 0, sizeof sc->shapes);
  if (!c->cap) return JJ_OK;
  sc->shapes.shapes = jj__malloc(&sc->alc, (size_t)c->cap * sizeof *c->shapes);
  if (!sc->shapes.shapes) return JJ_ENOMEM;
  memcpy(sc->shapes.shapes, c->shapes, (size_t)c->n * sizeof *c->shapes);
  sc->shapes.n = c->n;
  sc->shapes.cap = c->cap;
  return JJ_OK;
}

static void shapes_settle(jj_engine *e, jj_engine *sc, int commit) {
  if (commit) {
    jj__free(&e->alc, e->shapes.shapes);
    e->shapes = sc->shapes;
  } else { /* after the scratch state (its windows) is gone */
    for (uint32_t i = e->shapes.n; i < sc->shapes.n; i++) jj__wshape_free(sc->shapes.shapes[i]);
    jj__free(&e->alc, sc->shapes.shapes);
  }
  memset(&sc->shapes, 0, sizeof sc->shapes);
}

/* Free the state of a scratch engine, or the old state of one whose new
 * state was committed: series and groups still named by queued events are
 * marked forgotten and go when those are polled. */
static void state_free(jj_engine *x, const jj_allocator *alc) {
  for (uint32_t i = 0; i < x->nseries; i++) {
    jj_series *s = x->series[i];
    if (!s) continue;
    s->forgotten = 1;
    if (!s->queued) jj__series_free(alc, s);
  }
  for (uint32_t i = 0; i < x->ngroups; i++) {
    jj_group *g = x->groups[i];
    if (!g) continue;
    g->forgotten = 1;
    if (!g->queued) jj__group_free(x, g);
  }
  jj__free(alc, x->series);
  jj__free(alc, x->groups);
  jj__index_free(&x->series_index, alc);
  jj__loc_free(&x->locs, alc);
  jj__index_free(&x->group_index, alc);
  jj__free(alc, x->groups_per_rule);
  jj__free(alc, x->dl.due);
  jj__free(alc, x->dl.block_min);
  jj__free(alc, x->dl.bits);
  jj__group_due_free(alc, &x->dl.groups);
  memset(&x->dl, 0, sizeof x->dl);
  x->series = NULL;
  x->groups = NULL;
  x->groups_per_rule = NULL;
  x->nseries = x->ngroups = 0;
}

static void dec_free(dec *d) {
  const jj_allocator *a = &d->sc->alc;
  jj__free(a, d->rules);
  jj__free(a, d->groups);
  jj__free(a, d->gh);
}

/* Check the header and decode every record into `sc` (state built over
 * sc->rs); d->gh gets the dropped episodes. */
static jj_status decode(dec *d, const unsigned char *p, size_t size) {
  jj_engine *sc = d->sc;
  d->base = p;
  d->size = size;
  if (size < SNAP_HEADER || memcmp(p, SNAP_MAGIC, 4) != 0)
    return jj__fail(d->err, JJ_EINVAL, "not a libjjair snapshot (no \"%s\" header)", SNAP_MAGIC);
  jj_rbuf h = {p, size, 4, 0};
  uint32_t version = jj__r_u32(&h);
  uint64_t total = jj__r_u64(&h);
  uint32_t crc = jj__r_u32(&h), flags = jj__r_u32(&h);
  if (version != JJ_SNAPSHOT_VERSION)
    return jj__fail(d->err, JJ_ENOTSUP, "snapshot format version %lu, this library reads %u",
                    (unsigned long)version, JJ_SNAPSHOT_VERSION);
  if (total != size)
    return jj__fail(d->err, JJ_EINVAL, "snapshot is %s: %zu bytes of %llu",
                    total > size ? "truncated" : "followed by extra bytes", size,
                    (unsigned long long)total);
  if (snap_crc32(p + SNAP_HEADER, size - SNAP_HEADER) != crc)
    return jj__fail(d->err, JJ_EINVAL, "snapshot checksum mismatch (damaged)");
  if (flags != 0) return jj__fail(d->err, JJ_ENOTSUP, "snapshot flags %lu unknown", (unsigned long)flags);

  jj_rbuf r = {p, size, SNAP_HEADER, 0};
  int stage = 0; /* records come in order: ENGINE, RULES, GROUP*, SERIES*, END */
  uint32_t next_id = 0;
  sc->groups_per_rule = jj__calloc(&sc->alc, (sc->rs->nrules ? sc->rs->nrules : 1) * sizeof(uint32_t));
  if (!sc->groups_per_rule) return nomem(d);
  for (;;) {
    uint32_t tag = jj__r_u32(&r);
    jj_rbuf rec = jj__r_part(&r);
    if (r.bad || rec.bad) return damaged(d, &r, "record length");
    jj_status st = JJ_OK;
    if (tag == REC_ENGINE && stage == 0) {
      st = dec_engine(d, &rec);
      stage = 1;
    } else if (tag == REC_RULES && stage == 1) {
      st = dec_rules(d, &rec);
      stage = 2;
    } else if (tag == REC_GROUP && stage == 2) {
      if (jj__grow(&sc->alc, &d->groups, &d->groups_cap, d->ngroups, sizeof *d->groups, 16))
        return nomem(d);
      struct old_group *og = &d->groups[d->ngroups++];
      og->rec = rec;
      og->g = NULL;
      st = dec_group(d, &rec, NULL, &og->g);
    } else if (tag == REC_SERIES && (stage == 2 || stage == 3)) {
      stage = 3;
      st = dec_series(d, &rec, &next_id);
    } else if (tag == REC_END && stage >= 2) {
      if (rec.size != 0 || r.at != r.size) return damaged(d, &r, "end record");
      if ((uint64_t)d->rep.series + sc->st.series_forgotten != d->nids)
        return damaged(d, &r, "series count");
      break;
    } else {
      return damaged(d, &rec, "unexpected record");
    }
    if (st != JJ_OK) return st;
  }
  for (uint32_t k = 0; k < d->ngroups; k++) {
    if (!d->groups[k].g) continue;
    jj_rbuf rec = d->groups[k].rec;
    jj_group *made = NULL; /* only the first pass makes groups */
    jj_status st = dec_group(d, &rec, d->groups[k].g, &made);
    if (st != JJ_OK) return st;
  }
  return recount_sources(d);
}

/* ---- the events of dropped episodes ------------------------------------------ */

static size_t str_bytes(const char *s) { return strlen(s) + 1; }

static char *put_str(char **at, const char *s) {
  size_t n = strlen(s) + 1;
  char *p = *at;
  memcpy(p, s, n);
  *at += n;
  return p;
}

/* Build the dropped episodes' events (not yet numbered) in one block. */
static jj_status build_ghosts(dec *d, jj_retired **out) {
  jj_engine *sc = d->sc;
  *out = NULL;
  size_t bytes = sizeof(jj_retired) + (size_t)d->ngh * sizeof(jj_event);
  for (uint32_t i = 0; i < d->ngh; i++) {
    const ghost *g = &d->gh[i];
    const old_rule *o = &d->rules[g->rule];
    bytes += str_bytes(o->name) + str_bytes(o->metric);
    if (g->level) bytes += str_bytes(o->lname[g->level - 1]) + str_bytes(o->lsev[g->level - 1]);
    bytes += g->nlabels * sizeof(jj_label) + 8;
    if (g->series != NO_ID) bytes += sc->series[g->series]->nlabels * sizeof(jj_label) + 8;
    jj_rbuf lr = g->labels;
    for (uint32_t k = 0; k < g->nlabels; k++) {
      bytes += str_bytes(jj__r_str(&lr));
      bytes += str_bytes(jj__r_str(&lr));
    }
  }
  jj_retired *x = jj__calloc(&sc->alc, bytes);
  if (!x) return nomem(d);
  char *at = (char *)(x->ev + d->ngh);
  for (uint32_t i = 0; i < d->ngh; i++) {
    const ghost *g = &d->gh[i];
    const old_rule *o = &d->rules[g->rule];
    jj_event *ev = &x->ev[i];
    memset(ev, 0, sizeof *ev);
    ev->kind = g->kind;
    ev->reason = g->reason;
    ev->rule = put_str(&at, o->name);
    ev->rule_index = o->to;
    ev->prev_level = g->level;
    ev->level = g->kind == JJ_EVENT_RESOLVED ? 0 : g->level;
    if (g->level) {
      ev->level_name = ev->prev_level_name = put_str(&at, o->lname[g->level - 1]);
      ev->severity = ev->prev_severity = put_str(&at, o->lsev[g->level - 1]);
    } else {
      ev->level_name = ev->prev_level_name = ev->severity = ev->prev_severity = "";
    }
    ev->metric = put_str(&at, o->metric);
    if (g->series != NO_ID) {
      const jj_series *s = sc->series[g->series];
      /* Its labels 8-aligned after the strings so far, pointing into the
       * series (which the event keeps alive). */
      uintptr_t u = (uintptr_t)at;
      at += (8 - (u & 7)) & 7;
      jj_label *l = (jj_label *)(void *)at;
      at += s->nlabels * sizeof *l;
      jj__series_labels(s, l);
      ev->labels = l;
      ev->nlabels = s->nlabels;
      const jj_loc_entry *loc = s->has_loc ? jj__loc_get(&sc->locs, s) : NULL;
      if (loc) {
        ev->has_location = 1;
        ev->lat = loc->lat;
        ev->lon = loc->lon;
      }
    } else {
      /* Labels 8-aligned after the strings so far. */
      uintptr_t u = (uintptr_t)at;
      at += (8 - (u & 7)) & 7;
      jj_label *l = (jj_label *)(void *)at;
      at += g->nlabels * sizeof *l;
      jj_rbuf lr = g->labels;
      for (uint32_t k = 0; k < g->nlabels; k++) {
        l[k].name = put_str(&at, jj__r_str(&lr));
        l[k].value = put_str(&at, jj__r_str(&lr));
      }
      ev->labels = l;
      ev->nlabels = g->nlabels;
      ev->is_group = 1;
    }
    ev->fingerprint = jj_fingerprint(ev->rule, ev->labels, ev->nlabels);
    ev->value = g->value;
    ev->concentration = NAN;
    ev->band = ev->index_name = "";
    ev->window_start_ms = ev->window_end_ms = INT64_MIN;
    ev->time_ms = sc->now;
    ev->started_ms = g->started;
    ev->level_started_ms = g->kind == JJ_EVENT_RESOLVED ? sc->now : g->level_since;
    ev->sample_ts_ms = INT64_MIN;
    ev->sample_value = NAN;
  }
  *out = x;
  return JJ_OK;
}

/* ---- commit ------------------------------------------------------------------- */

/* Move the scratch state into e (whose own state goes to `old`). */
static void swap_state(jj_engine *e, jj_engine *sc, jj_engine *old) {
#define MOVE(f) old->f = e->f, e->f = sc->f
  MOVE(series);
  MOVE(nseries);
  MOVE(series_cap);
  MOVE(series_index);
  MOVE(locs);
  MOVE(groups);
  MOVE(ngroups);
  MOVE(groups_cap);
  MOVE(group_index);
  MOVE(groups_per_rule);
  MOVE(has_now);
  MOVE(now);
  MOVE(has_clock);
  MOVE(clock);
  MOVE(dl);
#undef MOVE
  old->seq = e->seq;
  old->st = e->st;
  e->seq = sc->seq;
  e->st = sc->st; /* live series and groups recounted: */
  e->st.series = 0;
  for (uint32_t i = 0; i < e->nseries; i++) e->st.series += e->series[i] != NULL;
  e->st.groups = 0;
  for (uint32_t i = 0; i < e->ngroups; i++) e->st.groups += e->groups[i] != NULL;
}

/* Decode `image` over `rs` for e and commit it. The old state goes (what
 * queued events name goes when they are polled), and so does the old
 * ruleset when rs replaces it, once no event can name it. */
static jj_status restore_into(jj_engine *e, jj_ruleset *rs, const void *image, size_t size,
                              jj_restore_report *report, jj_error *err) {
  jj_engine sc;
  scratch_init(&sc, e, rs);
  dec d;
  memset(&d, 0, sizeof d);
  d.sc = &sc;
  d.err = err;
  jj_retired *x = NULL;
  jj_status st = shapes_borrow(e, &sc);
  if (st != JJ_OK) return jj__fail(err, JJ_ENOMEM, "out of memory for the restored windows");
  st = decode(&d, image, size);
  /* The deadline index for the restored series, built at commit (its
   * arrays are the scratch state's, so a failure leaves e as it was). */
  if (st == JJ_OK && jj__deadline_reserve(&sc, sc.nseries) != JJ_OK)
    st = jj__fail(err, JJ_ENOMEM, "out of memory for the restored series' deadlines");
  if (st == JJ_OK) st = build_ghosts(&d, &x);
  if (st != JJ_OK || !x) {
    dec_free(&d);
    state_free(&sc, &e->alc);
    shapes_settle(e, &sc, 0);
    return st;
  }
  d.rep.alerts_ended = d.ngh;
  /* Commit: nothing below can fail. */
  jj_engine old;
  memset(&old, 0, sizeof old);
  old.alc = e->alc;
  swap_state(e, &sc, &old);
  shapes_settle(e, &sc, 1); /* old windows keep theirs: every old shape is in the copy */
  if (e->rs != rs) {
    x->rs = e->rs; /* the old state's ruleset, until its events are gone */
    e->rs = rs;
    jj__ruleset_retain(rs);
  }
  state_free(&old, &e->alc);
  jj__deadline_rebuild(e); /* every series due at the next advance, which sets its deadline */
  for (uint32_t i = 0; i < d.ngh; i++) {
    jj_series *s = d.gh[i].series != NO_ID ? e->series[d.gh[i].series] : NULL;
    jj__emit_built(e, &x->ev[i], s);
  }
  x->last_seq = e->seq;
  x->next = e->retired;
  e->retired = x;
  if (!e->queue) jj__retired_sweep(e, UINT64_MAX); /* every event was delivered */
  if (report) *report = d.rep;
  dec_free(&d);
  return JJ_OK;
}

jj_status jj_engine_restore(jj_engine *e, const void *image, size_t size,
                            jj_restore_report *report, jj_error *err) {
  if (!e || (!image && size)) return jj__fail(err, JJ_EINVAL, "NULL engine or image");
  if (e->busy) return jj__fail(err, JJ_ESTATE, "called from the engine's event callback");
  if (e->nseries || e->ngroups || e->has_now || e->has_clock || e->seq)
    return jj__fail(err, JJ_ESTATE, "restore needs a fresh engine (no series, time or events)");
  return restore_into(e, e->rs, image, size, report, err);
}

jj_status jj_engine_reload(jj_engine *e, jj_ruleset *rs, jj_restore_report *report,
                           jj_error *err) {
  if (!e || !rs) return jj__fail(err, JJ_EINVAL, "NULL engine or ruleset");
  if (e->busy) return jj__fail(err, JJ_ESTATE, "called from the engine's event callback");
  /* The same refusal as jj_engine_new: a rule whose window would not fit
   * the engine's cap, named. */
  jj_status cst = jj_engine_check(rs, &e->cfg, err);
  if (cst != JJ_OK) return cst;
  size_t need = 0;
  (void)jj_engine_snapshot(e, NULL, 0, &need);
  void *buf = need ? jj__malloc(&e->alc, need) : NULL;
  if (!buf) return jj__fail(err, JJ_ENOMEM, "out of memory for the reload's snapshot");
  jj_status st = jj_engine_snapshot(e, buf, need, &need);
  if (st == JJ_OK) st = restore_into(e, rs, buf, need, report, err);
  jj__free(&e->alc, buf);
  return st;
}
