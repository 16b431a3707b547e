#!/usr/bin/env python3
"""jj_event_json read back by Python's json module (CTest "event_json_python").

Runs tests/event_json_dump (a fixed scenario: fired, escalated, downgraded,
resolved, nodata) and checks every member of every event against values
computed here, independently of the C code: times with datetime, the
fingerprint with FNV-1a as Prometheus computes label-set fingerprints,
labels with quotes, backslashes, control characters and Korean text, and
the documented member order.

Usage: test_event_json.py path/to/event_json_dump
"""
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

MEMBERS = ["seq", "time", "time_ms", "kind", "reason", "rule", "rule_index", "level",
           "prev_level", "level_name", "severity", "metric", "is_group", "labels",
           "rule_labels", "value", "window_start", "window_end", "started", "sample_time",
           "sample_value", "lat", "lon", "annotations", "prev_level_name", "prev_severity",
           "level_started", "fingerprint", "concentration", "band", "index"]
T0 = 1704081600000
LABELS = {"zone": "중부\\권역\n\t🔥\x01", "station": "palbok-03 \"north\""}
LEVELS = {1: ("advisory", "주의보"), 2: ("warning", "경보")}

failures = 0


def check(ok, what):
    global failures
    if not ok:
        failures += 1
        print("FAIL:", what)


def rfc3339(ms):
    if ms is None:
        return None
    sec, milli = divmod(ms, 1000)
    d = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=sec)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + (".%03d" % milli if milli else "") + "Z"


def fingerprint(alertname, labels):
    ls = dict(labels, alertname=alertname)
    h = 0xcbf29ce484222325
    for k in sorted(ls, key=lambda s: s.encode()):
        for b in k.encode() + b"\xff" + ls[k].encode() + b"\xff":
            h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def no_constants(name):
    raise ValueError("not JSON: " + name)  # NaN / Infinity must be null


out = subprocess.run([sys.argv[1]], check=True, capture_output=True).stdout.decode("utf-8")
events = [json.loads(line, parse_constant=no_constants) for line in out.splitlines()]

# kind, level, prev_level, time, sample value (None: time-driven), level start
want = [("fired", 1, 0, T0, 80.25, T0),
        ("escalated", 2, 1, T0 + 1000, 160.5, T0 + 1000),
        ("downgraded", 1, 2, T0 + 2000, 60.125, T0 + 2000),
        ("resolved", 0, 1, T0 + 3250, 20, T0 + 3250),
        ("nodata", 0, 0, T0 + 3250 + 600000, None, T0 + 3250)]
check(len(events) == len(want), "%d events, want %d" % (len(events), len(want)))
fp = fingerprint("pm25-live", LABELS)
for i, (ev, (kind, level, prev, t, sample, level_started)) in enumerate(zip(events, want)):
    where = "event %d (%s)" % (i + 1, kind)
    check(list(ev) == MEMBERS, where + ": members in the documented order: %s" % list(ev))
    check(ev["seq"] == i + 1, where + ": seq")
    check(ev["kind"] == kind and ev["level"] == level and ev["prev_level"] == prev,
          where + ": kind/level %s %s %s" % (ev["kind"], ev["level"], ev["prev_level"]))
    check(ev["reason"] == ("stale" if kind == "nodata" else ""), where + ": reason")
    check(ev["time_ms"] == t and ev["time"] == rfc3339(t), where + ": time " + ev["time"])
    check(ev["rule"] == "pm25-live" and ev["rule_index"] == 0 and ev["metric"] == "pm25",
          where + ": rule")
    check(ev["is_group"] is False, where + ": is_group")
    check(ev["labels"] == LABELS, where + ": labels %r" % ev["labels"])
    check(ev["rule_labels"] == {"team": "air \"quality\""}, where + ": rule labels")
    named = level or prev
    name, severity = LEVELS.get(named, ("", ""))
    check(ev["level_name"] == name and ev["severity"] == severity, where + ": level name")
    pname, psev = LEVELS.get(prev, ("", ""))
    check(ev["prev_level_name"] == pname and ev["prev_severity"] == psev,
          where + ": prev level name")
    check(ev["level_started"] == rfc3339(level_started), where + ": level_started")
    check(ev["started"] == rfc3339(T0 if kind != "nodata" else t), where + ": started")
    if sample is None:  # time-driven: no sample, no value
        check(ev["sample_time"] is None and ev["sample_value"] is None, where + ": no sample")
        check(ev["value"] is None, where + ": NaN value is null")
        check(ev["window_start"] is not None, where + ": window")
    else:
        check(ev["sample_time"] == rfc3339(t) and ev["sample_value"] == sample,
              where + ": sample")
        check(ev["value"] == sample, where + ": value %r" % ev["value"])
        check(ev["window_start"] == rfc3339(t) and ev["window_end"] == rfc3339(t),
              where + ": window of one sample")
    check(ev["lat"] == 35.8467 and ev["lon"] == 127.1293, where + ": location")
    check(ev["fingerprint"] == fp, where + ": fingerprint %s, want %s" % (ev["fingerprint"], fp))
    value = "n/a" if ev["value"] is None else "%.1f" % ev["value"]
    check(ev["annotations"] == {"summary": "%s %s %s㎍/㎥" % (severity, LABELS["zone"], value),
                                "ids": "%s %s" % (fp, pname)},
          where + ": annotations %r" % ev["annotations"])

if failures:
    print("%d failure(s)" % failures)
    sys.exit(1)
print("ok: %d events read back by json and checked" % len(events))
