"""Load: 50 concurrent clients on the overview and an image page of the real server
(uvicorn, loopback only), served from the UI's caches; bounded in count (50 x 20
requests) and in time (20 s). No error is allowed; p50, p95 and the slowest request are
reported. And the overview of a registry of 200 repositories x 20 tags (a synthetic
snapshot, accounted by the real usage code) is served from the cache in under a second.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from imagekit.oci import mediatype
from imagekit.oci.digest import Digest
from imagekit.registry.snapshot import (
    Blob,
    ImageFacts,
    Node,
    RepositorySnapshot,
    Snapshot,
    TagRef,
)
from imagekit.report.usage import usage
from tests.web import live
from tests.web.images import Filled

CLIENTS = 50
REQUESTS = 20
DEADLINE = 20.0


@pytest.fixture(scope="module")
def site(
    filled: Filled, push_env: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    cache = tmp_path_factory.mktemp("ui-load")
    with live.server(filled.registry, push_env, cache, ["--prefix", filled.namespace]) as url:
        yield url


def get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, response.read()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def test_50_clients_on_the_overview_and_an_image_page(site: str, filled: Filled) -> None:
    parts = urllib.parse.urlsplit(site)
    host, port = parts.hostname or "", parts.port or 80
    assert host == "127.0.0.1"
    overview = "/"
    image = f"/r/{filled.repo('app')}/-/tag/v2"
    warm = http.client.HTTPConnection(host, port, timeout=30)
    deadline = time.monotonic() + 60
    for path, marker in ((overview, b'id="total-bytes"'), (image, b'id="wasted-bytes"')):
        while marker not in get(warm, path)[1]:
            assert time.monotonic() < deadline, f"{path} never became ready"
            time.sleep(0.3)
    warm.close()

    latencies: dict[str, list[float]] = {overview: [], image: []}
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)
    stop_at = time.monotonic() + DEADLINE + 5

    def client(number: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=DEADLINE)
        start.wait()
        try:
            for i in range(REQUESTS):
                if time.monotonic() > stop_at:
                    with lock:
                        errors.append(f"client {number}: out of time after {i} requests")
                    return
                path = overview if (number + i) % 2 else image
                began = time.perf_counter()
                status, body = get(conn, path)
                took = time.perf_counter() - began
                marker = b'id="total-bytes"' if path == overview else b'id="wasted-bytes"'
                with lock:
                    latencies[path].append(took)
                    if status != 200 or marker not in body:
                        errors.append(f"{path}: {status}")
        except OSError as exc:
            with lock:
                errors.append(f"client {number}: {exc}")
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE + 10)
    elapsed = time.monotonic() - began
    assert not errors, errors[:10]
    every = latencies[overview] + latencies[image]
    assert len(every) == CLIENTS * REQUESTS
    lines = [
        f"load: {CLIENTS} clients x {REQUESTS} requests in {elapsed:.1f} s "
        f"({len(every) / elapsed:.0f} requests/s), no errors"
    ]
    for path, name in ((overview, "overview"), (image, "image page")):
        values = latencies[path]
        lines.append(
            f"load: {name}: p50 {percentile(values, 0.5) * 1000:.0f} ms, "
            f"p95 {percentile(values, 0.95) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"
        )
    live.REPORT.extend(lines)
    print("\n" + "\n".join(lines))
    assert elapsed < DEADLINE
    assert percentile(every, 0.95) < 5.0


def synthetic_snapshot(repositories: int = 200, tags: int = 20, bases: int = 4) -> Snapshot:
    """``repositories`` x ``tags`` images over ``bases`` shared bases of three layers each;
    each image has its own config and application layer."""

    def blob(text: str, size: int, media: str = mediatype.OCI_LAYER_GZIP) -> Blob:
        return Blob(Digest.of_bytes(text.encode()), size, media)

    base_layers = [
        [blob(f"base {b} layer {i}", 10_000_000 + 1_000 * b + i) for i in range(3)]
        for b in range(bases)
    ]
    nodes: dict[Digest, Node] = {}
    found = []
    for r in range(repositories):
        name = f"team{r % 10}/service-{r:03d}"
        refs = []
        for t in range(tags):
            config = blob(f"config {r} {t}", 1_500 + t, mediatype.OCI_CONFIG)
            app = blob(f"app {r} {t}", 200_000 + 37 * r + t)
            node = Node(
                Digest.of_bytes(f"manifest {r} {t}".encode()),
                mediatype.OCI_MANIFEST,
                900,
                (config, *base_layers[r % bases], app),
                config=config,
                facts=ImageFacts(f"2024-05-{1 + t % 28:02d}T12:00:00Z", "linux/amd64"),
            )
            nodes[node.digest] = node
            refs.append(TagRef(name, f"v{t}", node.digest, node.media_type, node.size))
        found.append(RepositorySnapshot(name, tuple(refs)))
    return Snapshot("127.0.0.1:1", tuple(found), nodes, taken=time.time())


def test_the_overview_of_200_repositories_of_20_tags_is_served_in_under_a_second(
    tmp_path: Path,
) -> None:
    from starlette.testclient import TestClient

    from imagekit.web.accounting import Reading, sharing_of
    from imagekit.web.app import create_app

    began = time.perf_counter()
    snapshot = synthetic_snapshot()
    found = usage(snapshot)
    reading = Reading(snapshot, found, finished=time.time(), sharing=sharing_of(snapshot))
    accounted = time.perf_counter() - began
    assert found.tag_count == 4000 and len(found.repositories) == 200

    browser = cached_browser(reading, tmp_path)
    with TestClient(create_app(browser), base_url="http://127.0.0.1") as ui:
        first = ui.get("/")
        assert first.status_code == 200 and 'id="total-bytes"' in first.text
        times = []
        for _ in range(10):
            started = time.perf_counter()
            page = ui.get("/")
            times.append(time.perf_counter() - started)
            assert page.status_code == 200
        repository = ui.get("/r/team3/service-003")
        assert repository.status_code == 200 and 'data-tag="v19"' in repository.text
    assert f'data-bytes="{found.total_bytes}"' in page.text
    assert page.text.count("<tr data-repository=") == 100  # the first page of two
    worst = max(times)
    line = (
        f"overview of 200 repositories x 20 tags from the cache: median "
        f"{sorted(times)[5] * 1000:.0f} ms, slowest of 10 {worst * 1000:.0f} ms "
        f"(accounting the snapshot: {accounted * 1000:.0f} ms)"
    )
    live.REPORT.append(line)
    print("\n" + line)
    assert worst < 1.0


def cached_browser(reading: Any, tmp_path: Path) -> Any:
    """A UI whose accounting is ``reading`` (no registry behind it: nothing else is read)."""
    from imagekit.catalog import load_catalog
    from imagekit.registry.client import RegistryClient
    from imagekit.registry.doccache import DocumentCache
    from imagekit.web.accounting import Accounting
    from imagekit.web.analysis import AnalysisStore
    from imagekit.web.browser import Browser, Trends, UiSettings
    from imagekit.web.documents import Documents

    client = RegistryClient("127.0.0.1:1")

    def fails(repository: str, digest: Digest) -> Any:
        raise AssertionError("nothing is analysed here")

    return Browser(
        settings=UiSettings(registry="127.0.0.1:1"),
        client=client,
        accounting=Accounting(lambda: reading, max_age=3600),
        documents=Documents(client, DocumentCache(tmp_path / "documents")),
        analyses=AnalysisStore(tmp_path / "analysis", fails),
        trends=Trends(None, client.registry, 3600),
        catalog=load_catalog(),
    )


def test_a_repository_of_10000_accounted_tags_is_paged_from_the_cache(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from imagekit.web.accounting import Reading, sharing_of
    from imagekit.web.app import create_app

    snapshot = synthetic_snapshot(repositories=1, tags=10_000)
    reading = Reading(snapshot, usage(snapshot), finished=time.time(), sharing=sharing_of(snapshot))
    name = snapshot.repositories[0].name
    with TestClient(
        create_app(cached_browser(reading, tmp_path)), base_url="http://127.0.0.1"
    ) as ui:
        ui.get(f"/r/{name}")
        started = time.perf_counter()
        page = ui.get(f"/r/{name}", params={"sort": "size", "page": "3"})
        took = time.perf_counter() - started
    assert page.status_code == 200
    assert 'id="tag-total">10000<' in page.text and "page 3 of 200" in page.text
    rows = re.findall(r'<tr data-tag="([^"]+)">', page.text)
    assert len(rows) == 50
    line = f"repository of 10000 tags, one page from the cache: {took * 1000:.0f} ms"
    live.REPORT.append(line)
    assert took < 1.0
