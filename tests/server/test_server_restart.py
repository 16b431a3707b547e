#!/usr/bin/env python3
"""End-to-end test of jjair-server's state across restarts (run by .ci/server).

mosquitto, a recording webhook (tests/notify/recording_server.py) and the
server on data time with a state directory (snapshots, journal, outbox) and
the notifiers sms-residents and fire-desk as webhooks:

  - the bundled Seoul PM2.5 episode for three stations of one zone over
    MQTT; in the middle of the episode, with the zone's alert firing, the
    server is killed with SIGKILL and started again: /alerts lists the alert
    before any new reading (restored from the snapshot and the journal:
    the only snapshot was taken at start, so every reading of the episode
    comes back from the journal), the log counts the replayed readings;
  - SIGHUP with a valid changed rule file (a rule added): reloaded, the new
    rule alerts, the zone's alert stays active (its state kept);
  - a second SIGKILL after more readings (now after the reload's checkpoint)
    and a second start;
  - the episode ends: at the webhook, the zone's alert fired once and
    resolved once, and every delivery is exactly the library's event for
    the same readings, in order, none lost, none twice;
  - SIGTERM: exit 0, a final snapshot.

usage: test_server_restart.py SERVER REPO LIBJJAIR
"""
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_server as ts  # noqa: E402  (same arguments: SERVER REPO LIBJJAIR)

check, wait_for, metric = ts.check, ts.wait_for, ts.metric


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def start_recorder():
    p = subprocess.Popen([sys.executable, os.path.join(ts.REPO, "tests", "notify",
                                                       "recording_server.py")],
                         stdout=subprocess.PIPE, text=True)
    return p, int(p.stdout.readline())


def main():
    mosq, mport = ts.start_mosquitto()
    rec, rport = start_recorder()
    try:
        run(mport, f"http://127.0.0.1:{rport}")
    finally:
        for p in (mosq, rec):
            p.terminate()
            p.wait(timeout=10)
    if ts.failures:
        print(f"{len(ts.failures)} checks failed; logs in {ts.TMP}")
        sys.exit(1)
    print("test_server_restart: all checks passed")


def run(mport, hook):
    rules_dir = os.path.join(ts.TMP, "r-rules")
    os.mkdir(rules_dir)
    rule_files = []
    for name in ("korea-air.yaml", "fire.yaml"):
        with open(os.path.join(ts.REPO, "rules", name)) as f:
            text = f.read()
        rule_files.append(os.path.join(rules_dir, name))
        with open(rule_files[-1], "w") as f:
            f.write(text)
    config = f"""version: 1
mqtt: {{host: 127.0.0.1, port: {mport}, client_id: jjair-restart-test, qos: 1}}
http: {{listen: "127.0.0.1:0"}}
rules: [r-rules/korea-air.yaml, r-rules/fire.yaml]
time: {{mode: data}}
state: {{dir: r-state, checkpoint_interval: 1h}}
delivery: {{file: r-events.ndjson}}
notifiers:
  - {{name: sms-residents, type: webhook, url: "{hook}/residents"}}
  - {{name: fire-desk, type: webhook, url: "{hook}/desk"}}
"""
    zone = {"zone": "중부권역"}
    hours, t_after = ts.pm_episode()
    readings, sent = [], [0]

    def start():
        srv = ts.Server(config, "restart")
        wait_for(lambda: metric(srv.metrics(), "jjair_server_mqtt_connected") == 1, "MQTT")
        return srv

    def publish(srv, hour_list):
        pubs = {}
        for st in ("palbok-1", "palbok-2", "palbok-3"):
            pubs[st] = subprocess.Popen(
                ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(mport), "-q", "1", "-l",
                 "-t", f"jjair/v1/station/{st}/pm25"], stdin=subprocess.PIPE, text=True)
        base = srv.processed()
        for hour in hour_list:
            for st, ts_, v in hour:
                pubs[st].stdin.write(json.dumps({"ts": ts_, "value": v, "labels": zone}) + "\n")
                pubs[st].stdin.flush()
                readings.append(("pm25", {"station": st, **zone}, ts_, v, None))
                base += 1
                srv.wait_processed(base)
        for p in pubs.values():
            p.stdin.close()
            p.wait(timeout=10)

    def hooked(path):
        return [json.loads(r["body"]) for r in get_json(hook + "/_control/requests")
                if r["path"] == path and r["status"] == 200]

    def settled(srv):
        """Every notifier's queue empty (delivered), so a kill loses nothing in flight."""
        m = srv.metrics()
        return all(metric(m, "jjair_notifier_queue_depth", notifier=n) == 0
                   for n in ("sms-residents", "fire-desk"))

    def pm_alert_active(srv):
        _, body = srv.get("/alerts")
        return [a for a in json.loads(body) if a["rule"] == "pm25-korea" and a["labels"] == zone]

    # ---- the first part of the episode, until two hours after the alert fired
    srv = start()
    fired_at = None
    for k, hour in enumerate(hours):
        publish(srv, [hour])
        if fired_at is None and any(e["rule"] == "pm25-korea" and e["kind"] == "fired"
                                    for e in hooked("/residents")):
            fired_at = k
        if fired_at is not None and k >= fired_at + 2:
            break
    check(fired_at is not None, "the zone's alert fired before the first kill")
    first = k + 1
    wait_for(lambda: settled(srv), "deliveries before the kill")
    n_before = len(readings)
    srv.p.send_signal(signal.SIGKILL)
    srv.p.wait(timeout=10)
    srv.logf.close()

    # ---- restart 1: state back from the snapshot of the start and the journal
    srv = start()
    log = srv.stderr()
    m = re.search(r"state: restored snapshot (\d+) .*?; (\d+) journal readings replayed", log)
    check(m is not None and int(m.group(2)) == n_before,
          f"the restart replays the journal's {n_before} readings: "
          f"{m.group(0) if m else log[-600:]}")
    active = pm_alert_active(srv)
    check(len(active) == 1, f"/alerts lists the zone's alert right after the restart: {active}")
    check(metric(srv.metrics(), "jjair_server_journal_replayed_total") == n_before,
          "/metrics counts the replayed readings")
    publish(srv, hours[first:first + 2])

    # ---- SIGHUP with a valid changed rule file: a rule added
    with open(rule_files[1], "a") as f:
        f.write("""
  - name: restart-test-added
    metric: co2
    window: {kind: sliding, span: 10s, min_samples: 1}
    aggregate: max
    levels:
      - {name: high, severity: test, issue: ">= 5000", clear: "< 1000"}
    notify: [fire-desk]
""")
    srv.p.send_signal(signal.SIGHUP)
    wait_for(lambda: "SIGHUP: rules reloaded" in srv.stderr(), "the reload")
    check(re.search(r"SIGHUP: rules reloaded: \d+ kept, 0 changed, 0 removed, 1 added",
                    srv.stderr()) is not None, "the reload keeps every rule and adds one")
    check(metric(srv.metrics(), "jjair_server_reloads_total", result="ok") == 1,
          "the reload is counted")
    check(len(pm_alert_active(srv)) == 1, "the zone's alert is still active after the reload")
    t_co2 = hours[first + 1][0][1] + 1000
    status, _ = srv.post("/ingest", json.dumps({"metric": "co2", "labels": {"station": "c1"},
                                                "ts": t_co2, "value": 9000}))
    wait_for(lambda: any(e["rule"] == "restart-test-added" for e in hooked("/desk")),
             "the added rule's alarm")
    publish(srv, hours[first + 2:first + 3])
    wait_for(lambda: settled(srv), "deliveries before the second kill")
    srv.p.send_signal(signal.SIGKILL)
    srv.p.wait(timeout=10)
    srv.logf.close()

    # ---- restart 2: from the reload's checkpoint and its journal; the end
    srv = start()
    check(len(pm_alert_active(srv)) == 1, "the zone's alert survives the second kill")
    publish(srv, hours[first + 3:])
    wait_for(lambda: any(e["rule"] == "pm25-korea" and e["kind"] == "resolved"
                         for e in hooked("/residents")), "the resolve")
    wait_for(lambda: settled(srv), "the last deliveries")
    rc = srv.stop()
    check(rc == 0, f"SIGTERM: exit {rc}")

    # ---- at the webhook: the library's events for these readings, each once
    rs = ts.jjair.Ruleset.from_file(os.path.join(ts.REPO, "rules", "korea-air.yaml"))
    want = [e for e in ts.reference_events([os.path.join(ts.REPO, "rules", "korea-air.yaml")],
                                           readings)
            if e["kind"] != "active" and "sms-residents" in rs.notify(e["rule"])]

    def key(e):
        return (e["rule"], e["kind"], e["time_ms"], json.dumps(e["labels"], sort_keys=True))
    got = [key(e) for e in hooked("/residents")]
    check(got == [key(e) for e in want],
          f"sms-residents got the library's events once each, in order: {got} vs "
          f"{[key(e) for e in want]}")
    kinds = [k[1] for k in got if k[0] == "pm25-korea"]
    check(kinds.count("fired") == 1 and kinds.count("resolved") == 1 and kinds[-1] == "resolved",
          f"the zone's alert: fired once, resolved once: {kinds}")
    reqs = get_json(hook + "/_control/requests")
    check(not any(r["duplicate"] for r in reqs), "no event delivered twice (Idempotency-Key)")
    state = os.path.join(ts.TMP, "r-state")
    snaps = [f for f in os.listdir(state) if f.endswith(".snap")]
    check(len(snaps) == 1 and os.path.exists(os.path.join(state, "journal")),
          f"one snapshot and its journal in the state directory: {sorted(os.listdir(state))}")


if __name__ == "__main__":
    main()
