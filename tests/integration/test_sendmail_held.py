"""The admin tools on a real Sendmail 8.17 (sendmail_stack.py), with `[mta] kind = "sendmail"`:
a reply held by reply-all (Sendmail's quarantine) shows in `support-milter held`, text and JSON,
with its finding from the audit log; `release` takes it out of quarantine, it reaches the sink and
the release record has the clock's figures; `discard` removes another from the queue, writes its
record, and nothing is delivered. An id that is not quarantined is refused, saying so, and so is
one that Sendmail's -qI would match in other ids too. A message taken out of quarantine with
Sendmail's own `-Q -qQ -qI<id>` gets a release record by "mta" within a sweep (sla.sweep_seconds =
1); one whose queue files are removed by hand a discard record by "mta" that says nothing told how
it left (Sendmail logs no deletion, and this Sendmail logs to no file)."""

import json
import os
import signal
import unittest
import uuid

import harness
import sendmail_stack

CUSTOMER_BODY = ("Hello,\n\nthe invoice 7731 lists the premium plan twice this month.\n"
                 "Could you remove the duplicate line and send a corrected invoice?\n\nAna Lopez")


class SendmailHeld(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = sendmail_stack.Stack().start()
        sendmail = cls.stack.sendmail
        # The admin tools run this Sendmail as the tests do: its libraries, its UTS namespace.
        command = ["/usr/bin/env", f"LD_LIBRARY_PATH={sendmail.libs}", *sendmail.command()]
        mta = ("[sla]\nsweep_seconds = 1\n[mta]\n"
               'kind = "sendmail"\n'
               f"sendmail_command = {json.dumps(command)}\n"
               f'sendmail_config = "{sendmail.cf}"\n')
        # The daemon's sweep lists the queue directory as its user, through the directory's group
        # (Sendmail's files stay 0600: a quarantined message is known by its hf file's name).
        os.chown(sendmail.queue, -1, harness.pwd.getpwnam(harness.UNPRIVILEGED).pw_gid)
        os.chmod(sendmail.queue, 0o750)
        milter = cls.stack.milter
        milter.write_config(["support.example.com"], {"reply-all": {"action": "hold"}}, extra=mta)
        before = len([r for r in milter.audit("config") if r.get("reload")])
        milter.signal(signal.SIGHUP)
        harness.wait_until(lambda: len([r for r in milter.audit("config") if r.get("reload")]) > before,
                           20, "the reload in the audit log", milter.diagnostics)

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    def cli(self, *args):
        return harness.run([harness.binary(), *args, "-c", self.stack.milter.config_path], check=False)

    def admin(self, *args):
        r = self.cli(*args)
        if r.returncode != 0:
            self.fail(f"support-milter {' '.join(args)} exited {r.returncode}\n{r.stdout}{r.stderr}\n"
                      f"{self.stack.diagnostics()}")
        return r

    def held_reply(self):
        """A customer message with a Cc, then an agent's reply that drops the Cc: reply-all holds
        it. Returns its Message-ID and audit record once `mailq -qQ` lists it."""
        tag = uuid.uuid4().hex[:10]
        c1, a1 = f"c-{tag}@client.example", f"a-{tag}@support.example.com"
        sendmail = self.stack.sendmail
        code, text = sendmail.send(harness.make_message(
            c1, "Ana Lopez <ana@client.example>", ["help@support.example.com"], "Invoice 7731", CUSTOMER_BODY,
            cc=["Bob Stone <bob@client.example>"]), "ana@client.example",
            ["help@support.example.com", "bob@client.example"])
        self.assertEqual(code, 250, text)
        self.stack.milter.audit_for(c1)
        body = ("Hi Ana,\n\nthe corrected invoice is attached.\n\nSam\nExample Support, +1 555 0100\n\n"
                "On Mon, 2 Nov 2026 at 09:00, Ana Lopez <ana@client.example> wrote:\n" + harness.quote(CUSTOMER_BODY))
        code, text = sendmail.send(harness.make_message(
            a1, "Sam Agent <sam@support.example.com>", ["ana@client.example"], "Re: Invoice 7731", body,
            in_reply_to=c1, references=[c1]), "sam@support.example.com", ["ana@client.example"])
        self.assertEqual(code, 250, text)
        rec = self.stack.milter.audit_for(a1)
        self.assertEqual(rec["action"], "hold")
        self.assertEqual(rec["queue_id"], sendmail_stack.queue_id_of(text))
        harness.wait_until(lambda: sendmail.mailq("-qQ").get(rec["queue_id"]), 20, "the reply in the quarantine",
                           self.stack.diagnostics)
        return a1, rec

    def listed(self, qid):
        return [h for h in json.loads(self.admin("held", "--json").stdout) if h["queue_id"] == qid]

    def test_held_lists_the_quarantine_and_release_delivers_with_an_audit_record(self):
        a1, rec = self.held_reply()
        qid = rec["queue_id"]
        [entry] = self.listed(qid)
        self.assertTrue(entry["audited"])
        self.assertEqual(entry["message_id"], a1)
        self.assertEqual(entry["sender"], "sam@support.example.com")
        self.assertEqual(entry["recipients"], ["ana@client.example"])
        self.assertGreater(entry["message_size"], 0)
        self.assertEqual([f["rule"] for f in entry["findings"]], ["reply-all"])
        self.assertIn("bob@client.example", entry["findings"][0]["detail"])
        text = self.admin("held").stdout
        self.assertIn(qid, text)
        self.assertIn("rule reply-all:", text)

        r = self.admin("release", qid, "--by", "lead", "--reason", "Bob left the project")
        self.assertIn(f"{qid} released", r.stdout)
        self.stack.wait_delivered(a1)
        self.assertNotIn(qid, self.stack.sendmail.mailq("-qQ"))
        self.assertEqual(self.listed(qid), [])
        [release] = [r for r in self.stack.milter.audit("release") if r.get("queue_id") == qid]
        self.assertEqual(release["message_id"], a1)
        self.assertEqual(release["by"], "lead")
        self.assertEqual(release["reason"], "Bob left the project")
        self.assertEqual(release["rules"], ["reply-all"])
        self.assertIs(release["sla"]["released"], True)
        self.assertNotEqual(release["sla"].get("status"), "unknown", release["sla"])

        # Released once, it is not held any more.
        r = self.cli("release", qid, "--by", "lead", "--reason", "again")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(f"{qid} is not in Sendmail's queue", r.stderr)

    def test_discard_removes_the_queue_files_and_nothing_is_delivered(self):
        a1, rec = self.held_reply()
        qid = rec["queue_id"]
        sendmail = self.stack.sendmail
        self.assertEqual(sorted(f for f in os.listdir(sendmail.queue) if f.endswith(qid)), ["df" + qid, "hf" + qid])
        r = self.admin("discard", qid, "--by", "lead", "--reason", "sent to the wrong customer")
        self.assertIn(f"{qid} discarded", r.stdout)
        self.assertEqual([f for f in os.listdir(sendmail.queue) if f.endswith(qid)], [])
        [discard] = [r for r in self.stack.milter.audit("discard") if r.get("queue_id") == qid]
        self.assertEqual(discard["message_id"], a1)
        self.assertEqual(discard["sla"], {"status": "not_sent", "reason": "discarded"})
        # A run over the whole quarantine and one over the queue find nothing of it to deliver.
        for args in (("-qQ",), ("-q",)):
            r = sendmail.run(*args)
            self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIsNone(self.stack.sink.find(a1))

    def test_release_refuses_an_id_that_selects_other_messages_too(self):
        # sendmail -qI<id> selects every id containing <id>: a quarantined message whose id
        # contains the one given would be released with it.
        a1, rec = self.held_reply()
        qid = rec["queue_id"]
        queue = self.stack.sendmail.queue
        longer = qid + "7"
        for kind in ("hf", "df"):
            with open(os.path.join(queue, kind + qid), "rb") as src, open(os.path.join(queue, kind + longer), "wb") as dst:
                dst.write(src.read())
        try:
            r = self.cli("release", qid, "--by", "lead", "--reason", "checked")
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn(f"would also release {longer}", r.stderr)
            self.assertEqual({qid, longer} & set(self.stack.sendmail.mailq("-qQ")), {qid, longer})
            self.assertEqual([r for r in self.stack.milter.audit("release") if r.get("queue_id") == qid], [])
        finally:
            for kind in ("hf", "df"):
                os.unlink(os.path.join(queue, kind + longer))
        self.admin("discard", qid, "--by", "lead", "--reason", "test done")
        self.assertIsNone(self.stack.sink.find(a1))

    def test_an_id_that_is_not_quarantined_is_refused(self):
        r = self.cli("discard", "6B1FFpOq017336", "--by", "lead", "--reason", "typo")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("6B1FFpOq017336 is not in Sendmail's queue", r.stderr)
        r = self.cli("release", "-rf", "--by", "lead", "--reason", "typo")
        self.assertNotEqual(r.returncode, 0)


    def settle_records(self, qid):
        return [r for r in self.stack.milter.audit() if r.get("event") in ("release", "discard")
                and r.get("queue_id") == qid]

    def test_sendmails_own_release_is_settled_by_the_sweep(self):
        a1, rec = self.held_reply()
        qid = rec["queue_id"]
        sendmail = self.stack.sendmail
        r = sendmail.run("-Q", "-qQ", f"-qI{qid}")  # the quarantine off; it waits in the queue as qf
        self.assertEqual(r.returncode, 0, r.stderr)
        [release] = harness.wait_until(lambda: self.settle_records(qid), 30, "the release record by mta",
                                       self.stack.diagnostics)
        self.assertEqual(release["event"], "release")
        self.assertEqual(release["by"], "mta")
        self.assertEqual(release["evidence"], "queue")
        self.assertEqual(release["message_id"], a1)
        self.assertEqual(release["rules"], ["reply-all"])
        self.assertTrue(release["sla"]["released"], release)
        self.assertEqual(self.listed(qid), [])
        r = sendmail.run(f"-qI{qid}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.stack.wait_delivered(a1)
        self.assertEqual(len(self.settle_records(qid)), 1)
        r = harness.run([harness.binary(), "audit", "verify", self.stack.milter.audit_path], check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_queue_files_removed_by_hand_are_counted_as_discarded(self):
        a1, rec = self.held_reply()
        qid = rec["queue_id"]
        sendmail = self.stack.sendmail
        for f in ("hf" + qid, "df" + qid):
            os.unlink(os.path.join(sendmail.queue, f))
        [discard] = harness.wait_until(lambda: self.settle_records(qid), 30, "the discard record by mta",
                                       self.stack.diagnostics)
        self.assertEqual(discard["event"], "discard")
        self.assertEqual(discard["by"], "mta")
        self.assertEqual(discard["evidence"], "none")
        self.assertIn("counted as discarded", discard["reason"])
        self.assertEqual(discard["sla"], {"status": "not_sent", "reason": "discarded"})
        self.assertEqual(self.listed(qid), [])
        self.assertIsNone(self.stack.sink.find(a1))


if __name__ == "__main__":
    unittest.main(verbosity=2)
