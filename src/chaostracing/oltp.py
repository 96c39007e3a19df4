"""``chaostracing.oltp``: the OpenTelemetry-era control, driven by chaoslib's run
events (``event_registry``) rather than by before/after hooks.

It maps the events onto the same :mod:`chaostracing.lifecycle` as
``chaostracing.control`` — same span names, same attributes — and takes the
same configuration (see that module), including the standard ``OTEL_*``
variables. The module name keeps the existing extension's spelling.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from chaoslib.run import RunEventHandler

from chaostracing import config as _config
from chaostracing import runtime
from chaostracing.lifecycle import RunTracer

__all__ = ["configure_control"]

logger = logging.getLogger("chaostoolkit")

# Accepted for compatibility with the existing control's arguments.
_INSTRUMENTATION_FLAGS = (
    "trace_request",
    "trace_requests",
    "trace_httpx",
    "trace_botocore",
    "trace_urllib3",
)


def _hypothesis(experiment: Mapping[str, Any]) -> Mapping[str, Any]:
    hypothesis = experiment.get("steady-state-hypothesis")
    return hypothesis if isinstance(hypothesis, Mapping) else {}


class _RunEvents(RunEventHandler):  # type: ignore[misc]
    """chaoslib run events → lifecycle. chaoslib swallows handler errors."""

    def __init__(self, run: RunTracer) -> None:
        self.run = run
        self.experiment: Mapping[str, Any] = {}
        # An activity's events go straight to the native lifecycle: no Python frame per
        # activity (the methods below are what they do).
        self.start_activity = run.activities.started  # type: ignore[method-assign]
        self.activity_completed = run.activities.finished  # type: ignore[method-assign]

    def started(self, experiment: Mapping[str, Any], journal: Any = None) -> None:
        self.experiment = experiment
        self.run.experiment_started(experiment)

    def finish(self, journal: dict[str, Any]) -> None:
        # `finish` comes after every control's cleanup: the last event of a run.
        try:
            self.run.experiment_finished(journal)
        finally:
            runtime.finish(background=True)

    def interrupted(self, experiment: Mapping[str, Any], journal: Any) -> None:
        span = self.run.experiment_span
        if span is not None:
            span.set_attribute("chaostoolkit.experiment.interrupted", True)

    def signal_exit(self) -> None:
        span = self.run.experiment_span
        if span is not None:
            span.set_attribute("chaostoolkit.experiment.exit_signal", True)

    def start_hypothesis_before(self, experiment: Mapping[str, Any]) -> None:
        self.run.hypothesis_started(_hypothesis(experiment))

    def hypothesis_before_completed(
        self, experiment: Mapping[str, Any], state: Any, journal: Any
    ) -> None:
        self.run.hypothesis_finished(_hypothesis(experiment), state)

    def start_hypothesis_after(self, experiment: Mapping[str, Any]) -> None:
        self.run.hypothesis_started(_hypothesis(experiment))

    def hypothesis_after_completed(
        self, experiment: Mapping[str, Any], state: Any, journal: Any
    ) -> None:
        self.run.hypothesis_finished(_hypothesis(experiment), state)

    def start_continuous_hypothesis(self, frequency: float) -> None:
        self.run.continuous_started(_hypothesis(self.experiment))

    def continuous_hypothesis_iteration(self, iteration_index: int, state: Any) -> None:
        self.run.continuous_iteration_finished(state)

    def continuous_hypothesis_completed(
        self, experiment: Mapping[str, Any], journal: Any, exception: Any = None
    ) -> None:
        self.run.continuous_finished()

    def start_method(self, experiment: Mapping[str, Any]) -> None:
        self.run.method_started(experiment)

    def method_completed(self, experiment: Mapping[str, Any], state: Any = None) -> None:
        self.run.method_finished(experiment)

    def start_rollbacks(self, experiment: Mapping[str, Any]) -> None:
        self.run.rollbacks_started(experiment)

    def rollbacks_completed(self, experiment: Mapping[str, Any], journal: Any) -> None:
        self.run.rollbacks_finished(experiment)

    def start_activity(self, activity: Mapping[str, Any]) -> None:
        self.run.activity_started(activity)

    def activity_completed(self, activity: Mapping[str, Any], run: Any) -> None:
        self.run.activity_finished(activity, run)


def configure_control(
    experiment: Mapping[str, Any] | None = None,
    event_registry: Any = None,
    configuration: Mapping[str, Any] | None = None,
    secrets: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> None:
    try:
        _configure(experiment, event_registry, configuration, secrets, kwargs)
    except Exception:
        logger.debug("chaostracing: oltp configure_control failed", exc_info=True)


def _configure(
    experiment: Mapping[str, Any] | None,
    event_registry: Any,
    configuration: Mapping[str, Any] | None,
    secrets: Mapping[str, Any] | None,
    kwargs: dict[str, Any],
) -> None:
    if event_registry is None:
        logger.warning(
            "chaostracing: chaostracing.oltp needs chaostoolkit-lib 1.26 or newer "
            "(run events); use chaostracing.control instead"
        )
        return
    arguments = {k: v for k, v in kwargs.items() if k in _config.ARGUMENT_KEYS}
    unknown = set(kwargs) - set(arguments) - set(_INSTRUMENTATION_FLAGS)
    for key in sorted(unknown):
        logger.warning(
            "chaostracing: unknown control argument %r; accepted: %s",
            key,
            ", ".join((*_config.ARGUMENT_KEYS, *_INSTRUMENTATION_FLAGS)),
        )
    already = runtime.active()
    run = runtime.configure(
        _config.resolve(arguments, configuration, journal_path=_config.journal_path())
    )
    if run is None:
        return
    flags = {k: v for k, v in kwargs.items() if k in _INSTRUMENTATION_FLAGS}
    if flags:  # imported only then: a module less for every other run to load
        from chaostracing.otel.instrumentation import instrument

        instrument(flags)
    if already is not None:
        # Declared twice: the first declaration's handler drives the run; this
        # one only holds a reference, released by its own `finish`.
        event_registry.register(_Release())
        return
    handler = _RunEvents(run)
    event_registry.register(handler)
    # chaoslib fired `started` before configuring controls: replay it.
    if experiment is not None:
        handler.started(experiment)


class _Release(RunEventHandler):  # type: ignore[misc]
    def finish(self, journal: Any) -> None:
        runtime.finish(background=True)
