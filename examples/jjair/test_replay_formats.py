#!/usr/bin/env python3
"""`jjair replay`'s other inputs and its output (CTest test `jjair_replay_formats`).

Usage: test_replay_formats.py JJAIR SOURCE_DIR

- the bundled Seoul data (five years, hourly) as CSV, as NDJSON and as
  line protocol (the formats jjair-server takes) replay to the same events,
  byte for byte;
- the end summary: episodes per rule, the longest (its length, series and
  start), the first and the last episode's start, all checked against the
  events themselves;
- bad NDJSON and line protocol lines are reported with their line and
  counted by reason, the good lines still replay; nothing accepted exits 1;
  usage errors exit 2;
- output: NDJSON into a pipe, a table on a terminal (a pty), --json and
  --table force either;
- the progress line: on a terminal for a large input, not for a small one,
  not into a pipe, forced by --progress and silenced by --no-progress.
"""
import datetime
import json
import os
import pty
import re
import subprocess
import sys
import tempfile
import threading

JJAIR, SRC = sys.argv[1], sys.argv[2]
RULES = os.path.join(SRC, "rules", "korea-air.yaml")
SEOUL = os.path.join(SRC, "examples", "data", "seoul_hourly_cityavg_2018_2022.csv")
KST = datetime.timezone(datetime.timedelta(hours=9))
failures = 0


def check(cond, what):
    global failures
    print("ok  " if cond else "FAIL", what)
    failures += not cond


def run(*args):
    p = subprocess.run([JJAIR, "replay", "--rules", RULES, *args], capture_output=True,
                       timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def run_pty(args, on):
    """Run with `on` ("stdout" or "stderr") a terminal; (rc, stdout, stderr)."""
    master, slave = pty.openpty()
    got = []

    def reader():
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            got.append(data)
    t = threading.Thread(target=reader)
    t.start()
    kw = {"stdout": slave if on == "stdout" else subprocess.PIPE,
          "stderr": slave if on == "stderr" else subprocess.PIPE}
    p = subprocess.Popen([JJAIR, "replay", "--rules", RULES, *args], **kw)
    os.close(slave)
    other = (p.stderr if on == "stdout" else p.stdout).read().decode()
    rc = p.wait(timeout=120)
    t.join(timeout=30)
    os.close(master)
    tty = b"".join(got).decode().replace("\r\n", "\n")
    return (rc, tty, other) if on == "stdout" else (rc, other, tty)


def seoul_rows():
    """(ms, pm25, pm10) per row: the CSV's KST time, labelled by the end of
    its hour (hence -1h, as --shift -1h does); None for a missing cell."""
    import csv
    out = []
    with open(SEOUL) as f:
        for r in list(csv.reader(f))[1:]:
            day, hm = r[1].split(" ")
            h, m = map(int, hm.split(":"))
            t = datetime.datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=KST)
            t += datetime.timedelta(hours=h - 1, minutes=m)
            vals = [None if c.strip() in ("", "-") else float(c) for c in r[2:4]]
            out.append((int(t.timestamp() * 1000), *vals))
    return out


def duration_ms(text):
    ms = 0
    for n, unit in re.findall(r"(\d+)(ms|d|h|m|s)", text):
        ms += int(n) * {"ms": 1, "s": 1000, "m": 60000, "h": 3600000, "d": 86400000}[unit]
    return ms


def started_ms(e):
    return iso_ms(e["started"].replace("Z", "+00:00"))


def iso_ms(text):
    return int(datetime.datetime.fromisoformat(text).timestamp() * 1000)


with tempfile.TemporaryDirectory() as tmp:
    # ---- the same data in three formats -----------------------------------------
    rc, csv_out, csv_err = run("--csv", SEOUL, "--time", "일시:%Y-%m-%d %H:%M", "--tz", "+09:00",
                               "--shift", "-1h", "--metric", "초미세먼지=pm25,미세먼지=pm10",
                               "--label", "zone=seoul", "--flush", "1h")
    events = [json.loads(l) for l in csv_out.splitlines()]
    check(rc == 0 and len(events) > 50, f"CSV replay of the Seoul data ({rc}, {len(events)} events)")
    rows = seoul_rows()
    nd = os.path.join(tmp, "seoul.ndjson")
    lp = os.path.join(tmp, "seoul.lp")
    with open(nd, "w") as f:
        for ms, pm25, pm10 in rows:
            for metric, v in (("pm25", pm25), ("pm10", pm10)):
                if v is not None:
                    f.write(json.dumps({"metric": metric, "labels": {"zone": "seoul"},
                                        "ts": ms, "value": v}) + "\n")
    with open(lp, "w") as f:
        for ms, pm25, pm10 in rows:
            fields = ",".join(f"{m}={v}" for m, v in (("pm25", pm25), ("pm10", pm10))
                              if v is not None)
            if fields:
                f.write(f"air,zone=seoul {fields} {ms}\n")
    rc, nd_out, nd_err = run("--ndjson", nd, "--flush", "1h", "--tz", "+09:00")
    check(rc == 0 and nd_out == csv_out,
          f"NDJSON replays to the CSV's events, byte for byte ({rc}, {len(nd_out)} vs "
          f"{len(csv_out)} bytes; {nd_err.strip()[-200:]})")
    check(f"lines {sum(1 for r in rows for v in r[1:] if v is not None)}: readings" in nd_err
          and "bad 0" in nd_err, f"NDJSON counts: {nd_err.splitlines()[0] if nd_err else ''}")
    rc, lp_out, lp_err = run("--line-protocol", lp, "--precision", "ms", "--flush", "1h",
                             "--tz", "+09:00")
    check(rc == 0 and lp_out == csv_out,
          f"line protocol replays to the CSV's events, byte for byte ({rc}; {lp_err.strip()[-200:]})")
    # the default precision is InfluxDB's: nanoseconds
    ns_lp, ms_lp = os.path.join(tmp, "ns.lp"), os.path.join(tmp, "ms.lp")
    with open(ns_lp, "w") as f, open(ms_lp, "w") as g:
        for h in range(4):
            ms = 1704067200000 + h * 3600000
            f.write(f"pm25,zone=z value=200 {ms * 1000000}\n")
            g.write(f"pm25,zone=z value=200 {ms}\n")
    rc, ns_out, _ = run("--line-protocol", ns_lp)
    rc2, ms_out, _ = run("--line-protocol", ms_lp, "--precision", "ms")
    check(rc == 0 and rc2 == 0 and ns_out == ms_out and '"time":"2024-01-01T02:00:00Z"' in ns_out,
          "line protocol timestamps are nanoseconds by default")

    # ---- the summary, against the events ------------------------------------------
    for rule in ("pm25-korea", "pm10-korea"):
        fired = [e for e in events if e["rule"] == rule and e["kind"] == "fired"]
        resolved = [e for e in events if e["rule"] == rule and e["kind"] == "resolved"]
        m = re.search(re.escape(rule) + r": (\d+) episodes?(?: \((\d+) still open at the end\))?"
                      r"; longest (\S+), (\S+) from (\S+); first (\S+), last (\S+)\n", csv_err)
        check(m is not None, f"summary line for {rule}")
        if not m:
            continue
        longest = max(resolved, key=lambda e: e["time_ms"] - started_ms(e))
        open_ = len(fired) - len(resolved)
        check(int(m.group(1)) == len(fired) and int(m.group(2) or 0) == open_,
              f"{rule}: {m.group(1)} episodes, {m.group(2) or 0} open ({len(fired)}, {open_})")
        check(duration_ms(m.group(3)) == longest["time_ms"] - started_ms(longest)
              and iso_ms(m.group(5)) == started_ms(longest) and m.group(4) == f"{rule[:4]}"
              "{zone=seoul}",
              f"{rule}: longest {m.group(3)} from {m.group(5)}")
        check(iso_ms(m.group(6)) == fired[0]["time_ms"] and iso_ms(m.group(7)) == fired[-1]["time_ms"]
              and m.group(6).endswith("+09:00"), f"{rule}: first {m.group(6)}, last {m.group(7)}")
    check(m and nd_err.split("episodes (fired")[1] == csv_err.split("episodes (fired")[1],
          "the same summary from NDJSON as from CSV")

    # ---- bad lines ---------------------------------------------------------------
    t0 = 1704067200000
    good = [json.dumps({"metric": "pm25", "labels": {"zone": "z"}, "ts": t0 + h * 3600000,
                        "value": 200}) for h in range(4)]
    bad_nd = os.path.join(tmp, "bad.ndjson")
    with open(bad_nd, "w") as f:
        f.write("\n".join([good[0], "{not json", good[1], '{"metric": "pm25", "ts": 1}',
                           "", good[2], '{"metric": "pm25", "ts": 2, "value": 1, "x": 1}',
                           good[3]]) + "\n")
    rc, out, err = run("--ndjson", bad_nd)
    check(rc == 0 and any(json.loads(l)["kind"] == "fired" for l in out.splitlines()),
          f"the good NDJSON lines replay around bad ones ({rc})")
    check(f"{bad_nd}:2: json: " in err and f"{bad_nd}:4: value: " in err
          and f"{bad_nd}:7: unknown_key: " in err, f"bad NDJSON lines located: {err}")
    check("lines 8: readings 4, bad 3 (json 1) (unknown_key 1) (value 1); readings accepted 4"
          in err, f"NDJSON counts by reason: {err.splitlines()[-5:]}")
    bad_lp = os.path.join(tmp, "bad.lp")
    with open(bad_lp, "w") as f:
        f.write(f"pm25,zone=z value=200 {t0}\npm25,zone=z value=\n"
                f"pm25,zone=z value=200,status=\"ok\" {t0 + 3600000}\n"
                f"pm25,zone=z value=200 {t0 + 7200000}\n")
    rc, out, err = run("--line-protocol", bad_lp, "--precision", "ms")
    check(rc == 0 and f"{bad_lp}:2: line_protocol: " in err and f"{bad_lp}:3: field_type: " in err
          and "readings accepted 3" in err, f"bad line protocol lines located: {err}")
    with open(bad_nd, "w") as f:
        f.write("{}\n[]\n")
    rc, out, err = run("--ndjson", bad_nd)
    check(rc == 1 and "no reading was accepted from 2 lines" in err, f"nothing accepted: {rc} {err}")
    for args, words in ((["--ndjson", nd, "--metric", "a=b"], "are for --csv"),
                        (["--ndjson", nd, "--csv", SEOUL], "give one of"),
                        (["--ndjson", nd, "--precision", "ms"], "--precision is for"),
                        (["--line-protocol", lp, "--precision", "h"], "unknown --precision")):
        rc, out, err = run(*args)
        check(rc == 2 and words in err, f"usage error: {' '.join(args[2:])}: {err.strip()}")

    # ---- output: NDJSON into a pipe, a table on a terminal --------------------------
    small = os.path.join(tmp, "small.ndjson")
    with open(small, "w") as f:
        f.write("\n".join(good) + "\n")
    rc, out, err = run("--ndjson", small)
    check(rc == 0 and out.startswith("{") and all(l.startswith("{") for l in out.splitlines()),
          "into a pipe: NDJSON")
    rc, out, err = run("--ndjson", small, "--table")
    lines = out.splitlines()
    check(rc == 0 and lines[0].startswith("TIME") and "RULE" in lines[0] and
          re.match(r"2024-01-01T\d\d:00:00\+00:00 +pm25-korea +fired +", lines[1]) is not None,
          f"--table: a table: {lines[:2]}")
    rc, out, err = run_pty(["--ndjson", small, "--tz", "+09:00"], "stdout")
    lines = out.splitlines()
    check(rc == 0 and lines and lines[0].startswith("TIME") and "+09:00  pm25-korea" in out,
          f"on a terminal: a table ({lines[:2]})")
    rc, out, err = run_pty(["--ndjson", small, "--json"], "stdout")
    check(rc == 0 and out.startswith("{") and json.loads(out.splitlines()[0])["rule"] ==
          "pm25-korea", "--json on a terminal: NDJSON")

    # ---- the progress line ---------------------------------------------------------
    size = os.path.getsize(nd)
    check(size >= 4 << 20, f"the NDJSON file is a large input ({size} bytes)")
    rc, out, err = run_pty(["--ndjson", nd, "--flush", "1h"], "stderr")
    check(rc == 0 and re.search(r"\rjjair replay: [\d.]+ of [\d.]+ MiB \(100%\), \d+ readings, "
                                r"\d+ events", err) is not None and out == csv_out,
          f"a large input, stderr a terminal: progress ({err[:200]!r})")
    rc, out, err = run("--ndjson", nd, "--flush", "1h")
    check("\r" not in err, "stderr a pipe: no progress")
    rc, out, err = run_pty(["--ndjson", nd, "--no-progress"], "stderr")
    check(rc == 0 and "\r" not in err, "--no-progress: none")
    rc, out, err = run_pty(["--ndjson", small], "stderr")
    check(rc == 0 and "\r" not in err, "a small input: none")
    rc, out, err = run("--ndjson", small, "--progress")
    check(rc == 0 and "(100%), 4 readings" in err, f"--progress into a pipe: shown ({err!r})")

if failures:
    print(f"{failures} checks failed")
    sys.exit(1)
print("test_replay_formats: all checks passed")
