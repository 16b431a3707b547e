/* jjair notify — send a test message through a configured notifier, so an
 * operator can check endpoints and credentials before an emergency.
 *
 *   jjair notify FILE                 list the notifiers FILE defines
 *   jjair notify FILE NAME [TEXT...]  send TEXT (or a default line) to NAME
 *
 * FILE is a notifier file or a rule file with a `notifiers:` section
 * (README "Notifiers"); secrets come from the environment or files as
 * configured. The message is a life-safety test: no grouping, quiet hours
 * or rate limit. Exit 0 when the notifier accepted it, 1 when it failed,
 * 2 on a usage or configuration error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "usage: jjair notify FILE [NAME [TEXT...]] [--timeout SECONDS]\n"
    "\n"
    "Without NAME: list the notifiers FILE defines. With NAME: send TEXT (default:\n"
    "a line naming the notifier) through it as a test message, wait up to\n"
    "--timeout seconds (default 30) for delivery, retrying as configured, and print\n"
    "the outcome. Exit 0 when delivered, 1 when not, 2 on a usage or file error.\n";

static void log_line(void *ctx, const char *notifier, const char *message) {
  (void)ctx;
  (void)fprintf(stderr, "jjair notify: %s: %s\n", notifier ? notifier : "dispatcher", message);
}

int cmd_notify(int argc, char **argv) {
  if (cli_help(argc, argv, help)) return 0;
  long timeout_s = 30;
  char *args[64];
  int nargs = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
      char *end;
      timeout_s = strtol(argv[++i], &end, 10);
      if (*end || timeout_s <= 0 || timeout_s > 3600) {
        (void)fprintf(stderr, "jjair notify: --timeout takes 1 to 3600 seconds\n");
        return 2;
      }
    } else if (nargs < 64) {
      args[nargs++] = argv[i];
    }
  }
  if (nargs < 1) {
    (void)fputs(help, stderr);
    return 2;
  }
  if (!(jj_features() & JJ_FEATURE_CURL)) {
    (void)fprintf(stderr, "jjair notify: this libjjair was built without notifiers "
                          "(-DJJ_WITH_CURL=ON)\n");
    return 2;
  }
  jj_dispatcher_config dc;
  jj_dispatcher_config_init(&dc);
  dc.log = log_line;
  dc.retry_initial_ms = 1000;
  dc.retry_max_ms = 5000;
  jj_dispatcher *d = NULL;
  jj_error err;
  if (jj_dispatcher_new(&dc, &d, &err) != JJ_OK) {
    (void)fprintf(stderr, "jjair notify: %s\n", err.message);
    return 2;
  }
  jj_error errs[16];
  size_t nerrs = 0;
  if (jj_dispatcher_load_file(d, args[0], errs, 16, &nerrs) != JJ_OK) {
    for (size_t i = 0; i < nerrs && i < 16; i++) {
      if (errs[i].line)
        (void)fprintf(stderr, "%s:%d:%d: %s\n", errs[i].file, errs[i].line, errs[i].column,
                      errs[i].message);
      else (void)fprintf(stderr, "%s: %s\n", errs[i].file, errs[i].message);
    }
    jj_dispatcher_free(d);
    return 2;
  }
  if (nargs == 1) {
    for (uint32_t i = 0; i < jj_dispatcher_notifier_count(d); i++)
      printf("%s\n", jj_dispatcher_notifier_name(d, i));
    jj_dispatcher_free(d);
    return 0;
  }
  const char *name = args[1];
  char text[1024];
  size_t len = 0;
  text[0] = '\0';
  for (int i = 2; i < nargs; i++) {
    int n = snprintf(text + len, sizeof text - len, "%s%s", i > 2 ? " " : "", args[i]);
    if (n < 0 || (size_t)n >= sizeof text - len) break;
    len += (size_t)n;
  }
  if (nargs == 2)
    (void)snprintf(text, sizeof text, "[jjair] test message through notifier %s", name);
  jj_status st = jj_dispatcher_send_test(d, name, text);
  if (st == JJ_ENOTFOUND) {
    (void)fprintf(stderr, "jjair notify: %s defines no notifier '%s' (it has:", args[0], name);
    for (uint32_t i = 0; i < jj_dispatcher_notifier_count(d); i++)
      (void)fprintf(stderr, " %s", jj_dispatcher_notifier_name(d, i));
    (void)fprintf(stderr, ")\n");
    jj_dispatcher_free(d);
    return 2;
  }
  int rc = 1;
  if (st == JJ_OK) {
    (void)jj_dispatcher_drain(d, (int)(timeout_s * 1000));
    jj_notifier_stats ns;
    if (jj_dispatcher_stats(d, name, &ns) == JJ_OK) {
      if (ns.sent == 1) {
        printf("%s: sent\n", name);
        rc = 0;
      } else if (ns.failed) {
        printf("%s: failed: %s\n", name, ns.last_error);
      } else {
        printf("%s: not delivered within %ld s (%llu retries): %s\n", name, timeout_s,
               (unsigned long long)ns.retried, ns.last_error);
      }
    }
  } else {
    (void)fprintf(stderr, "jjair notify: %s\n", jj_strerror(st));
  }
  jj_dispatcher_free(d);
  return rc;
}
