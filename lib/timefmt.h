/* Internal: the civil (calendar) time of an instant, for the public
 * formatters in timefmt.c and the template fields that print times their
 * own way ("2024-01-01 13:00 KST"). */
#ifndef JJ_LIB_TIMEFMT_H
#define JJ_LIB_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#include "jjair/timefmt.h"

typedef struct jj__civil {
  int64_t year;                        /* proleptic Gregorian; 0 = 1 BC */
  int month, day, hour, minute, second; /* 1-12, 1-31, 0-23, 0-59, 0-59 */
  int milli;                           /* 0-999 */
} jj__civil;

/* The wall time of `ms` at `offset_min` minutes east of UTC. Correct for
 * every int64_t ms and any offset within +/-1439. */
void jj__civil_from_ms(int64_t ms, int offset_min, jj__civil *out);

/* "YYYY-MM-DD" into b (room for 24; no NUL), the year written as
 * jj_time_rfc3339 writes it. Returns the length. */
size_t jj__civil_date(const jj__civil *c, char *b);

/* Two digits of v (0-99) at b. */
static inline void jj__two_digits(int v, char *b) {
  b[0] = (char)('0' + v / 10);
  b[1] = (char)('0' + v % 10);
}

#endif
