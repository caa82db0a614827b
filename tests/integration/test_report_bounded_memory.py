#!/usr/bin/env python3
"""`report` in bounded memory, with exact figures.

Writes audit logs of a support team's threads (a customer writes, an agent answers after a
latency drawn at random, sometimes the customer writes again and is answered again, sometimes a
reply is held; some replies fail a rule), chained as the milter chains them. Runs `report
--format json` on a log and on one four times its size: the peak resident memory of the larger run
stays under a bound and grows by little more than the per-thread state, and every figure equals
the one computed here from the records themselves (percentiles by nearest rank), the lists'
lengths included. The temporary files of the lists are gone afterwards.
"""

import datetime
import hashlib
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import binary  # noqa: E402

AGENTS = ["ana@support.example.com", "bo@support.example.com", "chen@support.example.com",
          "dara@support.example.com", "eli@support.example.com"]
RULES = ["reply-all", "quoted-history", "promise-date", "greeting"]
START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc)
TARGET_S = 2 * 3600
LIMIT_S = 24 * 3600
# The larger run's peak resident memory, and how much more than the smaller run's it may take.
BOUND_KIB = 64 * 1024
GROWTH_KIB = 12 * 1024


def stamp(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def write_log(path, threads, seed):
    """The log, and what the report must find in it."""
    rnd = random.Random(seed)
    want = {"threads": set(), "customer_messages": 0, "replies": 0, "first": [], "next": [],
            "held": 0, "findings": {}, "by_agent": {}, "last_word": 0}
    records = []
    for n in range(threads):
        thread = "thr-%d-%06d@example.net" % (seed, n)
        customer = "customer%05d@client.example" % (n % 9000)
        t = START + datetime.timedelta(seconds=rnd.randrange(0, 40 * 86400))
        want["threads"].add(thread)
        last = None
        for turn in range(rnd.choice([1, 1, 2, 3])):
            records.append((t, {"event": "message", "message_time": stamp(t), "thread_id": thread,
                                "message_id": "<c%d.%d.%d@client.example>" % (seed, n, turn),
                                "queue_id": "Q%dC%d" % (n, turn), "direction": "inbound",
                                "author": customer, "customer": customer, "action": "accept",
                                "findings": [], "passed": ["reply-all", "greeting"],
                                "rules": {r: "1" for r in RULES}}))
            want["customer_messages"] += 1
            last = "inbound"
            if rnd.random() < 0.15:
                break  # the customer waits
            latency = rnd.choice([rnd.randrange(60, 3600), rnd.randrange(3600, 30000), rnd.randrange(30000, 200000)])
            t = t + datetime.timedelta(seconds=latency)
            agent = rnd.choice(AGENTS)
            failing = [r for r in RULES if rnd.random() < 0.05]
            held = rnd.random() < 0.03
            findings = [{"rule": r, "result": "fail", "action": "hold" if held else "log",
                         "detail": "the reply breaks %s" % r, "evidence": {"line": 3}} for r in failing]
            findings.append({"rule": "promise-date", "result": "skip", "action": "off",
                             "detail": "no promise in the reply"})
            sla = {"latency_s": None if held else latency, "first_reply": turn == 0,
                   "status": "held" if held else ("within_target" if latency <= TARGET_S else "over_target")}
            records.append((t, {"event": "message", "message_time": stamp(t), "thread_id": thread,
                                "message_id": "<r%d.%d.%d@support.example.com>" % (seed, n, turn),
                                "queue_id": "Q%dR%d" % (n, turn), "direction": "outbound", "author": agent,
                                "customer": customer, "action": "hold" if held else "accept",
                                "findings": findings, "sla": sla}))
            for r in failing:
                want["findings"][r] = want["findings"].get(r, 0) + 1
            a = want["by_agent"].setdefault(agent, {"replies": 0, "first": []})
            if held:
                want["held"] += 1
                break  # held, never released: the customer still waits
            want["replies"] += 1
            a["replies"] += 1
            (want["first"] if turn == 0 else want["next"]).append(latency)
            if turn == 0:
                a["first"].append(latency)
            last = "outbound"
            t = t + datetime.timedelta(seconds=rnd.randrange(600, 90000))
        if last == "inbound":
            want["last_word"] += 1
    # Written in the order of the milter's writes: by time.
    records.sort(key=lambda r: r[0])
    prev = "0" * 64
    with open(path, "w") as out:
        for seq, (t, rec) in enumerate(records, 1):
            head = {"time": stamp(t), "event": rec.pop("event"), "seq": seq, "prev": prev}
            line = json.dumps({**head, **rec}, separators=(",", ":"))
            out.write(line + "\n")
            prev = hashlib.sha256(line.encode()).hexdigest()
    want["records"] = len(records)
    return want


def nearest_rank(values, p):
    v = sorted(values)
    return float(v[max(math.ceil(p / 100 * len(v)), 1) - 1])


def times(values):
    if not values:
        return {"count": 0, "p50_s": None, "p90_s": None, "max_s": None}
    return {"count": len(values), "p50_s": nearest_rank(values, 50), "p90_s": nearest_rank(values, 90),
            "max_s": float(max(values))}


def run_report(log, tmpdir):
    """The JSON report and the run's peak resident memory (KiB), in a child of its own; its
    temporary files in TMPDIR."""
    out = log + ".report.json"
    code = ("import resource, subprocess, sys\n"
            "with open(sys.argv[1], 'wb') as f:\n"
            "    r = subprocess.run(sys.argv[2:], stdout=f)\n"
            "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    env = dict(os.environ, TMPDIR=tmpdir)
    r = subprocess.run([sys.executable, "-c", code, out, binary(), "report", "--format", "json", log],
                       stdout=subprocess.PIPE, text=True, env=env, check=True)
    rc, kib = map(int, r.stdout.split())
    assert rc == 0, "report exit %d" % rc
    with open(out) as f:
        return json.load(f), kib


class BoundedMemory(unittest.TestCase):
    def check_figures(self, report, want):
        t = report["total"]
        self.assertEqual(report["chain"]["records"], want["records"])
        self.assertTrue(report["chain"]["ok"])
        self.assertEqual(t["threads"], len(want["threads"]))
        self.assertEqual(t["customer_messages"], want["customer_messages"])
        self.assertEqual(t["replies"], want["replies"])
        self.assertEqual(t["held"], want["held"])
        self.assertEqual(t["first_reply"], times(want["first"]))
        self.assertEqual(t["next_reply"], times(want["next"]))
        answered = want["first"] + want["next"]
        self.assertEqual(t["within_target"], round(1000 * sum(x <= TARGET_S for x in answered) / len(answered)) / 1000)
        self.assertEqual(t["within_limit"], round(1000 * sum(x <= LIMIT_S for x in answered) / len(answered)) / 1000)
        self.assertEqual(t["findings"], want["findings"])
        self.assertEqual(t["customer_last_word"], want["last_word"])
        for agent, a in want["by_agent"].items():
            g = report["views"]["agent"][agent]
            self.assertEqual(g["replies"], a["replies"], agent)
            self.assertEqual(g["first_reply"], times(a["first"]), agent)
        lists = report["lists"]
        self.assertEqual(len(lists["replies"]), len(answered))
        self.assertEqual(len(lists["over_target"]), sum(x > TARGET_S for x in answered))
        self.assertEqual(len(lists["held"]), want["held"])
        self.assertEqual(len(lists["findings"]), sum(want["findings"].values()))
        self.assertEqual(len(lists["customer_last_word"]), want["last_word"])
        threads = [row["thread_id"] for row in lists["customer_last_word"]]
        self.assertEqual(threads, sorted(threads))
        self.assertEqual(sorted(x["latency_s"] for x in lists["replies"]), sorted(answered))

    def test_memory_stays_bounded_and_figures_exact(self):
        with tempfile.TemporaryDirectory(prefix="sm-report-memory-") as tmp:
            small_log, large_log = os.path.join(tmp, "small.jsonl"), os.path.join(tmp, "large.jsonl")
            small_want = write_log(small_log, 5000, 1)
            large_want = write_log(large_log, 20000, 2)
            spool = os.path.join(tmp, "spool")
            os.mkdir(spool)
            small, small_kib = run_report(small_log, spool)
            large, large_kib = run_report(large_log, spool)
            self.check_figures(small, small_want)
            self.check_figures(large, large_want)
            print("peak resident memory: %d KiB (%d records), %d KiB (%d records)" %
                  (small_kib, small_want["records"], large_kib, large_want["records"]))
            # Built with a sanitizer (its shadow memory and quarantine), the resident size is not the
            # report's own: only the figures and the temporary files are checked.
            if not os.environ.get("SUPPORT_MILTER_SANITIZED"):
                self.assertLess(large_kib, BOUND_KIB, "peak resident memory of the larger report")
                self.assertLess(large_kib - small_kib, GROWTH_KIB,
                                "the larger log (%d records against %d) took %d KiB more" %
                                (large_want["records"], small_want["records"], large_kib - small_kib))
            self.assertEqual(os.listdir(spool), [], "the lists' temporary files are removed")


if __name__ == "__main__":
    unittest.main(verbosity=2)
