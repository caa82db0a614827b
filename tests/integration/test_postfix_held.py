"""Held mail through a real Postfix: a rude reply held by polite-tone shows in `support-milter held`
with its rule, `release` moves it out of hold and it reaches smtp-sink, `discard` deletes another,
both leave audit records in the daemon's hash chain, which still verifies. A held reply stops the
customer's clock at its release (the release record has its figures), a discarded one never does;
the report counts them so. The daemon's metrics endpoint counts what happened."""

import json
import os
import unittest
import urllib.request
import uuid

import harness


def seconds_between(a, b):
    """Whole seconds from RFC 3339 time a to time b."""
    from datetime import datetime
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
    return int((parse(b) - parse(a)).total_seconds())

CUSTOMER_BODY = ("Hello,\n\nthe invoice 7731 lists the premium plan twice this month.\n"
                 "Could you remove the duplicate line and send a corrected invoice?\n\nAna Lopez")


class PostfixHeld(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.metrics_port = harness.free_port()
        cls.stack = harness.Stack(milter_kwargs={"extra": "[metrics]\n"
                                                          f'listen = "127.0.0.1:{cls.metrics_port}"\n'
                                                          'textfile = "TEXTFILE"\ntextfile_seconds = 1\n'})
        cls.textfile = os.path.join(cls.stack.milter.state_dir, "support-milter.prom")
        with open(cls.stack.milter.config_path) as f:
            text = f.read().replace("TEXTFILE", cls.textfile)
        with open(cls.stack.milter.config_path, "w") as f:
            f.write(text)
        cls.stack.start()

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    def cli(self, *args, check=True):
        m = self.stack.milter
        r = harness.run([harness.binary(), *args], check=False)
        if check and r.returncode != 0:
            self.fail(f"support-milter {' '.join(args)} exited {r.returncode}\n{r.stdout}{r.stderr}\n"
                      f"{self.stack.diagnostics()}")
        return r

    def admin(self, command, *args, check=True):
        return self.cli(command, *args, "--postfix-config", self.stack.postfix.dir, "-c",
                        self.stack.milter.config_path, check=check)

    def held_json(self):
        return json.loads(self.admin("held", "--json").stdout)

    def rude_reply(self):
        """A customer message, then an agent's rude reply that polite-tone holds; returns the reply's
        audit record once its queue id is in the hold queue."""
        tag = uuid.uuid4().hex[:10]
        c1 = f"c-{tag}@client.example"
        subject = "Счёт 7731: тариф указан дважды"
        code, _ = self.stack.postfix.send(harness.make_message(
            c1, "Ana Lopez <ana@client.example>", ["help@support.example.com"], subject, CUSTOMER_BODY),
            "ana@client.example", ["help@support.example.com"])
        self.assertEqual(code, 250)
        self.customer_record = self.stack.milter.audit_for(c1)
        a1 = f"rude-{tag}@support.example.com"
        body = ("Иван, вы что, идиоты? Всё написано на сайте.\n\nАнна\n+7 495 000-00-00\n\n"
                "Пн, 2 нояб. 2026 г., в 09:00, Ana Lopez <ana@client.example> написал(а):\n"
                + harness.quote(CUSTOMER_BODY))
        code, _ = self.stack.postfix.send(harness.make_message(
            a1, "Анна <anna@support.example.com>", ["ana@client.example"], "Re: " + subject, body,
            in_reply_to=c1, references=[c1]), "anna@support.example.com", ["ana@client.example"])
        self.assertEqual(code, 250)
        rec = self.stack.milter.audit_for(a1)
        self.assertEqual(rec["action"], "hold")
        harness.wait_until(lambda: [q for q in self.stack.postfix.hold_queue() if q["queue_id"] == rec["queue_id"]],
                           20, "the rude reply in the hold queue", self.stack.diagnostics)
        return a1, rec

    def metric(self, series):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=10) as r:
            self.assertEqual(r.status, 200)
            text = r.read().decode()
        for line in text.splitlines():
            if line.startswith(series + " "):
                return float(line.split()[-1])
        self.fail(f"no {series} in\n{text}")

    def test_1_held_release_discard_and_the_audit_chain(self):
        a1, rec = self.rude_reply()
        qid = rec["queue_id"]

        held = [h for h in self.held_json() if h["queue_id"] == qid]
        self.assertEqual(len(held), 1, self.held_json())
        self.assertTrue(held[0]["audited"])
        self.assertEqual(held[0]["message_id"], a1)
        self.assertEqual([f["rule"] for f in held[0]["findings"]], ["polite-tone"])
        self.assertIn("идиот", held[0]["findings"][0]["detail"])
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
        self.assertIn("not in the Postfix queue", r.stderr)
        r = self.admin("release", qid, "--by", " ", "--reason", "x", check=False)
        self.assertEqual(r.returncode, 64)
        self.assertTrue([q for q in self.stack.postfix.hold_queue() if q["queue_id"] == qid])

        r = self.admin("release", qid, "--by", "Team Lead", "--reason", "customer asked for it verbatim")
        self.assertIn("released", r.stdout)
        delivered = self.stack.wait_delivered(a1)
        self.assertIn("идиоты", delivered.get_content())
        self.assertFalse([h for h in self.held_json() if h["queue_id"] == qid])
        release = [r for r in self.stack.milter.audit("release") if r["queue_id"] == qid]
        self.assertEqual(len(release), 1)
        self.assertEqual(release[0]["by"], "Team Lead")
        self.assertEqual(release[0]["reason"], "customer asked for it verbatim")
        self.assertEqual(release[0]["message_id"], a1)
        self.assertEqual(release[0]["rules"], ["polite-tone"])
        # Held, the reply stopped nothing; released, it answers the wait from the customer's message
        # to its release, to the second.
        waited_since = self.customer_record["message_time"][:19] + "Z"
        self.assertEqual(rec["sla"]["status"], "held")
        self.assertEqual(rec["sla"]["waiting_since"], waited_since)
        sla = release[0]["sla"]
        self.assertTrue(sla["first_reply"])
        self.assertTrue(sla["released"])
        self.assertEqual(sla["waiting_since"], waited_since)
        self.assertEqual(sla["status"], "within_target")
        expected = seconds_between(self.customer_record["message_time"], release[0]["time"])
        self.assertLessEqual(abs(sla["latency_s"] - expected), 1, (sla, expected))
        # Releasing it again: it is no longer held.
        r = self.admin("release", qid, "--by", "x", "--reason", "y", check=False)
        self.assertEqual(r.returncode, 1)

        # The daemon goes on writing after the tool's record, in the same chain.
        b1, rec2 = self.rude_reply()
        qid2 = rec2["queue_id"]
        self.admin("discard", qid2, "--by", "Team Lead", "--reason", "rewritten politely")
        harness.wait_until(lambda: not [q for q in self.stack.postfix.queue_json() if q["queue_id"] == qid2],
                           20, "the discarded message to leave the queue", self.stack.diagnostics)
        self.assertIsNone(self.stack.sink.find(b1))
        discard = [r for r in self.stack.milter.audit("discard") if r["queue_id"] == qid2]
        self.assertEqual(len(discard), 1)
        self.assertEqual(discard[0]["reason"], "rewritten politely")
        self.assertEqual(discard[0]["sla"], {"status": "not_sent", "reason": "discarded"})

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
        self.stack.postfix.send(harness.make_message(
            waiting, "Carla <carla@client.example>", ["help@support.example.com"], "Refund for order 5521",
            "Hello,\n\nwhere is my refund for order 5521?\n\nCarla"), "carla@client.example",
            ["help@support.example.com"])
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

        self.assertEqual(self.stack.milter.stop(), 0)
        seqs = [r["seq"] for r in self.stack.milter.audit()]
        self.assertEqual(seqs, list(range(1, len(seqs) + 1)))
        r = self.cli("audit", "verify", self.stack.milter.audit_path)
        self.assertTrue(r.stdout.startswith(f"ok: {len(seqs)} records"), r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
