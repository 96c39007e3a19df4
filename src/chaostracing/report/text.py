"""The span tree as text, for ``chaos trace show``: same rows as the report."""

from __future__ import annotations

from collections.abc import Sequence

import click

from chaostracing.report.model import Row, report_data, rows_of, summary_of
from chaostracing.trace_file import STATUS_ERROR, STATUS_OK, Span

__all__ = ["format_duration", "render_tree"]

_MAX_LABEL = 72


def format_duration(ns: int) -> str:
    """``ns`` with three significant digits and a unit: 812 µs, 12.7 ms, 1.50 s."""

    def three(value: float) -> str:
        return f"{value:.{2 if value < 10 else 1 if value < 100 else 0}f}"

    if ns == 0:
        return "0"
    if ns < 1_000:
        return f"{ns} ns"
    if ns < 1_000_000:
        return f"{three(ns / 1e3)} µs"
    if ns < 1_000_000_000:
        return f"{three(ns / 1e6)} ms"
    if ns < 60_000_000_000:
        return f"{three(ns / 1e9)} s"
    minutes, rest = divmod(ns, 60_000_000_000)
    return f"{minutes} min {rest / 1e9:.1f} s"


def _tags(row: Row) -> list[str]:
    attributes = row.span.attributes
    tags = []
    if row.kind == "phase" and "chaostoolkit.hypothesis.phase" in attributes:
        tags.append(str(attributes["chaostoolkit.hypothesis.phase"]))
    if row.kind == "iteration":
        tags.append(f"#{attributes.get('chaostoolkit.hypothesis.iteration')}")
    met = attributes.get("chaostoolkit.hypothesis.met")
    if met is not None:
        tags.append("met" if met else "not met")
    if attributes.get("chaostoolkit.activity.background") is True:
        tags.append("background")
    if row.kind == "pause" and "chaostoolkit.pause.when" in attributes:
        tags.append(str(attributes["chaostoolkit.pause.when"]))
    if row.kind == "foreign" and row.span.scope_name:
        tags.append(row.span.scope_name)
    if row.orphan:
        tags.append("parent missing")
    return tags


def _next_sibling_flags(rows: Sequence[Row]) -> list[list[bool]]:
    # For each row, for each level 1..depth: does a later row continue that level?
    # Computed backwards in one pass so 10,000 rows stay instant.
    flags: list[list[bool]] = [[] for _ in rows]
    seen_at: dict[int, bool] = {}
    for i in range(len(rows) - 1, -1, -1):
        depth = rows[i].depth
        flags[i] = [seen_at.get(level, False) for level in range(1, depth + 1)]
        for level in [d for d in seen_at if d > depth]:
            del seen_at[level]
        seen_at[depth] = True
    return flags


def _tree_prefixes(rows: Sequence[Row]) -> list[str]:
    prefixes = []
    for flags in _next_sibling_flags(rows):
        parts = ["│   " if more else "    " for more in flags[:-1]]
        if flags:
            parts.append("├── " if flags[-1] else "└── ")
        prefixes.append("".join(parts))
    return prefixes


def render_tree(spans: Sequence[Span], *, color: bool = False) -> str:
    """A header (title, trace id, status, duration) and one line per span."""
    data = report_data(spans)
    summary = summary_of(spans, data)
    rows = rows_of(spans, data)
    t0 = summary.start_ns

    def style(text: str, **kwargs: object) -> str:
        return click.style(text, **kwargs) if color else text  # type: ignore[arg-type]

    lines = [
        style(summary.title or "Trace", bold=True),
        f"trace {', '.join(summary.trace_ids) or '-'}  "
        f"{summary.status}  {summary.span_count} spans  "
        f"{format_duration(summary.end_ns - summary.start_ns)}",
    ]
    if summary.deviation:
        lines.append(style(summary.deviation, fg="red", bold=True))
    if not rows:
        return "\n".join([*lines, "(no spans)"])
    labels = []
    for prefix, row in zip(_tree_prefixes(rows), rows, strict=True):
        mark = "✕ " if row.span.status_code == STATUS_ERROR else ""
        tags = _tags(row)
        label = f"{prefix}{mark}{row.span.name}" + (f" [{', '.join(tags)}]" if tags else "")
        if len(label) > _MAX_LABEL:
            label = label[: _MAX_LABEL - 1] + "…"
        labels.append(label)
    width = max(len(label) for label in labels)
    lines.append("")
    lines.append(f"{'span':<{width}}  {'start':>10}  {'duration':>10}  status")
    for label, row in zip(labels, rows, strict=True):
        span = row.span
        if span.status_code == STATUS_ERROR:
            status = "ERROR" + (f" {span.status_message}" if span.status_message else "")
        else:
            status = "ok" if span.status_code == STATUS_OK else ""
        line = (
            f"{label:<{width}}  {'+' + format_duration(span.start_ns - t0):>10}  "
            f"{format_duration(span.duration_ns):>10}  {status}"
        ).rstrip()
        lines.append(style(line, fg="red") if span.status_code == STATUS_ERROR else line)
    return "\n".join(lines)
