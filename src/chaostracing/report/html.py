"""The HTML report: one self-contained file, safe for any experiment's strings.

The page carries its data as JSON inside ``<script type="application/json">``
and draws it with its own inline script, using ``textContent`` only. Two
layers keep experiment strings from becoming markup:

* the JSON (written by the core, ``chaostracing/report.hpp``) is escaped so that no
  string can end the data block (``<``, ``>`` and ``&`` become ``\\u003c``-style
  escapes, as do U+2028/U+2029);
* a Content-Security-Policy allows no network at all and only the page's own
  script and style, by hash: an injected handler or script would not run.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import hashlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from chaostracing import _core

if TYPE_CHECKING:
    from chaostracing.trace_file import Span

__all__ = ["LINK_TEMPLATE_ENV", "render_report", "trace_link", "write_report"]

#: Environment variable holding the default backend link template.
LINK_TEMPLATE_ENV = "CHAOSTRACING_TRACE_URL"

# What html.escape() replaces, "&" first; without importing html, whose entity tables cost a
# run's report ~1.5 ms to build, for one title.
_MARKUP_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"))


def _escape_markup(text: str) -> str:
    """``html.escape(text)``."""
    for char, escape in _MARKUP_ESCAPES:
        if char in text:
            text = text.replace(char, escape)
    return text


def _asset(name: str) -> str:
    static = resources.files("chaostracing.report").joinpath("static")
    return static.joinpath(name).read_text("utf-8")


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


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
    title, trace_ids = data.summary()[:2]
    link = trace_link(link_template, trace_ids[0]) if trace_ids else ""
    script = _asset("report.js")
    style = _asset("report.css")
    policy = (
        "default-src 'none'; "
        f"script-src {_sha256(script)}; "
        f"style-src {_sha256(style)}; "
        "base-uri 'none'; form-action 'none'"
    )
    title = f"{title or 'Trace'} — chaostracing report"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f'<meta name="generator" content="chaostracing">\n<title>{_escape_markup(title)}</title>\n'
        f"<style>{style}</style>\n</head>\n<body>\n"
        '<noscript><p class="noscript">This report draws the trace with JavaScript; '
        "please allow scripts for this file.</p></noscript>\n"
        '<div id="app"></div>\n'
        # The core's JSON is escaped for this place: no "<", ">" or "&" in it.
        f'<script type="application/json" id="trace-data">{data.json(link)}</script>\n'
        f"<script>{script}</script>\n</body>\n</html>\n"
    )


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
        document = render_data(data, link_template=link_template)
    write_text_atomically(out, document)
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


def write_text_atomically(out: Path, text: str) -> None:
    """Write ``text`` to ``out`` through a temporary file in the same folder."""
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        # mkstemp makes the file private; a report is as readable as a journal.
        os.chmod(temporary, 0o644)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
