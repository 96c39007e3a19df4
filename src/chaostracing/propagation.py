"""Trace context in and out of the process: W3C tracecontext and baggage, B3
(single and multi header) and Jaeger, parsed and written by the C++ core.

Input is untrusted: a malformed header is ignored (with a debug line), never
an exception.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping

from chaostracing import _core

__all__ = ["DEFAULT", "Remote", "extract", "formats_for", "from_environment", "inject"]

logger = logging.getLogger("chaostoolkit")

#: What OpenTelemetry uses when OTEL_PROPAGATORS is not set.
DEFAULT = ("tracecontext", "baggage")
_BY_NAME = {
    "tracecontext": ("tracecontext", "baggage"),
    "b3": ("b3",),
    "b3multi": ("b3multi",),
    "jaeger": ("jaeger",),
}
_OTEL_NAMES = ("tracecontext", "baggage", "b3", "b3multi", "jaeger")


# A plain class, not a dataclass or named tuple: defining one of those at import costs a
# traced run 0.1-1 ms (a named tuple compiles its __new__), this ~10 us.
class Remote:
    """A trace context that came from outside the process."""

    __slots__ = ("baggage", "flags", "span_id", "trace_id", "trace_state")

    def __init__(
        self,
        trace_id: bytes,
        span_id: int,
        flags: int,
        trace_state: str,
        baggage: dict[str, str],
    ) -> None:
        self.trace_id = trace_id
        self.span_id = span_id
        self.flags = flags
        self.trace_state = trace_state
        self.baggage = baggage


def formats_for(propagation: str) -> tuple[str, ...]:
    """The header formats of a ``tracing_propagation`` value."""
    return _BY_NAME.get(propagation, DEFAULT)


def from_otel_propagators(value: str) -> tuple[tuple[str, ...], list[str]]:
    """Formats named by OTEL_PROPAGATORS, and one error per unknown name."""
    names = [n.strip().lower() for n in value.split(",") if n.strip()]
    if names == ["none"]:
        return (), []
    errors = [
        f"OTEL_PROPAGATORS: {name!r} is not supported; accepted: {', '.join(_OTEL_NAMES)}, none"
        for name in names
        if name not in _OTEL_NAMES
    ]
    return tuple(dict.fromkeys(n for n in names if n in _OTEL_NAMES)), errors


def extract(formats: Iterable[str], headers: Mapping[str, str]) -> Remote | None:
    formats = list(formats)
    try:
        found = _core.extract_context([f for f in formats if f != "baggage"], dict(headers))
    except (TypeError, ValueError, AttributeError):
        logger.debug("chaostracing: trace context not extracted", exc_info=True)
        return None
    if found is None:
        logger.debug("chaostracing: no valid trace context in %s", sorted(headers))
        return None
    trace_id, span_id, flags, trace_state = found
    baggage: dict[str, str] = {}
    if "baggage" in formats:
        lowered = {k.lower(): v for k, v in headers.items()}
        if lowered.get("baggage"):
            baggage = _core.parse_baggage(lowered["baggage"])
    return Remote(trace_id, span_id, flags, trace_state, baggage)


def inject(
    formats: Iterable[str],
    trace_id: bytes,
    span_id: int,
    trace_state: str = "",
    baggage: Mapping[str, str] | None = None,
    flags: int = 1,
) -> dict[str, str]:
    """Headers carrying (trace_id, span_id) in every format asked for."""
    return dict(
        _core.inject_context(
            list(formats), trace_id, span_id, flags, trace_state, dict(baggage or {})
        )
    )


def from_environment(environ: Mapping[str, str] | None = None) -> Remote | None:
    """The parent named by TRACEPARENT/TRACESTATE/BAGGAGE (a CI job's span)."""
    environ = os.environ if environ is None else environ
    if not environ.get("TRACEPARENT"):
        return None
    headers = {
        "traceparent": environ.get("TRACEPARENT", ""),
        "tracestate": environ.get("TRACESTATE", ""),
        "baggage": environ.get("BAGGAGE", ""),
    }
    return extract(DEFAULT, {k: v for k, v in headers.items() if v})
