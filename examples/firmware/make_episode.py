#!/usr/bin/env python3
"""Write episode.c: the readings examples/firmware feeds through the fire
rules, one per second for 420 s from a patrol robot's five fire sensors, in
tenths (int16), so the host and the device read identical doubles.

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
print("/* Made by make_episode.py (see there): one reading per second per")
print(" * sensor, in tenths. Do not edit. */")
print('#include "episode.h"\n')
print("const int16_t jj_fw_episode[JJ_FW_SECONDS][JJ_FW_SENSORS] = {")
for t in range(N):
    row = ", ".join(str(int(round(c[1][t] * 10))) for c in cols)
    print(f"    {{{row}}},")
print("};")
