/* Internal: filling a caller's jj_error (public error.h) with a code and a
 * printf-style message, for every call that reports to one. */
#ifndef JJ_LIB_ERRFMT_H
#define JJ_LIB_ERRFMT_H

#include <stdarg.h>

#include "jjair/error.h"

/* Clear *err (may be NULL), set its code and message; returns `code`. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
jj_status
jj__fail(jj_error *err, jj_status code, const char *fmt, ...);
/* The same with a va_list. */
jj_status jj__vfail(jj_error *err, jj_status code, const char *fmt, va_list ap);

#endif
