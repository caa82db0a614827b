#!/usr/bin/env bash
# Configures and builds support-milter in ./build (warnings are errors).
# Usage: scripts/build.sh [extra cmake -D options]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSUPPORT_MILTER_WERROR=ON "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
