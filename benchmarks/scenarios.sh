#!/usr/bin/env bash
# Every shipped scenario in full (all seeds, all sweep points), timed; never part of CI.
#   bash benchmarks/scenarios.sh [--jobs N] [SCENARIO…]
# Results go to a fresh temporary directory (printed), one database per scenario; each batch is
# summarised with `taboo compare` or `taboo analyze`. The full set takes about an hour on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

jobs=$(nproc)
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) jobs="$2"; shift 2 ;;
    *) files+=("$1"); shift ;;
  esac
done
if [ ${#files[@]} -eq 0 ]; then
  files=(scenarios/weak-sample-unlocking.taboo scenarios/unlocking-controls.taboo
         scenarios/serial-reversal.taboo scenarios/two-items.taboo
         scenarios/in-context-reversal.taboo scenarios/weight-space-reversal.taboo)
fi

scripts/install-deps
swift build -c release --product taboo >/dev/null
taboo=.build/release/taboo
out=$(mktemp -d /tmp/taboo-scenarios.XXXXXX)
echo "databases in $out"
printf '%-32s %6s %10s\n' scenario runs "wall (s)"
for file in "${files[@]}"; do
  name=$(basename "$file" .taboo)
  start=$(date +%s.%N)
  "$taboo" run "$file" --jobs "$jobs" --db "$out/$name.sqlite" >/dev/null 2>"$out/$name.log"
  end=$(date +%s.%N)
  runs=$("$taboo" analyze "$out/$name.sqlite" | head -1 | grep -oE '[0-9]+ runs' | head -1)
  printf '%-32s %6s %10.1f\n' "$name" "${runs%% runs}" "$(awk "BEGIN { print $end - $start }")"
  "$taboo" analyze "$out/$name.sqlite" >"$out/$name.analysis.txt"
  "$taboo" compare "$out/$name.sqlite" >"$out/$name.compare.txt" 2>&1 || true
done
echo "analysis and comparison of each batch: $out/*.analysis.txt, $out/*.compare.txt"
