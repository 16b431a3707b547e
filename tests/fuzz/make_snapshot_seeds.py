#!/usr/bin/env python3
"""Write the seed corpus of fuzz_snapshot (tests/fuzz/corpus_snapshot):
real snapshots of engines over fuzz_snapshot.c's RULES, each prefixed with
the target's flag byte. Uses the Python binding against a built library:

    JJAIR_LIBRARY=build/libjjair.so python3 tests/fuzz/make_snapshot_seeds.py
"""
import ast
import math
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "bindings" / "python"))
import jjair  # noqa: E402

src = (HERE / "fuzz_snapshot.c").read_text()
block = src.split("RULES-BEGIN")[1].split("RULES-END")[0]
rules = "".join(ast.literal_eval(line.strip().rstrip(";"))
                for line in block.splitlines() if line.strip().startswith('"'))
rs = jjair.Ruleset.from_string(rules)
out = HERE / "corpus_snapshot"
out.mkdir(exist_ok=True)


def engine():
    return jjair.Engine(rs, lateness_ms=20000, max_series=64)


def drive(e, steps, seed):
    t0 = 1714500000000
    for k in range(steps):
        station = k % 3
        t = t0 + (k // 3) * 30000 + (seed * 7919 + k * 104729) % 9000
        if k % 3 == 2:
            e.advance(t)
        v = 50 + 45 * math.sin(k / (20.0 + seed) + station)
        if k % 41 == 0:
            v = 900.0  # out of range
        try:
            e.push(e.series("pm25", station=f"s{station}", zone="north" if station < 2 else "south"),
                   t, max(v, 0.0))
        except jjair.JjairError:
            pass
        list(e)


seeds = {"empty": (0, 0), "few": (5, 1), "episode": (120, 2), "long": (400, 3),
         "tumbling": (250, 4)}
for name, (steps, seed) in seeds.items():
    with engine() as e:
        drive(e, steps, seed)
        image = e.snapshot()
    (out / name).write_bytes(bytes([0]) + image)
    (out / (name + "_sealed")).write_bytes(bytes([1]) + image)
    (out / (name + "_changed")).write_bytes(bytes([2]) + image)
print(f"{len(seeds) * 3} seeds in {out}")
