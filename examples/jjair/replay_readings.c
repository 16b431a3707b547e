/* jjair replay --ndjson / --line-protocol (see replay_readings.h): the
 * input is read in chunks of whole lines, each chunk parsed into a batch by
 * the server's readers and pushed into the engine in order. */
#include "replay_readings.h"

#include <stdlib.h>
#include <string.h>

#include "reading_json.h"
#include "reading_line.h"

#define CHUNK_BYTES ((size_t)1 << 20)
#define SHOW_BAD 10

typedef struct bad_ctx {
  const char *name;
  uint64_t base;   /* the chunk's first line, 1-based */
  uint64_t count[SRV_REJ_COUNT];
  uint64_t shown;
} bad_ctx;

static void bad_line(void *ctx, size_t line, srv_reject why, const char *message) {
  bad_ctx *b = ctx;
  if ((unsigned)why < SRV_REJ_COUNT) b->count[why]++;
  if (b->shown++ < SHOW_BAD)
    (void)fprintf(stderr, "%s:%llu: %s: %s\n", b->name,
                  (unsigned long long)(b->base + line - 1), srv_reject_name(why), message);
}

int replay_readings_available(void) { return 1; }

int replay_precision_ok(const char *text) {
  srv_lp_precision p;
  return srv_lp_precision_parse(text, &p);
}

/* Push a batch's readings; counts by the engine's answer. */
static void push(jj_engine *e, const srv_batch *b, replay_totals *t, uint64_t *rejected,
                 const char *name) {
  for (size_t i = 0; i < b->n; i++) {
    const srv_reading *r = &b->r[i];
    jj_series_id id;
    jj_status st = jj_engine_series(e, r->metric, r->labels, r->nlabels, &id);
    if (st == JJ_OK)
      st = r->has_location ? jj_engine_push_located(e, id, r->ts_ms, r->value, r->lat, r->lon)
                           : jj_engine_push(e, id, r->ts_ms, r->value);
    if (st == JJ_OK) {
      t->pushed++;
      if (r->ts_ms > t->last_ts) t->last_ts = r->ts_ms;
      continue;
    }
    unsigned k = (unsigned)st < 64 ? (unsigned)st : 63;
    if (rejected[k]++ < 5)
      (void)fprintf(stderr, "%s: %s reading at %lld rejected: %s\n", name, r->metric,
                    (long long)r->ts_ms, jj_strerror(st));
  }
}

int replay_readings(FILE *f, const char *name, replay_input kind, const char *precision,
                    jj_engine *e, replay_out *o, replay_totals *t) {
  srv_lp_precision prec = SRV_LP_NS;
  if (precision && srv_lp_precision_parse(precision, &prec) != 0) prec = SRV_LP_NS;
  bad_ctx bad;
  memset(&bad, 0, sizeof bad);
  bad.name = name;
  bad.base = 1;
  uint64_t rejected[64] = {0}, parsed = 0;
  t->last_ts = INT64_MIN;
  char *chunk = malloc(CHUNK_BYTES + 1);
  char *line = NULL;
  size_t cap = 0, len = 0, nlines = 0;
  int64_t consumed = 0;
  int status = 0;
  if (!chunk) {
    (void)fprintf(stderr, "jjair replay: out of memory\n");
    return 1;
  }
  for (;;) {
    ssize_t n = getline(&line, &cap, f);
    /* a chunk is parsed when full, or at the end; one long line may make
     * it larger than CHUNK_BYTES */
    if (n > 0 && len + (size_t)n <= CHUNK_BYTES) {
      memcpy(chunk + len, line, (size_t)n);
      len += (size_t)n;
      nlines++;
      continue;
    }
    if (len) {
      srv_batch *b = srv_batch_new(kind == REPLAY_IN_LINE ? SRV_SRC_LINE : SRV_SRC_NDJSON);
      if (!b) {
        (void)fprintf(stderr, "jjair replay: out of memory\n");
        status = 1;
        break;
      }
      parsed += kind == REPLAY_IN_LINE
                    ? srv_line_parse(b, chunk, len, prec, INT64_MIN, bad_line, &bad)
                    : srv_ndjson_parse(b, chunk, len, INT64_MIN, bad_line, &bad);
      push(e, b, t, rejected, name);
      srv_batch_free(b);
      consumed += (int64_t)len;
      bad.base += nlines;
      t->lines += nlines;
      len = nlines = 0;
      replay_out_progress(o, consumed, t->pushed);
    }
    if (n <= 0) break;
    if ((size_t)n > CHUNK_BYTES) { /* a line alone above the chunk size */
      char *big = realloc(chunk, (size_t)n + 1);
      if (!big) {
        (void)fprintf(stderr, "%s:%llu: a line of %zd bytes: out of memory\n", name,
                      (unsigned long long)bad.base, n);
        status = 1;
        break;
      }
      chunk = big;
    }
    memcpy(chunk + len, line, (size_t)n);
    len += (size_t)n;
    nlines++;
  }
  if (status == 0 && ferror(f)) {
    (void)fprintf(stderr, "%s: read error\n", name);
    status = 1;
  }
  free(line);
  free(chunk);
  uint64_t nbad = 0;
  for (int r = 0; r < SRV_REJ_COUNT; r++) nbad += bad.count[r];
  (void)fprintf(stderr, "lines %llu: readings %llu, bad %llu", (unsigned long long)t->lines,
                (unsigned long long)parsed, (unsigned long long)nbad);
  for (int r = 0; r < SRV_REJ_COUNT; r++)
    if (bad.count[r])
      (void)fprintf(stderr, " (%s %llu)", srv_reject_name((srv_reject)r),
                    (unsigned long long)bad.count[r]);
  (void)fprintf(stderr, "; readings accepted %llu", (unsigned long long)t->pushed);
  for (unsigned k = 0; k < 64; k++)
    if (rejected[k])
      (void)fprintf(stderr, ", rejected (%s) %llu", jj_strerror((int)k),
                    (unsigned long long)rejected[k]);
  return status;
}
