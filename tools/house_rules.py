#!/usr/bin/env python3
"""The house rules of ARCHITECTURE.md, counted over src/:

- files over 600 lines before their tests (`#[cfg(test)]`);
- functions over 80 lines (tests excluded), and which of them say in their
  doc comment why they cannot be split ("cannot be split");
- `unsafe` outside src/util/;
- comment lines that quote measurements (timings, percentages, sizes, "->").

    tools/house_rules.py            # a report; exit 1 if a rule is broken
    tools/house_rules.py --list     # every function with its length, longest first

Rust is read roughly: strings, chars and comments are blanked before braces
are counted, which is enough for rustfmt-formatted code.
"""
import os
import re
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
MAX_FILE, MAX_FN, MAX_EXCUSED = 600, 80, 3
FIGURE = re.compile(
    r"[0-9](\.[0-9]+)? ?(ms|us|ns|s|%|KB|MB|GB|x)\b.*(->|→|vs|faster|slower|median)"
    r"|(->|→) ?[0-9]+(\.[0-9]+)? ?(ms|us|s|%|KB|MB|GB)\b"
    r"|\b[0-9]+(\.[0-9]+)? ?(%|ms|us|ns)\b"
    r"|\b(faster|slower) than\b|\bwas [0-9]|\bmeasured\b|\bsession [0-9]+"
)


def blank(line, state):
    """The code of a line with strings, chars and comments blanked; `state`
    carries an open block comment or raw string across lines."""
    out, i, n = [], 0, len(line)
    while i < n:
        if state["block"]:
            j = line.find("*/", i)
            if j < 0:
                return "".join(out), None
            state["block"] = False
            i = j + 2
            continue
        if state["str"]:
            if line[i] == "\\" and not state["raw"]:
                i += 2
                continue
            if line.startswith(state["str"], i):
                i += len(state["str"])
                state["str"] = None
                continue
            i += 1
            continue
        c = line[i]
        if line.startswith("//", i):
            return "".join(out), line[i:]
        if line.startswith("/*", i):
            state["block"] = True
            i += 2
            continue
        m = re.match(r'r(#*)"', line[i:])
        if m and (i == 0 or not (line[i - 1].isalnum() or line[i - 1] == "_")):
            state["str"], state["raw"] = '"' + m.group(1), True
            i += len(m.group(0))
            continue
        if c == '"':
            state["str"], state["raw"] = '"', False
            i += 1
            continue
        if c == "'":
            m = re.match(r"'(\\.|\\u\{[0-9a-fA-F]+\}|\\x..|[^\\'])'", line[i:])
            if m:
                i += len(m.group(0))
                continue
        out.append(c)
        i += 1
    return "".join(out), None


def scan(path):
    """(lines before tests, functions [(name, start, length, excused)],
    unsafe lines, figure comment lines) of one file."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    state = {"block": False, "str": None, "raw": False}
    before_tests = len(lines)
    fns, unsafe, figures = [], [], []
    depth, open_fns, doc = 0, [], []
    in_tests = False
    for no, line in enumerate(lines, 1):
        if line.strip().startswith("#[cfg(test)]") and not in_tests:
            before_tests = min(before_tests, no - 1)
            in_tests = True
        code, comment = blank(line, state)
        if comment is not None and not in_tests:
            if comment.startswith("///") or comment.startswith("//!"):
                doc.append(comment)
            if FIGURE.search(comment):
                figures.append((no, line.strip()))
        elif code.strip() and not code.strip().startswith("#["):
            pass
        if not in_tests and re.search(r"\bunsafe\b", code):
            unsafe.append((no, line.strip()))
        m = re.search(r"\bfn\s+([A-Za-z_][A-Za-z0-9_]*)", code)
        if m and not in_tests:
            open_fns.append([m.group(1), no, depth, "cannot be split" in " ".join(doc)])
        for ch in code:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                while open_fns and depth <= open_fns[-1][2]:
                    name, start, d, excused = open_fns.pop()
                    fns.append((name, start, no - start + 1, excused))
        if ";" in code and open_fns and depth == open_fns[-1][2] and "{" not in code:
            open_fns.pop()  # a declaration without a body (trait method)
        if comment is None and code.strip() and not code.strip().startswith("#"):
            doc = []
    return before_tests, fns, unsafe, figures


def main():
    files = []
    for root, _, names in os.walk(SRC):
        for n in names:
            if n.endswith(".rs"):
                files.append(os.path.join(root, n))
    files.sort()
    long_files, long_fns, unsafe_out, figures, all_fns = [], [], [], [], []
    for p in files:
        rel = os.path.relpath(p, os.path.join(SRC, ".."))
        n, fns, unsafe, figs = scan(p)
        if n > MAX_FILE:
            long_files.append((rel, n))
        for name, start, length, excused in fns:
            all_fns.append((length, rel, start, name, excused))
            if length > MAX_FN:
                long_fns.append((rel, start, name, length, excused))
        if not rel.startswith("src/util/"):
            unsafe_out += [(rel, no, l) for no, l in unsafe]
        figures += [(rel, no, l) for no, l in figs]
    if "--list" in sys.argv:
        for length, rel, start, name, excused in sorted(all_fns, reverse=True):
            print(f"{length:5} {rel}:{start} {name}{' (excused)' if excused else ''}")
        return 0
    sizes = sorted(scan(p)[0] for p in files)
    print(f"{len(files)} files, median {sizes[len(sizes) // 2]} lines before tests")
    print(f"files over {MAX_FILE} lines: {len(long_files)}")
    for rel, n in long_files:
        print(f"  {rel}: {n}")
    excused = [f for f in long_fns if f[4]]
    print(f"functions over {MAX_FN} lines: {len(long_fns)} ({len(excused)} with a reason)")
    for rel, start, name, length, ex in long_fns:
        print(f"  {rel}:{start} {name}: {length}{' (says why)' if ex else ''}")
    print(f"unsafe outside src/util/: {len(unsafe_out)}")
    for rel, no, l in unsafe_out:
        print(f"  {rel}:{no}: {l}")
    print(f"comment lines with figures: {len(figures)}")
    for rel, no, l in figures:
        print(f"  {rel}:{no}: {l}")
    broken = long_files or len(long_fns) > len(excused) or len(excused) > MAX_EXCUSED or unsafe_out or figures
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
