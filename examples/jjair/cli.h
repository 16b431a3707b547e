/* jjair CLI — declarations shared by the subcommands (main.c, check.c,
 * test.c, replay.c) and the helpers in util.c.
 *
 * Writes to stdout and stderr ignore their results ((void)): an error stays
 * set on the stream and main() checks stdout once before exiting. */
#ifndef JJAIR_CLI_H
#define JJAIR_CLI_H

#include <jjair/jjair.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int cmd_check(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_notify(int argc, char **argv);
int cmd_compile(int argc, char **argv);

/* ---- util.c -------------------------------------------------------------- */

/* The engine's time limit: it refuses |ts_ms| > 2^62 (engine.h). */
#define CLI_TS_LIMIT ((int64_t)1 << 62)

/* If one of argv[1..argc) is --help or -h: prints `help` to stdout and
 * returns 1 (the command then exits 0). */
int cli_help(int argc, char **argv, const char *help);

/* ISO 8601 "2024-01-01T00:00:00Z", "...+09:00", "2024-01-01 09:00:00+09:00",
 * fractions of a second allowed; no zone = UTC. -1 on error. */
int cli_parse_iso(const char *s, int64_t *ms);
/* A time written as `fmt`: %Y %m %d %H %M %S (1 to 4 or 2 digits), %% and
 * literal text; fields not in fmt are 1970-01-01 00:00:00, hour 24 is the
 * next day. The time is in the zone tz_ms east of UTC. -1 on error. */
int cli_parse_pattern(const char *s, const char *fmt, int64_t tz_ms, int64_t *ms);

/* Load rule files into a fresh builder and build. Every problem is printed
 * to `diag` as "file:line:column: message" (or "file: message"). Returns
 * the number of problems; *out is the ruleset when 0 is returned. */
size_t cli_load_rules(char *const *files, size_t nfiles, FILE *diag, jj_ruleset **out);

/* One event as a single-line JSON object (jj_event_json: every field and
 * the rendered annotations), followed by '\n'. */
void cli_json_event(FILE *f, const jj_event *ev);

/* ---- state.c: engine state files and rule reloads ---------------------- */

/* Restore a fresh engine from a state file; 0, or -1 with the reason printed. */
int cli_state_load(jj_engine *e, const char *path);
/* Save the engine's state to a file (atomically); 0, or -1 with the reason printed. */
int cli_state_save(jj_engine *e, const char *path);
/* Load rule files and reload the engine with them; when they do not load
 * the problems are printed and the engine keeps its rules. 0 or -1. */
int cli_reload(jj_engine *e, char *const *files, size_t nfiles);

/* Render annotation i of ev into a malloc'ed string (NULL on no memory). */
char *cli_render(const jj_event *ev, uint32_t i);

#endif
