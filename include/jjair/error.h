/* libjjair — detailed errors for calls that validate user input (rule
 * building, rule files): a status plus a message a person can act on and,
 * for files, where the problem is. */
#ifndef JJAIR_ERROR_H
#define JJAIR_ERROR_H

#include <stdint.h>

#include "jjair/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define JJ_ERROR_MESSAGE_MAX 256
#define JJ_ERROR_FILE_MAX 256

/* Filled by the call it is passed to; zero-initialise it or leave it as
 * is. `line` and `column` are 1-based, 0 when not from a file. */
typedef struct jj_error {
  jj_status code;
  int line;
  int column;
  char file[JJ_ERROR_FILE_MAX];
  char message[JJ_ERROR_MESSAGE_MAX];
  uint32_t reserved[5]; /* zero: room for more detail (see "ABI and versioning") */
} jj_error;

#ifdef __cplusplus
}
#endif

#endif
