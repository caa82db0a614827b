#!/usr/bin/env python3
"""bench/flamegraph.py on perf script output written here: stacks are folded root first, boxes are
as wide as their share of the samples, names lose their argument lists, kernel frames are marked,
and input without stacks is an error."""

import os
import subprocess
import sys
import unittest
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "bench", "flamegraph.py")


def sample(frames):
    """One sample as perf script prints it: leaf first."""
    lines = ["support-milter 4242 100.000000:    2004008 cpu-clock:ppp: "]
    for addr, name, dso in frames:
        lines.append(f"\t{addr:>16x} {name} ({dso})")
    return "\n".join(lines) + "\n\n"


def run(text, *args):
    return subprocess.run([sys.executable, SCRIPT, *args], input=text, capture_output=True, text=True, timeout=60)


class FlameGraph(unittest.TestCase):
    def setUp(self):
        judge = [(0x10, "sm::Pipeline::judge(sm::Message const&)+0x1f", "/usr/bin/support-milter"),
                 (0x20, "sm::(anonymous namespace)::on_eom(smfi_str*)+0x40", "/usr/bin/support-milter"),
                 (0x30, "mi_engine+0x99", "/usr/lib/x86_64-linux-gnu/libmilter.so.1.0.1")]
        poll = [(0xffffffff81000000, "do_sys_poll+0x12", "[kernel.kallsyms]"),
                (0x40, "__GI___poll+0x2", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
                (0x30, "mi_engine+0x99", "/usr/lib/x86_64-linux-gnu/libmilter.so.1.0.1")]
        parse = [(0x50, "sm::parse_message(std::basic_string_view<char, std::char_traits<char> >, sm::Limits const&)", "/usr/bin/support-milter"),
                 (0x20, "sm::(anonymous namespace)::on_eom(smfi_str*)+0x40", "/usr/bin/support-milter"),
                 (0x30, "mi_engine+0x99", "/usr/lib/x86_64-linux-gnu/libmilter.so.1.0.1")]
        self.text = sample(judge) * 6 + sample(poll) * 3 + sample(parse)

    def test_folded_stacks_root_first(self):
        folded = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"flame-{os.getpid()}.folded")
        try:
            r = run(self.text, "--folded", folded)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(folded) as f:
                rows = dict(line.rsplit(" ", 1) for line in f.read().splitlines())
        finally:
            if os.path.exists(folded):
                os.unlink(folded)
        self.assertEqual(rows, {
            "mi_engine;sm::{anon}::on_eom();sm::Pipeline::judge()": "6",
            "mi_engine;__GI___poll;[k] do_sys_poll": "3",
            "mi_engine;sm::{anon}::on_eom();sm::parse_message()": "1",
        })

    def test_boxes_as_wide_as_their_share(self):
        r = run(self.text, "--width", "1000", "--title", "test")
        self.assertEqual(r.returncode, 0, r.stderr)
        svg = ET.fromstring(r.stdout.split("\n", 1)[1])
        ns = {"s": "http://www.w3.org/2000/svg"}
        widths = {}
        for g in svg.findall("s:g", ns):
            name = g.find("s:title", ns).text.rsplit(": ", 1)[0]  # "name: N samples, P %"
            widths[name] = float(g.find("s:rect", ns).get("width"))
        self.assertAlmostEqual(widths["all"], 999.5, delta=0.1)
        self.assertAlmostEqual(widths["mi_engine"], 999.5, delta=0.1)
        self.assertAlmostEqual(widths["sm::Pipeline::judge()"], 599.5, delta=0.1)
        self.assertAlmostEqual(widths["[k] do_sys_poll"], 299.5, delta=0.1)
        self.assertIn("10 samples", r.stdout)

    def test_no_stacks_is_an_error(self):
        r = run("nothing that perf script prints\n")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no samples", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
