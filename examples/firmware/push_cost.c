/* The cost of a quiet push on the board: the fire bundle and the robot's 8
 * series in a pool, 2 minutes of quiet readings to fill the windows, then
 * the instructions per jj_engine_push (QEMU -icount shift=0 runs one
 * instruction per ns; SysTick counts the 25 MHz clock: 40 instructions a
 * tick) and the deepest stack the pushes used (the stack below main is
 * painted first). Run by .ci/firmware; figures in README "Firmware". */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jjair/jjair.h"

extern const unsigned char jj_fire_bundle[];
extern const size_t jj_fire_bundle_size;

#ifdef JJ_FW_NO_TUMBLING
#include "bundle_static.h" /* rule records, as fire_rules.c holds them */

extern const jj_static_rules jj_fire_rules;

/* This build (preset cortex-m4f-small) leaves TUMBLING windows out
 * (JJ_WITH_TUMBLING=OFF) and refuses them: a window, a rule given to the
 * builder, and a rule in records (one of the fire records, made TUMBLING),
 * each with JJ_ENOTSUP, the rules' messages naming the option. The builder
 * names ewma (JJ_WITH_EWMA=OFF) the same way. */
static int left_out_refused(jj_allocator *pool) {
  jj_window_config wc;
  jj_window_config_init(&wc);
  wc.kind = JJ_WINDOW_TUMBLING;
  jj_window *w = NULL;
  if (jj_window_new(&wc, pool, &w) != JJ_ENOTSUP || w) {
    printf("jj_window_new: a TUMBLING window was not refused (JJ_WITH_TUMBLING=OFF)\n");
    return 0;
  }
  jj_error err;
  memset(&err, 0, sizeof err);
  jj_ruleset_builder *b = NULL;
  if (jj_ruleset_builder_new(pool, &b) != JJ_OK) return 0;
  jj_rule_config rc;
  jj_rule_config_init(&rc);
  rc.name = "hourly-heat";
  rc.metric = "temperature";
  rc.window.kind = JJ_WINDOW_TUMBLING;
  rc.window.span_ms = 3600000;
  jj_status st = jj_ruleset_builder_add_rule(b, &rc, NULL, &err);
  if (st != JJ_ENOTSUP || !strstr(err.message, "rule 'hourly-heat': tumbling windows") ||
      !strstr(err.message, "-DJJ_WITH_TUMBLING=ON")) {
    printf("builder: a TUMBLING rule was not refused (JJ_WITH_TUMBLING=OFF): %s\n", err.message);
    jj_ruleset_builder_free(b);
    return 0;
  }
  printf("TUMBLING rule refused: %s\n", err.message);
  jj_rule_config_init(&rc);
  rc.name = "heat-ewma";
  rc.metric = "temperature";
  rc.aggregate = JJ_AGG_EWMA;
  memset(&err, 0, sizeof err);
  st = jj_ruleset_builder_add_rule(b, &rc, NULL, &err);
  jj_ruleset_builder_free(b);
  if (st != JJ_ENOTSUP || !strstr(err.message, "-DJJ_WITH_EWMA=ON")) {
    printf("builder: an ewma rule was not refused (JJ_WITH_EWMA=OFF): %s\n", err.message);
    return 0;
  }
  static jj_rule rule; /* a copy of the first fire record, made TUMBLING */
  rule = jj_fire_rules.rules[0];
  rule.cfg.window.kind = JJ_WINDOW_TUMBLING;
  const jj_static_rules one = {JJ_STATIC_RULES_MAGIC, JJ_BUNDLE_VERSION, sizeof(jj_rule), 1, &rule};
  jj_ruleset *rs = NULL;
  st = jj_bundle_load_rules(&one, pool, &rs, &err);
  if (st != JJ_ENOTSUP || rs || !strstr(err.message, "tumbling windows are left out")) {
    printf("records: a TUMBLING rule was not refused (JJ_WITH_TUMBLING=OFF): %s\n", err.message);
    return 0;
  }
  printf("TUMBLING record refused: %s\n", err.message);
  return 1;
}
#endif

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define PAINT 0xA5A5A5A5u
#define PAINT_WORDS 4096 /* 16 KiB below main's frame */

static uint64_t pool_mem[64 * 1024 / 8];

static void on_event(void *ctx, const jj_event *ev) {
  (void)ctx;
  (void)ev;
}

/* Paint PAINT_WORDS words of stack below main's frame (256 bytes below
 * the stack pointer here); return the lowest painted word. */
static __attribute__((noinline)) volatile uint32_t *paint(void) {
  uintptr_t sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  volatile uint32_t *low = (volatile uint32_t *)((sp - 256u) & ~(uintptr_t)3) - PAINT_WORDS;
  for (int i = 0; i < PAINT_WORDS; i++) low[i] = PAINT;
  return low;
}

int main(void) {
  jj_allocator pool;
  (void)jj_alloc_pool_init(&pool, pool_mem, sizeof pool_mem);
#ifdef JJ_FW_NO_TUMBLING
  if (!left_out_refused(&pool)) return 1;
#endif
  jj_ruleset *rs = NULL;
  if (jj_bundle_load_static(jj_fire_bundle, jj_fire_bundle_size, &pool, &rs, NULL) != JJ_OK) return 1;
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.max_series = 8;
  jj_engine *e = NULL;
#ifdef JJ_FW_NO_QUEUE
  /* A build without the poll queue (JJ_WITH_QUEUE=OFF) refuses an engine
   * that would poll. */
  if (jj_engine_new(rs, &cfg, &pool, &e) != JJ_ENOTSUP || e) {
    printf("jj_engine_new: an engine with a poll queue was not refused (JJ_WITH_QUEUE=OFF)\n");
    return 1;
  }
#endif
  cfg.flags = JJ_ENGINE_NO_QUEUE;
  cfg.on_event = on_event;
  static const char *const metric[8] = {"temperature", "temperature", "co",       "smoke",
                                        "pm25",        "pm10",        "humidity", "o3"};
  static const char *const sensor[8] = {"body", "camera", "gas", "optical",
                                        "optical2", "optical3", "body2", "gas2"};
  jj_label labels[8][2];
  jj_series_spec spec[8];
  for (int i = 0; i < 8; i++) {
    labels[i][0] = (jj_label){"robot", "r2"};
    labels[i][1] = (jj_label){"sensor", sensor[i]};
    spec[i] = (jj_series_spec){metric[i], labels[i], 2, 0};
  }
  /* jj_engine_estimate is exact for this pool in this build's options
   * (the preset's deadline indexes, queue, ...). */
  jj_memory_estimate est;
  size_t before = 0, after = 0;
  if (jj_engine_estimate(rs, &cfg, spec, 8, &est) != JJ_OK) return 1;
  (void)jj_alloc_pool_stats(&pool, &before, NULL, NULL);
  if (jj_engine_new(rs, &cfg, &pool, &e) != JJ_OK) return 1;
  jj_ruleset_free(rs);
  jj_series_id id[8];
  for (int i = 0; i < 8; i++)
    if (jj_engine_series(e, metric[i], labels[i], 2, &id[i]) != JJ_OK) return 1;
  (void)jj_alloc_pool_stats(&pool, &after, NULL, NULL);
  printf("engine and 8 series: %lu pool bytes, jj_engine_estimate %lu\n",
         (unsigned long)(after - before), (unsigned long)est.pool_bytes);
  if (est.pool_bytes != after - before) return 1;
  const int64_t t0 = 1714539600000;
  int64_t ts = t0;
  for (int t = 0; t < 120; t++, ts += 1000)
    for (int i = 0; i < 8; i++) (void)jj_engine_push(e, id[i], ts, 20.0 + (t % 3) * 0.1);
  volatile uint32_t *low = paint(); /* after setup: the pushes alone */
  SYST_RVR = 0xFFFFFFu;
  SYST_CVR = 0;
  SYST_CSR = 5u; /* enable, processor clock, no interrupt */
  /* Calibration: 40000 iterations of a 4-instruction loop = 160000. */
  uint32_t c0 = SYST_CVR;
  __asm__ volatile("movs r0, #0\n\tmovw r1, #40000\n1:\n\tnop\n\tadds r0, #1\n\tcmp r0, r1\n\tbne 1b"
                   ::: "r0", "r1", "cc");
  uint32_t calib = ((c0 - SYST_CVR) & 0xFFFFFFu) * 40u;
  enum { N = 300 };
  uint32_t ticks[8] = {0}, ticks_all = 0;
  for (int t = 0; t < N; t++, ts += 1000) {
    for (int i = 0; i < 8; i++) {
      uint32_t a = SYST_CVR;
      (void)jj_engine_push(e, id[i], ts, 20.0 + (t % 3) * 0.1);
      uint32_t d = (a - SYST_CVR) & 0xFFFFFFu;
      ticks_all += d;
      ticks[i] += d;
    }
  }
  uint32_t deepest = 0;
  for (int i = 0; i < PAINT_WORDS; i++)
    if (low[i] != PAINT) {
      deepest = (uint32_t)(PAINT_WORDS - i) * 4u;
      break;
    }
  /* 40 instructions per SysTick tick under -icount shift=0 (25 MHz clock). */
  printf("calibration: a 160000-instruction loop measures %lu\n", (unsigned long)calib);
  for (int i = 0; i < 8; i++)
    printf("instructions per quiet push, %-11s (%s): %lu\n", metric[i], sensor[i],
           (unsigned long)(ticks[i] * 40u / N));
  printf("instructions per quiet push, mean of the 8 series: %lu\n",
         (unsigned long)(ticks_all * 40u / (8u * N)));
  printf("stack used by jj_engine_push below main's frame: %lu bytes (+ <= 256)\n",
         (unsigned long)deepest);
  jj_engine_free(e);
  return 0;
}
