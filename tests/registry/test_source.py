"""Images read back from the real registry (.ci/services) after skopeo put them there."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from imagekit.errors import ImageError, RegistryError
from imagekit.oci import mediatype
from imagekit.oci.compress import compress
from imagekit.oci.digest import Digest, hash_stream
from imagekit.oci.manifest import Platform
from imagekit.oci.transport import open_image
from imagekit.registry.client import RegistryClient, RegistryResponseError
from imagekit.registry.reference import parse
from imagekit.registry.source import RegistryImage, open_registry
from imagekit.registry.transport import RetryPolicy, Transport
from tests.registry.double import free_port
from tests.support import registry as support
from tests.support.docker import build

DOCKERFILE = """\
FROM busybox
RUN echo hello > /hello.txt && dd if=/dev/urandom of=/random.bin bs=1024 count=48
RUN rm /hello.txt && mkdir /data && echo kept > /data/kept.txt
"""
TAG = "imagekit-test-registry:source"


@pytest.fixture(scope="module")
def built(engine: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return build(engine, tmp_path_factory.mktemp("context"), DOCKERFILE, TAG)


@pytest.fixture(scope="module")
def pushed(registry: str, built: Any) -> str:
    """The built image in the registry as Docker schema 2 with gzip layers."""
    return support.push_daemon(TAG, f"{registry}/{support.repository('source')}:v1")


def diff_ids(image: Any) -> list[str]:
    return list(image.attrs["RootFS"]["Layers"])


def check_against_skopeo(image: RegistryImage, reference: str, built: Any) -> None:
    inspected = support.inspect(reference)
    raw = support.inspect(reference, raw=True)
    assert str(image.digest) == inspected["Digest"]
    assert image.manifest.media_type == raw["mediaType"]
    assert [layer.size for layer in image.layers] == [entry["size"] for entry in raw["layers"]]
    assert [str(layer.descriptor.digest) for layer in image.layers] == inspected["Layers"]
    assert [str(d) for d in image.config.diff_ids] == diff_ids(built)
    assert [str(layer.diff_id) for layer in image.layers] == diff_ids(built)
    for layer in image.layers:
        assert layer.uncompressed_size is None
        with layer.open() as stream:
            digest, _ = hash_stream(stream)
        assert digest == layer.diff_id
        with layer.open_blob() as stream:
            digest, size = hash_stream(stream)
        assert (digest, size) == (layer.descriptor.digest, layer.size)


def test_docker_schema2_image(pushed: str, built: Any) -> None:
    image = open_registry(f"docker://{pushed}")
    assert isinstance(image, RegistryImage)
    assert image.name == f"docker://{pushed}"
    assert image.manifest.media_type == mediatype.DOCKER_MANIFEST
    assert {layer.descriptor.media_type for layer in image.layers} == {mediatype.DOCKER_LAYER_GZIP}
    assert len(image.layers) == 3
    history = [h.created_by if h else "" for h in image.config.layer_history()]
    assert "echo hello" in history[1] and "rm /hello.txt" in history[2]
    check_against_skopeo(image, pushed, built)
    # From the engine as Docker schema 2, the config is the engine's own: its digest is the id.
    assert image.config.digest == Digest.parse(built.id)
    image.close()


def test_oci_image_with_gzip_layers(registry: str, built: Any) -> None:
    destination = f"{registry}/{support.repository('oci')}:v1"
    reference = support.push_daemon(TAG, destination, "--format", "oci")
    image = open_registry(reference)
    assert isinstance(image, RegistryImage)
    assert image.manifest.media_type == mediatype.OCI_MANIFEST
    assert {layer.descriptor.media_type for layer in image.layers} == {mediatype.OCI_LAYER_GZIP}
    check_against_skopeo(image, reference, built)


def saved_layers(built: Any, tmp_path: Path) -> tuple[bytes, list[bytes]]:
    """The config and the uncompressed layer tars of a ``docker save`` of ``built``."""
    archive = tmp_path / "saved.tar"
    with archive.open("wb") as out:
        for chunk in built.save(named=False):
            out.write(chunk)
    with tarfile.open(archive) as tar:

        def member(name: str) -> bytes:
            extracted = tar.extractfile(name)
            assert extracted is not None
            return extracted.read()

        (entry,) = json.loads(member("manifest.json"))
        return member(entry["Config"]), [member(name) for name in entry["Layers"]]


def test_oci_image_with_zstd_layers(registry: str, built: Any, tmp_path: Path) -> None:
    """zstd layers, put there by hand (skopeo 1.9 would reuse them for later gzip copies)."""
    config, tars = saved_layers(built, tmp_path)
    repo = support.repository("zstd")
    layers = []
    for tar in tars:
        blob = io.BytesIO()
        compress(io.BytesIO(tar), blob, "zstd")
        digest = support.put_blob(registry, repo, blob.getvalue())
        layers.append(
            {"mediaType": mediatype.OCI_LAYER_ZSTD, "digest": digest, "size": blob.tell()}
        )
    manifest = {
        "schemaVersion": 2,
        "mediaType": mediatype.OCI_MANIFEST,
        "config": {
            "mediaType": mediatype.OCI_CONFIG,
            "digest": support.put_blob(registry, repo, config),
            "size": len(config),
        },
        "layers": layers,
    }
    support.put_manifest(
        registry, repo, "v1", json.dumps(manifest).encode(), mediatype.OCI_MANIFEST
    )
    reference = f"{registry}/{repo}:v1"
    image = open_registry(reference)
    assert isinstance(image, RegistryImage)
    assert {layer.descriptor.media_type for layer in image.layers} == {mediatype.OCI_LAYER_ZSTD}
    check_against_skopeo(image, reference, built)
    for layer, tar in zip(image.layers, tars, strict=True):
        with layer.open() as stream:
            assert stream.read() == tar


def test_by_digest_and_from_a_docker_archive(
    registry: str, pushed: str, built: Any, tmp_path: Path
) -> None:
    by_tag = open_registry(pushed)
    assert by_tag.digest is not None
    name = parse(pushed).name
    by_digest = open_registry(f"docker://{name}@{by_tag.digest}")
    assert by_digest.digest == by_tag.digest
    assert by_digest.manifest == by_tag.manifest

    archive = tmp_path / "image.tar"
    with archive.open("wb") as out:
        for chunk in built.save(named=True):
            out.write(chunk)
    from_archive = open_registry(
        support.push_archive(archive, f"{registry}/{support.repository('archive')}:v1")
    )
    assert from_archive.config.diff_ids == by_tag.config.diff_ids


def test_client_operations(pushed: str) -> None:
    ref = parse(pushed)
    client = RegistryClient(ref.registry)
    client.ping()
    assert client.tags(ref.repository) == ["v1"]
    assert ref.repository in client.catalog()
    fetched = client.get_manifest(ref.repository, "v1")
    head = client.head_manifest(ref.repository, "v1")
    assert head.digest == fetched.digest
    assert head.size == len(fetched.raw)
    assert head.media_type == fetched.media_type == mediatype.DOCKER_MANIFEST
    raw = json.loads(fetched.raw)
    for entry in raw["layers"]:
        info = client.blob_info(ref.repository, Digest.parse(entry["digest"]))
        assert info.size == entry["size"]


def test_missing_tag_repository_and_blob(pushed: str) -> None:
    ref = parse(pushed)
    with pytest.raises(RegistryResponseError) as caught:
        open_registry(f"{ref.name}:no-such-tag")
    assert caught.value.codes == ("MANIFEST_UNKNOWN",)
    assert f"{ref.name}:no-such-tag" in caught.value.message
    assert caught.value.exit_code == 3

    # The registry answers MANIFEST_UNKNOWN for a manifest of an unknown repository too.
    with pytest.raises(RegistryResponseError) as caught:
        open_registry(f"{ref.registry}/imagekit-missing/never-pushed:v1")
    assert caught.value.codes == ("MANIFEST_UNKNOWN",)
    assert "imagekit-missing/never-pushed:v1" in caught.value.message

    client = RegistryClient(ref.registry)
    with pytest.raises(RegistryResponseError) as caught:
        client.tags("imagekit-missing/never-pushed")
    assert caught.value.codes == ("NAME_UNKNOWN",)
    missing = Digest("sha256", hashlib.sha256(b"never pushed").hexdigest())
    with pytest.raises(RegistryResponseError) as caught:
        client.open_blob(ref.repository, missing)
    assert caught.value.codes == ("BLOB_UNKNOWN",)
    with pytest.raises(RegistryResponseError) as caught:
        client.blob_info(ref.repository, missing)
    assert caught.value.status == 404


@pytest.fixture(scope="module")
def multi(
    registry: str, engine: Any, built: Any, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, str, dict[str, Any]]:
    """A repository holding two images and an OCI index over them plus an attestation."""
    other = build(
        engine,
        tmp_path_factory.mktemp("other"),
        "FROM busybox\nRUN echo other > /other.txt\n",
        "imagekit-test-registry:other",
    )
    repo = support.repository("index")
    first = support.push_daemon(TAG, f"{registry}/{repo}:amd64", "--format", "oci")
    second = support.push_daemon(other.tags[0], f"{registry}/{repo}:arm64", "--format", "oci")
    entries = []
    for reference, platform in (
        (first, {"os": "linux", "architecture": "amd64"}),
        (second, {"os": "linux", "architecture": "arm64", "variant": "v8"}),
        (first, {"os": "unknown", "architecture": "unknown"}),
    ):
        ref = parse(reference)
        raw = support.manifest_bytes(registry, ref.repository, ref.tag, mediatype.OCI_MANIFEST)
        digest = support.inspect(reference)["Digest"]
        assert digest == str(Digest.of_bytes(raw))
        entries.append(
            {
                "mediaType": mediatype.OCI_MANIFEST,
                "digest": digest,
                "size": len(raw),
                "platform": platform,
            }
        )
    index = {"schemaVersion": 2, "mediaType": mediatype.OCI_INDEX, "manifests": entries}
    return registry, repo, index


def put_index(registry: str, repo: str, tag: str, index: dict[str, Any]) -> Digest:
    raw = json.dumps(index, indent=2).encode()
    support.put_manifest(registry, repo, tag, raw, mediatype.OCI_INDEX)
    return Digest.of_bytes(raw)


def test_index_resolves_to_one_platform(multi: tuple[str, str, dict[str, Any]]) -> None:
    registry, repo, index = multi
    index_digest = put_index(registry, repo, "multi", index)
    amd64, arm64, _ = (Digest.parse(e["digest"]) for e in index["manifests"])

    default = open_registry(f"{registry}/{repo}:multi")
    assert isinstance(default, RegistryImage)
    assert default.digest == amd64
    assert default.reference_digest == index_digest
    assert default.index is not None
    assert len(default.index.manifests) == 3 and len(default.index.images) == 2

    chosen = open_registry(f"{registry}/{repo}:multi", platform=Platform("linux", "arm64"))
    assert chosen.digest == arm64
    assert chosen.config.diff_ids[-1] != default.config.diff_ids[-1]
    with chosen.layers[-1].open() as stream:
        assert hash_stream(stream)[0] == chosen.layers[-1].diff_id

    with pytest.raises(ImageError, match="no image for linux/s390x"):
        open_registry(f"{registry}/{repo}:multi", platform=Platform("linux", "s390x"))


def test_index_without_the_default_platform_asks_for_one(
    multi: tuple[str, str, dict[str, Any]],
) -> None:
    registry, repo, index = multi
    entries = [dict(e) for e in index["manifests"]]
    entries[0]["platform"] = {"os": "linux", "architecture": "arm", "variant": "v7"}
    put_index(registry, repo, "no-amd64", {**index, "manifests": entries})
    with pytest.raises(ImageError) as caught:
        open_registry(f"{registry}/{repo}:no-amd64")
    assert "linux/arm/v7" in caught.value.message and "linux/arm64/v8" in caught.value.message
    assert "--platform" in caught.value.message

    # One image and an attestation: the image, whatever its platform.
    put_index(registry, repo, "single", {**index, "manifests": entries[1:]})
    assert open_registry(f"{registry}/{repo}:single").digest == Digest.parse(entries[1]["digest"])


def test_unreachable_port_is_a_registry_error() -> None:
    slept: list[float] = []
    transport = Transport(timeout=5, retry=RetryPolicy(attempts=2), sleep=slept.append)
    address = f"127.0.0.1:{free_port()}"
    with pytest.raises(RegistryError) as caught:
        open_registry(f"docker://{address}/team/app:v1", transport=transport)
    assert "unreachable" in caught.value.message and address in caught.value.message
    assert len(slept) == 1


def test_opened_through_the_source_syntax(pushed: str) -> None:
    image = open_image(f"docker://{pushed}", registry=open_registry)
    assert image.name == f"docker://{pushed}"
    assert image.digest == Digest.parse(support.inspect(pushed)["Digest"])
