"""Makes a lifecycle span the current span of the OpenTelemetry context in the
thread that runs it, so other extensions' spans and instrumented HTTP clients
nest under the activity that made them."""

from __future__ import annotations

import logging
from typing import Any

from opentelemetry import context as context_api
from opentelemetry import trace as trace_api

from chaostracing import _core
from chaostracing.content import Redactor
from chaostracing.otel import span_types  # noqa: F401  (the native spans are the API's Span)

__all__ = ["ContextBinder"]

logger = logging.getLogger("chaostoolkit")


class ContextBinder:
    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor.native

    def attach(self, span: _core.Span) -> Any:
        view = _core.ApiSpanView(span, self._redactor)
        return context_api.attach(trace_api.set_span_in_context(view))  # type: ignore[arg-type]

    def detach(self, token: Any) -> None:
        try:
            context_api.detach(token)
        except Exception:  # a token of another thread's context: nothing to undo
            logger.debug("chaostracing: context detach failed", exc_info=True)
