"""The docker engine for tests: the `engine` fixture's client, local base images, builds and cleanup.

The engine is the one `.ci/services up` starts (or any engine DOCKER_HOST points at). It is
required: when it does not answer, the `engine` fixture fails rather than skips, so a CI
run without an engine cannot pass by running nothing.

Base images are made locally, once per engine, from this machine's busybox-static binary
and an mmdebstrap root (``imagekit build root``), and tagged with the names public images use,
so Dockerfiles saying `FROM busybox` or `FROM debian:bookworm-slim` build unchanged and
offline. Every image built through :func:`build` carries the :data:`LABEL` label and is
removed at the end of the session; the base images stay cached in the engine.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest
from docker.models.images import Image

from imagekit.build.blobs import BlobStore
from imagekit.build.busybox import inspect_busybox
from imagekit.build.outputs import load_into_engine
from imagekit.build.roots import ROOT_LABEL, RootRequest, build_root

#: Label put on every image the tests build, to find and remove them afterwards.
LABEL = "org.example.imagekit.test"
BUSYBOX_BINARY = Path("/bin/busybox")
DEBIAN_SUITE = "bookworm"
DEBIAN_TAG = "debian:bookworm-slim"


def engine_socket() -> str:
    """The test engine's unix socket (DOCKER_HOST, else the default one); the tests of
    imagekit's own socket client fail when the engine is reached otherwise."""
    from imagekit.oci.engineapi import socket_path

    path = socket_path(os.environ.get("DOCKER_HOST", ""))
    if path is None:
        pytest.fail("these tests need the engine on a unix socket (DOCKER_HOST=unix://...)")
    return path


def busybox_tags(version: str) -> list[str]:
    """``busybox:latest`` plus the full and the major.minor version (``1.35.0``, ``1.35``)."""
    short = ".".join(version.split(".")[:2])
    return ["busybox:latest", *dict.fromkeys([f"busybox:{version}", f"busybox:{short}"])]


def has_image(client: Any, tag: str) -> bool:
    """Whether ``tag`` is in the engine as imagekit's root builder made it."""
    try:
        image = client.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    labels = (image.attrs.get("Config") or {}).get("Labels") or {}
    return ROOT_LABEL in labels


def _load(client: Any, request: RootRequest, tags: list[str], scratch: str) -> None:
    image = build_root(request, BlobStore(scratch))
    load_into_engine(image, tags[0], client=client)
    loaded = client.images.get(tags[0])
    for other in tags[1:]:
        repository, _, tag = other.partition(":")
        loaded.tag(repository, tag)


def ensure_base_images(client: Any) -> list[str]:
    """Make the local base images the engine lacks (or has from elsewhere); the tags made.

    They are made by ``imagekit build root`` and loaded as its docker-daemon output does:
    busybox from this machine's busybox-static, debian:bookworm-slim as Debian's image is
    (minbase, no ca-certificates).
    """
    made: list[str] = []
    busybox = inspect_busybox(BUSYBOX_BINARY)
    tags = busybox_tags(busybox.version)
    with tempfile.TemporaryDirectory(prefix="imagekit-rootfs-") as scratch:
        if not all(has_image(client, tag) for tag in tags):
            _load(client, RootRequest("busybox", busybox=BUSYBOX_BINARY), tags, scratch)
            made += tags
        if not has_image(client, DEBIAN_TAG):
            request = RootRequest(
                "debian", suite=DEBIAN_SUITE, variant="minbase", ca_certificates=False
            )
            _load(client, request, [DEBIAN_TAG], scratch)
            made.append(DEBIAN_TAG)
    return made


def connect() -> Any:
    """A client for the engine in the environment, or a test failure saying how to start it."""
    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as error:
        problem = str(error)
    else:
        return client
    pytest.fail(
        f"the docker engine does not answer ({problem}); start it with `make services` "
        "(or `.ci/services up`), or point DOCKER_HOST at a running engine",
        pytrace=False,
    )


def session() -> Iterator[Any]:
    """The body of the session fixture `engine` (tests/conftest.py).

    Yields a client with the local base images present; removes the built images after.
    """
    client = connect()
    ensure_base_images(client)
    try:
        yield client
    finally:
        _remove_labelled(client)
        client.close()


def _remove_labelled(client: Any) -> None:
    """Remove the images the tests built; a parent goes once its children are gone (the
    engine refuses it before), so passes repeat while they remove something. A parent of
    an image that is not a test's (one a user built on it) stays."""
    left = client.images.list(filters={"label": LABEL})
    while left:
        refused = []
        for image in left:
            try:
                client.images.remove(image.id, force=True)
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError as error:
                if error.status_code != 409:
                    raise
                refused.append(image)
        if len(refused) == len(left):
            return
        left = refused


def build(client: Any, directory: Path, dockerfile: str | Path, tag: str) -> Image:
    """Build ``directory`` with ``dockerfile`` (a path, or the Dockerfile's text) as ``tag``.

    Host networking (the engine runs without a bridge), intermediate containers removed, and
    the test label set so the session removes the image. A failed build fails the test with
    the end of the build log.
    """
    with tempfile.TemporaryDirectory(prefix="imagekit-dockerfile-") as scratch:
        if isinstance(dockerfile, str):
            path = Path(scratch) / "Dockerfile"
            path.write_text(dockerfile, encoding="utf-8")
        else:
            path = dockerfile.resolve()
        try:
            image, _ = client.images.build(
                path=str(directory),
                dockerfile=str(path),
                tag=tag,
                rm=True,
                forcerm=True,
                network_mode="host",
                labels={LABEL: "1"},
            )
        except docker.errors.BuildError as error:
            log = "".join(
                str(chunk.get("stream", chunk.get("error", ""))) for chunk in error.build_log
            )
            pytest.fail(f"building {tag} failed: {error.msg}\n{log[-3000:]}", pytrace=False)
    assert isinstance(image, Image)
    return image


def run(client: Any, image: Image | str, command: list[str]) -> str:
    """Run ``command`` in a throw-away container of ``image`` on the host network; its stdout."""
    reference = image.id if isinstance(image, Image) else image
    output = client.containers.run(reference, command, network_mode="host", remove=True)
    assert isinstance(output, bytes)
    return output.decode()


def save(client: Any, reference: str, path: Path) -> Path:
    """``docker save reference`` into ``path`` through the SDK, streamed."""
    with open(path, "wb") as out:
        for chunk in client.api.get_image(reference, chunk_size=1 << 20):
            out.write(chunk)
    return path
