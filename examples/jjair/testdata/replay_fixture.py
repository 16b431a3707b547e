"""The fixture of the replay fidelity test (examples/jjair/test_replay.py):
a deterministic CSV of 6 stations, one row every 5 minutes for 2 days,
written with the quirks real portal files have -- every missing-cell word,
padded and quoted cells, numbers strtod and the fast path must read alike
(signs, leading zeros, exponents, 17+ digits), CRLF rows, a quoted station
name holding the delimiter, ISO times in UTC and in +09:00, and a KST
pattern column labelling midnight as 24:00 of the day before.

replay_expected_iso.ndjson and replay_expected_kst.ndjson are the output of
jjair replay BEFORE the CSV reader and the parsing were rewritten for speed
(commit 8e1b412); the test checks that the output is still byte-identical.
When the event JSON itself grows (the AQI work appended "concentration",
"band" and "index" to every event), the files are regenerated only after
checking that the old bytes are the new ones with those members removed.
"""
import datetime

MISSING = ["-", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "none", "--", ""]
ODD = ["+5", "007.50", "1e2", "-0", "0.000", "123.45678901234567890", "99999999999999999999",
       " 41.2 ", "\t12\t", '"88.5"', "4.", ".5", "1.5E1", "0x10"]


def lcg(seed):
    x = seed
    while True:
        x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        yield (x >> 11) / float(1 << 53)


def write(path):
    rnd = lcg(42)
    start = datetime.datetime(2024, 3, 1, tzinfo=datetime.timezone.utc)
    stations = ["st1", "st2", "st3", "st4", "st5", '"st,6"']
    level = [30.0] * len(stations)
    rows = ["time,kst,station,zone,pm25,pm10"]
    for step in range(2 * 24 * 12):
        t = start + datetime.timedelta(minutes=5 * step)
        kst = t + datetime.timedelta(hours=9)
        # hour END labels as the Korean portals write them: 00:05 -> 24:05 of the day before
        if kst.hour == 0:
            prev = kst - datetime.timedelta(days=1)
            ktext = prev.strftime("%Y-%m-%d") + " 24:" + kst.strftime("%M")
        else:
            ktext = kst.strftime("%Y-%m-%d %H:%M")
        for s, name in enumerate(stations):
            episode = 30 <= (step + 40 * s) % 200 < 90
            level[s] += 0.2 * ((120 if episode else 20) - level[s]) + 8 * (next(rnd) - 0.5)
            u = next(rnd)
            if u < 0.05:
                a = MISSING[int(next(rnd) * len(MISSING))]
            elif u < 0.08:
                a = ODD[int(next(rnd) * len(ODD))]
            else:
                a = "%.1f" % level[s]
            b = "%.2f" % (level[s] * 1.6 + 5)
            iso = (t.strftime("%Y-%m-%dT%H:%M:%SZ") if s % 2 == 0
                   else kst.strftime("%Y-%m-%dT%H:%M:%S+09:00"))
            end = "\r\n" if (step + s) % 7 == 0 else "\n"
            rows.append(f"{iso},{ktext},{name},zone{s % 2},{a},{b}" + end)
    with open(path, "w", newline="") as f:
        f.write(rows[0] + "\n" + "".join(rows[1:]))


ISO_ARGS = ["--time", "time", "--metric", "pm25=pm25,pm10=pm10",
            "--label-column", "station=station", "--label-column", "zone=zone",
            "--label", "network=test", "--flush", "2h"]
KST_ARGS = ["--time", "kst:%Y-%m-%d %H:%M", "--tz", "+09:00", "--shift", "-1h",
            "--metric", "pm25=pm25", "--label-column", "station=station", "--flush", "1h"]
