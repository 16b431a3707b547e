"""push_many: the same engine behaviour as push() per reading, from lists,
array.array and numpy arrays (record arrays passed as they are)."""
from array import array

import pytest

import jjair
from conftest import HOUR

# Two zones, hourly, with episodes and a late and a NaN reading among them.
ROWS = [(z, h * HOUR, v) for h, vals in enumerate(
    [(10, 20), (200, 30), (210, 180), (220, 190), (40, 200), (float("nan"), 10), (30, 5)])
    for z, v in enumerate(vals)]
ROWS.insert(5, (0, 0, 99.0))  # late


def by_push(rules):
    with jjair.Engine(rules) as engine:
        ids = [engine.series("pm25", zone=z) for z in "ab"]
        ok = 0
        for z, t, v in ROWS:
            try:
                engine.push(ids[z], t, v)
                ok += 1
            except jjair.JjairError as err:
                assert not err.partial  # ROWS' bad rows are refused outright
        engine.advance(10 * HOUR)
        return ok, [e.to_json() for e in engine], engine.stats


def by_push_many(rules, convert):
    with jjair.Engine(rules) as engine:
        ids = [engine.series("pm25", zone=z) for z in "ab"]
        series, ts, values = convert([ids[z] for z, _, _ in ROWS], [t for _, t, _ in ROWS],
                                     [v for _, _, v in ROWS])
        ok = engine.push_many(series, ts, values)
        engine.advance(10 * HOUR)
        return ok, [e.to_json() for e in engine], engine.stats


@pytest.mark.parametrize("convert", [
    lambda s, t, v: (s, t, v),
    lambda s, t, v: (tuple(s), tuple(t), tuple(v)),
    lambda s, t, v: (array("I", s), array("q", t), array("d", v)),
    lambda s, t, v: (array("l", s), array("l", t), array("f", v)),  # other typecodes convert
], ids=["lists", "tuples", "array", "array-other-types"])
def test_push_many_equals_push(korea_rules, convert):
    expected = by_push(korea_rules)
    got = by_push_many(korea_rules, convert)
    assert got == expected
    ok, events, stats = got
    assert ok == len(ROWS) - 2 and len(events) >= 4
    assert (stats.rejected_late, stats.rejected_invalid) == (1, 1)


def test_push_many_one_series_and_empty(korea_rules):
    with jjair.Engine(korea_rules) as engine:
        s = engine.series("pm25", zone="a")
        assert engine.push_many(s, [], []) == 0
        assert engine.push_many(s, [0, HOUR, 2 * HOUR], [200.0, 200.0, 200.0]) == 3
        assert [e.kind for e in engine] == ["fired"]
        with pytest.raises(ValueError, match="3 times but 2 values"):
            engine.push_many(s, [1, 2, 3], [1.0, 2.0])
        with pytest.raises(ValueError, match="2 series ids"):
            engine.push_many([s, s], [1, 2, 3], [1.0, 2.0, 3.0])


def test_push_many_numpy(korea_rules):
    np = pytest.importorskip("numpy")
    expected = by_push(korea_rules)
    got = by_push_many(korea_rules, lambda s, t, v: (np.array(s, dtype=np.uint32),
                                                     np.array(t), np.array(v, dtype=np.float32)))
    assert got == expected
    # A record array with the jj_sample layout goes to the library as it is.
    with jjair.Engine(korea_rules) as engine:
        ids = [engine.series("pm25", zone=z) for z in "ab"]
        rec = np.zeros(len(ROWS), dtype=jjair.Engine.sample_dtype())
        rec["series"] = [ids[z] for z, _, _ in ROWS]
        rec["ts_ms"] = [t for _, t, _ in ROWS]
        rec["value"] = [v for _, _, v in ROWS]
        assert rec.dtype.itemsize == 24
        assert engine.push_many(None, rec, None) == expected[0]
        engine.advance(10 * HOUR)
        assert [e.to_json() for e in engine] == expected[1]
        with pytest.raises(TypeError, match="sample_dtype"):
            engine.push_many(None, rec[::2], None)


def test_push_many_numpy_in_chunks(korea_rules):
    """Numpy columns go to jj_engine_push_columns as they are: slices of
    changing sizes (views into the same arrays) give the events of push()
    per reading, and a scalar series id broadcasts."""
    np = pytest.importorskip("numpy")
    expected = by_push(korea_rules)
    with jjair.Engine(korea_rules) as engine:
        ids = [engine.series("pm25", zone=z) for z in "ab"]
        series = np.array([ids[z] for z, _, _ in ROWS], dtype=np.uint32)
        ts = np.array([t for _, t, _ in ROWS], dtype=np.int64)
        values = np.array([v for _, _, v in ROWS])
        ok = 0
        for lo, hi in ((0, 9), (9, 11), (11, len(ROWS))):  # 9, then 2, then 5 readings
            ok += engine.push_many(series[lo:hi], ts[lo:hi], values[lo:hi])
        engine.advance(10 * HOUR)
        assert (ok, [e.to_json() for e in engine], engine.stats) == expected
    with jjair.Engine(korea_rules) as engine:
        s = engine.series("pm25", zone="a")
        assert engine.push_many(s, np.arange(3) * HOUR, np.full(3, 200.0)) == 3
        assert engine.push_many(s, np.array([3 * HOUR]), np.array([200.0])) == 1
        assert [e.kind for e in engine] == ["fired"]
        with pytest.raises(ValueError, match="2 series ids"):
            engine.push_many(np.array([s, s]), np.arange(3), np.ones(3))


def test_push_many_numpy_strided_and_other_dtypes(korea_rules):
    """Columns that are not contiguous or not of the library's types are
    converted first; the result is the same."""
    np = pytest.importorskip("numpy")
    expected = by_push(korea_rules)
    n = len(ROWS)
    with jjair.Engine(korea_rules) as engine:
        ids = [engine.series("pm25", zone=z) for z in "ab"]
        wide = np.zeros((n, 3))  # columns of a 2-D block: strided views
        wide[:, 0] = [t for _, t, _ in ROWS]
        wide[:, 1] = [v for _, _, v in ROWS]
        series = np.repeat(np.array([ids[z] for z, _, _ in ROWS], dtype=np.int64), 2)[::2]
        assert not series.flags.c_contiguous and not wide[:, 1].flags.c_contiguous
        ok = engine.push_many(series, wide[:, 0].astype(np.int64), wide[:, 1])
        engine.advance(10 * HOUR)
        assert (ok, [e.to_json() for e in engine], engine.stats) == expected


def test_push_many_refuses_bad_ids(korea_rules):
    """Series ids that do not fit the library's u32 are refused, never wrapped."""
    np = pytest.importorskip("numpy")
    with jjair.Engine(korea_rules) as engine:
        s = engine.series("pm25", zone="a")
        for bad in (np.array([s, -1]), np.array([s, 2**32], dtype=np.int64)):
            with pytest.raises(ValueError, match="outside 0..2\\^32-1"):
                engine.push_many(bad, np.arange(2), np.ones(2))
        with pytest.raises(TypeError, match="must be integers"):
            engine.push_many(np.array([0.5, 1.0]), np.arange(2), np.ones(2))
        with pytest.raises(ValueError, match="outside"):
            engine.push_many(2**33, [1], [1.0])
        with pytest.raises(TypeError, match="values are missing"):
            engine.push_many(s, [1], None)
        assert engine.stats.accepted == 0
