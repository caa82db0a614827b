"""The HTML report as a person sees it: historic mail replayed, the report rendered by headless
Chromium, and the rendered page checked (figures in the summary, bars, the SLA line) and
screenshotted. The page loads nothing from elsewhere."""

import glob
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

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
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

    def handle_data(self, data):
        if self.stack:
            self.text += data


class ReportHtml(unittest.TestCase):
    def test_rendered_report_shows_the_figures(self):
        with tempfile.TemporaryDirectory() as d:
            mbox = os.path.join(d, "history.mbox")
            with open(mbox, "wb") as out:
                for path in sorted(glob.glob(os.path.join(CONV, "*", "*.eml"))):
                    out.write(b"From archive@example Mon Nov  2 09:00:00 2026\n")
                    with open(path, "rb") as f:
                        out.write(f.read().replace(b"\r\n", b"\n") + b"\n")
            audit = os.path.join(d, "audit.jsonl")
            r = subprocess.run([harness.binary(), "replay", "--support-domain", "support.example.com",
                                "--audit", audit, mbox], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
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
            shot = os.path.join(d, "report.png")
            subprocess.run(["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1100,900",
                            f"--screenshot={shot}", "file://" + page], capture_output=True, timeout=120)
            with open(shot, "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")


if __name__ == "__main__":
    unittest.main(verbosity=2)
