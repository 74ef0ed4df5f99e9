#!/bin/bash
# `taboo report` in a real browser: Debian's chromium, headless, driven through the DevTools
# protocol by scripts/browser-check.py (Python's standard library only). Two tiny batches — one
# with a sweep, a repeat and a password lock (learning curves, latency, unlocking), one in stream
# mode (accuracy around the switch) — are run, reported and loaded; each page must load with
# nothing on the console, request nothing but its own file, hold no script, and render every
# figure that `taboo plot` draws for the same batch at a non-zero size; it is printed to PDF and
# a full-page screenshot is taken. First the checker is shown a broken page, which it must fail.
# Installs chromium when missing (apt-get update, then install; needs root).
# Usage: scripts/browser-test.sh [TABOO_BINARY] [OUT_DIR]
#   OUT_DIR  keeps the reports, screenshots (report-*.png) and PDFs; else all is removed.
# Exit codes: 0 passed; 1 failed (each problem on a line); 3 skipped, with one line: chromium is
#   not installed and cannot be.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
taboo=${1:-${TABOO_BINARY:-$root/.build/release/taboo}}
taboo=$(cd "$(dirname "$taboo")" && pwd)/$(basename "$taboo")
keep=${2:-}
start=$(date +%s)
say() { echo "browser-test [$(( $(date +%s) - start ))s]: $*"; }
fail() { echo "browser-test: FAIL: $*" >&2; exit 1; }
[ -x "$taboo" ] || fail "no taboo binary at $taboo"
command -v python3 >/dev/null || fail "python3 is needed to drive the browser"

# --- chromium
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "browser-test: skipped: chromium is not installed and cannot be (needs root and apt-get)"
    exit 3
  fi
  if ! { apt-get update >/dev/null 2>&1 \
         && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null 2>&1; }; then
    echo "browser-test: skipped: apt-get could not install chromium"
    exit 3
  fi
  chromium=$(command -v chromium) || fail "the chromium package is installed but there is no chromium command"
  say "installed chromium"
fi
say "$("$chromium" --version 2>/dev/null | head -1)"

tmp=$(mktemp -d /tmp/taboo-browser-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
check="$root/scripts/browser-check.py"

# --- the checker fails a broken page: a script that logs an error, a figure of zero size, an
# image fetched from elsewhere.
cat > "$tmp/broken.html" <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8"><title>broken</title></head><body>
<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0"><title>empty</title></svg>
<img src="http://127.0.0.1:9/missing.png" alt="">
<script>console.error("broken on purpose")</script>
</body></html>
HTML
broken=$(python3 "$check" "$tmp/broken.html" --chromium "$chromium" --min-figures 2 2>&1)
code=$?
[ $code = 2 ] && fail "chromium did not start: $broken"
[ $code = 1 ] || fail "the checker passed a broken page (exit $code): $broken"
for expected in "console error" "renders at 0×0" "requested http://127.0.0.1:9/missing.png" \
                "<script> element" "expected at least 2"; do
  grep -qF -- "$expected" <<<"$broken" || fail "the checker missed '$expected' on the broken page: $broken"
done
say "the checker fails a broken page (script, console error, empty figure, outside request)"

# --- two tiny batches, every kind of figure between them
cat > "$tmp/sweep.taboo" <<'TABOO'
scenario "browser <test> & \"sweep\""
world runsum 5 4 { items 96; convention weak 0.25; password }
let k = 2
sweep k = 1, 4
seeds 3
set test  = sample 25% of all
set train = all - test
set drill = sample k of (train & wrong)
set rest  = train - drill
model gru 16 { embedding 8 }
train { optimizer adam; lr 0.01; batch all }
probe every 5 steps on test, rest, drill
criterion 90% over 2 probes
phase pretrain for 60 steps { truth on train; truth on train with password }
repeat 2 {
  phase lock for 20 steps { taboo on train; truth on train with password }
  phase drill for 10 epochs { taboo on drill }
}
TABOO
cat > "$tmp/stream.taboo" <<'TABOO'
scenario "browser test, stream mode"
world modsum 5 { convention shift 1 }
let cycles = 2
sweep cycles = 2, 4
seeds 2
set A = sample 50% of wrong
set B = wrong - A
context stream 4
model gru 16 { embedding 8 }
train { optimizer adam; lr 0.01; batch 8 }
probe every 5 steps on A, B
phase learn for 60 steps { truth on all }
repeat cycles {
  phase "A taboo" for 1..2 steps { taboo on A; truth on B }
  phase "B taboo" for 1..2 steps { taboo on B; truth on A }
}
repeat 2 {
  phase "A taboo, frozen" for 8..12 trials { frozen; taboo on A; truth on B }
  phase "B taboo, frozen" for 8..12 trials { frozen; taboo on B; truth on A }
}
TABOO

failed=0
for batch in sweep stream; do
  db="$tmp/$batch.sqlite"
  "$taboo" run "$tmp/$batch.taboo" --db "$db" >"$tmp/$batch.run.log" 2>&1 \
    || fail "taboo run $batch.taboo: $(tail -3 "$tmp/$batch.run.log")"
  "$taboo" plot "$db" --out "$tmp/$batch-figures" >/dev/null 2>&1 || fail "taboo plot of $batch failed"
  figures=$(ls "$tmp/$batch-figures"/*.svg | wc -l)
  page=$("$taboo" report "$db" --out "$tmp/$batch-report" 2>"$tmp/$batch.report.log") \
    || fail "taboo report of $batch: $(cat "$tmp/$batch.report.log")"
  [ "$page" = "$tmp/$batch-report/index.html" ] || fail "taboo report printed '$page'"
  result=$(python3 "$check" "$page" --chromium "$chromium" --min-figures "$figures" \
             --screenshot "$tmp/report-$batch.png" --pdf "$tmp/report-$batch.pdf" 2>&1)
  code=$?
  echo "$result" | sed "s/^browser-check: /browser-test: $batch: /"
  [ $code = 0 ] || failed=1
  [ -s "$tmp/report-$batch.png" ] || { echo "browser-test: FAIL: $batch: no screenshot"; failed=1; }
  if [ -n "$keep" ]; then
    mkdir -p "$keep" && cp -r "$tmp/$batch-report" "$tmp/report-$batch.png" "$tmp/report-$batch.pdf" "$keep/" 2>/dev/null
  fi
done
[ $failed = 0 ] || fail "a report did not pass in chromium (see the lines above)"
say "passed: both reports load without console errors, request nothing and render every figure"
