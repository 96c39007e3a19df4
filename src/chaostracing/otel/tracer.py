"""An OpenTelemetry API ``TracerProvider`` whose tracers are the core's.

Set as the global provider while a run is traced, so ``trace.get_tracer(...)``
in any extension, and every OpenTelemetry instrumentation, make spans of this
run. The tracer, its spans and ``start_as_current_span``'s context manager are
native (``_core.ApiTracer``, ``_core.ApiSpan``, ``_core.CurrentSpan``); this
module registers them with the API's abstract classes and holds the one part
that is Python by nature, the decorator. A span started without an explicit
parent takes the current span of the OpenTelemetry context, which the
lifecycle sets to the activity running in that thread — background activities
and the continuous hypothesis included — else the lifecycle's span of the
thread.

Instrumentations take their tracer once, when they are installed; the run is
looked up at each span (``_core.set_api_run``) so that such tracers keep working.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from opentelemetry import trace as trace_api
from opentelemetry.util import types

from chaostracing import _core, runtime
from chaostracing.otel import span_types  # noqa: F401  (the native spans are the API's Span)

__all__ = ["TracerProvider", "decorate"]

# The API checks isinstance() against its abstract classes, nothing more.
trace_api.Tracer.register(_core.ApiTracer)


def decorate(current: _core.CurrentSpan, func: Callable[..., Any]) -> Callable[..., Any]:
    """``@tracer.start_as_current_span(...)``: a new span for each call."""

    @functools.wraps(func)
    def traced(*args: Any, **kwargs: Any) -> Any:
        with current._fresh():
            return func(*args, **kwargs)

    return traced


class TracerProvider(trace_api.TracerProvider):
    """Hands out tracers of the run in progress (no-op spans between runs)."""

    def get_tracer(
        self,
        instrumenting_module_name: str,
        instrumenting_library_version: str | None = None,
        schema_url: str | None = None,
        attributes: types.Attributes = None,
    ) -> trace_api.Tracer:
        return _core.ApiTracer(instrumenting_module_name or "")  # type: ignore[return-value]

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        run = runtime.active()
        return run is None or bool(run.pipeline.force_flush(timeout_millis))

    def shutdown(self) -> None:
        # The run's end shuts the pipeline down; others must not cut it short.
        return None
