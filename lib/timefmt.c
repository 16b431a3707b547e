/* Times as RFC 3339 text; see jjair/timefmt.h and timefmt.h.
 *
 * The date of a day count is H. Hinnant's civil_from_days: 400-year eras of
 * 146097 days, exact in 64-bit integers for every day an int64_t of
 * milliseconds can name. No libc time functions (gmtime's time_t may be 32
 * bits and its years an int). */
#include "timefmt.h"

#include <string.h>

#include "numfmt.h"

void jj__civil_from_ms(int64_t ms, int offset_min, jj__civil *out) {
  /* Floor division without forming ms - remainder, which overflows near
   * INT64_MIN. */
  int64_t secs = ms / 1000, milli = ms % 1000;
  if (milli < 0) {
    milli += 1000;
    secs--;
  }
  secs += (int64_t)offset_min * 60; /* |secs| < 2^54: no overflow */
  int64_t days = secs / 86400, sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days--;
  }
  int64_t z = days + 719468; /* days since 0000-03-01 */
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;                                     /* [0, 146096] */
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);              /* [0, 365] */
  int64_t mp = (5 * doy + 2) / 153;                                   /* March = 0 */
  int month = (int)(mp < 10 ? mp + 3 : mp - 9);
  out->year = yoe + era * 400 + (month <= 2);
  out->month = month;
  out->day = (int)(doy - (153 * mp + 2) / 5 + 1);
  out->hour = (int)(sod / 3600);
  out->minute = (int)(sod / 60 % 60);
  out->second = (int)(sod % 60);
  out->milli = (int)milli;
}

size_t jj__civil_date(const jj__civil *c, char *b) {
  size_t n = 0;
  uint64_t y = c->year < 0 ? (uint64_t)0 - (uint64_t)c->year : (uint64_t)c->year;
  if (c->year < 0)
    b[n++] = '-';
  else if (c->year > 9999)
    b[n++] = '+'; /* ISO 8601 expanded year */
  char t[20];
  size_t k = jj__fmt_u64(y, t);
  for (size_t i = k; i < 4; i++) b[n++] = '0';
  memcpy(b + n, t, k);
  n += k;
  b[n++] = '-';
  jj__two_digits(c->month, b + n);
  b[n + 2] = '-';
  jj__two_digits(c->day, b + n + 3);
  return n + 5;
}

/* snprintf-style copy of the n bytes at s. */
static size_t give(const char *s, size_t n, char *buf, size_t size) {
  if (size) {
    size_t k = n < size ? n : size - 1;
    memcpy(buf, s, k);
    buf[k] = '\0';
  }
  return n;
}

/* The text without its zone: "2024-01-01T04:00:00" or "....250". */
static size_t date_time(const jj__civil *c, char *b) {
  size_t n = jj__civil_date(c, b);
  b[n++] = 'T';
  jj__two_digits(c->hour, b + n);
  b[n + 2] = ':';
  jj__two_digits(c->minute, b + n + 3);
  b[n + 5] = ':';
  jj__two_digits(c->second, b + n + 6);
  n += 8;
  if (c->milli) {
    b[n++] = '.';
    b[n++] = (char)('0' + c->milli / 100);
    jj__two_digits(c->milli % 100, b + n);
    n += 2;
  }
  return n;
}

size_t jj_time_rfc3339(int64_t ms, char *buf, size_t size) {
  jj__civil c;
  jj__civil_from_ms(ms, 0, &c);
  char b[JJ_TIME_TEXT_MAX];
  size_t n = date_time(&c, b);
  b[n++] = 'Z';
  return give(b, n, buf, size);
}

size_t jj_time_rfc3339_offset(int64_t ms, int offset_min, char *buf, size_t size) {
  if (offset_min < -1439 || offset_min > 1439) return give("", 0, buf, size);
  jj__civil c;
  jj__civil_from_ms(ms, offset_min, &c);
  char b[JJ_TIME_TEXT_MAX];
  size_t n = date_time(&c, b);
  int off = offset_min < 0 ? -offset_min : offset_min;
  b[n++] = offset_min < 0 ? '-' : '+';
  jj__two_digits(off / 60, b + n);
  b[n + 2] = ':';
  jj__two_digits(off % 60, b + n + 3);
  n += 5;
  return give(b, n, buf, size);
}
