/* libjjair — version macros and the run-time version query.
 *
 * Compile-time macros describe the headers you built against; jj_version()
 * describes the library you are running with. Compare them to detect a
 * mismatched shared library. */
#ifndef JJAIR_VERSION_H
#define JJAIR_VERSION_H

#include "jjair/export.h"

#define JJ_VERSION_MAJOR 0
#define JJ_VERSION_MINOR 1
#define JJ_VERSION_PATCH 0
#define JJ_VERSION_STRING "0.1.0"
/* 0xMMmmpp: one byte per part, so versions compare as integers. */
#define JJ_VERSION_NUM \
  ((JJ_VERSION_MAJOR << 16) | (JJ_VERSION_MINOR << 8) | JJ_VERSION_PATCH)

#ifdef __cplusplus
extern "C" {
#endif

/* The running library's version as "MAJOR.MINOR.PATCH". The string is
 * static; never free it. Thread-safe. */
JJ_API const char *jj_version(void);

/* The running library's version as JJ_VERSION_NUM would spell it.
 * Thread-safe. */
JJ_API unsigned jj_version_num(void);

#ifdef __cplusplus
}
#endif

#endif
