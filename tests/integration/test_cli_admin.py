"""The command line an admin meets first: --version, configtest's file:line errors and exit codes,
and setup-postfix on a copy of a Postfix configuration (shown, confirmed, applied with postconf,
existing milters kept, a second run changes nothing)."""

import json
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import unittest

import harness


def sm(*args, stdin=None):
    return subprocess.run([harness.binary(), *args], capture_output=True, text=True, input=stdin)


def packaged_config(directory):
    """The configuration the Debian package installs: conf/support-milter.conf with the socket
    debian/rules puts in it."""
    with open(os.path.join(harness.ROOT, "debian", "rules")) as f:
        socket = re.search(r"^SOCKET := (\S+)$", f.read(), re.M).group(1)
    with open(os.path.join(harness.ROOT, "conf", "support-milter.conf")) as f:
        text, n = re.subn(r'^socket = .*$', f'socket = "{socket}"', f.read(), count=1, flags=re.M)
    assert n == 1
    path = os.path.join(directory, "packaged.conf")
    with open(path, "w") as f:
        f.write(text)
    return path, socket


def postconf(directory, *names):
    r = subprocess.run(["postconf", "-c", directory, "-h", *names], capture_output=True, text=True, check=True)
    return r.stdout.splitlines()


class CliAdmin(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="support-milter-cli-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def test_version_is_the_project_version(self):
        r = sm("--version")
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout.strip(), "support-milter " + os.environ["SUPPORT_MILTER_VERSION"])

    def test_configtest(self):
        good = os.path.join(harness.ROOT, "conf", "support-milter.conf")
        r = sm("configtest", "-c", good)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(": ok (sha256 ", r.stdout)
        cases = [
            ("[milter]\nsocket = \"unix:/x\"\n\nsokcet = 1\n", ":4: unknown key milter.sokcet"),
            ("[metrics]\nlisten = \"0.0.0.0:9759\"\n", ":2: metrics.listen: \"0.0.0.0\" is not a loopback address"),
            ("[store]\nretention_days = [\n", ":2: Error while parsing array"),
            ("[rules.reply-all]\naction = \"explode\"\n", ":2: rules.reply-all.action"),
        ]
        for text, want in cases:
            path = os.path.join(self.dir, "bad.conf")
            with open(path, "w") as f:
                f.write(text)
            r = sm("configtest", "-c", path)
            self.assertEqual(r.returncode, 78, text)
            self.assertTrue(r.stderr.startswith(path + ":"), r.stderr)
            self.assertIn(want, r.stderr)
        r = sm("configtest", "-c", os.path.join(self.dir, "missing.conf"))
        self.assertEqual(r.returncode, 78)
        self.assertIn("missing.conf:0: cannot read", r.stderr)
        r = sm("configtest")
        self.assertEqual(r.returncode, 64)

    def test_audit_keygen(self):
        """keygen installs both keys for the milter's user, refuses to replace them, prints the
        verification key once; verify and configtest take the keys as keygen printed them."""
        keys = os.path.join(self.dir, "keys")
        os.makedirs(keys)
        conf = os.path.join(self.dir, "sealed.conf")
        audit = os.path.join(self.dir, "audit.jsonl")
        seal, anchor = os.path.join(keys, "seal.key"), os.path.join(keys, "anchor.key")

        def write(user, sealing=True):
            with open(conf, "w") as f:
                f.write(f'[milter]\nuser = "{user}"\n[audit]\npath = "{audit}"\n')
                if sealing:
                    f.write(f'seal_key_file = "{seal}"\nanchor_key_file = "{anchor}"\n')
        write("nobody", sealing=False)
        r = sm("audit", "keygen", "-c", conf)
        self.assertEqual(r.returncode, 78)
        self.assertIn("audit.seal_key_file is not set", r.stderr)
        r = sm("configtest", "-c", conf)
        self.assertIn("audit sealing: off (audit.seal_key_file is not set)", r.stdout)
        if os.geteuid() == 0:
            write("")
            r = sm("audit", "keygen", "-c", conf)
            self.assertEqual(r.returncode, 78, "root without milter.user, the keys' directory root's: whose keys?")
            self.assertIn("whose keys? milter.user is not set", r.stderr)
            # The packaged way: no milter.user, the keys in the daemon's own directory.
            shutil.chown(keys, "nobody")
            r = sm("audit", "keygen", "-c", conf)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(pwd.getpwuid(os.stat(seal).st_uid).pw_name, "nobody")
            os.remove(seal)
            os.remove(anchor)
            os.remove(audit)
        write("nobody")
        r = sm("audit", "keygen", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        first = re.findall(r"^  (sm-seal-v1:[0-9a-f]{64})$", r.stdout, re.M)
        public = re.findall(r"^  (sm-anchor-v1:[0-9a-f]{64})$", r.stdout, re.M)
        self.assertEqual((len(first), len(public)), (1, 1), r.stdout)
        for path in (seal, anchor):
            st = os.stat(path)
            self.assertEqual(st.st_mode & 0o777, 0o600)
            if os.geteuid() == 0:
                self.assertEqual(pwd.getpwuid(st.st_uid).pw_name, "nobody")
        with open(audit) as f:
            record = json.loads(f.read())
        self.assertEqual((record["event"], record["anchor_key"]), ("keygen", public[0]))
        r = sm("configtest", "-c", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"key {seal} at epoch 0", r.stdout)
        # Never replaced by mistake; --force makes new keys.
        r = sm("audit", "keygen", "-c", conf)
        self.assertEqual(r.returncode, 73)
        self.assertIn("refusing to replace it", r.stderr)
        r = sm("audit", "keygen", "-c", conf, "--force")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(first[0], r.stdout)
        # verify reads the keys in their form only.
        r = sm("audit", "verify", "--key", first[0], audit)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("unsealed: the log carries no seals", r.stdout)
        r = sm("audit", "verify", "--key", public[0], audit)
        self.assertEqual(r.returncode, 64)
        self.assertIn("not a verification key", r.stderr)
        r = sm("audit", "verify", "--anchors", audit, audit)
        self.assertEqual(r.returncode, 64)
        self.assertIn("--anchors needs --anchor-key", r.stderr)
        r = sm("audit", "verify", "--anchors", os.path.join(self.dir, "none"), "--anchor-key", public[0], audit)
        self.assertEqual(r.returncode, 66)

    def postfix_copy(self):
        pf = os.path.join(self.dir, "postfix")
        os.makedirs(pf)
        shutil.copy("/etc/postfix/master.cf", pf)
        with open(os.path.join(pf, "main.cf"), "w") as f:
            f.write("compatibility_level = 3.6\nsmtpd_milters = inet:127.0.0.1:8891\n"
                    "milter_connect_macros = j v\n")
        return pf

    def test_setup_postfix_shows_asks_and_applies(self):
        pf = self.postfix_copy()
        sock = "unix:/run/support-milter/support-milter.sock"
        # Declined: shown, nothing written.
        r = sm("setup-postfix", "--config-dir", pf, "--socket", sock, stdin="n\n")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("smtpd_milters", r.stdout)
        self.assertIn(f"new: inet:127.0.0.1:8891, {sock}", r.stdout)
        self.assertIn("Nothing changed.", r.stdout)
        self.assertEqual(postconf(pf, "smtpd_milters"), ["inet:127.0.0.1:8891"])
        # Confirmed.
        r = sm("setup-postfix", "--config-dir", pf, "--socket", sock, stdin="y\n")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(postconf(pf, "smtpd_milters", "non_smtpd_milters", "milter_connect_macros",
                                  "milter_end_of_data_macros", "milter_protocol", "milter_default_action"),
                         [f"inet:127.0.0.1:8891, {sock}", sock, "j v {daemon_name}", "i", "6", "tempfail"])
        self.assertIn("{auth_authen}", postconf(pf, "milter_mail_macros")[0])
        # Again: nothing to do, nothing asked.
        r = sm("setup-postfix", "--config-dir", pf, "--socket", sock)
        self.assertEqual(r.returncode, 0)
        self.assertIn("Nothing to change", r.stdout)
        # libmilter's inet form is written in Postfix's form; --yes does not ask.
        r = sm("setup-postfix", "--config-dir", pf, "--socket", "inet:8895@127.0.0.1", "--yes",
               "--default-action", "accept")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(postconf(pf, "smtpd_milters", "milter_default_action"),
                         [f"inet:127.0.0.1:8891, {sock}, inet:127.0.0.1:8895", "accept"])

    def test_packaged_postfix_lines_are_what_setup_postfix_writes(self):
        # packaging/postfix/main.cf (installed as /usr/share/support-milter/postfix/main.cf) applied
        # by hand and setup-postfix on the packaged config and Debian's master.cf (smtpd and
        # cleanup chrooted) leave Postfix with the same settings.
        with open(os.path.join(harness.ROOT, "packaging", "postfix", "main.cf")) as f:
            lines = [line.strip() for line in f if line.strip() and not line.startswith("#")]
        params = [line.split("=", 1)[0].strip() for line in lines]
        self.assertIn("smtpd_milters", params)
        by_hand, by_tool = (os.path.join(self.dir, d) for d in ("by-hand", "by-tool"))
        for d in (by_hand, by_tool):
            os.makedirs(d)
            shutil.copy("/etc/postfix/master.cf", d)
            with open(os.path.join(d, "main.cf"), "w") as f:
                f.write("compatibility_level = 3.6\n")
        subprocess.run(["postconf", "-c", by_hand, "-e", *lines], check=True)
        config, socket = packaged_config(self.dir)
        self.assertTrue(socket.startswith("unix:/var/spool/postfix/"), socket)
        self.assertEqual(postconf(by_tool, "queue_directory"), ["/var/spool/postfix"])
        self.assertIn("cleanup/unix/chroot = y\n", subprocess.run(["postconf", "-c", by_tool, "-F"], capture_output=True,
                                                                   text=True, check=True).stdout)
        r = sm("setup-postfix", "--config-dir", by_tool, "-c", config, "--yes")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("warning:", r.stdout)
        expanded = ["-x"]  # $smtpd_milters read as its value
        self.assertEqual(postconf(by_hand, *expanded, *params), postconf(by_tool, *expanded, *params))
        # The documented lines are the packaged ones.
        with open(os.path.join(harness.ROOT, "docs", "postfix.md")) as f:
            doc = f.read()
        self.assertIn("\n".join(lines) + "\n```", doc)

    def test_packaged_sendmail_lines_are_the_documented_ones(self):
        # packaging/sendmail/support-milter.mc after its two lines of introduction.
        with open(os.path.join(harness.ROOT, "packaging", "sendmail", "support-milter.mc")) as f:
            lines = f.read().splitlines()[2:]
        self.assertEqual(len(lines), 1, lines)
        config, socket = packaged_config(self.dir)
        self.assertTrue(lines[0].startswith("INPUT_MAIL_FILTER(`support-milter', `S=local:" + socket[5:] + ","), lines[0])
        with open(os.path.join(harness.ROOT, "docs", "sendmail.md")) as f:
            self.assertIn("```m4\n" + "\n".join(lines) + "\n```", f.read())
        # ... and the line setup-sendmail writes for the packaged config.
        r = sm("setup-sendmail", "-c", config, "--mc", os.devnull)
        self.assertIn("  " + lines[0] + "\n", r.stdout)

    def test_setup_postfix_bad_input(self):
        pf = self.postfix_copy()
        r = sm("setup-postfix", "--config-dir", pf, "--socket", "/run/x.sock", "--yes")
        self.assertEqual(r.returncode, 64)
        self.assertIn("is not a milter socket", r.stderr)
        r = sm("setup-postfix", "--config-dir", os.path.join(self.dir, "none"), "--yes")
        self.assertEqual(r.returncode, 64)
        self.assertIn("main.cf does not exist", r.stderr)
        r = sm("setup-postfix", "--config-dir", pf, "--default-action", "reject")
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(postconf(pf, "smtpd_milters"), ["inet:127.0.0.1:8891"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
