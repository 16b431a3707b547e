"""on_event: events as they happen, exceptions re-raised, no re-entry, the
callback kept alive while registered."""
import gc

import pytest

import jjair
from conftest import HOUR, pm25_episode


class Boom(Exception):
    pass


def test_callback_sees_what_poll_sees(korea_rules):
    seen = []
    with jjair.Engine(korea_rules, on_event=seen.append) as engine:
        s = engine.series("pm25", zone="a")
        pm25_episode(engine, s)
        engine.push(s, 6 * HOUR, 10.0)
        engine.advance(8 * HOUR)
        polled = list(engine)
    assert [e.kind for e in seen] == ["fired", "resolved"]
    assert [e.to_json() for e in seen] == [e.to_json() for e in polled]  # NaN != NaN


def test_exception_in_callback_is_reraised_from_the_push(korea_rules):
    calls = []

    def explode(event):
        calls.append(event)
        raise Boom(event.kind)

    with jjair.Engine(korea_rules, on_event=explode) as engine:
        s = engine.series("pm25", zone="a")
        engine.push(s, 0, 200.0)
        engine.push(s, HOUR, 200.0)
        with pytest.raises(Boom, match="fired"):
            engine.push(s, 2 * HOUR, 200.0)  # closes the second hour: fires
        assert len(calls) == 1
        # The engine went on and took the reading; later calls are clean.
        assert engine.stats.accepted == 3
        engine.push(s, 3 * HOUR, 200.0)
        engine.push(s, 4 * HOUR, 10.0)
        with pytest.raises(Boom, match="resolved"):
            engine.advance(6 * HOUR)
        assert [e.kind for e in engine] == ["fired", "resolved"]


def test_calls_from_the_callback_raise_state_error(korea_rules):
    holder = {}

    def reenter(event):
        holder["engine"].push(holder["series"], 100 * HOUR, 1.0)

    with jjair.Engine(korea_rules, on_event=reenter) as engine:
        holder.update(engine=engine, series=engine.series("pm25", zone="a"))
        with pytest.raises(jjair.StateError):
            pm25_episode(engine, holder["series"])
        assert engine.stats.accepted == 3  # the re-entering push changed nothing


def test_callback_survives_garbage_collection(korea_rules):
    seen = []
    engine = jjair.Engine(korea_rules, on_event=lambda e: seen.append(e.kind), no_queue=True)
    gc.collect()  # the lambda and its ctypes wrapper are referenced by the engine only
    s = engine.series("pm25", zone="a")
    pm25_episode(engine, s)
    assert seen == ["fired"]
    assert engine.poll() is None  # no queue
    engine.close()
