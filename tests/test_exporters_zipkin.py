"""The Zipkin exporter: its v2 JSON as captured on the wire, and what a real Zipkin
server (testbed.backends.Zipkin) accepts and gives back from /api/v2/trace/{id}."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from importlib import metadata

import pytest
from testbed.backends import HOST, Zipkin

from chaostracing import _core
from exporter_views import (
    KNOWN_KINDS,
    KNOWN_SCOPE,
    HttpSink,
    assert_consistent,
    assert_same_content,
    assert_same_spans,
    logged_trace,
    micros,
    send_known_trace,
    spans_from_zipkin,
    timed,
    zipkin_view,
)
from support import Span, chaos_run, load_experiment, with_control

ZIPKIN_KINDS = {2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER"}
RUN_SCOPE = {
    "otel.scope.name": "chaostracing",
    "otel.scope.version": metadata.version("chaostoolkit-opentracing"),
}


@pytest.fixture
def http_sink() -> Iterator[HttpSink]:
    sink = HttpSink()
    yield sink
    sink.close()


def test_the_body_is_a_zipkin_v2_json_array(http_sink):
    truth = send_known_trace(_core.zipkin_exporter(endpoint=f"{http_sink.url}/api/v2/spans"))
    [(path, headers, body)] = http_sink.requests
    assert path == "/api/v2/spans"
    assert headers["Content-Type"] == "application/json"
    spans = json.loads(body)
    assert isinstance(spans, list) and len(spans) == len(truth)
    for span in spans:
        assert re.fullmatch(r"[0-9a-f]{32}", span["traceId"])
        assert re.fullmatch(r"[0-9a-f]{16}", span["id"])
        assert isinstance(span["timestamp"], int) and isinstance(span["duration"], int)
        assert span["duration"] >= 1
        assert span["localEndpoint"] == {"serviceName": "exporter-tests"}
        assert all(isinstance(v, str) for v in span["tags"].values())
        assert span.get("kind") == ZIPKIN_KINDS.get(KNOWN_KINDS[span["name"]])
        assert ("parentId" in span) == (span["name"] != "known root")
    assert_same_spans(
        spans_from_zipkin(spans), [micros(zipkin_view(s, KNOWN_SCOPE)) for s in truth]
    )


def test_gzip_sends_the_same_json_compressed(http_sink):
    send_known_trace(
        _core.zipkin_exporter(endpoint=f"{http_sink.url}/api/v2/spans", compression="gzip")
    )
    [(_path, headers, body)] = http_sink.requests
    assert headers["Content-Encoding"] == "gzip"
    spans = json.loads(gzip.decompress(body))
    assert len(spans) == len(KNOWN_KINDS)


# ------------------------------------------------------- a real Zipkin --


@pytest.fixture(scope="module")
def zipkin(tmp_path_factory) -> Iterator[Zipkin]:
    with Zipkin(tmp_path_factory.mktemp("zipkin")) as backend:
        yield backend


@pytest.fixture(scope="module")
def reference(tmp_path_factory, service_url) -> list[Span]:
    experiment = with_control(load_experiment("full.json", service_url=service_url))
    return chaos_run(experiment, tmp_path_factory.mktemp("reference")).spans()


@pytest.mark.integration
def test_a_real_chaos_run_is_readable_in_zipkin(tmp_path, service_url, zipkin, reference):
    experiment = with_control(
        load_experiment("full.json", service_url=service_url),
        {"provider": "zipkin", "host": HOST, "port": zipkin.port},
    )
    run, window = timed(lambda: chaos_run(experiment, tmp_path))
    trace_id, count, where = logged_trace(run.log)
    assert where == zipkin.spans_url
    assert "could not be delivered" not in run.log
    spans = spans_from_zipkin(zipkin.wait_for_trace(trace_id, count, timeout=20))
    assert len(spans) == count == len(reference)
    assert_consistent(spans, window, precision_ns=1000)
    assert_same_content(spans, [zipkin_view(s, RUN_SCOPE) for s in reference])


@pytest.mark.integration
@pytest.mark.parametrize("compression", ["none", "gzip"])
def test_a_known_trace_is_readable_field_by_field(zipkin, compression):
    truth = send_known_trace(
        _core.zipkin_exporter(endpoint=zipkin.spans_url, compression=compression)
    )
    spans = zipkin.wait_for_trace(truth[0].trace_id, len(truth), timeout=20)
    assert_same_spans(
        spans_from_zipkin(spans), [micros(zipkin_view(s, KNOWN_SCOPE)) for s in truth]
    )
    assert {s["name"]: s.get("kind") for s in spans} == {
        name: ZIPKIN_KINDS.get(kind) for name, kind in KNOWN_KINDS.items()
    }
