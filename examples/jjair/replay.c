/* jjair replay — feed a CSV file through rules and print every event as
 * one JSON object per line (NDJSON), with the rendered annotations. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "usage: jjair replay --rules FILE... --csv DATA --time COLUMN[:FORMAT]\n"
    "                    --metric COLUMN=METRIC[,COLUMN=METRIC...] [options]\n"
    "\n"
    "Reads DATA (CSV with a header line; '-' = stdin) row by row, pushes each\n"
    "metric cell as a reading of the series METRIC{labels} at the row's time,\n"
    "and prints every event as one JSON object per line on stdout (all event\n"
    "fields and the rendered annotations). Rows must be in time order.\n"
    "\n"
    "  --rules FILE...        rule files (the option may be repeated)\n"
    "  --csv DATA             the CSV file\n"
    "  --time COLUMN[:FORMAT] the time column (name or 1-based number); FORMAT is\n"
    "                         iso (default: 2024-01-01T09:00:00+09:00), epoch,\n"
    "                         epoch_ms, or a pattern of %Y %m %d %H %M %S and\n"
    "                         literal text, e.g. '%Y-%m-%d %H:%M' (hour 24 = next day)\n"
    "  --tz OFFSET            zone of pattern times without one, e.g. +09:00 (KST);\n"
    "                         default UTC\n"
    "  --shift [-]DURATION    add to every time (a leading - subtracts), e.g. -1h\n"
    "                         when rows are labelled by the END of their hour\n"
    "                         (readings then fall in that hour)\n"
    "  --metric COL=METRIC    a value column and its metric (repeatable, comma lists)\n"
    "  --label NAME=VALUE     a label on every series (repeatable)\n"
    "  --label-column NAME=COL  a label taken from a column of each row (repeatable)\n"
    "  --lateness DURATION    out-of-order tolerance of the engine (default 0s)\n"
    "  --flush DURATION       at the end, advance time this far past the last row\n"
    "                         so open windows close (default 0s)\n"
    "  --delimiter C          field separator (default ',')\n"
    "\n"
    "A DURATION is written as in rule files: 500ms, 90s, 5m, 1h30m, 0s.\n"
    "Missing cells (empty, -, NA, N/A, NaN, null, None) are counted and skipped;\n"
    "rows with a bad time and cells that are not numbers are reported on stderr\n"
    "with counts, as are readings the engine rejected. Exit status: 0 done,\n"
    "1 rules or data could not be read, 2 bad usage.\n";

#define MAX_ITEMS 64

typedef struct mapping {
  char *column;
  char *target; /* metric or label name */
  int index;    /* resolved column index */
} mapping;

typedef struct opts {
  char *rules[MAX_ITEMS];
  size_t nrules;
  const char *csv;
  char *time_col;
  const char *time_fmt;
  int time_index;
  int64_t tz_ms, shift_ms, lateness_ms, flush_ms;
  mapping metrics[MAX_ITEMS];
  size_t nmetrics;
  jj_label labels[MAX_ITEMS];
  size_t nlabels;
  mapping label_cols[MAX_ITEMS];
  size_t nlabel_cols;
  char delim;
} opts;

static void on_event(void *ctx, const jj_event *ev) {
  (void)ctx;
  cli_json_event(stdout, ev);
}

/* Split `line` in place into fields (quotes with "" escapes). */
static int split_csv(char *line, char delim, char **fields, int max) {
  int n = 0;
  char *p = line;
  size_t len = strlen(line);
  while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
  for (;;) {
    if (n == max) return n;
    if (*p == '"') {
      char *out = ++p;
      fields[n++] = out;
      for (;;) {
        if (*p == '\0') break;
        if (*p == '"' && p[1] == '"') {
          *out++ = '"';
          p += 2;
        } else if (*p == '"') {
          p++;
          break;
        } else {
          *out++ = *p++;
        }
      }
      while (*p && *p != delim) p++;
      int end = *p == '\0';
      *out = '\0';
      if (end) return n;
      p++;
    } else {
      fields[n++] = p;
      char *d = strchr(p, delim);
      if (!d) return n;
      *d = '\0';
      p = d + 1;
    }
  }
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
  return s;
}

static int is_missing(const char *s) {
  static const char *const words[] = {"", "-", "NA", "N/A", "n/a", "NaN", "nan", "null",
                                      "NULL", "None", "none", "--", NULL};
  for (size_t i = 0; words[i]; i++)
    if (strcmp(s, words[i]) == 0) return 1;
  return 0;
}

static int parse_time(const opts *o, const char *s, int64_t *out) {
  int rc;
  if (strcmp(o->time_fmt, "iso") == 0) {
    rc = cli_parse_iso(s, out);
  } else if (strcmp(o->time_fmt, "epoch") == 0 || strcmp(o->time_fmt, "epoch_ms") == 0) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || v != v || v > 9.2e15 || v < -9.2e15) return -1;
    *out = strcmp(o->time_fmt, "epoch") == 0 ? (int64_t)(v * 1000.0) : (int64_t)v;
    rc = 0;
  } else {
    rc = cli_parse_pattern(s, o->time_fmt, o->tz_ms, out);
  }
  if (rc == 0) *out += o->shift_ms;
  return rc;
}

static int find_column(char **names, int n, const char *col) {
  for (int i = 0; i < n; i++)
    if (strcmp(trim(names[i]), col) == 0) return i;
  char *end;
  long k = strtol(col, &end, 10);
  if (*col && !*end && k >= 1 && k <= n) return (int)k - 1;
  return -1;
}

static int split_pair(char *arg, char **a, char **b) {
  char *eq = strchr(arg, '=');
  if (!eq || eq == arg || !eq[1]) return -1;
  *eq = '\0';
  *a = arg;
  *b = eq + 1;
  return 0;
}

static int usage_error(const char *msg, const char *arg) {
  (void)fprintf(stderr, "jjair replay: %s%s%s\n(see jjair replay --help)\n", msg, arg ? ": " : "",
                arg ? arg : "");
  return 2;
}

static int parse_args(int argc, char **argv, opts *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--rules") == 0) {
      if (!v) return usage_error("--rules needs a file", NULL);
      while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
        if (o->nrules == MAX_ITEMS) return usage_error("too many rule files", NULL);
        o->rules[o->nrules++] = argv[++i];
      }
      continue;
    }
    if (!v) return usage_error("option needs a value", a);
    i++;
    char *arg = argv[i];
    if (strcmp(a, "--csv") == 0) {
      o->csv = arg;
    } else if (strcmp(a, "--time") == 0) {
      o->time_col = arg;
      char *colon = strchr(arg, ':');
      if (colon) {
        *colon = '\0';
        o->time_fmt = colon + 1;
      }
    } else if (strcmp(a, "--tz") == 0) {
      int64_t t;
      char buf[64];
      int k = snprintf(buf, sizeof buf, "1970-01-01T00:00:00%s", arg);
      if (k < 0 || (size_t)k >= sizeof buf || cli_parse_iso(buf, &t) != 0)
        return usage_error("bad --tz (use +09:00)", arg);
      o->tz_ms = -t;
    } else if (strcmp(a, "--shift") == 0 || strcmp(a, "--lateness") == 0 ||
               strcmp(a, "--flush") == 0) {
      /* A duration has no sign; --shift alone moves times back, so it
       * reads its own '-'. */
      int back = a[2] == 's' && arg[0] == '-';
      const char *text = arg + back;
      int64_t d;
      jj_error why;
      if (jj_duration_parse(text, strlen(text), &d, &why) != JJ_OK) {
        (void)fprintf(stderr, "jjair replay: bad %s: %s\n(see jjair replay --help)\n", a,
                      why.message);
        return 2;
      }
      if (a[2] == 's')
        o->shift_ms = back ? -d : d;
      else if (a[2] == 'l')
        o->lateness_ms = d;
      else
        o->flush_ms = d;
    } else if (strcmp(a, "--metric") == 0) {
      for (char *save = NULL, *tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (o->nmetrics == MAX_ITEMS) return usage_error("too many metrics", NULL);
        mapping *m = &o->metrics[o->nmetrics++];
        if (split_pair(tok, &m->column, &m->target) != 0)
          return usage_error("--metric wants COLUMN=METRIC", tok);
      }
    } else if (strcmp(a, "--label") == 0) {
      if (o->nlabels == MAX_ITEMS) return usage_error("too many labels", NULL);
      char *n, *val;
      if (split_pair(arg, &n, &val) != 0) return usage_error("--label wants NAME=VALUE", arg);
      o->labels[o->nlabels].name = n;
      o->labels[o->nlabels++].value = val;
    } else if (strcmp(a, "--label-column") == 0) {
      if (o->nlabel_cols == MAX_ITEMS) return usage_error("too many labels", NULL);
      mapping *m = &o->label_cols[o->nlabel_cols++];
      if (split_pair(arg, &m->target, &m->column) != 0)
        return usage_error("--label-column wants NAME=COLUMN", arg);
    } else if (strcmp(a, "--delimiter") == 0) {
      if (strlen(arg) != 1) return usage_error("--delimiter wants one character", arg);
      o->delim = arg[0];
    } else {
      return usage_error("unknown option", a);
    }
  }
  if (!o->nrules) return usage_error("--rules is required", NULL);
  if (!o->csv) return usage_error("--csv is required", NULL);
  if (!o->time_col) return usage_error("--time is required", NULL);
  if (!o->nmetrics) return usage_error("--metric is required", NULL);
  return 0;
}

int cmd_replay(int argc, char **argv) {
  if (cli_help(argc, argv, help)) return 0;
  opts o;
  memset(&o, 0, sizeof o);
  o.time_fmt = "iso";
  o.delim = ',';
  int rc = parse_args(argc, argv, &o);
  if (rc) return rc;

  jj_ruleset *rs = NULL;
  if (cli_load_rules(o.rules, o.nrules, stderr, &rs) != 0) return 1;
  FILE *f = strcmp(o.csv, "-") == 0 ? stdin : fopen(o.csv, "r");
  if (!f) {
    perror(o.csv);
    jj_ruleset_free(rs);
    return 1;
  }
  jj_engine_config ec;
  jj_engine_config_init(&ec);
  ec.on_event = on_event;
  ec.lateness_ms = o.lateness_ms;
  jj_engine *e = NULL;
  if (jj_engine_new(rs, &ec, NULL, &e) != JJ_OK) {
    (void)fprintf(stderr, "jjair replay: could not create the engine\n");
    jj_ruleset_free(rs);
    if (f != stdin) (void)fclose(f); /* read only: nothing to lose */
    return 1;
  }
  jj_ruleset_free(rs); /* the engine holds its own reference */

  enum { MAX_FIELDS = 256 };
  char *fields[MAX_FIELDS];
  char *header = NULL, *line = NULL;
  size_t hcap = 0, lcap = 0;
  int nh = 0, status = 0;
  unsigned long rows = 0, bad_time = 0, short_rows = 0, missing = 0, bad_number = 0, pushed = 0;
  unsigned long rejected[64] = {0};
  int64_t last_ts = INT64_MIN;
  if (getline(&header, &hcap, f) < 0) {
    (void)fprintf(stderr, "%s: empty file\n", o.csv);
    status = 1;
    goto out;
  }
  {
    char *h = header;
    if ((unsigned char)h[0] == 0xEF && (unsigned char)h[1] == 0xBB && (unsigned char)h[2] == 0xBF)
      h += 3; /* UTF-8 byte order mark */
    nh = split_csv(h, o.delim, fields, MAX_FIELDS);
  }
  o.time_index = find_column(fields, nh, o.time_col);
  if (o.time_index < 0) {
    (void)fprintf(stderr, "%s: no column '%s'\n", o.csv, o.time_col);
    status = 1;
    goto out;
  }
  int need = o.time_index; /* the highest column a row must have */
  for (size_t i = 0; i < o.nmetrics + o.nlabel_cols; i++) {
    mapping *m = i < o.nmetrics ? &o.metrics[i] : &o.label_cols[i - o.nmetrics];
    m->index = find_column(fields, nh, m->column);
    if (m->index < 0) {
      (void)fprintf(stderr, "%s: no column '%s'\n", o.csv, m->column);
      status = 1;
      goto out;
    }
    if (m->index > need) need = m->index;
  }
  /* The --label labels first, the same for every row; then a slot for each
   * --label-column, filled per row. */
  jj_label labels[2 * MAX_ITEMS];
  uint32_t nl = 0;
  for (size_t i = 0; i < o.nlabels; i++) labels[nl++] = o.labels[i];
  for (size_t i = 0; i < o.nlabel_cols; i++) labels[nl++].name = o.label_cols[i].target;
  unsigned long lineno = 1;
  while (getline(&line, &lcap, f) >= 0) {
    lineno++;
    if (line[0] == '\n' || (line[0] == '\r' && line[1] == '\n')) continue;
    rows++;
    int nf = split_csv(line, o.delim, fields, MAX_FIELDS);
    if (nf <= need) {
      if (short_rows++ < 5) (void)fprintf(stderr, "%s:%lu: only %d fields\n", o.csv, lineno, nf);
      continue;
    }
    int64_t ts;
    if (parse_time(&o, trim(fields[o.time_index]), &ts) != 0) {
      if (bad_time++ < 5)
        (void)fprintf(stderr, "%s:%lu: bad time '%s'\n", o.csv, lineno, trim(fields[o.time_index]));
      continue;
    }
    for (size_t i = 0; i < o.nlabel_cols; i++)
      labels[o.nlabels + i].value = trim(fields[o.label_cols[i].index]);
    for (size_t i = 0; i < o.nmetrics; i++) {
      char *cell = trim(fields[o.metrics[i].index]);
      if (is_missing(cell)) {
        missing++;
        continue;
      }
      char *end;
      double v = strtod(cell, &end);
      if (end == cell || *end) {
        if (bad_number++ < 5)
          (void)fprintf(stderr, "%s:%lu: '%s' in column %s is not a number\n", o.csv, lineno, cell,
                        o.metrics[i].column);
        continue;
      }
      jj_status st = jj_engine_push_labeled(e, o.metrics[i].target, labels, nl, ts, v);
      if (st == JJ_OK) {
        pushed++;
      } else {
        unsigned k = (unsigned)st < 64 ? (unsigned)st : 63;
        if (rejected[k]++ < 5)
          (void)fprintf(stderr, "%s:%lu: %s reading rejected: %s\n", o.csv, lineno,
                        o.metrics[i].target, jj_strerror(st));
      }
    }
    if (ts > last_ts) last_ts = ts;
  }
  if (last_ts != INT64_MIN && o.flush_ms > 0) jj_engine_advance(e, last_ts + o.flush_ms);
  (void)fflush(stdout); /* the events before the summary; main() checks stdout */
  (void)fprintf(stderr,
                "rows %lu: bad time %lu, too few fields %lu; cells: missing %lu, not a number %lu; "
                "readings accepted %lu",
                rows, bad_time, short_rows, missing, bad_number, pushed);
  for (unsigned k = 0; k < 64; k++)
    if (rejected[k]) (void)fprintf(stderr, ", rejected (%s) %lu", jj_strerror((int)k), rejected[k]);
  jj_engine_stats st;
  jj_engine_stats_get(e, &st); /* its event count is the number of on_event calls */
  (void)fprintf(stderr, "; events %llu\n", (unsigned long long)st.events);

out:
  free(header);
  free(line);
  if (f != stdin) (void)fclose(f);
  jj_engine_free(e);
  return status;
}
