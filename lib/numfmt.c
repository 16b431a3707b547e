/* Numbers as text without printf; see numfmt.h.
 *
 * A finite double is exactly m * 2^e with an integer m < 2^53, so its
 * decimal expansion is finite: the integer part floor(m * 2^e), then the
 * fraction F / 2^s (s = -e) one digit at a time: F *= 10, the digit is
 * F >> s, F keeps its low s bits. A format needs only its digits, the next
 * one and whether any non-zero digit follows ("sticky") to round exactly.
 * F fits 64 bits while s <= 60 (every sensor value); beyond, it is a small
 * big integer of 32-bit words. */
#include "numfmt.h"

#include <limits.h>
#include <math.h>
#include <string.h>

size_t jj__fmt_u64(uint64_t v, char *b) {
  char t[20];
  size_t n = 0;
  do {
    t[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (size_t i = 0; i < n; i++) b[i] = t[n - 1 - i];
  return n;
}

size_t jj__fmt_i64(int64_t v, char *b) {
  if (v >= 0) return jj__fmt_u64((uint64_t)v, b);
  b[0] = '-';
  return 1 + jj__fmt_u64((uint64_t)0 - (uint64_t)v, b + 1);
}

/* ---- exact decimal digits ------------------------------------------------ */

/* A fraction of the smallest subnormal has s = 1126 bits; times 10 it
 * needs 1130: 36 words, plus one for the digit read. The integer part of
 * DBL_MAX has 1024 bits. */
#define BIG_WORDS 38

typedef struct big {
  uint32_t w[BIG_WORDS]; /* little-endian */
  int n;                 /* words in use; the top one is non-zero */
} big;

static void big_trim(big *b) {
  while (b->n > 0 && b->w[b->n - 1] == 0) b->n--;
}

/* b = m << shift (m < 2^64, shift < 32 * (BIG_WORDS - 3)). */
static void big_set_shifted(big *b, uint64_t m, int shift) {
  memset(b, 0, sizeof *b);
  int q = shift / 32, r = shift % 32;
  uint64_t lo = (m & 0xFFFFFFFFu) << r, hi = (m >> 32) << r;
  uint64_t mid = (lo >> 32) + (hi & 0xFFFFFFFFu);
  b->w[q] = (uint32_t)lo;
  b->w[q + 1] = (uint32_t)mid;
  b->w[q + 2] = (uint32_t)((hi >> 32) + (mid >> 32));
  b->n = q + 3;
  big_trim(b);
}

/* b /= d; returns the remainder. */
static uint32_t big_divmod(big *b, uint32_t d) {
  uint64_t rem = 0;
  for (int i = b->n - 1; i >= 0; i--) {
    uint64_t cur = (rem << 32) | b->w[i];
    b->w[i] = (uint32_t)(cur / d);
    rem = cur % d;
  }
  big_trim(b);
  return (uint32_t)rem;
}

/* f = f * 10; returns the bits from s up (the next digit) and keeps the
 * bits below s. f < 2^s before and after. */
static int big_next_digit(big *f, int s) {
  uint64_t carry = 0;
  for (int i = 0; i < f->n; i++) {
    uint64_t v = (uint64_t)f->w[i] * 10 + carry;
    f->w[i] = (uint32_t)v;
    carry = v >> 32;
  }
  if (carry) f->w[f->n++] = (uint32_t)carry;
  int q = s / 32, r = s % 32;
  uint64_t top = 0;
  if (q < f->n) top = f->w[q];
  if (q + 1 < f->n) top |= (uint64_t)f->w[q + 1] << 32;
  if (q < f->n) {
    f->w[q] &= r ? (1u << r) - 1 : 0u;
    f->n = q + 1;
    big_trim(f);
  }
  return (int)((top >> r) & 0xFu);
}

/* Digits of %.99f of DBL_MAX (309 + 100) and some room. */
#define DEC_MAX 412

/* value = 0.d[0] d[1] ... d[n-1] (sticky) x 10^exp10; d[0] != 0 unless
 * n == 0, which is zero. Digits are 0..9, not characters. */
typedef struct dec {
  int n, exp10, sticky;
  unsigned char d[DEC_MAX];
} dec;

static void dec_push(dec *r, int digit, int max_sig) {
  if (r->n < max_sig && r->n < DEC_MAX)
    r->d[r->n++] = (unsigned char)digit;
  else if (digit)
    r->sticky = 1;
}

static int dec_at(const dec *r, int i) { return i >= 0 && i < r->n ? r->d[i] : 0; }

static void int_digits_u64(dec *r, uint64_t v, int max_sig) {
  char t[20];
  size_t k = jj__fmt_u64(v, t);
  r->exp10 = (int)k;
  for (size_t i = 0; i < k; i++) dec_push(r, t[i] - '0', max_sig);
}

/* The integer part as big: nine digits at a time from the bottom. */
static void int_digits_big(dec *r, big *v, int max_sig) {
  uint32_t chunk[BIG_WORDS + 2];
  int nc = 0;
  do { /* v > 0: at least one chunk */
    chunk[nc++] = big_divmod(v, 1000000000u);
  } while (v->n > 0 && nc < BIG_WORDS + 2);
  char t[20];
  size_t k = jj__fmt_u64(chunk[nc - 1], t);
  r->exp10 = (int)k + 9 * (nc - 1);
  for (size_t i = 0; i < k; i++) dec_push(r, t[i] - '0', max_sig);
  for (int c = nc - 2; c >= 0; c--) {
    uint32_t x = chunk[c];
    char nine[9];
    for (int i = 8; i >= 0; i--) {
      nine[i] = (char)(x % 10);
      x /= 10;
    }
    for (int i = 0; i < 9; i++) dec_push(r, nine[i], max_sig);
  }
}

/* The significant digits of ax (finite, >= 0): at most max_sig of them,
 * and none past decimal position max_frac; sticky for what is left. */
static void exact_digits(double ax, int max_sig, int max_frac, dec *r) {
  r->n = r->exp10 = r->sticky = 0;
  if (ax == 0) return;
  /* m and e from the bits (IEEE 754 binary64, as C99 Annex F): the same
   * pair frexp/ldexp give after the loop below, without libm's 0.5 KB */
  uint64_t bits;
  memcpy(&bits, &ax, sizeof bits);
  int be = (int)(bits >> 52); /* ax >= 0: no sign bit */
  uint64_t m = bits & (((uint64_t)1 << 52) - 1);
  if (be) m |= (uint64_t)1 << 52; /* normal: the implicit bit */
  int e = (be ? be : 1) - 1075;
  while (!(m & 1)) { /* fewer fraction bits: the 64-bit path more often */
    m >>= 1;
    e++;
  }
  if (e >= 0) { /* an integer: no fraction */
    if (e <= 11) {
      int_digits_u64(r, m << e, max_sig);
    } else {
      big v;
      big_set_shifted(&v, m, e);
      int_digits_big(r, &v, max_sig);
    }
    return;
  }
  int s = -e;
  uint64_t ip = s < 64 ? m >> s : 0;
  if (ip) int_digits_u64(r, ip, max_sig);
  int lead = ip == 0; /* zeros before the first digit only lower exp10 */
  if (s <= 60) {
    uint64_t mask = ((uint64_t)1 << s) - 1, f = m & mask;
    for (int pos = 1; f && pos <= max_frac && r->n < max_sig; pos++) {
      f *= 10;
      int digit = (int)(f >> s);
      f &= mask;
      if (lead && digit == 0) {
        r->exp10--;
        continue;
      }
      lead = 0;
      dec_push(r, digit, max_sig);
    }
    if (f) r->sticky = 1;
    return;
  }
  big f;
  big_set_shifted(&f, s < 64 ? m & (((uint64_t)1 << s) - 1) : m, 0);
  for (int pos = 1; f.n && pos <= max_frac && r->n < max_sig; pos++) {
    int digit = big_next_digit(&f, s);
    if (lead && digit == 0) {
      r->exp10--;
      continue;
    }
    lead = 0;
    dec_push(r, digit, max_sig);
  }
  if (f.n) r->sticky = 1;
}

/* Keep the first `keep` digits, rounding half to even on what follows
 * (the digits after n and the sticky flag). keep < 0 rounds to zero: the
 * first dropped digit is then an implied 0. */
static void dec_round(dec *r, int keep) {
  if (keep >= r->n) return; /* nothing dropped: exact */
  if (keep < 0) {
    r->n = 0;
    return;
  }
  int first = r->d[keep], rest = r->sticky;
  for (int i = keep + 1; i < r->n && !rest; i++) rest = r->d[i] != 0;
  int up = first != 5 ? first > 5 : rest || (keep > 0 && (r->d[keep - 1] & 1));
  r->n = keep;
  r->sticky = 0;
  if (!up) return;
  int i = keep - 1;
  while (i >= 0 && r->d[i] == 9) r->d[i--] = 0;
  if (i >= 0) {
    r->d[i]++;
    return;
  }
  /* 99.9 -> 100: one digit more in front */
  r->d[0] = 1;
  for (int j = 1; j < keep; j++) r->d[j] = 0;
  r->n = keep ? keep : 1;
  r->exp10++;
}

/* ---- writing -------------------------------------------------------------- */

typedef struct wr {
  char *buf;
  size_t size, len;
} wr;

static void put(wr *w, char c) {
  if (w->len + 1 < w->size) w->buf[w->len] = c;
  w->len++;
}

static void put_str(wr *w, const char *s) {
  while (*s) put(w, *s++);
}

static void put_fixed(wr *w, const dec *r, int prec) {
  int nint = r->n && r->exp10 > 0 ? r->exp10 : 0;
  if (!nint) put(w, '0');
  for (int i = 0; i < nint; i++) put(w, (char)('0' + dec_at(r, i)));
  if (prec <= 0) return;
  put(w, '.');
  for (int j = 0; j < prec; j++) put(w, (char)('0' + dec_at(r, r->exp10 + j)));
}

static void put_exp(wr *w, const dec *r, int prec) {
  put(w, (char)('0' + dec_at(r, 0)));
  if (prec > 0) {
    put(w, '.');
    for (int j = 1; j <= prec; j++) put(w, (char)('0' + dec_at(r, j)));
  }
  int x = r->n ? r->exp10 - 1 : 0;
  put(w, 'e');
  put(w, x < 0 ? '-' : '+');
  if (x < 0) x = -x;
  if (x < 10) put(w, '0');
  char t[20];
  size_t k = jj__fmt_u64((uint64_t)x, t);
  for (size_t i = 0; i < k; i++) put(w, t[i]);
}

size_t jj__fmt_double(double x, char conv, int prec, char *buf, size_t size) {
  wr w = {buf, size, 0};
  if (prec < 0) prec = 6;
  if (prec > 99) prec = 99;
  if (signbit(x)) put(&w, '-');
  if (isnan(x)) {
    put_str(&w, "nan");
  } else if (isinf(x)) {
    put_str(&w, "inf");
  } else {
    double ax = fabs(x);
    dec r;
    if (conv == 'f' && ax < 9007199254740992.0 && ax == (double)(uint64_t)ax) {
      /* a whole number below 2^53 (a count, a reading of 120): its digits
       * are its integer's, and the decimals zeros — no rounding to do */
      char t[20];
      size_t k = jj__fmt_u64((uint64_t)ax, t);
      for (size_t i = 0; i < k; i++) put(&w, t[i]);
      if (prec > 0) put(&w, '.');
      for (int j = 0; j < prec; j++) put(&w, '0');
    } else if (conv == 'f') {
      exact_digits(ax, DEC_MAX, prec + 1, &r);
      dec_round(&r, r.exp10 + prec);
      put_fixed(&w, &r, prec);
    } else if (conv == 'e') {
      exact_digits(ax, prec + 2, INT_MAX, &r);
      dec_round(&r, prec + 1);
      put_exp(&w, &r, prec);
    } else { /* 'g': P significant digits, %e when the exponent is < -4 or >= P */
      int p = prec ? prec : 1;
      exact_digits(ax, p + 1, INT_MAX, &r);
      dec_round(&r, p);
      int xp = r.n ? r.exp10 - 1 : 0;
      if (xp < -4 || xp >= p) {
        int q = p - 1; /* without trailing zeros */
        while (q > 0 && dec_at(&r, q) == 0) q--;
        put_exp(&w, &r, q);
      } else {
        int q = p - 1 - xp;
        while (q > 0 && dec_at(&r, r.exp10 + q - 1) == 0) q--;
        put_fixed(&w, &r, q);
      }
    }
  }
  if (size) buf[w.len < size ? w.len : size - 1] = '\0';
  return w.len;
}
