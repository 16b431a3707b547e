/* libjjair — times as text (RFC 3339), in UTC or at a fixed UTC offset.
 *
 * Times in libjjair are integer milliseconds since 1970-01-01T00:00:00Z on
 * the caller's clock. These functions write them in the proleptic
 * Gregorian calendar without reading a clock, a time zone database or the
 * locale, so the text is the same on every platform (newlib-nano too).
 *
 * Form: "2024-01-01T04:00:00Z"; milliseconds follow the seconds as exactly
 * three digits only when they are not zero ("2024-01-01T04:00:00.250Z"),
 * so whole seconds read as most people write them and nothing is lost.
 *
 * Range: every int64_t. Years 0000 to 9999 (-62167219200000 to
 * 253402300799999 ms) are RFC 3339 proper. Outside them the year is written
 * as ISO 8601's expanded form, a sign and at least four digits
 * ("-0001-12-31T23:59:59Z", "+10000-01-01T00:00:00Z"), which strict RFC
 * 3339 parsers refuse; the engine's limit of +/-2^62 ms is about year
 * +/-146 million.
 *
 * Both functions work like snprintf: they write at most `size` bytes,
 * NUL-terminated when size > 0 (truncated if needed; `buf` may be NULL
 * when size is 0), and return the length of the full text without the NUL
 * (never more than JJ_TIME_TEXT_MAX - 1). They allocate nothing and are
 * thread-safe. */
#ifndef JJAIR_TIMEFMT_H
#define JJAIR_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#include "jjair/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A buffer of this many bytes holds any text of the functions below. */
#define JJ_TIME_TEXT_MAX 40

/* `ms` in UTC: "2024-01-01T04:00:00Z". */
JJ_API size_t jj_time_rfc3339(int64_t ms, char *buf, size_t size);

/* The wall time at `offset_min` minutes east of UTC, with that offset:
 * jj_time_rfc3339_offset(ms, 540, ...) gives "2024-01-01T13:00:00+09:00"
 * (KST) for the instant above; offset 0 gives "+00:00". The offset must be
 * within +/-1439 (23:59, as RFC 3339 allows); otherwise nothing is written
 * (an empty string when size > 0) and 0 is returned. */
JJ_API size_t jj_time_rfc3339_offset(int64_t ms, int offset_min, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
