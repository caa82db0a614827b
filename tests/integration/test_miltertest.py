"""support-milter driven by miltertest, an independent milter client, over a unix socket: every
action's milter operations (header change/add, recipient add, quarantine, SMTP reply) and a
broken message's defined verdict."""

import os
import stat
import subprocess
import unittest

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "miltertest")


class Miltertest(unittest.TestCase):
    def run_script(self, script, rules):
        work = harness.Workdir("support-milter-mt")
        milter = harness.Milter(work, rules=rules, unix=True)
        try:
            milter.start()
            mode = stat.S_IMODE(os.stat(milter.unix_path).st_mode)
            self.assertEqual(mode, 0o660, "socket mode from config")
            env = dict(os.environ, MILTER_SOCKET=milter.socket, MT_COMMON=os.path.join(SCRIPTS, "common.lua"))
            r = subprocess.run(["miltertest", "-s", os.path.join(SCRIPTS, script)], env=env,
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, f"{script}:\n{r.stdout}\n{r.stderr}\n{milter.diagnostics()}")
            return milter.audit("message")
        finally:
            milter.stop()
            work.remove()

    def test_annotate_and_fix(self):
        records = self.run_script("annotate_fix.lua", {"subject-continuity": {"action": "fix"},
                                                      "reply-all": {"action": "fix"},
                                                      "quoted-history": {"action": "annotate"}})
        self.assertEqual([r["action"] for r in records], ["accept", "fix"])
        self.assertEqual(records[1]["queue_id"], "Qfix1B")

    def test_reject(self):
        records = self.run_script("reject.lua", {"reply-all": {"action": "reject"}})
        self.assertEqual(records[-1]["action"], "reject")
        self.assertIn("bob@client.example", records[-1]["reply"])

    def test_hold(self):
        records = self.run_script("hold.lua", {"quoted-history": {"action": "hold"}})
        self.assertEqual(records[-1]["action"], "hold")
        self.assertIn("quoted-history", records[-1]["hold_reason"])

    def test_broken_message(self):
        records = self.run_script("broken.lua", {})
        self.assertEqual(len(records), 1)
        self.assertEqual(records[0]["action"], "accept")
        self.assertEqual(records[0]["queue_id"], "QBROKEN")


if __name__ == "__main__":
    unittest.main(verbosity=2)
