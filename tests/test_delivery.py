"""Delivery guarantees through the binding and chaostracing.delivery: spooling,
replay, rejection, the settings, and a multi-threaded stress test (also run
under ASan by scripts/test.sh)."""

from __future__ import annotations

import logging
import os
import stat
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)

from chaostracing import _core, delivery
from support import closed_port, otlp_receiver, spans_of, spool_for


def unreachable(timeout_ms: int = 1000) -> _core.Exporter:
    return _core.otlp_http_exporter(
        endpoint=f"http://127.0.0.1:{closed_port()}/v1/traces", timeout_ms=timeout_ms
    )


def end_spans(pipeline: _core.Pipeline, count: int) -> set[str]:
    ids = set()
    for i in range(count):
        span = pipeline.start_span(f"span {i}")
        ids.add(f"{span.span_id:016x}")
        span.end()
    return ids


def spooled_span_ids(spool: _core.Spool) -> set[str]:
    ids = set()
    for record in spool.pending():
        request = ExportTraceServiceRequest.FromString(record["payload"])
        ids.update(s.span_id for s in spans_of(request))
    return ids


def test_undeliverable_spans_are_spooled_as_otlp_protobuf_with_their_ids(spool_dir):
    spool = _core.Spool(str(spool_dir))
    pipeline = _core.Pipeline(unreachable(), export_timeout_ms=1000, spool=spool)
    ids = end_spans(pipeline, 7)
    assert pipeline.shutdown(timeout_ms=5000)
    stats = pipeline.stats()
    assert (stats["spooled"], stats["dropped"], stats["exported"]) == (7, 0, 0)
    # The reference decoder reads the records: the ids are the spans' own.
    assert spooled_span_ids(spool) == ids
    [record] = spool.pending()
    assert record["destination"] == pipeline.describe()
    assert stat.S_IMODE(os.stat(spool_dir).st_mode) == 0o700
    for name in os.listdir(spool_dir):
        if name.endswith(".seg"):
            assert stat.S_IMODE(os.stat(spool_dir / name).st_mode) == 0o600


def test_replay_delivers_everything_then_the_spool_is_empty(spool_dir):
    with otlp_receiver() as receiver:
        endpoint = f"http://127.0.0.1:{receiver.port}/v1/traces"
        # Spooled "for" the receiver's endpoint by a run during an outage, gone since:
        # its segment can be replayed.
        request_ids = spool_for(spool_dir, endpoint, batches=3)
        seen: list[tuple[int, int]] = []
        result = delivery.replay(spool_dir, progress=lambda r, s: seen.append((r, s)))
        assert {s.span_id for s in receiver.spans()} == request_ids
    assert (result.records_delivered, result.spans_delivered, result.spans_pending) == (3, 3, 0)
    assert result.errors == []
    assert seen == [(1, 1), (2, 2), (3, 3)]
    assert _core.Spool(str(spool_dir)).stats()["records"] == 0


def test_replay_to_a_backend_still_down_keeps_the_records(spool_dir):
    spool = _core.Spool(str(spool_dir))
    pipeline = _core.Pipeline(unreachable(), export_timeout_ms=1000, spool=spool)
    end_spans(pipeline, 3)
    pipeline.shutdown(timeout_ms=5000)
    del pipeline, spool
    result = delivery.replay(spool_dir, environ={"OTEL_EXPORTER_OTLP_TIMEOUT": "500"})
    assert result.spans_delivered == 0
    assert result.spans_pending == 3
    [error] = result.errors
    assert "Couldn't connect" in error or "timed out" in error


class _Refusing(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(400)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_4xx_is_dropped_not_spooled_with_one_line_saying_why(spool_dir, caplog):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        exporter = _core.otlp_http_exporter(
            endpoint=f"http://127.0.0.1:{server.server_address[1]}/v1/traces",
            headers=[("x-api-key", "s3cr3t-value")],
        )
        pipeline = _core.Pipeline(exporter, spool=_core.Spool(str(spool_dir)))
        end_spans(pipeline, 4)
        delivered = pipeline.shutdown(timeout_ms=5000)
    finally:
        server.shutdown()
        server.server_close()
    stats = pipeline.stats()
    assert (stats["dropped"], stats["rejected"], stats["spooled"]) == (4, 4, 0)
    with caplog.at_level(logging.INFO, logger="chaostoolkit"):
        delivery.report(pipeline, delivered)
    [line] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "4 spans dropped (4 refused by the backend: HTTP 400 from" in line
    assert "s3cr3t-value" not in caplog.text


def test_settings_are_read_from_the_environment_and_bad_values_reported():
    resolved = delivery.settings(
        {
            "CHAOSTRACING_SPOOL_DIR": "/x/spool",
            "OTEL_BSP_MAX_QUEUE_SIZE": "10",
            "CHAOSTRACING_MAX_QUEUE_BYTES": "lots",
            "CHAOSTRACING_FLUSH_TIMEOUT_MS": "2500",
        }
    )
    assert resolved.spool_dir == "/x/spool"
    assert resolved.max_queue_size == 10
    assert resolved.max_queue_bytes == 32 << 20
    assert resolved.flush_timeout_ms == 2500
    assert resolved.errors == (
        "CHAOSTRACING_MAX_QUEUE_BYTES='lots' is not valid; accepted: a positive whole number",
    )
    assert delivery.settings({"CHAOSTRACING_SPOOL_DIR": "off"}).spool_dir is None
    assert delivery.default_spool_dir({"XDG_CACHE_HOME": "/c"}) == "/c/chaostracing/spool"
    assert delivery.exit_timeout_ms(10000, {}) == 10000
    assert delivery.exit_timeout_ms(10000, {"CHAOSTRACING_FLUSH_TIMEOUT_MS": "300"}) == 300


def test_a_spool_directory_that_cannot_be_made_is_one_warning_and_no_spool(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with caplog.at_level(logging.WARNING, logger="chaostoolkit"):
        options = delivery.pipeline_options(
            "otlp", {"CHAOSTRACING_SPOOL_DIR": str(blocker / "spool")}
        )
    assert options["spool"] is None
    [line] = [r.getMessage() for r in caplog.records]
    assert "cannot use the spool" in line


@pytest.mark.parametrize("backend", ["down", "up"])
def test_many_threads_ending_spans_while_export_runs_lose_nothing(spool_dir, backend):
    """Stress: 8 threads x 400 spans, small caps (overflow), a failing or working
    backend; every span is exported, spooled or dropped exactly once."""
    threads_count, per_thread = 8, 400
    total = threads_count * per_thread
    with otlp_receiver() as receiver:
        exporter = (
            unreachable(500)
            if backend == "down"
            else _core.otlp_http_exporter(endpoint=f"http://127.0.0.1:{receiver.port}/v1/traces")
        )
        spool = _core.Spool(str(spool_dir))
        pipeline = _core.Pipeline(
            exporter,
            max_queue_size=64,
            max_export_batch_size=32,
            schedule_delay_ms=1,
            export_timeout_ms=2000,
            spool=spool,
        )
        ids: list[set[str]] = [set() for _ in range(threads_count)]
        start = threading.Barrier(threads_count)

        def produce(index: int) -> None:
            start.wait()
            for i in range(per_thread):
                span = pipeline.start_span(f"t{index} s{i}", attributes={"i": i, "x": "y" * 64})
                ids[index].add(f"{span.span_id:016x}")
                span.end()
                if i % 100 == 0:
                    pipeline.force_flush(timeout_ms=0)

        workers = [threading.Thread(target=produce, args=(t,)) for t in range(threads_count)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert pipeline.shutdown(timeout_ms=30000)
        stats = pipeline.stats()
        received = {s.span_id for s in receiver.spans()}
    all_ids = set().union(*ids)
    assert len(all_ids) == total
    assert stats["queued"] + stats["dropped"] == total
    assert stats["exported"] + stats["spooled"] + stats["dropped"] == total
    assert stats["dropped"] == 0 or stats["spooled"] > 0  # overflow goes to the spool first
    spooled = spooled_span_ids(spool)
    # Spooled spans are still there, or were sent from the spool once the backend answered.
    assert len(spooled) + stats["replayed"] == stats["spooled"]
    assert received | spooled <= all_ids
    if backend == "up":
        assert len(received) == stats["exported"] + stats["replayed"]
