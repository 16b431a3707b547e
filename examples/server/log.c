/* Logging with a per-reason rate limit (see log.h). */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "jjair/timefmt.h"
#include "queue.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t interval_ms = 10000;
static int64_t last_ms[SRV_REJ_COUNT];
static uint64_t suppressed[SRV_REJ_COUNT];

void srv_log_set_interval(int64_t ms) {
  (void)pthread_mutex_lock(&mu);
  interval_ms = ms;
  (void)pthread_mutex_unlock(&mu);
}

static void vlog(const char *prefix, const char *fmt, va_list ap) {
  char when[JJ_TIME_TEXT_MAX];
  (void)jj_time_rfc3339(srv_now_ms(), when, sizeof when);
  char msg[1024];
  (void)vsnprintf(msg, sizeof msg, fmt, ap);
  /* one fprintf per line so lines of different threads do not mix */
  (void)fprintf(stderr, "%s jjair-server: %s%s\n", when, prefix, msg);
}

void srv_log(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog("", fmt, ap);
  va_end(ap);
}

void srv_log_reject(srv_reject reason, const char *fmt, ...) {
  if ((unsigned)reason >= SRV_REJ_COUNT) return;
  int64_t now = srv_now_ms();
  (void)pthread_mutex_lock(&mu);
  int quiet = last_ms[reason] != 0 && now - last_ms[reason] < interval_ms;
  uint64_t left_out = suppressed[reason];
  if (quiet) {
    suppressed[reason]++;
  } else {
    last_ms[reason] = now;
    suppressed[reason] = 0;
  }
  (void)pthread_mutex_unlock(&mu);
  if (quiet) return;
  char prefix[96];
  if (left_out)
    (void)snprintf(prefix, sizeof prefix, "rejected (%s; %llu more since the last line): ",
                   srv_reject_name(reason), (unsigned long long)left_out);
  else
    (void)snprintf(prefix, sizeof prefix, "rejected (%s): ", srv_reject_name(reason));
  va_list ap;
  va_start(ap, fmt);
  vlog(prefix, fmt, ap);
  va_end(ap);
}
