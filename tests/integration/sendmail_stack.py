"""A private Sendmail 8.17 on 127.0.0.1 for the integration tests, beside harness.py's Postfix.

Debian's sendmail packages conflict with the installed Postfix, so the tests do not install them:
scripts/install-deps.sh downloads sendmail-bin, sendmail-cf and libwrap0 (`apt-get download`) into
DEB_DIR, and each stack unpacks them (`dpkg -x`) into its own directory. There:

- the copied binary loses its setgid bit, so the dynamic loader honours LD_LIBRARY_PATH (libwrap);
- sendmail.cf and submit.cf are built with m4 from the unpacked cf/ tree: queue, pid and status
  files in the stack's directory, the daemon on 127.0.0.1 only, SMART_HOST `relay:[127.0.0.1]`
  and the relay mailer's port pointing at the test sink, the milter by INPUT_MAIL_FILTER;
- the daemon and every command-line run get their own UTS namespace (`unshare --uts`) with a host
  name that the stack's hosts file resolves: an unqualified name that does not resolve makes
  Sendmail sleep a minute at start;
- the directory sits under /run, not /tmp: Sendmail refuses a milter socket in a directory that
  others may write to ("unsafe"), and /tmp is one.

Nothing else on the machine changes. Traffic goes only to 127.0.0.1.
"""

import glob
import json
import os
import re
import shutil
import smtplib
import socket
import subprocess
import tempfile
import unittest

import harness

DEB_DIR = os.environ.get("SUPPORT_MILTER_SENDMAIL_DEBS", "/var/cache/support-milter-test/sendmail")
PACKAGES = ("sendmail-bin", "sendmail-cf", "libwrap0")
RUN_BASE = "/run/support-milter-test"
HOSTNAME = "mx.test.example"
# The submission program's user and group; the group is the unprivileged test user's, so that a
# submission by that user (support-milter's notices) can write to clientmqueue.
SUBMIT_USER = "daemon:nogroup"


def debs():
    """The downloaded packages, fetched into DEB_DIR when missing. Raises unittest.SkipTest, with
    what failed, only when they cannot be fetched."""
    def found():
        paths = {p: sorted(glob.glob(os.path.join(DEB_DIR, f"{p}_*.deb"))) for p in PACKAGES}
        return {p: v[-1] for p, v in paths.items() if v}
    have = found()
    if len(have) < len(PACKAGES):
        try:
            os.makedirs(DEB_DIR, exist_ok=True)
            r = subprocess.run(["apt-get", "download", *[p for p in PACKAGES if p not in have]], cwd=DEB_DIR,
                               capture_output=True, text=True)
            why = r.stderr.strip()[-300:]
        except OSError as e:
            why = str(e)
        have = found()
        if len(have) < len(PACKAGES):
            raise unittest.SkipTest(f"Sendmail's packages are not in {DEB_DIR} and apt-get download failed "
                                    f"(run scripts/install-deps.sh with access to the Debian archive): {why}")
    return [have[p] for p in PACKAGES]


def queue_id_of(reply):
    """Sendmail's queue id from its reply to DATA ("2.0.0 5B1FCaXq012345 Message accepted ...")."""
    m = re.search(r"\b([0-9A-Za-z]{14,})\s+Message accepted", reply)
    return m.group(1) if m else None


def smtp_send(port, data, mail_from, rcpts):
    """Sends one message over SMTP; returns (code, text) of the reply that decided it (a refused
    MAIL or RCPT, or the reply to the end of DATA, which carries Sendmail's queue id)."""
    if isinstance(data, str):
        data = data.encode()
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as s:
        s.ehlo("client.test.example")
        code, text = s.mail(mail_from)
        if code != 250:
            return code, text.decode(errors="replace")
        for r in rcpts:
            code, text = s.rcpt(r)
            if code not in (250, 251):
                return code, text.decode(errors="replace")
        code, text = s.data(data)
        return code, text.decode(errors="replace")


class Sendmail:
    """A private Sendmail daemon on 127.0.0.1 (its own cf, queues and UTS namespace) relaying all
    mail to the sink, with support-milter at `milter_socket` (Sendmail's form: local:/path)."""

    def __init__(self, sink, milter_socket=None, milter_flags="F=T", name="sendmail",
                 smart_host="relay:[127.0.0.1]", extra_mc=()):
        os.makedirs(RUN_BASE, mode=0o755, exist_ok=True)
        os.chmod(RUN_BASE, 0o755)
        self.dir = tempfile.mkdtemp(prefix=name + "-", dir=RUN_BASE)
        os.chmod(self.dir, 0o755)
        self.root = os.path.join(self.dir, "root")
        self.bin = os.path.join(self.root, "usr", "libexec", "sendmail", "sendmail")
        self.libs = os.path.join(self.root, "usr", "lib", "x86_64-linux-gnu")
        self.cf_tree = os.path.join(self.root, "usr", "share", "sendmail", "cf")
        self.queue = os.path.join(self.dir, "mqueue")
        self.client_queue = os.path.join(self.dir, "clientmqueue")
        self.cf = os.path.join(self.dir, "sendmail.cf")
        self.submit_cf = os.path.join(self.dir, "submit.cf")
        self.trusted_submit_cf = os.path.join(self.dir, "submit-trusted.cf")
        self.output = os.path.join(self.dir, "sendmail.out")
        self.traffic = os.path.join(self.dir, "traffic.log")
        self.port = harness.free_port()
        self.sink = sink
        self.milter_socket = milter_socket
        self.milter_flags = milter_flags
        self.smart_host = smart_host
        self.extra_mc = list(extra_mc)
        self.proc = None

    def milter_socket_dir(self):
        """A directory for a unix milter socket that Sendmail accepts, laid out as the package's
        /var/spool/postfix/support-milter: owned by the milter's user, group postfix (the user's
        own group where there is none), mode 2750, below directories that only root may write to."""
        path = os.path.join(self.dir, "milter")
        os.makedirs(path, exist_ok=True)
        pw = harness.pwd.getpwnam(harness.UNPRIVILEGED)
        try:
            gid = harness.grp.getgrnam("postfix").gr_gid
        except KeyError:
            gid = pw.pw_gid
        os.chown(path, pw.pw_uid, gid)
        os.chmod(path, 0o2750)
        return path

    def unpack(self):
        for deb in debs():
            harness.run(["dpkg-deb", "-x", deb, self.root])
        # Without the setgid bit the loader honours LD_LIBRARY_PATH, where libwrap0 lies.
        os.chmod(self.bin, 0o755)

    def mc(self):
        """The daemon's sendmail.mc: the lines a real server needs (INPUT_MAIL_FILTER, SMART_HOST)
        plus the ones that keep this instance private."""
        d = self.dir
        lines = [
            "divert(-1)", "divert(0)dnl",
            "VERSIONID(`support-milter test')dnl",
            "OSTYPE(`linux')dnl",
            f"define(`confDOMAIN_NAME', `{HOSTNAME}')dnl",
            f"define(`QUEUE_DIR', `{self.queue}')dnl",
            f"define(`confPID_FILE', `{d}/sendmail.pid')dnl",
            f"define(`STATUS_FILE', `{d}/sendmail.st')dnl",
            "define(`ALIAS_FILE', `')dnl",
            "define(`confHELP_FILE', `')dnl",
            "define(`confCW_FILE', `')dnl",
            f"define(`confSERVICE_SWITCH_FILE', `{d}/service.switch')dnl",
            f"define(`confHOSTS_FILE', `{d}/hosts')dnl",
            "define(`confTO_QUEUEWARN', `')dnl",
            # All mail goes to the sink. `relay:` names the mailer, whose port RELAY_MAILER_ARGS
            # sets; a bare [127.0.0.1] is one of Sendmail's own addresses (class w, found by
            # probing the interfaces), so it would be dropped and mail sent to the recipient's
            # domain.
            f"define(`SMART_HOST', `{self.smart_host}')dnl",
            f"define(`RELAY_MAILER_ARGS', `TCP $h {self.sink.port}')dnl",
            "FEATURE(`nocanonify')dnl",
            "FEATURE(`accept_unresolvable_domains')dnl",
            "FEATURE(`no_default_msa')dnl",
            f"DAEMON_OPTIONS(`Port={self.port}, Addr=127.0.0.1, Name=MTA')dnl",
        ]
        if self.milter_socket:
            lines.append(f"INPUT_MAIL_FILTER(`support-milter', `S={self.milter_socket}, {self.milter_flags}, "
                         "T=C:10s;S:30s;R:60s;E:5m')dnl")
        lines += self.extra_mc
        lines.append("MAILER(`smtp')dnl")
        return "\n".join(lines) + "\n"

    def submit_mc(self, trusted_users=()):
        """submit.cf for command-line submissions: queues in clientmqueue and relays to the daemon.
        It runs as `daemon` here (Debian's runs as smmsp), which makes that user trusted; so is root,
        and so is every user in `trusted_users`: only they may set the sender with -f without an
        X-Authentication-Warning header."""
        d = self.dir
        trusted = [f"define(`confTRUSTED_USERS', `{' '.join(trusted_users)}')dnl"] if trusted_users else []
        return "\n".join([
            "divert(-1)", "divert(0)dnl",
            "VERSIONID(`support-milter test submit')dnl",
            "define(`confCF_VERSION', `Submit')dnl",
            "define(`__OSTYPE__', `')dnl",
            "define(`confTIME_ZONE', `USE_TZ')dnl",
            "define(`confDONT_INIT_GROUPS', `True')dnl",
            f"define(`confRUN_AS_USER', `{SUBMIT_USER}')dnl",
            *trusted,
            f"define(`MSP_QUEUE_DIR', `{self.client_queue}')dnl",
            f"define(`confPID_FILE', `{d}/sm-client.pid')dnl",
            f"define(`STATUS_FILE', `{d}/sm-client.st')dnl",
            f"define(`confDOMAIN_NAME', `{HOSTNAME}')dnl",
            f"define(`confSERVICE_SWITCH_FILE', `{d}/service.switch')dnl",
            f"define(`confHOSTS_FILE', `{d}/hosts')dnl",
            f"define(`RELAY_MAILER_ARGS', `TCP $h {self.port}')dnl",
            "FEATURE(`msp', `[127.0.0.1]')dnl",
        ]) + "\n"

    def build_cf(self, mc_text, cf_path):
        mc_path = cf_path[:-3] + ".mc"
        with open(mc_path, "w") as f:
            f.write(mc_text)
        r = harness.run(["m4", f"-D_CF_DIR_={self.cf_tree}/", os.path.join(self.cf_tree, "m4", "cf.m4"), mc_path],
                        check=False)
        if r.returncode != 0 or not r.stdout:
            raise AssertionError(f"m4 {mc_path} failed: {r.stderr}")
        with open(cf_path, "w") as f:
            f.write(r.stdout)

    def configure(self):
        self.unpack()
        os.makedirs(self.queue, mode=0o700, exist_ok=True)
        os.makedirs(self.client_queue, exist_ok=True)
        os.chmod(self.client_queue, 0o770)
        user, group = SUBMIT_USER.split(":")
        os.chown(self.client_queue, harness.pwd.getpwnam(user).pw_uid, harness.grp.getgrnam(group).gr_gid)
        with open(os.path.join(self.dir, "service.switch"), "w") as f:
            f.write("hosts files\naliases files\n")
        with open(os.path.join(self.dir, "hosts"), "w") as f:
            f.write(f"127.0.0.1 {HOSTNAME} localhost\n")
        self.build_cf(self.mc(), self.cf)
        self.build_cf(self.submit_mc(), self.submit_cf)
        self.build_cf(self.submit_mc(trusted_users=[harness.UNPRIVILEGED]), self.trusted_submit_cf)

    def command(self, *args, user=None):
        """A command line running this Sendmail's binary in its own UTS namespace (as `user` when
        given: a submission by that account)."""
        drop = []
        if user:
            pw = harness.pwd.getpwnam(user)
            drop = ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups"]
        return ["unshare", "--uts", "sh", "-c", f'hostname {HOSTNAME} && exec "$@"', "sh", *drop, self.bin, *args]

    def env(self):
        return {**os.environ, "LD_LIBRARY_PATH": self.libs}

    def start(self, configure=True):
        """Starts the daemon on self.cf; configure=False: on a cf built elsewhere (after
        configure())."""
        if configure:
            self.configure()
        self.out = open(self.output, "ab")
        # -bD: the daemon in the foreground; -X: the SMTP traffic, for diagnostics.
        self.proc = subprocess.Popen(self.command("-bD", "-C", self.cf, "-X", self.traffic), env=self.env(),
                                     stdout=self.out, stderr=subprocess.STDOUT, start_new_session=True)
        harness.wait_until(self._listening, 20, f"sendmail on port {self.port}", self.diagnostics)
        return self

    def _listening(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"sendmail exited with {self.proc.returncode}\n{self.diagnostics()}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                return s.recv(100).startswith(b"220")
        except OSError:
            return False

    def diagnostics(self):
        return ("--- sendmail output ---\n" + harness.tail(self.output) +
                "\n--- sendmail SMTP traffic ---\n" + harness.tail(self.traffic))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            # The daemon and the children it forked for deliveries share its process group.
            try:
                os.killpg(self.proc.pid, harness.signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, harness.signal.SIGKILL)
                self.proc.wait()
        if getattr(self, "out", None):
            self.out.close()
            self.out = None

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        try:
            os.rmdir(RUN_BASE)  # when no other stack uses it
        except OSError:
            pass

    def send(self, data, mail_from, rcpts):
        return smtp_send(self.port, data, mail_from, rcpts)

    def run(self, *args, cf=None, user=None, data=None):
        """Runs this Sendmail's binary with `args` (with -C cf, sendmail.cf by default)."""
        return subprocess.run(self.command("-C", cf or self.cf, *args, user=user), env=self.env(),
                              input=data, capture_output=True, timeout=120)

    def submit(self, data, *args, user=None, cf=None):
        """A command-line submission through submit.cf (the MSP), which relays to the daemon."""
        return self.run("-oi", *args, cf=cf or self.submit_cf, user=user, data=data)

    def queue_files_with(self, text, queue=None):
        """The names of the queue's files (the daemon's queue unless `queue` names another) that
        contain `text` (a Message-ID, say)."""
        queue = queue or self.queue
        names = []
        for name in sorted(os.listdir(queue)):
            with open(os.path.join(queue, name), "rb") as f:
                if text.encode() in f.read():
                    names.append(name)
        return names

    def route(self, address):
        """How this Sendmail resolves `address` (`sendmail -bt`, `/parse`): its "mailer M, host H,
        user U" line."""
        r = self.run("-bt", data=f"/parse {address}\n".encode())
        lines = [ln for ln in r.stdout.decode(errors="replace").splitlines() if ln.startswith("mailer ")]
        if r.returncode != 0 or not lines:
            raise AssertionError(f"sendmail -bt /parse {address}: {r.stdout!r} {r.stderr!r}")
        return lines[-1]

    def mailq(self, *args):
        """The queue as `mailq` shows it (`-qQ`: the quarantined messages), parsed into
        {queue id: {"quarantine": reason or None, "lines": [...]}}."""
        r = self.run("-bp", *args)
        out = r.stdout.decode(errors="replace")
        if r.returncode != 0:
            raise AssertionError(f"mailq {' '.join(args)} exited with {r.returncode}: {out}{r.stderr.decode(errors='replace')}")
        entries, current = {}, None
        for line in out.splitlines():
            m = re.match(r"^([0-9A-Za-z]{14,})[*X-]?\s+\d+\s", line)
            if m:
                current = entries.setdefault(m.group(1), {"quarantine": None, "lines": []})
            elif current is not None:
                q = re.match(r"^\s+QUARANTINE:\s*(.*)$", line)
                if q:
                    current["quarantine"] = q.group(1)
            if current is not None:
                current["lines"].append(line)
        return entries


class Stack:
    """Sink + support-milter on a unix socket + Sendmail, started together and always stopped
    together."""

    def __init__(self, milter_kwargs=None, milter_flags="F=T", extra_mc=()):
        self.work = harness.Workdir()
        self.sink = harness.Sink(self.work)
        self.sendmail = Sendmail(self.sink, milter_flags=milter_flags, extra_mc=extra_mc)
        socket_path = os.path.join(self.sendmail.milter_socket_dir(), "support-milter.sock")
        self.milter = harness.Milter(self.work, socket_path=socket_path, **(milter_kwargs or {}))
        self.sendmail.milter_socket = "local:" + socket_path
        harness.atexit.register(self.stop)

    def start(self):
        try:
            debs()  # skips before anything starts when the packages cannot be had
            self.sink.start()
            self.milter.start()
            self.sendmail.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        for part in (self.sendmail, self.milter, self.sink):
            try:
                part.stop()
            except Exception:  # noqa: BLE001 - teardown goes on
                pass
        if os.environ.get("SUPPORT_MILTER_KEEP_TEST_DIRS") is None:
            self.sendmail.remove()
            self.work.remove()

    def diagnostics(self):
        return self.sendmail.diagnostics() + "\n" + self.milter.diagnostics()

    def wait_delivered(self, message_id, timeout=30):
        return harness.wait_until(lambda: self.sink.find(message_id), timeout,
                                  f"{message_id} at the sink", self.diagnostics)

    def send(self, data, mail_from, rcpts):
        """Sends one message to Sendmail over SMTP; returns (code, text) of the final reply."""
        return self.sendmail.send(data, mail_from, rcpts)

    def held(self, queue_id):
        """The quarantine's entry (`mailq -qQ`) of `queue_id`; None when it is not quarantined."""
        return self.sendmail.mailq("-qQ").get(queue_id)

    # What the held-mail cases of test_mta_held.py need of the MTA, as harness.Stack has it.
    NOT_QUEUED = " is not in Sendmail's queue"  # the admin tools' words for an id the MTA does not have

    def mta_config(self):
        """The config's [mta] section for this Sendmail: the admin tools run it as the tests do,
        with its libraries, in its UTS namespace."""
        sendmail = self.sendmail
        command = ["/usr/bin/env", f"LD_LIBRARY_PATH={sendmail.libs}", *sendmail.command()]
        return (f'[mta]\nkind = "sendmail"\nsendmail_command = {json.dumps(command)}\n'
                f'sendmail_config = "{sendmail.cf}"\n')

    def admin_args(self):
        """What the admin tools are given besides -c to find this MTA: nothing, the config says it."""
        return []

    def open_to_milter(self):
        """Lets the daemon's user list the queue directory, which the hold sweep looks at, through
        the directory's group (Sendmail's files stay 0600: a quarantined message is known by its hf
        file's name)."""
        os.chown(self.sendmail.queue, -1, harness.pwd.getpwnam(harness.UNPRIVILEGED).pw_gid)
        os.chmod(self.sendmail.queue, 0o750)

    def queue_files(self, queue_id):
        return sorted(f for f in os.listdir(self.sendmail.queue) if f.endswith(queue_id))

    def queued(self, queue_id):
        """Whether Sendmail's queue directory has a file of `queue_id`."""
        return bool(self.queue_files(queue_id))

    def release_by_mta(self, queue_id):
        """Takes a quarantined message out of quarantine with Sendmail's own command (`-Q -qQ
        -qI<id>`: -Q without a reason, among the quarantined messages); it waits in the queue."""
        r = self.sendmail.run("-Q", "-qQ", f"-qI{queue_id}")
        if r.returncode != 0:
            raise AssertionError(f"sendmail -Q -qQ -qI{queue_id}: {r.stderr!r}")

    def deliver_released(self, queue_id):
        """A queue run for `queue_id`, which delivers the message taken out of quarantine."""
        r = self.sendmail.run(f"-qI{queue_id}")
        if r.returncode != 0:
            raise AssertionError(f"sendmail -qI{queue_id}: {r.stderr!r}")

    def delete_by_mta(self, queue_id):
        """Deletes a quarantined message as Sendmail's administrators do, having no command for it:
        its hf (the quarantined qf) and df files removed by hand."""
        for f in ("hf" + queue_id, "df" + queue_id):
            os.unlink(os.path.join(self.sendmail.queue, f))
