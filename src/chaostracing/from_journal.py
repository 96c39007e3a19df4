"""The trace of a finished run, rebuilt from its journal.

For runs made without the control: the journal says what ran, when and how
it ended, which is enough for the same span tree, names and attributes as a
live trace (:mod:`chaostracing.lifecycle`, :mod:`chaostracing.content`).
What the journal does not record is approximated, and said so by the
resource attribute ``chaostracing.source = journal``:

* hypothesis, method and rollbacks spans run from their first activity's
  start to their last one's end (the journal has no times for them);
* declared pauses are placed just before and after their activity, for the
  seconds declared (a pause given as a ``${variable}`` is left out).

Ids are derived from the journal, so rebuilding the same journal twice gives
the same tree in memory; spans sent through the C++ core get its ids.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from chaostracing import _core
from chaostracing.content import (
    Redactor,
    activity_attributes,
    experiment_attributes,
    experiment_outcome,
    failure,
    is_dry,
    run_attributes,
    tolerance_outcome,
)
from chaostracing.trace_file import STATUS_ERROR, Event, Span
from chaostracing.versions import distribution_version

__all__ = [
    "JournalError",
    "is_journal",
    "read_journal",
    "send_spans",
    "spans_from_journal",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_SCOPE = "chaostracing"


class JournalError(ValueError):
    """The file is not a chaoslib journal this module can read."""


def is_journal(document: Any) -> bool:
    """Whether a decoded JSON document looks like a chaoslib journal."""
    return (
        isinstance(document, Mapping)
        and isinstance(document.get("experiment"), Mapping)
        and ("run" in document or "steady_states" in document)
    )


def read_journal(path: Path) -> dict[str, Any]:
    """The journal at ``path``.

    Raises:
        JournalError: not JSON, or not a journal.
        OSError: the file cannot be read.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise JournalError(f"{path}: not a JSON journal ({error})") from None
    if not is_journal(document):
        raise JournalError(f"{path}: not a chaoslib journal (no experiment, run or steady_states)")
    return dict(document)


def _ns(text: Any) -> int | None:
    """Nanoseconds since the epoch of chaoslib's ISO timestamps."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:  # chaoslib < 1.43.1 wrote naive UTC times
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH) // timedelta(microseconds=1) * 1000


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # "${pause}": its value is not in the journal
    return seconds if seconds > 0 else None


@dataclass
class _Draft:
    """A span being assembled; times may be filled in from its children."""

    name: str
    parent: _Draft | None
    attributes: dict[str, Any] = field(default_factory=dict)
    start: int | None = None
    end: int | None = None
    events: list[Event] = field(default_factory=list)
    status_code: int = 0
    status_message: str = ""
    children: list[_Draft] = field(default_factory=list)

    def child(self, name: str, attributes: dict[str, Any] | None = None) -> _Draft:
        draft = _Draft(name, self, dict(attributes or {}))
        self.children.append(draft)
        return draft

    def error(self, message: str) -> None:
        self.status_code, self.status_message = STATUS_ERROR, message


class _Builder:
    def __init__(self, journal: Mapping[str, Any], redactor: Redactor, max_bytes: int) -> None:
        self.journal = journal
        self.experiment: Mapping[str, Any] = journal.get("experiment") or {}
        self.dry = self.experiment.get("dry")
        self.redactor = redactor
        self.max_bytes = max_bytes

    def build(self) -> _Draft:
        journal, experiment = self.journal, self.experiment
        root = _Draft("experiment", None, experiment_attributes(experiment, self.redactor))
        root.start, root.end = _ns(journal.get("start")), _ns(journal.get("end"))
        if root.end is None and root.start is not None:
            duration = journal.get("duration")
            if isinstance(duration, (int, float)):
                root.end = root.start + int(duration * 1e9)
        hypothesis = experiment.get("steady-state-hypothesis") or {}
        title = self.redactor.text(str(hypothesis.get("title", "")))
        states = journal.get("steady_states") or {}
        if states.get("before"):
            self.hypothesis(root, states["before"], title, "before")
        during = [s for s in states.get("during") or [] if isinstance(s, Mapping)]
        if during:
            continuous = root.child(
                "hypothesis",
                {
                    "chaostoolkit.hypothesis.phase": "continuous",
                    "chaostoolkit.hypothesis.title": title,
                },
            )
            for number, state in enumerate(during, start=1):
                self.hypothesis(continuous, state, title, "continuous", number)
            continuous.attributes["chaostoolkit.hypothesis.iterations"] = len(during)
        if journal.get("run"):
            self.phase(root, "method", journal["run"])
        if states.get("after"):
            self.hypothesis(root, states["after"], title, "after")
        # chaoslib opens the rollbacks phase, even with nothing to roll back,
        # unless the run failed or was interrupted (the default strategy).
        status = str(journal.get("status") or "")
        if journal.get("rollbacks") or status not in ("failed", "interrupted"):
            self.phase(root, "rollbacks", journal.get("rollbacks") or [])
        self.record_journal(root)
        return root

    def record_journal(self, root: _Draft) -> None:
        attributes, error = experiment_outcome(self.journal)
        root.attributes.update(attributes)
        if error:
            root.error(error)

    def hypothesis(
        self,
        parent: _Draft,
        state: Mapping[str, Any],
        title: str,
        phase: str,
        iteration: int | None = None,
    ) -> None:
        attributes: dict[str, Any] = {"chaostoolkit.hypothesis.title": title}
        if iteration is not None:
            attributes["chaostoolkit.hypothesis.iteration"] = iteration
        attributes["chaostoolkit.hypothesis.phase"] = phase
        span = parent.child("hypothesis", attributes)
        for run in state.get("probes") or []:
            if isinstance(run, Mapping):
                self.activity(span, run, probe_of_hypothesis=True)
        met = state.get("steady_state_met")
        if met is not None:
            span.attributes["chaostoolkit.hypothesis.met"] = bool(met)
        if met is False:
            span.error("steady-state hypothesis not met")

    def phase(self, parent: _Draft, name: str, runs: Sequence[Any]) -> None:
        span = parent.child(name)
        for run in runs:
            if isinstance(run, Mapping):
                self.activity(span, run)

    def activity(
        self, parent: _Draft, run: Mapping[str, Any], probe_of_hypothesis: bool = False
    ) -> None:
        activity = run.get("activity") or {}
        attributes = activity_attributes(activity, self.redactor, self.max_bytes, self.dry)
        span = parent.child(f"activity: {attributes['chaostoolkit.activity.name']}", attributes)
        start, end = _ns(run.get("start")), _ns(run.get("end"))
        if end is None and start is not None:
            duration = run.get("duration")
            end = start + int(duration * 1e9) if isinstance(duration, (int, float)) else start
        span.start, span.end = start, end
        self.record_run(span, run)
        if probe_of_hypothesis and "tolerance" in activity:
            self.record_tolerance(span, activity, run)
        self.pauses(span, activity)

    def record_run(self, span: _Draft, run: Mapping[str, Any]) -> None:
        span.attributes.update(run_attributes(run, self.redactor, self.max_bytes))
        if span.attributes["chaostoolkit.activity.status"] == "failed":
            kind, message, event = failure(run, self.redactor)
            span.attributes["error.type"] = kind
            span.events.append(Event("exception", span.end or 0, event))
            span.error(message)

    def record_tolerance(
        self, span: _Draft, activity: Mapping[str, Any], run: Mapping[str, Any]
    ) -> None:
        attributes, error = tolerance_outcome(activity, run, self.redactor, self.max_bytes)
        span.attributes.update(attributes)
        if error:
            span.error(error)

    def pauses(self, span: _Draft, activity: Mapping[str, Any]) -> None:
        pauses = activity.get("pauses")
        if not isinstance(pauses, Mapping) or is_dry(activity, self.dry):
            return
        if str(getattr(self.dry, "value", self.dry)) == "pause":
            return
        if span.start is None or span.end is None:
            return
        before, after = _seconds(pauses.get("before")), _seconds(pauses.get("after"))
        if before:
            pause_start = span.start - int(before * 1e9)
            self.pause(span, "before", pauses["before"], pause_start, span.start)
            span.start = pause_start
        if after:
            pause_end = span.end + int(after * 1e9)
            self.pause(span, "after", pauses["after"], span.end, pause_end)
            span.end = pause_end

    def pause(self, span: _Draft, when: str, seconds: Any, start: int, end: int) -> None:
        pause = span.child(
            "pause",
            {
                "chaostoolkit.pause.when": when,
                "chaostoolkit.pause.seconds": self.redactor.text(str(seconds)),
            },
        )
        pause.start, pause.end = start, end


def _settle_times(draft: _Draft, fallback: int) -> None:
    """Fill in missing times from the children, else from the previous sibling's end."""
    cursor = draft.start if draft.start is not None else fallback
    for child in draft.children:
        _settle_times(child, cursor)
        cursor = max(cursor, child.end or cursor)
    starts = [c.start for c in draft.children if c.start is not None]
    ends = [c.end for c in draft.children if c.end is not None]
    if draft.start is None:
        draft.start = min(starts) if starts else fallback
    if draft.end is None:
        draft.end = max(ends) if ends else draft.start
    draft.end = max(draft.end, draft.start)


def _ids(journal: Mapping[str, Any]) -> tuple[str, Any]:
    seed = json.dumps(
        [journal.get("start"), journal.get("node"), (journal.get("experiment") or {}).get("title")],
        default=str,
    )
    trace_id = hashlib.sha256(seed.encode()).hexdigest()[:32]
    counter = iter(range(1, 1 << 62))

    def next_span_id() -> str:
        return hashlib.sha256(f"{trace_id}/{next(counter)}".encode()).hexdigest()[:16]

    return trace_id, next_span_id


def spans_from_journal(
    journal: Mapping[str, Any],
    *,
    redactor: Redactor | None = None,
    max_value_bytes: int = 4096,
) -> list[Span]:
    """The run's spans, parents before children, with ids derived from the journal."""
    if not is_journal(journal):
        raise JournalError("not a chaoslib journal (no experiment, run or steady_states)")
    root = _Builder(journal, redactor or Redactor(), max_value_bytes).build()
    start = _ns(journal.get("start"))
    _settle_times(root, start if start is not None else 0)
    trace_id, next_span_id = _ids(journal)
    resource = {"service.name": "chaostoolkit", "chaostracing.source": "journal"}
    spans: list[Span] = []
    stack: list[tuple[_Draft, str]] = [(root, "")]
    while stack:
        draft, parent_id = stack.pop()
        span_id = next_span_id()
        assert draft.start is not None and draft.end is not None  # settled above
        spans.append(
            Span(
                trace_id=trace_id,
                span_id=span_id,
                parent_span_id=parent_id,
                name=draft.name,
                start_ns=draft.start,
                end_ns=draft.end,
                attributes=draft.attributes,
                events=tuple(draft.events),
                status_code=draft.status_code,
                status_message=draft.status_message,
                scope_name=_SCOPE,
                resource=resource,
            )
        )
        stack.extend((child, span_id) for child in reversed(draft.children))
    return spans


def resource_of(journal: Mapping[str, Any], service_name: str) -> dict[str, object]:
    """The resource of a rebuilt trace: what the journal says about its run."""
    resource: dict[str, object] = {}
    extra, _ = _core.parse_headers(os.environ.get("OTEL_RESOURCE_ATTRIBUTES", ""))
    resource.update(dict(extra))
    resource.update(
        {
            "service.name": service_name,
            "telemetry.sdk.name": "chaostracing",
            "telemetry.sdk.language": "python",
            "telemetry.sdk.version": distribution_version("chaostoolkit-opentracing"),
            "chaostracing.source": "journal",
        }
    )
    if journal.get("node"):
        resource["host.name"] = str(journal["node"])
    if journal.get("platform"):
        resource["os.description"] = str(journal["platform"])
    if journal.get("chaoslib-version"):
        resource["chaostoolkit.lib.version"] = str(journal["chaoslib-version"])
    resource.setdefault("process.runtime.version", platform.python_version())
    return resource


@dataclass(frozen=True)
class Delivery:
    trace_id: str
    sent: int
    undelivered: int
    destination: str
    error: str


def send_spans(
    spans: Sequence[Span],
    exporter: _core.Exporter,
    *,
    resource: Mapping[str, object],
    timeout_ms: int = 10_000,
) -> Delivery:
    """Send ``spans`` (parents before children) through the C++ core.

    The core gives every span its own ids; parent links are kept by starting
    each span with its parent's core span.
    """
    pipeline = _core.Pipeline(
        exporter,
        resource=dict(resource),
        scope_name=_SCOPE,
        scope_version=distribution_version("chaostoolkit-opentracing"),
        # Every span is ended at once: the queue must hold them all.
        max_queue_size=max(2048, len(spans) + 1),
        export_timeout_ms=timeout_ms,
    )
    started: dict[str, _core.Span] = {}
    order: list[tuple[Span, _core.Span]] = []
    for span in spans:
        live = pipeline.start_span(
            span.name,
            parent=started.get(span.parent_span_id),
            start_time_ns=span.start_ns,
            attributes=dict(span.attributes),
        )
        for event in span.events:
            live.add_event(event.name, dict(event.attributes), event.time_ns or span.end_ns)
        if span.status_code:
            live.set_status(span.status_code, span.status_message)
        started[span.span_id] = live
        order.append((span, live))
    trace_id = order[0][1].trace_id_hex if order else ""
    # Children first, so that no parent is handed over before its children.
    for span, live in reversed(order):
        live.end(span.end_ns)
    pipeline.shutdown(timeout_ms=timeout_ms + 500)
    exported = pipeline.stats()["exported"]
    return Delivery(
        trace_id=trace_id,
        sent=exported,
        undelivered=len(spans) - exported,
        destination=pipeline.describe(),
        error=pipeline.last_error(),
    )
