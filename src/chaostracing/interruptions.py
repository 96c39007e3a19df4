"""Why a run was cut short, in machine-readable words.

chaoslib turns SIGTERM into ``InterruptExecution``, SIGUSR1/SIGUSR2 into
``SystemExit`` and SIGINT into ``KeyboardInterrupt``, which all look alike by
the time a control sees the journal. :class:`SignalWatch` wraps the handlers
chaoslib installed, records which signal arrived, then calls chaoslib's own
handler unchanged, so the run behaves exactly as it would without tracing.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from chaoslib.run import RunEventHandler

__all__ = ["InterruptionEvents", "SignalWatch"]

logger = logging.getLogger("chaostoolkit")

_WATCHED = {
    "sigint": "SIGINT",
    "sigterm": "SIGTERM",
    "sigusr1": "SIGUSR1",
    "sigusr2": "SIGUSR2",
}


class SignalWatch:
    """Reports the first signal of ``_WATCHED`` to ``record``; restorable."""

    def __init__(self, record: Callable[[str], None]) -> None:
        self._record = record
        self._previous: dict[int, Any] = {}
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread
        for cause, name in _WATCHED.items():
            signum = getattr(signal, name, None)
            if signum is None:
                continue
            try:
                previous = signal.getsignal(signum)
                if previous in (signal.SIG_IGN, None):
                    continue
                signal.signal(signum, self._handler(cause, previous))
                self._previous[signum] = previous
            except (OSError, ValueError):
                logger.debug("chaostracing: cannot watch %s", name, exc_info=True)

    def _handler(self, cause: str, previous: Any) -> Callable[[int, FrameType | None], Any]:
        def on_signal(signum: int, frame: FrameType | None) -> Any:
            try:
                self._record(cause)
            except Exception:
                logger.debug("chaostracing: recording %s failed", cause, exc_info=True)
            if previous is signal.SIG_DFL:
                # Re-deliver with the default action, as if we were not here.
                signal.signal(signum, signal.SIG_DFL)
                signal.raise_signal(signum)
                return None
            return previous(signum, frame)

        on_signal.chaostracing_watch = True  # type: ignore[attr-defined]
        return on_signal

    def restore(self) -> None:
        """Put back the handlers we wrapped, where ours are still in place."""
        if threading.current_thread() is not threading.main_thread():
            return
        for signum, previous in self._previous.items():
            current = signal.getsignal(signum)
            if getattr(current, "chaostracing_watch", False):
                signal.signal(signum, previous)
        self._previous.clear()


class InterruptionEvents(RunEventHandler):  # type: ignore[misc]
    """chaoslib's own word that the run stopped early; a signal seen first wins."""

    def __init__(self, run: Any) -> None:
        self._run = run

    def interrupted(self, experiment: Any, journal: Any) -> None:
        self._run.interrupted("interrupt_execution")

    def signal_exit(self) -> None:
        self._run.interrupted("signal_exit")
