/* libFuzzer target for annotation templates: the input up to its first
 * NUL byte is a template, the rest drives readings. A template is either
 * refused with a message or accepted; an accepted one renders every event
 * of a rule that uses it to the same text and length whatever the buffer
 * size (0, 1, small, large), NUL-terminated, on the event and on its copy.
 * A violation aborts. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jjair/jjair.h"

static void check_render(const jj_event *ev) {
  static char big[1 << 16], again[1 << 16];
  size_t n = jj_event_render(ev, 0, NULL, 0);
  char one[1] = {'x'};
  CHECK(jj_event_render(ev, 0, one, 1) == n && one[0] == '\0');
  char small[9];
  CHECK(jj_event_render(ev, 0, small, sizeof small) == n);
  CHECK(strlen(small) == (n < sizeof small ? n : sizeof small - 1));
  CHECK(jj_event_render(ev, 0, big, sizeof big) == n);
  if (n < sizeof big) CHECK(strlen(big) == n);
  CHECK(strncmp(small, big, sizeof small - 1) == 0);
  jj_event *copy = NULL;
  if (jj_event_copy(ev, NULL, &copy) == JJ_OK) {
    CHECK(jj_event_render(copy, 0, again, sizeof again) == n);
    CHECK(n >= sizeof big || strcmp(big, again) == 0);
    jj_event_free(copy);
  }
}

static void on_event(void *ctx, const jj_event *ev) {
  (void)ctx;
  check_render(ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul = memchr(data, 0, size);
  size_t tlen = nul ? (size_t)(nul - data) : size;
  if (tlen > 4096) return 0;
  char *tmpl = malloc(tlen + 1);
  if (!tmpl) return 0;
  memcpy(tmpl, data, tlen);
  tmpl[tlen] = '\0';
  const uint8_t *rest = nul ? nul + 1 : data + size;
  size_t nrest = nul ? size - tlen - 1 : 0;

  jj_ruleset_builder *b = NULL;
  if (jj_ruleset_builder_new(NULL, &b) != JJ_OK) abort();
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "t";
  rc.metric = "pm25";
  rc.window.span_ms = 60000;
  rc.aggregate = JJ_AGG_LAST;
  rc.valid_max = 1e6;
  rc.on_missing = JJ_MISSING_ALERT;
  rc.stale_after_ms = 120000;
  uint32_t r = 0;
  CHECK(jj_ruleset_builder_add_rule(b, &rc, &r, NULL) == JJ_OK);
  jj_level_config lc;
  jj_level_config_init(&lc);
  lc.name = "high";
  lc.issue_op = JJ_CMP_GE;
  lc.issue_value = 50;
  CHECK(jj_ruleset_builder_add_level(b, r, &lc, NULL) == JJ_OK);
  CHECK(jj_ruleset_builder_add_label(b, r, "team", "air", NULL) == JJ_OK);
  jj_error err;
  memset(&err, 0, sizeof err);
  jj_status st = jj_ruleset_builder_add_annotation(b, r, "a", tmpl, &err);
  free(tmpl);
  if (st != JJ_OK) {
    CHECK(st == JJ_EINVAL && err.message[0] != '\0');
    jj_ruleset_builder_free(b);
    return 0;
  }
  jj_ruleset *rs = NULL;
  CHECK(jj_ruleset_builder_build(b, &rs, NULL) == JJ_OK);
  jj_ruleset_builder_free(b);
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.on_event = on_event;
  jj_engine *e = NULL;
  CHECK(jj_engine_new(rs, &cfg, NULL, &e) == JJ_OK);
  jj_ruleset_free(rs);
  jj_label l[2] = {{"station", "강남구"}, {"zone", "z\"1\\"}};
  jj_series_id id;
  CHECK(jj_engine_series(e, "pm25", l, 2, &id) == JJ_OK);
  int64_t t = 1700000000000;
  /* readings from the rest: 8-byte doubles (any bit pattern), then a
   * located one, a quality drop and a silence */
  for (size_t i = 0; i + 8 <= nrest && i < 8 * 64; i += 8) {
    double v;
    memcpy(&v, rest + i, sizeof v);
    t += 10000;
    if (i % 16)
      (void)jj_engine_push(e, id, t, v);
    else
      (void)jj_engine_push_located(e, id, t, v, 37.5, 127.0);
  }
  (void)jj_engine_push(e, id, t += 10000, 80);
  (void)jj_engine_push(e, id, t += 10000, 2e6);
  (void)jj_engine_advance(e, t + 600000);
  jj_engine_free(e);
  return 0;
}
