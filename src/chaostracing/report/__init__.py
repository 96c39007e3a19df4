"""The HTML report of a run: a waterfall of its trace in one self-contained file.

``render_report(spans)`` gives the document; ``write_report(trace_file, out)``
reads a trace file and writes its report. The same layout, as text, is what
``chaos trace show`` prints (:mod:`chaostracing.report.text`).
"""

from __future__ import annotations

from chaostracing.report.html import LINK_TEMPLATE_ENV, render_report, trace_link, write_report

__all__ = ["LINK_TEMPLATE_ENV", "render_report", "trace_link", "write_report"]
