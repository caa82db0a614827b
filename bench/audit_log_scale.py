#!/usr/bin/env python3
"""Times `audit verify` and `report` on a large audit log, with their peak resident memory.

The log: the labelled corpus (tests/data/eval) and the test conversations replayed once through
`support-milter replay` (about 3,000 records: messages, warnings, breaches, contact gaps and missed
promises), then written again COPIES times with other thread and message ids, each record chained
to the one before as the milter chains them (seq, and prev the SHA-256 of the previous line). The
default, 85 copies, gives a log of about 260,000 records and 430 MB.

Usage: audit_log_scale.py [--build build] [--copies 85] [--work DIR]
Prints one Markdown table (docs/BENCHMARKS.md keeps the figures).
"""

import argparse
import glob
import hashlib
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEAD = re.compile(r'^(\{"time":"[^"]*","event":"[^"]*","seq":)\d+(,"prev":")[0-9a-f]{64}(")')


def corpus_cases():
    """The folders of the labelled corpus's cases and of the test conversations, each one thread."""
    cases = sorted(glob.glob(os.path.join(ROOT, "tests/data/eval/*/*/")))
    return cases + sorted(glob.glob(os.path.join(ROOT, "tests/data/conversations/*/")))


def case_messages(case):
    """A case's messages in their order, as bytes with LF line ends."""
    out = []
    for f in sorted(glob.glob(case + "*.eml")):
        with open(f, "rb") as h:
            out.append(h.read().replace(b"\r\n", b"\n"))
    return out


def support_domain(data):
    """The support domain of a labelled reply (the domain of its From), or None."""
    if b"X-Eval-Fails" not in data:
        return None
    m = re.search(rb"^From:.*@([^>\s]+)", data, re.M | re.I)
    return m.group(1).decode() if m else None


def mbox_write(out, data, envelope=b"corpus@example.com Mon Jan  1 00:00:00 2026"):
    """One message appended to an mbox ("From " lines in the body quoted with ">")."""
    out.write(b"From " + envelope + b"\n")
    for line in data.split(b"\n"):
        out.write((b">" + line if line.startswith(b"From ") else line) + b"\n")
    out.write(b"\n")


def corpus_mbox(path):
    """The corpus's messages in one mbox, and the support domains of its cases."""
    domains = set()
    with open(path, "wb") as out:
        for case in corpus_cases():
            for data in case_messages(case):
                d = support_domain(data)
                if d:
                    domains.add(d)
                mbox_write(out, data)
    return sorted(domains)


def big_log(one, path, copies):
    lines = open(one).read().splitlines()
    prev, seq = "0" * 64, 0
    width = max(3, len(str(copies - 1)))  # every copy's prefix as long, so no two ids meet
    with open(path, "w") as out:
        for k in range(copies):
            tag = "%0*d" % (width, k)
            for line in lines:
                line = line.replace('"thread_id":"', '"thread_id":"' + tag).replace(
                    '"message_id":"', '"message_id":"' + tag)
                seq += 1
                line = HEAD.sub(lambda m: m.group(1) + str(seq) + m.group(2) + prev + m.group(3), line)
                out.write(line + "\n")
                prev = hashlib.sha256(line.encode()).hexdigest()
    return seq


def timed(cmd):
    """Seconds, peak resident KiB and the first line of the output of one run (GNU time); a run
    that fails ends the benchmark."""
    r = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + cmd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit("%s: exit %d\n%s" % (" ".join(cmd), r.returncode, r.stderr[-2000:]))
    seconds, kib = r.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(kib), (r.stdout.splitlines() or [""])[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--copies", type=int, default=85)
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    binary = os.path.join(a.build, "cli", "support-milter")
    work = a.work or tempfile.mkdtemp(prefix="sm-audit-scale-")
    os.makedirs(work, exist_ok=True)
    mbox = os.path.join(work, "corpus.mbox")
    one = os.path.join(work, "one.jsonl")
    log = os.path.join(work, "audit.jsonl")
    for p in (one, log):
        if os.path.exists(p):
            os.remove(p)
    args = []
    for d in corpus_mbox(mbox):
        args += ["--support-domain", d]
    subprocess.run([binary, "replay"] + args + ["--audit", one, mbox], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    records = big_log(one, log, a.copies)
    size_mb = os.path.getsize(log) / 1e6
    print("| command | records | log | seconds | peak RSS |")
    print("|---|---|---|---|---|")
    runs = [("audit verify", ["audit", "verify", log])]
    runs += [("report --format " + f, ["report", "--format", f, log]) for f in ("json", "text", "html")]
    for name, cmd in runs:
        s, kib, first = timed([binary] + cmd)
        # The log is whole: the verifier reads every record of the one chain.
        if name == "audit verify" and not first.startswith("ok: %d records" % records):
            sys.exit("audit verify: " + first)
        print("| `%s` | %d | %.0f MB | %.1f | %.0f MB |" % (name, records, size_mb, s, kib / 1024))
    return 0


if __name__ == "__main__":
    sys.exit(main())
