/* The notifier policy: when a queued message may go (see policy.h). */
#include <stdlib.h>
#include <string.h>

#include "jjair/duration.h"
#include "policy.h"

#define DAY_MS 86400000LL

void jj__policy_init(jj__policy *p) {
  memset(p, 0, sizeof *p);
  p->group_max = 1;
  p->quiet_start_min = p->quiet_end_min = -1;
  p->utc_offset_min = 540; /* KST: the shipped rules are Korean */
}

void jj__policy_state_init(jj__policy_state *st) {
  memset(st, 0, sizeof *st);
  st->last_group_ms = INT64_MIN;
}

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* The end of the quiet period containing t, or t when t is not quiet. */
static int64_t quiet_until(const jj__policy *p, int64_t t) {
  if (p->quiet_start_min < 0 || p->quiet_start_min == p->quiet_end_min) return t;
  int64_t local = t + (int64_t)p->utc_offset_min * 60000;
  int64_t day = local - ((local % DAY_MS) + DAY_MS) % DAY_MS; /* local midnight */
  int64_t m = (local - day) / 60000;
  int64_t s = p->quiet_start_min, e = p->quiet_end_min;
  int64_t end_local;
  if (s < e) { /* 01:00-05:00 */
    if (m < s || m >= e) return t;
    end_local = day + e * 60000;
  } else { /* 22:00-07:00 wraps midnight */
    if (m >= e && m < s) return t;
    end_local = m >= s ? day + DAY_MS + e * 60000 : day + e * 60000;
  }
  return end_local - (int64_t)p->utc_offset_min * 60000;
}

int64_t jj__policy_due(const jj__policy *p, const jj__policy_state *st, int life_safety,
                       int64_t accepted_ms, int64_t now) {
  return jj__policy_due_group(p, st, st->last_group_ms, life_safety, accepted_ms, now);
}

int64_t jj__policy_due_group(const jj__policy *p, const jj__policy_state *st,
                             int64_t last_group_ms, int life_safety, int64_t accepted_ms,
                             int64_t now) {
  if (life_safety) return now; /* never delayed, never grouped */
  int64_t due = now;
  if (p->group_wait_ms > 0) due = max64(due, accepted_ms + p->group_wait_ms);
  if (p->group_interval_ms > 0 && last_group_ms != INT64_MIN)
    due = max64(due, last_group_ms + p->group_interval_ms);
  if (p->rate_n > 0 && st->sent_count >= p->rate_n) {
    /* the oldest of the last rate_n sends must have left the window */
    uint32_t oldest = (st->sent_head + JJ_POLICY_RATE_MAX - p->rate_n) % JJ_POLICY_RATE_MAX;
    due = max64(due, st->sent[oldest] + p->rate_window_ms);
  }
  /* quiet hours last: a message due inside them waits for their end */
  return quiet_until(p, due);
}

void jj__policy_sent(const jj__policy *p, jj__policy_state *st, int64_t now) {
  (void)p;
  st->last_group_ms = now;
  st->sent[st->sent_head] = now;
  st->sent_head = (st->sent_head + 1) % JJ_POLICY_RATE_MAX;
  if (st->sent_count < JJ_POLICY_RATE_MAX) st->sent_count++;
}

int jj__policy_suppress(const jj__policy *p, jj__policy_state *st, uint64_t fp,
                        const char *kind, int64_t now) {
  if (p->repeat_interval_ms <= 0) return 0;
  uint32_t slot = (uint32_t)(fp % JJ_POLICY_REPEAT_SLOTS);
  int repeat = strcmp(kind, "repeat") == 0;
  /* a collision of two alerts in one slot only ever lets a repeat through */
  if (repeat && st->repeat_fp[slot] == fp && now - st->repeat_ms[slot] < p->repeat_interval_ms)
    return 1;
  st->repeat_fp[slot] = fp;
  st->repeat_ms[slot] = now;
  return 0;
}

static int two_digits(const char *s, int max, int *out) {
  if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') return -1;
  *out = (s[0] - '0') * 10 + (s[1] - '0');
  return *out > max ? -1 : 0;
}

static int hhmm(const char *s, int *min) {
  int h, m;
  if (two_digits(s, 24, &h) || s[2] != ':' || two_digits(s + 3, 59, &m)) return -1;
  if (h == 24 && m != 0) return -1;
  *min = h * 60 + m;
  return 0;
}

int jj__policy_parse_quiet(const char *text, int *start_min, int *end_min) {
  if (!text || strlen(text) != 11 || text[5] != '-') return -1;
  return hhmm(text, start_min) || hhmm(text + 6, end_min) ? -1 : 0;
}

int jj__policy_parse_offset(const char *text, int *min) {
  if (!text) return -1;
  if (strcmp(text, "Z") == 0) {
    *min = 0;
    return 0;
  }
  int v;
  if ((text[0] != '+' && text[0] != '-') || strlen(text) != 6 || hhmm(text + 1, &v) ||
      v >= 24 * 60)
    return -1;
  *min = text[0] == '-' ? -v : v;
  return 0;
}

int jj__policy_parse_rate(const char *text, uint32_t *n, int64_t *window_ms) {
  if (!text) return -1;
  char *end;
  unsigned long v = strtoul(text, &end, 10);
  if (end == text || *end != '/' || v == 0 || v > JJ_POLICY_RATE_MAX) return -1;
  int64_t w;
  if (jj_duration_parse(end + 1, strlen(end + 1), &w, NULL) != JJ_OK || w <= 0) return -1;
  *n = (uint32_t)v;
  *window_ms = w;
  return 0;
}
