"""The OpenTelemetry API served by chaostracing's spans.

:func:`install` makes chaostracing the global ``TracerProvider`` (once per
process; the OpenTelemetry API refuses a second one) and sets the global
propagator to the formats the run is configured with.
"""

from __future__ import annotations

import logging

__all__ = ["available", "install"]

logger = logging.getLogger("chaostoolkit")

_installed = False


def available() -> bool:
    try:
        import opentelemetry.trace  # noqa: F401
    except ImportError:
        return False
    return True


def install() -> None:
    """Make the OpenTelemetry API's global tracer provider ours (idempotent)."""
    global _installed
    if _installed or not available():
        return
    from opentelemetry import trace as trace_api

    from chaostracing.otel.tracer import TracerProvider

    current = trace_api.get_tracer_provider()
    if not isinstance(current, trace_api.ProxyTracerProvider):
        logger.warning(
            "chaostracing: another OpenTelemetry tracer provider (%s) is already set; "
            "spans made through the OpenTelemetry API will not join this trace",
            type(current).__name__,
        )
        _installed = True
        return
    trace_api.set_tracer_provider(TracerProvider())
    _installed = True
