#!/usr/bin/env python3
"""End-to-end test of jjair-server (run by .ci/server).

Starts a real mosquitto on 127.0.0.1 (a free port, its own config file in a
temporary directory) and the server on data time, then:
  - publishes a real PM2.5 episode from the bundled Seoul data
    (examples/data) for three stations of one zone over MQTT, and a fire
    ramp (12 degC/min, as in rules/tests/fire.yaml) from a robot with its
    position; the delivery file must hold exactly the events the library
    gives for the same readings (through the Python binding), the zone's
    alert fired and resolved once each, the robot's too, and /alerts must
    list the zone's alert while it is active and not after;
  - bad MQTT payloads and topics are counted by reason;
  - POST /ingest (NDJSON) and POST /write (line protocol) with good and bad
    lines mixed: the counts in the answer, the good readings kept (they
    raise an alarm);
  - /metrics parses as the Prometheus text format (a small parser below)
    and its counters agree with what was sent;
  - SIGHUP with a broken rule file: the error with its position is
    logged, the server keeps alerting on the old rules;
  - SIGTERM right after a large batch: exit 0, the queue drained, the last
    reading's alarm delivered;
  - a wall-clock server: readings without a timestamp take the time of
    receipt, engine time advances with no data;
  - --check on a broken configuration: exit 2, errors as file:line:column.

usage: test_server.py SERVER REPO LIBJJAIR
"""
import csv
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SERVER, REPO, LIBJJAIR = sys.argv[1], sys.argv[2], sys.argv[3]
os.environ["JJAIR_LIBRARY"] = LIBJJAIR
sys.path.insert(0, os.path.join(REPO, "bindings", "python"))
import jjair  # noqa: E402

TMP = tempfile.mkdtemp(prefix="jjair-server-test-")
HOUR = 3600_000
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, what, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    raise SystemExit(f"timed out waiting for {what}")


# ---- Prometheus text format ------------------------------------------------
METRIC_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')


def parse_exposition(text):
    """{(name, frozenset(labels)): value}; raises ValueError on bad syntax:
    every sample belongs to a family declared by HELP and TYPE before it."""
    types, samples = {}, {}
    if not text.endswith("\n"):
        raise ValueError("no final newline")
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            if typ not in ("counter", "gauge", "histogram", "summary", "untyped"):
                raise ValueError(f"bad type {line!r}")
            if name in types:
                raise ValueError(f"family {name} declared twice")
            types[name] = typ
            continue
        if line.startswith("#") or not line:
            raise ValueError(f"stray line {line!r}")
        m = METRIC_RE.match(line)
        if not m:
            raise ValueError(f"bad sample {line!r}")
        name, labels = m.group(1), {}
        if m.group(3):
            body, pos = m.group(3), 0
            while pos < len(body):
                lm = LABEL_RE.match(body, pos)
                if not lm:
                    raise ValueError(f"bad labels {line!r}")
                labels[lm.group(1)] = lm.group(2)
                pos = lm.end()
        if name not in types:
            raise ValueError(f"sample before its TYPE: {line!r}")
        value = float(m.group(4))
        key = (name, frozenset(labels.items()))
        if key in samples:
            raise ValueError(f"duplicate sample {line!r}")
        samples[key] = value
    return samples


def metric(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


# ---- processes -------------------------------------------------------------
def start_mosquitto():
    port = free_port()
    conf = os.path.join(TMP, "mosquitto.conf")
    with open(conf, "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                "log_dest none\n")
    p = subprocess.Popen(["mosquitto", "-c", conf], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)

    def up():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            return False
    wait_for(up, "mosquitto")
    return p, port


class Server:
    def __init__(self, config_text, name):
        self.conf = os.path.join(TMP, name + ".yaml")
        with open(self.conf, "w") as f:
            f.write(config_text)
        self.log = os.path.join(TMP, name + ".log")
        self.logf = open(self.log, "w")
        self.p = subprocess.Popen([SERVER, self.conf], stdout=subprocess.DEVNULL,
                                  stderr=self.logf)
        m = wait_for(lambda: re.search(r"http: listening on 127\.0\.0\.1:(\d+)", self.stderr()),
                     "the server's HTTP port")
        self.port = int(m.group(1))
        wait_for(lambda: "ready:" in self.stderr(), "the server")

    def stderr(self):
        with open(self.log) as f:
            return f.read()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path):
        with urllib.request.urlopen(self.url(path), timeout=10) as r:
            return r.status, r.read().decode()

    def post(self, path, body):
        req = urllib.request.Request(self.url(path), data=body.encode(), method="POST")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def metrics(self):
        status, text = self.get("/metrics")
        assert status == 200
        return parse_exposition(text)

    def processed(self):
        return metric(self.metrics(), "jjair_server_processed_total")

    def wait_processed(self, n):
        wait_for(lambda: self.processed() >= n, f"{n} readings processed")

    def stop(self, sig=signal.SIGTERM):
        self.p.send_signal(sig)
        rc = self.p.wait(timeout=30)
        self.logf.close()
        return rc


def delivered(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


# ---- the readings ----------------------------------------------------------
def pm_episode():
    """Hourly city means around the first PM2.5 episode in the data (>= 75
    for two hours), until it falls below 35, spread over three stations of
    one zone (x1.1, x0.9, x1.0: the zone average is the city's)."""
    with open(os.path.join(REPO, "examples", "data", "seoul_hourly_cityavg_2018_2022.csv")) as f:
        rows = [r for r in csv.reader(f)][1:]
    vals = [float(r[2]) if r[2] not in ("", "-") else None for r in rows]
    first = next(i for i in range(len(vals) - 1)
                 if vals[i] and vals[i + 1] and vals[i] >= 75 and vals[i + 1] >= 75)
    start = first - 4
    end = next(i for i in range(first, len(vals)) if vals[i] is not None and vals[i] < 35) + 3
    t0 = 1516000000000 // HOUR * HOUR  # a whole hour of 2018-01-15 (UTC)
    hours = []
    for k, i in enumerate(range(start, end)):
        if vals[i] is None:
            continue
        hours.append([(f"palbok-{s}", t0 + k * HOUR + 1800_000, round(vals[i] * f, 1))
                      for s, f in ((1, 1.1), (2, 0.9), (3, 1.0))])
    return hours, t0 + (end - start + 2) * HOUR


def fire_ramp(t0):
    """temperature every 5 s: 25 x12, +1 per reading x12, 37 x30."""
    vals = [25.0] * 12 + [25.0 + k for k in range(1, 13)] + [37.0] * 30
    return [(t0 + k * 5000, v) for k, v in enumerate(vals)]


def reference_events(rule_files, readings):
    """What the library itself gives for the same readings, in order."""
    inc = os.path.join(TMP, "all-rules.yaml")
    with open(inc, "w") as f:
        f.write("version: 1\ninclude: [" + ", ".join(json.dumps(p) for p in rule_files) + "]\n")
    events = []
    rs = jjair.Ruleset.from_file(inc)
    with jjair.Engine(rs, on_event=events.append, no_queue=True) as e:
        for metric_, labels, ts, value, loc in readings:
            sid = e.series(metric_, labels)
            try:
                if loc:
                    e.push_located(sid, ts, value, loc[0], loc[1])
                else:
                    e.push(sid, ts, value)
            except jjair.JjairError:
                pass
    return [json.loads(ev.to_json()) for ev in events]


def main():
    mosq, mport = start_mosquitto()
    rules_dir = os.path.join(TMP, "rules")
    os.mkdir(rules_dir)
    rule_files = []
    for name in ("korea-air.yaml", "fire.yaml"):
        with open(os.path.join(REPO, "rules", name)) as f:
            text = f.read()
        rule_files.append(os.path.join(rules_dir, name))
        with open(rule_files[-1], "w") as f:
            f.write(text)
    events_path = os.path.join(TMP, "events.ndjson")
    srv = Server(f"""version: 1
mqtt: {{host: 127.0.0.1, port: {mport}, client_id: jjair-test, qos: 1, topics: [jjair/v1/#]}}
http: {{listen: "127.0.0.1:0"}}
rules: [rules/korea-air.yaml, rules/fire.yaml]
time: {{mode: data}}
delivery: {{file: events.ndjson}}
log: {{reject_interval: 0s}}
""", "data")
    wait_for(lambda: metric(srv.metrics(), "jjair_server_mqtt_connected") == 1, "MQTT connection")

    # ---- MQTT: the PM episode, hour by hour, one publisher per station
    hours, t_after = pm_episode()
    pubs = {}
    for st in ("palbok-1", "palbok-2", "palbok-3"):
        pubs[st] = subprocess.Popen(
            ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(mport), "-q", "1", "-l",
             "-t", f"jjair/v1/station/{st}/pm25"], stdin=subprocess.PIPE, text=True)
    readings, sent, saw_active = [], 0, False
    for hour in hours:
        for st, ts, v in hour:
            pubs[st].stdin.write(json.dumps({"ts": ts, "value": v,
                                             "labels": {"zone": "중부권역"}}) + "\n")
            pubs[st].stdin.flush()
            readings.append(("pm25", {"station": st, "zone": "중부권역"}, ts, v, None))
            sent += 1
            srv.wait_processed(sent)  # keeps the three stations in order
        if not saw_active and any(e["kind"] == "fired" for e in delivered(events_path)):
            _, body = srv.get("/alerts")
            active = json.loads(body)
            saw_active = any(a["rule"] == "pm25-korea" and a["labels"] == {"zone": "중부권역"}
                             and a["kind"] == "active" for a in active)
            check(saw_active, f"/alerts lists the zone's PM2.5 alert while active: {body}")
    for p in pubs.values():
        p.stdin.close()
        p.wait(timeout=10)

    # ---- MQTT: the robot's fire ramp, with its position
    robot = subprocess.Popen(
        ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(mport), "-q", "1", "-l",
         "-t", "jjair/v1/robot/robot-06/temperature"], stdin=subprocess.PIPE, text=True)
    for k, (ts, v) in enumerate(fire_ramp(t_after)):
        loc = (35.8242 + k * 1e-5, 127.148)
        robot.stdin.write(json.dumps({"ts": ts, "value": v, "lat": loc[0], "lon": loc[1],
                                      "labels": {"sensor": "body"}}) + "\n")
        readings.append(("temperature", {"robot": "robot-06", "sensor": "body"}, ts, v, loc))
    robot.stdin.close()
    robot.wait(timeout=10)
    srv.wait_processed(len(readings))

    got = delivered(events_path)
    want = reference_events(rule_files, readings)
    check(got == want, f"the server delivers what the library gives: {len(got)} events vs "
          f"{len(want)}; first difference: "
          f"{next(((a, b) for a, b in zip(got, want) if a != b), None)}")

    def kinds(rule, **labels):
        return [e["kind"] for e in got if e["rule"] == rule
                and all(e["labels"].get(k) == v for k, v in labels.items())]
    pm = kinds("pm25-korea", zone="중부권역")
    check(pm.count("fired") == 1 and pm[-1] == "resolved" and pm.count("resolved") == 1,
          f"the zone's PM2.5 alert fires once and resolves once: {pm}")
    fire = kinds("fire-heat-rate", robot="robot-06")
    check(fire == ["fired", "resolved"], f"the robot's rate-of-rise fires and resolves: {fire}")
    fired = [e for e in got if e["rule"] == "fire-heat-rate" and e["kind"] == "fired"]
    check(fired and fired[0]["lat"] is not None and abs(fired[0]["lon"] - 127.148) < 1e-9,
          "the fire event carries the robot's position")
    _, body = srv.get("/alerts")
    check(not any(a["rule"] == "pm25-korea" for a in json.loads(body)),
          f"/alerts no longer lists the resolved alert: {body}")

    # ---- MQTT: bad payloads and topics, counted by reason, good ones kept
    def pub(topic, payload):
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(mport), "-q", "1",
                        "-t", topic, "-m", payload], check=True, timeout=10)
    base = metric(srv.metrics(), "jjair_server_mqtt_messages_total")
    pub("jjair/v1/station/palbok-1/pm25", "{not json")
    pub("jjair/v1/drone/d1/pm25", '{"ts": 1, "value": 1}')
    pub("jjair/v1/station/palbok-1/pm25", '[{"ts": 1, "valeu": 1}, {"ts": %d, "value": 5}]'
        % (t_after + HOUR))
    wait_for(lambda: metric(srv.metrics(), "jjair_server_mqtt_messages_total") >= base + 3,
             "three MQTT messages")
    m = srv.metrics()
    for reason in ("json", "topic", "unknown_key"):
        check(metric(m, "jjair_server_rejected_total", source="mqtt", reason=reason) == 1,
              f"MQTT rejects counted as {reason}")
    check(metric(m, "jjair_server_readings_total", source="mqtt") == len(readings) + 1,
          "the good reading of a mixed MQTT payload is kept")
    check("rejected (json)" in srv.stderr(), "bad MQTT payloads are logged")

    # ---- HTTP: NDJSON with good and bad lines
    t = t_after + 2 * HOUR
    good = [{"metric": "temperature", "labels": {"station": "http-1"}, "ts": t, "value": 60},
            {"metric": "temperature", "labels": {"station": "http-1"}, "ts": t + 5000,
             "value": 61}]
    body = "\n".join([json.dumps(good[0]), '{"metric": "temperature", "ts": 1}',
                      "not json", "", json.dumps(good[1]),
                      '{"metric": "co", "labels": {"station": 3}, "ts": 1, "value": 1}']) + "\n"
    status, answer = srv.post("/ingest", body)
    a = json.loads(answer)
    check(status == 400 and a["accepted"] == 2 and a["rejected"] == 3,
          f"POST /ingest answers the counts: {status} {answer}")
    check([(e["line"], e["reason"]) for e in a["errors"]] ==
          [(2, "value"), (3, "json"), (6, "labels")], f"POST /ingest names the lines: {answer}")
    status, answer = srv.post("/ingest", json.dumps(dict(good[0], labels={"station": "http-2"})))
    check(status == 200 and json.loads(answer) == {"accepted": 1, "rejected": 0, "errors": []},
          f"an all-good body is a 200: {status} {answer}")

    # ---- HTTP: line protocol with good and bad lines, ms precision
    lp = "\n".join([
        f"temperature,station=lp-1 value=58 {t}",
        "temperature,station=lp-1 value=",
        f"air,station=lp-1,zone=x co=0.4,status=\"ok\" {t}",
        "# a comment",
        f"temperature,station=lp-1 value=59i {t + 5000}",
        f"temperature,station=lp-1 value=1 12x",
    ])
    status, answer = srv.post("/write?precision=ms", lp)
    a = json.loads(answer)
    check(status == 400 and a["accepted"] == 3 and a["rejected"] == 3,
          f"POST /write answers the counts: {status} {answer}")
    check([(e["line"], e["reason"]) for e in a["errors"]] ==
          [(2, "line_protocol"), (3, "field_type"), (6, "line_protocol")],
          f"POST /write names the lines: {answer}")
    status, _ = srv.post("/write?precision=h", lp)
    check(status == 400, "an unknown precision is a 400")
    status, _ = srv.post("/write", f"temperature,station=lp-2 value=1 {t * 1000000}\n")
    check(status == 200, "nanoseconds by default")
    srv.wait_processed(len(readings) + 1 + 3 + 3 + 1)
    got = delivered(events_path)
    for station in ("http-1", "lp-1"):
        check(any(e["rule"] == "fire-heat-fixed" and e["kind"] == "fired"
                  and e["labels"] == {"station": station} for e in got),
              f"the good readings of a mixed body are kept ({station} alarm)")
    status, _ = srv.post("/nowhere", "")
    check(status == 404, "unknown path: 404")
    status, health = srv.get("/healthz")
    check(status == 200 and health == "ok\n", "healthz")

    # ---- /metrics
    m = srv.metrics()
    check(metric(m, "jjair_server_readings_total", source="http_ndjson") == 3, "ndjson count")
    check(metric(m, "jjair_server_readings_total", source="http_line") == 4, "line count")
    check(metric(m, "jjair_server_rejected_total", source="http_line", reason="field_type") == 1,
          "field_type reject counted")
    check(metric(m, "jjair_server_rejected_total", source="http_ndjson", reason="value") == 1,
          "value reject counted")
    check(metric(m, "jjair_server_events_total", kind="fired") ==
          sum(1 for e in got if e["kind"] == "fired"), "fired events counted")
    check(metric(m, "jjair_engine_series") >= 6, "series gauge")
    check(metric(m, "jjair_server_queue_depth") == 0, "queue depth gauge")

    # ---- SIGHUP with a broken rule file: the old rules keep running
    with open(rule_files[1], "a") as f:
        f.write("  - name: broken\n    metric: [\n")
    srv.p.send_signal(signal.SIGHUP)
    wait_for(lambda: "the running rules stay" in srv.stderr(), "the SIGHUP answer")
    log = srv.stderr()
    check(re.search(re.escape(rule_files[1]) + r":\d+:\d+: ", log) is not None,
          "SIGHUP logs the rule file's error with its position")
    check(metric(srv.metrics(), "jjair_server_reloads_total", result="invalid") == 1,
          "the invalid reload is counted")
    srv.post("/ingest", "\n".join(json.dumps({"metric": "temperature",
                                              "labels": {"station": "hup-1"},
                                              "ts": t + k * 5000, "value": 70})
                                  for k in range(2)))
    wait_for(lambda: any(e["labels"] == {"station": "hup-1"} for e in delivered(events_path)),
             "an alarm after SIGHUP")

    # ---- SIGTERM right after a large batch: drained, exit 0
    n_big = 30000
    lines = [json.dumps({"metric": "pm10", "labels": {"station": f"bulk-{k % 5000}"},
                         "ts": t + (k // 5000) * 1000, "value": 20}) for k in range(n_big)]
    lines += [json.dumps({"metric": "temperature", "labels": {"station": "last-1"},
                          "ts": t + k * 5000, "value": 80}) for k in range(2)]
    before = srv.processed()
    status, answer = srv.post("/ingest", "\n".join(lines))
    check(status == 200 and json.loads(answer)["accepted"] == n_big + 2, f"big batch: {answer}")
    rc = srv.stop()
    check(rc == 0, f"SIGTERM: exit status {rc}")
    m = re.search(r"stopped: (\d+) readings processed, (\d+) left in the queue", srv.stderr())
    check(m is not None and int(m.group(1)) == before + n_big + 2 and m.group(2) == "0",
          f"SIGTERM drains the queue: {m.group(0) if m else srv.stderr()[-500:]}")
    check(any(e["labels"] == {"station": "last-1"} and e["kind"] == "fired"
              for e in delivered(events_path)), "the batch's last alarm is delivered")

    # ---- a wall-clock server: receipt time, engine time advancing
    wall_events = os.path.join(TMP, "wall.ndjson")
    wall = Server(f"""rules: [{os.path.join(REPO, "rules", "fire.yaml")}]
time: {{mode: wall-clock, lateness: 1m, tick: 100ms}}
limits: {{queue: 100}}
http: {{listen: "127.0.0.1:0", max_body: 4096}}
delivery: {{file: wall.ndjson}}
""", "wall")
    now = int(time.time() * 1000)
    status, answer = wall.post("/ingest", json.dumps({"metric": "temperature", "labels":
                                                      {"station": "w-1"}, "ts": now - 1000,
                                                      "value": 90}) + "\n" +
                               json.dumps({"metric": "temperature",
                                           "labels": {"station": "w-1"}, "value": 91}))
    check(status == 200, f"wall clock: a reading without ts is taken: {answer}")
    wait_for(lambda: delivered(wall_events), "a wall-clock alarm")
    ev = delivered(wall_events)[0]
    check(ev["rule"] == "fire-heat-fixed" and abs(ev["sample_time"] is not None and
                                                  ev["time_ms"] - now) < 60000,
          f"the alarm is at the time of receipt: {ev['time_ms']} vs {now}")
    t1 = metric(wall.metrics(), "jjair_engine_time_seconds")
    wait_for(lambda: metric(wall.metrics(), "jjair_engine_time_seconds") > t1 + 0.15,
             "engine time advancing with the clock")
    status, answer = wall.post("/ingest", json.dumps({"metric": "temperature", "labels":
                                                      {"station": "w-1"}, "value": 1,
                                                      "ts": now + 3600_000}))
    check(status == 200, "a reading from the future is queued")
    wait_for(lambda: metric(wall.metrics(), "jjair_engine_rejected_total", reason="future") == 1,
             "the engine refuses it (counted as future)")
    one = json.dumps({"metric": "co", "labels": {"station": "w-2"}, "value": 1})
    small = json.dumps([{"metric": "co", "value": 1}] * 101, separators=(",", ":"))
    status, answer = wall.post("/ingest", small)  # 101 readings, < 4096 bytes
    check(status == 413 and "limits.queue" in answer,
          f"a batch above the queue's capacity is a 413: {status} {answer}")
    status, answer = wall.post("/ingest", "\n".join([one] * 100))
    check(status == 413 and "max_body" in answer, f"a body above max_body is a 413: {answer}")
    status, answer = wall.post("/ingest", "\n".join([one] * 50))
    check(status == 200, f"a batch within both limits is taken: {status} {answer}")
    m = wall.metrics()
    check(metric(m, "jjair_server_rejected_total", source="http_ndjson", reason="too_large") == 2,
          "too-large requests are counted")
    check(wall.stop(signal.SIGINT) == 0, "SIGINT exits 0")

    # ---- configuration errors: file:line:column, exit 2
    bad = os.path.join(TMP, "bad.yaml")
    with open(bad, "w") as f:
        f.write("http: {listen: 127.0.0.1:0}\nrules: [rules/fire.yaml]\ntime:\n  mdoe: data\n")
    r = subprocess.run([SERVER, "--check", bad], capture_output=True, text=True, timeout=10)
    check(r.returncode == 2 and f"{bad}:4:3: unknown key 'mdoe' in 'time' (did you mean 'mode'?)"
          in r.stderr, f"--check reports config errors with positions: {r.stderr}")
    r = subprocess.run([SERVER, "--check", srv.conf], capture_output=True, text=True, timeout=10)
    check(r.returncode == 2 and re.search(re.escape(rule_files[1]) + r":\d+:\d+: ", r.stderr),
          f"--check reports rule file errors with positions: {r.stderr}")

    mosq.terminate()
    mosq.wait(timeout=10)
    if failures:
        print(f"{len(failures)} checks failed; logs in {TMP}")
        sys.exit(1)
    print("test_server: all checks passed")


if __name__ == "__main__":
    main()
