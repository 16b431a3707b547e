/* jjair CLI — the CSV reader (see csv.h for the rules it follows).
 *
 * The input is read in large blocks; a row is parsed in one pass from the
 * block into a separate output buffer (values without quotes, each ended
 * by a NUL). When a row runs past the end of the block, the unread part is
 * moved to the front, more is read and the row is parsed again from its
 * start: the input is never modified, so starting over is always safe, and
 * it happens once per block. */
#include "csv.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK = 1 << 16 }; /* grows for longer rows, up to CSV_MAX_ROW_BYTES */

struct csv_reader {
  FILE *f;
  char delim;
  int eof;                /* f has no more data */
  int started;            /* the first block was read (the BOM check) */
  char *in;               /* input block: [pos, end) not yet parsed */
  size_t cap, pos, end;
  char *out;              /* the current row's values, NUL-terminated */
  size_t out_cap;
  size_t *off;            /* field starts in out, then lengths in len */
  char **fields;
  size_t *len;
  size_t fcap;
  unsigned long line;     /* line of in[pos] */
  unsigned char special[256]; /* 1: a byte that ends an unquoted field */
  char err[160];
};

csv_reader *csv_new(FILE *f, char delim) {
  csv_reader *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->f = f;
  r->delim = delim;
  r->cap = BLOCK;
  r->in = malloc(r->cap);
  r->out_cap = r->cap + 1;
  r->out = malloc(r->out_cap);
  r->fcap = 64;
  r->off = malloc(r->fcap * sizeof *r->off);
  r->fields = malloc(r->fcap * sizeof *r->fields);
  r->len = malloc(r->fcap * sizeof *r->len);
  r->line = 1;
  if (!r->in || !r->out || !r->off || !r->fields || !r->len) {
    csv_free(r);
    return NULL;
  }
  r->special[0] = r->special['\n'] = r->special['\r'] = r->special[(unsigned char)delim] = 1;
  return r;
}

void csv_free(csv_reader *r) {
  if (!r) return;
  free(r->in);
  free(r->out);
  free(r->off);
  free(r->fields);
  free(r->len);
  free(r);
}

const char *csv_error(const csv_reader *r) { return r->err; }

/* Move the unparsed bytes to the front and read more; a row longer than the
 * block grows it (up to the row limit). -1 on a read error or no memory. */
static int refill(csv_reader *r) {
  size_t keep = r->end - r->pos;
  if (r->pos > 0) {
    memmove(r->in, r->in + r->pos, keep);
    r->pos = 0;
    r->end = keep;
  }
  if (r->end == r->cap) {
    if (r->cap >= CSV_MAX_ROW_BYTES) {
      (void)snprintf(r->err, sizeof r->err, "line %lu: a row longer than %u bytes", r->line,
                     (unsigned)CSV_MAX_ROW_BYTES);
      return -1;
    }
    size_t nc = r->cap ? r->cap * 2 : BLOCK;
    char *ni = realloc(r->in, nc);
    if (!ni) goto nomem;
    r->in = ni;
    char *no = realloc(r->out, nc + 1);
    if (!no) goto nomem;
    r->out = no;
    r->cap = nc;
    r->out_cap = nc + 1;
  }
  size_t got = fread(r->in + r->end, 1, r->cap - r->end, r->f);
  r->end += got;
  if (got == 0) {
    if (ferror(r->f)) {
      (void)snprintf(r->err, sizeof r->err, "read error: %s", strerror(errno ? errno : EIO));
      return -1;
    }
    r->eof = 1;
  }
  if (!r->started) {
    r->started = 1;
    if (r->end >= 3 && memcmp(r->in, "\xEF\xBB\xBF", 3) == 0) r->pos = 3;
  }
  return 0;
nomem:
  (void)snprintf(r->err, sizeof r->err, "out of memory");
  return -1;
}

static int error_at(csv_reader *r, unsigned long line, size_t col, const char *what) {
  (void)snprintf(r->err, sizeof r->err, "line %lu, column %zu: %s", line, col + 1, what);
  return -1;
}

/* Room for one more field start. */
static int add_field(csv_reader *r, size_t *n, size_t at) {
  if (*n == r->fcap) {
    if (r->fcap >= CSV_MAX_FIELDS) return -1;
    size_t nc = r->fcap ? r->fcap * 2 : 64;
    size_t *no = realloc(r->off, nc * sizeof *no);
    if (no) r->off = no;
    char **nf = no ? realloc(r->fields, nc * sizeof *nf) : NULL;
    if (nf) r->fields = nf;
    size_t *nl = nf ? realloc(r->len, nc * sizeof *nl) : NULL;
    if (!nl) return -2;
    r->len = nl;
    r->fcap = nc;
  }
  r->off[(*n)++] = at;
  return 0;
}

enum { ROW_DONE = 1, ROW_MORE = 0, ROW_ERROR = -1 };

/* Parse one row from in[pos]. ROW_MORE: the block ends inside the row and
 * the file has more (nothing is consumed). */
static int parse_row(csv_reader *r, csv_row *row) {
  const char *in = r->in;
  const size_t end = r->end;
  size_t p = r->pos, o = 0, n = 0;
  size_t line_start = p; /* for column numbers */
  unsigned long line = r->line;
  const char delim = r->delim;
  char *out = r->out;
  const unsigned char *special = r->special;
  for (;;) { /* one field per turn */
    int rc = add_field(r, &n, o);
    if (rc == -1) return error_at(r, line, p - line_start, "more than 4096 fields");
    if (rc == -2) return error_at(r, line, p - line_start, "out of memory");
    if (p < end && in[p] == '"') {
      size_t q = p++;
      unsigned long qline = line;
      size_t qcol = q - line_start;
      for (;;) {
        if (p == end) {
          if (!r->eof) return ROW_MORE;
          return error_at(r, qline, qcol, "quoted field not closed before the end of the file");
        }
        char c = in[p];
        if (c == '"') {
          if (p + 1 == end && !r->eof) return ROW_MORE;
          if (p + 1 < end && in[p + 1] == '"') {
            out[o++] = '"';
            p += 2;
            continue;
          }
          p++;
          break;
        }
        if (c == '\0') return error_at(r, line, p - line_start, "NUL byte (not a text file?)");
        if (c == '\n' || (c == '\r' && (p + 1 == end || in[p + 1] != '\n'))) {
          if (c == '\r' && p + 1 == end && !r->eof) return ROW_MORE;
          line++;
          line_start = p + 1;
        }
        out[o++] = c;
        p++;
      }
      if (p < end && in[p] != delim && in[p] != '\n' && in[p] != '\r')
        return error_at(r, line, p - line_start, "text after the closing quote of a field");
    } else {
      size_t s = p;
      while (p < end && !special[(unsigned char)in[p]]) p++;
      memcpy(out + o, in + s, p - s);
      o += p - s;
      if (p < end && in[p] == '\0') return error_at(r, line, p - line_start, "NUL byte (not a text file?)");
    }
    out[o++] = '\0';
    if (p == end) {
      if (!r->eof) return ROW_MORE;
      break; /* the last row without a line ending */
    }
    char c = in[p];
    if (c == delim) {
      p++;
      continue;
    }
    /* c is '\n' or '\r' */
    if (c == '\r') {
      if (p + 1 == end && !r->eof) return ROW_MORE;
      if (p + 1 < end && in[p + 1] == '\n') p++;
    }
    p++;
    line++;
    break;
  }
  for (size_t i = 0; i < n; i++) {
    r->fields[i] = out + r->off[i];
    size_t next = i + 1 < n ? r->off[i + 1] : o;
    r->len[i] = next - r->off[i] - 1;
  }
  row->fields = r->fields;
  row->len = r->len;
  row->n = n;
  row->line = r->line;
  r->pos = p;
  r->line = line;
  return ROW_DONE;
}

int csv_next(csv_reader *r, csv_row *row) {
  if (r->err[0]) return -1;
  for (;;) {
    if (r->pos == r->end) {
      if (r->eof) return 0;
      if (refill(r) != 0) return -1;
      continue;
    }
    int rc = parse_row(r, row);
    if (rc == ROW_DONE) return 1;
    if (rc == ROW_ERROR) return -1;
    if (refill(r) != 0) return -1;
  }
}

/* ---- cells ---------------------------------------------------------------- */

/* The words of the help text. A cell that starts with a digit, a sign or a
 * point (nearly all of them) is decided by its first byte. */
int csv_missing(const char *s, size_t n) {
  if (n == 0) return 1;
  char c = s[0];
  if ((c >= '0' && c <= '9') || c == '.' || c == '+') return 0;
  if (c == '-') return n == 1 || (n == 2 && s[1] == '-');
  static const char *const words[] = {"NA",   "N/A",  "n/a",  "NaN",  "nan",
                                      "null", "NULL", "None", "none", NULL};
  for (size_t i = 0; words[i]; i++)
    if (strlen(words[i]) == n && memcmp(s, words[i], n) == 0) return 1;
  return 0;
}

/* A decimal number of the whole cell. Plain decimals of up to 15
 * significant digits (the sensors' "41.2") are converted exactly: the
 * digits as an integer below 2^53 divided by a power of ten up to 10^22
 * are both exact doubles, so the one division rounds correctly and the
 * result is strtod's, bit for bit (Clinger's fast path). Anything else
 * goes to strtod. -1 if the cell is not a number. */
int csv_number(const char *s, size_t n, double *out) {
  static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  size_t i = 0;
  int neg = 0;
  if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  uint64_t m = 0;
  int digits = 0, frac = 0, point = 0, seen = 0; /* seen: any digit at all */
  for (; i < n; i++) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      if (digits == 15) break; /* too long for the fast path */
      m = m * 10 + (uint64_t)(c - '0');
      seen = 1;
      digits += m != 0 || point; /* leading zeros are free */
      frac += point;
    } else if (c == '.' && !point) {
      point = 1;
    } else {
      break;
    }
  }
  if (i == n && seen && frac <= 22) {
    double v = (double)m / pow10[frac];
    *out = neg ? -v : v;
    return 0;
  }
  char *end;
  *out = strtod(s, &end);
  return end == s || end != s + n ? -1 : 0;
}
