#!/bin/bash
# cli_sweep.sh -- `etsim sweep` / `etsim merge` end to end on the synthetic
# model: grid validation before any work, byte-identical summaries across
# thread counts, shard + merge, 20 random kill -9 + --resume cycles, a torn
# last line, and refusal of a directory holding another grid.
set -u
BIN=${ETSIM_BIN:?ETSIM_BIN must point at the etsim binary}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

cat > "$T/grid.json" <<'EOF'
{
  "sources": ["synthetic:default"],
  "selectors": [{"selector": "rebase", "params": {"softmax_temperature": [0.2, 1.0]}},
                {"selector": "beam", "params": {"fixedwidth": [0, 4]}},
                {"selector": "dvts", "widths": [16]}],
  "widths": [16, 64],
  "problems": 12
}
EOF

# ---- grid validation: one line naming the entry, exit 1, nothing created --
expect_bad() { # name, grid text, expected substring
  printf '%s' "$2" > "$T/bad.json"
  "$BIN" sweep "$T/bad.json" --out "$T/bad_out" > "$T/bad.stdout" 2> "$T/bad.err"
  rc=$?
  if [ $rc -ne 1 ]; then fail "$1: exit $rc, want 1"; return; fi
  if [ -e "$T/bad_out" ]; then fail "$1: output directory created before validation"; return; fi
  if ! grep -q -- "$3" "$T/bad.err"; then fail "$1: message lacks '$3': $(cat "$T/bad.err")"; return; fi
  if [ "$(wc -l < "$T/bad.err")" -ne 1 ]; then fail "$1: more than one line: $(cat "$T/bad.err")"; return; fi
  ok "$1 -> $(cat "$T/bad.err")"
}
expect_bad "unknown selector" \
  '{"sources":["synthetic"],"widths":[4],"selectors":[{"selector":"rebase"},{"selector":"rebaze"}]}' \
  "selectors\[1\]: unknown selector 'rebaze'"
expect_bad "unknown parameter" \
  '{"sources":["synthetic"],"widths":[4],"selectors":[{"selector":"rebase","params":{"temprature":[1]}}]}' \
  "selectors\[0\]"
expect_bad "unknown profile" \
  '{"sources":["synthetic:default","synthetic:no-such-profile"],"widths":[4],"selectors":["rebase"]}' \
  "sources\[1\]"
expect_bad "bad width" \
  '{"sources":["synthetic"],"widths":[16,0],"selectors":["rebase"]}' "widths"
expect_bad "unknown key" \
  '{"sources":["synthetic"],"widths":[4],"selectors":["rebase"],"widht":[3]}' "unknown key 'widht'"
expect_bad "value out of range" \
  '{"sources":["synthetic"],"widths":[4],"selectors":[{"selector":"rebase","params":{"softmax_temperature":[0.2,-1]}}]}' \
  "softmax_temperature"
expect_bad "too many problems" \
  '{"sources":["synthetic"],"widths":[4],"selectors":["rebase"],"problems":100000}' "out of range"
expect_bad "invalid JSON" '{"sources": [' "invalid JSON"

# ---- reference run, and thread-count independence -------------------------
"$BIN" sweep "$T/grid.json" --out "$T/ref" --threads 1 --quiet 2> /dev/null || fail "reference run"
"$BIN" sweep "$T/grid.json" --out "$T/t2" --threads 2 --quiet 2> /dev/null || fail "2-thread run"
cmp -s "$T/ref/summary.jsonl" "$T/t2/summary.jsonl" && ok "1 and 2 threads: identical summary" \
  || fail "1 vs 2 threads differ"
lines=$(wc -l < "$T/ref/summary.jsonl")
# 9 configs x (config line + 12 problems + summary) + header
[ "$lines" -eq $((9 * 14 + 1)) ] && ok "summary has $lines lines" || fail "summary has $lines lines"

# ---- shard + merge == single run -------------------------------------------
for i in 1 2 3; do
  "$BIN" sweep "$T/grid.json" --out "$T/s$i" --shard $i/3 --threads 2 --quiet 2> /dev/null \
    || fail "shard $i"
done
"$BIN" merge --out "$T/merged" "$T/s3" "$T/s1" "$T/s2" --quiet 2> /dev/null || fail "merge"
cmp -s "$T/ref/summary.jsonl" "$T/merged/summary.jsonl" && ok "shards 3 + merge: identical summary" \
  || fail "merged summary differs"
# an incomplete merge says so and can be completed with --resume
"$BIN" merge --out "$T/part" "$T/s1" --quiet 2> "$T/part.err"
[ $? -eq 1 ] && grep -q incomplete "$T/part.err" && ok "partial merge reports incomplete" \
  || fail "partial merge: $(cat "$T/part.err")"
"$BIN" sweep "$T/grid.json" --out "$T/part" --resume --quiet 2> /dev/null || fail "completing a partial merge"
cmp -s "$T/ref/summary.jsonl" "$T/part/summary.jsonl" && ok "partial merge + resume: identical" \
  || fail "partial merge + resume differs"

# ---- kill -9 at random points, 20 times, then resume ------------------------
cat > "$T/big.json" <<'EOF'
{"sources": ["synthetic:default"],
 "selectors": [{"selector": "rebase", "params": {"softmax_temperature": [0.2, 0.5, 1.0]}},
               {"selector": "beam"}],
 "widths": [16, 64, 256], "problems": 16}
EOF
"$BIN" sweep "$T/big.json" --out "$T/bigref" --threads 2 --quiet 2> /dev/null || fail "big reference"
start=$(date +%s%N)
"$BIN" sweep "$T/big.json" --out "$T/timing" --threads 2 --quiet 2> /dev/null
full_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$full_ms" -lt 20 ] && full_ms=20
RANDOM=4242
kills=0
for k in $(seq 1 20); do
  flag=--resume
  [ $k -eq 1 ] && flag=
  "$BIN" sweep "$T/big.json" --out "$T/killed" --threads 2 --quiet $flag 2> /dev/null &
  pid=$!
  # short random delays, so that most kills land while work remains
  delay_ms=$(( RANDOM % (full_ms / 5 + 1) ))
  sleep "$(printf '0.%03d' $((delay_ms % 1000)))"
  if kill -9 $pid 2> /dev/null; then kills=$((kills + 1)); fi
  wait $pid 2> /dev/null
done
"$BIN" sweep "$T/big.json" --out "$T/killed" --threads 2 --resume --quiet 2> "$T/killed.err" \
  || fail "final resume: $(cat "$T/killed.err")"
cmp -s "$T/bigref/summary.jsonl" "$T/killed/summary.jsonl" \
  && ok "20 kill -9 cycles ($kills landed mid-run) + resume: identical summary" \
  || fail "summary after kills differs"
# no unit is ever written twice
dups=$(grep -o '^{"cfg":"[0-9a-f]*","p":[0-9]*' "$T/killed/results.jsonl" | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] && ok "no unit recomputed" || fail "$dups units written twice"

# ---- torn last line ----------------------------------------------------------
cp -r "$T/bigref" "$T/torn"
rm "$T/torn/summary.jsonl"
size=$(stat -c %s "$T/torn/results.jsonl")
truncate -s $((size * 2 / 3)) "$T/torn/results.jsonl"
tail -c 1 "$T/torn/results.jsonl" | od -c | grep -q '\\n' && truncate -s -7 "$T/torn/results.jsonl"
"$BIN" sweep "$T/big.json" --out "$T/torn" --resume --quiet 2> "$T/torn.err" || fail "resume after torn line"
grep -q "dropped a torn last line" "$T/torn.err" && ok "torn line reported: $(head -1 "$T/torn.err")" \
  || fail "torn line not reported: $(cat "$T/torn.err")"
cmp -s "$T/bigref/summary.jsonl" "$T/torn/summary.jsonl" && ok "torn line + resume: identical" \
  || fail "torn line + resume differs"

# ---- a directory holding another grid --------------------------------------
"$BIN" sweep "$T/big.json" --out "$T/ref" --resume --quiet 2> "$T/other.err"
[ $? -eq 1 ] && grep -q "different grid" "$T/other.err" && ok "different grid refused" \
  || fail "different grid not refused: $(cat "$T/other.err")"
"$BIN" sweep "$T/grid.json" --out "$T/ref" --quiet 2> "$T/again.err"
[ $? -eq 1 ] && grep -q -- "--resume" "$T/again.err" && ok "existing results need --resume or --force" \
  || fail "rerun without --resume: $(cat "$T/again.err")"
"$BIN" sweep "$T/big.json" --out "$T/ref" --force --quiet 2> /dev/null || fail "--force"
cmp -s "$T/bigref/summary.jsonl" "$T/ref/summary.jsonl" && ok "--force replaces the old grid" \
  || fail "--force result differs"
"$BIN" merge --out "$T/mixed" "$T/s1" "$T/bigref" --quiet 2> "$T/mixed.err"
[ $? -eq 1 ] && grep -q "different grids" "$T/mixed.err" && ok "merge of different grids refused" \
  || fail "mixed merge: $(cat "$T/mixed.err")"
"$BIN" sweep "$T/grid.json" --out "$T/s1" --shard 2/3 --resume --quiet 2> "$T/shard.err"
[ $? -eq 1 ] && ok "resume with another shard refused" || fail "shard change not refused"
"$BIN" sweep "$T/grid.json" --out "$T/x" --shard 4/3 2> /dev/null
[ $? -eq 2 ] && ok "bad --shard is a usage error" || fail "bad --shard"

# ---- issue 13: one JSON policy (F6) and the directory lock (F3) -------------
expect_bad "trailing content" '{"sources":["synthetic"],"widths":[4],"selectors":["rebase"]}
}' "line 2: unexpected content after the JSON value"
expect_bad "duplicate key" '{"sources":["synthetic"],
 "widths":[4],
 "widths":[8], "selectors":["rebase"]}' "line 3: duplicate key 'widths'"
# A running sweep holds DIR/sweep.lock: a second sweep into the directory,
# --force and --resume included, stops with one line naming the holder and
# deletes nothing. Killed (the kernel drops the lock), it resumes as usual.
"$BIN" sweep "$T/big.json" --out "$T/locked" --threads 1 --quiet 2> /dev/null &
pid=$!
for _ in $(seq 300); do [ -s "$T/locked/sweep.lock" ] && break; sleep 0.02; done
for flag in --force --resume ""; do
  "$BIN" sweep "$T/grid.json" --out "$T/locked" $flag --quiet 2> "$T/lock.err"
  rc=$?
  kill -0 $pid 2> /dev/null || { fail "the locked sweep ended before the check ($flag)"; break; }
  if [ $rc -eq 1 ] && grep -q "sweep.lock: in use by pid $pid on .* (etsim sweep)" "$T/lock.err" \
     && [ "$(wc -l < "$T/lock.err")" -eq 1 ]; then
    ok "sweep ${flag:-(plain)} into a running sweep's directory refused: $(cat "$T/lock.err")"
  else
    fail "sweep ${flag:-(plain)} into a running sweep's directory: exit $rc: $(cat "$T/lock.err")"
  fi
done
"$BIN" merge --out "$T/locked" "$T/s1" --quiet 2> "$T/lock.err"
[ $? -eq 1 ] && grep -q "in use by pid $pid" "$T/lock.err" && ok "merge into a running sweep refused" \
  || fail "merge into a running sweep: $(cat "$T/lock.err")"
ghash() { grep -o '"grid_hash": *"[0-9a-f]*"' "$1" 2> /dev/null; }
[ -n "$(ghash "$T/bigref/grid.json")" ] && [ "$(ghash "$T/bigref/grid.json")" = "$(ghash "$T/locked/grid.json")" ] \
  && ok "grid.json still the running sweep's" || fail "grid.json replaced under a running sweep"
kill -9 $pid 2> /dev/null
wait $pid 2> /dev/null
"$BIN" sweep "$T/big.json" --out "$T/locked" --threads 2 --resume --quiet 2> "$T/lock.err" \
  || fail "resume after the locked sweep was killed: $(cat "$T/lock.err")"
cmp -s "$T/bigref/summary.jsonl" "$T/locked/summary.jsonl" && ok "locked, killed, resumed: identical" \
  || fail "locked sweep + resume differs"
[ ! -e "$T/locked/sweep.lock" ] && ok "lock file removed at the end" || fail "sweep.lock left behind"

echo "$fails failure(s)"
[ $fails -eq 0 ]
