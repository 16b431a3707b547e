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
    "\n"
    "`jjair COMMAND --help` describes a command. libjjair %s\n";

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, usage, jj_version());
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
  fprintf(stderr, "jjair: unknown command '%s'\n\n", cmd);
  fprintf(stderr, usage, jj_version());
  return 2;
}
