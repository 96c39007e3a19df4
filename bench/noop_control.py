"""A control with all twelve hooks doing nothing: what chaoslib itself spends
on any declared control, so item 8 can tell chaoslib's part from ours."""

import inspect
from typing import Any


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


# As chaostracing.control's hooks do: chaoslib inspects a hook's signature before each call,
# which a control can answer ready-made; chaoslib's share is what no control can avoid.
_nothing.__signature__ = inspect.signature(_nothing)  # type: ignore[attr-defined]

configure_control = cleanup_control = _nothing
before_experiment_control = after_experiment_control = _nothing
before_hypothesis_control = after_hypothesis_control = _nothing
before_method_control = after_method_control = _nothing
before_rollback_control = after_rollback_control = _nothing
before_activity_control = after_activity_control = _nothing
