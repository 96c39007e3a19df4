"""Round-trip check of the test bed: install, start, send one span, read it back.

    python3 testbed/selftest.py [collector] [jaeger] [zipkin]   (default: all)

Exits non-zero on the first failure. Work directories go under a temporary
folder (kept and printed on failure).
"""

from __future__ import annotations

import json
import secrets
import shutil
import socket
import struct
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from testbed.backends import (
    HOST,
    Collector,
    Jaeger,
    Zipkin,
    ensure_installed,
    http_request,
)


def otlp_json_request(trace_id: str, span_id: str, service: str) -> bytes:
    now = time.time_ns()
    return json.dumps(
        {
            "resourceSpans": [
                {
                    "resource": {
                        "attributes": [{"key": "service.name", "value": {"stringValue": service}}]
                    },
                    "scopeSpans": [
                        {
                            "scope": {"name": "testbed.selftest"},
                            "spans": [
                                {
                                    "traceId": trace_id,
                                    "spanId": span_id,
                                    "name": "selftest-span",
                                    "kind": 1,
                                    "startTimeUnixNano": str(now - 5_000_000),
                                    "endTimeUnixNano": str(now),
                                    "attributes": [{"key": "k", "value": {"stringValue": "v"}}],
                                }
                            ],
                        }
                    ],
                }
            ]
        }
    ).encode()


def zipkin_v2_json(trace_id: str, span_id: str, service: str) -> bytes:
    now_us = time.time_ns() // 1000
    return json.dumps(
        [
            {
                "traceId": trace_id,
                "id": span_id,
                "name": "selftest-span",
                "timestamp": now_us - 5000,
                "duration": 5000,
                "localEndpoint": {"serviceName": service},
                "tags": {"k": "v"},
            }
        ]
    ).encode()


# -- minimal Jaeger Thrift encoders (jaeger-idl jaeger.thrift / agent.thrift) --
# A value is (thrift type name, payload); a struct is a list of (field id, value).

Value = tuple[str, Any]


def _zigzag_varint(n: int, bits: int) -> bytes:
    return _varint((n << 1) ^ (n >> (bits - 1)))


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        if n < 0x80:
            out.append(n)
            return bytes(out)
        out.append((n & 0x7F) | 0x80)
        n >>= 7


_COMPACT = {"i32": 5, "i64": 6, "string": 8, "list": 9, "struct": 12}
_BINARY = {"i32": 8, "i64": 10, "string": 11, "list": 15, "struct": 12}


def _compact(value: Value) -> bytes:
    kind, v = value
    if kind == "i32":
        return _zigzag_varint(v, 32)
    if kind == "i64":
        return _zigzag_varint(v, 64)
    if kind == "string":
        raw: bytes = v.encode()
        return _varint(len(raw)) + raw
    if kind == "list":
        elem, items = v
        assert len(items) < 15
        return bytes([(len(items) << 4) | _COMPACT[elem]]) + b"".join(
            _compact((elem, i)) for i in items
        )
    out, last = bytearray(), 0
    for fid, fval in v:  # struct
        assert 0 < fid - last <= 15
        out.append(((fid - last) << 4) | _COMPACT[fval[0]])
        out += _compact(fval)
        last = fid
    return bytes(out) + b"\x00"


def _binary(value: Value) -> bytes:
    kind, v = value
    if kind == "i32":
        return struct.pack(">i", v)
    if kind == "i64":
        return struct.pack(">q", v)
    if kind == "string":
        raw: bytes = v.encode()
        return struct.pack(">i", len(raw)) + raw
    if kind == "list":
        elem, items = v
        return struct.pack(">bi", _BINARY[elem], len(items)) + b"".join(
            _binary((elem, i)) for i in items
        )
    return b"".join(struct.pack(">bh", _BINARY[f[0]], fid) + _binary(f) for fid, f in v) + b"\x00"


def _signed64(hex16: str) -> int:
    return struct.unpack(">q", bytes.fromhex(hex16))[0]  # type: ignore[no-any-return]


def jaeger_batch(trace_id: str, span_id: str, service: str) -> Value:
    now_us = time.time_ns() // 1000
    span = [
        (1, ("i64", _signed64(trace_id[16:]))),  # traceIdLow
        (2, ("i64", _signed64(trace_id[:16]))),  # traceIdHigh
        (3, ("i64", _signed64(span_id))),
        (4, ("i64", 0)),  # parentSpanId
        (5, ("string", "selftest-span")),
        (7, ("i32", 1)),  # flags: sampled
        (8, ("i64", now_us - 5000)),
        (9, ("i64", 5000)),
    ]
    process = [(1, ("string", service))]
    return ("struct", [(1, ("struct", process)), (2, ("list", ("struct", [span])))])


def jaeger_compact_emit_batch(batch: Value) -> bytes:
    """Agent.emitBatch as a oneway compact-protocol message (one UDP datagram)."""
    name = b"emitBatch"
    header = bytes([0x82, 0x81]) + _varint(1) + _varint(len(name)) + name
    return header + _compact(("struct", [(1, batch)]))


def jaeger_binary_emit_batch(batch: Value) -> bytes:
    """Agent.emitBatch as a oneway binary-protocol message (one UDP datagram)."""
    name = b"emitBatch"
    header = struct.pack(">Ii", 0x80010004, len(name)) + name + struct.pack(">i", 1)
    return header + _binary(("struct", [(1, batch)]))


def send_udp(port: int, payload: bytes) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(payload, (HOST, port))


def post(url: str, body: bytes) -> None:
    status, reply = http_request("POST", url, body, {"Content-Type": "application/json"})
    if not 200 <= status < 300:
        raise AssertionError(f"POST {url} -> {status}: {reply[:300]!r}")


def ids() -> tuple[str, str]:
    return secrets.token_hex(16), secrets.token_hex(8)


def check_collector(workdir: Path) -> None:
    with Collector(workdir) as col:
        print(f"  collector pid {col.pid}, ports {col.ports}")
        sent: dict[str, tuple[str, str]] = {}
        sent["otlp_http"] = ids()
        post(col.otlp_traces_url, otlp_json_request(*sent["otlp_http"], "selftest-otlp"))
        sent["zipkin"] = ids()
        post(col.zipkin_spans_url, zipkin_v2_json(*sent["zipkin"], "selftest-zipkin"))
        sent["jaeger_thrift_http"] = ids()
        status, reply = http_request(
            "POST",
            col.jaeger_thrift_http_url,
            _binary(jaeger_batch(*sent["jaeger_thrift_http"], "selftest-thrift-http")),
            {"Content-Type": "application/x-thrift"},
        )
        assert 200 <= status < 300, (status, reply)
        sent["jaeger_compact_udp"] = ids()
        send_udp(
            col.jaeger_compact_udp_port,
            jaeger_compact_emit_batch(
                jaeger_batch(*sent["jaeger_compact_udp"], "selftest-compact")
            ),
        )
        sent["jaeger_binary_udp"] = ids()
        send_udp(
            col.jaeger_binary_udp_port,
            jaeger_binary_emit_batch(jaeger_batch(*sent["jaeger_binary_udp"], "selftest-binary")),
        )
        spans = col.wait_for_spans(len(sent), timeout=10)
        got = {(s["traceId"], s["spanId"]) for s in spans}
        for via, pair in sent.items():
            assert pair in got, f"span sent via {via} missing from {got}"
        print(f"  collector: {len(spans)} spans in {col.spans_file} (via {', '.join(sent)})")


def check_jaeger(workdir: Path) -> None:
    with Jaeger(workdir) as jg:
        print(f"  jaeger ({jg.binary.name}) pid {jg.pid}, ports {jg.ports}")
        sent: dict[str, tuple[str, str]] = {}
        sent["otlp_http"] = ids()
        post(jg.otlp_traces_url, otlp_json_request(*sent["otlp_http"], "selftest-otlp"))
        sent["zipkin"] = ids()
        post(jg.zipkin_spans_url, zipkin_v2_json(*sent["zipkin"], "selftest-zipkin"))
        sent["jaeger_thrift_http"] = ids()
        status, reply = http_request(
            "POST",
            jg.jaeger_thrift_http_url,
            _binary(jaeger_batch(*sent["jaeger_thrift_http"], "selftest-thrift-http")),
            {"Content-Type": "application/x-thrift"},
        )
        assert 200 <= status < 300, (status, reply)
        sent["jaeger_compact_udp"] = ids()
        send_udp(
            jg.jaeger_compact_udp_port,
            jaeger_compact_emit_batch(
                jaeger_batch(*sent["jaeger_compact_udp"], "selftest-compact")
            ),
        )
        sent["jaeger_binary_udp"] = ids()
        send_udp(
            jg.jaeger_binary_udp_port,
            jaeger_binary_emit_batch(jaeger_batch(*sent["jaeger_binary_udp"], "selftest-binary")),
        )
        for via, (trace_id, span_id) in sent.items():
            trace = jg.wait_for_trace(trace_id, timeout=15)
            span = trace["spans"][0]
            assert span["spanID"] == span_id, (via, span)
            assert span["operationName"] == "selftest-span", (via, span)
        print(f"  jaeger: {len(sent)} traces read back from {jg.query_url} (via {', '.join(sent)})")


def check_zipkin(workdir: Path) -> None:
    with Zipkin(workdir) as zk:
        print(f"  zipkin pid {zk.pid}, port {zk.port}")
        t1, s1 = ids()
        post(zk.spans_url, zipkin_v2_json(t1, s1, "selftest-zipkin"))
        spans = zk.wait_for_trace(t1, timeout=10)
        assert spans[0]["id"] == s1, spans
        print(f"  zipkin: trace {t1} read back from {zk.base_url}")


CHECKS = {"collector": check_collector, "jaeger": check_jaeger, "zipkin": check_zipkin}


def main(argv: list[str]) -> int:
    names = argv or list(CHECKS)
    root = Path(tempfile.mkdtemp(prefix="chaostracing-testbed-"))
    for name in names:
        t0 = time.monotonic()
        binary = ensure_installed(name)
        t1 = time.monotonic()
        print(f"{name}: {binary} (ensure_installed {t1 - t0:.1f} s)")
        try:
            CHECKS[name](root / name)
        except Exception:
            print(f"{name}: FAILED; work directory kept: {root / name}")
            raise
        print(f"{name}: OK (start + round trip + stop {time.monotonic() - t1:.1f} s)")
    shutil.rmtree(root)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
