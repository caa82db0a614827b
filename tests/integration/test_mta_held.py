"""Held mail and the admin tools through a real MTA, the same cases against Postfix (harness.py,
its hold queue) and Sendmail 8.17 (sendmail_stack.py, its quarantine), with `[mta]` naming the MTA
and sla.sweep_seconds = 1:

- A rude reply held by polite-tone shows in `support-milter held` (text and JSON) with its finding
  from the audit log; bad input is refused with a clear error and releases nothing; `release`
  takes it out of hold, it reaches the sink and the release record stops the customer's clock;
  `discard` deletes another, which is never delivered and never stops the clock; the report
  counts them so, and the daemon's metrics endpoint and textfile count what happened.
- An id the MTA does not have is refused, saying so.
- A reply released with the MTA's own commands (Postfix: `postsuper -H`; Sendmail: `-Q -qQ
  -qI<id>`) gets a release record by "mta" with its clock's figures within a sweep, one deleted
  by the MTA's means (`postsuper -d`; Sendmail has no command: its queue files removed by hand) a
  discard record by "mta"; both name the sender and recipients, as `release`'s record does (the
  envelope the store kept at the hold); `held` no longer lists them.
- A reply released with `support-milter release` gets that command's record only, never a second
  one by "mta".
- Last, the daemon stops cleanly and the audit chain of everything before verifies.

Then what only one MTA has: Postfix's hold notice names `support-milter release` and `discard`,
not postsuper; Sendmail's release refuses an id that its -qI would match in other ids too.

The cases share one stack and run in the order of their names. Run one MTA's cases by naming its
class: test_mta_held.py PostfixHeld (or SendmailHeld)."""

import json
import os
import signal
import unittest
import urllib.request
import uuid
from datetime import datetime

import harness
import sendmail_stack

CUSTOMER_BODY = ("Hello,\n\nthe invoice 7731 lists the premium plan twice this month.\n"
                 "Could you remove the duplicate line and send a corrected invoice?\n\nAna Lopez")


def seconds_between(a, b):
    """Whole seconds from RFC 3339 time a to time b."""
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
    return int((parse(b) - parse(a)).total_seconds())


class MtaHeld:
    """The cases every MTA runs; a subclass names its stack (`make_stack`), what it adds to the
    rules and the config, and checks what its MTA shows of a held or discarded message."""

    # Settle records by "mta": the evidence the MTA's own release leaves, and the evidence and
    # words of the record of a message the MTA deleted.
    RELEASE_EVIDENCE = ()
    DELETE_EVIDENCE = None
    DELETE_REASON = None

    @classmethod
    def setUpClass(cls):
        cls.metrics_port = harness.free_port()
        cls.stack = cls.make_stack()
        milter = cls.stack.milter
        cls.textfile = os.path.join(milter.state_dir, "support-milter.prom")
        # The metrics settings take effect on a start only; the rest by the reload below.
        cls.metrics = (f'[metrics]\nlisten = "127.0.0.1:{cls.metrics_port}"\n'
                       f'textfile = "{cls.textfile}"\ntextfile_seconds = 1\n')
        milter.write_config(["support.example.com"], {}, extra=cls.metrics)
        cls.stack.start()
        cls.stack.open_to_milter()
        rules = {"reply-all": {"action": "hold"}, "quoted-history": {"action": "hold"}}
        for rule, settings in cls.extra_rules().items():
            rules[rule].update(settings)
        milter.write_config(["support.example.com"], rules,
                            extra=cls.metrics + "[sla]\nsweep_seconds = 1\n" + cls.stack.mta_config()
                            + cls.extra_config())
        before = len([r for r in milter.audit("config") if r.get("reload")])
        milter.signal(signal.SIGHUP)
        harness.wait_until(lambda: len([r for r in milter.audit("config") if r.get("reload")]) > before,
                           20, "the reload in the audit log", milter.diagnostics)

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    @classmethod
    def extra_rules(cls):
        return {}

    @classmethod
    def extra_config(cls):
        return ""

    def check_held(self, rec, text):
        """What else the MTA shows of the held message `rec` (its audit record), `text` its 250."""

    def check_discarded(self, queue_id):
        """What the MTA shows of a message `support-milter discard` deleted: nothing of it left."""

    def cli(self, *args, check=True):
        r = harness.run([harness.binary(), *args], check=False)
        if check and r.returncode != 0:
            self.fail(f"support-milter {' '.join(args)} exited {r.returncode}\n{r.stdout}{r.stderr}\n"
                      f"{self.stack.diagnostics()}")
        return r

    def admin(self, command, *args, check=True):
        return self.cli(command, *args, *self.stack.admin_args(), "-c", self.stack.milter.config_path, check=check)

    def listed(self, queue_id):
        return [h for h in json.loads(self.admin("held", "--json").stdout) if h["queue_id"] == queue_id]

    def held_ids(self):
        return [h["queue_id"] for h in json.loads(self.admin("held", "--json").stdout)]

    def hold(self, c1, customer, customer_rcpts, a1, reply, agent):
        """Sends the customer's message (Message-ID c1) from customer_rcpts[0] to help@ and the other
        addresses of `customer_rcpts`, then the agent's reply (a1) from `agent` to the customer;
        returns the reply's audit record once the MTA shows it held."""
        customer_addr, cc = customer_rcpts[0], customer_rcpts[1:]
        code, text = self.stack.send(customer, customer_addr, ["help@support.example.com", *cc])
        self.assertEqual(code, 250, text)
        self.customer_record = self.stack.milter.audit_for(c1)
        code, text = self.stack.send(reply, agent, [customer_addr])
        self.assertEqual(code, 250, text)
        rec = self.stack.milter.audit_for(a1)
        self.assertEqual(rec["action"], "hold", rec)
        self.check_held(rec, text)
        harness.wait_until(lambda: self.stack.held(rec["queue_id"]), 20, f"{a1} held by the MTA",
                           self.stack.diagnostics)
        return rec

    def rude_reply(self):
        """A customer message, then an agent's rude reply that polite-tone holds; returns its
        Message-ID and audit record once the MTA holds it."""
        tag = uuid.uuid4().hex[:10]
        c1, a1 = f"c-{tag}@client.example", f"rude-{tag}@support.example.com"
        subject = "Счёт 7731: тариф указан дважды"
        body = ("Иван, вы что, идиоты? Всё написано на сайте.\n\nАнна\n+7 495 000-00-00\n\n"
                "Пн, 2 нояб. 2026 г., в 09:00, Ana Lopez <ana@client.example> написал(а):\n"
                + harness.quote(CUSTOMER_BODY))
        customer = harness.make_message(c1, "Ana Lopez <ana@client.example>", ["help@support.example.com"],
                                        subject, CUSTOMER_BODY)
        reply = harness.make_message(a1, "Анна <anna@support.example.com>", ["ana@client.example"],
                                     "Re: " + subject, body, in_reply_to=c1, references=[c1])
        return a1, self.hold(c1, customer, ["ana@client.example"], a1, reply, "anna@support.example.com")

    def held_reply(self):
        """A customer message with a Cc, then an agent's reply that drops the Cc: reply-all holds
        it. Returns its Message-ID and audit record once the MTA holds it."""
        tag = uuid.uuid4().hex[:10]
        c1, a1 = f"c-{tag}@client.example", f"a-{tag}@support.example.com"
        customer = harness.make_message(c1, "Ana Lopez <ana@client.example>", ["help@support.example.com"],
                                        "Invoice 7731", CUSTOMER_BODY, cc=["Bob Stone <bob@client.example>"])
        body = ("Hi Ana,\n\nthe corrected invoice is attached.\n\nSam\nExample Support, +1 555 0100\n\n"
                "On Mon, 2 Nov 2026 at 09:00, Ana Lopez <ana@client.example> wrote:\n" + harness.quote(CUSTOMER_BODY))
        reply = harness.make_message(a1, "Sam Agent <sam@support.example.com>", ["ana@client.example"],
                                     "Re: Invoice 7731", body, in_reply_to=c1, references=[c1])
        return a1, self.hold(c1, customer, ["ana@client.example", "bob@client.example"], a1, reply,
                             "sam@support.example.com")

    def settle_records(self, queue_id):
        return [r for r in self.stack.milter.audit() if r.get("event") in ("release", "discard")
                and r.get("queue_id") == queue_id]

    def wait_settled(self, queue_id, what):
        [record] = harness.wait_until(lambda: self.settle_records(queue_id), 30, what, self.stack.diagnostics)
        return record

    def metric(self, series):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=10) as r:
            self.assertEqual(r.status, 200)
            text = r.read().decode()
        for line in text.splitlines():
            if line.startswith(series + " "):
                return float(line.split()[-1])
        self.fail(f"no {series} in\n{text}")

    def test_1_held_release_discard_report_and_metrics(self):
        # First on a fresh stack: the report's totals below are this case's alone.
        a1, rec = self.rude_reply()
        customer_record = self.customer_record
        qid = rec["queue_id"]

        [entry] = self.listed(qid)
        self.assertTrue(entry["audited"])
        self.assertEqual(entry["message_id"], a1)
        self.assertEqual(entry["sender"], "anna@support.example.com")
        self.assertEqual(entry["recipients"], ["ana@client.example"])
        self.assertGreater(entry["message_size"], 0)
        self.assertEqual([f["rule"] for f in entry["findings"]], ["polite-tone"])
        self.assertIn("идиот", entry["findings"][0]["detail"])
        text = self.admin("held").stdout
        self.assertIn(qid, text)
        self.assertIn("rule polite-tone:", text)

        # Bad input: clear errors, nothing released.
        r = self.admin("release", qid, "--by", "lead", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--reason", r.stderr + r.stdout)
        r = self.admin("release", "ALL", "--by", "lead", "--reason", "x", check=False)
        self.assertEqual(r.returncode, 64)
        self.assertIn("is not a queue id", r.stderr)
        r = self.admin("release", "ZZZZZZZZZZ", "--by", "lead", "--reason", "x", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("ZZZZZZZZZZ" + self.stack.NOT_QUEUED, r.stderr)
        r = self.admin("release", qid, "--by", " ", "--reason", "x", check=False)
        self.assertEqual(r.returncode, 64)
        self.assertTrue(self.stack.held(qid))

        r = self.admin("release", qid, "--by", "Team Lead", "--reason", "customer asked for it verbatim")
        self.assertIn(f"{qid} released", r.stdout)
        delivered = self.stack.wait_delivered(a1)
        self.assertIn("идиоты", delivered.get_content())
        self.assertIsNone(self.stack.held(qid))
        self.assertEqual(self.listed(qid), [])
        [release] = [r for r in self.stack.milter.audit("release") if r.get("queue_id") == qid]
        self.assertEqual(release["by"], "Team Lead")
        self.assertEqual(release["reason"], "customer asked for it verbatim")
        self.assertEqual(release["message_id"], a1)
        self.assertEqual(release["rules"], ["polite-tone"])
        # Held, the reply stopped nothing; released, it answers the wait from the customer's message
        # to its release, to the second.
        waited_since = customer_record["message_time"][:19] + "Z"
        self.assertEqual(rec["sla"]["status"], "held")
        self.assertEqual(rec["sla"]["waiting_since"], waited_since)
        sla = release["sla"]
        self.assertTrue(sla["first_reply"])
        self.assertIs(sla["released"], True)
        self.assertEqual(sla["waiting_since"], waited_since)
        self.assertEqual(sla["status"], "within_target")
        expected = seconds_between(customer_record["message_time"], release["time"])
        self.assertLessEqual(abs(sla["latency_s"] - expected), 1, (sla, expected))
        # Released once (and delivered), it is not held any more.
        harness.wait_until(lambda: not self.stack.queued(qid), 20, "the delivered reply to leave the queue",
                           self.stack.diagnostics)
        r = self.admin("release", qid, "--by", "x", "--reason", "y", check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(qid + self.stack.NOT_QUEUED, r.stderr)

        # The daemon goes on writing after the tool's record, in the same chain.
        b1, rec2 = self.rude_reply()
        qid2 = rec2["queue_id"]
        r = self.admin("discard", qid2, "--by", "Team Lead", "--reason", "rewritten politely")
        self.assertIn(f"{qid2} discarded", r.stdout)
        self.check_discarded(qid2)
        self.assertIsNone(self.stack.sink.find(b1))
        [discard] = [r for r in self.stack.milter.audit("discard") if r.get("queue_id") == qid2]
        self.assertEqual(discard["message_id"], b1)
        self.assertEqual(discard["reason"], "rewritten politely")
        self.assertEqual(discard["sla"], {"status": "not_sent", "reason": "discarded"})

        # The report: the released reply counts once, at release; the discarded one not at all.
        report = json.loads(self.cli("report", "--format", "json", self.stack.milter.audit_path).stdout)
        self.assertEqual(report["total"]["held"], 2)
        self.assertEqual(report["total"]["released"], 1)
        self.assertEqual(report["total"]["replies"], 1)
        self.assertEqual(report["total"]["first_reply"]["count"], 1)
        self.assertEqual(report["total"]["customer_messages"], 2)
        self.assertEqual(report["total"]["customer_last_word"], 1)

        # A customer who gets no answer is waiting (the store is asked at most every 5 seconds).
        waiting = f"w-{uuid.uuid4().hex[:10]}@client.example"
        code, text = self.stack.send(harness.make_message(
            waiting, "Carla <carla@client.example>", ["help@support.example.com"], "Refund for order 5521",
            "Hello,\n\nwhere is my refund for order 5521?\n\nCarla"), "carla@client.example",
            ["help@support.example.com"])
        self.assertEqual(code, 250, text)
        self.stack.milter.audit_for(waiting)
        harness.wait_until(lambda: self.metric("support_milter_customers_waiting") >= 1, 20,
                           "a waiting customer in the metrics", self.stack.diagnostics)
        self.assertGreater(self.metric("support_milter_oldest_wait_seconds"), 0)
        self.assertGreaterEqual(self.metric('support_milter_messages_total{direction="outbound",action="hold"}'), 2)
        self.assertGreaterEqual(self.metric('support_milter_findings_total{rule="polite-tone"}'), 2)
        self.assertGreaterEqual(self.metric("support_milter_processing_seconds_count"), 4)
        self.assertGreater(self.metric("process_start_time_seconds"), 1.7e9)

        # The node_exporter textfile carries the same series, rewritten every second.
        def textfile_hold_count():
            try:
                with open(self.textfile) as f:
                    for line in f:
                        if line.startswith('support_milter_messages_total{direction="outbound",action="hold"} '):
                            return float(line.split()[-1]) >= 2
            except FileNotFoundError:
                return False
            return False
        harness.wait_until(textfile_hold_count, 20, "the held messages in the metrics textfile",
                           self.stack.diagnostics)

    def test_2_an_id_the_mta_does_not_have_is_refused(self):
        r = self.admin("discard", "6B1FFpOq017336", "--by", "lead", "--reason", "typo", check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("6B1FFpOq017336" + self.stack.NOT_QUEUED, r.stderr)
        r = self.admin("release", "-rf", "--by", "lead", "--reason", "typo", check=False)
        self.assertNotEqual(r.returncode, 0)

    def test_3_the_mtas_own_release_and_deletion_are_settled_by_the_sweep(self):
        released, rec_r = self.held_reply()
        deleted, rec_d = self.held_reply()
        qid_r, qid_d = rec_r["queue_id"], rec_d["queue_id"]
        self.assertEqual(sorted(set(self.held_ids()) & {qid_r, qid_d}), sorted([qid_r, qid_d]))
        [entry] = self.listed(qid_r)
        self.assertEqual([f["rule"] for f in entry["findings"]], ["reply-all"])
        self.assertIn("bob@client.example", entry["findings"][0]["detail"])
        self.assertIn("rule reply-all:", self.admin("held").stdout)

        self.stack.release_by_mta(qid_r)
        release = self.wait_settled(qid_r, "the release record of the reply released with the MTA's commands")
        self.assertEqual(release["event"], "release")
        self.assertEqual(release["by"], "mta")
        self.assertIn(release["evidence"], self.RELEASE_EVIDENCE)
        self.assertIn("released from hold", release["reason"])
        self.assertEqual(release["message_id"], released)
        self.assertEqual(release["rules"], ["reply-all"])
        # The envelope the store kept when it was held, as `release` names it (the daemon's user
        # cannot read Sendmail's queue files).
        self.assertEqual(release["sender"], "sam@support.example.com")
        self.assertEqual(release["recipients"], ["ana@client.example"])
        # The figures `release` would have written: the reply answers the customer's wait.
        self.assertIs(release["sla"]["released"], True, release)
        self.assertIn(release["sla"]["status"], ("within_target", "over_target", "breached"))
        self.assertIsNotNone(release["sla"]["waiting_since"])
        self.assertEqual(self.listed(qid_r), [])
        self.stack.deliver_released(qid_r)
        self.stack.wait_delivered(released)

        self.stack.delete_by_mta(qid_d)
        discard = self.wait_settled(qid_d, "the discard record of the reply the MTA deleted")
        self.assertEqual(discard["event"], "discard")
        self.assertEqual(discard["by"], "mta")
        self.assertEqual(discard["evidence"], self.DELETE_EVIDENCE)
        self.assertIn(self.DELETE_REASON, discard["reason"])
        self.assertEqual(discard["message_id"], deleted)
        self.assertEqual(discard["sla"], {"status": "not_sent", "reason": "discarded"})
        # A deleted message is in no queue: the envelope the store kept names them.
        self.assertEqual(discard["sender"], "sam@support.example.com")
        self.assertEqual(discard["recipients"], ["ana@client.example"])
        self.assertEqual(self.listed(qid_d), [])
        self.assertIsNone(self.stack.sink.find(deleted))

        self.assertFalse({qid_r, qid_d} & set(self.held_ids()))
        # The sweeps since the two records (one a second) wrote nothing more about them.
        self.assertEqual(len(self.settle_records(qid_r)), 1)
        self.assertEqual(len(self.settle_records(qid_d)), 1)
        self.cli("audit", "verify", self.stack.milter.audit_path)

    def test_4_support_milter_release_gets_one_record(self):
        a1, rec = self.held_reply()
        qid = rec["queue_id"]
        self.admin("release", qid, "--by", "Team Lead", "--reason", "Bob left the project")
        self.stack.wait_delivered(a1)
        # Sweeps go on (one a second): a reply held after it is settled by the MTA's means too,
        # then the first still has the one record, by the admin.
        _, later = self.held_reply()
        self.stack.delete_by_mta(later["queue_id"])
        self.wait_settled(later["queue_id"], "the discard record of the later reply")
        records = self.settle_records(qid)
        self.assertEqual(len(records), 1, records)
        self.assertEqual(records[0]["by"], "Team Lead")
        self.assertNotIn("evidence", records[0])
        self.cli("audit", "verify", self.stack.milter.audit_path)

    def test_9_the_daemon_stops_and_the_audit_chain_verifies(self):
        # Last: the records of every case before, the daemon's and the admin tools', one chain.
        self.assertEqual(self.stack.milter.stop(), 0)
        seqs = [r["seq"] for r in self.stack.milter.audit()]
        self.assertEqual(seqs, list(range(1, len(seqs) + 1)))
        r = self.cli("audit", "verify", self.stack.milter.audit_path)
        self.assertTrue(r.stdout.startswith(f"ok: {len(seqs)} records"), r.stdout)


class PostfixHeld(MtaHeld, unittest.TestCase):
    RELEASE_EVIDENCE = ("queue", "log")
    DELETE_EVIDENCE = "log"
    DELETE_REASON = "postsuper: removed"

    @classmethod
    def make_stack(cls):
        return harness.Stack()

    @classmethod
    def extra_rules(cls):
        return {"quoted-history": {"notify": "lead@support.example.com"}}

    @classmethod
    def extra_config(cls):
        return f'[notify]\ncommand = ["/usr/sbin/sendmail", "-C", "{cls.stack.postfix.dir}", "-oi", "-f", "<>"]\n'

    def check_discarded(self, queue_id):
        harness.wait_until(lambda: not self.stack.queued(queue_id), 20, "the discarded message to leave the queue",
                           self.stack.diagnostics)

    def test_5_postfix_hold_notice_names_support_milters_commands(self):
        # A reply that quotes nothing: quoted-history holds it and notifies the lead.
        tag = uuid.uuid4().hex[:10]
        c1, a1 = f"c-{tag}@client.example", f"a-{tag}@support.example.com"
        customer = harness.make_message(
            c1, "Priya Nair <priya@client.example>", ["help@support.example.com"], "Order 5520: two chairs missing",
            "Good morning,\n\nour order 5520 arrived with two of the six chairs missing.\n"
            "When can you ship the other two, and do we need to send anything back?\n\nPriya Nair")
        reply = harness.make_message(
            a1, "Omar Haddad <omar@support.example.com>", ["priya@client.example"], "Re: Order 5520: two chairs missing",
            "Hi Priya,\n\nthe two chairs leave our warehouse tomorrow; nothing needs to come back.\n\n"
            "Omar\nExample Support, +1 555 0100", in_reply_to=c1, references=[c1])
        rec = self.hold(c1, customer, ["priya@client.example"], a1, reply, "omar@support.example.com")
        qid = rec["queue_id"]
        notice = harness.wait_until(
            lambda: next((m for m in self.stack.sink.messages()
                          if m["X-Support-Milter-Notice"] and qid in m.get_content()), None),
            30, "the hold notice at the sink", self.stack.diagnostics)
        body = notice.get_content()
        config = self.stack.milter.config_path
        self.assertIn(f"support-milter release {qid} -c {config} --by NAME --reason TEXT", body)
        self.assertIn(f"support-milter discard {qid} -c {config} --by NAME --reason TEXT", body)
        self.assertNotIn("postsuper", body)
        # Settled the usual way, so the hold queue is left as it was.
        self.admin("discard", qid, "--by", "lead", "--reason", "sent again with the quote")


class SendmailHeld(MtaHeld, unittest.TestCase):
    RELEASE_EVIDENCE = ("queue",)
    DELETE_EVIDENCE = "none"  # Sendmail logs no deletion, and this Sendmail logs to no file
    DELETE_REASON = "counted as discarded"

    @classmethod
    def make_stack(cls):
        return sendmail_stack.Stack()

    def check_held(self, rec, text):
        self.assertEqual(rec["queue_id"], sendmail_stack.queue_id_of(text))
        # A quarantined message is its hf (the quarantined qf) and df files.
        self.assertEqual(self.stack.queue_files(rec["queue_id"]), ["df" + rec["queue_id"], "hf" + rec["queue_id"]])

    def check_discarded(self, queue_id):
        self.assertEqual(self.stack.queue_files(queue_id), [])
        # A run over the whole quarantine and one over the queue find nothing of it to deliver.
        for args in (("-qQ",), ("-q",)):
            r = self.stack.sendmail.run(*args)
            self.assertEqual(r.returncode, 0, r.stderr)

    def test_5_sendmail_release_refuses_an_id_that_selects_other_messages_too(self):
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
            r = self.admin("release", qid, "--by", "lead", "--reason", "checked", check=False)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn(f"would also release {longer}", r.stderr)
            self.assertEqual({qid, longer} & set(self.stack.sendmail.mailq("-qQ")), {qid, longer})
            self.assertEqual([r for r in self.stack.milter.audit("release") if r.get("queue_id") == qid], [])
        finally:
            for kind in ("hf", "df"):
                os.unlink(os.path.join(queue, kind + longer))
        self.admin("discard", qid, "--by", "lead", "--reason", "test done")
        self.assertIsNone(self.stack.sink.find(a1))


if __name__ == "__main__":
    unittest.main(verbosity=2)
