#!/usr/bin/env python3
"""Instructions and allocations per message of the whole pipeline, counted by Valgrind.

Timings on a shared two-core machine move by 10-20 % from one run to the next; the number of
instructions a message costs does not. For each benchmark message, bench_instructions runs the
pipeline over it `low` and `high` times under cachegrind; the difference of the two totals over
the difference of the counts is the cost of one message, without the start-up (loading the
phrase lists, building tables) both runs share. Allocations are counted the same way, from
callgrind's count of calls to malloc, calloc, realloc and the aligned allocators (operator new
calls malloc, so C++ allocations are in it, and so are ICU's, SQLite's and mimetic's).

Usage: bench/instructions.py [--build build-bench] [--counts 10 60] [--json FILE] [names ...]
"""

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMES = ["4k-en", "20k-en", "20k-es", "20k-ru"]


def total_instructions(binary, messages, name, count):
    r = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                        binary, messages, name, str(count)], capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise SystemExit(f"bench_instructions {name} {count} failed ({r.returncode}): {r.stderr.strip()[-2000:]}")
    m = re.search(r"I\s+refs:\s+([\d,]+)", r.stderr)
    if not m:
        raise SystemExit(f"no instruction count in cachegrind's output for {name}")
    return int(m.group(1).replace(",", ""))


ALLOCATORS = {"malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc", "memalign"}


def total_allocations(binary, messages, name, count):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        r = subprocess.run(["valgrind", "--tool=callgrind", "--compress-strings=no", f"--callgrind-out-file={out}",
                            binary, messages, name, str(count)], capture_output=True, text=True, check=False)
        if r.returncode != 0:
            raise SystemExit(f"bench_instructions {name} {count} under callgrind failed ({r.returncode}): "
                             f"{r.stderr.strip()[-2000:]}")
        calls, callee = 0, None
        with open(out) as f:
            for line in f:
                if line.startswith("cfn="):
                    callee = line[4:].strip()
                elif line.startswith("calls="):
                    if callee in ALLOCATORS:
                        calls += int(line.split()[0][len("calls="):])
                    callee = None
        return calls


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.environ.get("SUPPORT_MILTER_BUILD", "build-bench"))
    ap.add_argument("--counts", nargs=2, type=int, default=[10, 60], metavar=("LOW", "HIGH"))
    ap.add_argument("--json", default=os.path.join(ROOT, "bench", "results", "instructions.json"))
    ap.add_argument("names", nargs="*", default=NAMES)
    a = ap.parse_args()
    low, high = a.counts
    if high <= low:
        ap.error("--counts: the second count must be larger than the first")
    build = a.build if os.path.isabs(a.build) else os.path.join(ROOT, a.build)
    binary = os.path.join(build, "bench", "bench_instructions")
    messages = os.path.join(build, "bench", "messages")
    rows = []
    print("| message | instructions per message | allocations per message |")
    print("|---|---|---|")
    for name in a.names:
        per = (total_instructions(binary, messages, name, high) - total_instructions(binary, messages, name, low)) / (high - low)
        allocs = (total_allocations(binary, messages, name, high) - total_allocations(binary, messages, name, low)) / (high - low)
        if per <= 0 or allocs <= 0:
            raise SystemExit(f"{name}: {high} messages cost no more than {low}; the counts cannot be trusted")
        rows.append({"message": name, "instructions_per_message": round(per), "allocations_per_message": round(allocs)})
        print(f"| {name} | {per:,.0f} | {allocs:,.0f} |", flush=True)
    with open(a.json, "w") as f:
        json.dump({"date": datetime.date.today().isoformat(), "counts": [low, high], "results": rows}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
