#!/usr/bin/env python3
"""End-to-end test of jjair-server's notifiers (run by .ci/server).

Everything on 127.0.0.1, started and stopped here: mosquitto, a recording
webhook (tests/notify/recording_server.py, Python's standard library), the
real Alertmanager (Debian's prometheus-alertmanager: its own storage
directory and port, clustering off) and the server on data time, with the
shipped rules/korea-air.yaml and rules/fire.yaml (each rule's notify: list
extended with `am`) and four notifiers: sms-residents, fire-desk and
sms-operators as webhooks to the recorder, am as the alertmanager type.

  - a real PM2.5 episode from the bundled Seoul data for three stations of
    one zone, over MQTT: the zone's alert reaches the sms-residents webhook
    and Alertmanager (read back through its API v2: active, once) and
    resolves in both;
  - SIGHUP with a broken rule file: the error is logged and the server goes
    on alerting on the old rules:
  - a fire ramp from a robot: the fire alarm reaches fire-desk and
    Alertmanager, and resolves in both;
  - every webhook gets exactly the events the library itself gives for the
    same readings (the rule's notify: names, every kind but `active`), in
    order, each once (a 503 answer on the first request is retried, not
    duplicated: one Idempotency-Key per event);
  - /metrics has the per-notifier counters; SIGTERM exits 0 with nothing
    left pending.

usage: test_server_notify.py SERVER REPO LIBJJAIR [ALERTMANAGER]
"""
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_server as ts  # noqa: E402  (same arguments: SERVER REPO LIBJJAIR)

AM = sys.argv[4] if len(sys.argv) > 4 else "prometheus-alertmanager"
check, wait_for, metric = ts.check, ts.wait_for, ts.metric


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def post_json(url, obj):
    req = urllib.request.Request(url, data=json.dumps(obj).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status


def start_recorder():
    p = subprocess.Popen([sys.executable, os.path.join(ts.REPO, "tests", "notify",
                                                       "recording_server.py")],
                         stdout=subprocess.PIPE, text=True)
    return p, int(p.stdout.readline())


def start_alertmanager():
    port = ts.free_port()
    cfg = os.path.join(ts.TMP, "am.yml")
    with open(cfg, "w") as f:
        f.write("route:\n  receiver: default\nreceivers:\n  - name: default\n")
    log = open(os.path.join(ts.TMP, "am.log"), "w")
    p = subprocess.Popen([AM, f"--config.file={cfg}", f"--storage.path={ts.TMP}/am-data",
                          f"--web.listen-address=127.0.0.1:{port}",
                          "--cluster.listen-address="],
                         stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"

    def up():
        if p.poll() is not None:
            raise SystemExit("alertmanager ended: " + open(log.name).read())
        try:
            return get_json(base + "/api/v2/status")
        except OSError:
            return None
    wait_for(up, "alertmanager")
    return p, base


def main():
    mosq, mport = ts.start_mosquitto()
    rec, rport = start_recorder()
    am, am_base = start_alertmanager()
    hook = f"http://127.0.0.1:{rport}"
    try:
        run(mport, hook, am_base)
    finally:
        for p in (am, mosq, rec):
            p.terminate()
            p.wait(timeout=10)
    if ts.failures:
        print(f"{len(ts.failures)} checks failed; logs in {ts.TMP}")
        sys.exit(1)
    print("test_server_notify: all checks passed")


def am_alerts(am_base, alertname, **labels):
    """The active alerts of Alertmanager with this alertname and labels."""
    return [a for a in get_json(am_base + "/api/v2/alerts?active=true")
            if a["labels"].get("alertname") == alertname
            and all(a["labels"].get(k) == v for k, v in labels.items())]


def run(mport, hook, am_base):
    rules_dir = os.path.join(ts.TMP, "n-rules")
    os.mkdir(rules_dir)
    rule_files = []
    for name in ("korea-air.yaml", "fire.yaml"):
        with open(os.path.join(ts.REPO, "rules", name)) as f:
            text = f.read()
        # Alertmanager takes every alert: each rule names it too
        text, n = re.subn(r"notify: \[", "notify: [am, ", text)
        assert n > 0, name
        rule_files.append(os.path.join(rules_dir, name))
        with open(rule_files[-1], "w") as f:
            f.write(text)
    # the first delivery attempt is refused (503, Retry-After: 1): retried
    post_json(hook + "/_control/script", {"actions": [{"status": 503, "retry_after": "1"}]})
    srv = ts.Server(f"""version: 1
mqtt: {{host: 127.0.0.1, port: {mport}, client_id: jjair-notify-test, qos: 1}}
http: {{listen: "127.0.0.1:0"}}
rules: [n-rules/korea-air.yaml, n-rules/fire.yaml]
time: {{mode: data}}
state: {{dir: n-state}}
delivery: {{file: n-events.ndjson, drain_timeout: 30s}}
notifiers:
  - {{name: sms-residents, type: webhook, url: "{hook}/residents"}}
  - {{name: fire-desk, type: webhook, url: "{hook}/desk"}}
  - {{name: sms-operators, type: webhook, url: "{hook}/operators"}}
  - name: am
    type: alertmanager
    url: {am_base}
    resend_interval: 1s
log: {{reject_interval: 0s}}
""", "notify")
    check("4 notifiers" in srv.stderr(), "the server reports its notifiers")
    wait_for(lambda: metric(srv.metrics(), "jjair_server_mqtt_connected") == 1, "MQTT connection")

    def hooked(path):
        reqs = get_json(hook + "/_control/requests")
        return [json.loads(r["body"]) for r in reqs if r["path"] == path
                and r["status"] == 200]

    # ---- the PM episode, hour by hour
    hours, t_after = ts.pm_episode()
    pubs = {}
    for st in ("palbok-1", "palbok-2", "palbok-3"):
        pubs[st] = subprocess.Popen(
            ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(mport), "-q", "1", "-l",
             "-t", f"jjair/v1/station/{st}/pm25"], stdin=subprocess.PIPE, text=True)
    readings, sent, am_seen = [], 0, False
    zone = {"zone": "중부권역"}
    for hour in hours:
        for st, ts_, v in hour:
            pubs[st].stdin.write(json.dumps({"ts": ts_, "value": v, "labels": zone}) + "\n")
            pubs[st].stdin.flush()
            readings.append(("pm25", {"station": st, **zone}, ts_, v, None))
            sent += 1
            srv.wait_processed(sent)
        if not am_seen and any(e["rule"] == "pm25-korea" and e["kind"] == "fired"
                               for e in hooked("/residents")):
            # the webhook has it: Alertmanager must have it too, once
            live = wait_for(lambda: am_alerts(am_base, "pm25-korea", **zone),
                            "the PM2.5 alert in Alertmanager")
            check(len(live) == 1 and live[0]["status"]["state"] == "active",
                  f"Alertmanager holds the zone's PM2.5 alert once: {live}")
            check(live[0]["labels"].get("pollutant") == "PM2.5" and
                  live[0]["labels"].get("severity") == "주의보",
                  f"with the rule's labels and severity: {live[0]['labels']}")
            am_seen = True
    for p in pubs.values():
        p.stdin.close()
        p.wait(timeout=10)
    check(am_seen, "the PM2.5 alert reached the webhook during the episode")
    wait_for(lambda: any(e["rule"] == "pm25-korea" and e["kind"] == "resolved"
                         for e in hooked("/residents")), "the PM2.5 resolve at the webhook")
    wait_for(lambda: not am_alerts(am_base, "pm25-korea", **zone),
             "the PM2.5 alert resolved in Alertmanager")

    # ---- SIGHUP with a broken rule file: the old rules keep alerting
    with open(rule_files[1], "a") as f:
        f.write("  - name: broken\n    metric: [\n")
    srv.p.send_signal(signal.SIGHUP)
    wait_for(lambda: "the running rules stay" in srv.stderr(), "the SIGHUP answer")
    check(re.search(re.escape(rule_files[1]) + r":\d+:\d+: ", srv.stderr()) is not None,
          "SIGHUP logs the broken rule file's error with its position")

    # ---- the robot's fire ramp, reading by reading
    robot = subprocess.Popen(
        ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(mport), "-q", "1", "-l",
         "-t", "jjair/v1/robot/robot-06/temperature"], stdin=subprocess.PIPE, text=True)
    fire_seen = False
    for k, (ts_, v) in enumerate(ts.fire_ramp(t_after)):
        loc = (35.8242 + k * 1e-5, 127.148)
        robot.stdin.write(json.dumps({"ts": ts_, "value": v, "lat": loc[0], "lon": loc[1],
                                      "labels": {"sensor": "body"}}) + "\n")
        robot.stdin.flush()
        readings.append(("temperature", {"robot": "robot-06", "sensor": "body"}, ts_, v, loc))
        sent += 1
        srv.wait_processed(sent)
        if not fire_seen and any(e["rule"] == "fire-heat-rate" for e in hooked("/desk")):
            live = wait_for(lambda: am_alerts(am_base, "fire-heat-rate", robot="robot-06"),
                            "the fire alarm in Alertmanager")
            check(len(live) == 1 and live[0]["labels"].get("hazard") == "fire",
                  f"Alertmanager holds the robot's fire alarm once: {live}")
            fire_seen = True
    robot.stdin.close()
    robot.wait(timeout=10)
    check(fire_seen, "the fire alarm reached the fire desk after the broken SIGHUP")
    wait_for(lambda: not am_alerts(am_base, "fire-heat-rate", robot="robot-06"),
             "the fire alarm resolved in Alertmanager")

    # ---- every webhook: exactly the library's events for its rules, once
    rs = ts.jjair.Ruleset.from_file(os.path.join(ts.REPO, "rules", "korea-air.yaml"))
    rs2 = ts.jjair.Ruleset.from_file(os.path.join(ts.REPO, "rules", "fire.yaml"))
    routes = {}
    for r in (rs, rs2):
        for name in r.rule_names:
            routes[name] = r.notify(name)
    want_all = [e for e in ts.reference_events(rule_files[:1] + [os.path.join(ts.REPO, "rules",
                                                                               "fire.yaml")],
                                               readings) if e["kind"] != "active"]

    def key(e):
        return (e["rule"], e["kind"], e["time_ms"], json.dumps(e["labels"], sort_keys=True))
    for name, path in (("sms-residents", "/residents"), ("fire-desk", "/desk"),
                       ("sms-operators", "/operators")):
        want = [key(e) for e in want_all if name in routes.get(e["rule"], [])]
        wait_for(lambda: len(hooked(path)) >= len(want), f"{len(want)} deliveries to {name}")
        got = [key(e) for e in hooked(path)]
        check(got == want, f"{name} receives the library's events once each, in order: "
              f"{got} vs {want}")
    check(any(k[0] == "pm25-korea" for k in
              (key(e) for e in hooked("/residents"))), "the residents get the PM2.5 alert")
    check([k[1] for k in (key(e) for e in hooked("/desk")) if k[0] == "fire-heat-rate"] ==
          ["fired", "resolved"], "the fire desk gets the rate-of-rise alarm and its resolve")
    reqs = get_json(hook + "/_control/requests")
    keys = [r["headers"].get("idempotency-key") for r in reqs if r["status"] == 200]
    check(len(keys) == len(set(keys)) and not any(r["duplicate"] for r in reqs),
          "no event delivered twice (Idempotency-Key)")
    check(sum(1 for r in reqs if r["status"] == 503) == 1, "the scripted 503 was answered")

    # ---- /metrics: per-notifier counters
    m = srv.metrics()
    n_hooks = sum(len(hooked(p)) for p in ("/residents", "/desk", "/operators"))
    sent_total = sum(metric(m, "jjair_notifier_sent_total", notifier=n) or 0
                     for n in ("sms-residents", "fire-desk", "sms-operators"))
    check(sent_total == n_hooks, f"sent_total counts the webhook deliveries: {sent_total} vs "
          f"{n_hooks}")
    check(sum(metric(m, "jjair_notifier_retried_total", notifier=n) or 0
              for n in ("sms-residents", "fire-desk", "sms-operators", "am")) == 1,
          "the 503 is counted as one retry")
    for n in ("sms-residents", "fire-desk", "sms-operators", "am"):
        check(metric(m, "jjair_notifier_failed_total", notifier=n) == 0, f"{n}: nothing failed")
        check(metric(m, "jjair_notifier_queue_depth", notifier=n) == 0, f"{n}: nothing pending")
        check(metric(m, "jjair_notifier_oldest_pending_seconds", notifier=n) == 0,
              f"{n}: no pending age")
    check((metric(m, "jjair_notifier_sent_total", notifier="am") or 0) >= 4,
          "Alertmanager got the alerts")
    check(metric(m, "jjair_server_delivery_errors_total") == 0, "no delivery errors")
    check(os.path.exists(os.path.join(ts.TMP, "n-state", "outbox")),
          "the outbox is in the state directory")
    rc = srv.stop()
    check(rc == 0, f"SIGTERM: exit status {rc}")
    check("still pending" not in srv.stderr(), "nothing left pending at SIGTERM")


if __name__ == "__main__":
    main()
