/* libFuzzer target for durations (jj_duration_parse): arbitrary bytes as
 * a duration. Never a crash or overflow (UBSan in the fuzz build); what
 * parses is within 0..JJ_DURATION_MAX_MS, has a message-free success, and
 * jj_duration_format writes it back as text that parses to the same value
 * (the round trip duration.h promises). A refusal carries a message. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "jjair/jjair.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int64_t v = -7;
  jj_error why;
  memset(&why, 0, sizeof why);
  jj_status st = jj_duration_parse((const char *)data, size, &v, &why);
  if (st != JJ_OK) {
    if (st != JJ_EINVAL || v != -7 || (size > 0 && !why.message[0])) __builtin_trap();
    return 0;
  }
  if (v < 0 || v > JJ_DURATION_MAX_MS) __builtin_trap();
  char buf[JJ_DURATION_FORMAT_MAX];
  size_t n = jj_duration_format(v, buf, sizeof buf);
  int64_t back = -1;
  if (n >= sizeof buf || jj_duration_parse(buf, n, &back, NULL) != JJ_OK || back != v)
    __builtin_trap();
  return 0;
}
