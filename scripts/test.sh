#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, miltertest, Postfix, Sendmail,
# PostgreSQL integration), then the same suite under AddressSanitizer + UBSan, the concurrency tests
# under ThreadSanitizer, each fuzzer briefly, and the Debian package (built in a clean Debian root,
# installed here, mail through it). Run as root from anywhere in the repository. Prints ctest's
# summary of each stage; exits non-zero on the first failure.
#   SUPPORT_MILTER_QUICK=1   the plain build and suite only
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build=${BUILD_DIR:-build}
jobs=$(nproc)
# Unit tests run in parallel; the Postfix tests hold a resource lock and run one at a time.
echo "== test suite"
ctest --test-dir "$build" --output-on-failure --timeout 600 -j "$jobs"
[[ ${SUPPORT_MILTER_QUICK:-} == 1 ]] && exit 0

# The whole suite again, built with ASan + UBSan (any report fails the test that made it).
echo "== test suite under AddressSanitizer + UndefinedBehaviorSanitizer"
BUILD_DIR=build-asan scripts/build.sh -DCMAKE_BUILD_TYPE=Debug -DSUPPORT_MILTER_SANITIZE=address
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp \
  ctest --test-dir build-asan --output-on-failure --timeout 900 -j "$jobs"

# The tests where threads share state, built with TSan (only what they need is built).
echo "== concurrency tests under ThreadSanitizer"
# shellcheck source=scripts/ccache.sh
source scripts/ccache.sh
cmake -S . -B build-tsan -G Ninja "${ccache_launcher[@]}" -DCMAKE_BUILD_TYPE=Debug -DSUPPORT_MILTER_WERROR=ON \
  -DSUPPORT_MILTER_SANITIZE=thread >/dev/null
cmake --build build-tsan -j "$jobs" --target support-milter test_audit_log test_audit_seal test_milter_metrics \
  test_milter_metrics_server test_store_pg test_store_sqlite test_base_oplog
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp \
  ctest --test-dir build-tsan --output-on-failure --timeout 900 -j "$jobs" \
  -R 'Concurrent|Racing|SideBySide|BusyPool|Background|Metrics|^faults|postfix_flow'

# Each fuzz target for a few seconds on its seeds: a crash, a leak, a timeout or undefined
# behaviour fails the run.
echo "== fuzzers"
FUZZ_SECONDS=${FUZZ_SECONDS:-10} scripts/fuzz.sh

# The Debian package: built in a clean Debian 12 root from debian/control's Build-Depends alone
# and checked with lintian (tests/package/clean_build.sh), then that .deb installed on this
# machine and run as its systemd unit says, behind a Postfix as Debian installs it, smtpd and
# cleanup chrooted (tests/package/test_package.py). The system's own Postfix must not be running.
echo "== the Debian package"
package_work=$(mktemp -d /var/tmp/support-milter-package.XXXXXX)
tests/package/clean_build.sh --workdir "$package_work"
deb=$(find "$package_work" -maxdepth 1 -name 'support-milter_*.deb' -print -quit)
python3 tests/package/test_package.py --deb "$deb"
rm -rf "$package_work"
