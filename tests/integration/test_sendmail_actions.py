"""Every action through a real Sendmail 8.17 (sendmail_stack.py): annotate (the policy header at
the sink), fix (restored subject, added Cc and recipient), reject (550 with the text for the
agent), observe (nothing changes, the audit says what would have happened), hold (Sendmail's
quarantine, `mailq -qQ` shows the reason, released with `sendmail -qQ -qI<id>` or discarded by
removing its queue files), and the audit record with Sendmail's queue id and the direction. The
rules' config changes between tests by SIGHUP, which the audit log confirms."""

import os
import signal
import unittest
import uuid

import harness
import sendmail_stack

CUSTOMER_BODY = ("Hello,\n\nthe invoice 7731 lists the premium plan twice this month.\n"
                 "Could you remove the duplicate line and send a corrected invoice?\n\nAna Lopez")


class SendmailActions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = sendmail_stack.Stack().start()

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    def configure(self, rules, mode="enforce"):
        """Rewrites the milter's config and reloads it with SIGHUP; waits for the audit to confirm."""
        milter = self.stack.milter
        milter.write_config(["support.example.com"], rules, mode)
        before = len([r for r in milter.audit("config") if r.get("reload")])
        milter.signal(signal.SIGHUP)
        harness.wait_until(lambda: len([r for r in milter.audit("config") if r.get("reload")]) > before,
                           20, "the reload in the audit log", milter.diagnostics)

    def conversation(self):
        """Sends a customer message (with a Cc) and returns the ids the reply needs."""
        tag = uuid.uuid4().hex[:10]
        c1 = f"c-{tag}@client.example"
        subject = "Invoice 7731 lists the plan twice"
        code, text = self.stack.sendmail.send(harness.make_message(
            c1, "Ana Lopez <ana@client.example>", ["help@support.example.com"], subject, CUSTOMER_BODY,
            cc=["Bob Stone <bob@client.example>"]), "ana@client.example",
            ["help@support.example.com", "bob@client.example"])
        self.assertEqual(code, 250, text)
        self.stack.milter.audit_for(c1)
        return c1, subject, tag

    def bad_reply(self, c1, tag, subject, quote=False):
        """An agent reply that drops Bob and (by default) quotes nothing."""
        a1 = f"a-{tag}@support.example.com"
        body = "Hi Ana,\n\nthe corrected invoice is attached.\n\nSam\nExample Support, +1 555 0100"
        if quote:
            body += ("\n\nOn Mon, 2 Nov 2026 at 09:00, Ana Lopez <ana@client.example> wrote:\n"
                     + harness.quote(CUSTOMER_BODY))
        code, text = self.stack.sendmail.send(harness.make_message(
            a1, "Sam Agent <sam@support.example.com>", ["ana@client.example"], subject, body,
            in_reply_to=c1, references=[c1]), "sam@support.example.com", ["ana@client.example"])
        return a1, code, text

    def test_annotate_adds_the_policy_header(self):
        self.configure({"subject-continuity": {"action": "log"}, "reply-all": {"action": "annotate"},
                        "quoted-history": {"action": "annotate"}})
        c1, subject, tag = self.conversation()
        a1, code, text = self.bad_reply(c1, tag, "Re: " + subject)
        self.assertEqual(code, 250, text)
        msg = self.stack.wait_delivered(a1)
        self.assertEqual(msg["X-Support-Policy"], "fail=reply-all,quoted-history")
        self.assertEqual(msg["Subject"], "Re: " + subject)
        rec = self.stack.milter.audit_for(a1)
        self.assertEqual(rec["action"], "annotate")
        self.assertEqual(sorted(f["rule"] for f in rec["findings"] if f["result"] == "fail" and f["action"] != "log"),
                         ["quoted-history", "reply-all"])

    def test_fix_restores_subject_and_adds_the_dropped_cc(self):
        self.configure({"subject-continuity": {"action": "fix"}, "reply-all": {"action": "fix"},
                        "quoted-history": {"action": "log"}})
        c1, subject, tag = self.conversation()
        a1, code, text = self.bad_reply(c1, tag, "Corrected invoice", quote=True)
        self.assertEqual(code, 250, text)
        msg = self.stack.wait_delivered(a1)
        self.assertEqual(msg["Subject"], "Re: " + subject)
        self.assertIn("bob@client.example", str(msg["Cc"]))
        # Sendmail delivered to the recipient the milter added (smfi_addrcpt) too.
        self.assertEqual(harness.Sink.envelope_recipients(msg), ["ana@client.example", "bob@client.example"])
        self.assertIn("fixed=subject-continuity,reply-all", msg["X-Support-Policy"])
        self.assertEqual(self.stack.milter.audit_for(a1)["action"], "fix")

    def test_reject_tells_the_agent_what_to_fix(self):
        self.configure({"reply-all": {"action": "reject"}})
        c1, subject, tag = self.conversation()
        a1, code, text = self.bad_reply(c1, tag, "Re: " + subject, quote=True)
        self.assertEqual(code, 550)
        self.assertIn("5.7.1", text)
        self.assertIn("reply-all: add bob@client.example to Cc", text)
        self.assertEqual(self.stack.milter.audit_for(a1)["action"], "reject")
        self.assertEqual(self.stack.sendmail.queue_files_with(a1), [], "nothing of the rejected reply stays queued")
        self.assertIsNone(self.stack.sink.find(a1))

    def test_observe_changes_nothing_and_logs_what_would_happen(self):
        self.configure({"subject-continuity": {"action": "fix"}, "reply-all": {"action": "reject"}}, mode="observe")
        c1, subject, tag = self.conversation()
        a1, code, text = self.bad_reply(c1, tag, "Corrected invoice")
        self.assertEqual(code, 250, text)
        msg = self.stack.wait_delivered(a1)
        self.assertEqual(msg["Subject"], "Corrected invoice")
        self.assertIsNone(msg["X-Support-Policy"])
        self.assertEqual(harness.Sink.envelope_recipients(msg), ["ana@client.example"])
        rec = self.stack.milter.audit_for(a1)
        self.assertEqual(rec["action"], "accept")
        self.assertEqual(rec["would"], "reject")
        self.assertEqual(rec["mode"], "observe")

    def test_audit_record_carries_sendmails_queue_id_and_the_direction(self):
        self.configure({"reply-all": {"action": "annotate"}})
        tag = uuid.uuid4().hex[:10]
        c1 = f"c-{tag}@client.example"
        code, text = self.stack.sendmail.send(harness.make_message(
            c1, "Ana Lopez <ana@client.example>", ["help@support.example.com"], "Order 5521", CUSTOMER_BODY),
            "ana@client.example", ["help@support.example.com"])
        self.assertEqual(code, 250, text)
        qid = sendmail_stack.queue_id_of(text)
        self.assertIsNotNone(qid, text)
        rec = self.stack.milter.audit_for(c1)
        self.assertEqual(rec["queue_id"], qid)
        self.assertEqual(rec["direction"], "inbound")
        a1, code, text = self.bad_reply(c1, tag, "Re: Order 5521", quote=True)
        self.assertEqual(code, 250, text)
        rec = self.stack.milter.audit_for(a1)
        self.assertEqual(rec["queue_id"], sendmail_stack.queue_id_of(text))
        self.assertEqual(rec["direction"], "outbound")
        # The same id is the one in Sendmail's Received: line of the delivered copy.
        msg = self.stack.wait_delivered(a1)
        self.assertIn(f"id {rec['queue_id']}", " ".join(msg.get_all("Received")))

    def held_reply(self):
        """A reply held by reply-all: its audit record, once `mailq -qQ` lists it with the reason."""
        self.configure({"reply-all": {"action": "hold"}})
        c1, subject, tag = self.conversation()
        a1, code, text = self.bad_reply(c1, tag, "Re: " + subject, quote=True)
        self.assertEqual(code, 250, text)
        rec = self.stack.milter.audit_for(a1)
        self.assertEqual(rec["action"], "hold")
        self.assertEqual(rec["queue_id"], sendmail_stack.queue_id_of(text))
        sendmail = self.stack.sendmail
        held = harness.wait_until(lambda: sendmail.mailq("-qQ").get(rec["queue_id"]), 20,
                                  "the reply in the quarantine", self.stack.diagnostics)
        # mailq cuts the reason at its column width.
        self.assertTrue(held["quarantine"].startswith("support-milter: reply-all; dropped from the conversation"),
                        held["quarantine"])
        self.assertTrue(rec["hold_reason"].startswith(held["quarantine"]))
        self.assertNotIn(rec["queue_id"], sendmail.mailq(), "a quarantined message is not in the plain listing")
        self.assertIsNone(self.stack.sink.find(a1))
        return a1, rec

    def test_hold_quarantines_and_a_quarantine_queue_run_delivers(self):
        a1, rec = self.held_reply()
        # A queue run over the quarantine, for this id, delivers the message as it is.
        r = self.stack.sendmail.run("-qQ", f"-qI{rec['queue_id']}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.stack.wait_delivered(a1)
        self.assertNotIn(rec["queue_id"], self.stack.sendmail.mailq("-qQ"))

    def test_hold_then_unquarantine_and_a_queue_run_delivers(self):
        a1, rec = self.held_reply()
        qid = rec["queue_id"]
        sendmail = self.stack.sendmail
        # -Q without a reason takes the quarantine off; -qQ selects among quarantined messages
        # (-Q -qI<id> alone matches nothing: it looks in the plain queue).
        r = sendmail.run("-Q", "-qQ", f"-qI{qid}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sendmail.mailq("-qQ"), {})
        self.assertIsNone(sendmail.mailq()[qid]["quarantine"])
        self.assertIsNone(self.stack.sink.find(a1), "taking the quarantine off does not deliver by itself")
        r = sendmail.run(f"-qI{qid}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.stack.wait_delivered(a1)
        harness.wait_until(lambda: qid not in sendmail.mailq(), 20, "the delivered message to leave the queue",
                           self.stack.diagnostics)

    def test_hold_then_discard_by_removing_the_queue_files(self):
        a1, rec = self.held_reply()
        qid = rec["queue_id"]
        sendmail = self.stack.sendmail
        # Sendmail has no command that deletes a message: a quarantined one is its hf (the
        # quarantined qf) and df files, which no queue run without -qQ touches.
        files = sorted(os.listdir(sendmail.queue))
        self.assertEqual([f for f in files if f.endswith(qid)], ["df" + qid, "hf" + qid])
        for f in ("hf" + qid, "df" + qid):
            os.unlink(os.path.join(sendmail.queue, f))
        self.assertNotIn(qid, sendmail.mailq("-qQ"))
        r = sendmail.run("-qQ")  # a run over the whole quarantine finds nothing to deliver
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIsNone(self.stack.sink.find(a1))


if __name__ == "__main__":
    unittest.main(verbosity=2)
