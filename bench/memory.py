#!/usr/bin/env python3
"""Peak memory of support-milter while large messages pass: 10 concurrent messages through a
private Postfix on 127.0.0.1, the milter's peak RSS (VmHWM) read from /proc after they are
delivered. Each case starts a fresh milter, so each peak is its own.

The claim measured: the peak is bounded by the configured scan limits ([limits] scan_bytes),
not by the size of the messages. Cases: 25 MB and 50 MB messages with the default 10 MB scan
limit (the same peak expected), 25 MB with a 2 MB limit (a lower one), and 1 MB messages for
the baseline.

Usage: bench/memory.py [--concurrent 10] [--json FILE]
"""

import argparse
import base64
import json
import os
import random
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "bench"))

import harness as h  # noqa: E402
import make_messages  # noqa: E402
from e2e import FastSink  # noqa: E402

MB = 1024 * 1024


def big_message(total_bytes, n):
    """The 4 KB English reply with an attachment that brings it to about `total_bytes`."""
    text = make_messages.reply("en", 4096, f"mem{n}")
    head, body = text.split("\n\n", 1)
    head = "\n".join(x for x in head.split("\n") if not x.startswith("Content-"))
    raw = random.Random(n).randbytes(total_bytes * 3 // 4)
    b64 = base64.encodebytes(raw).decode()
    boundary = "mem-boundary"
    msg = (f"{head}\nContent-Type: multipart/mixed; boundary=\"{boundary}\"\n\n"
           f"--{boundary}\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
           f"--{boundary}\nContent-Type: application/octet-stream\n"
           f"Content-Disposition: attachment; filename=\"dump.bin\"\nContent-Transfer-Encoding: base64\n\n"
           f"{b64}--{boundary}--\n")
    return msg.replace("\n", "\r\n").encode()


def vm_hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def run_case(size, scan_bytes, concurrent):
    work = h.Workdir("support-milter-memory")
    sink = FastSink().start()
    milter = postfix = None
    try:
        milter = h.Milter(work, extra=f"[limits]\nscan_bytes = {scan_bytes}\n")
        milter.start()
        base_kb = vm_hwm_kb(milter.proc.pid)
        postfix = h.Postfix(work, sink, milter_socket=milter.postfix_socket)
        postfix.configure()
        postfix.postconf("-e", f"message_size_limit = {size * 2 + MB}", "milter_content_timeout = 600s")
        h.run(["postfix", "-c", postfix.dir, "start"])
        postfix.started = True
        h.wait_until(postfix._listening, 20, "postfix")
        messages = [big_message(size, n) for n in range(concurrent)]
        results = [None] * concurrent

        def send(i):
            results[i] = postfix.send(messages[i], "agent@support.example.com", ["customer@client.example"])

        threads = [threading.Thread(target=send, args=(i,)) for i in range(concurrent)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.monotonic() - t0
        bad = [r for r in results if r[0] != 250]
        if bad:
            raise AssertionError(f"messages refused: {bad}\n{milter.diagnostics()}")
        h.wait_until(lambda: len(milter.audit("message")) >= concurrent, 120, "the milter's audit records",
                     milter.diagnostics)
        peak_kb = vm_hwm_kb(milter.proc.pid)
        return {"message_bytes": len(messages[0]), "scan_bytes": scan_bytes, "concurrent": concurrent,
                "idle_rss_kb": base_kb, "peak_rss_kb": peak_kb, "seconds": round(seconds, 2)}
    finally:
        if postfix is not None:
            postfix.stop()
        if milter is not None:
            milter.stop()
        sink.stop()
        work.remove()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--concurrent", type=int, default=10)
    ap.add_argument("--json", default=os.path.join(ROOT, "bench", "results", "memory.json"))
    args = ap.parse_args()
    if not os.environ.get("SUPPORT_MILTER_BIN"):
        build = os.environ.get("SUPPORT_MILTER_BUILD") or os.path.join(ROOT, "build-bench")
        os.environ["SUPPORT_MILTER_BIN"] = os.path.join(build, "cli", "support-milter")
    cases = [(1 * MB, 10 * MB), (25 * MB, 10 * MB), (50 * MB, 10 * MB), (25 * MB, 2 * MB)]
    out = []
    print(f"{'message':>10} {'scan limit':>10} {'concurrent':>10} {'idle RSS':>10} {'peak RSS':>10}")
    for size, scan in cases:
        r = run_case(size, scan, args.concurrent)
        out.append(r)
        print(f"{r['message_bytes'] / MB:>8.1f}MB {scan / MB:>8.0f}MB {r['concurrent']:>10} "
              f"{r['idle_rss_kb'] / 1024:>8.1f}MB {r['peak_rss_kb'] / 1024:>8.1f}MB", flush=True)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump({"cases": out}, f, indent=2)
            f.write("\n")
        print(f"written to {args.json}")


if __name__ == "__main__":
    main()
