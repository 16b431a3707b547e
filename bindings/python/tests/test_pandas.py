"""jjair.replay over a pandas DataFrame gives the events of push() per reading."""
import pytest

import jjair
from conftest import HOUR
from test_replay import CSV, python_replay

pd = pytest.importorskip("pandas")


def seoul_frame(repo):
    df = pd.read_csv(repo / CSV)
    clock = df["일시"].str.strip()
    midnight = clock.str.endswith(" 24:00")  # the portal's 24:00 is the next day's 00:00
    t = pd.to_datetime(clock.str.replace(" 24:00", " 00:00"), format="%Y-%m-%d %H:%M")
    df["t"] = t + pd.to_timedelta(midnight.astype(int), unit="D") - pd.Timedelta(hours=1)
    return df


def key(kind, rule, level, time_ms, labels, fp):
    return (kind, rule, level, time_ms, tuple(sorted(labels.items())), fp)


def test_seoul_replay_through_pandas(repo, korea_rules):
    expected, _ = python_replay(repo, korea_rules)
    df = seoul_frame(repo)
    events = jjair.replay(df, korea_rules, time="t", tz="+09:00",
                          metrics={"초미세먼지": "pm25", "미세먼지": "pm10"},
                          labels={"zone": "seoul"}, flush_ms="1h")
    assert list(events.columns) == jjair._replay.EVENT_COLUMNS
    assert len(events) == len(expected) > 100
    assert str(events["time"].dt.tz) == "UTC"
    got = [key(r.kind, r.rule, r.level, int(r.time.value // 1_000_000), r.labels, r.fingerprint)
           for r in events.itertuples()]
    assert got == [key(e.kind, e.rule, e.level, e.time_ms, e.labels, e.fingerprint)
                   for e in expected]

    # The same readings with the zone as a column and times as integer ms.
    df["zone"] = "seoul"
    ms = (df["t"].dt.tz_localize("+09:00").dt.tz_convert("UTC").astype("int64") // 1_000_000)
    df["ms"] = ms
    again = jjair.replay(df, str(repo / "rules" / "korea-air.yaml"), time="ms",
                         metrics={"초미세먼지": "pm25", "미세먼지": "pm10"},
                         label_columns={"zone": "zone"}, flush_ms=HOUR)
    assert again.drop(columns=["labels"]).equals(events.drop(columns=["labels"]))


def test_replay_label_columns_make_series(korea_rules):
    rows = [(h * HOUR, zone, 200.0 if zone == "a" else 10.0) for h in range(4) for zone in "ab"]
    df = pd.DataFrame(rows, columns=["ms", "zone", "pm25"])
    df.loc[2, "pm25"] = float("nan")  # a missing cell is skipped, not an error
    events = jjair.replay(df, korea_rules, time="ms", metrics=["pm25"],
                          label_columns={"zone": "zone"}, flush_ms="1h")
    # zone a: hours 2 and 3 make the two-hour run (hour 1 is missing)
    assert list(events["kind"]) == ["fired"]
    assert events["time"][0] == pd.Timestamp(4 * HOUR, unit="ms", tz="UTC")
    assert events["labels"][0] == {"zone": "a"}
    assert jjair.replay(df.iloc[:0], korea_rules, time="ms", metrics=["pm25"]).empty
