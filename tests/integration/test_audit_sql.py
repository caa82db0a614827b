"""The audit log loaded into a real PostgreSQL with psql's \\copy (docs/sql/audit-schema.sql), and
the SQL of docs/sql/audit-figures.sql: the same figures as `report --format json` on the same log
(forty days of the year-of-mail benchmark's mail, replayed a month at a time)."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

import harness
import pg

sys.path.insert(0, os.path.join(harness.ROOT, "bench"))
import year_of_mail  # noqa: E402

SQL = os.path.join(harness.ROOT, "docs", "sql")
COPY = "\\copy audit (record) FROM pstdin WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"


class AuditSql(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="sm-audit-sql-")
        os.chmod(cls.work, 0o755)
        mboxes, cls.messages, domains = year_of_mail.generate(cls.work, 40, 25, seed=7)
        cls.log = os.path.join(cls.work, "audit.jsonl")
        args = [a for d in domains for a in ("--support-domain", d)]
        for m in mboxes:
            subprocess.run([harness.binary(), "replay"] + args + ["--state", os.path.join(cls.work, "state.db"),
                                                                  "--audit", cls.log, m],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out = subprocess.run([harness.binary(), "report", "--format", "json", "--by", "agent", cls.log],
                             check=True, capture_output=True, text=True).stdout
        cls.report = json.loads(out)
        cls.server = pg.Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.destroy()
        subprocess.run(["rm", "-rf", cls.work])

    def psql(self, *args, stdin=None):
        s = self.server
        env = dict(os.environ, PGPASSWORD=s.password, PGCONNECT_TIMEOUT="5")
        r = subprocess.run([os.path.join(s.bin, "psql"), "-X", "-q", "-A", "-F", "|", "-v", "ON_ERROR_STOP=1",
                            "-h", "127.0.0.1", "-p", str(s.port), "-U", pg.ROLE, "-d", pg.DATABASE] + list(args),
                           stdin=stdin, capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_the_figures_are_the_reports(self):
        self.psql("-f", os.path.join(SQL, "audit-schema.sql"))
        with open(self.log) as f:
            self.psql("-c", COPY, stdin=f)
        with open(self.log) as f:
            records = sum(1 for _ in f)
        self.assertEqual(self.psql("-t", "-c", "SELECT count(*) FROM audit").strip(), str(records))

        # The figures file's result sets, each a header row and its rows.
        tables, rows = [], None
        for line in self.psql("-f", os.path.join(SQL, "audit-figures.sql")).splitlines():
            if line.startswith("("):  # "(N rows)" ends a result set
                tables.append(rows)
                rows = None
            elif rows is None:
                header, rows = line.split("|"), []
            else:
                rows.append(dict(zip(header, line.split("|"))))
        totals, last_word, findings, days, agents = tables

        t = self.report["total"]
        num = lambda v: None if v == "" else float(v)  # noqa: E731
        got = totals[0]
        for key in ("threads", "customer_messages", "replies", "breaches", "contact_gaps", "promises_missed", "held",
                    "released", "rejected"):
            self.assertEqual(int(got[key]), t[key], key)
        for kind in ("first", "next"):
            self.assertEqual(int(got[kind + "_replies"]), t[kind + "_reply"]["count"], kind)
            for q in ("p50_s", "p90_s", "max_s"):
                self.assertEqual(num(got[kind + "_" + q]), t[kind + "_reply"][q], kind + q)
        self.assertEqual(float(got["within_target"]), t["within_target"])
        self.assertEqual(float(got["within_limit"]), t["within_limit"])
        self.assertEqual(int(last_word[0]["customer_last_word"]), t["customer_last_word"])
        self.assertEqual({r["rule"]: int(r["findings"]) for r in findings}, t["findings"])
        self.assertGreater(t["held"], 0)
        self.assertGreater(t["breaches"], 0)

        report_days = self.report["views"]["day"]
        self.assertEqual([r["day"] for r in days], sorted(report_days))
        for r in days:
            d = report_days[r["day"]]
            self.assertEqual((int(r["customer_messages"]), int(r["replies"]), num(r["first_p50_s"]), int(r["breaches"])),
                             (d["customer_messages"], d["replies"], d["first_reply"]["p50_s"], d["breaches"]), r["day"])
        report_agents = self.report["views"]["agent"]
        self.assertEqual([r["agent"] for r in agents], sorted(report_agents))
        for r in agents:
            g = report_agents[r["agent"]]
            self.assertEqual((int(r["replies"]), num(r["first_p50_s"]), num(r["first_p90_s"]), int(r["held"])),
                             (g["replies"], g["first_reply"]["p50_s"], g["first_reply"]["p90_s"], g["held"]), r["agent"])


if __name__ == "__main__":
    unittest.main()
