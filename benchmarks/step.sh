#!/usr/bin/env bash
# One training step, taboo against PyTorch, measured in the same run (never part of CI).
#   bash benchmarks/step.sh                 # full table: gru/lstm/elman × H 32/64/128 × B 2/64/576
#   bash benchmarks/step.sh --no-pytorch    # taboo only, no 4 GB download
#   bash benchmarks/step.sh --repeat 10 --cells transformer --hidden 64 --batch 2,576
#                                           # ten runs, then each row's speed-ups: every run's,
#                                           # the median, and how many reach a ratio (--at, 20)
# Extra arguments (--cells, --hidden, --batch, --min-time) go to both sides.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

usage() { echo "usage: bash benchmarks/step.sh [--no-pytorch] [--repeat N] [--at RATIO] [taboo-bench step options]" >&2; exit 64; }
pytorch=yes
repeat=1
at=20
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-pytorch) pytorch=no ;;
    --repeat) [ $# -ge 2 ] || usage; repeat=$2; shift ;;
    --at) [ $# -ge 2 ] || usage; at=$2; shift ;;
    *) args+=("$1") ;;
  esac
  shift
done
case "$repeat" in ''|*[!0-9]*|0) echo "step.sh: --repeat takes a whole number of runs, 1 or more (got '$repeat')" >&2; exit 64 ;; esac
case "$at" in ''|*[!0-9.]*) echo "step.sh: --at takes a ratio such as 20 or 1.5 (got '$at')" >&2; exit 64 ;; esac

scripts/install-deps
swift build -c release --product taboo-bench >/dev/null
results=$(mktemp /tmp/taboo-step-pytorch.XXXXXX.jsonl)
tables=$(mktemp /tmp/taboo-step-tables.XXXXXX.txt)
trap 'rm -f "$results" "$tables"' EXIT
[ "$pytorch" = yes ] && bash benchmarks/pytorch/setup.sh >&2
for run in $(seq 1 "$repeat"); do
  [ "$repeat" -gt 1 ] && echo "── run $run of $repeat"
  : >"$results"
  if [ "$pytorch" = yes ]; then
    benchmarks/pytorch/.venv/bin/python benchmarks/pytorch/step_bench.py "${args[@]}" >"$results"
  fi
  .build/release/taboo-bench step "${args[@]}" --pytorch "$results" | tee -a "$tables"
done

# Over several runs with PyTorch: each row's speed-ups, in run order, their median, and how many
# runs reached the ratio --at.
if [ "$repeat" -gt 1 ] && [ "$pytorch" = yes ]; then
  echo
  echo "speed-up over $repeat runs (PyTorch ms / taboo ms, both measured in each run)"
  awk -v at="$at" '
    $NF ~ /×$/ && $2 ~ /^[0-9]+$/ {
      key = sprintf("%11s %5s %5s", $1, $2, $3)
      if (!(key in n)) order[++rows] = key
      r = $NF; sub(/×$/, "", r)
      values[key, ++n[key]] = r + 0
    }
    END {
      for (i = 1; i <= rows; i++) {
        key = order[i]; m = n[key]; list = ""; reach = 0
        for (j = 1; j <= m; j++) {
          v[j] = values[key, j]; list = list sprintf(" %.1f", v[j]); if (v[j] >= at) reach++
        }
        for (j = 2; j <= m; j++) { x = v[j]; k = j - 1; while (k >= 1 && v[k] > x) { v[k + 1] = v[k]; k-- } v[k + 1] = x }
        median = m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
        printf "%s  median %.2f×  %d of %d at %s× or more; runs:%s\n", key, median, reach, m, at, list
      }
    }' "$tables"
fi
