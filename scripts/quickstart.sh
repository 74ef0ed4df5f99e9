#!/usr/bin/env bash
# The main job from a fresh clone: install what is missing, build taboo, run the canonical
# weak-sample-unlocking scenario (10 seeds; about two minutes on 2 cores), export, plot and
# report it, and say where the results went. Running it again resumes (finished runs are kept).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

scripts/install-deps
echo "taboo: building (release, with the tests, so that the test command reuses this build)…" >&2
swift build -c release --build-tests 2>&1 | grep -E "error|warning: unre" >&2 || true
taboo=.build/release/taboo
[ -x "$taboo" ] || { echo "taboo: the build failed; run 'swift build -c release' to see why" >&2; exit 1; }

scenario=scenarios/weak-sample-unlocking.taboo
db=runs/weak-sample-unlocking.sqlite
out=out/weak-sample-unlocking
"$taboo" run "$scenario" --db "$db"
has() { "$taboo" "$1" --help >/dev/null 2>&1; }
if has export; then "$taboo" export "$db" --out "$out/csv"; fi
if has plot; then "$taboo" plot "$db" --out "$out/figures"; fi
if has report; then "$taboo" report "$db" --out "$out/report" >/dev/null; fi
if has analyze; then "$taboo" analyze "$db"; fi
echo
echo "results database: $db"
has export && echo "CSV tables:       $out/csv/"
has plot && echo "SVG figures:      $out/figures/"
has report && echo "report (HTML):    $out/report/index.html"
exit 0
