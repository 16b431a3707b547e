/* libjjair — version, ABI and the optional parts compiled in.
 *
 * Compile-time macros describe the headers you built against; the
 * functions describe the library you are running with. Compare them to
 * detect a mismatched shared library: JJ_ABI_CHECK() does it in one line,
 * and a binding compares jj_struct_size() with its own mirrors. */
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

#include <stddef.h>

/* The layout version of the public structs and the meaning of their
 * fields. It changes whenever a public struct changes size or a field
 * moves or changes meaning; adding a field inside a struct's reserved tail
 * (zero meaning "as before") or adding a function does not change it. See
 * "ABI and versioning" in the README. */
#define JJ_ABI_VERSION 1

/* jj_features() bits: the optional parts of this build. */
#define JJ_FEATURE_YAML 0x1u  /* YAML rule loader (rule_yaml.h; else JJ_ENOTSUP) */
#define JJ_FEATURE_PCRE2 0x2u /* regex label matchers (JJ_MATCH_RE / JJ_MATCH_NRE) */
#define JJ_FEATURE_CURL 0x4u  /* HTTP notifiers (libcurl) */

#ifdef __cplusplus
extern "C" {
#endif

/* The running library's version as "MAJOR.MINOR.PATCH". The string is
 * static; never free it. Thread-safe. */
JJ_API const char *jj_version(void);

/* The running library's version as JJ_VERSION_NUM would spell it.
 * Thread-safe. */
JJ_API unsigned jj_version_num(void);

/* The running library's JJ_ABI_VERSION. Thread-safe. */
JJ_API int jj_abi_version(void);

/* sizeof a public struct in the running library, by its type name
 * ("jj_event", "jj_engine_config", "jj_sample", ...; every struct a
 * public header defines), or 0 for an unknown name. For bindings that
 * mirror the structs: a size that differs from the mirror's means the
 * layout differs. Thread-safe. */
JJ_API size_t jj_struct_size(const char *name);

/* The optional parts compiled into the running library: JJ_FEATURE_*
 * bits. Thread-safe. */
JJ_API unsigned jj_features(void);

/* Non-zero when the running library has the ABI and version these headers
 * describe (the same major version, a minor version at least as new, and
 * the same ABI version). Use it once at start-up:
 *   if (!JJ_ABI_CHECK()) { fprintf(stderr, "libjjair %s does not match\n",
 *                                  jj_version()); exit(1); } */
#define JJ_ABI_CHECK()                                          \
  (jj_abi_version() == JJ_ABI_VERSION &&                        \
   (jj_version_num() >> 16) == (unsigned)JJ_VERSION_MAJOR &&    \
   jj_version_num() >= (unsigned)JJ_VERSION_NUM)

#ifdef __cplusplus
}
#endif

#endif
