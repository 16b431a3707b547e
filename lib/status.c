/* Messages for jj_status. The switches have no default so that -Wswitch
 * flags a status added to the enum without a message. */
#include "jjair/status.h"

const char *jj_strerror(int status) {
  switch ((jj_status)status) {
    case JJ_OK: return "success";
    case JJ_ENOMEM: return "out of memory";
    case JJ_EINVAL: return "invalid argument or configuration";
    case JJ_ELATE: return "sample is older than the allowed lateness";
    case JJ_ENAN: return "value is NaN or infinite";
    case JJ_EFULL: return "capacity reached";
    case JJ_EDUPLICATE: return "duplicate timestamp rejected";
    case JJ_ENODATA: return "no data";
    case JJ_EINCOMPLETE: return "window is incomplete";
    case JJ_ELIMIT: return "limit reached";
    case JJ_ENOTFOUND: return "not found";
    case JJ_EFUTURE: return "timestamp is too far in the future";
    case JJ_ERANGE: return "value outside the allowed range";
    case JJ_ESTATE: return "not allowed in the current state";
    case JJ_ESTUCK: return "reading dropped: the sensor repeats the same value";
    case JJ_ENOTSUP: return "not supported by this build of the library";
  }
  return "unknown status";
}

const char *jj_status_name(int status) {
  switch ((jj_status)status) {
    case JJ_OK: return "JJ_OK";
    case JJ_ENOMEM: return "JJ_ENOMEM";
    case JJ_EINVAL: return "JJ_EINVAL";
    case JJ_ELATE: return "JJ_ELATE";
    case JJ_ENAN: return "JJ_ENAN";
    case JJ_EFULL: return "JJ_EFULL";
    case JJ_EDUPLICATE: return "JJ_EDUPLICATE";
    case JJ_ENODATA: return "JJ_ENODATA";
    case JJ_EINCOMPLETE: return "JJ_EINCOMPLETE";
    case JJ_ELIMIT: return "JJ_ELIMIT";
    case JJ_ENOTFOUND: return "JJ_ENOTFOUND";
    case JJ_EFUTURE: return "JJ_EFUTURE";
    case JJ_ERANGE: return "JJ_ERANGE";
    case JJ_ESTATE: return "JJ_ESTATE";
    case JJ_ESTUCK: return "JJ_ESTUCK";
    case JJ_ENOTSUP: return "JJ_ENOTSUP";
  }
  return "JJ_UNKNOWN";
}
