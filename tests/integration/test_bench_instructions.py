#!/usr/bin/env python3
"""bench/instructions.py on the build under test, run small: one message, counts 1 and 3. The
table and the JSON must give a positive number of instructions and of allocations per message,
and the longer run must have cost more than the shorter one (the script fails otherwise)."""

import json
import os
import subprocess
import sys
import tempfile


def main():
    script, build = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "instructions.json")
        r = subprocess.run([sys.executable, script, "--build", build, "--counts", "1", "3", "--json", out, "4k-en"],
                           capture_output=True, text=True, timeout=280, check=False)
        sys.stdout.write(r.stdout)
        sys.stderr.write(r.stderr)
        assert r.returncode == 0, f"instructions.py exited {r.returncode}"
        with open(out) as f:
            report = json.load(f)
        assert report["counts"] == [1, 3], report
        rows = report["results"]
        assert [row["message"] for row in rows] == ["4k-en"], rows
        per = rows[0]["instructions_per_message"]
        # A 4 KB reply through parsing, every rule and the store: far more than a trivial loop,
        # far less than a runaway one.
        assert 10_000 < per < 1_000_000_000, per
        # Each allocation costs tens of instructions at least: more allocations than a tenth of
        # the instructions would be a miscount.
        allocs = rows[0]["allocations_per_message"]
        assert 10 < allocs < per / 10, (allocs, per)
        assert "| 4k-en |" in r.stdout, r.stdout
    print("ok")


if __name__ == "__main__":
    main()
