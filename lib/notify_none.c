/* The notifier API in a library built without it (JJ_WITH_CURL off): every
 * function exists, so programs and bindings link against any build, and
 * says JJ_ENOTSUP (see jj_features). */
#include <string.h>

#include "errfmt.h"
#include "jjair/notify.h"

#define NO_CURL "this libjjair was built without notifiers (JJ_WITH_CURL=OFF)"

const char *jj_notifier_setting(const jj_notifier_settings *s, const char *key) {
  (void)s, (void)key;
  return NULL;
}
const char *jj_notifier_settings_name(const jj_notifier_settings *s) {
  (void)s;
  return NULL;
}
void jj_dispatcher_config_init(jj_dispatcher_config *cfg) {
  if (!cfg) return;
  memset(cfg, 0, sizeof *cfg);
  cfg->size = sizeof *cfg;
}
jj_status jj_dispatcher_new(const jj_dispatcher_config *cfg, jj_dispatcher **out,
                            jj_error *err) {
  (void)cfg;
  if (out) *out = NULL;
  return jj__fail(err, JJ_ENOTSUP, NO_CURL);
}
void jj_dispatcher_free(jj_dispatcher *d) { (void)d; }
jj_status jj_dispatcher_register_type(jj_dispatcher *d, const jj_notifier_type *type,
                                      jj_error *err) {
  (void)d, (void)type;
  return jj__fail(err, JJ_ENOTSUP, NO_CURL);
}
jj_status jj_dispatcher_add_notifier(jj_dispatcher *d, const char *name, const char *type,
                                     const char *const *keys, const char *const *values,
                                     uint32_t n, jj_error *err) {
  (void)d, (void)name, (void)type, (void)keys, (void)values, (void)n;
  return jj__fail(err, JJ_ENOTSUP, NO_CURL);
}
jj_status jj_dispatcher_load_string(jj_dispatcher *d, const char *yaml, size_t len,
                                    const char *name, jj_error *errs, size_t max_errs,
                                    size_t *nerrs) {
  (void)d, (void)yaml, (void)len, (void)name;
  if (errs && max_errs) (void)jj__fail(errs, JJ_ENOTSUP, NO_CURL);
  if (nerrs) *nerrs = 1;
  return JJ_ENOTSUP;
}
jj_status jj_dispatcher_load_file(jj_dispatcher *d, const char *path, jj_error *errs,
                                  size_t max_errs, size_t *nerrs) {
  return jj_dispatcher_load_string(d, NULL, 0, path, errs, max_errs, nerrs);
}
jj_status jj_dispatcher_enqueue(jj_dispatcher *d, const jj_event *ev) {
  (void)d, (void)ev;
  return JJ_ENOTSUP;
}
void jj_dispatcher_on_event(void *dispatcher, const jj_event *ev) { (void)dispatcher, (void)ev; }
jj_status jj_dispatcher_send_test(jj_dispatcher *d, const char *name, const char *text) {
  (void)d, (void)name, (void)text;
  return JJ_ENOTSUP;
}
jj_status jj_dispatcher_poll(jj_dispatcher *d, int timeout_ms) {
  (void)d, (void)timeout_ms;
  return JJ_ENOTSUP;
}
jj_status jj_dispatcher_start(jj_dispatcher *d) {
  (void)d;
  return JJ_ENOTSUP;
}
jj_status jj_dispatcher_stop(jj_dispatcher *d) {
  (void)d;
  return JJ_ENOTSUP;
}
jj_status jj_dispatcher_drain(jj_dispatcher *d, int timeout_ms) {
  (void)d, (void)timeout_ms;
  return JJ_ENOTSUP;
}
uint32_t jj_dispatcher_notifier_count(const jj_dispatcher *d) {
  (void)d;
  return 0;
}
const char *jj_dispatcher_notifier_name(const jj_dispatcher *d, uint32_t i) {
  (void)d, (void)i;
  return NULL;
}
jj_status jj_dispatcher_stats(jj_dispatcher *d, const char *name, jj_notifier_stats *out) {
  (void)d, (void)name, (void)out;
  return JJ_ENOTSUP;
}
uint64_t jj_dispatcher_outbox_damage(const jj_dispatcher *d) {
  (void)d;
  return 0;
}
jj_status jj_sms_euckr_length(const char *text, size_t *out) {
  (void)text, (void)out;
  return JJ_ENOTSUP;
}
