"""The sealed, anchored audit log through the real daemon and a real Postfix: `audit keygen`
installs the keys for the milter's user; the daemon seals every epoch and at stop; the stop's
anchor goes out through the MTA (it waits in Postfix's queue while the milter is down and passes
once it is back) and reaches the auditor's mailbox; `audit verify` and `report` check the log with
the verification key and the anchors read from a Maildir, an mbox and the operational log; a log
cut after the anchor is caught."""

import json
import os
import re
import shutil
import subprocess
import unittest

import harness

AUDITOR = "audit-anchors@auditor.example"


def sm(*args):
    return subprocess.run([harness.binary(), *args], capture_output=True, text=True)


class AuditIntegrity(unittest.TestCase):
    def setUp(self):
        self.stack = harness.Stack()
        self.addCleanup(self.stack.stop)
        m = self.stack.milter
        self.seal_key = os.path.join(m.state_dir, "audit-seal.key")
        self.anchor_key = os.path.join(m.state_dir, "audit-anchor.key")
        m.audit_settings = {"seal_key_file": self.seal_key, "anchor_key_file": self.anchor_key,
                            "seal_epoch_seconds": 1, "anchor_to": [AUDITOR]}
        notify = ('[notify]\ncommand = ["/usr/sbin/sendmail", "-C", "%s", "-oi", "-f", "<>"]\n'
                  % self.stack.postfix.dir)
        m.write_config(("support.example.com",), {}, extra=notify)

    def anchor_mail(self):
        return [p for p in self.stack.sink.files() if b"support-milter audit anchor" in open(p, "rb").read()]

    def test_keys_seals_and_anchors_by_mail(self):
        m = self.stack.milter
        r = sm("audit", "keygen", "-c", m.config_path)
        self.assertEqual(r.returncode, 0, r.stderr)
        key = re.search(r"^  (sm-seal-v1:[0-9a-f]{64})$", r.stdout, re.M).group(1)
        public = re.search(r"^  (sm-anchor-v1:[0-9a-f]{64})$", r.stdout, re.M).group(1)
        for path in (self.seal_key, self.anchor_key):
            st = os.stat(path)
            self.assertEqual(st.st_mode & 0o777, 0o600, path)
            self.assertEqual(st.st_uid, harness.pwd.getpwnam(harness.UNPRIVILEGED).pw_uid, path)
        with open(self.seal_key) as f:
            self.assertNotIn(key.split(":")[1], f.read(), "the verification key is not on the server")
        r = sm("configtest", "-c", m.config_path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("audit sealing: on, epochs of 1 s; key %s at epoch 0" % self.seal_key, r.stdout)
        self.assertIn("audit anchors: signed by %s, sent to the operational log, %s" % (public, AUDITOR), r.stdout)

        self.stack.start()
        for i in range(3):
            mid = f"sealed-{i}@client.example"
            code, _ = self.stack.postfix.send(harness.make_message(
                mid, "ana@client.example", ["help@support.example.com"], f"Invoice {i}", "Hello, a question."),
                "ana@client.example", ["help@support.example.com"])
            self.assertEqual(code, 250)
            m.audit_for(mid)
        # Epochs of a second: seals come while the mail does, and while nothing comes.
        harness.wait_until(lambda: len(m.audit("seal")) >= 2, 20, "two seals", m.diagnostics)
        self.assertEqual(m.stop(), 0)
        seals = m.audit("seal")
        self.assertEqual(seals[-1]["reason"], "stop")
        self.assertEqual([s["epoch"] for s in seals], list(range(len(seals))))
        stop_seq = seals[-1]["seq"]
        with open(m.stderr_path, errors="replace") as f:
            logged = [line for line in f if "audit anchor {" in line]
        self.assertEqual(len(logged), 1, "the stop's anchor in the operational log")
        anchor = json.loads(logged[0][logged[0].index("{"):])
        self.assertEqual((anchor["seq"], anchor["reason"], anchor["epoch"]), (stop_seq, "stop", seals[-1]["epoch"]))

        # The stop's anchor went to Postfix while the milter was down: it waits there (Postfix's
        # milter_default_action is tempfail) and passes once the milter is back.
        # (Postfix's pickup looks at the maildrop again once a minute; the test asks it at once.)
        m.start()
        harness.run(["postkick", "-c", self.stack.postfix.dir, "public", "pickup", "W"])
        harness.wait_until(self.anchor_mail, 90, "the stop's anchor at the auditor's mailbox",
                           self.stack.diagnostics)
        self.assertEqual(m.stop(), 0)
        self.assertEqual(m.audit("seal")[-1]["reason"], "stop")

        # The auditor's mailbox, as a Maildir and as an mbox; the operational log as a file.
        maildir = os.path.join(self.stack.work.path, "auditor")
        os.makedirs(os.path.join(maildir, "new"))
        os.makedirs(os.path.join(maildir, "cur"))
        mbox = os.path.join(self.stack.work.path, "auditor.mbox")
        with open(mbox, "wb") as box:
            for i, path in enumerate(self.anchor_mail()):
                shutil.copy(path, os.path.join(maildir, "new", f"{i}.mx"))
                with open(path, "rb") as f:
                    box.write(b"From MAILER-DAEMON Mon Dec  7 10:00:00 2026\n" + f.read().replace(b"\r\n", b"\n") + b"\n")
        for source in (maildir, mbox, m.stderr_path):
            r = sm("audit", "verify", "--key", key, "--anchors", source, "--anchor-key", public, m.audit_path)
            self.assertEqual(r.returncode, 0, source + "\n" + r.stdout + r.stderr)
            self.assertRegex(r.stdout, r"(?m)^sealed up to epoch \d+ \(seq %d, " % len(m.audit()))
            self.assertRegex(r.stdout, r"(?m)^anchors matched up to seq %d " % (
                len(m.audit()) if source == m.stderr_path else stop_seq))

        # report says the same at the top of every format.
        r = sm("report", "--key", key, "--anchors", maildir, "--anchor-key", public, m.audit_path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout.splitlines()[1], r"^sealed up to epoch \d+ ")
        r = sm("report", "--format", "json", "--key", key, m.audit_path)
        chain = json.loads(r.stdout)["chain"]["instances"][0]
        self.assertTrue(chain["seals"]["checked"] and chain["seals"]["sealed"])
        self.assertEqual(chain["seals"]["unsealed_tail"], 0)
        r = sm("report", "--format", "csv", m.audit_path)
        self.assertIn("seals not checked (no verification key given)", r.stderr)

        # The log cut after the anchor: what the anchor names is gone.
        with open(m.audit_path) as f:
            lines = f.readlines()
        with open(m.audit_path, "w") as f:
            f.writelines(lines[:stop_seq - 2])
        r = sm("audit", "verify", "--key", key, "--anchors", maildir, "--anchor-key", public, m.audit_path)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("names seq %d, but the log ends at seq %d: the records after it are missing" % (
            stop_seq, stop_seq - 2), r.stdout)
        r = sm("report", "--key", key, "--anchors", maildir, "--anchor-key", public, m.audit_path)
        self.assertEqual(r.returncode, 65)
        self.assertTrue(r.stdout.startswith("WARNING: AUDIT CHAIN BROKEN"), r.stdout[:300])

    def test_without_keys_the_daemon_refuses_to_start_unsealed(self):
        # Sealing asked for and no key: no start (a log the auditor expects sealed is never
        # written unsealed); configtest says why.
        r = sm("configtest", "-c", self.stack.milter.config_path)
        self.assertEqual(r.returncode, 78)
        self.assertIn("audit.seal_key_file", r.stderr)
        proc = subprocess.run([harness.binary(), "run", "-c", self.stack.milter.config_path, "-f"],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 73, proc.stderr)
        self.assertIn("sealing key " + self.seal_key, proc.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
