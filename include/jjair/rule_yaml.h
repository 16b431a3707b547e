/* libjjair — loading rules from YAML files (optional part: JJ_WITH_YAML).
 *
 * The format is described in rules/README.md. Loading validates the whole
 * file set in one pass and reports every problem with file, line and
 * column (1-based) and a message a person can act on: the file's own
 * mistakes and the builder's checks of each rule (levels, regexes,
 * templates) together, sorted by file (in the order they were read), line
 * and column, each problem once (a check that depends on a setting already
 * reported is skipped). It never crashes on any input. Rules are added to a
 * builder (see rule.h), so files can be combined with rules built in C,
 * and jj_ruleset_builder_build() does the final cross-checks (the sources
 * of a rules group).
 *
 * Memory: everything the loader allocates goes through the builder's
 * allocator (libyaml's own parser buffers excepted: libyaml has no
 * allocator hook) and is freed before the call returns.
 *
 * Both functions exist in every build; in a library built without the
 * loader they return JJ_ENOTSUP with the reason in errs[0].
 *
 * Thread-safety: the calls touch only their arguments. */
#ifndef JJAIR_RULE_YAML_H
#define JJAIR_RULE_YAML_H

#include <stddef.h>

#include "jjair/error.h"
#include "jjair/export.h"
#include "jjair/rule.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parse the YAML text `yaml` (`len` bytes; `name` is the file name used in
 * errors and to resolve `include:` paths, may be NULL) and add its rules to
 * `b`. Up to `max_errs` problems are written to `errs` (may be NULL when
 * max_errs is 0), in the order above (running out of memory first), and
 * their total count to *nerrs (may be NULL). Returns JJ_OK, or the code of
 * the first problem written (JJ_EINVAL for any mistake in the file,
 * JJ_ENOMEM, JJ_ENOTFOUND for a missing include, JJ_ENOTSUP without the
 * loader); on failure no rule of the file is added. */
JJ_API jj_status jj_rules_load_string(jj_ruleset_builder *b, const char *yaml, size_t len,
                                      const char *name, jj_error *errs, size_t max_errs,
                                      size_t *nerrs);

/* The same for a file. A file that cannot be read gives JJ_ENOTFOUND with
 * the reason in errs[0]. */
JJ_API jj_status jj_rules_load_file(jj_ruleset_builder *b, const char *path, jj_error *errs,
                                    size_t max_errs, size_t *nerrs);

#ifdef __cplusplus
}
#endif

#endif
