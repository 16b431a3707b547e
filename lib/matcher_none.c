/* Regex label matchers when the build has no PCRE2 (JJ_WITH_PCRE2=OFF):
 * rules with regex matchers are refused with a clear message. */
#include <stdio.h>

#include "matcher.h"

int jj__regex_available(void) { return 0; }

void *jj__regex_compile(const char *pattern, char *errbuf, size_t errsize) {
  (void)pattern;
  (void)snprintf(errbuf, errsize, "this build has no PCRE2 (configure with -DJJ_WITH_PCRE2=ON)");
  return NULL;
}

int jj__regex_match(const void *re, const char *subject) {
  (void)re;
  (void)subject;
  return 0;
}

void jj__regex_free(void *re) { (void)re; }
