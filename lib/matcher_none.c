/* Regex label matchers when the build has no PCRE2 (JJ_WITH_PCRE2=OFF):
 * rules with regex matchers are refused with a clear message. */
#include "matcher.h"
#include "strfmt.h"

int jj__regex_available(void) { return 0; }

jj_status jj__regex_compile(const char *pattern, const jj_allocator *alc, void **out, char *errbuf,
                           size_t errsize) {
  (void)pattern;
  (void)alc;
  *out = NULL;
  (void)jj__format(errbuf, errsize, "this build has no PCRE2 (configure with -DJJ_WITH_PCRE2=ON)");
  return JJ_ENOTSUP;
}

int jj__regex_match(const void *re, const char *subject, const jj_allocator *alc) {
  (void)re;
  (void)subject;
  (void)alc;
  return JJ__REGEX_UNDECIDED;
}

void jj__regex_free(void *re) { (void)re; }
