"""Every exporter against a real OpenTelemetry Collector (testbed.backends.Collector),
read back from the Collector's file exporter: OTLP/HTTP, OTLP/gRPC, Jaeger Thrift
compact over UDP, Jaeger Thrift binary over HTTP and Zipkin v2 JSON.

For each path: a real `chaos run` compared span by span with a reference run traced
to the trace file; a known trace compared field by field with what the Python side
sent; and 10,000 spans, every one of which must arrive.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from importlib import metadata
from typing import Any

import pytest
from testbed.backends import HOST, Collector

from chaostracing import _core, _grpc
from exporter_views import (
    KNOWN_KINDS,
    KNOWN_SCOPE,
    assert_consistent,
    assert_same_content,
    assert_same_spans,
    jaeger_view,
    logged_trace,
    micros,
    parse_annotation,
    send_known_trace,
    spans_from_collector,
    timed,
    zipkin_view,
)
from support import Span, chaos_run, load_experiment, with_control

pytestmark = pytest.mark.integration

PATHS = ["otlp-http", "otlp-grpc", "jaeger-udp", "jaeger-http", "zipkin"]
RUN_SCOPE = {
    "otel.scope.name": "chaostracing",
    "otel.scope.version": metadata.version("chaostoolkit-opentracing"),
}


@pytest.fixture(scope="module")
def collector(tmp_path_factory) -> Iterator[Collector]:
    with Collector(tmp_path_factory.mktemp("collector")) as col:
        yield col


@pytest.fixture(scope="module")
def reference(tmp_path_factory, service_url) -> list[Span]:
    """The same experiment traced to the trace file: our own side of the truth."""
    experiment = with_control(load_experiment("full.json", service_url=service_url))
    run = chaos_run(experiment, tmp_path_factory.mktemp("reference"))
    spans = run.spans()
    assert spans and spans[0].trace_id
    return spans


def control_arguments(path: str, col: Collector) -> dict[str, Any]:
    return {
        "otlp-http": {"provider": "otlp", "host": HOST, "port": col.otlp_http_port},
        "otlp-grpc": {
            "provider": "otlp",
            "protocol": "grpc",
            "host": HOST,
            "port": col.otlp_grpc_port,
        },
        "jaeger-udp": {"provider": "jaeger", "host": HOST, "port": col.jaeger_compact_udp_port},
        "jaeger-http": {"provider": "jaeger", "endpoint": col.jaeger_thrift_http_url},
        "zipkin": {"provider": "zipkin", "endpoint": col.zipkin_spans_url},
    }[path]


def destination(path: str, col: Collector) -> str:
    return {
        "otlp-http": col.otlp_traces_url,
        "otlp-grpc": f"http://{col.otlp_grpc_endpoint}",
        "jaeger-udp": f"udp://{HOST}:{col.jaeger_compact_udp_port}",
        "jaeger-http": col.jaeger_thrift_http_url,
        "zipkin": col.zipkin_spans_url,
    }[path]


def make_exporter(path: str, col: Collector) -> _core.Exporter:
    if path == "otlp-http":
        return _core.otlp_http_exporter(endpoint=col.otlp_traces_url)
    if path == "otlp-grpc":
        return _grpc.otlp_grpc_exporter(endpoint=f"http://{col.otlp_grpc_endpoint}")
    if path == "jaeger-udp":
        return _core.jaeger_udp_exporter(host=HOST, port=col.jaeger_compact_udp_port)
    if path == "jaeger-http":
        return _core.jaeger_http_exporter(endpoint=col.jaeger_thrift_http_url)
    return _core.zipkin_exporter(endpoint=col.zipkin_spans_url)


def wait_for_trace(col: Collector, trace_id: str, count: int, timeout: float = 20) -> None:
    """Until the Collector's file holds `count` spans of the trace (raw JSON count)."""
    deadline = time.monotonic() + timeout
    got = 0
    while time.monotonic() < deadline:
        got = sum(1 for s in col.received_spans() if s["traceId"] == trace_id)
        if got >= count:
            return
        time.sleep(0.1)  # polling a condition against a deadline
    raise AssertionError(f"{got} of {count} spans of trace {trace_id} reached the Collector")


def from_zipkin_receiver(span: Span) -> Span:
    """The Collector's zipkin receiver keeps the error tag as an attribute and an
    annotation as the event name: read them as the OTel-to-Zipkin mapping wrote them."""
    attributes = dict(span.attributes)
    message = attributes.pop("error", "")
    events = []
    for event in span.events:
        name, event_attributes = parse_annotation(event["name"])
        assert not event["attributes"]
        events.append({"name": name, "time": event["time"], "attributes": event_attributes})
    return replace(span, attributes=attributes, status_message=message, events=events)


def received(col: Collector, path: str, trace_id: str) -> list[Span]:
    spans = spans_from_collector(col.received_traces_data(), trace_id)
    return [from_zipkin_receiver(s) for s in spans] if path == "zipkin" else spans


def expected_view(path: str, span: Span, scope: dict[str, str]) -> Span:
    if path.startswith("otlp"):
        return span
    if path.startswith("jaeger"):
        return micros(jaeger_view(span, scope))
    # The Collector's zipkin receiver turns otel.scope.* back into the scope, and
    # reads otel.status_code=OK (the mapping's spelling) as unset; Zipkin itself
    # keeps the tag (test_exporters_zipkin).
    view = micros(zipkin_view(span, {}))
    return replace(view, status_code=0) if view.status_code == 1 else view


def raw_kinds(col: Collector, trace_id: str) -> dict[str, int]:
    return {
        s["spanId"]: int(s.get("kind", 0)) for s in col.received_spans() if s["traceId"] == trace_id
    }


@pytest.mark.parametrize("path", PATHS)
def test_a_real_chaos_run_arrives_whole(tmp_path, service_url, collector, reference, path):
    experiment = with_control(
        load_experiment("full.json", service_url=service_url),
        control_arguments(path, collector),
    )
    run, window = timed(lambda: chaos_run(experiment, tmp_path))
    trace_id, count, where = logged_trace(run.log)
    assert count == len(reference)
    assert where == destination(path, collector)
    assert "could not be delivered" not in run.log
    assert not run.trace_file.exists()

    wait_for_trace(collector, trace_id, count)
    spans = received(collector, path, trace_id)
    assert len(spans) == count
    precision = 1 if path.startswith("otlp") else 1000
    assert_consistent(spans, window, precision)
    assert_same_content(spans, [expected_view(path, s, RUN_SCOPE) for s in reference])


@pytest.mark.parametrize("path", PATHS)
def test_a_known_trace_arrives_field_by_field(collector, path):
    truth = send_known_trace(make_exporter(path, collector))
    trace_id = truth[0].trace_id
    wait_for_trace(collector, trace_id, len(truth))
    expected = [expected_view(path, s, KNOWN_SCOPE) for s in truth]
    assert_same_spans(received(collector, path, trace_id), expected)

    kinds = raw_kinds(collector, trace_id)
    for span in truth:
        kind = KNOWN_KINDS[span.name]
        if not path.startswith("otlp") and kind == 1:
            # OTel to Jaeger and to Zipkin: internal spans carry no kind, which
            # the Collector reads back as unspecified.
            kind = 0
        assert kinds[span.span_id] == kind, span.name


SPANS = 10_000


@pytest.mark.parametrize("path", PATHS)
def test_ten_thousand_spans_all_arrive(collector, path):
    pipeline = _core.Pipeline(
        make_exporter(path, collector),
        resource={"service.name": "bulk"},
        max_queue_size=SPANS,
    )
    started = time.monotonic()
    root = pipeline.start_span("bulk root")
    sent = {root.span_id_hex}
    for i in range(SPANS - 1):
        span = pipeline.start_span("bulk child", parent=root, attributes={"i": i, "pad": "x" * 50})
        span.end()
        sent.add(span.span_id_hex)
    root.end()
    assert pipeline.shutdown(60_000), pipeline.last_error()
    stats = pipeline.stats()
    assert (stats["queued"], stats["exported"], stats["failed"], stats["dropped"]) == (
        SPANS,
        SPANS,
        0,
        0,
    )
    wait_for_trace(collector, root.trace_id_hex, SPANS, timeout=60)
    arrived = {s["spanId"] for s in collector.received_spans() if s["traceId"] == root.trace_id_hex}
    assert arrived == sent
    print(f"{path}: {SPANS} spans sent and received in {time.monotonic() - started:.2f} s")
