from __future__ import annotations

from collections.abc import Iterator

import pytest

from support import payments_service


@pytest.fixture(scope="session")
def service_url() -> Iterator[str]:
    """The example payments service, on a free loopback port."""
    with payments_service() as url:
        yield url
