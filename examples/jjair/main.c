/* jjair — command-line front end of libjjair: check rule files, run rule
 * unit tests, replay CSV data through rules (see `jjair --help`). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* The commands: a new one is one line here (and its cmd_ function in
 * cli.h); the usage text lists them in this order. */
static const struct command {
  const char *name;
  const char *args; /* after the name in the list, e.g. "FILE..." */
  int (*run)(int argc, char **argv);
  const char *summary; /* lines after the first start with 19 spaces */
} commands[] = {
    {"check", "FILE...", cmd_check,
     "load and build rule files; print every problem as\n"
     "                   file:line:column: message (exit 0 when all are valid)"},
    {"test", "FILE...", cmd_test,
     "run rule unit-test files (rules/README.md, \"Rule unit tests\");\n"
     "                   exit 0 only if every test passes"},
    {"replay", "...", cmd_replay, "feed a CSV file through rules and print the events as NDJSON"},
    {"notify", "FILE ...", cmd_notify, "send a test message through a configured notifier"},
    {"compile", "...", cmd_compile, "rule files to a bundle for a device (binary image, C source)"},
};

static void usage(FILE *f) {
  (void)fputs("usage: jjair COMMAND [ARGS]\n\nCommands:\n", f);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    (void)fprintf(f, "  %-7s %-8s %s\n", commands[i].name, commands[i].args, commands[i].summary);
  (void)fprintf(f, "\n`jjair COMMAND --help` describes a command. libjjair %s\n", jj_version());
}

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
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(cmd, "--version") == 0) {
    printf("jjair (libjjair %s)\n", jj_version());
    return 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(cmd, commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
  (void)fprintf(stderr, "jjair: unknown command '%s'\n\n", cmd);
  usage(stderr);
  return 2;
}

int main(int argc, char **argv) { return finish(run(argc, argv)); }
