"""Roots built once per session (the Debian root takes a while), a Go cache shared by the
session's builds, and engine tags removed at the end."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from imagekit.build.assemble import BuiltImage
from imagekit.build.blobs import BlobStore
from imagekit.build.roots import RootRequest, build_root

#: SOURCE_DATE_EPOCH of the session's roots.
EPOCH = 1700000000
PROBE = Path(__file__).parent / "goprobe"


class Root(NamedTuple):
    image: BuiltImage
    seconds: float


def _build(request: RootRequest, where: Path) -> Root:
    import time

    started = time.monotonic()
    image = build_root(request, BlobStore(where))
    return Root(image, time.monotonic() - started)


@pytest.fixture(scope="session")
def debian_root(tmp_path_factory: pytest.TempPathFactory) -> Root:
    return _build(RootRequest("debian", epoch=EPOCH), tmp_path_factory.mktemp("debian-root"))


@pytest.fixture(scope="session")
def runtime_root(tmp_path_factory: pytest.TempPathFactory) -> Root:
    return _build(RootRequest("runtime", epoch=EPOCH), tmp_path_factory.mktemp("runtime-root"))


@pytest.fixture(scope="session")
def go_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """imagekit's cache directory for the session's Go builds (GOCACHE is under it)."""
    return tmp_path_factory.mktemp("imagekit-cache")


class Tags:
    """Engine tags a test loads; removed when the session ends."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.made: list[str] = []

    def name(self, tag: str) -> str:
        self.made.append(tag)
        return tag


@pytest.fixture(scope="session")
def engine_tags(engine: Any) -> Iterator[Tags]:
    import docker.errors

    tags = Tags(engine)
    yield tags
    for tag in tags.made:
        with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
            engine.images.remove(tag, force=True)
