#!/usr/bin/env bash
# demo.sh -- build etsim (Release) and run the main job on the embedded
# synthetic model: regenerate the ETS paper's Figures 2-3 and Tables 1-3
# (both datasets, both model setups; no GPU, no data files needed). Prints
# Table 1 (beside the paper's published values, which are built in) and
# writes everything under paper-out/. Extra arguments go to `etsim paper`,
# e.g. a quick look: bash scripts/demo.sh --problems 50 --setups llemma34b-math500
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh demo
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DETSIM_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target etsim_cli
./build/etsim paper --synthetic --out paper-out --threads "$(nproc)" "$@"
