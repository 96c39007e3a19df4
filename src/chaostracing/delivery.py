"""Delivery guarantees of a traced run: the spool, the queue's caps, the exit
deadline and the end-of-run counters; and :func:`replay`, which sends what
earlier runs spooled.

What cannot be delivered — the backend is down, the queue overflows, the exit
deadline passes — is appended to an on-disk spool instead of being dropped,
and delivered later: automatically by the next traced run to the same
destination (in its export thread, never in a hook), or by
``chaos trace replay``. Delivery is at-least-once; spans keep their ids, so a
duplicate is recognisable. The spool stores the destination's identity (the
exporter and endpoint, without credentials) but never headers: a replay
applies the headers and certificates configured when it runs.

Settings (environment):

``CHAOSTRACING_SPOOL_DIR``
    The spool directory; default ``${XDG_CACHE_HOME:-~/.cache}/chaostracing/spool``
    (mode 0700, files 0600). ``off`` disables spooling.
``CHAOSTRACING_SPOOL_MAX_BYTES``
    The spool's size on disk, default 512 MiB (a burst of a million spans
    takes 300 MB); past it, spans are dropped (counted).
``OTEL_BSP_MAX_QUEUE_SIZE``
    Spans held in memory while the backend is slow, default 32768 (the
    OpenTelemetry SDK's 2048 overflows within a burst of spans from a few
    threads; memory is bounded by the byte cap below either way).
``CHAOSTRACING_MAX_QUEUE_BYTES``
    The same, in bytes, default 32 MiB. Past either cap, spans go to the spool,
    written by a thread of its own; at most this many bytes more wait for it.
``CHAOSTRACING_FLUSH_TIMEOUT_MS``
    How long the end of the run may spend delivering the last spans before it
    spools them; default: the export timeout.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from chaostracing import _core

__all__ = [
    "FILE_WRITE_DELAY_MS",
    "DeliverySettings",
    "ReplayResult",
    "default_spool_dir",
    "exit_timeout_ms",
    "pipeline_options",
    "replay",
    "report",
    "settings",
]

logger = logging.getLogger("chaostoolkit")

_MIB = 1 << 20
_DEFAULT_QUEUE = 32768
_OFF = ("off", "none", "no", "false", "0")

#: ``progress(records_done, spans_done)`` after each delivered record.
Progress = Callable[[int, int], None]


# Plain classes, not dataclasses or named tuples: defining one of those at import costs a
# traced run 0.1-1 ms (a named tuple compiles its __new__), these ~10 us each.
class DeliverySettings:
    """The delivery settings, resolved from the environment by :func:`settings`."""

    __slots__ = (
        "errors",
        "flush_timeout_ms",
        "max_queue_bytes",
        "max_queue_size",
        "spool_dir",
        "spool_max_bytes",
    )

    def __init__(
        self,
        *,
        spool_dir: str | None,
        spool_max_bytes: int,
        max_queue_size: int,
        max_queue_bytes: int,
        flush_timeout_ms: int | None,
        errors: tuple[str, ...],
    ) -> None:
        #: None when spooling is off.
        self.spool_dir = spool_dir
        self.spool_max_bytes = spool_max_bytes
        self.max_queue_size = max_queue_size
        self.max_queue_bytes = max_queue_bytes
        #: None: the export timeout.
        self.flush_timeout_ms = flush_timeout_ms
        self.errors = errors


def default_spool_dir(environ: Mapping[str, str] | None = None) -> str:
    """``${XDG_CACHE_HOME:-~/.cache}/chaostracing/spool``: one spool per user."""
    environ = os.environ if environ is None else environ
    cache = environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(cache) if cache and os.path.isabs(cache) else Path.home() / ".cache"
    return str(base / "chaostracing" / "spool")


def _positive(environ: Mapping[str, str], name: str, default: int, errors: list[str]) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        errors.append(f"{name}={raw!r} is not valid; accepted: a positive whole number")
        return default
    return value


def settings(environ: Mapping[str, str] | None = None) -> DeliverySettings:
    """Read the delivery settings; a bad value is reported and its default kept."""
    environ = os.environ if environ is None else environ
    errors: list[str] = []
    spool_dir: str | None = environ.get("CHAOSTRACING_SPOOL_DIR", "").strip()
    if spool_dir and spool_dir.lower() in _OFF:
        spool_dir = None
    elif not spool_dir:
        spool_dir = default_spool_dir(environ)
    flush = environ.get("CHAOSTRACING_FLUSH_TIMEOUT_MS", "").strip()
    return DeliverySettings(
        spool_dir=spool_dir,
        spool_max_bytes=_positive(environ, "CHAOSTRACING_SPOOL_MAX_BYTES", 512 * _MIB, errors),
        max_queue_size=_positive(environ, "OTEL_BSP_MAX_QUEUE_SIZE", _DEFAULT_QUEUE, errors),
        max_queue_bytes=_positive(environ, "CHAOSTRACING_MAX_QUEUE_BYTES", 32 * _MIB, errors),
        flush_timeout_ms=(
            _positive(environ, "CHAOSTRACING_FLUSH_TIMEOUT_MS", 1, errors) if flush else None
        ),
        errors=tuple(errors),
    )


def _open_spool(spool_dir: str, max_bytes: int) -> _core.Spool | None:
    try:
        return _core.Spool(spool_dir, max_bytes=max_bytes)
    except OSError as error:
        logger.warning(
            "chaostracing: cannot use the spool %s (%s); undeliverable spans will be dropped",
            spool_dir,
            error.strerror or error,
        )
        return None


#: How long a trace file's writer waits after a span ends before writing what it has.
FILE_WRITE_DELAY_MS = 20


def pipeline_options(provider: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Extra keyword arguments of ``_core.Pipeline``: the caps, and the spool
    for the network providers (a trace file is written where it is, or not at all)."""
    resolved = settings(environ)
    for error in resolved.errors:
        logger.warning("chaostracing: %s", error)
    options: dict[str, Any] = {
        "max_queue_size": resolved.max_queue_size,
        "max_queue_bytes": resolved.max_queue_bytes,
    }
    if provider in ("otlp", "jaeger", "zipkin") and resolved.spool_dir is not None:
        options["spool"] = _open_spool(resolved.spool_dir, resolved.spool_max_bytes)
    if provider == "file":
        # Written as the run goes, not at its end: `tail -f` follows the run, a killed run
        # leaves its spans on disk, and the export thread writes beside the experiment
        # instead of the run waiting for it at exit (~0.7 ms of a 200-activity run).
        options["schedule_delay_ms"] = FILE_WRITE_DELAY_MS
    return options


def exit_timeout_ms(export_timeout_ms: int, environ: Mapping[str, str] | None = None) -> int:
    """How long the end of the run may spend delivering before it spools the rest."""
    flush = settings(environ).flush_timeout_ms
    return export_timeout_ms if flush is None else flush


def report(pipeline: _core.Pipeline, delivered: bool, spool_dir: str | None = None) -> None:
    """Log, once, what became of the run's spans: sent, spooled (and where), dropped (and why)."""
    stats = pipeline.stats()
    spooled, dropped = stats["spooled"], stats["dropped"]
    where = pipeline.describe()
    if spooled:
        logger.warning(
            "chaostracing: %d of %d spans could not be delivered to %s (%s); %d spooled in %s, "
            "sent at the next traced run or by `chaos trace replay`",
            spooled,
            stats["queued"],
            where,
            pipeline.last_error() or "export did not finish in time",
            spooled,
            spool_dir or settings().spool_dir or "the spool",
        )
    if dropped:
        reasons = []
        if stats["rejected"]:
            reasons.append(
                f"{stats['rejected']} refused by the backend: {pipeline.rejection_error()}"
            )
        if pipeline.spool_error():
            reasons.append(f"the spool could not take them: {pipeline.spool_error()}")
        if not reasons:
            reasons.append("the queue was full or they ended after the run")
        logger.warning(
            "chaostracing: %d spans dropped (%s)",
            dropped,
            "; ".join(reasons),
        )
    elif not delivered and not spooled:
        logger.warning(
            "chaostracing: %d of %d spans could not be delivered to %s: %s",
            stats["queued"] - stats["exported"],
            stats["queued"],
            where,
            pipeline.last_error() or "export did not finish in time",
        )
    logger.info(
        "chaostracing: delivery: %d spans sent, %d spooled, %d dropped, %d replayed from "
        "earlier runs",
        stats["exported"],
        spooled,
        dropped,
        stats["replayed"],
    )


class ReplayResult:
    """What :func:`replay` did, over every destination it tried."""

    __slots__ = (
        "errors",
        "records_delivered",
        "spans_delivered",
        "spans_pending",
        "spans_rejected",
    )

    def __init__(self) -> None:
        self.records_delivered = 0
        self.spans_delivered = 0
        self.spans_rejected = 0
        #: Spans still in the spool afterwards (for the destinations tried).
        self.spans_pending = 0
        #: One line per destination that could not be (fully) replayed.
        self.errors: list[str] = []


def _pending_destinations(spool: _core.Spool) -> dict[str, int]:
    destinations: dict[str, int] = {}
    for record in spool.pending():
        name = str(record["destination"])
        destinations[name] = destinations.get(name, 0) + int(record["span_count"])
    return destinations


def _exporter_for(destination: str, environ: Mapping[str, str]) -> _core.Exporter:
    """The exporter of a spooled destination, configured as of now (``OTEL_*``)."""
    kind, _, endpoint = destination.rpartition(" ")
    env = _core.parse_otlp_env(dict(environ))
    common: dict[str, Any] = {
        "certificate": env["certificate"],
        "client_certificate": env["client_certificate"],
        "client_key": env["client_key"],
    }
    if kind == "OTLP/HTTP":
        protocol = str(env["protocol"])
        return _core.otlp_http_exporter(
            endpoint=endpoint,
            headers=list(env["headers"]),
            protocol=protocol if protocol != "grpc" else "http/protobuf",
            compression=str(env["compression"]),
            timeout_ms=int(env["timeout_ms"]),
            **common,
        )
    factories: dict[str, Callable[..., _core.Exporter]] = {
        "Zipkin": _core.zipkin_exporter,
        "Jaeger Thrift/HTTP": _core.jaeger_http_exporter,
    }
    if kind == "OTLP/gRPC":
        from chaostracing import _grpc  # loads gRPC's libraries: only when asked for

        factories[kind] = _grpc.otlp_grpc_exporter
    if kind not in factories:
        raise ValueError(f"cannot replay to {destination!r}: unknown destination")
    kwargs: dict[str, Any] = {"endpoint": endpoint, "timeout_ms": int(env["timeout_ms"]), **common}
    if kind == "OTLP/gRPC":
        kwargs["headers"] = list(env["headers"])
    return factories[kind](**kwargs)


def replay(
    spool_dir: str | os.PathLike[str] | None = None,
    *,
    destination: str | None = None,
    progress: Progress | None = None,
    environ: Mapping[str, str] | None = None,
) -> ReplayResult:
    """Send what the spool holds, destination by destination, oldest first.

    Each record leaves the spool once delivered (or refused for good by the
    backend); a destination that does not answer keeps its records for later.
    Headers and certificates are those of the current ``OTEL_EXPORTER_OTLP_*``
    variables, never stored ones.

    Raises:
        OSError: the spool directory cannot be opened or is not private.
    """
    environ = os.environ if environ is None else environ
    directory = str(spool_dir) if spool_dir is not None else settings(environ).spool_dir
    if directory is None:
        directory = default_spool_dir(environ)
    spool = _core.Spool(directory)
    result = ReplayResult()
    pending = _pending_destinations(spool)
    targets = [destination] if destination is not None else sorted(pending)
    timeout_ms = int(_core.parse_otlp_env(dict(environ))["timeout_ms"])
    done_records = 0
    done_spans = 0

    def step(records: int, spans: int) -> None:
        if progress is not None:
            progress(done_records + records, done_spans + spans)

    for target in targets:
        try:
            exporter = _exporter_for(target, environ)
        except ValueError as error:
            result.errors.append(str(error))
            continue
        outcome = spool.replay(exporter, destination=target, timeout_ms=timeout_ms, progress=step)
        done_records += int(outcome["records_delivered"])
        done_spans += int(outcome["spans_delivered"])
        result.records_delivered += int(outcome["records_delivered"])
        result.spans_delivered += int(outcome["spans_delivered"])
        result.spans_rejected += int(outcome["spans_rejected"])
        if outcome["busy"]:
            result.errors.append(f"{target}: another replay is running")
        elif outcome["stopped"]:
            result.errors.append(f"{target}: {outcome['last_error'] or 'not delivered'}")
        elif outcome["spans_rejected"]:
            result.errors.append(f"{target}: refused by the backend: {outcome['last_error']}")
    result.spans_pending = sum(int(spool.stats(t)["spans"]) for t in targets)
    return result
