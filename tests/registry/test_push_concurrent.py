"""Two pushes at the same time into one repository: the same image (two ``imagekit push``
processes), and two images sharing a base (two threads), each with its own cache.

Both succeed and every tag reads back whole. Nothing is uploaded twice that HEAD could
have skipped: each push goes through a recording proxy of its own, so every HEAD and
every upload is seen with the time it passed. A push uploads a blob only after its HEAD
found it missing, so a blob may be uploaded by both pushes only when each push's HEAD
for it went out before the other's upload of it was answered (before that answer the
registry does not have it; after it, a HEAD finds it and the push skips it). The test
checks exactly that, and that no push uploads a blob twice or one its HEAD found.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from imagekit.oci.digest import Digest
from imagekit.oci.transport import open_image
from imagekit.registry.client import RegistryClient
from imagekit.registry.push import PushEvent, PushResult, push
from tests.support import registry as support
from tests.support.proxy import FaultProxy, Request
from tests.support.pushimages import busybox_tar, read_back, varied, write_images

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sources(engine: Any, tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, Digest]]:
    """Images 1 and 2 share the busybox layer and (seed 13) two more layers."""
    work = tmp_path_factory.mktemp("concurrent-images")
    return write_images(varied(busybox_tar(engine, work), 3, seed=13), work / "layout")


def heads(wire: FaultProxy) -> dict[str, Request]:
    """Each blob's HEAD (its digest: the request)."""
    found: dict[str, Request] = {}
    for r in wire.requests():
        if r.method == "HEAD" and "/blobs/sha256:" in r.path:
            digest = r.path.rsplit("/", 1)[1]
            assert digest not in found, f"{digest} was asked for twice"
            found[digest] = r
    return found


def uploads(wire: FaultProxy) -> dict[str, Request]:
    """Each blob's completed upload (the PUT ``?digest=`` answered 201)."""
    found: dict[str, Request] = {}
    for r in wire.requests():
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(r.path).query)
        if r.method == "PUT" and "/blobs/uploads/" in r.path and r.status == 201:
            digest = query["digest"][0]
            assert digest not in found, f"{digest} was uploaded twice by one push"
            found[digest] = r
    return found


def check_no_needless_upload(one: FaultProxy, other: FaultProxy) -> set[str]:
    """The blobs both pushes uploaded; each one only as the race allows."""
    heads_1, heads_2 = heads(one), heads(other)
    up_1, up_2 = uploads(one), uploads(other)
    for seen, sent in ((heads_1, up_1), (heads_2, up_2)):
        for digest, head in seen.items():
            assert (head.status == 404) == (digest in sent), (digest, head.status)
        assert set(sent) <= set(seen)  # nothing uploaded without asking first
    both = set(up_1) & set(up_2)
    for digest in both:
        assert heads_1[digest].started < up_2[digest].answered  # type: ignore[operator]
        assert heads_2[digest].started < up_1[digest].answered  # type: ignore[operator]
    return both


def cli_push(source: str, dest: str, cache: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "IMAGEKIT_CACHE_DIR": str(cache), "CI": "1"}
    env.pop("DOCKER_CONFIG", None)
    env["DOCKER_CONFIG"] = str(cache / "docker")
    return subprocess.Popen(
        [sys.executable, "-m", "imagekit", "push", source, dest],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_push_the_same_image_to_the_same_tag(
    registry: str, sources: list[tuple[str, Digest]], tmp_path: Path
) -> None:
    source, digest = sources[1]
    repo = support.repository("concurrent")
    with FaultProxy(registry) as one, FaultProxy(registry) as other:
        running = [
            cli_push(source, f"{wire.address}/{repo}:latest", tmp_path / name)
            for wire, name in ((one, "a"), (other, "b"))
        ]
        outputs = [process.communicate(timeout=120) for process in running]
        for process, (stdout, stderr) in zip(running, outputs, strict=True):
            assert process.returncode == 0, stderr
            assert stdout == f"{digest}\n"
        both = check_no_needless_upload(one, other)
        blobs = set(heads(one))
        assert blobs == set(heads(other)) and len(blobs) >= 3
        assert set(uploads(one)) | set(uploads(other)) == blobs  # each blob went up once at least
    assert read_back(registry, repo, "latest") == digest
    print(f"\nsame image: {len(blobs)} blobs, {len(both)} uploaded by both (HEADs raced)")


def thread_push(source: str, dest: str, cache: Path, address: str, **kw: Any) -> PushResult:
    client = RegistryClient(address)
    try:
        return push(open_image(source), [dest], client_for=lambda r: client, cache_dir=cache, **kw)
    finally:
        client.transport.close()


@pytest.mark.parametrize("staggered", [False, True])
def test_two_threads_push_images_sharing_a_base_to_one_repository(
    registry: str, sources: list[tuple[str, Digest]], tmp_path: Path, staggered: bool
) -> None:
    """At once, or the second push starting when the first has uploaded a shared layer:
    then the second must skip that layer."""
    (first, first_digest), (second, second_digest) = sources[1], sources[2]
    shared = set(str(d.digest) for d in open_image(first).manifest.layers) & set(
        str(d.digest) for d in open_image(second).manifest.layers
    )
    assert shared, "the images share no layer"
    repo = support.repository("concurrent")
    results: dict[str, PushResult] = {}
    errors: list[BaseException] = []
    go = threading.Event()
    confirmed: list[str] = []

    def on_event(event: PushEvent) -> None:
        done = event.kind == "blob-done" and event.action == "uploaded"
        if done and str(event.digest) in shared and not go.is_set():
            confirmed.append(str(event.digest))
            go.set()

    with FaultProxy(registry) as one, FaultProxy(registry) as other:

        def run(name: str, source: str, wire: FaultProxy, wait: bool) -> None:
            try:
                if wait:
                    go.wait(60)
                dest = f"{wire.address}/{repo}:{name}"
                results[name] = thread_push(
                    source,
                    dest,
                    tmp_path / name,
                    wire.address,
                    on_event=on_event if staggered and not wait else None,
                )
            except BaseException as exc:  # reported below
                errors.append(exc)

        if not staggered:
            go.set()
        threads = [
            threading.Thread(target=run, args=("a", first, one, False)),
            threading.Thread(target=run, args=("b", second, other, staggered)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert errors == []
        both = check_no_needless_upload(one, other)
        assert results["a"].digest == first_digest and results["b"].digest == second_digest
        if staggered:
            (early,) = confirmed
            assert heads(other)[early].status == 200 and early not in uploads(other)
            assert early not in both
        assert both <= shared  # the configs differ; only shared layers can race
    assert read_back(registry, repo, "a") == first_digest
    assert read_back(registry, repo, "b") == second_digest
    print(
        f"\nshared base, staggered={staggered}: {len(both)} of {len(shared)} shared uploaded twice"
    )
