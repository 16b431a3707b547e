/* jjair replay — feed a CSV file (or NDJSON or line protocol readings,
 * replay_readings.c) through rules and print every event: NDJSON with the
 * rendered annotations, or a table on a terminal (replay_out.c), then a
 * summary of the episodes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "csv.h"
#include "idcache.h"
#include "replay_out.h"
#include "replay_readings.h"

static const char help[] =
    "usage: jjair replay --rules FILE... --csv DATA --time COLUMN[:FORMAT]\n"
    "                    --metric COLUMN=METRIC[,COLUMN=METRIC...] [options]\n"
    "       jjair replay --rules FILE... --ndjson DATA [options]\n"
    "       jjair replay --rules FILE... --line-protocol DATA [--precision P] [options]\n"
    "\n"
    "Pushes DATA's readings ('-' = stdin; in time order) through the rules. CSV\n"
    "(a header line): each metric cell is a reading of METRIC{labels} at the\n"
    "row's time. NDJSON and line protocol: as jjair-server takes them (README\n"
    "\"Server\"); bad lines are reported (the first 10) and counted by reason.\n"
    "Events go to stdout: a table on a terminal, NDJSON (every field and the\n"
    "rendered annotations) into a pipe or file. At the end, on stderr: counts\n"
    "and the alert episodes per rule (how many, longest, first, last). A\n"
    "progress line on stderr (a terminal) while a large input is read.\n"
    "\n"
    "  --rules FILE...        rule files (the option may be repeated)\n"
    "  --csv DATA             the CSV file\n"
    "  --ndjson DATA          NDJSON readings (instead of --csv)\n"
    "  --line-protocol DATA   InfluxDB line protocol readings (instead of --csv)\n"
    "  --precision P          line protocol timestamps: ns (default), us, ms or s\n"
    "  --json / --table       events as NDJSON / as a table, wherever stdout goes\n"
    "  --progress / --no-progress  the progress line on stderr always / never\n"
    "  --time COLUMN[:FORMAT] the time column (name or 1-based number); FORMAT is\n"
    "                         iso (default: 2024-01-01T09:00:00+09:00), epoch,\n"
    "                         epoch_ms, or a pattern of %Y %m %d %H %M %S and\n"
    "                         literal text, e.g. '%Y-%m-%d %H:%M' (hour 24 = next day);\n"
    "                         any other FORMAT is a usage error\n"
    "  --tz OFFSET            zone of pattern times without one, e.g. +09:00 (KST),\n"
    "                         -12:00 to +14:00; default UTC\n"
    "  --shift [-]DURATION    add to every time (a leading - subtracts), e.g. -1h\n"
    "                         when rows are labelled by the END of their hour\n"
    "                         (readings then fall in that hour)\n"
    "  --metric COL=METRIC    a value column and its metric (repeatable, comma lists;\n"
    "                         a column or a metric named twice is a usage error)\n"
    "  --label NAME=VALUE     a label on every series (repeatable; CSV only)\n"
    "  --label-column NAME=COL  a label taken from a column of each row (repeatable;\n"
    "                         a label name given twice is a usage error)\n"
    "  --lateness DURATION    out-of-order tolerance of the engine (default 0s)\n"
    "  --flush DURATION       at the end, advance time this far past the last\n"
    "                         accepted reading so open windows close (default 0s)\n"
    "  --delimiter C          CSV field separator (default ',')\n"
    "  --state-in FILE        start from the engine state saved in FILE (by --state-out):\n"
    "                         series, windows, alerts and timers continue; rows at or\n"
    "                         before the state's time are skipped, so the same DATA can\n"
    "                         be replayed from its start\n"
    "  --state-out FILE       save the engine state to FILE at the end (after --flush),\n"
    "                         or at --stop-at; written to FILE.tmp, synced, renamed\n"
    "  --stop-at TIME         stop before the first row at or after TIME (ISO 8601), with\n"
    "                         no --flush: a cut to continue from with --state-in\n"
    "  --reload-at TIME=FILE[,FILE...]  at the first row at or after TIME, reload the\n"
    "                         rules from FILE(s) (jj_engine_reload): unchanged rules keep\n"
    "                         their state, changed and removed ones end their open alerts\n"
    "                         (reason rule_changed / rule_removed); files that fail to\n"
    "                         load are reported and the old rules keep running\n";

/* The rest of --help (one string would pass C99's 4095-byte limit). */
static const char help_more[] =
    "\n"
    "--time, --metric, --label, --label-column, --delimiter, --shift, --state-in,\n"
    "--stop-at, --reload-at: CSV only; --tz is also the zone of the table and summary.\n"
    "--tz is also the zone of the table and the summary.\n"
    "A DURATION is written as in rule files: 500ms, 90s, 5m, 1h30m, 0s.\n"
    "DATA is read by RFC 4180 rules: quoted fields may hold the delimiter, \"\"\n"
    "and line breaks; rows end with LF, CRLF or CR. A NUL byte, text after a\n"
    "closing quote, an unclosed quote, a row over 16 MiB or 4096 fields stop\n"
    "the replay with the line and column (exit 1).\n"
    "Missing cells (empty, -, NA, N/A, NaN, null, None) are counted and skipped;\n"
    "rows with a bad time and cells that are not numbers are reported on stderr\n"
    "with counts, as are readings the engine rejected. Exit status: 0 done,\n"
    "1 rules or data could not be read, or data rows were read but not one\n"
    "reading was accepted; 2 bad usage.\n";

#define MAX_ITEMS 64

typedef struct mapping {
  char *column;
  char *target; /* metric or label name */
  size_t index; /* resolved column index */
} mapping;

enum time_kind { TIME_ISO, TIME_EPOCH, TIME_EPOCH_MS, TIME_PATTERN };

typedef struct opts {
  char *rules[MAX_ITEMS];
  size_t nrules;
  const char *csv; /* the input, whatever its kind */
  replay_input input;
  int ninputs;
  const char *precision;
  replay_format format;
  int progress;
  char *time_col;
  const char *time_fmt;
  enum time_kind time_kind;
  size_t time_index;
  int64_t tz_ms, shift_ms, lateness_ms, flush_ms;
  mapping metrics[MAX_ITEMS];
  size_t nmetrics;
  jj_label labels[MAX_ITEMS];
  size_t nlabels;
  mapping label_cols[MAX_ITEMS];
  size_t nlabel_cols;
  char delim;
  char nothing_from[48]; /* "N rows" / "N lines": what gave no accepted reading */
  const char *state_in, *state_out;
  int has_stop, has_skip, has_reload;
  int64_t stop_at, skip_until, reload_at;
  char *reload_rules[MAX_ITEMS];
  size_t nreload;
} opts;

/* Cut spaces and tabs from both ends of a field (in place). */
static char *trim(char *s, size_t *len) {
  size_t n = *len;
  while (n && (*s == ' ' || *s == '\t')) s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  s[n] = '\0';
  *len = n;
  return s;
}

/* The row's time in ms, within the engine's +-2^62 ms after --shift. */
static int parse_time(const opts *o, const char *s, int64_t *out) {
  int rc;
  switch (o->time_kind) {
    case TIME_ISO: rc = cli_parse_iso(s, out); break;
    case TIME_EPOCH:
    case TIME_EPOCH_MS: {
      char *end;
      double v = strtod(s, &end);
      if (end == s || *end || v != v || v > 9.2e15 || v < -9.2e15) return -1;
      *out = o->time_kind == TIME_EPOCH ? (int64_t)(v * 1000.0) : (int64_t)v;
      rc = 0;
      break;
    }
    case TIME_PATTERN: rc = cli_parse_pattern(s, o->time_fmt, o->tz_ms, out); break;
    default: return -1;
  }
  if (rc != 0 || *out > CLI_TS_LIMIT || *out < -CLI_TS_LIMIT) return -1;
  /* |time| <= 2^62 and |shift| <= 2^61 (JJ_DURATION_MAX_MS): no overflow */
  *out += o->shift_ms;
  return *out > CLI_TS_LIMIT || *out < -CLI_TS_LIMIT ? -1 : 0;
}

static int find_column(const csv_row *h, const char *col, size_t *at) {
  for (size_t i = 0; i < h->n; i++) {
    size_t n = h->len[i];
    if (strcmp(trim(h->fields[i], &n), col) == 0) {
      *at = i;
      return 0;
    }
  }
  char *end;
  long k = strtol(col, &end, 10);
  if (*col && !*end && k >= 1 && (unsigned long)k <= h->n) {
    *at = (size_t)k - 1;
    return 0;
  }
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

/* iso, epoch, epoch_ms, or a pattern with at least one field and only the
 * directives cli_parse_pattern knows. */
static int set_time_format(opts *o, const char *fmt) {
  o->time_fmt = fmt;
  if (strcmp(fmt, "iso") == 0) {
    o->time_kind = TIME_ISO;
    return 0;
  }
  if (strcmp(fmt, "epoch") == 0 || strcmp(fmt, "epoch_ms") == 0) {
    o->time_kind = fmt[5] ? TIME_EPOCH_MS : TIME_EPOCH;
    return 0;
  }
  int fields = 0;
  for (const char *f = fmt; *f; f++) {
    if (*f != '%') continue;
    f++;
    if (!*f || !strchr("YmdHMS%", *f)) return -1;
    fields += *f != '%';
  }
  o->time_kind = TIME_PATTERN;
  return fields ? 0 : -1;
}

/* --tz: +HH:MM / -HH:MM (or +HHMM, +HH, Z) between -12:00 and +14:00, the
 * offsets zones use. */
static int parse_tz(const char *arg, int64_t *tz_ms) {
  int64_t t;
  char buf[64];
  int k = snprintf(buf, sizeof buf, "1970-01-01T00:00:00%s", arg);
  if (k < 0 || (size_t)k >= sizeof buf || cli_parse_iso(buf, &t) != 0) return -1;
  if (-t > (int64_t)14 * 3600000 || -t < (int64_t)-12 * 3600000) return -1;
  *tz_ms = -t;
  return 0;
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
    if (strcmp(a, "--json") == 0 || strcmp(a, "--table") == 0) {
      o->format = a[2] == 'j' ? REPLAY_JSON : REPLAY_TABLE;
      continue;
    }
    if (strcmp(a, "--progress") == 0 || strcmp(a, "--no-progress") == 0) {
      o->progress = a[2] == 'p';
      continue;
    }
    if (!v) return usage_error("option needs a value", a);
    i++;
    char *arg = argv[i];
    if (strcmp(a, "--csv") == 0 || strcmp(a, "--ndjson") == 0 ||
        strcmp(a, "--line-protocol") == 0) {
      o->csv = arg;
      o->input = a[2] == 'c' ? REPLAY_IN_CSV : a[2] == 'n' ? REPLAY_IN_NDJSON : REPLAY_IN_LINE;
      o->ninputs++;
      if (o->input != REPLAY_IN_CSV && !replay_readings_available())
        return usage_error("this jjair was built without jansson (libjansson-dev): it reads "
                           "CSV only",
                           a);
    } else if (strcmp(a, "--precision") == 0) {
      if (replay_precision_ok(arg) != 0)
        return usage_error("unknown --precision (ns, us, ms or s)", arg);
      o->precision = arg;
    } else if (strcmp(a, "--time") == 0) {
      o->time_col = arg;
      char *colon = strchr(arg, ':');
      if (colon) {
        *colon = '\0';
        if (set_time_format(o, colon + 1) != 0)
          return usage_error("unknown --time format (iso, epoch, epoch_ms or a %Y %m %d %H %M "
                             "%S pattern)",
                             colon + 1);
      }
    } else if (strcmp(a, "--tz") == 0) {
      if (parse_tz(arg, &o->tz_ms) != 0)
        return usage_error("bad --tz (use an offset from -12:00 to +14:00, e.g. +09:00)", arg);
    } else if (strcmp(a, "--shift") == 0 || strcmp(a, "--lateness") == 0 ||
               strcmp(a, "--flush") == 0) {
      /* A duration has no sign; --shift alone moves times back, so it
       * reads its own '-'. Durations are at most JJ_DURATION_MAX_MS, so
       * time + duration cannot overflow (see parse_time and the flush). */
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
        mapping *m = &o->metrics[o->nmetrics];
        if (split_pair(tok, &m->column, &m->target) != 0)
          return usage_error("--metric wants COLUMN=METRIC", tok);
        for (size_t k = 0; k < o->nmetrics; k++) {
          if (strcmp(o->metrics[k].column, m->column) == 0)
            return usage_error("--metric names a column twice", m->column);
          if (strcmp(o->metrics[k].target, m->target) == 0)
            return usage_error("--metric feeds a metric from two columns", m->target);
        }
        o->nmetrics++;
      }
    } else if (strcmp(a, "--label") == 0 || strcmp(a, "--label-column") == 0) {
      int fixed = a[7] == '\0';
      if ((fixed ? o->nlabels : o->nlabel_cols) == MAX_ITEMS)
        return usage_error("too many labels", NULL);
      char *name, *val;
      if (split_pair(arg, &name, &val) != 0)
        return usage_error(fixed ? "--label wants NAME=VALUE" : "--label-column wants NAME=COLUMN",
                           arg);
      for (size_t k = 0; k < o->nlabels + o->nlabel_cols; k++) {
        const char *other = k < o->nlabels ? o->labels[k].name : o->label_cols[k - o->nlabels].target;
        if (strcmp(other, name) == 0) return usage_error("label given twice", name);
      }
      if (fixed) {
        o->labels[o->nlabels].name = name;
        o->labels[o->nlabels++].value = val;
      } else {
        o->label_cols[o->nlabel_cols].target = name;
        o->label_cols[o->nlabel_cols++].column = val;
      }
    } else if (strcmp(a, "--state-in") == 0) {
      o->state_in = arg;
    } else if (strcmp(a, "--state-out") == 0) {
      o->state_out = arg;
    } else if (strcmp(a, "--stop-at") == 0) {
      if (cli_parse_iso(arg, &o->stop_at) != 0)
        return usage_error("--stop-at wants an ISO 8601 time", arg);
      o->has_stop = 1;
    } else if (strcmp(a, "--reload-at") == 0) {
      char *eq = strchr(arg, '=');
      if (!eq || o->has_reload) return usage_error("--reload-at wants TIME=FILE[,FILE...], once", arg);
      *eq = '\0';
      if (cli_parse_iso(arg, &o->reload_at) != 0)
        return usage_error("--reload-at wants an ISO 8601 time", arg);
      for (char *save = NULL, *tok = strtok_r(eq + 1, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (o->nreload == MAX_ITEMS) return usage_error("too many rule files", NULL);
        o->reload_rules[o->nreload++] = tok;
      }
      if (!o->nreload) return usage_error("--reload-at names no rule file", NULL);
      o->has_reload = 1;
    } else if (strcmp(a, "--delimiter") == 0) {
      if (strlen(arg) != 1 || strchr("\"\r\n", arg[0]))
        return usage_error("--delimiter wants one character other than a quote", arg);
      o->delim = arg[0];
    } else {
      return usage_error("unknown option", a);
    }
  }
  if (!o->nrules) return usage_error("--rules is required", NULL);
  if (o->ninputs > 1) return usage_error("give one of --csv, --ndjson, --line-protocol", NULL);
  if (!o->csv) return usage_error("--csv (or --ndjson, --line-protocol) is required", NULL);
  if (o->precision && o->input != REPLAY_IN_LINE)
    return usage_error("--precision is for --line-protocol", NULL);
  if (o->input != REPLAY_IN_CSV) {
    if (o->time_col || o->nmetrics || o->nlabels || o->nlabel_cols || o->delim != ',' ||
        o->shift_ms)
      return usage_error("--time, --metric, --label, --label-column, --delimiter and --shift "
                         "are for --csv (NDJSON and line protocol carry their own)",
                         NULL);
    if (o->state_in || o->has_stop || o->has_reload)
      return usage_error("--state-in, --stop-at and --reload-at are for --csv", NULL);
    return 0;
  }
  if (!o->time_col) return usage_error("--time is required", NULL);
  if (!o->nmetrics) return usage_error("--metric is required", NULL);
  return 0;
}

/* The counts printed at the end. */
typedef struct tally {
  unsigned long rows, bad_time, short_rows, missing, bad_number, pushed, skipped;
  int stopped, reloaded;
  unsigned long rejected[64];
} tally;

/* Open DATA: '-' is stdin; a directory is refused up front (fopen would
 * take it and the first read fail with a less clear message). */
static FILE *open_data(const char *path) {
  if (strcmp(path, "-") == 0) return stdin;
  FILE *f = fopen(path, "r");
  if (!f) {
    (void)fprintf(stderr, "%s: %s\n", path, strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    (void)fprintf(stderr, "%s: is a directory, not a CSV file\n", path);
    (void)fclose(f);
    return NULL;
  }
  return f;
}

/* Resolve the header's columns. -1 with a message when one is missing. */
static int resolve_columns(opts *o, const csv_row *h, size_t *need) {
  if (find_column(h, o->time_col, &o->time_index) != 0) {
    (void)fprintf(stderr, "%s: no column '%s'\n", o->csv, o->time_col);
    return -1;
  }
  *need = o->time_index; /* the highest column a row must have */
  for (size_t i = 0; i < o->nmetrics + o->nlabel_cols; i++) {
    mapping *m = i < o->nmetrics ? &o->metrics[i] : &o->label_cols[i - o->nmetrics];
    if (find_column(h, m->column, &m->index) != 0) {
      (void)fprintf(stderr, "%s: no column '%s'\n", o->csv, m->column);
      return -1;
    }
    if (m->index > *need) *need = m->index;
  }
  return 0;
}

/* Feed the data rows. Returns 0, or 1 when the CSV reader stopped on an
 * error (printed). *last_ts is the newest accepted reading's time. */
static int replay_rows(const opts *o, csv_reader *rd, size_t need, jj_engine *e, tally *t,
                       int64_t *last_ts, FILE *f, replay_out *out) {
  /* The --label labels first, the same for every row; then a slot for each
   * --label-column, filled per row. */
  jj_label labels[2 * MAX_ITEMS];
  uint32_t nl = 0;
  for (size_t i = 0; i < o->nlabels; i++) labels[nl++] = o->labels[i];
  for (size_t i = 0; i < o->nlabel_cols; i++) labels[nl++].name = o->label_cols[i].target;
  char *lvals[MAX_ITEMS];
  size_t llen[MAX_ITEMS];
  idcache *cache = idcache_new(o->nlabel_cols, o->nmetrics);
  /* The rows of one moment share its time text (one row per station):
   * the conversion is done once per distinct text. */
  char prev_time[64] = "";
  size_t prev_len = SIZE_MAX;
  int prev_rc = -1;
  int64_t prev_ts = 0;
  csv_row row;
  int rc;
  while ((rc = csv_next(rd, &row)) == 1) {
    if (row.n == 1 && row.len[0] == 0) continue; /* an empty line */
    if ((++t->rows & 4095) == 0) replay_out_progress(out, (int64_t)ftello(f), t->pushed);
    if (row.n <= need) {
      if (t->short_rows++ < 5)
        (void)fprintf(stderr, "%s:%lu: only %zu fields\n", o->csv, row.line, row.n);
      continue;
    }
    size_t tl = row.len[o->time_index];
    const char *tcell = trim(row.fields[o->time_index], &tl);
    int64_t ts = prev_ts;
    if (tl != prev_len || memcmp(tcell, prev_time, tl) != 0) {
      prev_rc = parse_time(o, tcell, &prev_ts);
      ts = prev_ts;
      prev_len = tl < sizeof prev_time ? tl : SIZE_MAX; /* a long text is not cached */
      if (prev_len != SIZE_MAX) memcpy(prev_time, tcell, tl);
    }
    if (prev_rc != 0) {
      if (t->bad_time++ < 5) (void)fprintf(stderr, "%s:%lu: bad time '%s'\n", o->csv, row.line, tcell);
      continue;
    }
    /* State files (state.c): rows the state already holds, the cut, the reload. */
    if (o->has_skip && ts <= o->skip_until) {
      t->rows--;
      t->skipped++;
      continue;
    }
    if (o->has_stop && ts >= o->stop_at) {
      t->rows--;
      t->stopped = 1;
      break;
    }
    if (o->has_reload && !t->reloaded && ts >= o->reload_at) {
      t->reloaded = 1;
      cli_reload(e, o->reload_rules, o->nreload);
    }
    for (size_t i = 0; i < o->nlabel_cols; i++) {
      size_t k = o->label_cols[i].index;
      llen[i] = row.len[k];
      lvals[i] = trim(row.fields[k], &llen[i]);
      labels[o->nlabels + i].value = lvals[i];
    }
    jj_series_id *ids = cache ? idcache_get(cache, lvals, llen) : NULL;
    int accepted = 0;
    for (size_t i = 0; i < o->nmetrics; i++) {
      size_t cl = row.len[o->metrics[i].index];
      char *cell = trim(row.fields[o->metrics[i].index], &cl);
      if (csv_missing(cell, cl)) {
        t->missing++;
        continue;
      }
      double v;
      if (csv_number(cell, cl, &v) != 0) {
        if (t->bad_number++ < 5)
          (void)fprintf(stderr, "%s:%lu: '%s' in column %s is not a number\n", o->csv, row.line,
                        cell, o->metrics[i].column);
        continue;
      }
      jj_series_id id = ids ? ids[i] : JJ_IDCACHE_NONE;
      jj_status st = JJ_OK;
      if (id == JJ_IDCACHE_NONE) {
        st = jj_engine_series(e, o->metrics[i].target, labels, nl, &id);
        if (st == JJ_OK && ids) ids[i] = id;
      }
      if (st == JJ_OK) st = jj_engine_push(e, id, ts, v);
      if (st == JJ_OK) {
        t->pushed++;
        accepted = 1;
      } else {
        unsigned k = (unsigned)st < 64 ? (unsigned)st : 63;
        if (t->rejected[k]++ < 5)
          (void)fprintf(stderr, "%s:%lu: %s reading rejected: %s\n", o->csv, row.line,
                        o->metrics[i].target, jj_strerror(st));
      }
    }
    /* only an accepted reading moves the end time: a rejected row (late,
     * too far ahead) must not push --flush past the data */
    if (accepted && ts > *last_ts) *last_ts = ts;
  }
  idcache_free(cache);
  if (rc < 0) {
    (void)fprintf(stderr, "%s: %s\n", o->csv, csv_error(rd));
    return 1;
  }
  return 0;
}

/* The input's size in bytes for the progress line; -1 when unknown (a
 * pipe). */
static int64_t input_size(FILE *f) {
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) return -1;
  return (int64_t)st.st_size;
}

/* A CSV input: the header, then the rows. 0 or 1 (printed). */
static int replay_csv(opts *o, FILE *f, jj_engine *e, replay_out *out, tally *tp,
                      int64_t *last_ts, int *counted) {
  csv_reader *rd = csv_new(f, o->delim);
  if (!rd) {
    (void)fprintf(stderr, "jjair replay: out of memory\n");
    return 1;
  }
  int status = 0;
  csv_row header;
  int rc = csv_next(rd, &header);
  size_t need;
  if (rc <= 0) {
    (void)fprintf(stderr, "%s: %s\n", o->csv, rc == 0 ? "empty file" : csv_error(rd));
    status = 1;
  } else if (resolve_columns(o, &header, &need) != 0) {
    status = 1;
  } else {
    tally t;
    memset(&t, 0, sizeof t);
    status = replay_rows(o, rd, need, e, &t, last_ts, f, out);
    *tp = t;
    replay_out_progress_done(out);
    (void)fprintf(stderr,
                  "rows %lu: bad time %lu, too few fields %lu; cells: missing %lu, not a number "
                  "%lu; readings accepted %lu",
                  t.rows, t.bad_time, t.short_rows, t.missing, t.bad_number, t.pushed);
    for (unsigned k = 0; k < 64; k++)
      if (t.rejected[k])
        (void)fprintf(stderr, ", rejected (%s) %lu", jj_strerror((int)k), t.rejected[k]);
    *counted = 1;
  }
  csv_free(rd);
  return status;
}

int cmd_replay(int argc, char **argv) {
  if (cli_help(argc, argv, help)) {
    (void)fputs(help_more, stdout);
    return 0;
  }
  opts o;
  memset(&o, 0, sizeof o);
  o.time_fmt = "iso";
  o.time_kind = TIME_ISO;
  o.delim = ',';
  o.progress = -1;
  int rc = parse_args(argc, argv, &o);
  if (rc) return rc;

  jj_ruleset *rs = NULL;
  if (cli_load_rules(o.rules, o.nrules, stderr, &rs) != 0) return 1;
  FILE *f = open_data(o.csv);
  if (!f) {
    jj_ruleset_free(rs);
    return 1;
  }
  replay_out *out = replay_out_new(o.format, o.progress, input_size(f), o.tz_ms);
  jj_engine_config ec;
  jj_engine_config_init(&ec);
  ec.on_event = replay_out_event;
  ec.on_event_ctx = out;
  ec.lateness_ms = o.lateness_ms;
  jj_engine *e = NULL;
  if (!out || jj_engine_new(rs, &ec, NULL, &e) != JJ_OK) {
    (void)fprintf(stderr, "jjair replay: could not create the engine\n");
    jj_ruleset_free(rs);
    replay_out_free(out);
    if (f != stdin) (void)fclose(f); /* read only: nothing to lose */
    return 1;
  }
  jj_ruleset_free(rs); /* the engine holds its own reference */
  int64_t last_ts = INT64_MIN;
  int no_reading = 0, counted = 1, status = 0;
  tally t;
  memset(&t, 0, sizeof t);
  if (o.state_in) {
    if (cli_state_load(e, o.state_in) != 0) {
      status = 1;
      counted = 0;
    }
    o.skip_until = jj_engine_now(e);
    o.has_skip = o.skip_until != INT64_MIN;
  }
  if (status) {
    /* the state did not load: nothing replayed */
  } else if (o.input == REPLAY_IN_CSV) {
    counted = 0;
    status = replay_csv(&o, f, e, out, &t, &last_ts, &counted);
    no_reading = t.rows > 0 && t.pushed == 0;
    if (no_reading) (void)snprintf(o.nothing_from, sizeof o.nothing_from, "%lu rows", t.rows);
  } else {
    replay_totals rt;
    memset(&rt, 0, sizeof rt);
    status = replay_readings(f, o.csv, o.input, o.precision, e, out, &rt);
    replay_out_progress_done(out);
    last_ts = rt.last_ts;
    no_reading = rt.lines > 0 && rt.pushed == 0;
    if (no_reading)
      (void)snprintf(o.nothing_from, sizeof o.nothing_from, "%llu lines",
                     (unsigned long long)rt.lines);
  }
  if (last_ts != INT64_MIN && o.flush_ms > 0 && !t.stopped) {
    /* last_ts is within +-2^62 and flush at most 2^61: no overflow; past
     * the engine's limit, advance to the limit */
    int64_t to = last_ts + o.flush_ms;
    (void)jj_engine_advance(e, to > CLI_TS_LIMIT ? CLI_TS_LIMIT : to);
  }
  if (o.state_out && status == 0 && counted && cli_state_save(e, o.state_out) != 0) status = 1;
  (void)fflush(stdout); /* the events before the counts; main() checks stdout */
  if (counted) {
    jj_engine_stats st;
    jj_engine_stats_get(e, &st); /* its event count is the number of on_event calls */
    (void)fprintf(stderr, "; events %llu\n", (unsigned long long)st.events);
    if (t.skipped)
      (void)fprintf(stderr, "rows skipped (already in %s): %lu\n", o.state_in, t.skipped);
    replay_out_summary(out);
  }
  if (status == 0 && no_reading) {
    /* every row bad, missing or rejected: not a successful replay */
    (void)fprintf(stderr, "%s: no reading was accepted from %s\n", o.csv, o.nothing_from);
    status = 1;
  }
  if (f != stdin) (void)fclose(f);
  jj_engine_free(e);
  replay_out_free(out);
  return status;
}
