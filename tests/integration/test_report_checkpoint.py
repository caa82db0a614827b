#!/usr/bin/env python3
"""`report --checkpoint`: daily runs that read only what was written since the last one.

The log of test_report_bounded_memory (a support team's threads, chained as the milter chains
them) is written in parts: a report with a checkpoint after each part gives, at the end, the very
JSON document of one report over the whole log, lists included; so does a log rotated between two
runs. A checkpoint that does not match the log is refused with exit 65 and no report: one made on
another log, a log cut or changed under it, a checkpoint changed by a byte, other options.
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import binary  # noqa: E402
from test_report_bounded_memory import write_log  # noqa: E402

REFUSED = "checkpoint does not match the log"


def report(files, checkpoint=None, *args):
    cmd = [binary(), "report", "--format", "json", *args]
    if checkpoint:
        cmd += ["--checkpoint", checkpoint]
    return subprocess.run(cmd + list(files), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def lines_of(path):
    with open(path) as f:
        return f.readlines()


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)


def append(path, lines):
    with open(path, "a") as f:
        f.writelines(lines)


class Checkpoint(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sm-report-checkpoint-")
        self.full = os.path.join(self.tmp, "full.jsonl")
        write_log(self.full, 600, 7)
        self.records = lines_of(self.full)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def ok(self, files, checkpoint=None, *args):
        r = report(files, checkpoint, *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def refused(self, files, checkpoint, words, *args):
        before = read_bytes(checkpoint)
        r = report(files, checkpoint, *args)
        self.assertEqual(r.returncode, 65, r.stderr)
        self.assertEqual(r.stdout, "", "no report")
        self.assertIn(words, r.stderr)
        self.assertEqual(read_bytes(checkpoint), before, "the checkpoint is left as it was")
        return r.stderr

    def checkpointed(self, parts):
        """The log written in `parts` (line counts), a report with the checkpoint after each."""
        log, ckpt = self.path("audit.jsonl"), self.path("report.ckpt")
        open(log, "w").close()
        done = 0
        for n in parts:
            append(log, self.records[done:done + n])
            done += n
            last = self.ok([log], ckpt)
        return log, ckpt, last

    def test_steps_equal_one_run(self):
        # Split anywhere: mid-thread, a single record, nothing new at all.
        n = len(self.records)
        log, ckpt, steps = self.checkpointed([n // 3, 1, 0, n // 2, n - n // 3 - 1 - n // 2])
        self.assertEqual(steps, self.ok([log]))
        self.assertEqual(steps["chain"]["records"], n)
        self.assertEqual(stat.S_IMODE(os.stat(ckpt).st_mode), 0o600)
        self.assertEqual([f for f in os.listdir(self.tmp) if f.startswith("report.ckpt.")], [], "no temporary file left")

    def test_many_threads(self):
        # More threads than the thread table's first size, in both runs.
        big = self.path("big.jsonl")
        write_log(big, 4000, 9)
        self.records = lines_of(big)
        n = len(self.records)
        log, _, steps = self.checkpointed([n // 2, n - n // 2])
        self.assertEqual(steps, self.ok([log]))

    def test_by_day_and_text_from_a_checkpoint(self):
        n = len(self.records)
        log, ckpt, _ = self.checkpointed([n // 2])
        append(log, self.records[n // 2:])
        shutil.copy(ckpt, self.path("again.ckpt"))
        self.assertEqual(self.ok([log], ckpt, "--by", "day"), self.ok([log], None, "--by", "day"))
        text = subprocess.run([binary(), "report", "--checkpoint", self.path("again.ckpt"), log],
                              stdout=subprocess.PIPE, text=True, check=True).stdout
        self.assertEqual(text, subprocess.run([binary(), "report", log], stdout=subprocess.PIPE, text=True, check=True).stdout)

    def test_rotated_log(self):
        n = len(self.records)
        log, ckpt, _ = self.checkpointed([n // 2])
        append(log, self.records[n // 2:n // 2 + 40])
        rotated = self.path("audit-20260315.jsonl")
        os.rename(log, rotated)  # the daemon's rotation: the file renamed, a new one begun
        with open(log, "w") as f:
            f.writelines(self.records[n // 2 + 40:])
        self.assertEqual(self.ok([rotated, log], ckpt), self.ok([rotated, log]))
        # The next day the rotated file may be left out: what it held is counted.
        append(log, [])
        shutil.copy(ckpt, self.path("next.ckpt"))
        self.assertEqual(self.ok([log], ckpt)["total"], self.ok([rotated, log])["total"])
        # Given in the wrong order, the files are refused.
        self.refused([log, rotated], self.path("next.ckpt"), "oldest first")

    def test_cut_last_record_leaves_the_checkpoint(self):
        n = len(self.records)
        log, ckpt, _ = self.checkpointed([n // 2])
        before = read_bytes(ckpt)
        append(log, self.records[n // 2:n // 2 + 5] + [self.records[n // 2 + 5][:30]])  # being written
        r = report([log], ckpt, "--allow-broken")
        self.assertEqual(r.returncode, 75, r.stderr)
        self.assertIn("cut short", r.stderr)
        self.assertEqual(read_bytes(ckpt), before)
        with open(log, "r+") as f:  # the record written whole, and the rest
            f.seek(0, os.SEEK_END)
            f.truncate(f.tell() - 30)
        append(log, self.records[n // 2 + 5:])
        self.assertEqual(self.ok([log], ckpt), self.ok([log]))

    def test_checkpoint_of_another_log(self):
        n = len(self.records)
        _, ckpt, _ = self.checkpointed([n // 2])
        other = self.path("other.jsonl")
        write_log(other, 100, 8)
        self.refused([other], ckpt, REFUSED)

    def test_log_cut_under_the_checkpoint(self):
        n = len(self.records)
        log, ckpt, _ = self.checkpointed([n // 2])
        with open(log, "r+") as f:
            f.truncate(len("".join(self.records[:n // 2 - 3])))
        self.refused([log], ckpt, REFUSED)
        # Cut, then written again past the old length: the record at the offset is not the one read.
        append(log, self.records[n // 2 - 3:n // 2 - 1] + ['{"seq":1}\n'] + self.records[n // 2:])
        self.refused([log], ckpt, REFUSED)

    def test_log_changed_under_the_checkpoint(self):
        n = len(self.records)
        log, ckpt, _ = self.checkpointed([n // 2])
        append(log, self.records[n // 2:])
        # The last record read changed in place (same length, same file).
        at = len("".join(self.records[:n // 2])) - 20
        with open(log, "r+b") as f:
            f.seek(at)
            b = f.read(1)
            f.seek(at)
            f.write(bytes([b[0] ^ 1]))
        self.refused([log], ckpt, REFUSED)
        # The log written anew (another file) with a record left out after the checkpoint.
        os.unlink(log)
        with open(log, "w") as f:
            f.writelines(self.records[:n // 2] + self.records[n // 2 + 1:])
        self.refused([log], ckpt, REFUSED)

    def test_record_left_out_after_the_checkpoint(self):
        n = len(self.records)
        log, ckpt, _ = self.checkpointed([n // 2])
        append(log, self.records[n // 2 + 1:])
        self.refused([log], ckpt, REFUSED)

    def test_tampered_checkpoint(self):
        n = len(self.records)
        log, ckpt, _ = self.checkpointed([n // 2])
        append(log, self.records[n // 2:])
        data = bytearray(read_bytes(ckpt))
        for at in (40, len(data) // 2, len(data) - 40, len(data) - 1):
            bad = self.path("bad.ckpt")
            changed = bytearray(data)
            changed[at] ^= 0x01
            write_bytes(bad, changed)
            self.refused([log], bad, "not usable")
        write_bytes(self.path("short.ckpt"), data[:len(data) // 2])
        self.refused([log], self.path("short.ckpt"), "not usable")

    def test_other_options_refused(self):
        n = len(self.records)
        log, ckpt, _ = self.checkpointed([n // 2])
        self.refused([log], ckpt, "--from", "--from", "2026-03-10")
        # A period, the same in every run.
        p = self.path("period.ckpt")
        self.ok([log], p, "--from", "2026-03-10", "--to", "2026-04-01")
        append(log, self.records[n // 2:])
        self.assertEqual(self.ok([log], p, "--from", "2026-03-10", "--to", "2026-04-01"),
                         self.ok([log], None, "--from", "2026-03-10", "--to", "2026-04-01"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
