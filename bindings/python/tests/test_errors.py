"""Error paths: rule files with positions, bad readings, limits, closed objects."""
import math

import pytest

import jjair
from conftest import HOUR, pm25_episode

BAD_RULES = """version: 1
rules:
  - name: heat
    metric: temp
    window: {kind: sliding, span: 5x}
    levels:
      - {name: hot, issue: ">= 60"}
  - name: smoke
    metrik: smoke
    levels:
      - {name: smoky, issue: ">= 1"}
"""


def test_bad_rule_file_lists_every_problem_with_positions(korea_rules):
    with pytest.raises(jjair.RuleError) as info:
        jjair.Ruleset.from_string(BAD_RULES, name="bad.yaml")
    err = info.value
    assert err.status is jjair.Status.INVAL
    assert err.total == len(err.problems) >= 2
    lines = {p.line for p in err.problems}
    assert 5 in lines and 9 in lines  # the bad span and the unknown key
    for p in err.problems:
        assert p.file == "bad.yaml" and p.column > 0 and p.message
        assert f"bad.yaml:{p.line}:{p.column}: " in str(err)
    assert isinstance(err, jjair.JjairError)


def test_missing_rule_file(tmp_path, korea_rules):
    with pytest.raises(jjair.RuleError) as info:
        jjair.Ruleset.from_file(tmp_path / "nope.yaml")
    assert info.value.status is jjair.Status.NOTFOUND
    assert "nope.yaml" in str(info.value)


def test_rejected_readings_raise_and_are_counted(korea_rules):
    with jjair.Engine(korea_rules) as engine:
        s = engine.series("pm25", zone="a")
        engine.push(s, HOUR, 10.0)
        refused = [((s, 2 * HOUR, math.nan), jjair.NanError),
                   ((s, 2 * HOUR, math.inf), jjair.NanError),
                   ((s, 0, 10.0), jjair.LateError),
                   ((s, 2 ** 62 + 1, 10.0), jjair.InvalidError),
                   ((12345, 2 * HOUR, 10.0), jjair.NotFoundError)]
        for args, cls in refused:
            with pytest.raises(cls) as info:
                engine.push(*args)
            assert not info.value.partial
            assert info.value.message == info.value.status.message
        engine.advance(3 * HOUR)
        with pytest.raises(jjair.FutureError, match="future"):
            engine.push(s, 5 * HOUR, 10.0)
        st = engine.stats
        assert (st.accepted, st.rejected_invalid, st.rejected_late, st.rejected_future) == (
            1, 4, 1, 1)
        assert jjair.Status.LATE.message  # the library's sentence


def test_limits(korea_rules):
    with jjair.Engine(korea_rules, max_series=2, max_labels=1) as engine:
        engine.series("pm25", zone="a")
        engine.series("pm25", zone="b")
        assert engine.series("pm25", zone="a") == engine.series("pm25", {"zone": "a"})
        with pytest.raises(jjair.LimitError) as info:
            engine.series("pm25", zone="c")
        assert info.value.status is jjair.Status.LIMIT
        assert info.value.message == jjair.Status.LIMIT.message
        assert engine.stats.rejected_limit == 1
    with jjair.Engine(korea_rules, max_labels=1) as engine:
        with pytest.raises(jjair.LimitError):
            engine.series("pm25", zone="a", station="s1")
        with pytest.raises(jjair.InvalidError):
            engine.series("", zone="a")


def test_bad_engine_settings(korea_rules):
    with pytest.raises(TypeError, match="max_seriess"):
        jjair.Engine(korea_rules, max_seriess=3)
    with pytest.raises(jjair.InvalidError, match="5min"):
        jjair.Engine(korea_rules, lateness_ms="5min")
    with pytest.raises(jjair.InvalidError):
        jjair.Engine(korea_rules, series_idle_ms=-1)
    with pytest.raises(jjair.InvalidError):
        jjair.Engine(korea_rules, no_queue=True)  # events would go nowhere
    assert jjair.parse_duration("1h30m") == 90 * 60 * 1000


def test_lateness_as_duration_text(korea_rules):
    with jjair.Engine(korea_rules, lateness_ms="2h") as engine:
        s = engine.series("pm25", zone="a")
        engine.push(s, 3 * HOUR, 10.0)
        engine.push(s, 1 * HOUR + 1, 10.0)
        with pytest.raises(jjair.LateError):
            engine.push(s, 1 * HOUR - 1, 10.0)


def test_forget_and_unknown_rule(korea_rules):
    with jjair.Engine(korea_rules) as engine:
        s = engine.series("pm25", zone="a")
        pm25_episode(engine, s)
        assert engine.alert_state(s, "pm25-korea")["level"] == 2
        engine.forget(s)
        kinds = [(e.kind, e.reason) for e in engine]
        assert kinds[-1] == ("resolved", "forgotten")
        with pytest.raises(jjair.NotFoundError):
            engine.forget(s)
        with pytest.raises(jjair.NotFoundError):
            engine.push(s, 10 * HOUR, 1.0)
        with pytest.raises(jjair.NotFoundError, match="nosuch"):
            engine.alert_state(s, "nosuch")
        assert engine.stats.series_forgotten == 1


def test_close_twice_and_use_after_close(korea_rules, repo):
    engine = jjair.Engine(korea_rules)
    s = engine.series("pm25", zone="a")
    engine.close()
    engine.close()
    assert engine.closed
    for call in (lambda: engine.push(s, 0, 1.0), lambda: engine.advance(0), engine.poll,
                 lambda: engine.stats, engine.active_alerts, lambda: engine.series("pm25"),
                 lambda: engine.push_many(s, [0], [1.0])):
        with pytest.raises(jjair.StateError, match="closed"):
            call()
    rs = jjair.Ruleset.from_file(repo / "rules" / "korea-air.yaml")
    rs.close()
    rs.close()
    with pytest.raises(jjair.StateError):
        jjair.Engine(rs)


def test_text_helpers_use_the_library(korea_rules):
    assert jjair.format_duration(90 * 60 * 1000) == "1h30m"
    assert jjair.parse_duration(jjair.format_duration(123456789)) == 123456789
    assert jjair.format_time(1704081600250) == "2024-01-01T04:00:00.250Z"
    with jjair.Engine(korea_rules) as engine:
        s = engine.series("pm25", zone="a")
        pm25_episode(engine, s)
        (event,) = list(engine)
    assert jjair.fingerprint("pm25-korea", {"zone": "a"}) == event.fingerprint
    assert jjair.fingerprint("pm25-korea", {"zone": "b"}) != event.fingerprint
    assert [s.name for s in jjair.Status][:4] == ["OK", "NOMEM", "INVAL", "LATE"]


PARTIAL_RULES = """version: 1
rules:
  - name: gated
    metric: pm25
    window: {kind: sliding, span: 1h}
    aggregate: max
    levels:
      - {name: high, severity: 주의, issue: "> 100", clear: "<= 80"}
    valid: {min: 0, max: 1000}
  - name: open
    metric: pm25
    window: {kind: sliding, span: 1h}
    aggregate: max
    levels:
      - {name: high, severity: 주의, issue: "> 100", clear: "<= 80"}
"""


def test_a_reading_some_rules_took_raises_partial(yaml_loader):
    rules = jjair.Ruleset.from_string(PARTIAL_RULES, name="partial.yaml")
    with jjair.Engine(rules) as engine:
        s = engine.series("pm25", zone="a")
        with pytest.raises(jjair.RangeError) as info:
            engine.push(s, HOUR, 5000.0)  # outside gated's valid range only
        assert info.value.partial
        assert info.value.status is jjair.Status.RANGE
        # "open" took it and fired; "gated" dropped it.
        fired = [(e.kind, e.rule) for e in engine]
        assert ("fired", "open") in fired and ("fired", "gated") not in fired
        assert engine.stats.accepted == 1


CAPPED_RULES = """version: 1
rules:
  - name: long-mean
    metric: pm25
    window: {kind: sliding, span: 30d, max_samples: 100000}
    aggregate: mean
    levels:
      - {name: high, issue: ">= 1000"}
"""


def test_window_beyond_the_engine_cap_is_refused_by_name():
    if not jjair.features() & jjair.FEATURE_YAML:
        pytest.skip("library built without the YAML loader")
    rules = jjair.Ruleset.from_string(CAPPED_RULES, name="capped.yaml")
    with pytest.raises(jjair.LimitError, match="long-mean"):
        jjair.Engine(rules, max_samples_per_window=65536)
    # The default takes each rule's own max_samples; rejects show per rule.
    with jjair.Engine(rules) as engine:
        s = engine.series("pm25", zone="a")
        for i in range(10):
            engine.push(s, HOUR + i * 1000, 5.0)
        st = engine.rule_stats("long-mean")
        assert (st["series"], st["accepted"], st["rejected_full"]) == (1, 10, 0)
