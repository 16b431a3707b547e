/* The event vocabulary (kind and reason names) and an alert's identity
 * (its fingerprint). The bottom of the event files: it knows no engine,
 * ruleset or template; see event.h for the contract. */
#include "jjair/event.h"

#include <string.h>

#include "strutil.h"

const char *jj_event_kind_name(int kind) {
  switch (kind) {
    case JJ_EVENT_FIRED: return "fired";
    case JJ_EVENT_ESCALATED: return "escalated";
    case JJ_EVENT_DOWNGRADED: return "downgraded";
    case JJ_EVENT_RESOLVED: return "resolved";
    case JJ_EVENT_REPEAT: return "repeat";
    case JJ_EVENT_NODATA: return "nodata";
    case JJ_EVENT_NODATA_RESOLVED: return "nodata_resolved";
    case JJ_EVENT_FLAPPING: return "flapping";
    case JJ_EVENT_FLAPPING_END: return "flapping_end";
    case JJ_EVENT_QUALITY: return "quality";
    case JJ_EVENT_QUALITY_RESOLVED: return "quality_resolved";
    case JJ_EVENT_ACTIVE: return "active";
    default: return NULL;
  }
}

const char *jj_event_reason_name(int reason) {
  switch (reason) {
    case JJ_REASON_NONE: return "";
    case JJ_REASON_STALE: return "stale";
    case JJ_REASON_RANGE: return "range";
    case JJ_REASON_STUCK: return "stuck";
    case JJ_REASON_FORGOTTEN: return "forgotten";
    case JJ_REASON_RULE_CHANGED: return "rule_changed";
    case JJ_REASON_RULE_REMOVED: return "rule_removed";
    default: return NULL;
  }
}

/* ---- fingerprint ---------------------------------------------------------- */

static const char ALERTNAME[] = "alertname";

static const char *or_empty(const char *s) { return s ? s : ""; }

/* name 0xFF value 0xFF, as Prometheus's labelSetToFingerprint. */
static uint64_t add_label(uint64_t h, const char *name, const char *value) {
  static const char sep = (char)0xFF;
  h = jj__fnv1a(h, name, strlen(name));
  h = jj__fnv1a(h, &sep, 1);
  h = jj__fnv1a(h, value, strlen(value));
  return jj__fnv1a(h, &sep, 1);
}

/* A label that takes part: not the one the alert name replaces. */
static int counts(const char *alertname, const jj_label *l) {
  return !alertname || strcmp(or_empty(l->name), ALERTNAME) != 0;
}

uint64_t jj_fingerprint(const char *alertname, const jj_label *labels, uint32_t nlabels) {
  uint64_t h = JJ_FNV_OFFSET;
  if (!labels) nlabels = 0;
  /* Events pass labels sorted: one walk, the alert name merged in at its
   * place. Otherwise pick the next name each time (a few labels: n^2 is
   * cheaper than allocating to sort). */
  int sorted = 1;
  for (uint32_t i = 1; i < nlabels && sorted; i++)
    sorted = strcmp(or_empty(labels[i - 1].name), or_empty(labels[i].name)) < 0;
  int alert_done = alertname == NULL;
  const char *last = NULL;
  for (uint32_t i = 0;;) {
    const jj_label *next = NULL;
    if (sorted) {
      while (i < nlabels && !counts(alertname, &labels[i])) i++;
      if (i < nlabels) next = &labels[i];
    } else {
      for (uint32_t k = 0; k < nlabels; k++) {
        const char *name = or_empty(labels[k].name);
        if (!counts(alertname, &labels[k]) || (last && strcmp(name, last) <= 0)) continue;
        if (!next || strcmp(name, or_empty(next->name)) < 0) next = &labels[k];
      }
    }
    if (!alert_done && (!next || strcmp(ALERTNAME, or_empty(next->name)) < 0)) {
      h = add_label(h, ALERTNAME, alertname);
      alert_done = 1;
      last = ALERTNAME;
      continue;
    }
    if (!next) break;
    h = add_label(h, or_empty(next->name), or_empty(next->value));
    last = or_empty(next->name);
    i++;
  }
  return h;
}

size_t jj_fingerprint_hex(uint64_t fp, char *buf, size_t size) {
  static const char hex[] = "0123456789abcdef";
  char b[16];
  for (int i = 15; i >= 0; i--) {
    b[i] = hex[fp & 0xF];
    fp >>= 4;
  }
  if (size) {
    size_t k = size - 1 < sizeof b ? size - 1 : sizeof b;
    memcpy(buf, b, k);
    buf[k] = '\0';
  }
  return sizeof b;
}
