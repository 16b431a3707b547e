#!/usr/bin/env python3
"""Write episode.c: the readings examples/firmware feeds through the fire
rules, one per second for 420 s from a patrol robot's five fire sensors, in
tenths (int16), so the host and the device read identical doubles, stored
as runs of equal changes (about 0.9 KB instead of a 4.2 KB table).

  0-60 s    quiet room: 24 °C, CO 0.4 ppm, no smoke, PM2.5 20 µg/m³
  60-120 s  the body thermistor fails and reads 90 °C (a stuck-high fault);
            every other sensor stays quiet: no fire may be confirmed
  150-300 s a medium t² fire (α = 0.01172 kW/s², NIST FDS / SFPE): ceiling-jet
            rise by Alpert's correlation ΔT = 16.9·Q^(2/3)/H^(5/3) (H = 3 m),
            seen through a first-order sensor lag (τ = 20 s body, 8 s
            camera); CO and smoke grow with the heat release
  300-420 s fire out; a dust/PM2.5 episode: +430 µg/m³ within 90 s
Run: python3 examples/firmware/make_episode.py > examples/firmware/episode.c
"""
import math

N = 420
H = 3.0
ALPHA = 0.01172


def gas_rise(t):
    if t < 150 or t >= 300:
        return 0.0
    q = ALPHA * (t - 150) ** 2
    return 16.9 * q ** (2 / 3) / H ** (5 / 3)


body, cam, co, smoke, pm = [], [], [], [], []
tb = tc = 24.0
for t in range(N):
    g = 24.0 + gas_rise(t)
    tb += (g - tb) / 20.0
    tc += (g - tc) / 8.0
    b = 90.0 if 60 <= t < 120 else tb
    body.append(b)
    cam.append(tc)
    q = ALPHA * (t - 150) ** 2 if 150 <= t < 300 else 0.0
    co.append(0.4 + min(q * 0.5, 80.0))
    smoke.append(min(q * 0.08, 25.0))
    p = 20.0
    if t >= 310:
        p += min(430.0, (t - 310) * 430.0 / 90.0)
    pm.append(p)

cols = [("temperature body", body), ("temperature camera", cam), ("co", co),
        ("smoke", smoke), ("pm25", pm)]
tenths = [[int(round(c[1][t] * 10)) for c in cols] for t in range(N)]


def zigzag(x):
    return 2 * x if x >= 0 else -2 * x - 1


def varint(u):
    out = []
    while u >= 0x80:
        out.append(0x80 | (u & 0x7F))
        u >>= 7
    out.append(u)
    return out


# Per sensor: the change from the second before (from 0 at the start), as
# runs of equal changes, each run a varint count and a zigzag varint change.
streams = []
for k in range(len(cols)):
    runs = []
    prev = 0
    for t in range(N):
        d = tenths[t][k] - prev
        prev = tenths[t][k]
        if runs and runs[-1][1] == d:
            runs[-1][0] += 1
        else:
            runs.append([1, d])
    streams.append([b for n, d in runs for b in varint(n) + varint(zigzag(d))])

check = 0  # what episode_read.c's jj_fw_episode_check recomputes
for t in range(N):
    for k in range(len(cols)):
        check = (check * 31 + (tenths[t][k] & 0xFFFF)) & 0xFFFFFFFF

print("/* Made by make_episode.py (see there): per sensor, the change of its")
print(" * reading (in tenths) from the second before, as runs of equal changes")
print(" * (varint count, zigzag varint change); episode_read.c decodes it. Do")
print(" * not edit. */")
print('#include "episode.h"\n')
offs, at = [], 0
for st in streams:
    offs.append(at)
    at += len(st)
offs.append(at)  # the end of the last one
print(f"const uint16_t jj_fw_episode_start[JJ_FW_SENSORS + 1] = {{{', '.join(map(str, offs))}}};")
print(f"const uint32_t jj_fw_episode_sum = {check}u;")
print(f"const uint8_t jj_fw_episode_runs[{at}] = {{")
flat = [b for st in streams for b in st]
for i in range(0, len(flat), 16):
    print("    " + ", ".join(str(b) for b in flat[i:i + 16]) + ",")
print("};")
