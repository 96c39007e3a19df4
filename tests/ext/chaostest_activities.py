"""Python activities for the test experiments (imported by `chaos run`)."""

from __future__ import annotations

import time

from chaoslib.exceptions import ActivityFailed


def succeed(value: str = "ok") -> str:
    return value


def fail(reason: str = "the payments database refused the connection") -> None:
    raise ActivityFailed(reason)


def work_for(seconds: float = 0.2) -> float:
    time.sleep(seconds)
    return seconds


def unserialisable() -> object:
    """Plain JSON cannot encode it; the chaos CLI's journal encoder can."""
    import decimal
    import uuid

    return {"id": uuid.UUID(int=7), "amount": decimal.Decimal("12.50")}


def create_flag(path: str) -> str:
    with open(path, "w") as flag:
        flag.write("broken")
    return path


def flag_is_absent(path: str) -> bool:
    import os

    return not os.path.exists(path)


def text_appears_in(path: str, text: str, within: float) -> bool:
    """Whether ``text`` is in the file at ``path`` within ``within`` seconds (polled)."""
    deadline = time.monotonic() + within
    while True:
        try:
            with open(path, encoding="utf-8") as stream:
                if text in stream.read():
                    return True
        except FileNotFoundError:
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.005)


def echo(value: object) -> object:
    return value
