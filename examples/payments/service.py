"""A small local service for the example experiment to break and repair.

GET  /health          200 {"status": "ok", "latency_ms": N} — slowed by the fault
POST /fault?ms=N      inject N milliseconds of latency into /health
POST /reset           remove the fault

Run: python service.py --port 8089   (listens on 127.0.0.1 only)
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

_latency_ms = 0
_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if urlparse(self.path).path != "/health":
            self._reply(404, {"error": "not found"})
            return
        with _lock:
            latency = _latency_ms
        time.sleep(latency / 1000)
        self._reply(200, {"status": "ok", "latency_ms": latency})

    def do_POST(self) -> None:
        global _latency_ms
        url = urlparse(self.path)
        if url.path == "/fault":
            ms = int(parse_qs(url.query).get("ms", ["300"])[0])
            with _lock:
                _latency_ms = ms
            self._reply(200, {"fault": "latency", "ms": ms})
        elif url.path == "/reset":
            with _lock:
                _latency_ms = 0
            self._reply(200, {"fault": None})
        else:
            self._reply(404, {"error": "not found"})

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--port-file", help="write the bound port here (for --port 0)")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    if args.port_file:
        with open(args.port_file, "w") as f:
            f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
