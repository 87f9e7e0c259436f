#!/usr/bin/env bash
# cli_fit.sh -- `etsim fit` end to end on tiny budgets: a paper-target fit
# writes a profile that loads back (by file, in a replay), the fit is
# deterministic across thread counts, the real-data target runs when the
# shared data is there, and bad input (unknown target or setup, missing
# reference file) gets one line on stderr, a non-zero exit and no output.
set -u
. "${ETSIM_SOURCE_DIR:?}/tests/lib_cli.sh"
shared=${ETSIM_SHARED_DIR:-}

# expect_no_output STATUS NEEDLE ARGS...: expect, and no $DIR/fit.json left
expect_no_output() {
    local want=$1 needle=$2
    shift 2
    rm -f "$DIR/fit.json"
    expect "$want" "$needle" "$BIN" "$@" --out "$DIR/fit.json"
    ! ls "$DIR"/fit.json* >/dev/null 2>&1 || fail "output file left behind: $*"
}

if [ -n "$shared" ] && [ -f "$shared/reference/ets_paper.json" ]; then
  fit=(fit --target paper --setup llemma34b-math500 --problems 4 --max-evals 2
       --reference "$shared/reference/ets_paper.json")
  expect 0 "" "$BIN" "${fit[@]}" --threads 1 --out "$DIR/p1.json"
  expect 0 "" "$BIN" "${fit[@]}" --threads 2 --out "$DIR/p2.json"
  cmp -s "$DIR/p1.json" "$DIR/p2.json" || fail "paper fit differs between 1 and 2 threads"
  grep -q '"name":[[:space:]]*"paper-llemma34b-math500"' "$DIR/p1.json" || fail "fitted profile name"
  grep -q 'FITTED by etsim fit --target paper' "$DIR/p1.json" ||
    fail "fitted profile does not say how it was made"
  # the fitted profile is a complete profile: a replay runs on it
  expect 0 "" "$BIN" replay --synthetic "$DIR/p1.json" --selector rebase --width 4 --problems 2 \
    --out "$DIR/r.json"
else
  echo "SKIP paper target: no ets_paper.json (set ETSIM_SHARED_DIR)"
fi

if [ -n "$shared" ] && ls "$shared"/data/real/*.jsonl >/dev/null 2>&1; then
  expect 0 "" "$BIN" fit --target real --problems 3 --max-evals 2 --out "$DIR/real.json"
  grep -q 'FITTED by etsim fit --target real' "$DIR/real.json" || fail "real fit description"
else
  echo "SKIP real target: no ../shared/data/real (set ETSIM_SHARED_DIR)"
fi

# bad input
expect_no_output 2 "nope" fit --target nope
expect_no_output 2 "nope" fit --target paper --setup nope
expect_no_output 1 "missing.json" fit --target paper --setup llemma34b-math500 --problems 2 \
  --max-evals 1 --reference "$DIR/missing.json"

if [ "$fails" -ne 0 ]; then
    echo "$fails failure(s)"
    exit 1
fi
echo "cli_fit: ok"
