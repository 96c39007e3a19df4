from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import payments_service

# No test run ever writes to the user's own spool (~/.cache/chaostracing/spool): a session-wide
# default for the module-scoped fixtures, and one spool per test below.
os.environ.setdefault("CHAOSTRACING_SPOOL_DIR", tempfile.mkdtemp(prefix="chaostracing-spool-"))

# Started as a background job (`./scripts/test.sh &`, nohup), this process has SIGINT ignored,
# and so would every `chaos run` it starts, which then rightly ignores Ctrl-C: the signal tests
# would fail. Python's own handler, as under a terminal: what the tests start gets SIGINT's
# default action (exec keeps a signal ignored, but resets a handled one).
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def spool_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own spool directory (CHAOSTRACING_SPOOL_DIR), inherited by `chaos run`."""
    spool = tmp_path_factory.mktemp("spool")
    monkeypatch.setenv("CHAOSTRACING_SPOOL_DIR", str(spool))
    return spool


@pytest.fixture(scope="session")
def service_url() -> Iterator[str]:
    """The example payments service, on a free loopback port."""
    with payments_service() as url:
        yield url
