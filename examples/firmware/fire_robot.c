/* Fire detection inside a patrol robot: rules/fire.yaml compiled to
 * constant rule records (fire_rules.c, `jjair compile -s`) used in place
 * from flash, an engine in a fixed memory pool, a recorded fire ramp and PM episode
 * (episode.c) fed once a second, each event printed as one JSON line. The
 * same program runs on the host and on a Cortex-M4 under QEMU (.ci/firmware
 * compares the two outputs byte for byte). */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "episode.h"
#include "jjair/jjair.h"

extern const jj_static_rules jj_fire_rules;

/* The robot configuration: 8 series (the fire rules read 5 of them). */
#define NSERIES 8
static const struct {
  const char *metric, *sensor;
} series_def[NSERIES] = {
    {"temperature", "body"}, {"temperature", "camera"}, {"co", "gas"},       {"smoke", "optical"},
    {"pm25", "optical"},     {"pm10", "optical"},       {"humidity", "body"}, {"o3", "gas"},
};

/* All the library's memory, fixed at build time. The board build sets
 * 16 KiB (examples/firmware/CMakeLists.txt: the robot's RAM budget, which
 * jj_engine_estimate says the fire rules' 8 series fit); the host build,
 * with 64-bit pointers, keeps room to spare. */
#ifndef JJ_FW_POOL_BYTES
#define JJ_FW_POOL_BYTES (64 * 1024)
#endif
static uint64_t pool_mem[JJ_FW_POOL_BYTES / 8];

static void out(int fd, const char *s, size_t n) {
  while (n) {
    ssize_t k = write(fd, s, n);
    if (k <= 0) return;
    s += k;
    n -= (size_t)k;
  }
}

static void out_str(int fd, const char *s) { out(fd, s, strlen(s)); }

static void out_u64(int fd, const char *label, uint64_t v) {
  char b[24];
  char *p = b + sizeof b;
  do {
    *--p = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  out_str(fd, label);
  out(fd, p, (size_t)(b + sizeof b - p));
  out_str(fd, "\n");
}

static void on_event(void *ctx, const jj_event *ev) {
  (void)ctx;
  char line[1024];
  size_t n = jj_event_json(ev, line, sizeof line - 1);
  if (n >= sizeof line - 1) n = sizeof line - 2; /* never on these rules */
  line[n++] = '\n';
  out(1, line, n);
}

static int fail(const char *what, const jj_error *err) {
  out_str(2, "fire_robot: ");
  out_str(2, what);
  if (err && err->message[0]) {
    out_str(2, ": ");
    out_str(2, err->message);
  }
  out_str(2, "\n");
  return 1;
}

int main(void) {
  jj_allocator pool;
  jj_error err;
  memset(&err, 0, sizeof err);
  if (jj_alloc_pool_init(&pool, pool_mem, sizeof pool_mem) != JJ_OK) return fail("pool", NULL);
  jj_ruleset *rs = NULL;
  if (jj_bundle_load_rules(&jj_fire_rules, &pool, &rs, &err) != JJ_OK) return fail("rules", &err);

  size_t used_rules = 0, used_engine = 0;
  (void)jj_alloc_pool_stats(&pool, &used_rules, NULL, NULL);
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.max_series = NSERIES;
  cfg.max_labels = 2;
  cfg.max_groups = 2;
  cfg.flags = JJ_ENGINE_NO_QUEUE; /* events go to on_event only: no queue memory */
  cfg.on_event = on_event;
  jj_engine *e = NULL;
  if (jj_engine_new(rs, &cfg, &pool, &e) != JJ_OK) return fail("engine", NULL);
  jj_ruleset_free(rs); /* the engine holds it */
  (void)jj_alloc_pool_stats(&pool, &used_engine, NULL, NULL);

  jj_series_id id[NSERIES];
  for (int i = 0; i < NSERIES; i++) {
    jj_label labels[2] = {{"robot", "r2"}, {"sensor", series_def[i].sensor}};
    if (jj_engine_series(e, series_def[i].metric, labels, 2, &id[i]) != JJ_OK)
      return fail("series", NULL);
  }
  size_t used_init = 0;
  uint64_t allocs_init = 0, allocs_end = 0;
  (void)jj_alloc_pool_stats(&pool, &used_init, NULL, &allocs_init);

  /* 2024-05-01 14:00:00 KST; one reading per sensor per second. The three
   * sensors without fire rules read constants. */
  const int64_t t0 = 1714539600000;
  static const double quiet[3] = {40.0, 45.0, 0.03};
  jj_fw_episode ep;
  jj_fw_episode_open(&ep);
  int16_t row[JJ_FW_SENSORS];
  for (int t = 0; jj_fw_episode_row(&ep, row); t++) {
    int64_t ts = t0 + (int64_t)t * 1000;
    for (int k = 0; k < JJ_FW_SENSORS; k++)
      (void)jj_engine_push(e, id[k], ts, row[k] / 10.0);
    for (int k = JJ_FW_SENSORS; k < NSERIES; k++)
      (void)jj_engine_push(e, id[k], ts, quiet[k - JJ_FW_SENSORS]);
    (void)jj_engine_advance(e, ts);
  }
  if (!jj_fw_episode_check(&ep)) return fail("episode.c does not decode to make_episode.py's readings", NULL);
  size_t peak = 0;
  (void)jj_alloc_pool_stats(&pool, NULL, &peak, &allocs_end);
  /* Memory figures go to stderr: they differ between 64-bit host and device. */
  out_u64(2, "# pool bytes, ruleset: ", used_rules);
  out_u64(2, "# pool bytes, + engine: ", used_engine);
  out_u64(2, "# pool bytes after init (+ 8 series): ", used_init);
  out_u64(2, "# pool peak bytes: ", peak);
  out_u64(2, "# allocations at init: ", allocs_init);
  out_u64(2, "# allocations after init: ", allocs_end - allocs_init);
  jj_engine_free(e);
  return allocs_end == allocs_init ? 0 : 3;
}
