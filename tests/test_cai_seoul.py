"""The CAI grade of Seoul's city-wide PM2.5 and PM10, hour by hour, from
rules/cai.yaml run by the engine over the bundled data
(examples/data/seoul_hourly_cityavg_2018_2022.csv), against an independent
computation here in plain Python: AirKorea's predicted 24-hour mean C24E
from the hourly means, truncated to whole µg/m³, placed in the breakpoint
bands (no library call). Checked hour by hour for the week of 1-7 March
2019 (Seoul's first week-long run of emergency reduction measures, a known
나쁨 / 매우나쁨 episode) and, band totals, over the five years; the totals
are printed (pytest -s) for the closing note. Run by CTest (python_cai)."""
import csv
import datetime as dt
import math
import pathlib
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bindings" / "python"))
import jjair  # noqa: E402

DATA = REPO / "examples" / "data" / "seoul_hourly_cityavg_2018_2022.csv"
HOUR = 3600 * 1000
KST = dt.timezone(dt.timedelta(hours=9))
BANDS = ["좋음", "보통", "나쁨", "매우나쁨"]
# AirKorea's breakpoints (top of 좋음, 보통, 나쁨) and C24E's M, written out
# here independently of the library's tables.
POLLUTANTS = {
    "pm25": {"column": "초미세먼지", "tops": (15, 35, 75), "m": 30.0},
    "pm10": {"column": "미세먼지", "tops": (30, 80, 150), "m": 70.0},
}


def hour_start_ms(label):
    """'2019-03-01 01:00' (the hour ENDING then, KST; '24:00' = next day)
    -> ms of the hour's start."""
    day, hm = label.split(" ")
    h = int(hm.split(":")[0])
    t = dt.datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=KST) + dt.timedelta(hours=h - 1)
    return int(t.timestamp() * 1000)


def load():
    """{metric: {hour_start_ms: value}}; a repeated hour keeps its last row
    (the rules replace a re-sent hour), '-' and empty cells are missing."""
    out = {m: {} for m in POLLUTANTS}
    with open(DATA, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            ts = hour_start_ms(row["일시"])
            for m, p in POLLUTANTS.items():
                cell = row[p["column"]].strip()
                try:
                    out[m][ts] = float(cell)
                except ValueError:
                    pass
    return out


def c24e(hours, ts, m):
    """AirKorea's C24E at hour `ts` from {hour: mean}, or None (fewer than
    6 of the 12 hours, or 2 of the newest 4)."""
    last12 = [hours.get(ts - k * HOUR) for k in range(12)]
    have = [v for v in last12 if v is not None]
    recent = [v for v in last12[:4] if v is not None]
    if len(have) < 6 or len(recent) < 2:
        return None
    c12 = sum(have) / len(have)
    c4 = sum(0.75 * v if v >= m and 0.9 <= v / c12 <= 1.7 else v for v in recent) / len(recent)
    return (c12 + c4) / 2


def band(c, tops):
    c = math.floor(c + 1e-9)  # truncated to whole µg/m³
    for i, top in enumerate(tops):
        if c <= top:
            return i
    return 3


def independent(series, p):
    """{hour: band} for every hour with a sample and a C24E."""
    return {ts: band(v, p["tops"]) for ts in sorted(series)
            for v in [c24e(series, ts, p["m"])] if v is not None}


def engine_grades(data):
    """{metric: {hour: band}}: the level of each cai-*-grade rule after each
    judged hour (0 = 좋음 ... 3 = 매우나쁨), from its events; plus the events."""
    if not jjair.features() & jjair.FEATURE_YAML:
        pytest.skip("library built without the YAML loader")
    rules = jjair.Ruleset.from_file(REPO / "rules" / "cai.yaml")
    events = []
    with jjair.Engine(rules, on_event=events.append, no_queue=True) as engine:
        ids = {m: engine.series(m, zone="seoul", station="city") for m in POLLUTANTS}
        stamps = sorted(set().union(*[set(s) for s in data.values()]))
        for ts in stamps:
            for m in POLLUTANTS:
                if ts in data[m]:
                    engine.push(ids[m], ts, data[m][ts])
    changes = {m: {} for m in POLLUTANTS}
    for e in events:
        m = e.metric
        if e.rule == f"cai-{m}-grade":
            changes[m][e.window_start_ms] = e.level
    return changes, events


@pytest.fixture(scope="module")
def run():
    data = load()
    changes, events = engine_grades(data)
    return data, changes, events


def grade_series(changes, hours):
    """The engine's level at each of `hours`: the last change at or before."""
    out, level, pending = {}, 0, sorted(changes.items())
    i = 0
    for ts in hours:
        while i < len(pending) and pending[i][0] <= ts:
            level = pending[i][1]
            i += 1
        out[ts] = level
    return out


def test_march_2019_week(run):
    data, changes, events = run
    start = int(dt.datetime(2019, 3, 1, tzinfo=KST).timestamp() * 1000)
    week = range(start, start + 7 * 24 * HOUR, HOUR)
    for m, p in POLLUTANTS.items():
        want = independent(data[m], p)
        got = grade_series(changes[m], sorted(want))
        hours = [ts for ts in week if ts in want]
        assert len(hours) == 7 * 24
        bad = [ts for ts in hours if got[ts] != want[ts]]
        assert not bad, f"{m}: {len(bad)} hours differ, first at {bad[0]}"
        # The known episode: days of 나쁨, and PM2.5 reaching 매우나쁨.
        counts = [sum(1 for ts in hours if want[ts] == b) for b in range(4)]
        print(f"\n{m} 2019-03-01..07 hours per band: " +
              ", ".join(f"{BANDS[b]} {counts[b]}" for b in range(4)))
        assert counts[2] + counts[3] >= 72
    assert any(e.rule == "cai-pm25-residents" and e.level_name == "very-bad" and
               start <= e.window_start_ms < start + 7 * 24 * HOUR for e in events)


def test_event_values(run):
    """Every grade event carries the index of its concentration (the
    interpolation, computed here) and the band named by its value."""
    data, changes, events = run
    seen = 0
    for e in events:
        if not e.rule.endswith("-grade"):
            continue
        p = POLLUTANTS[e.metric]
        want = c24e(data[e.metric], e.window_start_ms, p["m"])
        assert e.concentration == pytest.approx(want, rel=1e-12)
        c = math.floor(want + 1e-9)
        b = band(want, p["tops"])
        edges = [(0, p["tops"][0], 0, 50), (p["tops"][0] + 1, p["tops"][1], 51, 100),
                 (p["tops"][1] + 1, p["tops"][2], 101, 250),
                 (p["tops"][2] + 1, 500 if e.metric == "pm25" else 600, 251, 500)]
        lo_c, hi_c, lo_i, hi_i = edges[b]
        index = 500 if c > hi_c else math.floor((hi_i - lo_i) / (hi_c - lo_c) * (c - lo_c) + lo_i
                                               + 0.5)
        assert e.value == index, (e.metric, want, e.value, index)
        assert e.band == BANDS[b]
        assert e.index_name == f"cai-{e.metric}"
        seen += 1
    assert seen > 500


def test_five_years(run):
    data, changes, events = run
    for m, p in POLLUTANTS.items():
        want = independent(data[m], p)
        got = grade_series(changes[m], sorted(want))
        mismatched = sum(1 for ts in want if got[ts] != want[ts])
        assert mismatched == 0, f"{m}: {mismatched} hours differ"
        counts = [sum(1 for ts in want if want[ts] == b) for b in range(4)]
        print(f"\n{m} 2018-2022 hours per CAI band (C24E, {len(want)} hours with a value): " +
              ", ".join(f"{BANDS[b]} {counts[b]}" for b in range(4)))
        assert sum(counts) == len(want) > 43000


# The gases' CAI breakpoints (top of each band, ppm), 1-hour means truncated
# to 3 decimals (CO 2), and the overall CAI: the largest sub-index, +50 with
# two pollutants 나쁨 or worse, +75 with three (AirKorea), at most 500.
GASES = {
    "오존": ("cai-o3", 3, (0.030, 0.090, 0.150, 0.6)),
    "이산화탄소": ("cai-no2", 3, (0.030, 0.060, 0.200, 2)),  # the column is NO2 (README)
    "일산화탄소": ("cai-co", 2, (2, 9, 15, 50)),
    "아황산가스": ("cai-so2", 3, (0.020, 0.050, 0.150, 1)),
}
PM_TOPS = {"pm25": (15, 35, 75, 500), "pm10": (30, 80, 150, 600)}
INDEX = ((0, 50), (51, 100), (101, 250), (251, 500))


def sub_index(c, decimals, tops):
    step = 10 ** -decimals
    c = math.floor(c * 10 ** decimals * (1 + 1e-12)) / 10 ** decimals
    lo = 0.0
    for (i_lo, i_hi), top in zip(INDEX, tops):
        if c <= top + step / 2:
            return math.floor((i_hi - i_lo) / (top - lo) * (c - lo) + i_lo + 0.5 + 1e-9)
        lo = top + step
    return 500


def test_overall_cai_five_years(run):
    """The overall CAI of each hour (PM on C24E, gases on the hour), here
    and through the library's lookups and jj_cai_overall: the same band in
    every hour; the totals are printed."""
    data = run[0]
    gases = {}
    with open(DATA, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            ts = hour_start_ms(row["일시"])
            for col in GASES:
                try:
                    gases.setdefault(col, {})[ts] = float(row[col])
                except ValueError:
                    pass
    pm = {m: {ts: v for ts in data[m] for v in [c24e(data[m], ts, POLLUTANTS[m]["m"])]
              if v is not None} for m in POLLUTANTS}
    hours = sorted(set().union(*[set(s) for s in pm.values()]))
    mine, lib = [0] * 4, [0] * 4
    for ts in hours:
        here, there = [], []
        for m in POLLUTANTS:
            if ts in pm[m]:
                here.append(sub_index(pm[m][ts], 0, PM_TOPS[m]))
                there.append(jjair.aqi_index(f"cai-{m}", pm[m][ts]))
        for col, (table, dec, tops) in GASES.items():
            if ts in gases[col]:
                here.append(sub_index(gases[col][ts], dec, tops))
                there.append(jjair.aqi_index(table, gases[col][ts]))
        assert here == there, (ts, here, there)
        n_bad = sum(1 for v in here if v >= 101)
        overall = min(500, max(here) + (75 if n_bad >= 3 else 50 if n_bad == 2 else 0))
        lib_overall = jjair.cai_overall(there)
        assert overall == lib_overall
        mine[next(b for b, (lo, hi) in enumerate(INDEX) if overall <= hi)] += 1
        lib[jjair.aqi_band("cai", lib_overall) - 1] += 1
    assert mine == lib
    print(f"\noverall CAI 2018-2022 hours per band ({len(hours)} hours): " +
          ", ".join(f"{BANDS[b]} {mine[b]}" for b in range(4)))


# The overall CAI as the engine computes it: a sub-index rule per pollutant
# (per series, no group) and a `mode: cai` group over one station's six.
OVERALL_RULES = """
version: 1
x-hour: &hour {kind: tumbling, span: 1h, duplicates: replace}
x-grades: &grades
  - {name: moderate, issue: ">= 51", clear: "< 51"}
  - {name: bad, issue: ">= 101", clear: "< 101"}
  - {name: very-bad, issue: ">= 251", clear: "< 251"}
rules:
  - {name: sub-pm25, metric: pm25, window: *hour, aggregate: c24e-pm25, index: cai-pm25, levels: *grades}
  - {name: sub-pm10, metric: pm10, window: *hour, aggregate: c24e-pm10, index: cai-pm10, levels: *grades}
  - {name: sub-o3, metric: o3, window: *hour, aggregate: mean, index: cai-o3, levels: *grades}
  - {name: sub-no2, metric: no2, window: *hour, aggregate: mean, index: cai-no2, levels: *grades}
  - {name: sub-co, metric: co, window: *hour, aggregate: mean, index: cai-co, levels: *grades}
  - {name: sub-so2, metric: so2, window: *hour, aggregate: mean, index: cai-so2, levels: *grades}
  - name: cai-overall
    group: {by: [station], mode: cai, sources: [sub-pm25, sub-pm10, sub-o3, sub-no2, sub-co, sub-so2]}
    index: cai
    levels: *grades
"""
COLUMNS = {"pm25": "초미세먼지", "pm10": "미세먼지", "o3": "오존", "no2": "이산화탄소",
           "co": "일산화탄소", "so2": "아황산가스"}


def test_overall_group_five_years(run):
    """The `mode: cai` group's grade in every hour where all six
    pollutants have a sub-index equals the overall CAI computed here."""
    if not jjair.features() & jjair.FEATURE_YAML:
        pytest.skip("library built without the YAML loader")
    values = {m: {} for m in COLUMNS}
    with open(DATA, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            ts = hour_start_ms(row["일시"])
            for m, col in COLUMNS.items():
                try:
                    values[m][ts] = float(row[col])
                except ValueError:
                    pass
    rules = jjair.Ruleset.from_string(OVERALL_RULES)
    events = []
    with jjair.Engine(rules, on_event=events.append, no_queue=True) as engine:
        ids = {m: engine.series(m, station="seoul") for m in COLUMNS}
        for ts in sorted(set().union(*[set(v) for v in values.values()])):
            for m in COLUMNS:
                if ts in values[m]:
                    engine.push(ids[m], ts, values[m][ts])
    changes = {}
    for e in events:
        if e.rule == "cai-overall":
            assert e.is_group and e.index_name == "cai" and e.value == e.concentration
            changes[e.window_start_ms] = e.level
    # Here: every hour with all six sub-indices.
    want = {}
    for ts in sorted(values["pm25"]):
        subs = []
        for m in COLUMNS:
            if m in POLLUTANTS:
                c = c24e(values[m], ts, POLLUTANTS[m]["m"])
                if c is not None:
                    subs.append(sub_index(c, 0, PM_TOPS[m]))
            elif ts in values[m]:
                _, dec, tops = next(g for col, g in GASES.items() if col == COLUMNS[m])
                subs.append(sub_index(values[m][ts], dec, tops))
        if len(subs) == 6:
            n_bad = sum(1 for v in subs if v >= 101)
            overall = min(500, max(subs) + (75 if n_bad >= 3 else 50 if n_bad == 2 else 0))
            want[ts] = next(b for b, (lo, hi) in enumerate(INDEX) if overall <= hi)
    got = grade_series(changes, sorted(want))
    assert len(want) > 43000
    bad = [ts for ts in want if got[ts] != want[ts]]
    assert not bad, f"{len(bad)} hours differ, first at {bad[0]}"
    counts = [sum(1 for ts in want if want[ts] == b) for b in range(4)]
    print(f"\noverall CAI by the engine's cai group ({len(want)} hours with all six): " +
          ", ".join(f"{BANDS[b]} {counts[b]}" for b in range(4)))
