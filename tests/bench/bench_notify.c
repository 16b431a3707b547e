/* bench_notify — the notifier layer's cost (a benchmark, not a test: it
 * prints figures, it asserts nothing).
 *
 *  A: ingest throughput (pushes/s into an engine whose events all go to a
 *     webhook) with a gateway that answers nothing for 10 s per request
 *     (each request times out and is retried), against the same engine
 *     with a counting callback and no notifier, in three settings: the
 *     outbox on a disk (the directory this program is in, the build tree,
 *     or --outbox-dir; its file system is printed), the outbox on tmpfs
 *     (/dev/shm) and no outbox; at two event rates (0.5 % and 0.05 % of
 *     readings). The dispatcher runs on its own thread (JJ_OUTBOX_SYNC_BATCH,
 *     the default group commit), so the ingest thread pays enqueue only:
 *     route and copy into the hand-off ring. To be fair to both sides: each
 *     run builds its engine and warms it (two clean passes over every
 *     series) before the timed part; the dispatcher is created and started
 *     before either run of a pair; pairs alternate their order (without-
 *     with, with-without, ...); both sides push the same readings, and the
 *     events each side saw are printed, with what spilled to the overflow
 *     list and what was refused. Printed per setting: the best and median
 *     (and range) of the pairs' wall ratios, the ingest thread's CPU-time
 *     ratio, where the ingest thread's time went (run, waiting for a CPU,
 *     blocked: /proc/thread-self/schedstat), and the CPU the other threads
 *     (the delivering one) spent per event; then a summary table.
 *  B: delivery throughput to a local HTTP server (a minimal responder in
 *     this program), events/s from jj_dispatcher_send_test to
 *     acknowledgement, without an outbox, with the outbox (group commit)
 *     and with fsync per event.
 *
 * Usage: bench_notify [--quick] [--case LETTERS] [--reps N] [--pushes N]
 *                     [--outbox-dir DIR] [--handoff N]
 *        bench_notify --ingest none|stall|handoff [--every N] [--pushes N]
 *                     [--outbox-dir DIR|none] [--handoff N]
 *          one ingest run (for farm-bench --vs pairs, or callgrind with
 *          --toggle-collect=push_loop, or --toggle-collect=poll_once for the
 *          delivering thread), prints pushes/s and the ingest thread's
 *          accounting. */
#define _GNU_SOURCE /* RUSAGE_THREAD */ /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
#include <jjair/jjair.h>

#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

static int quick;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double thread_cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int reps = 5;

/* Where a thread's time went (Linux): run and runnable-but-waiting-for-a-
 * CPU from /proc/thread-self/schedstat; the rest of the wall time it was
 * blocked (sleeping in the kernel: a lock, a page fault on a busy memory
 * map, I/O). Switches and faults from getrusage(RUSAGE_THREAD). */
typedef struct tacct {
  double run_s, wait_s;
  long vcsw, ivcsw, minflt;
  int cpu;            /* the CPU the thread was on at the end */
  long ipi[2][2];     /* per CPU (0, 1): function-call (TLB shootdown) and
                         rescheduling interrupts, from /proc/interrupts */
} tacct;

/* The CAL and RES rows of /proc/interrupts for CPUs 0 and 1 (the
 * machine's, not the thread's: other processes add to them). */
static void read_ipis(long ipi[2][2]) {
  memset(ipi, 0, 4 * sizeof(long));
  FILE *f = fopen("/proc/interrupts", "r");
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    char name[16];
    long c0, c1;
    if (sscanf(line, " %15[^:]: %ld %ld", name, &c0, &c1) != 3) continue;
    int row = strcmp(name, "CAL") == 0 ? 0 : strcmp(name, "RES") == 0 ? 1 : -1;
    if (row < 0) continue;
    ipi[0][row] = c0;
    ipi[1][row] = c1;
  }
  fclose(f);
}

static tacct thread_acct(void) {
  tacct a;
  memset(&a, 0, sizeof a);
  FILE *f = fopen("/proc/thread-self/schedstat", "r");
  if (f) {
    unsigned long long run = 0, wait = 0;
    if (fscanf(f, "%llu %llu", &run, &wait) == 2) a.run_s = (double)run * 1e-9, a.wait_s = (double)wait * 1e-9;
    fclose(f);
  }
  struct rusage ru;
  if (getrusage(RUSAGE_THREAD, &ru) == 0) {
    a.vcsw = ru.ru_nvcsw;
    a.ivcsw = ru.ru_nivcsw;
    a.minflt = ru.ru_minflt;
  }
  a.cpu = sched_getcpu();
  read_ipis(a.ipi);
  return a;
}

/* ---- two tiny local servers ------------------------------------------------ */

typedef struct server {
  int fd, port, stall; /* stall: read requests, never answer */
} server;

static void *conn_main(void *arg) {
  long pair = (long)arg;
  int c = (int)(pair >> 1), stall = (int)(pair & 1);
  char buf[65536];
  size_t have = 0;
  for (;;) {
    ssize_t r = read(c, buf + have, sizeof buf - have - 1);
    if (r <= 0) break;
    have += (size_t)r;
    buf[have] = '\0';
    for (;;) { /* answer every complete request in the buffer */
      char *end = strstr(buf, "\r\n\r\n");
      if (!end) break;
      size_t body = 0;
      char *cl = strstr(buf, "Content-Length:");
      if (!cl) cl = strstr(buf, "content-length:");
      if (cl && cl < end) body = (size_t)strtoul(cl + 15, NULL, 10);
      size_t total = (size_t)(end + 4 - buf) + body;
      if (have < total) break;
      if (!stall) {
        static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        if (write(c, ok, sizeof ok - 1) < 0) break;
      }
      memmove(buf, buf + total, have - total);
      have -= total;
      buf[have] = '\0';
    }
    if (have >= sizeof buf - 1) have = 0;
  }
  close(c);
  return NULL;
}

static void *accept_main(void *arg) {
  server *s = arg;
  for (;;) {
    int c = accept(s->fd, NULL, NULL);
    if (c < 0) return NULL;
    pthread_t t;
    if (pthread_create(&t, NULL, conn_main, (void *)(((long)c << 1) | s->stall)) == 0)
      pthread_detach(t);
    else close(c);
  }
}

static int server_start(server *s, int stall) {
  s->stall = stall;
  s->fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof a) || listen(s->fd, 64) ||
      getsockname(s->fd, (struct sockaddr *)&a, &len))
    return -1;
  s->port = ntohs(a.sin_port);
  pthread_t t;
  if (pthread_create(&t, NULL, accept_main, s)) return -1;
  pthread_detach(t);
  return 0;
}

/* ---- A: ingest with a stalling gateway ---------------------------------- */

#define NSERIES 10000

static unsigned long counted;
static void count_event(void *ctx, const jj_event *ev) {
  (void)ctx, (void)ev;
  counted++;
}

static jj_ruleset *ruleset(void) {
  static const char rules[] =
      "version: 1\n"
      "rules:\n"
      "  - name: pm-high\n"
      "    metric: pm25\n"
      "    window: {kind: count, count: 1}\n"
      "    aggregate: max\n"
      "    levels:\n"
      "      - {name: high, severity: warning, issue: \">= 75\", clear: \"< 35\"}\n"
      "    annotations:\n"
      "      sms_fired: \"PM2.5 {{ value:.0f }} at {{ labels.station }}\"\n"
      "    notify: [gateway]\n";
  jj_ruleset_builder *b = NULL;
  jj_ruleset *rs = NULL;
  if (jj_ruleset_builder_new(NULL, &b) ||
      jj_rules_load_string(b, rules, sizeof rules - 1, "bench", NULL, 0, NULL) ||
      jj_ruleset_builder_build(b, &rs, NULL)) {
    fprintf(stderr, "bench_notify: rules failed (built without YAML?)\n");
    exit(1);
  }
  jj_ruleset_builder_free(b);
  return rs;
}

/* The measured part: `pushes` readings, mostly clean air, 1 in `every`
 * an episode's edge. Its own function (never inlined) so callgrind can
 * count its instructions alone: valgrind --tool=callgrind
 * --toggle-collect=push_loop bench_notify --ingest none|stall. */
__attribute__((noinline)) static void push_loop(jj_engine *e, const jj_series_id *ids,
                                                long pushes, unsigned every) {
  uint64_t x = 12345;
  for (long k = 0; k < pushes; k++) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    int i = (int)(k % NSERIES);
    double v = ((x >> 33) % every == 0) ? ((k / NSERIES) % 2 ? 10.0 : 120.0)
                                         : 20.0 + (double)((x >> 40) % 10);
    (void)jj_engine_push(e, ids[i], 1000 + k, v);
  }
}

/* One measured ingest run. The engine is built and warmed first (two
 * passes over every series with clean-air readings: no events, but every
 * series' state allocated and touched), so neither side pays the fresh
 * engine's page faults in the timed part. */
typedef struct run {
  double wall_rate;  /* pushes/s by wall time */
  double cpu_rate;   /* pushes/s by the ingest thread's CPU time */
  double proc_cpu_s; /* the whole process's CPU time during the timed part */
  unsigned long events;
  double wall_s;     /* the timed part's wall time */
  tacct th;          /* the ingest thread's accounting over the timed part */
} run;

static double proc_cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static run ingest(jj_dispatcher *d, long pushes, unsigned every) {
  jj_ruleset *rs = ruleset();
  jj_engine_config ec;
  jj_engine_config_init(&ec);
  ec.max_series = NSERIES + 16;
  ec.flags = JJ_ENGINE_NO_QUEUE;
  ec.max_future_ms = -1;
  ec.on_event = d ? jj_dispatcher_on_event : count_event;
  ec.on_event_ctx = d;
  jj_engine *e = NULL;
  if (jj_engine_new(rs, &ec, NULL, &e)) exit(1);
  jj_series_id ids[NSERIES];
  for (int i = 0; i < NSERIES; i++) {
    char name[16];
    (void)snprintf(name, sizeof name, "s%d", i);
    jj_label l = {"station", name};
    if (jj_engine_series(e, "pm25", &l, 1, &ids[i])) exit(1);
  }
  for (int k = 0; k < 2 * NSERIES; k++) (void)jj_engine_push(e, ids[k % NSERIES], k - 2 * NSERIES, 20.0);
  jj_engine_stats st;
  jj_engine_stats_get(e, &st);
  unsigned long warm_events = st.events;
  counted = 0;
  run r;
  tacct a0 = thread_acct();
  double t0 = now_s(), c0 = thread_cpu_s(), p0 = proc_cpu_s();
  push_loop(e, ids, pushes, every);
  double dt = now_s() - t0;
  tacct a1 = thread_acct();
  r.wall_s = dt;
  r.th.run_s = a1.run_s - a0.run_s;
  r.th.wait_s = a1.wait_s - a0.wait_s;
  r.th.vcsw = a1.vcsw - a0.vcsw;
  r.th.ivcsw = a1.ivcsw - a0.ivcsw;
  r.th.minflt = a1.minflt - a0.minflt;
  r.th.cpu = a0.cpu == a1.cpu ? a1.cpu : -1;
  for (int c = 0; c < 2; c++)
    for (int k = 0; k < 2; k++) r.th.ipi[c][k] = a1.ipi[c][k] - a0.ipi[c][k];
  r.cpu_rate = (double)pushes / (thread_cpu_s() - c0);
  r.proc_cpu_s = proc_cpu_s() - p0;
  r.wall_rate = (double)pushes / dt;
  jj_engine_stats_get(e, &st);
  r.events = st.events - warm_events;
  jj_engine_free(e);
  jj_ruleset_free(rs);
  return r;
}

/* The hand-off ring of the ingest runs (--handoff N): sized as README
 * "Delivery guarantees" advises, events/s times the delivering thread's
 * longest stall — about 100 k events/s at 0.5 % here, and a loaded machine
 * can keep that thread off a CPU for 100 ms; 0 = the library's 4096. */
static uint32_t handoff = 16384;

static jj_dispatcher *webhook_dispatcher(int port, const char *outbox, jj_outbox_sync sync,
                                         uint32_t capacity) {
  jj_dispatcher_config dc;
  jj_dispatcher_config_init(&dc);
  dc.outbox_path = outbox;
  dc.outbox_sync = sync;
  dc.queue_capacity = capacity;
  dc.http_timeout_ms = 10000;
  dc.handoff_capacity = handoff;
  jj_dispatcher *d = NULL;
  if (outbox) unlink(outbox);
  if (jj_dispatcher_new(&dc, &d, NULL)) exit(1);
  char url[64];
  (void)snprintf(url, sizeof url, "http://127.0.0.1:%d/hook", port);
  const char *k[] = {"url"}, *v[] = {url};
  if (jj_dispatcher_add_notifier(d, "gateway", "webhook", k, v, 1, NULL)) exit(1);
  return d;
}

/* Where the outbox goes: --outbox-dir DIR, else the directory this
 * program is in (the build tree: a real disk, where /tmp may be tmpfs). */
static char outbox_dir[512] = ".";

static void outbox_file(const char *dir, char *buf, size_t n) {
  (void)snprintf(buf, n, "%s/jjair-bench-outbox-%ld", dir, (long)getpid());
}

/* The file system a directory is on, by statfs's magic number. */
static const char *fs_name(const char *dir) {
  struct statfs sf;
  if (statfs(dir, &sf)) return "unknown (statfs failed)";
  switch ((unsigned long)sf.f_type) {
    case 0xEF53UL: return "ext4";
    case 0x01021994UL: return "tmpfs";
    case 0x58465342UL: return "xfs";
    case 0x9123683EUL: return "btrfs";
    case 0x794C7630UL: return "overlayfs";
    case 0x2FC12FC1UL: return "zfs";
    case 0x6969UL: return "nfs";
    default: return "other";
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void spread(double *v, int n, double *med, double *lo, double *hi) {
  *med = median(v, n); /* sorts v */
  *lo = v[0];
  *hi = v[n - 1];
}

/* One setting's pairs: the ratios with/without and where the ingest
 * thread's time went. */
typedef struct pairs {
  int n;
  double wall[100], cpu[100];  /* with / without, per pair */
  double r0[100], r1[100];     /* pushes/s by wall, without and with */
  double dcpu[100];            /* other threads' CPU per event, us */
  double wait0[100], wait1[100], blocked1[100]; /* ms, the ingest thread */
  double ivcsw1[100];
  unsigned long ev0, ev1;
  uint64_t dropped, spilled;
} pairs;

/* Paired runs, without and with the notifier in turn, the order swapped
 * every pair (ABBA...), so a drift of the machine's speed hits both sides
 * alike; the ratio is taken pair by pair. */
static void run_pairs(pairs *p, int n, long pushes, unsigned every, int port, const char *ob) {
  memset(p, 0, sizeof *p);
  p->n = n;
  for (int rep = 0; rep < n; rep++) {
    jj_dispatcher *d = webhook_dispatcher(port, ob, JJ_OUTBOX_SYNC_BATCH, 1000000);
    if (jj_dispatcher_start(d)) exit(1);
    run r0, r1;
    if (rep % 2 == 0) {
      r0 = ingest(NULL, pushes, every);
      r1 = ingest(d, pushes, every);
    } else {
      r1 = ingest(d, pushes, every);
      r0 = ingest(NULL, pushes, every);
    }
    jj_notifier_stats st;
    memset(&st, 0, sizeof st);
    (void)jj_dispatcher_stats(d, "gateway", &st);
    jj_dispatcher_free(d); /* pending events stay in the outbox: discarded here */
    if (ob) unlink(ob);
    p->wall[rep] = r1.wall_rate / r0.wall_rate;
    p->cpu[rep] = r1.cpu_rate / r0.cpu_rate;
    p->r0[rep] = r0.wall_rate;
    p->r1[rep] = r1.wall_rate;
    /* CPU the rest of the process (the delivering thread) spent per
     * event during the timed part */
    double ingest_cpu = (double)pushes / r1.cpu_rate;
    p->dcpu[rep] = r1.events ? (r1.proc_cpu_s - ingest_cpu) / (double)r1.events * 1e6 : 0;
    p->wait0[rep] = r0.th.wait_s * 1e3;
    p->wait1[rep] = r1.th.wait_s * 1e3;
    p->blocked1[rep] = (r1.wall_s - r1.th.run_s - r1.th.wait_s) * 1e3;
    p->ivcsw1[rep] = (double)r1.th.ivcsw;
    p->ev0 += r0.events;
    p->ev1 += r1.events;
    p->dropped += st.dropped;
    p->spilled += st.spilled;
  }
}

static void print_pairs(pairs *p, const char *rate, const char *where, long pushes,
                        double *best, double *med) {
  int n = p->n;
  double w, wlo, whi, c, clo, chi, x, y;
  spread(p->wall, n, &w, &wlo, &whi);
  spread(p->cpu, n, &c, &clo, &chi);
  *best = whi;
  *med = w;
  printf("A %s, %s: %d pairs of %ld pushes; events without %lu, with %lu (spilled %llu, "
         "refused %llu)\n",
         rate, where, n, pushes, p->ev0, p->ev1, (unsigned long long)p->spilled,
         (unsigned long long)p->dropped);
  printf("    ratio with/without: wall best %.3f, median %.3f [%.3f-%.3f]; ingest-thread CPU "
         "median %.3f [%.3f-%.3f]; %.2f / %.2f M pushes/s (medians)\n",
         whi, w, wlo, whi, c, clo, chi, median(p->r0, n) / 1e6, median(p->r1, n) / 1e6);
  spread(p->wait0, n, &x, &y, &y);
  double w1 = median(p->wait1, n), b1 = median(p->blocked1, n), iv = median(p->ivcsw1, n);
  printf("    ingest thread, medians: waited for a CPU %.1f ms with (%.1f without), blocked "
         "%.1f ms, %.0f involuntary switches; other threads %.1f us CPU per event\n",
         w1, x, b1, iv, median(p->dcpu, n));
  fflush(stdout);
}

static void case_a(long pushes) {
  server stall;
  if (server_start(&stall, 1)) exit(1);
  /* the settings: outbox on the disk, on tmpfs (when /dev/shm is one),
   * none */
  char disk[600], shm[600];
  outbox_file(outbox_dir, disk, sizeof disk);
  outbox_file("/dev/shm", shm, sizeof shm);
  int have_shm = strcmp(fs_name("/dev/shm"), "tmpfs") == 0;
  char where_disk[700];
  (void)snprintf(where_disk, sizeof where_disk, "outbox on %s (%s)", fs_name(outbox_dir),
                 outbox_dir);
  struct {
    const char *where, *path;
  } set[3] = {{where_disk, disk}, {"outbox on tmpfs (/dev/shm)", shm}, {"no outbox", NULL}};
  static const unsigned every[] = {200, 2000};
  static const char *const rate[] = {"0.5% of readings are events", "0.05%"};
  double best[2][3], med[2][3];
  int n = quick ? 1 : reps;
  for (size_t f = 0; f < 2; f++)
    for (size_t k = 0; k < 3; k++) {
      best[f][k] = med[f][k] = 0;
      if (k == 1 && !have_shm) continue;
      pairs p;
      run_pairs(&p, n, pushes, every[f], stall.port, set[k].path);
      print_pairs(&p, rate[f], set[k].where, pushes, &best[f][k], &med[f][k]);
    }
  printf("A summary (wall, with/without; target >= 0.95), best / median of %d pairs:\n", n);
  printf("    %-34s %-22s %-22s %s\n", "", "outbox on disk", "outbox on tmpfs", "no outbox");
  for (size_t f = 0; f < 2; f++) {
    char c[3][40];
    for (size_t k = 0; k < 3; k++) {
      if (k == 1 && !have_shm) (void)snprintf(c[k], sizeof c[k], "(no tmpfs)");
      else (void)snprintf(c[k], sizeof c[k], "%.3f / %.3f", best[f][k], med[f][k]);
    }
    printf("    %-34s %-22s %-22s %s\n", rate[f], c[0], c[1], c[2]);
  }
  fflush(stdout);
}

/* One ingest run for farm-bench pairs: `none` (a counting callback) or
 * `stall` (every event to a webhook that never answers, outbox on). */
static int ingest_only(const char *mode, unsigned every, long pushes) {
  run r;
  if (strcmp(mode, "none") == 0) {
    r = ingest(NULL, pushes, every);
  } else if (strcmp(mode, "stall") == 0) {
    server stall;
    if (server_start(&stall, 1)) return 1;
    char ob[600];
    int none = strcmp(outbox_dir, "none") == 0;
    outbox_file(outbox_dir, ob, sizeof ob);
    jj_dispatcher *d =
        webhook_dispatcher(stall.port, none ? NULL : ob, JJ_OUTBOX_SYNC_BATCH, 1000000);
    if (jj_dispatcher_start(d)) return 1;
    r = ingest(d, pushes, every);
    jj_notifier_stats st;
    (void)jj_dispatcher_stats(d, "gateway", &st);
    printf("stall, %s%s%s: %llu queued, %llu spilled, %llu refused; process CPU %.3f s, ingest "
           "thread %.3f s\n",
           none ? "no outbox" : "outbox on ", none ? "" : fs_name(outbox_dir),
           none ? "" : " (--outbox-dir)", (unsigned long long)st.queue_depth,
           (unsigned long long)st.spilled, (unsigned long long)st.dropped, r.proc_cpu_s,
           (double)pushes / r.cpu_rate);
    jj_dispatcher_free(d);
    if (!none) unlink(ob);
  } else if (strcmp(mode, "handoff") == 0) {
    /* enqueue alone: a ring large enough for every event, nobody taking
     * them (what the ingest thread pays, without the delivering thread) */
    jj_dispatcher_config dc;
    jj_dispatcher_config_init(&dc);
    dc.handoff_capacity = 1u << 17;
    jj_dispatcher *d = NULL;
    if (jj_dispatcher_new(&dc, &d, NULL)) return 1;
    const char *k[] = {"url"}, *v[] = {"http://127.0.0.1:9/"};
    if (jj_dispatcher_add_notifier(d, "gateway", "webhook", k, v, 1, NULL)) return 1;
    r = ingest(d, pushes, every);
    jj_notifier_stats st;
    (void)jj_dispatcher_stats(d, "gateway", &st);
    printf("handoff: %llu pending, %llu dropped\n", (unsigned long long)st.queue_depth,
           (unsigned long long)st.dropped);
    jj_dispatcher_free(d);
  } else {
    fprintf(stderr, "bench_notify: --ingest none|stall|handoff\n");
    return 2;
  }
  printf("ingest %s: %lu events, %.3f M pushes/s wall, %.3f M/s ingest-thread CPU\n", mode,
         r.events, r.wall_rate / 1e6, r.cpu_rate / 1e6);
  printf("ingest thread over %.3f s: ran %.3f s, waited for a CPU %.3f s, blocked %.3f s; "
         "%ld voluntary / %ld involuntary switches, %ld minor faults\n",
         r.wall_s, r.th.run_s, r.th.wait_s, r.wall_s - r.th.run_s - r.th.wait_s, r.th.vcsw,
         r.th.ivcsw, r.th.minflt);
  printf("machine's IPIs meanwhile: CPU0 %ld function-call, %ld reschedule; CPU1 %ld, %ld "
         "(the ingest thread on CPU %d)\n",
         r.th.ipi[0][0], r.th.ipi[0][1], r.th.ipi[1][0], r.th.ipi[1][1], r.th.cpu);
  return 0;
}

/* ---- B: delivery throughput ----------------------------------------------- */

static void case_b(void) {
  server ok;
  if (server_start(&ok, 0)) exit(1);
  char ob[600];
  outbox_file(outbox_dir, ob, sizeof ob);
  printf("B: the outbox on %s (%s)\n", fs_name(outbox_dir), outbox_dir);
  int n = quick ? 500 : 5000;
  if (getenv("JJ_BENCH_N")) n = atoi(getenv("JJ_BENCH_N"));
  struct {
    const char *name;
    const char *outbox;
    jj_outbox_sync sync;
  } modes[] = {{"no outbox", NULL, JJ_OUTBOX_SYNC_NONE},
               {"outbox, fsync per round", ob, JJ_OUTBOX_SYNC_BATCH},
               {"outbox, fsync per event", ob, JJ_OUTBOX_SYNC_EACH}};
  for (size_t m = 0; m < 3; m++) {
    jj_dispatcher *d = webhook_dispatcher(ok.port, modes[m].outbox, modes[m].sync, (uint32_t)n + 1);
    if (jj_dispatcher_start(d)) exit(1);
    double t0 = now_s();
    for (int i = 0; i < n; i++) (void)jj_dispatcher_send_test(d, "gateway", "benchmark message");
    double te = now_s() - t0;
    jj_status st = jj_dispatcher_drain(d, 120000);
    double dt = now_s() - t0;
    jj_notifier_stats ns;
    (void)jj_dispatcher_stats(d, "gateway", &ns);
    printf("B: %-24s %6.0f events/s delivered (%d in %.2f s, sent %llu%s); send_test %.1f us/event\n",
           modes[m].name, (double)n / dt, n, dt, (unsigned long long)ns.sent,
           st == JJ_OK ? "" : ", NOT all delivered", te / n * 1e6);
    jj_dispatcher_free(d);
    unlink(ob);
  }
}

/* What the figures depend on: the time, the processors this process may
 * use, the load, where the outbox goes. */
static void machine(void) {
  time_t t = time(NULL);
  char when[32] = "";
  (void)strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime(&t));
  cpu_set_t cs;
  int ncpu = sched_getaffinity(0, sizeof cs, &cs) == 0 ? CPU_COUNT(&cs) : -1;
  double load[3] = {-1, -1, -1};
  FILE *f = fopen("/proc/loadavg", "r");
  if (f) {
    if (fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = -1;
    fclose(f);
  }
  printf("bench_notify: %s, %d processors for this process (of %ld online), load average "
         "%.2f %.2f %.2f; outbox directory %s (%s); hand-off ring %u (--handoff)\n",
         when, ncpu, sysconf(_SC_NPROCESSORS_ONLN), load[0], load[1], load[2], outbox_dir,
         fs_name(outbox_dir), handoff ? handoff : 4096u);
  fflush(stdout);
}

int main(int argc, char **argv) {
  const char *cases = "AB", *only = NULL;
  unsigned every = 200;
  long pushes = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) quick = 1;
    else if (strcmp(argv[i], "--case") == 0 && i + 1 < argc) cases = argv[++i];
    else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) reps = atoi(argv[++i]);
    else if (strcmp(argv[i], "--ingest") == 0 && i + 1 < argc) only = argv[++i];
    else if (strcmp(argv[i], "--every") == 0 && i + 1 < argc) every = (unsigned)atoi(argv[++i]);
    else if (strcmp(argv[i], "--pushes") == 0 && i + 1 < argc) pushes = atol(argv[++i]);
    else if (strcmp(argv[i], "--handoff") == 0 && i + 1 < argc)
      handoff = (uint32_t)strtoul(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "--outbox-dir") == 0 && i + 1 < argc)
      (void)snprintf(outbox_dir, sizeof outbox_dir, "%s", argv[++i]);
    else {
      fprintf(stderr,
              "usage: bench_notify [--quick] [--case LETTERS] [--reps N] [--pushes N] "
              "[--outbox-dir DIR] [--handoff N]\n"
              "       bench_notify --ingest none|stall|handoff [--every N] [--pushes N] "
              "[--outbox-dir DIR|none] [--handoff N]\n");
      return 2;
    }
  }
  if (strcmp(outbox_dir, ".") == 0) { /* default: beside this program, in the build tree */
    const char *slash = strrchr(argv[0], '/');
    if (slash) (void)snprintf(outbox_dir, sizeof outbox_dir, "%.*s", (int)(slash - argv[0]), argv[0]);
  }
  if (reps < 1 || reps > 100) reps = 5;
  if (!(jj_features() & JJ_FEATURE_CURL)) {
    printf("bench_notify: built without notifiers (JJ_WITH_CURL): skipped\n");
    return 0;
  }
  if (only) return ingest_only(only, every ? every : 200, pushes ? pushes : 4000000);
  machine();
  if (strchr(cases, 'A')) case_a(pushes ? pushes : quick ? 200000 : 8000000);
  if (strchr(cases, 'B')) case_b();
  return 0;
}
