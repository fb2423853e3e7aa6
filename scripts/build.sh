#!/usr/bin/env bash
# scripts/build.sh [DIR [cmake options...]] - configures and builds intyg
# into DIR (default build/release) after installing missing packages.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
dir=${1:-build/release}
shift || true
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
