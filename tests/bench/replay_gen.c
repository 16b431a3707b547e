/* Data generator of the replay benchmark: STATIONS stations, one row per
 * station per minute for DAYS days from 2024-01-01T00:00:00Z, as CSV
 *   time,station,zone,pm25,pm10
 * on stdout. Deterministic (a fixed LCG), so every run writes the same
 * bytes. PM2.5 is a mean-reverting walk with pollution episodes (so the
 * rules in replay_rules.yaml fire and clear), PM10 follows it; about 1 % of
 * cells are missing ("-", "NA" or empty) as in the Korean portals' data.
 *   replay_gen [STATIONS [DAYS]] > data.csv      (default 100 365) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t rng = 0x9E3779B97F4A7C15u;

static double uniform(void) { /* [0, 1) */
  rng = rng * 6364136223846793005u + 1442695040888963407u;
  return (double)(rng >> 11) * (1.0 / 9007199254740992.0);
}

/* "12.3", "-", "NA" or "" */
static void cell(char *buf, size_t n, double v) {
  double u = uniform();
  if (u < 0.005)
    (void)snprintf(buf, n, "-");
  else if (u < 0.008)
    (void)snprintf(buf, n, "NA");
  else if (u < 0.01)
    buf[0] = '\0';
  else
    (void)snprintf(buf, n, "%.1f", v < 0 ? 0 : v);
}

int main(int argc, char **argv) {
  int stations = argc > 1 ? atoi(argv[1]) : 100;
  int days = argc > 2 ? atoi(argv[2]) : 365;
  if (stations < 1 || stations > 100000 || days < 1 || days > 3660) {
    (void)fputs("usage: replay_gen [STATIONS [DAYS]]\n", stderr);
    return 2;
  }
  double *level = calloc((size_t)stations, sizeof *level);
  double *episode = calloc((size_t)stations, sizeof *episode);
  if (!level || !episode) return 1;
  for (int s = 0; s < stations; s++) level[s] = 20 + 20 * uniform();
  static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}; /* 2024 */
  int year = 2024, month = 0, mday = 1;
  (void)fputs("time,station,zone,pm25,pm10\n", stdout);
  for (int d = 0; d < days; d++) {
    for (int minute = 0; minute < 1440; minute++) {
      char t[64];
      (void)snprintf(t, sizeof t, "%04d-%02d-%02dT%02d:%02d:00Z", year, month + 1, mday,
                     minute / 60, minute % 60);
      for (int s = 0; s < stations; s++) {
        /* an episode starts about twice a month per station, lasts hours */
        if (episode[s] <= 0 && uniform() < 1.0 / (15 * 1440)) episode[s] = 60 + 400 * uniform();
        double target = episode[s] > 0 ? 110 : 25;
        if (episode[s] > 0) episode[s] -= 1;
        level[s] += 0.02 * (target - level[s]) + 3 * (uniform() - 0.5);
        char a[16], b[16];
        cell(a, sizeof a, level[s]);
        cell(b, sizeof b, level[s] * 1.7 + 10 * uniform());
        printf("%s,st%04d,zone%d,%s,%s\n", t, s, s % 8, a, b);
      }
    }
    if (++mday > mdays[month % 12]) {
      mday = 1;
      if (++month == 12) {
        month = 0;
        year++;
      }
    }
  }
  free(level);
  free(episode);
  return fflush(stdout) != 0;
}
