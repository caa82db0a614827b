"""Every action through a real MTA, the same cases against Postfix (harness.py) and Sendmail 8.17
(sendmail_stack.py): annotate (the policy header at the sink), fix (restored subject, added Cc and
recipient), reject (550 with the text for the agent), observe (nothing changes, the audit says what
would have happened), hold (Postfix's hold queue, Sendmail's quarantine). Then what only one of
them has: Postfix's notices on hold and a long Received chain; Sendmail's queue id in the audit
record, `mailq -qQ` showing the reason, a held message released with `sendmail -qQ -qI<id>` or
discarded by removing its queue files. The rules' config changes between tests by SIGHUP, which
the audit log confirms.

Run one MTA's cases by naming its class: test_mta_actions.py PostfixActions (or SendmailActions)."""

import base64
import os
import signal
import unittest
import uuid

import harness
import sendmail_stack

CUSTOMER_BODY = ("Hello,\n\nthe invoice 7731 lists the premium plan twice this month.\n"
                 "Could you remove the duplicate line and send a corrected invoice?\n\nAna Lopez")


class MtaActions:
    """The cases every MTA runs; a subclass names its stack (`make_stack`) and checks what its MTA
    shows of a held message (`check_held`)."""

    @classmethod
    def setUpClass(cls):
        cls.stack = cls.make_stack().start()

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
        code, text = self.stack.send(harness.make_message(
            c1, "Ana Lopez <ana@client.example>", ["help@support.example.com"], subject, CUSTOMER_BODY,
            cc=["Bob Stone <bob@client.example>"]), "ana@client.example",
            ["help@support.example.com", "bob@client.example"])
        self.assertEqual(code, 250, text)
        self.stack.milter.audit_for(c1)
        return c1, subject, tag

    def bad_reply(self, c1, tag, subject="Corrected invoice", quote=False):
        """An agent reply that changes the subject, drops Bob and (by default) quotes nothing."""
        a1 = f"a-{tag}@support.example.com"
        body = "Hi Ana,\n\nthe corrected invoice is attached.\n\nSam\nExample Support, +1 555 0100"
        if quote:
            body += ("\n\nOn Mon, 2 Nov 2026 at 09:00, Ana Lopez <ana@client.example> wrote:\n"
                     + harness.quote(CUSTOMER_BODY))
        code, text = self.stack.send(harness.make_message(
            a1, "Sam Agent <sam@support.example.com>", ["ana@client.example"], subject, body,
            in_reply_to=c1, references=[c1]), "sam@support.example.com", ["ana@client.example"])
        return a1, code, text

    def wait_held(self, rec, what):
        """The MTA's entry of the held message `rec` (its audit record), once the MTA shows it held."""
        return harness.wait_until(lambda: self.stack.held(rec["queue_id"]), 20, what, self.stack.diagnostics)

    def held_reply(self, lang="en"):
        """A reply held by reply-all: its id and audit record, once the MTA shows it held."""
        self.configure({"reply-all": {"action": "hold"}})
        c1, subject, tag = self.conversation(lang)
        a1, code, text = self.bad_reply(c1, tag, subject="Re: " + subject, quote=True)
        self.assertEqual(code, 250, text)
        rec = self.stack.milter.audit_for(a1)
        self.assertEqual(rec["action"], "hold")
        self.assertIn("reply-all", rec["hold_reason"])
        held = self.wait_held(rec, "the reply held by the MTA")
        self.check_held(rec, text, held)
        self.assertIsNone(self.stack.sink.find(a1))
        return a1, rec

    def check_rejected(self, a1):
        """What else the MTA shows of the rejected reply `a1`: nothing (see SendmailActions)."""

    def test_annotate_adds_the_policy_header(self):
        self.configure({"subject-continuity": {"action": "log"}, "reply-all": {"action": "annotate"},
                        "quoted-history": {"action": "annotate"}})
        c1, subject, tag = self.conversation()
        a1, code, text = self.bad_reply(c1, tag, subject="Re: " + subject)
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
        a1, code, text = self.bad_reply(c1, tag, quote=True)
        self.assertEqual(code, 250, text)
        msg = self.stack.wait_delivered(a1)
        self.assertEqual(msg["Subject"], "Re: " + subject)
        self.assertIn("bob@client.example", str(msg["Cc"]))
        # The MTA delivered to the recipient the milter added (smfi_addrcpt) too.
        self.assertEqual(harness.Sink.envelope_recipients(msg), ["ana@client.example", "bob@client.example"])
        self.assertIn("fixed=subject-continuity,reply-all", msg["X-Support-Policy"])
        self.assertEqual(self.stack.milter.audit_for(a1)["action"], "fix")

    def test_fix_in_russian_encodes_the_restored_subject(self):
        self.configure({"subject-continuity": {"action": "fix"}})
        c1, subject, tag = self.conversation("ru")
        a1, code, text = self.bad_reply(c1, tag, subject="Исправленный счёт", quote=True)
        self.assertEqual(code, 250, text)
        msg = self.stack.wait_delivered(a1)
        self.assertEqual(msg["Subject"], "Re: " + subject)
        raw = msg.as_bytes()
        self.assertNotIn("Счёт".encode(), raw.split(b"\n\n")[0], "the header is encoded, not raw UTF-8")

    def test_reject_tells_the_agent_what_to_fix(self):
        self.configure({"reply-all": {"action": "reject"}})
        c1, subject, tag = self.conversation()
        a1, code, text = self.bad_reply(c1, tag, subject="Re: " + subject, quote=True)
        self.assertEqual(code, 550)
        self.assertIn("5.7.1", text)
        self.assertIn("reply-all: add bob@client.example to Cc", text)
        self.assertEqual(self.stack.milter.audit_for(a1)["action"], "reject")
        self.check_rejected(a1)
        self.assertIsNone(self.stack.sink.find(a1))

    # A reply in the agent's own language (dropping Bob from the conversation): what the reject
    # text tells the agent is in that language, through the MTA's 550 as it is.
    AGENT_REPLIES = {
        "es": ("Hola Ana:\n\nle adjunto la factura corregida; ya hemos quitado la línea duplicada del plan "
               "y el importe total es el correcto.\n\nSaludos,\nSam\nSoporte de Example, +34 910 000 000",
               "política de soporte: reply-all: añada bob@client.example en Cc",
               "politica de soporte: reply-all: anada bob@client.example en Cc"),
        "ru": ("Здравствуйте, Анна!\n\nВо вложении исправленный счёт: мы убрали повторную строку тарифа, "
               "и итоговая сумма теперь верная.\n\nС уважением,\nСэм\nПоддержка Example, +7 495 000-00-00",
               "правила поддержки: reply-all: добавьте bob@client.example в копию",
               "pravila podderzki: reply-all: dobav'te bob@client.example v kopiu"),
    }

    def test_reject_speaks_the_agents_language(self):
        self.configure({"reply-all": {"action": "reject"}})
        for lang, (body, want, wire) in self.AGENT_REPLIES.items():
            with self.subTest(lang=lang):
                c1, subject, tag = self.conversation(lang)
                a1 = f"a-{tag}@support.example.com"
                code, text = self.stack.send(harness.make_message(
                    a1, "Sam Agent <sam@support.example.com>", ["ana@client.example"], "Re: " + subject, body,
                    in_reply_to=c1, references=[c1]), "sam@support.example.com", ["ana@client.example"])
                # The 550 in US-ASCII (an SMTP reply carries nothing else), the audit record as
                # the agent's language writes it.
                self.assertEqual(code, 550, text)
                self.assertIn(wire, text)
                rec = self.stack.milter.audit_for(a1)
                self.assertEqual(rec["action"], "reject")
                self.assertEqual(rec["language"], lang)
                self.assertIn(want, rec["reply"])

    def test_observe_changes_nothing_and_logs_what_would_happen(self):
        self.configure({"subject-continuity": {"action": "fix"}, "reply-all": {"action": "reject"}}, mode="observe")
        c1, subject, tag = self.conversation()
        a1, code, text = self.bad_reply(c1, tag)
        self.assertEqual(code, 250, text)
        msg = self.stack.wait_delivered(a1)
        self.assertEqual(msg["Subject"], "Corrected invoice")
        self.assertIsNone(msg["X-Support-Policy"])
        self.assertEqual(harness.Sink.envelope_recipients(msg), ["ana@client.example"])
        rec = self.stack.milter.audit_for(a1)
        self.assertEqual(rec["action"], "accept")
        self.assertEqual(rec["would"], "reject")
        self.assertEqual(rec["mode"], "observe")

    def test_hold_keeps_the_message_in_the_mta(self):
        self.held_reply("es")

    def test_rude_reply_is_held_by_polite_tone(self):
        self.configure({})  # the shipped defaults: polite-tone holds
        c1, subject, tag = self.conversation("ru")
        a1 = f"rude-{tag}@support.example.com"
        body = ("Иван, вы что, идиоты? Всё написано на сайте.\n\nАнна\n+7 495 000-00-00\n\n"
                "Пн, 2 нояб. 2026 г., в 09:00, Ana Lopez <ana@client.example> написал(а):\n" + harness.quote(CUSTOMER_BODY))
        code, text = self.stack.send(harness.make_message(
            a1, "Анна <anna@support.example.com>", ["ana@client.example"], "Re: " + subject, body,
            cc=["bob@client.example"], in_reply_to=c1, references=[c1]), "anna@support.example.com",
            ["ana@client.example", "bob@client.example"])
        self.assertEqual(code, 250, text)
        rec = self.stack.milter.audit_for(a1)
        self.assertEqual(rec["action"], "hold")
        tone = [f for f in rec["findings"] if f["rule"] == "polite-tone"][0]
        self.assertIn("идиот", tone["detail"])
        self.wait_held(rec, "the rude reply held by the MTA")


class PostfixActions(MtaActions, unittest.TestCase):
    @classmethod
    def make_stack(cls):
        return harness.Stack()

    def check_held(self, rec, text, held):
        self.assertEqual(held["queue_name"], "hold")

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
        code, text = self.stack.send(data, "sam@support.example.com", ["ana@client.example", "bob@client.example"])
        self.assertEqual(code, 250, text)
        rec = self.stack.milter.audit_for(a1)
        self.assertEqual(rec["action"], "hold", rec)
        tone = [f for f in rec["findings"] if f["rule"] == "polite-tone"][0]
        self.assertEqual(tone["result"], "fail")
        self.assertIn("stupid", tone["detail"])
        self.assertNotIn("notes", rec)  # no limit was passed
        self.wait_held(rec, "the reply in the hold queue")

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


    def test_a_held_reply_tells_its_agent_and_the_lead_in_their_language(self):
        notify = ('[notify]\ncommand = ["/usr/sbin/sendmail", "-C", "%s", "-oi", "-f", "<>"]\nagents = true\n'
                  'leads = ["lead@support.example.com"]\n[agents]\nlanguages = { "lead@support.example.com" = "ru" }\n'
                  % self.stack.postfix.dir)
        self.configure({"reply-all": {"action": "hold"}}, extra=notify)
        body, _, _ = self.AGENT_REPLIES["es"]
        c1, subject, tag = self.conversation("es")
        a1 = f"a-{tag}@support.example.com"
        code, text = self.stack.send(harness.make_message(
            a1, "Sam Agent <sam@support.example.com>", ["ana@client.example"], "Re: " + subject, body,
            in_reply_to=c1, references=[c1]), "sam@support.example.com", ["ana@client.example"])
        self.assertEqual(code, 250, text)
        rec = self.stack.milter.audit_for(a1)
        self.assertEqual(rec["action"], "hold")

        def notice_to(addr):
            return next((m for m in self.stack.sink.messages()
                         if m["X-Support-Milter-Notice"] and harness.Sink.envelope_recipients(m) == [addr]
                         and rec["queue_id"] in m.get_content()), None)
        agent = harness.wait_until(lambda: notice_to("sam@support.example.com"), 30, "the agent's notice",
                                   self.stack.diagnostics)
        self.assertEqual(str(agent["Subject"]), "Su respuesta está retenida para revisión: Re: " + subject)
        text = agent.get_content()
        self.assertIn("Su respuesta a ana@client.example quedó retenida", text)
        self.assertIn("- reply-all\n", text)
        self.assertIn("Qué cambiar: añada bob@client.example en Cc", text)
        self.assertIn("Qué pasa ahora:", text)
        self.assertRegex(text, r"El cliente (lleva \d+ \w+ esperando|escribió hace menos de un minuto)\.")
        lead = harness.wait_until(lambda: notice_to("lead@support.example.com"), 30, "the lead's notice",
                                  self.stack.diagnostics)
        self.assertTrue(str(lead["Subject"]).startswith("Задержан на проверку: Re: " + subject), lead["Subject"])
        self.assertIn("Отправить: support-milter release " + rec["queue_id"], lead.get_content())


class SendmailActions(MtaActions, unittest.TestCase):
    @classmethod
    def make_stack(cls):
        return sendmail_stack.Stack()

    def check_held(self, rec, text, held):
        self.assertEqual(rec["queue_id"], sendmail_stack.queue_id_of(text))
        # mailq cuts the reason at its column width.
        self.assertTrue(held["quarantine"].startswith("support-milter: reply-all; dropped from the conversation"),
                        held["quarantine"])
        self.assertTrue(rec["hold_reason"].startswith(held["quarantine"]))
        self.assertNotIn(rec["queue_id"], self.stack.sendmail.mailq(), "a quarantined message is not in the plain listing")

    def check_rejected(self, a1):
        self.assertEqual(self.stack.sendmail.queue_files_with(a1), [], "nothing of the rejected reply stays queued")

    def test_audit_record_carries_sendmails_queue_id_and_the_direction(self):
        self.configure({"reply-all": {"action": "annotate"}})
        tag = uuid.uuid4().hex[:10]
        c1 = f"c-{tag}@client.example"
        code, text = self.stack.send(harness.make_message(
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
