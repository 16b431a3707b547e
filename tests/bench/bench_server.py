#!/usr/bin/env python3
"""Benchmarks of jjair-server on this machine (figures for the README and
the closing note), with the Jeonju rules (korea-air, fire, sensor-health):

  - readings/s through MQTT into the engine, QoS 0 and QoS 1: `mosquitto_pub
    -l` publishers (one reading per message, one series per publisher, in
    time order), from the first message until /metrics counts them all
    processed (QoS 0 readings dropped on a full queue are reported);
  - readings/s through HTTP: POST /ingest (NDJSON) and POST /write (line
    protocol) in batches of 10 000 readings;
  - latency from publishing the reading that completes a fire alarm
    (rules/fire.yaml, fixed heat) to its line in the delivery file and to
    its arrival at a webhook (the `fire-desk` notifier: the dispatcher's
    outbox and libcurl, to an HTTP server in this process), p50 and p99, on
    wall-clock time with QoS 1;
  - resident memory (VmRSS) with the Jeonju configuration's rules and
    notifiers (examples/server/jeonju-notifiers.yaml: two SENS, a webhook,
    Alertmanager; placeholder secrets) and devices (20 stations x 4
    metrics, 6 robots x 5 sensors), and with 100 000 series.

usage: bench_server.py SERVER [--quick] [--only mqtt|http|latency|rss]
Every server has a state directory (snapshots, the journal of readings,
the outbox), as a deployment does; one HTTP run without it shows what the
journal costs.
(mosquitto and mosquitto-clients needed)
"""
import json
import os
import threading
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SERVER = sys.argv[1]
QUICK = "--quick" in sys.argv
ONLY = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TMP = tempfile.mkdtemp(prefix="jjair-bench-server-")
RULES = [os.path.join(REPO, "rules", f) for f in ("korea-air.yaml", "fire.yaml",
                                                    "sensor-health.yaml")]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, what, timeout=120.0, step=0.01):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise SystemExit(f"timed out waiting for {what}")


HOOK = []  # (perf_counter at arrival, the event) for every webhook request


class Hook(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        t = time.perf_counter()
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        HOOK.append((t, json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


def start_hook():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{srv.server_address[1]}"


def start_mosquitto():
    port = free_port()
    conf = os.path.join(TMP, "mosquitto.conf")
    with open(conf, "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                "log_dest none\nmax_queued_messages 0\n")
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
    def __init__(self, name, mport, mode="data", qos=1, extra="", state=True):
        self.conf = os.path.join(TMP, name + ".yaml")
        self.events = os.path.join(TMP, name + ".ndjson")
        mqtt = (f"mqtt: {{host: 127.0.0.1, port: {mport}, client_id: {name}, qos: {qos}}}\n"
                if mport else "")
        with open(self.conf, "w") as f:
            f.write(mqtt + f'http: {{listen: "127.0.0.1:0"}}\nrules: {json.dumps(RULES)}\n'
                    f"time: {{mode: {mode}, lateness: 1m}}\ndelivery: {{file: {self.events}}}\n"
                    + (f"state: {{dir: {TMP}/{name}-state}}\n" if state and "state:" not in extra
                       else "") + extra)
        self.log = open(os.path.join(TMP, name + ".log"), "w")
        self.p = subprocess.Popen([SERVER, self.conf], stdout=subprocess.DEVNULL,
                                  stderr=self.log)
        m = wait_for(lambda: re.search(r"http: listening on 127\.0\.0\.1:(\d+)", self.stderr()),
                     "the server")
        self.port = int(m.group(1))
        if mport:
            wait_for(lambda: "mqtt: connected" in self.stderr(), "MQTT")

    def stderr(self):
        with open(self.log.name) as f:
            return f.read()

    def metric(self, name, **labels):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics") as r:
            text = r.read().decode()
        lab = ",".join(f'{k}="{v}"' for k, v in labels.items())
        m = re.search("^" + re.escape(name + (f"{{{lab}}}" if lab else "")) + r" (\S+)$", text,
                      re.M)
        return float(m.group(1)) if m else None

    def post(self, path, body):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body,
                                     method="POST")
        while True:
            try:
                with urllib.request.urlopen(req) as r:
                    return r.status
            except urllib.error.HTTPError as e:
                if e.code != 503:
                    raise
                time.sleep(0.05)  # queue full: send the batch again

    def rss_kib(self):
        with open(f"/proc/{self.p.pid}/status") as f:
            return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1))

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        rc = self.p.wait(timeout=60)
        self.log.close()
        return rc


def mqtt_rate(mport, qos, n_per_pub, pubs=4):
    srv = Server(f"mqtt-q{qos}", mport, qos=qos)
    t0 = 1_700_000_000_000
    files = []
    for k in range(pubs):
        path = os.path.join(TMP, f"pub{k}.ndjson")
        with open(path, "w") as f:
            for i in range(n_per_pub):
                f.write(json.dumps({"ts": t0 + i * 1000, "value": 20 + i % 7,
                                    "labels": {"zone": "z"}}) + "\n")
        files.append(path)
    start = time.time()
    procs = [subprocess.Popen(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(mport), "-q",
                               str(qos), "-l", "-t", f"jjair/v1/station/b{k}/pm25"],
                              stdin=open(files[k])) for k in range(pubs)]
    total = n_per_pub * pubs

    def done():
        got = srv.metric("jjair_server_processed_total")
        dropped = srv.metric("jjair_server_rejected_total", source="mqtt", reason="queue_full")
        return got + dropped >= total and all(p.poll() is not None for p in procs)
    wait_for(done, f"MQTT QoS {qos} readings", step=0.005)
    elapsed = time.time() - start
    processed = srv.metric("jjair_server_processed_total")
    dropped = srv.metric("jjair_server_rejected_total", source="mqtt", reason="queue_full")
    srv.stop()
    return processed / elapsed, processed, dropped


def http_rate(kind, batches, per_batch=10000, state=True):
    srv = Server(f"http-{kind}-{int(state)}", None, state=state)
    t0 = 1_700_000_000_000
    bodies = []
    for b in range(batches):
        lines = []
        for i in range(per_batch):
            st, ts = i % 100, t0 + (b * (per_batch // 100) + i // 100) * 1000
            if kind == "ndjson":
                lines.append(json.dumps({"metric": "pm25", "labels": {"station": f"h{st}",
                                                                       "zone": "z"},
                                         "ts": ts, "value": 20 + i % 7}))
            else:
                lines.append(f"pm25,station=h{st},zone=z value={20 + i % 7} {ts}")
        bodies.append(("\n".join(lines) + "\n").encode())
    path = "/ingest" if kind == "ndjson" else "/write?precision=ms"
    start = time.time()
    for body in bodies:
        srv.post(path, body)
    total = batches * per_batch
    wait_for(lambda: srv.metric("jjair_server_processed_total") >= total, "HTTP readings",
             step=0.005)
    elapsed = time.time() - start
    srv.stop()
    return total / elapsed


def latency(mport, trials):
    hook = start_hook()
    srv = Server("latency", mport, mode="wall-clock", qos=1,
                 extra=f"state: {{dir: {TMP}/latency-state}}\n"
                       f"notifiers:\n  - {{name: fire-desk, type: webhook, url: \"{hook}/desk\"}}\n")
    pub = subprocess.Popen(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(mport), "-q", "1",
                            "-l", "-t", "jjair/v1/robot/robot-01/temperature"],
                           stdin=subprocess.PIPE, text=True)
    lat, hook_lat = [], []
    for k in range(trials):
        now = int(time.time() * 1000)
        size = os.path.getsize(srv.events) if os.path.exists(srv.events) else 0
        pub.stdin.write(json.dumps({"ts": now - 1000, "value": 60,
                                    "labels": {"sensor": f"s{k}"}}) + "\n")
        pub.stdin.flush()
        time.sleep(0.02)
        t = time.perf_counter()
        pub.stdin.write(json.dumps({"ts": now, "value": 61, "labels": {"sensor": f"s{k}"}})
                        + "\n")
        pub.stdin.flush()
        while not os.path.exists(srv.events) or os.path.getsize(srv.events) == size:
            time.sleep(0.0002)
        lat.append((time.perf_counter() - t) * 1000)

        def arrived():
            return next((a for a, e in list(HOOK) if e["kind"] == "fired"
                         and e["labels"].get("sensor") == f"s{k}"), None)
        hook_lat.append((wait_for(arrived, "the webhook", step=0.0002) - t) * 1000)
    pub.stdin.close()
    pub.wait()
    srv.stop()

    def pct(v):
        v = sorted(v)
        return v[len(v) // 2], v[min(len(v) - 1, int(len(v) * 0.99))]
    return pct(lat), pct(hook_lat)


def rss(nseries):
    os.environ.setdefault("SENS_SECRET_KEY", "bench-placeholder")
    os.environ.setdefault("FIRE_DESK_TOKEN", "bench-placeholder")
    notifiers = os.path.join(REPO, "examples", "server", "jeonju-notifiers.yaml")
    srv = Server(f"rss-{nseries}", None,
                 extra=f"limits: {{max_series: 200000}}\nnotifiers: {notifiers}\n"
                       f"state: {{dir: {TMP}/rss-{nseries}-state}}\n")
    base = srv.rss_kib()
    t0 = 1_700_000_000_000
    lines = []
    if nseries == 0:  # the Jeonju devices: 20 stations, 6 robots
        for s in range(20):
            for m in ("pm25", "pm10", "o3", "co"):
                lines.append({"metric": m, "labels": {"station": f"st-{s}",
                                                      "zone": f"zone-{s % 4}"},
                              "ts": t0, "value": 10})
        for r in range(6):
            for m, sensor in (("temperature", "body"), ("temperature", "camera"), ("co", "co"),
                              ("smoke", "smoke"), ("pm25", "pm")):
                lines.append({"metric": m, "labels": {"robot": f"robot-{r}", "sensor": sensor},
                              "ts": t0, "value": 10})
    else:
        lines = [{"metric": "pm25", "labels": {"station": f"s{i}", "zone": f"z{i % 50}"},
                  "ts": t0, "value": 10} for i in range(nseries)]
    for i in range(0, len(lines), 10000):
        srv.post("/ingest", ("\n".join(json.dumps(x) for x in lines[i:i + 10000])).encode())
    wait_for(lambda: srv.metric("jjair_server_processed_total") >= len(lines), "RSS readings")
    series = srv.metric("jjair_engine_series")
    engine = srv.metric("jjair_engine_memory_bytes")
    used = srv.rss_kib()
    srv.stop()
    return base, used, series, engine


def main():
    mosq, mport = start_mosquitto()
    n = 5000 if QUICK else 50000
    print(f"jjair-server benchmarks ({'quick' if QUICK else 'full'}; rules: korea-air, fire, "
          f"sensor-health; {os.cpu_count()} CPUs)")
    if ONLY in (None, "mqtt"):
        for qos in (0, 1):
            rate, done, dropped = mqtt_rate(mport, qos, n)
            print(f"MQTT QoS {qos}: {rate:10.0f} readings/s  ({done:.0f} processed, "
                  f"{dropped:.0f} dropped on a full queue; 4 publishers x {n} messages)")
    if ONLY in (None, "http"):
        for kind in ("ndjson", "line"):
            rate = http_rate(kind, 2 if QUICK else 20)
            print(f"HTTP {kind:6s}: {rate:10.0f} readings/s  (batches of 10000)")
        rate = http_rate("ndjson", 2 if QUICK else 20, state=False)
        print(f"HTTP ndjson without a state dir (no journal): {rate:10.0f} readings/s")
    if ONLY in (None, "latency"):
        (p50, p99), (h50, h99) = latency(mport, 20 if QUICK else 300)
        print(f"fire alarm latency, publish -> delivery file: p50 {p50:.2f} ms, "
              f"p99 {p99:.2f} ms")
        print(f"fire alarm latency, publish -> webhook (notifier): p50 {h50:.2f} ms, "
              f"p99 {h99:.2f} ms")
    if ONLY in (None, "rss"):
        for nseries in (0, 100000):
            base, used, series, engine = rss(nseries if not QUICK or nseries == 0 else 10000)
            print(f"RSS: {used / 1024:7.1f} MiB with {series:.0f} series (engine memory "
                  f"{engine / 1048576:.1f} MiB; idle after start: {base / 1024:.1f} MiB)")
    mosq.terminate()
    mosq.wait()


if __name__ == "__main__":
    main()
