/* jjair check — load and build rule files, report every problem. */
#include <stdio.h>

#include "cli.h"

static const char help[] =
    "usage: jjair check FILE...\n"
    "\n"
    "Loads every rule file (with its includes), builds the ruleset and prints\n"
    "each problem as file:line:column: message. Each file is also built on its\n"
    "own, so a rule clash between files is reported too. Prints a summary of\n"
    "the rules on success. Exit status: 0 all valid, 1 problems, 2 bad usage.\n";

int cmd_check(int argc, char **argv) {
  if (argc < 2) {
    (void)fputs(help, stderr);
    return 2;
  }
  if (cli_help(argc, argv, help)) return 0;
  size_t problems = 0;
  for (int i = 1; i < argc; i++) {
    jj_ruleset *rs = NULL;
    size_t p = cli_load_rules(argv + i, 1, stderr, &rs);
    problems += p;
    if (p == 0) {
      printf("%s: %u rule%s OK\n", argv[i], jj_ruleset_rule_count(rs),
             jj_ruleset_rule_count(rs) == 1 ? "" : "s");
      jj_ruleset_free(rs);
    }
  }
  if (argc > 2 && problems == 0) { /* together: duplicate rule names across files */
    jj_ruleset *rs = NULL;
    problems += cli_load_rules(argv + 1, (size_t)argc - 1, stderr, &rs);
    jj_ruleset_free(rs);
  }
  if (problems) {
    (void)fprintf(stderr, "%zu problem%s\n", problems, problems == 1 ? "" : "s");
    return 1;
  }
  return 0;
}
