/* jjair replay without the NDJSON and line protocol readers (built
 * without jansson): the options exist and say why they cannot work. */
#include "replay_readings.h"

int replay_readings_available(void) { return 0; }

int replay_precision_ok(const char *text) {
  (void)text;
  return -1;
}

int replay_readings(FILE *f, const char *name, replay_input kind, const char *precision,
                    jj_engine *e, replay_out *o, replay_totals *t) {
  (void)f;
  (void)kind;
  (void)precision;
  (void)e;
  (void)o;
  (void)t;
  (void)fprintf(stderr, "%s: this jjair was built without jansson (libjansson-dev): it reads "
                        "CSV only\n",
                name);
  return 1;
}
