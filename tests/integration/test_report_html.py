"""The report as a person sees it: historic mail replayed, the HTML report rendered by headless
Chromium, and the rendered page checked (the chain's state, figures in the summary, bars, the SLA
line, the lists behind the counts) and screenshotted; the page loads nothing from elsewhere. The
same log read back as JSON and CSV agrees row for row, and a tampered log makes every format say so."""

import csv
import glob
import io
import json
import html.parser
import os
import subprocess
import tempfile
import unittest

import harness

CONV = os.path.join(harness.ROOT, "tests", "data", "conversations")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells, self.bars, self.points, self.stack = [], [], 0, []
        self.in_summary = False
        self.text = ""
        self.chain = None
        self.list_rows = {}  # list table id -> rows (header aside)
        self.in_list = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "div" and a.get("id") == "chain":
            self.chain = a.get("class")
        if tag == "table" and a.get("class") in ("list", "view"):
            self.in_list = a.get("id")
            self.list_rows[self.in_list] = -1
        if tag == "tr" and self.in_list:
            self.list_rows[self.in_list] += 1
        if tag == "table" and a.get("id") == "summary":
            self.in_summary = True
        if tag == "td" and self.in_summary:
            self.text = ""
            self.stack.append("td")
        if tag == "rect" and a.get("class") == "bar":
            self.bars.append(int(float(a["height"])))
        if tag == "circle" and a.get("class") == "point":
            self.points += 1

    def handle_endtag(self, tag):
        if tag == "td" and self.stack:
            self.stack.pop()
            self.cells.append(self.text.strip())
        if tag == "table":
            self.in_summary = False
            self.in_list = None

    def handle_data(self, data):
        if self.stack:
            self.text += data


def replayed_audit(d):
    """The test conversations replayed into an audit log in directory d; its path."""
    mbox = os.path.join(d, "history.mbox")
    with open(mbox, "wb") as out:
        for path in sorted(glob.glob(os.path.join(CONV, "*", "*.eml"))):
            out.write(b"From archive@example Mon Nov  2 09:00:00 2026\n")
            with open(path, "rb") as f:
                out.write(f.read().replace(b"\r\n", b"\n") + b"\n")
    audit = os.path.join(d, "audit.jsonl")
    r = subprocess.run([harness.binary(), "replay", "--support-domain", "support.example.com",
                        "--audit", audit, mbox], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return audit


def report(*args):
    return subprocess.run([harness.binary(), "report", *args], capture_output=True, text=True)


class ReportHtml(unittest.TestCase):
    def test_rendered_report_shows_the_figures(self):
        with tempfile.TemporaryDirectory() as d:
            audit = replayed_audit(d)
            page = os.path.join(d, "report.html")
            with open(page, "w") as f:
                r = subprocess.run([harness.binary(), "report", "--format", "html", audit], stdout=f, text=True)
            self.assertEqual(r.returncode, 0)
            with open(page) as f:
                self.assertNotIn("http", f.read(), "self-contained")
            profile = os.path.join(d, "profile")
            dom = subprocess.run(["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                                  "file://" + page], capture_output=True, text=True, timeout=120)
            self.assertEqual(dom.returncode, 0, dom.stderr[-2000:])
            parsed = Dom()
            parsed.feed(dom.stdout)
            # threads, customer messages, replies, first reply p50 (70, 90, 60 min -> 1.2h), ...
            self.assertEqual(parsed.cells[:4], ["3", "6", "6", "1.2h"])
            self.assertEqual(parsed.cells[7], "100.0%")  # within target
            self.assertEqual(len(parsed.bars), 7)
            self.assertEqual(sum(1 for h in parsed.bars if h > 0), 2)
            self.assertEqual(parsed.points, 3)  # three days with answers
            self.assertEqual(parsed.chain, "ok")
            self.assertEqual(parsed.list_rows["replies"], 6, "every reply has its row")
            self.assertEqual(parsed.list_rows["over_target"], 0)
            rep = json.loads(report("--format", "json", audit).stdout)
            agents = {r["agent"] for r in rep["lists"]["replies"]}
            self.assertGreaterEqual(len(agents), 1)
            self.assertEqual(parsed.list_rows["by-agent"], len(agents), "one row per agent who replied")
            self.assertEqual(parsed.list_rows["by-day"], len(rep["views"]["day"]))
            shot = os.path.join(d, "report.png")
            subprocess.run(["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1100,900",
                            f"--screenshot={shot}", "file://" + page], capture_output=True, timeout=120)
            with open(shot, "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")


class ReportFormats(unittest.TestCase):
    def test_json_and_csv_agree_row_for_row(self):
        with tempfile.TemporaryDirectory() as d:
            audit = replayed_audit(d)
            j = report("--format", "json", audit)
            self.assertEqual(j.returncode, 0, j.stderr)
            rep = json.loads(j.stdout)
            self.assertTrue(rep["chain"]["ok"])
            with open(audit) as f:
                self.assertEqual(rep["chain"]["records"], sum(1 for _ in f))
            replies = rep["lists"]["replies"]
            total = rep["total"]
            self.assertEqual(len(replies), total["first_reply"]["count"] + total["next_reply"]["count"])
            c = report("--format", "csv", "--csv-dir", os.path.join(d, "lists"), audit)
            self.assertEqual(c.returncode, 0, c.stderr)
            rows = list(csv.DictReader(io.StringIO(c.stdout, newline="")))
            self.assertEqual([r["message_id"] for r in rows], [r["message_id"] for r in replies])
            self.assertEqual([float(r["latency_s"]) for r in rows], [r["latency_s"] for r in replies])
            self.assertTrue(all(r["thread_id"] and r["message_id"] and r["answered_at"] for r in rows))
            for name, entries in rep["lists"].items():
                with open(os.path.join(d, "lists", name + ".csv"), newline="") as f:
                    self.assertEqual(len(list(csv.DictReader(f))), len(entries), name)
            t = report(audit)
            self.assertEqual(t.returncode, 0)
            self.assertTrue(t.stdout.startswith("audit chain intact: %d records" % rep["chain"]["records"]), t.stdout[:200])

    def test_a_tampered_log_is_said_in_every_format(self):
        with tempfile.TemporaryDirectory() as d:
            audit = replayed_audit(d)
            with open(audit) as f:
                lines = f.readlines()
            lines[2] = lines[2].replace('"outbound"', '"inbound"', 1) if '"outbound"' in lines[2] else lines[2].replace("{", '{"x":1,', 1)
            with open(audit, "w") as f:
                f.writelines(lines)
            t = report(audit)
            self.assertEqual(t.returncode, 65, t.stderr)
            self.assertTrue(t.stdout.startswith("WARNING: AUDIT CHAIN BROKEN"), t.stdout[:200])
            self.assertIn("audit.jsonl:4:", t.stdout, "the place of the break")
            j = report("--format", "json", audit)
            self.assertEqual(j.returncode, 65)
            self.assertFalse(json.loads(j.stdout)["chain"]["ok"])
            h = report("--format", "html", "--allow-broken", audit)
            self.assertEqual(h.returncode, 0, "--allow-broken")
            self.assertIn('<div id="chain" class="broken">', h.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
