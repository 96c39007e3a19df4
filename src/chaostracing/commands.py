"""What the ``chaos trace`` subcommands do (their command line is :mod:`chaostracing.cli`).

Imported only when a subcommand runs: Chaos Toolkit imports every CLI plugin at each
``chaos`` start, and what this module needs (the native core, the journal and trace file
readers, the report) would cost every ``chaos`` command ~14 ms.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from chaostracing import _core
from chaostracing import config as _config
from chaostracing import delivery as _delivery
from chaostracing.from_journal import (
    JournalError,
    is_journal,
    read_journal,
    resource_of,
    send_spans,
    spans_from_journal,
)
from chaostracing.report.html import write_report
from chaostracing.report.model import report_data
from chaostracing.report.text import render_tree
from chaostracing.trace_file import Span, TraceFileError, parse_lines

__all__ = ["from_journal", "replay", "report", "show"]

logger = logging.getLogger("chaostoolkit")

_CONTROL_MODULES = ("chaostracing.control", "chaostracing.oltp")


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{path}: not a text file (a trace or a journal)") from None
    except OSError as error:
        raise click.ClickException(f"cannot read {path}: {error.strerror or error}") from None


def load_spans(path: Path) -> list[Span]:
    """Spans of a trace file, or of a journal (rebuilt in memory)."""
    text = _read_text(path)
    try:
        document: Any = json.loads(text)
    except json.JSONDecodeError:
        document = None  # several lines: a trace file, read line by line below
    try:
        if is_journal(document):
            spans = spans_from_journal(document)
        else:
            # Split on newlines only: str.splitlines() would also split inside
            # strings holding U+2028, which JSON allows raw.
            spans = parse_lines(text.split("\n"), str(path))
    except (TraceFileError, JournalError) as error:
        raise click.ClickException(
            f"{error} (expected an OTLP/JSON trace file or a chaoslib journal)"
        ) from None
    if not spans:
        raise click.ClickException(f"{path} holds no spans")
    return spans


def report(source: Path, output: Path | None, link_template: str | None) -> None:
    """``chaos trace report``."""
    spans = load_spans(source)
    out = output or _config.beside(source, ".report.html")
    try:
        write_report(source, out, link_template=link_template or "", data=report_data(spans))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--link-template'") from None
    except OSError as error:  # the core's message names the file
        raise click.ClickException(str(error)) from None
    click.echo(f"report of {len(spans)} spans written to {out}")


def show(source: Path, color: bool | None) -> None:
    """``chaos trace show``."""
    click.echo(render_tree(load_spans(source), color=True), color=color)


def _tracing_settings(experiment: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The experiment's own tracing control arguments and ``tracing_*`` configuration."""
    arguments: dict[str, Any] = {}
    for control in experiment.get("controls") or []:
        provider = control.get("provider") if isinstance(control, Mapping) else None
        if isinstance(provider, Mapping) and provider.get("module") in _CONTROL_MODULES:
            arguments.update(provider.get("arguments") or {})
    declared = experiment.get("configuration") or {}
    configuration = {
        k: v for k, v in declared.items() if isinstance(k, str) and k.startswith("tracing_")
    }
    try:
        # Entries such as {"type": "env", "key": ...} are read as chaoslib would.
        from chaoslib.configuration import load_configuration

        configuration = dict(load_configuration(configuration))
    except Exception as error:  # a missing variable: keep the entries as declared
        logger.debug("chaostracing: configuration not loaded: %s", error)
    return arguments, configuration


def _network_exporter(settings: _config.TracingConfig) -> _core.Exporter:
    # The same exporters, built the same way, as a traced run's.
    from chaostracing.runtime import network_exporter

    try:
        return network_exporter(settings)
    except ValueError as error:
        raise click.ClickException(str(error)) from None


def _file_exporter(path: Path) -> _core.Exporter:
    try:
        return _core.file_exporter(path=str(path), truncate=True)
    except OSError as error:
        raise click.ClickException(str(error)) from None


def from_journal(
    journal_path: Path, output: Path | None, endpoint: str | None, force: bool
) -> None:
    """``chaos trace from-journal``."""
    if output is not None and endpoint is not None:
        raise click.UsageError("give -o/--output or --endpoint, not both")
    try:
        journal = read_journal(journal_path)
    except OSError as error:
        raise click.ClickException(
            f"cannot read {journal_path}: {error.strerror or error}"
        ) from None
    except JournalError as error:
        raise click.ClickException(str(error)) from None
    traced = journal.get("chaostracing")
    if isinstance(traced, Mapping) and traced.get("trace_id"):
        logger.warning(
            "chaostracing: this run was traced already (trace %s); sending a rebuilt copy",
            traced["trace_id"],
        )

    experiment = journal.get("experiment") or {}
    if endpoint is not None:
        settings = _config.resolve({"provider": "otlp", "endpoint": endpoint}, {})
        if settings.errors:
            raise click.BadParameter("; ".join(settings.errors), param_hint="'--endpoint'")
    else:
        arguments, configuration = _tracing_settings(experiment)
        settings = _config.resolve(arguments, configuration, journal_path=str(journal_path))
        for problem in settings.errors:
            logger.warning("chaostracing: %s", problem)
    if output is not None:
        exporter = _file_exporter(output)
    elif settings.provider in ("otlp", "jaeger", "zipkin"):
        exporter = _network_exporter(settings)
    else:
        # "noop" too: asking for the trace is asking for it somewhere.
        path = Path(settings.path or _config.default_trace_path(journal_path))
        if path.exists() and not force and settings.embedded_default:
            raise click.ClickException(
                f"{path} exists already (was the run traced?); "
                "give -o FILE, or --force to replace it"
            )
        exporter = _file_exporter(path)

    spans = spans_from_journal(journal, max_value_bytes=settings.max_value_bytes)
    delivery = send_spans(
        spans,
        exporter,
        resource=resource_of(journal, settings.service_name),
        timeout_ms=settings.timeout_ms,
    )
    if delivery.undelivered:
        raise click.ClickException(
            f"{delivery.undelivered} of {len(spans)} spans could not be delivered to "
            f"{delivery.destination}: {delivery.error or 'export did not finish in time'}"
        )
    click.echo(f"trace {delivery.trace_id} ({delivery.sent} spans) sent to {delivery.destination}")


def replay(spool: Path | None, destination: str | None, list_only: bool) -> None:
    """``chaos trace replay``."""
    directory = spool or Path(_delivery.settings().spool_dir or _delivery.default_spool_dir())
    if not directory.exists():
        if spool is not None:
            raise click.ClickException(f"no spool at {directory}")
        click.echo(f"nothing to replay: no spool at {directory}")
        return
    try:
        opened = _core.Spool(str(directory))
    except OSError as error:
        raise click.ClickException(f"cannot open the spool {directory}: {error}") from None
    pending: dict[str, int] = {}
    for record in opened.pending(destination or ""):
        name = str(record["destination"])
        pending[name] = pending.get(name, 0) + int(record["span_count"])
    del opened  # replay opens it again
    if list_only or not pending:
        if not pending:
            click.echo(f"nothing to replay in {directory}")
        for name, spans in sorted(pending.items()):
            click.echo(f"{spans:8d} spans  {name}")
        return
    total = sum(pending.values())
    with click.progressbar(length=total, label=f"Replaying {total} spans") as bar:
        done = 0

        def advance(records: int, spans: int) -> None:
            nonlocal done
            bar.update(spans - done)
            done = spans

        try:
            result = _delivery.replay(directory, destination=destination, progress=advance)
        except OSError as error:
            raise click.ClickException(f"cannot open the spool {directory}: {error}") from None
    click.echo(
        f"replayed {result.spans_delivered} of {total} spans from {directory}"
        + (f"; {result.spans_rejected} refused by the backend" if result.spans_rejected else "")
    )
    for problem in result.errors:
        click.echo(f"  not delivered: {problem}", err=True)
    if result.spans_pending:
        raise click.ClickException(
            f"{result.spans_pending} spans are still in the spool; run `chaos trace replay` "
            "again once the backend answers"
        )
