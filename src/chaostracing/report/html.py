"""The HTML report: one self-contained file, safe for any experiment's strings.

The core writes the page (``chaostracing/report.hpp``; its script and style are compiled
in). It carries its data as JSON inside ``<script type="application/json">`` and draws it
with its own inline script, using ``textContent`` only. Two layers keep experiment strings
from becoming markup:

* the JSON is escaped so that no string can end the data block (``<``, ``>`` and ``&``
  become ``\\u003c``-style escapes, as do U+2028/U+2029);
* a Content-Security-Policy allows no network at all and only the page's own
  script and style, by hash: an injected handler or script would not run.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from chaostracing import _core

if TYPE_CHECKING:
    from chaostracing.trace_file import Span

__all__ = ["LINK_TEMPLATE_ENV", "render_report", "trace_link", "write_report"]

#: Environment variable holding the default backend link template.
LINK_TEMPLATE_ENV = "CHAOSTRACING_TRACE_URL"


def trace_link(template: str | None, trace_id: str) -> str:
    """The backend URL for ``trace_id``, "" without a template.

    Raises:
        ValueError: the template is not an http(s) URL.
    """
    if not template:
        return ""
    scheme = urlsplit(template).scheme.lower()
    # Only a web link: a javascript: or data: URL in the header would run code.
    if scheme not in ("http", "https") or "{trace_id}" not in template:
        raise ValueError(
            f"link template {template!r} must be an http:// or https:// URL with {{trace_id}} in it"
        )
    return template.replace("{trace_id}", trace_id)


def render_report(spans: Sequence[Span], *, link_template: str | None = None) -> str:
    """The report of ``spans`` as one HTML document (no network, opens from disk).

    Args:
        link_template: a backend URL with ``{trace_id}`` in it, e.g.
            ``http://jaeger:16686/trace/{trace_id}``, linked from the header.

    Raises:
        ValueError: ``link_template`` is not an http(s) URL.
    """
    # Imported here: a run's report (render_data(), write_report() with data) needs neither
    # the span model nor its reader, whose named tuples take ~1 ms to define.
    from chaostracing.report.model import report_data

    return render_data(report_data(spans), link_template=link_template)


def render_data(data: _core.ReportData, *, link_template: str | None = None) -> str:
    """:func:`render_report` of the core's report data (``model.report_data()``, or what a
    run's file exporter kept: ``Pipeline.written_report()``)."""
    return data.page(_link(data, link_template))


def _link(data: _core.ReportData, link_template: str | None) -> str:
    trace_ids = data.summary()[1]
    return trace_link(link_template, trace_ids[0]) if trace_ids else ""


def write_report(
    trace_file: Path,
    out: Path,
    *,
    link_template: str | None = None,
    data: _core.ReportData | None = None,
) -> int:
    """Write the report of ``trace_file`` (OTLP/JSON lines) to ``out``.

    The file is replaced atomically: a reader never sees half a report.

    Args:
        link_template: backend URL with ``{trace_id}``; None means the
            ``CHAOSTRACING_TRACE_URL`` environment variable, if set,
            and "" means no link.
        data: the report of the file's spans, when the caller has it already (its
            writer kept them: ``Pipeline.written_report()``); the file is then not read.

    Returns:
        The number of spans in the report.

    Raises:
        chaostracing.trace_file.TraceFileError: the trace file is not OTLP/JSON.
        ValueError: ``link_template`` is not an http(s) URL.
        OSError: the trace file cannot be read or the report cannot be written.
    """
    if link_template is None:
        link_template = os.environ.get(LINK_TEMPLATE_ENV, "")
    with _without_collections():
        if data is None:
            from chaostracing.report.model import report_data
            from chaostracing.trace_file import read_trace_file

            data = report_data(read_trace_file(trace_file))
        data.write_page(str(out), _link(data, link_template))
    return len(data)


@contextlib.contextmanager
def _without_collections() -> Iterator[None]:
    """No cyclic garbage collection while a report is built: it is made of acyclic objects
    (spans, rows, JSON), which reference counting frees, and the collections their number
    sets off walk the whole heap — at the end of a run, the experiment's too — for nothing
    (0.6-0.9 ms of the ~5 ms that a 200-activity run's report takes)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
