/* Restart anywhere: the bundled Seoul replay (five years of hourly PM2.5,
 * PM10 and O3, examples/data) and the fire robot's ramps (the firmware
 * example's episode, one reading per sensor per second) run through the
 * shipped rules once without stopping, and again cut at many points: at
 * each cut the engine is snapshotted and freed, a new ruleset is loaded
 * from the same files, a new engine restored from the snapshot continues.
 * The events after the cut must be the uninterrupted run's, byte for byte
 * (JSON with seq numbers and rendered annotations: no duplicate fired, no
 * lost resolved, timers continue), and a snapshot of the continued engine
 * some steps later must equal the uninterrupted engine's byte for byte.
 * Cuts: every hour (Seoul) or every other second (fire) of the first
 * episodes, seeded random points, and a few runs to the very end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../examples/firmware/episode.h"
#include "snapshot_testutil.h"

typedef struct step {
  int64_t ts;
  uint32_t series; /* index into the scenario's series */
  double value;
} step;

typedef struct series_def {
  const char *metric;
  jj_label labels[2];
  uint32_t nlabels;
} series_def;

typedef struct scenario {
  const char *const *files;
  size_t nfiles;
  const series_def *series;
  size_t nseries;
  step *steps;
  size_t nsteps;
} scenario;

/* The shipped rules for each source: the city's hourly means get the
 * Korean criteria and the CAI (sensor-health's 15-minute staleness is for
 * minute-rate sensors: hourly data would be a no-data episode every hour);
 * the robot gets the fire rules and sensor health. */
static const char *const city_rules[] = {"rules/korea-air.yaml", "rules/cai.yaml"};
static const char *const robot_rules[] = {"rules/fire.yaml", "rules/sensor-health.yaml"};

/* Push step k (creating its series on first use, as the CLI does), after
 * advancing the clock to its time when it is later than the previous
 * step's (a server's clock runs with its readings). */
static void run_step(const scenario *sc, jj_engine *e, size_t k) {
  const step *s = &sc->steps[k];
  const series_def *d = &sc->series[s->series];
  if (k == 0 || sc->steps[k - 1].ts < s->ts) (void)jj_engine_advance(e, s->ts);
  jj_series_id id;
  assert_int_equal(jj_engine_series(e, d->metric, d->labels, d->nlabels, &id), JJ_OK);
  (void)jj_engine_push(e, id, s->ts, s->value); /* a quality gate may drop it */
}

static jj_engine *new_engine(jj_ruleset *rs, st_events *ev) {
  jj_engine_config cfg;
  jj_engine_config_init(&cfg);
  cfg.on_event = st_on_event;
  cfg.on_event_ctx = ev;
  cfg.flags = JJ_ENGINE_NO_QUEUE;
  jj_engine *e = NULL;
  assert_int_equal(jj_engine_new(rs, &cfg, NULL, &e), JJ_OK);
  return e;
}

typedef struct checkpoint {
  unsigned char *snap;
  size_t size;
  size_t nevents; /* events the uninterrupted run had made before this step */
} checkpoint;

static uint64_t lcg(uint64_t *s) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return *s >> 33;
}

/* Cut before each step in cuts[] and compare `horizon` steps on (or to the
 * end for the first `full` cuts). */
static void restart_anywhere(const scenario *sc, size_t *cuts, size_t ncuts, size_t horizon,
                             size_t full) {
  jj_ruleset *rs = st_load_rules(sc->files, sc->nfiles);
  assert_non_null(rs);
  st_events ref = {0};
  jj_engine *e = new_engine(rs, &ref);
  jj_ruleset_free(rs);
  /* The uninterrupted run, with a snapshot before every step that is a
   * cut or a cut's horizon. */
  checkpoint *cp = calloc(sc->nsteps + 1, sizeof *cp);
  unsigned char *want = calloc(sc->nsteps + 1, 1);
  assert_non_null(cp);
  assert_non_null(want);
  for (size_t i = 0; i < ncuts; i++) {
    want[cuts[i]] = 1;
    want[cuts[i] + horizon < sc->nsteps ? cuts[i] + horizon : sc->nsteps] = 1;
  }
  for (size_t k = 0; k <= sc->nsteps; k++) {
    if (want[k]) {
      cp[k].snap = st_snapshot(e, &cp[k].size);
      assert_non_null(cp[k].snap);
      cp[k].nevents = ref.n;
    }
    if (k == sc->nsteps) break;
    ref.cur_step = k;
    run_step(sc, e, k);
  }
  jj_engine_free(e);
  size_t fired = 0, resolved = 0;
  for (size_t i = 0; i < ref.n; i++) {
    fired += ref.kind[i] == JJ_EVENT_FIRED;
    resolved += ref.kind[i] == JJ_EVENT_RESOLVED;
  }
  assert_true(fired > 0 && resolved > 0); /* the cuts land in real episodes */

  st_events got = {0};
  for (size_t i = 0; i < ncuts; i++) {
    const size_t c = cuts[i];
    size_t end = i < full ? sc->nsteps : c + horizon < sc->nsteps ? c + horizon : sc->nsteps;
    jj_ruleset *rs2 = st_load_rules(sc->files, sc->nfiles); /* a restarted process */
    assert_non_null(rs2);
    jj_engine *e2 = new_engine(rs2, &got);
    jj_ruleset_free(rs2);
    jj_restore_report rep;
    jj_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(jj_engine_restore(e2, cp[c].snap, cp[c].size, &rep, &err), JJ_OK);
    assert_int_equal(rep.rules_changed + rep.rules_removed + rep.rules_added, 0);
    assert_int_equal(rep.alerts_ended, 0);
    for (size_t k = c; k < end; k++) run_step(sc, e2, k);
    const size_t from = cp[c].nevents, to = end == sc->nsteps ? ref.n : cp[end].nevents;
    if (got.n != to - from) fprintf(stderr, "cut %zu: %zu events, want %zu\n", c, got.n, to - from);
    assert_int_equal(got.n, to - from);
    for (size_t k = 0; k < got.n; k++) {
      if (strcmp(got.json[k], ref.json[from + k]) != 0)
        fprintf(stderr, "cut %zu event %zu:\n got %s\nwant %s\n", c, k, got.json[k],
                ref.json[from + k]);
      assert_string_equal(got.json[k], ref.json[from + k]);
    }
    if (end < sc->nsteps || want[end]) {
      size_t n;
      unsigned char *snap = st_snapshot(e2, &n);
      assert_non_null(snap);
      assert_int_equal(n, cp[end].size);
      assert_memory_equal(snap, cp[end].snap, n);
      free(snap);
    }
    jj_engine_free(e2);
    st_events_clear(&got);
  }
  st_events_free(&got);
  for (size_t k = 0; k <= sc->nsteps; k++) free(cp[k].snap);
  free(cp);
  free(want);
  st_events_free(&ref);
}

/* Cut points: every step from a little before the first `episodes` fired
 * events of the run to a little after, then random ones. */
static size_t pick_cuts(const scenario *sc, size_t every, size_t before, size_t span,
                        size_t episodes, size_t nrandom, size_t **out) {
  jj_ruleset *rs = st_load_rules(sc->files, sc->nfiles);
  assert_non_null(rs);
  st_events ev = {0};
  jj_engine *e = new_engine(rs, &ev);
  jj_ruleset_free(rs);
  for (size_t k = 0; k < sc->nsteps; k++) {
    ev.cur_step = k;
    run_step(sc, e, k);
  }
  jj_engine_free(e);
  size_t *cuts = calloc(sc->nsteps + 1, sizeof *cuts);
  unsigned char *taken = calloc(sc->nsteps + 1, 1);
  assert_non_null(cuts);
  assert_non_null(taken);
  size_t n = 0, found = 0, last_end = 0;
  for (size_t i = 0; i < ev.n && found < episodes; i++) {
    if (ev.kind[i] != JJ_EVENT_FIRED || ev.step[i] < last_end) continue;
    found++;
    size_t from = ev.step[i] > before ? ev.step[i] - before : 1;
    last_end = from + span < sc->nsteps ? from + span : sc->nsteps;
    for (size_t k = from; k < last_end; k += every)
      if (!taken[k]) taken[k] = 1, cuts[n++] = k;
  }
  if (found != episodes) fprintf(stderr, "events %zu, steps %zu\n", ev.n, sc->nsteps);
  assert_int_equal(found, episodes);
  uint64_t seed = 20240501;
  for (size_t i = 0; i < nrandom; i++) {
    size_t k = 1 + lcg(&seed) % (sc->nsteps - 1);
    if (!taken[k]) taken[k] = 1, cuts[n++] = k;
  }
  free(taken);
  st_events_free(&ev);
  *out = cuts;
  return n;
}

/* ---- Seoul ------------------------------------------------------------------- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static const series_def seoul_series[] = {
    {"pm25", {{"zone", "seoul"}}, 1},
    {"pm10", {{"zone", "seoul"}}, 1},
    {"o3", {{"zone", "seoul"}}, 1},
};

/* The CSV: index, KST time "YYYY-MM-DD HH:MM" labelled by the end of its
 * hour (hour 24 = next day), PM2.5, PM10, O3, ...; missing cells skipped. */
static void load_seoul(scenario *sc) {
  char path[1024];
  snprintf(path, sizeof path, "%s/examples/data/seoul_hourly_cityavg_2018_2022.csv",
           JJ_SOURCE_DIR);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  size_t cap = 1 << 18;
  sc->steps = malloc(cap * sizeof *sc->steps);
  assert_non_null(sc->steps);
  sc->nsteps = 0;
  char line[512];
  assert_non_null(fgets(line, sizeof line, f)); /* header */
  while (fgets(line, sizeof line, f)) {
    int y, mo, d, h, mi, idx, used = 0;
    if (sscanf(line, "%d,%d-%d-%d %d:%d,%n", &idx, &y, &mo, &d, &h, &mi, &used) != 6) continue;
    int64_t ts = (days_from_civil(y, (unsigned)mo, (unsigned)d) * 24 + h - 9 - 1) * 3600000 +
                 (int64_t)mi * 60000;
    const char *p = line + used;
    for (uint32_t col = 0; col < 3; col++) {
      char *end;
      double v = strtod(p, &end);
      if (end != p && (*end == ',' || *end == '\n' || *end == '\r') && sc->nsteps < cap) {
        step s = {ts, col, v};
        sc->steps[sc->nsteps++] = s;
      }
      p = strchr(p, ',');
      if (!p) break;
      p++;
    }
  }
  fclose(f);
  sc->files = city_rules;
  sc->nfiles = 2;
  sc->series = seoul_series;
  sc->nseries = 3;
}

static void test_seoul(void **state) {
  (void)state;
  scenario sc;
  load_seoul(&sc);
  assert_true(sc.nsteps > 100000);
  size_t *cuts;
  /* Steps are readings (three an hour): every third step is every hour. */
  size_t n = pick_cuts(&sc, 3, 3 * 6, 3 * 60, 2, 12, &cuts);
  restart_anywhere(&sc, cuts, n, 3 * 48, 1);
  free(cuts);
  free(sc.steps);
}

/* ---- the fire robot -------------------------------------------------------------- */

static const series_def robot_series[] = {
    {"temperature", {{"robot", "r2"}, {"sensor", "body"}}, 2},
    {"temperature", {{"robot", "r2"}, {"sensor", "camera"}}, 2},
    {"co", {{"robot", "r2"}, {"sensor", "gas"}}, 2},
    {"smoke", {{"robot", "r2"}, {"sensor", "optical"}}, 2},
    {"pm25", {{"robot", "r2"}, {"sensor", "optical"}}, 2},
};

static void test_fire(void **state) {
  (void)state;
  scenario sc;
  sc.files = robot_rules;
  sc.nfiles = 2;
  sc.series = robot_series;
  sc.nseries = JJ_FW_SENSORS;
  /* The episode twice, an hour apart: the second finds state from the first. */
  sc.nsteps = 2 * JJ_FW_SECONDS * JJ_FW_SENSORS;
  sc.steps = malloc(sc.nsteps * sizeof *sc.steps);
  assert_non_null(sc.steps);
  const int64_t t0 = 1714539600000; /* 2024-05-01 14:00 KST, as examples/firmware */
  size_t k = 0;
  for (int rep = 0; rep < 2; rep++) {
    jj_fw_episode ep;
    jj_fw_episode_open(&ep);
    int16_t row[JJ_FW_SENSORS];
    for (int t = 0; jj_fw_episode_row(&ep, row); t++)
      for (uint32_t s = 0; s < JJ_FW_SENSORS; s++) {
        step st = {t0 + rep * 3600000 + (int64_t)t * 1000, s, row[s] / 10.0};
        sc.steps[k++] = st;
      }
    assert_true(jj_fw_episode_check(&ep));
  }
  assert_int_equal(k, sc.nsteps);
  size_t *cuts;
  /* Every other second of the first episode (five readings a second). */
  size_t n = pick_cuts(&sc, 2 * JJ_FW_SENSORS, 30 * JJ_FW_SENSORS, JJ_FW_SECONDS * JJ_FW_SENSORS,
                       1, 20, &cuts);
  restart_anywhere(&sc, cuts, n, 60 * JJ_FW_SENSORS, 3);
  free(cuts);
  free(sc.steps);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fire),
      cmocka_unit_test(test_seoul),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
