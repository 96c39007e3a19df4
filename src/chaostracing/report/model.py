"""What the report shows, worked out once in Python: the row order of the
waterfall, each row's lane and kind, and the run's summary.

The page's script only draws what this module decides, so the layout rules
(background activities on their own lane, phases as group rows, other
extensions' spans under the activity that made them) are testable without a
browser and stay the same in ``chaos trace show``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, NamedTuple

from chaostracing.trace_file import STATUS_ERROR, Span

__all__ = ["Row", "Summary", "layout", "payload", "summarize"]

#: The scope name of the spans chaostracing itself makes.
OWN_SCOPE = "chaostracing"
_PHASES = ("hypothesis", "method", "rollbacks")


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


def _is_background(span: Span) -> bool:
    return span.attributes.get("chaostoolkit.activity.background") is True


def _kind(span: Span) -> str:
    if span.scope_name and span.scope_name != OWN_SCOPE:
        return "foreign"
    if span.name == "experiment":
        return "experiment"
    if span.name == "hypothesis" and "chaostoolkit.hypothesis.iteration" in span.attributes:
        return "iteration"
    if span.name in _PHASES:
        return "phase"
    if span.name == "pause":
        return "pause"
    if "chaostoolkit.activity.name" in span.attributes or span.name.startswith("activity: "):
        return "activity"
    return "other"


def _order(span: Span) -> tuple[int, int, str]:
    # Foreground first, then the background lane, each in start order.
    return (1 if _is_background(span) else 0, span.start_ns, span.name)


def layout(spans: Sequence[Span]) -> list[Row]:
    """Rows in display order: depth-first, children by lane then start time."""
    ids = {s.span_id for s in spans}
    children: dict[str, list[Span]] = {}
    roots: list[Span] = []
    for span in spans:
        if span.parent_span_id and span.parent_span_id in ids:
            children.setdefault(span.parent_span_id, []).append(span)
        else:
            roots.append(span)
    rows: list[Row] = []
    seen: set[str] = set()
    # Explicit stack, not recursion: a 10,000-span chain must not overflow.
    stack: list[tuple[Span, int, str]] = [
        (root, 0, "main") for root in sorted(roots, key=_order, reverse=True)
    ]
    while stack:
        span, depth, lane = stack.pop()
        if span.span_id in seen:  # a duplicated span id: show it once
            continue
        seen.add(span.span_id)
        if _is_background(span):
            lane = "background"
        kids = children.get(span.span_id, [])
        rows.append(
            Row(
                span=span,
                depth=depth,
                lane=lane,
                kind=_kind(span),
                has_children=bool(kids),
                orphan=bool(span.parent_span_id) and depth == 0,
            )
        )
        for kid in sorted(kids, key=_order, reverse=True):
            stack.append((kid, depth + 1, lane))
    return rows


def _deviation(spans: Sequence[Span], deviated: bool) -> str:
    missed = [
        s
        for s in spans
        if s.name == "hypothesis" and s.attributes.get("chaostoolkit.hypothesis.met") is False
    ]
    phases = [str(s.attributes.get("chaostoolkit.hypothesis.phase", "")) for s in missed]
    if deviated or "after" in phases:
        return "Deviated: the steady-state hypothesis was not met after the method."
    if "before" in phases:
        return "The steady-state hypothesis was not met before the method: the method did not run."
    if "continuous" in phases:
        count = phases.count("continuous")
        return (
            f"The steady-state hypothesis was not met during the method "
            f"({count} iteration{'s' if count != 1 else ''})."
        )
    return ""


def summarize(spans: Sequence[Span]) -> Summary:
    experiments = [s for s in spans if s.name == "experiment" and not s.parent_span_id]
    root = experiments[0] if experiments else None
    if root is None and spans:
        root = min(spans, key=lambda s: s.start_ns)
    title = ""
    status = ""
    deviated = False
    if root is not None:
        title = str(root.attributes.get("chaostoolkit.experiment.title") or root.name)
        status = str(root.attributes.get("chaostoolkit.experiment.status") or "")
        deviated = root.attributes.get("chaostoolkit.experiment.deviated") is True
    errors = tuple(s for s in spans if s.status_code == STATUS_ERROR)
    if not status:
        # Not a chaostracing run (or one cut short): say what the spans say.
        status = "error" if errors else "ok"
    trace_ids = tuple(dict.fromkeys(s.trace_id for s in ([root] if root else []) + list(spans)))
    return Summary(
        title=title,
        trace_ids=trace_ids,
        status=status,
        deviated=deviated,
        deviation=_deviation(spans, deviated),
        start_ns=min((s.start_ns for s in spans), default=0),
        end_ns=max((s.end_ns for s in spans), default=0),
        span_count=len(spans),
        errors=errors,
    )


def _cause_first(errors: Sequence[Span]) -> list[Span]:
    """Failed activities before the hypotheses and experiment they made fail."""
    rank = {"experiment": 3, "phase": 2, "iteration": 1}
    return sorted(errors, key=lambda s: (rank.get(_kind(s), 0), s.start_ns))


def _display(value: Any) -> str:
    """Attribute values as the text the page shows (JSON for non-strings).

    Strings are kept as they are; numbers become text here so that 64-bit
    integers are not rounded by JavaScript.
    """
    if isinstance(value, str):
        return value
    # The common scalars as json.dumps() writes them, without its call (3 per span of a
    # report: a fifth of writing it).
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return int.__repr__(value)
    if type(value) is float and math.isfinite(value):
        return float.__repr__(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _iso(ns: int) -> str:
    moment = datetime.fromtimestamp(ns // 1_000_000_000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{ns % 1_000_000_000:09d}Z"


def payload(
    spans: Sequence[Span], link: str = "", *, summary: Summary | None = None
) -> dict[str, Any]:
    """Everything the page needs, as JSON-ready data.

    Times are nanoseconds from the trace's first start, which JavaScript
    numbers hold exactly for runs of up to 104 days.
    """
    summary = summarize(spans) if summary is None else summary  # the caller's, when it has it
    rows = layout(spans)
    t0 = summary.start_ns
    index = {row.span.span_id: i for i, row in enumerate(rows)}
    out_rows = []
    for row in rows:
        span = row.span
        out_rows.append(
            {
                "id": span.span_id,
                "parent": span.parent_span_id,
                "name": span.name,
                "depth": row.depth,
                "lane": row.lane,
                "kind": row.kind,
                "group": row.has_children,
                "orphan": row.orphan,
                "start": span.start_ns - t0,
                "duration": span.duration_ns,
                "status": span.status_code,
                "message": span.status_message,
                "scope": span.scope_name,
                # Most values are text already: no call for them.
                "attributes": [
                    [k, v if type(v) is str else _display(v)] for k, v in span.attributes.items()
                ],
                "events": [
                    {
                        "name": event.name,
                        "time": event.time_ns - t0,
                        "attributes": [[k, _display(v)] for k, v in event.attributes.items()],
                    }
                    for event in span.events
                ],
            }
        )
    return {
        "summary": {
            "title": summary.title,
            "traceIds": list(summary.trace_ids),
            "status": summary.status,
            "deviated": summary.deviated,
            "deviation": summary.deviation,
            "start": _iso(t0) if spans else "",
            "duration": summary.end_ns - summary.start_ns,
            "spanCount": summary.span_count,
            "errors": [
                index[s.span_id] for s in _cause_first(summary.errors) if s.span_id in index
            ],
            "link": link,
        },
        "rows": out_rows,
    }
