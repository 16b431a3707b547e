/* Filling a caller's jj_error (see errfmt.h). */
#include "errfmt.h"

#include <string.h>

#include "strfmt.h"

jj_status jj__vfail(jj_error *err, jj_status code, const char *fmt, va_list ap) {
  if (err) {
    memset(err, 0, sizeof *err);
    err->code = code;
    (void)jj__vformat(err->message, sizeof err->message, fmt, ap);
  }
  return code;
}

jj_status jj__fail(jj_error *err, jj_status code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  jj_status st = jj__vfail(err, code, fmt, ap);
  va_end(ap);
  return st;
}
