"""Over a hundred pushes through a fault-injecting proxy in front of the real registry.

Connections are dropped mid-blob, requests answered 500 or 503 by the proxy, answers
slowed, stalled past the client's timeout, or cut short. Each push either completes, with
the digest its source has, or fails with a one-line registry error of a known shape; and
no tag ever names a manifest with a missing blob: after every push, and for every tag at
the end, the tag is read back straight from the registry (not through the proxy), its
manifest, config and every layer, each checked against its digest.

The counts (pushes, faults by kind, completed, failed, retries) are printed in the test
output.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from imagekit.errors import ImagekitError, RegistryError
from imagekit.oci.digest import Digest
from imagekit.oci.transport import open_image
from imagekit.registry.client import RegistryClient
from imagekit.registry.errors import RegistryResponseError
from imagekit.registry.pool import ConnectionPool
from imagekit.registry.push import push
from imagekit.registry.transport import RetryPolicy, Transport
from tests.support import registry as support
from tests.support.proxy import FaultProxy, Request
from tests.support.pushimages import busybox_tar, read_back, varied, write_images

PUSHES = 110
#: Fault kinds and their weights; a stall costs the client's timeout, so it is rare.
KINDS = {"drop-upload": 3, "status-500": 2, "status-503": 2, "truncate": 3, "slow": 2, "stall": 1}
TIMEOUT = 1.5


def policy(rate: float) -> Any:
    kinds, weights = list(KINDS), list(KINDS.values())

    def choose(rng: random.Random, request: Request) -> str:
        if rng.random() >= rate:
            return "ok"
        return rng.choices(kinds, weights)[0]

    return choose


def shapes(address: str) -> list[re.Pattern[str]]:
    """What a failed push may say: the request and 'unreachable', or the reference and
    the registry's answer with its status; nothing else."""
    host = re.escape(address)
    repo = r"imagekit-faults/[0-9a-f]{12}"
    return [
        re.compile(
            rf"^(HEAD|GET|POST|PUT|PATCH|DELETE) http://{host}/v2/{repo}/\S+: the registry at "
            rf"{host} is unreachable \(.+\)$"
        ),
        re.compile(
            rf"^{host}/{repo}(@sha256:[0-9a-f]{{64}}|:t\d)?(: starting an upload)?: "
            rf".+ \(HTTP 5\d\d\)$"
        ),
        re.compile(rf"^reading the response from http://{host}/v2/{repo}/\S+ failed: .+$"),
    ]


def always(client: RegistryClient) -> Callable[[str], RegistryClient]:
    return lambda registry: client


@pytest.fixture(scope="module")
def sources(engine: Any, tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, Digest]]:
    work = tmp_path_factory.mktemp("fault-images")
    return write_images(varied(busybox_tar(engine, work), 14), work / "layout")


def test_faulty_pushes_complete_or_fail_cleanly_and_never_leave_a_broken_tag(
    registry: str,
    sources: list[tuple[str, Digest]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rng = random.Random(20261203)
    repositories = [support.repository("faults") for _ in range(3)]
    slept: list[float] = []
    outcomes: Counter[str] = Counter()
    failures: list[str] = []
    pushed: dict[tuple[str, str], set[Digest]] = {}
    done: set[tuple[str, str]] = set()  # tags a push completed for
    started = time.monotonic()
    pools: list[ConnectionPool] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    with FaultProxy(registry, seed=7, stall_delay=TIMEOUT + 1.0) as proxy:
        allowed = shapes(proxy.address)
        for n in range(PUSHES):
            harsh = n % 4 == 3  # a quarter of the pushes meet many faults and few retries
            proxy.policy = policy(0.45 if harsh else 0.08)
            source, expected = rng.choice(sources)
            repo, tag = rng.choice(repositories), f"t{rng.randint(0, 3)}"
            pushed.setdefault((repo, tag), set()).add(expected)
            transport = Transport(
                timeout=TIMEOUT,
                retry=RetryPolicy(attempts=3 if harsh else 4, backoff=0.02, max_delay=0.2),
                sleep=sleep,
            )
            pools.append(transport.pool)
            client = RegistryClient(proxy.address, transport=transport)
            try:
                result = push(
                    open_image(source),
                    [f"{proxy.address}/{repo}:{tag}"],
                    client_for=always(client),
                    cache_dir=tmp_path / "cache",  # shared: mounts between the repositories
                )
            except ImagekitError as error:
                line = error.format()
                assert "\n" not in line and isinstance(error, RegistryError), line
                assert any(s.match(error.message) for s in allowed), error.message
                if isinstance(error, RegistryResponseError):
                    assert error.status >= 500 and error.hint, line
                outcomes["failed cleanly"] += 1
                failures.append(error.message)
            else:
                assert result.digest == expected
                outcomes["completed"] += 1
                done.add((repo, tag))
                assert read_back(registry, repo, tag) == expected
            finally:
                transport.close()
            try:  # whatever happened, the tag names nothing broken (or does not exist yet)
                found = read_back(registry, repo, tag)
            except RegistryResponseError as error:
                assert error.status == 404 and (repo, tag) not in done, error.message
            else:
                assert found in pushed[(repo, tag)]
        stats = proxy.reset()
    for (repo, tag), digests in pushed.items():
        try:
            assert read_back(registry, repo, tag) in digests
        except RegistryResponseError as error:
            assert error.status == 404 and (repo, tag) not in done, error.message
    faults = {k: v for k, v in sorted(stats.faults.items()) if k != "ok"}
    resent = sum(p.stale for p in pools)
    report = {
        "pushes": PUSHES,
        "requests": stats.requests,
        "faults injected": sum(faults.values()),
        **{f"  {k}": v for k, v in faults.items()},
        "completed": outcomes["completed"],
        "failed cleanly": outcomes["failed cleanly"],
        "retries (backoff waits)": len(slept),
        "re-sent on a fresh connection": resent,
        "connections": stats.connections,
        "seconds": round(time.monotonic() - started, 1),
    }
    with capsys.disabled():  # the numbers, in the test output (the README quotes them)
        print("\nfault-injection pushes:")
        for key, value in report.items():
            print(f"  {key}: {value}")
        for message in sorted(set(failures))[:8]:
            print(f"  failure: {message}")
    assert outcomes["completed"] + outcomes["failed cleanly"] == PUSHES
    assert sum(faults.values()) >= PUSHES  # at least one fault per push on average
    assert set(faults) == set(KINDS)
    assert outcomes["completed"] > PUSHES // 2 and outcomes["failed cleanly"] > 0
    assert len(slept) > 0 and resent > 0
