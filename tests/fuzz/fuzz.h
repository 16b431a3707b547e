/* The libFuzzer entry point, declared for the replay driver, and what the
 * targets share: the invariant check and the CRC-32 that images carry. */
#ifndef JJ_TESTS_FUZZ_H
#define JJ_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant: a violation prints where and aborts (libFuzzer keeps the input). */
#define CHECK(c)                                                                     \
  do {                                                                               \
    if (!(c)) {                                                                      \
      (void)fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #c); \
      abort();                                                                       \
    }                                                                                \
  } while (0)

/* CRC-32 (IEEE 802.3, as zlib): what snapshot and bundle headers carry, so
 * a target can re-seal a mutated image and reach the decoders behind the
 * checksum. */
static inline uint32_t crc32_ieee(const unsigned char *p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return ~c;
}

#endif
