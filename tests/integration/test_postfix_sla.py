"""The SLA clock in the running daemon with Postfix: a reply's latency in the audit record, and
the sweeper's warning and breach for a customer left waiting, each written once."""

import unittest
import uuid

import harness

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
        self.assertIsInstance(out["sla"]["latency_s"], int)
        self.assertIn(out["sla"]["status"], ("within_target", "over_target", "breached"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
