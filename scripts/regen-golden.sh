#!/usr/bin/env bash
# regen-golden.sh -- the deliberate command that rewrites tests/golden/.
# Usage: scripts/regen-golden.sh [path/to/etsim]
# Review `git diff --stat tests/golden` and explain every change in the
# commit message: a golden diff means a selector's decisions changed.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/etsim}
[ -x "$bin" ] || { echo "regen-golden.sh: build etsim first ($bin not found)" >&2; exit 1; }
grep -v '^#' tests/golden_runs.txt | while IFS='|' read -r name args; do
  [ -n "$name" ] || continue
  # shellcheck disable=SC2086
  "$bin" replay $args --out "tests/golden/$name.json" >/dev/null
  echo "wrote tests/golden/$name.json"
done
