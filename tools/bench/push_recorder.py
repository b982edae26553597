#!/usr/bin/env python3
"""Records the bodies `crackmon sync` pushes, so that curl can send the very same batches to
the real server in the push benchmark (push.sh). Answers each POST /v1/push as the server
would (every entry acknowledged) and writes its body to DIR/NNNNNN.json; answers every
other request with 404, so a sync run against it pushes and stops. Not a test double: it
never stands in for the server in a test, and nothing is measured against it.

    python3 tools/bench/push_recorder.py DIR PORT
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

folder, port = sys.argv[1], int(sys.argv[2])
os.makedirs(folder, exist_ok=True)
count = 0


class Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        global count
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path != "/v1/push":
            return self.reply(404, {"error": {"message": "recorder: push only"}})
        count += 1
        with open(os.path.join(folder, f"{count:06d}.json"), "wb") as f:
            f.write(body)
        entries = json.loads(body)["entries"]
        self.reply(200, {"ackedSeq": max(e["seq"] for e in entries), "applied": len(entries), "duplicates": 0})

    def do_GET(self):
        self.reply(404, {"error": {"message": "recorder: push only"}})

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", port), Recorder).serve_forever()
