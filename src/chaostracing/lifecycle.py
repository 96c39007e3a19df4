"""The one mapping from chaoslib's run lifecycle to spans.

Both controls drive a :class:`RunTracer`: ``chaostracing.control`` from its
before/after hooks, ``chaostracing.oltp`` from chaoslib's run events. The span
tree, names and attributes are defined here (attributes in
:mod:`chaostracing.content`) and nowhere else::

    experiment
    ├── hypothesis            (phase: before)
    │   └── activity: <probe>
    ├── hypothesis            (phase: continuous, one span over all iterations)
    │   └── hypothesis        (one per iteration) → activity: <probe>
    ├── method
    │   └── activity: <action or probe>   (background ones too)
    │       └── pause         (before / after, when declared)
    ├── hypothesis            (phase: after)
    └── rollbacks
        └── activity: <rollback>

chaoslib runs background activities and the continuous hypothesis on worker
threads without copying context, so parents are chosen explicitly: an
activity's parent is the hypothesis open *in its thread*, else the method or
rollbacks span, else the experiment span. State is keyed by thread and by the
identity of chaoslib's dicts; the user's experiment is never modified.

The activities' part runs for every activity, so it is native
(``_core.ActivitySpans``, bindings/bind_activity_spans.cpp), and calls back
here for what is rare: a failure's exception, pauses, a continuous iteration.

Every method runs on chaoslib's threads and only creates or ends spans:
nothing here blocks on I/O.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from chaostracing import _core
from chaostracing.content import (
    JSON_MAPPING,
    Redactor,
    encode,
    experiment_attributes,
    experiment_outcome,
    failure,
    is_dry,
    tolerance_outcome,
)

__all__ = ["Content", "RunTracer"]


if TYPE_CHECKING:
    from typing import Protocol

    # Protocols only type-check: defining one costs a traced run ~30 us at import.
    class Injector(Protocol):
        """Carries a span's context into the provider call of an activity."""

        def begin(self, activity: Mapping[str, Any], span: _core.Span) -> object | None: ...

        def end(self, token: object | None) -> None: ...

    class Binder(Protocol):
        """Makes a span current in the calling thread's context (OpenTelemetry)."""

        def attach(self, span: _core.Span) -> Any: ...

        def detach(self, token: Any) -> None: ...


# This module's records are plain classes, not dataclasses: making a dataclass runs its
# generated methods through exec() (~0.5-1 ms each), and every traced run imports it.
class Content:
    """How much spans say, and what they must never say."""

    __slots__ = ("cicd", "journal_entry", "max_value_bytes", "redactor", "run_id", "trace_url")

    def __init__(
        self,
        *,
        redactor: Redactor | None = None,
        max_value_bytes: int = 4096,
        cicd: bool = False,
        run_id: str = "",
        journal_entry: dict[str, Any] | None = None,
        trace_url: str = "",
    ) -> None:
        self.redactor = redactor if redactor is not None else Redactor()
        #: Outputs, arguments and tolerances longer than this are cut, visibly.
        self.max_value_bytes = max_value_bytes
        #: Add the OpenTelemetry ``cicd.pipeline.*`` attributes as a second set.
        self.cicd = cicd
        self.run_id = run_id
        #: Put into the journal under "chaostracing" at the end (where the trace is).
        self.journal_entry: dict[str, Any] = {} if journal_entry is None else journal_entry
        #: Link to the trace in a backend's UI, with ``{trace_id}`` in it.
        self.trace_url = trace_url


class _Open:
    """A span open for (thread, context, level)."""

    __slots__ = ("depth", "span", "token")

    def __init__(self, span: _core.Span, *, token: Any = None) -> None:
        self.span = span
        # The same before-hook can fire twice for one context (a control declared
        # both globally and in the experiment; both controls declared): one span.
        self.depth = 1
        # Context token of the thread the span was made current in.
        self.token = token


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _iso_ns(text: Any) -> int | None:
    """Nanoseconds since the epoch of chaoslib's ISO timestamps (µs precision)."""
    try:
        moment = datetime.fromisoformat(str(text))
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:  # chaoslib < 1.43.1 wrote naive UTC times
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH) // timedelta(microseconds=1) * 1000


class RunTracer:
    """Spans of one ``chaos run``; thread-safe."""

    def __init__(
        self,
        pipeline: _core.Pipeline,
        content: Content | None = None,
        binder: Binder | None = None,
        make_injector: Callable[[], Injector] | None = None,
        propagators: tuple[str, ...] = ("tracecontext", "baggage"),
        remote_parent: Any = None,
    ) -> None:
        self.pipeline = pipeline
        self.content = content = content or Content()
        self.propagators = propagators
        self._binder = binder
        # The caller's span (TRACEPARENT of a CI job): the experiment's parent.
        self._remote = remote_parent
        self._lock = threading.Lock()
        self._method_started = False
        # The experiment, hypotheses, method and rollbacks (the activities are native).
        self._open: dict[tuple[int, int, str], _Open] = {}
        # The same spans by the thread that opened them, and the phase (method or rollbacks)
        # and experiment spans: native, because the native OpenTelemetry tracer reads it for
        # every span an extension starts outside the lifecycle's context.
        self.open_spans = _core.OpenSpans()
        #: The activities' spans, the hypothesis open in each thread, and what the rest of the
        #: run is kept there only: the experiment's thread and dry mode, an interruption's cause.
        self.activities = _core.ActivitySpans(
            pipeline,
            self.open_spans,
            content.redactor,
            content.max_value_bytes,
            encode,
            content.cicd,
            remote_parent=remote_parent,
            make_injector=make_injector,
            on_failure=self._record_failure,
            on_pauses=self._record_pauses,
            open_iteration=self._open_iteration,
        )
        self.activities.binder = binder
        self._continuous: _core.Span | None = None
        self._continuous_hypothesis: Mapping[str, Any] = {}
        # Iterations opened by their first probe (run events), by thread.
        self._iteration_keys: dict[int, object] = {}
        self._iterations = 0
        self._first_trace_id = ""

    def bind_context(self, binder: Binder) -> None:
        """Make the spans opened from now on current in ``binder``'s context (OpenTelemetry's,
        once something has imported its API)."""
        self._binder = binder
        self.activities.binder = binder

    # -- what the caller can ask ------------------------------------------
    @property
    def trace_id(self) -> str:
        """Hex trace id of this run, "" before the first span."""
        if self.open_spans.experiment is not None:
            return self.open_spans.experiment.trace_id_hex
        return self._first_trace_id or self.activities.first_trace_id

    @property
    def experiment_span(self) -> _core.Span | None:
        return self.open_spans.experiment

    def in_hypothesis(self) -> bool:
        """Whether a hypothesis span is open in the calling thread."""
        return self.activities.hypothesis() is not None

    def current_span(self) -> _core.Span | None:
        """The innermost span open in the calling thread (for other extensions)."""
        return self.open_spans.current()

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
        if parent is None and self.open_spans.experiment is not None:
            parent = self.open_spans.experiment
        if parent is None and self._remote is not None:
            span = self.pipeline.start_span(
                name,
                trace_id=self._remote.trace_id,
                parent_span_id=self._remote.span_id,
                trace_state=self._remote.trace_state,
                attributes=attributes,
            )
        else:
            span = self.pipeline.start_span(name, parent=parent, attributes=attributes)
        token = self._binder.attach(span) if self._binder is not None else None
        self._open[key] = _Open(span, token=token)
        self.open_spans.open(key[0], span)
        if not self._first_trace_id:
            self._first_trace_id = span.trace_id_hex
        return span

    def _finish(self, level: str, context: object) -> _Open | None:
        """The span to end for (thread, context, level), when its last hook fires."""
        key = self._key(level, context)
        opened = self._open.get(key)
        if opened is None:
            return None
        opened.depth -= 1
        if opened.depth > 0:
            return None
        del self._open[key]
        self.open_spans.close(key[0], opened.span)
        if opened.token is not None and self._binder is not None:
            self._binder.detach(opened.token)
        return opened

    def _text(self, value: str) -> str:
        return self.content.redactor.text(value)

    # -- experiment --------------------------------------------------------
    def experiment_started(self, experiment: Mapping[str, Any]) -> None:
        with self._lock:
            self.activities.main_thread = threading.get_ident()
            self.activities.experiment_dry = experiment.get("dry")
            attributes = experiment_attributes(experiment, self.content.redactor)
            if self._remote is not None:
                for key, value in self._remote.baggage.items():
                    attributes[f"baggage.{key}"] = self._text(value)
            if self.content.run_id:
                attributes["chaostoolkit.run.id"] = self.content.run_id
            if self.content.cicd:
                attributes["cicd.pipeline.name"] = attributes["chaostoolkit.experiment.title"]
                attributes["cicd.pipeline.run.id"] = self.content.run_id
            span = self._start("experiment", experiment, "experiment", None, attributes)
            if span is not None:
                self.open_spans.experiment = span

    def interrupted(self, cause: str) -> None:
        """The run is being cut short: ``cause`` is machine-readable (sigterm...)."""
        with self._lock:
            if not self.activities.cause:
                self.activities.cause = cause

    def experiment_finished(self, journal: dict[str, Any] | None) -> None:
        with self._lock:
            opened = self._finish("experiment", None)
            if opened is None:
                return
            span = opened.span
            if journal is not None:
                self._record_journal(span, journal)
        self._end_continuous()
        span.end()

    def _record_journal(self, span: _core.Span, journal: dict[str, Any]) -> None:
        attributes, error = experiment_outcome(
            journal, cause=self.activities.cause, cicd=self.content.cicd
        )
        span.set_attributes(attributes)
        if error:
            span.set_status(_core.STATUS_ERROR, error)
        entry = dict(self.content.journal_entry)
        entry.update({"trace_id": span.trace_id_hex, "span_id": span.span_id_hex})
        if self.content.run_id:
            entry["run_id"] = self.content.run_id
        if self.content.trace_url:
            entry["url"] = self.content.trace_url.replace("{trace_id}", span.trace_id_hex)
        journal["chaostracing"] = entry

    # -- hypothesis --------------------------------------------------------
    def hypothesis_started(self, hypothesis: Mapping[str, Any]) -> None:
        with self._lock:
            self._start_hypothesis(hypothesis, hypothesis)

    def _start_hypothesis(self, key: object, hypothesis: Mapping[str, Any]) -> None:
        """Open a hypothesis span keyed by ``key``; the caller holds the lock."""
        thread = threading.get_ident()
        if not self.activities.main_thread:
            self.activities.main_thread = thread
        parent = None
        attributes: dict[str, object] = {
            "chaostoolkit.hypothesis.title": self._text(str(hypothesis.get("title", "")))
        }
        if thread != self.activities.main_thread:
            phase = "continuous"
            parent = self._continuous_span(hypothesis)
            self._iterations += 1
            attributes["chaostoolkit.hypothesis.iteration"] = self._iterations
        else:
            phase = "after" if self._method_started else "before"
        attributes["chaostoolkit.hypothesis.phase"] = phase
        span = self._start("hypothesis", key, "hypothesis", parent, attributes)
        if span is not None:
            self.activities.hypothesis_opened(span)

    def hypothesis_finished(self, hypothesis: object, state: Mapping[str, Any] | None) -> None:
        with self._lock:
            opened = self._finish("hypothesis", hypothesis)
            if opened is None:
                return
            span = opened.span
            parked = self.activities.hypothesis_closed(span)
        probes = list((state or {}).get("probes") or [])
        self._settle_probes(parked, probes)
        if state is not None:
            met = state.get("steady_state_met")
            if met is not None:
                span.set_attribute("chaostoolkit.hypothesis.met", bool(met))
            if met is False:
                span.set_status(_core.STATUS_ERROR, "steady-state hypothesis not met")
        span.end()

    def _settle_probes(
        self, parked: list[tuple[_core.Span, Mapping[str, Any], int]], probes: list[Any]
    ) -> None:
        """End the hypothesis' probes now that chaoslib says which ones held."""
        remaining = list(probes)
        for span, activity, end_ns in parked:
            name = activity.get("name")
            run = next(
                (
                    r
                    for r in remaining
                    if isinstance(r, Mapping) and (r.get("activity") or {}).get("name") == name
                ),
                None,
            )
            if run is not None:
                remaining.remove(run)
                attributes, error = tolerance_outcome(
                    activity, run, self.content.redactor, self.content.max_value_bytes
                )
                span.set_attributes(attributes)
                if error:
                    span.set_status(_core.STATUS_ERROR, error)
            span.end(end_ns)

    def continuous_started(self, hypothesis: Mapping[str, Any] | None) -> None:
        """The continuous hypothesis began: one span over all its iterations."""
        with self._lock:
            self._continuous_hypothesis = hypothesis or {}
            self._continuous_span(hypothesis)

    def continuous_iteration_finished(self, state: Mapping[str, Any] | None) -> None:
        """An iteration ended (run event): close the span its first probe opened."""
        key = self._iteration_keys.pop(threading.get_ident(), None)
        if key is not None:
            self.hypothesis_finished(key, state)

    def _continuous_span(self, hypothesis: Mapping[str, Any] | None) -> _core.Span:
        if self._continuous is None:
            attributes: dict[str, object] = {"chaostoolkit.hypothesis.phase": "continuous"}
            if hypothesis:
                attributes["chaostoolkit.hypothesis.title"] = self._text(
                    str(hypothesis.get("title", ""))
                )
            self._continuous = self.pipeline.start_span(
                "hypothesis", parent=self.open_spans.experiment, attributes=attributes
            )
            self.activities.continuous_open = True
        return self._continuous

    def continuous_finished(self) -> None:
        # chaoslib reports this from a future's callback, on whichever thread
        # completed it: the span is not keyed by thread.
        self._end_continuous()

    def _end_continuous(self) -> None:
        with self._lock:
            span, self._continuous = self._continuous, None
            self.activities.continuous_open = False
            iterations = self._iterations
        if span is not None:
            span.set_attribute("chaostoolkit.hypothesis.iterations", iterations)
            span.end()

    # -- method and rollbacks ---------------------------------------------
    def method_started(self, experiment: Mapping[str, Any]) -> None:
        with self._lock:
            self._method_started = True
            span = self._start("method", experiment, "method", None, {})
            if span is not None:
                self.open_spans.phase = span

    def method_finished(self, experiment: Mapping[str, Any]) -> None:
        self._end_phase("method", experiment)

    def rollbacks_started(self, experiment: Mapping[str, Any]) -> None:
        with self._lock:
            span = self._start("rollbacks", experiment, "rollbacks", None, {})
            if span is not None:
                self.open_spans.phase = span

    def rollbacks_finished(self, experiment: Mapping[str, Any]) -> None:
        self._end_phase("rollbacks", experiment)

    def _end_phase(self, level: str, experiment: Mapping[str, Any]) -> None:
        with self._lock:
            opened = self._finish(level, experiment)
            if opened is None:
                return
            if self.open_spans.phase is opened.span:
                self.open_spans.phase = None
            cause = self.activities.cause
        if cause:
            opened.span.set_attribute("chaostoolkit.span.end_cause", cause)
        opened.span.end()

    # -- activities (_core.ActivitySpans; what it calls back) -------------
    def activity_started(self, activity: Mapping[str, Any], *, by_hook: bool = False) -> None:
        self.activities.started(activity, by_hook)

    def activity_finished(
        self,
        activity: Mapping[str, Any],
        run: Mapping[str, Any] | None,
        *,
        by_hook: bool = False,
    ) -> None:
        self.activities.finished(activity, run, by_hook)

    def _open_iteration(self) -> None:
        """A probe of the continuous hypothesis starts in a thread where no hook opened its
        iteration (run events only: chaostracing.oltp): open it; the iteration event closes
        it."""
        with self._lock:
            key = self._iteration_keys.setdefault(threading.get_ident(), object())
            self._start_hypothesis(key, self._continuous_hypothesis)

    def _record_failure(self, span: _core.Span, run: Mapping[str, Any]) -> None:
        kind, message, event = failure(run, self.content.redactor)
        span.set_attribute("error.type", kind)
        span.add_event("exception", event)
        span.set_status(_core.STATUS_ERROR, message)

    def _record_pauses(
        self,
        span: _core.Span,
        activity: Mapping[str, Any],
        run: Mapping[str, Any],
        started_by_hook: bool,
        ended_by_hook: bool,
        now: int,
    ) -> None:
        """Pauses as child spans, where the activity span covers them."""
        pauses = activity.get("pauses")
        dry = self.activities.experiment_dry
        if not isinstance(pauses, JSON_MAPPING) or is_dry(activity, dry):
            return
        if str(getattr(dry, "value", dry)) == "pause":
            return
        run_start, run_end = _iso_ns(run.get("start")), _iso_ns(run.get("end"))
        windows = []
        if started_by_hook and pauses.get("before") and run_start:
            windows.append(("before", span.start_time_ns, run_start))
        if ended_by_hook and pauses.get("after") and run_end:
            windows.append(("after", run_end, now))
        for when, start, end in windows:
            start = max(start, span.start_time_ns)
            end = min(max(end, start), now)
            pause = self.pipeline.start_span(
                "pause",
                parent=span,
                start_time_ns=start,
                attributes={
                    "chaostoolkit.pause.when": when,
                    "chaostoolkit.pause.seconds": self._text(str(pauses[when])),
                },
            )
            pause.end(end)

    # -- end of run --------------------------------------------------------
    def end_open_spans(self) -> int:
        """End every span still open (the run was cut short); how many."""
        cause = self.activities.cause or "run_ended_early"
        with self._lock:
            spans = [entry.span for entry in self._open.values()]
            spans += self.activities.clear()
            self._open.clear()
            self.open_spans.clear()
            self.open_spans.phase = None
            if self._continuous is not None:
                spans.append(self._continuous)
                self._continuous = None
        # Children started after their parents: end the latest first, so that
        # every child still ends inside its parent. Not an error: the run was
        # stopped, and the cause says why.
        for span in sorted(spans, key=lambda s: s.start_time_ns, reverse=True):
            span.set_attribute("chaostoolkit.span.end_cause", cause)
            span.end()
        return len(spans)
