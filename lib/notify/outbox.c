/* The durable outbox: an append-only file of delivery records and their
 * acknowledgements, so every accepted event survives a crash and is
 * delivered after a restart — exactly the ones not acknowledged.
 *
 * Each record is framed and checksummed on its own:
 *
 *   "JJOB" | type u8 (1 delivery, 2 ack) | id u64 | len u32 | crc u32 | payload[len]
 *
 * crc is CRC-32 (IEEE) over type, id, len and the payload. Reading back
 * takes every intact record; a record whose frame or checksum is wrong (a
 * write cut short by a crash, a damaged block) is counted as damage and the
 * reader resynchronises on the next "JJOB" whose record is intact, so the
 * records after a damaged one are still delivered. Once read, the file is
 * rewritten with the pending records only (compaction), as it is during
 * a run whenever `compact_after` acknowledgements have piled up: written
 * to "<path>.tmp", fsynced, renamed over the outbox, directory fsynced. */
#define _POSIX_C_SOURCE 200809L /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "file_read.h"
#include "notify_internal.h"

#define HDR 21 /* magic 4 + type 1 + id 8 + len 4 + crc 4 */
#define REC_DELIVERY 1
#define REC_ACK 2
#define MAX_PAYLOAD (16u << 20)
/* A batch is written whenever it reaches this size, and its buffer is
 * kept from one batch to the next: no buffer grows, copies itself or is
 * unmapped per round (unmapping memory interrupts every core running the
 * process, the ingest thread's included, to flush its TLB). */
#define BATCH_WRITE (256u << 10)

/* CRC-32 (IEEE, reflected), eight bytes a step ("slice-by-8"): records
 * are about a kilobyte, and a byte-a-step table loop was a visible part of
 * the delivering thread's time. */
static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; i++)
    for (int t = 1; t < 8; t++)
      crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xff];
}

static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t n) {
  (void)pthread_once(&crc_once, crc_init);
  crc = ~crc;
  while (n >= 8) {
    uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                         (uint32_t)p[3] << 24);
    uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
                  (uint32_t)p[7] << 24;
    crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
          crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^ crc_table[3][hi & 0xff] ^
          crc_table[2][(hi >> 8) & 0xff] ^ crc_table[1][(hi >> 16) & 0xff] ^
          crc_table[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n--) crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return ~crc;
}

static void frame(unsigned char *h, int type, uint64_t id, const unsigned char *payload,
                  uint32_t len) {
  h[0] = 'J', h[1] = 'J', h[2] = 'O', h[3] = 'B';
  h[4] = (unsigned char)type;
  for (int i = 0; i < 8; i++) h[5 + i] = (unsigned char)(id >> (8 * i));
  for (int i = 0; i < 4; i++) h[13 + i] = (unsigned char)(len >> (8 * i));
  uint32_t crc = crc32_update(0, h + 4, 13);
  crc = crc32_update(crc, payload, len);
  for (int i = 0; i < 4; i++) h[17 + i] = (unsigned char)(crc >> (8 * i));
}

/* The record at p (n bytes left): its total size, or 0 when not intact. */
static size_t parse(const unsigned char *p, size_t n, int *type, uint64_t *id, uint32_t *len) {
  if (n < HDR || memcmp(p, "JJOB", 4) != 0) return 0;
  *type = p[4];
  *id = 0;
  for (int i = 0; i < 8; i++) *id |= (uint64_t)p[5 + i] << (8 * i);
  *len = 0;
  for (int i = 0; i < 4; i++) *len |= (uint32_t)p[13 + i] << (8 * i);
  if ((*type != REC_DELIVERY && *type != REC_ACK) || *len > MAX_PAYLOAD || n - HDR < *len)
    return 0;
  uint32_t want = 0;
  for (int i = 0; i < 4; i++) want |= (uint32_t)p[17 + i] << (8 * i);
  uint32_t crc = crc32_update(0, p + 4, 13);
  crc = crc32_update(crc, p + HDR, *len);
  return crc == want ? HDR + (size_t)*len : 0;
}

static int write_all(int fd, const unsigned char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* After a failed write: where the file really ends (a part of a record
 * may have been written). */
static void resync_size(jj__outbox *ob) {
  int e = errno;
  off_t end = lseek(ob->fd, 0, SEEK_END);
  if (end >= 0) ob->size = (uint64_t)end + ob->batch.len;
  errno = e;
}

/* Write the batch gathered so far; its records count as lost on failure. */
static void write_batch(jj__outbox *ob) {
  size_t n = ob->batch.len;
  ob->batch.len = 0;
  ob->dirty = 1;
  if (write_all(ob->fd, (const unsigned char *)ob->batch.s, n)) {
    ob->batch_errno = errno;
    ob->batch_lost += ob->batched;
    resync_size(ob);
  }
  ob->batched = 0;
}

static int append(jj__outbox *ob, int type, uint64_t id, const unsigned char *payload,
                  size_t len) {
  if (ob->batching && type == REC_DELIVERY) {
    /* gathered: one write() per BATCH_WRITE bytes, the rest at
     * jj__outbox_flush */
    if (!ob->batch.s) { /* the buffer, once, a record's room to spare */
      jj__sb_add(&ob->batch, "", 0);
      if (!ob->batch.oom && ob->batch.cap < BATCH_WRITE + 8192) {
        char *b = realloc(ob->batch.s, BATCH_WRITE + 8192);
        if (b) ob->batch.s = b, ob->batch.cap = BATCH_WRITE + 8192;
      }
    }
    unsigned char h[HDR];
    frame(h, type, id, payload, (uint32_t)len);
    size_t before = ob->batch.len;
    jj__sb_add(&ob->batch, (const char *)h, HDR);
    jj__sb_add(&ob->batch, (const char *)payload, len);
    if (ob->batch.oom) {
      ob->batch.oom = 0; /* the records gathered before stay */
      ob->batch.len = before;
      errno = ENOMEM;
      return -1;
    }
    ob->batched++;
    ob->size += HDR + len;
    if (ob->batch.len >= BATCH_WRITE) write_batch(ob);
    return 0;
  }
  /* what the batch holds goes first: the file keeps the order of the
   * appends, and the batched records their promised places */
  if (ob->batch.len) write_batch(ob);
  unsigned char stackbuf[512];
  size_t total = HDR + len;
  ob->size += total;
  unsigned char *buf = total <= sizeof stackbuf ? stackbuf : malloc(total);
  if (!buf) return -1;
  frame(buf, type, id, payload, (uint32_t)len);
  if (len) memcpy(buf + HDR, payload, len);
  /* one write() per record: O_APPEND keeps records whole between writers */
  int rc = write_all(ob->fd, buf, total);
  if (buf != stackbuf) free(buf);
  if (rc) {
    resync_size(ob);
    return -1;
  }
  /* acks are not synced: one lost in a crash sends a message again (the
   * idempotency key covers it), a lost delivery record loses an event */
  if (type != REC_DELIVERY) return 0;
  ob->dirty = 1;
  if (ob->sync == JJ_OUTBOX_SYNC_EACH) return jj__outbox_sync(ob);
  return 0;
}

int jj__outbox_add(jj__outbox *ob, const unsigned char *payload, size_t len, uint64_t *id,
                   int64_t *off) {
  *id = ob->next_id++;
  *off = -1;
  if (ob->fd < 0) return 0;
  if (len > MAX_PAYLOAD) {
    errno = EMSGSIZE;
    return -1;
  }
  int64_t at = (int64_t)(ob->size + HDR);
  if (append(ob, REC_DELIVERY, *id, payload, len)) return -1;
  *off = at;
  return 0;
}

int jj__outbox_read(const jj__outbox *ob, uint64_t id, int64_t off, size_t len,
                    unsigned char **out) {
  *out = NULL;
  if (ob->fd < 0 || off < HDR) return -2;
  unsigned char *buf = malloc(HDR + len + 1);
  if (!buf) return -1;
  size_t got = 0;
  while (got < HDR + len) {
    ssize_t r = pread(ob->fd, buf + got, HDR + len - got, (off_t)(off - HDR) + (off_t)got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  int type;
  uint64_t rid;
  uint32_t rlen;
  if (got != HDR + len || parse(buf, got, &type, &rid, &rlen) != HDR + len ||
      type != REC_DELIVERY || rid != id) {
    free(buf);
    return -2;
  }
  memmove(buf, buf + HDR, len);
  *out = buf;
  return 0;
}

void jj__outbox_begin(jj__outbox *ob) {
  if (ob->fd >= 0) ob->batching = 1;
}

int jj__outbox_flush(jj__outbox *ob, uint64_t *records) {
  ob->batching = 0;
  int rc = 0;
  if (ob->fd >= 0 && ob->batch.len) write_batch(ob); /* the buffer stays for the next batch */
  ob->batched = 0;
  ob->batch.len = 0;
  *records = ob->batch_lost;
  if (ob->batch_lost) {
    ob->batch_lost = 0;
    errno = ob->batch_errno;
    return -1;
  }
  if (ob->fd >= 0 && ob->sync == JJ_OUTBOX_SYNC_EACH) rc = jj__outbox_sync(ob);
  return rc;
}

int jj__outbox_ack(jj__outbox *ob, uint64_t id) {
  if (ob->fd < 0) return 0;
  ob->acked++;
  return append(ob, REC_ACK, id, NULL, 0);
}

int jj__outbox_sync(jj__outbox *ob) {
  if (ob->fd < 0 || !ob->dirty || ob->sync == JJ_OUTBOX_SYNC_NONE) return 0;
  ob->dirty = 0;
  return fdatasync(ob->fd);
}

static void sync_dir(const char *path) {
  char *dir = jj__xstrdup(path);
  if (!dir) return;
  char *slash = strrchr(dir, '/');
  if (slash == dir) slash[1] = '\0';
  else if (slash) *slash = '\0';
  else memcpy(dir, ".", 2); /* dir holds at least 2 bytes: path is not empty */
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
  free(dir);
}

int jj__outbox_compact(jj__outbox *ob, jj__delivery *const *pending, size_t n) {
  if (!ob->path) return 0;
  jj__sb tmp = {0};
  jj__sb_printf(&tmp, "%s.tmp", ob->path);
  if (tmp.oom) return -1;
  int fd = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int rc = fd < 0 ? -1 : 0;
  jj__outbox w = *ob;
  w.fd = fd;
  w.sync = JJ_OUTBOX_SYNC_NONE;
  w.batching = 0;
  memset(&w.batch, 0, sizeof w.batch); /* the live buffer stays the live outbox's */
  w.size = 0;
  /* the records' new places, committed once the new file replaced the old */
  int64_t *offs = malloc((n ? n : 1) * sizeof *offs);
  if (!offs) rc = -1;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    const jj__delivery *dl = pending[i];
    unsigned char *p = dl->payload;
    if (!p && jj__outbox_read(ob, dl->id, dl->off, dl->payload_len, &p)) {
      rc = -1; /* unreadable: keep the old file, which still has it */
      break;
    }
    offs[i] = (int64_t)(w.size + HDR);
    rc = append(&w, REC_DELIVERY, dl->id, p, dl->payload_len);
    if (p != dl->payload) free(p);
  }
  if (rc == 0 && ob->sync != JJ_OUTBOX_SYNC_NONE) rc = fsync(fd);
  if (fd >= 0 && close(fd) && rc == 0) rc = -1;
  /* open before the rename: after it, the old descriptor no longer
   * names the outbox, and the records not in memory are only in the new
   * file */
  int nfd = rc == 0 ? open(tmp.s, O_RDWR | O_APPEND | O_CLOEXEC) : -1;
  if (nfd < 0) rc = -1;
  if (rc == 0) rc = rename(tmp.s, ob->path);
  if (rc) {
    if (nfd >= 0) close(nfd);
    (void)unlink(tmp.s);
    jj__sb_free(&tmp);
    free(offs);
    return -1;
  }
  jj__sb_free(&tmp);
  if (ob->sync != JJ_OUTBOX_SYNC_NONE) sync_dir(ob->path);
  for (size_t i = 0; i < n; i++) pending[i]->off = offs[i];
  free(offs);
  close(ob->fd);
  ob->fd = nfd;
  ob->size = w.size;
  ob->acked = 0;
  ob->dirty = 0;
  return 0;
}

/* ---- reading back ----------------------------------------------------------- */

typedef struct seen {
  uint64_t id;
  size_t off; /* of the delivery record; SIZE_MAX once acknowledged */
} seen;

static int cmp_seen(const void *a, const void *b) {
  uint64_t x = ((const seen *)a)->id, y = ((const seen *)b)->id;
  return x < y ? -1 : x > y;
}

int jj__outbox_open(jj__outbox *ob, const char *path, jj_outbox_sync sync,
                    jj__outbox_visit_fn visit, void *ctx, char *err, size_t errsize) {
  memset(ob, 0, sizeof *ob);
  ob->fd = -1;
  ob->next_id = 1;
  ob->sync = sync;
  if (!path) return 0;
  ob->path = jj__xstrdup(path);
  /* The whole file (jj__read_file: a regular file, read to its end); none
   * yet is an empty outbox. */
  jj_allocator libc;
  jj__alloc_resolve(&libc, NULL);
  char why[96] = "out of memory";
  size_t n = 0;
  jj__read_result r = JJ__READ_NOMEM;
  unsigned char *data =
      ob->path ? (unsigned char *)jj__read_file(&libc, path, SIZE_MAX / 2, &n, &r, why, sizeof why)
               : NULL;
  if (!data && r != JJ__READ_MISSING) {
    (void)snprintf(err, errsize, "cannot read the outbox %s: %s", path, why);
    free(ob->path);
    ob->path = NULL;
    return -1;
  }
  if (!data) n = 0; /* no file yet: no records */
  /* every delivery record and whether an ack followed it */
  seen *s = NULL;
  size_t ns = 0, cap = 0;
  size_t off = 0;
  int oom = 0;
  while (off < n && !oom) {
    int type;
    uint64_t id;
    uint32_t len;
    size_t sz = parse(data + off, n - off, &type, &id, &len);
    if (!sz) {
      /* damage: skip to the next intact record */
      size_t next = off + 1;
      while (next < n) {
        const unsigned char *m = memchr(data + next, 'J', n - next);
        if (!m) {
          next = n;
          break;
        }
        next = (size_t)(m - data);
        if (parse(data + next, n - next, &type, &id, &len)) break;
        next++;
      }
      ob->damage += next - off;
      off = next;
      continue;
    }
    if (id >= ob->next_id) ob->next_id = id + 1;
    if (ns == cap) {
      size_t nc = cap ? cap * 2 : 64;
      seen *t = realloc(s, nc * sizeof *s);
      if (!t) {
        oom = 1;
        break;
      }
      s = t;
      cap = nc;
    }
    s[ns].id = id;
    s[ns].off = type == REC_DELIVERY ? off : SIZE_MAX;
    if (type == REC_ACK) ob->acked++;
    ns++;
    off += sz;
  }
  int rc = 0;
  if (oom) {
    (void)snprintf(err, errsize, "out of memory reading the outbox %s", path);
    rc = -1;
  } else {
    /* stable by id: a delivery's ack comes after it in the file */
    for (size_t i = 0; i < ns; i++) s[i].id = s[i].id * 2 + (s[i].off == SIZE_MAX);
    if (ns) qsort(s, ns, sizeof *s, cmp_seen);
    for (size_t i = 0; i < ns; i++) {
      if (s[i].off == SIZE_MAX) continue;
      if (i + 1 < ns && s[i + 1].id == s[i].id + 1 && s[i + 1].off == SIZE_MAX) continue;
      int type;
      uint64_t id;
      uint32_t len;
      (void)parse(data + s[i].off, n - s[i].off, &type, &id, &len);
      visit(ctx, id, data + s[i].off + HDR, len);
    }
    /* read-write: a delivery waiting to be sent is read back from here
     * (jj__outbox_read) rather than kept in memory */
    ob->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    off_t end = ob->fd < 0 ? -1 : lseek(ob->fd, 0, SEEK_END);
    if (ob->fd < 0 || end < 0) {
      (void)snprintf(err, errsize, "cannot open the outbox %s: %s", path, strerror(errno));
      rc = -1;
    } else {
      ob->size = (uint64_t)end;
    }
  }
  free(s);
  free(data);
  if (rc) {
    free(ob->path);
    ob->path = NULL;
  }
  return rc;
}

void jj__outbox_close(jj__outbox *ob) {
  jj__sb_free(&ob->batch);
  if (ob->fd >= 0) {
    (void)jj__outbox_sync(ob);
    close(ob->fd);
  }
  ob->fd = -1;
  free(ob->path);
  ob->path = NULL;
}
