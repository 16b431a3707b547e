/* libFuzzer target for the bundle loader (jj_bundle_load): the image a
 * device reads from flash or a file, so it is outside input. The first
 * input byte chooses how the rest is used:
 *   bit 0: re-seal the image first (set its size and CRC-32 to match), so
 *          mutations reach the field decoders instead of stopping at the
 *          checksum.
 * Invariants (a violation aborts; ASan reports any leak):
 *   - a refused image says why (err.message) and returns no ruleset;
 *   - a taken image writes back to a bundle that loads and writes to the
 *     same bytes again (the writer and the loader agree on every field);
 *   - an engine over a taken ruleset runs: series, readings, advances and
 *     polls (creation may refuse the engine's limits, as a device's
 *     max_samples_per_window, with a status, never a crash).
 * Seeds (corpus_bundle) are `jjair compile` images of the shipped rule
 * files (rules/fire.yaml, rules/korea-air.yaml, rules/sensor-health.yaml,
 * with and without `-p 1s`) and of the rules of fuzz_snapshot.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jjair/jjair.h"

/* rs as a bundle (malloc'd), period 0: the windows as the ruleset has them. */
static unsigned char *write_bundle(const jj_ruleset *rs, size_t *n) {
  size_t need = 0;
  CHECK(jj_bundle_write(rs, 0, NULL, 0, &need) == JJ_EFULL && need > 0);
  unsigned char *buf = malloc(need);
  CHECK(buf && jj_bundle_write(rs, 0, buf, need, n) == JJ_OK && *n == need);
  return buf;
}

/* An engine over rs: a few series of the shipped rules' metrics, readings
 * that rise and fall, advances and polls. */
static void run(jj_ruleset *rs, const uint8_t *data, size_t size) {
  static const char *const metrics[] = {"temperature", "co", "smoke", "pm25", "pm10", "o3"};
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.max_series = 16;
  /* A device states its limits: a bundle whose windows would not fit is
   * refused at creation (JJ_ELIMIT) instead of allocating what it asks
   * (max_samples up to 2^30 with preallocate, gigabytes). */
  cfg.max_samples_per_window = 65536; /* the default of jj_window_config */
  jj_engine *e = NULL;
  if (jj_engine_new(rs, &cfg, NULL, &e) != JJ_OK) return;
  jj_label l[2] = {{"robot", "r1"}, {"zone", "north"}};
  int64_t t = 1714500000000;
  for (size_t k = 0; k < 48; k++) {
    t += 1000;
    const char *m = metrics[k % (sizeof metrics / sizeof metrics[0])];
    double v = size ? (double)data[k % size] : (double)k;
    (void)jj_engine_push_labeled(e, m, l, 2, t, v);
    if (k % 8 == 7) (void)jj_engine_advance(e, t + 60000);
    while (jj_engine_poll(e)) {
    }
  }
  jj_engine_free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const unsigned flags = data[0];
  size_t n = size - 1;
  unsigned char *img = malloc(n ? n : 1);
  CHECK(img);
  if (n) memcpy(img, data + 1, n);
  if ((flags & 1) && n >= 20) { /* the header: magic, version, size, count, CRC */
    for (int i = 0; i < 4; i++) img[8 + i] = (unsigned char)((uint32_t)n >> (8 * i));
    uint32_t c = crc32_ieee(img + 20, n - 20);
    for (int i = 0; i < 4; i++) img[16 + i] = (unsigned char)(c >> (8 * i));
  }
  jj_error err;
  memset(&err, 0, sizeof err);
  jj_ruleset *rs = NULL;
  jj_status st = jj_bundle_load(img, n, NULL, &rs, &err);
  if (st != JJ_OK) {
    CHECK(rs == NULL);
    CHECK(err.message[0] != '\0');
  } else {
    CHECK(rs != NULL);
    memset(img, 0xA5, n); /* strings were copied: the image may go */
    size_t n1, n2;
    unsigned char *b1 = write_bundle(rs, &n1);
    jj_ruleset *rs2 = NULL;
    CHECK(jj_bundle_load(b1, n1, NULL, &rs2, NULL) == JJ_OK);
    unsigned char *b2 = write_bundle(rs2, &n2);
    CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0);
    free(b1);
    free(b2);
    jj_ruleset_free(rs2);
    run(rs, data, size);
    jj_ruleset_free(rs);
  }
  free(img);
  return 0;
}
