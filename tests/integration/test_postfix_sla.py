"""The SLA clock in the running daemon with Postfix: a reply's latency in the audit record, and
the sweeper's warning and breach for a customer left waiting, each written once; a rejected reply
closes no wait, and its corrected resend is the reply, in the records and in the report."""

import json
import unittest
import uuid
from datetime import datetime

import harness


def seconds_between(a, b):
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
    return int((parse(b) - parse(a)).total_seconds())


def status_of(latency, target, limit):
    return "within_target" if latency <= target else "over_target" if latency <= limit else "breached"

SLA = "[sla]\ntarget_seconds = 2\nlimit_seconds = 4\nsweep_seconds = 1\n"


class PostfixSla(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = harness.Stack(milter_kwargs={"extra": SLA}).start()

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    def customer(self, tag):
        mid = f"{tag}-{uuid.uuid4().hex[:8]}@client.example"
        self.stack.postfix.send(harness.make_message(
            mid, "Ana <ana@client.example>", ["help@support.example.com"], f"Order {tag} missing",
            "Order 5521 has not arrived yet.\n\nAna"), "ana@client.example", ["help@support.example.com"])
        return mid, self.stack.milter.audit_for(mid)

    def test_waiting_customer_gets_a_warning_then_a_breach(self):
        mid, rec = self.customer("wait")
        thread = rec["thread_id"]
        events = harness.wait_until(
            lambda: (lambda ev: ev if len(ev) >= 2 else None)(
                [r["event"] for r in self.stack.milter.audit() if r.get("thread_id") == thread and r["event"] != "message"]),
            30, "sla_warning and sla_breach", self.stack.diagnostics)
        self.assertEqual(events[:2], ["sla_warning", "sla_breach"])
        # Once each, however many sweeps pass: a later thread's warning proves later sweeps ran.
        _, later = self.customer("later")
        harness.wait_until(lambda: [r for r in self.stack.milter.audit()
                                    if r.get("thread_id") == later["thread_id"] and r["event"] == "sla_breach"],
                           30, "the later thread's breach", self.stack.diagnostics)
        events = [r["event"] for r in self.stack.milter.audit() if r.get("thread_id") == thread and r["event"] != "message"]
        self.assertEqual(events, ["sla_warning", "sla_breach"])

    def test_reply_carries_its_latency(self):
        mid, rec = self.customer("fast")
        reply = f"r-{uuid.uuid4().hex[:8]}@support.example.com"
        body = ("Hi Ana,\n\nit ships today.\n\nSam\n\nOn Mon, Ana <ana@client.example> wrote:\n"
                "> Order 5521 has not arrived yet.\n>\n> Ana")
        self.stack.postfix.send(harness.make_message(
            reply, "Sam <sam@support.example.com>", ["ana@client.example"], "Re: Order fast missing", body,
            in_reply_to=mid, references=[mid]), "sam@support.example.com", ["ana@client.example"])
        out = self.stack.milter.audit_for(reply)
        self.assertEqual(out["direction"], "outbound")
        self.assertTrue(out["sla"]["first_reply"])
        self.assertEqual(out["sla"]["waiting_since"], rec["message_time"][:19] + "Z")
        latency = out["sla"]["latency_s"]
        self.assertLessEqual(abs(latency - seconds_between(rec["message_time"], out["message_time"])), 1)
        # The status is the one its latency makes, against this stack's target (2 s) and limit (4 s).
        self.assertEqual(out["sla"]["status"], status_of(latency, 2, 4))


class PostfixRejectAndResend(unittest.TestCase):
    """reply-all = reject: the reply that drops Bob is answered 550 and closes no wait; the
    corrected resend is delivered and is the first reply, timed from the customer's message."""

    @classmethod
    def setUpClass(cls):
        cls.stack = harness.Stack(milter_kwargs={"rules": {"reply-all": {"action": "reject"}},
                                                 "extra": "[sla]\ntarget_seconds = 3600\n"}).start()

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    def test_rejected_reply_then_its_resend(self):
        tag = uuid.uuid4().hex[:8]
        c1 = f"c-{tag}@client.example"
        body = "Hello,\n\nOrder 5521 has not arrived yet. Could you check it?\n\nAna"
        code, _ = self.stack.postfix.send(harness.make_message(
            c1, "Ana <ana@client.example>", ["help@support.example.com"], "Order 5521 missing", body,
            cc=["bob@client.example"]), "ana@client.example", ["help@support.example.com", "bob@client.example"])
        self.assertEqual(code, 250)
        customer = self.stack.milter.audit_for(c1)
        reply_body = ("Hi Ana,\n\nsorry for the wait: order 5521 ships today and arrives on Friday.\n\n"
                      "Kind regards,\nSam\nExample Support, +1 555 0100\n\nOn Mon, Ana <ana@client.example> wrote:\n"
                      + harness.quote(body))
        a1 = f"r-{tag}@support.example.com"

        def reply(cc):
            return self.stack.postfix.send(harness.make_message(
                a1, "Sam <sam@support.example.com>", ["ana@client.example"], "Re: Order 5521 missing", reply_body,
                cc=cc, in_reply_to=c1, references=[c1]), "sam@support.example.com",
                ["ana@client.example", *cc])

        code, text = reply([])
        self.assertEqual(code, 550, text)
        self.assertIn("bob@client.example", text)
        rejected = self.stack.milter.audit_for(a1)
        self.assertEqual(rejected["action"], "reject")
        self.assertEqual(rejected["sla"]["status"], "not_sent")
        self.assertEqual(rejected["sla"]["reason"], "rejected")
        self.assertIsNone(rejected["sla"]["latency_s"])
        self.assertEqual(rejected["sla"]["waiting_since"], customer["message_time"][:19] + "Z")

        code, text = reply(["bob@client.example"])  # the same Message-ID, as a client resends it
        self.assertEqual(code, 250, text)
        self.stack.wait_delivered(a1)
        records = [r for r in self.stack.milter.audit("message") if r["message_id"] == a1]
        self.assertEqual(len(records), 2)
        resent = records[1]
        self.assertEqual(resent["action"], "accept")
        self.assertTrue(resent["sla"]["first_reply"])
        self.assertEqual(resent["sla"]["status"], "within_target")
        self.assertEqual(resent["sla"]["waiting_since"], customer["message_time"][:19] + "Z")
        expected = seconds_between(customer["message_time"], resent["message_time"])
        self.assertLessEqual(abs(resent["sla"]["latency_s"] - expected), 1)

        # The report: one customer message, one reply (the resend), one rejected.
        r = harness.run([harness.binary(), "report", "--format", "json", self.stack.milter.audit_path])
        total = json.loads(r.stdout)["total"]
        self.assertEqual(total["customer_messages"], 1)
        self.assertEqual(total["replies"], 1)
        self.assertEqual(total["rejected"], 1)
        self.assertEqual(total["first_reply"]["count"], 1)
        self.assertEqual(total["first_reply"]["max_s"], resent["sla"]["latency_s"])
        self.assertEqual(total["within_target"], 1.0)
        self.assertEqual(total["customer_last_word"], 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
