"""Postfix as Debian runs it: smtpd and cleanup chrooted in the queue directory, support-milter's
socket in a directory of its own under it (owner the milter's user, group postfix, mode 2750, as
the package makes /var/spool/postfix/support-milter). setup-postfix writes the socket relative to
the queue directory, and mail received over SMTP and mail submitted with sendmail both pass
through the milter. The same main.cf line serves a Postfix that runs nothing chrooted: an
unchrooted daemon's working directory is the queue directory."""

import grp
import os
import pwd
import subprocess
import unittest
import uuid

import harness

RELATIVE = "unix:support-milter/support-milter.sock"


def sm(*args):
    return subprocess.run([harness.binary(), *args], capture_output=True, text=True)


def daemons_in(queue):
    """Postfix daemons of this instance by name: (pid, root directory, working directory)."""
    out = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                name = os.path.basename(f.read().split(b"\0")[0].decode())
            root, cwd = os.readlink(f"/proc/{pid}/root"), os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if queue in (root, cwd):
            out.setdefault(name, []).append((int(pid), root, cwd))
    return out


class ChrootedPostfix(unittest.TestCase):
    chroot = True

    @classmethod
    def setUpClass(cls):
        cls.work = harness.Workdir()
        cls.sink = harness.Sink(cls.work)
        cls.postfix = harness.Postfix(cls.work, cls.sink, chroot=cls.chroot)
        cls.queue = cls.postfix.queue
        # The package's layout: the socket's directory in the queue directory, set-group-ID so
        # the socket gets group postfix; the milter leaves socket_group empty.
        sockdir = os.path.join(cls.queue, "support-milter")
        os.mkdir(sockdir)
        os.chown(sockdir, pwd.getpwnam(harness.UNPRIVILEGED).pw_uid, grp.getgrnam("postfix").gr_gid)
        os.chmod(sockdir, 0o2750)
        cls.socket_path = os.path.join(sockdir, "support-milter.sock")
        cls.milter = harness.Milter(cls.work, socket_path=cls.socket_path)
        cls.started = []
        try:
            cls.sink.start()
            cls.started.append(cls.sink)
            cls.milter.start()
            cls.started.append(cls.milter)
            cls.postfix.configure()
            cls.setup = sm("setup-postfix", "--config-dir", cls.postfix.dir, "--socket", "unix:" + cls.socket_path,
                           "--yes")
            cls.postfix.start(configured=True)
            cls.started.append(cls.postfix)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for part in reversed(cls.started):
            try:
                part.stop()
            except Exception:  # noqa: BLE001 - teardown goes on
                pass
        cls.work.remove()

    def diagnostics(self):
        return self.postfix.diagnostics() + "\n" + self.milter.diagnostics() + "\n--- setup-postfix ---\n" + \
            self.setup.stdout + self.setup.stderr

    def test_1_setup_postfix_writes_the_socket_relative_to_the_queue_directory(self):
        self.assertEqual(self.setup.returncode, 0, self.diagnostics())
        self.assertNotIn("warning:", self.setup.stdout)
        self.assertIn("relative to it", self.setup.stdout)
        for param in ("smtpd_milters", "non_smtpd_milters"):
            self.assertEqual(self.postfix.postconf("-h", param).stdout.strip(), RELATIVE, param)
        flags = self.postfix.postconf("-F").stdout
        want = "y" if self.chroot else "n"
        self.assertIn(f"127.0.0.1:{self.postfix.port}/inet/chroot = {want}\n", flags)
        self.assertIn(f"cleanup/unix/chroot = {want}\n", flags)
        # Only the milter's user and group postfix reach the socket.
        st = os.stat(self.socket_path)
        self.assertEqual(st.st_gid, grp.getgrnam("postfix").gr_gid)
        self.assertEqual(st.st_mode & 0o777, 0o660)
        self.assertEqual(os.stat(os.path.dirname(self.socket_path)).st_mode & 0o7777, 0o2750)

    def test_2_mail_over_smtp_and_from_sendmail_passes_through_the_milter(self):
        tag = uuid.uuid4().hex[:10]
        over_smtp = f"smtp-{tag}@client.example"
        code, text = self.postfix.send(harness.make_message(
            over_smtp, "Lena <lena@client.example>", ["help@support.example.com"], "Parcel 5512 arrived damaged",
            "Hello,\n\nthe box of order 5512 came crushed and two cups are broken.\n\nLena"),
            "lena@client.example", ["help@support.example.com"])
        self.assertEqual(code, 250, text + self.diagnostics())
        rec = self.milter.audit_for(over_smtp)
        self.assertEqual(rec["direction"], "inbound")
        self.assertIn(rec["queue_id"], self.postfix.queue_ids_for(over_smtp))
        harness.wait_until(lambda: self.sink.find(over_smtp), 30, f"{over_smtp} at the sink", self.diagnostics)

        # pickup hands sendmail's mail to cleanup, which runs non_smtpd_milters.
        picked_up = f"pickup-{tag}@support.example.com"
        r = self.postfix.sendmail(harness.make_message(
            picked_up, "Desk <desk@support.example.com>", ["lena@client.example"], "Re: Parcel 5512 arrived damaged",
            "Hello Lena,\n\na new set of cups leaves our warehouse tomorrow.\n\nDesk\n+1 555 0100"),
            ["lena@client.example"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.milter.audit_for(picked_up)["direction"], "outbound")

    def test_3_the_daemons_run_where_the_relative_path_points(self):
        # The fact the relative socket path rests on, seen on the running instance: every daemon's
        # working directory is the queue directory, and a chrooted one's root is that directory
        # too (/proc shows both as paths of this, unchrooted, process).
        running = harness.wait_until(lambda: (d := daemons_in(self.queue)) and "smtpd" in d and "cleanup" in d and d,
                                     20, "smtpd and cleanup of this instance", self.diagnostics)
        for name in ("smtpd", "cleanup"):
            for pid, root, cwd in running[name]:
                want_root = self.queue if self.chroot else "/"
                self.assertEqual((root, cwd), (want_root, self.queue), f"{name} {pid}")

    def test_4_a_second_run_changes_nothing(self):
        r = sm("setup-postfix", "--config-dir", self.postfix.dir, "--socket", "unix:" + self.socket_path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Nothing to change", r.stdout)


class UnchrootedPostfix(ChrootedPostfix):
    chroot = False


if __name__ == "__main__":
    unittest.main(verbosity=2)
