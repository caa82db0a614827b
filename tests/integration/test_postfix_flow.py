"""support-milter inside a real Postfix: mail passes, the milter sees it, threads form, broken
mail still gets through, mail from sendmail (pickup) is seen too."""

import os
import unittest
import uuid

import harness

DATA = os.path.join(harness.ROOT, "tests", "data")


def uid(tag):
    return f"{tag}-{uuid.uuid4().hex[:12]}@client.example"


class PostfixFlow(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = harness.Stack().start()

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    def test_mail_passes_and_is_audited_with_the_queue_id(self):
        code, _ = self.stack.postfix.send_file(os.path.join(DATA, "conversations", "en", "01-customer.eml"))
        self.assertEqual(code, 250)
        msg = self.stack.wait_delivered("en-c1@client.example")
        self.assertEqual(msg["Subject"], "Invoice 4471 charged twice")
        self.assertEqual(harness.Sink.envelope_recipients(msg), ["bob@client.example", "support@support.example.com"])
        rec = self.stack.milter.audit_for("en-c1@client.example")
        self.assertEqual(rec["direction"], "inbound")
        self.assertEqual(rec["action"], "accept")
        self.assertIn(rec["queue_id"], self.stack.postfix.queue_ids_for("en-c1@client.example"))
        self.assertEqual(len(rec["config"]), 64)

    def test_conversation_forms_one_thread(self):
        c1, a1 = uid("cust"), uid("agent").replace("client.example", "support.example.com")
        body = "Our export to CSV fails since this morning.\nThe file is empty, every time.\n\nAna"
        self.stack.postfix.send(harness.make_message(
            c1, "Ana <ana@client.example>", ["help@support.example.com"], "CSV export fails", body),
            "ana@client.example", ["help@support.example.com"])
        reply = ("Hi Ana,\n\nwe fixed the export; please try again.\n\nSam\n\n"
                 "On Mon, 2 Nov 2026 at 09:00, Ana <ana@client.example> wrote:\n" + harness.quote(body))
        self.stack.postfix.send(harness.make_message(
            a1, "Sam <sam@support.example.com>", ["ana@client.example"], "Re: CSV export fails", reply,
            in_reply_to=c1, references=[c1]), "sam@support.example.com", ["ana@client.example"])
        first = self.stack.milter.audit_for(c1)
        second = self.stack.milter.audit_for(a1)
        self.assertEqual(first["direction"], "inbound")
        self.assertEqual(second["direction"], "outbound")
        self.assertEqual(first["thread_id"], second["thread_id"])
        self.assertEqual([f for f in second["findings"] if f["result"] == "fail" and f["action"] != "log"], [], second)
        for rule in ("quoted-history", "reply-all", "subject-continuity"):
            self.assertIn(rule, second["passed"])
        self.stack.wait_delivered(a1)

    def test_broken_message_still_passes(self):
        marker = uuid.uuid4().hex
        broken = (b"From: =?bogus-charset?B?!!!?= <\xff\xfe@client.example>\r\n"
                  b"To: help@support.example.com\r\n"
                  b"Subject: =?utf-8?q?broken=ZZ?= " + marker.encode() + b"\r\n"
                  b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
                  b"Content-Transfer-Encoding: base64\r\n"
                  b"X-Garbage \x01\x02 no colon here\r\n"
                  b"\r\n"
                  b"--b1\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\n\xe9t\xe9 \x00 broken\r\n"
                  b"--b1\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1--\r\n")
        code, _ = self.stack.postfix.send(broken, "someone@client.example", ["help@support.example.com"])
        self.assertEqual(code, 250)
        msg = harness.wait_until(
            lambda: next((m for m in self.stack.sink.messages() if marker in str(m.get("Subject", ""))), None),
            30, "the broken message at the sink", self.stack.diagnostics)
        self.assertIsNotNone(msg)
        records = harness.wait_until(
            lambda: [r for r in self.stack.milter.audit("message") if marker in r.get("message_id", "") or
                     r.get("queue_id") in self.stack.postfix.queue_ids_for(msg["Message-ID"].strip("<>"))],
            20, "an audit record for the broken message", self.stack.diagnostics)
        self.assertIn(records[0]["action"], ("accept", "annotate"))

    def test_sendmail_submission_is_seen(self):
        mid = uid("pickup")
        data = harness.make_message(mid, "Ana <ana@client.example>", ["help@support.example.com"],
                                    "Submitted by a helpdesk app", "Hello from sendmail.")
        r = self.stack.postfix.sendmail(data, ["help@support.example.com"])
        self.assertEqual(r.returncode, 0, r.stderr)
        rec = self.stack.milter.audit_for(mid)
        self.assertEqual(rec["direction"], "inbound")
        self.stack.wait_delivered(mid)


if __name__ == "__main__":
    unittest.main(verbosity=2)
