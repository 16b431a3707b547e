#!/usr/bin/env python3
"""README test (CTest "readme"): the code in README.md and rules/README.md works as shown.

README.md: every ```c block is a whole program. It is compiled against the
built library with -Wall -Wextra -Werror, run from the repository root
(under valgrind --leak-check=full --error-exitcode=1 when --valgrind is
given), and its stdout must equal the first ```text block after it (prose
may stand between the two; the next fenced block must be the text block).

rules/README.md: every ```yaml block is a whole rule file and must pass
`jjair check` (skipped when --jjair is not given: a build without the YAML
loader). Rule files are written into a scratch copy of rules/, so
`include:` of the shipped files works.

Markers: an HTML comment on the last non-blank line before a block,
    <!-- readme-test: WORD[, WORD ...] -->
with the words
    fragment        not a whole program or file. A C fragment is compiled
                    (not run) as the body of `void readme_fragment(void)`
                    after #include <jjair/jjair.h>, <stdio.h>, <stdlib.h>,
                    <string.h>, <inttypes.h>; a YAML fragment is skipped.
    rule-test       YAML: a rule unit-test file, run with `jjair test` from
                    the scratch rules/tests/ directory.
    requires NAME   skip unless the build has NAME (yaml, pcre2; --features).

Usage: test_readme.py --source-dir DIR --cc CC --lib-dir DIR [--cflags FLAGS]
                      [--valgrind PATH] [--jjair PATH] [--features yaml,pcre2]
                      --work DIR
The test fails when a README has no block it can check, so it cannot pass
by finding nothing."""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys

FENCE = re.compile(r"^(\s*)(`{3,})\s*([A-Za-z0-9_+-]*)\s*$")
MARKER = re.compile(r"^\s*<!--\s*readme-test:\s*(.*?)\s*-->\s*$")
FRAGMENT_PRELUDE = """#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jjair/jjair.h>

void readme_fragment(void);
void readme_fragment(void) {
"""
FRAGMENT_CODA = "\n}\n\nint main(void) { return 0; }\n"


class Block:
    def __init__(self, lang, line, text, marker):
        self.lang = lang        # "c", "yaml", "text", "" ...
        self.line = line        # 1-based line of the opening fence
        self.text = text
        self.words = set()      # marker words
        self.requires = set()
        if marker:
            for part in marker.split(","):
                w = part.split()
                if len(w) == 2 and w[0] == "requires":
                    self.requires.add(w[1])
                elif len(w) == 1 and w[0] in ("fragment", "rule-test"):
                    self.words.add(w[0])
                else:
                    raise ValueError(f"line {line}: unknown readme-test marker '{part.strip()}'")


def blocks_of(path):
    """The fenced blocks of a Markdown file, in order."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out = []
    last_nonblank = ""
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            if lines[i].strip():
                last_nonblank = lines[i]
            i += 1
            continue
        indent, ticks, lang = m.group(1), m.group(2), m.group(3).lower()
        marker = MARKER.match(last_nonblank)
        start = i + 1
        body = []
        i += 1
        while i < len(lines):
            close = FENCE.match(lines[i])
            if close and close.group(2) == ticks and not close.group(3):
                break
            ln = lines[i]
            body.append(ln[len(indent):] if ln.startswith(indent) else ln.lstrip())
            i += 1
        if i == len(lines):
            raise ValueError(f"{path}:{start}: unclosed ``` block")
        out.append(Block(lang, start, "\n".join(body) + "\n", marker.group(1) if marker else None))
        last_nonblank = ""
        i += 1
    return out


def run(cmd, cwd, timeout=120):
    return subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=timeout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--cc", required=True)
    ap.add_argument("--lib-dir", required=True)
    ap.add_argument("--cflags", default="")
    ap.add_argument("--valgrind", default="")
    ap.add_argument("--jjair", default="")
    ap.add_argument("--features", default="")
    ap.add_argument("--work", required=True)
    a = ap.parse_args()

    src = os.path.abspath(a.source_dir)
    work = os.path.abspath(a.work)
    features = {f for f in a.features.replace(",", " ").split() if f}
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    failures = []
    counts = {"run": 0, "compiled": 0, "checked": 0, "skipped": 0}

    def skip(where, why):
        counts["skipped"] += 1
        print(f"SKIP {where}: {why}")

    # ---- README.md: C programs -------------------------------------------
    readme = os.path.join(src, "README.md")
    blocks = blocks_of(readme)
    cflags = ["-std=c11", "-Wall", "-Wextra", "-Werror"] + shlex.split(a.cflags)
    for k, b in enumerate(blocks):
        if b.lang != "c":
            continue
        where = f"README.md:{b.line}"
        missing = b.requires - features
        if missing:
            skip(where, f"the build has no {', '.join(sorted(missing))}")
            continue
        fragment = "fragment" in b.words
        expected = None
        if not fragment:
            nxt = blocks[k + 1] if k + 1 < len(blocks) else None
            if nxt is None or nxt.lang != "text":
                failures.append(f"{where}: a C program needs its output in a ```text block after "
                                "it (or mark it <!-- readme-test: fragment -->)")
                continue
            expected = nxt.text
        name = f"readme_{b.line}"
        csrc = os.path.join(work, name + ".c")
        exe = os.path.join(work, name)
        with open(csrc, "w", encoding="utf-8") as f:
            f.write(FRAGMENT_PRELUDE + b.text + FRAGMENT_CODA if fragment else b.text)
        cc = [a.cc] + cflags + ["-I", os.path.join(src, "include"), "-o", exe, csrc,
                                "-L", a.lib_dir, "-ljjair", f"-Wl,-rpath,{a.lib_dir}", "-lm"]
        r = run(cc, work)
        if r.returncode != 0:
            failures.append(f"{where}: does not compile:\n  {' '.join(cc)}\n{r.stdout}{r.stderr}")
            continue
        if fragment:
            counts["compiled"] += 1
            print(f"ok   {where}: fragment compiles")
            continue
        cmd = [exe]
        if a.valgrind:
            cmd = [a.valgrind, "--quiet", "--error-exitcode=1", "--leak-check=full",
                   "--errors-for-leak-kinds=all"] + cmd
        r = run(cmd, src)
        if r.returncode != 0:
            failures.append(f"{where}: exit status {r.returncode}\n{r.stdout}{r.stderr}")
            continue
        if r.stdout != expected:
            failures.append(f"{where}: output differs from the ```text block after it\n"
                            f"--- expected\n{expected}--- got\n{r.stdout}{r.stderr}")
            continue
        counts["run"] += 1
        print(f"ok   {where}: output as shown" + (" (valgrind clean)" if a.valgrind else ""))

    if counts["run"] == 0:
        failures.append("README.md: no C program was run")

    # ---- rules/README.md: rule files -------------------------------------
    rules_readme = os.path.join(src, "rules", "README.md")
    if not a.jjair:
        skip("rules/README.md", "no jjair command in this build (JJ_WITH_YAML=OFF)")
    else:
        scratch = os.path.join(work, "rules")
        shutil.copytree(os.path.join(src, "rules"), scratch)
        for b in blocks_of(rules_readme):
            if b.lang != "yaml":
                continue
            where = f"rules/README.md:{b.line}"
            missing = b.requires - features
            if "fragment" in b.words:
                counts["skipped"] += 1
                continue
            if missing:
                skip(where, f"the build has no {', '.join(sorted(missing))}")
                continue
            test = "rule-test" in b.words
            d = os.path.join(scratch, "tests") if test else scratch
            path = os.path.join(d, f"readme_{b.line}.yaml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(b.text)
            cmd = [a.jjair, "test" if test else "check", path]
            r = run(cmd, d)
            if r.returncode != 0:
                failures.append(f"{where}: `jjair {cmd[1]}` fails on it:\n{r.stdout}{r.stderr}")
                continue
            counts["checked"] += 1
            print(f"ok   {where}: jjair {cmd[1]}")
        if counts["checked"] == 0:
            failures.append("rules/README.md: no rule file was checked")

    print(f"\n{counts['run']} programs run, {counts['compiled']} fragments compiled, "
          f"{counts['checked']} rule files checked, {counts['skipped']} blocks skipped")
    for f in failures:
        print(f"\nFAIL {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ValueError as e:
        print(f"FAIL {e}", file=sys.stderr)
        sys.exit(1)
