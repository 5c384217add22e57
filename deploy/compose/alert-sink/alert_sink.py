"""Prints every webhook notification Alertmanager posts (POST /alerts), one JSON line each, and answers
GET /received with all of them (for compose-smoke)."""
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

received = []


class Sink(BaseHTTPRequestHandler):
    def do_POST(self):
        length = min(int(self.headers.get("Content-Length", "0")), 1 << 20)
        body = json.loads(self.rfile.read(length) or b"{}")
        received.append(body)
        for alert in body.get("alerts", []):
            print(json.dumps({"status": alert.get("status"), "labels": alert.get("labels"),
                              "summary": alert.get("annotations", {}).get("summary")}), flush=True)
        self.send_response(200)
        self.end_headers()

    def do_GET(self):
        payload = json.dumps(received).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("0.0.0.0", 9099), Sink).serve_forever()
