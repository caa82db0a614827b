#!/usr/bin/env bash
# Installs what is missing, builds, and runs support-milter with the default config inside a
# private Postfix on 127.0.0.1 (smtp-sink as next hop), sends a sample support conversation
# through it and shows the verdicts, what was delivered, a Spanish reply held with the notice its
# agent gets in Spanish, the review page where a lead decides on it, and the audit log. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
SUPPORT_MILTER_BIN="$PWD/${BUILD_DIR:-build}/cli/support-milter" python3 tests/integration/harness.py demo
