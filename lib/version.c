/* Run-time version of the library. */
#include "jjair/version.h"

const char *jj_version(void) { return JJ_VERSION_STRING; }

unsigned jj_version_num(void) { return JJ_VERSION_NUM; }
