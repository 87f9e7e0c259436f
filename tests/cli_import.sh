#!/usr/bin/env bash
# cli_import.sh -- `etsim import sal` (agreement, tree import, the
# step/score mismatch skip, report) on a small file written here; the
# built-in MATH500 copy by name (--dataset math500: the dataset's problem
# data wins, unknown rows are counted); `etsim import ets` on a
# two-question node dump and on the public rebase.py's own output
# (tests/data/ets_rebase, written by make_fixture.py running rebase.py
# @ac937a7): answers.json and its answer_q{id}.json copies import alike,
# and a replay that reaches every leaf, exported, evaluates exactly as the
# original under every vote and aggregation, with the same leaf texts and
# step scores. An import that imports nothing (wrong --dataset, every row
# skipped) exits 1 saying why, and no input ever leaves a trace behind.
# Last, a real search-and-learn file from ../shared (skipped, exit 77, when
# absent).
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
grep -q "imported 2 questions, 2 leaves, 5 nodes" "$T/out" || fail "ets counts: $(cat "$T/out")"
# the harness dumps whole texts: q0's steps are cut at the parent's text;
# q1's leaf does not extend its root's text and is counted
grep -q "do not extend their parent's (kept whole): 1" "$T/out" || fail "ets prefix count: $(cat "$T/out")"
"$B" inspect "$T/e.trace" | grep -q "answers  *2" || fail "ets answers"
echo '{"nodes_info": [{"id": 0, "text": "Q", "parent_id": 5, "depth": 1}]}' > "$T/ets/answer_q2.json"
"$B" import ets "$T/ets" --out "$T/e2.trace" >/dev/null 2>"$T/err"; [ $? -eq 1 ] || fail "bad ets rc"
grep -q "answer_q2.json: node 0: field \"id\"\|answer_q2.json: node 0: field \"parent_id\"\|answer_q2.json" "$T/err" || fail "bad ets message"
[ ! -e "$T/e2.trace" ] || fail "partial ets trace"

# nothing imported: exit 1 naming why, no trace and no report left behind
cat > "$T/other.jsonl" <<'JSON'
{"problem": "Unrelated?", "answer": "1", "unique_id": "test/x/1.json", "subject": "Algebra", "level": 1, "solution": "1"}
JSON
"$B" import sal "$T/sal.jsonl" --dataset "$T/other.jsonl" --out "$T/n.trace" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] || fail "wrong dataset: rc $rc"
grep -q "sal.jsonl: nothing imported: none of its 2 rows is a problem of $T/other.jsonl (first: line 1, problem u/1); is --dataset the right file?" "$T/err" \
  || fail "wrong dataset message: $(cat "$T/err")"
[ ! -e "$T/n.trace" ] && [ ! -e "$T/n.trace.report.txt" ] || fail "wrong dataset left files: $(ls "$T")"
ls "$T" | grep -q "n.trace" && fail "temporary trace left: $(ls "$T")"
sed -n 2p "$T/sal.jsonl" > "$T/skipall.jsonl"
"$B" import sal "$T/skipall.jsonl" --out "$T/n.trace" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] || fail "all skipped: rc $rc"
grep -q "skipall.jsonl: nothing imported: all 1 rows skipped; first: line 1: completion 0 has 1 steps but 2 scores" "$T/err" \
  || fail "all skipped message: $(cat "$T/err")"
[ ! -e "$T/n.trace" ] || fail "all skipped left a trace"

# the public harness's own output (see tests/data/ets_rebase/make_fixture.py)
F="${ETSIM_SOURCE_DIR:?}/tests/data/ets_rebase"
"$B" import ets "$F/answers.json" --out "$T/a.trace" > "$T/out" 2>"$T/err" || fail "import answers.json: $(cat "$T/err")"
grep -q "answers.json: imported 3 questions, 24 leaves, 47 nodes" "$T/out" || fail "answers counts: $(cat "$T/out")"
grep -q "steps merged into shared prefixes: 40" "$T/out" || fail "merged count: $(cat "$T/out")"
grep -q "join differently\|skipped" "$T/out" && fail "a clean harness file reported problems: $(cat "$T/out")"
mkdir "$T/qdir" && cp "$F"/answer_q*.json "$T/qdir/"
"$B" import ets "$T/qdir" --out "$T/q.trace" >/dev/null 2>"$T/err" || fail "import answer_q files: $(cat "$T/err")"
cmp -s "$T/a.trace" "$T/q.trace" || fail "answer_q{id}.json files import differently from answers.json"
"$B" import ets "$F/answers.json" --dataset "$F/dataset.jsonl" --out "$T/ad.trace" >/dev/null 2>"$T/err" || fail "with dataset: $(cat "$T/err")"
"$B" inspect "$T/ad.trace" | grep -q "step delimiter  *ки" || fail "step delimiter"
# a replay that reaches every recorded leaf (every candidate kept, all its
# children taken), exported with its texts: the same evaluation
"$B" replay --trace "$T/ad.trace" --selector beam --width 4096 --set fixedwidth=64 --on-missing truncate \
  --with-text --out "$T/r.json" >/dev/null 2>"$T/err" || fail "replay: $(cat "$T/err")"
"$B" export "$T/r.json" --out "$T/re" >/dev/null 2>"$T/err" || fail "export: $(cat "$T/err")"
for vote in weighted majority best; do
  for agg in last min prod mean; do
    "$B" eval "$F/answers.json" --vote $vote --agg $agg --per-problem > "$T/e1" || fail "eval original"
    "$B" eval "$T/re/answers.json" --vote $vote --agg $agg --per-problem > "$T/e2" || fail "eval re-export"
    cmp -s "$T/e1" "$T/e2" || { diff "$T/e1" "$T/e2"; fail "re-export evaluates differently ($vote, $agg)"; }
  done
done
# the fixture separates the votes (a failure would not hide): weighted 2/3,
# majority 1/3, best-of-N by last score 3/3 (math_evaluate.py gives the same)
"$B" eval "$F/answers.json" | grep -q "^accuracy 66.67% (2/3)" || fail "fixture weighted"
"$B" eval "$F/answers.json" --vote majority | grep -q "^accuracy 33.33% (1/3)" || fail "fixture majority"
"$B" eval "$F/answers.json" --vote best | grep -q "^accuracy 100.00% (3/3)" || fail "fixture best"
if command -v python3 >/dev/null; then
  python3 - "$F/answers.json" "$T/re/answers.json" <<'PY' || fail "leaf texts or step scores differ after the round trip"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert [q["id"] for q in a] == [q["id"] for q in b]
for x, y in zip(a, b):
    assert x["question"] == y["question"] and x["ground_truth_answer"] == y["ground_truth_answer"]
    leaves = lambda q: sorted((l["text"], l["step_scores"]) for l in q["model_answer"])
    assert leaves(x) == leaves(y), (leaves(x), leaves(y))
PY
fi

# a JSON \u0000 inside a step survives import, replay, export (Python keeps it)
cat > "$T/nul.json" <<'JSON'
[{"id": 0, "question": "R", "model_answer": [{"text": "R\nStep 1: 2\u0000x \u043a\u0438\nThe answer is: 2 \u043a\u0438", "step_scores": [0.5, 0.9]}], "ground_truth_answer": "2", "total_tokens": 3}]
JSON
"$B" import ets "$T/nul.json" --out "$T/nul.trace" >/dev/null 2>"$T/err" || fail "import nul: $(cat "$T/err")"
"$B" replay --trace "$T/nul.trace" --selector beam --width 4 --on-missing truncate --with-text --out "$T/nul.r.json" \
  >/dev/null 2>"$T/err" || fail "replay nul: $(cat "$T/err")"
"$B" export "$T/nul.r.json" --out "$T/nulx" >/dev/null 2>"$T/err" || fail "export nul: $(cat "$T/err")"
grep -q 'Step 1: 2\\u0000x ' "$T/nulx/answers.json" || fail "NUL lost in the round trip: $(cat "$T/nulx/answers.json")"

# nothing imported from a harness file: wrong dataset, texts that cannot be split
"$B" import ets "$F/answers.json" --dataset "$T/other.jsonl" --out "$T/n.trace" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] || fail "ets wrong dataset: rc $rc"
grep -q "answers.json: nothing imported: none of its 3 questions is a problem of $T/other.jsonl (first: .*record 0, question 0 \"What is \$3+4\$?\"); is --dataset the right file?" "$T/err" \
  || fail "ets wrong dataset message: $(cat "$T/err")"
[ ! -e "$T/n.trace" ] || fail "ets wrong dataset left a trace"
cat > "$T/llama.json" <<'JSON'
[{"id": 0, "question": "Q", "model_answer": [{"text": "<|start_header_id|>user<|end_header_id|>\n\nQ<|eot_id|>A", "step_scores": [0.5]}], "ground_truth_answer": "1", "total_tokens": 3},
 {"id": 1, "question": "R", "model_answer": [{"text": "R\nStep 1 \u043a\u0438\nThe answer is: 2 \u043a\u0438", "step_scores": [0.5]}], "ground_truth_answer": "2", "total_tokens": 3}]
JSON
"$B" import ets "$T/llama.json" --out "$T/n.trace" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] || fail "ets all skipped: rc $rc"
grep -q "llama.json: nothing imported: all 2 questions skipped; first: .*llama.json: record 0: model_answer\[0\]: the text does not begin with the question and a newline" "$T/err" \
  || fail "ets all skipped message: $(cat "$T/err")"
[ ! -e "$T/n.trace" ] || fail "ets all skipped left a trace"
echo '[{"id": 0, "id": 1, "question": "Q", "model_answer": []}]' > "$T/dupkey.json"
"$B" import ets "$T/dupkey.json" --out "$T/n.trace" >/dev/null 2>"$T/err"; [ $? -eq 1 ] || fail "duplicate key rc"
grep -q "dupkey.json: line 1: duplicate key 'id'" "$T/err" || fail "duplicate key message: $(cat "$T/err")"
[ ! -e "$T/n.trace" ] || fail "duplicate key left a trace"
echo '[]' > "$T/empty.json"
"$B" import ets "$T/empty.json" --out "$T/n.trace" >/dev/null 2>"$T/err"; [ $? -eq 1 ] || fail "empty answers rc"
grep -q "empty.json: no questions, nothing imported" "$T/err" || fail "empty answers message: $(cat "$T/err")"
echo '[{"id": 0, "question": "Q", "model_answer": [{"text": 5, "step_scores": []}]}]' > "$T/badtext.json"
"$B" import ets "$T/badtext.json" --out "$T/n.trace" >/dev/null 2>"$T/err"; [ $? -eq 1 ] || fail "bad text rc"
grep -q "badtext.json: record 0: model_answer\[0\]: field \"text\" missing or not a string" "$T/err" || fail "bad text message: $(cat "$T/err")"
[ ! -e "$T/n.trace" ] || fail "bad answers left a trace"

# a real search-and-learn file: not part of a clone
need_shared data/real/sal_beam_llama3.1-8b_n4_math500-q100.jsonl
R="$SHARED/data/real/sal_beam_llama3.1-8b_n4_math500-q100.jsonl"
"$B" import sal "$R" --dataset math500 --out "$T/r.trace" > "$T/out" || fail "real import"
grep -q "pred_naive     300/300" "$T/out" || fail "real naive agreement: $(cat "$T/out")"
grep -q "imported 100 problems" "$T/out" || fail "real import count"
echo "cli_import: 1 passed, 0 failed"
