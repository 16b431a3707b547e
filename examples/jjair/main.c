/* jjair — command-line front end of libjjair: check rule files, run rule
 * unit tests, replay CSV data through rules (see `jjair --help`). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: jjair COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  check FILE...    load and build rule files; print every problem as\n"
    "                   file:line:column: message (exit 0 when all are valid)\n"
    "  test FILE...     run rule unit-test files (rules/README.md, \"Rule unit tests\");\n"
    "                   exit 0 only if every test passes\n"
    "  replay ...       feed a CSV file through rules and print the events as NDJSON\n"
    "  compile ...      rule files to a bundle for a device (binary image, C source)\n"
    "\n"
    "`jjair COMMAND --help` describes a command. libjjair %s\n";

/* The commands ignore what their writes return: a write error stays set on
 * the stream, so stdout is checked once here (a full disk or a closed pipe
 * must not look like success). */
static int finish(int status) {
  if (fflush(stdout) != 0 || ferror(stdout)) {
    (void)fputs("jjair: error writing the output\n", stderr);
    return status ? status : 1;
  }
  return status;
}

static int run(int argc, char **argv) {
  if (argc < 2) {
    (void)fprintf(stderr, usage, jj_version());
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    printf(usage, jj_version());
    return 0;
  }
  if (strcmp(cmd, "--version") == 0) {
    printf("jjair (libjjair %s)\n", jj_version());
    return 0;
  }
  if (strcmp(cmd, "check") == 0) return cmd_check(argc - 1, argv + 1);
  if (strcmp(cmd, "test") == 0) return cmd_test(argc - 1, argv + 1);
  if (strcmp(cmd, "replay") == 0) return cmd_replay(argc - 1, argv + 1);
  if (strcmp(cmd, "compile") == 0) return cmd_compile(argc - 1, argv + 1);
  (void)fprintf(stderr, "jjair: unknown command '%s'\n\n", cmd);
  (void)fprintf(stderr, usage, jj_version());
  return 2;
}

int main(int argc, char **argv) { return finish(run(argc, argv)); }
