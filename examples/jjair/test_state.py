#!/usr/bin/env python3
"""`jjair replay` across restarts and rule reloads (CTest test `jjair_state`).

Usage: test_state.py JJAIR SOURCE_DIR

- restart: the Seoul replay through rules/korea-air.yaml and rules/cai.yaml
  cut with --stop-at T --state-out F and continued with --state-in F gives
  the uninterrupted replay's NDJSON byte for byte (the two halves joined),
  at cuts inside a warning episode and elsewhere;
- reload: --reload-at T=FILE with a changed rule ends that rule's open
  alert (resolved, reason rule_changed) and keeps the others; with a file
  that fails to load the replay goes on with the old rules and prints the
  same events as without the reload;
- a damaged state file is refused (exit 1) with the reason.
"""
import json
import os
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


RULES = [os.path.join(SRC, "rules", "korea-air.yaml"), os.path.join(SRC, "rules", "cai.yaml")]
BASE = ["replay", "--rules", *RULES,
        "--csv", os.path.join(SRC, "examples", "data", "seoul_hourly_cityavg_2018_2022.csv"),
        "--time", "일시:%Y-%m-%d %H:%M", "--tz", "+09:00", "--shift", "-1h",
        "--metric", "초미세먼지=pm25,미세먼지=pm10,오존=o3", "--label", "zone=seoul",
        "--flush", "1h"]


def run(*args):
    p = subprocess.run([JJAIR, *BASE, *args], capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


rc, full, err = run()
check(rc == 0, f"uninterrupted replay exits 0 ({err.strip()[-200:]})")
lines = full.splitlines()
# The first PM2.5 warning (level 2) of the data: cut at every hour around it.
warn = next(json.loads(l) for l in lines
            if '"rule":"pm25-korea"' in l and json.loads(l)["level"] == 2)
t_warn = warn["time_ms"]
cuts = [t_warn + h * 3600 * 1000 for h in range(-3, 4)] + [1546300800000, 1600000000000]


def iso(ms):
    import datetime
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


with tempfile.TemporaryDirectory() as tmp:
    state = os.path.join(tmp, "state.bin")
    for t in cuts:
        rc1, out1, err1 = run("--stop-at", iso(t), "--state-out", state)
        rc2, out2, err2 = run("--state-in", state)
        ok = rc1 == 0 and rc2 == 0 and out1 + out2 == full
        check(ok, f"cut at {iso(t)}: halves join to the uninterrupted replay "
                  f"({len(out1.splitlines())} + {len(out2.splitlines())} events)")
        if not ok:
            print(err1, err2)
    check("rows skipped" in err2 and "rules kept 10" in err2,
          f"--state-in reports what it restored ({err2.strip()})")

    # Damaged state files are refused.
    with open(state, "rb") as f:
        image = bytearray(f.read())
    image[len(image) // 2] ^= 0xFF
    bad = os.path.join(tmp, "bad.bin")
    with open(bad, "wb") as f:
        f.write(image)
    rc, out, err = run("--state-in", bad)
    check(rc == 1 and "checksum" in err and out == "", f"a damaged state is refused ({err.strip()})")
    rc, out, err = run("--state-in", os.path.join(tmp, "missing.bin"))
    check(rc == 1 and "missing.bin" in err, "a missing state file is refused")

    # Reload: pm25-korea with another threshold, at the warning's time.
    with open(RULES[0], encoding="utf-8") as f:
        text = f.read()
    changed = os.path.join(tmp, "changed.yaml")
    with open(changed, "w", encoding="utf-8") as f:
        f.write(text.replace('issue: ">= 150", clear: "< 75"', 'issue: ">= 160", clear: "< 75"'))
    at = iso(t_warn + 3600 * 1000)
    rc, out, err = run("--reload-at", f"{at}={changed},{RULES[1]}")
    ended = [json.loads(l) for l in out.splitlines() if '"reason":"rule_changed"' in l]
    check(rc == 0 and len(ended) == 1 and ended[0]["rule"] == "pm25-korea"
          and ended[0]["kind"] == "resolved" and "rules kept 9, changed 1" in err,
          f"--reload-at with a changed rule ends its alert ({err.strip()[:160]})")
    before = [l for l in lines if json.loads(l)["time_ms"] < t_warn + 3600 * 1000]
    check(out.splitlines()[:len(before)] == before, "events before the reload are unchanged")
    broken = os.path.join(tmp, "broken.yaml")
    with open(broken, "w", encoding="utf-8") as f:
        f.write("rules: [{name: x\n")
    rc, out, err = run("--reload-at", f"{at}={broken}")
    check(rc == 0 and out == full and "old rules keep running" in err,
          "--reload-at with a broken file keeps the old rules (same events)")

sys.exit(1 if failures else 0)
