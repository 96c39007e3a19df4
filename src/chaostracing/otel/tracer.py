"""An OpenTelemetry API ``TracerProvider`` and ``Tracer`` over the C++ core.

Set as the global provider while a run is traced, so ``trace.get_tracer(...)``
in any extension, and every OpenTelemetry instrumentation, make spans of this
run. A span started without an explicit parent takes the current span of the
OpenTelemetry context, which the lifecycle sets to the activity running in that
thread — background activities and the continuous hypothesis included.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as context_api
from opentelemetry import trace as trace_api
from opentelemetry.util import types

from chaostracing import runtime
from chaostracing.otel.span import Span, clean_value, core_kind

__all__ = ["Tracer", "TracerProvider"]


class Tracer(trace_api.Tracer):
    """Makes spans of whichever run is in progress when a span starts.

    Instrumentations take their tracer once, when they are installed; the run
    is looked up at each span so that such tracers keep working.
    """

    def __init__(self, scope_name: str) -> None:
        self._scope = scope_name

    def start_span(
        self,
        name: str,
        context: context_api.Context | None = None,
        kind: trace_api.SpanKind = trace_api.SpanKind.INTERNAL,
        attributes: types.Attributes = None,
        links: Any = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
    ) -> trace_api.Span:
        run = runtime.active()
        if run is None:
            return trace_api.INVALID_SPAN
        redactor = run.content.redactor
        parent = trace_api.get_current_span(context)
        cleaned: dict[str, object] = {}
        for key, value in (attributes or {}).items():
            v = clean_value(value, redactor)
            if v is not None:
                cleaned[key] = v
        if self._scope:
            cleaned.setdefault("otel.scope.name", self._scope)
        pipeline = run.pipeline
        if isinstance(parent, Span):
            core = pipeline.start_span(
                redactor.text(name),
                parent=parent.core,
                kind=core_kind(kind),
                start_time_ns=start_time or 0,
                attributes=cleaned,
            )
        else:
            remote = parent.get_span_context()
            if remote.is_valid:
                core = pipeline.start_span(
                    redactor.text(name),
                    trace_id=remote.trace_id.to_bytes(16, "big"),
                    parent_span_id=remote.span_id,
                    trace_state=remote.trace_state.to_header(),
                    kind=core_kind(kind),
                    start_time_ns=start_time or 0,
                    attributes=cleaned,
                )
            else:
                fallback = run.current_span()
                core = pipeline.start_span(
                    redactor.text(name),
                    parent=fallback,
                    kind=core_kind(kind),
                    start_time_ns=start_time or 0,
                    attributes=cleaned,
                )
        span = Span(core, redactor)
        for link in links or ():
            span.add_link(link.context, link.attributes)
        return span

    @contextmanager
    def start_as_current_span(  # type: ignore[override]
        self,
        name: str,
        context: context_api.Context | None = None,
        kind: trace_api.SpanKind = trace_api.SpanKind.INTERNAL,
        attributes: types.Attributes = None,
        links: Any = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
        end_on_exit: bool = True,
    ) -> Iterator[trace_api.Span]:
        span = self.start_span(
            name,
            context,
            kind,
            attributes,
            links,
            start_time,
            record_exception,
            set_status_on_exception,
        )
        with trace_api.use_span(
            span,
            end_on_exit=end_on_exit,
            record_exception=record_exception,
            set_status_on_exception=set_status_on_exception,
        ) as current:
            yield current


class TracerProvider(trace_api.TracerProvider):
    """Hands out tracers of the run in progress (no-op ones between runs)."""

    def get_tracer(
        self,
        instrumenting_module_name: str,
        instrumenting_library_version: str | None = None,
        schema_url: str | None = None,
        attributes: types.Attributes = None,
    ) -> trace_api.Tracer:
        return Tracer(instrumenting_module_name)

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        run = runtime.active()
        return run is None or bool(run.pipeline.force_flush(timeout_millis))

    def shutdown(self) -> None:
        # The run's end shuts the pipeline down; others must not cut it short.
        return None
