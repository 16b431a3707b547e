/* Run-time version, ABI and feature queries: what the running library is,
 * for callers and bindings to compare with what they were built for. */
#include <string.h>

#include "jjair/jjair.h"

const char *jj_version(void) { return JJ_VERSION_STRING; }

unsigned jj_version_num(void) { return JJ_VERSION_NUM; }

int jj_abi_version(void) { return JJ_ABI_VERSION; }

/* Every struct the public headers define, by type name. */
#define JJ_STRUCT(t) {#t, sizeof(t)}
static const struct {
  const char *name;
  size_t size;
} public_structs[] = {
    JJ_STRUCT(jj_allocator),      JJ_STRUCT(jj_error),        JJ_STRUCT(jj_label),
    JJ_STRUCT(jj_event),          JJ_STRUCT(jj_window_config), JJ_STRUCT(jj_window_stats),
    JJ_STRUCT(jj_window_counters), JJ_STRUCT(jj_level_config), JJ_STRUCT(jj_rule_config),
    JJ_STRUCT(jj_engine_config),  JJ_STRUCT(jj_sample),       JJ_STRUCT(jj_engine_stats),
    JJ_STRUCT(jj_alert_state),    JJ_STRUCT(jj_aqi_band),      JJ_STRUCT(jj_rule_stats),
    JJ_STRUCT(jj_notification), JJ_STRUCT(jj_notifier_key),
    JJ_STRUCT(jj_notifier_type),  JJ_STRUCT(jj_dispatcher_config), JJ_STRUCT(jj_notifier_stats),
    JJ_STRUCT(jj_restore_report),
};

size_t jj_struct_size(const char *name) {
  if (!name) return 0;
  for (size_t i = 0; i < sizeof public_structs / sizeof public_structs[0]; i++)
    if (strcmp(public_structs[i].name, name) == 0) return public_structs[i].size;
  return 0;
}

unsigned jj_features(void) {
  unsigned f = 0;
#ifdef JJ_HAVE_YAML
  f |= JJ_FEATURE_YAML;
#endif
#ifdef JJ_HAVE_PCRE2
  f |= JJ_FEATURE_PCRE2;
#endif
#ifdef JJ_HAVE_CURL
  f |= JJ_FEATURE_CURL;
#endif
  return f;
}
