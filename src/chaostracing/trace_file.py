"""Reading trace files back: OTLP/JSON lines into a small span model.

A trace file holds one OTLP ``ExportTraceServiceRequest`` per line, in
OTLP/JSON — what chaostracing's file exporter and the OpenTelemetry
Collector's file exporter write. OTLP/JSON differs from the plain protobuf
JSON mapping in two ways that matter here: trace and span ids are lower-case
hex (not base64), and enums are integers (names are accepted too, as some
producers write them). 64-bit integers arrive as strings.

The model is deliberately plain (no OpenTelemetry SDK types) so that the
report, ``chaos trace show`` and the journal reconstruction share it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

# json.loads() makes dicts: JSON_MAPPING answers isinstance() for them without asking the
# Mapping ABC (several times per attribute otherwise: a third of a report's parse).
from chaostracing.content import JSON_MAPPING

__all__ = [
    "STATUS_ERROR",
    "STATUS_OK",
    "STATUS_UNSET",
    "AttributeValue",
    "Event",
    "Span",
    "TraceFileError",
    "parse_lines",
    "parse_request",
    "read_trace_file",
]

STATUS_UNSET = 0
STATUS_OK = 1
STATUS_ERROR = 2

_STATUS_NAMES = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}
_KIND_NAMES = {
    "SPAN_KIND_UNSPECIFIED": 0,
    "SPAN_KIND_INTERNAL": 1,
    "SPAN_KIND_SERVER": 2,
    "SPAN_KIND_CLIENT": 3,
    "SPAN_KIND_PRODUCER": 4,
    "SPAN_KIND_CONSUMER": 5,
}

#: A decoded attribute value: what OTLP's AnyValue can hold.
AttributeValue = Any


class TraceFileError(ValueError):
    """The file is not a readable OTLP/JSON trace file; the message says where."""


# Named tuples, not frozen dataclasses: a traced run imports this module for its report, and
# making a frozen dataclass runs its generated methods through exec() (~6 M instructions for
# Span; ~0.1 M as a named tuple). Spans are values, never changed: the empty default is a
# read-only mapping.
_NONE: Mapping[str, Any] = MappingProxyType({})


class Event(NamedTuple):
    name: str
    time_ns: int
    attributes: Mapping[str, AttributeValue] = _NONE


class Span(NamedTuple):
    """One span, ids as lower-case hex ("" for a root's parent)."""

    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    start_ns: int
    end_ns: int
    attributes: Mapping[str, AttributeValue] = _NONE
    events: tuple[Event, ...] = ()
    status_code: int = STATUS_UNSET
    status_message: str = ""
    kind: int = 1
    scope_name: str = ""
    scope_version: str = ""
    resource: Mapping[str, AttributeValue] = _NONE

    @property
    def duration_ns(self) -> int:
        return max(0, self.end_ns - self.start_ns)


# Where a value was read, for an error message: `what` (line, span) and the field in it,
# joined only when there is an error to report (reading a report's spans formatted them for
# every field of every span).
def _where(what: str, field: str) -> str:
    return f"{what} {field}" if field else what


def _int(value: Any, what: str, field: str = "") -> int:
    # OTLP/JSON writes 64-bit integers as strings; small ones may be numbers.
    if isinstance(value, bool):
        raise TraceFileError(f"{_where(what, field)}: expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    raise TraceFileError(f"{_where(what, field)}: expected an integer, got {value!r}")


# Nanoseconds since the epoch, as the report's core holds them (signed 64-bit: up to 2262).
_MAX_TIME_NS = 2**63 - 1


def _time(value: Any, what: str, field: str) -> int:
    number = _int(value, what, field)
    if not 0 <= number <= _MAX_TIME_NS:
        raise TraceFileError(f"{_where(what, field)}: {number} is not a time (ns since 1970)")
    return number


def _enum(value: Any, names: Mapping[str, int], what: str, field: str) -> int:
    if isinstance(value, str) and value in names:
        return names[value]
    return _int(value, what, field)


def _id(value: Any, size: int, what: str, field: str) -> str:
    """An id as lower-case hex; "" when absent or all zero."""
    if value in (None, ""):
        return ""
    if not isinstance(value, str):
        raise TraceFileError(f"{_where(what, field)}: expected a hex string, got {value!r}")
    text = value.strip().lower()
    if len(text) != size * 2:
        # Not OTLP/JSON hex: accept the base64 of the plain protobuf mapping,
        # which some tools write.
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != size:
            raise TraceFileError(f"{_where(what, field)}: {value!r} is not a {size}-byte id")
        text = raw.hex()
    else:
        try:
            bytes.fromhex(text)
        except ValueError:
            raise TraceFileError(f"{_where(what, field)}: {value!r} is not hex") from None
    return "" if text.strip("0") == "" else text


def _value(any_value: Any, what: str, field: str) -> AttributeValue:
    if not isinstance(any_value, JSON_MAPPING):
        return None
    if "stringValue" in any_value:
        return str(any_value["stringValue"])
    if "boolValue" in any_value:
        return bool(any_value["boolValue"])
    if "intValue" in any_value:
        return _int(any_value["intValue"], what, field)
    if "doubleValue" in any_value:
        double = any_value["doubleValue"]
        # Non-finite doubles are written as strings ("NaN", "Infinity").
        return float(double) if isinstance(double, (int, float, str)) else None
    if "arrayValue" in any_value:
        values = (any_value["arrayValue"] or {}).get("values") or []
        return [_value(v, what, field) for v in values]
    if "kvlistValue" in any_value:
        return _attributes((any_value["kvlistValue"] or {}).get("values"), _where(what, field))
    if "bytesValue" in any_value:
        return str(any_value["bytesValue"])  # kept as its base64 text
    return None


def _attributes(key_values: Any, what: str) -> dict[str, AttributeValue]:
    if key_values is None:
        return {}
    if not isinstance(key_values, list):
        raise TraceFileError(f"{what}: attributes must be a list")
    out: dict[str, AttributeValue] = {}
    for kv in key_values:
        if isinstance(kv, JSON_MAPPING) and isinstance(kv.get("key"), str):
            out[kv["key"]] = _value(kv.get("value"), what, kv["key"])
    return out


def _span(
    raw: Any, scope: Mapping[str, Any], resource: dict[str, AttributeValue], what: str
) -> Span:
    if not isinstance(raw, JSON_MAPPING):
        raise TraceFileError(f"{what}: a span must be an object")
    name = raw.get("name")
    what = f"{what} {name!r}" if isinstance(name, str) else what
    status = raw.get("status") or {}
    events = tuple(
        Event(
            name=str(e.get("name", "")),
            time_ns=_time(e.get("timeUnixNano", 0), what, "event time"),
            attributes=_attributes(e.get("attributes"), f"{what} event"),
        )
        for e in raw.get("events") or []
        if isinstance(e, JSON_MAPPING)
    )
    trace_id = _id(raw.get("traceId"), 16, what, "traceId")
    span_id = _id(raw.get("spanId"), 8, what, "spanId")
    if not trace_id or not span_id:
        raise TraceFileError(f"{what}: a span needs a traceId and a spanId")
    start = _time(raw.get("startTimeUnixNano", 0), what, "startTimeUnixNano")
    end = _time(raw.get("endTimeUnixNano", 0), what, "endTimeUnixNano")
    return Span(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=_id(raw.get("parentSpanId"), 8, what, "parentSpanId"),
        name=str(name or ""),
        start_ns=start,
        # An unended span (end 0) is shown as an instant, not as running to 1970.
        end_ns=end if end >= start else start,
        attributes=_attributes(raw.get("attributes"), what),
        events=events,
        status_code=_enum(status.get("code", 0), _STATUS_NAMES, what, "status"),
        status_message=str(status.get("message", "")),
        kind=_enum(raw.get("kind", 0), _KIND_NAMES, what, "kind"),
        scope_name=str(scope.get("name", "")),
        scope_version=str(scope.get("version", "")),
        resource=resource,
    )


def parse_request(request: Any, where: str = "request") -> list[Span]:
    """The spans of one decoded ``ExportTraceServiceRequest`` (a dict)."""
    if not isinstance(request, JSON_MAPPING) or not isinstance(request.get("resourceSpans"), list):
        raise TraceFileError(f"{where}: not an OTLP ExportTraceServiceRequest (no resourceSpans)")
    spans: list[Span] = []
    for resource_spans in request["resourceSpans"]:
        if not isinstance(resource_spans, JSON_MAPPING):
            raise TraceFileError(f"{where}: resourceSpans must hold objects")
        resource = _attributes(
            (resource_spans.get("resource") or {}).get("attributes"), f"{where} resource"
        )
        for scope_spans in resource_spans.get("scopeSpans") or []:
            scope = scope_spans.get("scope") or {}
            for raw in scope_spans.get("spans") or []:
                spans.append(_span(raw, scope, resource, where))
    return spans


def parse_lines(lines: Iterable[str], source: str) -> list[Span]:
    """Spans of OTLP/JSON lines; blank lines are skipped."""
    spans: list[Span] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            request = json.loads(line)
        except json.JSONDecodeError as error:
            raise TraceFileError(f"{where}: not JSON ({error.msg})") from None
        spans.extend(parse_request(request, where))
    return spans


def read_trace_file(path: Path) -> list[Span]:
    """Every span of an OTLP/JSON lines trace file, in file order.

    Raises:
        TraceFileError: a line is not an OTLP/JSON ExportTraceServiceRequest.
        OSError: the file cannot be read.
    """
    try:
        with path.open(encoding="utf-8") as lines:
            return parse_lines(lines, str(path))
    except UnicodeDecodeError:
        raise TraceFileError(f"{path}: not a text file") from None
