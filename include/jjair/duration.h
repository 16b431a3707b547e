/* libjjair — durations as people write them ("90s", "5m", "1h30m").
 *
 * One grammar for every place that reads a duration: rule files (the YAML
 * loader), the jjair command's options and rule test files, bindings and
 * firmware configuration. Part of the core: it needs no optional library.
 *
 * Grammar: one or more groups of whole decimal digits, each followed by a
 * unit, units from largest to smallest and each unit at most once:
 *
 *   duration = group { group }
 *   group    = digit { digit } unit
 *   unit     = "d" | "h" | "m" | "s" | "ms"   (86400000, 3600000, 60000, 1000, 1 ms)
 *
 * so "500ms", "90s", "90m", "1h30m", "1d2h3m4s5ms" and "0s" are durations,
 * and "30m1h", "1h1h", "5min", "1.5h", "-5m", "+5m", " 5m" and a bare number
 * are not. A bare number, even "0", is refused: its unit is ambiguous, and
 * the error says how to write it ("0s", "300s"). Zero is a valid duration;
 * whether a given setting may be zero is that setting's rule (a window span
 * must be above 0, a `for` may be 0s). The value is at most
 * JJ_DURATION_MAX_MS, so that a time within the engine's limits plus or
 * minus a duration never overflows int64_t. There is no sign: a caller that
 * accepts a negative duration (the jjair command's --shift) reads the sign
 * itself and says so in its usage. */
#ifndef JJAIR_DURATION_H
#define JJAIR_DURATION_H

#include <stddef.h>
#include <stdint.h>

#include "jjair/error.h"
#include "jjair/export.h"
#include "jjair/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The longest duration: 2^61 ms, about 73 million years. */
#define JJ_DURATION_MAX_MS ((int64_t)1 << 61)

/* A buffer of this many bytes always holds jj_duration_format's text and
 * its NUL, for any int64_t ("-106751991167d7h12m55s808ms" and shorter). */
#define JJ_DURATION_FORMAT_MAX 32

/* Read the duration in `text` (`len` bytes, no NUL needed; a NUL byte
 * inside is an error) into *out_ms. Returns JJ_OK; or JJ_EINVAL for text
 * outside the grammar above or a value above JJ_DURATION_MAX_MS (no
 * overflow at any length), with *out_ms unchanged and, when `err` is not
 * NULL, a message a person can act on in err->message (e.g. "bad duration
 * '5min'; write 5m (units: ms, s, m, h, d)"; line and column 0); JJ_EINVAL
 * also when `text` (with len > 0) or `out_ms` is NULL. Thread-safe; no
 * allocation. */
JJ_API jj_status jj_duration_parse(const char *text, size_t len, int64_t *out_ms, jj_error *err);

/* Write `ms` in the shortest form of the grammar, largest unit first
 * ("1h30m", "90s" as "1m30s", "0s"; a negative value with a leading '-',
 * which jj_duration_parse does not read back), snprintf-style: at most
 * size - 1 characters and a NUL into `buf` (nothing when size is 0, so buf
 * may then be NULL). Returns the length of the whole text, without the
 * NUL: a result >= size means it was cut short. For 0 <= ms <=
 * JJ_DURATION_MAX_MS, jj_duration_parse reads the text back as `ms`.
 * Thread-safe; no allocation. */
JJ_API size_t jj_duration_format(int64_t ms, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
