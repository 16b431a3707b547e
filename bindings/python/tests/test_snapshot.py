"""Engine state across restarts and rule changes (snapshot.h): snapshot()
and from_snapshot()/restore() continue event for event, save()/load() go
through a file, damaged images raise and leave the engine fresh, and
reload() keeps unchanged rules and ends the changed ones' episodes; a rule
file that fails to load leaves the old rules running."""
import pytest

import jjair
from conftest import HOUR, pm25_episode


def run(engine, series, hours, start=0, value=200.0):
    for h in range(start, start + hours):
        engine.advance(h * HOUR)  # a server's clock runs with its readings
        engine.push(series, h * HOUR, value)


def test_snapshot_continues_event_for_event(korea_rules):
    ref = []
    with jjair.Engine(korea_rules, on_event=ref.append, no_queue=True) as a:
        sid = a.series("pm25", zone="seoul")
        run(a, sid, 5)
        cut = len(ref)
        image = a.snapshot()
        assert isinstance(image, bytes) and image[:4] == b"JJST"
        run(a, sid, 10, start=5, value=10.0)
    got = []
    rules = jjair.Ruleset.from_file(korea_rules_path())
    with jjair.Engine.from_snapshot(rules, image, on_event=got.append, no_queue=True) as b:
        assert b.series("pm25", zone="seoul") == sid
        run(b, sid, 10, start=5, value=10.0)
    assert [e.to_dict() for e in got] == [e.to_dict() for e in ref[cut:]]
    assert any(e.kind == "resolved" for e in got)  # the episode ends after the restart


def korea_rules_path():
    import conftest
    return conftest.REPO / "rules" / "korea-air.yaml"


def test_save_load_and_damage(korea_rules, tmp_path):
    with jjair.Engine(korea_rules) as a:
        sid = a.series("pm25", zone="seoul")
        pm25_episode(a, sid)
        path = tmp_path / "state.bin"
        a.save(path)
        assert not (tmp_path / "state.bin.tmp").exists()
        image = a.snapshot()
    with jjair.Engine(korea_rules) as b:
        rep = b.load(path)
        assert rep["series"] == 1 and rep["rules_kept"] == len(korea_rules)
        assert b.snapshot() == image
    with jjair.Engine(korea_rules) as c:
        with pytest.raises(jjair.InvalidError, match="truncated"):
            c.restore(image[:-3])
        with pytest.raises(jjair.InvalidError, match="checksum"):
            c.restore(image[:30] + bytes([image[30] ^ 1]) + image[31:])
        with pytest.raises(jjair.InvalidError, match="not a libjjair snapshot"):
            c.restore(b"hello, world, not a snapshot")
        with pytest.raises(jjair.NotFoundError):
            c.load(tmp_path / "missing.bin")
        assert c.now_ms is None and c.stats.series == 0  # untouched
        c.restore(image)
        with pytest.raises(jjair.StateError):
            c.restore(image)  # only into a fresh engine


CHANGED = """
version: 1
rules:
  - name: pm25-korea
    metric: pm25
    window: {kind: tumbling, span: 1h}
    aggregate: mean
    levels:
      - {name: advisory, severity: 주의보, issue: ">= 500", clear: "< 35"}
"""


def test_reload(korea_rules, tmp_path):
    with jjair.Engine(korea_rules) as e:
        sid = e.series("pm25", zone="seoul")
        run(e, sid, 6)
        assert e.alert_state(sid, "pm25-korea")["level"] > 0
        list(e)  # drain
        # A broken rule file never reaches the engine.
        bad = tmp_path / "bad.yaml"
        bad.write_text("rules: [{name: x\n")
        with pytest.raises(jjair.RuleError):
            jjair.Ruleset.from_file(bad)
        assert e.alert_state(sid, "pm25-korea")["level"] > 0
        # Reload with the same rules: nothing changes, nothing is said.
        rep = e.reload(jjair.Ruleset.from_file(korea_rules_path()))
        assert rep["alerts_ended"] == 0 and rep["rules_kept"] == len(korea_rules)
        assert e.poll() is None
        # A changed rule: its open episode ends, the engine runs on.
        rep = e.reload(jjair.Ruleset.from_string(CHANGED))
        assert rep["rules_changed"] == 1 and rep["alerts_ended"] >= 1
        ended = list(e)
        assert [(x.kind, x.reason, x.rule) for x in ended if x.rule == "pm25-korea"] == [
            ("resolved", "rule_changed", "pm25-korea")]
        assert e.alert_state(sid, "pm25-korea")["level"] == 0
        run(e, sid, 3, start=6, value=600.0)
        assert e.alert_state(sid, "pm25-korea")["level"] == 1
