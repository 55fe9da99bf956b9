#!/usr/bin/env python3
"""A registry that cuts the connection in the middle of a layer: serves the image of OCI layout LAYOUT
(first entry of index.json) on 127.0.0.1:PORT over plain HTTP; every blob larger than 4 KiB is announced
whole (Content-Length) but only half is sent before the socket closes. Exits after TIMEOUT seconds."""
import http.server, json, os, sys, threading

layout, port, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
index = json.load(open(os.path.join(layout, "index.json")))
top = index["manifests"][0]

def blob(digest):
    path = os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1])
    return open(path, "rb").read() if os.path.exists(path) else None

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def do_GET(self):
        if self.path == "/v2/":
            return self.reply(200, b"{}", "application/json")
        if "/manifests/" in self.path:
            return self.reply(200, blob(top["digest"]), top["mediaType"])
        if "/blobs/" in self.path:
            data = blob(self.path.rsplit("/", 1)[1])
            if data is None:
                return self.reply(404, b'{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}', "application/json")
            if len(data) > 4096:
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Content-Type", "application/octet-stream")
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
            return self.reply(200, data, "application/octet-stream")
        self.reply(404, b"{}", "application/json")
    def reply(self, code, body, ctype):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", ctype)
        self.end_headers()
        self.wfile.write(body)

server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
threading.Timer(timeout, server.shutdown).start()
server.serve_forever()
