/* The journal of readings since the last snapshot (see journal.h). */
#include "journal.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reading_json.h"

#define REPLAY_CHUNK ((size_t)1 << 20)

int srv_journal_create(srv_journal *j, const char *path, uint64_t gen, char *err,
                       size_t errsize) {
  memset(j, 0, sizeof *j);
  size_t n = strlen(path) + 5;
  char *tmp = malloc(n);
  j->path = malloc(n);
  if (!tmp || !j->path) {
    free(tmp);
    free(j->path);
    j->path = NULL;
    (void)snprintf(err, errsize, "out of memory");
    return -1;
  }
  (void)snprintf(tmp, n, "%s.tmp", path);
  (void)snprintf(j->path, n, "%s", path);
  FILE *f = fopen(tmp, "w");
  int ok = f && fprintf(f, "#gen %" PRIu64 "\n", gen) > 0 && fflush(f) == 0 &&
           fsync(fileno(f)) == 0;
  if (!ok || rename(tmp, path) != 0) {
    (void)snprintf(err, errsize, "cannot write the journal %s: %s", path, strerror(errno));
    if (f) (void)fclose(f);
    (void)remove(tmp);
    free(tmp);
    free(j->path);
    j->path = NULL;
    return -1;
  }
  free(tmp);
  j->f = f; /* the renamed file: appends go on at its end */
  return 0;
}

/* A JSON string (RFC 8259): quote, backslash and control characters
 * escaped, UTF-8 as it is. Written by hand rather than through jansson's
 * objects: the journal is on the ingest path, and building an object per
 * reading cost more than the engine's own work (bench_server). Reading it
 * back is jansson's (reading_json.c). */
static void json_str(FILE *f, const char *s) {
  (void)fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      (void)fprintf(f, "\\%c", *p);
    else if (*p < 0x20)
      (void)fprintf(f, "\\u%04x", *p);
    else
      (void)fputc(*p, f);
  }
  (void)fputc('"', f);
}

/* One reading as a line; 17 significant digits read back bit for bit. */
static int write_reading(FILE *f, const srv_reading *r) {
  (void)fputs("{\"metric\":", f);
  json_str(f, r->metric);
  (void)fputs(",\"labels\":{", f);
  for (uint32_t i = 0; i < r->nlabels; i++) {
    if (i) (void)fputc(',', f);
    json_str(f, r->labels[i].name);
    (void)fputc(':', f);
    json_str(f, r->labels[i].value);
  }
  (void)fprintf(f, "},\"ts\":%lld,\"value\":%.17g", (long long)r->ts_ms, r->value);
  if (r->has_location) (void)fprintf(f, ",\"lat\":%.17g,\"lon\":%.17g", r->lat, r->lon);
  return fputs("}\n", f) == EOF ? -1 : 0;
}

int srv_journal_append(srv_journal *j, const srv_batch *b) {
  if (!j->f) return -1;
  int rc = 0;
  for (size_t i = 0; i < b->n; i++) {
    /* JSON has no NaN or infinity; the readers refuse such values, so
     * none reaches the engine either */
    if (!isfinite(b->r[i].value) || (b->r[i].has_location &&
                                      (!isfinite(b->r[i].lat) || !isfinite(b->r[i].lon))))
      continue;
    if (write_reading(j->f, &b->r[i]) != 0) rc = -1;
    else j->readings++;
  }
  if (fflush(j->f) != 0) rc = -1;
  return rc;
}

int srv_journal_mark(srv_journal *j, uint64_t seq) {
  if (!j->f) return -1;
  return fprintf(j->f, "#seq %" PRIu64 "\n", seq) > 0 && fflush(j->f) == 0 ? 0 : -1;
}

void srv_journal_close(srv_journal *j) {
  if (j->f) (void)fclose(j->f);
  free(j->path);
  memset(j, 0, sizeof *j);
}

/* The number after `prefix` at the start of `s` (up to a newline); 0 and
 * *v, or -1. */
static int number_after(const char *s, const char *prefix, uint64_t *v) {
  size_t n = strlen(prefix);
  if (strncmp(s, prefix, n) != 0 || s[n] < '0' || s[n] > '9') return -1;
  char *end;
  errno = 0;
  unsigned long long x = strtoull(s + n, &end, 10);
  if (errno || (*end && *end != '\n')) return -1;
  *v = (uint64_t)x;
  return 0;
}

int srv_journal_scan(const char *path, srv_journal_info *info, char *err, size_t errsize) {
  memset(info, 0, sizeof *info);
  FILE *f = fopen(path, "r");
  if (!f) {
    if (errno == ENOENT) return 0;
    (void)snprintf(err, errsize, "cannot read the journal %s: %s", path, strerror(errno));
    return -1;
  }
  char *line = NULL;
  size_t cap = 0;
  int rc = 0;
  while (getline(&line, &cap, f) > 0) {
    info->lines++;
    uint64_t v;
    if (info->lines == 1) {
      if (number_after(line, "#gen ", &v) != 0) {
        (void)snprintf(err, errsize, "%s:1: not a journal (no '#gen' line)", path);
        rc = -1;
        break;
      }
      info->gen = v;
      info->exists = 1;
    } else if (line[0] == '#' && number_after(line, "#seq ", &v) == 0) {
      info->last_seq = v;
    }
  }
  free(line);
  (void)fclose(f);
  return rc;
}

static void count_bad(void *ctx, size_t line, srv_reject why, const char *message) {
  (void)line;
  (void)why;
  (void)message;
  (*(uint64_t *)ctx)++;
}

/* Parse the chunk's readings into a batch and hand it over. */
static long long flush_chunk(char *chunk, size_t len, srv_journal_fn each, void *ctx,
                             uint64_t *bad) {
  srv_batch *b = srv_batch_new(SRV_SRC_NDJSON);
  if (!b) return -1;
  size_t n = srv_ndjson_parse(b, chunk, len, INT64_MIN, count_bad, bad);
  each(ctx, b);
  srv_batch_free(b);
  return (long long)n;
}

long long srv_journal_replay(const char *path, srv_journal_fn each, void *ctx, uint64_t *bad) {
  *bad = 0;
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char *chunk = malloc(REPLAY_CHUNK), *line = NULL;
  size_t cap = 0, len = 0;
  long long total = 0;
  ssize_t n;
  if (!chunk) {
    (void)fclose(f);
    return -1;
  }
  while ((n = getline(&line, &cap, f)) > 0) {
    if (line[0] == '#') continue;
    if (len + (size_t)n > REPLAY_CHUNK && len) {
      long long k = flush_chunk(chunk, len, each, ctx, bad);
      if (k < 0) break;
      total += k;
      len = 0;
    }
    if ((size_t)n > REPLAY_CHUNK) { /* one reading never gets this long */
      (*bad)++;
      continue;
    }
    memcpy(chunk + len, line, (size_t)n);
    len += (size_t)n;
  }
  if (len) {
    long long k = flush_chunk(chunk, len, each, ctx, bad);
    if (k > 0) total += k;
  }
  free(line);
  free(chunk);
  (void)fclose(f);
  return total;
}
