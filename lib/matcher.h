/* Internal: regex label matchers (optional part: PCRE2). Patterns are
 * anchored at both ends, compiled once when a rule is built, and matched
 * with match and depth limits so a hostile pattern cannot stall the
 * engine. Matching happens when a series is created, never per sample. */
#ifndef JJ_LIB_MATCHER_H
#define JJ_LIB_MATCHER_H

#include <stddef.h>

/* 1 when this build has regex matchers. */
int jj__regex_available(void);
/* Compile `pattern`; NULL on error with a message in errbuf. */
void *jj__regex_compile(const char *pattern, char *errbuf, size_t errsize);
/* 1 if `subject` matches the whole pattern; 0 otherwise (also when the
 * match limit is hit or the subject is not valid UTF-8). */
int jj__regex_match(const void *re, const char *subject);
void jj__regex_free(void *re);

#endif
