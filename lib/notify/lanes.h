/* Internal: per-recipient policy (README "Notifiers", per-recipient quiet
 * hours and rate limits). A notifier with `recipients` and the settings
 * `recipient_quiet_hours` / `recipient_rate_limit` (a mapping recipient ->
 * "HH:MM-HH:MM" / "COUNT/DURATION" / "none") is split into lanes: one per
 * set of recipients that end up with the same quiet hours and rate limit.
 * Every recipient of a lane gets the same messages at the same times, so
 * the lane's policy state is each of its recipients' own. */
#ifndef JJ_LIB_NOTIFY_LANES_H
#define JJ_LIB_NOTIFY_LANES_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

typedef struct jj__lane_spec {
  char *recipients;      /* the lane's recipients, one per line (owned) */
  char *first;           /* its first recipient (owned) */
  int quiet_start_min, quiet_end_min; /* as jj__policy: -1 = none */
  uint32_t rate_n;       /* 0 = no limit */
  int64_t rate_window_ms;
} jj__lane_spec;

/* Split `recipients` (a list) by the two override mappings (either may be
 * NULL; lines "recipient: value") over the notifier's own policy `base`.
 * Lanes come in the order of their first recipient. 0 and *out / *n; -1
 * with the reason in err (an override for a recipient not in the list, a
 * bad value, a recipient given twice); -2 out of memory. */
int jj__lanes_split(const char *recipients, const char *quiet_map, const char *rate_map,
                    const jj__policy *base, jj__lane_spec **out, uint32_t *n, char *err,
                    size_t errsize);
void jj__lanes_free(jj__lane_spec *lanes, uint32_t n);

#endif
