#!/bin/bash
# cli_trace_merge.sh -- a capture split into shards and joined again, on
# one machine (tests/cli_slurm.sh does it under Slurm): `etsim capture
# --shard i/n` captures contiguous slices; `etsim trace merge` joins them
# into a trace byte-identical to the one-piece capture, in any input order;
# a missing shard, another capture's shard, a partial input are errors of one line naming what is wrong,
# and leave no output. Also `--shard auto` / `auto/N` from the Slurm and
# Kubernetes variables, and its errors.
set -u
. "${ETSIM_SOURCE_DIR:?}/tests/lib_cli.sh"
cap() { "$BIN" capture --config "$DIR/cap.json" --synthetic --quiet "$@" >/dev/null; }
cat >"$DIR/cap.json" <<'JSON'
{"problems": [0, 10],
 "selectors": [{"selector": "ets", "width": 8}, {"selector": "rebase", "width": 8}]}
JSON
mkdir -p "$DIR/one" "$DIR/j"
cap --out "$DIR/one/c.trace" || fail "one-piece capture"
for i in 1 2 3; do cap --shard $i/3 --out "$DIR/s$i.trace" || fail "shard $i/3"; done
# shards are contiguous slices 0-2, 3-5, 6-9
"$BIN" inspect "$DIR/s2.trace" --json >"$DIR/s2.json" || fail "inspect s2"
grep -q '"problems":[[:space:]]*3' "$DIR/s2.json" || fail "shard 2/3 of 10 problems should hold 3"
expect 0 "" "$BIN" trace merge "$DIR/j/c.trace" "$DIR/s3.trace" "$DIR/s1.trace" "$DIR/s2.trace"
cmp -s "$DIR/one/c.trace" "$DIR/j/c.trace" || fail "merged shards differ from the one-piece capture"
# replays are identical (same file name, other directory)
for d in one j; do
    (cd "$DIR/$d" && "$BIN" replay --trace c.trace --selector rebase --width 8 --out r.json \
        >/dev/null 2>&1) || fail "replay $d"
done
cmp -s "$DIR/one/r.json" "$DIR/j/r.json" || fail "replays differ"
# a problem in two inputs, identical: accepted, written once
expect 0 "" "$BIN" trace merge "$DIR/dup.trace" "$DIR/s1.trace" "$DIR/s2.trace" "$DIR/s3.trace" \
    "$DIR/one/c.trace"
"$BIN" inspect "$DIR/dup.trace" --json | grep -q '"problems":[[:space:]]*10' || fail "duplicates written twice"

# ---- errors: one line, exit 1, no output ------------------------------------------------
expect 1 "shard 2/3 is missing" "$BIN" trace merge "$DIR/x.trace" "$DIR/s1.trace" "$DIR/s3.trace"
[ ! -e "$DIR/x.trace" ] || fail "a failed merge left its output"
# another capture's shard (other selectors): settings differ
sed 's/"width": 8}]/"width": 4}]/' "$DIR/cap.json" >"$DIR/cap4.json"
"$BIN" capture --config "$DIR/cap4.json" --synthetic --quiet --shard 2/3 --out "$DIR/o2.trace" >/dev/null ||
    fail "other capture"
expect 1 "o2.trace: header field settings.capture differs" \
    "$BIN" trace merge "$DIR/x.trace" "$DIR/s1.trace" "$DIR/o2.trace" "$DIR/s3.trace"
# a header field differing, a problem present twice with other contents:
# tests/test_trace_merge.c (the synthetic capture cannot make them)
# a partial file (an interrupted capture) is refused, naming it
head -c 3000 "$DIR/s1.trace" >"$DIR/part.trace"
expect 1 "part.trace" "$BIN" trace merge "$DIR/x.trace" "$DIR/part.trace" "$DIR/s2.trace"
expect 2 "both the output and an input" "$BIN" trace merge "$DIR/s1.trace" "$DIR/s1.trace"
expect 2 "give OUT.trace" "$BIN" trace merge "$DIR/x.trace"
[ ! -e "$DIR/x.trace" ] || fail "a failed merge left its output"

# ---- --shard auto ----------------------------------------------------------------------
G=$DIR/g.json
echo '{"sources": ["synthetic:default"], "selectors": [{"selector": "rebase"}], "widths": [16], "problems": 4}' >"$G"
clean() { env -u SLURM_ARRAY_TASK_ID -u SLURM_ARRAY_TASK_COUNT -u SLURM_ARRAY_TASK_MIN \
    -u SLURM_ARRAY_TASK_MAX -u JOB_COMPLETION_INDEX "$@"; }
expect 2 "neither SLURM_ARRAY_TASK_ID" clean "$BIN" sweep "$G" --out "$DIR/a0" --shard auto
expect 2 "neither SLURM_ARRAY_TASK_ID" clean "$BIN" capture --config "$DIR/cap.json" --synthetic --shard auto
clean SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_COUNT=4 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=3 \
    "$BIN" sweep "$G" --out "$DIR/a1" --shard auto --quiet 2>/dev/null || fail "auto from Slurm"
grep -q '"shard":"3/4"' "$DIR/a1/grid.json" || fail "SLURM_ARRAY_TASK_ID=2 of 4 is not shard 3/4"
clean JOB_COMPLETION_INDEX=0 "$BIN" sweep "$G" --out "$DIR/a2" --shard auto/2 --quiet 2>/dev/null ||
    fail "auto/N from Kubernetes"
grep -q '"shard":"1/2"' "$DIR/a2/grid.json" || fail "JOB_COMPLETION_INDEX=0 of 2 is not shard 1/2"
expect 2 "JOB_COMPLETION_INDEX is set but the number of shards is not" \
    clean JOB_COMPLETION_INDEX=0 "$BIN" sweep "$G" --out "$DIR/a3" --shard auto
expect 2 "not 0-0" clean SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_COUNT=1 SLURM_ARRAY_TASK_MIN=2 \
    SLURM_ARRAY_TASK_MAX=2 "$BIN" sweep "$G" --out "$DIR/a3" --shard auto
clean SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_COUNT=1 SLURM_ARRAY_TASK_MIN=2 SLURM_ARRAY_TASK_MAX=2 \
    "$BIN" sweep "$G" --out "$DIR/a4" --shard auto/4 --quiet 2>/dev/null || fail "rerun of one index with auto/4"
grep -q '"shard":"3/4"' "$DIR/a4/grid.json" || fail "rerun of index 2 with auto/4 is not shard 3/4"
expect 2 "there are 4 shards" clean SLURM_ARRAY_TASK_ID=4 "$BIN" sweep "$G" --out "$DIR/a5" --shard auto/4
expect 2 "SLURM_ARRAY_TASK_ID='x'" clean SLURM_ARRAY_TASK_ID=x "$BIN" sweep "$G" --out "$DIR/a5" --shard auto/4
expect 2 "expected auto/N" clean "$BIN" sweep "$G" --out "$DIR/a5" --shard auto/0
[ ! -e "$DIR/a3" ] && [ ! -e "$DIR/a5" ] || fail "a bad --shard created its output directory"

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all ok"
