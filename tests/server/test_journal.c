/* Tests for the server's journal (examples/server/journal.h): readings
 * written and read back bit for bit (labels, location, 17-digit values),
 * the generation header and the last "#seq" mark, a torn last line
 * skipped and counted, a file without a header refused. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"

static char path[64];

static srv_batch *sample(void) {
  srv_batch *b = srv_batch_new(SRV_SRC_NDJSON);
  assert_non_null(b);
  srv_reading *r = srv_batch_add(b, 2);
  r->metric = srv_batch_strdup(b, "pm25", 4);
  r->labels[0].name = srv_batch_strdup(b, "station", 7);
  r->labels[0].value = srv_batch_strdup(b, "팔복\"1\\", strlen("팔복\"1\\"));
  r->labels[1].name = srv_batch_strdup(b, "zone", 4);
  r->labels[1].value = srv_batch_strdup(b, "z", 1);
  r->nlabels = 2;
  r->ts_ms = 1516000000123;
  r->value = 0.1 + 0.2; /* needs all 17 digits */
  r = srv_batch_add(b, 0);
  r->metric = srv_batch_strdup(b, "temperature", 11);
  r->nlabels = 0;
  r->ts_ms = -5;
  r->value = 37.5;
  r->has_location = 1;
  r->lat = 35.824212345678901;
  r->lon = 127.148;
  return b;
}

typedef struct got {
  srv_reading r[8];
  char names[8][32], values[8][32], metrics[8][32];
  size_t n;
} got;

static void take(void *ctx, srv_batch *b) {
  got *g = ctx;
  for (size_t i = 0; i < b->n && g->n < 8; i++, g->n++) {
    g->r[g->n] = b->r[i];
    (void)snprintf(g->metrics[g->n], 32, "%s", b->r[i].metric);
    if (b->r[i].nlabels) {
      /* sorted or not, both labels must come back: keep the station's */
      for (uint32_t k = 0; k < b->r[i].nlabels; k++)
        if (strcmp(b->r[i].labels[k].name, "station") == 0) {
          (void)snprintf(g->names[g->n], 32, "%s", b->r[i].labels[k].name);
          (void)snprintf(g->values[g->n], 32, "%s", b->r[i].labels[k].value);
        }
    }
  }
}

static void test_round_trip(void **state) {
  (void)state;
  srv_journal j;
  char err[300];
  assert_int_equal(srv_journal_create(&j, path, 7, err, sizeof err), 0);
  srv_batch *b = sample();
  assert_int_equal(srv_journal_append(&j, b), 0);
  assert_int_equal(srv_journal_mark(&j, 41), 0);
  assert_int_equal(srv_journal_append(&j, b), 0);
  assert_int_equal(srv_journal_mark(&j, 42), 0);
  assert_int_equal(j.readings, 4);
  srv_journal_close(&j);
  srv_batch_free(b);

  srv_journal_info info;
  assert_int_equal(srv_journal_scan(path, &info, err, sizeof err), 0);
  assert_true(info.exists);
  assert_int_equal(info.gen, 7);
  assert_int_equal(info.last_seq, 42);
  got g;
  memset(&g, 0, sizeof g);
  uint64_t bad = 99;
  assert_int_equal(srv_journal_replay(path, take, &g, &bad), 4);
  assert_int_equal(bad, 0);
  assert_int_equal(g.n, 4);
  assert_string_equal(g.metrics[0], "pm25");
  assert_string_equal(g.values[0], "팔복\"1\\");
  assert_int_equal(g.r[0].ts_ms, 1516000000123);
  assert_true(g.r[0].value == 0.1 + 0.2); /* bit for bit */
  assert_string_equal(g.metrics[1], "temperature");
  assert_int_equal(g.r[1].ts_ms, -5);
  assert_true(g.r[1].has_location && g.r[1].lat == 35.824212345678901 && g.r[1].lon == 127.148);
}

static void test_torn_and_foreign(void **state) {
  (void)state;
  /* a crash in the middle of a line: the line is skipped and counted */
  FILE *f = fopen(path, "a");
  assert_non_null(f);
  (void)fputs("{\"metric\":\"pm25\",\"labels\":{},\"ts\":1,\"va", f);
  (void)fclose(f);
  got g;
  memset(&g, 0, sizeof g);
  uint64_t bad = 0;
  assert_int_equal(srv_journal_replay(path, take, &g, &bad), 4);
  assert_int_equal(bad, 1);
  /* a new journal replaces the old one */
  srv_journal j;
  char err[300];
  assert_int_equal(srv_journal_create(&j, path, 8, err, sizeof err), 0);
  srv_journal_close(&j);
  srv_journal_info info;
  assert_int_equal(srv_journal_scan(path, &info, err, sizeof err), 0);
  assert_int_equal(info.gen, 8);
  assert_int_equal(info.last_seq, 0);
  assert_int_equal(info.lines, 1);
  /* no journal: nothing, no error */
  (void)remove(path);
  assert_int_equal(srv_journal_scan(path, &info, err, sizeof err), 0);
  assert_false(info.exists);
  /* not a journal */
  f = fopen(path, "w");
  assert_non_null(f);
  (void)fputs("hello\n", f);
  (void)fclose(f);
  assert_int_equal(srv_journal_scan(path, &info, err, sizeof err), -1);
  assert_non_null(strstr(err, "not a journal"));
  (void)remove(path);
}

int main(void) {
  (void)snprintf(path, sizeof path, "/tmp/jj_journal_test_%d", (int)getpid());
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_torn_and_foreign),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
