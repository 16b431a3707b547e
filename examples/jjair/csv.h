/* jjair CLI — a CSV reader following RFC 4180's quoting rules, for
 * `jjair replay`. Debian has no small, well-kept C CSV library that fits
 * (README, "The jjair command"), so this is one small module with its own
 * tests (examples/jjair/test_cli.py, tests/fuzz/fuzz_csv.c).
 *
 * What it accepts:
 *   - fields separated by one delimiter byte; rows ended by LF, CRLF or a
 *     lone CR (old Mac files), the last row with or without an ending;
 *   - a field that starts with '"' is quoted: it ends at the next lone '"',
 *     "" inside stands for one '"', and delimiters, CR and LF inside are
 *     part of the value (a quoted newline does not end the row);
 *   - a '"' inside an unquoted field is an ordinary byte (common in
 *     hand-written files; RFC 4180 would forbid it);
 *   - a UTF-8 byte order mark at the very start is skipped.
 * What it refuses, with the line and column: a NUL byte (binary data such
 * as /dev/zero), text after a closing quote, a quote still open at the end
 * of the file, a row longer than CSV_MAX_ROW_BYTES or with more than
 * CSV_MAX_FIELDS fields; read errors (a directory) are reported with
 * strerror. Nothing is truncated silently.
 *
 * Fields are parsed in place in the reader's buffer: no copy, no second
 * scan. Not thread-safe; one reader per stream. */
#ifndef JJAIR_CLI_CSV_H
#define JJAIR_CLI_CSV_H

#include <stddef.h>
#include <stdio.h>

#define CSV_MAX_FIELDS 4096
#define CSV_MAX_ROW_BYTES (16u << 20)

typedef struct csv_reader csv_reader;

/* One row, valid until the next csv_next or csv_free: fields[i] points at
 * a NUL-terminated value of len[i] bytes (quotes removed, "" unescaped). */
typedef struct csv_row {
  char **fields;
  size_t *len;
  size_t n;             /* number of fields, >= 1 (an empty line is one empty field) */
  unsigned long line;   /* 1-based line where the row starts */
} csv_row;

/* A reader over `f` (not closed by csv_free). NULL when out of memory. */
csv_reader *csv_new(FILE *f, char delim);
void csv_free(csv_reader *r);

/* The next row: 1 and *row filled, 0 at the end of the input, -1 on an
 * error (csv_error then describes it; the reader stays at the error). */
int csv_next(csv_reader *r, csv_row *row);

/* The last error as "line L, column C: what" or a read error's text. */
const char *csv_error(const csv_reader *r);

/* ---- cells (after trimming) ----------------------------------------------- */

/* 1 when the cell of n bytes is a missing-value word: empty, -, --, NA,
 * N/A, n/a, NaN, nan, null, NULL, None, none. Decided by the first byte for
 * nearly every number. */
int csv_missing(const char *s, size_t n);

/* The whole cell s (n bytes, s[n] == '\0') as a number, exactly as strtod
 * reads it (plain decimals of up to 15 digits take an exact fast path);
 * -1 when it is not one. */
int csv_number(const char *s, size_t n, double *out);

#endif
