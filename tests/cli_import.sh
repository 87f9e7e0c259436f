#!/usr/bin/env bash
# cli_import.sh -- `etsim import sal` (agreement, tree import, the
# step/score mismatch skip, report) on a small file written here; the
# built-in MATH500 copy by name (--dataset math500: the dataset's problem
# data wins, unknown rows are counted); `etsim import ets` on a
# two-question node dump; bad input never leaves a trace behind. Last, a
# real search-and-learn file from ../shared (skipped, exit 77, when absent).
set -u
. "${ETSIM_SOURCE_DIR:?}/tests/lib_cli.sh"
B=$BIN
T=$DIR
fail() { echo "FAIL: $*"; exit 1; }

cat > "$T/sal.jsonl" <<'JSON'
{"problem": "1+1?", "answer": "2", "unique_id": "u/1", "subject": "Algebra", "level": 1, "completions": ["Add.\n\nSo $\\boxed{2}$", "Add.\n\nSo $\\boxed{3}$"], "scores": [[0.9, 0.8], [0.9, 0.6]], "pred_naive@1": "\\boxed{2}", "pred_maj@1": "\\boxed{2}", "pred_weighted@1": "\\boxed{2}", "pred_naive@2": "\\boxed{2}", "pred_maj@2": "\\boxed{2}", "pred_weighted@2": "\\boxed{3}"}
{"problem": "2+2?", "answer": "4", "unique_id": "u/2", "completions": ["One step only $\\boxed{4}$"], "scores": [[0.5, 0.7]], "pred_naive@1": "\\boxed{4}"}
JSON
"$B" import sal "$T/sal.jsonl" --out "$T/s.trace" > "$T/out" 2>"$T/err" || fail "import sal: $(cat "$T/err")"
grep -q "pred_weighted  1/2 agree" "$T/out" || fail "agreement line: $(cat "$T/out")"
grep -q "imported 1 problems" "$T/out" || fail "imported count"
grep -q "skipped: 1 rows with step/score count mismatch" "$T/out" || fail "mismatch count"
[ -s "$T/s.trace" ] || fail "no trace written"
grep -q "completion 0 has 1 steps but 2 scores" "$T/s.trace.report.txt" || fail "report lacks the skipped row"
grep -q "pred_weighted@2: ours \\\\boxed{2}, file \\\\boxed{3}" "$T/s.trace.report.txt" || fail "report lacks the disagreement"
"$B" inspect "$T/s.trace" | grep -q "nodes  *4 " || fail "trace should hold 4 nodes: $("$B" inspect "$T/s.trace")"

printf '{"problem":"x","completions":["a"],"scores":[[0.1],[0.2]]}\n' > "$T/bad.jsonl"
"$B" import sal "$T/bad.jsonl" --out "$T/bad.trace" >/dev/null 2>"$T/err"; [ $? -eq 1 ] || fail "bad sal rc"
grep -q 'bad.jsonl:1: field "scores" has 2 entries for 1 completions' "$T/err" || fail "bad sal message: $(cat "$T/err")"
[ ! -e "$T/bad.trace" ] || fail "partial trace left behind"
"$B" import foo x >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown source rc"

# --dataset math500: the built-in copy, found by name in any directory; the
# first row is MATH500's first problem (its ground truth replaces the row's),
# the second is not in the set
cat > "$T/sal2.jsonl" <<'JSON'
{"problem": "p", "answer": "0", "unique_id": "test/precalculus/807.json", "completions": ["A.\n\nSo $\\boxed{1}$"], "scores": [[0.5, 0.6]], "pred_naive@1": "\\boxed{1}"}
{"problem": "q", "answer": "0", "unique_id": "not/in/math500", "completions": ["B $\\boxed{1}$"], "scores": [[0.5]], "pred_naive@1": "\\boxed{1}"}
JSON
(cd "$T" && "$B" import sal sal2.jsonl --dataset math500 --out m.trace) > "$T/out" 2>"$T/err" ||
  fail "import --dataset math500: $(cat "$T/err")"
grep -q "imported 1 problems" "$T/out" || fail "built-in dataset import count: $(cat "$T/out")"
grep -q "1 rows not in the dataset" "$T/out" || fail "built-in dataset unknown rows: $(cat "$T/out")"
"$B" replay --trace "$T/m.trace" --selector beam --width 1 --out "$T/m.json" >/dev/null 2>"$T/err" ||
  fail "replay m.trace: $(cat "$T/err")"
"$B" eval "$T/m.json" --per-problem > "$T/ev" 2>&1 || fail "eval m.json: $(cat "$T/ev")"
grep -q 'left( 3, \\\\frac{\\\\pi}{2} \\\\right)' "$T/ev" || fail "ground truth not from math500: $(cat "$T/ev")"
# eval --dataset: matched by id; a set without that id is one error line
"$B" eval "$T/m.json" --dataset math500 --json > "$T/ev" 2>"$T/err" || fail "eval --dataset math500: $(cat "$T/err")"
"$B" eval "$T/m.json" --dataset gsm8k > "$T/ev" 2>"$T/err"; [ $? -eq 1 ] || fail "eval --dataset gsm8k rc"
grep -q 'test/precalculus/807.json" is not in the dataset gsm8k' "$T/err" || fail "eval --dataset gsm8k message: $(cat "$T/err")"
"$B" import sal "$T/sal2.jsonl" --dataset math5000 --out "$T/x.trace" >/dev/null 2>"$T/err"; [ $? -eq 1 ] || fail "unknown dataset rc"
grep -q "math5000: cannot open" "$T/err" || fail "unknown dataset message: $(cat "$T/err")"

mkdir "$T/ets"
cat > "$T/ets/answer_q0.json" <<'JSON'
{"nodes_info": [{"id": 0, "text": "Q\n", "score": null, "parent_id": null, "depth": 0, "leaf": false},
 {"id": 2, "text": "Q\nStep ки\nThe answer is: 7 ки", "score": 0.8, "parent_id": 1, "depth": 2, "leaf": true},
 {"id": 1, "text": "Q\nStep ки\n", "score": 0.9, "parent_id": 0, "depth": 1, "leaf": false}]}
JSON
cat > "$T/ets/answer_q1.json" <<'JSON'
{"nodes_info": [{"id": 0, "text": "Q", "parent_id": null, "depth": 0, "leaf": false},
 {"id": 1, "text": "The answer is: 3 ки", "score": 0.4, "parent_id": 0, "depth": 1, "leaf": true}]}
JSON
"$B" import ets "$T/ets" --out "$T/e.trace" > "$T/out" 2>"$T/err" || fail "import ets: $(cat "$T/err")"
grep -q "imported 2 questions, 5 nodes" "$T/out" || fail "ets counts: $(cat "$T/out")"
# the harness dumps whole texts: q0's steps are cut at the parent's text;
# q1's leaf does not extend its root's text and is counted
grep -q "do not extend their parent's (kept whole): 1" "$T/out" || fail "ets prefix count: $(cat "$T/out")"
"$B" inspect "$T/e.trace" | grep -q "answers  *2" || fail "ets answers"
echo '{"nodes_info": [{"id": 0, "text": "Q", "parent_id": 5, "depth": 1}]}' > "$T/ets/answer_q2.json"
"$B" import ets "$T/ets" --out "$T/e2.trace" >/dev/null 2>"$T/err"; [ $? -eq 1 ] || fail "bad ets rc"
grep -q "answer_q2.json: node 0: field \"id\"\|answer_q2.json: node 0: field \"parent_id\"\|answer_q2.json" "$T/err" || fail "bad ets message"
[ ! -e "$T/e2.trace" ] || fail "partial ets trace"

# a real search-and-learn file: not part of a clone
need_shared data/real/sal_beam_llama3.1-8b_n4_math500-q100.jsonl
R="$SHARED/data/real/sal_beam_llama3.1-8b_n4_math500-q100.jsonl"
"$B" import sal "$R" --dataset math500 --out "$T/r.trace" > "$T/out" || fail "real import"
grep -q "pred_naive     300/300" "$T/out" || fail "real naive agreement: $(cat "$T/out")"
grep -q "imported 100 problems" "$T/out" || fail "real import count"
echo "cli_import: 1 passed, 0 failed"
