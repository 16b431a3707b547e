/* Outside consumer of an installed libjjair: checks that the headers it
 * compiled against and the library it runs with agree, and that a real
 * object can be created (pulls in libm through the static library). */
#include <stdio.h>
#include <string.h>

#include <jjair/jjair.h>

int main(void) {
  const char *v = jj_version();
  printf("jj_version() = %s, JJ_VERSION_STRING = %s\n", v ? v : "(null)", JJ_VERSION_STRING);
  if (!v || strcmp(v, JJ_VERSION_STRING) != 0) {
    fprintf(stderr, "FAIL: library version differs from header version\n");
    return 1;
  }
  if (jj_version_num() != (unsigned)JJ_VERSION_NUM) {
    fprintf(stderr, "FAIL: jj_version_num() = %#x, JJ_VERSION_NUM = %#x\n", jj_version_num(),
            (unsigned)JJ_VERSION_NUM);
    return 1;
  }

  jj_window_config cfg;
  jj_window_config_init(&cfg);
  cfg.aggregates = JJ_AGG_ALL;
  jj_window *w = NULL;
  jj_status st = jj_window_new(&cfg, NULL, &w);
  if (st != JJ_OK) {
    fprintf(stderr, "FAIL: jj_window_new: %s\n", jj_strerror(st));
    return 1;
  }
  st = jj_window_push(w, 1000, 4.0);
  if (st == JJ_OK) st = jj_window_push(w, 2000, 16.0);
  double sd = 0.0;
  if (st == JJ_OK) st = jj_window_value(w, JJ_AGG_STDDEV, &sd);
  jj_window_free(w);
  if (st != JJ_OK || !(sd > 5.999999 && sd < 6.000001)) {
    fprintf(stderr, "FAIL: stddev of {4, 16}: status %s, value %g\n", jj_status_name(st), sd);
    return 1;
  }
  printf("OK\n");
  return 0;
}
