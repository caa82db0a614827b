"""Store and audit log faults through the real Postfix (milter_default_action = tempfail).

The thread store locked by another process, unreadable, or on a full disk; the audit log on a full
disk. Each case checks what the sender is told (2xx: Postfix took the message; 4xx: it is still the
sender's, who sends it again later), what the audit log says, and that the milter recovers by
itself once the fault is gone. Every message is counted: at the end each one the test made has
been delivered to smtp-sink exactly once, and nothing is left in Postfix's queues.

The full disks are small tmpfs mounts (the tests run as root), outside the test's work directory,
filled with a filler file and unmounted at the end whatever happens.
"""

import errno
import os
import pwd
import re
import sqlite3
import subprocess
import tempfile
import time
import unittest
import urllib.request
import uuid

import harness

CUSTOMER = "ana@client.example"
SUPPORT = "help@support.example.com"


class Tmpfs:
    """A small tmpfs the milter's user owns, with a filler file to make it full."""

    def __init__(self, size):
        self.path = tempfile.mkdtemp(prefix="support-milter-fs-")
        pw = pwd.getpwnam(harness.UNPRIVILEGED)
        try:
            harness.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755,uid={pw.pw_uid},gid={pw.pw_gid}",
                         "tmpfs", self.path])
        except subprocess.CalledProcessError as e:
            os.rmdir(self.path)
            raise AssertionError(f"cannot mount a tmpfs (the tests run as root): {e.stderr}") from e
        self.filler = os.path.join(self.path, "filler")

    def fill(self):
        """Writes the filler until the file system has no block left."""
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        chunk = b"F" * 65536
        try:
            while True:
                os.write(fd, chunk)  # a short write when little is left, then ENOSPC
        except OSError as e:
            if e.errno != errno.ENOSPC:
                raise
        finally:
            os.close(fd)
        st = os.statvfs(self.path)
        assert st.f_bavail == 0, f"{self.path} still has {st.f_bavail} blocks free"

    def free(self):
        os.remove(self.filler)

    def remove(self):
        if harness.run(["umount", self.path], check=False).returncode != 0:
            harness.run(["umount", "-l", self.path], check=False)
        os.rmdir(self.path)


class StorageFaults(unittest.TestCase):
    def start(self, store_settings=None, store_url=None, audit_path=None, audit_settings=None, before_start=None):
        self.metrics_port = harness.free_port()
        self.stack = harness.Stack(milter_kwargs={
            "store_settings": store_settings, "store_url": store_url,
            "audit_path": audit_path, "audit_settings": audit_settings,
            "extra": f'[metrics]\nlisten = "127.0.0.1:{self.metrics_port}"\n'})
        self.addCleanup(self.stack.stop)
        if before_start:
            before_start(self.stack.milter)
        self.stack.start()
        self.assertEqual(self.stack.postfix.postconf("-h", "milter_default_action").stdout.strip(), "tempfail")
        self.milter = self.stack.milter
        self.messages = {}     # every message made: Message-ID -> bytes
        self.deferred = set()  # answered 4xx: still the sender's
        self.accepted = set()  # answered 2xx: Postfix's

    def tmpfs(self, size):
        fs = Tmpfs(size)
        self.addCleanup(fs.remove)  # registered before the stack: runs after its stop
        return fs

    # --- mail, counted ----------------------------------------------------------------------

    def send(self, tag, order=5521):
        """A customer message; with the same `order` (its subject) it joins the same thread."""
        mid = f"{tag}-{uuid.uuid4().hex[:12]}@client.example"
        self.messages[mid] = harness.make_message(
            mid, f"Ana <{CUSTOMER}>", [SUPPORT], f"Order {order} has not arrived", f"Where is order {order}?\n\nAna")
        return mid, self.deliver(mid)

    def deliver(self, mid):
        """Sends `mid` once; returns the SMTP code. A 5xx fails the test: nothing here may bounce."""
        code, text = self.stack.postfix.send(self.messages[mid], CUSTOMER, [SUPPORT])
        if 200 <= code < 300:
            self.deferred.discard(mid)
            self.accepted.add(mid)
        elif 400 <= code < 500:
            self.assertIn("4.3.0", text)
            self.deferred.add(mid)
        else:
            self.fail(f"{mid}: {code} {text}\n{self.stack.diagnostics()}")
        return code

    def resend_deferred(self):
        """The senders try again: every message answered 4xx so far must now be taken."""
        for mid in sorted(self.deferred):
            self.assertEqual(self.deliver(mid), 250, f"{mid} refused again\n{self.stack.diagnostics()}")

    def recovered_store(self, refused, also_stored=frozenset()):
        """After a store fault clears: the refused messages are taken when sent again, each with a
        clean audit record and in the store (with `also_stored`), and nothing is lost."""
        self.resend_deferred()
        for mid in refused:
            self.assert_clean_record(mid)
        self.assertEqual(self.stored(refused | also_stored), refused | also_stored)

    def delivered(self):
        """Message-ID -> how many times smtp-sink got it."""
        counts = {}
        for m in self.stack.sink.messages():
            mid = (m.get("Message-ID") or "").strip("<> ")
            counts[mid] = counts.get(mid, 0) + 1
        return counts

    def assert_nothing_lost(self):
        """Every message made was taken by Postfix and delivered exactly once; the queues are empty."""
        self.assertEqual(self.deferred, set(), "messages the senders still hold")
        self.assertEqual(self.accepted, set(self.messages))
        harness.wait_until(lambda: set(self.delivered()) >= self.accepted, 60,
                           "every accepted message at the sink", self.stack.diagnostics)
        self.assertEqual(self.delivered(), {mid: 1 for mid in self.messages})
        harness.wait_until(lambda: self.stack.postfix.queue_json() == [], 30, "Postfix's queues empty",
                           self.stack.diagnostics)

    # --- what the milter says ---------------------------------------------------------------

    def records(self, mid):
        return [r for r in self.milter.audit("message") if r.get("message_id") == mid]

    def stored(self, mids):
        """The Message-IDs of `mids` that the SQLite store has (read beside the running milter)."""
        path = self.milter.store_url[len("sqlite:"):]
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            marks = ",".join("?" * len(mids))
            return {r[0] for r in db.execute(f"SELECT message_id FROM messages WHERE message_id IN ({marks})",
                                             list(mids))}
        finally:
            db.close()

    def errors_counted(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=10) as r:
            text = r.read().decode()
        return int(re.search(r"^support_milter_errors_total (\d+)$", text, re.M).group(1))

    def stderr(self):
        with open(self.milter.stderr_path, errors="replace") as f:
            return f.read()

    def audit_verify(self):
        r = subprocess.run([harness.binary(), "audit", "verify", self.milter.audit_path],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r.stdout

    def assert_store_failure(self, mid, error_part, action):
        """`mid` has exactly one audit record so far: the store's error and the action taken."""
        recs = self.records(mid)
        self.assertEqual(len(recs), 1, recs)
        self.assertTrue(recs[0].get("error", "").startswith("store: "), recs[0])
        self.assertIn(error_part, recs[0]["error"])
        self.assertEqual(recs[0]["action"], action)

    def send_through_store_failure(self, tag, n, error_part, action):
        """Sends `n` messages while the store fails: each is refused with 451 (tempfail) or passes
        (accept), and its one audit record names the store's error. Returns their Message-IDs."""
        sent = set()
        for i in range(n):
            mid, code = self.send(f"{tag}-{i}")
            # tempfail: Postfix keeps the message with the sender; accept: the message passes.
            self.assertEqual(code, 451 if action == "tempfail" else 250, f"store.on_error = {action}")
            self.assert_store_failure(mid, error_part, action)
            sent.add(mid)
        return sent

    def assert_clean_record(self, mid):
        """`mid` was judged with the store working: its last record has no error."""
        recs = self.records(mid)
        self.assertTrue(recs, f"no audit record for {mid}")
        self.assertNotIn("error", recs[-1])
        self.assertEqual(recs[-1]["action"], "accept")

    # --- a. the store locked by another process ---------------------------------------------

    def lock_store(self):
        """Another process (this one) holds the SQLite file's write lock until the result is closed."""
        db = sqlite3.connect(self.milter.store_path, timeout=10, isolation_level=None)
        db.execute("BEGIN EXCLUSIVE")
        return db

    def test_store_locked_tempfail(self):
        self.start(store_settings={"on_error": "tempfail", "timeout_ms": 300})
        first, code = self.send("lock-before")
        self.assertEqual(code, 250)
        lock = self.lock_store()
        try:
            self.send_through_store_failure("lock", 3, "database is locked", "tempfail")
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        self.assertEqual(len(self.deferred), 3)
        # No record of a refused message means no delivery: nothing of them reached the sink.
        harness.wait_until(lambda: first in self.delivered(), 30, "the first message", self.stack.diagnostics)
        self.assertFalse(set(self.delivered()) & self.deferred)
        self.recovered_store(set(self.deferred), {first})
        self.assert_nothing_lost()

    def test_store_locked_accept(self):
        self.start(store_settings={"on_error": "accept", "timeout_ms": 300})
        lock = self.lock_store()
        try:
            passed = self.send_through_store_failure("lock-accept", 3, "database is locked", "accept")
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        after, code = self.send("lock-accept-after")
        self.assertEqual(code, 250)
        self.assert_clean_record(after)
        # The store missed the messages that passed while it was locked; the next one is in it.
        self.assertEqual(self.stored(passed | {after}), {after})
        self.assert_nothing_lost()

    # --- b. the store unreadable --------------------------------------------------------------
    # The running milter holds its SQLite file open: a later change of owner or mode does not reach
    # it, and a file replaced under it is not the one it writes. What a mail admin meets is a milter
    # (re)started on a file it cannot use: it starts anyway, answers store.on_error, and opens the
    # store at the first message after the file is fixed, without a restart.

    def test_store_unreadable_at_start_tempfail(self):
        # Restored from a backup as root: the milter's user may not open it. (A running milter keeps
        # its file open, so a change of owner or mode matters at its next start: this one.)
        def restore_as_root(milter):
            with open(milter.store_path, "wb"):
                pass
            os.chown(milter.store_path, 0, 0)
            os.chmod(milter.store_path, 0o600)
        self.start(store_settings={"on_error": "tempfail"}, before_start=restore_as_root)
        self.assertIn("starting anyway", self.stderr())
        self.send_through_store_failure("unreadable", 2, "Permission denied", "tempfail")
        # The admin fixes the owner; the milter opens the store at the next message, no restart.
        pw = pwd.getpwnam(harness.UNPRIVILEGED)
        os.chown(self.milter.store_path, pw.pw_uid, pw.pw_gid)
        self.recovered_store(set(self.deferred))
        self.assertIsNone(self.milter.proc.poll(), "the milter was never restarted")
        self.assert_nothing_lost()

    def test_store_not_a_database_accept(self):
        garbage = b"this is not a database\n" * 200

        def corrupt(milter):
            with open(milter.store_path, "wb") as f:
                f.write(garbage)
            pw = pwd.getpwnam(harness.UNPRIVILEGED)
            os.chown(milter.store_path, pw.pw_uid, pw.pw_gid)
        self.start(store_settings={"on_error": "accept"}, before_start=corrupt)
        passed = self.send_through_store_failure("garbage", 2, "not a database", "accept")
        with open(self.milter.store_path, "rb") as f:
            self.assertEqual(f.read(), garbage, "the broken file was left as it was, for the admin")
        # The admin moves the broken file aside: the next message starts a new store.
        os.rename(self.milter.store_path, self.milter.store_path + ".broken")
        after, code = self.send("garbage-after")
        self.assertEqual(code, 250)
        self.assert_clean_record(after)
        self.assertEqual(self.stored(passed | {after}), {after})
        self.assert_nothing_lost()

    # --- c. the store on a full disk ------------------------------------------------------------

    def full_store(self, on_error):
        fs = self.tmpfs("2m")
        store_file = os.path.join(fs.path, "state.db")
        self.start(store_url=f"sqlite:{store_file}", store_settings={"on_error": on_error})
        self.assertNotEqual(os.stat(os.path.dirname(self.milter.audit_path)).st_dev, os.stat(fs.path).st_dev,
                            "the audit log must not be on the full disk")
        first, code = self.send("full-before")
        self.assertEqual(code, 250)
        self.assert_clean_record(first)
        # Copy the WAL back into the file and empty it, so that the next commit must grow a file
        # (what a commit does once the WAL's old room is used up): the first message after the
        # disk fills is refused, whatever room earlier commits left.
        db = sqlite3.connect(store_file, timeout=10, isolation_level=None)
        busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        db.close()
        self.assertEqual(busy, 0)
        self.assertEqual(os.path.getsize(store_file + "-wal"), 0)
        fs.fill()
        return fs, first

    def test_store_full_disk_tempfail(self):
        fs, first = self.full_store("tempfail")
        refused = self.send_through_store_failure("full", 3, "disk is full", "tempfail")
        self.assertEqual(refused, set(self.deferred))
        self.assertEqual(len(refused), 3)
        fs.free()
        self.recovered_store(refused, {first})
        self.assert_nothing_lost()

    def test_store_full_disk_accept(self):
        fs, first = self.full_store("accept")
        passed = self.send_through_store_failure("full-accept", 3, "disk is full", "accept")
        fs.free()
        after, code = self.send("full-accept-after")
        self.assertEqual(code, 250)
        self.assert_clean_record(after)
        self.assertEqual(self.stored(passed | {first, after}), {first, after})
        self.assert_nothing_lost()

    # --- d. the audit log on a full disk --------------------------------------------------------

    def full_audit(self, on_error):
        fs = self.tmpfs("256k")
        self.start(audit_path=os.path.join(fs.path, "audit.jsonl"), audit_settings={"on_error": on_error})
        first, code = self.send("audit-before")
        self.assertEqual(code, 250)
        self.assert_clean_record(first)
        fs.fill()
        return fs

    def test_audit_full_disk_tempfail(self):
        fs = self.full_audit("tempfail")
        # The audit file's last block may still hold a record or two; then every write fails.
        # Each about another order: a thread of its own, so the reply below is timed from the one
        # customer message it answers.
        orders = {}
        for i in range(20):
            mid, code = self.send(f"audit-full-{i}", order=6000 + i)
            orders[mid] = 6000 + i
            if code == 250:
                self.assertEqual(len(self.records(mid)), 1, "a message passed: its record was written")
            if len(self.deferred) >= 3:
                break
        self.assertGreaterEqual(len(self.deferred), 3, "the full audit disk never refused a message")
        refused_at = time.time()
        # A reply to one of the refused customer messages is refused too.
        answered = sorted(self.deferred)[0]
        order = orders[answered]
        reply = f"audit-reply-{uuid.uuid4().hex[:12]}@support.example.com"
        reply_data = harness.make_message(
            reply, f"Sam <sam@{SUPPORT.split('@')[1]}>", [CUSTOMER], f"Re: Order {order} has not arrived",
            f"Hi Ana,\n\norder {order} ships today.\n\nSam\n\nOn Mon, Ana wrote:\n> Where is order {order}?",
            in_reply_to=answered, references=[answered])
        code, _ = self.stack.postfix.send(reply_data, f"sam@{SUPPORT.split('@')[1]}", [CUSTOMER])
        self.assertEqual(code, 451)
        refused = set(self.deferred)
        for mid in refused:
            self.assertEqual(self.records(mid), [], "nothing of a failed record stays in the file")
        self.assertIn("audit record not written: answered 451", self.stderr())
        self.assertIn("No space left on device", self.stderr())
        self.assertGreaterEqual(self.errors_counted(), len(refused))
        # Nothing delivered without its record.
        harness.wait_until(lambda: set(self.delivered()) >= self.accepted, 60, "the accepted messages",
                           self.stack.diagnostics)
        self.assertFalse(set(self.delivered()) & refused)
        fs.free()
        # The retries come a second later than the refused attempts at least, so a clock left by a
        # refused attempt would show in the reply's waiting_since (which counts whole seconds).
        harness.wait_until(lambda: int(time.time()) > int(refused_at), 5, "the next second")
        self.resend_deferred()
        for mid in refused:
            self.assertEqual(len(self.records(mid)), 1)
            self.assert_clean_record(mid)
        # Nothing of the refused messages stayed in the store: the customer's message counts from
        # its accepted retry, and the reply, sent again, is the first reply with its full figures.
        code, _ = self.stack.postfix.send(reply_data, f"sam@{SUPPORT.split('@')[1]}", [CUSTOMER])
        self.assertEqual(code, 250)
        rec = self.milter.audit_for(reply)
        self.assertEqual(rec["direction"], "outbound")
        self.assertEqual(rec["sla"]["status"], "within_target")
        self.assertTrue(rec["sla"]["first_reply"])
        self.assertEqual(rec["sla"]["waiting_since"], self.records(answered)[-1]["message_time"][:19] + "Z")
        self.assertIsInstance(rec["sla"]["latency_s"], int)
        self.messages[reply] = reply_data
        self.accepted.add(reply)
        self.assert_nothing_lost()
        for mid in self.messages:
            self.assertEqual(len(self.records(mid)), 1, f"{mid}: one record per delivered message")
        self.assertTrue(self.audit_verify().startswith("ok"))

    def test_audit_full_disk_accept(self):
        fs = self.full_audit("accept")
        unrecorded = set()
        for i in range(20):
            mid, code = self.send(f"audit-accept-{i}")
            self.assertEqual(code, 250, "audit.on_error = accept lets the message through")
            if not self.records(mid):
                unrecorded.add(mid)
            if len(unrecorded) >= 3:
                break
        self.assertGreaterEqual(len(unrecorded), 3, "the full audit disk never failed a write")
        self.assertIn("audit record not written: the message passes without it (audit.on_error = accept)",
                      self.stderr())
        self.assertGreaterEqual(self.errors_counted(), len(unrecorded))
        fs.free()
        after, code = self.send("audit-accept-after")
        self.assertEqual(code, 250)
        self.assertEqual(len(self.records(after)), 1)
        self.assert_nothing_lost()
        self.assertTrue(self.audit_verify().startswith("ok"))


if __name__ == "__main__":
    unittest.main()
