/* Internal: the printf subset the library's messages use, without the C
 * library's printf (newlib's pulls in its allocator and stdio, and nano's
 * has no %lld, %zu or floating point). */
#ifndef JJ_LIB_STRFMT_H
#define JJ_LIB_STRFMT_H

#include <stdarg.h>
#include <stddef.h>

/* vsnprintf for: flags '-' and '0', a width, a precision (.N or .*),
 * length modifiers hh h l ll z, and the conversions d i u x X c s e f
 * g %. Numbers print as glibc prints them (e/f/g through jj__fmt_double).
 * Writes at most size bytes, NUL-terminated when size > 0; returns the
 * length the whole text needs. Any other conversion prints as "%?" and
 * consumes no argument (the formats are the library's own constants; the
 * compiler checks them against printf's rules). */
size_t jj__vformat(char *buf, size_t size, const char *fmt, va_list ap);

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
size_t
jj__format(char *buf, size_t size, const char *fmt, ...);

#endif
