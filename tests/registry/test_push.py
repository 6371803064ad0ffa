"""Pushing to the real test registry from the engine, archives, layouts and registries.

What imagekit pushes is read back by skopeo and pulled and run by the docker engine; what
skopeo pushed or wrote is read and pushed by imagekit. Requests and bytes on the wire are
recorded by a proxy in front of the registry (tests/support/proxy.py, which follows the
requests of kept-alive connections); a proxy address also plays "another registry" (a
different host for the same storage), where blobs cannot be mounted and are streamed from
the source registry instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from imagekit.errors import ImageError
from imagekit.oci import mediatype
from imagekit.oci.digest import Digest
from imagekit.oci.manifest import Platform
from imagekit.oci.transport import open_image
from imagekit.registry.client import RegistryClient
from imagekit.registry.errors import RegistryResponseError
from imagekit.registry.push import PushEvent, PushResult, push
from imagekit.registry.pushplan import PushOptions
from imagekit.registry.pushsource import Tree, open_push_source
from tests.support import registry as support
from tests.support.docker import build, run, save
from tests.support.proxy import FaultProxy, proxy

DOCKERFILE = """\
FROM busybox
RUN dd if=/dev/urandom of=/data.bin bs=1024 count=256 && echo pushed-and-pulled > /hello.txt
"""
TAG = "imagekit-test-push:app"


@pytest.fixture(scope="module")
def built(engine: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return build(engine, tmp_path_factory.mktemp("context"), DOCKERFILE, TAG)


def clients() -> Callable[[str], RegistryClient]:
    made: dict[str, RegistryClient] = {}
    return lambda registry: made.setdefault(registry, RegistryClient(registry))


def push_text(
    source: str,
    destinations: list[str],
    cache: Path,
    engine: Any = None,
    platform: Platform | None = None,
    on_event: Callable[[PushEvent], None] | None = None,
    **options: Any,
) -> PushResult:
    client_for = clients()
    image = open_push_source(source, platform=platform, client_for=client_for, docker_client=engine)
    try:
        return push(
            image,
            destinations,
            client_for=client_for,
            cache_dir=cache,
            options=PushOptions(**options),
            on_event=on_event,
        )
    finally:
        image.close()


@pytest.fixture
def wire(registry: str) -> Iterator[FaultProxy]:
    with proxy(registry) as running:
        yield running


def order_checked(lines: list[str]) -> None:
    """Every manifest PUT comes after every blob upload; the last PUT is the tag's."""
    uploads = [i for i, line in enumerate(lines) if "/blobs/uploads/" in line]
    manifests = [
        i for i, line in enumerate(lines) if line.startswith("PUT ") and "/manifests/" in line
    ]
    assert manifests and min(manifests) > max(uploads, default=-1)


def test_engine_image_pushed_read_by_skopeo_pulled_and_run(
    registry: str, engine: Any, built: Any, wire: FaultProxy, tmp_path: Path
) -> None:
    repo = support.repository("push")
    dest = f"{wire.address}/{repo}:v1"
    result = push_text(f"docker-daemon:{TAG}", [dest], tmp_path, engine)
    order_checked(wire.lines())
    assert result.media_type == mediatype.DOCKER_MANIFEST
    assert result.compressed_layers == 2
    assert [b.action for b in result.blobs] == ["uploaded"] * 3
    assert (
        result.uploaded_bytes
        == sum(b.size for b in result.blobs)
        == wire.body_bytes() - len(result.manifest.to_json())
    )
    assert result.config is not None and str(result.config.digest) == built.id
    reference = f"{registry}/{repo}:v1"
    assert support.inspect(reference)["Digest"] == str(result.digest)
    assert json.loads(support.manifest_bytes(registry, repo, "v1", mediatype.ACCEPT)) == json.loads(
        result.manifest.to_json()
    )
    support.skopeo(
        "copy", "--src-tls-verify=false", f"docker://{reference}", f"oci:{tmp_path / 'copy'}:v1"
    )
    assert (tmp_path / "copy" / "index.json").exists()
    engine.images.pull(f"{registry}/{repo}", tag="v1")
    try:
        pulled = engine.images.get(reference)
        assert pulled.id == built.id
        assert run(engine, reference, ["cat", "/hello.txt"]).strip() == "pushed-and-pulled"
    finally:
        engine.images.remove(reference, force=True)


def test_repush_sends_no_blob_bytes_and_compresses_nothing(
    registry: str, engine: Any, built: Any, wire: FaultProxy, tmp_path: Path
) -> None:
    dest = f"{wire.address}/{support.repository('repush')}:v1"
    first = push_text(TAG, [dest], tmp_path, engine)
    sent = wire.body_bytes()
    again = push_text(TAG, [dest], tmp_path, engine)
    assert again.digest == first.digest
    assert again.compressed_layers == 0 and again.uploaded_bytes == 0
    assert {b.action for b in again.blobs} == {"skipped"}
    assert wire.body_bytes() - sent == len(first.manifest.to_json())  # one manifest PUT, no blob
    assert not any("/blobs/uploads/" in line for line in wire.lines()[len(wire.lines()) - 4 :])


def test_a_new_layer_over_a_base_in_another_repository_sends_only_that_layer(
    registry: str, engine: Any, built: Any, wire: FaultProxy, tmp_path: Path
) -> None:
    base_repo = support.repository("base")
    push_text("busybox:latest", [f"{wire.address}/{base_repo}:v1"], tmp_path / "a", engine)
    app_repo = support.repository("app")
    before = wire.body_bytes()
    # the base's repository is known from the mount record of the same cache directory
    result = push_text(TAG, [f"{wire.address}/{app_repo}:v1"], tmp_path / "a", engine)
    actions = {b.digest: b.action for b in result.blobs}
    layers = result.manifest.layers  # type: ignore[union-attr]
    assert actions[layers[0].digest] == "mounted"
    assert actions[layers[1].digest] == "uploaded"
    assert result.uploaded_bytes == layers[1].size + result.manifest.config.size  # type: ignore[union-attr]
    assert wire.body_bytes() - before == result.uploaded_bytes + len(result.manifest.to_json())
    # from a ledger instead: an empty cache directory, the candidates from the caller
    client_for = clients()
    image = open_push_source(TAG, client_for=client_for, docker_client=engine)
    other = push(
        image,
        [f"{wire.address}/{support.repository('app')}:v1"],
        client_for=client_for,
        cache_dir=tmp_path / "b",
        mount_candidates=lambda digest: [app_repo],
    )
    image.close()
    assert {b.action for b in other.blobs} == {"mounted"} and other.uploaded_bytes == 0


def test_several_destinations_upload_once(
    registry: str, engine: Any, built: Any, wire: FaultProxy, tmp_path: Path
) -> None:
    repo, other = support.repository("multi"), support.repository("multi")
    dests = [
        f"{wire.address}/{repo}:a",
        f"docker://{wire.address}/{repo}:b",
        f"{wire.address}/{other}:c",
    ]
    result = push_text(TAG, dests, tmp_path, engine)
    assert [str(r).split("@")[0] for r in result.references] == [
        d.removeprefix("docker://") for d in dests
    ]
    by_repo = {
        (b.repository.rsplit("/", 2)[-2] + "/" + b.repository.rsplit("/", 1)[-1], b.action)
        for b in result.blobs
    }
    assert {action for name, action in by_repo if name == repo} == {"uploaded"}
    assert {action for name, action in by_repo if name == other} == {"mounted"}
    lines = wire.lines()
    assert sum(1 for line in lines if line.startswith("PUT ") and "/manifests/" in line) == 3
    assert sum(1 for line in lines if line.startswith("PUT ") and "/blobs/uploads/" in line) == 3
    for tag, name in (("a", repo), ("b", repo), ("c", other)):
        assert support.inspect(f"{registry}/{name}:{tag}")["Digest"] == str(result.digest)


def test_archive_and_engine_give_the_same_digest_and_zstd_an_oci_manifest(
    registry: str, engine: Any, built: Any, tmp_path: Path
) -> None:
    archive = save(engine, TAG, tmp_path / "app.tar")
    repo = support.repository("archive")
    from_archive = push_text(
        f"docker-archive:{archive}", [f"{registry}/{repo}:gz"], tmp_path / "c1"
    )
    from_engine = push_text(TAG, [f"{registry}/{repo}:engine"], tmp_path / "c2", engine)
    assert from_archive.digest == from_engine.digest  # deterministic compression
    zstd = push_text(
        f"docker-archive:{archive}",
        [f"{registry}/{repo}:zstd"],
        tmp_path / "c1",
        compression="zstd",
    )
    assert zstd.media_type == mediatype.OCI_MANIFEST
    raw = support.inspect(f"{registry}/{repo}:zstd", raw=True)
    assert {layer["mediaType"] for layer in raw["layers"]} == {mediatype.OCI_LAYER_ZSTD}
    assert raw["config"]["digest"] == built.id
    image = open_push_source(f"docker://{registry}/{repo}:zstd", client_for=clients())
    assert [str(d) for d in image.config.diff_ids] == built.attrs["RootFS"]["Layers"]
    for layer in image.layers:
        with layer.open() as stream:
            assert Digest.of_bytes(stream.read()) == layer.diff_id


def test_chunked_push(
    registry: str, engine: Any, built: Any, wire: FaultProxy, tmp_path: Path
) -> None:
    repo = support.repository("chunked")
    events: list[PushEvent] = []
    result = push_text(
        TAG,
        [f"{wire.address}/{repo}:v1"],
        tmp_path,
        engine,
        on_event=events.append,
        chunk_size=64 << 10,
    )
    started = {(e.role, e.repository) for e in events if e.kind == "blob"}
    progress = [e for e in events if e.kind == "progress"]
    assert progress and {(e.role, e.repository) for e in progress} <= started
    last = {e.digest: e.done for e in progress}
    assert all(last[b.digest] == b.size for b in result.blobs)  # every byte reported
    patches = [line for line in wire.lines() if line.startswith("PATCH ")]
    big = max(b.size for b in result.blobs)
    assert len(patches) >= -(-big // (64 << 10))
    assert support.inspect(f"{registry}/{repo}:v1")["Digest"] == str(result.digest)


@pytest.fixture(scope="module")
def layout(built: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built image in an OCI layout, as skopeo writes it (gzip layers)."""
    directory = tmp_path_factory.mktemp("layout") / "app"
    support.skopeo("copy", f"docker-daemon:{TAG}", f"oci:{directory}:v1")
    return directory


def test_layout_is_pushed_byte_for_byte_as_skopeo_pushes_it(
    registry: str, layout: Path, tmp_path: Path
) -> None:
    repo = support.repository("layout")
    result = push_text(f"oci:{layout}:v1", [f"{registry}/{repo}:ik"], tmp_path)
    index = json.loads((layout / "index.json").read_text())
    assert str(result.digest) == index["manifests"][0]["digest"]
    support.copy(f"oci:{layout}:v1", f"{registry}/{repo}:skopeo")
    assert support.inspect(f"{registry}/{repo}:skopeo")["Digest"] == str(result.digest)
    assert {b.action for b in result.blobs} == {"uploaded"}


def test_a_corrupt_layout_blob_is_refused_before_anything_is_tagged(
    registry: str, layout: Path, tmp_path: Path
) -> None:
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(layout, broken)
    image = open_image(f"oci:{broken}:v1")
    path = broken / "blobs" / "sha256" / image.layers[-1].descriptor.digest.hex
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    repo = support.repository("corrupt")
    with pytest.raises(ImageError) as caught:
        push_text(f"oci:{broken}:v1", [f"{registry}/{repo}:v1"], tmp_path / "cache")
    assert "hashes to" in caught.value.message and "\n" not in caught.value.format()
    client = RegistryClient(registry)
    with pytest.raises(RegistryResponseError):
        client.get_manifest(repo, "v1")
    assert client.blob_exists(repo, image.layers[-1].descriptor.digest) is None


def index_layout(layout: Path, tmp_path: Path) -> tuple[Path, bytes]:
    """A copy of ``layout`` whose tag names an index: the image as linux/amd64, the same
    layers under an arm64 config, and an attestation manifest (unknown/unknown)."""
    import shutil

    directory = tmp_path / "index"
    shutil.copytree(layout, directory)
    blobs = directory / "blobs" / "sha256"

    def put(data: bytes) -> dict[str, Any]:
        digest = Digest.of_bytes(data)
        (blobs / digest.hex).write_bytes(data)
        return {"digest": str(digest), "size": len(data)}

    entry = json.loads((directory / "index.json").read_text())["manifests"][0]
    manifest = json.loads((blobs / entry["digest"].split(":")[1]).read_bytes())
    config = json.loads((blobs / manifest["config"]["digest"].split(":")[1]).read_bytes())
    config["architecture"] = "arm64"
    arm_config = put(json.dumps(config).encode())
    arm = dict(manifest, config=dict(manifest["config"], **arm_config))
    arm_entry = put(json.dumps(arm).encode())
    statement = put(b'{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"x"}')
    att_config = put(
        b'{"architecture":"unknown","os":"unknown","rootfs":{"type":"layers","diff_ids":[]}}'
    )
    attestation = {
        "schemaVersion": 2,
        "mediaType": mediatype.OCI_MANIFEST,
        "config": {"mediaType": mediatype.OCI_CONFIG, **att_config},
        "layers": [{"mediaType": "application/vnd.in-toto+json", **statement}],
    }
    att_entry = put(json.dumps(attestation).encode())
    index = {
        "schemaVersion": 2,
        "mediaType": mediatype.OCI_INDEX,
        "manifests": [
            {
                "mediaType": mediatype.OCI_MANIFEST,
                "digest": entry["digest"],
                "size": entry["size"],
                "platform": {"os": "linux", "architecture": "amd64"},
            },
            {
                "mediaType": mediatype.OCI_MANIFEST,
                **arm_entry,
                "platform": {"os": "linux", "architecture": "arm64"},
            },
            {
                "mediaType": mediatype.OCI_MANIFEST,
                **att_entry,
                "platform": {"os": "unknown", "architecture": "unknown"},
                "annotations": {
                    "vnd.docker.reference.type": "attestation-manifest",
                    "vnd.docker.reference.digest": entry["digest"],
                },
            },
        ],
    }
    raw = json.dumps(index).encode()
    root = put(raw)
    (directory / "index.json").write_text(
        json.dumps(
            {
                "schemaVersion": 2,
                "manifests": [
                    {
                        "mediaType": mediatype.OCI_INDEX,
                        **root,
                        "annotations": {"org.opencontainers.image.ref.name": "v1"},
                    }
                ],
            }
        )
    )
    return directory, raw


def test_a_whole_index_is_pushed_children_first_and_copied_between_registries(
    registry: str, layout: Path, wire: FaultProxy, tmp_path: Path
) -> None:
    directory, raw = index_layout(layout, tmp_path)
    repo = support.repository("index")
    result = push_text(f"oci:{directory}:v1", [f"{wire.address}/{repo}:v1"], tmp_path / "c")
    assert result.digest == Digest.of_bytes(raw) and result.media_type == mediatype.OCI_INDEX
    assert len(result.images) == 3 and result.config is None
    assert {str(i.platform) for i in result.images} == {
        "linux/amd64",
        "linux/arm64",
        "unknown/unknown",
    }
    lines = wire.lines()
    order_checked(lines)
    manifest_puts = [
        line.split(" ")[1] for line in lines if line.startswith("PUT ") and "/manifests/" in line
    ]
    assert manifest_puts[-1].endswith("/manifests/v1")
    assert (
        all("/manifests/sha256:" in path for path in manifest_puts[:-1]) and len(manifest_puts) == 4
    )
    assert support.manifest_bytes(registry, repo, "v1", mediatype.OCI_INDEX) == raw
    inspected = json.loads(
        support.skopeo("inspect", "--tls-verify=false", "--raw", f"docker://{registry}/{repo}:v1")
    )
    assert len(inspected["manifests"]) == 3

    # registry to registry: the same registry mounts; "another" one (the proxy) streams
    source = f"docker://{registry}/{repo}:v1"
    tree = open_push_source(source, client_for=clients())
    assert isinstance(tree, Tree)
    same = push_text(source, [f"{registry}/{support.repository('index')}:v1"], tmp_path / "d")
    assert same.digest == result.digest and {b.action for b in same.blobs} == {"mounted"}
    before = wire.body_bytes()
    other = push_text(source, [f"{wire.address}/{support.repository('index')}:v1"], tmp_path / "e")
    assert other.digest == result.digest and {b.action for b in other.blobs} == {"uploaded"}
    assert wire.body_bytes() - before >= other.uploaded_bytes > 0

    # --platform picks one image of the index
    one = push_text(
        source,
        [f"{registry}/{support.repository('index')}:arm"],
        tmp_path / "f",
        platform=Platform("linux", "arm64"),
    )
    assert one.media_type == mediatype.OCI_MANIFEST and len(one.images) == 1
    assert one.config is not None and one.config.platform.architecture == "arm64"


def test_what_skopeo_pushed_is_pushed_again_byte_for_byte(
    registry: str, engine: Any, built: Any, wire: FaultProxy, tmp_path: Path
) -> None:
    pushed = support.push_daemon(TAG, f"{registry}/{support.repository('skopeo')}:v1")
    skopeo_digest = support.inspect(pushed)["Digest"]
    result = push_text(
        f"docker://{pushed}", [f"{wire.address}/{support.repository('copy')}:v1"], tmp_path
    )
    assert str(result.digest) == skopeo_digest
    assert result.uploaded_bytes == sum(b.size for b in result.blobs)
