"""The one mapping from chaoslib's run lifecycle to spans.

Both controls drive a :class:`RunTracer`: ``chaostracing.control`` from its
before/after hooks, ``chaostracing.oltp`` from chaoslib's run events. The span
tree, names and attributes are defined here and nowhere else::

    experiment
    ├── hypothesis            (phase: before | continuous | after)
    │   └── activity: <probe>
    ├── method
    │   └── activity: <action or probe>   (background ones too)
    └── rollbacks
        └── activity: <rollback>

chaoslib runs background activities and the continuous hypothesis on worker
threads without copying context, so parents are chosen explicitly: an
activity's parent is the hypothesis open *in its thread*, else the method or
rollbacks span, else the experiment span. State is keyed by thread and by the
identity of chaoslib's dicts; the user's experiment is never modified.

Every method is called on chaoslib's threads and only creates or ends spans:
nothing here blocks on I/O.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chaostracing import _core

__all__ = ["RunTracer"]

#: Outputs and arguments longer than this are cut, with a visible marker.
MAX_VALUE_BYTES = 4096
_TRUNCATED = "…[truncated by chaostracing]"


@dataclass
class _Open:
    span: _core.Span
    # How many times the same before-hook fired for this context; chaoslib
    # applies a control twice when it is declared both globally and in the
    # experiment, and the span must still be one span.
    depth: int = 1


def _encode(value: Any) -> str:
    """JSON text of an output or argument, cut at MAX_VALUE_BYTES."""
    try:
        text = value if isinstance(value, str) else json.dumps(value, default=repr)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    if len(text) > MAX_VALUE_BYTES:
        text = text[:MAX_VALUE_BYTES] + _TRUNCATED
    return text


def _exception_of(run: Mapping[str, Any]) -> tuple[str, str, str]:
    """(type, message, stack trace) from a run's formatted traceback."""
    lines = run.get("exception") or []
    stacktrace = "".join(str(line) for line in lines)
    last = str(lines[-1]).strip() if lines else ""
    kind, _, message = last.partition(": ")
    if not message:
        kind, message = "chaoslib.exceptions.ActivityFailed", last
    return kind, message, stacktrace


class RunTracer:
    """Spans of one ``chaos run``; thread-safe."""

    def __init__(self, pipeline: _core.Pipeline) -> None:
        self.pipeline = pipeline
        self._lock = threading.Lock()
        self._experiment: _core.Span | None = None
        self._phase: _core.Span | None = None  # method or rollbacks
        self._method_started = False
        self._main_thread: int | None = None
        self._open: dict[tuple[int, int, str], _Open] = {}
        self._hypothesis_of_thread: dict[int, _core.Span] = {}
        self._continuous: _core.Span | None = None
        self._iterations = 0
        self._first_trace_id = ""

    # -- what the caller can ask ------------------------------------------
    @property
    def trace_id(self) -> str:
        """Hex trace id of this run, "" before the first span."""
        if self._experiment is not None:
            return self._experiment.trace_id_hex
        return self._first_trace_id

    @property
    def experiment_span(self) -> _core.Span | None:
        return self._experiment

    # -- span bookkeeping --------------------------------------------------
    @staticmethod
    def _key(level: str, context: object) -> tuple[int, int, str]:
        if level == "experiment":
            # One experiment per run, whichever copy of it a hook is given.
            return (0, 0, level)
        return (threading.get_ident(), id(context), level)

    def _start(
        self,
        level: str,
        context: object,
        name: str,
        parent: _core.Span | None,
        attributes: dict[str, object],
    ) -> _core.Span | None:
        """Open a span for (thread, context, level), once; None if already open."""
        key = self._key(level, context)
        opened = self._open.get(key)
        if opened is not None:
            opened.depth += 1
            return None
        if parent is None and self._experiment is not None:
            parent = self._experiment
        span = self.pipeline.start_span(name, parent=parent, attributes=attributes)
        self._open[key] = _Open(span)
        if not self._first_trace_id:
            self._first_trace_id = span.trace_id_hex
        return span

    def _finish(self, level: str, context: object) -> _core.Span | None:
        """The span to end for (thread, context, level), when its last hook fires."""
        key = self._key(level, context)
        opened = self._open.get(key)
        if opened is None:
            return None
        opened.depth -= 1
        if opened.depth > 0:
            return None
        del self._open[key]
        return opened.span

    # -- experiment --------------------------------------------------------
    def experiment_started(self, experiment: Mapping[str, Any]) -> None:
        with self._lock:
            self._main_thread = threading.get_ident()
            attributes: dict[str, object] = {
                "chaostoolkit.experiment.title": str(experiment.get("title", "")),
            }
            tags = experiment.get("tags")
            if isinstance(tags, list) and tags:
                attributes["chaostoolkit.experiment.tags"] = [str(t) for t in tags]
            span = self._start("experiment", experiment, "experiment", None, attributes)
            if span is not None:
                self._experiment = span

    def experiment_finished(self, journal: Mapping[str, Any] | None) -> None:
        with self._lock:
            span = self._finish("experiment", None)
            if span is None:
                return
            if journal:
                status = str(journal.get("status") or "")
                span.set_attribute("chaostoolkit.experiment.status", status)
                span.set_attribute(
                    "chaostoolkit.experiment.deviated", bool(journal.get("deviated"))
                )
                if status in ("failed", "aborted"):
                    span.set_status(_core.STATUS_ERROR, f"experiment {status}")
            span.end()

    # -- hypothesis --------------------------------------------------------
    def hypothesis_started(self, hypothesis: Mapping[str, Any]) -> None:
        with self._lock:
            thread = threading.get_ident()
            if self._main_thread is None:
                self._main_thread = thread
            parent = None
            if thread != self._main_thread:
                phase = "continuous"
                parent = self._continuous
            else:
                phase = "after" if self._method_started else "before"
            attributes: dict[str, object] = {
                "chaostoolkit.hypothesis.phase": phase,
                "chaostoolkit.hypothesis.title": str(hypothesis.get("title", "")),
            }
            if phase == "continuous":
                self._iterations += 1
                attributes["chaostoolkit.hypothesis.iteration"] = self._iterations
            span = self._start("hypothesis", hypothesis, "hypothesis", parent, attributes)
            if span is not None:
                self._hypothesis_of_thread[thread] = span

    def hypothesis_finished(
        self, hypothesis: Mapping[str, Any], state: Mapping[str, Any] | None
    ) -> None:
        with self._lock:
            span = self._finish("hypothesis", hypothesis)
            if span is None:
                return
            self._hypothesis_of_thread.pop(threading.get_ident(), None)
            if state is not None:
                met = state.get("steady_state_met")
                if met is not None:
                    span.set_attribute("chaostoolkit.hypothesis.met", bool(met))
                if met is False:
                    span.set_status(_core.STATUS_ERROR, "steady-state hypothesis not met")
            span.end()

    def continuous_started(self, hypothesis: Mapping[str, Any] | None) -> None:
        """The continuous hypothesis began: one span over all its iterations."""
        with self._lock:
            if self._continuous is not None:
                return
            attributes: dict[str, object] = {"chaostoolkit.hypothesis.phase": "continuous"}
            if hypothesis:
                attributes["chaostoolkit.hypothesis.title"] = str(hypothesis.get("title", ""))
            self._continuous = self.pipeline.start_span(
                "hypothesis", parent=self._experiment, attributes=attributes
            )

    def continuous_finished(self) -> None:
        # chaoslib reports this from a future's callback, on whichever thread
        # completed it: the span is not keyed by thread.
        with self._lock:
            span, self._continuous = self._continuous, None
        if span is not None:
            span.set_attribute("chaostoolkit.hypothesis.iterations", self._iterations)
            span.end()

    # -- method and rollbacks ---------------------------------------------
    def method_started(self, experiment: Mapping[str, Any]) -> None:
        with self._lock:
            self._method_started = True
            span = self._start("method", experiment, "method", None, {})
            if span is not None:
                self._phase = span

    def method_finished(self, experiment: Mapping[str, Any]) -> None:
        self._end_phase("method", experiment)

    def rollbacks_started(self, experiment: Mapping[str, Any]) -> None:
        with self._lock:
            span = self._start("rollbacks", experiment, "rollbacks", None, {})
            if span is not None:
                self._phase = span

    def rollbacks_finished(self, experiment: Mapping[str, Any]) -> None:
        self._end_phase("rollbacks", experiment)

    def _end_phase(self, level: str, experiment: Mapping[str, Any]) -> None:
        with self._lock:
            span = self._finish(level, experiment)
            if span is None:
                return
            if self._phase is span:
                self._phase = None
            span.end()

    # -- activities --------------------------------------------------------
    def activity_started(self, activity: Mapping[str, Any]) -> None:
        with self._lock:
            thread = threading.get_ident()
            parent = self._hypothesis_of_thread.get(thread)
            if (
                parent is None
                and self._continuous is not None
                and thread != self._main_thread
                and "tolerance" in activity
            ):
                parent = self._continuous
            if parent is None:
                parent = self._phase
            name = str(activity.get("name", ""))
            provider = activity.get("provider") or {}
            attributes: dict[str, object] = {
                "chaostoolkit.activity.name": name,
                "chaostoolkit.activity.type": str(activity.get("type", "")),
                "chaostoolkit.activity.background": bool(activity.get("background")),
            }
            if isinstance(provider, Mapping):
                attributes["chaostoolkit.activity.provider"] = str(provider.get("type", ""))
                if provider.get("type") == "http":
                    attributes["http.request.method"] = str(provider.get("method", "GET")).upper()
                    attributes["url.full"] = str(provider.get("url", ""))
            self._start("activity", activity, f"activity: {name}", parent, attributes)

    def activity_finished(self, activity: Mapping[str, Any], run: Mapping[str, Any] | None) -> None:
        with self._lock:
            span = self._finish("activity", activity)
            if span is None:
                return
            if run is not None:
                self._record_run(span, run)
            span.end()

    @staticmethod
    def _record_run(span: _core.Span, run: Mapping[str, Any]) -> None:
        status = str(run.get("status") or "")
        span.set_attribute("chaostoolkit.activity.status", status)
        if "output" in run:
            span.set_attribute("chaostoolkit.activity.output", _encode(run["output"]))
        if status == "failed":
            kind, message, stacktrace = _exception_of(run)
            span.set_attribute("error.type", kind)
            span.add_event(
                "exception",
                {
                    "exception.type": kind,
                    "exception.message": message,
                    "exception.stacktrace": stacktrace,
                },
            )
            span.set_status(_core.STATUS_ERROR, message)

    # -- end of run --------------------------------------------------------
    def end_open_spans(self) -> int:
        """End every span still open (the run was cut short); how many."""
        with self._lock:
            spans = [entry.span for entry in self._open.values()]
            self._open.clear()
            self._hypothesis_of_thread.clear()
            self._phase = None
            if self._continuous is not None:
                spans.append(self._continuous)
                self._continuous = None
        # Children started after their parents: end the latest first, so that
        # every child still ends inside its parent.
        for span in sorted(spans, key=lambda s: s.start_time_ns, reverse=True):
            span.set_attribute("chaostoolkit.span.ended_by", "cleanup")
            span.end()
        return len(spans)
