#!/usr/bin/env bash
# deps.sh -- install the Debian 12 packages etsim needs, only those missing.
# Usage: scripts/deps.sh [build|test|demo]
#   test adds the test-only packages (python3 runs the fake model servers,
#   fasttext the embed test's real backend, slurm-wlm and munge the
#   one-node Slurm cluster of tests/cli_slurm.sh), demo adds gnuplot
set -euo pipefail
pkgs=(build-essential cmake pkg-config libcjson-dev libzstd-dev libglpk-dev libcurl4-openssl-dev)
case "${1:-build}" in
  test) pkgs+=(libcmocka-dev python3 fasttext slurm-wlm munge) ;;
  demo) pkgs+=(gnuplot-nox) ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
