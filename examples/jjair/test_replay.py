#!/usr/bin/env python3
"""Tests of `jjair replay`'s input handling (CTest test `jjair_replay`).

Usage: test_replay.py JJAIR SOURCE_DIR

- fidelity: the fixture of testdata/replay_fixture.py replays to the same
  bytes as before the CSV front end was rewritten for speed (the stored
  testdata/replay_expected_*.ndjson);
- the CSV reader (csv.c, RFC 4180): quoted delimiters and line breaks, CR-only
  and CRLF rows, more than 256 columns, NUL bytes, a directory, /dev/zero,
  a quote left open, text after a closing quote;
- usage errors (exit 2): unknown --time formats, --tz out of range, a
  --metric column or metric named twice, a label given twice;
- exit status 1 when data rows were read but no reading was accepted;
- only accepted readings move --flush; --shift/--flush near the engine's
  time limit neither overflow nor crash.
"""
import os
import subprocess
import sys
import tempfile

JJAIR, SRC = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(SRC, "examples", "jjair", "testdata"))
import replay_fixture  # noqa: E402

failures = 0
RULES = os.path.join(SRC, "tests", "bench", "replay_rules.yaml")


def check(cond, what):
    global failures
    if cond:
        print("ok  ", what)
    else:
        failures += 1
        print("FAIL", what)


def run(*args, timeout=60):
    try:
        p = subprocess.run([JJAIR, *args], capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, "", "timed out"
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def replay(csv, *args):
    return run("replay", "--rules", RULES, "--csv", csv, *args)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


with tempfile.TemporaryDirectory() as tmp:
    # ---- fidelity ----------------------------------------------------------------
    fixture = os.path.join(tmp, "fixture.csv")
    replay_fixture.write(fixture)
    for name, args in (("iso", replay_fixture.ISO_ARGS), ("kst", replay_fixture.KST_ARGS)):
        p = subprocess.run([JJAIR, "replay", "--rules", RULES, "--csv", fixture, *args],
                           capture_output=True)
        with open(os.path.join(SRC, "examples", "jjair", "testdata",
                               f"replay_expected_{name}.ndjson"), "rb") as f:
            want = f.read()
        check(p.returncode == 0 and p.stdout == want and len(want) > 10000,
              f"replay of the fixture ({name}) is byte-identical to the stored output "
              f"({len(p.stdout)} vs {len(want)} bytes)")

    # ---- the CSV reader ----------------------------------------------------------
    hot = "time,station,pm25\n"
    rows = "".join(f"2024-01-01T{h:02d}:00:00Z,a,100\n" for h in range(4))

    def events(out):
        return [l for l in out.splitlines() if l.startswith("{")]

    base = os.path.join(tmp, "base.csv")
    write(base, hot + rows)
    rc, ref, err = replay(base, "--time", "time", "--metric", "pm25=pm25",
                          "--label-column", "station=station")
    check(rc == 0 and len(events(ref)) == 1, f"plain CSV: one fired event ({rc}, {err.strip()})")

    q = os.path.join(tmp, "quoted.csv")
    write(q, 'time,"station, name",note,pm25\n' + "".join(
        f'2024-01-01T{h:02d}:00:00Z,"a, ""north""","line one\nline two",100\n' for h in range(4)))
    rc, out, err = replay(q, "--time", "time", "--metric", "pm25=pm25",
                          "--label-column", "station=station, name")
    check(rc == 0 and len(events(out)) == 1 and '"station":"a, \\"north\\""' in out
          and "rows 4:" in err,
          f"quoted delimiter, \"\" and a quoted line break stay in their field ({rc}, {err.strip()})")

    cr = os.path.join(tmp, "cr.csv")
    write(cr, (hot + rows).replace("\n", "\r"))
    rc, out, err = replay(cr, "--time", "time", "--metric", "pm25=pm25",
                          "--label-column", "station=station")
    check(rc == 0 and out == ref and "rows 4:" in err, f"CR-only line endings ({rc}, {err.strip()})")
    crlf = os.path.join(tmp, "crlf.csv")
    write(crlf, (hot + rows).replace("\n", "\r\n"))
    rc, out, err = replay(crlf, "--time", "time", "--metric", "pm25=pm25",
                          "--label-column", "station=station")
    check(rc == 0 and out == ref, "CRLF line endings")

    wide = os.path.join(tmp, "wide.csv")
    names = [f"c{i}" for i in range(300)]
    write(wide, ",".join(names + ["time", "station", "pm25"]) + "\n" + "".join(
        ",".join(["0"] * 300 + [f"2024-01-01T{h:02d}:00:00Z", "a", "100"]) + "\n" for h in range(4)))
    rc, out, err = replay(wide, "--time", "time", "--metric", "pm25=pm25",
                          "--label-column", "station=station")
    check(rc == 0 and out == ref, f"a file of 303 columns reads its columns past 256 ({rc}, {err.strip()})")
    rc, out, err = replay(wide, "--time", "301", "--metric", "303=pm25",
                          "--label-column", "station=302")
    check(rc == 0 and out == ref, f"columns past 256 by number ({rc})")

    nul = os.path.join(tmp, "nul.csv")
    write(nul, hot + "2024-01-01T00:00:00Z,a,1\x0000\n")
    rc, out, err = replay(nul, "--time", "time", "--metric", "pm25=pm25")
    check(rc == 1 and "line 2, column 25: NUL byte" in err, f"a NUL byte is refused with its place: {err.strip()}")

    rc, out, err = replay("/dev/zero", "--time", "time", "--metric", "pm25=pm25")
    check(rc == 1 and "NUL byte" in err, f"/dev/zero is refused: {err.strip()}")
    rc, out, err = replay(tmp, "--time", "time", "--metric", "pm25=pm25")
    check(rc == 1 and "is a directory" in err, f"a directory is refused: {err.strip()}")

    openq = os.path.join(tmp, "openq.csv")
    write(openq, hot + '2024-01-01T00:00:00Z,"a,100\n2024-01-01T01:00:00Z,a,100\n')
    rc, out, err = replay(openq, "--time", "time", "--metric", "pm25=pm25")
    check(rc == 1 and "line 2, column 22: quoted field not closed" in err,
          f"an unclosed quote is refused at the quote: {err.strip()}")
    after = os.path.join(tmp, "after.csv")
    write(after, hot + '2024-01-01T00:00:00Z,"a"b,100\n')
    rc, out, err = replay(after, "--time", "time", "--metric", "pm25=pm25")
    check(rc == 1 and "line 2, column 25: text after the closing quote" in err,
          f"text after a closing quote is refused: {err.strip()}")
    many = os.path.join(tmp, "many.csv")
    write(many, "time,pm25" + ",x" * 5000 + "\n")
    rc, out, err = replay(many, "--time", "time", "--metric", "pm25=pm25")
    check(rc == 1 and "more than 4096 fields" in err, f"a row of 5002 fields is refused: {err.strip()}")
    bom = os.path.join(tmp, "bom.csv")
    write(bom, b"\xef\xbb\xbf" + (hot + rows).encode())
    rc, out, err = replay(bom, "--time", "time", "--metric", "pm25=pm25",
                          "--label-column", "station=station")
    check(rc == 0 and out == ref, "a UTF-8 byte order mark is skipped")
    semi = os.path.join(tmp, "semi.csv")
    write(semi, (hot + rows).replace(",", ";"))
    rc, out, err = replay(semi, "--time", "time", "--metric", "pm25=pm25",
                          "--label-column", "station=station", "--delimiter", ";")
    check(rc == 0 and out == ref, "--delimiter ;")

    # ---- usage errors ------------------------------------------------------------
    common = ["--metric", "pm25=pm25"]
    for args, words in ((["--time", "time:isoo"], "unknown --time format"),
                        (["--time", "time:%Y-%q"], "unknown --time format"),
                        (["--time", "time:daily"], "unknown --time format"),
                        (["--time", "time", "--tz", "+99:99"], "bad --tz"),
                        (["--time", "time", "--tz", "+15:00"], "bad --tz"),
                        (["--time", "time", "--tz", "+09:60"], "bad --tz"),
                        (["--time", "time", "--metric", "pm25=pm10"], "names a column twice"),
                        (["--time", "time", "--metric", "station=pm25"], "from two columns"),
                        (["--time", "time", "--label", "a=1", "--label", "a=2"], "label given twice"),
                        (["--time", "time", "--label", "a=1", "--label-column", "a=station"],
                         "label given twice"),
                        (["--time", "time", "--delimiter", '"'], "--delimiter")):
        rc, out, err = replay(base, *args, *common)
        check(rc == 2 and words in err and out == "", f"usage error {' '.join(args)}: exit {rc}")
    for tz in ("+09:00", "-12:00", "+14:00", "Z", "+0530"):
        rc, out, err = replay(base, "--time", "time", "--tz", tz, *common)
        check(rc == 0, f"--tz {tz} is accepted ({rc})")

    # ---- exit status and --flush ---------------------------------------------------
    allbad = os.path.join(tmp, "allbad.csv")
    write(allbad, hot + "yesterday,a,1\n2024-01-01T00:00:00Z,a,-\n2024-01-01T01:00:00Z,a,x\n")
    rc, out, err = replay(allbad, "--time", "time", "--metric", "pm25=pm25")
    check(rc == 1 and "no reading was accepted from 3 rows" in err,
          f"no accepted reading exits 1: {rc} {err.strip()}")
    empty = os.path.join(tmp, "empty.csv")
    write(empty, hot)
    rc, out, err = replay(empty, "--time", "time", "--metric", "pm25=pm25")
    check(rc == 0 and "rows 0" in err, f"a header without rows exits 0 ({rc})")

    # A row far in the future that the engine refuses must not carry --flush
    # past the data: the open hour closes (advance to 04:00 + 30m) but no
    # later window does.
    fut = os.path.join(tmp, "future.csv")
    write(fut, hot + rows.replace(",a,100", ",a,10") + "2024-01-01T04:00:00Z,a,100\n"
          "2024-01-01T02:00:00Z,a,100\n")
    rc, out, err = replay(fut, "--time", "time", "--metric", "pm25=pm25", "--flush", "30m")
    check(rc == 0 and "rejected" in err and events(out) == [],
          f"a late row (rejected) does not move --flush: {rc} {len(events(out))} events")
    rc, out, err = replay(fut, "--time", "time", "--metric", "pm25=pm25", "--flush", "1h")
    check(rc == 0 and len(events(out)) == 1, "--flush past the last accepted row closes its hour")

    # ---- time arithmetic at the limits ---------------------------------------------
    far = os.path.join(tmp, "far.csv")
    write(far, "time,pm25\n4611686018427387.000,100\n-4611686018427387.000,100\n")
    rc, out, err = replay(far, "--time", "time:epoch", "--metric", "pm25=pm25",
                          "--shift", "2305843009213693952ms", "--flush", "2305843009213693952ms")
    check(rc == 0 and "bad time 1" in err and "readings accepted 1" in err,
          f"--shift past the time limit: that row is a bad time, the other shifted ({rc})")
    write(far, "time,pm25\n4611686018427387.000,100\n")
    rc, out, err = replay(far, "--time", "time:epoch", "--metric", "pm25=pm25",
                          "--flush", "2305843009213693952ms")
    check(rc == 0 and "readings accepted 1" in err,
          f"--flush past the time limit saturates ({rc}, {err.strip()})")
    rc, out, err = replay(far, "--time", "time:epoch", "--metric", "pm25=pm25",
                          "--shift", "-2305843009213693952ms")
    check(rc == 0 and "readings accepted 1" in err, f"--shift -2^61 ms ({rc})")
    write(far, "time,pm25\n9200000000000000,100\n")
    rc, out, err = replay(far, "--time", "time:epoch", "--metric", "pm25=pm25",
                          "--shift", "2305843009213693952ms")
    check(rc == 1 and "bad time 1" in err, f"epoch 9.2e15 s + shift: a bad time, no overflow ({rc})")

print(f"{failures} failed" if failures else "all passed")
sys.exit(1 if failures else 0)
