#!/usr/bin/env bash
# demo.sh -- build etsim (Release) and run the main job on the embedded
# synthetic default: no GPU, no data files needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DETSIM_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target etsim_cli
mkdir -p out
./build/etsim replay --synthetic default --selector rebase --width 64 --threads "$(nproc)" --out out/rebase_w64.json
