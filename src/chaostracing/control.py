"""``chaostracing.control``: the Chaos Toolkit control of the existing extension.

Declare it in the experiment or in the settings file; every hook maps onto
:mod:`chaostracing.lifecycle`. Configuration (argument key / experiment
``configuration`` key):

======================  ==========================  ===================================
``provider``            ``tracing_provider``        ``otlp``, ``file`` or ``noop``;
                                                    unset: the trace file beside the
                                                    journal (``journal.trace.jsonl``)
``host`` / ``port``     ``tracing_host`` / ``_port``  OTLP/HTTP receiver (localhost:4318)
``endpoint``            ``tracing_endpoint``        full OTLP/HTTP URL, wins over host/port
``headers``             ``tracing_headers``         mapping or ``name=value,...``
``protocol``            ``tracing_protocol``        ``http/protobuf`` or ``http/json``
``compression``         ``tracing_compression``     ``gzip`` or ``none``
``timeout_ms``          ``tracing_timeout_ms``      export timeout, milliseconds
``path``                ``tracing_path``            trace file of the ``file`` provider
``propagation``         ``tracing_propagation``     ``tracecontext``, ``b3``, ``b3multi``,
                                                    ``jaeger``
======================  ==========================  ===================================

Hooks never raise into chaoslib and never block on the network.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from chaoslib.run import RunEventHandler

from chaostracing import config as _config
from chaostracing import runtime

__all__ = [
    "after_activity_control",
    "after_experiment_control",
    "after_hypothesis_control",
    "after_method_control",
    "after_rollback_control",
    "before_activity_control",
    "before_experiment_control",
    "before_hypothesis_control",
    "before_method_control",
    "before_rollback_control",
    "cleanup_control",
    "configure_control",
]

logger = logging.getLogger("chaostoolkit")

_F = TypeVar("_F", bound=Callable[..., None])


def _never_raises(hook: _F) -> _F:
    """Tracing must not change the run: a failing hook is logged, not raised."""

    @functools.wraps(hook)
    def guarded(*args: Any, **kwargs: Any) -> None:
        try:
            hook(*args, **kwargs)
        except Exception:
            logger.debug("chaostracing: %s failed", hook.__name__, exc_info=True)

    # chaoslib calls inspect.signature() on a hook before each call, to see what to pass it:
    # worked out from the code every time (~8 us, twice per activity) unless already there.
    guarded.__signature__ = inspect.signature(hook)  # type: ignore[attr-defined]
    return guarded  # type: ignore[return-value]


@_never_raises
def configure_control(
    configuration: Mapping[str, Any] | None = None,
    secrets: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
    experiment: Mapping[str, Any] | None = None,
    event_registry: Any = None,
    **kwargs: Any,
) -> None:
    known = _config.ARGUMENT_KEYS.keys() | _config.LEGACY_ARGUMENT_KEYS
    arguments = {k: v for k, v in kwargs.items() if k in known}
    for key in sorted(set(kwargs) - set(arguments)):
        logger.warning(
            "chaostracing: unknown control argument %r; accepted: %s",
            key,
            ", ".join(_config.ARGUMENT_KEYS),
        )
    resolved = _config.resolve(arguments, configuration, journal_path=_config.journal_path())
    run = runtime.configure(
        resolved,
        experiment=experiment,
        configuration=configuration,
        secrets=secrets,
        event_registry=event_registry,
    )
    if run is not None and event_registry is not None and _hypothesis_only(experiment, settings):
        # chaoslib applies a hypothesis-level control to the hypothesis hooks
        # only; its probes come through the run events.
        event_registry.register(_HypothesisProbes(run))


def _declares_us(controls: Any) -> bool:
    if isinstance(controls, Mapping):
        controls = list(controls.values())
    return any(
        isinstance(c, Mapping) and (c.get("provider") or {}).get("module") == __name__
        for c in controls or []
    )


def _hypothesis_only(
    experiment: Mapping[str, Any] | None, settings: Mapping[str, Any] | None
) -> bool:
    """Declared in the steady-state hypothesis and nowhere above it."""
    experiment = experiment or {}
    hypothesis = experiment.get("steady-state-hypothesis") or {}
    return (
        _declares_us(hypothesis.get("controls"))
        and not _declares_us(experiment.get("controls"))
        and not _declares_us((settings or {}).get("controls"))
    )


class _HypothesisProbes(RunEventHandler):  # type: ignore[misc]
    def __init__(self, run: Any) -> None:
        self._run = run

    def start_activity(self, activity: Mapping[str, Any]) -> None:
        if self._run.in_hypothesis():
            self._run.activity_started(activity)

    def activity_completed(self, activity: Mapping[str, Any], run: Any) -> None:
        self._run.activity_finished(activity, run)


@_never_raises
def cleanup_control() -> None:
    runtime.finish(background=True)


@_never_raises
def before_experiment_control(context: Mapping[str, Any], **kwargs: Any) -> None:
    run = runtime.active()
    if run is not None:
        run.experiment_started(context)


@_never_raises
def after_experiment_control(
    context: Mapping[str, Any], state: Mapping[str, Any] | None = None, **kwargs: Any
) -> None:
    run = runtime.active()
    if run is not None:
        run.experiment_finished(state if isinstance(state, dict) else None)


@_never_raises
def before_hypothesis_control(context: Mapping[str, Any], **kwargs: Any) -> None:
    run = runtime.active()
    if run is not None:
        run.hypothesis_started(context)


@_never_raises
def after_hypothesis_control(
    context: Mapping[str, Any], state: Mapping[str, Any] | None = None, **kwargs: Any
) -> None:
    run = runtime.active()
    if run is not None:
        run.hypothesis_finished(context, state)


@_never_raises
def before_method_control(context: Mapping[str, Any], **kwargs: Any) -> None:
    run = runtime.active()
    if run is not None:
        run.method_started(context)


@_never_raises
def after_method_control(context: Mapping[str, Any], state: Any = None, **kwargs: Any) -> None:
    run = runtime.active()
    if run is not None:
        run.method_finished(context)


@_never_raises
def before_rollback_control(context: Mapping[str, Any], **kwargs: Any) -> None:
    run = runtime.active()
    if run is not None:
        run.rollbacks_started(context)


@_never_raises
def after_rollback_control(context: Mapping[str, Any], state: Any = None, **kwargs: Any) -> None:
    run = runtime.active()
    if run is not None:
        run.rollbacks_finished(context)


@_never_raises
def before_activity_control(context: Mapping[str, Any], **kwargs: Any) -> None:
    run = runtime.active()
    if run is not None:
        run.activity_started(context, by_hook=True)


@_never_raises
def after_activity_control(
    context: Mapping[str, Any], state: Mapping[str, Any] | None = None, **kwargs: Any
) -> None:
    run = runtime.active()
    if run is not None:
        run.activity_finished(context, state, by_hook=True)
