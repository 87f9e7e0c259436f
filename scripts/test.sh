#!/usr/bin/env bash
# test.sh -- build etsim with AddressSanitizer + UBSan and warnings as errors,
# then run the whole test suite. This is the README's test command and
# what CI (.ci/run) runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh test
build=build-test
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DETSIM_SANITIZE=ON -DETSIM_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
