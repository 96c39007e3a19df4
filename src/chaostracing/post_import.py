"""Post-import hooks: run a callback once a module has been imported, by
whoever imports it.

chaostracing serves two tracing APIs that most runs never use (OpenTelemetry,
OpenTracing). Importing one to install chaostracing as its global tracer costs
every run milliseconds; instead, unless it is imported already, the tracer is
installed the moment something imports the API.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import importlib.util
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

__all__ = ["when_imported"]

logger = logging.getLogger("chaostoolkit")

_lock = threading.Lock()
_pending: set[tuple[str, Callable[[], None]]] = set()


def when_imported(name: str, callback: Callable[[], None]) -> None:
    """Call ``callback`` now if module ``name`` is loaded, else right after it
    is — once, however many times the same pair was registered meanwhile. A
    callback that raises is logged at debug level, never raised into the
    importer."""
    with _lock:
        if name not in sys.modules:
            if (name, callback) not in _pending:
                _pending.add((name, callback))
                sys.meta_path.insert(0, _AfterImport(name, callback))
            return
    _call(name, callback)


def _call(name: str, callback: Callable[[], None]) -> None:
    try:
        callback()
    except Exception:  # never fail the import of someone else's module
        logger.debug("chaostracing: post-import hook of %s failed", name, exc_info=True)


class _AfterImport(importlib.abc.MetaPathFinder):
    """Runs a callback once the named module has been executed."""

    def __init__(self, name: str, callback: Callable[[], None]) -> None:
        self._name = name
        self._callback = callback
        self._finding = threading.local()

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self._name or getattr(self._finding, "active", False):
            return None
        self._finding.active = True
        try:  # the spec the other finders give, its loader wrapped
            spec = importlib.util.find_spec(fullname)
        finally:
            self._finding.active = False
        if spec is None or spec.loader is None:
            return None
        spec.loader = _ThenCall(spec.loader, self._done)
        return spec

    def _done(self) -> None:
        with _lock:
            _pending.discard((self._name, self._callback))
            with contextlib.suppress(ValueError):
                sys.meta_path.remove(self)
        _call(self._name, self._callback)


class _ThenCall(importlib.abc.Loader):
    def __init__(self, loader: Any, then: Callable[[], None]) -> None:
        self._loader = loader
        self._then = then

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)  # type: ignore[no-any-return]

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        self._then()

    def __getattr__(self, name: str) -> Any:  # get_resource_reader, is_package...
        return getattr(self._loader, name)
