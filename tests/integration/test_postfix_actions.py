"""Every action through a real Postfix: annotate (headers at the sink), fix (restored subject,
added Cc and recipient), hold (Postfix's hold queue), reject (550 with the text for the agent),
observe (nothing changes, the audit says what would have happened), and notices on hold.
The rules' config changes between tests by SIGHUP, which the audit log confirms."""

import base64
import signal
import unittest
import uuid

import harness

CUSTOMER_BODY = ("Hello,\n\nthe invoice 7731 lists the premium plan twice this month.\n"
                 "Could you remove the duplicate line and send a corrected invoice?\n\nAna Lopez")


class PostfixActions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = harness.Stack().start()
        cls.reloads = 0

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    def configure(self, rules, mode="enforce", extra=""):
        """Rewrites the milter's config and reloads it with SIGHUP; waits for the audit to confirm."""
        milter = self.stack.milter
        milter.write_config(["support.example.com"], rules, mode, extra)
        before = len([r for r in milter.audit("config") if r.get("reload")])
        milter.signal(signal.SIGHUP)
        harness.wait_until(lambda: len([r for r in milter.audit("config") if r.get("reload")]) > before,
                           20, "the reload in the audit log", milter.diagnostics)

    def conversation(self, lang="en"):
        """Sends a customer message (with a Cc) and returns the ids the reply needs."""
        tag = uuid.uuid4().hex[:10]
        c1 = f"c-{tag}@client.example"
        subjects = {"en": "Invoice 7731 lists the plan twice", "ru": "Счёт 7731: тариф указан дважды",
                    "es": "Factura 7731: el plan aparece dos veces"}
        subject = subjects[lang]
        self.stack.postfix.send(harness.make_message(
            c1, "Ana Lopez <ana@client.example>", ["help@support.example.com"], subject, CUSTOMER_BODY,
            cc=["Bob Stone <bob@client.example>"]), "ana@client.example",
            ["help@support.example.com", "bob@client.example"])
        self.stack.milter.audit_for(c1)
        return c1, subject, tag

    def bad_reply(self, c1, tag, subject="Corrected invoice", quote=False):
        """An agent reply that changes the subject, drops Bob and (by default) quotes nothing."""
        a1 = f"a-{tag}@support.example.com"
        body = "Hi Ana,\n\nthe corrected invoice is attached.\n\nSam\nExample Support, +1 555 0100"
        if quote:
            body += "\n\nOn Mon, 2 Nov 2026 at 09:00, Ana Lopez <ana@client.example> wrote:\n" + harness.quote(CUSTOMER_BODY)
        code, text = self.stack.postfix.send(harness.make_message(
            a1, "Sam Agent <sam@support.example.com>", ["ana@client.example"], subject, body,
            in_reply_to=c1, references=[c1]), "sam@support.example.com", ["ana@client.example"])
        return a1, code, text

    def test_annotate_adds_the_policy_header(self):
        self.configure({"subject-continuity": {"action": "log"}, "reply-all": {"action": "annotate"},
                        "quoted-history": {"action": "annotate"}})
        c1, subject, tag = self.conversation()
        a1, code, _ = self.bad_reply(c1, tag, subject="Re: " + subject)
        self.assertEqual(code, 250)
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
        a1, code, _ = self.bad_reply(c1, tag, quote=True)
        self.assertEqual(code, 250)
        msg = self.stack.wait_delivered(a1)
        self.assertEqual(msg["Subject"], "Re: " + subject)
        self.assertIn("bob@client.example", str(msg["Cc"]))
        self.assertEqual(harness.Sink.envelope_recipients(msg), ["ana@client.example", "bob@client.example"])
        self.assertIn("fixed=subject-continuity,reply-all", msg["X-Support-Policy"])
        self.assertEqual(self.stack.milter.audit_for(a1)["action"], "fix")

    def test_fix_in_russian_encodes_the_restored_subject(self):
        self.configure({"subject-continuity": {"action": "fix"}})
        c1, subject, tag = self.conversation("ru")
        a1, code, _ = self.bad_reply(c1, tag, subject="Исправленный счёт", quote=True)
        self.assertEqual(code, 250)
        msg = self.stack.wait_delivered(a1)
        self.assertEqual(msg["Subject"], "Re: " + subject)
        raw = msg.as_bytes()
        self.assertNotIn("Счёт".encode(), raw.split(b"\n\n")[0], "the header is encoded, not raw UTF-8")

    def test_hold_puts_the_message_in_the_hold_queue(self):
        self.configure({"reply-all": {"action": "hold"}})
        c1, subject, tag = self.conversation("es")
        a1, code, _ = self.bad_reply(c1, tag, subject="Re: " + subject, quote=True)
        self.assertEqual(code, 250)
        rec = self.stack.milter.audit_for(a1)
        self.assertEqual(rec["action"], "hold")
        self.assertIn("reply-all", rec["hold_reason"])
        held = harness.wait_until(
            lambda: [q for q in self.stack.postfix.hold_queue() if q["queue_id"] == rec["queue_id"]],
            20, "the message in the hold queue", self.stack.diagnostics)
        self.assertEqual(held[0]["queue_name"], "hold")
        self.assertIsNone(self.stack.sink.find(a1))

    def test_reject_tells_the_agent_what_to_fix(self):
        self.configure({"reply-all": {"action": "reject"}})
        c1, subject, tag = self.conversation()
        a1, code, text = self.bad_reply(c1, tag, subject="Re: " + subject, quote=True)
        self.assertEqual(code, 550)
        self.assertIn("5.7.1", text)
        self.assertIn("reply-all: add bob@client.example to Cc", text)
        self.assertEqual(self.stack.milter.audit_for(a1)["action"], "reject")

    def test_observe_changes_nothing_and_logs_what_would_happen(self):
        self.configure({"subject-continuity": {"action": "fix"}, "reply-all": {"action": "reject"}}, mode="observe")
        c1, subject, tag = self.conversation()
        a1, code, _ = self.bad_reply(c1, tag)
        self.assertEqual(code, 250)
        msg = self.stack.wait_delivered(a1)
        self.assertEqual(msg["Subject"], "Corrected invoice")
        self.assertIsNone(msg["X-Support-Policy"])
        self.assertEqual(harness.Sink.envelope_recipients(msg), ["ana@client.example"])
        rec = self.stack.milter.audit_for(a1)
        self.assertEqual(rec["action"], "accept")
        self.assertEqual(rec["would"], "reject")
        self.assertEqual(rec["mode"], "observe")

    def test_rude_reply_is_held_by_polite_tone(self):
        self.configure({})  # the shipped defaults: polite-tone holds
        c1, subject, tag = self.conversation("ru")
        a1 = f"rude-{tag}@support.example.com"
        body = ("Иван, вы что, идиоты? Всё написано на сайте.\n\nАнна\n+7 495 000-00-00\n\n"
                "Пн, 2 нояб. 2026 г., в 09:00, Ana Lopez <ana@client.example> написал(а):\n" + harness.quote(CUSTOMER_BODY))
        code, _ = self.stack.postfix.send(harness.make_message(
            a1, "Анна <anna@support.example.com>", ["ana@client.example"], "Re: " + subject, body,
            cc=["bob@client.example"], in_reply_to=c1, references=[c1]), "anna@support.example.com",
            ["ana@client.example", "bob@client.example"])
        self.assertEqual(code, 250)
        rec = self.stack.milter.audit_for(a1)
        self.assertEqual(rec["action"], "hold")
        tone = [f for f in rec["findings"] if f["rule"] == "polite-tone"][0]
        self.assertIn("идиот", tone["detail"])
        harness.wait_until(lambda: [q for q in self.stack.postfix.hold_queue() if q["queue_id"] == rec["queue_id"]],
                           20, "the rude reply in the hold queue", self.stack.diagnostics)

    def test_rude_reply_behind_a_long_received_chain_is_held(self):
        # 600 lines of Received header before the Content-Type and Content-Transfer-Encoding (one
        # folded field: Postfix refuses more than 50 Received fields): the body is still read as
        # base64 text and judged, not read from the header lines.
        self.configure({})
        c1, subject, tag = self.conversation()
        a1 = f"chain-{tag}@support.example.com"
        chain = "Received: from relay0.client.example by mx.example; Mon, 2 Nov 2026 09:00:00 +0000\r\n" + "".join(
            f"\tvia relay{i}.client.example (id {i:05d}) for <ana@client.example>;\r\n" for i in range(1, 600))
        text = ("Ana, are you stupid? The invoice says it all.\n\nSam\nExample Support, +1 555 0100\n\n"
                "On Mon, 2 Nov 2026 at 09:00, Ana Lopez <ana@client.example> wrote:\n" + harness.quote(CUSTOMER_BODY))
        body = base64.encodebytes(text.encode()).decode().replace("\n", "\r\n")
        data = (chain + "From: Sam Agent <sam@support.example.com>\r\nTo: ana@client.example, bob@client.example\r\n"
                f"Subject: Re: {subject}\r\nDate: Mon, 02 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{a1}>\r\n"
                f"In-Reply-To: <{c1}>\r\nReferences: <{c1}>\r\nMIME-Version: 1.0\r\n"
                "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + body)
        code, text = self.stack.postfix.send(data, "sam@support.example.com", ["ana@client.example", "bob@client.example"])
        self.assertEqual(code, 250, text)
        rec = self.stack.milter.audit_for(a1)
        self.assertEqual(rec["action"], "hold", rec)
        tone = [f for f in rec["findings"] if f["rule"] == "polite-tone"][0]
        self.assertEqual(tone["result"], "fail")
        self.assertIn("stupid", tone["detail"])
        self.assertNotIn("notes", rec)  # no limit was passed
        harness.wait_until(lambda: [q for q in self.stack.postfix.hold_queue() if q["queue_id"] == rec["queue_id"]],
                           20, "the reply in the hold queue", self.stack.diagnostics)

    def test_hold_notifies_the_rules_address_without_looping(self):
        notify = ('[notify]\ncommand = ["/usr/sbin/sendmail", "-C", "%s", "-oi", "-f", "<>"]\n'
                  % self.stack.postfix.dir)
        self.configure({"quoted-history": {"action": "hold", "notify": "lead@support.example.com"}}, extra=notify)
        c1, subject, tag = self.conversation()
        a1, _, _ = self.bad_reply(c1, tag, subject="Re: " + subject)
        rec = self.stack.milter.audit_for(a1)
        self.assertEqual(rec["action"], "hold")
        notice = harness.wait_until(
            lambda: next((m for m in self.stack.sink.messages()
                          if m["X-Support-Milter-Notice"] and rec["queue_id"] in m.get_content()), None),
            30, "the notice at the sink", self.stack.diagnostics)
        self.assertIn("quoted-history", notice["Subject"])
        self.assertEqual(harness.Sink.envelope_recipients(notice), ["lead@support.example.com"])
        # The notice went through the milter too, untouched.
        notice_records = [r for r in self.stack.milter.audit("message")
                          if r.get("direction_reason") == "a support-milter notice"]
        self.assertTrue(notice_records)
        self.assertEqual(notice_records[-1]["action"], "accept")


if __name__ == "__main__":
    unittest.main(verbosity=2)
