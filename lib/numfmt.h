/* Internal: numbers as text without printf, so the output is the same
 * under glibc and newlib-nano (whose printf may have no floating point and
 * no %lld/%zu) and does not depend on the locale. */
#ifndef JJ_LIB_NUMFMT_H
#define JJ_LIB_NUMFMT_H

#include <stddef.h>
#include <stdint.h>

/* Bytes jj__fmt_double may need, NUL included: "-" + 309 integer digits
 * + "." + 99 decimals for %.99f of -DBL_MAX. */
#define JJ__FMT_DOUBLE_MAX 416

/* Decimal digits of v at b (no NUL; b has room for 20). Returns how many. */
size_t jj__fmt_u64(uint64_t v, char *b);
/* The same with a '-' for negatives (room for 20). */
size_t jj__fmt_i64(int64_t v, char *b);

/* x as printf's "%.*f", "%.*e" or "%.*g" (conv 'f', 'e', 'g'; prec < 0
 * means 6, prec > 99 counts as 99), snprintf-style: writes at most size
 * bytes, NUL-terminated when size > 0, and returns the full length.
 *
 * Exact: the digits come from the binary value itself (big-integer
 * arithmetic over its 53-bit significand), rounded half to even as glibc
 * does in the default rounding mode, for every finite double and every
 * precision; infinities and NaN print as glibc prints them ("inf", "-nan").
 * Values a sensor produces take a 64-bit path; only tiny or huge ones use
 * the big integers. About 1 KB of stack; allocates nothing. */
size_t jj__fmt_double(double x, char conv, int prec, char *buf, size_t size);

#endif
