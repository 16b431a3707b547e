#!/usr/bin/env python3
"""Sum a GNU ld map file's input sections by archive (libjjair.a, libc,
libm, libgcc, the program) and kind (text, rodata, data, bss): the core's
share of a firmware image (an LTO image shows the core and the program as
one). Usage: map_share.py FILE.map"""
import re
import sys
from collections import defaultdict

KINDS = ("text", "rodata", "data", "bss")
line_re = re.compile(r"^\s*(\.\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
sums = defaultdict(lambda: defaultdict(int))
pending = None
in_discard = False
for raw in open(sys.argv[1], encoding="utf-8", errors="replace"):
    if raw.startswith("Discarded input sections"):
        in_discard = True
    elif raw.startswith("Memory Configuration") or raw.startswith("Linker script and memory map"):
        in_discard = False
    if in_discard:
        continue
    m = re.match(r"^ (\.\S+)\s*$", raw)
    if m:
        pending = m.group(1)
        continue
    m = line_re.match(raw) if raw.startswith(" ") else None
    if not m:
        pending = None
        continue
    name = m.group(1) or pending
    pending = None
    if not name or int(m.group(2), 16) == 0:
        continue
    size, src = int(m.group(3), 16), m.group(4)
    kind = next((k for k in KINDS if name.startswith("." + k)), None)
    if kind is None:
        continue
    if ".ltrans" in src:
        # Link-time optimisation merged the core with the program: the
        # split by section is in the build without it (README "Firmware").
        who = "LTO output (the core + the program)"
    elif "libjjair.a" in src:
        who = "libjjair.a (the core)"
    elif re.search(r"libc(_nano)?\.a|librdimon", src):
        who = "libc (newlib) + semihosting"
    elif "libm.a" in src:
        who = "libm"
    elif "libgcc.a" in src:
        who = "libgcc (soft double)"
    else:
        who = "the program (incl. bundle, data)"
    sums[who][kind] += size
print(f"{'':34} {'text':>7} {'rodata':>7} {'data':>6} {'bss':>7}")
for who in sorted(sums):
    s = sums[who]
    print(f"{who:34} {s['text']:7d} {s['rodata']:7d} {s['data']:6d} {s['bss']:7d}")
