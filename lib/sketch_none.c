/* The quantile sketch when the build leaves it out (JJ_WITH_SKETCH=OFF):
 * percentile rules are refused (lib/feature_check.c), so no window ever uses
 * it; these only satisfy the linker. */
#include <math.h>

#include "footprint.h"
#include "sketch.h"

void jj__sketch_init(jj_sketch *s, double alpha, double floor) {
  (void)alpha;
  (void)floor;
  s->counts = s->blocks = NULL;
  s->nkeys = 0;
  s->total = 0;
  s->key_max = s->key_lo = 0;
}
void jj__sketch_free(jj_sketch *s, const jj_allocator *a) {
  (void)s;
  (void)a;
}
int jj__sketch_reserve(jj_sketch *s, const jj_allocator *a, int32_t key) {
  (void)s;
  (void)a;
  (void)key;
  return -1;
}
void jj__sketch_clear(jj_sketch *s) { (void)s; }
double jj__sketch_quantile(const jj_sketch *s, double q) {
  (void)s;
  (void)q;
  return NAN;
}
size_t jj__sketch_memory(const jj_sketch *s) {
  (void)s;
  return 0;
}
void jj__sketch_footprint(double alpha, double floor, jj__footprint_fn add, void *ctx) {
  (void)alpha;
  (void)floor;
  (void)add;
  (void)ctx;
}
