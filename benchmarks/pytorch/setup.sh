#!/usr/bin/env bash
# Creates benchmarks/pytorch/.venv and installs a CPU-usable torch into it from PyPI.
# Idempotent: does nothing if the venv already has the pinned torch working.
# Usage: bash benchmarks/pytorch/setup.sh
set -euo pipefail
cd "$(dirname "$0")"

VENV=.venv
PY="$VENV/bin/python"
TORCH_PIN=$(grep -E '^torch==' requirements.txt | cut -d= -f3)
unset PIP_FIND_LINKS PIP_EXTRA_INDEX_URL PIP_INDEX_URL  # PyPI only, no local wheel dirs
PIP=("$PY" -m pip install --quiet --disable-pip-version-check)

# True if the venv's torch is the pinned version and does a CPU matmul.
torch_ok() {
    [ -x "$PY" ] && "$PY" - "$TORCH_PIN" <<'EOF' >/dev/null 2>&1
import sys, torch
assert torch.__version__.split("+")[0] == sys.argv[1], torch.__version__
print(float(torch.randn(3) @ torch.randn(3)))
EOF
}

if torch_ok; then
    echo "setup.sh: $VENV already has torch $TORCH_PIN working on CPU; nothing to do"
    exit 0
fi

start=$(date +%s)
[ -x "$PY" ] || python3 -m venv "$VENV"

# 1st try: torch without any CUDA dependency; requirements.txt lists the small
# pure-Python dependencies explicitly.
"${PIP[@]}" --no-deps -r requirements.txt
how="torch $TORCH_PIN without CUDA packages"

# 2nd try: PyPI's Linux torch links libtorch_cuda.so (cuBLAS, cuDNN, NCCL...) even
# to run on CPU, so add the CUDA libraries pip resolves for it, but not triton and
# cuda-bindings (~1 GB, used only for GPU compilation, not needed to import torch).
if ! torch_ok; then
    "$PY" -m pip install --quiet --disable-pip-version-check --dry-run \
        --ignore-installed --report "$VENV/resolved.json" -r requirements.txt
    "$PY" - "$VENV/resolved.json" > "$VENV/cuda-libs.txt" <<'EOF'
import json, sys
for item in json.load(open(sys.argv[1]))["install"]:
    name, version = item["metadata"]["name"], item["metadata"]["version"]
    if name.lower().startswith(("nvidia-", "cuda-toolkit")):
        print(f"{name}=={version}")
EOF
    "${PIP[@]}" --no-deps -r "$VENV/cuda-libs.txt"
    how="torch $TORCH_PIN with its CUDA libraries (no triton/cuda-bindings)"
fi

# Last resort: the full install, exactly as pip resolves it.
if ! torch_ok; then
    "${PIP[@]}" -r requirements.txt
    how="torch $TORCH_PIN with its full dependency set"
    torch_ok || { echo "setup.sh: torch still fails to import" >&2; exit 1; }
fi

echo "setup.sh: installed $how into $VENV in $(( $(date +%s) - start ))s ($(du -sh "$VENV" | cut -f1))"
