/* jj_event_json: an event as one JSON object, written without printf or
 * locale so every platform gives the same bytes. The annotation texts are
 * escaped as the template renders them, so nothing is allocated. */
#include <math.h>
#include <string.h>

#include "annotation.h"
#include "jjair/event.h"
#include "jjair/timefmt.h"
#include "numfmt.h"

/* The output, snprintf-style, and a UTF-8 sequence not yet complete at the
 * end of the text received so far (templates deliver text in pieces). */
typedef struct jw {
  char *buf;
  size_t size, len;
  unsigned char pend[4];
  size_t npend;
  /* the last time formatted: an event's times are often the same instant
   * (a sample's time is its window's end, a level's start the event's) */
  int64_t last_ms;
  char last[JJ_TIME_TEXT_MAX];
  size_t nlast;
} jw;

static inline void raw(jw *w, const char *s, size_t n) {
  if (w->len + n < w->size) { /* room for all of it (the usual case) */
    memcpy(w->buf + w->len, s, n);
  } else if (w->len + 1 < w->size) {
    memcpy(w->buf + w->len, s, w->size - 1 - w->len);
  }
  w->len += n;
}

static inline void lit(jw *w, const char *s) { raw(w, s, strlen(s)); }

/* 1..4: a valid UTF-8 sequence of that length starts s[0..k); 0: it is not
 * valid (overlong, surrogate, > U+10FFFF, bad byte); -1: valid so far but
 * longer than k. */
static int utf8_seq(const unsigned char *s, size_t k) {
  unsigned c = s[0], min;
  size_t n;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  unsigned cp = c & (0x3Fu >> (n - 1));
  for (size_t i = 1; i < n; i++) {
    if (i >= k) return -1;
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return (int)n;
}

static void esc_ascii(jw *w, unsigned c) {
  static const char hex[] = "0123456789abcdef";
  if (c == '"' || c == '\\') {
    char b[2] = {'\\', (char)c};
    raw(w, b, 2);
  } else if (c == '\n') {
    lit(w, "\\n");
  } else if (c == '\r') {
    lit(w, "\\r");
  } else if (c == '\t') {
    lit(w, "\\t");
  } else if (c < 0x20 || c == 0x7F) {
    char b[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
    raw(w, b, 6);
  } else {
    char b = (char)c;
    raw(w, &b, 1);
  }
}

/* Write out what the pending bytes decide; at the end of a string an
 * incomplete sequence is invalid. An invalid byte becomes U+FFFD and the
 * bytes after it are looked at again. */
static void esc_drain(jw *w, int end) {
  while (w->npend) {
    int n = utf8_seq(w->pend, w->npend);
    if (n < 0 && !end) return;
    if (n == 1) {
      esc_ascii(w, w->pend[0]);
    } else if (n > 1) {
      raw(w, (const char *)w->pend, (size_t)n);
    } else {
      lit(w, "\\ufffd");
      n = 1;
    }
    memmove(w->pend, w->pend + n, w->npend - (size_t)n);
    w->npend -= (size_t)n;
  }
}

static void esc_put(void *ctx, const char *s, size_t n) {
  jw *w = ctx;
  for (size_t i = 0; i < n; i++) {
    /* a run of printable ASCII that needs no escape goes out as it is
     * (the byte-by-byte path below gives the same bytes, slower) */
    if (!w->npend) {
      size_t j = i;
      while (j < n && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] < 0x7F && s[j] != '"' &&
             s[j] != '\\')
        j++;
      if (j > i) {
        raw(w, s + i, j - i);
        i = j - 1;
        continue;
      }
    }
    w->pend[w->npend++] = (unsigned char)s[i];
    esc_drain(w, 0);
  }
}

static void str(jw *w, const char *s) {
  lit(w, "\"");
  if (s) esc_put(w, s, strlen(s));
  esc_drain(w, 1);
  lit(w, "\"");
}

/* ,"key": — the keys are this file's own identifiers (letters and _):
 * nothing to escape, so each goes out as one literal whose length the
 * compiler knows. */
#define KEY(w, k) raw((w), ",\"" k "\":", sizeof(",\"" k "\":") - 1)

static void i64(jw *w, int64_t v) {
  char b[20];
  raw(w, b, jj__fmt_i64(v, b));
}

/* Integral values below 1e15 as integers, others with 17 significant
 * digits (enough to read back the same double). */
static void num(jw *w, double v) {
  if (!isfinite(v)) {
    lit(w, "null");
    return;
  }
  char b[32];
  double a = fabs(v); /* integral: a == its integer part (no libm floor) */
  size_t n = a < 1e15 && a == (double)(uint64_t)a ? jj__fmt_double(v, 'f', 0, b, sizeof b)
                                                  : jj__fmt_double(v, 'g', 17, b, sizeof b);
  raw(w, b, n);
}

/* ,"key":"<RFC 3339>" or ,"key":null (k: the KEY literal and its length) */
static void time_member(jw *w, const char *k, size_t klen, int64_t ms) {
  raw(w, k, klen);
  if (ms == INT64_MIN) {
    raw(w, "null", 4);
    return;
  }
  if (ms != w->last_ms) {
    w->nlast = jj_time_rfc3339(ms, w->last, sizeof w->last);
    w->last_ms = ms;
  }
  raw(w, "\"", 1);
  raw(w, w->last, w->nlast);
  raw(w, "\"", 1);
}

#define TIME_MEMBER(w, k, ms) \
  time_member((w), ",\"" k "\":", sizeof(",\"" k "\":") - 1, (ms))

static void labels(jw *w, const jj_label *l, uint32_t n) {
  lit(w, "{");
  for (uint32_t i = 0; l && i < n; i++) {
    if (i) lit(w, ",");
    str(w, l[i].name);
    lit(w, ":");
    str(w, l[i].value);
  }
  lit(w, "}");
}

size_t jj_event_json(const jj_event *ev, char *buf, size_t size) {
  jw w;
  memset(&w, 0, sizeof w);
  w.buf = buf;
  w.size = size;
  w.last_ms = INT64_MIN; /* none yet (INT64_MIN itself is written as null) */
  if (ev) {
    char b[20];
    lit(&w, "{\"seq\":");
    raw(&w, b, jj__fmt_u64(ev->seq, b));
    TIME_MEMBER(&w, "time", ev->time_ms);
    KEY(&w, "time_ms");
    i64(&w, ev->time_ms);
    KEY(&w, "kind");
    str(&w, jj_event_kind_name(ev->kind));
    KEY(&w, "reason");
    str(&w, jj_event_reason_name(ev->reason));
    KEY(&w, "rule");
    str(&w, ev->rule);
    KEY(&w, "rule_index");
    i64(&w, ev->rule_index);
    KEY(&w, "level");
    i64(&w, ev->level);
    KEY(&w, "prev_level");
    i64(&w, ev->prev_level);
    KEY(&w, "level_name");
    str(&w, ev->level_name);
    KEY(&w, "severity");
    str(&w, ev->severity);
    KEY(&w, "metric");
    str(&w, ev->metric);
    KEY(&w, "is_group");
    lit(&w, ev->is_group ? "true" : "false");
    KEY(&w, "labels");
    labels(&w, ev->labels, ev->nlabels);
    KEY(&w, "rule_labels");
    labels(&w, ev->rule_labels, ev->nrule_labels);
    KEY(&w, "value");
    num(&w, ev->value);
    TIME_MEMBER(&w, "window_start", ev->window_start_ms);
    TIME_MEMBER(&w, "window_end", ev->window_end_ms);
    TIME_MEMBER(&w, "started", ev->started_ms);
    TIME_MEMBER(&w, "sample_time", ev->sample_ts_ms);
    KEY(&w, "sample_value");
    if (ev->sample_ts_ms == INT64_MIN)
      lit(&w, "null");
    else
      num(&w, ev->sample_value);
    KEY(&w, "lat");
    if (ev->has_location)
      num(&w, ev->lat);
    else
      lit(&w, "null");
    KEY(&w, "lon");
    if (ev->has_location)
      num(&w, ev->lon);
    else
      lit(&w, "null");
    KEY(&w, "annotations");
    lit(&w, "{");
    uint32_t na = jj_event_annotation_count(ev);
    for (uint32_t i = 0; i < na; i++) {
      if (i) lit(&w, ",");
      str(&w, jj_event_annotation_name(ev, i));
      lit(&w, ":\"");
      jj__annotation_emit(ev, i, esc_put, &w);
      esc_drain(&w, 1);
      lit(&w, "\"");
    }
    lit(&w, "}");
    KEY(&w, "prev_level_name");
    str(&w, ev->prev_level_name);
    KEY(&w, "prev_severity");
    str(&w, ev->prev_severity);
    TIME_MEMBER(&w, "level_started", ev->level_started_ms);
    KEY(&w, "fingerprint");
    char hex[17];
    lit(&w, "\"");
    raw(&w, hex, jj_fingerprint_hex(ev->fingerprint, hex, sizeof hex));
    lit(&w, "\"");
    KEY(&w, "concentration"); /* null without an index (also in older events) */
    num(&w, ev->index_name && *ev->index_name ? ev->concentration : NAN);
    KEY(&w, "band");
    str(&w, ev->band);
    KEY(&w, "index");
    str(&w, ev->index_name);
    lit(&w, "}");
  }
  if (size) buf[w.len < size ? w.len : size - 1] = '\0';
  return w.len;
}
