"""Two mail servers, one conversation state: Postfix A (the MX) and Postfix B (the submission
server), each with its own support-milter, both on one real PostgreSQL.

- The customer's message enters through A, the agent's reply leaves through B: B's audit record
  names A's thread, applies the thread rules to it (reply-all sees the customer's Cc) and measures
  the first-reply latency.
- The SLA sweeper runs in both milters, one at a time: while another session holds the sweep
  lock neither sweeps; then each event is written once, by one of them.
- PostgreSQL stops: A (store.on_error = tempfail) tempfails; the customer's mail waits in the
  queue of the sending MTA (a third Postfix, X, that relays to A), none is lost. B
  (on_error = accept) delivers the agent's mail and audits the store error. PostgreSQL comes back,
  X's queue is flushed (postqueue -f), everything is delivered through A, and both milters work
  on the shared state again (B even after a restart during the outage).

    X (customer's MTA, queues) --> A + milter A (tempfail) --> sink
    agent --> B + milter B (accept) --> sink
                 both milters --> one PostgreSQL
"""

import json
import types
import unittest
import uuid

import harness
import pg

SLA = "[sla]\ntarget_seconds = 3\nlimit_seconds = 6\nsweep_seconds = 1\n"
REPLY_ALL = {"reply-all": {"action": "annotate"}}
SWEEP_LOCK = (0x534D, 2)  # the advisory lock key of the SLA sweep (store/pg_store.cpp)


def mid(tag, domain="client.example"):
    return f"{tag}-{uuid.uuid4().hex[:10]}@{domain}"


class TwoServersOneStore(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = pg.Server().start()
        cls.work = harness.Workdir("support-milter-pg")
        cls.parts = []
        try:
            cls.sink = harness.Sink(cls.work).start()
            cls.parts.append(cls.sink)
            settings = {"timeout_ms": 1000, "pool_size": 3}
            cls.milter_a = harness.Milter(cls.work, name="milter-a", extra=SLA, rules=REPLY_ALL, store_url=cls.db.url,
                                          store_settings=dict(settings, on_error="tempfail"),
                                          audit_settings={"instance": "mx"})
            cls.milter_b = harness.Milter(cls.work, name="milter-b", extra=SLA, rules=REPLY_ALL, store_url=cls.db.url,
                                          store_settings=dict(settings, on_error="accept"),
                                          audit_settings={"instance": "submission"})
            for m in (cls.milter_a, cls.milter_b):
                m.start()
                cls.parts.append(m)
            cls.a = harness.Postfix(cls.work, cls.sink, cls.milter_a.postfix_socket, name="postfix-a")
            cls.b = harness.Postfix(cls.work, cls.sink, cls.milter_b.postfix_socket, name="postfix-b")
            # The customer's MTA: no milter, relays everything to A and queues what A defers.
            cls.x = harness.Postfix(cls.work, types.SimpleNamespace(port=cls.a.port), None, name="postfix-x",
                                    settings={"myhostname": "mta.client.example"})
            for p in (cls.a, cls.b, cls.x):
                p.start()
                cls.parts.append(p)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for part in reversed(cls.parts):
            try:
                part.stop()
            except Exception:  # noqa: BLE001 - teardown goes on
                pass
        cls.db.destroy()
        cls.work.remove()

    def diagnostics(self):
        return "\n".join([self.milter_a.diagnostics(), self.milter_b.diagnostics(), self.a.diagnostics(),
                          self.x.diagnostics(), self.db.diagnostics()])

    def delivered(self, message_id, timeout=60):
        return harness.wait_until(lambda: self.sink.find(message_id), timeout, f"{message_id} at the sink",
                                  self.diagnostics)

    def customer_via_x(self, tag, body="Invoice 4471 was charged twice. Please refund one.\n\nAna"):
        m = mid(tag)
        code, text = self.x.send(harness.make_message(
            m, "Ana <ana@client.example>", ["help@support.example.com"], f"Invoice {tag} charged twice", body,
            cc=["bob@client.example"]), "ana@client.example", ["help@support.example.com", "bob@client.example"])
        self.assertEqual(code, 250, text)
        return m

    def agent_via_b(self, tag, parent, to=("ana@client.example",), cc=("bob@client.example",)):
        m = mid(tag, "support.example.com")
        body = ("Hi Ana,\n\nthe second charge is refunded today.\n\nSam\n\n"
                "On Mon, Ana <ana@client.example> wrote:\n> Invoice 4471 was charged twice. Please refund one.\n>\n> Ana")
        code, text = self.b.send(harness.make_message(
            m, "Sam <sam@support.example.com>", list(to), "Re: Invoice charged twice", body, cc=list(cc),
            in_reply_to=parent, references=[parent]), "sam@support.example.com", list(to) + list(cc))
        self.assertEqual(code, 250, text)
        return m

    def test_1_reply_through_b_continues_the_thread_from_a(self):
        c = self.customer_via_x("one")
        rec_a = self.milter_a.audit_for(c, timeout=60)
        self.assertEqual(rec_a["direction"], "inbound")
        self.assertNotIn("error", rec_a)
        self.delivered(c)
        self.assertEqual(self.db.psql(f"SELECT thread_id FROM messages WHERE message_id = '{c}'"), rec_a["thread_id"])

        # The agent drops Bob from the reply: B knows Bob only from A's message.
        r = self.agent_via_b("reply", c, cc=())
        rec_b = self.milter_b.audit_for(r)
        self.assertNotIn("error", rec_b)
        self.assertEqual(rec_b["direction"], "outbound")
        self.assertEqual(rec_b["thread_id"], rec_a["thread_id"])
        self.assertTrue(rec_b["sla"]["first_reply"], rec_b)
        self.assertIsInstance(rec_b["sla"]["latency_s"], int)
        self.assertGreaterEqual(rec_b["sla"]["latency_s"], 0)
        reply_all = [f for f in rec_b["findings"] if f["rule"] == "reply-all"]
        self.assertEqual(reply_all[0]["result"], "fail", rec_b)
        self.assertIn("bob@client.example", reply_all[0]["detail"])
        self.assertIn("reply-all", self.delivered(r)["X-Support-Policy"])
        # A has no record of the reply: B's milter alone saw it, and both use one store.
        self.assertEqual([x for x in self.milter_a.audit("message") if x.get("message_id") == r], [])
        self.assertEqual((rec_a["instance"], rec_b["instance"]), ("mx", "submission"))

        # One report over both servers' logs: each chain verified on its own, the thread counted
        # once, the reply with B's latency.
        out = harness.run([harness.binary(), "report", "--format", "json", self.milter_a.audit_path,
                           self.milter_b.audit_path], check=False)
        self.assertEqual(out.returncode, 0, out.stderr)
        rep = json.loads(out.stdout)
        self.assertEqual([(i["instance"], i["ok"]) for i in rep["chain"]["instances"]], [("mx", True), ("submission", True)])
        replies = [x for x in rep["lists"]["replies"] if x["message_id"] == r]
        self.assertEqual(len(replies), 1)
        self.assertEqual(replies[0]["latency_s"], rec_b["sla"]["latency_s"])
        self.assertEqual(replies[0]["thread_id"], rec_a["thread_id"])

    def test_2_sla_sweep_runs_in_one_milter_at_a_time(self):
        def events(t):
            return [(m.name, r["event"]) for m in (self.milter_a, self.milter_b) for r in m.audit()
                    if r.get("thread_id") == t and r["event"] != "message"]

        def skipped(m):
            return harness.tail(m.stderr_path, 100000).count("another instance is sweeping")

        # While a third session holds the sweep lock, neither milter sweeps.
        holder = self.db.hold_advisory_lock(SWEEP_LOCK[0], SWEEP_LOCK[1])
        try:
            c = self.customer_via_x("wait")
            thread = self.milter_a.audit_for(c, timeout=60)["thread_id"]
            base = {m.name: skipped(m) for m in (self.milter_a, self.milter_b)}
            # Past the SLA limit (6 s at one sweep a second), both milters have skipped every round.
            harness.wait_until(lambda: all(skipped(m) >= base[m.name] + 8 for m in (self.milter_a, self.milter_b)),
                               40, "both milters to skip 8 sweeps", self.diagnostics)
            self.assertEqual(events(thread), [])
        finally:
            holder.release()
        # Released: one of them sweeps, and each event is written once.
        harness.wait_until(lambda: len(events(thread)) >= 2, 30, "sla_warning and sla_breach", self.diagnostics)
        later = self.customer_via_x("later")
        later_thread = self.milter_a.audit_for(later, timeout=60)["thread_id"]
        harness.wait_until(lambda: ("sla_breach" in [e for _, e in events(later_thread)]), 40,
                           "the later thread's breach", self.diagnostics)
        self.assertEqual(sorted(e for _, e in events(thread)), ["sla_breach", "sla_warning"], events(thread))

    def test_3_outage_tempfail_holds_accept_annotates_and_both_recover(self):
        c0 = self.customer_via_x("before")
        self.milter_a.audit_for(c0, timeout=60)
        self.delivered(c0)

        self.db.stop()
        # A tempfails: the customer's mail stays queued in X.
        waiting = [self.customer_via_x(f"outage{i}") for i in range(3)]

        # X retries every second or two, so its three messages move between the incoming, active
        # and deferred queues; each must have been deferred with A's 4xx at least once (its
        # recipients' delay reason says so, in whichever queue it is seen), and all three stay in
        # X's queue.
        deferred = set()

        def deferred_in_x():
            q = self.x.queue_json()
            for e in q:
                reasons = [rc.get("delay_reason") or "" for rc in e.get("recipients", [])]
                if reasons and all(" said: 4" in r for r in reasons):
                    deferred.add(e["queue_id"])
            ids = {e["queue_id"] for e in q}
            return ids if len(ids) == 3 and ids <= deferred else None

        def x_queue():
            return "--- X's queue ---\n" + "\n".join(map(str, self.x.queue_json())) + "\n" + self.diagnostics()

        # A bound, not a wait: on a loaded machine X's first deferrals took a minute.
        harness.wait_until(deferred_in_x, 120, "3 messages deferred by A in X's queue", x_queue)
        for m in waiting:
            self.assertIsNone(self.sink.find(m))

        def tempfail_records():
            rs = [r for r in self.milter_a.audit("message") if r.get("message_id") in waiting]
            return rs if {r["message_id"] for r in rs} == set(waiting) else None

        tempfails = harness.wait_until(tempfail_records, 30, "milter A's record of each message", x_queue)
        for r in tempfails:
            self.assertEqual(r["action"], "tempfail", r)
            self.assertIn("store:", r["error"])

        # B restarts while the database is down: it starts anyway, then accepts the agent's reply
        # and says why it could not look at the thread.
        self.assertEqual(self.milter_b.stop(), 0)
        self.milter_b.start()
        r1 = self.agent_via_b("outage-reply", c0)
        rec = self.milter_b.audit_for(r1)
        self.assertEqual(rec["action"], "accept")
        self.assertIn("store:", rec["error"])
        self.assertIn("postgresql", rec["error"])
        self.assertNotIn(self.db.password, rec["error"])
        self.delivered(r1)

        self.db.start()
        r = harness.run(["postqueue", "-c", self.x.dir, "-f"], check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        for m in waiting:
            self.delivered(m, timeout=120)
        harness.wait_until(lambda: not [e for e in self.x.queue_json()], 30, "X's queue to empty", self.diagnostics)
        threads = {}
        for m in waiting:
            ok = harness.wait_until(
                lambda: [r for r in self.milter_a.audit("message") if r.get("message_id") == m and "error" not in r],
                30, f"an audit record without error for {m}", self.diagnostics)
            self.assertEqual(ok[-1]["action"], "accept")
            threads[m] = ok[-1]["thread_id"]
        self.assertEqual(int(self.db.psql("SELECT count(*) FROM messages WHERE message_id IN (" +
                                          ", ".join(f"'{m}'" for m in waiting) + ")")), 3)

        # B works on the shared state again: a reply to a message A stored after the outage.
        r2 = self.agent_via_b("after", waiting[0])
        rec = self.milter_b.audit_for(r2)
        self.assertNotIn("error", rec)
        self.assertEqual(rec["thread_id"], threads[waiting[0]])
        self.assertTrue(rec["sla"]["first_reply"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
