#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, miltertest, Postfix integration).
# Run as root from anywhere in the repository. Prints ctest's summary; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build=${BUILD_DIR:-build}
# Unit tests run in parallel; the Postfix tests hold a resource lock and run one at a time.
ctest --test-dir "$build" --output-on-failure --timeout 600 -j "$(nproc)"
