/* Snapshots and the journal in the state directory (see server_state.h). */
#include "server_state.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "queue.h"

static void path_of(const srv_state *st, char *out, size_t size, const char *name) {
  (void)snprintf(out, size, "%s/%s", st->dir, name);
}

static void snap_path(const srv_state *st, uint64_t gen, char *out, size_t size) {
  (void)snprintf(out, size, "%s/engine-%" PRIu64 ".snap", st->dir, gen);
}

srv_state_status srv_state_open(srv_state *st, const srv_config *cfg, char *msg, size_t size) {
  memset(st, 0, sizeof *st);
  if (!cfg->state_dir) {
    (void)snprintf(msg, size, "no state dir configured: nothing survives a restart");
    return SRV_STATE_NONE;
  }
  if (strlen(cfg->state_dir) > 900) { /* room for the file names in fixed buffers */
    (void)snprintf(msg, size, "the state directory's path is longer than 900 bytes");
    return SRV_STATE_ERROR;
  }
  if (mkdir(cfg->state_dir, 0700) != 0 && errno != EEXIST) {
    (void)snprintf(msg, size, "cannot create the state directory %s: %s", cfg->state_dir,
                   strerror(errno));
    return SRV_STATE_ERROR;
  }
  size_t n = strlen(cfg->state_dir) + 1;
  st->dir = malloc(n);
  if (!st->dir) {
    (void)snprintf(msg, size, "out of memory");
    return SRV_STATE_ERROR;
  }
  memcpy(st->dir, cfg->state_dir, n);
  return SRV_STATE_OK;
}

/* The generation G of a file named engine-G.snap; 0 and *g, or -1. */
static int snap_gen(const char *name, uint64_t *g) {
  if (strncmp(name, "engine-", 7) != 0 || name[7] < '0' || name[7] > '9') return -1;
  char *end;
  errno = 0;
  unsigned long long x = strtoull(name + 7, &end, 10);
  if (errno || strcmp(end, ".snap") != 0) return -1;
  *g = (uint64_t)x;
  return 0;
}

/* The generations of the snapshots in the directory: the newest in *max,
 * 1 when there is one. */
static int newest(const srv_state *st, uint64_t *max) {
  DIR *d = opendir(st->dir);
  int found = 0;
  *max = 0;
  if (!d) return 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    uint64_t g;
    if (snap_gen(de->d_name, &g) == 0 && (!found || g > *max)) {
      *max = g;
      found = 1;
    }
  }
  (void)closedir(d);
  return found;
}

/* Remove the snapshots older than `keep`. */
static void prune(const srv_state *st, uint64_t keep) {
  DIR *d = opendir(st->dir);
  if (!d) return;
  struct dirent *de;
  while ((de = readdir(d))) {
    uint64_t g;
    if (snap_gen(de->d_name, &g) == 0 && g < keep) {
      char p[4096];
      (void)snprintf(p, sizeof p, "%s/%s", st->dir, de->d_name);
      (void)remove(p);
    }
  }
  (void)closedir(d);
}

/* Keep a file that failed aside as <name>.bad for a person to look at. */
static void set_aside(const char *path) {
  char bad[4200];
  (void)snprintf(bad, sizeof bad, "%s.bad", path);
  (void)rename(path, bad);
}

srv_state_status srv_state_checkpoint(srv_state *st, jj_engine *e, char *msg, size_t size) {
  if (!st->dir) {
    (void)snprintf(msg, size, "no state dir configured");
    return SRV_STATE_NONE;
  }
  char snap[1024], jpath[1024];
  uint64_t next = st->gen + 1;
  snap_path(st, next, snap, sizeof snap);
  jj_error err;
  memset(&err, 0, sizeof err);
  jj_status s = jj_engine_save(e, snap, &err);
  if (s != JJ_OK) {
    (void)snprintf(msg, size, "checkpoint %" PRIu64 " failed: %s", next, err.message);
    return SRV_STATE_ERROR;
  }
  /* the new journal, then the old snapshot goes: see server_state.h */
  srv_journal_close(&st->journal);
  path_of(st, jpath, sizeof jpath, "journal");
  char jerr[300];
  int jrc = srv_journal_create(&st->journal, jpath, next, jerr, sizeof jerr);
  st->gen = next;
  prune(st, next);
  struct stat sb;
  st->last_bytes = stat(snap, &sb) == 0 ? (uint64_t)sb.st_size : 0;
  st->last_ok_ms = srv_now_ms();
  if (jrc != 0) {
    (void)snprintf(msg, size, "checkpoint %" PRIu64 " written, but %s: readings until the next "
                              "checkpoint are not journaled", next, jerr);
    return SRV_STATE_ERROR;
  }
  (void)snprintf(msg, size, "checkpoint %" PRIu64 " (%" PRIu64 " bytes)", next, st->last_bytes);
  return SRV_STATE_OK;
}

srv_state_status srv_state_restore(srv_state *st, jj_engine *e, const srv_state_hooks *h,
                                   srv_restore_info *info, char *msg, size_t size) {
  memset(info, 0, sizeof *info);
  info->replayed = -1;
  if (!st->dir) {
    (void)snprintf(msg, size, "no state dir configured: nothing survives a restart");
    return SRV_STATE_NONE;
  }
  char snap[1024], jpath[1024], note[2600] = "";
  path_of(st, jpath, sizeof jpath, "journal");
  srv_state_status result = SRV_STATE_NONE;
  uint64_t gen;
  if (newest(st, &gen)) {
    snap_path(st, gen, snap, sizeof snap);
    jj_error err;
    memset(&err, 0, sizeof err);
    jj_status s = jj_engine_load(e, snap, &info->report, &err);
    if (s != JJ_OK) {
      set_aside(snap);
      set_aside(jpath);
      (void)snprintf(note, sizeof note,
                     "snapshot %s did not restore (%s); kept as %s.bad, starting empty", snap,
                     err.message, snap);
      result = SRV_STATE_ERROR;
    } else {
      info->gen = gen;
      st->gen = gen;
      result = SRV_STATE_OK;
      srv_journal_info ji;
      char jerr[300];
      if (srv_journal_scan(jpath, &ji, jerr, sizeof jerr) != 0) {
        set_aside(jpath);
        (void)snprintf(note, sizeof note, "%s; kept as journal.bad", jerr);
        result = SRV_STATE_ERROR;
      } else if (ji.exists && ji.gen == gen) {
        const jj_restore_report *r = &info->report;
        /* the same rules: the engine repeats its events exactly, and those
         * up to the mark went out before the crash; other rules: the old
         * readings only rebuild state, their events are not news */
        int same = !r->rules_changed && !r->rules_removed && !r->rules_added;
        *h->quiet_upto = same ? ji.last_seq : UINT64_MAX;
        info->quiet_upto = *h->quiet_upto;
        info->replayed = srv_journal_replay(jpath, h->push, h->ctx, &info->bad_lines);
        *h->quiet_upto = 0;
      }
    }
  }
  if (result == SRV_STATE_NONE) (void)snprintf(note, sizeof note, "no snapshot in %s", st->dir);
  /* the snapshot and journal are consumed: a new generation from here */
  st->gen = st->gen > gen ? st->gen : gen;
  char cmsg[512];
  srv_state_status c = srv_state_checkpoint(st, e, cmsg, sizeof cmsg);
  if (c != SRV_STATE_OK) {
    (void)snprintf(msg, size, "%s%s%s", note, note[0] ? "; " : "", cmsg);
    return SRV_STATE_ERROR;
  }
  (void)snprintf(msg, size, "%s", note);
  return result;
}

srv_journal *srv_state_journal(srv_state *st) { return st->journal.f ? &st->journal : NULL; }

void srv_state_close(srv_state *st) {
  srv_journal_close(&st->journal);
  free(st->dir);
  memset(st, 0, sizeof *st);
}
