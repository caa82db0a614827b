"""Faults under load through the real Postfix (milter_default_action = tempfail): nothing is lost.

Clients send messages with unique Message-IDs from several threads, the way an MTA would: a 2xx
reply means Postfix took the message, a 4xx means it is still the sender's and is sent again
later. While they send, the milter is killed with SIGKILL and restarted, or reloaded with SIGHUP,
or stopped with SIGTERM: a stop refuses new messages (451, also on milter connections opened
before it) while it finishes the one held in flight, and ends within drain_seconds, however busy
the machine is (the tests wait on conditions, not on time). At the end every message is counted: delivered to smtp-sink, or in
Postfix's hold queue. Sent = delivered + held; nothing else is allowed.
"""

import signal
import smtplib
import threading
import time
import unittest
import uuid

import harness

SENDERS = 4
PER_SENDER = 40


class Load:
    """Sender threads; each keeps its messages until Postfix answers 2xx (4xx: try again)."""

    def __init__(self, postfix, tag):
        self.postfix = postfix
        self.ids = [f"{tag}-{s}-{i}-{uuid.uuid4().hex[:8]}@client.example"
                    for s in range(SENDERS) for i in range(PER_SENDER)]
        self.accepted = set()
        self.tempfailed = 0
        self.other = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = []

    def _send(self, mid):
        data = harness.make_message(mid, "Ana <ana@client.example>", ["help@support.example.com"],
                                    "Order 5521 has not arrived", "Where is order 5521?\n\nAna")
        try:
            code, text = self.postfix.send(data, "ana@client.example", ["help@support.example.com"])
        except (smtplib.SMTPException, OSError) as e:
            code, text = 421, str(e)  # the connection broke: the message is still the sender's
        with self.lock:
            if 200 <= code < 300:
                self.accepted.add(mid)
            elif 400 <= code < 500:
                self.tempfailed += 1
            else:
                self.other.append((mid, code, text))
        return 200 <= code < 300 or code >= 500

    def _run(self, ids):
        pending = list(ids)
        while pending:
            pending = [mid for mid in pending if not self._send(mid)]
            if pending and self.stop.wait(0.2):
                break

    def start(self):
        for s in range(SENDERS):
            t = threading.Thread(target=self._run, args=(self.ids[s * PER_SENDER:(s + 1) * PER_SENDER],),
                                 daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def sent(self):
        with self.lock:
            return len(self.accepted)

    def join(self, timeout):
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.1, deadline - time.monotonic()))
        self.stop.set()
        for t in self.threads:
            t.join(10)
        return all(not t.is_alive() for t in self.threads)


class Faults(unittest.TestCase):
    def setUp(self):
        self.stack = harness.Stack().start()
        self.loads = []

    def tearDown(self):
        for load in self.loads:
            load.stop.set()
        self.stack.stop()

    def load(self, tag):
        load = Load(self.stack.postfix, tag).start()
        self.loads.append(load)
        return load

    def count(self, load):
        """Waits until every message Postfix accepted is delivered or held; returns the counts."""
        sink, postfix = self.stack.sink, self.stack.postfix

        def settled():
            delivered = {(m.get("Message-ID") or "").strip("<> ") for m in sink.messages()} & set(load.ids)
            held = {mid for mid in load.ids if mid not in delivered and postfix.queue_ids_for(mid)}
            return (delivered, held) if len(delivered) + len(held) >= len(load.accepted) else None

        return harness.wait_until(settled, 120, "every accepted message delivered or held", self.stack.diagnostics)

    def assert_nothing_lost(self, load):
        self.assertTrue(load.join(180), "the senders did not finish")
        self.assertEqual(load.other, [], "permanent refusals")
        self.assertEqual(len(load.accepted), len(load.ids), "messages the senders still hold")
        delivered, held = self.count(load)
        self.assertEqual(len(delivered) + len(held), len(load.ids),
                         f"lost: {sorted(set(load.ids) - delivered - held)[:5]}")
        return delivered, held

    def test_sigkill_under_load_and_restart(self):
        milter = self.stack.milter
        load = self.load("kill")
        harness.wait_until(lambda: load.sent() >= 20, 60, "the first messages", self.stack.diagnostics)
        milter.kill()
        # Postfix answers 4xx while the milter is away; the senders keep their messages.
        harness.wait_until(lambda: load.tempfailed > 0, 60, "a tempfail while the milter is down",
                           self.stack.diagnostics)
        milter.start()
        delivered, held = self.assert_nothing_lost(load)
        self.assertGreater(load.tempfailed, 0)
        # The restarted milter judged the messages it saw: each delivered one after the restart has
        # an audit record.
        audited = {r.get("message_id") for r in milter.audit("message")}
        self.assertTrue(delivered & audited)

    def test_sighup_under_load_applies_the_new_config(self):
        milter = self.stack.milter
        load = self.load("hup")
        harness.wait_until(lambda: load.sent() >= 20, 60, "the first messages", self.stack.diagnostics)
        milter.write_config(["support.example.com"], {}, mode="observe")
        milter.signal(signal.SIGHUP)
        harness.wait_until(lambda: [r for r in milter.audit("config") if r.get("reload") is True], 30,
                           "the reload", milter.diagnostics)
        self.assert_nothing_lost(load)
        modes = [r.get("mode") for r in milter.audit("message") if r.get("message_id") in set(load.ids)]
        self.assertIn("observe", modes, "the new config never took effect")

    def open_session(self, mid=None):
        """An SMTP session to Postfix that has said EHLO (Postfix has opened its milter connection);
        with `mid`, also MAIL FROM and RCPT: the milter counts the message in flight from MAIL FROM
        on, and it stays so until DATA is sent, however fast or slow the machine is."""
        s = smtplib.SMTP("127.0.0.1", self.stack.postfix.port, timeout=120)
        self.addCleanup(lambda: s.close())
        s.ehlo("client.test.example")
        if mid:
            self.assertEqual(s.mail("ana@client.example")[0], 250)
            self.assertEqual(s.rcpt("help@support.example.com")[0], 250)
        return s

    def wait_stopping(self, milter):
        harness.wait_until(lambda: "SIGTERM: stopping" in harness.tail(milter.stderr_path, 400), 30,
                           "the milter to begin its stop", milter.diagnostics)

    def test_sigterm_under_load_finishes_in_flight_messages(self):
        milter = self.stack.milter
        load = self.load("term")
        harness.wait_until(lambda: load.sent() >= 20, 60, "the first messages", self.stack.diagnostics)
        # One message in flight for as long as the test wants, and a session whose milter
        # connection is open but has no message yet.
        held = f"term-held-{uuid.uuid4().hex[:8]}@client.example"
        in_flight = self.open_session(held)
        idle = self.open_session()
        stop_began = time.monotonic()
        milter.signal(signal.SIGTERM)
        self.wait_stopping(milter)
        # A new message on the connection opened before the stop is refused for now (451), by the
        # milter itself; so is one on a new connection.
        with self.assertRaises(smtplib.SMTPSenderRefused) as refused:
            idle.sendmail("ana@client.example", ["help@support.example.com"], b"Subject: x\r\n\r\nx\r\n")
        self.assertEqual(refused.exception.smtp_code, 451)
        self.assertIn(b"support-milter: restarting", refused.exception.smtp_error)
        data = harness.make_message(f"term-new-{uuid.uuid4().hex[:8]}@client.example", "Ana <ana@client.example>",
                                    ["help@support.example.com"], "Order 5521", "Where is it?")
        code, text = self.stack.postfix.send(data, "ana@client.example", ["help@support.example.com"])
        self.assertEqual(code, 451, text)
        self.assertIn("restarting", text)
        # The message in flight is still judged and delivered; then the stop ends, well within
        # drain_seconds.
        code, _ = in_flight.data(harness.make_message(held, "Ana <ana@client.example>", ["help@support.example.com"],
                                                      "Order 5521 has not arrived", "Where is order 5521?\n\nAna"))
        self.assertEqual(code, 250)
        self.assertEqual(milter.proc.wait(milter.drain_seconds + 30), 0, milter.diagnostics())
        self.assertLess(time.monotonic() - stop_began, milter.drain_seconds + 10)
        milter.stop()
        stops = milter.audit("stop")
        self.assertTrue(stops)
        self.assertEqual(stops[-1].get("in_flight"), 0, "messages cut off by the stop")
        self.assertTrue([r for r in milter.audit("message") if r.get("message_id") == held])
        milter.start()
        self.assert_nothing_lost(load)
        self.stack.wait_delivered(held)

    def test_sigterm_ends_within_drain_seconds_whatever_is_in_flight(self):
        milter = self.stack.milter
        milter.drain_seconds = 10
        milter.write_config(["support.example.com"], {})
        milter.signal(signal.SIGHUP)
        harness.wait_until(lambda: [r for r in milter.audit("config") if r.get("reload") is True], 30,
                           "the reload", milter.diagnostics)
        load = self.load("drain")
        harness.wait_until(lambda: load.sent() >= 5, 60, "the first messages", self.stack.diagnostics)
        # A message that never ends: the stop waits for it drain_seconds, not longer.
        self.open_session(f"drain-stuck-{uuid.uuid4().hex[:8]}@client.example")
        stop_began = time.monotonic()
        milter.signal(signal.SIGTERM)
        self.assertEqual(milter.proc.wait(milter.drain_seconds + 30), 0, milter.diagnostics())
        # drain_seconds, libmilter's look at its stop flag (every 5 s) and a second for notices;
        # not a second drain_seconds after libmilter's loop has ended.
        self.assertLess(time.monotonic() - stop_began, milter.drain_seconds + 7)
        milter.stop()
        self.assertEqual(milter.audit("stop")[-1].get("in_flight"), 1)
        milter.start()
        self.assert_nothing_lost(load)


if __name__ == "__main__":
    unittest.main()
