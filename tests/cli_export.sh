#!/usr/bin/env bash
# cli_export.sh -- `etsim export`: answers.json + stats.log from a replay
# (stats.log's four lines equal the result's summed counters; answers.json
# is valid JSON in the harness's shape and scores like the result), texts
# from --with-text results, --time, and bad input (exit 1, message naming
# file, problem and field, no output files; usage errors exit 2).
set -u
. "${ETSIM_SOURCE_DIR:?}/tests/lib_cli.sh" # BIN, DIR, skip
B=$BIN
T=$DIR
fail() { echo "FAIL: $*"; exit 1; }

"$B" replay --synthetic default --selector rebase --width 8 --problems 12 --out "$T/s.json" >/dev/null || fail "replay"
"$B" export "$T/s.json" --out "$T/out" > "$T/msg" || fail "export exited $?"
grep -q "^exported 12 problems, [0-9]* leaves to $T/out/answers.json and $T/out/stats.log (extract shepherd)$" "$T/msg" \
  || fail "message: $(cat "$T/msg")"
# the summary counters of the result, in rebase.py's words
sum=$(grep -o '"summary":{.*' "$T/s.json")
kv=$(echo "$sum" | grep -o '"kv_tokens":[0-9]*' | cut -d: -f2)
calls=$(echo "$sum" | grep -o '"model_calls":[0-9]*' | cut -d: -f2)
tok=$(echo "$sum" | grep -o '"tokens_generated":[0-9]*' | cut -d: -f2)
printf 'Total KV cache size: %s\nNumber of Model Calls: %s\nNumber of Tokens Generated: %s\nTime: 0.0\n' "$kv" "$calls" "$tok" > "$T/want"
cmp -s "$T/out/stats.log" "$T/want" || { diff "$T/out/stats.log" "$T/want"; fail "stats.log"; }
a=$("$B" eval "$T/s.json" | head -1); b=$("$B" eval "$T/out/answers.json" | head -1)
[ "$a" = "$b" ] || fail "answers.json scores differently: $a vs $b"
grep -q '"text": "The answer is: .* \\u043a\\u0438",' "$T/out/answers.json" || fail "answer-line texts"
no_python=""
command -v python3 >/dev/null || no_python=1
if [ -z "$no_python" ]; then
  python3 - "$T/out/answers.json" "$tok" <<'PY' || fail "answers.json shape"
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d) == 12 and [q["id"] for q in d] == list(range(12))
for q in d:
    assert set(q) == {"id", "question", "model_answer", "ground_truth_answer", "total_tokens"}, q.keys()
    for a in q["model_answer"]:
        assert set(a) == {"text", "step_scores"} and all(isinstance(s, float) for s in a["step_scores"])
assert sum(q["total_tokens"] for q in d) == int(sys.argv[2])
PY
fi
# --time, and exporting again replaces both files
"$B" export "$T/s.json" --out "$T/out" --time 3 >/dev/null || fail "re-export"
tail -1 "$T/out/stats.log" | grep -qx 'Time: 3.0' || fail "--time: $(tail -1 "$T/out/stats.log")"

# --with-text: the joined step texts, still scoring the same
"$B" replay --synthetic default --selector rebase --width 8 --problems 12 --with-text --out "$T/t.json" >/dev/null || fail "replay text"
"$B" export "$T/t.json" --out "$T/tout" > "$T/msg" 2>"$T/err" || fail "export text"
[ -s "$T/err" ] && fail "warnings on a consistent result: $(cat "$T/err")"
grep -q "written from the answer alone" "$T/msg" && fail "texts were available"
grep -q '"text": "Step 1: .* \\u043a\\u0438\\nStep 2: ' "$T/tout/answers.json" || fail "joined texts"
b=$("$B" eval "$T/tout/answers.json" | head -1)
[ "$a" = "$b" ] || fail "text export scores differently: $a vs $b"

# bad input: nothing written, the new directory not left behind
printf '{"etsim_result":1,"problems":[\n{"index":0,"answer":"1","leaves":[]}]}' > "$T/nocount.json"
out=$("$B" export "$T/nocount.json" --out "$T/bad" 2>"$T/err"); rc=$?
[ $rc -eq 1 ] || fail "missing counters: rc $rc"
grep -q "^etsim: .*nocount.json:2: problem 0: field \"counters\" missing$" "$T/err" || fail "message: $(cat "$T/err")"
[ -e "$T/bad" ] && fail "output directory left behind"
head -c 2000 "$T/s.json" > "$T/trunc.json"
mkdir "$T/bad2"
"$B" export "$T/trunc.json" --out "$T/bad2" >/dev/null 2>"$T/err"; [ $? -eq 1 ] || fail "truncated rc"
grep -q "malformed JSON" "$T/err" || fail "truncated message: $(cat "$T/err")"
[ -z "$(ls -A "$T/bad2")" ] || fail "partial output: $(ls -A "$T/bad2")"
"$B" export "$T/out/answers.json" --out "$T/bad3" >/dev/null 2>&1; [ $? -eq 1 ] || fail "answers.json input should exit 1"
"$B" export "$T/s.json" >/dev/null 2>&1; [ $? -eq 2 ] || fail "missing --out should exit 2"
"$B" export "$T/s.json" --out "$T/x" --time -1 >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad --time should exit 2"
"$B" export "$T/s.json" --out "$T/x" --extract latex >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad --extract should exit 2"
"$B" export --help | grep -q "usage: etsim export" || fail "--help"
[ -z "$no_python" ] || skip "python3 not found: answers.json's shape was not checked"
echo "cli_export: 1 passed, 0 failed"
