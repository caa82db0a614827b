"""A private PostgreSQL server for tests: its own cluster in a temporary directory, listening only
on 127.0.0.1 on a free port, run by the unprivileged `postgres` user (tests run as root, and the
server refuses root). Waits use pg_isready with a deadline; stop() always tears it down.

As a library (integration tests):
    server = pg.Server().start()
    server.url          # postgresql://support_milter:...@127.0.0.1:PORT/support_milter
    server.stop(); server.start()   # an outage and a recovery, same data
    server.psql("SELECT count(*) FROM messages")
    server.destroy()

As a command (the ctest fixture of the C++ unit tests):
    pg.py start --state DIR    a new server; writes DIR/state.json, DIR/url (the milter's role and
                               database) and DIR/admin_url (the superuser, to create databases).
                               The cluster itself lives in a temporary directory of its own (named
                               in state.json), which the postgres user can reach wherever DIR is.
    pg.py down --state DIR     stops the server, keeping its data (an outage)
    pg.py up --state DIR       starts it again
    pg.py stop --state DIR     stops the server and removes its directory and DIR
"""

import argparse
import glob
import json
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

from harness import free_port, require_reachable, wait_until

OWNER = "postgres"
ROLE = "support_milter"
DATABASE = "support_milter"


def bindir():
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.access(os.path.join(d, "initdb"), os.X_OK):
            return d
    raise RuntimeError("PostgreSQL server programs not found (apt-get install postgresql)")


class Server:
    def __init__(self, root=None, port=None):
        self.bin = bindir()
        self.owner = pwd.getpwnam(OWNER)
        self.root = root or tempfile.mkdtemp(prefix="support-milter-pg-")
        os.makedirs(self.root, exist_ok=True)
        os.chmod(self.root, 0o755)
        self.data = os.path.join(self.root, "data")
        self.sockets = os.path.join(self.root, "sockets")
        self.log = os.path.join(self.root, "server.log")
        self.port = port or free_port()
        self.password = secrets.token_hex(12)
        self.running = False

    @property
    def url(self):
        return f"postgresql://{ROLE}:{self.password}@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def admin_url(self):
        return f"postgresql://{OWNER}:{self.password}@127.0.0.1:{self.port}/postgres"

    def _check_reachable(self):
        """The server runs as OWNER: every directory above the cluster must let it through."""
        require_reachable([self.root], OWNER, "the PostgreSQL server")

    def _as_owner(self, cmd, check=True, **kw):
        def demote():
            os.setgid(self.owner.pw_gid)
            os.setuid(self.owner.pw_uid)
        preexec = demote if os.geteuid() == 0 else None
        r = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=preexec, cwd=self.root, **kw)
        if check and r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}{r.stderr}\n{self.diagnostics()}")
        return r

    def _chown(self, path):
        if os.geteuid() == 0:
            os.chown(path, self.owner.pw_uid, self.owner.pw_gid)

    def init(self):
        if os.geteuid() == 0:
            self._check_reachable()
        os.makedirs(self.sockets, exist_ok=True)
        self._chown(self.root)
        self._chown(self.sockets)
        pwfile = os.path.join(self.root, "superuser.pw")
        with open(pwfile, "w") as f:
            f.write(self.password + "\n")
        self._chown(pwfile)
        os.chmod(pwfile, 0o600)
        self._as_owner([os.path.join(self.bin, "initdb"), "-D", self.data, "-U", OWNER, "--pwfile", pwfile,
                        "-A", "scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
        os.remove(pwfile)
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                    f"unix_socket_directories = '{self.sockets}'\nfsync = off\nmax_connections = 60\n")
        return self

    def start(self):
        if not os.path.isdir(self.data):
            self.init()
            fresh = True
        else:
            fresh = False
        self._as_owner([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-l", self.log, "-w", "-t", "30", "start"])
        self.running = True
        wait_until(self.ready, 30, f"PostgreSQL on 127.0.0.1:{self.port}", self.diagnostics)
        if fresh:
            # A role that owns its database: what the milter needs to create and migrate its schema.
            self.psql_admin(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{self.password}'")
            self.psql_admin(f"CREATE DATABASE {DATABASE} OWNER {ROLE}")
        return self

    def ready(self):
        r = subprocess.run([os.path.join(self.bin, "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port),
                            "-t", "1"], capture_output=True)
        return r.returncode == 0

    def stop(self, mode="fast"):
        if self.running:
            self._as_owner([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m", mode, "-w", "-t", "30", "stop"],
                           check=False)
            wait_until(lambda: not os.path.exists(os.path.join(self.data, "postmaster.pid")), 30,
                       "PostgreSQL to stop", self.diagnostics)
            self.running = False

    def destroy(self):
        try:
            self.stop(mode="immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _psql(self, sql, user, database, password):
        env = dict(os.environ, PGPASSWORD=password, PGCONNECT_TIMEOUT="5")
        r = subprocess.run([os.path.join(self.bin, "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                            "-h", "127.0.0.1", "-p", str(self.port), "-U", user, "-d", database, "-c", sql],
                           capture_output=True, text=True, env=env)
        if r.returncode != 0:
            raise RuntimeError(f"psql {sql!r}: {r.stderr}")
        return r.stdout.strip()

    def psql_admin(self, sql):
        return self._psql(sql, OWNER, "postgres", self.password)

    def psql(self, sql):
        """Runs SQL as the milter's role in its database; returns the unaligned output."""
        return self._psql(sql, ROLE, DATABASE, self.password)

    def hold_advisory_lock(self, key1, key2, timeout=10):
        """A psql session that holds a session-level advisory lock until release() is called on
        the returned object (which ends the session). Returns once the server shows it granted."""
        env = dict(os.environ, PGPASSWORD=self.password, PGAPPNAME="test-lock-holder")
        proc = subprocess.Popen([os.path.join(self.bin, "psql"), "-X", "-q", "-h", "127.0.0.1",
                                 "-p", str(self.port), "-U", ROLE, "-d", DATABASE],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                text=True, env=env)
        proc.stdin.write(f"SELECT pg_advisory_lock({int(key1)}, {int(key2)});\n")
        proc.stdin.flush()

        def granted():
            if proc.poll() is not None:
                raise AssertionError(f"psql holding the advisory lock exited with {proc.returncode}")
            return self.psql("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                             f"WHERE l.locktype = 'advisory' AND l.classid = {int(key1)} AND l.objid = {int(key2)} "
                             "AND l.granted AND a.application_name = 'test-lock-holder'") == "1"
        try:
            wait_until(granted, timeout, f"advisory lock ({key1}, {key2})", self.diagnostics)
        except BaseException:
            proc.kill()
            raise

        def release():
            proc.stdin.close()
            proc.wait(timeout)
        proc.release = release
        return proc

    def diagnostics(self):
        try:
            with open(self.log, errors="replace") as f:
                return "--- postgresql log ---\n" + "".join(f.readlines()[-30:])
        except OSError:
            return ""

    def state(self):
        return {"url": self.url, "root": self.root, "data": self.data, "port": self.port, "bin": self.bin,
                "owner": OWNER, "admin_password": self.password}

    @classmethod
    def from_state(cls, state):
        s = cls(root=state["root"], port=state["port"])
        s.password = state["admin_password"]
        s.running = os.path.exists(os.path.join(s.data, "postmaster.pid"))
        return s


def main(argv):
    p = argparse.ArgumentParser(description="a private PostgreSQL server for tests")
    p.add_argument("action", choices=["start", "stop", "down", "up"])
    p.add_argument("--state", required=True, help="directory for state.json and the URLs (the cluster gets a temporary directory of its own)")
    a = p.parse_args(argv)
    state_file = os.path.join(a.state, "state.json")
    if a.action == "start":
        if os.path.exists(state_file):  # a run that ended without its cleanup
            with open(state_file) as f:
                Server.from_state(json.load(f)).destroy()
        shutil.rmtree(a.state, ignore_errors=True)
        os.makedirs(a.state, mode=0o700)
        server = Server().start()
        with open(state_file, "w") as f:
            json.dump(server.state(), f)
        for name, value in (("url", server.url), ("admin_url", server.admin_url)):
            with open(os.path.join(a.state, name), "w") as f:
                f.write(value + "\n")
        print(f"PostgreSQL ready on 127.0.0.1:{server.port} ({server.data})")
        return 0
    if not os.path.exists(state_file):
        print("no server state; nothing to stop")
        return 0
    with open(state_file) as f:
        server = Server.from_state(json.load(f))
    if a.action == "down":
        server.stop()
        print("PostgreSQL stopped")
    elif a.action == "up":
        server.start()
        print("PostgreSQL started")
    else:
        server.destroy()
        shutil.rmtree(a.state, ignore_errors=True)
        print("PostgreSQL stopped and removed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
