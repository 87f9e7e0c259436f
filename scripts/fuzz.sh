#!/usr/bin/env bash
# fuzz.sh -- build one fuzz target with clang + libFuzzer (ASan, UBSan) and
# run a campaign on it.
# Usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer options...]
#        scripts/fuzz.sh list
#   TARGET   a fuzz target, e.g. fuzz_grid (the file */fuzz/TARGET.c)
#   SECONDS  campaign length (-max_total_time); 0 builds only
# The committed seed corpus (DIR/fuzz/corpus/TARGET) is read, never
# written: new inputs go to the scratch directory $FUZZ_SCRATCH/TARGET
# (default build-fuzz/scratch/TARGET), crashes to
# $FUZZ_SCRATCH/artifacts/TARGET/. A crash found is fixed in the parser and
# its input committed to the corpus as crash-WHAT, so the plain replay test
# (ctest -R TARGET) keeps it fixed. Run under `nice -n 19` on a shared
# machine. Extra arguments go to libFuzzer (e.g. -jobs=2, -max_len=8192).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = list ] || [ $# -lt 2 ]; then
  [ "${1:-}" = list ] || echo "usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer options...]" >&2
  echo "targets:" >&2
  find . -path ./build\* -prune -o -path '*/fuzz/fuzz_*.c' -print | sed 's|.*/||; s|\.c$||' | sort >&2
  [ "${1:-}" = list ]
  exit $?
fi
target=$1 seconds=$2
shift 2
src=$(find . -path ./build\* -prune -o -path "*/fuzz/$target.c" -print | head -1)
[ -n "$src" ] || { echo "fuzz.sh: no fuzz target $target (scripts/fuzz.sh list)" >&2; exit 2; }
corpus=$(dirname "$src")/corpus/$target

bash scripts/deps.sh build
if ! dpkg-query -W -f='${Status}' clang 2>/dev/null | grep -q "install ok installed"; then
  echo "fuzz.sh: installing clang" >&2
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends clang >/dev/null
fi

build=${FUZZ_BUILD:-build-fuzz}
mkdir -p "$build"
# One build at a time in the build directory: campaigns may run side by side.
(
  flock 9
  cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DETSIM_FUZZ=ON -DETSIM_TESTS=OFF >/dev/null
  cmake --build "$build" -j"${FUZZ_BUILD_JOBS:-$(nproc)}" --target "$target" >/dev/null
) 9>"$build/.fuzz-build.lock"
[ "$seconds" -gt 0 ] || exit 0

scratch=${FUZZ_SCRATCH:-$build/scratch}
mkdir -p "$scratch/$target" "$scratch/artifacts/$target"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Targets that read files write them here: a RAM disk when there is one.
[ -n "${TMPDIR:-}" ] || { [ -w /dev/shm ] && export TMPDIR=/dev/shm; } || true
# The first corpus directory receives the new inputs: the scratch one.
exec "$build/$target" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
  -artifact_prefix="$scratch/artifacts/$target/" "$@" "$scratch/$target" "$corpus"
