"""The activity span's context, carried into the system under test (HTTP
headers, process environment) and taken from the caller (TRACEPARENT)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from support import Span, chaos_run, with_control

pytestmark = pytest.mark.integration


@contextmanager
def header_recorder() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A loopback HTTP service that records the headers of every request."""
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append({k.lower(): v for k, v in self.headers.items()})
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def http_experiment(url: str, headers: dict[str, str] | None = None) -> dict:
    provider: dict = {"type": "http", "url": f"{url}/work", "timeout": 5}
    if headers:
        provider["headers"] = headers
    return {
        "version": "1.0.0",
        "title": "Calls the system under test",
        "description": "One HTTP action and one process probe.",
        "method": [
            {"type": "action", "name": "call-the-service", "provider": provider},
            {
                "type": "probe",
                "name": "read-my-environment",
                "provider": {"type": "process", "path": "printenv", "arguments": "TRACEPARENT"},
            },
        ],
    }


def named(spans: list[Span], name: str) -> Span:
    [span] = [s for s in spans if s.name == name]
    return span


@pytest.mark.parametrize(
    ("propagation", "expected"),
    [
        ("tracecontext", lambda s: {"traceparent": f"00-{s.trace_id}-{s.span_id}-01"}),
        ("b3", lambda s: {"b3": f"{s.trace_id}-{s.span_id}-1"}),
        (
            "b3multi",
            lambda s: {"x-b3-traceid": s.trace_id, "x-b3-spanid": s.span_id, "x-b3-sampled": "1"},
        ),
        ("jaeger", lambda s: {"uber-trace-id": f"{s.trace_id}:{s.span_id}:0:1"}),
    ],
)
def test_http_activity_carries_its_span_context(tmp_path, propagation, expected):
    with header_recorder() as (url, seen):
        run = chaos_run(with_control(http_experiment(url), {"propagation": propagation}), tmp_path)
    span = named(run.spans(), "activity: call-the-service")
    [received] = seen
    for name, value in expected(span).items():
        assert received[name] == value, (name, received)
    # The experiment in the journal is the user's: no header was added to it.
    provider = run.journal["experiment"]["method"][0]["provider"]
    assert "headers" not in provider
    assert "headers" not in run.journal["run"][0]["activity"]["provider"]


def test_headers_the_user_set_win(tmp_path):
    mine = "00-11111111111111111111111111111111-2222222222222222-01"
    with header_recorder() as (url, seen):
        chaos_run(with_control(http_experiment(url, {"traceparent": mine})), tmp_path)
    assert seen[0]["traceparent"] == mine


def test_legacy_jaeger_header_name_is_honoured(tmp_path):
    with header_recorder() as (url, seen):
        run = chaos_run(
            with_control(http_experiment(url), {"propagation": "jaeger", "id_name": "x-trace-id"}),
            tmp_path,
        )
    span = named(run.spans(), "activity: call-the-service")
    assert seen[0]["x-trace-id"] == f"{span.trace_id}:{span.span_id}:0:1"
    assert "uber-trace-id" not in seen[0]


def test_process_activity_gets_traceparent_in_its_environment(tmp_path):
    with header_recorder() as (url, _):
        run = chaos_run(with_control(http_experiment(url)), tmp_path)
    span = named(run.spans(), "activity: read-my-environment")
    output = run.journal["run"][1]["output"]
    assert output["stdout"].strip() == f"00-{span.trace_id}-{span.span_id}-01"


def test_traceparent_of_the_caller_parents_the_experiment(tmp_path):
    trace_id, parent = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    with header_recorder() as (url, _):
        run = chaos_run(
            with_control(http_experiment(url)),
            tmp_path,
            env={
                "TRACEPARENT": f"00-{trace_id}-{parent}-01",
                "BAGGAGE": "ci.pipeline=nightly",
            },
        )
    spans = run.spans()
    experiment = named(spans, "experiment")
    assert experiment.parent_span_id == parent
    assert {s.trace_id for s in spans} == {trace_id}
    assert experiment.attributes["baggage.ci.pipeline"] == "nightly"


@pytest.mark.parametrize(
    "traceparent",
    ["garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "ff-x-y-z"],
)
def test_malformed_traceparent_is_ignored(tmp_path, traceparent):
    with header_recorder() as (url, _):
        run = chaos_run(
            with_control(http_experiment(url)), tmp_path, env={"TRACEPARENT": traceparent}
        )
    experiment = named(run.spans(), "experiment")
    assert experiment.parent_span_id == ""
    assert run.journal["status"] == "completed"


def test_opentracing_inject_writes_the_configured_headers(tmp_path):
    from support import load_experiment

    run = chaos_run(with_control(load_experiment("apis.json")), tmp_path)
    outputs = {r["activity"]["name"]: r["output"] for r in run.journal["run"]}
    spans = run.spans()
    ot = named(spans, "ot-fg")
    assert outputs["opentracing-foreground"]["headers"]["traceparent"] == (
        f"00-{ot.trace_id}-{ot.span_id}-01"
    )
    assert outputs["opentracing-background"]["had_parent"] is True
