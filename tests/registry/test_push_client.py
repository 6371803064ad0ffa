"""The client's write side against the real test registry: uploads (one PUT, chunks),
mounts, HEAD, manifest PUT and DELETE, paginated tags; and what the uploads send."""

from __future__ import annotations

import io
import json
import os

import pytest

from imagekit.errors import ImageError
from imagekit.oci import mediatype
from imagekit.oci.digest import Digest
from imagekit.registry.client import RegistryClient
from imagekit.registry.errors import ManifestBlobUnknown, ManifestUnknown
from imagekit.registry.upload import BlobToSend, send_blob, start_upload, upload
from tests.support import registry as support
from tests.support.proxy import proxy

DATA = os.urandom(3 << 20)
DIGEST = Digest.of_bytes(DATA)


def blob(data: bytes = DATA, digest: Digest | None = None) -> BlobToSend:
    return BlobToSend(
        digest or Digest.of_bytes(data),
        len(data),
        "application/octet-stream",
        lambda: io.BytesIO(data),
    )


def manifest(config: bytes, layers: list[bytes]) -> bytes:
    def entry(data: bytes, media_type: str) -> dict[str, object]:
        return {"mediaType": media_type, "digest": str(Digest.of_bytes(data)), "size": len(data)}

    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": mediatype.OCI_MANIFEST,
            "config": entry(config, mediatype.OCI_CONFIG),
            "layers": [entry(layer, mediatype.OCI_LAYER_GZIP) for layer in layers],
        }
    ).encode()


CONFIG = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'


@pytest.mark.parametrize("chunk_size", [None, 1 << 20, 1000 * 1000])
def test_upload_then_skip_then_mount(registry: str, chunk_size: int | None) -> None:
    client = RegistryClient(registry)
    repo, other = support.repository("upload"), support.repository("upload")
    with proxy(registry) as wire:
        through = RegistryClient(wire.address)
        sent = send_blob(through, repo, DIGEST, len(DATA), lambda: blob(), chunk_size=chunk_size)
        assert (sent.action, sent.sent_bytes) == ("uploaded", len(DATA))
        assert wire.body_bytes() == len(DATA)
        methods = [line.split(" ")[0] for line in wire.lines()]
        if chunk_size is None:
            assert methods == ["HEAD", "POST", "PUT"]
        else:
            assert methods == ["HEAD", "POST", *["PATCH"] * -(-len(DATA) // chunk_size), "PUT"]
    assert client.blob_exists(repo, DIGEST) is not None
    with client.open_blob(repo, DIGEST, len(DATA)) as stream:
        assert stream.read() == DATA
    assert send_blob(client, repo, DIGEST, len(DATA), lambda: blob()).action == "skipped"
    mounted = send_blob(client, other, DIGEST, len(DATA), lambda: blob(), candidates=[repo])
    assert (mounted.action, mounted.mounted_from) == ("mounted", repo)
    assert client.blob_exists(other, DIGEST) is not None


def test_a_failed_mount_carries_on_with_its_session(registry: str) -> None:
    client = RegistryClient(registry)
    data = os.urandom(4096)
    repo = support.repository("mount")
    with proxy(registry) as wire:
        through = RegistryClient(wire.address)
        sent = send_blob(
            through,
            repo,
            Digest.of_bytes(data),
            len(data),
            lambda: blob(data),
            candidates=["imagekit-missing/nowhere"],
        )
        lines = wire.lines()
    assert sent.action == "uploaded"
    assert [line.split(" ")[0] for line in lines] == ["HEAD", "POST", "PUT"]
    assert "mount=sha256" in lines[1] and "from=imagekit-missing" in lines[1]
    assert client.blob_exists(repo, Digest.of_bytes(data)) is not None


def test_content_other_than_claimed_is_refused_before_it_is_complete(registry: str) -> None:
    client = RegistryClient(registry)
    repo = support.repository("bad")
    lying = blob(DATA, Digest.of_bytes(b"something else"))
    for chunk_size in (None, 1 << 20):
        with proxy(registry) as wire, pytest.raises(ImageError) as caught:
            upload(RegistryClient(wire.address), repo, lying, chunk_size=chunk_size)
        assert "hashes to" in caught.value.message
        assert wire.body_bytes() < len(DATA)  # the last block never left
    short = BlobToSend(DIGEST, len(DATA) + 10, "x", lambda: io.BytesIO(DATA))
    with pytest.raises(ImageError, match="ended after"):
        upload(client, repo, short)
    assert client.blob_exists(repo, lying.digest) is None
    assert client.blob_exists(repo, DIGEST) is None


def test_manifest_put_delete_and_tag_pages(registry: str) -> None:
    client = RegistryClient(registry)
    repo = support.repository("manifest")
    layer = os.urandom(1000)
    raw = manifest(CONFIG, [layer])
    with pytest.raises(ManifestBlobUnknown) as caught:
        client.put_manifest(repo, "v1", raw, mediatype.OCI_MANIFEST)
    assert caught.value.status == 400 and "MANIFEST_BLOB_UNKNOWN" in caught.value.codes
    for data in (CONFIG, layer):
        upload(client, repo, blob(data))
    tags = [f"t{i}" for i in range(7)]
    for tag in tags:
        assert client.put_manifest(repo, tag, raw, mediatype.OCI_MANIFEST) == Digest.of_bytes(raw)
    assert support.manifest_bytes(registry, repo, "t3", mediatype.OCI_MANIFEST) == raw
    # distribution 2.8 sends every tag at once whatever n= asks; newer ones send pages
    # (test_push_retries.py follows pages from a scripted registry)
    assert sorted(client.tags(repo, page_size=2)) == tags
    assert sorted(client.tags(repo)) == tags
    client.delete_manifest(repo, Digest.of_bytes(raw))
    with pytest.raises(ManifestUnknown):
        client.get_manifest(repo, "t0")
    with pytest.raises(ImageError, match="digest"):
        client.put_manifest(repo, str(Digest.of_bytes(b"x")), raw, mediatype.OCI_MANIFEST)


def test_start_upload_gives_an_absolute_session_url(registry: str) -> None:
    client = RegistryClient(registry)
    session = start_upload(client, support.repository("session"))
    assert session is not None
    assert session.location.startswith(f"http://{registry}/v2/")
