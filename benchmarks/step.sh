#!/usr/bin/env bash
# One training step, taboo against PyTorch, measured in the same run (never part of CI).
#   bash benchmarks/step.sh                 # full table: gru/lstm/elman × H 32/64/128 × B 2/64/576
#   bash benchmarks/step.sh --no-pytorch    # taboo only, no 4 GB download
# Extra arguments (--cells, --hidden, --batch, --min-time) go to both sides.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

pytorch=yes
args=()
for a in "$@"; do
  if [ "$a" = "--no-pytorch" ]; then pytorch=no; else args+=("$a"); fi
done

scripts/install-deps
swift build -c release --product taboo-bench >/dev/null
results=$(mktemp /tmp/taboo-step-pytorch.XXXXXX.jsonl)
trap 'rm -f "$results"' EXIT
if [ "$pytorch" = yes ]; then
  bash benchmarks/pytorch/setup.sh >&2
  benchmarks/pytorch/.venv/bin/python benchmarks/pytorch/step_bench.py "${args[@]}" >"$results"
fi
.build/release/taboo-bench step "${args[@]}" --pytorch "$results"
