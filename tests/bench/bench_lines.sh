#!/usr/bin/env bash
# bench_lines.sh — what a push costs in instructions and in cache lines
# from memory, counted (not timed) by valgrind's cache simulator, so the
# figures are the same on a quiet or a loud machine. A benchmark, not a
# test: it prints, it asserts nothing.
#
#   tests/bench/bench_lines.sh [path/to/bench_engine] [CASES]
#
# CASES: letters of bench_engine's cases to count (default AGBF). Each runs
# bench_engine under callgrind, counting inside jj_engine_push_batch only:
# rounds of one sample per series in id order, the windows already full
# (the filling rounds are single pushes, not counted). The simulated caches
# are this machine class's first level (48 KiB, 12-way) and a last level
# of 1 MiB, smaller than any case's series, so no series stays cached
# between its samples, as with 100,000 series on real hardware: "lines a
# push" are the lines a push must bring from memory (read misses + write
# misses of the last level). Compare them with bench_engine's "memory
# floor" (lines a second): a push touching L lines cannot go faster than
# floor / L. A takes about a minute, G two, B one, F one.
set -euo pipefail

bench=${1:-build/tests/bench/bench_engine}
cases=${2:-AGBF}
if ! command -v valgrind > /dev/null; then
  echo "bench_lines: valgrind not found: skipped"
  exit 0
fi
if [ ! -x "$bench" ]; then
  echo "bench_lines: $bench is not a built bench_engine (give its path)" >&2
  exit 2
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# The arguments of each case: series per round, and bench_engine's flags
# (--quick fills the 60 s windows and counts 30 rounds; F is counted at
# 1,000 series with full windows: 8 MB, far beyond the simulated 1 MiB).
case_series() {
  case $1 in
  A | B) echo 10000 ;;
  G) echo 100000 ;;
  F) echo 1000 ;;
  esac
}
case_flags() {
  case $1 in
  A | B | G) echo "--quick --case $1" ;;
  F) echo "--case F --series 1000" ;;
  esac
}

for c in $(echo "$cases" | grep -o .); do
  if [ -z "$(case_series "$c")" ]; then
    echo "bench_lines: no case $c (A, B, F, G)" >&2
    exit 2
  fi
done
printf '%-4s %8s %11s %14s %16s %12s\n' case series samples "instr/sample" "lines/sample" "D1 misses"
for c in $(echo "$cases" | grep -o .); do
  series=$(case_series "$c")
  # shellcheck disable=SC2046 # the flags are words
  valgrind --tool=callgrind --cache-sim=yes --D1=49152,12,64 --LL=1048576,16,64 \
    --toggle-collect=jj_engine_push_batch --compress-strings=no --compress-pos=no \
    --callgrind-out-file="$out/cg.$c" "$bench" $(case_flags "$c") > "$out/log.$c" 2>&1
  # Calls of jj_engine_push_batch (one a round of `series` samples) and the
  # totals: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw.
  awk -v series="$series" -v c="$c" '
    /^cfn=.*jj_engine_push_batch/ { want = 1; next }
    want && /^calls=/ { split($1, a, "="); calls += a[2]; want = 0; next }
    /^totals:/ { ir = $2; d1 = $6 + $7; ll = $9 + $10 }
    END {
      n = calls * series
      if (n == 0) { printf "%-4s no batch counted\n", c; exit 1 }
      printf "%-4s %8d %11d %14.1f %16.2f %12.2f\n", c, series, n, ir / n, ll / n, d1 / n
    }' "$out/cg.$c"
done
