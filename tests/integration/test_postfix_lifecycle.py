"""The daemon's life with Postfix: reload on SIGHUP (a bad file keeps the running config), an
unreachable milter makes Postfix defer (nothing is lost), SIGTERM stops cleanly with an intact
audit chain, and running as root without a user to switch to is refused."""

import os
import signal
import subprocess
import unittest
import uuid

import harness


def message(tag, subject="Where is my order?"):
    mid = f"{tag}-{uuid.uuid4().hex[:10]}@client.example"
    return mid, harness.make_message(mid, "Ana <ana@client.example>", ["help@support.example.com"], subject,
                                     "Order 5521 has not arrived yet.\n\nAna")


class Lifecycle(unittest.TestCase):
    def setUp(self):
        self.stack = harness.Stack().start()

    def tearDown(self):
        self.stack.stop()

    def reload_count(self, ok):
        return len([r for r in self.stack.milter.audit("config") if r.get("reload") is ok])

    def test_reload_applies_a_good_config_and_keeps_the_old_on_a_bad_one(self):
        milter = self.stack.milter
        milter.write_config(["support.example.com"], {}, mode="observe")
        milter.signal(signal.SIGHUP)
        harness.wait_until(lambda: self.reload_count(True) == 1, 20, "the reload", milter.diagnostics)
        mid, data = message("observe")
        self.stack.postfix.send(data, "ana@client.example", ["help@support.example.com"])
        self.assertEqual(milter.audit_for(mid)["mode"], "observe")

        with open(milter.config_path, "w") as f:
            f.write("[rules]\nmode = \"sometimes\"\n")
        milter.signal(signal.SIGHUP)
        bad = harness.wait_until(lambda: [r for r in milter.audit("config") if r.get("reload") is False],
                                 20, "the refused reload", milter.diagnostics)
        self.assertIn("support-milter.conf:2: rules.mode", bad[0]["error"])
        mid2, data2 = message("still-observe")
        code, _ = self.stack.postfix.send(data2, "ana@client.example", ["help@support.example.com"])
        self.assertEqual(code, 250)
        self.assertEqual(milter.audit_for(mid2)["mode"], "observe", "the running config stayed")
        self.assertIsNone(milter.proc.poll(), "the daemon kept running")

    def test_unreachable_milter_defers_and_nothing_is_lost(self):
        milter = self.stack.milter
        self.assertEqual(milter.stop(), 0)
        mid, data = message("deferred")
        code, text = self.stack.postfix.send(data, "ana@client.example", ["help@support.example.com"])
        self.assertEqual(code // 100, 4, f"expected a temporary failure, got {code} {text}")
        self.assertIsNone(self.stack.sink.find(mid))
        milter.start()
        code, _ = self.stack.postfix.send(data, "ana@client.example", ["help@support.example.com"])
        self.assertEqual(code, 250)
        self.stack.wait_delivered(mid)
        self.assertEqual(milter.audit_for(mid)["direction"], "inbound")

    def test_sigterm_stops_cleanly_and_the_audit_chain_verifies(self):
        milter = self.stack.milter
        for i in range(5):
            mid, data = message(f"m{i}")
            self.stack.postfix.send(data, "ana@client.example", ["help@support.example.com"])
            milter.audit_for(mid)
        self.assertEqual(milter.stop(), 0)
        stops = milter.audit("stop")
        self.assertEqual(len(stops), 1)
        self.assertEqual(stops[0]["in_flight"], 0)
        r = subprocess.run([harness.binary(), "audit", "verify", milter.audit_path], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("ok: 7 records", r.stdout)  # start, five messages, stop
        # Tampering is caught.
        with open(milter.audit_path) as f:
            lines = f.readlines()
        lines[2] = lines[2].replace('"inbound"', '"outbound"')
        with open(milter.audit_path, "w") as f:
            f.writelines(lines)
        r = subprocess.run([harness.binary(), "audit", "verify", milter.audit_path], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn(":4: seq 4: the record before it was changed", r.stdout)


class Privileges(unittest.TestCase):
    def test_root_without_a_user_is_refused(self):
        if os.geteuid() != 0:
            self.skipTest("needs root")
        work = harness.Workdir("support-milter-root")
        try:
            conf = os.path.join(work.path, "root.conf")
            with open(conf, "w") as f:
                f.write('[milter]\nsocket = "inet:%d@127.0.0.1"\n' % harness.free_port())
            r = subprocess.run([harness.binary(), "run", "-c", conf, "-f"], capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 77)
            self.assertIn("refusing to run as root", r.stderr)
        finally:
            work.remove()


if __name__ == "__main__":
    unittest.main(verbosity=2)
