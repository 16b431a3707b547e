/* libFuzzer target for `jjair replay`'s input: the CSV reader (examples/
 * jjair/csv.c), its cell helpers and the time parsers (util.c). The first
 * byte picks the delimiter and a time pattern; the rest is the file. Never
 * a crash, a leak, a hang or signed overflow (UBSan); every field is
 * NUL-terminated at its length; a number read by the fast path is bit for
 * bit strtod's; a parsed time lies within the years 0..9999 (+- a day,
 * hour 24 and offsets). */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "csv.h"
#include "fuzz.h"

/* 0000-01-01 - 2 days .. 10000-01-01 + 2 days, in ms */
#define T_MIN (-62167219200000LL - 2 * 86400000LL)
#define T_MAX (253402300800000LL + 2 * 86400000LL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char delims[] = {',', ';', '\t', '|'};
  static const char *const patterns[] = {"%Y-%m-%d %H:%M", "%Y%m%d%H", "%d/%m/%Y %H:%M:%S",
                                         "%Y-%m-%dT%H:%M:%S%%"};
  if (size == 0) return 0;
  char delim = delims[data[0] & 3];
  const char *pattern = patterns[(data[0] >> 2) & 3];
  int64_t tz = ((int64_t)(data[0] >> 4) - 8) * 3600000;
  FILE *f = fmemopen((void *)(uintptr_t)(data + 1), size - 1, "r");
  if (size == 1) f = fopen("/dev/null", "r");
  if (!f) return 0;
  csv_reader *r = csv_new(f, delim);
  if (r) {
    csv_row row;
    int rc;
    while ((rc = csv_next(r, &row)) == 1) {
      if (row.n == 0) __builtin_trap();
      for (size_t i = 0; i < row.n; i++) {
        const char *s = row.fields[i];
        size_t n = row.len[i];
        if (strlen(s) != n) __builtin_trap();
        (void)csv_missing(s, n);
        double v;
        if (csv_number(s, n, &v) == 0) {
          char *end;
          double w = strtod(s, &end);
          if (end != s + n || memcmp(&v, &w, sizeof v) != 0) __builtin_trap();
        }
        int64_t t;
        if (cli_parse_iso(s, &t) == 0 && (t < T_MIN || t > T_MAX)) __builtin_trap();
        if (cli_parse_pattern(s, pattern, tz, &t) == 0 && (t < T_MIN || t > T_MAX))
          __builtin_trap();
      }
    }
    if (rc < 0 && !csv_error(r)[0]) __builtin_trap();
    csv_free(r);
  }
  (void)fclose(f);
  return 0;
}
