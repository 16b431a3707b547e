"""A recording HTTP server for the notifier tests (Python standard library).

Started by the tests on 127.0.0.1 (port 0: the kernel picks one). Every
request other than /_control/* is recorded (path, headers, body, arrival
time) and answered by the next scripted action, or the default:

  {"status": 503, "retry_after": "1"}   an answer (with Retry-After)
  {"stall": 3.0, "status": 200}         wait before answering
  {"reset": true}                       close the connection with RST, no answer

It also checks the SMS gateways' signatures with the secrets it is given,
as the real gateways would (sens_sig_ok / solapi_sig_ok in the record),
and de-duplicates by Idempotency-Key like a gateway that honours it.

Control: POST /_control/script {"actions": [...], "default": {...},
"sens_secret": ..., "solapi_secret": ...}; GET /_control/requests;
POST /_control/clear.
"""
import base64
import hashlib
import hmac
import json
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.actions = []
        self.default = {"status": 200}
        self.requests = []
        self.sens_secret = None
        self.solapi_secret = None


STATE = State()


def check_sens(headers, path):
    if STATE.sens_secret is None:
        return None
    ts = headers.get("x-ncp-apigw-timestamp", "")
    key = headers.get("x-ncp-iam-access-key", "")
    msg = f"POST {path}\n{ts}\n{key}".encode()
    want = base64.b64encode(hmac.new(STATE.sens_secret.encode(), msg, hashlib.sha256).digest())
    return want.decode() == headers.get("x-ncp-apigw-signature-v2")


def check_solapi(headers):
    if STATE.solapi_secret is None:
        return None
    auth = headers.get("authorization", "")
    if not auth.startswith("HMAC-SHA256 "):
        return False
    parts = dict(p.strip().split("=", 1) for p in auth[len("HMAC-SHA256 "):].split(","))
    msg = (parts.get("date", "") + parts.get("salt", "")).encode()
    want = hmac.new(STATE.solapi_secret.encode(), msg, hashlib.sha256).hexdigest()
    return want == parts.get("signature")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def _reply(self, status, body=b"", headers=None):
        try:
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away (a test killed it)

    def do_GET(self):
        if self.path == "/_control/requests":
            with STATE.lock:
                body = json.dumps(STATE.requests).encode()
            self._reply(200, body, {"Content-Type": "application/json"})
        else:
            self._reply(404)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n) if n else b""
        if self.path == "/_control/script":
            cfg = json.loads(body)
            with STATE.lock:
                STATE.actions = list(cfg.get("actions", []))
                STATE.default = cfg.get("default", {"status": 200})
                STATE.sens_secret = cfg.get("sens_secret")
                STATE.solapi_secret = cfg.get("solapi_secret")
            self._reply(200)
            return
        if self.path == "/_control/clear":
            with STATE.lock:
                STATE.requests = []
                STATE.actions = []
            self._reply(200)
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        with STATE.lock:
            action = STATE.actions.pop(0) if STATE.actions else STATE.default
            key = headers.get("idempotency-key")
            dup = key is not None and any(r["headers"].get("idempotency-key") == key
                                          and r["status"] // 100 == 2 for r in STATE.requests)
            rec = {"path": self.path, "headers": headers,
                   "body": body.decode("utf-8", "replace"), "t": time.monotonic(),
                   "status": 0 if action.get("reset") else action.get("status", 200),
                   "duplicate": dup, "sens_sig_ok": check_sens(headers, self.path),
                   "solapi_sig_ok": check_solapi(headers)}
            STATE.requests.append(rec)
        if action.get("stall"):
            time.sleep(action["stall"])
        if action.get("reset"):
            # SO_LINGER 0: close() sends RST, the client sees a reset
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        extra = {}
        if action.get("retry_after") is not None:
            extra["Retry-After"] = str(action["retry_after"])
        self._reply(action.get("status", 200), action.get("body", "ok").encode(), extra)


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
