"""The OpenTelemetry API served by chaostracing's spans.

:func:`install` makes chaostracing the global ``TracerProvider`` (once per
process; the OpenTelemetry API refuses a second one). Importing the API costs a
traced run about 7 ms, which most runs never need: unless something has
imported it already, the provider is installed the moment something does (an
extension, an instrumentation), through a post-import hook. Until then no span
of the run is made current in the API's context — nobody can read it — and
spans started right after the import still find their activity, since the
native tracer falls back to the lifecycle's span of the thread.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from chaostracing import post_import

__all__ = ["ContextBinding", "install", "installed"]

logger = logging.getLogger("chaostoolkit")

_API = "opentelemetry.trace"
_lock = threading.Lock()
_installed = False


def installed() -> bool:
    """Whether chaostracing serves the OpenTelemetry API in this process yet."""
    return _installed


def install() -> None:
    """Make chaostracing the API's global tracer provider, now if the API is
    loaded, else as soon as it is (idempotent)."""
    # opentelemetry-api is a dependency: no lookup for it first (a scan of sys.path, 0.3-1 ms
    # of every run). Were it missing, nothing would import it and the hook never fire.
    if not _installed:
        post_import.when_imported(_API, _install_now)


def _install_now() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    from opentelemetry import trace as trace_api

    from chaostracing.otel.tracer import TracerProvider

    current = trace_api.get_tracer_provider()
    if not isinstance(current, trace_api.ProxyTracerProvider):
        logger.warning(
            "chaostracing: another OpenTelemetry tracer provider (%s) is already set; "
            "spans made through the OpenTelemetry API will not join this trace",
            type(current).__name__,
        )
        return
    trace_api.set_tracer_provider(TracerProvider())


class ContextBinding:
    """Makes lifecycle spans current in the API's context, once the API is served."""

    def __init__(self, redactor: Any) -> None:
        self._redactor = redactor
        self._binder: Any = None

    def attach(self, span: Any) -> Any:
        if not _installed:
            return None
        if self._binder is None:
            from chaostracing.otel.context import ContextBinder

            self._binder = ContextBinder(self._redactor)
        return self._binder.attach(span)

    def detach(self, token: Any) -> None:
        if token is not None and self._binder is not None:
            self._binder.detach(token)
