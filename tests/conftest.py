"""Fixtures shared by the whole test suite."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def engine() -> Iterator[Any]:
    """A docker SDK client for the test engine, with the local base images present.

    Fails (never skips) when the engine does not answer. The docker SDK is imported only by
    sessions that use this fixture.
    """
    from tests.support import docker as support

    yield from support.session()


@pytest.fixture(scope="session")
def registry() -> str:
    """``HOST:PORT`` of the test registry (plain HTTP). Fails (never skips) when it does not answer."""
    from tests.support import registry as support

    return support.session()


@pytest.fixture(scope="session")
def embedded_registry() -> Any:
    """The :class:`~imagekit.services.EmbeddedRegistry` of the test registry (the one the
    `registry` fixture names, unless IMAGEKIT_REGISTRY_ADDR points elsewhere): its S3
    endpoint, keys and bucket, for tests of the size ledger and bucket sizes. Fails (never
    skips) when it is not running."""
    from tests.support import registry as support

    return support.embedded_session()
