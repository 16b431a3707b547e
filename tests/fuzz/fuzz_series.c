/* libFuzzer target for the rule-test series notation (examples/jjair/
 * series.c, used by `jjair test`): the input up to its first newline is a
 * series selector, the rest a values string. Never a crash, a leak or a
 * hang; a refusal has a message with a column; what parses is bounded
 * (at most JJS_MAX_VALUES values, label names and values NUL-free). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "series.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  char *values = strchr(text, '\n');
  if (values) *values++ = '\0';
  char err[256];

  jjs_series s;
  err[0] = '\0';
  if (jjs_parse_series(text, &s, err, sizeof err) == 0) {
    if (!s.metric || !s.metric[0]) __builtin_trap();
    for (uint32_t i = 0; i < s.nlabels; i++)
      if (!s.labels[i].name[0]) __builtin_trap();
    jjs_series_free(&s);
  } else if (strncmp(err, "column ", 7) != 0) {
    __builtin_trap();
  }

  if (values) {
    jjs_value *v = NULL;
    size_t n = 0;
    err[0] = '\0';
    if (jjs_parse_values(values, &v, &n, err, sizeof err) == 0) {
      if (n > JJS_MAX_VALUES) __builtin_trap();
      free(v);
    } else if (v != NULL || n != 0 || strncmp(err, "column ", 7) != 0) {
      __builtin_trap();
    }
  }
  free(text);
  return 0;
}
