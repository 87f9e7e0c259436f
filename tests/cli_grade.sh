#!/usr/bin/env bash
# cli_grade.sh -- `etsim grade`: one true/false per record in order, the
# issue's known cases, --grader clean, and bad input (malformed line named
# by file and line, exit 1, nothing printed; usage errors exit 2).
set -u
B=${ETSIM_BIN:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat > "$T/in.jsonl" <<'JSON'
{"given": "0.5", "gt": "\\frac{1}{2}"}
{"given": "1/2", "gt": "\\frac12"}
{"given": "\\frac{2}{4}", "gt": "\\frac{1}{2}"}
{"given": "3.0", "gt": "3"}
{"given": "1,000", "gt": "1000"}

{"given": "\\dfrac{\\sqrt{3}}{2}", "gt": "\\frac{\\sqrt3}{2}"}
{"given": "x=5", "gt": "5"}
{"given": "5^\\circ", "gt": "5"}
{"given": "\\text{Evelyn}", "gt": "Evelyn"}
{"given": "10\\%", "gt": "10"}
{"given": "\\$18.90", "gt": "18.90"}
{"given": "2 \\text{ cm}", "gt": "2"}
{"given": null, "gt": "2"}
{"given": "(5)", "gt": "5"}
JSON
printf 'true\ntrue\nfalse\ntrue\ntrue\ntrue\ntrue\ntrue\ntrue\ntrue\ntrue\ntrue\nfalse\nfalse\n' > "$T/want"
"$B" grade "$T/in.jsonl" > "$T/got" || fail "grade exited $?"
cmp -s "$T/got" "$T/want" || { diff "$T/got" "$T/want"; fail "known cases"; }
"$B" grade < "$T/in.jsonl" > "$T/got2" || fail "stdin"
cmp -s "$T/got2" "$T/want" || fail "stdin output differs"
"$B" grade --grader clean "$T/in.jsonl" | tail -1 | grep -qx true || fail "clean mode: (5) vs 5"

# issue 12: Unicode decimal digits as Python's float() reads them, and a
# JSON \u0000 kept inside the string (expected values: the ETS grader,
# see sim/eval/testdata/grade_golden.jsonl)
cat > "$T/uni.jsonl" <<'JSON'
{"given": "６", "gt": "6"}
{"given": "１２", "gt": "12"}
{"given": "٣", "gt": "3"}
{"given": "６.0", "gt": "6"}
{"given": "²", "gt": "2"}
{"given": "6\u0000", "gt": "6"}
{"given": "6\u0000", "gt": "6\u0000"}
{"given": "6\\u0000", "gt": "6\\u0000"}
JSON
printf 'true\ntrue\ntrue\ntrue\nfalse\nfalse\ntrue\ntrue\n' > "$T/uni_want"
"$B" grade "$T/uni.jsonl" > "$T/uni_got" || fail "grade (unicode) exited $?"
cmp -s "$T/uni_got" "$T/uni_want" || { diff "$T/uni_got" "$T/uni_want"; fail "unicode digits / NUL"; }

printf '{"given":"1","gt":"1"}\n{"given": 1, "gt": "1"}\n' > "$T/num.jsonl"
out=$("$B" grade "$T/num.jsonl" 2>"$T/err"); rc=$?
[ $rc -eq 1 ] || fail "non-string given: rc $rc"
[ -z "$out" ] || fail "partial output on bad input"
grep -q "num.jsonl:2: field \"given\" is not a string" "$T/err" || fail "message: $(cat "$T/err")"

printf '{"given":"1","gt":"1"}\n{"given":"1",\n' > "$T/bad.jsonl"
"$B" grade "$T/bad.jsonl" >/dev/null 2>"$T/err"; [ $? -eq 1 ] || fail "malformed: rc"
grep -q "^etsim: .*bad.jsonl:2: malformed JSON" "$T/err" || fail "malformed message: $(cat "$T/err")"
# the shared JSON policy on every line: no duplicate key, nothing after the value
printf '{"given":"1","gt":"1"}\n{"given": "1", "gt": "1", "gt": "2"}\n' > "$T/dup.jsonl"
"$B" grade "$T/dup.jsonl" >/dev/null 2>"$T/err"; [ $? -eq 1 ] || fail "duplicate key: rc"
grep -q "^etsim: .*dup.jsonl:2: malformed JSON (duplicate key 'gt')$" "$T/err" || fail "duplicate key message: $(cat "$T/err")"
printf '{"given":"1","gt":"1"} {"given":"2","gt":"2"}\n' > "$T/two.jsonl"
"$B" grade "$T/two.jsonl" >/dev/null 2>"$T/err"; [ $? -eq 1 ] || fail "two values on a line: rc"
grep -q "^etsim: .*two.jsonl:1: malformed JSON (unexpected content after the JSON value" "$T/err" || fail "trailing message: $(cat "$T/err")"
printf '{"gt":"1"}\n' > "$T/miss.jsonl"
"$B" grade "$T/miss.jsonl" >/dev/null 2>"$T/err"; [ $? -eq 1 ] || fail "missing field rc"
grep -q 'miss.jsonl:1: field "given" missing' "$T/err" || fail "missing field message"
"$B" grade --grader bogus </dev/null >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad --grader should exit 2"
"$B" grade --help | grep -q "usage: etsim grade" || fail "--help"
"$B" grade "$T/nope.jsonl" 2>/dev/null; [ $? -eq 1 ] || fail "missing file should exit 1"
echo "cli_grade: 1 passed, 0 failed"
