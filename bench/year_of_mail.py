#!/usr/bin/env python3
"""A year of a support team's mail, replayed and reported: the time and peak memory of each.

The mail: DAYS days of PER_DAY messages, made from the threads of the labelled corpus
(tests/data/eval: a customer's message and the agent's reply, or four messages with the customer's
follow-up and a second reply; 26 languages' worth of replies that pass, fail, and are held). Every
thread made from a case gets its own Message-IDs (In-Reply-To and References follow), a ticket
number in its subject and the dates of its place in the year: the customer writes between 07:00
and 19:00 UTC; a reply follows within two hours for most threads, within a day for some (over the
target), after more than a day for a few (a breach), and never for a few more (the customer had the
last word). Holds come from the replies the corpus holds.

The mail is written one mbox a month, by each message's date, and `support-milter replay` reads
the months in order into one state database and one audit log (replay keeps a run's mail in
memory: a month at a time bounds it). Then `report --format json` reads the log. Each command is
timed with GNU time; a failing command ends the benchmark.

Usage: year_of_mail.py [--build build] [--days 365] [--per-day 10000] [--work DIR] [--seed 1]
Prints one Markdown table (docs/BENCHMARKS.md keeps the figures).
"""

import argparse
import datetime
import os
import random
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from audit_log_scale import ROOT, case_messages, corpus_cases, mbox_write, support_domain  # noqa: E402

START = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
MESSAGE_ID = re.compile(rb"<([^<>@\s]+@[^<>\s]+)>")


def templates():
    """The corpus's threads (a customer's message first), and the support domains."""
    out, domains = [], set()
    for case in corpus_cases():
        if "/eval/" not in case:
            continue
        msgs = case_messages(case)
        for m in msgs:
            d = support_domain(m)
            if d:
                domains.add(d)
        if msgs:
            out.append(msgs)
    return out, sorted(domains)


def delays(rng, n):
    """Seconds from the thread's first message to each of its n messages: the customer's at 0, a
    reply after the agent's delay, a follow-up some hours after the reply before it."""
    out, t = [0], 0
    for i in range(1, n):
        if i % 2 == 1:  # an agent's reply
            draw = rng.random()
            if draw < 0.70:
                t += rng.randint(5 * 60, 2 * 3600)
            elif draw < 0.92:
                t += rng.randint(2 * 3600, 20 * 3600)
            else:
                t += rng.randint(25 * 3600, 40 * 3600)  # past the 24 h limit
        else:
            t += rng.randint(3600, 6 * 3600)
        out.append(t)
    return out


def header_end(data):
    end = data.find(b"\n\n")
    return len(data) if end < 0 else end


def rewrite(data, ids, ticket, when):
    """One message of a thread made anew: its ids, the ticket in its subject, its date."""
    head, body = data[:header_end(data)], data[header_end(data):]
    head = MESSAGE_ID.sub(lambda m: b"<" + ids.get(m.group(1), m.group(1)) + b">", head)
    lines = head.split(b"\n")
    out, in_subject = [], False
    for line in lines:
        folded = line[:1] in (b" ", b"\t")
        if in_subject and not folded:
            out[-1] += b" [#" + ticket + b"]"
        in_subject = (in_subject and folded) or line.lower().startswith(b"subject:")
        if line.lower().startswith(b"date:"):
            line = b"Date: " + when.strftime("%a, %d %b %Y %H:%M:%S +0000").encode()
        out.append(line)
    if in_subject:
        out[-1] += b" [#" + ticket + b"]"
    return b"\n".join(out) + body


def generate(work, days, per_day, seed):
    """The mbox files (one a month, oldest first), the messages written and the support domains."""
    rng = random.Random(seed)
    cases, domains = templates()
    files, count, thread = {}, 0, 0
    try:
        for day in range(days):
            start = START + datetime.timedelta(days=day)
            made = 0
            while made < per_day:
                msgs = rng.choice(cases)
                thread += 1
                ticket = b"%07d" % thread
                ids = {}
                for m in msgs:
                    mid = re.search(rb"^Message-ID:\s*<([^<>]+)>", m, re.M | re.I)
                    if mid:
                        ids[mid.group(1)] = b"y" + ticket + b"." + mid.group(1)
                first = start + datetime.timedelta(seconds=rng.randint(7 * 3600, 19 * 3600))
                offsets = delays(rng, len(msgs))
                if len(msgs) > 1 and rng.random() < 0.03:
                    msgs, offsets = msgs[:1], offsets[:1]  # never answered
                for m, off in zip(msgs, offsets):
                    when = first + datetime.timedelta(seconds=off)
                    month = when.strftime("%Y-%m")
                    if month not in files:
                        files[month] = open(os.path.join(work, month + ".mbox"), "wb")
                    mbox_write(files[month], rewrite(m, ids, ticket, when))
                    count += 1
                made += len(msgs)
    finally:
        for f in files.values():
            f.close()
    return [os.path.join(work, m + ".mbox") for m in sorted(files)], count, domains


def timed(cmd):
    """Wall seconds, CPU seconds (user and system) and peak resident KiB of one run (GNU time -v);
    a run that fails ends the benchmark."""
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit("%s %s: exit %d\n%s" % (cmd[0], cmd[1], r.returncode, r.stderr[-2000:]))
    wall = re.search(r"Elapsed \(wall clock\) time .*: (?:(\d+):)?(\d+):([\d.]+)", r.stderr)
    hours, minutes, seconds = wall.groups()
    cpu = sum(float(re.search(kind + r" time \(seconds\): ([\d.]+)", r.stderr).group(1)) for kind in ("User", "System"))
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds), cpu, int(rss.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--per-day", type=int, default=10000)
    ap.add_argument("--work", default=None)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    binary = os.path.join(a.build, "cli", "support-milter")
    work = a.work or tempfile.mkdtemp(prefix="sm-year-")
    os.makedirs(work, exist_ok=True)
    for name in os.listdir(work):
        if name.endswith((".mbox", ".jsonl", ".db", ".db-wal", ".db-shm")):
            os.remove(os.path.join(work, name))
    log, state = os.path.join(work, "audit.jsonl"), os.path.join(work, "state.db")
    mboxes, messages, domains = generate(work, a.days, a.per_day, a.seed)
    mail_mb = sum(os.path.getsize(m) for m in mboxes) / 1e6
    args = []
    for d in domains:
        args += ["--support-domain", d]
    replay_s, replay_cpu, replay_kib = 0.0, 0.0, 0
    for m in mboxes:
        s, cpu, kib = timed([binary, "replay"] + args + ["--state", state, "--audit", log, m])
        replay_s, replay_cpu, replay_kib = replay_s + s, replay_cpu + cpu, max(replay_kib, kib)
    records, errors = 0, 0
    with open(log, "rb") as f:
        for line in f:
            records += 1
            errors += b'"error":' in line
    # Every message judged (none failed on an error of the pipeline), with the sweeper's events.
    if errors or records <= messages:
        sys.exit("the audit log has %d records for %d messages, %d with an error" % (records, messages, errors))
    report_s, report_cpu, report_kib = timed([binary, "report", "--format", "json", log])
    print("| days × messages a day | messages | mail | audit log | records | replay: wall, CPU, peak RSS "
          "| report --format json: wall, CPU, peak RSS |")
    print("|---|---|---|---|---|---|---|")
    print("| %d × %d | %d | %.0f MB (%d mbox) | %.0f MB | %d | %.1f s, %.1f s, %.0f MB | %.1f s, %.1f s, %.0f MB |" % (
        a.days, a.per_day, messages, mail_mb, len(mboxes), os.path.getsize(log) / 1e6, records, replay_s, replay_cpu,
        replay_kib / 1024, report_s, report_cpu, report_kib / 1024))
    return 0


if __name__ == "__main__":
    sys.exit(main())
