#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check-layers.py - the src/ module graph: declared in CMake, obeyed by #include, acyclic.

DESCRIPTION
  Reads the replyguard_module(NAME DEPS ...) calls of the top-level
  CMakeLists.txt (cmake/ReplyguardModule.cmake) and checks:
    1. every folder under src/ is declared as a module, and every declared
       module has a folder;
    2. the declared graph has no cycle;
    3. every `#include "MODULE/..."` in src/MODULE2/ names MODULE2 itself or a
       module MODULE2 depends on (directly or through its dependencies).
  The link-level twin of check 3 is the layer_check_<module> programs the build
  links (a module calling an undeclared one fails to link there).
  ctest runs it as `layers`. `--print` prints the graph, lowest layer first.

DIAGNOSTICS
  One line per violation on standard error; exit 1 when there is any.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def declared_modules(cmake_text):
    mods = {}
    for m in re.finditer(r"replyguard_module\(\s*(\w+)(.*?)\)\s*$", cmake_text, re.S | re.M):
        name, rest = m.group(1), m.group(2)
        deps = []
        d = re.search(r"\bDEPS\b(.*?)(\bLIBS\b|$)", rest, re.S)
        if d:
            deps = d.group(1).split()
        mods[name] = deps
    return mods


def closure(mods, name, seen=None):
    seen = set() if seen is None else seen
    for d in mods.get(name, []):
        if d not in seen:
            seen.add(d)
            closure(mods, d, seen)
    return seen


def find_cycle(mods):
    state = {}
    stack = []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for d in mods.get(n, []):
            if state.get(d) == 1:
                return stack[stack.index(d):] + [d]
            if d not in state:
                c = visit(d)
                if c:
                    return c
        stack.pop()
        state[n] = 2
        return None

    for n in mods:
        if n not in state:
            c = visit(n)
            if c:
                return c
    return None


def layers(mods):
    """Modules grouped by depth: a module sits one layer above its highest dependency."""
    depth = {}

    def d(n):
        if n not in depth:
            depth[n] = 1 + max((d(x) for x in mods[n]), default=-1)
        return depth[n]

    for n in mods:
        d(n)
    out = {}
    for n, k in depth.items():
        out.setdefault(k, []).append(n)
    return [sorted(out[k]) for k in sorted(out)]


def main():
    text = open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8").read()
    mods = declared_modules(text)
    errors = []
    src = os.path.join(ROOT, "src")
    folders = sorted(f for f in os.listdir(src) if os.path.isdir(os.path.join(src, f)))
    for f in folders:
        if f not in mods:
            errors.append(f"src/{f}/: not declared (add replyguard_module({f} DEPS ...) to CMakeLists.txt)")
    for m, deps in mods.items():
        if m not in folders:
            errors.append(f"module {m}: declared but src/{m}/ does not exist")
        for d in deps:
            if d not in mods:
                errors.append(f"module {m}: depends on undeclared module {d}")
    cycle = find_cycle(mods)
    if cycle:
        errors.append("module cycle: " + " -> ".join(cycle))
    inc = re.compile(r'^\s*#\s*include\s+"([A-Za-z0-9_]+)/')
    for f in folders:
        if f not in mods:
            continue
        allowed = closure(mods, f) | {f}
        for dirpath, _, files in os.walk(os.path.join(src, f)):
            for name in sorted(files):
                if not name.endswith((".cpp", ".hpp", ".h", ".inc")):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8", errors="replace") as fh:
                    for lineno, line in enumerate(fh, 1):
                        m = inc.match(line)
                        if m and m.group(1) in mods and m.group(1) not in allowed:
                            rel = os.path.relpath(path, ROOT)
                            errors.append(f"{rel}:{lineno}: includes {m.group(1)}/, "
                                          f"which module {f} does not depend on (CMakeLists.txt)")
    if "--print" in sys.argv and not cycle:
        for i, layer in enumerate(layers(mods)):
            print(f"layer {i}: " + ", ".join(f"{m} -> {' '.join(mods[m]) or '(external only)'}" for m in layer))
    for e in errors:
        print(e, file=sys.stderr)
    if not errors and "--print" not in sys.argv:
        print(f"layers: {len(mods)} modules, no cycle, every include declared")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
