/* Per-recipient policy: a notifier's recipients split into lanes (see
 * lanes.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lanes.h"
#include "notify_internal.h"

typedef struct who {
  const char *to;
  int qs, qe;
  uint32_t rn;
  int64_t rw;
  int lane;
} who;

/* Apply one override mapping ("recipient: value" per line) to w[0..n). */
static int apply(who *w, uint32_t n, const char *map, int quiet, char *err, size_t errsize) {
  const char *key = quiet ? "recipient_quiet_hours" : "recipient_rate_limit";
  char **lines = NULL;
  uint32_t nl = 0;
  /* lines, not commas: a value may hold one */
  jj__sb b = {0};
  for (const char *p = map; *p; p++) jj__sb_add(&b, *p == ',' ? "\x1e" : p, 1);
  if (b.oom) return -2;
  int rc = jj__list_split(b.s ? b.s : "", &lines, &nl) ? -2 : 0;
  jj__sb_free(&b);
  for (uint32_t i = 0; i < nl && !rc; i++) {
    for (char *c = lines[i]; *c; c++)
      if (*c == '\x1e') *c = ',';
    char *sep = strstr(lines[i], ": ");
    if (!sep) {
      (void)snprintf(err, errsize, "'%s' maps a recipient to a value ('%s' has no ': ')", key,
                     lines[i]);
      rc = -1;
      break;
    }
    *sep = '\0';
    const char *v = sep + 2;
    while (*v == ' ') v++;
    uint32_t k = 0;
    while (k < n && strcmp(w[k].to, lines[i]) != 0) k++;
    if (k == n) {
      (void)snprintf(err, errsize, "'%s' names '%s', which is not in 'recipients'", key,
                     lines[i]);
      rc = -1;
      break;
    }
    int none = strcmp(v, "none") == 0;
    if (quiet) {
      if (none) w[k].qs = w[k].qe = -1;
      else if (jj__policy_parse_quiet(v, &w[k].qs, &w[k].qe)) {
        (void)snprintf(err, errsize,
                       "'%s' for '%s' must be HH:MM-HH:MM (e.g. 22:00-07:00) or none", key,
                       lines[i]);
        rc = -1;
      }
    } else {
      if (none) w[k].rn = 0, w[k].rw = 0;
      else if (jj__policy_parse_rate(v, &w[k].rn, &w[k].rw)) {
        (void)snprintf(err, errsize,
                       "'%s' for '%s' must be COUNT/DURATION with COUNT 1..%d (e.g. 5/1h) or "
                       "none",
                       key, lines[i], JJ_POLICY_RATE_MAX);
        rc = -1;
      }
    }
  }
  jj__list_free(lines, nl);
  return rc;
}

int jj__lanes_split(const char *recipients, const char *quiet_map, const char *rate_map,
                    const jj__policy *base, jj__lane_spec **out, uint32_t *n, char *err,
                    size_t errsize) {
  *out = NULL;
  *n = 0;
  char **to = NULL;
  uint32_t nto = 0;
  if (jj__list_split(recipients ? recipients : "", &to, &nto)) return -2;
  if (!nto) {
    (void)snprintf(err, errsize, "per-recipient settings need 'recipients'");
    jj__list_free(to, nto);
    return -1;
  }
  who *w = calloc(nto, sizeof *w);
  jj__lane_spec *lanes = calloc(nto, sizeof *lanes);
  int rc = w && lanes ? 0 : -2;
  for (uint32_t i = 0; i < nto && !rc; i++) {
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(to[i], to[j]) == 0) {
        (void)snprintf(err, errsize, "'recipients' lists '%s' twice", to[i]);
        rc = -1;
      }
    w[i].to = to[i];
    w[i].qs = base->quiet_start_min;
    w[i].qe = base->quiet_end_min;
    w[i].rn = base->rate_n;
    w[i].rw = base->rate_window_ms;
  }
  if (!rc && quiet_map) rc = apply(w, nto, quiet_map, 1, err, errsize);
  if (!rc && rate_map) rc = apply(w, nto, rate_map, 0, err, errsize);
  uint32_t nl = 0;
  for (uint32_t i = 0; i < nto && !rc; i++) {
    uint32_t l = 0;
    for (; l < nl; l++)
      if (lanes[l].quiet_start_min == w[i].qs && lanes[l].quiet_end_min == w[i].qe &&
          lanes[l].rate_n == w[i].rn && lanes[l].rate_window_ms == w[i].rw)
        break;
    if (l == nl) {
      lanes[l].quiet_start_min = w[i].qs;
      lanes[l].quiet_end_min = w[i].qe;
      lanes[l].rate_n = w[i].rn;
      lanes[l].rate_window_ms = w[i].rw;
      if (!(lanes[l].first = jj__xstrdup(to[i]))) rc = -2;
      nl++;
    }
    jj__sb b = {0};
    if (lanes[l].recipients) jj__sb_puts(&b, lanes[l].recipients), jj__sb_puts(&b, "\n");
    jj__sb_puts(&b, to[i]);
    free(lanes[l].recipients);
    lanes[l].recipients = b.oom ? NULL : jj__sb_take(&b);
    if (b.oom) jj__sb_free(&b), rc = -2;
  }
  free(w);
  jj__list_free(to, nto);
  if (rc) {
    jj__lanes_free(lanes, nto);
    return rc;
  }
  *out = lanes;
  *n = nl;
  return 0;
}

void jj__lanes_free(jj__lane_spec *lanes, uint32_t n) {
  if (!lanes) return;
  for (uint32_t i = 0; i < n; i++) {
    free(lanes[i].recipients);
    free(lanes[i].first);
  }
  free(lanes);
}
