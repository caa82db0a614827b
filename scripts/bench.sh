#!/usr/bin/env bash
# Builds the benchmarks in Release (./build-bench) and runs them; figures go to bench/results/.
#   scripts/bench.sh            pipeline micro-benchmarks, then the end-to-end comparison
#   scripts/bench.sh pipeline   only the in-process pipeline (Google Benchmark, one core)
#   scripts/bench.sh e2e [...]  only Postfix alone / null milter / OpenDKIM / support-milter
#   scripts/bench.sh store [...] the SQLite store with 10 million messages (fills a file once)
#   scripts/bench.sh memory [...] peak RSS with 10 concurrent 25 MB messages
#   scripts/bench.sh instructions [...] instructions and allocations per message of the pipeline (Valgrind)
# Extra arguments go to the chosen benchmark. Run as root on a machine with nothing else busy.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
build=${SUPPORT_MILTER_BUILD:-build-bench}
export SUPPORT_MILTER_BUILD=$build
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSUPPORT_MILTER_BENCH=ON \
  -DSUPPORT_MILTER_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)"
mkdir -p bench/results

what=${1:-all}
[[ $# -gt 0 ]] && shift
case "$what" in
  pipeline)
    taskset -c 0 "$build/bench/bench_pipeline" --benchmark_out=bench/results/pipeline.json \
      --benchmark_out_format=json "$@" ;;
  e2e) python3 bench/e2e.py "$@" ;;
  store) "$build/bench/bench_store" --json bench/results/store.json "$@" ;;
  memory) python3 bench/memory.py "$@" ;;
  instructions) python3 bench/instructions.py "$@" ;;
  all)
    taskset -c 0 "$build/bench/bench_pipeline" --benchmark_out=bench/results/pipeline.json \
      --benchmark_out_format=json
    python3 bench/e2e.py ;;
  *) echo "usage: scripts/bench.sh [pipeline|e2e|store|memory|instructions] [args]" >&2; exit 64 ;;
esac
