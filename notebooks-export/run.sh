#!/usr/bin/env bash
# Runs the figures notebook headless on a small fresh batch:
#   1. creates notebooks-export/.venv and installs requirements.txt (pinned, from PyPI), unless
#      the venv already holds exactly these requirements;
#   2. runs the canonical scenario, shortened, for 3 seeds with the built `taboo`;
#   3. exports it to CSV (`taboo export`);
#   4. executes figures.ipynb against the export, failing on the first cell error;
#   5. does 2–4 again for smoke.taboo, a tiny batch with a sweep and a repeat, so that the latency
#      and unlocking figures (which the canonical batch does not have) run too;
#   6. and again for smoke-stream.taboo, a tiny batch in stream mode (`context stream`) whose frozen
#      phases are counted in trials, so that the figure of choice accuracy around the switch
#      (trials.csv; empty in the other two batches) and the figure by reversal index
#      (reversal-index.csv) run too, with the animal reference points of
#      reference/animal-reversal.csv. The three batches take about 25 s.
#
# Usage: notebooks-export/run.sh [OUT_DIR]
#   OUT_DIR  where each batch (OUT_DIR/canonical, OUT_DIR/smoke, OUT_DIR/stream: database, export,
#            executed notebook, PNG figures) goes, kept; without it a temporary directory is used and
#            removed at the end.
# Environment: TABOO_BINARY (default .build/release/taboo; build it first with
#   `swift build -c release`), PYTHON (default python3, 3.11 or newer).
# Exit codes: 0 the notebook ran; 1 a step failed (its output says which); 3 PyPI cannot be
#   reached and the venv is not ready, so nothing was run.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
venv="$here/.venv"
taboo="${TABOO_BINARY:-$root/.build/release/taboo}"
python="${PYTHON:-python3}"
say() { echo "notebooks-export: $*" >&2; }
started=$(date +%s)

if [ ! -x "$taboo" ]; then
  say "no taboo binary at $taboo; build it first: swift build -c release"
  exit 1
fi

# 1. The virtual environment, reused while requirements.txt is unchanged.
# Only PyPI: no local wheel directories or other indexes from the environment or pip's config.
unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_NO_INDEX
export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1
stamp="$venv/requirements.sha256"
wanted="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] && "$venv/bin/python" -c "import nbclient, pandas, matplotlib" 2>/dev/null; then
  say "reusing $venv"
else
  # Is PyPI reachable? One small query, a short timeout, no retries.
  probe="$(mktemp -d)"
  if ! "$python" -m pip download --no-deps --no-cache-dir --quiet --timeout 15 --retries 0 \
      --dest "$probe" "nbformat==5.11.1" >/dev/null 2>&1; then
    rm -rf "$probe"
    say "PyPI unreachable; cannot install the notebook's packages (nothing run)"
    exit 3
  fi
  rm -rf "$probe"
  say "creating $venv and installing requirements.txt (pinned; a minute or two the first time)"
  rm -rf "$venv"
  "$python" -m venv "$venv" || { say "cannot create a virtual environment with $python (Debian: apt-get install python3-venv)"; exit 1; }
  if ! "$venv/bin/python" -m pip install --quiet --timeout 60 -r "$here/requirements.txt"; then
    say "installing requirements.txt failed (see above)"
    exit 1
  fi
  echo "$wanted" > "$stamp"
fi

# 2–6. Small fresh batches, exported, and the notebook executed on each.
if [ $# -ge 1 ]; then
  out="$1"
  mkdir -p "$out"
  out="$(cd "$out" && pwd)"
else
  out="$(mktemp -d "${TMPDIR:-/tmp}/taboo-notebook.XXXXXX")"
  trap 'rm -rf "$out"' EXIT
fi

# The headless executor: runs every cell in a kernel of the venv, writes the executed notebook
# (also when a cell fails) and exits 1 on the first cell error.
execute='
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

source, target = sys.argv[1], sys.argv[2]
notebook = nbformat.read(source, as_version=4)
client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                        extra_arguments=["--IPKernelApp.log_level=ERROR"])
try:
    client.execute()
except CellExecutionError as error:
    nbformat.write(notebook, target)
    print(f"notebooks-export: a cell failed (executed notebook: {target}):\n{error}", file=sys.stderr)
    sys.exit(1)
nbformat.write(notebook, target)
'

# batch NAME SCENARIO [taboo run options…]: run, export, execute; everything in $out/NAME.
batch() {
  local name="$1" scenario="$2"
  shift 2
  local dir="$out/$name"
  rm -rf "$dir" && mkdir -p "$dir"
  say "$name: taboo run $(basename "$scenario") $*"
  if ! "$taboo" run "$scenario" "$@" --db "$dir/batch.sqlite" >"$dir/run.log" 2>&1; then
    cat "$dir/run.log" >&2
    say "$name: taboo run failed"
    exit 1
  fi
  if ! "$taboo" export "$dir/batch.sqlite" --out "$dir/export" >"$dir/export.log" 2>&1; then
    cat "$dir/export.log" >&2
    say "$name: taboo export failed"
    exit 1
  fi
  say "$name: executing figures.ipynb"
  TABOO_EXPORT="$dir/export" TABOO_FIGURES="$dir/figures" TABOO_REFERENCE="$root/reference/animal-reversal.csv" \
    "$venv/bin/python" -c "$execute" "$here/figures.ipynb" "$dir/figures.executed.ipynb" || exit 1
  say "$name: $(ls "$dir/figures" 2>/dev/null | wc -l) figures"
}

batch canonical "$root/scenarios/weak-sample-unlocking.taboo" --set pretrain_steps=40 \
  --set lock_steps=20 --set drill_epochs=10 --seeds 1..3
batch smoke "$here/smoke.taboo"
batch stream "$here/smoke-stream.taboo"
say "ok in $(( $(date +%s) - started )) s${1:+; batches, executed notebooks and figures in $out}"
