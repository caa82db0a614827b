"""Package test: builds the .deb, installs it on this machine, checks what it installed, starts the
daemon the way the systemd unit does, and sends mail through it from a Postfix as Debian runs it:
Debian's stock master.cf (smtpd and cleanup chrooted) on the real queue directory,
/var/spool/postfix, configured by `support-milter setup-postfix --yes` and nothing else. A clean
message is delivered, a rude reply is held, `support-milter held` shows it, `release` delivers
it, and the audit log verifies. Purges the package at the end.

That Postfix is a private instance (its own main.cf: a port on 127.0.0.1, an smtp-sink as next
hop) on the system's queue directory, so the system's own Postfix must not be running.

Run as root:  python3 tests/package/test_package.py [--deb FILE] [--keep]
(a few minutes, most of it the package build; not part of ctest: it installs a package)."""

import argparse
import configparser
import grp
import json
import os
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "integration"))
import harness  # noqa: E402

ROOT = harness.ROOT
UNIT = "/lib/systemd/system/support-milter.service"
CONF = "/etc/support-milter/support-milter.conf"
SPOOL = "/var/spool/postfix"
SOCKET = SPOOL + "/support-milter/support-milter.sock"
STOCK_MASTER_CF = "/usr/share/postfix/master.cf.dist"
AUDIT = "/var/log/support-milter/audit.jsonl"
ARGS = None


def sh(cmd, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


def build_deb(work):
    """Builds from a copy of the working tree, so the artefacts land in `work`, not beside the repo."""
    src = os.path.join(work, "support-milter")
    os.makedirs(src)
    files = sh(["git", "-C", ROOT, "ls-files", "-co", "--exclude-standard", "-z"]).stdout.split("\0")
    for rel in filter(None, files):
        path = os.path.join(ROOT, rel)
        if not os.path.isfile(path):
            continue
        os.makedirs(os.path.dirname(os.path.join(src, rel)), exist_ok=True)
        shutil.copy2(path, os.path.join(src, rel))
    r = subprocess.run(["nice", "dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError("dpkg-buildpackage failed\n" + r.stdout[-4000:] + r.stderr[-4000:])
    debs = [f for f in os.listdir(work) if re.match(r"support-milter_.*\.deb$", f)]
    if len(debs) != 1:
        raise AssertionError(f"expected one .deb in {work}, found {debs}")
    return os.path.join(work, debs[0])


def unit_service():
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str
    with open(UNIT) as f:
        cp.read_string(f.read())
    return cp["Service"]


def unit_lines(key):
    """Every value of `key` in the unit's [Service] section, in order (ExecStartPre may repeat,
    which configparser folds into the last one)."""
    out, section = [], None
    with open(UNIT) as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                section = line
            elif section == "[Service]" and line.startswith(key + "="):
                out.append(line[len(key) + 1:])
    return out


class Package(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("the package test installs a package: run it as root")
        cls.work = tempfile.mkdtemp(prefix="support-milter-package-")
        os.chmod(cls.work, 0o755)
        cls.deb = ARGS.deb or build_deb(cls.work)
        sh(["dpkg", "--purge", "support-milter"], check=False)
        sh(["dpkg", "-i", cls.deb])
        cls.daemon = None
        cls.stack = None

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "daemon", None) and cls.daemon.poll() is None:
            cls.daemon.kill()
            cls.daemon.wait()
        if getattr(cls, "stack", None):
            cls.stack.stop()
        if getattr(cls, "log", None):
            cls.log.close()
        if not ARGS.keep:
            sh(["dpkg", "--purge", "support-milter"], check=False)
        shutil.rmtree(getattr(cls, "work", ""), ignore_errors=True)

    def test_1_installed_files_user_and_unit(self):
        for path in ["/usr/sbin/support-milter", CONF, "/usr/share/support-milter/lexicons/en/rude.txt",
                     "/usr/share/support-milter/messages/es.res",
                     "/usr/share/man/man8/support-milter.8.gz", "/usr/share/man/man5/support-milter.conf.5.gz",
                     UNIT, "/usr/lib/tmpfiles.d/support-milter.conf", "/etc/logrotate.d/support-milter",
                     "/usr/libexec/support-milter/socket-dir",
                     "/usr/share/support-milter/postfix/main.cf", "/usr/share/support-milter/sendmail/support-milter.mc",
                     "/usr/share/support-milter/grafana/support-milter.json",
                     "/usr/share/support-milter/prometheus/support-milter.rules.yml",
                     "/usr/share/doc/support-milter/postfix.md.gz" if os.path.exists(
                         "/usr/share/doc/support-milter/postfix.md.gz") else "/usr/share/doc/support-milter/postfix.md"]:
            self.assertTrue(os.path.exists(path), path)
        conffiles = sh(["dpkg-query", "-W", "-f=${Conffiles}", "support-milter"]).stdout
        self.assertIn(CONF, conffiles)
        self.assertIn("/etc/logrotate.d/support-milter", conffiles)
        version = sh(["/usr/sbin/support-milter", "--version"]).stdout.strip()
        self.assertEqual(version, "support-milter " + sh(
            ["dpkg-query", "-W", "-f=${Version}", "support-milter"]).stdout.split("-")[0])
        self.assertIn(": ok", sh(["/usr/sbin/support-milter", "configtest", "-c", CONF]).stdout)
        # promtool comes with Debian's prometheus package (scripts/install-deps.sh).
        r = sh(["promtool", "check", "rules", "/usr/share/support-milter/prometheus/support-milter.rules.yml"])
        self.assertIn("SUCCESS", r.stdout)
        with open("/usr/share/support-milter/grafana/support-milter.json") as f:
            self.assertEqual(json.load(f)["uid"], "support-milter")
        user = pwd.getpwnam("support-milter")
        self.assertNotEqual(user.pw_uid, 0)
        self.assertIn("support-milter", grp.getgrnam("postfix").gr_mem)
        for d in ("/run/support-milter", "/var/lib/support-milter", "/var/log/support-milter"):
            st = os.stat(d)
            self.assertEqual(st.st_uid, user.pw_uid, d)
        # The socket's directory in Postfix's queue directory, made by the postinst: Postfix's
        # group may enter, nobody else; the set-group-ID bit hands the socket to that group.
        st = os.stat(os.path.dirname(SOCKET))
        self.assertEqual((st.st_uid, st.st_gid, st.st_mode & 0o7777),
                         (user.pw_uid, grp.getgrnam("postfix").gr_gid, 0o2750))
        with open(CONF) as f:
            text = f.read()
        self.assertIn(f'socket = "unix:{SOCKET}"', text)
        self.assertIn('socket_group = ""', text)
        with open("/usr/share/support-milter/postfix/main.cf") as f:
            self.assertIn("smtpd_milters = unix:support-milter/support-milter.sock\n", f.read())
        svc = unit_service()
        self.assertIn("-" + os.path.dirname(SOCKET), unit_lines("ReadWritePaths"))
        for key, want in [("User", "support-milter"), ("ProtectSystem", "strict"), ("ProtectHome", "yes"),
                          ("PrivateTmp", "yes"), ("NoNewPrivileges", "yes"), ("RuntimeDirectory", "support-milter"),
                          ("StateDirectory", "support-milter"), ("LogsDirectory", "support-milter")]:
            self.assertEqual(svc.get(key), want, key)
        self.assertIn("-HUP", svc.get("ExecReload"))
        if shutil.which("systemd-analyze"):
            r = sh(["systemd-analyze", "verify", UNIT], check=False)
            # Without systemd as PID 1 the verifier still parses the unit; only real problems
            # with our unit file count.
            problems = [line for line in (r.stdout + r.stderr).splitlines() if "support-milter.service" in line]
            self.assertEqual(problems, [], r.stdout + r.stderr)

    def test_2_daemon_as_the_unit_runs_it_behind_postfix(self):
        cls = type(self)
        if os.path.exists(os.path.join(SPOOL, "pid", "master.pid")) and \
                sh(["postfix", "status"], check=False).returncode == 0:
            self.fail(f"the system's Postfix is running on {SPOOL}: stop it for this test (systemctl stop postfix)")
        # The unit's own command lines, run as its user with its groups and umask; those marked
        # "+" as root, as systemd runs them.
        svc = unit_service()
        pres = [shlex.split(line) for line in unit_lines("ExecStartPre")]
        self.assertEqual(pres[0], ["+/usr/libexec/support-milter/socket-dir"])
        start = shlex.split(svc["ExecStart"])
        # Support domain for the test, in the installed config.
        with open(CONF) as f:
            text = f.read()
        text = re.sub(r"^domains = \[\]$", 'domains = ["support.example.com"]', text, count=1, flags=re.M)
        with open(CONF, "w") as f:
            f.write(text)
        as_user = ["setpriv", "--reuid=support-milter", "--regid=support-milter", "--init-groups", "--no-new-privs",
                   "--"]
        # The directory as an upgrade could leave it (wrong mode and group): the unit puts it right.
        os.chmod(os.path.dirname(SOCKET), 0o755)
        os.chown(os.path.dirname(SOCKET), -1, grp.getgrnam("support-milter").gr_gid)
        for pre in pres:
            sh([pre[0][1:], *pre[1:]] if pre[0].startswith("+") else as_user + pre)
        st = os.stat(os.path.dirname(SOCKET))
        self.assertEqual((st.st_gid, st.st_mode & 0o7777), (grp.getgrnam("postfix").gr_gid, 0o2750))
        log = cls.log = open(os.path.join(cls.work, "daemon.stderr"), "wb")
        old = os.umask(0o027)
        try:
            cls.daemon = subprocess.Popen(as_user + start, stdout=subprocess.DEVNULL, stderr=log)
        finally:
            os.umask(old)

        def ready():
            if cls.daemon.poll() is not None:
                raise AssertionError(f"the daemon exited {cls.daemon.returncode}\n" + harness.tail(log.name))
            # Listening (smfi_main) comes after the socket got its mode and group.
            import socket as sock
            with sock.socket(sock.AF_UNIX, sock.SOCK_STREAM) as s:
                s.settimeout(0.5)
                try:
                    s.connect(SOCKET)
                    return True
                except OSError:
                    return False
        harness.wait_until(ready, 30, SOCKET, lambda: harness.tail(log.name))
        st = os.stat(SOCKET)
        self.assertEqual(st.st_mode & 0o777, 0o660)
        self.assertEqual(st.st_gid, grp.getgrnam("postfix").gr_gid)

        # Postfix as Debian ships it: the stock master.cf, chroot and all, on /var/spool/postfix;
        # main.cf gets support-milter from setup-postfix alone, reading the installed config.
        cls.stack = harness.Stack(with_milter=False)
        pf = cls.stack.postfix = harness.Postfix(cls.stack.work, cls.stack.sink, chroot=True, queue=SPOOL,
                                                 master_cf=STOCK_MASTER_CF, settings={"queue_directory": SPOOL})
        cls.stack.sink.start()
        pf.configure()
        flags = pf.postconf("-F").stdout
        self.assertIn("cleanup/unix/chroot = y\n", flags)
        self.assertIn(f"127.0.0.1:{pf.port}/inet/chroot = y\n", flags)
        r = sh(["/usr/sbin/support-milter", "setup-postfix", "--config-dir", pf.dir, "--yes"])
        self.assertNotIn("warning:", r.stdout)
        self.assertEqual(pf.postconf("-h", "smtpd_milters").stdout.strip(), "unix:support-milter/support-milter.sock",
                         r.stdout)
        pf.start(configured=True)

        tag = uuid.uuid4().hex[:10]
        c1 = f"c-{tag}@client.example"
        code, _ = pf.send(harness.make_message(c1, "Ana <ana@client.example>", ["help@support.example.com"],
                                               "Invoice 7731 lists the plan twice",
                                               "Hello,\n\ncould you correct invoice 7731?\n\nAna"),
                          "ana@client.example", ["help@support.example.com"])
        self.assertEqual(code, 250)
        cls.stack.wait_delivered(c1)

        a1 = f"a-{tag}@support.example.com"
        body = ("Иван, вы что, идиоты? Всё написано на сайте.\n\nАнна\n+7 495 000-00-00\n\n"
                "> Hello,\n> could you correct invoice 7731?\n")
        code, _ = pf.send(harness.make_message(a1, "Анна <anna@support.example.com>", ["ana@client.example"],
                                               "Re: Invoice 7731 lists the plan twice", body, in_reply_to=c1,
                                               references=[c1]), "anna@support.example.com", ["ana@client.example"])
        self.assertEqual(code, 250)

        def held():
            r = sh(["/usr/sbin/support-milter", "held", "--postfix-config", pf.dir, "--json"])
            return [h for h in json.loads(r.stdout) if h.get("message_id") == a1]
        entry = harness.wait_until(held, 30, "the rude reply in support-milter held", cls.stack.diagnostics)[0]
        self.assertEqual([f["rule"] for f in entry["findings"]], ["polite-tone"])
        sh(["/usr/sbin/support-milter", "release", entry["queue_id"], "--postfix-config", pf.dir, "--by", "package test",
            "--reason", "checking release"])
        cls.stack.wait_delivered(a1)

        # ExecReload: SIGHUP re-reads the config, which the audit log records.
        cls.daemon.send_signal(signal.SIGHUP)

        def reloaded():
            with open(AUDIT) as f:
                return [r for r in map(json.loads, f) if r["event"] == "config" and r.get("reload")]
        harness.wait_until(reloaded, 20, "the reload in the audit log", lambda: harness.tail(cls.log.name))

        cls.daemon.send_signal(signal.SIGTERM)
        self.assertEqual(cls.daemon.wait(60), 0)
        r = sh(["/usr/sbin/support-milter", "audit", "verify", AUDIT])
        self.assertTrue(r.stdout.startswith("ok: "), r.stdout)
        with open(AUDIT) as f:
            events = [json.loads(line)["event"] for line in f]
        self.assertEqual(events[0], "start")
        self.assertIn("release", events)
        self.assertEqual(events[-1], "stop")
        st = os.stat(AUDIT)
        self.assertEqual(st.st_uid, pwd.getpwnam("support-milter").pw_uid)
        self.assertEqual(st.st_mode & 0o777, 0o640)  # the unit's UMask=0027


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deb", help="install this .deb instead of building one")
    parser.add_argument("--keep", action="store_true", help="leave the package installed")
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], "-v", *rest])
