"""The Seoul replay through the binding gives the C command's events, event
for event (jjair replay, NDJSON), with the same JSON and the same fields."""
import calendar
import csv
import json
import math
import os
import subprocess

import pytest

import jjair
from conftest import HOUR

CSV = "examples/data/seoul_hourly_cityavg_2018_2022.csv"
METRICS = {"초미세먼지": "pm25", "미세먼지": "pm10"}  # in the command's order
MISSING = {"", "-", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "none", "--"}


def kst_ms(text):
    """'2018-01-01 24:00' at +09:00, shifted back 1 h, as the command's
    --time 일시:%Y-%m-%d %H:%M --tz +09:00 --shift -1h reads it."""
    date, clock = text.split(" ")
    y, mo, d = (int(x) for x in date.split("-"))
    h, mi = (int(x) for x in clock.split(":"))
    return (calendar.timegm((y, mo, d, h, mi, 0)) - 9 * 3600) * 1000 - HOUR


def python_replay(repo, rules):
    events = []
    with jjair.Engine(rules, on_event=events.append, no_queue=True) as engine:
        ids = {m: engine.series(m, zone="seoul") for m in METRICS.values()}
        last = None
        pushed = 0
        with open(repo / CSV, encoding="utf-8", newline="") as f:
            rows = csv.DictReader(f)
            for row in rows:
                ts = kst_ms(row["일시"].strip())
                for column, metric in METRICS.items():
                    cell = row[column].strip()
                    if cell in MISSING:
                        continue
                    engine.push(ids[metric], ts, float(cell))
                    pushed += 1
                last = ts if last is None else max(last, ts)
        engine.advance(last + HOUR)  # --flush 1h
    return events, pushed


def test_seoul_replay_matches_the_c_command(repo, korea_rules):
    cli = os.environ.get("JJAIR_CLI")
    if not cli:
        pytest.skip("JJAIR_CLI (the jjair command) not given")
    out = subprocess.run(
        [cli, "replay", "--rules", str(repo / "rules" / "korea-air.yaml"), "--csv",
         str(repo / CSV), "--time", "일시:%Y-%m-%d %H:%M", "--tz", "+09:00", "--shift", "-1h",
         "--metric", "초미세먼지=pm25,미세먼지=pm10", "--label", "zone=seoul", "--flush", "1h"],
        check=True, capture_output=True, text=True).stdout
    c_events = [json.loads(line) for line in out.splitlines()]
    py_events, pushed = python_replay(repo, korea_rules)

    # It exercised what it claims: the five years and both pollutants' episodes.
    assert pushed > 80000
    assert sum(e["rule"] in ("pm25-korea", "pm10-korea") for e in c_events) == 131
    assert sum(e["kind"] == "fired" and e["rule"] == "pm25-korea" for e in c_events) == 38
    assert len(py_events) == len(c_events)
    for c, p in zip(c_events, py_events):
        assert json.loads(p.to_json()) == c  # every member, annotations included
        assert (p.kind, p.rule, p.level, p.labels, p.time_ms, p.fingerprint) == (
            c["kind"], c["rule"], c["level"], c["labels"], c["time_ms"], c["fingerprint"])
        assert (p.level_name, p.prev_level_name, p.seq) == (
            c["level_name"], c["prev_level_name"], c["seq"])
        assert p.value == c["value"] or (math.isnan(p.value) and c["value"] is None)
        assert p.time.isoformat().replace("+00:00", "Z") == c["time"]
        assert p.annotations == c["annotations"]
