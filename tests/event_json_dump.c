/* Helper of test_event_json.py: runs a fixed scenario through an engine
 * and prints every event as jj_event_json gives it, one per line, for
 * Python's json module to read back. The scenario (times, values, labels
 * with quotes, backslashes, control characters and Korean text) is
 * repeated in the Python test, which checks each member against it. */
#include <stdio.h>
#include <stdlib.h>

#include "jjair/jjair.h"

static void print_event(void *ctx, const jj_event *ev) {
  (void)ctx;
  char buf[8192];
  size_t n = jj_event_json(ev, buf, sizeof buf);
  if (n >= sizeof buf) {
    (void)fprintf(stderr, "event %llu needs %lu bytes\n", (unsigned long long)ev->seq,
                  (unsigned long)n);
    exit(1);
  }
  (void)printf("%s\n", buf);
}

static void check(jj_status st, const char *what) {
  if (st == JJ_OK) return;
  (void)fprintf(stderr, "%s: %s\n", what, jj_strerror(st));
  exit(1);
}

int main(void) {
  jj_ruleset_builder *b = NULL;
  check(jj_ruleset_builder_new(NULL, &b), "builder");
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "pm25-live";
  rc.metric = "pm25";
  rc.window.kind = JJ_WINDOW_SLIDING_COUNT;
  rc.window.count = 1;
  rc.aggregate = JJ_AGG_LAST;
  rc.on_missing = JJ_MISSING_ALERT;
  rc.stale_after_ms = 600000;
  uint32_t r;
  jj_error err;
  check(jj_ruleset_builder_add_rule(b, &rc, &r, &err), "rule");
  jj_level_config lc;
  jj_level_config_init(&lc);
  lc.name = "advisory";
  lc.severity = "주의보";
  lc.issue_op = JJ_CMP_GE;
  lc.issue_value = 75;
  lc.clear_op = JJ_CMP_LT;
  lc.clear_value = 35;
  check(jj_ruleset_builder_add_level(b, r, &lc, &err), "advisory");
  lc.name = "warning";
  lc.severity = "경보";
  lc.issue_value = 150;
  lc.clear_value = 75;
  check(jj_ruleset_builder_add_level(b, r, &lc, &err), "warning");
  check(jj_ruleset_builder_add_label(b, r, "team", "air \"quality\"", &err), "label");
  check(jj_ruleset_builder_add_annotation(b, r, "summary",
                                          "{{ severity }} {{ labels.zone }} {{ value:.1f }}㎍/㎥",
                                          &err),
        "summary");
  check(jj_ruleset_builder_add_annotation(b, r, "ids", "{{ fingerprint }} {{ prev_level }}", &err),
        "ids");
  jj_ruleset *rs = NULL;
  check(jj_ruleset_builder_build(b, &rs, &err), "build");
  jj_ruleset_builder_free(b);

  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.on_event = print_event;
  cfg.flags = JJ_ENGINE_NO_QUEUE;
  jj_engine *e = NULL;
  check(jj_engine_new(rs, &cfg, NULL, &e), "engine");
  jj_ruleset_free(rs);
  jj_label labels[] = {{"zone", "중부\\권역\n\t🔥\x01"}, {"station", "palbok-03 \"north\""}};
  jj_series_id id;
  check(jj_engine_series(e, "pm25", labels, 2, &id), "series");
  const int64_t t0 = 1704081600000LL; /* 2024-01-01T04:00:00Z */
  check(jj_engine_push_located(e, id, t0, 80.25, 35.8467, 127.1293), "push");
  check(jj_engine_push(e, id, t0 + 1000, 160.5), "push");
  check(jj_engine_push(e, id, t0 + 2000, 60.125), "push");
  check(jj_engine_push(e, id, t0 + 3250, 20), "push");
  check(jj_engine_advance(e, t0 + 3250 + 600000), "advance"); /* stale: nodata */
  jj_engine_free(e);
  return fflush(stdout) == 0 ? 0 : 1;
}
