/* Internal: regex label matchers (optional part: PCRE2). Patterns are
 * anchored at both ends, compiled once when a rule is built, and matched
 * with match, depth and heap limits so a hostile pattern cannot stall the
 * engine. Matching happens when a series is created, never per sample.
 * Every allocation (the compiled pattern, match data and contexts, the
 * matcher's backtracking memory) goes through the caller's allocator. */
#ifndef JJ_LIB_MATCHER_H
#define JJ_LIB_MATCHER_H

#include <stddef.h>

#include "jjair/alloc.h"
#include "jjair/status.h"

/* The limits of one match. A label value is at most JJ_MAX_LABEL_BYTES
 * (1024) bytes; patterns such as (a|b|c)* on such a value need a depth of
 * about two per byte, so these leave a wide margin for any realistic
 * pattern while a catastrophic one gives up within milliseconds. */
#define JJ__REGEX_MATCH_LIMIT 1000000u
#define JJ__REGEX_DEPTH_LIMIT 10000u
#define JJ__REGEX_HEAP_LIMIT_KIB 4096u

/* jj__regex_match's answers besides 1 (match) and 0 (no match). */
#define JJ__REGEX_UNDECIDED (-1) /* a limit was hit, or the subject is not valid UTF-8 */
#define JJ__REGEX_NOMEM (-2)     /* out of memory */

/* 1 when this build has regex matchers. */
int jj__regex_available(void);
/* Compile `pattern` with `alc` (not NULL; copied, so it need not outlive
 * the call, but its ctx must outlive the pattern). JJ_OK with *out set;
 * JJ_EINVAL (a bad pattern, message in errbuf) or JJ_ENOMEM. */
jj_status jj__regex_compile(const char *pattern, const jj_allocator *alc, void **out, char *errbuf,
                           size_t errsize);
/* 1 if `subject` matches the whole pattern, 0 if it does not, or
 * JJ__REGEX_UNDECIDED / JJ__REGEX_NOMEM when the match could not decide:
 * never a "no match" that only means "gave up". Allocates with `alc`. */
int jj__regex_match(const void *re, const char *subject, const jj_allocator *alc);
void jj__regex_free(void *re);

#endif
