#!/usr/bin/env python3
"""A recording KBS stand-in on 127.0.0.1 (plain HTTP) for byte-level checks of coco-kbs's admin requests.

Every request is appended to LOG as one JSON line: method, target (path and query), headers (as received),
body (std base64). Answers:
  --mode trustee: as Trustee's KBS: 200 for /kbs/v0/* admin calls, a bare 404 (no body) for anything else
                  (e.g. /kbs/coco/v1/*), 401 AttestationError with the version-mismatch detail for /kbs/v0/auth.
  --mode coco:    also 200 for /kbs/coco/v1/* with a small JSON (or text) body shaped like coco-kbs serve's.
The chosen port is written to PORTFILE once listening.
"""
import argparse
import base64
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--log", required=True)
parser.add_argument("--port-file", required=True)
parser.add_argument("--mode", choices=["trustee", "coco"], default="trustee")
args = parser.parse_args()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def _record(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        entry = {"method": self.command, "target": self.path,
                 "headers": [[k, v] for k, v in self.headers.items()],
                 "body": base64.b64encode(body).decode()}
        with open(args.log, "a") as f:
            f.write(json.dumps(entry) + "\n")
        return body

    def _send(self, status, body=b"", ctype=None, extra=None):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _answer(self):
        self._record()
        path = self.path.split("?")[0]
        if path == "/healthz":
            return self._send(200, b"ok", "text/plain")
        if path == "/kbs/v0/auth":
            detail = ("Attestation error: RCAR handshake Auth failed: KBS Client Protocol Version Mismatch: "
                      "expect =0.4.0 while the request is 0.0.0")
            err = {"type": "https://github.com/confidential-containers/kbs/errors/AttestationError", "detail": detail}
            return self._send(401, json.dumps(err).encode(), "application/json")
        if path.startswith("/kbs/v0/"):
            if self.command == "GET" and path == "/kbs/v0/resource-policy":
                return self._send(200, b'["resource-policy"]', "application/json")
            if self.command == "GET" and path.startswith("/kbs/v0/reference-value/"):
                return self._send(200, b'["1"]', "application/json")
            return self._send(200)
        if args.mode == "coco" and path.startswith("/kbs/coco/v1/"):
            if path == "/kbs/coco/v1/resources":
                body = [{"path": "default/key/one", "latest_version": 2, "updated_at": 0, "deleted": False}]
            elif path.endswith("/history"):
                body = [{"version": 1, "created_at": 0, "created_by": "admin", "size": 5}]
            elif path.endswith("/rollback"):
                body = {"version": 3}
            elif path == "/kbs/coco/v1/reference-values":
                body = {"svn": ["1"]}
            elif path.startswith("/kbs/coco/v1/resource/") and self.command == "GET":
                return self._send(200, b"value", "application/octet-stream", {"X-Resource-Version": "2"})
            elif "-policy/" in path:
                return self._send(200, b"package policy\n", "text/plain")
            else:
                body = {}
            return self._send(200, json.dumps(body).encode(), "application/json")
        return self._send(404)

    do_GET = _answer
    do_POST = _answer
    do_PUT = _answer
    do_DELETE = _answer


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(args.port_file, "w") as f:
    f.write(str(server.server_address[1]))
try:
    server.serve_forever()
except KeyboardInterrupt:
    pass
sys.exit(0)
