/* Line protocol bodies into readings (see reading_line.h). */
#include "reading_line.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void report(srv_bad_fn bad, void *ctx, size_t line, srv_reject why, const char *msg) {
  if (bad) bad(ctx, line, why, msg);
}

/* The readings of one parsed line; returns how many were added. */
static size_t add_line(srv_batch *b, const srv_lp_line *l, int64_t default_ts, size_t lineno,
                       srv_bad_fn bad, void *ctx) {
  char msg[256];
  int64_t ts = l->has_ts ? l->ts_ms : default_ts;
  if (ts == INT64_MIN) {
    report(bad, ctx, lineno, SRV_REJ_TIMESTAMP, "missing timestamp (required on data time)");
    return 0;
  }
  const srv_lp_field *lat = NULL, *lon = NULL;
  for (size_t i = 0; i < l->nfields; i++) {
    if (strcmp(l->fields[i].key, "lat") == 0) lat = &l->fields[i];
    if (strcmp(l->fields[i].key, "lon") == 0) lon = &l->fields[i];
  }
  int has_loc = 0;
  if (lat || lon) {
    int ok = lat && lon && lat->type != SRV_LP_STRING && lat->type != SRV_LP_BOOL &&
             lon->type != SRV_LP_STRING && lon->type != SRV_LP_BOOL && lat->num >= -90 &&
             lat->num <= 90 && lon->num >= -180 && lon->num <= 180;
    if (!ok) {
      report(bad, ctx, lineno, SRV_REJ_LOCATION, "fields lat and lon must both be numbers in range");
      return 0;
    }
    has_loc = 1;
  }
  size_t added = 0;
  for (size_t i = 0; i < l->nfields; i++) {
    const srv_lp_field *f = &l->fields[i];
    if (f == lat || f == lon) continue;
    if (f->type == SRV_LP_STRING || f->type == SRV_LP_BOOL) {
      (void)snprintf(msg, sizeof msg, "field '%.60s' is not a number", f->key);
      report(bad, ctx, lineno, SRV_REJ_FIELD_TYPE, msg);
      continue;
    }
    const char *metric = strcmp(f->key, "value") == 0 ? l->measurement : f->key;
    srv_reading *r = srv_batch_add(b, (uint32_t)l->ntags);
    if (!r) {
      report(bad, ctx, lineno, SRV_REJ_NOMEM, "out of memory");
      return added;
    }
    int ok = (r->metric = srv_batch_strdup(b, metric, strlen(metric))) != NULL;
    for (size_t t = 0; t < l->ntags; t++) {
      r->labels[t].name = srv_batch_strdup(b, l->tags[t].key, strlen(l->tags[t].key));
      r->labels[t].value = srv_batch_strdup(b, l->tags[t].value, strlen(l->tags[t].value));
      ok = ok && r->labels[t].name && r->labels[t].value;
    }
    if (!ok) {
      srv_batch_drop_last(b);
      report(bad, ctx, lineno, SRV_REJ_NOMEM, "out of memory");
      return added;
    }
    r->ts_ms = ts;
    r->value = f->num;
    if (has_loc) {
      r->has_location = 1;
      r->lat = lat->num;
      r->lon = lon->num;
    }
    added++;
  }
  return added;
}

size_t srv_line_parse(srv_batch *b, const char *body, size_t len, srv_lp_precision precision,
                      int64_t default_ts, srv_bad_fn bad, void *ctx) {
  size_t added = 0, lineno = 0, pos = 0;
  char *scratch = NULL;
  size_t scratch_size = 0;
  srv_lp_line *l = malloc(sizeof *l);
  if (!l) {
    report(bad, ctx, 0, SRV_REJ_NOMEM, "out of memory");
    return 0;
  }
  while (pos < len) {
    const char *nl = memchr(body + pos, '\n', len - pos);
    size_t end = nl ? (size_t)(nl - body) : len;
    size_t n = end - pos;
    lineno++;
    if (n + 1 > scratch_size) {
      char *s = realloc(scratch, n + 1);
      if (!s) {
        report(bad, ctx, lineno, SRV_REJ_NOMEM, "out of memory");
        break;
      }
      scratch = s;
      scratch_size = n + 1;
    }
    char err[200], msg[256];
    size_t col = 0;
    int rc = srv_lp_parse(body + pos, n, precision, scratch, l, err, sizeof err, &col);
    if (rc < 0) {
      (void)snprintf(msg, sizeof msg, "column %zu: %s", col, err);
      report(bad, ctx, lineno, SRV_REJ_LINE, msg);
    } else if (rc == 0) {
      added += add_line(b, l, default_ts, lineno, bad, ctx);
    }
    pos = end + 1;
  }
  free(scratch);
  free(l);
  return added;
}
