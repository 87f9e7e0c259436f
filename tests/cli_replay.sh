#!/usr/bin/env bash
# cli_replay.sh -- `etsim replay` end to end: the synthetic default with and
# without a profile name, --source KIND:SPEC and its aliases, byte-identical
# output across thread counts, a synth trace replayed like the model itself, and bad input (unknown
# selector or parameter, width <= 0, missing / truncated / flipped trace,
# wrong version): one line on stderr, non-zero exit, no output file.
set -u
bin=${ETSIM_BIN:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 passes=0
ok() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect_error CODE NEEDLE -- args...: exit CODE, one stderr line with NEEDLE, no $tmp/out.json
expect_error() {
  local code=$1 needle=$2; shift 3
  rm -f "$tmp/out.json"
  "$bin" "$@" >/dev/null 2>"$tmp/err"
  local rc=$?
  if [ "$rc" -ne "$code" ]; then fail "$*: exit $rc, want $code ($(cat "$tmp/err"))"; return; fi
  if [ "$(wc -l <"$tmp/err")" -ne 1 ]; then fail "$*: not one line: $(cat "$tmp/err")"; return; fi
  grep -qF -- "$needle" "$tmp/err" || { fail "$*: '$needle' not in: $(cat "$tmp/err")"; return; }
  ls "$tmp"/out.json* >/dev/null 2>&1 && { fail "$*: output file left behind"; return; }
  ok
}

# --synthetic alone means the default profile
"$bin" replay --synthetic --selector rebase --width 8 --problems 4 --out "$tmp/a.json" >/dev/null || fail "default replay"
"$bin" replay --synthetic default --selector rebase --width 8 --problems 4 --out "$tmp/b.json" >/dev/null || fail "named default"
cmp -s "$tmp/a.json" "$tmp/b.json" && ok || fail "--synthetic and --synthetic default differ"
grep -q '"accuracy":{"problems":4' "$tmp/a.json" && ok || fail "summary has no accuracy"

# --source KIND:SPEC names any registered oracle kind; --synthetic is its alias
"$bin" replay --source synthetic:default --selector rebase --width 8 --problems 4 --out "$tmp/c.json" >/dev/null || fail "--source synthetic:default"
"$bin" replay --source synthetic --selector rebase --width 8 --problems 4 --out "$tmp/d.json" >/dev/null || fail "--source synthetic"
cmp -s "$tmp/a.json" "$tmp/c.json" && cmp -s "$tmp/a.json" "$tmp/d.json" && ok || fail "--source synthetic[:default] differs from --synthetic"
expect_error 2 "--source: unknown source kind 'bogus' (known: trace, synthetic, live)" -- \
  replay --source bogus:x --selector rebase --width 8 --out "$tmp/out.json"
expect_error 2 "--source: a trace source needs a spec: trace:SPEC" -- \
  replay --source trace --selector rebase --width 8 --out "$tmp/out.json"
expect_error 1 "/nonexistent/x.trace" -- \
  replay --source trace:/nonexistent/x.trace --selector rebase --width 8 --out "$tmp/out.json"

# thread count never changes a byte
for sel in rebase beam dvts ets ets-kv; do
  "$bin" replay --synthetic --selector $sel --width 16 --problems 12 --threads 1 --out "$tmp/t1.json" >/dev/null &&
  "$bin" replay --synthetic --selector $sel --width 16 --problems 12 --threads 2 --out "$tmp/t2.json" >/dev/null &&
  "$bin" replay --synthetic --selector $sel --width 16 --problems 12 --threads 3 --out "$tmp/t3.json" >/dev/null ||
    { fail "$sel replay"; continue; }
  cmp -s "$tmp/t1.json" "$tmp/t2.json" && cmp -s "$tmp/t1.json" "$tmp/t3.json" && ok || fail "$sel: threads change output"
done

# a synthetic trace replays exactly like the model (apart from the source line)
printf '[{"selector":"rebase","width":8},{"selector":"ets","width":8}]' > "$tmp/cfg.json"
"$bin" synth --profile default --problems 4 --configs "$tmp/cfg.json" --out "$tmp/s.trace" >/dev/null || fail "synth"
for sel in rebase ets; do
  "$bin" replay --trace "$tmp/s.trace" --selector $sel --width 8 --out "$tmp/tr.json" >/dev/null || { fail "trace replay $sel"; continue; }
  "$bin" replay --synthetic --selector $sel --width 8 --problems 4 --out "$tmp/sy.json" >/dev/null
  cmp -s <(sed 's/"source":{[^}]*}//; s/"meta":{[^}]*}//' "$tmp/tr.json") \
         <(sed 's/"source":{[^}]*}//; s/"meta":{[^}]*}//' "$tmp/sy.json") && ok || fail "$sel: trace replay differs from the model"
done
# asking for more children than recorded: error by default, truncate / resample on request
expect_error 1 "children requested" -- replay --trace "$tmp/s.trace" --selector rebase --width 16 --out "$tmp/out.json"
"$bin" replay --trace "$tmp/s.trace" --selector rebase --width 16 --on-missing truncate --out "$tmp/m.json" >/dev/null &&
  grep -q '"missing_children":[1-9]' "$tmp/m.json" && ok || fail "truncate does not count missing children"
"$bin" replay --trace "$tmp/s.trace" --selector rebase --width 16 --on-missing resample --out "$tmp/m.json" >/dev/null &&
  grep -q '"resampled_children":[1-9]' "$tmp/m.json" && ok || fail "resample does not count clones"

# problems ended by the engine's limits without any leaf: counted per problem
# and in the summary, reported on stderr with the limits that fit the
# trace's recorded longest path (its header's longest_path)
"$bin" replay --trace "$tmp/s.trace" --selector rebase --width 8 --set max_expansions=6 \
  --set max_tokens=300 --out "$tmp/lim.json" >/dev/null 2>"$tmp/err" || fail "limits replay"
grep -q '"summary":.*"no_leaf":1,"no_leaf_max_expansions":0,"no_leaf_max_tokens":1' "$tmp/lim.json" &&
  ok || fail "no_leaf counters not in the summary"
[ "$(grep -c '"no_leaf":1' "$tmp/lim.json")" -eq 2 ] && ok || fail "no per-problem no_leaf"
grep -qF "1 of 4 problems ended without a leaf (max_expansions 6: 0, max_tokens 300: 1); the trace's longest path is 10 steps / 688 tokens: try --set max_expansions=10 --set max_tokens=689" "$tmp/err" &&
  ok || fail "limit note: $(cat "$tmp/err")"
"$bin" replay --trace "$tmp/s.trace" --selector rebase --width 8 --set max_expansions=3 \
  --out "$tmp/lim.json" >/dev/null 2>"$tmp/err" || fail "limits replay 2"
grep -qF "(max_expansions 3: 1, max_tokens 1024: 0)" "$tmp/err" && ok || fail "max_expansions note: $(cat "$tmp/err")"
"$bin" replay --trace "$tmp/s.trace" --selector rebase --width 8 --set max_expansions=10 \
  --set max_tokens=689 --out "$tmp/lim.json" >/dev/null 2>"$tmp/err" || fail "limits replay 3"
grep -q '"summary":.*"no_leaf":0,' "$tmp/lim.json" && [ ! -s "$tmp/err" ] && ok || fail "suggested limits leave problems without a leaf: $(cat "$tmp/err")"

# --set kv_metric=reference is recorded in the result's config (only then)
"$bin" replay --synthetic --selector dvts --width 16 --problems 2 --set kv_metric=reference \
  --out "$tmp/kv.json" >/dev/null && grep -q '"root_tokens":"prompt","kv_metric":"reference"' "$tmp/kv.json" &&
  ! grep -q kv_metric "$tmp/a.json" && ok || fail "kv_metric not recorded as expected"

# regression: on this instance GLPK's primal simplex declared the tie rule's
# preference LP infeasible from the basis a tie search had restored
# (selectors/ilp.c restarts it from a slack basis)
here=$(cd "$(dirname "$0")" && pwd)
"$bin" replay --synthetic "$here/data/ilp-restart-profile.json" --selector ets --set lambdac=2 \
  --set lambdas=1 --width 64 --first 3 --problems 1 --out "$tmp/ilp.json" >/dev/null 2>"$tmp/err" &&
  grep -q '"selector":"ets"' "$tmp/ilp.json" && ok || fail "ETS ILP restart instance: $(cat "$tmp/err")"

# bad input
expect_error 2 "unknown selector 'nope'" -- replay --synthetic --selector nope --width 8 --out "$tmp/out.json"
expect_error 2 "unknown parameter 'temp'" -- replay --synthetic --selector rebase --width 8 --set temp=1 --out "$tmp/out.json"
expect_error 2 "not a finite number" -- replay --synthetic --selector rebase --width 8 --set softmax_temperature=x --out "$tmp/out.json"
# one range, stated the same way for every bad value (issue 13)
for w in 0 -3 abc 1000000001; do
  expect_error 2 "--width: '$w' is not an integer in [1, 1000000000]" -- replay --synthetic --selector rebase --width "$w" --out "$tmp/out.json"
done
expect_error 1 "missing.trace" -- replay --trace "$tmp/missing.trace" --selector rebase --width 8 --out "$tmp/out.json"
size=$(stat -c %s "$tmp/s.trace")
head -c $((size / 2)) "$tmp/s.trace" > "$tmp/cut.trace"
expect_error 1 "cut.trace" -- replay --trace "$tmp/cut.trace" --selector rebase --width 8 --out "$tmp/out.json"
cp "$tmp/s.trace" "$tmp/flip.trace"
printf '\xff\xff\xff\xff' | dd of="$tmp/flip.trace" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
expect_error 1 "flip.trace" -- replay --trace "$tmp/flip.trace" --selector rebase --width 8 --out "$tmp/out.json"
cp "$tmp/s.trace" "$tmp/ver.trace"
printf '\x02' | dd of="$tmp/ver.trace" bs=1 seek=8 conv=notrunc 2>/dev/null
expect_error 1 "version" -- replay --trace "$tmp/ver.trace" --selector rebase --width 8 --out "$tmp/out.json"
expect_error 2 "--out is required" -- replay --synthetic --selector rebase --width 8

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
