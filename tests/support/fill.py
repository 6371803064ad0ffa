"""Filling a registry for the accounting, prune and gc tests: small dated images in OCI
layouts pushed with ``imagekit push``, a private embedded registry, and pulling tags back
byte for byte.

Layers are gzip tars of random bytes (so no two tests share a blob by accident) unless a
test passes the same bytes on purpose, as shared bases.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from imagekit.oci import mediatype
from imagekit.oci.config import parse_config
from imagekit.oci.digest import Digest
from imagekit.oci.image import HeldImage
from imagekit.oci.layout import write_layout
from imagekit.oci.manifest import Descriptor, Manifest
from imagekit.registry.client import RegistryClient
from tests.support.images import MemoryLayer, file, tar


def layer(data: bytes | int) -> MemoryLayer:
    """A gzip layer holding one file of ``data`` (or that many random bytes)."""
    body = os.urandom(data) if isinstance(data, int) else data
    return MemoryLayer(tar(file("data.bin", body)))


def dated_image(
    *layers: MemoryLayer, created: str = "2024-01-01T00:00:00Z", architecture: str = "amd64"
) -> HeldImage:
    raw = json.dumps(
        {
            "architecture": architecture,
            "os": "linux",
            "created": created,
            "rootfs": {"type": "layers", "diff_ids": [str(x.diff_id) for x in layers]},
            "history": [{"created": created, "created_by": "test"} for _ in layers],
        }
    ).encode()
    manifest = Manifest(
        mediatype.OCI_MANIFEST,
        Descriptor(mediatype.OCI_CONFIG, Digest.of_bytes(raw), len(raw)),
        tuple(x.descriptor for x in layers),
    )
    return HeldImage("memory:dated", manifest, parse_config(raw), tuple(layers))


@dataclass(frozen=True)
class Pushed:
    """A pushed tag and the bytes it must pull back as: manifest, config, layers."""

    repository: str
    tag: str
    digest: Digest
    manifest: bytes
    blobs: dict[Digest, bytes]
    #: The manifests an index names, by digest.
    children: dict[Digest, bytes] = field(default_factory=dict)

    @property
    def blob_bytes(self) -> int:
        parts = [self.manifest, *self.blobs.values(), *self.children.values()]
        return sum(len(b) for b in parts)


def push(
    registry: str,
    repository: str,
    tag: str,
    image: HeldImage | Sequence[HeldImage],
    workdir: Path,
    **env: str,
) -> Pushed:
    """``imagekit push oci:LAYOUT:TAG REGISTRY/REPOSITORY:TAG`` of ``image``, or of an
    index of several images and an attestation manifest (``unknown/unknown``)."""
    from imagekit.cli import cli

    layout = workdir / f"layout-{repository.replace('/', '-')}-{tag}"
    if isinstance(image, HeldImage):
        entry = write_layout(image, layout, tag)
    else:
        entry = _index_layout(layout, tag, image)
    result = CliRunner().invoke(
        cli,
        ["push", f"oci:{layout}:{tag}", f"{registry}/{repository}:{tag}"],
        env={"IMAGEKIT_CACHE_DIR": str(workdir / "push-cache"), **env},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(entry.digest)
    blobs_dir = layout / "blobs" / "sha256"
    manifest = (blobs_dir / entry.digest.hex).read_bytes()
    document = json.loads(manifest)
    children = {
        Digest.parse(d["digest"]): (blobs_dir / d["digest"][7:]).read_bytes()
        for d in document.get("manifests", [])
    }
    blobs = {}
    for raw in [manifest, *children.values()]:
        part = json.loads(raw)
        for descriptor in [part["config"], *part["layers"]] if "config" in part else []:
            digest = Digest.parse(descriptor["digest"])
            blobs[digest] = (blobs_dir / digest.hex).read_bytes()
    return Pushed(repository, tag, entry.digest, manifest, blobs, children)


def _index_layout(layout: Path, tag: str, images: Sequence[HeldImage]) -> Descriptor:
    blobs_dir = layout / "blobs" / "sha256"

    def put(data: bytes, media_type: str) -> dict[str, Any]:
        digest = Digest.of_bytes(data)
        (blobs_dir / digest.hex).write_bytes(data)
        return {"mediaType": media_type, "digest": str(digest), "size": len(data)}

    # each entry's platform is its config's (write_layout puts it there)
    entries = [write_layout(image, layout).to_dict() for image in images]
    nonce = os.urandom(8).hex()  # no two indexes share an attestation
    statement = {"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": nonce}]}
    statement_blob = put(json.dumps(statement).encode(), "application/vnd.in-toto+json")
    # as buildx writes them: the in-toto layers are their own diff IDs
    config_doc = {
        "architecture": "unknown",
        "os": "unknown",
        "rootfs": {"type": "layers", "diff_ids": [statement_blob["digest"]]},
    }
    config = put(json.dumps(config_doc).encode(), mediatype.OCI_CONFIG)
    attestation = {
        "schemaVersion": 2,
        "mediaType": mediatype.OCI_MANIFEST,
        "config": config,
        "layers": [statement_blob],
    }
    entries.append(
        {
            **put(json.dumps(attestation).encode(), mediatype.OCI_MANIFEST),
            "platform": {"os": "unknown", "architecture": "unknown"},
            "annotations": {"vnd.docker.reference.type": "attestation-manifest"},
        }
    )
    index = {"schemaVersion": 2, "mediaType": mediatype.OCI_INDEX, "manifests": entries}
    root = put(json.dumps(index).encode(), mediatype.OCI_INDEX)
    listing = {
        "schemaVersion": 2,
        "manifests": [{**root, "annotations": {"org.opencontainers.image.ref.name": tag}}],
    }
    (layout / "index.json").write_text(json.dumps(listing))
    return Descriptor(root["mediaType"], Digest.parse(root["digest"]), root["size"])


def pull_back(client: RegistryClient, pushed: Pushed) -> None:
    """The tag still names the manifest, and manifest, config and layers read back equal."""
    fetched = client.get_manifest(pushed.repository, pushed.tag)
    assert fetched.digest == pushed.digest, f"{pushed.repository}:{pushed.tag} moved"
    assert fetched.raw == pushed.manifest
    for digest, data in pushed.blobs.items():
        with client.open_blob(pushed.repository, digest, len(data)) as stream:
            assert stream.read() == data, f"{pushed.repository}@{digest} differs"


@contextlib.contextmanager
def private_registry(data_dir: Path) -> Iterator[Any]:
    """An embedded registry of its own in ``data_dir`` on a free port, stopped afterwards."""
    from imagekit.services import Settings, down, up
    from imagekit.services.network import pick_ports

    port = pick_ports("127.0.0.1", 1)[0]
    started = up(Settings(data_dir=data_dir, port=port, path=os.environ.get("PATH", "")))
    try:
        yield started
    finally:
        down(data_dir)


def filesystem_registry(directory: Path, *, delete: bool) -> Any:
    """Debian's docker-registry on a filesystem in ``directory`` (deletes on or off), as a
    context manager giving its address."""
    import subprocess
    import time
    import urllib.request

    from imagekit.services.network import pick_ports

    port = pick_ports("127.0.0.1", 1)[0]
    config = directory / "config.yml"
    directory.mkdir(parents=True, exist_ok=True)
    config.write_text(
        "version: 0.1\n"
        "storage:\n"
        f"  filesystem:\n    rootdirectory: {directory / 'data'}\n"
        f"  delete:\n    enabled: {'true' if delete else 'false'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
    )

    @contextlib.contextmanager
    def running() -> Iterator[str]:
        log = (directory / "registry.log").open("wb")
        process = subprocess.Popen(
            ["docker-registry", "serve", str(config)], stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        pytest.fail("docker-registry did not start", pytrace=False)
                    time.sleep(0.05)
            yield f"127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(10)
            log.close()

    return running()


def tags_of(pushed: Sequence[Pushed], repository: str) -> list[str]:
    return [p.tag for p in pushed if p.repository == repository]
