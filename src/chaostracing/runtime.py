"""The tracing of the current ``chaos run``: set up once, shared by both controls.

``configure`` turns a resolved :class:`~chaostracing.config.TracingConfig` into
an exporter and a pipeline, reporting each configuration problem once on the
``chaostoolkit`` logger; ``finish`` ends what is still open, flushes within the
export timeout and says where the trace went. A control declared twice (in the
settings file and in the experiment) shares the one run: one trace, not two.
"""

from __future__ import annotations

import atexit
import logging
import os
import platform
import socket
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from chaostracing import _core, delivery, post_import
from chaostracing.config import TracingConfig, beside
from chaostracing.content import Redactor, secret_values
from chaostracing.interruptions import InterruptionEvents, SignalWatch
from chaostracing.lifecycle import Content, RunTracer
from chaostracing.versions import distribution_version

if TYPE_CHECKING:
    from chaostracing.injection import Injector
    from chaostracing.propagation import Remote

__all__ = ["active", "configure", "finish", "wait_for_end"]

logger = logging.getLogger("chaostoolkit")

# Spare time on top of the export timeout for the last flush at exit: enough
# for the exporter's own deadline to fire and the worker to hand back.
_SHUTDOWN_MARGIN_MS = 500
# And for writing the report after it (~0.1 s for 10,000 spans): past both, the end of the
# run is not waited for.
_REPORT_MARGIN_MS = 5000

# The trace file's exporter keeps the spans it writes for the report, which then need not
# read them back from the file, while the file is under this size (a 200-activity run
# writes ~170 KB); past it, the report reads the file.
_REPORT_BYTES_KEPT = 16 << 20

_lock = threading.Lock()
_run: RunTracer | None = None
_config: TracingConfig | None = None
_signals: SignalWatch | None = None
_references = 0
_atexit_registered = False


def active() -> RunTracer | None:
    """The tracer of the run in progress, if a control configured one."""
    return _run


def _resource(config: TracingConfig) -> dict[str, object]:
    resource: dict[str, object] = {}
    extra, problems = _core.parse_headers(
        os.environ.get("OTEL_RESOURCE_ATTRIBUTES", ""), source="OTEL_RESOURCE_ATTRIBUTES"
    )
    for problem in problems:
        logger.warning("chaostracing: %s", problem)
    resource.update(dict(extra))
    resource.update(
        {
            "service.name": config.service_name,
            "telemetry.sdk.name": "chaostracing",
            "telemetry.sdk.language": "python",
            "telemetry.sdk.version": distribution_version("chaostoolkit-opentracing"),
            "host.name": socket.gethostname(),
            "host.arch": platform.machine(),
            "os.type": sys.platform,
            "process.pid": os.getpid(),
            "process.executable.path": sys.executable,
            "process.command_args": list(sys.argv),
            "process.runtime.name": sys.implementation.name,
            "process.runtime.version": platform.python_version(),
            "chaostoolkit.version": distribution_version("chaostoolkit"),
            "chaostoolkit.lib.version": distribution_version("chaostoolkit-lib"),
        }
    )
    return resource


def _file_exporter(config: TracingConfig) -> _core.Exporter | None:
    # The configured file, else the embedded default, else the temp folder:
    # a trace that cannot be written where asked is still written somewhere.
    for path in _trace_file_candidates(config):
        try:
            exporter = _core.file_exporter(path=path, truncate=True, keep_bytes=_REPORT_BYTES_KEPT)
        except OSError as error:
            logger.warning("chaostracing: cannot write the trace file: %s", error)
            continue
        config.path = path
        return exporter
    return None


def _trace_file_candidates(config: TracingConfig) -> Iterator[str]:
    asked = dict.fromkeys((config.path, config.default_path))
    yield from asked
    # Found only when needed: the temp folder's first lookup writes a probe file (~0.3 ms).
    fallback = os.path.join(tempfile.gettempdir(), "chaostracing.trace.jsonl")
    if fallback not in asked:
        yield fallback


def network_exporter(config: TracingConfig) -> _core.Exporter:
    """The otlp, jaeger or zipkin exporter; ValueError for a bad setting."""
    if config.provider == "jaeger":
        if config.protocol == "http/thrift.binary":
            return _core.jaeger_http_exporter(
                endpoint=config.endpoint, headers=config.headers, timeout_ms=config.timeout_ms
            )
        return _core.jaeger_udp_exporter(host=config.host, port=config.port)
    if config.provider == "zipkin":
        return _core.zipkin_exporter(
            endpoint=config.endpoint,
            headers=config.headers,
            compression=config.compression,
            timeout_ms=config.timeout_ms,
        )
    if config.protocol == "grpc":
        from chaostracing import _grpc  # loads gRPC's libraries: only when asked for

        return _grpc.otlp_grpc_exporter(
            endpoint=config.endpoint,
            headers=config.headers,
            compression=config.compression,
            timeout_ms=config.timeout_ms,
            certificate=config.certificate,
            client_certificate=config.client_certificate,
            client_key=config.client_key,
        )
    return _core.otlp_http_exporter(
        endpoint=config.endpoint,
        headers=config.headers,
        protocol=config.protocol,
        compression=config.compression,
        timeout_ms=config.timeout_ms,
        certificate=config.certificate,
        client_certificate=config.client_certificate,
        client_key=config.client_key,
    )


def _exporter(config: TracingConfig) -> _core.Exporter | None:
    if config.provider in ("otlp", "jaeger", "zipkin"):
        try:
            return network_exporter(config)
        except ValueError as error:
            logger.warning(
                "chaostracing: %s; tracing to the trace file beside the journal instead",
                error,
            )
            config.provider = "file"
            config.embedded_default = True
            config.path = config.default_path
    return _file_exporter(config)


def _destination(config: TracingConfig) -> str:
    return config.path if config.provider == "file" else config.endpoint


def configure(
    config: TracingConfig,
    *,
    experiment: Mapping[str, Any] | None = None,
    configuration: Mapping[str, Any] | None = None,
    secrets: Mapping[str, Any] | None = None,
    event_registry: Any = None,
) -> RunTracer | None:
    """Start tracing this run with ``config``; a second call shares the first run."""
    global _run, _config, _signals, _references, _atexit_registered
    wait_for_end()  # the previous run's, should it have ended in the background
    with _lock:
        _references += 1
        if _run is not None:
            logger.debug("chaostracing: control declared more than once; one trace")
            return _run
        for error in config.errors:
            logger.warning("chaostracing: %s", error)
        if config.errors and config.provider == "file" and config.embedded_default:
            logger.warning(
                "chaostracing: tracing to %s (the embedded default) instead", config.path
            )
        if config.provider == "noop":
            return None
        exporter = _exporter(config)
        if exporter is None:
            logger.warning("chaostracing: no place to write the trace; tracing is off")
            return None
        pipeline = _core.Pipeline(
            exporter,
            resource=_resource(config),
            scope_name="chaostracing",
            scope_version=distribution_version("chaostoolkit-opentracing"),
            export_timeout_ms=config.timeout_ms,
            # Caps and the spool: nothing undeliverable is lost (chaostracing.delivery).
            **delivery.pipeline_options(config.provider),
        )
        journal_entry: dict[str, Any] = {
            "trace_file" if config.provider == "file" else "endpoint": _destination(config)
        }
        content = Content(
            redactor=Redactor(secret_values(experiment, configuration, secrets)),
            max_value_bytes=config.max_value_bytes,
            cicd=config.cicd_attributes,
            run_id=str(uuid.uuid4()),
            journal_entry=journal_entry,
            trace_url=config.trace_url,
        )
        _run = RunTracer(
            pipeline,
            content,
            make_injector=_injector_of(config),
            propagators=config.propagators,
            remote_parent=_remote_parent(),
        )
        # Spans other extensions make through the OpenTelemetry API join this run: the API is
        # ours, and the run's spans current in its context, from the moment something imports
        # it (its import costs a run ~6 ms, which most runs never need; chaostracing.otel's
        # ~0.3 ms too).
        _core.set_api_run(pipeline, content.redactor.native, _run.open_spans)
        post_import.when_imported("opentelemetry.trace", _serve_opentelemetry)
        # OpenTracing's global tracer is ours from the moment something imports the API (its
        # import costs a run ~2 ms, which most runs, with no extension using it, never need).
        post_import.when_imported("opentracing", _install_opentracing)
        _config = config
        _signals = SignalWatch(_run.interrupted)
        if event_registry is not None:
            event_registry.register(InterruptionEvents(_run))
        if not _atexit_registered:
            # Should chaoslib never call cleanup (a crash), still flush, bounded.
            atexit.register(_at_exit)
            _atexit_registered = True
        return _run


def _remote_parent() -> Remote | None:
    """The span of whatever started this run (a CI job's TRACEPARENT), or None."""
    if not os.environ.get("TRACEPARENT"):
        return None  # without importing chaostracing.propagation: most runs have none
    from chaostracing.propagation import from_environment

    return from_environment()


def _injector_of(config: TracingConfig) -> Callable[[], Injector]:
    """What carries an activity span's context into HTTP and process calls. Made, and
    chaostracing.injection imported, at the run's first such activity: many runs have none
    (an extension's Python providers)."""

    def make() -> Injector:
        from chaostracing.injection import Injector

        return Injector(config.propagators, rename=config.header_renames)

    return make


def _install_opentracing() -> None:
    from chaostracing import opentracing_api

    opentracing_api.install()


def _serve_opentelemetry() -> None:
    """The OpenTelemetry API is loaded: serve it, and make the run's spans current in its
    context from now on."""
    from chaostracing import otel

    otel.install()
    run = _run
    if run is not None:
        run.bind_context(otel.ContextBinding(run.content.redactor))


def trace_url(run: RunTracer, config: TracingConfig) -> str:
    return config.trace_url.replace("{trace_id}", run.trace_id) if config.trace_url else ""


def finish(*, background: bool = False) -> None:
    """End the run's tracing: close open spans, deliver the last ones (bounded), write the
    report (with the file provider), and say what became of them.

    Args:
        background: return once the core's thread has the delivery and the report in hand,
            and say what became of them at exit (or at the next ``configure()``). The
            controls end a run so: the run's own end — chaostoolkit writing its journal —
            then goes on meanwhile, on the other core, instead of after them.
    """
    global _run, _config, _signals, _references, _closing
    with _lock:
        _references = max(0, _references - 1)
        if _references > 0 or _run is None or _config is None:
            return
        run, config, signals = _run, _config, _signals
        _run, _config, _signals = None, None, None
    _core.set_api_run(None, None, None)
    if signals is not None:
        signals.restore()
    cut_short = run.end_open_spans()
    if cut_short:
        logger.debug("chaostracing: ended %d spans left open by the run", cut_short)
    # Deliver within the exit deadline, spool the rest, say what became of every span.
    exit_ms = delivery.exit_timeout_ms(config.timeout_ms)
    report, link = _report_target(run, config)
    shutdown_ms = exit_ms + _SHUTDOWN_MARGIN_MS
    closing = _Closing(
        run,
        config,
        run.pipeline.close(shutdown_ms, report, link),
        report,
        bound_ms=shutdown_ms + _REPORT_MARGIN_MS,
    )
    if background:
        with _lock:
            earlier, _closing = _closing, closing
        if earlier is not None:  # two runs ended in the background: say the first now
            _complete(earlier)
        return
    _complete(closing)


class _Closing:
    """A run whose end the core's thread is writing (Pipeline.close())."""

    __slots__ = ("bound_ms", "closing", "config", "report", "run")

    def __init__(
        self,
        run: RunTracer,
        config: TracingConfig,
        closing: _core.Closing,
        report: str,
        *,
        bound_ms: int,
    ) -> None:
        self.run, self.config, self.closing, self.report = run, config, closing, report
        #: How long its end is waited for, at most.
        self.bound_ms = bound_ms


# The run ended with finish(background=True), until what became of its end is said.
_closing: _Closing | None = None


def wait_for_end() -> None:
    """Wait for the end of a run that finished in the background (the controls' runs), and
    say what became of its spans and report; nothing to do if none did. Called at exit and
    by configure(); for a caller of chaoslib's ``run_experiment()`` that needs the report now.
    """
    global _closing
    with _lock:
        closing, _closing = _closing, None
    if closing is not None:
        _complete(closing)


def _complete(ending: _Closing) -> None:
    run, config = ending.run, ending.config
    if not ending.closing.wait(ending.bound_ms):
        logger.warning(
            "chaostracing: the end of trace %s (its last spans, its report) is taking more "
            "than %d ms; not waiting for it",
            run.trace_id,
            ending.bound_ms,
        )
        return
    delivery.report(run.pipeline, ending.closing.delivered)
    stats = run.pipeline.stats()
    logger.info(
        "chaostracing: trace %s (%d spans) sent to %s",
        run.trace_id,
        stats["exported"],
        _destination(config),
    )
    url = trace_url(run, config)
    if url:
        logger.info("chaostracing: see the trace at %s", url)
    if not ending.report:
        return
    kept, _, error = ending.closing.report
    if not kept:  # a trace file too big to keep in memory: read it back
        _write_report(config, ending.report)
    elif error:
        logger.warning("chaostracing: no HTML report: %s", error)
    else:
        logger.info("chaostracing: report of the run in %s", ending.report)


def _report_target(run: RunTracer, config: TracingConfig) -> tuple[str, str]:
    """Where the run's HTML waterfall goes (beside the trace file: ``journal.report.html``;
    "" for none) and its link to the trace in a backend."""
    if config.provider != "file":
        return "", ""
    link = ""
    if config.trace_url:
        from chaostracing.report.html import trace_link

        try:
            link = trace_link(config.trace_url, run.trace_id)
        except ValueError as error:
            logger.warning("chaostracing: no HTML report: %s", error)
            return "", ""
    return str(beside(config.path, ".report.html")), link


def _write_report(config: TracingConfig, out: str) -> None:
    """The report made from the trace file read back."""
    from pathlib import Path

    from chaostracing.report import write_report

    try:
        write_report(Path(config.path), Path(out), link_template=config.trace_url)
    except (OSError, ValueError) as error:
        logger.warning("chaostracing: no HTML report: %s", error)
        return
    logger.info("chaostracing: report of the run in %s", out)


def _at_exit() -> None:
    global _references
    with _lock:
        pending = _run is not None
        _references = 1 if pending else 0
    if pending:
        finish()
    wait_for_end()
