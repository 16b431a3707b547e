"""Threads sharing one engine; events and rulesets outliving their owners."""
import dataclasses
import gc
import threading

import pytest

import jjair
from conftest import HOUR, pm25_episode

THREADS = 4
PER_THREAD = 5000


def test_threads_hammering_one_engine(korea_rules):
    seen = []
    with jjair.Engine(korea_rules, on_event=seen.append, event_queue=64) as engine:
        ids = [engine.series("pm25", zone=f"z{i}") for i in range(THREADS)]
        errors = []

        def work(i):
            try:
                for k in range(PER_THREAD):
                    # Each zone fires at hour 1 and resolves at hour 10, every 20 h.
                    hour = k // 10
                    value = 200.0 if hour % 20 < 8 else 10.0
                    engine.push(ids[i], hour * HOUR + (k % 10), value)
                    if k % 97 == 0:
                        engine.stats  # readers interleave with writers
                        engine.active_alerts()
            except BaseException as exc:  # reported in the main thread
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        st = engine.stats
        assert st.accepted == THREADS * PER_THREAD
        assert st.events == len(seen) > 0
        per_zone = {}
        for e in seen:
            per_zone.setdefault(e.labels["zone"], []).append(e.kind)
        # Every zone went through the same alternating episodes, whatever the interleaving.
        assert len(per_zone) == THREADS
        assert len({tuple(k) for k in per_zone.values()}) == 1
        kinds = next(iter(per_zone.values()))
        assert kinds[:2] == ["fired", "resolved"]


def test_events_outlive_the_engine(korea_rules):
    engine = jjair.Engine(korea_rules)
    s = engine.series("pm25", zone="a", station="s1")
    pm25_episode(engine, s)
    events = list(engine) + engine.active_alerts()
    engine.close()
    del engine
    gc.collect()
    fired, active = events
    assert (fired.kind, fired.level_name, fired.severity) == ("fired", "warning", "경보")
    assert fired.labels == {"zone": "a"}  # the group's labels
    assert fired.is_group and fired.metric == "pm25"
    assert fired.rule_labels["pollutant"] == "PM2.5"
    assert "PM2.5 200㎍/㎥" in fired.annotations["sms_fired"]
    assert fired.to_dict()["fingerprint"] == fired.fingerprint == active.fingerprint
    assert active.kind == "active" and active.seq == 0 and active.sample_time is None
    assert fired.time.tzinfo is not None and fired.time_ms == 2 * HOUR
    assert fired.sample_ts_ms == 2 * HOUR and fired.lat is None
    with pytest.raises(TypeError):
        fired.labels["zone"] = "b"  # immutable
    with pytest.raises(dataclasses.FrozenInstanceError):
        fired.level = 3
    assert len({fired, fired}) == 1


def test_engine_keeps_its_ruleset(repo, korea_rules):
    rules = jjair.Ruleset.from_file(repo / "rules" / "korea-air.yaml")
    engine = jjair.Engine(rules)
    del rules
    gc.collect()
    s = engine.series("pm25", zone="a")
    pm25_episode(engine, s)
    assert engine.alert_state(s, "pm25-korea")["level"] == 2
    assert [e.rule for e in engine] == ["pm25-korea"]
    engine.close()
