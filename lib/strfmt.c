/* The printf subset of strfmt.h: one pass over the format, each
 * conversion written through put() so the output is cut, never overrun. */
#include "strfmt.h"

#include <stdint.h>
#include <string.h>

#include "numfmt.h"

typedef struct out {
  char *buf;
  size_t size, len; /* len counts what did not fit too */
} out;

static void put(out *o, const char *s, size_t n) {
  if (o->len < o->size) {
    size_t room = o->size - o->len;
    memcpy(o->buf + o->len, s, n < room ? n : room);
  }
  o->len += n;
}

static void pad(out *o, char c, size_t n) {
  while (n--) put(o, &c, 1);
}

/* s (n bytes) in a field of `width`: '-' pads on the right; '0' pads
 * after the sign. */
static void field(out *o, const char *s, size_t n, size_t width, int left, int zero) {
  size_t fill = width > n ? width - n : 0;
  if (left) {
    put(o, s, n);
    pad(o, ' ', fill);
  } else if (zero && fill) {
    size_t sign = n && (s[0] == '-' || s[0] == '+') ? 1 : 0;
    put(o, s, sign);
    pad(o, '0', fill);
    put(o, s + sign, n - sign);
  } else {
    pad(o, ' ', fill);
    put(o, s, n);
  }
}

enum { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE };

static int64_t get_signed(va_list *ap, int len) {
  switch (len) {
    case LEN_CHAR: return (signed char)va_arg(*ap, int);
    case LEN_SHORT: return (short)va_arg(*ap, int);
    case LEN_LONG: return va_arg(*ap, long);
    case LEN_LLONG: return va_arg(*ap, long long);
    case LEN_SIZE: return (int64_t)va_arg(*ap, size_t);
    default: return va_arg(*ap, int);
  }
}

static uint64_t get_unsigned(va_list *ap, int len) {
  switch (len) {
    case LEN_CHAR: return (unsigned char)va_arg(*ap, unsigned);
    case LEN_SHORT: return (unsigned short)va_arg(*ap, unsigned);
    case LEN_LONG: return va_arg(*ap, unsigned long);
    case LEN_LLONG: return va_arg(*ap, unsigned long long);
    case LEN_SIZE: return va_arg(*ap, size_t);
    default: return va_arg(*ap, unsigned);
  }
}

static size_t fmt_hex(uint64_t v, int upper, char *b) {
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char t[16];
  size_t n = 0;
  do {
    t[n++] = digits[v & 15u];
    v >>= 4;
  } while (v);
  for (size_t i = 0; i < n; i++) b[i] = t[n - 1 - i];
  return n;
}

/* One conversion from *p (just past the '%'); returns the format after it. */
static const char *convert(out *o, const char *p, va_list *ap) {
  int left = 0, zero = 0;
  for (;; p++) {
    if (*p == '-') left = 1;
    else if (*p == '0') zero = 1;
    else break;
  }
  size_t width = 0;
  if (*p == '*') {
    int w = va_arg(*ap, int);
    if (w < 0) left = 1;
    width = (size_t)(w < 0 ? -(long)w : w);
    p++;
  } else {
    while (*p >= '0' && *p <= '9') width = width * 10 + (size_t)(*p++ - '0');
  }
  int prec = -1;
  if (*p == '.') {
    p++;
    if (*p == '*') {
      prec = va_arg(*ap, int);
      p++;
    } else {
      prec = 0;
      while (*p >= '0' && *p <= '9') prec = prec * 10 + (*p++ - '0');
    }
  }
  int len = LEN_INT;
  if (*p == 'h') len = *++p == 'h' ? (p++, LEN_CHAR) : LEN_SHORT;
  else if (*p == 'l') len = *++p == 'l' ? (p++, LEN_LLONG) : LEN_LONG;
  else if (*p == 'z') len = (p++, LEN_SIZE);
  char b[24];
  size_t n;
  switch (*p) {
    case 'd':
    case 'i':
      n = jj__fmt_i64(get_signed(ap, len), b);
      field(o, b, n, width, left, zero);
      break;
    case 'u':
      n = jj__fmt_u64(get_unsigned(ap, len), b);
      field(o, b, n, width, left, zero);
      break;
    case 'x':
    case 'X':
      n = fmt_hex(get_unsigned(ap, len), *p == 'X', b);
      field(o, b, n, width, left, zero);
      break;
    case 'c':
      b[0] = (char)va_arg(*ap, int);
      field(o, b, 1, width, left, 0);
      break;
    case 's': {
      const char *s = va_arg(*ap, const char *);
      if (!s) s = "(null)";
      size_t sl = 0;
      while ((prec < 0 || sl < (size_t)prec) && s[sl]) sl++;
      field(o, s, sl, width, left, 0);
      break;
    }
    case 'e':
    case 'f':
    case 'g': {
      char d[JJ__FMT_DOUBLE_MAX];
      n = jj__fmt_double(va_arg(*ap, double), *p, prec, d, sizeof d);
      field(o, d, n < sizeof d ? n : sizeof d - 1, width, left, zero);
      break;
    }
    case '%': put(o, "%", 1); break;
    default: put(o, "%?", 2); return *p ? p + 1 : p;
  }
  return p + 1;
}

size_t jj__vformat(char *buf, size_t size, const char *fmt, va_list ap) {
  out o = {buf, size ? size - 1 : 0, 0};
  va_list aq;
  va_copy(aq, ap);
  const char *p = fmt;
  while (*p) {
    const char *pct = strchr(p, '%');
    if (!pct) {
      put(&o, p, strlen(p));
      break;
    }
    put(&o, p, (size_t)(pct - p));
    p = convert(&o, pct + 1, &aq);
  }
  va_end(aq);
  if (size) buf[o.len < o.size ? o.len : o.size] = '\0';
  return o.len;
}

size_t jj__format(char *buf, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t n = jj__vformat(buf, size, fmt, ap);
  va_end(ap);
  return n;
}
