#!/usr/bin/env python3
"""Python binding throughput: samples/s through Engine.push per sample and
through Engine.push_many (array.array columns, numpy columns, a numpy
jj_sample record array), and the pandas replay of the five Seoul years.

Usage (from the repository root, after building build/):
  taskset -c 1 python3 tests/bench/bench_python.py [--quick]
JJAIR_LIBRARY picks another library. Parts needing numpy or pandas are
skipped when they are not installed. Best of five repetitions (--quick: one,
on fewer samples). Rules: rules/korea-air.yaml; 1,000 series of pm25 in 100
zones, one reading per series per second (hourly windows, zone groups).
"""
import argparse
import pathlib
import sys
import time
from array import array

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bindings" / "python"))
import jjair  # noqa: E402

HOUR = 3600 * 1000
SERIES = 1000


def workload(n):
    """n readings: every series once per second, the level moving every 10 min."""
    ids = array("I", (i % SERIES for i in range(n)))
    ts = array("q", ((i // SERIES) * 1000 for i in range(n)))
    vals = array("d", (float((i // SERIES // 600) * 37 % 200) for i in range(n)))
    return ids, ts, vals


def fresh_engine(rules):
    engine = jjair.Engine(rules, on_event=lambda e: None, no_queue=True, max_series=SERIES)
    got = [engine.series("pm25", zone=f"z{i % 100}", station=f"s{i}") for i in range(SERIES)]
    assert got == list(range(SERIES))
    return engine


def best(reps, fn):
    times = []
    for _ in range(reps):
        times.append(fn())
    return min(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: fewer samples, one rep")
    args = ap.parse_args()
    n = 100_000 if args.quick else 1_000_000
    reps = 1 if args.quick else 5
    rules = jjair.Ruleset.from_file(REPO / "rules" / "korea-air.yaml")
    ids, ts, vals = workload(n)
    print(f"libjjair {jjair.version()} ({jjair.library_path()}), {n:,} samples, "
          f"{SERIES} series, best of {reps}")

    def run(feed):
        engine = fresh_engine(rules)
        t0 = time.perf_counter()
        accepted = feed(engine)
        dt = time.perf_counter() - t0
        engine.close()
        assert accepted == n, accepted
        return dt

    def per_sample(engine):
        push = engine.push  # raises on a refused reading; none is refused here
        for s, t, v in zip(ids, ts, vals):
            push(s, t, v)
        return n

    rows = [("push per sample", best(reps, lambda: run(per_sample)))]
    rows.append(("push_many, array.array columns",
                 best(reps, lambda: run(lambda e: e.push_many(ids, ts, vals)))))
    try:
        import numpy as np
    except ImportError:
        np = None
        print("numpy not installed: numpy rows skipped")
    if np is not None:
        nids, nts, nvals = (np.frombuffer(a, dtype=d) for a, d in
                            ((ids, np.uint32), (ts, np.int64), (vals, np.float64)))
        rows.append(("push_many, numpy columns",
                     best(reps, lambda: run(lambda e: e.push_many(nids, nts, nvals)))))
        rec = np.zeros(n, dtype=jjair.Engine.sample_dtype())
        rec["series"], rec["ts_ms"], rec["value"] = nids, nts, nvals
        rows.append(("push_many, numpy jj_sample records",
                     best(reps, lambda: run(lambda e: e.push_many(None, rec, None)))))
    # The record array goes to jj_engine_push_batch as it is, in one call: it
    # is the C batch path itself, the reference the other rows compare with.
    ref = dict(rows).get("push_many, numpy jj_sample records")
    print("| path | samples/s | time vs C batch (records) |")
    print("|---|---|---|")
    for name, dt in rows:
        ratio = f"{dt / ref:.2f}x" if ref else "-"
        print(f"| {name} | {n / dt / 1e6:.2f} M | {ratio} |")

    try:
        import pandas as pd
    except ImportError:
        print("pandas not installed: replay skipped")
        return 0
    csv = REPO / "examples" / "data" / "seoul_hourly_cityavg_2018_2022.csv"

    def seoul():
        t0 = time.perf_counter()
        df = pd.read_csv(csv)
        clock = df["일시"].str.strip()
        t = pd.to_datetime(clock.str.replace(" 24:00", " 00:00"), format="%Y-%m-%d %H:%M")
        df["t"] = t + pd.to_timedelta(clock.str.endswith(" 24:00").astype(int), unit="D")
        events = jjair.replay(df, rules, time="t", tz="+09:00",
                              metrics={"초미세먼지": "pm25", "미세먼지": "pm10"},
                              labels={"zone": "seoul"}, flush_ms="1h")
        assert len(events) > 100
        return time.perf_counter() - t0

    print(f"pandas replay of the five Seoul years (read_csv + replay, 87,600 readings): "
          f"{best(reps, seoul) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
