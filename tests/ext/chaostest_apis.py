"""An extension that uses the tracing APIs other extensions use, from inside
its activities: the OpenTelemetry API and the OpenTracing API."""

from __future__ import annotations

import time

import opentracing
from opentelemetry import trace


def otel_work(name: str = "otel-work") -> dict[str, str]:
    """A child span through the OpenTelemetry API; what it saw as current."""
    current = trace.get_current_span().get_span_context()
    tracer = trace.get_tracer("chaostest.extension")
    with tracer.start_as_current_span(name, attributes={"extension.step": 1}) as span:
        inner = trace.get_current_span().get_span_context()
        time.sleep(0.01)
        span.add_event("done", {"items": 3})
    return {
        "current_span_id": f"{current.span_id:016x}",
        "own_span_id": f"{inner.span_id:016x}",
    }


def opentracing_work(name: str = "ot-work") -> dict[str, object]:
    """The OpenTracing calls the existing extension's README shows."""
    tracer = opentracing.global_tracer()
    scope = tracer.scope_manager.active
    parent = scope.span if scope is not None else None
    span = tracer.start_span(name, child_of=parent)
    span.set_tag("extension.kind", "opentracing")
    span.log_kv({"event": "step", "detail": "half way"})
    headers: dict[str, str] = {}
    tracer.inject(span, "http_headers", headers)
    span.finish()
    with tracer.start_active_span(name + "-active") as active:
        active.span.set_tag("nested", True)
    return {"headers": headers, "had_parent": parent is not None}


def otel_probe(name: str = "otel-probe") -> bool:
    """otel_work as a probe with a boolean tolerance."""
    otel_work(name)
    return True


def httpx_get(url: str) -> int:
    """An HTTP call through httpx (traced when trace_httpx is on)."""
    import httpx

    return httpx.get(url, timeout=5).status_code
