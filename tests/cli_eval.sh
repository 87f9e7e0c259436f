#!/usr/bin/env bash
# cli_eval.sh -- `etsim eval`: hand-worked accuracies of a small result for
# each vote mode and grader, the per-subject/level breakdown, --json and
# --per-problem, a synthetic replay scored identically from its result and
# from its export, and bad input (one message naming file, problem and
# field; exit 1; nothing on stdout; usage errors exit 2).
set -u
B=${ETSIM_BIN:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# gt 5: 5 (.9) vs 6 (.4+.4): weighted 5, majority 6; gt 1/2: 0.5 right in
# every mode; gt (1,2): the reference reads "(12)" (clean keeps the comma);
# no leaves: wrong; no ground truth: wrong.
cat > "$T/r.json" <<'JSON'
{"etsim_result":1,"config":{"selector":"rebase","width":4,"meta":{"answer_format":"shepherd"}},
"problems":[
{"index":0,"id":"p0","answer":"5","subject":"Algebra","level":1,"leaves":[{"node":1,"answer":"5","step_scores":[0.9]},{"node":2,"answer":"6","step_scores":[0.4]},{"node":3,"answer":"6","step_scores":[0.4]}]},
{"index":1,"id":"p1","answer":"\\frac{1}{2}","subject":"Algebra","level":2,"leaves":[{"node":1,"answer":"0.5","step_scores":[0.7]},{"node":2,"answer":"1/3","step_scores":[0.6]}]},
{"index":2,"id":"p2","answer":"(1,2)","subject":"Geometry","level":2,"leaves":[{"node":1,"answer":"(1,2)","step_scores":[0.9]}]},
{"index":3,"id":"p3","answer":"3","subject":"Geometry","level":3,"leaves":[]},
{"index":4,"id":"p4","answer":null,"subject":"Geometry","level":3,"leaves":[{"node":1,"answer":"3","step_scores":[0.8]}]}
],"summary":{"problems":5}}
JSON
"$B" eval "$T/r.json" > "$T/out" || fail "eval exited $?"
head -1 "$T/out" | grep -q '^accuracy 40.00% (2/5)  vote weighted, agg last, extract shepherd, grader reference$' \
  || fail "weighted: $(head -1 "$T/out")"
grep -q 'leaves 7; 1 problems without leaves; 1 problems without ground truth' "$T/out" || fail "notes: $(sed -n 2p "$T/out")"
grep -Eq '^  Algebra +100.00%  \(2/2\)$' "$T/out" || fail "by subject"
grep -Eq '^  Geometry +0.00%  \(0/3\)$' "$T/out" || fail "by subject geometry"
grep -Eq '^  Level 2 +50.00%  \(1/2\)$' "$T/out" || fail "by level"
"$B" eval --vote majority "$T/r.json" | head -1 | grep -q '^accuracy 20.00% (1/5)  vote majority' || fail "majority"
"$B" eval --vote best --agg min "$T/r.json" | head -1 | grep -q '^accuracy 40.00% (2/5)  vote best, agg min' || fail "best"
"$B" eval --grader clean "$T/r.json" | head -1 | grep -q '^accuracy 60.00% (3/5)' || fail "clean"
"$B" eval --json "$T/r.json" | grep -q '^{"problems":5,"correct":2,"accuracy":40,' || fail "json"
"$B" eval --json --per-problem "$T/r.json" | grep -q '"per_problem":\[{"index":0,"id":"p0","correct":true,"leaves":3,"answer":"5","ground_truth":"5"},' \
  || fail "json per problem"
"$B" eval --per-problem "$T/r.json" | grep -qP '^2\t"p2"\twrong\t1\t"\(12\)"\t"\(1,2\)"$' || fail "per-problem line"
"$B" eval - < "$T/r.json" | head -1 | grep -q '(2/5)' || fail "stdin"

# a synthetic replay: the result and its export score the same
"$B" replay --synthetic default --selector rebase --width 8 --problems 30 --out "$T/s.json" >/dev/null || fail "replay"
"$B" eval "$T/s.json" > "$T/s.out" || fail "eval synthetic"
"$B" export "$T/s.json" --out "$T/exp" >/dev/null || fail "export"
"$B" eval "$T/exp/answers.json" > "$T/e.out" || fail "eval answers.json"
[ "$(head -1 "$T/s.out")" = "$(head -1 "$T/e.out")" ] || fail "export scores differently: $(head -1 "$T/s.out") vs $(head -1 "$T/e.out")"
for v in majority best; do
  a=$("$B" eval --vote $v "$T/s.json" | head -1); b=$("$B" eval --vote $v "$T/exp/answers.json" | head -1)
  [ "$a" = "$b" ] || fail "$v: $a vs $b"
done

# bad input
printf '{"etsim_result":1,"problems":[\n{"index":0,"answer":"1","leaves":[]},\n{"index":1,"leaves":[]}]}' > "$T/miss.json"
out=$("$B" eval "$T/miss.json" 2>"$T/err"); rc=$?
[ $rc -eq 1 ] || fail "missing field: rc $rc"
[ -z "$out" ] || fail "output on bad input"
grep -q "^etsim: .*miss.json:3: problem 1: field \"answer\" missing$" "$T/err" || fail "missing message: $(cat "$T/err")"
printf '{"etsim_result":1,"problems":[\n{"index":0,"answer":"1","leaves":[{"node":1,"step_scores":[0.5,"x"]}]}]}' > "$T/type.json"
"$B" eval "$T/type.json" >/dev/null 2>"$T/err"; [ $? -eq 1 ] || fail "type rc"
grep -q 'type.json:2: problem 0: field "leaves\[0\].step_scores\[1\]" is not a number or null' "$T/err" || fail "type: $(cat "$T/err")"
head -c 3000 "$T/s.json" > "$T/trunc.json"
out=$("$B" eval "$T/trunc.json" 2>"$T/err"); rc=$?
[ $rc -eq 1 ] && [ -z "$out" ] || fail "truncated: rc $rc"
grep -q "^etsim: .*trunc.json:[0-9]*: malformed JSON" "$T/err" || fail "truncated message: $(cat "$T/err")"
"$B" eval "$T/none.json" >/dev/null 2>&1; [ $? -eq 1 ] || fail "missing file should exit 1"
"$B" eval --vote bogus "$T/r.json" >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad --vote should exit 2"
"$B" eval --bogus "$T/r.json" >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown option should exit 2"
"$B" eval >/dev/null 2>&1; [ $? -eq 2 ] || fail "no file should exit 2"
"$B" eval --help | grep -q "usage: etsim eval" || fail "--help"
echo "cli_eval: 1 passed, 0 failed"
