/* Annotation templates when the build leaves them out
 * (JJ_WITH_TEMPLATES=OFF): rules with annotations are refused
 * (lib/feature_check.c), so there is never a template to render. */
#include "template.h"
#include "strfmt.h"

int jj__template_check(const char *tmpl, char *why, size_t n) {
  (void)tmpl;
  (void)jj__format(why, n, "templates are left out of this build (-DJJ_WITH_TEMPLATES=ON)");
  return -1;
}

void jj__template_emit(const char *tmpl, const jj_event *ev, jj__put_fn fn, void *ctx) {
  (void)tmpl;
  (void)ev;
  (void)fn;
  (void)ctx;
}

size_t jj__template_render(const char *tmpl, const jj_event *ev, char *buf, size_t size) {
  (void)tmpl;
  (void)ev;
  if (size) buf[0] = '\0';
  return 0;
}
