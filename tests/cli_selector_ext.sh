#!/usr/bin/env bash
# cli_selector_ext.sh -- selectors from outside etsim's library: the C
# plug-in selectors/examples/rebase_plugin.c (--selector-lib) and the
# Python selectors/examples/rebase.py over a pipe (--selector exec:...)
# must give problems byte-identical to the built-in REBASE at widths 16 and
# 64 (checked with `etsim diff`), also on 2 threads and in a sweep grid;
# and in a capture config (the synthetic stand-in); then bad input: a
# plug-in of another ABI, and every malformed decision (crash, early exit,
# not JSON, JSON that is no decision, over-allocation by counts or by
# expansions, unknown candidate, wrong or negative counts, counts that
# contradict the expansions, timeout, handshake of another version), in a
# replay and in a capture: exit non-zero, one line naming problem and
# depth, no result file.
set -u
. "$(dirname "$0")/lib_cli.sh"
SRC=${ETSIM_SOURCE_DIR:?}
N=${ETSIM_EXT_PROBLEMS:-40}

same_problems() { # A B: every problem identical, only the selector's name differs
    "$BIN" diff "$1" "$2" >"$DIR/diff.txt" 2>&1
    grep -q "^problems: $N identical, 0 differ, 0 only in A, 0 only in B" "$DIR/diff.txt" ||
        fail "$2 differs from $1: $(grep -E 'problems:|note|etsim:' "$DIR/diff.txt")"
}

for w in 16 64; do
    "$BIN" replay --synthetic --selector rebase --width $w --problems $N --out "$DIR/ref$w.json" >/dev/null 2>&1 || fail "replay ref $w"
done

# C plug-in, built from the public headers alone
CC=${CC:-cc}
if command -v "$CC" >/dev/null; then
    "$CC" -O2 -shared -fPIC -I"$SRC" "$SRC/selectors/examples/rebase_plugin.c" -o "$DIR/rp.so" -lm || fail "build plug-in"
    "$CC" -O2 -shared -fPIC -DREBASE_PLUGIN_WRONG_ABI -I"$SRC" "$SRC/selectors/examples/rebase_plugin.c" -o "$DIR/rpbad.so" -lm || fail "build bad plug-in"
    for w in 16 64; do
        "$BIN" replay --selector-lib "$DIR/rp.so" --synthetic --selector rebase-plugin --width $w --problems $N \
            --threads 2 --out "$DIR/plug$w.json" >/dev/null 2>&1 || fail "replay plug-in $w"
        same_problems "$DIR/ref$w.json" "$DIR/plug$w.json"
    done
    expect 0 "" "$BIN" replay --selector-lib "$DIR/rp.so" --list
    grep -q "^rebase-plugin" "$DIR/out.txt" || fail "plug-in not listed"
    expect 2 "ABI version 2, this etsim speaks 1" "$BIN" replay --selector-lib "$DIR/rpbad.so" --synthetic --selector rebase-plugin --width 4 --out "$DIR/bad.json"
    expect 2 "cannot load" "$BIN" replay --selector-lib "$DIR/none.so" --list
    [ -e "$DIR/bad.json" ] && fail "bad plug-in: a result was written"
else
    echo "no C compiler: plug-in part not run"
fi

command -v python3 >/dev/null || skip "python3 absent (the exec examples)"
PY="exec:python3 $SRC/selectors/examples/rebase.py"
for w in 16 64; do
    "$BIN" replay --synthetic --selector "$PY" --width $w --problems $N --threads 2 --out "$DIR/py$w.json" >/dev/null 2>"$DIR/err.txt" ||
        fail "replay python $w: $(cat "$DIR/err.txt")"
    same_problems "$DIR/ref$w.json" "$DIR/py$w.json"
done
# parameters declared in the handshake are validated and sent
"$BIN" replay --synthetic --selector rebase --width 16 --problems $N --set softmax_temperature=0.5 --out "$DIR/ref_t.json" >/dev/null 2>&1
"$BIN" replay --synthetic --selector "$PY" --width 16 --problems $N --set softmax_temperature=0.5 --out "$DIR/py_t.json" >/dev/null 2>&1 || fail "python T=0.5"
same_problems "$DIR/ref_t.json" "$DIR/py_t.json"
expect 2 "unknown parameter 'lambdac'" "$BIN" replay --synthetic --selector "$PY" --width 16 --set lambdac=1 --out "$DIR/bad.json"
expect 2 "outside" "$BIN" replay --synthetic --selector "$PY" --width 16 --set softmax_temperature=0 --out "$DIR/bad.json"
# in a sweep grid, beside the built-in: the same summary figures
printf '{"sources": ["synthetic:default"], "problems": 12, "widths": [16],
  "selectors": [{"selector": "rebase"}, {"selector": "exec:python3 %s/selectors/examples/rebase.py"}]}\n' "$SRC" >"$DIR/grid.json"
"$BIN" sweep "$DIR/grid.json" --out "$DIR/sweep" --threads 2 --quiet >/dev/null 2>"$DIR/err.txt" || fail "sweep with exec: $(cat "$DIR/err.txt")"
# per-problem lines of the two configs, cfg hash removed: each appears twice
grep '"p":' "$DIR/sweep/summary.jsonl" | sed 's/"cfg":"[^"]*",//' | sort | uniq -c | awk '$1 != 2' >"$DIR/odd.txt"
[ -s "$DIR/odd.txt" ] && fail "sweep: exec and built-in problem lines differ: $(head -c 300 "$DIR/odd.txt")"
[ "$(grep -c '"p":' "$DIR/sweep/summary.jsonl")" -eq 24 ] || fail "sweep: want 24 problem lines"

# in a capture config (the synthetic stand-in: the capture driver, no
# network), one after another and in --rounds: the exec configuration makes
# the same decisions as the built-in one beside it, and the trace replays
# it offline, with the exec selector, to the same decisions
printf '{"problems": [0, 6], "out": "cap.trace",
  "selectors": [{"selector": "%s", "width": 8}, {"selector": "rebase", "width": 8}]}\n' "$PY" >"$DIR/cap.json"
probs_of() { tail -c +"$(($(grep -bo '"problems":' "$1" | head -1 | cut -d: -f1) + 1))" "$1"; }
for rounds in "" --rounds; do
    rm -rf "$DIR/capres"
    "$BIN" capture --config "$DIR/cap.json" --synthetic $rounds --out "$DIR/cap.trace" --results "$DIR/capres" \
        >"$DIR/out.txt" 2>"$DIR/err.txt" || { fail "capture $rounds with exec: $(cat "$DIR/err.txt")"; continue; }
    capx=$(ls "$DIR"/capres/0-exec*-w8.json 2>/dev/null | head -1)
    [ -n "$capx" ] || { fail "capture $rounds: no result of the exec configuration: $(ls "$DIR/capres")"; continue; }
    cmp -s <(probs_of "$capx") <(probs_of "$DIR/capres/1-rebase-w8.json") ||
        fail "capture $rounds: the exec configuration decided otherwise than the built-in"
    "$BIN" replay --trace "$DIR/cap.trace" --selector "$PY" --width 8 --out "$DIR/capre.json" >/dev/null 2>"$DIR/err.txt" ||
        fail "replay of the captured trace with exec: $(cat "$DIR/err.txt")"
    cmp -s <(probs_of "$capx") <(probs_of "$DIR/capre.json") ||
        fail "capture $rounds: the offline exec replay differs from the live run"
done
# a misbehaving exec selector in a capture config: one line naming the
# configuration, problem and depth; no trace
printf '{"problems": [0, 2], "out": "capbad.trace",
  "selectors": [{"selector": "rebase", "width": 4}, {"selector": "exec:python3 %s/bad.py crash 2>/dev/null", "width": 4}]}\n' "$DIR" >"$DIR/capbad.json"

# malformed decisions: a fake selector that misbehaves on its 3rd instance
cat >"$DIR/bad.py" <<'PYEOF'
import json, sys, time
mode = sys.argv[1]
n = 0
for line in sys.stdin:
    m = json.loads(line)
    if "etsim_select" in m:
        v = 2 if mode == "version" else 1
        print(json.dumps({"etsim_select": v, "params": []}), flush=True)
        continue
    n += 1
    c = m["candidates"]
    counts = [0] * len(c)
    counts[0] = m["width"]
    d = {"counts": counts}
    if n >= 3:
        if mode == "crash": sys.exit(3)
        if mode == "garbage": print("this is not json", flush=True); continue
        if mode == "over": counts[0] = m["width"] + 1
        if mode == "unknown": d = {"expansions": [[123456, 1]]}
        if mode == "short": d = {"counts": counts[:-1] + [0, 0]}
        if mode == "hang": time.sleep(30)
        if mode == "negative": counts[0] = -1
        if mode == "notdecision": d = {"count": counts}
        if mode == "array": d = [counts]
        if mode == "overexp": d = {"expansions": [[c[0], m["width"] + 1]]}
        if mode == "mismatch": d = {"counts": counts, "expansions": [[c[0], 1]]}
        if mode == "eof": sys.exit(0)
    print(json.dumps(d), flush=True)
PYEOF
bad() { # mode needle
    rm -f "$DIR/bad.json"
    # the child's stderr is the user's (debug prints); silenced here
    ETSIM_EXEC_TIMEOUT_S=${3:-20} expect 1 "$2" "$BIN" replay --synthetic --selector "exec:python3 $DIR/bad.py $1 2>/dev/null" --width 4 --problems 3 --out "$DIR/bad.json"
    grep -q "problem 0" "$DIR/err.txt" || fail "$1: problem not named: $(cat "$DIR/err.txt")"
    grep -q "depth 2" "$DIR/err.txt" || fail "$1: depth not named: $(cat "$DIR/err.txt")"
    [ -e "$DIR/bad.json" ] && fail "$1: a result was written"
}
bad crash "exited with status 3"
bad garbage "malformed decision line"
bad over "over-allocate the remaining width 4"
bad unknown "node 123456 is not a candidate"
bad short "field counts: expected"
bad hang "no decision within 10 s" 10
bad negative "field counts\[0\]: not an integer >= 0"
bad notdecision "neither counts nor expansions"
bad array "expected a JSON object"
bad overexp "over-allocate the remaining width 4"
bad mismatch "but the expansions give candidate"
bad eof "exited with status 0"
# the same in a capture config: the configuration, problem and depth named
expect 1 "depth 2" "$BIN" capture --config "$DIR/capbad.json" --synthetic --out "$DIR/capbad.trace"
grep -q "configuration 1-exec.*problem 0 .*exited with status 3" "$DIR/err.txt" || fail "capture crash: $(cat "$DIR/err.txt")"
[ -e "$DIR/capbad.trace" ] && fail "capture crash: a trace was written"
# a failing handshake at lookup is a configuration error (exit 2)
expect 2 "protocol another version" "$BIN" replay --synthetic --selector "exec:python3 $DIR/bad.py version" --width 4 --problems 1 --out "$DIR/bad.json"
expect 2 "exited with status 127" "$BIN" replay --synthetic --selector "exec:/nonexistent/selector 2>/dev/null" --width 4 --problems 1 --out "$DIR/bad.json"
[ -e "$DIR/bad.json" ] && fail "a result was written"

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "cli_selector_ext: ok"
