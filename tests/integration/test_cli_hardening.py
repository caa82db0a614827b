"""The admin tools as a security review runs them, against the real binary as root: a config or key
file owned by another user or writable by others is refused by every command that obeys it (and
the command it names never runs), `-c DIR` is an error, configtest warns of system directories
and listeners beyond loopback, `check` reads no more of a file than the milter would, and `report`
on a valid chain with records of the wrong form goes on and names what it skipped."""

import hashlib
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import unittest

import harness


def sm(*args, cwd=None):
    return subprocess.run([harness.binary(), *args], capture_output=True, text=True, cwd=cwd, timeout=120)


class CliHardening(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to give files to another user")
        self.dir = tempfile.mkdtemp(prefix="support-milter-hardening-")
        os.chmod(self.dir, 0o755)
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.nobody = pwd.getpwnam(harness.UNPRIVILEGED).pw_uid

    def write(self, name, text, mode=0o644, owner=0):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        os.chown(path, owner, -1)
        return path

    def test_every_command_that_obeys_the_config_refuses_a_foreign_or_writable_one(self):
        marker = os.path.join(self.dir, "ran")
        audit = os.path.join(self.dir, "audit.jsonl")
        # What an attacker would write: the MTA command that `release` runs as root.
        text = ('[mta]\nkind = "sendmail"\nsendmail_command = ["/bin/sh", "-c", "touch %s"]\n'
                'sendmail_config = "%s/sendmail.cf"\n[audit]\npath = "%s"\n' % (marker, self.dir, audit))
        self.write("sendmail.cf", "OQ%s\n" % self.dir)
        message = self.write("m.eml", "From: a@client.example\r\nSubject: x\r\n\r\nhello\r\n")
        for label, mode, owner, want in [
            ("owned by nobody", 0o644, self.nobody, "config file owned by nobody (uid %d), not by root" % self.nobody),
            ("group-writable", 0o664, 0, "config file writable by its group (mode 0664): refused (chmod go-w "),
            ("world-writable", 0o646, 0, "config file writable by every user (mode 0646)"),
        ]:
            conf = self.write("attack.conf", text, mode, owner)
            commands = [
                ["release", "QUEUE12345", "--by", "x", "--reason", "y", "-c", conf],
                ["discard", "QUEUE12345", "--by", "x", "--reason", "y", "-c", conf],
                ["held", "-c", conf],
                ["setup-postfix", "-c", conf, "--config-dir", self.dir],
                ["setup-sendmail", "-c", conf, "--mc", os.devnull],
                ["run", "-c", conf, "-f"],
                ["configtest", "-c", conf],
                ["check", "-c", conf, message],
                ["replay", "-c", conf, self.dir],
                ["report", "-c", conf, conf],
                ["review", "-c", conf],
                ["review-user", "lead1", "-c", conf],
            ]
            for argv in commands:
                with self.subTest(label=label, command=argv[0]):
                    r = sm(*argv)
                    self.assertEqual(r.returncode, 78, r.stdout + r.stderr)
                    self.assertIn(conf + ":0: " + want, r.stderr)
                    self.assertFalse(os.path.exists(marker), "the command named in the refused config ran")
        # The same file, root's and 0644, is accepted: the refusals above were its owner and mode.
        conf = self.write("attack.conf", text, 0o644, 0)
        r = sm("configtest", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_key_files_and_directories(self):
        key = self.write("hmac.key", "0123456789abcdef0123456789", 0o644)
        conf = self.write("c.conf", '[audit]\ncustomer_addresses = "hmac"\nhmac_key_file = "%s"\n' % key)
        r = sm("configtest", "-c", conf)
        self.assertEqual(r.returncode, 78)
        self.assertIn(conf + ":3: audit.hmac_key_file: \"%s\" key file readable by every user (mode 0644): "
                      "refused (chmod o-rwx %s" % (key, key), r.stderr)
        os.chmod(key, 0o600)
        r = sm("configtest", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        os.chown(key, self.nobody, -1)
        r = sm("configtest", "-c", conf)
        self.assertEqual(r.returncode, 78)
        self.assertIn("key file owned by nobody", r.stderr)
        # milter.user may own it: the daemon reads it after switching to that user.
        conf = self.write("c.conf", '[milter]\nuser = "nobody"\n[audit]\ncustomer_addresses = "hmac"\n'
                                    'hmac_key_file = "%s"\n' % key)
        r = sm("configtest", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        # A directory above the config that others may write to.
        sub = os.path.join(self.dir, "open")
        os.makedirs(sub)
        os.chmod(sub, 0o777)
        inner = os.path.join(sub, "c.conf")
        shutil.copy(conf, inner)
        os.chmod(inner, 0o644)
        r = sm("configtest", "-c", inner)
        self.assertEqual(r.returncode, 78)
        self.assertIn("the directory %s above %s is writable by every user (mode 0777)" % (sub, inner), r.stderr)

    def test_the_review_pages_users_file_is_trusted_like_the_config(self):
        users = os.path.join(self.dir, "review-users")
        conf = self.write("r.conf", '[review]\nlisten = "127.0.0.1:%d"\nusers_file = "%s"\n' % (harness.free_port(), users))
        r = subprocess.run([harness.binary(), "review-user", "marta", "--role", "lead", "-c", conf],
                           input="a password of some length\n", capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(os.stat(users).st_mode & 0o777, 0o600)
        os.chmod(users, 0o660)
        for argv in (["review", "-c", conf], ["review-user", "ines", "-c", conf]):
            with self.subTest(command=argv[0]):
                r = subprocess.run([harness.binary(), *argv], input="another long password\n",
                                   capture_output=True, text=True, timeout=60)
                self.assertEqual(r.returncode, 78, r.stdout + r.stderr)
                self.assertIn("writable by its group (mode 0660)", r.stderr)

    def test_c_naming_a_directory_is_an_error(self):
        for argv in (["configtest", "-c", self.dir], ["run", "-c", self.dir, "-f"], ["held", "-c", self.dir]):
            with self.subTest(command=argv[0]):
                r = sm(*argv)
                self.assertEqual(r.returncode, 78, r.stdout + r.stderr)
                self.assertIn(self.dir + ":0: is a directory, not a config file", r.stderr)

    def test_configtest_warns_of_system_directories_and_open_listeners(self):
        conf = self.write("w.conf", '[milter]\nsocket = "inet:8890@0.0.0.0"\n[audit]\npath = "/etc/audit.jsonl"\n'
                                    '[store]\nurl = "sqlite:/usr/state.db"\n')
        r = sm("configtest", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(": ok (sha256 ", r.stdout)
        warnings = [line for line in r.stderr.splitlines() if line.startswith(conf + ": warning: ")]
        self.assertEqual(len(warnings), 3, r.stderr)
        self.assertIn('audit.path = "/etc/audit.jsonl" lies in the system directory /etc', r.stderr)
        self.assertIn('store.url = "/usr/state.db" lies in the system directory /usr', r.stderr)
        self.assertIn('milter.socket = "inet:8890@0.0.0.0" listens on "0.0.0.0", not loopback', r.stderr)
        quiet = self.write("q.conf", '[milter]\nsocket = "inet:8890@127.0.0.1"\n')
        r = sm("configtest", "-c", quiet)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")

    def test_check_reads_no_more_than_the_milter(self):
        conf = self.write("small.conf", "[limits]\nscan_bytes = 2000\n")
        big = self.write("big.eml", "From: a@client.example\r\nSubject: x\r\n\r\n" + "hello there\r\n" * 1000)
        r = sm("check", "-c", conf, big)
        self.assertEqual(r.returncode, 0, r.stderr)
        rec = json.loads(r.stdout)
        self.assertIn("scanned 2000 bytes of a larger message", rec["notes"])
        # A device that never ends is read up to the limit too.
        r = sm("check", "-c", conf, "/dev/zero")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("scanned 2000 bytes of a larger message", json.loads(r.stdout)["notes"])
        # A directory is a record with its error, not a message.
        r = sm("check", "-c", conf, self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["error"], "is a directory, not a message file")

    def test_report_names_the_records_it_skipped(self):
        # A valid chain, hashed as the writer hashes it (each prev is the SHA-256 of the line
        # before), with two records whose fields have the wrong type.
        records = [
            {"event": "message", "message_time": "2026-11-02T09:00:00.000Z", "thread_id": "t", "direction": "inbound",
             "action": "accept", "findings": []},
            {"event": "message", "message_time": "2026-11-02T09:30:00.000Z", "thread_id": "t", "direction": "outbound",
             "author": "sam@support.example.com", "action": "accept", "findings": [],
             "sla": {"latency_s": "half an hour", "first_reply": True}},
            {"event": "message", "message_time": "2026-11-02T09:40:00.000Z", "thread_id": ["t"], "direction": "outbound",
             "action": "accept", "findings": []},
            {"event": "message", "message_time": "2026-11-02T10:00:00.000Z", "thread_id": "t", "direction": "outbound",
             "author": "sam@support.example.com", "action": "accept", "findings": [],
             "sla": {"latency_s": 3600, "first_reply": True}},
        ]
        path = os.path.join(self.dir, "audit.jsonl")
        prev = "0" * 64
        with open(path, "w") as f:
            for seq, rec in enumerate(records, 1):
                line = json.dumps({"time": rec["message_time"], "seq": seq, "prev": prev, **rec}, separators=(",", ":"))
                f.write(line + "\n")
                prev = hashlib.sha256(line.encode()).hexdigest()
        r = sm("audit", "verify", path)
        self.assertEqual(r.returncode, 0, r.stdout)
        r = sm("report", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(path + ':2: field "sla.latency_s" is a string, not a number or null; record skipped', r.stderr)
        self.assertIn(path + ':3: field "thread_id" is an array, not a string; record skipped', r.stderr)
        self.assertIn("skipped 2 record(s) with a field of the wrong type", r.stdout)
        r = sm("report", "--format", "json", path)
        report = json.loads(r.stdout)
        self.assertTrue(report["chain"]["ok"])
        self.assertEqual([s["line"] for s in report["skipped_records"]], [2, 3])
        self.assertEqual(report["total"]["replies"], 1)
        self.assertEqual(report["total"]["first_reply"]["p50_s"], 3600)


if __name__ == "__main__":
    unittest.main(verbosity=2)
