/* Durations: the one parser and formatter (see include/jjair/duration.h).
 * The rule loader and the jjair command both call these, so a duration
 * means the same thing, and is refused with the same words, everywhere. */
#include "jjair/duration.h"

#include <stdarg.h>
#include <string.h>

#include "errfmt.h"
#include "strfmt.h"

/* Largest first: the grammar wants them in this order, the formatter
 * writes them in it. */
static const struct {
  const char *name;
  int64_t ms;
} units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
#define NUNITS (sizeof units / sizeof units[0])

/* Longest text quoted back in a message. */
#define QUOTE_MAX 40

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* "5min" -> "5m", "2 hours" -> "2h": words people write for our units.
 * 1 with the fix in `fix`. */
static int unit_word(const char *s, size_t len, char *fix, size_t size) {
  static const char *const words[][2] = {
      {"sec", "s"},     {"secs", "s"},   {"second", "s"},  {"seconds", "s"}, {"min", "m"},
      {"mins", "m"},    {"minute", "m"}, {"minutes", "m"}, {"hr", "h"},      {"hrs", "h"},
      {"hour", "h"},    {"hours", "h"},  {"day", "d"},     {"days", "d"},    {"msec", "ms"},
      {"millis", "ms"}, {"M", "m"},      {"H", "h"},       {"S", "s"},       {"D", "d"}};
  size_t n = 0;
  while (n < len && is_digit(s[n])) n++;
  if (n == 0 || n > 18) return 0;
  size_t w = n;
  while (w < len && s[w] == ' ') w++;
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (strlen(words[i][0]) == len - w && memcmp(s + w, words[i][0], len - w) == 0) {
      (void)jj__format(fix, size, "%.*s%s", (int)n, s, words[i][1]);
      return 1;
    }
  return 0;
}

/* The message for text that is not a duration; `at` is where reading
 * stopped, `order` is set when a unit came out of order. */
static jj_status refuse(const char *s, size_t len, size_t at, int order, jj_error *err) {
  int q = (int)(len < QUOTE_MAX ? len : QUOTE_MAX);
  char fix[QUOTE_MAX + 8];
  size_t digits = 0;
  while (digits < len && is_digit(s[digits])) digits++;
  if (memchr(s, '\0', len))
    return jj__fail(err, JJ_EINVAL, "a duration must not contain a NUL character");
  if (digits == len && len <= QUOTE_MAX / 2)
    return jj__fail(
        err, JJ_EINVAL,
        "duration '%.*s' has no unit; write e.g. %.*ss or %.*sm (units: ms, s, m, h, d)", q, s, q,
        s, q, s);
  if (s[0] == '-') return jj__fail(err, JJ_EINVAL, "duration '%.*s' must not be negative", q, s);
  if (order)
    return jj__fail(err, JJ_EINVAL,
                    "bad duration '%.*s'; write the units from largest to smallest, each once "
                    "(e.g. 1h30m)",
                    q, s);
  if (unit_word(s, len, fix, sizeof fix))
    return jj__fail(err, JJ_EINVAL, "bad duration '%.*s'; write %s (units: ms, s, m, h, d)", q, s,
                    fix);
  if (at < len && at > 0 && (s[at] == '.' || s[at] == ',') && is_digit(s[at - 1]))
    return jj__fail(err, JJ_EINVAL,
                    "bad duration '%.*s'; use whole numbers: a smaller unit, e.g. 1h30m or 90m", q,
                    s);
  return jj__fail(err, JJ_EINVAL,
                  "bad duration '%.*s'; use whole numbers with units ms, s, m, h, d (e.g. 90s, "
                  "1h30m)",
                  q, s);
}

jj_status jj_duration_parse(const char *text, size_t len, int64_t *out_ms, jj_error *err) {
  if (!out_ms || (!text && len))
    return jj__fail(err, JJ_EINVAL, "a duration and a place for its value are required");
  if (len == 0)
    return jj__fail(err, JJ_EINVAL, "the duration is empty; write e.g. 90s, 5m or 1h30m");
  int64_t total = 0;
  size_t next_unit = 0; /* units[next_unit..] may still come */
  size_t p = 0;
  while (p < len) {
    size_t start = p;
    if (!is_digit(text[p])) return refuse(text, len, p, 0, err);
    /* Stay at or below the maximum while reading: never overflows. */
    int64_t v = 0;
    int too_long = 0;
    for (; p < len && is_digit(text[p]); p++) {
      if (v > (JJ_DURATION_MAX_MS - (text[p] - '0')) / 10)
        too_long = 1;
      else
        v = v * 10 + (text[p] - '0');
    }
    size_t u = NUNITS;
    if (p + 1 < len && text[p] == 'm' && text[p + 1] == 's')
      u = NUNITS - 1;
    else if (p < len)
      for (size_t i = 0; i + 1 < NUNITS; i++)
        if (text[p] == units[i].name[0]) u = i;
    if (u == NUNITS) return refuse(text, len, p, 0, err);
    if (u < next_unit) return refuse(text, len, start, 1, err);
    p += strlen(units[u].name);
    next_unit = u + 1;
    if (too_long || v > (JJ_DURATION_MAX_MS - total) / units[u].ms) {
      int q = (int)(len < QUOTE_MAX ? len : QUOTE_MAX);
      return jj__fail(err, JJ_EINVAL,
                      "duration '%.*s' is too long (at most 2^61 ms, about 73 million years)", q,
                      text);
    }
    total += v * units[u].ms;
  }
  *out_ms = total;
  if (err) memset(err, 0, sizeof *err);
  return JJ_OK;
}

size_t jj_duration_format(int64_t ms, char *buf, size_t size) {
  char tmp[JJ_DURATION_FORMAT_MAX];
  size_t n = 0;
  /* The magnitude as unsigned: -INT64_MIN does not fit an int64_t. */
  uint64_t rest = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
  if (ms < 0) tmp[n++] = '-';
  if (rest == 0) {
    tmp[n++] = '0';
    tmp[n++] = 's';
  }
  for (size_t i = 0; i < NUNITS && rest; i++) {
    uint64_t q = rest / (uint64_t)units[i].ms;
    if (!q) continue;
    rest -= q * (uint64_t)units[i].ms;
    char digits[24];
    size_t nd = 0;
    for (; q; q /= 10) digits[nd++] = (char)('0' + q % 10);
    while (nd) tmp[n++] = digits[--nd];
    size_t ul = strlen(units[i].name);
    memcpy(tmp + n, units[i].name, ul);
    n += ul;
  }
  if (size) {
    size_t k = n < size ? n : size - 1;
    memcpy(buf, tmp, k);
    buf[k] = '\0';
  }
  return n;
}
