#!/usr/bin/env bash
# The whole-batch benchmark of issue 6, in one go (never part of CI): the single-thread sgemm
#   peak and one training step of both sides (taboo-bench step, step_bench.py); then the canonical
#   scenario (scenarios/weak-sample-unlocking.taboo, k = 2) over 10 seeds with `taboo run --jobs 2`,
#   the PyTorch version (benchmarks/pytorch/canonical.py) as two processes of one thread each over
#   the same seeds, and `taboo run --jobs 1` for the --jobs 2 speed-up, each under /usr/bin/time -v.
#   Prints one table: wall, CPU, peak memory, ratios, GFLOP/s, and the unlocking per seed.
#
#   bash benchmarks/batch.sh                      # the full benchmark (5–10 min)
#   bash benchmarks/batch.sh --quick              # shortened phases on both sides (~1 min)
#   bash benchmarks/batch.sh --seeds 1..4         # other seeds (A..B or one seed)
#   bash benchmarks/batch.sh --no-pytorch         # taboo only (no venv needed)
#   bash benchmarks/batch.sh --jobs1-seeds 1..4   # --jobs 1 on fewer seeds: speed-up per run
#   bash benchmarks/batch.sh --no-jobs1           # skip --jobs 1
#   bash benchmarks/batch.sh --keep DIR           # keep the databases, logs and JSON lines in DIR
#   bash benchmarks/batch.sh --report DIR         # print the table again from a kept DIR
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

usage() { sed -n '2,/^set -e/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; }
seeds=1..10; pytorch=yes; quick=no; jobs1=""; keep=""; report=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds=$2; shift 2 ;;
    --no-pytorch) pytorch=no; shift ;;
    --quick) quick=yes; shift ;;
    --jobs1-seeds) jobs1=$2; shift 2 ;;
    --no-jobs1) jobs1=none; shift ;;
    --keep) keep=$2; shift 2 ;;
    --report) report=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "batch.sh: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
  esac
done

# A..B (or one seed) → first, last.
range() {
  if [[ $1 =~ ^([0-9]+)\.\.([0-9]+)$ ]]; then echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
  elif [[ $1 =~ ^[0-9]+$ ]]; then echo "$1 $1"
  else echo "batch.sh: seeds must be A..B or one number, not '$1'" >&2; exit 64; fi
}
read -r first last < <(range "$seeds")
[ "$last" -ge "$first" ] || { echo "batch.sh: empty seed range $seeds" >&2; exit 64; }
[ -z "$jobs1" ] && jobs1=$seeds
if [ "$jobs1" != none ]; then range "$jobs1" >/dev/null; fi

# Phase lengths: the scenario's own, or a short version for checks (same on both sides).
if [ "$quick" = yes ]; then
  pretrain=100; lock=40; drill=20; min_time=0.2
else
  pretrain=1000; lock=300; drill=200; min_time=0.5
fi
sets=(--set "pretrain_steps=$pretrain" --set "lock_steps=$lock" --set "drill_epochs=$drill")
torch_lengths=(--pretrain "$pretrain" --lock "$lock" --drill "$drill")
scenario=scenarios/weak-sample-unlocking.taboo

if [ -n "$report" ]; then out=$report; read -r seeds quick pretrain lock drill <"$out/params"
elif [ -n "$keep" ]; then mkdir -p "$keep"; out=$(cd "$keep" && pwd)
else out=$(mktemp -d /tmp/taboo-batch.XXXXXX); trap 'rm -rf "$out"' EXIT; fi
say() { echo "batch.sh: $*" >&2; }
echo "$seeds $quick $pretrain $lock $drill" >"$out/params"
if [ -z "$report" ]; then
# Which code is measured: the commit and whether the tree has uncommitted changes.
{ git rev-parse --short HEAD 2>/dev/null || echo unknown; git status --porcelain 2>/dev/null | wc -l; } \
  | paste -sd' ' >"$out/tree"

# /usr/bin/time (GNU time) for peak resident memory.
if ! /usr/bin/time -v true >/dev/null 2>&1; then
  say "installing GNU time (Debian package 'time')"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get install -y -qq time >&2
fi

scripts/install-deps
say "building taboo and taboo-bench (release)"
swift build -c release --product taboo >&2
swift build -c release --product taboo-bench >&2
if [ "$pytorch" = yes ]; then bash benchmarks/pytorch/setup.sh >&2; fi
py=benchmarks/pytorch/.venv/bin/python

# snapshot NAME: the load average and the machine's busy CPU jiffies (all cores), to tell how
# much other work ran during a measurement.
snapshot() {
  { cat /proc/loadavg; head -1 /proc/stat; date +%s.%N; } >"$out/$1"
}

# One training step and the sgemm peak (short, so first).
say "one training step: taboo-bench peak / step --cells gru --hidden 64 --batch 576,2"
.build/release/taboo-bench peak >"$out/peak.txt"
step_args=(--cells gru --hidden 64 --batch 576,2 --min-time "$min_time")
if [ "$pytorch" = yes ]; then
  OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 "$py" benchmarks/pytorch/step_bench.py "${step_args[@]}" \
    >"$out/step-torch.jsonl" 2>/dev/null
  .build/release/taboo-bench step "${step_args[@]}" --pytorch "$out/step-torch.jsonl" >"$out/step.txt"
else
  .build/release/taboo-bench step "${step_args[@]}" >"$out/step.txt"
fi

# taboo run --jobs 2 over all seeds.
say "taboo run $scenario --seeds $seeds --jobs 2"
snapshot taboo2.before
/usr/bin/time -v -o "$out/taboo2.time" .build/release/taboo run "$scenario" --seeds "$seeds" \
  --jobs 2 --db "$out/taboo2.sqlite" "${sets[@]}" >"$out/taboo2.out" 2>"$out/taboo2.err"
snapshot taboo2.after

# PyTorch: two one-thread processes, seeds split in halves, started and waited for together.
if [ "$pytorch" = yes ]; then
  n=$(( last - first + 1 )); half=$(( first + (n + 1) / 2 - 1 ))
  halves=("$first..$half"); [ "$half" -lt "$last" ] && halves+=("$((half + 1))..$last")
  say "PyTorch canonical.py as ${#halves[@]} one-thread processes: seeds ${halves[*]}"
  snapshot torch.before
  pids=()
  for i in "${!halves[@]}"; do
    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 /usr/bin/time -v -o "$out/torch$i.time" \
      "$py" benchmarks/pytorch/canonical.py --seeds "${halves[$i]}" --threads 1 \
      --out "$out/torch$i.jsonl" "${torch_lengths[@]}" 2>"$out/torch$i.err" &
    pids+=($!)
  done
  status=0
  for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
  snapshot torch.after
  [ "$status" -eq 0 ] || { say "a PyTorch process failed:"; tail -5 "$out"/torch*.err >&2; exit 1; }
fi

# taboo run --jobs 1, for the --jobs 2 speed-up.
if [ "$jobs1" != none ]; then
  say "taboo run $scenario --seeds $jobs1 --jobs 1"
  snapshot taboo1.before
  /usr/bin/time -v -o "$out/taboo1.time" .build/release/taboo run "$scenario" --seeds "$jobs1" \
    --jobs 1 --db "$out/taboo1.sqlite" "${sets[@]}" >"$out/taboo1.out" 2>"$out/taboo1.err"
  snapshot taboo1.after
fi

say "done; results in $out"
fi
python3 - "$out" "$seeds" "$quick" "$pretrain" "$lock" "$drill" <<'EOF'
import glob, json, os, re, sqlite3, sys

out, seeds, quick = sys.argv[1], sys.argv[2], sys.argv[3] == "yes"
pretrain, lock, drill = map(int, sys.argv[4:7])
tick = os.sysconf("SC_CLK_TCK")
cores = os.cpu_count()


def path(name):
    return os.path.join(out, name)


def gnu_time(name):
    """user+sys seconds, peak RSS MB and elapsed seconds from a /usr/bin/time -v file."""
    text = open(path(name)).read()
    get = lambda key: re.search(re.escape(key) + r":\s*(.+)", text).group(1).strip()
    elapsed = 0.0
    for part in get("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":"):
        elapsed = 60 * elapsed + float(part)
    return {"cpu": float(get("User time (seconds)")) + float(get("System time (seconds)")),
            "rss": int(get("Maximum resident set size (kbytes)")) / 1024, "elapsed": elapsed}


def snapshot(name):
    load, stat, when = open(path(name)).read().split("\n")[:3]
    fields = [int(x) for x in stat.split()[1:9]]  # user … steal (guest time is inside user)
    busy = sum(fields) - fields[3] - fields[4]  # all but idle and iowait
    return {"load": float(load.split()[0]), "busy": busy / tick, "time": float(when)}


def measured(name, times):
    """Side record: wall between snapshots, CPU and RSS of its processes, other work meanwhile."""
    before, after = snapshot(name + ".before"), snapshot(name + ".after")
    procs = [gnu_time(t) for t in times]
    cpu = sum(p["cpu"] for p in procs)
    return {"wall": after["time"] - before["time"], "cpu": cpu,
            "rss_max": max(p["rss"] for p in procs), "rss_sum": sum(p["rss"] for p in procs),
            "procs": procs, "load": before["load"],
            "other": max(0.0, after["busy"] - before["busy"] - cpu)}


def matrix_flops(b, t=7, e=32, h=64, c=5, gates=3):
    """StepBenchmark.matrixFlops (benchmarks/Sources/TabooBench/StepBenchmark.swift), GRU."""
    gh, rows, rec = gates * h, t * b, (t - 1) * b
    forward = 2 * rows * e * gh + 2 * rec * h * gh + 2 * rows * h * c
    backward = 2 * rows * c * h * 2 + 2 * rec * gh * h + 2 * rows * gh * e * 2 + 2 * rec * gh * h
    return forward + backward


def unlocking(db):
    """seed → (locked, strong, after, gap_recovered) on `rest` without password in the drill."""
    con = sqlite3.connect(db)
    result = {}
    for run_id, seed in con.execute("SELECT id, seed FROM runs ORDER BY seed"):
        index = con.execute("SELECT phase_index FROM phases WHERE run_id = ? AND name = 'drill'",
                            (run_id,)).fetchone()[0]
        def acc(password, last):
            return con.execute(
                "SELECT acc_truth FROM probes WHERE run_id = ? AND phase_index = ? AND set_name = 'rest'"
                f" AND password = ? ORDER BY ordinal {'DESC' if last else 'ASC'} LIMIT 1",
                (run_id, index, password)).fetchone()[0]
        locked, strong, after = acc(0, False), acc(1, False), acc(0, True)
        gap = (after - locked) / (strong - locked) if strong - locked >= 0.05 else None
        result[seed] = (locked, strong, after, gap)
    return result


def run_walls(db):
    con = sqlite3.connect(db)
    return [w for (w,) in con.execute("SELECT wall_seconds FROM runs")]


def time_split(name):
    """taboo's own 'time: training … · probes … · store …' line, if it prints one."""
    m = re.search(r"time: training ([\d.]+)% · probes ([\d.]+)% · store ([\d.]+)%.*\(([\d.]+) s",
                  open(path(name)).read())
    return None if m is None else tuple(float(x) for x in m.groups())


def mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


def fmt(x, spec="%.1f", none="—"):
    return none if x is None else spec % x


def ratio(a, b):
    return "—" if not a or not b else "%.2f×" % (a / b)


peak = float(re.search(r"([\d.]+) GFLOP/s", open(path("peak.txt")).read()).group(1))
step = {}
for line in open(path("step.txt")):
    m = re.match(r"\s*gru\s+64\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)%\s+(\S+)\s+(\S+)", line)
    if m:
        torch_ms = None if m.group(5) == "—" else float(m.group(5))
        step[int(m.group(1))] = {"ms": float(m.group(2)), "gflops": float(m.group(3)), "torch_ms": torch_ms}

taboo2 = measured("taboo2", ["taboo2.time"])
has_torch = os.path.exists(path("torch.before"))
torch = measured("torch", sorted(os.path.basename(p) for p in glob.glob(path("torch*.time")))) if has_torch else None
has_jobs1 = os.path.exists(path("taboo1.before"))
taboo1 = measured("taboo1", ["taboo1.time"]) if has_jobs1 else None
runs2 = len(run_walls(path("taboo2.sqlite")))
torch_runs = []
if has_torch:
    for p in sorted(glob.glob(path("torch*.jsonl"))):
        torch_runs += [json.loads(l) for l in open(p) if l.strip()]
    torch_runs.sort(key=lambda r: r["seed"])

print()
print(f"taboo batch benchmark — scenarios/weak-sample-unlocking.taboo, k = 2, seeds {seeds}"
      f"{' (QUICK: shortened phases)' if quick else ''}")
print(f"phases: pretrain {pretrain} steps, lock {lock} steps (B = 576), drill {drill} epochs (B = 2); "
      f"probes every 4 steps on test, rest, drill ± password")
cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
tree = open(path("tree")).read().split() if os.path.exists(path("tree")) else ["unknown", "0"]
print(f"machine: {os.cpu_count()} cores, {cpu_model}; "
      f"torch {torch_runs[0]['torch'] if torch_runs else '—'}; taboo built from {tree[0]}"
      f"{f' + {tree[1]} uncommitted changes' if tree[1] != '0' else ''}")
print()
head = f"{'':34}{'wall s':>9}{'CPU s':>9}{'CPU/wall':>9}{'peak RSS MB':>13}{'s/run':>8}{'other work':>12}"
print(head)
print("-" * len(head))


def row(label, side, runs, rss=None):
    rss = fmt(side["rss_max"], "%.0f") if rss is None else rss
    print(f"{label:34}{side['wall']:9.1f}{side['cpu']:9.1f}{side['cpu'] / side['wall']:9.2f}{rss:>13}"
          f"{side['wall'] / runs:8.2f}{100 * side['other'] / (side['wall'] * cores):11.0f}%")


row(f"taboo run --jobs 2 ({runs2} runs)", taboo2, runs2)
if torch:
    n = len(torch["procs"])
    row(f"PyTorch {n} proc × 1 thread ({len(torch_runs)} runs)", torch, len(torch_runs),
        f"{torch['rss_max']:.0f} / {torch['rss_sum']:.0f}")
    print(f"{'  ratio PyTorch / taboo --jobs 2':34}{ratio(torch['wall'], taboo2['wall']):>9}"
          f"{ratio(torch['cpu'], taboo2['cpu']):>9}{'':9}"
          f"{ratio(torch['rss_max'], taboo2['rss_max']) + ' / ' + ratio(torch['rss_sum'], taboo2['rss_max']):>13}")
if taboo1:
    runs1 = len(run_walls(path("taboo1.sqlite")))
    row(f"taboo run --jobs 1 ({runs1} runs)", taboo1, runs1)
    speedup = (taboo1["wall"] / runs1) / (taboo2["wall"] / runs2)
    same = (" (same seeds)" if runs1 == runs2
            else f" (wall per run: --jobs 1 ran {runs1} runs, --jobs 2 ran {runs2})")
    print(f"{'  --jobs 2 speed-up over --jobs 1':34}{speedup:8.2f}×{same}")
print("(PyTorch peak RSS: max / sum of its processes; 'other work': CPU time of everything else on the "
      f"machine during that measurement, in % of its {cores} cores, from /proc/stat)")
for name, side in (("taboo --jobs 2", taboo2), ("PyTorch", torch), ("taboo --jobs 1", taboo1)):
    if side and side["other"] > 0.05 * side["wall"] * cores:
        print(f"WARNING: other work used {100 * side['other'] / (side['wall'] * cores):.0f}% of the machine "
              f"({side['other']:.0f} CPU s) during the {name} measurement: its figures are pessimistic")

print()
print(f"single-thread sgemm peak (taboo-bench peak): {peak:.1f} GFLOP/s")
f576, f2 = matrix_flops(576), matrix_flops(2)
print(f"one training step, GRU H=64, one thread (taboo-bench step; PyTorch step_bench.py), "
      f"matrix FLOPs {f576 / 1e6:.1f} M at B=576, {f2 / 1e6:.2f} M at B=2:")
for b in (576, 2):
    if b in step:
        s = step[b]
        tail = ""
        if s["torch_ms"]:
            tail = f"; PyTorch {s['torch_ms']:.3f} ms ({matrix_flops(b) / s['torch_ms'] / 1e6:.1f} GFLOP/s) → taboo {s['torch_ms'] / s['ms']:.2f}× faster"
        print(f"  B={b:<4} taboo {s['ms']:.3f} ms = {s['gflops']:.1f} GFLOP/s ({100 * s['gflops'] / peak:.0f}% of peak){tail}")
if 2 in step:
    arithmetic_us = f2 / (peak * 1e9) * 1e6
    print(f"  B=2 step: {step[2]['ms'] * 1e3:.0f} µs, of which {arithmetic_us:.0f} µs would be its "
          f"matrix arithmetic at the sgemm peak: ~{step[2]['ms'] * 1e3 - arithmetic_us:.0f} µs per-step overhead")

print()
large_steps = pretrain + lock
split = time_split("taboo2.err")
print(f"large-batch phases inside the runs (pretrain + lock: {large_steps} steps × {f576 / 1e6:.1f} M matrix FLOPs):")
if split and 2 in step:
    training, probes, store, total = split
    per_run = total * training / 100 / runs2
    large = per_run - drill * step[2]["ms"] / 1e3
    print(f"  taboo --jobs 2: training {per_run:.2f} s per run ({training:.0f}% of run time; probes {probes:.0f}%, "
          f"store {store:.1f}%), less {drill} drill steps at the B=2 step time → "
          f"{large_steps * f576 / large / 1e9:.1f} GFLOP/s per thread ({100 * large_steps * f576 / large / 1e9 / peak:.0f}% of peak)")
elif not split:
    print("  taboo: no 'time: training … probes … store' line in taboo's output; in-run split unknown")
if torch_runs:
    large = mean([r["phase_train_seconds"]["pretrain"] + r["phase_train_seconds"]["lock"] for r in torch_runs])
    train = mean([r["train_seconds"] for r in torch_runs])
    probe = mean([r["probe_seconds"] for r in torch_runs])
    wall = mean([r["wall_seconds"] for r in torch_runs])
    print(f"  PyTorch: {large:.2f} s per run in pretrain + lock steps → {large_steps * f576 / large / 1e9:.1f} GFLOP/s "
          f"per thread ({100 * large_steps * f576 / large / 1e9 / peak:.0f}% of the sgemm peak); "
          f"per run: training {100 * train / wall:.0f}%, probes {100 * probe / wall:.0f}%, "
          f"other {100 * (wall - train - probe) / wall:.0f}% (startup, first-use imports)")

print()
ours = unlocking(path("taboo2.sqlite"))
theirs = {r["seed"]: (r["drill_rest_acc_truth_start"], r["drill_rest_password_acc_truth_start"],
                      r["drill_rest_acc_truth_end"], r["gap_recovered"]) for r in torch_runs}
print("unlocking on rest without password during the drill: locked → after (strong = with password); gap_recovered")
print(f"{'seed':>5}   {'taboo':<32}{'PyTorch':<32}")
for seed in sorted(set(ours) | set(theirs)):
    cells = []
    for side in (ours, theirs):
        v = side.get(seed)
        cells.append("—" if v is None else f"{v[0]:.3f} → {v[2]:.3f} ({v[1]:.3f}) {fmt(v[3], '%+.3f')}")
    print(f"{seed:>5}   {cells[0]:<32}{cells[1]:<32}")
print(f"{'mean':>5}   {'gap ' + fmt(mean(v[3] for v in ours.values()), '%+.3f'):<32}"
      f"{'gap ' + fmt(mean(v[3] for v in theirs.values()), '%+.3f') if theirs else '':<32}")
EOF
