/* Regex label matchers with PCRE2 (see matcher.h). The only file that
 * includes pcre2.h. PCRE2 allocates through a general context whose
 * functions call the caller's jj_allocator; a compiled pattern keeps a
 * copy of that allocator next to it, as PCRE2 frees the pattern with the
 * functions it was made with. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include "alloc.h"
#include "matcher.h"
#include "strfmt.h"

int jj__regex_available(void) { return 1; }

/* A compiled pattern and the allocator PCRE2 frees it with. */
typedef struct regex {
  jj_allocator alc;
  pcre2_code *code;
} regex;

static void *re_malloc(PCRE2_SIZE size, void *ctx) { return jj__malloc(ctx, size); }

static void re_free(void *ptr, void *ctx) { jj__free(ctx, ptr); }

jj_status jj__regex_compile(const char *pattern, const jj_allocator *alc, void **out, char *errbuf,
                           size_t errsize) {
  *out = NULL;
  regex *re = jj__malloc(alc, sizeof *re);
  if (!re) return JJ_ENOMEM;
  re->alc = *alc;
  re->code = NULL;
  pcre2_general_context *gc = pcre2_general_context_create(re_malloc, re_free, &re->alc);
  pcre2_compile_context *cc = gc ? pcre2_compile_context_create(gc) : NULL;
  int code = PCRE2_ERROR_NOMEMORY;
  PCRE2_SIZE offset = 0;
  if (cc)
    re->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                             PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_UTF, &code, &offset, cc);
  pcre2_compile_context_free(cc);
  pcre2_general_context_free(gc);
  if (re->code) {
    *out = re;
    return JJ_OK;
  }
  jj__free(alc, re);
  /* PCRE2 reports its own allocation failure as "failed to get memory"
   * (compile error 121), distinct from the errors of a bad pattern. */
  if (code == PCRE2_ERROR_NOMEMORY || code == PCRE2_ERROR_HEAP_FAILED) return JJ_ENOMEM;
  PCRE2_UCHAR msg[160];
  pcre2_get_error_message(code, msg, sizeof msg);
  (void)jj__format(errbuf, errsize, "%s at offset %zu", (const char *)msg, (size_t)offset);
  return JJ_EINVAL;
}

int jj__regex_match(const void *re_, const char *subject, const jj_allocator *alc) {
  const regex *re = re_;
  jj_allocator a = *alc; /* PCRE2 wants a non-const context pointer */
  pcre2_general_context *gc = pcre2_general_context_create(re_malloc, re_free, &a);
  pcre2_match_context *mc = gc ? pcre2_match_context_create(gc) : NULL;
  pcre2_match_data *md = mc ? pcre2_match_data_create_from_pattern(re->code, gc) : NULL;
  int ret = JJ__REGEX_NOMEM;
  if (md) {
    pcre2_set_match_limit(mc, JJ__REGEX_MATCH_LIMIT);
    pcre2_set_depth_limit(mc, JJ__REGEX_DEPTH_LIMIT);
    pcre2_set_heap_limit(mc, JJ__REGEX_HEAP_LIMIT_KIB);
    int rc = pcre2_match(re->code, (PCRE2_SPTR)subject, strlen(subject), 0, 0, md, mc);
    if (rc >= 0)
      ret = 1;
    else if (rc == PCRE2_ERROR_NOMATCH)
      ret = 0;
    else if (rc == PCRE2_ERROR_NOMEMORY || rc == PCRE2_ERROR_HEAP_FAILED)
      ret = JJ__REGEX_NOMEM;
    else /* match, depth or heap limit; invalid UTF-8 */
      ret = JJ__REGEX_UNDECIDED;
  }
  pcre2_match_data_free(md);
  pcre2_match_context_free(mc);
  pcre2_general_context_free(gc);
  return ret;
}

void jj__regex_free(void *re_) {
  regex *re = re_;
  if (!re) return;
  jj_allocator alc = re->alc;
  pcre2_code_free(re->code);
  jj__free(&alc, re);
}
