"""``chaos trace``: the report, a trace rebuilt from a journal, the span tree.

Plugged into Chaos Toolkit's CLI through the ``chaostoolkit.cli_plugins``
entry point. Exit codes: 0 done, 1 a data problem (a file that cannot be
read or is not a trace, spans that could not be delivered), 2 a usage error
(click's own).

Chaos Toolkit imports this module at every ``chaos`` start, traced run or not: it holds
only the command line, and each command imports its work (:mod:`chaostracing.commands`)
when it runs.
"""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["trace"]

# The report's backend link: the option, else the control's own variable.
LINK_ENV = ("CHAOSTRACING_TRACE_URL",)

_file = click.Path(dir_okay=False, path_type=Path)


@click.group("trace")
def trace() -> None:
    """Look at chaostracing traces: an HTML report, the span tree, and the
    trace of a run made without the control, rebuilt from its journal."""


@trace.command("report")
@click.argument("source", metavar="TRACE_OR_JOURNAL", type=_file)
@click.option(
    "-o",
    "--output",
    type=_file,
    help="Where to write the report [default: beside the input, NAME.report.html].",
)
@click.option(
    "--link-template",
    metavar="URL",
    envvar=list(LINK_ENV),
    help="Backend link for the header, with {trace_id} in it, e.g. "
    "'http://localhost:16686/trace/{trace_id}' "
    "[env: CHAOSTRACING_TRACE_URL].",
)
def report(source: Path, output: Path | None, link_template: str | None) -> None:
    """Write the HTML report of a run: a waterfall of its spans.

    TRACE_OR_JOURNAL is a trace file (OTLP/JSON lines, such as
    journal.trace.jsonl) or a journal, whose trace is then rebuilt in memory.
    The report is one file that needs nothing else: no network, no server.
    """
    from chaostracing import commands

    commands.report(source, output, link_template)


@trace.command("show")
@click.argument("source", metavar="TRACE_OR_JOURNAL", type=_file)
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour the errors [default: when writing to a terminal].",
)
def show(source: Path, color: bool | None) -> None:
    """Print the span tree of a run, with start offsets, durations and status.

    TRACE_OR_JOURNAL is a trace file (OTLP/JSON lines) or a journal.
    """
    from chaostracing import commands

    commands.show(source, color)


@trace.command("from-journal")
@click.argument("journal_path", metavar="JOURNAL", type=_file)
@click.option(
    "-o",
    "--output",
    type=_file,
    help="Write the trace to this file (OTLP/JSON lines), replacing it.",
)
@click.option(
    "--endpoint",
    metavar="URL",
    help="Send the trace to this OTLP/HTTP endpoint, e.g. http://localhost:4318/v1/traces "
    "(headers, protocol and certificates from the OTEL_EXPORTER_OTLP_* variables).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace the trace file beside the journal if there is one already.",
)
def from_journal(
    journal_path: Path, output: Path | None, endpoint: str | None, force: bool
) -> None:
    """Rebuild the trace of a finished run from its journal and send it.

    For runs made without the control. Without -o or --endpoint the trace
    goes where the experiment's tracing configuration (or OTEL_EXPORTER_OTLP_*
    variables) would have sent it: by default, JOURNAL's trace file beside it
    (journal.json → journal.trace.jsonl).
    """
    from chaostracing import commands

    commands.from_journal(journal_path, output, endpoint, force)


@trace.command("replay")
@click.argument(
    "spool",
    metavar="[SPOOL]",
    required=False,
    type=click.Path(file_okay=False, path_type=Path),
)
@click.option(
    "--destination",
    metavar="DESTINATION",
    help="Only this destination, as --list shows it "
    "(e.g. 'OTLP/HTTP http://localhost:4318/v1/traces').",
)
@click.option(
    "--list",
    "list_only",
    is_flag=True,
    help="Show what the spool holds, per destination; send nothing.",
)
def replay(spool: Path | None, destination: str | None, list_only: bool) -> None:
    """Send the spans that traced runs could not deliver and kept in the spool.

    SPOOL is the spool directory [default: $CHAOSTRACING_SPOOL_DIR, else
    ~/.cache/chaostracing/spool]. Each batch goes to the destination it was
    meant for, with the headers and certificates of the current
    OTEL_EXPORTER_OTLP_* variables (the spool never stores them), and leaves
    the spool once delivered. A destination that does not answer keeps its
    batches for a later try. Exit code 1 if anything is left undelivered.
    """
    from chaostracing import commands

    commands.replay(spool, destination, list_only)
