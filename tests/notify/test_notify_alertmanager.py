#!/usr/bin/env python3
"""The real Alertmanager (Debian's prometheus-alertmanager) receiving the
alerts of the bundled Seoul replay (CTest "notify_alertmanager").

Starts Alertmanager on 127.0.0.1 with its own storage directory and port,
clustering off; replays five years of Seoul hourly data through
rules/korea-air.yaml with an `alertmanager` notifier; reads the alerts
back through Alertmanager's API v2: exactly the alerts the engine still
has active are active there, with the labels and annotations jjair sent;
then clean readings resolve them and Alertmanager shows none active.

Usage: test_notify_alertmanager.py NOTIFY_DRIVE SOURCE_DIR ALERTMANAGER
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

DRIVE, SRC, AM = sys.argv[1], sys.argv[2], sys.argv[3]
TMP = tempfile.mkdtemp(prefix="jjair-am-")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def main():
    port = free_port()
    cfg = os.path.join(TMP, "am.yml")
    with open(cfg, "w") as f:
        f.write("route:\n  receiver: default\nreceivers:\n  - name: default\n")
    am = subprocess.Popen([AM, f"--config.file={cfg}", f"--storage.path={TMP}/data",
                           f"--web.listen-address=127.0.0.1:{port}",
                           "--cluster.listen-address="],
                          stdout=subprocess.DEVNULL, stderr=open(os.path.join(TMP, "am.log"), "w"))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while True:
            try:
                get(base + "/api/v2/status")
                break
            except OSError:
                if time.time() > deadline or am.poll() is not None:
                    raise AssertionError("alertmanager did not start: "
                                         + open(os.path.join(TMP, "am.log")).read())
                time.sleep(0.1)
        notifiers = os.path.join(TMP, "notifiers.yaml")
        with open(notifiers, "w") as f:
            f.write(f"""notifiers:
  - name: sms-residents
    type: alertmanager
    url: {base}/
    generator_url: "https://jjair.example/rules/{{{{ rule }}}}"
    resend_interval: 1s
""")
        csv = os.path.join(SRC, "examples/data/seoul_hourly_cityavg_2018_2022.csv")
        rules = os.path.join(SRC, "rules/korea-air.yaml")
        p = subprocess.Popen([DRIVE, rules, notifiers], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)

        def cmd(line, want=None):
            p.stdin.write(line + "\n")
            p.stdin.flush()
            if want:
                while True:
                    out = p.stdout.readline()
                    assert out, "notify_drive ended"
                    if out.startswith(want):
                        return out.strip()

        # 2023-01-01 00:00 KST and on: a high episode to be sure something
        # fires at the end, after the five years
        t0 = 1672498800000
        cmd(f"seoul {csv}")
        for h in range(3):
            cmd(f"push pm25 zone=서울 {t0 + h * 3600000 + 1000} 160")
        cmd(f"advance {t0 + 3 * 3600000 + 1000}")
        events = int(cmd("events", "events").split()[1])
        active = int(cmd("active", "active").split()[1])
        assert events > 100 and active >= 1, (events, active)
        assert cmd("drain 60000", "drain") == "drain ok"
        stats = cmd("stats sms-residents", "stats")
        assert "failed=0" in stats, stats
        alerts = get(base + "/api/v2/alerts?active=true")
        names = sorted(a["labels"]["alertname"] for a in alerts)
        assert len(alerts) == active, (names, active)
        pm = [a for a in alerts if a["labels"]["alertname"] == "pm25-korea"]
        assert len(pm) == 1, names
        a = pm[0]
        assert a["labels"]["zone"] == "서울" and a["labels"]["severity"] == "경보"
        assert a["labels"]["pollutant"] == "PM2.5"
        assert "발령" in a["annotations"]["sms_escalated"]
        assert a["generatorURL"] == "https://jjair.example/rules/pm25-korea"
        assert a["status"]["state"] == "active"
        # firing alerts are re-sent (resend_interval 1s): still active later
        time.sleep(2.5)
        cmd("poll 100")
        assert len(get(base + "/api/v2/alerts?active=true")) == active
        # clean air: everything resolves, and Alertmanager agrees
        t1 = t0 + 4 * 3600000
        for h in range(4):
            ts = t1 + h * 3600000 + 1000
            for metric, v in (("pm25", 5), ("pm10", 5), ("o3", 0.001)):
                cmd(f"push {metric} zone=서울 {ts} {v}")
        cmd(f"advance {t1 + 5 * 3600000}")
        assert cmd("active", "active") == "active 0"
        assert cmd("drain 60000", "drain") == "drain ok"
        left = get(base + "/api/v2/alerts?active=true")
        assert left == [], left
        p.stdin.close()
        assert p.wait(30) == 0
        print(f"alertmanager: ok ({events} events, {active} active at the end, resolved)")
    finally:
        am.terminate()
        am.wait(10)


if __name__ == "__main__":
    main()
