"""One embedded registry shared by the tests of imagekit/services that need a running one
but not one of their own (each weed start costs seconds and memory)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from imagekit.services import EmbeddedRegistry, Settings, down, up
from tests.support.embedded import free_port


@pytest.fixture(scope="session")
def shared_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRegistry]:
    data_dir = tmp_path_factory.mktemp("shared-registry")
    try:
        yield up(Settings(data_dir=data_dir, port=free_port()))
    finally:
        down(data_dir)
