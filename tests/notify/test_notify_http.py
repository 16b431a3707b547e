#!/usr/bin/env python3
"""Notifiers against a real HTTP server on 127.0.0.1 (CTest "notify_http").

Starts tests/notify/recording_server.py, drives an engine + dispatcher with
notify_drive, and checks what arrived: bodies, headers, signatures (the
server verifies SENS and Solapi as the gateways do), retries on 503/429/
reset/timeouts honouring Retry-After, a permanent 400 reported once, order,
idempotency keys, SMS/LMS and 100 recipients per request, and the outbox
across a kill -9.

Usage: test_notify_http.py NOTIFY_DRIVE SOURCE_DIR [JJAIR]
(with JJAIR, the `jjair notify` command is tested too)
"""
import base64
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

DRIVE, SRC = sys.argv[1], sys.argv[2]
JJAIR = sys.argv[3] if len(sys.argv) > 3 else None
HERE = os.path.dirname(os.path.abspath(__file__))
TMP = tempfile.mkdtemp(prefix="jjair-notify-")

RULES = """version: 1
rules:
  - name: pm-high
    metric: pm25
    window: {kind: count, count: 1}
    aggregate: max
    levels:
      - {name: high, severity: 주의보, issue: ">= 100", clear: "< 50"}
    labels: {team: air}
    annotations:
      sms_fired: "[전주시] 초미세먼지 주의보 발령({{ labels.station }}, PM2.5 {{ value:.0f }}㎍/㎥)."
      sms_resolved: "[전주시] 초미세먼지 주의보 해제({{ labels.station }})."
    notify: [hook, sens, solapi, twilio, chat]
"""


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


RULES_PATH = write("rules.yaml", RULES)


class Server:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "recording_server.py")],
                                     stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())
        self.base = f"http://127.0.0.1:{self.port}"

    def post(self, path, obj):
        req = urllib.request.Request(self.base + path, data=json.dumps(obj).encode(),
                                     method="POST")
        urllib.request.urlopen(req, timeout=10).read()

    def script(self, actions=(), default=None, **kw):
        self.post("/_control/clear", {})
        self.post("/_control/script", dict(actions=list(actions),
                                           default=default or {"status": 200}, **kw))

    def requests(self):
        with urllib.request.urlopen(self.base + "/_control/requests", timeout=10) as r:
            return json.load(r)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def notifiers(srv, only, **extra):
    """A notifier file with one notifier `only` pointing at the server."""
    base = srv.base
    defs = {
        "hook": f"""  - name: hook
    type: webhook
    url: {base}/hook
    headers: {{X-Test: "yes, really"}}
    username: jjair
    password_env: JJ_HOOK_PASSWORD
""",
        "sens": f"""  - name: sens
    type: sens
    endpoint: {base}
    service_id: "ncp:sms:kr:123456789012:jjair"
    access_key: AKEXAMPLE0000000000
    secret_key_env: JJ_SENS_SECRET
    from: "0632220000"
    recipients: [{", ".join('"010%08d"' % i for i in range(extra.get("n", 3)))}]
""",
        "solapi": f"""  - name: solapi
    type: solapi
    endpoint: {base}
    api_key: KEYEXAMPLE
    api_secret_file: {write("solapi.secret", "SOLAPISECRET" + chr(10))}
    from: "0632220000"
    recipients: ["01011112222"]
""",
        "twilio": f"""  - name: twilio
    type: twilio
    endpoint: {base}
    account_sid: ACexample
    auth_token_env: JJ_TWILIO_TOKEN
    from: "+15005550006"
    recipients: ["+821011112222", "+821033334444"]
""",
        "chat": f"""  - name: chat
    type: slack
    url_env: JJ_CHAT_URL
""",
    }
    return write(f"notifiers-{only}.yaml", "notifiers:\n" + defs[only])


ENV = dict(os.environ, JJ_HOOK_PASSWORD="s3cret-pw", JJ_SENS_SECRET="SENSSECRET",
           JJ_TWILIO_TOKEN="twilio-token")


def drive(args, script, timeout=60):
    p = subprocess.run([DRIVE] + args, input=script, capture_output=True, text=True,
                       timeout=timeout, env=ENV)
    if p.returncode != 0:
        raise AssertionError(f"notify_drive failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p.stdout, p.stderr


def stats_of(out, name):
    m = re.search(rf"^stats {name} (.*)$", out, re.M)
    assert m, out
    head, _, error = m.group(1).partition(" error=")
    d = dict(kv.split("=", 1) for kv in head.split(" ") if "=" in kv)
    d["error"] = error
    return d


FIRE_RESOLVE = "push pm25 station=a 1000 120\npush pm25 station=a 2000 20\n"


def test_webhook(srv):
    srv.script()
    out, _ = drive([RULES_PATH, notifiers(srv, "hook")], FIRE_RESOLVE + "drain 10000\nstats hook\n")
    assert "drain ok" in out, out
    reqs = srv.requests()
    assert [json.loads(r["body"])["kind"] for r in reqs] == ["fired", "resolved"], reqs
    r = reqs[0]
    ev = json.loads(r["body"])
    assert ev["rule"] == "pm-high" and ev["labels"] == {"station": "a"} and ev["value"] == 120
    assert ev["rule_labels"] == {"team": "air"}
    assert r["headers"]["content-type"].startswith("application/json")
    assert r["headers"]["x-test"] == "yes, really"
    assert r["headers"]["authorization"] == "Basic " + base64.b64encode(b"jjair:s3cret-pw").decode()
    key = r["headers"]["idempotency-key"]
    assert re.fullmatch(r"jj-[0-9a-f]{16}-fired-1000-hook", key), key
    assert key.split("-")[1] == ev["fingerprint"]
    assert stats_of(out, "hook")["sent"] == "2"
    print("webhook: ok")


def test_retries(srv):
    # a reset connection (the first, fresh one: curl itself re-tries a
    # request only on a reused connection), 503 and 429 with Retry-After, a
    # stall past the timeout, then success; the second event waits behind
    srv.script([{"reset": True}, {"status": 503, "retry_after": 1},
                {"status": 429, "retry_after": 1}, {"stall": 2.5}, {"status": 200}])
    out, err = drive(["--retry-initial", "200", "--retry-max", "400", "--timeout", "1000",
                      RULES_PATH, notifiers(srv, "hook")],
                     FIRE_RESOLVE + "drain 30000\nstats hook\n")
    assert "drain ok" in out, (out, err)
    reqs = srv.requests()
    kinds = [json.loads(r["body"])["kind"] for r in reqs]
    assert kinds == ["fired"] * 5 + ["resolved"], kinds
    keys = {r["headers"]["idempotency-key"] for r in reqs[:5]}
    assert len(keys) == 1, keys  # the same key on every retry
    t = [r["t"] for r in reqs]
    # after the reset: back-off of at least half the initial 200 ms
    assert t[1] - t[0] >= 0.1, t
    # Retry-After: 1 is honoured (never earlier than a second later)
    assert t[2] - t[1] >= 0.95 and t[3] - t[2] >= 0.95, t
    # the stall: the request timed out after 1 s and was tried again
    assert t[4] - t[3] >= 1.0, t
    st = stats_of(out, "hook")
    assert st["retried"] == "4" and st["sent"] == "2" and st["failed"] == "0", st
    assert "retrying" in err
    print("retries: ok")


def test_permanent(srv):
    srv.script([{"status": 400, "body": "bad request"}])
    out, err = drive(["--retry-initial", "100", RULES_PATH, notifiers(srv, "hook")],
                     FIRE_RESOLVE + "drain 10000\nstats hook\n")
    reqs = srv.requests()
    kinds = [json.loads(r["body"])["kind"] for r in reqs]
    assert kinds == ["fired", "resolved"], kinds  # the 400 was not retried
    st = stats_of(out, "hook")
    assert st["failed"] == "1" and st["sent"] == "1" and st["retried"] == "0", st
    assert "HTTP 400" in st["error"], st
    assert err.count("failed for good") == 1, err
    assert "s3cret-pw" not in out + err  # secrets never in logs
    print("permanent failure: ok")


def test_sens(srv):
    srv.script(default={"status": 202}, sens_secret="SENSSECRET")
    long_text = "긴 안내문 " * 20
    out, err = drive([RULES_PATH, notifiers(srv, "sens", n=250)],
                     "push pm25 station=a 1000 120\n"
                     f"test sens {long_text}\n"
                     "test sens emoji \U0001F525 fire\n"
                     "drain 10000\nstats sens\n")
    reqs = srv.requests()
    assert all(r["sens_sig_ok"] for r in reqs), reqs
    assert all(r["path"] == "/sms/v2/services/ncp:sms:kr:123456789012:jjair/messages"
               for r in reqs)
    bodies = [json.loads(r["body"]) for r in reqs]
    # 250 recipients: parts of 100, 100, 50 for each message
    assert [len(b["messages"]) for b in bodies] == [100, 100, 50] * 2, bodies
    assert bodies[0]["type"] == "SMS" and bodies[0]["countryCode"] == "82", bodies[0]
    assert bodies[0]["content"].startswith("[전주시] 초미세먼지 주의보 발령(a, PM2.5 120")
    assert len(bodies[0]["content"].encode("euc-kr")) <= 90
    assert bodies[3]["type"] == "LMS"
    assert len(bodies[3]["content"].encode("euc-kr")) > 90
    assert bodies[2]["messages"][-1]["to"] == "01000000249"
    h = reqs[0]["headers"]
    assert h["x-ncp-iam-access-key"] == "AKEXAMPLE0000000000"
    assert abs(int(h["x-ncp-apigw-timestamp"]) - time.time() * 1000) < 300000
    st = stats_of(out, "sens")
    # the emoji text cannot be sent as SMS: failed for good, once
    assert st["sent"] == "2" and st["failed"] == "1", st
    assert "EUC-KR" in st["error"]
    assert "SENSSECRET" not in out + err
    print("sens: ok")


def test_sens_partial_retry(srv):
    # the second part fails once: only it is sent again
    srv.script([{"status": 202}, {"status": 500}], default={"status": 202},
               sens_secret="SENSSECRET")
    out, _ = drive(["--retry-initial", "100", RULES_PATH, notifiers(srv, "sens", n=150)],
                   "push pm25 station=a 1000 120\ndrain 10000\nstats sens\n")
    bodies = [json.loads(r["body"]) for r in srv.requests()]
    firsts = [b["messages"][0]["to"] for b in bodies]
    assert firsts == ["01000000000", "01000000100", "01000000100"], firsts
    assert stats_of(out, "sens")["sent"] == "1"
    print("sens partial retry: ok")


def test_solapi_twilio_chat(srv):
    srv.script(solapi_secret="SOLAPISECRET")
    drive([RULES_PATH, notifiers(srv, "solapi")], FIRE_RESOLVE + "drain 10000\n")
    reqs = srv.requests()
    assert len(reqs) == 2 and all(r["solapi_sig_ok"] for r in reqs), reqs
    assert reqs[0]["path"] == "/messages/v4/send-many/detail"
    m = json.loads(reqs[0]["body"])["messages"][0]
    assert m["to"] == "01011112222" and m["from"] == "0632220000" and "발령" in m["text"]
    auth = reqs[0]["headers"]["authorization"]
    assert re.fullmatch(r"HMAC-SHA256 apiKey=KEYEXAMPLE, date=\S+Z, salt=[0-9a-f]{32}, "
                        r"signature=[0-9a-f]{64}", auth), auth
    # Twilio: a form per recipient, basic auth sid:token
    srv.script(default={"status": 201})
    drive([RULES_PATH, notifiers(srv, "twilio")], "push pm25 station=a 1000 120\ndrain 10000\n")
    reqs = srv.requests()
    assert [r["path"] for r in reqs] == ["/2010-04-01/Accounts/ACexample/Messages.json"] * 2
    from urllib.parse import parse_qs
    forms = [parse_qs(r["body"]) for r in reqs]
    assert [f["To"][0] for f in forms] == ["+821011112222", "+821033334444"]
    assert forms[0]["From"][0] == "+15005550006" and "발령" in forms[0]["Body"][0]
    assert reqs[0]["headers"]["authorization"] == \
        "Basic " + base64.b64encode(b"ACexample:twilio-token").decode()
    # chat: {"text": ...}; the URL (a secret) came from the environment
    srv.script()
    ENV["JJ_CHAT_URL"] = srv.base + "/services/T000/B000/XXXX"
    drive([RULES_PATH, notifiers(srv, "chat")], "push pm25 station=a 1000 120\ndrain 10000\n")
    reqs = srv.requests()
    assert reqs[0]["path"] == "/services/T000/B000/XXXX"
    assert json.loads(reqs[0]["body"])["text"].startswith("[전주시]")
    print("solapi, twilio, chat: ok")


def test_kill9_outbox(srv):
    """kill -9 with events in the outbox: after a restart every accepted
    event arrives; the server (de-duplicating by Idempotency-Key, as the
    gateways that honour it do) takes each exactly once."""
    outbox = os.path.join(TMP, "outbox")
    srv.script(default={"status": 200, "stall": 0.05})
    n = 40
    pushes = "".join(f"push pm25 station=s{i} {1000 + i} 120\n" for i in range(n))
    p = subprocess.Popen([DRIVE, "--outbox", outbox, "--sync", "batch", RULES_PATH,
                          notifiers(srv, "hook")], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True, env=ENV)
    p.stdin.write(pushes + "events\nstart\nsleep 600\n")
    p.stdin.flush()
    # wait until the events were accepted and some delivered, then kill -9
    line = ""
    while not line.startswith("events"):
        line = p.stdout.readline()
    assert line.strip() == f"events {n}", line
    deadline = time.time() + 20
    while len(srv.requests()) < 5 and time.time() < deadline:
        time.sleep(0.02)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    before = len(srv.requests())
    assert 5 <= before < n, before  # killed in the middle
    out, _ = drive(["--outbox", outbox, RULES_PATH, notifiers(srv, "hook")],
                   "drain 30000\nstats hook\n")
    assert "drain ok" in out and "outbox_damage 0" in out, out
    reqs = srv.requests()
    ok = [r for r in reqs if r["status"] == 200]
    keys = [r["headers"]["idempotency-key"] for r in ok]
    stations = sorted({json.loads(r["body"])["labels"]["station"] for r in ok})
    assert stations == sorted(f"s{i}" for i in range(n)), stations  # every one arrived
    fresh = [r for r in ok if not r["duplicate"]]
    assert len(fresh) == n and len(set(keys)) == n  # exactly once after de-duplication
    # at most the one in flight at the kill came twice
    assert len(ok) - n <= 1, len(ok)
    # order of acceptance kept
    order = [int(json.loads(r["body"])["labels"]["station"][1:]) for r in fresh]
    assert order == sorted(order), order
    print(f"kill -9: ok ({before} before the kill, {len(ok) - n} duplicate)")


RULES2_PATH = write("rules2.yaml", """version: 1
rules:
  - name: pm-high
    metric: pm25
    window: {kind: count, count: 1}
    aggregate: max
    levels:
      - {name: high, severity: 주의보, issue: ">= 100", clear: "< 50"}
    annotations:
      sms_fired: "PM2.5 {{ value:.0f }} ({{ labels.zone }}, {{ labels.station }})"
    notify: [grouped, sens]
  - name: fire
    metric: temperature
    window: {kind: count, count: 1}
    aggregate: max
    levels:
      - {name: hot, severity: 화재의심, issue: ">= 57", clear: "< 50"}
    annotations:
      sms_fired: "화재 의심 {{ labels.station }}"
    life_safety: true
    notify: [grouped, sens]
""")


def test_group_by(srv):
    """group_by [zone]: one message (a JSON array) per zone after
    group_wait; a life-safety alarm goes at once, on its own."""
    srv.script()
    cfg = write("notifiers-grouped.yaml", f"""notifiers:
  - name: grouped
    type: webhook
    url: {srv.base}/grouped
    group_by: [zone]
    group_wait: 2s
""")
    out, _ = drive([RULES2_PATH, cfg],
                   "push pm25 zone=north,station=n1 1000 120\n"
                   "push pm25 zone=south,station=s1 1000 130\n"
                   "push pm25 zone=north,station=n2 1000 140\n"
                   "push pm25 zone=north,station=n3 1000 150\n"
                   "push temperature station=robot-1 1000 80\n"
                   "drain 20000\nstats grouped\n")
    assert "drain ok" in out, out
    reqs = srv.requests()
    bodies = [json.loads(r["body"]) for r in reqs]
    assert len(reqs) == 3, bodies
    # the fire alarm first, alone (an object, not an array), without the wait
    assert isinstance(bodies[0], dict) and bodies[0]["rule"] == "fire", bodies[0]
    assert reqs[1]["t"] - reqs[0]["t"] >= 1.5, [r["t"] for r in reqs]
    by_zone = {}
    for b in bodies[1:]:
        events = b if isinstance(b, list) else [b]
        zones = {e["labels"]["zone"] for e in events}
        assert len(zones) == 1, events  # one zone per message
        by_zone[zones.pop()] = sorted(e["labels"]["station"] for e in events)
    assert by_zone == {"north": ["n1", "n2", "n3"], "south": ["s1"]}, by_zone
    assert isinstance(bodies[1], list) or isinstance(bodies[2], list)
    st = stats_of(out, "grouped")
    assert st["sent"] == "5" and st["depth"] == "0", st
    print("group_by: ok")


def test_per_recipient(srv):
    """recipient_quiet_hours: a recipient in its quiet hours gets nothing
    now, the others get the message in one request; a life-safety alarm
    reaches all three at once."""
    srv.script(default={"status": 202}, sens_secret="SENSSECRET")
    now = time.gmtime()
    start = (now.tm_hour + 23) % 24
    end = (now.tm_hour + 1) % 24
    quiet = f"{start:02d}:{now.tm_min:02d}-{end:02d}:{now.tm_min:02d}"  # now +- 1 h, UTC
    cfg = write("notifiers-lanes.yaml", f"""notifiers:
  - name: sens
    type: sens
    endpoint: {srv.base}
    service_id: "ncp:sms:kr:123456789012:jjair"
    access_key: AKEXAMPLE0000000000
    secret_key_env: JJ_SENS_SECRET
    from: "0632220000"
    recipients: ["01000000000", "01000000001", "01000000002"]
    utc_offset: Z
    recipient_quiet_hours: {{"01000000000": "{quiet}"}}
""")
    out, _ = drive([RULES2_PATH, cfg],
                   "push pm25 zone=north,station=n1 1000 120\n"
                   "drain 3000\n"
                   "push temperature station=robot-1 1000 80\n"
                   "drain 3000\nstats sens\n")
    reqs = srv.requests()
    assert all(r["sens_sig_ok"] for r in reqs), reqs
    sent = [(json.loads(r["body"])["content"], [m["to"] for m in json.loads(r["body"])["messages"]])
            for r in reqs]
    pm = [to for text, to in sent if text.startswith("PM2.5")]
    fire = sorted(to for text, to in sent if text.startswith("화재"))
    assert pm == [["01000000001", "01000000002"]], sent  # the quiet one waits
    assert fire == [["01000000000"], ["01000000001", "01000000002"]], sent
    st = stats_of(out, "sens")
    assert st["sent"] == "3" and st["depth"] == "1", st  # the quiet one's PM message
    assert "drain pending" in out, out
    print("per-recipient: ok")


def test_jjair_notify(srv):
    """`jjair notify FILE NAME TEXT`: an operator's test message."""
    srv.script()
    cfg = notifiers(srv, "hook")
    p = subprocess.run([JJAIR, "notify", cfg, "hook", "점검", "메시지"], capture_output=True,
                       text=True, env=ENV, timeout=60)
    assert p.returncode == 0 and p.stdout == "hook: sent\n", (p.stdout, p.stderr)
    body = json.loads(srv.requests()[0]["body"])
    assert body == {"kind": "test", "text": "점검 메시지"}, body
    srv.script([{"status": 401, "body": "bad credentials"}])
    p = subprocess.run([JJAIR, "notify", cfg, "hook"], capture_output=True, text=True, env=ENV,
                       timeout=60)
    assert p.returncode == 1 and "failed: HTTP 401" in p.stdout, (p.stdout, p.stderr)
    bad = write("bad.yaml", "notifiers:\n  - name: x\n    type: webhook\n    ur1: http://x\n")
    p = subprocess.run([JJAIR, "notify", bad, "x"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and f"{bad}:4:5: unknown key 'ur1'" in p.stderr, p.stderr
    p = subprocess.run([JJAIR, "notify", cfg], capture_output=True, text=True, env=ENV,
                       timeout=60)
    assert p.returncode == 0 and p.stdout == "hook\n", p.stdout
    print("jjair notify: ok")


def main():
    srv = Server()
    try:
        test_webhook(srv)
        test_retries(srv)
        test_permanent(srv)
        test_sens(srv)
        test_sens_partial_retry(srv)
        test_solapi_twilio_chat(srv)
        test_kill9_outbox(srv)
        test_group_by(srv)
        test_per_recipient(srv)
        if JJAIR:
            test_jjair_notify(srv)
    finally:
        srv.stop()
    print("notify_http: all passed")


if __name__ == "__main__":
    main()
