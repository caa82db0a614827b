"""support-milter's life with a real MTA, the same cases against Postfix (harness.py) and Sendmail
8.17 (sendmail_stack.py): reload on SIGHUP (a bad file keeps the running config); a milter that is
down makes the MTA defer (Postfix's default_action tempfail, Sendmail's `F=T`) and after a restart
everything sent arrives (nothing is lost); SIGTERM stops cleanly with an intact audit chain, and a
changed record is caught.

Then what only Sendmail has, and the ways mail reaches it: a command-line submission while the
milter is down waits in the submission queue; one through submit.cf is checked because it relays
to the filtered daemon over SMTP; `sendmail -Am -t` (straight to the daemon's cf) skips milters; a
milter socket below a world-writable directory (/tmp) stops Sendmail from starting; a submission
with the null sender (`-f <>`, as support-milter's notices are sent) carries an
X-Authentication-Warning unless its user is in the submission program's trusted users. And, with
no MTA: running as root without a user to switch to is refused.

Run one MTA's cases by naming its classes: test_mta_lifecycle.py PostfixLifecycle Privileges (or
SendmailLifecycle UnsafeSocketDirectory)."""

import os
import shutil
import signal
import subprocess
import tempfile
import unittest
import uuid

import harness
import sendmail_stack


def message(tag, sender="Ana <ana@client.example>", to="help@support.example.com", subject="Where is my order?"):
    mid = f"{tag}-{uuid.uuid4().hex[:10]}@client.example"
    return mid, harness.make_message(mid, sender, [to], subject, "Order 5521 has not arrived yet.\n\nAna")


class MtaLifecycle:
    """The cases every MTA runs, each on a fresh stack; a subclass names its stack (`make_stack`)
    and what else its MTA does while the milter is down and after its restart."""

    def setUp(self):
        self.stack = self.make_stack().start()

    def tearDown(self):
        self.stack.stop()

    def send(self, data):
        return self.stack.send(data, "ana@client.example", ["help@support.example.com"])

    def reload_count(self, ok):
        return len([r for r in self.stack.milter.audit("config") if r.get("reload") is ok])

    def while_down(self):
        """What else the MTA is given while the milter is down; returns what `after_restart` checks."""

    def after_restart(self, kept):
        """What else arrives once the milter is back (`kept`: what while_down returned)."""

    def test_reload_applies_a_good_config_and_keeps_the_old_on_a_bad_one(self):
        milter = self.stack.milter
        milter.write_config(["support.example.com"], {}, mode="observe")
        milter.signal(signal.SIGHUP)
        harness.wait_until(lambda: self.reload_count(True) == 1, 20, "the reload", milter.diagnostics)
        mid, data = message("observe")
        self.send(data)
        self.assertEqual(milter.audit_for(mid)["mode"], "observe")

        with open(milter.config_path, "w") as f:
            f.write("[rules]\nmode = \"sometimes\"\n")
        milter.signal(signal.SIGHUP)
        bad = harness.wait_until(lambda: [r for r in milter.audit("config") if r.get("reload") is False],
                                 20, "the refused reload", milter.diagnostics)
        self.assertIn("support-milter.conf:2: rules.mode", bad[0]["error"])
        mid2, data2 = message("still-observe")
        code, text = self.send(data2)
        self.assertEqual(code, 250, text)
        self.assertEqual(milter.audit_for(mid2)["mode"], "observe", "the running config stayed")
        self.assertIsNone(milter.proc.poll(), "the daemon kept running")

    def test_milter_down_defers_and_after_a_restart_nothing_is_lost(self):
        milter = self.stack.milter
        self.assertEqual(milter.stop(), 0)
        # Over SMTP: the client is told to try again later.
        mid, data = message("deferred")
        code, text = self.send(data)
        self.assertEqual(code // 100, 4, f"expected a temporary failure, got {code} {text}")
        kept = self.while_down()
        self.assertIsNone(self.stack.sink.find(mid))
        self.assertEqual(milter.audit("message"), [])

        milter.start()
        code, text = self.send(data)
        self.assertEqual(code, 250, text)
        self.stack.wait_delivered(mid)
        self.assertEqual(milter.audit_for(mid)["direction"], "inbound")
        self.after_restart(kept)

    def test_sigterm_stops_cleanly_and_the_audit_chain_verifies(self):
        milter = self.stack.milter
        for i in range(5):
            mid, data = message(f"m{i}")
            self.send(data)
            milter.audit_for(mid)
        self.assertEqual(milter.stop(), 0)
        stops = milter.audit("stop")
        self.assertEqual(len(stops), 1)
        self.assertEqual(stops[0]["in_flight"], 0)
        r = subprocess.run([harness.binary(), "audit", "verify", milter.audit_path], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("ok: 7 records", r.stdout)  # start, five messages, stop
        # Tampering is caught.
        with open(milter.audit_path) as f:
            lines = f.readlines()
        lines[2] = lines[2].replace('"inbound"', '"outbound"')
        with open(milter.audit_path, "w") as f:
            f.writelines(lines)
        r = subprocess.run([harness.binary(), "audit", "verify", milter.audit_path], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn(":4: seq 4: the record before it was changed", r.stdout)


class PostfixLifecycle(MtaLifecycle, unittest.TestCase):
    @classmethod
    def make_stack(cls):
        return harness.Stack()


class SendmailLifecycle(MtaLifecycle, unittest.TestCase):
    @classmethod
    def make_stack(cls):
        return sendmail_stack.Stack()

    def while_down(self):
        # On the command line: the submission program keeps the message in its own queue, because
        # the daemon it relays to tempfails.
        sendmail = self.stack.sendmail
        sub_mid, sub_data = message("submitted")
        r = sendmail.submit(sub_data, "-t")
        self.assertEqual(r.returncode, 0, r.stderr)
        harness.wait_until(lambda: sendmail.queue_files_with(sub_mid, sendmail.client_queue), 20,
                           "the submission in clientmqueue", self.stack.diagnostics)
        self.assertIsNone(self.stack.sink.find(sub_mid))
        return sub_mid

    def after_restart(self, sub_mid):
        # A run of the submission queue hands the kept message to the daemon again.
        sendmail = self.stack.sendmail
        r = sendmail.run("-q", cf=sendmail.submit_cf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.stack.wait_delivered(sub_mid)
        self.assertEqual(self.stack.milter.audit_for(sub_mid)["direction"], "inbound")
        self.assertEqual(sendmail.queue_files_with(sub_mid, sendmail.client_queue), [])

    def test_submission_through_submit_cf_is_checked_by_the_filtered_daemon(self):
        milter, sendmail = self.stack.milter, self.stack.sendmail
        milter.write_config(["support.example.com"], {"quoted-history": {"action": "annotate"}})
        milter.signal(signal.SIGHUP)
        harness.wait_until(lambda: [r for r in milter.audit("config") if r.get("reload")], 20, "the reload",
                           milter.diagnostics)
        c1, data = message("customer")
        code, text = sendmail.send(data, "ana@client.example", ["help@support.example.com"])
        self.assertEqual(code, 250, text)
        milter.audit_for(c1)
        # A helpdesk application answers on the command line, quoting nothing.
        mid = f"app-{uuid.uuid4().hex[:10]}@support.example.com"
        data = harness.make_message(mid, "Helpdesk <helpdesk@support.example.com>", ["ana@client.example"],
                                    "Re: Where is my order?", "Hi Ana,\n\nthe order ships today.\n\nSam",
                                    in_reply_to=c1, references=[c1])
        r = sendmail.submit(data, "-t")
        self.assertEqual(r.returncode, 0, r.stderr)
        msg = self.stack.wait_delivered(mid)
        self.assertEqual(msg["X-Support-Policy"], "fail=quoted-history")
        rec = milter.audit_for(mid)
        self.assertEqual(rec["direction"], "outbound")
        self.assertEqual(rec["action"], "annotate")
        # The record has the daemon's queue id, not the submission program's.
        received = [" ".join(h.split()) for h in msg.get_all("Received")]
        daemon = [h for h in received if "with ESMTP id" in h and "smtp-sink" not in h]
        submit = [h for h in received if "/Submit) id" in h]
        self.assertEqual(len(daemon), 1, received)
        self.assertEqual(len(submit), 1, received)
        self.assertIn(f"with ESMTP id {rec['queue_id']} ", daemon[0])
        self.assertNotIn(rec["queue_id"], submit[0])

    def test_sendmail_am_t_skips_the_milters(self):
        milter, sendmail = self.stack.milter, self.stack.sendmail
        mid, data = message("mta-mode")
        # -Am: the daemon's own cf, without an SMTP hop: Sendmail calls milters only for SMTP.
        r = sendmail.run("-Am", "-t", "-oi", data=data)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.stack.wait_delivered(mid)
        self.assertEqual([rec for rec in milter.audit("message") if rec.get("message_id") == mid], [])
        # The same message through submit.cf is checked.
        mid2, data2 = message("msp-mode")
        r = sendmail.submit(data2, "-t")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.stack.wait_delivered(mid2)
        self.assertEqual(milter.audit_for(mid2)["direction"], "inbound")

    def test_only_a_trusted_user_sets_the_null_sender_without_a_warning(self):
        """support-milter's notices are submitted by its own user with -f <>, as here."""
        sendmail = self.stack.sendmail
        got = {}
        for cf in (sendmail.submit_cf, sendmail.trusted_submit_cf):
            mid, data = message("notice", sender="support-milter <postmaster@support.example.com>",
                                to="lead@support.example.com", subject="Held: reply-all")
            r = sendmail.submit(data, "-f", "<>", "-t", user=harness.UNPRIVILEGED, cf=cf)
            self.assertEqual(r.returncode, 0, r.stderr)
            got[cf] = self.stack.wait_delivered(mid)
        def sender_warnings(msg):
            # (Both carry "Processed by ... with -C": a private cf; the installed one needs no -C.)
            return [w for w in msg.get_all("X-Authentication-Warning") or [] if "set sender to" in w]
        self.assertEqual(sender_warnings(got[sendmail.submit_cf]),
                         [f"{sendmail_stack.HOSTNAME}: {harness.UNPRIVILEGED} set sender to <> using -f"])
        self.assertEqual(sender_warnings(got[sendmail.trusted_submit_cf]), [])
        for msg in got.values():
            self.assertEqual(msg["X-Mail-Args"].split()[0], "<>", "the null sender reached the next hop")


class UnsafeSocketDirectory(unittest.TestCase):
    """Sendmail's: it refuses a milter socket below a world-writable directory."""

    def test_a_socket_under_a_world_writable_directory_stops_sendmail(self):
        sendmail_stack.debs()
        self.assertTrue(os.stat("/tmp").st_mode & 0o002, "/tmp is world-writable")
        work = harness.Workdir()
        sink = harness.Sink(work)
        socket_dir = tempfile.mkdtemp(prefix="support-milter-socket-", dir="/tmp")
        os.chmod(socket_dir, 0o755)  # the directory itself is safe; /tmp above it is not
        path = os.path.join(socket_dir, "support-milter.sock")
        milter = harness.Milter(work, socket_path=path)
        sendmail = sendmail_stack.Sendmail(sink, milter_socket="local:" + path)
        try:
            milter.start()
            sendmail.configure()
            r = subprocess.run(sendmail.command("-bD", "-C", sendmail.cf), env=sendmail.env(),
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 71, r.stdout + r.stderr)  # EX_OSERR: the daemon does not start
            self.assertIn(f"Xsupport-milter: local socket name {path} unsafe: World writable directory",
                          r.stdout + r.stderr)
        finally:
            milter.stop()
            sendmail.remove()
            shutil.rmtree(socket_dir, ignore_errors=True)
            work.remove()


class Privileges(unittest.TestCase):
    """No MTA: the daemon's own check before it starts."""

    def test_root_without_a_user_is_refused(self):
        if os.geteuid() != 0:
            self.skipTest("needs root")
        work = harness.Workdir("support-milter-root")
        try:
            conf = os.path.join(work.path, "root.conf")
            with open(conf, "w") as f:
                f.write('[milter]\nsocket = "inet:%d@127.0.0.1"\n' % harness.free_port())
            r = subprocess.run([harness.binary(), "run", "-c", conf, "-f"], capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 77)
            self.assertIn("refusing to run as root", r.stderr)
        finally:
            work.remove()


if __name__ == "__main__":
    unittest.main(verbosity=2)
