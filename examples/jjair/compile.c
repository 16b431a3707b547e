/* jjair compile — rule files to a bundle for the device (jjair/bundle.h):
 * a binary image and/or C source holding it as a constant array, or the
 * rules as constant records used in place (-s). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "usage: jjair compile [-o IMAGE] [-c SOURCE] [-s SOURCE] [-n NAME] [-p PERIOD] FILE...\n"
    "\n"
    "Loads and builds the rule files (as `jjair check` does) and writes the\n"
    "ruleset as a bundle for a device, which loads it with jj_bundle_load --\n"
    "no YAML parser and no rule builder on the device:\n"
    "  -o IMAGE    the binary image (versioned, checksummed)\n"
    "  -c SOURCE   C source defining `const unsigned char NAME[]` (the image)\n"
    "              and `const size_t NAME_size`\n"
    "  -s SOURCE   C source defining `const jj_static_rules NAME`: the rules as\n"
    "              constant records, which jj_bundle_load_rules uses in place\n"
    "              (no copy in RAM); compile it with the library's lib/ directory\n"
    "              on the include path, against this version of the library\n"
    "  -n NAME     the C name (default jj_rules_bundle)\n"
    "  -p PERIOD   the device's sampling period (e.g. 1s): sliding windows are\n"
    "              preallocated for it, so pushing allocates nothing\n"
    "At least one of -o, -c and -s. Exit status: 0 written, 1 problems, 2 bad usage.\n";

static int write_image(const char *path, const unsigned char *b, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
    (void)fprintf(stderr, "jjair compile: cannot write %s\n", path);
    return 1;
  }
  return 0;
}

static int write_source(const char *path, const char *name, const unsigned char *b, size_t n,
                        char *const *files, size_t nfiles) {
  FILE *f = fopen(path, "w");
  if (!f) {
    (void)fprintf(stderr, "jjair compile: cannot write %s\n", path);
    return 1;
  }
  (void)fprintf(f, "/* A libjjair rule bundle made by `jjair compile` (libjjair %s) from:\n",
                jj_version());
  for (size_t i = 0; i < nfiles; i++) (void)fprintf(f, " *   %s\n", files[i]);
  (void)fprintf(f,
                " * Load it with jj_bundle_load_static(%s, %s_size, ...) (strings used in\n"
                " * place) or jj_bundle_load (copied). Do not edit. */\n",
                name, name);
  (void)fprintf(f, "#include <stddef.h>\n\n");
  (void)fprintf(f, "extern const unsigned char %s[];\nextern const size_t %s_size;\n\n", name, name);
  (void)fprintf(f, "/* 8-byte aligned like any malloc'ed image. */\n");
  (void)fprintf(f, "_Alignas(8) const unsigned char %s[%zu] = {", name, n);
  for (size_t i = 0; i < n; i++) (void)fprintf(f, "%s0x%02x,", i % 12 ? " " : "\n  ", b[i]);
  (void)fprintf(f, "\n};\nconst size_t %s_size = %zu;\n", name, n);
  if (fclose(f) != 0) {
    (void)fprintf(stderr, "jjair compile: cannot write %s\n", path);
    return 1;
  }
  return 0;
}

/* The rules as constant records (jj_bundle_write_source). */
static int write_records(const char *path, const jj_ruleset *rs, int64_t period_ms,
                         const char *name) {
  size_t n = 0;
  jj_status st = jj_bundle_write_source(rs, period_ms, name, NULL, 0, &n);
  char *text = st == JJ_EFULL ? malloc(n + 1) : NULL;
  if (text) st = jj_bundle_write_source(rs, period_ms, name, text, n + 1, &n);
  if (st != JJ_OK) {
    (void)fprintf(stderr, "jjair compile: -s: %s%s\n", jj_strerror(st),
                  st == JJ_EINVAL ? " (is -n a C identifier?)"
                  : st == JJ_ENOTSUP ? " (a rule with a regex label matcher)" : "");
    free(text);
    return 1;
  }
  FILE *f = fopen(path, "w");
  int rc = !f || fputs(text, f) == EOF;
  if (f && fclose(f) != 0) rc = 1;
  if (rc) (void)fprintf(stderr, "jjair compile: cannot write %s\n", path);
  free(text);
  return rc;
}

int cmd_compile(int argc, char **argv) {
  if (cli_help(argc, argv, help)) return 0;
  const char *image = NULL, *source = NULL, *records = NULL, *name = "jj_rules_bundle";
  int64_t period_ms = 0;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *opt = argv[i];
    if (i + 1 >= argc) break;
    if (strcmp(opt, "-o") == 0)
      image = argv[++i];
    else if (strcmp(opt, "-c") == 0)
      source = argv[++i];
    else if (strcmp(opt, "-s") == 0)
      records = argv[++i];
    else if (strcmp(opt, "-n") == 0)
      name = argv[++i];
    else if (strcmp(opt, "-p") == 0) {
      ++i;
      if (jj_duration_parse(argv[i], strlen(argv[i]), &period_ms, NULL) != JJ_OK || period_ms <= 0) {
        (void)fprintf(stderr, "jjair compile: -p: bad period '%s' (e.g. 1s, 500ms)\n", argv[i]);
        return 2;
      }
    }
    else
      break;
  }
  if (i >= argc || (!image && !source && !records) || argv[i][0] == '-') {
    (void)fputs(help, stderr);
    return 2;
  }
  jj_ruleset *rs = NULL;
  size_t nfiles = (size_t)(argc - i);
  if (cli_load_rules(argv + i, nfiles, stderr, &rs) != 0) return 1;
  size_t n = 0;
  jj_error err;
  if (jj_bundle_check(rs, &err) != JJ_OK) {
    (void)fprintf(stderr, "jjair compile: %s\n", err.message);
    jj_ruleset_free(rs);
    return 1;
  }
  (void)jj_bundle_write(rs, period_ms, NULL, 0, &n);
  unsigned char *b = malloc(n);
  int rc = 1;
  if (b && jj_bundle_write(rs, period_ms, b, n, &n) == JJ_OK) {
    rc = 0;
    if (image) rc |= write_image(image, b, n);
    if (source) rc |= write_source(source, name, b, n, argv + i, nfiles);
    if (records) rc |= write_records(records, rs, period_ms, name);
  } else {
    (void)fputs("jjair compile: out of memory\n", stderr);
  }
  if (rc == 0)
    (void)fprintf(stderr, "jjair compile: %u rules, %zu bytes\n", jj_ruleset_rule_count(rs), n);
  free(b);
  jj_ruleset_free(rs);
  return rc;
}
