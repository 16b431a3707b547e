#!/usr/bin/env python3
"""Fire ramp: a robot's temperature rising 12 °C/min from 22 °C (a rate-of-rise
test ramp) through rules/fire.yaml with the Python binding, drawn as a PNG:
the temperature with the fixed-heat thresholds, the rate of rise with its
thresholds, and a line at each alarm.

Usage (from the repository root, after building build/):
  PYTHONPATH=bindings/python python3 examples/python/fire_ramp.py [OUT.png]
Needs Debian's python3-numpy and python3-matplotlib. Writes OUT.png (default
fire_ramp.png), 1200 x 800 pixels, and prints each alarm and the file's path.
"""
import pathlib
import re
import sys

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bindings" / "python"))
import jjair  # noqa: E402

RULES = REPO / "rules" / "fire.yaml"
STEP_S = 2          # one reading every 2 s
START_S = 300       # 5 min at room temperature, then the ramp
RAMP = 12.0 / 60    # °C per second
TOP = 80.0          # the ramp stops here
ALARM_COLORS = {"fire-heat-rate": "#e4572e", "fire-heat-fixed": "#7b2d8b"}


def threshold(rule):
    """(issue, release) of `rule`'s only level, read from the rule file."""
    block = RULES.read_text(encoding="utf-8").split(f"- name: {rule}\n", 1)[1]
    m = re.search(r'issue: ">= ([\d.]+)", clear: "< ([\d.]+)"', block)
    return float(m.group(1)), float(m.group(2))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "fire_ramp.png"
    t = np.arange(0, 900, STEP_S, dtype=np.int64)  # 15 minutes
    temp = np.minimum(22.0 + RAMP * np.clip(t - START_S, 0, None), TOP)
    rules = jjair.Ruleset.from_file(RULES)
    with jjair.Engine(rules) as engine:
        s = engine.series("temperature", robot="r1")
        assert engine.push_many(s, t * 1000, temp) == len(t)
        events = list(engine)
    alarms = [e for e in events if e.kind == "fired"]

    # The rate of rise as the rule computes it: least-squares slope over the
    # last 60 s (at least 5 readings), in °C/min.
    rate = np.full(len(t), np.nan)
    for i in range(len(t)):
        w = (t > t[i] - 60) & (t <= t[i])
        if w.sum() >= 5:
            rate[i] = np.polyfit(t[w], temp[w], 1)[0] * 60

    fig, (a1, a2) = plt.subplots(2, 1, figsize=(12, 8), dpi=100, sharex=True)
    minutes = t / 60
    a1.plot(minutes, temp, color="#3b6ea8", label="temperature (°C)")
    issue, release = threshold("fire-heat-fixed")
    a1.axhline(issue, color=ALARM_COLORS["fire-heat-fixed"], label=f"fixed heat: issue ≥ {issue:g}")
    a1.axhline(release, color=ALARM_COLORS["fire-heat-fixed"], ls="--",
               label=f"fixed heat: release < {release:g}")
    a2.plot(minutes, rate, color="#3b6ea8", label="rate of rise, 60 s slope (°C/min)")
    issue, release = threshold("fire-heat-rate")
    a2.axhline(issue, color=ALARM_COLORS["fire-heat-rate"], label=f"rate of rise: issue ≥ {issue:g}")
    a2.axhline(release, color=ALARM_COLORS["fire-heat-rate"], ls="--",
               label=f"rate of rise: release < {release:g}")
    at = {}  # alarm time -> rules, one label per time
    for e in alarms:
        for ax in (a1, a2):
            ax.axvline(e.time_ms / 60000, color=ALARM_COLORS.get(e.rule, "black"), lw=2, alpha=0.6)
        at.setdefault(e.time_ms, []).append(e.rule)
        print(f"alarm {e.rule} ({e.level_name}) at {e.time_ms / 1000:.0f} s, value {e.value:.1f}")
    for i, (ms, names) in enumerate(at.items()):
        a1.annotate(f"{ms / 60000:.1f} min: " + ", ".join(names), (ms / 60000 + 0.1, 40 - 6 * i),
                    fontsize=8, va="center", ha="left")
    a1.set_title("Temperature ramp of 12 °C/min through rules/fire.yaml (robot r1)")
    a1.set_ylabel("°C")
    a2.set_ylabel("°C/min")
    a2.set_xlabel("minutes; vertical lines: alarms")
    a1.legend(loc="upper left", fontsize=8)
    a2.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(out)
    print(f"wrote {pathlib.Path(out).resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
