#!/usr/bin/env python3
"""The replay benchmark's job done with pandas (tests/bench/bench_replay.sh).

Usage: replay_pandas.py DATA.csv > events.ndjson

Reads the CSV replay_gen writes (time,station,zone,pm25,pm10; "-", "NA" and
empty cells missing), takes each station's clock-hour mean of PM2.5 and PM10
and applies the levels of tests/bench/replay_rules.yaml with hysteresis
(fire at >= issue, clear below clear, otherwise keep the state). Prints one
JSON object per event (time = end of the hour, as jjair's tumbling window
reports it) and, on stderr, the row count and the counts per rule and kind,
which bench_replay.sh compares with jjair's output.
"""
import json
import sys
import time

import numpy as np
import pandas as pd

RULES = (("pm25-hourly", "pm25", 75.0, 35.0), ("pm10-hourly", "pm10", 150.0, 80.0))


def main(path):
    t0 = time.perf_counter()
    df = pd.read_csv(path, dtype={"time": str, "station": "category", "zone": "category",
                                  "pm25": "float64", "pm10": "float64"},
                     na_values=["-", "NA", ""], keep_default_na=False)
    ts = pd.to_datetime(df["time"], format="%Y-%m-%dT%H:%M:%SZ", utc=True)
    df["hour"] = ts.dt.floor("h")
    del df["time"]
    events = []
    counts = {}
    for rule, metric, issue, clear in RULES:
        mean = df.groupby(["station", "zone", "hour"], observed=True, sort=True)[metric].mean()
        mean = mean.dropna()
        state = pd.Series(np.where(mean >= issue, 1.0, np.where(mean < clear, 0.0, np.nan)),
                          index=mean.index)
        state = state.groupby(level="station", observed=True).ffill().fillna(0.0)
        prev = state.groupby(level="station", observed=True).shift(1, fill_value=0.0)
        changed = state[state != prev]
        for (station, zone, hour), s in changed.items():
            kind = "fired" if s == 1.0 else "resolved"
            end = hour + pd.Timedelta(hours=1)
            events.append((end, station, rule, kind, zone, float(mean[(station, zone, hour)])))
            counts[(rule, kind)] = counts.get((rule, kind), 0) + 1
    events.sort()
    out = sys.stdout
    for end, station, rule, kind, zone, value in events:
        out.write(json.dumps({"time": end.strftime("%Y-%m-%dT%H:%M:%SZ"), "kind": kind,
                              "rule": rule, "labels": {"station": station, "zone": zone},
                              "value": value}) + "\n")
    sys.stderr.write(f"rows {len(df)}; {time.perf_counter() - t0:.2f} s\n")
    for (rule, kind), n in sorted(counts.items()):
        sys.stderr.write(f"{rule} {kind} {n}\n")


if __name__ == "__main__":
    main(sys.argv[1])
