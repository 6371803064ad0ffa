"""Fixtures of the UI tests: a namespace of the test registry filled by `imagekit push`
once per session, and the UI over it (Starlette's test client, or the real server)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import registry as support
from tests.web.images import Filled, Pushed, fill, push_three


@pytest.fixture(scope="session")
def push_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | None]:
    """The environment of the pushes: caches of their own, the embedded registry's data
    directory (so that each push is recorded in its size ledger), no CI."""
    root = tmp_path_factory.mktemp("ui-push")
    return {
        "IMAGEKIT_CACHE_DIR": str(root / "cache"),
        "DOCKER_CONFIG": str(root / "docker"),
        "IMAGEKIT_REGISTRY_DIR": str(support.data_dir()),
        "CI": None,
    }


@pytest.fixture(scope="session")
def filled(
    registry: str, tmp_path_factory: pytest.TempPathFactory, push_env: dict[str, Any]
) -> Filled:
    return fill(registry, tmp_path_factory.mktemp("ui-fill"), push_env)


@pytest.fixture(scope="session")
def ledger(embedded_registry: Any) -> Any:
    from imagekit.cli.sizes import EMBEDDED_LEDGER_PREFIX
    from imagekit.report.ledger import Ledger

    return Ledger(embedded_registry.s3_client(), embedded_registry.bucket, EMBEDDED_LEDGER_PREFIX)


Make = Callable[..., Any]


@pytest.fixture
def make_client(tmp_path: Path, ledger: Any) -> Iterator[Make]:
    """``make_client(registry, prefix=..., **settings)``: a test client of a new UI."""
    from starlette.testclient import TestClient

    from imagekit.registry.client import RegistryClient
    from imagekit.registry.transport import RetryPolicy, Transport
    from imagekit.web.app import create_app
    from imagekit.web.browser import UiSettings, make_browser

    made: list[Any] = []

    def make(
        registry: str, *, timeout: float = 15.0, use_ledger: bool = True, **options: Any
    ) -> Any:
        transport = Transport(timeout=timeout, retry=RetryPolicy(attempts=1))
        client = RegistryClient(registry, transport=transport)
        settings = UiSettings(registry=registry, **options)
        browser = make_browser(
            settings, client, tmp_path / f"cache{len(made)}", ledger=ledger if use_ledger else None
        )
        test_client = TestClient(create_app(browser), base_url="http://127.0.0.1")
        test_client.__enter__()
        made.append(test_client)
        test_client.browser = browser  # type: ignore[attr-defined]
        return test_client

    yield make
    for test_client in made:
        test_client.__exit__(None, None, None)


@pytest.fixture
def pushed(registry: str, tmp_path: Path, push_env: dict[str, Any]) -> Pushed:
    return push_three(registry, tmp_path / "pushed", push_env)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.web import live

    lines = list(live.REPORT)
    if live.ARTIFACTS.is_dir() and any(live.ARTIFACTS.glob("*.png")):
        lines.append(f"UI screenshots: {live.ARTIFACTS}")
    if lines:
        terminalreporter.section("imagekit registry ui")
        for line in lines:
            terminalreporter.write_line(line)
