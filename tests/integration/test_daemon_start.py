"""The daemon's start, as root with milter.user: a relative -c still names the same file after the
daemon has left its directory (a reload after the start reads it), and a start refused after the
socket was made (the metrics port taken, the audit log out of reach) removes that socket."""

import json
import os
import signal
import socket
import subprocess
import unittest

import harness


def audit_records(path, event):
    try:
        with open(path) as f:
            return [r for r in (json.loads(line) for line in f if line.strip()) if r.get("event") == event]
    except FileNotFoundError:
        return []


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


class DaemonStart(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to start the daemon with milter.user")
        self.work = harness.Workdir("support-milter-start")
        self.addCleanup(self.work.remove)
        self.milter = harness.Milter(self.work, unix=True)

    def test_relative_config_path_is_read_again_on_reload(self):
        m = self.milter
        # Daemonized (no -f): it changes to / and detaches; -c is relative to where it started.
        r = subprocess.run([harness.binary(), "run", "-c", os.path.basename(m.config_path)], cwd=self.work.path,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        start = harness.wait_until(lambda: audit_records(m.audit_path, "start"), 20, "the start record")[-1]
        pid = start["pid"]
        self.addCleanup(lambda: alive(pid) and os.kill(pid, signal.SIGKILL))
        self.assertEqual(start["path"], m.config_path)  # made absolute
        m.write_config(["support.example.com"], {}, mode="observe")
        os.kill(pid, signal.SIGHUP)
        reload = harness.wait_until(lambda: audit_records(m.audit_path, "config"), 20, "the reload record")[-1]
        self.assertTrue(reload.get("reload"), reload)
        self.assertEqual(reload["path"], m.config_path)
        os.kill(pid, signal.SIGTERM)
        harness.wait_until(lambda: not alive(pid), 40, "the daemon to stop")
        self.assertTrue(audit_records(m.audit_path, "stop"))

    def refused_start(self, extra, want_code, want_text):
        m = self.milter
        m.write_config(["support.example.com"], {}, extra=extra)
        r = subprocess.run([harness.binary(), "run", "-c", m.config_path, "-f"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, want_code, r.stderr)
        self.assertIn(want_text, r.stderr)
        self.assertFalse(os.path.exists(m.unix_path), "the refused start left its socket behind")

    def test_a_start_refused_after_binding_removes_its_socket(self):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen(1)
            port = taken.getsockname()[1]
            self.refused_start(f'[metrics]\nlisten = "127.0.0.1:{port}"\n', 71, f"metrics.listen 127.0.0.1:{port}")

    def test_a_start_refused_for_its_audit_log_removes_its_socket(self):
        closed = self.work.sub("closed", mode=0o700)  # root's: the daemon's user cannot create files there
        m = self.milter
        m.audit_path = os.path.join(closed, "audit.jsonl")
        self.refused_start("", 73, "audit.jsonl")


if __name__ == "__main__":
    unittest.main(verbosity=2)
