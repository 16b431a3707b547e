/* Tests for the server's InfluxDB line protocol parser
 * (examples/server/lineproto.h) and its mapping to readings
 * (reading_line.h): the escaping rules of InfluxData's reference, every
 * field type, timestamps in each precision (floored, negative ones too),
 * and a table of malformed lines with the column and words of their
 * error; a body mixing good and bad lines keeps the good ones. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lineproto.h"
#include "reading_line.h"

static char scratch[4096];

static int parse(const char *s, srv_lp_precision p, srv_lp_line *l, char *err, size_t *col) {
  return srv_lp_parse(s, strlen(s), p, scratch, l, err, 256, col);
}

static void test_basic(void **state) {
  (void)state;
  srv_lp_line l;
  char err[256];
  size_t col;
  assert_int_equal(parse("air,station=s1,zone=z pm25=41.5,pm10=80i 1714539600000000000", SRV_LP_NS,
                         &l, err, &col),
                   0);
  assert_string_equal(l.measurement, "air");
  assert_int_equal(l.ntags, 2);
  assert_string_equal(l.tags[0].key, "station");
  assert_string_equal(l.tags[0].value, "s1");
  assert_string_equal(l.tags[1].value, "z");
  assert_int_equal(l.nfields, 2);
  assert_string_equal(l.fields[0].key, "pm25");
  assert_int_equal(l.fields[0].type, SRV_LP_FLOAT);
  assert_true(l.fields[0].num == 41.5);
  assert_int_equal(l.fields[1].type, SRV_LP_INT);
  assert_true(l.fields[1].num == 80);
  assert_true(l.has_ts);
  assert_int_equal(l.ts_ms, 1714539600000LL);
}

static void test_escapes(void **state) {
  (void)state;
  srv_lp_line l;
  char err[256];
  size_t col;
  /* measurement: \, and \space; tags and field keys: \, \= \space;
   * strings: \" and \\; any other backslash is itself */
  assert_int_equal(parse("my\\ meas\\,x,t\\ a\\=g=v\\,1\\ 2 f\\=k=\"say \\\"hi\\\" c:\\\\d \\n\",b=t",
                         SRV_LP_NS, &l, err, &col),
                   0);
  assert_string_equal(l.measurement, "my meas,x");
  assert_string_equal(l.tags[0].key, "t a=g");
  assert_string_equal(l.tags[0].value, "v,1 2");
  assert_string_equal(l.fields[0].key, "f=k");
  assert_int_equal(l.fields[0].type, SRV_LP_STRING);
  assert_string_equal(l.fields[0].str, "say \"hi\" c:\\d \\n");
  assert_int_equal(l.fields[1].type, SRV_LP_BOOL);
  assert_true(l.fields[1].num == 1);
  assert_false(l.has_ts);
  /* '=' needs no escape in a measurement; a string may hold spaces, commas */
  assert_int_equal(parse("a=b f=\"x, y=z\" -5", SRV_LP_S, &l, err, &col), 0);
  assert_string_equal(l.measurement, "a=b");
  assert_string_equal(l.fields[0].str, "x, y=z");
  assert_int_equal(l.ts_ms, -5000);
}

static void test_types_and_precision(void **state) {
  (void)state;
  srv_lp_line l;
  char err[256];
  size_t col;
  assert_int_equal(parse("m a=-1.5e3,b=7u,c=-3i,d=FALSE,e=True,f=1.,g=.5", SRV_LP_NS, &l, err, &col),
                   0);
  assert_int_equal(l.nfields, 7);
  assert_true(l.fields[0].num == -1500);
  assert_int_equal(l.fields[1].type, SRV_LP_UINT);
  assert_true(l.fields[2].num == -3);
  assert_int_equal(l.fields[3].type, SRV_LP_BOOL);
  assert_true(l.fields[3].num == 0);
  assert_true(l.fields[4].num == 1);
  assert_true(l.fields[5].num == 1);
  assert_true(l.fields[6].num == 0.5);
  static const struct {
    const char *line;
    srv_lp_precision p;
    int64_t ms;
  } ts[] = {{"m v=1 1500", SRV_LP_MS, 1500},          {"m v=1 1500", SRV_LP_S, 1500000},
            {"m v=1 1500999", SRV_LP_US, 1500},       {"m v=1 1500999999", SRV_LP_NS, 1500},
            {"m v=1 -1", SRV_LP_NS, -1},              {"m v=1 -1000001", SRV_LP_NS, -2},
            {"m v=1 0", SRV_LP_NS, 0},                {"m v=1 12  \r", SRV_LP_MS, 12}};
  for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
    assert_int_equal(parse(ts[i].line, ts[i].p, &l, err, &col), 0);
    assert_true(l.has_ts);
    assert_int_equal(l.ts_ms, ts[i].ms);
  }
  srv_lp_precision p;
  assert_int_equal(srv_lp_precision_parse("u", &p), 0);
  assert_int_equal(p, SRV_LP_US);
  assert_int_equal(srv_lp_precision_parse(NULL, &p), 0);
  assert_int_equal(p, SRV_LP_NS);
  assert_int_equal(srv_lp_precision_parse("h", &p), -1);
}

static void test_skipped(void **state) {
  (void)state;
  srv_lp_line l;
  char err[256];
  size_t col;
  assert_int_equal(parse("", SRV_LP_NS, &l, err, &col), 1);
  assert_int_equal(parse("   \r", SRV_LP_NS, &l, err, &col), 1);
  assert_int_equal(parse("# a comment", SRV_LP_NS, &l, err, &col), 1);
}

static void test_bad(void **state) {
  (void)state;
  static const struct {
    const char *line;
    size_t col;
    const char *words;
  } cases[] = {
      {"m", 2, "missing fields"},
      {",t=1 v=1", 1, "missing measurement"},
      {"m,t v=1", 3, "tag 't' has no '=value'"},
      {"m,t= v=1", 5, "empty value"},
      {"m,=x v=1", 3, "empty tag key"},
      {"m v", 3, "field 'v' has no '=value'"},
      {"m v=", 5, "has no value"},
      {"m v=abc", 5, "bad value 'abc'"},
      {"m v=nan", 5, "bad value"},
      {"m v=inf", 5, "bad value"},
      {"m v=0x10", 5, "bad value"},
      {"m v=1e999", 5, "bad number"},
      {"m v=1.5i", 5, "bad integer"},
      {"m v=-1u", 5, "negative unsigned"},
      {"m v=\"open", 5, "no closing"},
      {"m v=1 12x", 7, "bad timestamp"},
      {"m v=1 1 2", 9, "after the timestamp"},
      {"m v=1 99999999999999999999", 7, "out of range"},
      {"m v=1 9999999999999999", 7, "out of range"},
      {"m v=1,", 7, "empty field key"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    srv_lp_line l;
    char err[256];
    size_t col = 0;
    /* the 16-digit timestamp fits in ns but not in s */
    srv_lp_precision p = strcmp(cases[i].line, "m v=1 9999999999999999") == 0 ? SRV_LP_S : SRV_LP_NS;
    int rc = parse(cases[i].line, p, &l, err, &col);
    if (rc != -1 || col != cases[i].col || !strstr(err, cases[i].words))
      fail_msg("'%s': rc %d col %zu '%s'; want col %zu '%s'", cases[i].line, rc, col, err,
               cases[i].col, cases[i].words);
  }
}

typedef struct seen {
  size_t n, lines[16];
  srv_reject why[16];
} seen;

static void on_bad(void *ctx, size_t line, srv_reject why, const char *msg) {
  (void)msg;
  seen *s = ctx;
  if (s->n < 16) s->lines[s->n] = line, s->why[s->n] = why;
  s->n++;
}

static void test_body_to_readings(void **state) {
  (void)state;
  const char body[] = "air,station=s1,zone=z pm25=41,pm10=80,status=\"ok\" 1000\n"
                      "broken line\n"
                      "\n"
                      "temperature,robot=r1,sensor=body value=37.5,lat=35.8,lon=127.1 2000\n"
                      "co,robot=r1 value=1 \n"
                      "pos,robot=r1 lat=100,lon=0,v=1 3000\n";
  srv_batch *b = srv_batch_new(SRV_SRC_LINE);
  seen s = {0};
  size_t n = srv_line_parse(b, body, sizeof body - 1, SRV_LP_MS, INT64_MIN, on_bad, &s);
  assert_int_equal(n, 3);
  assert_int_equal(b->n, 3);
  assert_string_equal(b->r[0].metric, "pm25");
  assert_int_equal(b->r[0].ts_ms, 1000);
  assert_int_equal(b->r[0].nlabels, 2);
  assert_string_equal(b->r[0].labels[1].name, "zone");
  assert_string_equal(b->r[1].metric, "pm10");
  assert_string_equal(b->r[2].metric, "temperature"); /* value= takes the measurement */
  assert_true(b->r[2].has_location);
  assert_true(b->r[2].lat == 35.8);
  assert_int_equal(b->r[2].ts_ms, 2000);
  assert_int_equal(s.n, 4);
  assert_int_equal(s.lines[0], 1); /* the string field */
  assert_int_equal(s.why[0], SRV_REJ_FIELD_TYPE);
  assert_int_equal(s.lines[1], 2);
  assert_int_equal(s.why[1], SRV_REJ_LINE);
  assert_int_equal(s.lines[2], 5); /* no timestamp on data time */
  assert_int_equal(s.why[2], SRV_REJ_TIMESTAMP);
  assert_int_equal(s.lines[3], 6);
  assert_int_equal(s.why[3], SRV_REJ_LOCATION);
  srv_batch_free(b);
  /* with a default time, the line without a timestamp is taken */
  b = srv_batch_new(SRV_SRC_LINE);
  n = srv_line_parse(b, "co,robot=r1 value=1", 19, SRV_LP_NS, 777, NULL, NULL);
  assert_int_equal(n, 1);
  assert_int_equal(b->r[0].ts_ms, 777);
  srv_batch_free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_basic),    cmocka_unit_test(test_escapes),
      cmocka_unit_test(test_types_and_precision), cmocka_unit_test(test_skipped),
      cmocka_unit_test(test_bad),      cmocka_unit_test(test_body_to_readings),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
