"""What the report shows: the row order of the waterfall, each row's lane and kind, and the
run's summary — worked out in the native core (``chaostracing/report.hpp``), once, for the
HTML page and for ``chaos trace show`` alike.

The layout rules (background activities on their own lane, phases as group rows, other
extensions' spans under the activity that made them) and the page's data are the core's: a
run's report is made there from the spans its file exporter kept, without turning them into
Python objects (``Pipeline.written_report()``), and a report of a trace file from the spans
read back (:func:`report_data`). This module gives them the shapes Python callers use.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from chaostracing import _core
from chaostracing.trace_file import Span

__all__ = [
    "Row",
    "Summary",
    "layout",
    "payload",
    "report_data",
    "rows_of",
    "summarize",
    "summary_of",
]


# Named tuples, not frozen dataclasses: cheaper to define when a run's report imports this
# module (see trace_file.Span).
class Row(NamedTuple):
    """One waterfall row: a span, its depth in the tree, lane and kind."""

    span: Span
    depth: int
    #: "main" or "background": a background activity and all it contains.
    lane: str
    #: experiment | phase | iteration | activity | pause | foreign | other
    kind: str
    has_children: bool
    #: The parent is not in the file (a partial trace): shown as a root.
    orphan: bool


class Summary(NamedTuple):
    title: str
    trace_ids: tuple[str, ...]
    status: str
    deviated: bool
    #: One sentence on how the steady state was missed, "" when it was not.
    deviation: str
    start_ns: int
    end_ns: int
    span_count: int
    errors: tuple[Span, ...]


def _display(value: Any) -> str:
    """Attribute values as the text the page shows (JSON for non-strings).

    Strings are kept as they are; numbers become text here so that 64-bit
    integers are not rounded by JavaScript. The core shows str, bool, 64-bit int and
    float values itself, the same way; it asks this function for the others.
    """
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def report_data(spans: Sequence[Span]) -> _core.ReportData:
    """The core's report of ``spans``: rows, summary and the page's JSON."""
    return _core.report_data(spans, _display)


def rows_of(spans: Sequence[Span], data: _core.ReportData) -> list[Row]:
    """The rows of ``data``, made from ``spans``, in display order."""
    return [
        Row(spans[index], depth, lane, kind, group, orphan)
        for index, depth, lane, kind, group, orphan in data.rows()
    ]


def summary_of(spans: Sequence[Span], data: _core.ReportData) -> Summary:
    """The summary of ``data``, made from ``spans``."""
    title, trace_ids, status, deviated, deviation, start_ns, end_ns, errors = data.summary()
    return Summary(
        title=title,
        trace_ids=trace_ids,
        status=status,
        deviated=deviated,
        deviation=deviation,
        start_ns=start_ns,
        end_ns=end_ns,
        span_count=len(spans),
        errors=tuple(spans[i] for i in errors),
    )


def layout(spans: Sequence[Span]) -> list[Row]:
    """Rows in display order: depth-first, children by lane then start time."""
    return rows_of(spans, report_data(spans))


def summarize(spans: Sequence[Span]) -> Summary:
    return summary_of(spans, report_data(spans))


def payload(spans: Sequence[Span], link: str = "") -> dict[str, Any]:
    """Everything the page needs, as the page reads it (the core's JSON, decoded).

    Times are nanoseconds from the trace's first start, which JavaScript
    numbers hold exactly for runs of up to 104 days.
    """
    result: dict[str, Any] = json.loads(report_data(spans).json(link))
    return result
