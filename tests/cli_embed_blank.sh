#!/usr/bin/env bash
# cli_embed_blank.sh -- ETS without embeddings or with zero vectors (issue 12):
#  - a trace without embeddings: ETS (lambdas > 0) stops with the same
#    one-line message under every --on-missing policy (resample used to run
#    it as ETS-KV without a word), at the first problem's first step;
#  - `etsim embed` gives blank steps the zero vector and warns (count, first
#    problem and node), warns about zero vectors returned for real text, and
#    ETS then runs on the trace (zero vectors cluster by the rule of
#    selectors/README.md, "Zero vectors").
set -u
B=${ETSIM_BIN:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# Problem 0's steps: "Add." / " " / "So 2", "Add." / "Think." / "So 3",
# "Sum." / "\t" / "So 2": two blank steps (nodes 2 and 6 in import order).
cat > "$T/blank.jsonl" <<'JSON'
{"problem": "1+1?", "answer": "2", "unique_id": "u/1", "completions": ["Add.\n\n \n\nSo $\\boxed{2}$", "Add.\n\nThink.\n\nSo $\\boxed{3}$", "Sum.\n\n\t\n\nSo $\\boxed{2}$"], "scores": [[0.9, 0.5, 0.8], [0.9, 0.7, 0.6], [0.8, 0.4, 0.7]]}
JSON
"$B" import sal "$T/blank.jsonl" --out "$T/b.trace" >/dev/null 2>"$T/err" || fail "import: $(cat "$T/err")"

# 1. no embeddings: one message, whatever the policy
want="field embedding: missing (the source has no step embeddings), and lambdas = 1.5 needs step embeddings (use ets-kv, or --set lambdas=0)"
for m in error truncate resample; do
  "$B" replay --trace "$T/b.trace" --selector ets --width 3 --on-missing $m --out "$T/o.json" >/dev/null 2>"$T/err"
  rc=$?
  [ $rc -eq 1 ] || fail "$m: exit $rc, want 1"
  [ "$(wc -l <"$T/err")" -eq 1 ] && grep -qF "problem 0 (u/1): depth 0: selector ets: $want" "$T/err" ||
    fail "$m: message: $(cat "$T/err")"
  [ -e "$T/o.json" ] && fail "$m: output written"
done
"$B" replay --trace "$T/b.trace" --selector ets --width 3 --set lambdas=0 --on-missing resample \
  --out "$T/o.json" >/dev/null 2>"$T/err" || fail "lambdas=0 should run: $(cat "$T/err")"
"$B" replay --trace "$T/b.trace" --selector ets-kv --width 3 --on-missing resample \
  --out "$T/o.json" >/dev/null 2>"$T/err" || fail "ets-kv should run: $(cat "$T/err")"

# 2. embed: a stand-in fastText printing 4 numbers per line, zeros for "Think."
cat > "$T/fakeft" <<'EOF'
#!/usr/bin/env python3
import sys, zlib
assert sys.argv[1] == "print-sentence-vectors"
for line in sys.stdin:
    assert line.strip(), "a blank step was sent to the backend"
    h = zlib.crc32(line.encode())
    v = [0.0] * 4 if line.strip() == "Think." else [((h >> (8 * i)) & 255) / 255.0 - 0.5 for i in range(4)]
    print(" ".join("%.5f" % x for x in v) + " ", flush=True)
EOF
chmod +x "$T/fakeft"
echo model > "$T/model.bin"
ETSIM_FASTTEXT="$T/fakeft" "$B" embed "$T/b.trace" --backend "fasttext:$T/model.bin" --out "$T/e.trace" \
  >"$T/out" 2>"$T/err" || fail "embed: $(cat "$T/err")"
grep -q "8 of 9 nodes embedded (4-d)" "$T/out" || fail "embed count: $(cat "$T/out")"
grep -qF "warning: 2 blank steps (first: problem 0, node 2) were given the zero vector" "$T/err" ||
  fail "blank warning: $(cat "$T/err")"
grep -qF "warning: 1 steps with text got a zero vector from the backend (first: problem 0, node 4)" "$T/err" ||
  fail "zero-vector warning: $(cat "$T/err")"
# ETS runs; at depth 2 the candidates are " ", "Think." and "\t" (all zero
# vectors: one cluster), at depth 1 "Add." and "Sum." (two clusters)
"$B" replay --trace "$T/e.trace" --selector ets --width 3 --on-missing truncate \
  --out "$T/o.json" >/dev/null 2>"$T/err" || fail "ETS on zero vectors: $(cat "$T/err")"
grep -q '"clusters":\[0,0,0\]' "$T/o.json" || fail "zero vectors not one cluster: $(grep -o '"clusters":[^]]*]' "$T/o.json")"
[ "$fails" -eq 0 ] || exit 1
echo "cli_embed_blank: all passed"
