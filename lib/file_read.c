/* jj__read_file (file_read.h): one careful whole-file reader for every
 * file the library opens itself. */
#if defined(__unix__) || defined(__APPLE__)
#define _POSIX_C_SOURCE 200809L /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#define HAVE_POSIX_FILES 1
#endif

#include <string.h>

#include "alloc.h"
#include "file_read.h"

static char *failed(jj__read_result *result, jj__read_result r, char *why, size_t whysz,
                    const char *reason) {
  if (result) *result = r;
  if (whysz) { /* no printf: this also builds for devices */
    size_t n = strlen(reason);
    if (n >= whysz) n = whysz - 1;
    memcpy(why, reason, n);
    why[n] = '\0';
  }
  return NULL;
}

#ifdef HAVE_POSIX_FILES
#include <stdio.h>

/* The error of a system call: ENOMEM is out of memory, not "cannot read". */
static char *sys_failed(jj__read_result *result, int err, char *why, size_t whysz) {
  jj__read_result r = err == ENOMEM   ? JJ__READ_NOMEM
                      : err == ENOENT ? JJ__READ_MISSING
                                      : JJ__READ_FAILED;
  return failed(result, r, why, whysz, strerror(err));
}

char *jj__read_file(const jj_allocator *alc, const char *path, size_t max_bytes, size_t *len,
                    jj__read_result *result, char *why, size_t whysz) {
  if (result) *result = JJ__READ_OK;
  *len = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sys_failed(result, errno, why, whysz);
  struct stat st;
  char *buf = NULL;
  if (fstat(fd, &st) != 0) {
    (void)sys_failed(result, errno, why, whysz);
  } else if (!S_ISREG(st.st_mode)) {
    (void)failed(result, JJ__READ_FAILED, why, whysz, "not a regular file");
  } else if (st.st_size < 0 || (unsigned long long)st.st_size > (unsigned long long)max_bytes) {
    if (result) *result = JJ__READ_FAILED;
    (void)snprintf(why, whysz, "larger than %zu bytes", max_bytes);
  } else if ((buf = jj__malloc(alc, (size_t)st.st_size + 1)) == NULL) {
    (void)failed(result, JJ__READ_NOMEM, why, whysz, "out of memory");
  } else {
    /* Ask for one byte more than fstat said: a file that grew is noticed. */
    size_t want = (size_t)st.st_size + 1, n = 0;
    int err = 0;
    while (n < want) {
      ssize_t k = read(fd, buf + n, want - n);
      if (k < 0 && errno == EINTR) continue;
      if (k < 0) err = errno;
      if (k <= 0) break;
      n += (size_t)k;
    }
    if (err || n != want - 1) {
      if (err)
        (void)sys_failed(result, err, why, whysz);
      else
        (void)failed(result, JJ__READ_FAILED, why, whysz, "it changed while it was read");
      jj__free(alc, buf);
      buf = NULL;
    } else {
      buf[n] = '\0';
      *len = n;
    }
  }
  (void)close(fd);
  return buf;
}

#else

char *jj__read_file(const jj_allocator *alc, const char *path, size_t max_bytes, size_t *len,
                    jj__read_result *result, char *why, size_t whysz) {
  (void)alc;
  (void)path;
  (void)max_bytes;
  *len = 0;
  return failed(result, JJ__READ_FAILED, why, whysz, "no files on this platform");
}

#endif
