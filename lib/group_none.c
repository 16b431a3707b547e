/* Group rules when the build leaves them out (JJ_WITH_GROUPS=OFF): group
 * rules are refused (lib/feature_check.c), so no series ever joins a group and
 * no group exists; these only satisfy the linker. */
#include "footprint.h"
#include "group.h"
#include "group_deadline.h"

jj_status jj__group_join(jj_engine *e, uint32_t ri, jj_series *s, jj_inst *inst) {
  (void)e;
  (void)ri;
  (void)s;
  (void)inst;
  return JJ_ENOTSUP;
}
void jj__group_eval_sliding(jj_engine *e, jj_group *g, int fresh, jj_series *cause,
                            int64_t sample_ts, double sample_value) {
  (void)e;
  (void)g;
  (void)fresh;
  (void)cause;
  (void)sample_ts;
  (void)sample_value;
}
void jj__group_window(jj_engine *e, jj_inst *inst, jj_series *s, const jj_window_stats *ws,
                      int64_t sample_ts, double sample_value) {
  (void)e;
  (void)inst;
  (void)s;
  (void)ws;
  (void)sample_ts;
  (void)sample_value;
}
void jj__group_freshen(jj_engine *e, jj_group *g, int64_t sample_ts, double sample_value) {
  (void)e;
  (void)g;
  (void)sample_ts;
  (void)sample_value;
}
void jj__group_advance(jj_engine *e, jj_group *g) {
  (void)e;
  (void)g;
}
jj_status jj__group_feed(jj_engine *e, jj_series *s, jj_inst *inst) {
  (void)e;
  (void)s;
  (void)inst;
  return JJ_OK;
}
void jj__group_source_changed(jj_engine *e, jj_series *s, const jj_inst *in, int old_level,
                              int new_level, int64_t sample_ts, double sample_value) {
  (void)e;
  (void)s;
  (void)in;
  (void)old_level;
  (void)new_level;
  (void)sample_ts;
  (void)sample_value;
}
void jj__group_source_value(jj_engine *e, jj_series *s, const jj_inst *in, double value,
                            int valid, int64_t sample_ts, double sample_value) {
  (void)e;
  (void)s;
  (void)in;
  (void)value;
  (void)valid;
  (void)sample_ts;
  (void)sample_value;
}
void jj__group_leave(jj_engine *e, jj_series *s, int quiet) {
  (void)e;
  (void)s;
  (void)quiet;
}
void jj__group_free(jj_engine *e, jj_group *g) {
  (void)e;
  (void)g;
}

size_t jj__group_bytes(const jj_rule *r, const char *const *values) {
  (void)r;
  (void)values;
  return 0;
}

jj_status jj__group_make(jj_engine *e, uint32_t ri, const char *const *values, jj_group **out) {
  (void)e;
  (void)ri;
  (void)values;
  *out = NULL;
  return JJ_ENOTSUP;
}

/* No group ever exists: the groups' deadline index (group_deadline.h) has
 * nothing to hold. */
void jj__group_touch(jj_engine *e, jj_group *g) {
  (void)e;
  (void)g;
}
void jj__group_sync(jj_engine *e, jj_group *g) {
  (void)e;
  (void)g;
}
void jj__groups_catch_up(jj_engine *e) { (void)e; }
void jj__groups_advance(jj_engine *e) { (void)e; }
void jj__group_due_rebuild(jj_engine *e) { (void)e; }
void jj__group_due_free(const jj_allocator *alc, jj_group_deadlines *gd) {
  (void)alc;
  (void)gd;
}
size_t jj__group_due_footprint(uint32_t made) {
  (void)made;
  return 0;
}
