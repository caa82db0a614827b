"""Test harness: a private Postfix on 127.0.0.1, smtp-sink as its next hop, and support-milter.

Everything lives in one temporary directory and is stopped at the end, even on failure. Every wait
polls a condition with a deadline; nothing sleeps and hopes. Traffic goes only to 127.0.0.1.

Used by the integration tests (test_postfix_*.py) and by scripts/demo.sh (``harness.py demo``).
"""

import atexit
import email
import email.policy
import glob
import grp
import json
import os
import pwd
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAIN_CF = "/etc/postfix/main.cf"
UNPRIVILEGED = "nobody"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, what, on_fail=None):
    """Polls predicate() until it returns a true value or the deadline passes."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            detail = on_fail() if on_fail else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{detail}")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)


def run(cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, capture_output=True, text=True, **kw)


def http_request(port, method, path, form=None, cookie=None, headers=None):
    """One HTTP request to 127.0.0.1:`port` (a form url-encoded, the review page's session cookie, or
    a whole Cookie header when `cookie` holds a '='): (status, headers, body)."""
    import http.client
    import urllib.parse
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = dict(headers or {})
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if cookie:
        headers["Cookie"] = cookie if "=" in cookie else "sm_review=" + cookie
    try:
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        return r.status, r.getheaders(), r.read().decode()
    finally:
        c.close()


def set_cookie(headers, name):
    """The value a response's Set-Cookie headers give cookie `name`, or None."""
    for k, v in headers:
        if k.lower() == "set-cookie" and v.startswith(name + "="):
            return v.split(";")[0].split("=", 1)[1]
    return None


def review_login(port, user, password):
    """Logs in to the review page as a browser does: the login form (its pre-session cookie and
    token), then the POST with both. (status, headers, body) of the POST; the session cookie is
    set_cookie(headers, "sm_review")."""
    import re
    status, headers, page = http_request(port, "GET", "/login")
    assert status == 200, (status, page)
    pre = set_cookie(headers, "sm_login")
    token = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)
    return http_request(port, "POST", "/login", {"user": user, "password": password, "csrf": token},
                        cookie="sm_login=" + pre)


def tail(path, lines=40):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


def binary():
    path = os.environ.get("SUPPORT_MILTER_BIN") or os.path.join(ROOT, "build", "cli", "support-milter")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"support-milter binary not found at {path}; build first")
    return path


def closed_to(path, user):
    """The first directory on the way to `path` (the path itself included when it is one) that
    `user` may not pass through, or None when every one lets it through. Read from the modes, as
    the kernel decides: owner bits for the owner, group bits for the group, the rest for others."""
    pw = pwd.getpwnam(user)
    groups = {pw.pw_gid} | {g.gr_gid for g in grp.getgrall() if user in g.gr_mem}
    path = os.path.abspath(path)
    if not os.path.isdir(path):
        path = os.path.dirname(path)
    chain = []
    while True:
        chain.append(path)
        if path == "/":
            break
        path = os.path.dirname(path)
    for d in reversed(chain):
        st = os.stat(d)
        if st.st_uid == pw.pw_uid:
            ok = st.st_mode & 0o100
        elif st.st_gid in groups:
            ok = st.st_mode & 0o010
        else:
            ok = st.st_mode & 0o001
        if not ok:
            return d, st.st_mode & 0o777
    return None


def require_reachable(paths, user, who):
    """Fails at once, saying which directory is in the way, when `user` (the account a server
    started by a test runs as) cannot reach one of `paths`: better than a timeout later."""
    for p in paths:
        blocked = closed_to(p, user)
        if blocked:
            d, mode = blocked
            raise RuntimeError(f"{d} is closed to user {user} (mode {oct(mode)}), so {who} cannot reach {p}; "
                               "put it in a directory that user can traverse")


class Workdir:
    """A temporary directory that unprivileged daemons can traverse (under $TMPDIR or /tmp, never
    under the checkout, which may sit in a directory only root can enter)."""

    def __init__(self, name="support-milter-test"):
        self.path = tempfile.mkdtemp(prefix=name + "-")
        os.chmod(self.path, 0o755)

    def lexicons(self):
        """A copy of conf/lexicons in this directory, readable by every daemon: the daemon reads
        its lexicons again on every reload, after it has dropped to its unprivileged user."""
        dest = os.path.join(self.path, "lexicons")
        if not os.path.isdir(dest):
            shutil.copytree(os.path.join(ROOT, "conf", "lexicons"), dest)
            for top, dirs, files in os.walk(dest):
                os.chmod(top, 0o755)
                for f in files:
                    os.chmod(os.path.join(top, f), 0o644)
        return dest

    def sub(self, name, owner=None, mode=0o755):
        p = os.path.join(self.path, name)
        os.makedirs(p, exist_ok=True)
        os.chmod(p, mode)
        if owner:
            pw = pwd.getpwnam(owner)
            os.chown(p, pw.pw_uid, pw.pw_gid)
        return p

    def remove(self):
        shutil.rmtree(self.path, ignore_errors=True)


class Sink:
    """smtp-sink on 127.0.0.1, dumping each received message into a directory."""

    def __init__(self, work):
        self.dir = work.sub("sink", owner=UNPRIVILEGED)
        self.port = free_port()
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["smtp-sink", "-u", UNPRIVILEGED, "-d", os.path.join(self.dir, "%Y%m%d%H%M%S."),
             f"127.0.0.1:{self.port}", "100"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self._listening, 10, f"smtp-sink on port {self.port}")
        return self

    def _listening(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def files(self):
        return sorted(glob.glob(os.path.join(self.dir, "*")))

    def messages(self):
        """Received messages, parsed; smtp-sink's X-Rcpt-To lines give the envelope recipients."""
        out = []
        for path in self.files():
            with open(path, "rb") as f:
                out.append(email.message_from_bytes(f.read(), policy=email.policy.default))
        return out

    @staticmethod
    def envelope_recipients(msg):
        """smtp-sink's X-Rcpt-Args lines: the envelope recipients Postfix delivered to."""
        return sorted(a.split()[0].strip("<>").lower() for a in msg.get_all("X-Rcpt-Args") or [])

    def find(self, message_id):
        for m in self.messages():
            if (m.get("Message-ID") or "").strip("<> ") == message_id:
                return m
        return None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Milter:
    """support-milter run -f on an inet socket on 127.0.0.1, with a config written for the test."""

    def __init__(self, work, support_domains=("support.example.com",), rules=None, mode="enforce",
                 extra="", port=None, on_internal_error="tempfail", unix=False, name="milter",
                 store_url=None, store_settings=None, audit_path=None, audit_settings=None, socket_path=None,
                 drain_seconds=20):
        self.work = work
        self.name = name
        self.drain_seconds = drain_seconds
        self.state_dir = work.sub(name, owner=UNPRIVILEGED)
        self.port = port or free_port()
        # socket_path: a unix socket elsewhere than the state directory (Sendmail's must not sit
        # under a directory others may write to, such as /tmp).
        self.unix_path = socket_path or (os.path.join(self.state_dir, "milter.sock") if unix else None)
        if self.unix_path:
            self.socket = f"unix:{self.unix_path}"
            self.postfix_socket = self.socket
        else:
            self.socket = f"inet:{self.port}@127.0.0.1"   # libmilter's form
            self.postfix_socket = f"inet:127.0.0.1:{self.port}"  # Postfix's form
        self.audit_path = audit_path or os.path.join(self.state_dir, "audit.jsonl")
        self.audit_settings = audit_settings or {}
        self.store_path = os.path.join(self.state_dir, "state.db")
        self.store_url = store_url or f"sqlite:{self.store_path}"
        self.store_settings = store_settings or {}
        self.config_path = os.path.join(work.path, "support-milter.conf" if name == "milter" else name + ".conf")
        self.stderr_path = os.path.join(work.path, name + ".stderr")
        self.proc = None
        self.write_config(support_domains, rules or {}, mode, extra, on_internal_error)

    def write_config(self, support_domains, rules, mode="enforce", extra="", on_internal_error="tempfail"):
        lines = [
            "[milter]",
            f'socket = "{self.socket}"',
            f'user = "{UNPRIVILEGED}"',
            f'on_internal_error = "{on_internal_error}"',
            f"drain_seconds = {self.drain_seconds}",
            "[support]",
            "domains = [" + ", ".join(f'"{d}"' for d in support_domains) + "]",
            "[store]",
            f'url = "{self.store_url}"',
            *[f"{k} = {json.dumps(v)}" for k, v in self.store_settings.items()],
            "[audit]",
            f'path = "{self.audit_path}"',
            *[f"{k} = {json.dumps(v)}" for k, v in self.audit_settings.items()],
            "[log]",
            'target = "stderr"',
            'level = "debug"',
            "[lexicons]",
            f'dir = "{self.work.lexicons()}"',
            "[rules]",
            f'mode = "{mode}"',
        ]
        for rule, settings in rules.items():
            lines.append(f"[rules.{rule}]")
            for k, v in settings.items():
                lines.append(f"{k} = {json.dumps(v)}")
        # The agents' notices are on by default and go through the system's sendmail: a test that
        # wants them names a command and says `agents = true`; the rest tell no agent.
        if "[notify]" not in extra:
            extra += "\n[notify]\nagents = false\n"
        elif "\nagents = " not in extra:
            extra = extra.replace("[notify]\n", "[notify]\nagents = false\n", 1)
        with open(self.config_path, "w") as f:
            f.write("\n".join(lines) + "\n" + extra)
        os.chmod(self.config_path, 0o644)

    def start(self):
        # The daemon drops to UNPRIVILEGED and then reads its config and lexicons again on SIGHUP.
        require_reachable([self.config_path, self.work.lexicons(), self.state_dir], UNPRIVILEGED,
                          "support-milter")
        self.stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen([binary(), "run", "-c", self.config_path, "-f"],
                                     stdout=subprocess.DEVNULL, stderr=self.stderr)
        wait_until(self._ready, 20, f"support-milter on {self.socket}", self.diagnostics)
        return self

    def _ready(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"support-milter exited with {self.proc.returncode}\n{self.diagnostics()}")
        try:
            if self.unix_path:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.settimeout(0.5)
                    s.connect(self.unix_path)
                return True
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def diagnostics(self):
        return f"--- {self.name} stderr ---\n" + tail(self.stderr_path)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "stderr", None):
            self.stderr.close()
            self.stderr = None
        return self.proc.returncode if self.proc else None

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def audit(self, event=None):
        try:
            with open(self.audit_path) as f:
                records = [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []
        return [r for r in records if event is None or r.get("event") == event]

    def audit_for(self, message_id, timeout=20):
        def find():
            for r in self.audit("message"):
                if r.get("message_id") == message_id:
                    return r
            return None
        return wait_until(find, timeout, f"an audit record for {message_id}", self.diagnostics)


class Postfix:
    """A private Postfix instance: its own config and queue directories, listening on 127.0.0.1."""

    def __init__(self, work, sink, milter_socket=None, default_action="tempfail", name="postfix", settings=None,
                 chroot=False, queue=None, master_cf="/etc/postfix/master.cf"):
        self.work = work
        # chroot: master.cf's chroot column as Debian ships it (smtpd, cleanup and most other
        # services chrooted in the queue directory), the listener chrooted too; else nothing is.
        self.chroot = chroot
        self.master_cf = master_cf
        self.extra_settings = settings or {}
        self.dir = work.sub(name)
        # queue: another queue directory than one of the work directory's own (the package test
        # runs on /var/spool/postfix, where the package puts its socket).
        self.queue = queue or work.sub(name + "-queue")
        self.data = work.sub(name + "-data", owner="postfix")
        self.maillog = os.path.join(self.dir, "maillog")
        self.port = free_port()
        self.sink = sink
        self.milter_socket = milter_socket
        self.default_action = default_action
        self.started = False

    def postconf(self, *args):
        return run(["postconf", "-c", self.dir, *args])

    def configure(self):
        shutil.copy(self.master_cf, os.path.join(self.dir, "master.cf"))
        with open(os.path.join(self.dir, "main.cf"), "w") as f:
            f.write("compatibility_level = 3.6\n")
        settings = {
            "queue_directory": self.queue,
            "data_directory": self.data,
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "myhostname": "mx.test.example",
            "mydomain": "test.example",
            "myorigin": "$myhostname",
            "inet_interfaces": "127.0.0.1",
            "inet_protocols": "ipv4",
            "mydestination": "",
            "local_recipient_maps": "",
            "relay_domains": "",
            "mynetworks": "127.0.0.0/8",
            "relayhost": f"[127.0.0.1]:{self.sink.port}",
            "smtp_host_lookup": "native",
            "smtpd_relay_restrictions": "permit_mynetworks, reject",
            "alias_maps": "",
            "alias_database": "",
            "maillog_file": self.maillog,
            "maillog_file_prefixes": self.dir,
            "queue_run_delay": "1s",
            "minimal_backoff_time": "1s",
            "maximal_backoff_time": "2s",
            "milter_default_action": self.default_action,
            "milter_connect_macros": "j {daemon_name} {daemon_addr} v _",
            "milter_mail_macros": "i {auth_type} {auth_authen} {auth_ssf} {auth_author} {mail_addr}",
            "milter_end_of_data_macros": "i",
            "milter_connect_timeout": "5s",
            "smtpd_milters": self.milter_socket or "",
            "non_smtpd_milters": self.milter_socket or "",
            **self.extra_settings,
        }
        self.postconf("-e", *[f"{k} = {v}" for k, v in settings.items()])
        # Listen on our own port instead of 25; run nothing chrooted unless asked.
        self.postconf("-MX", "smtp/inet")
        chroot = "y" if self.chroot else "n"
        self.postconf("-M", f"127.0.0.1:{self.port}/inet=127.0.0.1:{self.port} inet n - {chroot} - - smtpd")
        if not self.chroot:
            self.postconf("-F", "*/*/chroot = n")
        self._allow_config_directory()

    def _allow_config_directory(self):
        current = run(["postconf", "-h", "alternate_config_directories"]).stdout.strip()
        dirs = [d for d in current.replace(",", " ").split() if d]
        if self.dir not in dirs:
            dirs.append(self.dir)
            run(["postconf", "-e", "alternate_config_directories = " + " ".join(dirs)])

    def _forget_config_directory(self):
        current = run(["postconf", "-h", "alternate_config_directories"], check=False).stdout.strip()
        dirs = [d for d in current.replace(",", " ").split() if d and d != self.dir and os.path.isdir(d)]
        run(["postconf", "-e", "alternate_config_directories = " + " ".join(dirs)], check=False)

    def start(self, configured=False):
        """configured: configure() ran already (and main.cf was changed since, say by setup-postfix)."""
        if not configured:
            self.configure()
        run(["postfix", "-c", self.dir, "check"], check=False)
        r = run(["postfix", "-c", self.dir, "start"], check=False)
        if r.returncode != 0:
            raise AssertionError(f"postfix start failed: {r.stdout}{r.stderr}\n{tail(self.maillog)}")
        self.started = True
        wait_until(self._listening, 20, f"postfix smtpd on port {self.port}", self.diagnostics)
        return self

    def _listening(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                return s.recv(100).startswith(b"220")
        except OSError:
            return False

    def diagnostics(self):
        return "--- postfix maillog ---\n" + tail(self.maillog)

    def stop(self):
        if self.started:
            run(["postfix", "-c", self.dir, "stop"], check=False)
            wait_until(lambda: not os.path.exists(os.path.join(self.queue, "pid", "master.pid")) or
                       not self._master_alive(), 20, "postfix to stop")
            self.started = False
        self._forget_config_directory()

    def _master_alive(self):
        try:
            with open(os.path.join(self.queue, "pid", "master.pid")) as f:
                pid = int(f.read().strip())
            os.kill(pid, 0)
            return True
        except (OSError, ValueError):
            return False

    def send(self, data, mail_from, rcpts):
        """Sends one message over SMTP; returns (code, text) of the final reply."""
        if isinstance(data, str):
            data = data.encode()
        with smtplib.SMTP("127.0.0.1", self.port, timeout=60) as s:
            s.ehlo("client.test.example")
            try:
                s.sendmail(mail_from, rcpts, data)
            except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as e:
                return e.smtp_code, e.smtp_error.decode(errors="replace")
            except smtplib.SMTPRecipientsRefused as e:
                code, text = list(e.recipients.values())[0]
                return code, text.decode(errors="replace")
        return 250, "ok"

    def send_file(self, path, mail_from=None, rcpts=None):
        with open(path, "rb") as f:
            data = f.read()
        msg = email.message_from_bytes(data, policy=email.policy.default)
        if mail_from is None:
            mail_from = msg["From"].addresses[0].addr_spec
        if rcpts is None:
            rcpts = [a.addr_spec for h in ("To", "Cc") if msg[h] for a in msg[h].addresses]
        return self.send(data, mail_from, rcpts)

    def sendmail(self, data, rcpts):
        """Submits through sendmail -C (pickup, non_smtpd_milters)."""
        if isinstance(data, str):
            data = data.encode()
        return subprocess.run(["sendmail", "-C", self.dir, "-i", "--", *rcpts], input=data,
                              capture_output=True)

    def queue_json(self):
        r = run(["postqueue", "-c", self.dir, "-j"], check=False)
        return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]

    def hold_queue(self):
        return [q for q in self.queue_json() if q.get("queue_name") == "hold"]

    def queue_ids_for(self, message_id):
        ids = []
        for line in tail(self.maillog, 100000).splitlines():
            if f"message-id=<{message_id}>" in line:
                ids.append(line.split(": ")[1].strip() if ": " in line else "")
        return [i for i in ids if i]


class Stack:
    """Sink + milter + Postfix, started together and always stopped together. Like
    sendmail_stack.Stack it offers send, held, wait_delivered, sink and milter: what the cases of
    test_mta_actions.py run over; and what test_mta_held.py needs besides (mta_config, queued,
    release_by_mta, delete_by_mta and the rest below)."""

    def __init__(self, milter_kwargs=None, default_action="tempfail", with_milter=True):
        self.work = Workdir()
        self.sink = Sink(self.work)
        self.milter = Milter(self.work, **(milter_kwargs or {})) if with_milter else None
        socket_spec = self.milter.postfix_socket if self.milter else None
        self.postfix = Postfix(self.work, self.sink, socket_spec, default_action)
        atexit.register(self.stop)

    def start(self):
        try:
            self.sink.start()
            if self.milter:
                self.milter.start()
            self.postfix.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        for part in (self.postfix, self.milter, self.sink):
            try:
                if part:
                    part.stop()
            except Exception:  # noqa: BLE001 - teardown goes on
                pass
        if os.environ.get("SUPPORT_MILTER_KEEP_TEST_DIRS") is None:
            self.work.remove()

    def diagnostics(self):
        return self.postfix.diagnostics() + "\n" + (self.milter.diagnostics() if self.milter else "")

    def wait_delivered(self, message_id, timeout=30):
        return wait_until(lambda: self.sink.find(message_id), timeout,
                          f"{message_id} at the sink", self.diagnostics)

    def send(self, data, mail_from, rcpts):
        """Sends one message to Postfix over SMTP; returns (code, text) of the final reply."""
        return self.postfix.send(data, mail_from, rcpts)

    def held(self, queue_id):
        """The hold queue's entry (postqueue -j) of `queue_id`; None when it is not on hold."""
        return next((q for q in self.postfix.hold_queue() if q["queue_id"] == queue_id), None)

    # What the held-mail cases of test_mta_held.py need of the MTA, as sendmail_stack.Stack has it.
    NOT_QUEUED = " is not in the Postfix queue"  # the admin tools' words for an id the MTA does not have

    def mta_config(self):
        """The config's [mta] section for this Postfix."""
        return f'[mta]\nkind = "postfix"\npostfix_config = "{self.postfix.dir}"\n'

    def admin_args(self):
        """What the admin tools are given besides -c to find this MTA."""
        return ["--postfix-config", self.postfix.dir]

    def open_to_milter(self):
        """Lets the daemon's user read what the hold sweep looks at: the mail log (on a real system
        its user is a member of the log's group)."""
        wait_until(lambda: os.path.exists(self.postfix.maillog), 20, "Postfix's mail log", self.diagnostics)
        os.chmod(self.postfix.maillog, 0o644)

    def queued(self, queue_id):
        """Whether any of Postfix's queues has `queue_id`."""
        return any(q["queue_id"] == queue_id for q in self.postfix.queue_json())

    def release_by_mta(self, queue_id):
        """Releases a held message with Postfix's own command (postsuper -H); Postfix delivers it."""
        run(["postsuper", "-c", self.postfix.dir, "-H", queue_id])

    def deliver_released(self, queue_id):
        """Nothing to do: Postfix delivers what postsuper -H released by itself."""

    def delete_by_mta(self, queue_id):
        """Deletes a held message with Postfix's own command (postsuper -d)."""
        run(["postsuper", "-c", self.postfix.dir, "-d", queue_id])


def make_message(message_id, sender, to, subject, body, cc=(), in_reply_to=None, references=(),
                 date="Mon, 02 Nov 2026 09:00:00 +0000", extra_headers=()):
    """A small RFC 5322 message (UTF-8 body; non-ASCII subjects are encoded)."""
    from email.header import Header
    headers = [("From", sender), ("To", ", ".join(to))]
    if cc:
        headers.append(("Cc", ", ".join(cc)))
    try:
        subject.encode("ascii")
        subj = subject
    except UnicodeEncodeError:
        subj = Header(subject, "utf-8").encode(linesep="\r\n")  # folded with CRLF: Sendmail refuses a bare LF
    headers += [("Subject", subj), ("Date", date), ("Message-ID", f"<{message_id}>")]
    if in_reply_to:
        headers.append(("In-Reply-To", f"<{in_reply_to}>"))
    if references:
        headers.append(("References", " ".join(f"<{r}>" for r in references)))
    headers += list(extra_headers)
    headers += [("MIME-Version", "1.0"), ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Transfer-Encoding", "8bit")]
    text = "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n" + body.replace("\n", "\r\n") + "\r\n"
    return text.encode("utf-8")


def quote(text):
    return "\n".join("> " + line if line else ">" for line in text.split("\n"))


def shipped_config(milter, support_domain="support.example.com"):
    """conf/support-milter.conf as shipped, with only the paths, the user, the log target and the
    support domain changed for a run on this machine."""
    import re
    with open(os.path.join(ROOT, "conf", "support-milter.conf")) as f:
        text = f.read()
    replacements = {
        r'^socket = .*$': f'socket = "{milter.socket}"',
        r'^user = .*$': f'user = "{UNPRIVILEGED}"',
        r'^domains = .*$': f'domains = ["{support_domain}"]',
        r'^url = .*$': f'url = "sqlite:{milter.store_path}"',
        r'^path = .*$': f'path = "{milter.audit_path}"',
        r'^target = .*$': 'target = "stderr"',
        r'^dir = "".*$': f'dir = "{milter.work.lexicons()}"',
    }
    for pattern, value in replacements.items():
        text, n = re.subn(pattern, value, text, count=1, flags=re.M)
        if n != 1:
            raise RuntimeError(f"the shipped config has no line matching {pattern}")
    with open(milter.config_path, "w") as f:
        f.write(text)


def demo():
    """Runs the sample conversation through Postfix + support-milter and shows what happened."""
    conv = os.path.join(ROOT, "tests", "data", "conversations", "en")
    stack = Stack()
    shipped_config(stack.milter)
    # Notices through this Postfix (the agent is told of a held reply, as shipped).
    with open(stack.milter.config_path) as f:
        text = f.read()
    text = text.replace('command = ["/usr/sbin/sendmail", "-oi", "-f", "<>"]',
                        f'command = ["/usr/sbin/sendmail", "-C", "{stack.postfix.dir}", "-oi", "-f", "<>"]', 1)
    # The review page on a free loopback port, with one support lead.
    review_port = free_port()
    users_file = os.path.join(stack.work.sub("review"), "users")
    text = text.replace('\nlisten = "127.0.0.1:9760"\n', f'\nlisten = "127.0.0.1:{review_port}"\n', 1)
    text = re.sub(r'^users_file = .*$', f'users_file = "{users_file}"', text, count=1, flags=re.M)
    with open(stack.milter.config_path, "w") as f:
        f.write(text)
    print(f"support-milter demo: Postfix on 127.0.0.1:{stack.postfix.port} -> smtp-sink on "
          f"127.0.0.1:{stack.sink.port}; milter on {stack.milter.socket}")
    print("config: conf/support-milter.conf (support domain support.example.com; paths in "
          f"{stack.work.path})\n")
    try:
        stack.start()
        for name in sorted(os.listdir(conv)):
            path = os.path.join(conv, name)
            with open(path, "rb") as f:
                msg = email.message_from_bytes(f.read(), policy=email.policy.default)
            mid = msg["Message-ID"].strip("<>")
            code, text = stack.postfix.send_file(path)
            print(f"== {name}")
            print(f"   {msg['From']} -> {msg['To']}" + (f", Cc {msg['Cc']}" if msg["Cc"] else ""))
            print(f"   Subject: {msg['Subject']}")
            print(f"   SMTP: {code} {text}")
            rec = stack.milter.audit_for(mid)
            print(f"   verdict: direction={rec['direction']} thread={rec['thread_id']} action={rec['action']}")
            for finding in rec["findings"]:
                if finding["result"] == "fail":
                    print(f"     {finding['rule']}: {finding['action']}: {finding['detail']}")
            if rec.get("passed"):
                print(f"     passed: {', '.join(rec['passed'])}")
            sla = rec.get("sla") or {}
            if sla.get("latency_s") is not None:
                print(f"   SLA: waiting since {sla.get('waiting_since')}, answered after {sla['latency_s']} s"
                      f" ({'first' if sla.get('first_reply') else 'next'} reply, {sla.get('status', '').replace('_', ' ')})")
            elif sla.get("status"):
                print(f"   SLA: {sla['status']}" + (f" ({sla['reason']})" if sla.get("reason") else ""))
            if code == 250:
                got = stack.wait_delivered(mid)
                print(f"   delivered: Subject: {got['Subject']}; To: {got['To']}"
                      + (f"; Cc: {got['Cc']}" if got["Cc"] else "")
                      + f"; envelope: {', '.join(Sink.envelope_recipients(got))}")
                if got["X-Support-Policy"]:
                    print(f"   X-Support-Policy: {got['X-Support-Policy']}")
            print()
        print("== A reply held, and its agent told in their language (Spanish)")
        customer = os.path.join(ROOT, "tests", "data", "conversations", "es", "01-cliente.eml")
        reply = os.path.join(ROOT, "tests", "data", "demo", "es-held-reply.eml")
        stack.postfix.send_file(customer)
        stack.milter.audit_for("es-c1@cliente.example")
        code, text = stack.postfix.send_file(reply)
        rec = stack.milter.audit_for("es-demo-a1@support.example.com")
        print(f"   {reply}: SMTP {code} {text}; action={rec['action']}, language={rec.get('language')}")
        for finding in rec["findings"]:
            if finding["result"] == "fail":
                print(f"     {finding['rule']}: {finding['action']}: {finding['detail']}")
        wait_until(lambda: stack.held(rec["queue_id"]), 20, "the reply in the hold queue", stack.diagnostics)
        print(f"   in Postfix's hold queue as {rec['queue_id']}")
        notice = wait_until(lambda: next((m for m in stack.sink.messages() if m["X-Support-Milter-Notice"]
                                          and Sink.envelope_recipients(m) == ["javier@support.example.com"]), None),
                            30, "the agent's notice", stack.diagnostics)
        print(f"   the notice to the agent, javier@support.example.com:\n      Subject: {notice['Subject']}")
        for line in notice.get_content().rstrip().splitlines():
            print(f"      {line}")
        print()
        print("== The review page, where a support lead decides on held replies")
        lead_password = "demo lead password, change me"
        run([binary(), "review-user", "marta", "--role", "lead", "-c", stack.milter.config_path],
            input=lead_password + "\n")
        review_log = open(os.path.join(stack.work.path, "review.stderr"), "a")
        review = subprocess.Popen([binary(), "review", "-c", stack.milter.config_path,
                                   "--postfix-config", stack.postfix.dir], stdout=review_log, stderr=subprocess.STDOUT)
        try:
            def request(method, path, form=None, cookie=None):
                return http_request(review_port, method, path, form, cookie)

            def listening():
                try:
                    return request("GET", "/login")[0] == 200
                except OSError:
                    return False
            wait_until(listening, 20, "support-milter review listening", stack.diagnostics)
            status, headers, _ = review_login(review_port, "marta", lead_password)
            cookie = set_cookie(headers, "sm_review") or ""
            status, _, page = request("GET", "/", cookie=cookie)
            listed = rec["queue_id"] in page
            print(f"   http://127.0.0.1:{review_port}/ (user marta, role lead, password \"{lead_password}\")")
            print(f"   logged in, the list {'shows' if listed else 'does not show'} the held reply {rec['queue_id']}"
                  " with the customer's waiting time; release, discard or send back to the agent, each with a reason")
            print("   (the page stops with the demo; docs/review.md runs it behind nginx for TLS)")
        finally:
            review.send_signal(signal.SIGTERM)
            try:
                review.wait(20)
            except subprocess.TimeoutExpired:
                review.kill()
            review_log.close()
        print()
        print("== audit log (one JSON line per event):")
        with open(stack.milter.audit_path) as f:
            for line in f:
                r = json.loads(line)
                print(f"   #{r['seq']} {r['time']} {r['event']}"
                      + (f" {r.get('queue_id', '')} {r.get('message_id', '')} {r.get('direction', '')} "
                         f"{r.get('action', '')}" if r["event"] == "message" else ""))
        stack.milter.stop()
        r = run([binary(), "audit", "verify", stack.milter.audit_path], check=False)
        print(f"\n== support-milter audit verify: {r.stdout.strip()}")
        r = run([binary(), "report", stack.milter.audit_path], check=False)
        print(f"\n== support-milter report (text):\n{r.stdout.rstrip()}")
        page = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(binary()))), "demo-report.html")
        with open(page, "w") as f:
            subprocess.run([binary(), "report", "--format", "html", stack.milter.audit_path], stdout=f, check=False)
        print(f"\n== the same report as a web page: {page}")
    finally:
        stack.stop()


if __name__ == "__main__":
    import sys
    if len(sys.argv) > 1 and sys.argv[1] == "demo":
        demo()
    else:
        print("usage: harness.py demo", file=sys.stderr)
        sys.exit(64)
