#!/usr/bin/env bash
# Replay benchmark: `jjair replay` against pandas on the same job -- each
# station's clock-hour means of PM2.5 and PM10 through the levels of
# tests/bench/replay_rules.yaml (pandas: tests/bench/replay_pandas.py) --
# on data from tests/bench/replay_gen (STATIONS stations, one row a minute,
# DAYS days; 100 x 365 is the "100 stations x 1 minute x 1 year" job,
# 52.56 M rows, 2.3 GB, written once to $TMPDIR and kept).
#
#   tests/bench/bench_replay.sh [--quick] [BUILD_DIR [STATIONS DAYS [RUNS]]]
#
# Prints each side's best of RUNS (default 3) wall and CPU (user + system)
# seconds, rows/s, the ratio, and checks that both found the same events
# (counts per rule and kind). --quick: 10 stations x 1 day, one run (a
# smoke test of the script, not a measurement). For a paired, noise-
# tolerant figure use farm-bench, e.g.
#   farm-bench --vs 'python3 tests/bench/replay_pandas.py DATA' -- build/examples/jjair replay ...
# with the arguments this script prints.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
build="${1:-build}"
stations="${2:-100}"
days="${3:-365}"
runs="${4:-3}"
if [ $quick = 1 ]; then stations=10 days=1 runs=1; fi
python=/usr/bin/python3 # Debian's, with python3-pandas
[ -x "$python" ] || python=python3
if ! "$python" -c 'import pandas' 2>/dev/null; then
  echo "pandas not installed (Debian: python3-pandas): replay benchmark skipped"
  exit 0
fi
jjair="$build/examples/jjair"
gen="$build/tests/bench/replay_gen"
for x in "$jjair" "$gen"; do
  if [ ! -x "$x" ]; then echo "no $x (build first)"; exit 1; fi
done

data="${TMPDIR:-/tmp}/jjair-replay-${stations}x${days}.csv"
if [ ! -s "$data" ]; then
  echo "writing $data ..."
  "$gen" "$stations" "$days" >"$data.tmp"
  mv "$data.tmp" "$data"
fi
rows=$(($(wc -l <"$data") - 1))
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
jj_args=(replay --rules tests/bench/replay_rules.yaml --csv "$data" --time time
         --metric pm25=pm25,pm10=pm10 --label-column station=station --label-column zone=zone
         --flush 1h)
echo "jjair ${jj_args[*]}"
echo "$python tests/bench/replay_pandas.py $data"

# best of $runs: wall and cpu seconds (bash's time, cpu = user + sys)
best() { # NAME OUTFILE CMD...
  local name="$1" file="$2" best_wall="" best_cpu=""
  shift 2
  for _ in $(seq "$runs"); do
    local t0 t1 c
    t0=$(date +%s.%N)
    c=$( { TIMEFORMAT='%U %S'; time "$@" >"$file" 2>"$file.err"; } 2>&1 | awk '{print $1 + $2}')
    t1=$(date +%s.%N)
    local w
    w=$(awk "BEGIN { print $t1 - $t0 }")
    if [ -z "$best_wall" ] || awk "BEGIN { exit !($w < $best_wall) }"; then best_wall=$w; fi
    if [ -z "$best_cpu" ] || awk "BEGIN { exit !($c < $best_cpu) }"; then best_cpu=$c; fi
  done
  printf '%-6s best of %d: wall %7.2f s  cpu %7.2f s  %6.2f M rows/s (cpu)\n' "$name" "$runs" \
    "$best_wall" "$best_cpu" "$(awk "BEGIN { print $rows / ($best_cpu + 1e-9) / 1e6 }")"
  eval "${name}_cpu=$best_cpu ${name}_wall=$best_wall"
}
best jjair "$out/jjair.ndjson" "$jjair" "${jj_args[@]}"
best pandas "$out/pandas.ndjson" "$python" tests/bench/replay_pandas.py "$data"
printf 'rows %d: jjair is %.2fx pandas by cpu, %.2fx by wall (target >= 3x)\n' "$rows" \
  "$(awk "BEGIN { print $pandas_cpu / ($jjair_cpu + 1e-9) }")" \
  "$(awk "BEGIN { print $pandas_wall / ($jjair_wall + 1e-9) }")"

# The same events on both sides (counts per rule and kind).
"$python" - "$out/jjair.ndjson" "$out/pandas.ndjson" <<'PY'
import collections, json, sys
def counts(path):
    c = collections.Counter()
    for line in open(path):
        e = json.loads(line)
        c[(e["rule"], e["kind"])] += 1
    return c
a, b = counts(sys.argv[1]), counts(sys.argv[2])
print("events:", dict(sorted(a.items())))
if a != b:
    print("MISMATCH with pandas:", dict(sorted(b.items())))
    sys.exit(1)
print("pandas found the same events")
PY
