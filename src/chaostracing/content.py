"""What spans say: attributes of experiments, hypotheses and activities, with
secrets redacted and long values cut.

Secrets never leave the process. Every string that goes into an attribute, an
event or a status message passes through :class:`Redactor`, which replaces
the values of the experiment's ``secrets``, of configuration entries loaded
from the environment or a vault, and of credential-like headers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from chaostracing import _core

__all__ = [
    "JSON_MAPPING",
    "REDACTED",
    "TRUNCATED",
    "Redactor",
    "activity_attributes",
    "encode",
    "experiment_attributes",
    "experiment_outcome",
    "failure",
    "is_dry",
    "run_attributes",
    "secret_values",
    "tolerance_outcome",
]

REDACTED: str = _core.REDACTED
TRUNCATED = "…[truncated]"
# Shorter values would redact innocent text everywhere ("1", "on"...).
_MIN_SECRET_LENGTH = 4
# Words that make a name sensitive wherever they appear in it, in any case. Searched as
# substrings: compiling the equivalent regular expression cost every traced run ~150 us.
_SENSITIVE_WORDS = (
    "authorization",
    "cookie",
    "token",
    "secret",
    "password",
    "passwd",
    "apikey",
    "api-key",
    "api_key",
    "credential",
    "session",
)


def _sensitive(name: object) -> bool:
    lowered = str(name).lower()
    return any(word in lowered for word in _SENSITIVE_WORDS)


def secret_values(
    experiment: Mapping[str, Any] | None,
    configuration: Mapping[str, Any] | None,
    secrets: Mapping[str, Any] | None,
) -> set[str]:
    """Every value that must not leave the process, as strings."""
    values: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, Mapping):
            for item in node.values():
                collect(item)
        elif isinstance(node, list | tuple):
            for item in node:
                collect(item)
        elif node is not None and not isinstance(node, bool):
            values.add(str(node))

    collect(secrets or {})
    # Configuration entries declared as {"type": "env"|"vault", ...} are loaded
    # from outside the experiment: treat their resolved values as secrets.
    declared = (experiment or {}).get("configuration") or {}
    resolved = configuration or {}
    if isinstance(declared, Mapping):
        for key, entry in declared.items():
            if isinstance(entry, Mapping) and entry.get("type") in ("env", "vault"):
                collect(resolved.get(key))
    for key, value in resolved.items():
        if _sensitive(key):
            collect(value)
    return {v for v in values if len(v) >= _MIN_SECRET_LENGTH}


class Redactor:
    """Replaces secret values and credential-like headers in attribute values.

    The replacing itself is the core's (``native``), which the OpenTelemetry API
    spans use directly: one implementation whoever sets the attribute.
    """

    __slots__ = ("clean", "native", "text")
    native: _core.Redactor
    text: Callable[[str], str]
    # An attribute value as the OpenTelemetry API spans keep it, None where the SDK drops it.
    clean: Callable[[Any], Any]

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.native = _core.Redactor(sorted(set(secrets)))
        self.text = self.native.text
        self.clean = self.native.clean

    def structure(self, node: Any) -> Any:
        """A copy of ``node`` with sensitive keys and secret values redacted."""
        if isinstance(node, JSON_MAPPING):
            return {
                str(k): REDACTED if _sensitive(k) else self.structure(v) for k, v in node.items()
            }
        if isinstance(node, list | tuple):
            return [self.structure(v) for v in node]
        if isinstance(node, str):
            return self.text(node)
        return node


def encode(value: Any, redactor: Redactor, max_bytes: int) -> str:
    """JSON text of an output or arguments, redacted, cut at ``max_bytes``."""
    scalar = _SCALAR_JSON.get(type(value))
    if scalar is not None:
        # An int, float, bool or None output (most probes'): as json.dumps() writes it.
        text = scalar(value)
    else:
        value = redactor.structure(value)
        try:
            text = value if isinstance(value, str) else json.dumps(value, default=repr)
        except (TypeError, ValueError, RecursionError):
            text = redactor.text(repr(value))
    # A UTF-8 character takes at most 4 bytes: most texts need no encoding to be measured.
    if len(text) * 4 > max_bytes and len(text.encode()) > max_bytes:
        text = text.encode()[:max_bytes].decode(errors="ignore") + TRUNCATED
    return text


def _float_json(value: float) -> str:
    return float.__repr__(value) if math.isfinite(value) else json.dumps(value)


# What json.dumps() writes for these exact types, without its call (~2 us of a probe's ~10 in
# the hooks, for an int); subclasses (an IntEnum, say) take the general path.
_SCALAR_JSON: dict[type, Callable[[Any], str]] = {
    int: int.__repr__,
    bool: lambda value: "true" if value else "false",
    float: _float_json,
    type(None): lambda value: "null",
}

# What a JSON-like mapping usually is: isinstance() answers for a dict without asking the
# Mapping ABC (which every hook would otherwise do a few times per activity).
JSON_MAPPING = (dict, Mapping)


def is_dry(activity: Mapping[str, Any], experiment_dry: Any) -> bool:
    """Whether chaoslib skips this activity's provider call (``--dry``)."""
    return _core.activity_is_dry(activity, experiment_dry)


def experiment_attributes(experiment: Mapping[str, Any], redactor: Redactor) -> dict[str, object]:
    attributes: dict[str, object] = {
        "chaostoolkit.experiment.title": redactor.text(str(experiment.get("title", "")))
    }
    description = experiment.get("description")
    if description:
        attributes["chaostoolkit.experiment.description"] = redactor.text(str(description))
    tags = experiment.get("tags")
    if isinstance(tags, list) and tags:
        attributes["chaostoolkit.experiment.tags"] = [redactor.text(str(t)) for t in tags]
    contributions = experiment.get("contributions")
    if isinstance(contributions, Mapping):
        for name, level in contributions.items():
            key = f"chaostoolkit.experiment.contribution.{name}"
            attributes[key] = redactor.text(str(level))
    dry = experiment.get("dry")
    mode = getattr(dry, "value", dry)
    if mode:
        attributes["chaostoolkit.experiment.dry"] = str(mode)
    return attributes


def activity_attributes(
    activity: Mapping[str, Any],
    redactor: Redactor,
    max_bytes: int,
    experiment_dry: Any = None,
) -> dict[str, object]:
    """The attributes of an activity's span, as a dict. The mapping is the core's
    (``_core.activity_attributes()``), which the lifecycle hands to its spans directly."""
    made = _core.activity_attributes(activity, redactor, max_bytes, experiment_dry, encode)
    return made.as_dict()


# What a span says of how things went, once chaoslib has said it: the same for the spans of a
# run (chaostracing.lifecycle) and of a trace rebuilt from its journal (from_journal).


def run_attributes(run: Mapping[str, Any], redactor: Redactor, max_bytes: int) -> dict[str, object]:
    """What an activity's span says of its run's result (status, output), as a dict. The
    mapping is the core's, which the lifecycle writes into its spans directly."""
    return _core.activity_run_attributes(run, redactor, max_bytes, encode).as_dict()


def failure(run: Mapping[str, Any], redactor: Redactor) -> tuple[str, str, dict[str, object]]:
    """A failed run's error type, message, and "exception" event's attributes (redacted),
    read from chaoslib's formatted traceback."""
    lines = run.get("exception") or []
    stacktrace = "".join(str(line) for line in lines)
    last = str(lines[-1]).strip() if lines else ""
    kind, _, message = last.partition(": ")
    if not message:
        kind, message = "chaoslib.exceptions.ActivityFailed", last
    message = redactor.text(message)
    return (
        kind,
        message,
        {
            "exception.type": kind,
            "exception.message": message,
            "exception.stacktrace": redactor.text(stacktrace),
        },
    )


def tolerance_outcome(
    activity: Mapping[str, Any], run: Mapping[str, Any], redactor: Redactor, max_bytes: int
) -> tuple[dict[str, object], str]:
    """What a hypothesis' probe's span says once chaoslib has judged its tolerance: its
    attributes, and its error ("" when the probe held or failed by itself)."""
    attributes: dict[str, object] = {}
    met = run.get("tolerance_met")
    if met is not None:
        attributes["chaostoolkit.activity.tolerance_met"] = bool(met)
    if met is False and run.get("status") != "failed":
        attributes["chaostoolkit.activity.expected"] = encode(
            activity.get("tolerance"), redactor, max_bytes
        )
        attributes["chaostoolkit.activity.observed"] = encode(
            run.get("output"), redactor, max_bytes
        )
        return attributes, "tolerance not met: observed output deviates"
    return attributes, ""


def experiment_outcome(
    journal: Mapping[str, Any], *, cause: str = "", cicd: bool = False
) -> tuple[dict[str, object], str]:
    """What the experiment's span says of the run's journal: its attributes, and its error
    ("" for none). ``cause``: why an interrupted run was cut short (sigterm...), when known;
    ``cicd``: the OpenTelemetry ``cicd.pipeline.result`` too."""
    status = str(journal.get("status") or "")
    deviated = bool(journal.get("deviated"))
    attributes: dict[str, object] = {
        "chaostoolkit.experiment.status": status,
        "chaostoolkit.experiment.deviated": deviated,
    }
    error = ""
    if status in ("failed", "aborted"):
        error = f"experiment {status}"
    elif deviated:
        error = "steady-state hypothesis deviated"
    elif status == "interrupted":
        attributes["chaostoolkit.experiment.interruption"] = cause or "interrupted"
    if cicd:
        attributes["cicd.pipeline.result"] = {
            "completed": "failure" if deviated else "success",
            "failed": "failure",
            "aborted": "error",
            "interrupted": "cancellation",
        }.get(status, "error")
    return attributes, error
