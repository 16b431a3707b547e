#!/usr/bin/env python3
"""Tests of the jjair command-line program (CTest test `jjair_cli`).

Usage: test_cli.py JJAIR SOURCE_DIR

- help and usage errors of every command;
- `jjair check` prints file:line:column: message for broken rule files and
  exits 1, 0 for the shipped rules;
- `jjair replay` of the bundled Seoul data through rules/korea-air.yaml gives
  the episode counts of the C example (examples/korean_pm_replay.c: 38 PM2.5
  and 24 PM10 episodes, 1 and 3 reaching 경보, 131 PM events) -- the file's
  hour labels are hour ENDS (examples/data/README.md), hence --shift -1h;
- replay survives missing cells ("-", "NA", empty), bad numbers and bad
  times, and reports them on stderr with counts;
- output that cannot be written (stdout on /dev/full) makes the command fail.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

JJAIR, SRC = sys.argv[1], sys.argv[2]
failures = 0


def check(cond, what):
    global failures
    if cond:
        print("ok  ", what)
    else:
        failures += 1
        print("FAIL", what)


def run(*args, stdin=None):
    p = subprocess.run([JJAIR, *args], capture_output=True, text=True, input=stdin)
    return p.returncode, p.stdout, p.stderr


# ---- help and usage ---------------------------------------------------------
rc, out, _ = run("--help")
check(rc == 0 and "check" in out and "test" in out and "replay" in out, "jjair --help")
for cmd in ("check", "test", "replay"):
    rc, out, _ = run(cmd, "--help")
    check(rc == 0 and out.startswith("usage: jjair " + cmd), f"jjair {cmd} --help")
rc, _, err = run("frobnicate")
check(rc == 2 and "unknown command" in err, "unknown command exits 2")
rc, _, _ = run()
check(rc == 2, "no command exits 2")
rc, _, err = run("replay", "--csv", "x.csv")
check(rc == 2 and "--rules is required" in err, "replay without --rules exits 2")

# ---- check --------------------------------------------------------------------
rules = sorted(os.path.join(SRC, "rules", f) for f in os.listdir(os.path.join(SRC, "rules"))
               if f.endswith(".yaml"))
rc, out, err = run("check", *rules)
check(rc == 0 and err == "", "check rules/*.yaml: " + out.strip().replace("\n", "; "))

with tempfile.TemporaryDirectory() as tmp:
    bad = os.path.join(tmp, "bad.yaml")
    with open(bad, "w") as f:
        f.write("version: 1\nrules:\n  - name: x\n    metric: pm25\n"
                "    window: {kind: tumbling, span: 1h}\n    aggregate: mean\n"
                "    levels:\n      - {name: a, issue: \">= banana\"}\n"
                "  - name: y\n    metric: pm10\n    aggregat: mean\n"
                "    levels: [{name: a, issue: \">= 1\"}]\n")
    rc, out, err = run("check", bad)
    lines = [l for l in err.splitlines() if re.match(re.escape(bad) + r":\d+:\d+: ", l)]
    check(rc == 1 and len(lines) >= 2, f"check bad.yaml: exit {rc}, {len(lines)} located errors")
    check(any(":8:" in l for l in lines) and any(":11:" in l for l in lines),
          "errors point at lines 8 and 11: " + " | ".join(lines))
    rc, out, err = run("check", os.path.join(tmp, "missing.yaml"))
    check(rc == 1 and "missing.yaml" in err, "check of a missing file exits 1")

    # ---- test: failures, diffs, byte limits --------------------------------------
    with open(os.path.join(tmp, "r.yaml"), "w") as f:
        f.write("version: 1\nrules:\n  - name: hot\n    metric: t\n"
                "    window: {kind: sliding, span: 1m}\n    aggregate: last\n"
                "    levels: [{name: hot, issue: \">= 50\"}]\n"
                "    annotations: {sms: \"불이야 \U0001F525 {{ value:.0f }}\", long: \"{{ value:.0f }}가나다라마바사아자차카타파하\"}\n")
    tf = os.path.join(tmp, "t.yaml")
    with open(tf, "w") as f:
        f.write("rule_files: [r.yaml]\ninterval: 10s\n"
                "tests:\n"
                "  - name: wrong time\n"
                "    input_series: [{series: 't{room=\"a\"}', values: '10 60 10'}]\n"
                "    expected_events: [{at: 20s, rule: hot, kind: fired}]\n"
                "  - name: right\n"
                "    input_series: [{series: 't{room=\"a\"}', values: '10 60 10'}]\n"
                "    expected_events:\n"
                "      - {at: 10s, rule: hot, kind: fired, level: hot, value: 60, labels: {room: a}}\n"
                "      - {at: 20s, rule: hot, kind: resolved}\n"
                "  - name: bad notation\n"
                "    input_series: [{series: 't{room=\"a\"}', values: '10 1+2'}]\n"
                "    expected_events: []\n")
    rc, out, _ = run("test", tf)
    check(rc == 1 and "FAIL " + tf + ": wrong time" in out and "PASS " + tf + ": right" in out
          and "1 passed, 2 failed" in out, "jjair test: PASS/FAIL lines and the summary")
    check("-  1  at=20s rule=hot kind=fired" in out and "+  1  at=10s rule=hot kind=fired" in out
          and "+  2  at=20s rule=hot kind=resolved" in out, "jjair test: the diff marks - expected, + produced")
    check(re.search(re.escape(tf) + r":\d+:\d+: values '10 1\+2': column 7: a step needs a count", out)
          is not None, "jjair test: a notation error is located")
    with open(tf, "a") as f:
        f.write("byte_limits: [{annotation: sms, encoding: EUC-KR, max: 90}, "
                "{annotation: long, encoding: EUC-KR, max: 20}]\n")
    rc, out, _ = run("test", tf)
    check(rc == 1 and "characters outside EUC-KR" in out, "byte limit: a character EUC-KR lacks fails")
    with open(tf, "w") as f:
        f.write("rule_files: [r.yaml]\ninterval: 10s\n"
                "byte_limits: [{annotation: long, encoding: EUC-KR, max: 20}]\n"
                "tests:\n"
                "  - name: too long\n"
                "    input_series: [{series: 't{room=\"a\"}', values: '10 60'}]\n"
                "    expected_events: [{at: 10s, rule: hot, kind: fired}]\n")
    rc, out, _ = run("test", tf)
    check(rc == 1 and "is 30 bytes in EUC-KR, over the limit of 20" in out,
          "byte limit: an over-long text fails with its length")

    # expected events name kinds and reasons the library knows
    for key, word in (("kind", "fird"), ("reason", "stail")):
        with open(tf, "w") as f:
            f.write("rule_files: [r.yaml]\ninterval: 10s\n"
                    "tests:\n"
                    "  - name: typo\n"
                    "    input_series: [{series: 't{room=\"a\"}', values: '10 60'}]\n"
                    f"    expected_events: [{{at: 10s, rule: hot, {key}: {word}}}]\n")
        rc, out, err = run("test", tf)
        check(rc != 0 and re.search(re.escape(tf) + rf":6:\d+: unknown event {key} '{word}'",
                                    out + err) is not None,
              f"jjair test: an unknown event {key} is a located error")

    # ---- test: unknown keys fail the file, work is bounded ----------------------
    def run_bounded(*args):
        try:
            p = subprocess.run([JJAIR, *args], capture_output=True, text=True, timeout=60)
            return p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired:
            return -1, "", "timed out"

    ok_test = ("tests:\n  - name: t\n"
               "    input_series: [{series: 't{room=\"a\"}', values: '10 60'}]\n"
               "    expected_events: [{at: 10s, rule: hot, kind: fired}]\n")
    with open(tf, "w") as f:
        f.write("rule_files: [r.yaml]\ninterval: 10s\n"
                "byte_limit: [{annotation: sms, encoding: EUC-KR, max: 90}]\n" + ok_test)
    rc, out, err = run_bounded("test", tf)
    check(rc == 1 and f"{tf}:3:1: unknown key 'byte_limit' in a test file" in out,
          f"jjair test: a misspelled top-level key fails the file ({rc})")
    with open(tf, "w") as f:
        f.write("rule_files: [r.yaml]\ninterval: 10s\n" + ok_test)
    rc, out, err = run_bounded("test", tf)
    check(rc == 0, f"jjair test: the same file spelled right passes ({rc})")
    with open(tf, "w") as f:
        f.write("rule_files: [r.yaml]\ntests:\n  - name: forever\n    interval: 1ms\n"
                "    eval_until: 100000d\n"
                "    input_series: [{series: 't{room=\"a\"}', values: '10 60'}]\n"
                "    expected_events: []\n")
    rc, out, err = run_bounded("test", tf)
    check(rc == 1 and re.search(re.escape(tf) + r":5:\d+: this test runs 8640000000000 steps", out)
          is not None, f"jjair test: eval_until / interval is bounded ({rc})")
    with open(tf, "w") as f:
        f.write("rule_files: [r.yaml]\ninterval: 1s\ntests:\n  - name: fan\n    input_series:\n"
                "      - &a {series: 't{room=\"a\"}', values: '1x900000'}\n"
                + "      - *a\n" * 200 + "    expected_events: []\n")
    rc, out, err = run_bounded("test", tf)
    check(rc == 1 and re.search(re.escape(tf) + r":6:\d+: the input series of this test expand to "
                                r"more than 1000000 values", out) is not None,
          f"jjair test: an alias fan-out of input values is bounded ({rc})")
    with open(tf, "w") as f:
        f.write("rule_files: [r.yaml]\ninterval: 1s\ntests:\n  - &t\n    name: big\n"
                "    eval_until: 11d\n    input_series:\n"
                "      - &s {series: 't{room=\"a\"}', values: '1'}\n" + "      - *s\n" * 49
                + "    expected_events: []\n" + "  - *t\n" * 30)
    rc, out, err = run_bounded("test", tf)
    check(rc == 1 and "the tests of this file run more than 200000000 series-steps" in out,
          f"jjair test: aliases of a long test are bounded per file ({rc})")
    with open(tf, "w") as f:
        f.write("rule_files: [r.yaml]\ntests:\n  - name: huge\n    interval: 1000000d\n"
                "    input_series: [{series: 't{room=\"a\"}', values: '1x100000'}]\n"
                "    expected_events: []\n")
    rc, out, err = run_bounded("test", tf)
    check(rc == 1 and "this test spans more than 2^61 ms" in out,
          f"jjair test: interval x steps past the time limit is refused ({rc})")

    rc, out, err = run_bounded("test", "/dev/zero")
    check(rc == 1 and "FAIL /dev/zero: larger than 16 MiB" in out,
          f"jjair test /dev/zero is refused, not read forever ({rc})")

    # a control character in a test file is located where it is, not at 1:1
    with open(tf, "wb") as f:
        f.write(b"rule_files: [r.yaml]\ntests:\n  - name: \"a\x01\"\n")
    rc, out, err = run_bounded("test", tf)
    check(rc == 1 and f"{tf}:3:13: control characters are not allowed" in out,
          f"jjair test: an encoding error is located ({out.strip().splitlines()[0] if out else rc})")

    # ---- replay robustness ----------------------------------------------------
    csv = os.path.join(tmp, "d.csv")
    with open(csv, "w") as f:
        f.write("time,pm25,pm10\n"
                "2024-01-01T00:00:00+09:00,80,-\n"
                "2024-01-01T01:00:00+09:00,NA,10\n"
                "2024-01-01T02:00:00+09:00,,10\n"
                "yesterday,90,10\n"
                "2024-01-01T03:00:00+09:00,abc,10\n"
                "2024-01-01T04:00:00+09:00,90\n"
                "2024-01-01T05:00:00+09:00,90,N/A\n")
    rc, out, err = run("replay", "--rules", os.path.join(SRC, "rules", "korea-air.yaml"),
                       "--csv", csv, "--time", "time", "--metric", "pm25=pm25,pm10=pm10",
                       "--label", "zone=z")
    check(rc == 0, f"replay of a messy CSV exits 0 ({rc})")
    check("bad time 1" in err and "too few fields 1" in err and "missing 4" in err
          and "not a number 1" in err, "replay reports rejected rows with counts: "
          + err.strip().splitlines()[-1])
    check(re.search(r"d\.csv:5: bad time 'yesterday'", err) is not None, "bad time row located")
    rc, out, err = run("replay", "--rules", os.path.join(SRC, "rules", "korea-air.yaml"),
                       "--csv", csv, "--time", "nosuch", "--metric", "pm25=pm25")
    check(rc == 1 and "no column 'nosuch'" in err, "replay with an unknown column exits 1")

    # ---- durations: the rule loader's grammar (jj_duration_parse) -------------
    # A bare number (even 0), a sign, a unit word, units out of order: refused
    # with the loader's words. Only --shift takes a sign.
    replay_args = ["replay", "--rules", os.path.join(SRC, "rules", "korea-air.yaml"), "--csv", csv,
                   "--time", "time", "--metric", "pm25=pm25", "--label", "zone=z"]
    for opt, value, words in (("--flush", "0", "duration '0' has no unit; write e.g. 0s or 0m"),
                              ("--lateness", "300", "has no unit; write e.g. 300s or 300m"),
                              ("--lateness", "-5m", "duration '-5m' must not be negative"),
                              ("--flush", "5min", "bad duration '5min'; write 5m"),
                              ("--shift", "+1h", "use whole numbers with units"),
                              ("--shift", "-30m1h", "from largest to smallest"),
                              ("--flush", "2.5h", "use whole numbers: a smaller unit"),
                              ("--flush", "9223372036854775807ms", "is too long")):
        rc, out, err = run(*replay_args, opt, value)
        check(rc == 2 and f"bad {opt}: " in err and words in err and out == "",
              f"replay {opt} {value} is refused: {err.strip().splitlines()[0] if err else rc}")
    rc, out, err = run(*replay_args, "--flush", "0s", "--lateness", "0s", "--shift", "-0s")
    check(rc == 0, f"replay --flush 0s --lateness 0s --shift -0s is accepted ({rc})")
    with open(tf, "w") as f:
        f.write("rule_files: [r.yaml]\ninterval: 10s\n"
                "tests:\n"
                "  - name: negative\n"
                "    eval_until: -5m\n"
                "    input_series: [{series: 't{room=\"a\"}', values: '10 60'}]\n"
                "    expected_events: []\n")
    rc, out, err = run("test", tf)
    check(rc != 0 and re.search(re.escape(tf) + r":5:\d+: eval_until: duration '-5m' must not be "
                                r"negative", out + err) is not None,
          "jjair test: a negative duration is a located error")

# ---- replay of the Seoul data ----------------------------------------------------
rc, out, err = run("replay", "--rules", os.path.join(SRC, "rules", "korea-air.yaml"),
                   "--csv", os.path.join(SRC, "examples", "data", "seoul_hourly_cityavg_2018_2022.csv"),
                   "--time", "일시:%Y-%m-%d %H:%M", "--tz", "+09:00", "--shift", "-1h",
                   "--metric", "초미세먼지=pm25,미세먼지=pm10", "--label", "zone=seoul",
                   "--flush", "1h")
check(rc == 0, "replay of the Seoul data exits 0")
events = [json.loads(l) for l in out.splitlines()]
fired = {r: sum(1 for e in events if e["rule"] == r and e["kind"] == "fired")
         for r in ("pm25-korea", "pm10-korea")}
warn = {r: sum(1 for e in events if e["rule"] == r and e["kind"] in ("fired", "escalated")
               and e["level"] == 2) for r in ("pm25-korea", "pm10-korea")}
pm_events = sum(1 for e in events if e["rule"] in ("pm25-korea", "pm10-korea"))
check(fired == {"pm25-korea": 38, "pm10-korea": 24},
      f"episodes as in the C example (38 PM2.5, 24 PM10): {fired}")
check(warn == {"pm25-korea": 1, "pm10-korea": 3}, f"episodes reaching 경보 (1, 3): {warn}")
check(pm_events == 131, f"131 PM events as in the C example: {pm_events}")
keys = {"seq", "time", "time_ms", "kind", "reason", "rule", "rule_index", "level", "prev_level",
        "level_name", "severity", "metric", "is_group", "labels", "rule_labels", "value",
        "window_start", "window_end", "started", "sample_time", "sample_value", "lat", "lon",
        "annotations", "prev_level_name", "prev_severity", "level_started", "fingerprint"}
check(all(keys <= set(e) for e in events), "every event has every field")
# One zone, one rule: one alert, so one fingerprint per rule, whatever the event.
prints = {r: {e["fingerprint"] for e in events if e["rule"] == r} for r in ("pm25-korea",)}
check(len(prints["pm25-korea"]) == 1 and re.fullmatch(r"[0-9a-f]{16}", *prints["pm25-korea"]),
      f"one 16-hex-digit fingerprint per alert: {prints}")
down = [e for e in events if e["kind"] == "downgraded"]
check(down and all(e["prev_level_name"] == "warning" and e["level_name"] == "advisory"
                   and e["level_started"] == e["time"] for e in down),
      "downgrades name the level they left and start the new one")
first = events[0]
check(first["annotations"]["sms_fired"].startswith("[전주시] 초미세먼지 주의보 발령(seoul, PM2.5 "),
      "annotations are rendered: " + first["annotations"]["sms_fired"])
check("rows 43800" in err and "bad time 0" in err, "replay summary on stderr: " + err.strip())

# ---- a failed write is an error, not a success ------------------------------------
if os.path.exists("/dev/full"):
    with open("/dev/full", "w") as full:
        p = subprocess.run([JJAIR, "check", *rules], stdout=full, stderr=subprocess.PIPE, text=True)
    check(p.returncode == 1 and "error writing the output" in p.stderr,
          f"check with stdout on /dev/full exits 1 ({p.returncode})")

print(f"{failures} failed" if failures else "all passed")
sys.exit(1 if failures else 0)
