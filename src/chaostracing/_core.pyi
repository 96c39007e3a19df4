"""Native core of chaostracing: spans, batching and OTLP export (private API).

Hand-written to match bindings/*.cpp; keep them in step.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

__version__: str

SPAN_KIND_INTERNAL: int
SPAN_KIND_SERVER: int
SPAN_KIND_CLIENT: int
SPAN_KIND_PRODUCER: int
SPAN_KIND_CONSUMER: int
STATUS_UNSET: int
STATUS_OK: int
STATUS_ERROR: int

class Exporter:
    """An exporter, waiting to be handed to a Pipeline (which takes it over)."""

    def describe(self) -> str:
        """Where spans go, e.g. 'OTLP/HTTP http://127.0.0.1:4318/v1/traces' or 'file /x.jsonl'."""
    def __repr__(self) -> str: ...

def file_exporter(*, path: str, truncate: bool = True, keep_bytes: int = 0) -> Exporter:
    """Writes one OTLP/JSON ExportTraceServiceRequest per batch, one per line; keeps the
    spans it wrote while they take up to ``keep_bytes`` in the file, for
    ``Pipeline.written_spans()``.

    Raises:
        OSError: the file cannot be opened (the error names the path; parent
            directories are never created).
    """

def otlp_http_exporter(
    *,
    endpoint: str,
    headers: Sequence[tuple[str, str]] = [],
    protocol: str = "http/protobuf",
    compression: str = "none",
    timeout_ms: int = 10000,
    certificate: str = "",
    client_certificate: str = "",
    client_key: str = "",
) -> Exporter:
    """OTLP over HTTP: protobuf or JSON body, optional gzip, TLS verification on.

    Raises:
        ValueError: bad endpoint, header, protocol ("http/protobuf" | "http/json"),
            compression ("none" | "gzip"), timeout_ms (must be > 0), or an unreadable
            certificate or key file. The message is one line and never contains
            header values.
    """

def jaeger_udp_exporter(
    *, host: str = "localhost", port: int = 6831, max_packet_size: int = 65000
) -> Exporter:
    """Jaeger agent: Thrift compact Agent.emitBatch over UDP, one message per datagram.

    Batches are split so that each datagram is at most max_packet_size bytes; a span
    larger than that has its string values shortened, never dropped.

    Raises:
        ValueError: empty host, port outside 1-65535, or max_packet_size outside
            512-65507.
    """

def jaeger_http_exporter(
    *,
    endpoint: str,
    headers: Sequence[tuple[str, str]] = [],
    timeout_ms: int = 10000,
    certificate: str = "",
    client_certificate: str = "",
    client_key: str = "",
) -> Exporter:
    """Jaeger collector: a Thrift binary Batch per export, POSTed to endpoint
    (e.g. http://localhost:14268/api/traces) as application/x-thrift.

    Raises:
        ValueError: bad endpoint, header, timeout_ms (must be > 0), or an unreadable
            certificate or key file.
    """

def zipkin_exporter(
    *,
    endpoint: str,
    headers: Sequence[tuple[str, str]] = [],
    compression: str = "none",
    timeout_ms: int = 10000,
    certificate: str = "",
    client_certificate: str = "",
    client_key: str = "",
) -> Exporter:
    """Zipkin v2 JSON: a span array per export, POSTed to endpoint
    (e.g. http://localhost:9411/api/v2/spans).

    Raises:
        ValueError: bad endpoint, header, compression ("none" | "gzip"), timeout_ms
            (must be > 0), or an unreadable certificate or key file.
    """

def _memory_exporter(*, fail: bool = False) -> Exporter:
    """Testing: keeps exported batches for Pipeline._take_encoded().

    fail=True makes every export fail (the batch is still kept).
    """

def parse_otlp_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """Parses OTEL_EXPORTER_OTLP_[TRACES_]* from a mapping such as dict(os.environ).

    Never raises for bad values: they go to result["errors"] and defaults are kept.
    Keys: endpoint (str: the OTLP/HTTP URL), grpc_endpoint (str: the OTLP/gRPC URL,
    the variable as given), headers (list[tuple[str, str]]), protocol (str: "grpc",
    "http/protobuf" or "http/json"),
    compression (str), timeout_ms (int), certificate, client_certificate,
    client_key (str), from_env (list[str]: the keys taken from the environment),
    errors (list[str]: one line each; header values are never echoed).
    """

def parse_headers(value: str, *, source: str = "") -> tuple[list[tuple[str, str]], list[str]]:
    """Parses "k1=v1,k2=v2" (trimmed, values percent-decoded).

    Returns:
        (headers, errors); malformed members are skipped and reported without their
        value, each error prefixed with "<source>: " when source is given.
    """

def validate_endpoint(url: str) -> str | None:
    """None if url is an absolute http(s) URL with a host (and a port 1-65535
    if any), else a one-line error."""

REDACTED: str

class Redactor:
    """Replaces secret values inside strings (the core's Redactor)."""

    def __init__(self, secrets: list[str] = ...) -> None:
        """Empty and duplicate secrets are ignored."""
    @property
    def empty(self) -> bool: ...
    def text(self, value: str) -> str:
        """value with every secret replaced by REDACTED, the longest where several start
        at one place; the same object when there is none."""
    def clean(self, value: object) -> object:
        """An attribute value as the OpenTelemetry API spans keep it (strings redacted,
        sequences as lists), or None where the SDK would drop it."""

class Span:
    """A span being recorded; end() hands it to its Pipeline.

    All setters are no-ops once the span has ended.
    """

    @property
    def trace_id(self) -> bytes:
        """The 16-byte trace id."""
    @property
    def span_id(self) -> int:
        """The non-zero 64-bit span id."""
    @property
    def parent_span_id(self) -> int:
        """The parent's span id, 0 for a root span."""
    @property
    def trace_id_hex(self) -> str:
        """32 lower-case hex characters."""
    @property
    def span_id_hex(self) -> str:
        """16 lower-case hex characters."""
    @property
    def name(self) -> str: ...
    @property
    def start_time_ns(self) -> int:
        """Nanoseconds since the Unix epoch."""
    @property
    def end_time_ns(self) -> int:
        """Nanoseconds since the Unix epoch; 0 until ended."""
    @property
    def is_recording(self) -> bool:
        """False once ended."""
    def set_attribute(self, key: str, value: object) -> None:
        """Sets (or replaces) one attribute.

        Args:
            value: str, bool, int, float, or a list/tuple holding only one of those types.

        Raises:
            TypeError: any other value type, or a mixed list.
            OverflowError: an int outside the signed 64-bit range.
        """
    def set_attributes(self, attributes: dict[str, object]) -> None:
        """Sets several attributes; on error none of them is applied."""
    def add_event(
        self, name: str, attributes: dict[str, object] | None = None, timestamp_ns: int = 0
    ) -> None:
        """Adds an event; timestamp_ns 0 means now."""
    def set_status(self, code: int, description: str = "") -> None:
        """Sets the status with OpenTelemetry semantics.

        STATUS_UNSET is ignored, STATUS_OK is final, and the description is kept only
        with STATUS_ERROR.

        Raises:
            ValueError: code is not 0, 1 or 2.
        """
    def update_name(self, name: str) -> None: ...
    def __repr__(self) -> str: ...
    def end(self, end_time_ns: int = 0) -> None:
        """Ends the span (0 means now) and queues it for export; later calls do nothing.

        After the pipeline has shut down the span is counted as dropped.
        """

class Pipeline:
    """Batches ended spans and exports them on a background thread."""

    def __init__(
        self,
        exporter: Exporter,
        *,
        resource: dict[str, object] = {},
        scope_name: str = "chaostracing",
        scope_version: str = "",
        max_queue_size: int = 2048,
        max_export_batch_size: int = 512,
        schedule_delay_ms: int = 1000,
        export_timeout_ms: int = 10000,
        max_queue_bytes: int = 33554432,
        spool: Spool | None = None,
    ) -> None:
        """Takes the exporter over.

        Spans past max_queue_size or max_queue_bytes, batches whose export failed and spans
        left at the shutdown deadline go to the spool (keyed by the exporter's describe()),
        or are dropped without one; the export thread replays what the spool holds for the
        same destination.

        Raises:
            ValueError: the exporter is already used by another Pipeline, or a size or
                timeout is out of range.
            TypeError: a resource attribute has an unsupported type.
        """
    def start_span(
        self,
        name: str,
        *,
        parent: Span | None = None,
        trace_id: bytes | None = None,
        parent_span_id: int = 0,
        trace_state: str = "",
        kind: int = 1,
        start_time_ns: int = 0,
        attributes: dict[str, object] | ActivityAttributes | None = None,
    ) -> Span:
        """Starts a span (taking the attributes of an ActivityAttributes, which it leaves
        empty).

        With parent: same trace (and trace_state unless given), parent_span_id =
        parent.span_id. Else trace_id (16 bytes) and parent_span_id when given, else a
        new random trace id. start_time_ns 0 means now.

        Raises:
            ValueError: trace_id is not 16 non-zero bytes, or kind is not 0-5.
        """
    def force_flush(self, timeout_ms: int = 30000) -> bool:
        """Exports everything ended so far; True if done within the timeout. Releases the GIL."""
    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Flushes, then stops the export thread; never blocks past the timeout.

        True if everything was exported (or failed) in time. Idempotent: later calls
        return the first result. Releases the GIL.
        """
    def stats(self) -> dict[str, int]:
        """Counters: queued, exported, failed, spooled, dropped, rejected (the part of
        dropped the backend refused) and replayed (spans of earlier runs delivered)."""
    def rejection_error(self) -> str:
        """Why the backend refused the last batch it rejected, "" if none."""
    def spool_error(self) -> str:
        """The spool's most recent error, "" if none (or no spool)."""
    def last_error(self) -> str:
        """The exporter's most recent error, "" if none."""
    def describe(self) -> str:
        """The exporter's description."""
    def close(self, timeout_ms: int = 30000, report: str = "", link: str = "") -> Closing:
        """``shutdown(timeout_ms)`` on a thread of its own, then, given a ``report`` path, the
        report of what the file exporter kept written there, with ``link`` to the trace in a
        backend; returns at once."""
    def written_report(self) -> ReportData | None:
        """The report of what the file exporter wrote since the last call
        (``file_exporter(keep_bytes=N)``); None when it kept none or not all of it (more
        than N bytes written)."""
    def _take_encoded(self, kind: str = "proto", repeat: int = 1) -> list[bytes]:
        """Testing (only with _memory_exporter()): the OTLP encoding ("proto" or "json")
        of each batch exported since the last call, oldest first. Benchmarks: each
        batch is encoded ``repeat`` times (the encoder's cost alone is the difference
        between two repeats).
        """

class ReportData:
    """The report of a run's spans: rows, summary and the page's data (report.hpp)."""

    def __len__(self) -> int:
        """The number of spans."""
    def rows(self) -> list[tuple[int, int, str, str, bool, bool]]:
        """(span index, depth, lane, kind, has_children, orphan) per row, in display order."""
    def summary(self) -> tuple[str, tuple[str, ...], str, bool, str, int, int, tuple[int, ...]]:
        """(title, trace_ids, status, deviated, deviation, start_ns, end_ns, error span
        indices)."""
    def json(self, link: str = "") -> str:
        """The page's data, as JSON safe inside a <script> element."""
    def page(self, link: str = "") -> str:
        """The report as one HTML document."""
    def write_page(self, path: str, link: str = "") -> None:
        """Write ``page(link)`` to ``path`` through a temporary file renamed over it (mode
        0644). Raises OSError naming the path."""

class ActivityAttributes:
    """An activity's span attributes (``activity_attributes()``)."""

    name: str
    """The activity's name, redacted."""
    def as_dict(self) -> dict[str, object]:
        """The attributes as a dict, in order."""

def activity_attributes(
    activity: Mapping[str, Any],
    redactor: Any,
    max_value_bytes: int,
    experiment_dry: Any,
    encode: Callable[[Any, Any, int], str],
    cicd: bool = False,
) -> ActivityAttributes:
    """The attributes of the span of chaoslib's ``activity``, for ``Pipeline.start_span()``:
    strings through ``redactor`` (``chaostracing.content.Redactor``), JSON values by
    ``encode(value, redactor, max_value_bytes)`` unless an int, float, bool or None; with
    ``cicd``, the OpenTelemetry ``cicd.pipeline.task.name`` too."""

def record_activity_run(
    span: Span,
    run: Mapping[str, Any],
    redactor: Any,
    max_value_bytes: int,
    encode: Callable[[Any, Any, int], str],
    cicd: bool = False,
) -> str:
    """Set what chaoslib's ``run`` of the span's activity says on ``span`` — its status, its
    output as ``encode()`` writes it, and with ``cicd`` the OpenTelemetry
    ``cicd.pipeline.task.run.result`` — and return the status ("" when it has none)."""

def activity_run_attributes(
    run: Mapping[str, Any],
    redactor: Any,
    max_value_bytes: int,
    encode: Callable[[Any, Any, int], str],
    cicd: bool = False,
) -> ActivityAttributes:
    """What record_activity_run() sets on a span, as ActivityAttributes."""

def activity_is_dry(activity: Mapping[str, Any], experiment_dry: Any) -> bool:
    """Whether chaoslib skips this activity's provider call (``--dry``)."""

class Closing:
    """A Pipeline closing on a thread of its own (``Pipeline.close()``)."""

    def wait(self, timeout_ms: int) -> bool:
        """Whether it is done, waiting up to ``timeout_ms`` for it."""
    @property
    def delivered(self) -> bool:
        """Whether every span was exported (``shutdown()``'s answer); waits for it."""
    @property
    def report(self) -> tuple[bool, int, str]:
        """(kept, spans, error): kept is False when the exporter did not keep all it wrote
        (or there was no report to write) and nothing was written; error is "" when the
        report was written. Waits for it."""

def report_data(spans: Iterable[Sequence[Any]], display: Callable[[Any], str]) -> ReportData:
    """The report of ``chaostracing.trace_file.Span`` tuples; ``display(value)`` shows a
    value that is not str, bool, a 64-bit int or float."""

def extract_context(
    formats: Sequence[str], headers: Mapping[str, str]
) -> tuple[bytes, int, int, str] | None:
    """The remote trace context carried by received headers.

    Formats are tried in order ("tracecontext", "baggage", "b3", "b3multi", "jaeger");
    the first that carries a valid context wins. "b3" and "b3multi" both read the
    single b3 header first, then the X-B3-* headers. Header names are matched
    case-insensitively; a mapping whose items() repeats a name (several header lines)
    is read line by line.

    Returns:
        (trace_id: 16 bytes, span_id, flags, trace_state), or None when no format
        carries a valid context. flags holds the W3C bits (0x01 sampled, 0x02 random)
        and 0x80 for a B3/Jaeger debug trace; trace_state is a valid tracestate or "".
        Malformed headers never raise: they extract as None (an invalid tracestate as "").

    Raises:
        ValueError: an unknown format name (the message lists the accepted ones).
        TypeError: formats is a single str, or headers is not a mapping.
    """

def extract_baggage(formats: Sequence[str], headers: Mapping[str, str]) -> dict[str, str]:
    """Baggage carried by received headers: the W3C "baggage" header(s) for
    "baggage", uberctx-<key> headers for "jaeger" (keys lower-cased), nothing for the
    others. Values are decoded; malformed members are skipped. For a key carried by
    several formats, the first format wins.

    Raises:
        ValueError: an unknown format name.
    """

def inject_context(
    formats: Sequence[str],
    trace_id: bytes,
    span_id: int,
    flags: int,
    trace_state: str,
    baggage: Mapping[str, str],
) -> dict[str, str]:
    """The headers that carry a context (and baggage) in every format asked for.

    Names: "traceparent" and "tracestate" (when valid and not empty), "baggage",
    "b3", "X-B3-TraceId" / "X-B3-SpanId" / "X-B3-Sampled" or "X-B3-Flags" (never
    X-B3-ParentSpanId), "uber-trace-id" and "uberctx-<key>". A zero trace_id or
    span_id writes no context headers, only baggage. tracestate is truncated to 512
    characters by whole entries; baggage to 180 members and 8192 bytes.

    Raises:
        ValueError: an unknown format name, trace_id not 16 bytes, flags not 0-255.
        TypeError: a non-str baggage key or value, a negative span_id.
    """

def parse_baggage(value: str) -> dict[str, str]:
    """A W3C baggage header value as {key: percent-decoded value}.

    Malformed members are skipped, never raised; properties are dropped; a repeated
    key keeps its last value; at most 180 members and 8192 bytes are kept.
    """

def format_baggage(baggage: Mapping[str, str]) -> str:
    """A W3C baggage header value: key=value joined with ",", values percent-encoded.

    Keys that are not HTTP tokens are skipped; members past 180 or 8192 bytes are
    left out.
    """

class Spool:
    """The on-disk spool of batches that could not be delivered: a private directory
    (0700, files 0600) of CRC-framed, fsync'd records, replayed at-least-once."""

    def __init__(self, path: str, *, max_bytes: int = 536870912) -> None:
        """Opens (creating it if needed) the spool directory.

        Raises:
            OSError: the directory cannot be created, or belongs to another user.
            ValueError: max_bytes is not positive.
        """
    def directory(self) -> str: ...
    def append(self, destination: str, payload: bytes, span_count: int) -> bool:
        """Appends one record (payload: an OTLP protobuf ExportTraceServiceRequest);
        False (see last_error()) when the spool is full or the disk fails."""
    def stats(self, destination: str = "") -> dict[str, int]:
        """Pending records, spans, bytes and segments ("" = every destination)."""
    def pending(self, destination: str = "") -> list[dict[str, Any]]:
        """Pending records, oldest first: destination, span_count, created_unix_nano, payload."""
    def replay(
        self,
        exporter: Exporter,
        *,
        destination: str | None = None,
        timeout_ms: int = 10000,
        progress: Callable[[int, int], object] | None = None,
    ) -> dict[str, Any]:
        """Delivers the records of `destination` (default: the exporter's describe())
        through `exporter`, each removed once delivered or rejected; stops at the first
        failure. progress(records, spans) after each record. Releases the GIL.

        Returns records_delivered, spans_delivered, records_rejected, spans_rejected,
        stopped (a delivery failed), busy (another replay holds the lock), last_error.
        """
    def last_error(self) -> str: ...

class _ApiSpanMethods:
    """The OpenTelemetry API's Span methods, as ApiSpan and ApiSpanView have them
    (a stub-only base: the two native classes each define them). Nothing passed
    raises; values the SDK would drop are dropped; every string is redacted with
    the run's Redactor."""

    def get_span_context(self) -> Any: ...
    def is_recording(self) -> bool: ...
    def set_attribute(self, key: object, value: object) -> None: ...
    def set_attributes(self, attributes: object) -> None: ...
    def add_event(
        self, name: object, attributes: object = None, timestamp: int | None = None
    ) -> None: ...
    def add_link(self, context: Any, attributes: object = None) -> None: ...
    def update_name(self, name: object) -> None: ...
    def set_status(self, status: Any, description: str | None = None) -> None: ...
    def record_exception(
        self,
        exception: BaseException,
        attributes: object = None,
        timestamp: int | None = None,
        escaped: bool = False,
    ) -> None: ...
    def end(self, end_time: int | None = None) -> None: ...
    def __exit__(self, exc_type: object, exc: object, tb: object) -> None: ...

class ApiSpan(_ApiSpanMethods):
    """A span made through the OpenTelemetry API, over the core's span."""

    def __enter__(self) -> ApiSpan: ...

class CurrentSpan:
    """start_as_current_span()'s context manager (and decorator)."""

    def __enter__(self) -> Any: ...
    def __exit__(self, exc_type: object, exc: object, tb: object) -> None: ...
    def _fresh(self) -> CurrentSpan: ...
    def __call__(self, function: Any) -> Any: ...

class ApiTracer:
    """The OpenTelemetry API's Tracer over the run set by set_api_run()."""

    def __init__(self, scope_name: str) -> None: ...
    def start_span(
        self,
        name: str,
        context: Any = None,
        kind: Any = None,
        attributes: object = None,
        links: Any = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
    ) -> Any: ...
    def start_as_current_span(
        self,
        name: str,
        context: Any = None,
        kind: Any = None,
        attributes: object = None,
        links: Any = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
        end_on_exit: bool = True,
    ) -> CurrentSpan: ...

class OpenSpans:
    """The lifecycle's open spans by thread, and the run's phase and experiment spans (the
    parents of spans started elsewhere)."""

    phase: Span | None
    experiment: Span | None

    def __init__(self) -> None: ...
    def open(self, thread: int, span: Span) -> None: ...
    def close(self, thread: int, span: Span) -> None: ...
    def clear(self) -> None: ...
    def current(self, thread: int | None = None) -> Span | None: ...

class ActivitySpans:
    """The activities' spans of one run (chaostracing.lifecycle): native, as they run for
    every activity. See bindings/bind_activity_spans.cpp."""

    binder: Any
    experiment_dry: Any
    main_thread: int
    continuous_open: bool
    cause: str
    @property
    def first_trace_id(self) -> str: ...
    def __init__(
        self,
        pipeline: Pipeline,
        open_spans: OpenSpans,
        redactor: Any,
        max_value_bytes: int,
        encode: Callable[[Any, Any, int], str],
        cicd: bool = False,
        *,
        remote_parent: Any = None,
        make_injector: Callable[[], Any] | None = None,
        on_failure: Callable[[Span, Mapping[str, Any]], None] | None = None,
        on_pauses: Callable[[Span, Mapping[str, Any], Mapping[str, Any], bool, bool, int], None]
        | None = None,
        open_iteration: Callable[[], None] | None = None,
    ) -> None: ...
    def started(self, activity: Mapping[str, Any], by_hook: bool = False) -> None: ...
    def finished(
        self, activity: Mapping[str, Any], run: Mapping[str, Any] | None, by_hook: bool = False
    ) -> None: ...
    def hypothesis_opened(self, span: Span) -> None: ...
    def hypothesis(self) -> Span | None: ...
    def hypothesis_closed(self, span: Span) -> list[tuple[Span, Mapping[str, Any], int]]: ...
    def clear(self) -> list[Span]: ...

def set_api_run(
    pipeline: Pipeline | None, redactor: Redactor | None, open_spans: OpenSpans | None
) -> None:
    """The run ApiTracer's spans belong to; None for none (they are then INVALID_SPAN)."""

class ApiSpanView(_ApiSpanMethods):
    """A lifecycle span as the OpenTelemetry API sees it while it is current: the
    methods of ApiSpan, over a Span the lifecycle owns."""

    def __init__(self, span: Span, redactor: Redactor) -> None: ...
    @property
    def core(self) -> Span: ...
    def __enter__(self) -> ApiSpanView: ...
