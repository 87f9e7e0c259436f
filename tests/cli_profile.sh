#!/usr/bin/env bash
# cli_profile.sh -- ETSIM_PROFILE (sim/core/prof.h): a profiled replay writes
# the same result file as an unprofiled one, and its `etsim-profile:` line
# counts every part where it happened: oracle calls and selector calls,
# ETS's clusterings and ILPs (GLPK's and its tie-rule stages when GLPK is
# forced), and one grading and one write per problem.
set -u
bin=${ETSIM_BIN:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
args="--synthetic paper-llemma34b-math500 --problems 3 --width 64 --selector ets --set lambdac=1.5 --set lambdas=1 --threads 2"
"$bin" replay $args --out "$tmp/plain.json" >/dev/null 2>"$tmp/plain.err" || { echo "FAIL: replay"; exit 1; }
ETSIM_PROFILE=1 ETSIM_ETS_SOLVER=glpk "$bin" replay $args --out "$tmp/prof.json" >/dev/null 2>"$tmp/prof.err" ||
  { echo "FAIL: profiled replay"; exit 1; }
if grep -q "etsim-profile:" "$tmp/plain.err"; then echo "FAIL: profile line without ETSIM_PROFILE"; fail=$((fail + 1)); fi
# the exact solver and GLPK write the same bytes (cli_ets_exact), so this
# also says profiling changes nothing
cmp -s "$tmp/plain.json" "$tmp/prof.json" || { echo "FAIL: profiled result differs"; fail=$((fail + 1)); }
line=$(grep "^etsim-profile:" "$tmp/prof.err")
[ -n "$line" ] || { echo "FAIL: no etsim-profile line"; exit 1; }
count() { # part name -> its count
  echo "$line" | sed -n "s/.* $1 [0-9.]* n \([0-9]*\).*/\1/p"
}
for part in oracle select cluster glpk tie; do
  c=$(count "$part")
  if [ -z "$c" ] || [ "$c" -le 0 ]; then echo "FAIL: part $part counted '${c}'"; fail=$((fail + 1)); fi
done
for part in grade write; do
  c=$(count "$part")
  if [ "$c" != 3 ]; then echo "FAIL: part $part counted '${c}', want 3 (one per problem)"; fail=$((fail + 1)); fi
done
# GLPK answered every ILP but the one-candidate steps: as many tie stages
[ "$(count glpk)" = "$(count tie)" ] || { echo "FAIL: glpk $(count glpk) vs tie $(count tie)"; fail=$((fail + 1)); }
[ "$(count exact)" != "" ] || { echo "FAIL: exact missing"; fail=$((fail + 1)); }
echo "profile: $line"
[ "$fail" -eq 0 ]
