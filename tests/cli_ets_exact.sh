#!/usr/bin/env bash
# cli_ets_exact.sh -- end to end, the exact ETS solver (selectors/ets_exact.c)
# and the GLPK path (ETSIM_ETS_SOLVER=glpk) must write byte-identical
# result files: ETS at lambda_c 1 and 2 (coverage, the hard case),
# ETS-KV at lambda_c 0.75 / 1.25 and ETS at lambda_c 0 (the +1e-4 guard),
# on the paper-fitted synthetic profile and the default one.
set -u
bin=${ETSIM_BIN:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
run() { # name, then replay arguments
  local name=$1
  shift
  n=$((n + 1))
  if ! ETSIM_ETS_SOLVER=glpk "$bin" replay "$@" --threads 2 --out "$tmp/$name.glpk.json" >/dev/null ||
     ! "$bin" replay "$@" --threads 2 --out "$tmp/$name.auto.json" >/dev/null; then
    echo "FAIL $name: replay failed"; fail=$((fail + 1)); return
  fi
  if ! cmp -s "$tmp/$name.glpk.json" "$tmp/$name.auto.json"; then
    echo "FAIL $name: exact solver and GLPK differ"; fail=$((fail + 1))
  fi
}
paper="--synthetic paper-llemma34b-math500 --problems 4 --width 256"
run ets_l1 $paper --selector ets --set lambdac=1 --set lambdas=1
run ets_l2 $paper --selector ets --set lambdac=2 --set lambdas=1
run etskv_l075 $paper --selector ets-kv --set lambdac=0.75
run etskv_l125 $paper --selector ets-kv --set lambdac=1.25
run ets_l0 --synthetic default --problems 3 --width 64 --selector ets --set lambdac=0
run ets_default_w64 --synthetic default --problems 3 --width 64 --selector ets --set lambdac=1.5
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
