/* The length of a text as Korean SMS gateways count it: bytes in EUC-KR
 * (a Hangul syllable or symbol 2, ASCII 1), measured by converting with
 * iconv (glibc's), so a character EUC-KR lacks (emoji, most of Unicode
 * outside KS X 1001) is reported, as the gateway would refuse it. */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_internal.h"

jj_status jj_sms_euckr_length(const char *text, size_t *out) {
  if (!text || !out) return JJ_EINVAL;
  iconv_t cd = iconv_open("EUC-KR", "UTF-8");
  if (cd == (iconv_t)-1) return JJ_ENOTSUP; /* NOLINT(performance-no-int-to-ptr): iconv's API */
  size_t total = 0, left = strlen(text);
  char *in; /* iconv's prototype lacks const; it only reads the input */
  memcpy(&in, &text, sizeof in);
  jj_status st = JJ_OK;
  while (left > 0) {
    char buf[256];
    char *o = buf;
    size_t room = sizeof buf;
    size_t r = iconv(cd, &in, &left, &o, &room);
    total += sizeof buf - room;
    if (r == (size_t)-1 && errno != E2BIG) {
      st = JJ_EINVAL; /* EILSEQ: not in EUC-KR; EINVAL: cut UTF-8 */
      break;
    }
  }
  iconv_close(cd);
  if (st == JJ_OK) *out = total;
  return st;
}

char *jj__sms_fit(const char *text, size_t max_bytes, size_t *out_bytes) {
  char *t = jj__xstrdup(text);
  if (!t) return NULL;
  size_t len = strlen(t), n = 0;
  /* drop whole characters from the end until it fits */
  while (jj_sms_euckr_length(t, &n) == JJ_OK && n > max_bytes && len > 0) {
    do len--;
    while (len > 0 && ((unsigned char)t[len] & 0xC0) == 0x80);
    t[len] = '\0';
  }
  *out_bytes = n;
  return t;
}

char *jj__sms_text(const jj_notification *const *m, uint32_t n, size_t max_bytes,
                   size_t *out_bytes, const char *gateway, char *err, size_t errsize) {
  char *text = jj__group_text(m, n);
  if (!text) return NULL;
  size_t len = 0;
  if (jj_sms_euckr_length(text, &len) != JJ_OK) {
    (void)snprintf(err, errsize,
                   "the text has a character EUC-KR cannot encode (emoji?); %s would refuse it",
                   gateway);
    free(text);
    return NULL;
  }
  char *fit = jj__sms_fit(text, max_bytes, out_bytes);
  free(text);
  return fit;
}
