#!/bin/bash
# cli_slurm.sh -- scale-out on a real Slurm: a one-node cluster on
# localhost from Debian's slurm-wlm and munge (tests/slurm_cluster.sh),
# started and stopped by this test. It submits the scripts of
# scripts/slurm/ with sbatch as a user would:
#   1. a 4-task array sweep (sweep.sbatch, --shard auto) and the merge job
#      (merge.sbatch, --dependency=afterok): summary.jsonl byte-identical to
#      a run on one machine; then one shard deleted and rerun alone by
#      resubmitting its index (ETSIM_SHARDS=4 --array=2), merged again;
#   2. a 2-shard synthetic capture (capture.sbatch with ETSIM_SYNTHETIC)
#      joined by trace_merge.sbatch: the merged trace byte-identical to a
#      capture in one piece, and its replay too.
# Waits are bounded polls of squeue. Where Slurm cannot start (not
# installed, not root, daemons refusing) the test skips with the reason
# (exit 77; a failure under CI=true).
set -u
. "${ETSIM_SOURCE_DIR:?}/tests/lib_cli.sh"
. "$ETSIM_SOURCE_DIR/tests/slurm_cluster.sh"
S=$ETSIM_SOURCE_DIR/scripts/slurm
trap 'slurm_stop; rm -rf "$DIR"' EXIT
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
export ETSIM=$BIN

slurm_start "$DIR/slurm" || skip "Slurm cannot run here: $SLURM_WHY"
cd "$DIR" || exit 1

# wait_jobs SECONDS JOBID...: until none of the jobs is in squeue
wait_jobs() {
    local t=$1 ids
    shift
    ids=$(IFS=,; echo "$*")
    for _ in $(seq $((t * 2))); do
        [ -z "$(squeue -h -j "$ids" 2>/dev/null)" ] && return 0
        sleep 0.5
    done
    fail "jobs $ids still queued after $t s: $(squeue -h -j "$ids" -o '%i %T %r' | tr '\n' ';')"
    scancel "$@" 2>/dev/null
    return 1
}
logs() { tail -n 5 "$DIR"/etsim-*.log 2>/dev/null | tr '\n' ' '; }

# ---- 1. sweep as a job array + merge job -------------------------------------------------
cat >"$DIR/grid.json" <<'JSON'
{
  "sources": ["synthetic:default"],
  "selectors": [{"selector": "rebase", "params": {"softmax_temperature": [0.2, 1.0]}},
                {"selector": "beam", "params": {"fixedwidth": [0, 4]}}],
  "widths": [16],
  "problems": 8
}
JSON
"$BIN" sweep "$DIR/grid.json" --out "$DIR/local" --threads 1 --quiet 2>/dev/null || fail "local sweep"
jid=$(sbatch --parsable --array=0-3 --cpus-per-task=1 "$S/sweep.sbatch" "$DIR/grid.json" "$DIR/root")
mid=$(sbatch --parsable --dependency=afterok:"$jid" "$S/merge.sbatch" "$DIR/root")
if [ -n "$jid" ] && [ -n "$mid" ] && wait_jobs 180 "$jid" "$mid"; then
    for t in 0 1 2 3; do
        grep -q "\"shard\":\"$((t + 1))/4\"" "$DIR/root/shard-$t/grid.json" 2>/dev/null ||
            fail "array task $t did not run shard $((t + 1))/4: $(logs)"
    done
    cmp -s "$DIR/local/summary.jsonl" "$DIR/root/merged/summary.jsonl" ||
        fail "merged summary.jsonl differs from a local run: $(logs)"
else
    fail "sweep array not submitted or not finished: $(logs)"
fi
# a task that died: its shard is gone; resubmit just its index
rm -rf "$DIR/root/shard-2" "$DIR/root/merged"
jid=$(ETSIM_SHARDS=4 sbatch --parsable --array=2 --cpus-per-task=1 "$S/sweep.sbatch" "$DIR/grid.json" "$DIR/root")
mid=$(sbatch --parsable --dependency=afterok:"$jid" "$S/merge.sbatch" "$DIR/root")
if [ -n "$jid" ] && [ -n "$mid" ] && wait_jobs 120 "$jid" "$mid"; then
    cmp -s "$DIR/local/summary.jsonl" "$DIR/root/merged/summary.jsonl" ||
        fail "summary after rerunning index 2 differs from a local run: $(logs)"
else
    fail "rerun of index 2 not finished: $(logs)"
fi

# ---- 2. capture shards on "nodes" + trace merge job ---------------------------------------
cat >"$DIR/cap.json" <<'JSON'
{"problems": [0, 7],
 "selectors": [{"selector": "ets", "width": 8}, {"selector": "rebase", "width": 8}]}
JSON
mkdir -p "$DIR/one" "$DIR/joined"
"$BIN" capture --config "$DIR/cap.json" --synthetic --quiet --out "$DIR/one/c.trace" >/dev/null 2>&1 ||
    fail "local capture"
jid=$(ETSIM_SYNTHETIC=default sbatch --parsable --array=0-1 --cpus-per-task=1 --gres=none \
    "$S/capture.sbatch" "$DIR/cap.json" "$DIR/caproot")
mid=$(sbatch --parsable --dependency=afterok:"$jid" "$S/trace_merge.sbatch" "$DIR/caproot" "$DIR/joined/c.trace")
if [ -n "$jid" ] && [ -n "$mid" ] && wait_jobs 180 "$jid" "$mid"; then
    cmp -s "$DIR/one/c.trace" "$DIR/joined/c.trace" ||
        fail "merged capture trace differs from one captured in one piece: $(logs)"
    for d in one joined; do
        (cd "$DIR/$d" && "$BIN" replay --trace c.trace --selector ets --width 8 --out r.json \
            >/dev/null 2>&1) || fail "replay of the $d trace"
    done
    cmp -s "$DIR/one/r.json" "$DIR/joined/r.json" || fail "replays of the merged and the one-piece trace differ"
else
    fail "capture array not submitted or not finished: $(logs)"
fi

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all ok"
