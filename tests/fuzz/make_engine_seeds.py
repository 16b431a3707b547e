#!/usr/bin/env python3
"""Writes the seed programs of tests/fuzz/corpus_engine (see fuzz_engine.c
for the encoding). Run from the repository root after changing the
encoding: python3 tests/fuzz/make_engine_seeds.py"""
import os
import random

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus_engine")
SERIES, PUSH, BATCH, ADVANCE, POLL, FORGET, FOREACH, STATE, LABELED = 0, 1, 4, 5, 6, 7, 8, 9, 10


def op(k, flag80=False, flag40=False):
    """The smallest op byte k + 11 m with the wanted high bits."""
    for m in range(24):
        b = k + 11 * m
        if b < 256 and bool(b & 0x80) == flag80 and bool(b & 0x40) == flag40:
            return b
    raise ValueError(k)


def val(v):
    """A value 0 <= v < 256 as the fuzzer reads it (>= 128: (b-128)*2 + frac)."""
    whole = int(v // 2)
    return bytes([128 + min(whole, 127), int((v - 2 * whole) * 128) & 255])


def table(i):
    return bytes([i])  # k_values[i]: 20 = NaN, 17 = 1e308, ...


def series(metric, group, station, extra=False, big=False, repeat=False):
    a = metric | group << 2 | (0x40 if extra else 0) | (0x80 if big else 0)
    return bytes([op(SERIES), a, station | (0xF0 if repeat else 0)])


def push(idx, step_s, v, back=False):
    return bytes([op(PUSH, flag80=back), idx, step_s]) + (val(v) if isinstance(v, float) else table(v))


def advance(seconds, minutes=False):
    return bytes([op(ADVANCE, flag80=minutes), seconds & 255, seconds >> 8])


def poll(n):
    return bytes([op(POLL), n])


def config(queue=4, lateness=0, future=0, idle=False, max_series=31, max_groups=3, no_queue=False,
           fail=None):
    c0 = (queue - 1) | lateness << 4 | (0x40 if future == -1 else 0x80 if future == 1 else 0)
    c1 = (1 if idle else 0) | (max_series - 1) << 1 | (max_groups - 1) << 6
    c2 = 7 if no_queue else 0
    out = bytes([c0, c1])
    if fail is not None:
        c2 |= 0x18 | 0x20
        return out + bytes([c2, fail])
    return out + bytes([c2])


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    # 1: a PM2.5 episode in two zones, hourly windows closing, polls
    p = config(queue=8)
    for s in range(4):
        p += series(0, s // 2, s)
    for h in range(30):
        level = 20.0 + (100.0 if 6 <= h < 14 else 0.0) + h % 3
        for s in range(4):
            p += push(s, 150 if s == 0 else 0, level + s)
        if h % 4 == 0:
            p += poll(16)
    p += advance(400, minutes=True) + bytes([op(FOREACH)]) + poll(255)
    write("pm_episode", p)
    # 2: a robot fire: two temperature sensors and smoke, then silence
    p = config(queue=16)
    p += series(1, 1, 0) + series(1, 1, 1) + series(2, 1, 2)
    t = 20.0
    for k in range(40):
        t = min(t + (6.0 if k > 10 else 0.0), 250.0)
        p += push(0, 5, t) + push(1, 0, t - 1) + push(2, 0, 1.0 if k > 20 else 0.0)
    p += poll(100) + advance(300) + bytes([op(STATE), 0, 5]) + bytes([op(FOREACH)]) + poll(255)
    write("robot_fire", p)
    # 3: a tiny queue and a flapping station: superseded events
    p = config(queue=1, lateness=1)
    p += series(0, 0, 1) + series(0, 0, 2)
    for k in range(60):
        p += push(k % 2, 20, 120.0 if k % 3 else 5.0)
        if k % 17 == 0:
            p += poll(1)
    p += poll(255)
    write("flapping_queue", p)
    # 4: bad input: big and non-UTF-8 labels, repeated names, unknown ids,
    # NaN/Inf/1e308, readings far back, an advance to INT64_MAX
    p = config(queue=4, future=1)
    p += series(0, 0, 6) + series(0, 0, 3) + series(1, 2, 1, extra=True, big=True)
    p += series(2, 0, 1, repeat=True) + series(3, 0, 0)
    for v in (20, 21, 22, 17, 18, 0, 13):
        p += push(0, 30, v) + push(1, 30, v)
    p += bytes([op(PUSH), 255, 1, 5]) + push(0, 200, 8, back=True)
    p += bytes([op(ADVANCE, flag40=True), 0, 0]) + bytes([op(FORGET), 0, op(FORGET), 0])
    p += bytes([op(BATCH, flag80=True), 5, 0, 5, 1, 8, 255, 8, 0, 6, 1, 7]) + poll(255)
    write("bad_input", p)
    # 5: allocation failures (every 7th after the 40th) and idle expiry
    p = config(queue=4, idle=True, fail=40)
    for s in range(6):
        p += series(s % 3, s % 4, s)
    for k in range(30):
        p += push(k % 6, 60, float(k * 7 % 200))
    p += advance(60, minutes=True) + poll(255)
    write("alloc_failures", p)
    # 6: no queue, labeled pushes, random mix
    rnd = random.Random(10)
    p = config(queue=2, no_queue=True, max_groups=1)
    for _ in range(300):
        p += bytes([rnd.randrange(256) for _ in range(4)])
    write("random_mix", p)
    p = config(queue=3, lateness=2, future=-1)
    for _ in range(400):
        p += bytes([rnd.randrange(256) for _ in range(3)])
    write("random_mix2", p)


if __name__ == "__main__":
    main()
