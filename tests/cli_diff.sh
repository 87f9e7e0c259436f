#!/usr/bin/env bash
# cli_diff.sh -- `etsim diff`: a result against itself (exit 0, nothing
# diverges), against a changed temperature and another selector (exit 1,
# the first diverging selection named with its depth and the children each
# side gave), different widths and sources (a note, and the comparable part
# still compared: counters, problems and the divergence), leaves with an
# escaped answer (decoded in text, escaped again in JSON), --json, and bad
# input (exit 2, one line, no stdout).
set -u
. "$(dirname "$0")/lib_cli.sh"

"$BIN" replay --synthetic --selector rebase --width 16 --problems 12 --out "$DIR/a.json" >/dev/null 2>&1 || fail "replay a"
"$BIN" replay --synthetic --selector rebase --width 16 --problems 12 --threads 2 --out "$DIR/a2.json" >/dev/null 2>&1 || fail "replay a2"
"$BIN" replay --synthetic --selector rebase --width 16 --problems 12 --set softmax_temperature=0.3 --out "$DIR/t.json" >/dev/null 2>&1 || fail "replay t"
"$BIN" replay --synthetic --selector ets --width 16 --problems 12 --out "$DIR/e.json" >/dev/null 2>&1 || fail "replay e"
"$BIN" replay --synthetic --selector ets --width 16 --problems 12 --set lambdac=1.5 --out "$DIR/e2.json" >/dev/null 2>&1 || fail "replay e2"
"$BIN" replay --synthetic --selector rebase --width 8 --problems 6 --out "$DIR/w8.json" >/dev/null 2>&1 || fail "replay w8"

# identical (also across thread counts)
expect 0 "" "$BIN" diff "$DIR/a.json" "$DIR/a2.json"
grep -q "^problems: 12 identical, 0 differ" "$DIR/out.txt" || fail "identical: $(tail -3 "$DIR/out.txt")"
grep -q "^identical$" "$DIR/out.txt" || fail "identical: no verdict"

# a changed parameter: a note, the first divergence, counts per candidate
expect 1 "" "$BIN" diff "$DIR/a.json" "$DIR/t.json"
grep -q '^note: params differ: {"softmax_temperature":0.2} vs {"softmax_temperature":0.3}' "$DIR/out.txt" || fail "temperature note"
grep -q "first divergence: selection [0-9]*, depth [0-9]*" "$DIR/out.txt" || fail "temperature: no divergence line"
grep -q "children A  children B" "$DIR/out.txt" || fail "temperature: no candidate table"
grep -q "^  counters.model_calls" "$DIR/out.txt" || fail "temperature: no counters side by side"
grep -q "^  accuracy.accuracy" "$DIR/out.txt" || fail "temperature: no accuracy side by side"
grep -q "^results differ$" "$DIR/out.txt" || fail "temperature: no verdict"

# ETS vs ETS: objective, kept and clusters of the diverging selection
expect 1 "" "$BIN" diff "$DIR/e.json" "$DIR/e2.json"
grep -q "^  objective [0-9.]* vs [0-9.]*; kept [0-9]* vs [0-9]*; clusters kept" "$DIR/out.txt" || fail "ets: objective line"
grep -q "cluster A  cluster B" "$DIR/out.txt" || fail "ets: cluster columns"

# another selector, another width: said, and the rest still compared
expect 1 "" "$BIN" diff "$DIR/a.json" "$DIR/e.json"
grep -q '^note: selector differs: "rebase" vs "ets"' "$DIR/out.txt" || fail "selector note"
grep -q "^  counters.model_calls" "$DIR/out.txt" || fail "selector: counters not compared"
grep -q "^problems: [0-9]* identical, [0-9]* differ, 0 only in A, 0 only in B" "$DIR/out.txt" || fail "selector: problems not compared"
grep -q "first divergence: selection [0-9]*, depth [0-9]*" "$DIR/out.txt" || fail "selector: no divergence line"
expect 1 "" "$BIN" diff "$DIR/a.json" "$DIR/w8.json"
grep -q "^note: width differs: 16 vs 8" "$DIR/out.txt" || fail "width note"
grep -q "^problems: 0 identical, 6 differ, 6 only in A, 0 only in B" "$DIR/out.txt" || fail "width: problems line"

# a different source: the trace header differs
sed 's/"spec":"default"/"spec":"other"/' "$DIR/a.json" >"$DIR/src.json"
expect 1 "" "$BIN" diff "$DIR/a.json" "$DIR/src.json"
grep -q "^note: source differs" "$DIR/out.txt" || fail "source note"
grep -q "^problems: 12 identical" "$DIR/out.txt" || fail "source: problems still compared"

# leaves compared as multisets; an answer holding escapes is decoded (text)
# and written back escaped (JSON)
sed '0,/^"leaves":\[{"node":\([0-9]*\),"answer":"[^"]*"/s//"leaves":[{"node":\1,"answer":"x\\"y\\u00e9"/' \
    "$DIR/a.json" >"$DIR/esc.json"
expect 1 "" "$BIN" diff "$DIR/a.json" "$DIR/esc.json"
grep -q "^problems: 11 identical, 1 differ" "$DIR/out.txt" || fail "escaped answer: problems line"
grep -q "^  the [0-9]* selections agree" "$DIR/out.txt" || fail "escaped answer: decisions should agree"
grep -q "(1 only in A, 1 only in B); answer counts" "$DIR/out.txt" || fail "escaped answer: leaves line"
grep -q '^    x"y[^ ]*  *0 -> 1$' "$DIR/out.txt" || fail "escaped answer: not decoded: $(grep -- '->' "$DIR/out.txt")"
expect 1 "" "$BIN" diff --json "$DIR/a.json" "$DIR/esc.json"
grep -q '{"answer":"x\\"y[^"]*","count":\[0,1\]}' "$DIR/out.txt" || fail "escaped answer: json"

# --json: one object, the verdict and the diverging selection
expect 1 "" "$BIN" diff --json "$DIR/a.json" "$DIR/t.json"
[ "$(wc -l <"$DIR/out.txt")" -ge 1 ] || fail "json: empty"
grep -q '"identical":false' "$DIR/out.txt" || fail "json: identical flag"
grep -q '"selection":[0-9]*,"depth":[0-9]*' "$DIR/out.txt" || fail "json: selection"
if command -v python3 >/dev/null; then
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["problems"]["same"]+d["problems"]["differ"]==12' "$DIR/out.txt" ||
        fail "json: not valid JSON or wrong counts"
fi
expect 0 "" "$BIN" diff --json "$DIR/a.json" "$DIR/a.json"
grep -q '"identical":true' "$DIR/out.txt" || fail "json: identical true"

# bad input: exit 2, one line, nothing on stdout
head -c 3000 "$DIR/a.json" >"$DIR/trunc.json"
echo '{"x": 1}' >"$DIR/notres.json"
expect 2 "malformed result" "$BIN" diff "$DIR/a.json" "$DIR/trunc.json"
[ -s "$DIR/out.txt" ] && fail "truncated: stdout not empty"
expect 2 "not an etsim replay result" "$BIN" diff "$DIR/notres.json" "$DIR/a.json"
expect 2 "cannot open" "$BIN" diff "$DIR/a.json" "$DIR/none.json"
expect 2 "give two result files" "$BIN" diff "$DIR/a.json"
sed '/^{"index":3,/s/"model_calls":/"model_calls":tru/' "$DIR/t.json" >"$DIR/bad3.json"
expect 2 "problem 3: field counters" "$BIN" diff "$DIR/a.json" "$DIR/bad3.json"

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "cli_diff: ok"
