#!/bin/bash
# A real one-node SLURM cluster (Debian's slurm-wlm and munge, no systemd): `taboo slurm`'s
# scripts run a reduced canonical batch as 4 array tasks and a merge job; the merged probe rows
# must equal a local `taboo run --jobs 2`; then a task of a second submission is cancelled
# mid-run, resubmitted, and every run must be stored exactly once. Every daemon is stopped by
# its pid at exit, whatever happened. Skips (exit 0, one line) only when the packages cannot be
# installed. Usage: scripts/slurm-test.sh [TABOO_BINARY]  (default .build/release/taboo)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
taboo=${1:-${TABOO_BINARY:-$root/.build/release/taboo}}
taboo=$(cd "$(dirname "$taboo")" && pwd)/$(basename "$taboo")
scenario=$root/scenarios/weak-sample-unlocking.taboo
short=(--set pretrain_steps=40 --set lock_steps=20 --set drill_epochs=10)
start=$(date +%s)
say() { echo "slurm-test [$(( $(date +%s) - start ))s]: $*"; }
fail() { echo "slurm-test: FAIL: $*" >&2; exit 1; }
[ -x "$taboo" ] || fail "no taboo binary at $taboo"

# --- packages
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "slurm-test: skipped: slurm-wlm and munge are not installed and cannot be (needs root and apt-get)"
    exit 0
  fi
  if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurm-wlm munge >/dev/null 2>&1 \
         || { apt-get update >/dev/null 2>&1 \
              && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurm-wlm munge >/dev/null 2>&1; }; }; then
    echo "slurm-test: skipped: apt-get could not install slurm-wlm and munge"
    exit 0
  fi
  say "installed slurm-wlm and munge"
fi
[ "$(id -u)" = 0 ] || fail "the packages are installed but the cluster needs root (SlurmUser=root)"
[ -r /etc/munge/munge.key ] || fail "no /etc/munge/munge.key (the munge package creates it)"

# --- the cluster, under a temporary directory; stopped at exit
tmp=$(mktemp -d /tmp/taboo-slurm-test.XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() {
  local code=$?
  [ -n "${SLURM_CONF:-}" ] && scancel --quiet --user=root >/dev/null 2>&1
  for (( i=${#pids[@]}-1; i>=0; i-- )); do kill -TERM "${pids[i]}" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  if [ "$code" != 0 ]; then
    for log in "$tmp"/slurmctld.log "$tmp"/slurmd.log; do
      [ -f "$log" ] && { echo "--- last lines of $log" >&2; tail -5 "$log" >&2; }
    done
  fi
  rm -rf "$tmp"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool"
chown munge:munge "$tmp/munge"
mkdir -p /run/munge && chown munge:munge /run/munge
socket=$tmp/munge/munge.socket
setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged -F --socket="$socket" \
  --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge/munged.log" --seed-file="$tmp/munge/seed" 2>"$tmp/munge/stderr" &
pids+=($!)
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || fail "munged did not start"

host=$(hostname -s)
port=$(( 20000 + $$ % 20000 ))
node=$(slurmd -C | head -1 | sed 's/ UpTime=.*//')
export SLURM_CONF=$tmp/slurm.conf
cat > "$SLURM_CONF" <<CONF
ClusterName=tabootest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$(( port + 1 ))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=sched_interval=1
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MpiDefault=none
KillWait=10
MinJobAge=600
$node State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -f "$SLURM_CONF" >"$tmp/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$tmp/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  state=$(sinfo -h -o %T 2>/dev/null | head -1)
  [ "$state" = idle ] && break
  sleep 0.2
done
[ "${state:-}" = idle ] || fail "the node is not idle 20 s after start (sinfo: ${state:-nothing})"
say "cluster up: node $host idle (slurmctld, slurmd, munged: pids ${pids[*]})"

# The state of job JOB (an array's tasks: one word each), from scontrol; never sacct.
states() { scontrol show job "$1" -o 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | sort | uniq -c | awk '{printf "%s %s ", $1, $2}'; }
# Waits (at most $2 s) until job $1 and all its tasks have left PENDING/RUNNING/etc.
wait_done() {
  local job=$1 limit=$2 t0=$SECONDS
  while (( SECONDS - t0 < limit )); do
    if ! scontrol show job "$job" -o 2>/dev/null | grep -qE 'JobState=(PENDING|RUNNING|CONFIGURING|COMPLETING|SUSPENDED|REQUEUED)'; then
      return 0
    fi
    sleep 0.5
  done
  fail "job $job not done after $limit s: $(states "$job")"
}

# --- 1. four array tasks and a merge; the merged probe rows equal a local run
out=$tmp/a
"$taboo" slurm "$scenario" --tasks 4 --seeds 1..8 "${short[@]}" --jobs 1 --out "$out" >"$tmp/slurm.txt" \
  || fail "taboo slurm: $(cat "$tmp/slurm.txt")"
t0=$(date +%s.%N)
ids=$(sh "$out/submit.sh") || fail "submit.sh: $ids"
say "submitted: $ids"
array=$(echo "$ids" | sed -n 's/^array job \([0-9]*\).*/\1/p')
merge=$(echo "$ids" | sed -n 's/.*merge job \([0-9]*\).*/\1/p')
[ -n "$array" ] && [ -n "$merge" ] || fail "no job ids in '$ids'"
wait_done "$array" 120
wait_done "$merge" 60
t1=$(date +%s.%N)
[ "$(states "$array")" = "4 COMPLETED " ] || fail "array tasks: $(states "$array"); $(cat "$out"/logs/shard-*.out)"
[ "$(states "$merge")" = "1 COMPLETED " ] || fail "merge job: $(states "$merge"); $(cat "$out/logs/merge.out")"
[ -f "$out/merged.sqlite" ] || fail "no merged database"
say "array (4 tasks) and merge COMPLETED: $(printf '%.1f' "$(echo "$t1 - $t0" | bc)") s from submission to $out/merged.sqlite"
"$taboo" run "$scenario" --seeds 1..8 "${short[@]}" --jobs 2 --db "$tmp/local.sqlite" >/dev/null 2>"$tmp/local.err" \
  || fail "local run: $(cat "$tmp/local.err")"
"$taboo" export "$out/merged.sqlite" --out "$tmp/export-merged" >/dev/null 2>&1 || fail "export of the merged database"
"$taboo" export "$tmp/local.sqlite" --out "$tmp/export-local" >/dev/null 2>&1 || fail "export of the local database"
# The first column numbers the runs in the order they were stored: compare the rest, by seed.
rows_of() { cut -d, -f2- "$1" | LC_ALL=C sort; }
cmp -s <(rows_of "$tmp/export-merged/probes.csv") <(rows_of "$tmp/export-local/probes.csv") \
  || fail "merged probe rows differ from the local run's"
rows=$(( $(wc -l < "$tmp/export-local/probes.csv") - 1 ))
say "merged probe rows identical to a local taboo run --jobs 2 ($rows rows, 8 runs)"

# --- 2. cancel a task mid-run, see the merge refuse, resubmit, merge again
out=$tmp/b
long=(--set pretrain_steps=400 --set lock_steps=100 --set drill_epochs=40)
"$taboo" slurm "$scenario" --tasks 4 --seeds 1..12 "${long[@]}" --jobs 1 --out "$out" >/dev/null || fail "taboo slurm (2)"
ids=$(sh "$out/submit.sh") || fail "submit.sh (2): $ids"
array=$(echo "$ids" | sed -n 's/^array job \([0-9]*\).*/\1/p')
merge=$(echo "$ids" | sed -n 's/.*merge job \([0-9]*\).*/\1/p')
say "second submission: $ids"
# Task 3 once it has stored a run or two, i.e. mid-batch (3 runs per task).
for _ in $(seq 240); do
  n=$(sqlite3 "$out/shards/shard-3.sqlite" 'SELECT count(*) FROM runs' 2>/dev/null || echo 0)
  [ "${n:-0}" -ge 1 ] && break
  sleep 0.25
done
[ "${n:-0}" -ge 1 ] || fail "task 3 stored no run in 60 s: $(states "$array")"
scancel "${array}_3"
say "scancel ${array}_3 with $n of 3 runs stored"
wait_done "$array" 120
wait_done "$merge" 30
echo "--- what the user sees after the cancel:"
echo "\$ squeue -j $array,$merge   (nothing left) ; scontrol: array $(states "$array"); merge $(states "$merge")"
echo "\$ tail -3 $out/logs/shard-3.out"; tail -3 "$out/logs/shard-3.out" | sed 's/^/  /'
echo "\$ taboo status $out"; "$taboo" status "$out" 2>&1 | sed 's/^/  /'
echo "\$ sbatch $out/merge.sbatch (before the resubmit) → $out/logs/merge.out:"
m=$(sbatch --parsable "$out/merge.sbatch"); wait_done "$m" 60
sed 's/^/  /' "$out/logs/merge.out"
[ "$(states "$m")" = "1 FAILED " ] || fail "the merge of an incomplete shard was not refused: $(states "$m")"
[ ! -f "$out/merged.sqlite" ] || fail "a merged database was written from an incomplete shard"
echo "---"
again=$(sbatch --parsable --array=3 "$out/array.sbatch")
wait_done "$again" 120
[ "$(states "$again")" = "1 COMPLETED " ] || fail "resubmitted task 3: $(states "$again"); $(cat "$out/logs/shard-3.out")"
say "resubmitted task 3 (job $again): $(grep -o '[0-9]* already in' "$out/logs/shard-3.out" | tail -1) its database, COMPLETED"
m=$(sbatch --parsable "$out/merge.sbatch"); wait_done "$m" 60
[ "$(states "$m")" = "1 COMPLETED " ] || fail "merge after the resubmit: $(states "$m"); $(cat "$out/logs/merge.out")"
db=$out/merged.sqlite
runs=$(sqlite3 "$db" 'SELECT count(*) FROM runs')
distinct=$(sqlite3 "$db" "SELECT count(*) FROM (SELECT DISTINCT $(sqlite3 "$db" "SELECT group_concat(name) FROM pragma_table_info('runs') WHERE name IN ('seed','point','parameters','key','point_label')") FROM runs)")
integrity=$(sqlite3 "$db" 'PRAGMA integrity_check')
[ "$runs" = 12 ] && [ "$distinct" = 12 ] || fail "merged: $runs runs, $distinct distinct (want 12)"
[ "$integrity" = ok ] || fail "integrity_check: $integrity"
for s in "$out"/shards/*.sqlite; do
  [ "$(sqlite3 "$s" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check of $s"
done
say "after the resubmit: 12 runs, each once; PRAGMA integrity_check ok (merged and every shard)"
say "passed"
