"""The activity span's trace context, carried into the system under test.

chaoslib's HTTP provider sends its request with ``requests`` and its process
provider starts the process with ``subprocess.run(..., env=os.environ)``. While
an HTTP or process activity runs, its thread carries the headers (or
``TRACEPARENT``/``TRACESTATE``/``BAGGAGE`` variables) of the activity span;
thin wrappers around ``requests.Session.request`` and ``subprocess.run`` add
them to the call made *from that thread* only. The experiment, the activity
dict and the journal are never modified, and headers the user set win.
"""

from __future__ import annotations

import functools
import subprocess
import threading
from collections.abc import Callable, Mapping
from typing import Any

from chaostracing import _core, propagation
from chaostracing.content import JSON_MAPPING

__all__ = ["Injector"]

_local = threading.local()
_install_lock = threading.Lock()
_installed = False


def _carried(kind: str) -> dict[str, str] | None:
    carried: dict[str, dict[str, str]] | None = getattr(_local, "carried", None)
    return carried.get(kind) if carried else None


def _wrap_requests() -> None:
    try:
        import requests
    except ImportError:
        return
    original = requests.Session.request

    @functools.wraps(original)
    def request(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        headers = _carried("http")
        if headers:
            given = kwargs.get("headers") or {}
            present = {str(k).lower() for k in given}
            kwargs["headers"] = {
                **{k: v for k, v in headers.items() if k.lower() not in present},
                **given,
            }
        return original(self, method, url, *args, **kwargs)

    requests.Session.request = request  # type: ignore[method-assign,assignment]


def _wrap_subprocess() -> None:
    original: Callable[..., Any] = subprocess.run

    @functools.wraps(original)
    def run(*args: Any, **kwargs: Any) -> Any:
        variables = _carried("process")
        if variables and isinstance(kwargs.get("env"), Mapping):
            kwargs["env"] = {**kwargs["env"], **variables}
        return original(*args, **kwargs)

    subprocess.run = run


def _install() -> None:
    global _installed
    with _install_lock:
        if not _installed:
            _wrap_requests()
            _wrap_subprocess()
            _installed = True


class Injector:
    """Carries a span's context into the HTTP and process activities it runs."""

    def __init__(
        self,
        formats: tuple[str, ...],
        baggage: Mapping[str, str] | None = None,
        rename: Mapping[str, str] | None = None,
    ) -> None:
        self._formats = formats
        self._baggage = dict(baggage or {})
        # Legacy header names (tracing_id_name / baggage_prefix of the jaeger provider).
        self._rename = dict(rename or {})
        _install()

    def _headers(self, span: _core.Span) -> dict[str, str]:
        headers = propagation.inject(self._formats, span.trace_id, span.span_id, "", self._baggage)
        renamed = {}
        for name, value in headers.items():
            for old, new in self._rename.items():
                if name.lower().startswith(old):
                    name = new + name[len(old) :]
                    break
            renamed[name] = value
        return renamed

    def begin(self, activity: Mapping[str, Any], span: _core.Span) -> object | None:
        """Carry ``span``'s context in this thread for ``activity``'s provider."""
        provider = activity.get("provider")
        kind = provider.get("type") if isinstance(provider, JSON_MAPPING) else None
        if kind not in ("http", "process"):
            return None
        carried: dict[str, dict[str, str]] = {}
        if kind == "http":
            carried["http"] = self._headers(span)
        else:
            w3c = propagation.inject(
                ("tracecontext", "baggage"), span.trace_id, span.span_id, "", self._baggage
            )
            carried["process"] = {k.upper(): v for k, v in w3c.items()}
        previous = getattr(_local, "carried", None)
        _local.carried = carried
        return (previous,)

    def end(self, token: object | None) -> None:
        if isinstance(token, tuple):
            _local.carried = token[0]
