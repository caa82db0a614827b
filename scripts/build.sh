#!/usr/bin/env bash
# Configures and builds support-milter in ./build (warnings are errors).
# Usage: scripts/build.sh [extra cmake -D options]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
# shellcheck source=scripts/ccache.sh
source scripts/ccache.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSUPPORT_MILTER_WERROR=ON "${ccache_launcher[@]}" "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
