/* jj_engine_save and jj_engine_load (snapshot.h): a snapshot in a file.
 * Saving writes "<path>.tmp", fsyncs it, renames it over `path` and
 * fsyncs the directory (POSIX: rename is atomic), so a crash or a full
 * disk leaves the previous snapshot in place, never a torn one. Hosts
 * without POSIX files (bare-metal builds) get JJ_ENOTSUP: a device keeps
 * its image with jj_engine_snapshot where it can. */
#if defined(__unix__) || defined(__APPLE__)
#define _POSIX_C_SOURCE 200809L /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#define HAVE_POSIX_FILES 1
#endif

#include <stdio.h>
#include <string.h>

#include "engine_internal.h"
#include "errfmt.h"
#include "file_read.h"
#include "jjair/snapshot.h"

#ifdef HAVE_POSIX_FILES

/* Name the file in err->file (cut to fit). */
static void set_file(jj_error *err, const char *path) {
  if (!err) return;
  size_t n = strlen(path);
  if (n >= sizeof err->file) n = sizeof err->file - 1;
  memcpy(err->file, path, n);
  err->file[n] = '\0';
}

static jj_status io_fail(jj_error *err, const char *what, const char *path) {
  jj_status st = jj__fail(err, JJ_ENOTFOUND, "%s: %s: %s", path, what, strerror(errno));
  set_file(err, path);
  return st;
}

static int write_all(int fd, const unsigned char *p, size_t n) {
  while (n) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return -1;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

/* Sync the directory holding `path`, so the rename itself is on disk. */
static void sync_dir(const char *path) {
  char dir[4096];
  const char *slash = strrchr(path, '/');
  size_t n = slash ? (size_t)(slash - path) : 0;
  if (n >= sizeof dir) return;
  if (n == 0) {
    dir[0] = slash ? '/' : '.';
    n = 1;
  } else {
    memcpy(dir, path, n);
  }
  dir[n] = '\0';
  int fd = open(dir, O_RDONLY);
  if (fd < 0) return;
  (void)fsync(fd); /* some file systems refuse a directory fsync: nothing to do then */
  (void)close(fd);
}

jj_status jj_engine_save(jj_engine *e, const char *path, jj_error *err) {
  if (!e || !path || !*path) return jj__fail(err, JJ_EINVAL, "NULL engine or empty path");
  if (e->busy) return jj__fail(err, JJ_ESTATE, "called from the engine's event callback");
  char tmp[4096];
  if (strlen(path) + 5 > sizeof tmp) return jj__fail(err, JJ_EINVAL, "path too long");
  (void)snprintf(tmp, sizeof tmp, "%s.tmp", path);
  size_t need;
  (void)jj_engine_snapshot(e, NULL, 0, &need);
  unsigned char *buf = jj__malloc(&e->alc, need);
  if (!buf) return jj__fail(err, JJ_ENOMEM, "out of memory for a %zu-byte snapshot", need);
  jj_status st = jj_engine_snapshot(e, buf, need, &need);
  if (st != JJ_OK) {
    jj__free(&e->alc, buf);
    return jj__fail(err, st, "snapshot failed");
  }
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    st = io_fail(err, "cannot create", tmp);
  } else if (write_all(fd, buf, need) != 0 || fsync(fd) != 0) {
    st = io_fail(err, "cannot write", tmp);
    (void)close(fd);
    (void)unlink(tmp);
  } else if (close(fd) != 0) {
    st = io_fail(err, "cannot write", tmp);
    (void)unlink(tmp);
  } else if (rename(tmp, path) != 0) {
    st = io_fail(err, "cannot rename the new snapshot over", path);
    (void)unlink(tmp);
  } else {
    sync_dir(path);
  }
  jj__free(&e->alc, buf);
  return st;
}

jj_status jj_engine_load(jj_engine *e, const char *path, jj_restore_report *report,
                         jj_error *err) {
  if (!e || !path) return jj__fail(err, JJ_EINVAL, "NULL engine or path");
  char why[96];
  size_t n = 0;
  jj__read_result r;
  unsigned char *buf =
      (unsigned char *)jj__read_file(&e->alc, path, SIZE_MAX / 2, &n, &r, why, sizeof why);
  if (!buf) {
    jj_status st = jj__fail(err, r == JJ__READ_NOMEM ? JJ_ENOMEM : JJ_ENOTFOUND,
                            "%s: cannot read: %s", path, why);
    set_file(err, path);
    return st;
  }
  jj_status st = jj_engine_restore(e, buf, n, report, err);
  jj__free(&e->alc, buf);
  return st;
}

#else

jj_status jj_engine_save(jj_engine *e, const char *path, jj_error *err) {
  (void)e;
  (void)path;
  return jj__fail(err, JJ_ENOTSUP, "no files on this platform: use jj_engine_snapshot");
}

jj_status jj_engine_load(jj_engine *e, const char *path, jj_restore_report *report,
                         jj_error *err) {
  (void)e;
  (void)path;
  (void)report;
  return jj__fail(err, JJ_ENOTSUP, "no files on this platform: use jj_engine_restore");
}

#endif
