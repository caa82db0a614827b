"""support-milter's life with a real Sendmail 8.17 (sendmail_stack.py), and the ways mail reaches it:
with `F=T` a milter that is down makes Sendmail tempfail, and after a restart everything sent
arrives (nothing lost); a command-line submission through submit.cf is checked because it relays
to the filtered daemon over SMTP; `sendmail -Am -t` (straight to the daemon's cf) skips milters;
a milter socket below a world-writable directory (/tmp) stops Sendmail from starting;
a submission with the null sender (`-f <>`, as support-milter's notices are sent) carries an
X-Authentication-Warning unless its user is in the submission program's trusted users."""

import os
import shutil
import subprocess
import tempfile
import unittest
import uuid

import harness
import sendmail_stack


def message(tag, sender="Ana <ana@client.example>", to="help@support.example.com", subject="Where is my order?"):
    mid = f"{tag}-{uuid.uuid4().hex[:10]}@client.example"
    return mid, harness.make_message(mid, sender, [to], subject, "Order 5521 has not arrived yet.\n\nAna")


class SendmailLifecycle(unittest.TestCase):
    def setUp(self):
        self.stack = sendmail_stack.Stack().start()

    def tearDown(self):
        self.stack.stop()

    def test_milter_down_tempfails_and_after_a_restart_nothing_is_lost(self):
        milter, sendmail = self.stack.milter, self.stack.sendmail
        self.assertEqual(milter.stop(), 0)
        # Over SMTP: the client is told to try again later.
        mid, data = message("smtp")
        code, text = sendmail.send(data, "ana@client.example", ["help@support.example.com"])
        self.assertEqual(code // 100, 4, f"expected a temporary failure, got {code} {text}")
        # On the command line: the submission program keeps the message in its own queue, because
        # the daemon it relays to tempfails.
        sub_mid, sub_data = message("submitted")
        r = sendmail.submit(sub_data, "-t")
        self.assertEqual(r.returncode, 0, r.stderr)
        harness.wait_until(lambda: sendmail.queue_files_with(sub_mid, sendmail.client_queue), 20,
                           "the submission in clientmqueue", self.stack.diagnostics)
        self.assertIsNone(self.stack.sink.find(mid))
        self.assertIsNone(self.stack.sink.find(sub_mid))
        self.assertEqual(milter.audit("message"), [])

        milter.start()
        code, text = sendmail.send(data, "ana@client.example", ["help@support.example.com"])
        self.assertEqual(code, 250, text)
        self.stack.wait_delivered(mid)
        # A run of the submission queue hands the kept message to the daemon again.
        r = sendmail.run("-q", cf=sendmail.submit_cf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.stack.wait_delivered(sub_mid)
        self.assertEqual(milter.audit_for(mid)["direction"], "inbound")
        self.assertEqual(milter.audit_for(sub_mid)["direction"], "inbound")
        self.assertEqual(sendmail.queue_files_with(sub_mid, sendmail.client_queue), [])

    def test_submission_through_submit_cf_is_checked_by_the_filtered_daemon(self):
        milter, sendmail = self.stack.milter, self.stack.sendmail
        milter.write_config(["support.example.com"], {"quoted-history": {"action": "annotate"}})
        milter.signal(harness.signal.SIGHUP)
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


if __name__ == "__main__":
    unittest.main(verbosity=2)
