/* Internal: a whole file read into memory, with the checks every reader
 * of the library's files needs (rule files, notifier configurations,
 * secret files, snapshots). */
#ifndef JJ_LIB_FILE_READ_H
#define JJ_LIB_FILE_READ_H

#include <stddef.h>

#include "jjair/alloc.h"

/* Why a read failed. */
typedef enum jj__read_result {
  JJ__READ_OK = 0,
  JJ__READ_NOMEM,  /* the allocator (or the kernel) ran out of memory */
  JJ__READ_MISSING, /* no file at `path` (ENOENT): for readers where that is normal */
  JJ__READ_FAILED, /* cannot open, not a regular file, too large, a read
                      error, or the file changed while it was read */
} jj__read_result;

/* Read all of `path` into a buffer from `alc` (size + 1 bytes; the byte
 * after the content is '\0', so text can be parsed in place). Refuses
 * what is not a regular file (a directory, /dev/zero, a FIFO) and files
 * larger than `max_bytes`, and notices a file that grows or shrinks
 * while it is read. On success returns the buffer (the caller frees it
 * through `alc`) and sets *len. On failure returns NULL, sets *result,
 * writes a short reason to why[whysz] ("No such file or directory",
 * "not a regular file", ...) and leaves nothing allocated. `result` may
 * be NULL. Platforms without POSIX files always fail. */
char *jj__read_file(const jj_allocator *alc, const char *path, size_t max_bytes, size_t *len,
                    jj__read_result *result, char *why, size_t whysz);

#endif
