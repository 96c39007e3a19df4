"""The OpenTracing-era configuration of ``chaostracing.control``, translated.

Settings files written for the existing extension keep working unchanged:
``tracing_provider: opentelemetry`` with ``tracing_opentelemetry_exporter`` and
its ``..._collector_*`` keys becomes the matching exporter of ours. Only keys
of that provider are translated; everything else passes through.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["translate"]

# legacy exporter -> (provider, protocol) of ours
_EXPORTERS = {
    "oltp-http": ("otlp", "http/protobuf"),
    "oltp-grpc": ("otlp", "grpc"),
    "jaeger-thrift": ("jaeger", None),
}


def _get(
    arguments: Mapping[str, Any], configuration: Mapping[str, Any], argument: str, key: str
) -> tuple[str, Any] | None:
    if arguments.get(argument) is not None:
        return argument, arguments[argument]
    if configuration.get(key) is not None:
        return key, configuration[key]
    return None


def translate(
    arguments: Mapping[str, Any], configuration: Mapping[str, Any], errors: list[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(arguments, configuration) with the legacy ``opentelemetry`` provider mapped."""
    arguments, configuration = dict(arguments), dict(configuration)
    provider = _get(arguments, configuration, "provider", "tracing_provider")
    if provider is None or str(provider[1]).strip().lower() != "opentelemetry":
        return arguments, configuration
    target = arguments if provider[0] == "provider" else configuration
    exporter = _get(arguments, configuration, "exporter", "tracing_opentelemetry_exporter")
    name = str(exporter[1]).strip().lower() if exporter else ""
    if name not in _EXPORTERS:
        shown = f"{exporter[0]}={exporter[1]!r}" if exporter else "tracing_opentelemetry_exporter"
        errors.append(
            f"{shown} is not supported with the opentelemetry provider; accepted: "
            f"{', '.join(_EXPORTERS)}"
        )
        # Keep the provider key pointing at something invalid-free: the
        # embedded default takes over, the error above says why.
        target.pop("provider" if target is arguments else "tracing_provider", None)
        return arguments, configuration
    ours, protocol = _EXPORTERS[name]
    if target is arguments:
        arguments["provider"] = ours
        if protocol:
            arguments.setdefault("protocol", protocol)
    else:
        configuration["tracing_provider"] = ours
        if protocol:
            configuration.setdefault("tracing_protocol", protocol)
    endpoint = _get(
        arguments, configuration, "collector_endpoint", "tracing_opentelemetry_collector_endpoint"
    )
    if endpoint is not None and ours == "otlp":
        arguments.setdefault("endpoint", endpoint[1])
    headers = _get(
        arguments, configuration, "collector_headers", "tracing_opentelemetry_collector_headers"
    )
    if headers is not None:
        arguments.setdefault("headers", headers[1])
    if _get(arguments, configuration, "baggage_prefix", "tracing_opentelemetry_baggage_prefix"):
        # The existing control switched to B3 for any truthy value of this key.
        arguments.setdefault("propagation", "b3")
    return arguments, configuration
