/* libjjair — rule bundles: a compiled ruleset as a flat image for devices.
 *
 * `jjair compile` (or jj_bundle_write) turns a ruleset built on the host
 * (from YAML) into a bundle: a versioned, checksummed byte image. The
 * device links no YAML parser and no builder; jj_bundle_load validates an
 * image (magic, version, sizes, bounds, checksum) and makes a ruleset from
 * it, which engines use exactly as one built on the host: the host and the
 * device evaluate the same bundle identically.
 *
 * Image layout (little-endian): "JJRB", u32 format version, u32 total
 * size, u32 rule count, u32 CRC-32 (IEEE) of the bytes after this 20-byte
 * header; then each rule's fields in a fixed order (lib/bundle_write.c),
 * each a LEB128 varint (signed ones zigzag, doubles by their bits
 * byte-reversed), strings as length + 1 (0 = none), bytes and a NUL. */
#ifndef JJAIR_BUNDLE_H
#define JJAIR_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "jjair/alloc.h"
#include "jjair/error.h"
#include "jjair/export.h"
#include "jjair/rule.h"
#include "jjair/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define JJ_BUNDLE_VERSION 4u /* 2: rules carry life_safety; 3: strings end in NUL;
                                4: fields as varints (about half the size) */

/* Write `rs` as a bundle image into buf[0..size). *needed (required) gets
 * the image's size; when it is larger than `size` nothing is written and
 * the result is JJ_EFULL (call with size 0 to ask). sample_period_ms > 0
 * states the device's sampling period: every SLIDING_TIME window is then
 * written preallocated for span / period + 2 samples (or its own
 * max_samples when smaller), so the device allocates all window memory when a series is
 * created and nothing while pushing (a faster series gets JJ_EFULL). 0
 * writes the windows as configured. JJ_EINVAL when rs or needed is NULL or
 * the period is negative; JJ_ENOTSUP when a rule judges an index (aqi.h:
 * jj_ruleset_builder_set_index, JJ_GROUP_CAI), which bundles cannot carry
 * yet. Thread-safe (the ruleset is immutable). */
JJ_API jj_status jj_bundle_write(const jj_ruleset *rs, int64_t sample_period_ms, void *buf,
                                 size_t size, size_t *needed);

/* Whether jj_bundle_write can carry every rule of `rs`: JJ_OK, or
 * JJ_ENOTSUP with `err` (may be NULL) naming the first rule it cannot and
 * why (an index table or a cai group, see jj_bundle_write); JJ_EINVAL for
 * a NULL ruleset. Thread-safe. */
JJ_API jj_status jj_bundle_check(const jj_ruleset *rs, jj_error *err);

/* Check `image` (size bytes) and make a ruleset from it (free with
 * jj_ruleset_free). Strings are copied: the image may go once this
 * returns. `alc` may be NULL (libc). Errors, with `err` (may be NULL)
 * saying what is wrong: JJ_EINVAL for a damaged or foreign image (bad
 * magic, size, checksum, a field out of bounds), JJ_ENOTSUP for a newer
 * format version or a rule that needs a part this build left out (the
 * message names the rule), JJ_ENOMEM. */
JJ_API jj_status jj_bundle_load(const void *image, size_t size, const jj_allocator *alc,
                                jj_ruleset **out, jj_error *err);

/* As jj_bundle_load, but the ruleset's strings (names, labels, annotation
 * templates...) point into `image` instead of being copied: for an image
 * in flash, it saves their RAM (about 2 KB for rules/fire.yaml). The
 * image is borrowed: it must stay valid and unchanged until the ruleset
 * and every engine holding it are freed. Same errors and thread-safety
 * as jj_bundle_load. */
JJ_API jj_status jj_bundle_load_static(const void *image, size_t size, const jj_allocator *alc,
                                       jj_ruleset **out, jj_error *err);

/* Rules as constant records in C source, for a device that keeps them in
 * flash and uses them in place: no copy of the rules in RAM (on a
 * Cortex-M4, 560 bytes a rule). `jjair compile -s` writes such a file; it
 * holds the library's own rule records, so it is compiled against the
 * library it was made for (its build puts the library's lib/ directory on
 * the include path) and loaded by that library only. */
typedef struct jj_static_rules jj_static_rules;

/* Write `rs` as C source defining `const jj_static_rules NAME` into
 * buf[0..size) (NUL-terminated); *needed (required) gets its length
 * without the NUL, and when the text and its NUL do not fit nothing is
 * written and the result is JJ_EFULL. sample_period_ms as for
 * jj_bundle_write. JJ_EINVAL: rs, name or needed NULL, name not a C
 * identifier, a negative period; JJ_ENOTSUP: a rule a bundle cannot carry
 * (jj_bundle_check) or with a regex label matcher (compiled when loaded,
 * so not constant). Thread-safe. */
JJ_API jj_status jj_bundle_write_source(const jj_ruleset *rs, int64_t sample_period_ms,
                                        const char *name, char *buf, size_t size,
                                        size_t *needed);

/* A ruleset over constant rule records (jjair compile -s), used in place:
 * only the ruleset's own few bytes come from `alc` (may be NULL: libc).
 * The records must outlive the ruleset and its engines. JJ_EINVAL (with
 * `err`, may be NULL) for records not made by jj_bundle_write_source or
 * made for a different build of the library (a different record size or
 * bundle version: regenerate them), JJ_ENOTSUP for a rule that needs a
 * part this build left out (the message names the rule), JJ_ENOMEM. */
JJ_API jj_status jj_bundle_load_rules(const jj_static_rules *rules, const jj_allocator *alc,
                                      jj_ruleset **out, jj_error *err);

#ifdef __cplusplus
}
#endif

#endif
