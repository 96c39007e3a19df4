from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import payments_service

# No test run ever writes to the user's own spool (~/.cache/chaostracing/spool): a session-wide
# default for the module-scoped fixtures, and one spool per test below.
os.environ.setdefault("CHAOSTRACING_SPOOL_DIR", tempfile.mkdtemp(prefix="chaostracing-spool-"))


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
