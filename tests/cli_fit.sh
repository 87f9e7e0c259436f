#!/usr/bin/env bash
# cli_fit.sh -- `etsim fit` end to end on tiny budgets: a paper-target fit
# (on the built-in ets_paper.json) writes a profile that loads back (by
# file, in a replay), the fit is the same across thread counts and with
# --reference pointing at the same numbers; bad input
# (unknown target or setup, missing reference file, a real-data fit
# without data) gets one line on stderr, a non-zero exit and no output.
# Last, the real-data target on ../shared/data/real (skipped, exit 77,
# when that is absent).
set -u
. "${ETSIM_SOURCE_DIR:?}/tests/lib_cli.sh"

# expect_no_output STATUS NEEDLE ARGS...: expect, and no $DIR/fit.json left
expect_no_output() {
    local want=$1 needle=$2
    shift 2
    rm -f "$DIR/fit.json"
    expect "$want" "$needle" "$BIN" "$@" --out "$DIR/fit.json"
    ! ls "$DIR"/fit.json* >/dev/null 2>&1 || fail "output file left behind: $*"
}

# the built-in numbers on 1 thread, then --reference FILE (the same numbers)
# on 2: the same profile (deterministic across thread counts, and FILE read)
fit=(fit --target paper --setup llemma34b-math500 --problems 4 --max-evals 2)
expect 0 "" "$BIN" "${fit[@]}" --threads 1 --out "$DIR/p1.json"
expect 0 "" "$BIN" "${fit[@]}" --threads 2 \
  --reference "${ETSIM_SOURCE_DIR:?}/sim/data/reference/ets_paper.json" --out "$DIR/p2.json"
cmp -s "$DIR/p1.json" "$DIR/p2.json" ||
  fail "paper fit differs between the built-in numbers on 1 thread and --reference on 2"
grep -q '"name":[[:space:]]*"paper-llemma34b-math500"' "$DIR/p1.json" || fail "fitted profile name"
grep -q 'FITTED by etsim fit --target paper' "$DIR/p1.json" ||
  fail "fitted profile does not say how it was made"
# the fitted profile is a complete profile: a replay runs on it
expect 0 "" "$BIN" replay --synthetic "$DIR/p1.json" --selector rebase --width 4 --problems 2 \
  --out "$DIR/r.json"

# bad input
expect_no_output 2 "nope" fit --target nope
expect_no_output 2 "nope" fit --target paper --setup nope
expect_no_output 1 "missing.json" fit --target paper --setup llemma34b-math500 --problems 2 \
  --max-evals 1 --reference "$DIR/missing.json"
expect_no_output 2 "needs --data" fit --target real --problems 2 --max-evals 1
expect_no_output 1 "missing.jsonl" fit --target real --problems 2 --max-evals 1 --data "$DIR/missing.jsonl"

# the real-data target needs search-and-learn outputs, which are not part of a clone
need_shared data/real/sal_beam_llama3.2-1b_n16_math500-q10.jsonl
expect 0 "" "$BIN" fit --target real --data "$SHARED/data/real" --problems 3 --max-evals 2 --out "$DIR/real.json"
grep -q 'FITTED by etsim fit --target real' "$DIR/real.json" || fail "real fit description"

if [ "$fails" -ne 0 ]; then
    echo "$fails failure(s)"
    exit 1
fi
echo "cli_fit: ok"
