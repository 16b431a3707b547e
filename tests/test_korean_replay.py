#!/usr/bin/env python3
"""Checks examples/korean_pm_replay against an independent implementation of
the Korean PM alert rule (대기환경보전법 시행규칙 별표 7, see rules/README.md):
issue when two consecutive clock-hour means are >= the level, release (or
downgrade) when one hourly mean is below the level's release value. A gap in
the hours breaks consecutiveness; a repeated hour replaces itself.

Usage: test_korean_replay.py REPLAY_BINARY CSV"""
import csv
import subprocess
import sys
from datetime import datetime, timedelta

LEVELS = {  # rule: [(issue, clear, name), ...] from least to most severe
    "pm25-korea": (0, [(75, 35, "advisory"), (150, 75, "warning")]),
    "pm10-korea": (1, [(150, 100, "advisory"), (300, 150, "warning")]),
}


def hour_end(label):
    day, hm = label.split(" ")
    return datetime.strptime(day, "%Y-%m-%d") + timedelta(hours=int(hm[:2]))


def reference(path):
    rows = {}
    with open(path, encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        for r in reader:
            rows[hour_end(r[1])] = (float(r[2]), float(r[3]))  # repeated hour: last wins
    events = []
    for rule, (col, levels) in LEVELS.items():
        level, streak, prev = 0, [0] * len(levels), None
        for end in sorted(rows):
            x = rows[end][col]
            if prev is not None and end - prev != timedelta(hours=1):
                streak = [0] * len(levels)
            prev = end
            streak = [s + 1 if x >= lv[0] else 0 for s, lv in zip(streak, levels)]
            target = next((k + 1 for k in reversed(range(len(levels)))
                           if k + 1 > level and streak[k] >= 2), 0)
            # Reported at the hour's end, when the next hour's first reading closes it.
            when = end.strftime("%Y-%m-%d %H:%M")
            if target > level:
                kind = "fired" if level == 0 else "escalated"
                level = target
                events.append((when, rule, kind, levels[level - 1][2], x))
                continue
            if level and x < levels[level - 1][1]:
                new = level - 1
                while new and x < levels[new - 1][1]:
                    new -= 1
                name = levels[(new or level) - 1][2]
                events.append((when, rule, "resolved" if new == 0 else "downgraded", name, x))
                level = new
    return sorted(events)


def replay(binary, path):
    out = subprocess.run([binary, path], check=True, capture_output=True, text=True).stdout
    events = []
    for line in out.splitlines():
        if " KST  " not in line:
            continue
        parts = line.split()
        # 2018-01-15 22:00 KST  pm25-korea fired advisory hourly mean 77.0 (hour ...)
        events.append((parts[0] + " " + parts[1], parts[3], parts[4], parts[5], float(parts[8])))
    return sorted(events), out


def main():
    binary, path = sys.argv[1], sys.argv[2]
    want = reference(path)
    got, out = replay(binary, path)
    if got != want:
        missing = [e for e in want if e not in got][:5]
        extra = [e for e in got if e not in want][:5]
        print(f"FAIL: {len(got)} events from the replay, {len(want)} from the reference")
        print("missing:", missing)
        print("unexpected:", extra)
        return 1
    fired = {r: sum(1 for e in want if e[1] == r and e[2] == "fired") for r in LEVELS}
    for rule, n in fired.items():
        label = "PM2.5" if rule.startswith("pm25") else "PM10 "
        if f"{label} episodes: {n} " not in out:
            print(f"FAIL: summary does not report {n} episodes for {rule}")
            return 1
    print(f"ok: {len(got)} events match the reference ({fired})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
