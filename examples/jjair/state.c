/* jjair replay's state files (--state-in, --state-out) and rule reloads
 * (--reload-at): thin wrappers over jjair/snapshot.h that report to
 * stderr. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void report(const char *what, const jj_restore_report *r) {
  (void)fprintf(stderr,
                "%s: rules kept %lu, changed %lu, removed %lu, added %lu; series %lu, groups %lu; "
                "alerts ended %lu\n",
                what, (unsigned long)r->rules_kept, (unsigned long)r->rules_changed,
                (unsigned long)r->rules_removed, (unsigned long)r->rules_added,
                (unsigned long)r->series, (unsigned long)r->groups,
                (unsigned long)r->alerts_ended);
}

int cli_state_load(jj_engine *e, const char *path) {
  jj_error err;
  memset(&err, 0, sizeof err);
  jj_restore_report r;
  jj_status st = jj_engine_load(e, path, &r, &err);
  if (st != JJ_OK) {
    (void)fprintf(stderr, "%s: %s (%s)\n", path, err.message, jj_status_name(st));
    return -1;
  }
  report(path, &r);
  return 0;
}

int cli_state_save(jj_engine *e, const char *path) {
  jj_error err;
  memset(&err, 0, sizeof err);
  jj_status st = jj_engine_save(e, path, &err);
  if (st != JJ_OK) {
    (void)fprintf(stderr, "jjair replay: state not saved: %s (%s)\n", err.message,
                  jj_status_name(st));
    return -1;
  }
  return 0;
}

int cli_reload(jj_engine *e, char *const *files, size_t nfiles) {
  jj_ruleset *rs = NULL;
  if (cli_load_rules(files, nfiles, stderr, &rs) != 0) {
    (void)fprintf(stderr, "jjair replay: --reload-at: the new rules did not load; "
                          "the old rules keep running\n");
    return -1;
  }
  jj_error err;
  memset(&err, 0, sizeof err);
  jj_restore_report r;
  jj_status st = jj_engine_reload(e, rs, &r, &err);
  jj_ruleset_free(rs); /* the engine holds its own reference */
  if (st != JJ_OK) {
    (void)fprintf(stderr, "jjair replay: --reload-at: %s (%s); the old rules keep running\n",
                  err.message, jj_status_name(st));
    return -1;
  }
  report("reload", &r);
  return 0;
}
