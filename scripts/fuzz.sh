#!/usr/bin/env bash
# Builds the libFuzzer targets with clang, ASan and UBSan (./build-fuzz) and runs each one.
#   scripts/fuzz.sh                 every target for FUZZ_SECONDS (default 20) seconds
#   scripts/fuzz.sh TARGET [args]   one target, with libFuzzer's own arguments
#                                   (e.g. -runs=10000000 for a long run)
#   FUZZ_DETECT_LEAKS=0             leaks are not failures
# Seeds come from tests/data and conf/; what a run adds stays in build-fuzz/corpus/TARGET, and a
# crash leaves its input in build-fuzz/artifacts/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${FUZZ_BUILD_DIR:-build-fuzz}
clang=$(command -v clang++-14 || command -v clang++)
# shellcheck source=scripts/ccache.sh
source scripts/ccache.sh
cmake -S . -B "$build" -G Ninja "${ccache_launcher[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$clang" \
  -DSUPPORT_MILTER_FUZZ=ON -DSUPPORT_MILTER_TESTS=OFF >/dev/null
targets=(fuzz_headers fuzz_mime fuzz_charset fuzz_html fuzz_quote fuzz_pipeline fuzz_config)
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"

seeds_for() {
  case "$1" in
    fuzz_config) echo conf ;;
    fuzz_html) echo tests/data/conversations ;;
    *) echo tests/data/conversations tests/data/quotes tests/data/clean ;;
  esac
}

run() {
  local t=$1; shift
  mkdir -p "$build/corpus/$t" "$build/artifacts"
  # shellcheck disable=SC2046
  "$build/fuzz/$t" -dict=fuzz/mime.dict -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -detect_leaks="${FUZZ_DETECT_LEAKS:-1}" \
    -artifact_prefix="$build/artifacts/$t-" "$@" "$build/corpus/$t" $(seeds_for "$t")
}

if (($# > 0)); then
  run "$@"
  exit
fi
seconds=${FUZZ_SECONDS:-20}
for t in "${targets[@]}"; do
  echo "== $t ($seconds s)"
  run "$t" -max_total_time="$seconds" -print_final_stats=1 2>&1 | grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY)" || true
  if ls "$build/artifacts/$t-"* >/dev/null 2>&1; then
    echo "fuzz: $t found a failing input: $(ls "$build/artifacts/$t-"*)" >&2
    exit 1
  fi
done
