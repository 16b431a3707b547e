/* libjjair — the one status enum shared by every call, and its messages.
 *
 * The enum is append-only: values are numbered and never reused, so a
 * binding or a log written today still reads correctly tomorrow. */
#ifndef JJAIR_STATUS_H
#define JJAIR_STATUS_H

#include "jjair/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum jj_status {
  JJ_OK = 0,            /* success */
  JJ_ENOMEM = 1,        /* an allocation failed; the object is unchanged */
  JJ_EINVAL = 2,        /* an argument or configuration field is invalid */
  JJ_ELATE = 3,         /* sample older than the allowed lateness: rejected, counted */
  JJ_ENAN = 4,          /* value is NaN or infinite: rejected, counted */
  JJ_EFULL = 5,         /* a configured capacity is reached: rejected, counted */
  JJ_EDUPLICATE = 6,    /* duplicate timestamp rejected by the duplicate policy */
  JJ_ENODATA = 7,       /* no value: the window (or aggregate) has no data */
  JJ_EINCOMPLETE = 8,   /* a value exists but the window is below its completeness rule */
  JJ_ELIMIT = 9,        /* a creation-time limit (series, labels, ...) is reached */
  JJ_ENOTFOUND = 10,    /* the named item does not exist */
  JJ_EFUTURE = 11,      /* timestamp too far ahead of the current time: rejected, counted */
  JJ_ERANGE = 12,       /* reading dropped by a rule's range gate (valid_min/valid_max): counted */
  JJ_ESTATE = 13,       /* call not valid in the object's current state (e.g. an engine
                           called from its own event callback) */
  JJ_ESTUCK = 14,       /* reading dropped by a rule's stuck-value gate: counted */
  JJ_ENOTSUP = 15       /* the optional part this needs is not compiled in (see jj_features) */
} jj_status;

/* A short English sentence for a status, e.g. "out of memory". Never NULL;
 * unknown values give "unknown status". The string is static. Thread-safe. */
JJ_API const char *jj_strerror(int status);

/* The enum name of a status, e.g. "JJ_ENOMEM"; "JJ_UNKNOWN" for unknown
 * values. Static string. Thread-safe. */
JJ_API const char *jj_status_name(int status);

#ifdef __cplusplus
}
#endif

#endif
