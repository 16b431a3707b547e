/* Notifier YAML loading in a library built without the YAML loader
 * (JJ_WITH_YAML off): the functions exist and say why they cannot work. */
#include "errfmt.h"
#include "jjair/notify.h"

static jj_status no_yaml(jj_error *errs, size_t max_errs, size_t *nerrs) {
  if (errs && max_errs)
    (void)jj__fail(errs, JJ_ENOTSUP, "this libjjair was built without the YAML loader "
                                     "(JJ_WITH_YAML=OFF); add notifiers with "
                                     "jj_dispatcher_add_notifier");
  if (nerrs) *nerrs = 1;
  return JJ_ENOTSUP;
}

jj_status jj_dispatcher_load_string(jj_dispatcher *d, const char *yaml, size_t len,
                                    const char *name, jj_error *errs, size_t max_errs,
                                    size_t *nerrs) {
  (void)d, (void)yaml, (void)len, (void)name;
  return no_yaml(errs, max_errs, nerrs);
}

jj_status jj_dispatcher_load_file(jj_dispatcher *d, const char *path, jj_error *errs,
                                  size_t max_errs, size_t *nerrs) {
  (void)d, (void)path;
  return no_yaml(errs, max_errs, nerrs);
}
