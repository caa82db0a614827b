#!/usr/bin/env python3
"""End-to-end throughput: Postfix alone, Postfix + a null milter, Postfix + OpenDKIM signing and
Postfix + support-milter, measured side by side in one run.

One private Postfix on 127.0.0.1 relays to smtp-sink. Its master.cf has one smtpd listener per
configuration, each with its own smtpd_milters, so every configuration shares the same queue
manager, cleanup and delivery agents and nothing is reloaded between measurements. smtp-load
(bench/smtp_load.cpp: smtp-source's way of sending, a connection per message) sends the load. A
measurement is: N copies of one message over S parallel sessions into one listener, every copy
with a Message-ID of its own as real mail has (--same-id: the file's, in every copy, as
smtp-source sends it), timed from the first connection until Postfix has logged the delivery of
all N to smtp-sink. The configurations take turns inside every round (their order rotates from round to
round), and each figure is the median of the rounds.

Traffic stays on 127.0.0.1. Run as root (Postfix and the daemons drop to their own users).

Usage: bench/e2e.py [--rounds 3] [--count 1000] [--count-large 40] [--sessions 10,50]
                    [--messages 4k-en,20k-en,20k-es,20k-ru,2m-en] [--same-id] [--json FILE]
                    [--configs postfix,null-milter,opendkim,support-milter[,support-milter-sealed]]
                    [--seal-epoch-seconds 1]
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import socket
import statistics
import tempfile
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "bench"))

import harness as h  # noqa: E402
import make_messages  # noqa: E402

CONFIGS = ["postfix", "null-milter", "opendkim", "support-milter"]
# Measured when asked (--configs support-milter,support-milter-sealed): support-milter with its audit
# log sealed (keys from `audit keygen`, an epoch of --seal-epoch-seconds) and anchored.
EXTRA_CONFIGS = ["support-milter-sealed"]


def build_dir():
    return os.environ.get("SUPPORT_MILTER_BUILD") or os.path.join(ROOT, "build-bench")


def tool(path):
    if not os.access(path, os.X_OK):
        raise SystemExit(f"e2e: {path} is missing; build with scripts/bench.sh first")
    return path


def listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class FastSink:
    """smtp-sink that keeps nothing: delivery is counted in Postfix's log."""

    def __init__(self):
        self.port = h.free_port()
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(["smtp-sink", "-u", h.UNPRIVILEGED, f"127.0.0.1:{self.port}", "256"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        h.wait_until(lambda: listening(self.port), 10, "smtp-sink")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def unix_listening(path):
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            s.connect(path)
        return True
    except OSError:
        return False


class Daemon:
    """A milter process on a unix socket (milters sit on local sockets in production)."""

    def __init__(self, name, argv, path, log_path, umask=None):
        self.name, self.argv, self.path, self.log_path, self.umask = name, argv, path, log_path, umask
        self.proc = None

    @property
    def postfix_socket(self):
        return f"unix:{self.path}"

    def start(self):
        self.log = open(self.log_path, "ab")
        umask = self.umask
        self.proc = subprocess.Popen(self.argv, stdout=self.log, stderr=self.log,
                                     preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.proc.returncode}\n{h.tail(self.log_path)}")
            return unix_listening(self.path)
        h.wait_until(ready, 30, f"{self.name} on {self.path}")
        return self

    def cpu_seconds(self):
        """User + system CPU time of the process and all its threads so far."""
        try:
            with open(f"/proc/{self.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return None

    def rss_kb(self):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class DeliveryCounter:
    """Counts 'status=sent' lines in Postfix's maillog, reading only what was appended."""

    def __init__(self, path):
        self.path, self.offset, self.sent, self.other = path, 0, 0, []
        self._rest = b""

    def poll(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return self.sent
        self.offset += len(data)
        data = self._rest + data
        lines = data.split(b"\n")
        self._rest = lines.pop()
        for line in lines:
            if b" postfix/smtp[" in line and b" status=" in line:
                if b" status=sent " in line:
                    self.sent += 1
                else:
                    self.other.append(line.decode(errors="replace"))
        return self.sent


def opendkim_daemon(work, sockets):
    # OpenDKIM refuses a config or key under a directory others can write (/tmp): its files live
    # in a directory of their own under /var/lib, removed with the work directory.
    keys = tempfile.mkdtemp(prefix="support-milter-bench-dkim-", dir="/var/lib")
    os.chmod(keys, 0o750)
    shutil.chown(keys, "opendkim", "opendkim")
    work.extra_dirs = getattr(work, "extra_dirs", []) + [keys]
    subprocess.run(["opendkim-genkey", "-b", "2048", "-d", "support.example.com", "-s", "bench", "-D", keys],
                   check=True, capture_output=True)
    for f in os.listdir(keys):
        shutil.chown(os.path.join(keys, f), "opendkim", "opendkim")
    conf = os.path.join(keys, "opendkim.conf")
    with open(conf, "w") as f:
        f.write("\n".join([
            "Syslog no",
            "Mode s",
            "Domain support.example.com",
            "Selector bench",
            f"KeyFile {keys}/bench.private",
            "Canonicalization relaxed/simple",
            "InternalHosts 127.0.0.1",
            f"Socket local:{sockets}/opendkim.sock",
            "UMask 000",
            "UserID opendkim:opendkim",
            "Background no",
            f"PidFile {keys}/opendkim.pid",
            ""]))
    return Daemon("opendkim", ["opendkim", "-f", "-x", conf], f"{sockets}/opendkim.sock",
                  os.path.join(work.path, "opendkim.log"))


def support_milter_daemon(work, binary, sealed_epoch_seconds=None):
    # The harness's config: every rule at its default action, SQLite state, the audit log; the
    # socket is a unix one that Postfix's group may use. Sealed: the same with the audit log's
    # sealing and anchor keys (made by audit keygen) and the epoch given.
    name = "support-milter" if sealed_epoch_seconds is None else "support-milter-sealed"
    milter = h.Milter(work, unix=True, name="milter" if sealed_epoch_seconds is None else "milter-sealed")
    if sealed_epoch_seconds is not None:
        milter.audit_settings = {"seal_key_file": os.path.join(milter.state_dir, "audit-seal.key"),
                                 "anchor_key_file": os.path.join(milter.state_dir, "audit-anchor.key"),
                                 "seal_epoch_seconds": sealed_epoch_seconds}
        milter.write_config(("support.example.com",), {})
    with open(milter.config_path) as f:
        text = f.read()
    with open(milter.config_path, "w") as f:
        # As in production: info, not the harness's debug log of every message.
        f.write(text.replace("[milter]\n", '[milter]\nsocket_group = "postfix"\n', 1)
                .replace('level = "debug"', 'level = "info"'))
    if sealed_epoch_seconds is not None:
        h.run([binary, "audit", "keygen", "-c", milter.config_path])
    return Daemon(name, [binary, "run", "-c", milter.config_path, "-f"], milter.unix_path,
                  os.path.join(work.path, name + ".log")), milter


def configure_listeners(postfix, milters_by_config):
    """One smtpd per configuration, on its own port, with its own smtpd_milters."""
    ports = {}
    for name in CONFIGS + EXTRA_CONFIGS:
        port = h.free_port()
        milters = milters_by_config.get(name, "")
        postfix.postconf("-M", f"127.0.0.1:{port}/inet=127.0.0.1:{port} inet n - n - - smtpd "
                               f"-o smtpd_milters={milters} -o syslog_name=postfix/{name}")
        ports[name] = port
    return ports


SMTP_LOAD = None     # the sender's path, set in main()
SAME_ID = False      # --same-id


def send(port, path, count, sessions, sender, rcpt, same_id=None):
    cmd = [SMTP_LOAD, "-s", str(sessions), "-m", str(count), "-F", path, "-f", sender, "-t", rcpt,
           "-M", "client.test.example", f"127.0.0.1:{port}"]
    if SAME_ID if same_id is None else same_id:
        cmd.append("--same-id")
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        raise AssertionError(f"smtp-load failed ({r.returncode}): {r.stderr.strip()}")


def measure(postfix, counter, port, path, count, sessions, rcpt, timeout, daemon=None):
    cpu0 = daemon.cpu_seconds() if daemon else None
    start_sent = counter.poll()
    t0 = time.monotonic()
    send(port, path, count, sessions, "agent@support.example.com", rcpt)
    accepted = time.monotonic()

    def delivered():
        return counter.poll() - start_sent >= count

    deadline = time.monotonic() + timeout
    while not delivered():
        if time.monotonic() > deadline:
            raise AssertionError(f"only {counter.sent - start_sent} of {count} delivered after {timeout}s\n"
                                 + "\n".join(counter.other[-5:]) + "\n" + postfix.diagnostics())
        time.sleep(0.005)
    done = time.monotonic()
    if counter.other:
        raise AssertionError("deliveries that were not sent:\n" + "\n".join(counter.other[-5:]))
    out = {"seconds": done - t0, "msg_per_s": count / (done - t0), "accepted_msg_per_s": count / (accepted - t0)}
    cpu1 = daemon.cpu_seconds() if daemon else None
    if cpu0 is not None and cpu1 is not None:
        out["milter_cpu_ms_per_msg"] = (cpu1 - cpu0) * 1000 / count
    return out


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass

    def version(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return ""
    dkim = subprocess.run(["opendkim", "-V"], capture_output=True, text=True).stdout.splitlines()
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
            "postfix": version(["postconf", "-h", "mail_version"]),
            "opendkim": dkim[0] if dkim else ""}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--count", type=int, default=1000, help="messages per measurement (4 KB and 20 KB)")
    ap.add_argument("--count-large", type=int, default=40, help="messages per measurement (2 MB)")
    ap.add_argument("--sessions", default="10,50")
    ap.add_argument("--messages", default=",".join(make_messages.MESSAGES))
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--json", default=os.path.join(ROOT, "bench", "results", "e2e.json"))
    ap.add_argument("--timeout", type=float, default=600, help="seconds one measurement may take")
    ap.add_argument("--same-id", action="store_true",
                    help="every copy with the file's Message-ID (the milter finds it stored after the first)")
    ap.add_argument("--seal-epoch-seconds", type=int, default=1,
                    help="support-milter-sealed: the sealing epoch (1 s: a seal every second, the most the config allows)")
    args = ap.parse_args()

    configs = [c for c in args.configs.split(",") if c]
    for c in configs:
        if c not in CONFIGS + EXTRA_CONFIGS:
            raise SystemExit(f"e2e: unknown configuration {c!r}; known: {', '.join(CONFIGS + EXTRA_CONFIGS)}")
    sessions = [int(s) for s in args.sessions.split(",") if s]
    mix = [m for m in args.messages.split(",") if m]
    binary = tool(os.environ.get("SUPPORT_MILTER_BIN") or os.path.join(build_dir(), "cli", "support-milter"))
    null_binary = tool(os.environ.get("SUPPORT_MILTER_NULL_MILTER") or os.path.join(build_dir(), "bench", "null-milter"))
    global SMTP_LOAD, SAME_ID
    SMTP_LOAD = tool(os.environ.get("SUPPORT_MILTER_SMTP_LOAD") or os.path.join(build_dir(), "bench", "smtp-load"))
    SAME_ID = args.same_id

    work = h.Workdir("support-milter-bench")
    messages = make_messages.write_all(work.sub("messages"))
    os.environ["SUPPORT_MILTER_BIN"] = binary
    sink = FastSink().start()
    daemons = []
    postfix = None
    try:
        sockets = work.sub("sockets", mode=0o1777)
        milters = {}
        if "null-milter" in configs:
            d = Daemon("null-milter", [null_binary, f"unix:{sockets}/null.sock"], f"{sockets}/null.sock",
                       os.path.join(work.path, "null-milter.log"), umask=0)
            daemons.append(d.start())
            milters["null-milter"] = d.postfix_socket
        if "opendkim" in configs:
            d = opendkim_daemon(work, sockets)
            daemons.append(d.start())
            milters["opendkim"] = d.postfix_socket
        stores = []  # the support-milter configurations, each with a store of its own
        for name in ("support-milter", "support-milter-sealed"):
            if name in configs:
                d, _ = support_milter_daemon(work, binary, args.seal_epoch_seconds if name.endswith("sealed") else None)
                daemons.append(d.start())
                milters[name] = d.postfix_socket
                stores.append(name)

        postfix = h.Postfix(work, sink)
        postfix.configure()
        ports = configure_listeners(postfix, milters)
        # Postfix.start() would write master.cf again: start the configured instance as it is.
        h.run(["postfix", "-c", postfix.dir, "start"])
        postfix.started = True
        for name in configs:
            h.wait_until(lambda p=ports[name]: listening(p), 30, f"smtpd for {name}")
        counter = DeliveryCounter(postfix.maillog)

        # The customers open the conversations (through support-milter, which stores them), with
        # the Message-IDs the replies answer.
        for name in stores:
            for lang in make_messages.CONVERSATIONS:
                send(ports[name], messages[f"customer-{lang}"], 1, 1,
                     "customer@client.example", "support@support.example.com", same_id=True)
        if stores:
            h.wait_until(lambda: counter.poll() >= 3 * len(stores), 60, "the customers' messages")

        # Warm-up: one small measurement per configuration.
        for name in configs:
            measure(postfix, counter, ports[name], messages[mix[0]], 20, 2, "customer@client.example", args.timeout)

        by_name = {d.name: d for d in daemons}
        results = {}
        for rnd in range(args.rounds):
            order = configs[rnd % len(configs):] + configs[:rnd % len(configs)]
            for m in mix:
                count = args.count_large if m.startswith("2m") else args.count
                for s in sessions:
                    for name in order:
                        r = measure(postfix, counter, ports[name], messages[m], count, s,
                                    "customer@client.example", args.timeout, by_name.get(name))
                        results.setdefault((m, s, name), []).append(r)
                        print(f"round {rnd + 1} {m:7} sessions {s:3} {name:15} {r['msg_per_s']:9.1f} msg/s"
                              f" (accepted {r['accepted_msg_per_s']:.1f}/s)", flush=True)

        table = []
        for m in mix:
            for s in sessions:
                row = {"message": m, "bytes": os.path.getsize(messages[m]), "sessions": s}
                med = {}
                for name in configs:
                    runs = results[(m, s, name)]
                    med[name] = statistics.median(r["msg_per_s"] for r in runs)
                    cpu = [r["milter_cpu_ms_per_msg"] for r in runs if "milter_cpu_ms_per_msg" in r]
                    row[name] = {"median_msg_per_s": round(med[name], 1),
                                 "rounds_msg_per_s": [round(r["msg_per_s"], 1) for r in runs],
                                 "median_accepted_msg_per_s": round(
                                     statistics.median(r["accepted_msg_per_s"] for r in runs), 1)}
                    if cpu:
                        row[name]["median_milter_cpu_ms_per_msg"] = round(statistics.median(cpu), 3)
                for name in configs:
                    if "postfix" in med:
                        row[name]["vs_postfix"] = round(med[name] / med["postfix"], 3)
                    if "null-milter" in med:
                        row[name]["vs_null_milter"] = round(med[name] / med["null-milter"], 3)
                    if "opendkim" in med:
                        row[name]["vs_opendkim"] = round(med[name] / med["opendkim"], 3)
                # Sealing's price: the sealed daemon against the same daemon unsealed, round by round
                # (each round measures the two one after the other).
                if "support-milter-sealed" in med and "support-milter" in med:
                    sealed, plain = row["support-milter-sealed"], row["support-milter"]
                    sealed["vs_support_milter"] = round(med["support-milter-sealed"] / med["support-milter"], 3)
                    # (A small run may see no clock tick of CPU at all.)
                    if sealed.get("median_milter_cpu_ms_per_msg") and plain.get("median_milter_cpu_ms_per_msg"):
                        sealed["cpu_vs_support_milter"] = round(
                            sealed["median_milter_cpu_ms_per_msg"] / plain["median_milter_cpu_ms_per_msg"], 3)
                table.append(row)

        rss = {d.name: d.rss_kb() for d in daemons}
        report = {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "machine": machine(),
            "parameters": {"rounds": args.rounds, "count": args.count, "count_large": args.count_large,
                           "sessions": sessions, "messages": mix, "configs": configs,
                           "message_ids": "the file's in every copy" if args.same_id else "one per copy",
                           **({"seal_epoch_seconds": args.seal_epoch_seconds}
                              if "support-milter-sealed" in configs else {})},
            "peak_rss_kb": rss,
            "results": table,
        }
        print()
        print(format_table(table, configs))
        print("peak RSS (KB): " + ", ".join(f"{k} {v}" for k, v in rss.items()))
        if args.json:
            os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
            with open(args.json, "w") as f:
                json.dump(report, f, indent=2)
                f.write("\n")
            print(f"written to {args.json}")
    finally:
        if postfix is not None:
            postfix.stop()
        for d in daemons:
            d.stop()
        sink.stop()
        if os.environ.get("SUPPORT_MILTER_BENCH_KEEP"):
            print(f"kept {work.path}")
        else:
            work.remove()
            for d in getattr(work, "extra_dirs", []):
                shutil.rmtree(d, ignore_errors=True)


def format_table(table, configs):
    head = f"{'message':8} {'sess':>4} " + " ".join(f"{c:>15}" for c in configs)
    if "support-milter" in configs:
        head += f" {'sm/null':>8} {'sm/dkim':>8} {'sm/pfx':>8}"
    lines = [head, "-" * len(head)]
    for row in table:
        line = f"{row['message']:8} {row['sessions']:>4} " + " ".join(
            f"{row[c]['median_msg_per_s']:>15.1f}" for c in configs)
        if "support-milter" in configs:
            sm = row["support-milter"]
            line += "".join(f" {sm.get(k, float('nan')):>8.3f}" for k in ("vs_null_milter", "vs_opendkim", "vs_postfix"))
        lines.append(line)
    if "support-milter-sealed" in configs and "support-milter" in configs:
        lines += ["", "sealed / unsealed: " + f"{'message':8} {'sess':>4} {'throughput':>10} {'CPU':>8}"]
        for row in table:
            sealed = row["support-milter-sealed"]
            lines.append(" " * 19 + f"{row['message']:8} {row['sessions']:>4} "
                         f"{sealed.get('vs_support_milter', float('nan')):>10.3f} "
                         f"{sealed.get('cpu_vs_support_milter', float('nan')):>8.3f}")
    cpu_cols = [c for c in configs if any("median_milter_cpu_ms_per_msg" in row[c] for row in table)]
    if cpu_cols:
        lines += ["", "milter CPU per message (ms): " + f"{'message':8} {'sess':>4} " + " ".join(f"{c:>15}" for c in cpu_cols)]
        for row in table:
            lines.append(" " * 29 + f"{row['message']:8} {row['sessions']:>4} " + " ".join(
                f"{row[c].get('median_milter_cpu_ms_per_msg', float('nan')):>15.3f}" for c in cpu_cols))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
