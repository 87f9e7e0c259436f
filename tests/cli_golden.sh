#!/usr/bin/env bash
# cli_golden.sh -- every selector's decision log on a fixed synthetic run
# must match tests/golden/ byte for byte (regenerate only with
# scripts/regen-golden.sh). Also checks 1 vs 2 threads give the same bytes.
set -u
src=${ETSIM_SOURCE_DIR:?}
bin=${ETSIM_BIN:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
while IFS='|' read -r name args; do
  case "$name" in ''|'#'*) continue ;; esac
  n=$((n + 1))
  # shellcheck disable=SC2086
  if ! "$bin" replay $args --threads 2 --out "$tmp/$name.json" >/dev/null; then
    echo "FAIL $name: replay failed"; fail=$((fail + 1)); continue
  fi
  if ! cmp -s "$tmp/$name.json" "$src/tests/golden/$name.json"; then
    echo "FAIL $name: differs from tests/golden/$name.json"; fail=$((fail + 1))
  fi
done < "$src/tests/golden_runs.txt"
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
