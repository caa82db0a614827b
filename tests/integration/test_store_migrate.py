"""`support-milter store migrate` from a SQLite store (filled by `check` with the sample
conversations in three languages) into a real PostgreSQL: the printed counts match what SQLite
holds, the rows arrive, a second run copies nothing and says so, a later message is picked up,
and bad input gets a clear error."""

import glob
import os
import sqlite3
import subprocess
import tempfile
import unittest

import harness
import pg


def counts_in_sqlite(path):
    db = sqlite3.connect(path)
    try:
        q = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "threads": q("SELECT count(*) FROM threads"),
            "messages": q("SELECT count(*) FROM messages"),
            "participants": q("SELECT count(*) FROM participants"),
            "fingerprints": q("SELECT coalesce(sum(length(fingerprints)), 0) / 8 FROM messages"),
            "sla": q("SELECT count(*) FROM threads WHERE sla != '' OR due IS NOT NULL"),
        }
    finally:
        db.close()


def parse_counts(text):
    """{'threads': (created, present, empty), 'messages': (copied, present), 'participants': n, ...}"""
    out = {}
    for line in text.splitlines():
        if ":" not in line or line.startswith("copied"):
            continue
        key, rest = line.split(":", 1)
        numbers = [int(w) for w in rest.replace(",", " ").split() if w.isdigit()]
        out[key.strip()] = tuple(numbers) if len(numbers) > 1 else numbers[0]
    return out


class StoreMigrate(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = pg.Server().start()
        cls.dir = tempfile.mkdtemp(prefix="support-milter-migrate-")
        cls.sqlite = os.path.join(cls.dir, "state.db")
        files = []
        for lang in ("en", "es", "ru"):
            files += sorted(glob.glob(os.path.join(harness.ROOT, "tests", "data", "conversations", lang, "*.eml")))
        cls.files = files
        r = harness.run([harness.binary(), "check", "--state", cls.sqlite, "--support-domain", "support.example.com",
                         *files[:-1]])
        assert r.stdout.count("\n") == len(files) - 1, r.stdout

    @classmethod
    def tearDownClass(cls):
        cls.server.destroy()
        subprocess.run(["rm", "-rf", cls.dir], check=False)

    def migrate(self, *args, to=None):
        return harness.run([harness.binary(), "store", "migrate", "--from", f"sqlite:{self.sqlite}",
                            "--to", to or self.server.url, *args], check=False)

    def test_1_copies_everything_then_nothing_then_the_new_message(self):
        expected = counts_in_sqlite(self.sqlite)
        self.assertGreaterEqual(expected["threads"], 3)
        self.assertGreater(expected["fingerprints"], 0)
        self.assertGreater(expected["sla"], 0)

        r = self.migrate()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(self.server.password, r.stdout + r.stderr)
        got = parse_counts(r.stdout)
        self.assertEqual(got["threads"], (expected["threads"], 0, 0))
        self.assertEqual(got["messages"], (expected["messages"], 0))
        self.assertEqual(got["participants"], expected["participants"])
        self.assertEqual(got["fingerprints"], expected["fingerprints"])
        self.assertEqual(got["sla states"], expected["sla"])

        psql = self.server.psql
        self.assertEqual(int(psql("SELECT count(*) FROM threads")), expected["threads"])
        self.assertEqual(int(psql("SELECT count(*) FROM messages")), expected["messages"])
        self.assertEqual(int(psql("SELECT count(*) FROM participants")), expected["participants"])
        self.assertEqual(int(psql("SELECT sum(length(fingerprints)) / 8 FROM messages")), expected["fingerprints"])
        lite = sqlite3.connect(self.sqlite)
        rows = lite.execute("SELECT thread_id, sla, coalesce(due, -1) FROM threads ORDER BY thread_id").fetchall()
        lite.close()
        pg_rows = [tuple(line.split("|")) for line in
                   psql("SELECT thread_id, sla, coalesce(due, -1) FROM threads ORDER BY thread_id").splitlines()]
        self.assertEqual([(t, s, str(d)) for t, s, d in rows], pg_rows)

        again = self.migrate()
        self.assertEqual(again.returncode, 0, again.stderr)
        got = parse_counts(again.stdout)
        self.assertEqual(got["messages"], (0, expected["messages"]))
        self.assertEqual(got["threads"], (0, expected["threads"], 0))
        self.assertEqual(got["sla states"], 0)

        # The last Russian message, checked into SQLite after the copy, is copied next time.
        harness.run([harness.binary(), "check", "--state", self.sqlite, "--support-domain", "support.example.com",
                     self.files[-1]])
        more = self.migrate()
        self.assertEqual(more.returncode, 0, more.stderr)
        self.assertEqual(parse_counts(more.stdout)["messages"], (1, expected["messages"]))
        self.assertEqual(int(psql("SELECT count(*) FROM messages")), expected["messages"] + 1)

    def test_2_bad_input_is_a_clear_error(self):
        cases = [
            (["--from", "sqlite:/nonexistent/state.db", "--to", self.server.url], "no such file"),
            (["--from", f"sqlite:{self.sqlite}", "--to", "postgresql://milter:s3cret@127.0.0.1:1/x"], "cannot connect"),
            (["--from", f"sqlite:{self.sqlite}", "--to", f"sqlite:{self.sqlite}"], "same store"),
            (["--from", f"sqlite:{self.sqlite}", "--to", "redis://x"], "unknown kind"),
            (["--from", f"sqlite:{self.sqlite}", "--to", self.server.url.replace(self.server.password, "s3cret")],
             "password authentication failed"),
        ]
        for args, message in cases:
            r = harness.run([harness.binary(), "store", "migrate", *args], check=False)
            self.assertNotEqual(r.returncode, 0, args)
            self.assertIn(message, r.stderr, args)
            self.assertNotIn("s3cret", r.stderr)
        r = harness.run([harness.binary(), "store", "migrate", "--to", self.server.url], check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--from", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
