"""OpenTelemetry instrumentations of HTTP/AWS clients, switched on by the
``chaostracing.oltp`` arguments of the existing extension."""

from __future__ import annotations

import importlib
import logging

__all__ = ["FLAGS", "instrument"]

logger = logging.getLogger("chaostoolkit")

# argument -> (module, instrumentor class, package to install)
FLAGS = {
    "trace_request": (
        "opentelemetry.instrumentation.requests",
        "RequestsInstrumentor",
        "opentelemetry-instrumentation-requests",
    ),
    "trace_httpx": (
        "opentelemetry.instrumentation.httpx",
        "HTTPXClientInstrumentor",
        "opentelemetry-instrumentation-httpx",
    ),
    "trace_botocore": (
        "opentelemetry.instrumentation.botocore",
        "BotocoreInstrumentor",
        "opentelemetry-instrumentation-botocore",
    ),
    "trace_urllib3": (
        "opentelemetry.instrumentation.urllib3",
        "URLLib3Instrumentor",
        "opentelemetry-instrumentation-urllib3",
    ),
}
# The existing extension's README spells it this way; its code did not.
ALIASES = {"trace_requests": "trace_request"}


def instrument(flags: dict[str, object]) -> None:
    """Install the instrumentations whose flag is true, each once."""
    wanted = {ALIASES.get(k, k) for k, v in flags.items() if v is True or str(v).lower() == "true"}
    if not wanted & set(FLAGS):
        # No instrumentation asked for: the OpenTelemetry API is left unimported (~6 ms), to
        # be served from the moment something imports it (chaostracing.otel).
        return
    from opentelemetry import trace as trace_api

    for flag in sorted(wanted & set(FLAGS)):
        module_name, class_name, package = FLAGS[flag]
        try:
            instrumentor = getattr(importlib.import_module(module_name), class_name)()
        except (ImportError, AttributeError):
            # AttributeError: httpx under gevent monkey-patching (locust).
            logger.warning(
                "chaostracing: %s needs the %s package; install it with pip", flag, package
            )
            continue
        try:
            if not instrumentor.is_instrumented_by_opentelemetry:
                instrumentor.instrument(tracer_provider=trace_api.get_tracer_provider())
        except Exception:
            logger.warning("chaostracing: %s could not be switched on", flag, exc_info=True)
