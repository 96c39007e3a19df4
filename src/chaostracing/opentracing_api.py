"""The OpenTracing API of the existing extension, served by this run's spans.

Extensions written for ``chaostracing.control`` call
``opentracing.global_tracer()``, take ``tracer.scope_manager.active.span`` as
their parent, ``set_tag``, ``log_kv`` and ``inject(span, 'http_headers',
headers)``. All of it works here, on background threads too (the existing
extension documents that it cannot): when no scope was activated in a thread,
the active scope is the activity running in that thread. Between runs the
tracer behaves as OpenTracing's no-op tracer.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

import opentracing
from opentracing import Format

from chaostracing import _core, propagation, runtime
from chaostracing.content import Redactor

__all__ = ["Tracer", "install"]


class SpanContext(opentracing.SpanContext):  # type: ignore[misc]
    def __init__(
        self,
        trace_id: bytes,
        span_id: int,
        baggage: dict[str, str] | None = None,
        trace_state: str = "",
    ) -> None:
        self.trace_id = trace_id
        self.span_id = span_id
        self.trace_state = trace_state
        self._baggage = dict(baggage or {})

    @property
    def baggage(self) -> dict[str, str]:
        return self._baggage


class Span(opentracing.Span):  # type: ignore[misc]
    def __init__(
        self,
        tracer: Tracer,
        core: _core.Span,
        redactor: Redactor,
        baggage: dict[str, str] | None = None,
    ) -> None:
        super().__init__(tracer, SpanContext(core.trace_id, core.span_id, baggage))
        self.core = core
        self._redactor = redactor

    def set_operation_name(self, operation_name: str) -> Span:
        self.core.update_name(self._redactor.text(operation_name))
        return self

    def set_tag(self, key: str, value: Any) -> Span:
        cleaned = self._redactor.clean(value)
        if cleaned is None:
            cleaned = self._redactor.text(json.dumps(value, default=repr))
        if key == "error" and value is True:
            self.core.set_status(_core.STATUS_ERROR, "")
        self.core.set_attribute(key, cleaned)
        return self

    def log_kv(self, key_values: Mapping[str, Any], timestamp: float | None = None) -> Span:
        attributes: dict[str, object] = {}
        for key, value in key_values.items():
            cleaned = self._redactor.clean(value)
            if cleaned is None:
                cleaned = self._redactor.text(json.dumps(value, default=repr))
            attributes[str(key)] = cleaned
        name = str(key_values.get("event", "log"))
        self.core.add_event(name, attributes, int(timestamp * 1e9) if timestamp else 0)
        return self

    def set_baggage_item(self, key: str, value: str) -> Span:
        self.context.baggage[key] = value
        return self

    def get_baggage_item(self, key: str) -> str | None:
        value = self.context.baggage.get(key)
        return None if value is None else str(value)

    def finish(self, finish_time: float | None = None) -> None:
        self.core.end(int(finish_time * 1e9) if finish_time else 0)


class _Scope(opentracing.Scope):  # type: ignore[misc]
    def __init__(self, manager: ScopeManager, span: Span, finish_on_close: bool) -> None:
        super().__init__(manager, span)
        self._finish_on_close = finish_on_close

    def close(self) -> None:
        self.manager._pop(self)
        if self._finish_on_close:
            self.span.finish()


class ScopeManager(opentracing.ScopeManager):  # type: ignore[misc]
    """Thread-local scopes; below them, the activity running in the thread."""

    def __init__(self, tracer: Tracer) -> None:
        super().__init__()
        self._tracer = tracer
        self._local = threading.local()

    def _stack(self) -> list[_Scope]:
        stack: list[_Scope] | None = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    def activate(self, span: Span, finish_on_close: bool) -> _Scope:
        scope = _Scope(self, span, finish_on_close)
        self._stack().append(scope)
        return scope

    def _pop(self, scope: _Scope) -> None:
        stack = self._stack()
        if scope in stack:
            stack.remove(scope)

    @property
    def active(self) -> opentracing.Scope | None:
        stack = self._stack()
        if stack:
            return stack[-1]
        run = runtime.active()
        if run is None:
            return None
        current = run.current_span()
        if current is None:
            return None
        return _Scope(self, Span(self._tracer, current, run.content.redactor), False)


class Tracer(opentracing.Tracer):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(scope_manager=None)
        self._scope_manager = ScopeManager(self)

    def start_active_span(
        self,
        operation_name: str,
        child_of: Any = None,
        references: Any = None,
        tags: Mapping[str, Any] | None = None,
        start_time: float | None = None,
        ignore_active_span: bool = False,
        finish_on_close: bool = True,
    ) -> opentracing.Scope:
        span = self.start_span(
            operation_name, child_of, references, tags, start_time, ignore_active_span
        )
        return self.scope_manager.activate(span, finish_on_close)

    def start_span(
        self,
        operation_name: str | None = None,
        child_of: Any = None,
        references: Any = None,
        tags: Mapping[str, Any] | None = None,
        start_time: float | None = None,
        ignore_active_span: bool = False,
    ) -> opentracing.Span:
        run = runtime.active()
        if run is None:
            return super().start_span(operation_name, child_of, references, tags, start_time)
        parent = child_of
        if parent is None and references:
            parent = references[0].referenced_context
        if parent is None and not ignore_active_span:
            scope = self.scope_manager.active
            parent = scope.span if scope is not None else None
        if isinstance(parent, opentracing.Span):
            parent = parent.context
        redactor = run.content.redactor
        options: dict[str, Any] = {
            "start_time_ns": int(start_time * 1e9) if start_time else 0,
        }
        baggage: dict[str, str] = {}
        if isinstance(parent, SpanContext):
            options.update(
                trace_id=parent.trace_id,
                parent_span_id=parent.span_id,
                trace_state=parent.trace_state,
            )
            baggage = dict(parent.baggage)
        core = run.pipeline.start_span(redactor.text(operation_name or ""), **options)
        span = Span(self, core, redactor, baggage)
        for key, value in (tags or {}).items():
            span.set_tag(key, value)
        return span

    def inject(self, span_context: Any, format: str, carrier: Any) -> None:
        if isinstance(span_context, opentracing.Span):
            span_context = span_context.context
        if format not in (Format.HTTP_HEADERS, Format.TEXT_MAP):
            raise opentracing.UnsupportedFormatException(format)
        if not isinstance(span_context, SpanContext):
            return
        run = runtime.active()
        formats = run.propagators if run is not None else propagation.DEFAULT
        carrier.update(
            propagation.inject(
                formats,
                span_context.trace_id,
                span_context.span_id,
                span_context.trace_state,
                span_context.baggage,
            )
        )

    def extract(self, format: str, carrier: Any) -> SpanContext:
        if format not in (Format.HTTP_HEADERS, Format.TEXT_MAP):
            raise opentracing.UnsupportedFormatException(format)
        run = runtime.active()
        formats = run.propagators if run is not None else propagation.DEFAULT
        found = propagation.extract(formats, carrier)
        if found is None:
            raise opentracing.SpanContextCorruptedException("no valid trace context")
        return SpanContext(found.trace_id, found.span_id, found.baggage, found.trace_state)


_tracer: Tracer | None = None


def install() -> None:
    """Register our tracer as OpenTracing's global tracer (idempotent)."""
    global _tracer
    if _tracer is None:
        _tracer = Tracer()
    if opentracing.global_tracer() is not _tracer:
        opentracing.set_global_tracer(_tracer)
