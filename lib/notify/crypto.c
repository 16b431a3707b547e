/* The signatures SMS gateways ask for (the only file that includes
 * OpenSSL): HMAC-SHA256 with Base64 (Naver Cloud SENS v2) or hex (Solapi)
 * output, and random salts. The check values of both vendors' documents
 * are reproduced in tests/notify/test_notify_text.c. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "notify_internal.h"

int jj__hmac_sha256(const char *key, size_t keylen, const char *msg, size_t msglen,
                    unsigned char out[32]) {
  unsigned int n = 0;
  if (keylen > 0x7fffffff) return -1;
  if (!HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, msglen, out, &n) ||
      n != 32)
    return -1;
  return 0;
}

void jj__base64(const unsigned char *in, size_t n, char *out) {
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const char pad = '=';
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)in[i] << 16;
    if (i + 1 < n) v |= (unsigned)in[i + 1] << 8;
    if (i + 2 < n) v |= in[i + 2];
    out[o++] = tab[(v >> 18) & 63];
    out[o++] = tab[(v >> 12) & 63];
    out[o++] = tab[(v >> 6) & 63];
    out[o++] = tab[v & 63];
    if (i + 1 >= n) out[o - 2] = pad;
    if (i + 2 >= n) out[o - 1] = pad;
  }
  out[o] = '\0';
}

void jj__hex(const unsigned char *in, size_t n, char *out) {
  static const char hexd[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hexd[in[i] >> 4];
    out[2 * i + 1] = hexd[in[i] & 15];
  }
  out[2 * n] = '\0';
}

int jj__sens_signature(const char *method, const char *uri, const char *timestamp,
                       const char *access_key, const char *secret, char out[64]) {
  /* method SP uri LF timestamp LF access key; no trailing newline, the
   * body is not signed (SENS API "Signature" section) */
  jj__sb msg = {0};
  jj__sb_printf(&msg, "%s %s\n%s\n%s", method, uri, timestamp, access_key);
  unsigned char mac[32];
  int rc = msg.oom ? -1 : jj__hmac_sha256(secret, strlen(secret), msg.s, msg.len, mac);
  jj__sb_free(&msg);
  if (rc == 0) jj__base64(mac, sizeof mac, out);
  return rc;
}

int jj__solapi_signature(const char *secret, const char *date, const char *salt,
                         char out[72]) {
  char msg[256];
  int n = snprintf(msg, sizeof msg, "%s%s", date, salt);
  if (n < 0 || (size_t)n >= sizeof msg) return -1;
  unsigned char mac[32];
  if (jj__hmac_sha256(secret, strlen(secret), msg, (size_t)n, mac)) return -1;
  jj__hex(mac, sizeof mac, out);
  return 0;
}

int jj__random_hex(char *out, size_t nbytes) {
  unsigned char buf[64];
  if (nbytes > sizeof buf || RAND_bytes(buf, (int)nbytes) != 1) return -1;
  jj__hex(buf, nbytes, out);
  return 0;
}
