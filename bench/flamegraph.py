#!/usr/bin/env python3
"""Draws a flame graph (SVG) of `perf script` output.

    perf record -F 499 --call-graph dwarf -p PID -- sleep 20
    perf script | python3 bench/flamegraph.py --title "support-milter under load" > flame.svg

Each sample's stack is read root first; frames of the same name under the same parent are merged,
and each box is as wide as the share of samples that passed through it. Boxes narrower than
--min-width pixels are left out (their time stays in their parent). Hovering a box shows its
name, samples and share (the SVG's <title>).
"""

import argparse
import hashlib
import re
import sys
import xml.etree.ElementTree as ET

FRAME = re.compile(r"^\s+[0-9a-f]+\s+(.*?)(?:\s+\((.*)\))?$")


def short(name):
    """A frame's name without its argument list and template arguments, for reading."""
    name = re.sub(r"\+0x[0-9a-f]+$", "", name)
    if name in ("[unknown]", ""):
        return None
    name = name.replace("(anonymous namespace)", "{anon}")
    out, depth = [], 0
    for ch in name:
        if ch in "<(":
            if depth == 0:
                out.append("<>" if ch == "<" else "()")
            depth += 1
        elif ch in ">)":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return "".join(out).replace("()()", "()") or name


def read_stacks(lines):
    """Yields each sample's frames, root first."""
    frames, in_sample = [], False
    for line in lines:
        if not line.strip():
            if frames:
                yield list(reversed(frames))
            frames, in_sample = [], False
            continue
        if not line[0].isspace():
            in_sample = True
            frames = []
            continue
        m = FRAME.match(line)
        if in_sample and m:
            name = short(m.group(1))
            if name is not None and m.group(2) == "[kernel.kallsyms]":
                name = "[k] " + name
            if name is None:
                dso = (m.group(2) or "").rsplit("/", 1)[-1]
                name = f"[{dso}]" if dso else None
            if name:
                frames.append(name)
    if frames:
        yield list(reversed(frames))


class Node:
    __slots__ = ("name", "count", "children")

    def __init__(self, name):
        self.name, self.count, self.children = name, 0, {}

    def add(self, stack):
        self.count += 1
        node = self
        for name in stack:
            child = node.children.get(name)
            if child is None:
                child = node.children[name] = Node(name)
            child.count += 1
            node = child


def colour(name):
    """Warm colours, the same for the same name; the project's own code in orange."""
    h = int(hashlib.sha1(name.encode()).hexdigest()[:6], 16)
    if name.startswith("sm::"):
        return f"rgb(240,{120 + h % 70},{30 + h % 40})"
    if name.startswith("[k]") or name.startswith("[kernel"):
        return f"rgb({180 + h % 40},{180 + h % 40},{200 + h % 40})"
    return f"rgb({200 + h % 55},{60 + h % 90},{40 + h % 40})"


def render(root, title, width, min_width, row):
    depth = 0

    def max_depth(n, d):
        nonlocal depth
        depth = max(depth, d)
        for c in n.children.values():
            if c.count * width / root.count >= min_width:
                max_depth(c, d + 1)

    max_depth(root, 0)
    top = 40
    height = top + (depth + 1) * row + 10
    svg = ET.Element("svg", xmlns="http://www.w3.org/2000/svg", width=str(width), height=str(height),
                     viewBox=f"0 0 {width} {height}", style="font-family:monospace;font-size:11px")
    ET.SubElement(svg, "rect", x="0", y="0", width=str(width), height=str(height), fill="#fdfdf6")
    t = ET.SubElement(svg, "text", x=str(width // 2), y="22", style="font-size:15px", **{"text-anchor": "middle"})
    t.text = f"{title} ({root.count} samples)"

    def box(node, x, level):
        w = node.count * width / root.count
        if w < min_width:
            return
        y = height - 10 - (level + 1) * row
        g = ET.SubElement(svg, "g")
        tip = ET.SubElement(g, "title")
        tip.text = f"{node.name}: {node.count} samples, {100.0 * node.count / root.count:.2f} %"
        ET.SubElement(g, "rect", x=f"{x:.1f}", y=str(y), width=f"{max(w - 0.5, 0.5):.1f}", height=str(row - 1),
                      fill=colour(node.name), rx="2")
        chars = int((w - 6) / 6.6)
        if chars >= 3:
            label = ET.SubElement(g, "text", x=f"{x + 3:.1f}", y=str(y + row - 5))
            label.text = node.name if len(node.name) <= chars else node.name[: chars - 2] + ".."
        cx = x
        for child in sorted(node.children.values(), key=lambda c: c.name):
            box(child, cx, level + 1)
            cx += child.count * width / root.count

    root.name = "all"
    box(root, 0.0, 0)
    return ET.tostring(svg, encoding="unicode")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--title", default="flame graph")
    ap.add_argument("--width", type=int, default=1200)
    ap.add_argument("--min-width", type=float, default=0.5, help="pixels below which a box is left out")
    ap.add_argument("--row", type=int, default=16, help="pixels per frame")
    ap.add_argument("--folded", help="also write the folded stacks (one 'a;b;c count' line each) here")
    args = ap.parse_args()
    root = Node("all")
    folded = {}
    for stack in read_stacks(sys.stdin):
        if stack:
            root.add(stack)
            key = ";".join(stack)
            folded[key] = folded.get(key, 0) + 1
    if root.count == 0:
        sys.exit("flamegraph: no samples with stacks on standard input (perf script output expected)")
    if args.folded:
        with open(args.folded, "w") as f:
            for k in sorted(folded):
                f.write(f"{k} {folded[k]}\n")
    sys.stdout.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    sys.stdout.write(render(root, args.title, args.width, args.min_width, args.row))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
