/* Logging to stderr, one line per message with the UTC time, and a rate
 * limit for complaints about bad input: per reason at most one line per
 * interval, the next one saying how many were left out (as collectd's
 * utils_complain does), so a broken sensor cannot flood the log. */
#ifndef JJ_SERVER_LOG_H
#define JJ_SERVER_LOG_H

#include <stdint.h>

#include "metrics.h"

/* Minimum time between two lines about the same reason; default 10 s. */
void srv_log_set_interval(int64_t ms);

/* A line: "2026-01-01T00:00:00.123Z jjair-server: <message>". */
void srv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A line about bad input of `reason`, rate limited per reason. */
void srv_log_reject(srv_reject reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
