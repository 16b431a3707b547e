/* Regex label matchers with PCRE2 (see matcher.h). The only file that
 * includes pcre2.h. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

#include "matcher.h"

/* Enough for any sane label pattern; a catastrophic one gives up fast. */
#define MATCH_LIMIT 100000u
#define DEPTH_LIMIT 1000u

int jj__regex_available(void) { return 1; }

void *jj__regex_compile(const char *pattern, char *errbuf, size_t errsize) {
  int code;
  PCRE2_SIZE offset;
  pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                 PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_UTF, &code, &offset,
                                 NULL);
  if (!re) {
    PCRE2_UCHAR msg[160];
    pcre2_get_error_message(code, msg, sizeof msg);
    (void)snprintf(errbuf, errsize, "%s at offset %zu", (const char *)msg, (size_t)offset);
  }
  return re;
}

int jj__regex_match(const void *re, const char *subject) {
  const pcre2_code *code = re;
  pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
  pcre2_match_context *mc = pcre2_match_context_create(NULL);
  int matched = 0;
  if (md && mc) {
    pcre2_set_match_limit(mc, MATCH_LIMIT);
    pcre2_set_depth_limit(mc, DEPTH_LIMIT);
    matched = pcre2_match(code, (PCRE2_SPTR)subject, strlen(subject), 0, 0, md, mc) >= 0;
  }
  pcre2_match_context_free(mc);
  pcre2_match_data_free(md);
  return matched;
}

void jj__regex_free(void *re) { pcre2_code_free(re); }
