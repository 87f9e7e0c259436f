#!/usr/bin/env bash
# cli_fit.sh -- `etsim fit` end to end on tiny budgets: a paper-target fit
# writes a profile that loads back (by file, in a replay), the fit is
# deterministic across thread counts, the real-data target runs when the
# shared data is there, and bad input (unknown target or setup, missing
# reference file) gets one line on stderr, a non-zero exit and no output.
set -u
bin=${ETSIM_BIN:?}
shared=${ETSIM_SHARED_DIR:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 passes=0
ok() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect_error CODE NEEDLE -- args...: exit CODE, one stderr line with NEEDLE, no $tmp/out.json
expect_error() {
  local code=$1 needle=$2; shift 3
  rm -f "$tmp/out.json"
  "$bin" "$@" >/dev/null 2>"$tmp/err"
  local rc=$?
  if [ "$rc" -ne "$code" ]; then fail "$*: exit $rc, want $code ($(cat "$tmp/err"))"; return; fi
  if [ "$(wc -l <"$tmp/err")" -ne 1 ]; then fail "$*: not one line: $(cat "$tmp/err")"; return; fi
  grep -qF -- "$needle" "$tmp/err" || { fail "$*: '$needle' not in: $(cat "$tmp/err")"; return; }
  ls "$tmp"/out.json* >/dev/null 2>&1 && { fail "$*: output file left behind"; return; }
  ok
}

ref=()
if [ -n "$shared" ] && [ -f "$shared/reference/ets_paper.json" ]; then
  ref=(--reference "$shared/reference/ets_paper.json")
fi
if [ ${#ref[@]} -eq 0 ]; then
  echo "SKIP paper target: no ets_paper.json (set ETSIM_SHARED_DIR)"
else
  fit=(fit --target paper --setup llemma34b-math500 --problems 4 --max-evals 2 "${ref[@]}")
  if "$bin" "${fit[@]}" --threads 1 --out "$tmp/p1.json" >"$tmp/table1" 2>&1; then ok
  else fail "paper fit: $(tail -3 "$tmp/table1")"; fi
  "$bin" "${fit[@]}" --threads 2 --out "$tmp/p2.json" >/dev/null 2>&1
  cmp -s "$tmp/p1.json" "$tmp/p2.json" && ok || fail "paper fit differs between 1 and 2 threads"
  grep -q '"name":[[:space:]]*"paper-llemma34b-math500"' "$tmp/p1.json" && ok || fail "fitted profile name"
  grep -q 'FITTED by etsim fit --target paper' "$tmp/p1.json" && ok || fail "fitted profile says how it was made"
  # the fitted profile is a complete profile: a replay runs on it
  "$bin" replay --synthetic "$tmp/p1.json" --selector rebase --width 4 --problems 2 \
    --out "$tmp/r.json" >/dev/null 2>"$tmp/err" && ok || fail "replay on the fitted profile: $(cat "$tmp/err")"
fi

if [ -n "$shared" ] && ls "$shared"/data/real/*.jsonl >/dev/null 2>&1; then
  if "$bin" fit --target real --problems 3 --max-evals 2 --out "$tmp/real.json" >"$tmp/rt" 2>&1; then ok
  else fail "real fit: $(tail -3 "$tmp/rt")"; fi
  grep -q 'FITTED by etsim fit --target real' "$tmp/real.json" && ok || fail "real fit description"
else
  echo "SKIP real target: no ../shared/data/real (set ETSIM_SHARED_DIR)"
fi

# bad input
expect_error 2 "nope" -- fit --target nope --out "$tmp/out.json"
expect_error 2 "nope" -- fit --target paper --setup nope --out "$tmp/out.json"
expect_error 1 "missing.json" -- fit --target paper --setup llemma34b-math500 --problems 2 \
  --max-evals 1 --reference "$tmp/missing.json" --out "$tmp/out.json"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
