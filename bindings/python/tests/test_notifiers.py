"""Custom notifiers written in Python (jjair.Dispatcher.register): events of
an engine reach a Python send() through the C dispatcher, with retries, the
text convention, settings and secrets; and notifiers from YAML."""
import os

import pytest

import jjair

HOUR = 3600 * 1000

RULES = """version: 1
rules:
  - name: pm-high
    metric: pm25
    window: {kind: count, count: 1}
    aggregate: max
    levels:
      - {name: high, severity: warning, issue: ">= 100", clear: "< 50"}
    annotations:
      sms_fired: "PM2.5 {{ value:.0f }} at {{ labels.station }}"
    notify: [py]
"""


@pytest.fixture
def rules():
    if not jjair.features() & jjair.FEATURE_YAML:
        pytest.skip("library built without the YAML loader")
    return jjair.Ruleset.from_string(RULES)


@pytest.fixture
def dispatcher():
    if not jjair.features() & jjair.FEATURE_CURL:
        pytest.skip("library built without notifiers")
    d = jjair.Dispatcher(retry_initial_ms=1, retry_max_ms=2)
    yield d
    d.close()


def test_python_notifier_receives_events(rules, dispatcher, monkeypatch):
    got = []
    answers = [jjair.SendResult.RETRY]  # the first try fails, then OK

    def send(notes, settings):
        got.append((notes, settings))
        return answers.pop(0) if answers else jjair.SendResult.OK

    monkeypatch.setenv("JJ_PY_TOKEN", "tok-123")
    dispatcher.register("pyhook", send, keys=["channel"], secret_keys=["token"],
                        required=["channel"])
    dispatcher.add("py", "pyhook", channel="#air", token_env="JJ_PY_TOKEN")
    with jjair.Engine(rules, dispatcher=dispatcher) as e:
        s = e.series("pm25", {"station": "a"})
        e.push(s, 1000, 120)
        e.push(s, 2000, 20)
    assert dispatcher.drain(5000)
    kinds = [(n[0].kind, n[0].attempt) for n, _ in got]
    assert kinds == [("fired", 1), ("fired", 2), ("resolved", 1)]
    first = got[1][0][0]
    assert first.text == "PM2.5 120 at a"
    assert first.labels == {"station": "a"} and first.rule == "pm-high"
    assert first.idempotency_key.endswith("-fired-1000-py")
    assert '"kind":"fired"' in first.json
    assert got[0][1] == {"channel": "#air", "token": "tok-123", "name": "py"}
    st = dispatcher.stats("py")
    assert (st.sent, st.retried, st.failed) == (2, 1, 0)
    assert "RETRY" in st.last_error


def test_python_notifier_exception_is_a_retry_then_failed(rules, dispatcher):
    calls = []

    def send(notes, settings):
        calls.append(notes[0].kind)
        if len(calls) == 1:
            raise RuntimeError("gateway down")
        return jjair.SendResult.FAILED

    dispatcher.register("flaky", send)
    dispatcher.add("py", "flaky")
    dispatcher.send_test("py", "hello")
    assert dispatcher.drain(5000)
    st = dispatcher.stats("py")
    assert calls == ["test", "test"]
    assert (st.retried, st.failed, st.sent) == (1, 1, 0)


def test_yaml_errors_and_inline_secret(dispatcher, yaml_loader):
    dispatcher.register("pyhook", lambda n, s: None, secret_keys=["token"])
    with pytest.raises(jjair.RuleError) as ei:
        dispatcher.load_string("notifiers:\n  - name: a\n    type: pyhook\n    token: x\n",
                               name="n.yaml")
    p = ei.value.problems[0]
    assert (p.file, p.line, p.column) == ("n.yaml", 4, 5)
    assert "token_env" in p.message
    dispatcher.load_string("notifiers:\n  - name: a\n    type: stdout\n")
    assert dispatcher.notifiers == ["a"]
    with pytest.raises(jjair.InvalidError):
        dispatcher.add("b", "nosuch")
