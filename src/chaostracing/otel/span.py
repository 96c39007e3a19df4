"""An OpenTelemetry API ``Span`` over a span of the C++ core.

Spans made by the lifecycle (experiment, activities...) and spans made by other
extensions through the OpenTelemetry API are the same ``_core.Span`` objects;
this class only adapts the API's method names and types. Every string value
goes through the run's redactor, so secrets never leave the process whoever
sets the attribute.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from typing import Any

from opentelemetry import trace as trace_api
from opentelemetry.util import types

from chaostracing import _core
from chaostracing.content import Redactor

__all__ = ["Span", "span_context_of"]

_SAMPLED = trace_api.TraceFlags(trace_api.TraceFlags.SAMPLED)
_STATUS = {
    trace_api.StatusCode.UNSET: _core.STATUS_UNSET,
    trace_api.StatusCode.OK: _core.STATUS_OK,
    trace_api.StatusCode.ERROR: _core.STATUS_ERROR,
}
_KINDS = {
    trace_api.SpanKind.INTERNAL: _core.SPAN_KIND_INTERNAL,
    trace_api.SpanKind.SERVER: _core.SPAN_KIND_SERVER,
    trace_api.SpanKind.CLIENT: _core.SPAN_KIND_CLIENT,
    trace_api.SpanKind.PRODUCER: _core.SPAN_KIND_PRODUCER,
    trace_api.SpanKind.CONSUMER: _core.SPAN_KIND_CONSUMER,
}


def core_kind(kind: trace_api.SpanKind) -> int:
    # INTERNAL first, by identity: most spans are, and an Enum's hash is costly per span.
    if kind is trace_api.SpanKind.INTERNAL:
        return _core.SPAN_KIND_INTERNAL
    return _KINDS.get(kind, _core.SPAN_KIND_INTERNAL)


def span_context_of(span: _core.Span) -> trace_api.SpanContext:
    return trace_api.SpanContext(
        trace_id=int.from_bytes(span.trace_id, "big"),
        span_id=span.span_id,
        is_remote=False,
        trace_flags=_SAMPLED,
    )


def clean_value(value: Any, redactor: Redactor) -> Any:
    """An attribute value the core accepts, or None to drop it (as the SDK does).

    The rule is the core's, the same one ``start_api_span`` applies.
    """
    return redactor.native.clean(value)


class Span(trace_api.Span):
    """A recording span of this run, as the OpenTelemetry API sees it."""

    __slots__ = ("_context", "_native", "_redactor", "core")

    def __init__(self, core: _core.Span, redactor: Redactor) -> None:
        self.core = core
        self._redactor = redactor
        self._native = redactor.native
        self._context: trace_api.SpanContext | None = None

    def get_span_context(self) -> trace_api.SpanContext:
        if self._context is None:
            self._context = span_context_of(self.core)
        return self._context

    def end(self, end_time: int | None = None) -> None:
        self.core.end(end_time or 0)

    def set_attributes(self, attributes: Mapping[str, types.AnyValue]) -> None:
        self.core.set_api_attributes(attributes, self._native)

    def set_attribute(self, key: str, value: types.AnyValue) -> None:
        self.core.set_api_attribute(key, value, self._native)

    def add_event(
        self,
        name: str,
        attributes: types.Attributes = None,
        timestamp: int | None = None,
    ) -> None:
        cleaned = {}
        for key, value in (attributes or {}).items():
            v = clean_value(value, self._redactor)
            if v is not None:
                cleaned[key] = v
        self.core.add_event(self._redactor.text(name), cleaned, timestamp or 0)

    def add_link(self, context: trace_api.SpanContext, attributes: types.Attributes = None) -> None:
        # Links are not part of the core's span model yet: keep the reference.
        if context.is_valid:
            self.core.add_event(
                "link",
                {
                    "link.trace_id": f"{context.trace_id:032x}",
                    "link.span_id": f"{context.span_id:016x}",
                },
            )

    def update_name(self, name: str) -> None:
        self.core.update_name(self._redactor.text(name))

    def is_recording(self) -> bool:
        return bool(self.core.is_recording)

    def set_status(
        self,
        status: trace_api.Status | trace_api.StatusCode,
        description: str | None = None,
    ) -> None:
        if isinstance(status, trace_api.Status):
            code, description = status.status_code, status.description
        else:
            code = status
        self.core.set_status(_STATUS[code], self._redactor.text(description or ""))

    def record_exception(
        self,
        exception: BaseException,
        attributes: types.Attributes = None,
        timestamp: int | None = None,
        escaped: bool = False,
    ) -> None:
        stacktrace = "".join(
            traceback.format_exception(type(exception), exception, exception.__traceback__)
        )
        event: dict[str, types.AnyValue] = {
            "exception.type": type(exception).__qualname__,
            "exception.message": str(exception),
            "exception.stacktrace": stacktrace,
            "exception.escaped": str(escaped),
        }
        event.update(attributes or {})
        self.add_event("exception", event, timestamp)

    def __repr__(self) -> str:
        return f"chaostracing.otel.Span({self.core.name!r}, {self.core.span_id_hex})"
