#!/usr/bin/env python3
"""Seoul PM2.5/PM10 timeline: replays the bundled five years of hourly data
through rules/korea-air.yaml with the Python binding and draws one panel per
pollutant: the hourly means, each level's issue and release thresholds, and
the alert spans shaded by level.

Usage (from the repository root, after building build/):
  PYTHONPATH=bindings/python python3 examples/python/seoul_timeline.py [OUT.png]
    [--from 2019-01-01] [--to 2019-04-01]
Needs Debian's python3-pandas and python3-matplotlib. Writes OUT.png
(default seoul_timeline.png), 1600 x 900 pixels, and prints its path.
"""
import argparse
import pathlib
import re
import sys

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bindings" / "python"))
import jjair  # noqa: E402

CSV = REPO / "examples" / "data" / "seoul_hourly_cityavg_2018_2022.csv"
RULES = REPO / "rules" / "korea-air.yaml"
PANELS = [("초미세먼지", "pm25", "pm25-korea", "PM2.5"), ("미세먼지", "pm10", "pm10-korea", "PM10")]
LEVEL_COLORS = {1: "#f5c542", 2: "#e4572e"}
KST = "+09:00"


def thresholds(rule):
    """(level name, issue value, release value) of `rule`, read from the rule
    file itself so the picture cannot disagree with the rules."""
    text = RULES.read_text(encoding="utf-8")
    block = text.split(f"- name: {rule}\n", 1)[1].split("\n  - name:", 1)[0]
    return [(m.group(1), float(m.group(2)), float(m.group(3))) for m in re.finditer(
        r'\{name: (\w+),.*?issue: ">= ([\d.]+)", clear: "< ([\d.]+)"', block)]


def load():
    """The CSV with its KST clock (24:00 = next day 00:00) as times; each row's
    value is the hour that ends then, so the hour starts 1 h earlier."""
    df = pd.read_csv(CSV)
    clock = df["일시"].str.strip()
    t = pd.to_datetime(clock.str.replace(" 24:00", " 00:00"), format="%Y-%m-%d %H:%M")
    t = t + pd.to_timedelta(clock.str.endswith(" 24:00").astype(int), unit="D")
    df["hour"] = (t - pd.Timedelta(hours=1)).dt.tz_localize(KST)
    return df


def spans(events, rule):
    """(start, end, level) of every firing stretch of `rule`."""
    out, start, level = [], None, 0
    for e in events[events["rule"] == rule].itertuples():
        if start is not None and e.kind in ("escalated", "downgraded", "resolved"):
            out.append((start, e.time, level))
            start = None
        if e.kind in ("fired", "escalated", "downgraded"):
            start, level = e.time, e.level
    if start is not None:
        out.append((start, events["time"].max(), level))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?", default="seoul_timeline.png")
    ap.add_argument("--from", dest="start", help="first day shown (KST), e.g. 2019-01-01")
    ap.add_argument("--to", dest="end", help="last day shown (KST)")
    args = ap.parse_args()

    df = load()
    events = jjair.replay(df, RULES, time="hour", metrics={c: m for c, m, _, _ in PANELS},
                          labels={"zone": "seoul"}, flush_ms="1h")
    events["time"] = events["time"].dt.tz_convert(KST)
    lo = pd.Timestamp(args.start, tz=KST) if args.start else df["hour"].min()
    hi = pd.Timestamp(args.end, tz=KST) if args.end else df["hour"].max()

    fig, axes = plt.subplots(len(PANELS), 1, figsize=(16, 9), dpi=100, sharex=True)
    for ax, (column, metric, rule, title) in zip(axes, PANELS):
        values = pd.to_numeric(df[column], errors="coerce")
        ax.plot(df["hour"], values, lw=0.5, color="#3b6ea8", label=f"{title} hourly mean")
        for start, end, level in spans(events, rule):
            ax.axvspan(start, end, color=LEVEL_COLORS.get(level, "grey"), alpha=0.35, lw=0)
        for i, (name, issue, release) in enumerate(thresholds(rule), start=1):
            color = LEVEL_COLORS.get(i, "grey")
            ax.axhline(issue, color=color, lw=1, label=f"{name}: issue ≥ {issue:g}")
            ax.axhline(release, color=color, lw=1, ls="--", label=f"{name}: release < {release:g}")
        shown = values[(df["hour"] >= lo) & (df["hour"] <= hi)]
        top = max([shown.max()] + [t[1] for t in thresholds(rule)][:1])
        ax.set_ylim(0, top * 1.1)
        fired = (events["rule"] == rule) & (events["kind"] == "fired")
        ax.set_title(f"{title} ({rule}): {int(fired.sum())} alerts in the five years, "
                     "Seoul city average")
        ax.set_ylabel("µg/m³")
        ax.set_xlim(lo, hi)
        ax.legend(loc="upper right", fontsize=8)
    axes[-1].set_xlabel("time (KST); shaded: alert active, by level")
    fig.tight_layout()
    fig.savefig(args.out)
    print(f"wrote {pathlib.Path(args.out).resolve()} ({len(events)} events)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
