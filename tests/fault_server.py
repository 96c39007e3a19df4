"""A HAND-WRITTEN FAULT SERVER, used for one thing only: making a backend answer
503 or 429 with ``Retry-After`` on demand, which a real OpenTelemetry Collector
cannot be made to do. Every other fault test uses the real Collector (and
toxiproxy for latency).

It sits in front of the real Collector: the first requests get the scripted
refusals, every later one is forwarded unchanged (method, path, headers, body)
to the Collector and its answer passed back, so spans are still counted at the
real receiver.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["FaultServer", "fault_server"]

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}


class FaultServer:
    """Answers ``refusals`` (status, Retry-After) in order, then forwards."""

    def __init__(self, upstream_port: int, refusals: list[tuple[int, str]]) -> None:
        self.refusals = list(refusals)
        self.refused: list[int] = []
        self.forwarded = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with server._lock:
                    refusal = server.refusals.pop(0) if server.refusals else None
                    if refusal is not None:
                        server.refused.append(refusal[0])
                if refusal is not None:
                    status, retry_after = refusal
                    self.send_response(status)
                    self.send_header("Retry-After", retry_after)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=10)
                try:
                    headers = {
                        k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP
                    }
                    upstream.request("POST", self.path, body=body, headers=headers)
                    reply = upstream.getresponse()
                    data = reply.read()
                finally:
                    upstream.close()
                with server._lock:
                    server.forwarded += 1
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.getheader("Content-Type", ""))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def traces_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/traces"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def fault_server(upstream_port: int, refusals: list[tuple[int, str]]) -> Iterator[FaultServer]:
    server = FaultServer(upstream_port, refusals)
    try:
        yield server
    finally:
        server.close()
