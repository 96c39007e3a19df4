"""An OpenTelemetry API ``TracerProvider`` and ``Tracer`` over the C++ core.

Set as the global provider while a run is traced, so ``trace.get_tracer(...)``
in any extension, and every OpenTelemetry instrumentation, make spans of this
run. A span started without an explicit parent takes the current span of the
OpenTelemetry context, which the lifecycle sets to the activity running in that
thread — background activities and the continuous hypothesis included.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import TracebackType
from typing import Any

from opentelemetry import context as context_api
from opentelemetry import trace as trace_api
from opentelemetry.util import types

from chaostracing import _core, runtime
from chaostracing.otel.span import Span, core_kind

__all__ = ["Tracer", "TracerProvider"]

# start_span's arguments before record_exception, kept for each entry of a _CurrentSpan.
_StartArgs = tuple[
    str, context_api.Context | None, trace_api.SpanKind, types.Attributes, Any, int | None
]


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
        parent = trace_api.get_current_span(context)
        link: _core.Span | tuple[bytes, int, str] | None
        if type(parent) is Span:
            link = parent.core
        else:
            remote = parent.get_span_context()
            if remote.is_valid:
                link = (
                    remote.trace_id.to_bytes(16, "big"),
                    remote.span_id,
                    remote.trace_state.to_header(),
                )
            else:
                link = run.current_span()
        redactor = run.content.redactor
        # Cleaning, redaction and otel.scope.name happen in the core, in one call.
        span = Span(
            run.pipeline.start_api_span(
                name,
                link,
                core_kind(kind),
                start_time or 0,
                attributes,
                redactor.native,
                self._scope,
            ),
            redactor,
        )
        if links:
            for item in links:
                span.add_link(item.context, item.attributes)
        return span

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
    ) -> _CurrentSpan:
        return _CurrentSpan(
            self,
            (name, context, kind, attributes, links, start_time),
            record_exception,
            set_status_on_exception,
            end_on_exit,
        )


class _CurrentSpan:
    """``start_as_current_span``'s context manager (and decorator).

    What ``trace.use_span`` does, as a class: a generator-based context manager
    costs more than the span itself. Like the API's, it starts the span on
    entry, records an ``Exception`` (not a ``BaseException`` such as
    ``GeneratorExit``) and re-raises it, and as a decorator starts a new span
    per call.
    """

    __slots__ = ("_args", "_end", "_record", "_set_status", "_span", "_token", "_tracer")

    def __init__(
        self,
        tracer: Tracer,
        args: _StartArgs,
        record_exception: bool,
        set_status_on_exception: bool,
        end_on_exit: bool,
    ) -> None:
        self._tracer = tracer
        self._args = args
        self._record = record_exception
        self._set_status = set_status_on_exception
        self._end = end_on_exit

    def __enter__(self) -> trace_api.Span:
        span = self._tracer.start_span(*self._args, self._record, self._set_status)
        self._span = span
        self._token = context_api.attach(trace_api.set_span_in_context(span))
        return span

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        span = self._span
        try:
            context_api.detach(self._token)
            if isinstance(exc, Exception) and span.is_recording():
                if self._record:
                    span.record_exception(exc)
                if self._set_status:
                    span.set_status(
                        trace_api.Status(trace_api.StatusCode.ERROR, f"{type(exc).__name__}: {exc}")
                    )
        finally:
            if self._end:
                span.end()

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def traced(*args: Any, **kwargs: Any) -> Any:
            with _CurrentSpan(self._tracer, self._args, self._record, self._set_status, self._end):
                return func(*args, **kwargs)

        return traced


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
