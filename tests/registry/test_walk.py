"""Reading the real test registry into snapshots: tags, manifests, indexes, artifacts and
configs; the on-disk cache; per-item failures; and the total checked against the blobs
distribution stores in the S3 bucket."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from imagekit.oci import mediatype
from imagekit.oci.digest import Digest
from imagekit.registry.client import RegistryClient
from imagekit.registry.errors import RegistryUnreachable
from imagekit.registry.transport import RetryPolicy, Transport
from imagekit.registry.upload import BlobToSend, upload
from imagekit.registry.walk import RegistryWalker
from imagekit.report.usage import usage
from imagekit.services.maintenance import stored_blobs
from tests.support import registry as support
from tests.support.fill import dated_image, layer, private_registry, push


def test_tags_manifests_and_configs_are_read_then_served_from_the_cache(
    registry: str, tmp_path: Path
) -> None:
    app, other = support.repository("walk"), support.repository("walk")
    base = layer(20_000)
    pushed = [
        push(
            registry,
            app,
            f"v{i}",
            dated_image(base, layer(500 + i), created=f"2024-0{i}-01T00:00:00Z"),
            tmp_path,
        )
        for i in (1, 2, 3)
    ]
    pushed.append(push(registry, other, "latest", dated_image(base, layer(700)), tmp_path))
    client = RegistryClient(registry)
    walker = RegistryWalker(client, tmp_path / "cache", workers=4, page_size=2)

    first = walker.snapshot([app, other])
    assert first.errors == ()
    assert [r.name for r in first.repositories] == [app, other]
    assert [t.tag for t in first.repository(app).tags] == ["v1", "v2", "v3"]  # type: ignore[union-attr]
    for item, ref in zip(pushed, first.tags, strict=True):
        assert (ref.repository, ref.tag, ref.digest) == (item.repository, item.tag, item.digest)
        assert ref.size == len(item.manifest)
        node = first.nodes[ref.digest]
        assert node.config is not None and node.config.media_type == mediatype.OCI_CONFIG
        assert {b.digest for b in node.blobs} == set(item.blobs)
        assert node.facts.platform == "linux/amd64"
    assert first.nodes[pushed[1].digest].facts.created == "2024-02-01T00:00:00Z"
    s = first.stats
    # tags never seen: one GET by tag each gives digest and manifest
    got = (s.tag_lists, s.heads, s.tag_gets, s.manifest_gets, s.config_gets, s.cache_hits)
    assert got == (2, 0, 4, 0, 4, 0)

    second = walker.snapshot([app, other])
    s = second.stats
    # an unchanged registry: only the tag lists and one HEAD per tag go out
    got = (s.tag_lists, s.heads, s.tag_gets, s.manifest_gets, s.config_gets, s.cache_hits)
    assert got == (2, 4, 0, 0, 0, 8)
    assert second.nodes == first.nodes
    assert list(second.tags) == list(first.tags)

    # a tag that moves is seen: its new manifest is fetched, the rest still cached
    moved = push(registry, app, "v1", dated_image(layer(900)), tmp_path)
    third = walker.snapshot([app, other])
    assert third.repository(app).tags[0].digest == moved.digest  # type: ignore[union-attr]
    assert (third.stats.heads, third.stats.manifest_gets, third.stats.config_gets) == (4, 1, 1)
    # without the hints (another cache), every tag is one GET again
    (tmp_path / "cache" / "tags").rename(tmp_path / "old-hints")
    fourth = walker.snapshot([app, other])
    assert (fourth.stats.heads, fourth.stats.tag_gets, fourth.stats.config_gets) == (0, 4, 0)
    assert list(fourth.tags) == list(third.tags)


def test_a_corrupt_cache_file_is_read_again(registry: str, tmp_path: Path) -> None:
    repository = support.repository("walk")
    item = push(registry, repository, "v1", dated_image(layer(300)), tmp_path)
    walker = RegistryWalker(RegistryClient(registry), tmp_path / "cache")
    walker.snapshot([repository])
    path = walker.cache.path(item.digest)
    path.write_bytes(b'{"schemaVersion": 2, "layers": []}')
    again = walker.snapshot([repository])
    assert again.stats.manifest_gets == 1
    assert again.nodes[item.digest].blobs and path.read_bytes() == item.manifest


def _blob(client: RegistryClient, repository: str, data: bytes, media_type: str) -> dict[str, Any]:
    digest = Digest.of_bytes(data)
    upload(client, repository, BlobToSend(digest, len(data), media_type, lambda: io.BytesIO(data)))
    return {"mediaType": media_type, "digest": str(digest), "size": len(data)}


def test_an_index_with_an_attestation_and_an_artifact_of_unknown_types(
    registry: str, tmp_path: Path
) -> None:
    repository = support.repository("walk")
    amd = dated_image(layer(4_000), created="2024-05-01T00:00:00Z")
    arm = dated_image(layer(3_000), created="2024-05-02T00:00:00Z", architecture="arm64")
    index = push(registry, repository, "multi", [amd, arm], tmp_path)
    client = RegistryClient(registry)
    config = _blob(client, repository, b"{}", "application/vnd.oci.empty.v1+json")
    sbom = _blob(client, repository, b'{"spdxVersion":"SPDX-2.3","n":1}', "application/spdx+json")
    artifact = {
        "schemaVersion": 2,
        "mediaType": mediatype.OCI_MANIFEST,
        "artifactType": "application/vnd.example.sbom.v1",
        "config": config,
        "layers": [sbom],
        "subject": {
            "mediaType": mediatype.OCI_INDEX,
            "digest": str(index.digest),
            "size": len(index.manifest),
        },
    }
    raw = json.dumps(artifact).encode()
    sbom_digest = client.put_manifest(repository, "sbom", raw, mediatype.OCI_MANIFEST)

    snapshot = RegistryWalker(client, tmp_path / "cache").snapshot([repository])
    assert snapshot.errors == ()
    root = snapshot.nodes[index.digest]
    assert [c.platform for c in root.children] == ["linux/amd64", "linux/arm64", "unknown/unknown"]
    assert all(c.blob.digest in snapshot.nodes for c in root.children)
    found = usage(snapshot).repositories[0]
    multi, sbom_tag = sorted(found.tags, key=lambda t: t.tag)
    assert multi.platforms == ("linux/amd64", "linux/arm64")
    assert multi.created == "2024-05-02T00:00:00Z"
    assert multi.compressed_size == index.blob_bytes
    assert sbom_tag.digest == sbom_digest
    assert sbom_tag.artifact_type == "application/vnd.example.sbom.v1"
    # the subject is the index's: not counted again under the artifact
    assert sbom_tag.compressed_size == len(raw) + 2 + sbom["size"]
    assert found.referenced_bytes == index.blob_bytes + sbom_tag.compressed_size


def test_failures_of_single_items_are_collected_and_the_rest_is_read(
    registry: str, tmp_path: Path
) -> None:
    repository = support.repository("walk")
    good = push(registry, repository, "good", dated_image(layer(100)), tmp_path)
    lost = push(registry, repository, "lost-config", dated_image(layer(200)), tmp_path)
    client = RegistryClient(registry)
    config = next(iter(lost.blobs))  # the config comes first
    # the repository forgets the config blob (the bucket keeps it until gc)
    client.send(
        "DELETE",
        f"/v2/{repository}/blobs/{config}",
        scope=f"repository:{repository}:delete",
        what="blob",
        ok=frozenset({202}),
    ).close()
    missing = support.repository("walk")
    snapshot = RegistryWalker(client, tmp_path / "cache").snapshot([repository, missing])
    kinds = sorted((e.kind, e.repository, str(e.digest or "")) for e in snapshot.errors)
    assert kinds == [("config", repository, str(config)), ("tags", missing, "")]
    assert "NAME_UNKNOWN" in next(e.message for e in snapshot.errors if e.kind == "tags")
    assert {t.tag for t in snapshot.tags} == {"good", "lost-config"}
    assert snapshot.nodes[good.digest].facts.created
    assert snapshot.nodes[lost.digest].facts.created == ""
    # its size still counts: the descriptor gives it
    tag = next(t for t in usage(snapshot).repositories[0].tags if t.tag == "lost-config")
    assert tag.compressed_size == lost.blob_bytes


def test_a_registry_that_is_down_raises_one_error(tmp_path: Path) -> None:
    from imagekit.services.network import pick_ports

    port = pick_ports("127.0.0.1", 1)[0]
    transport = Transport(retry=RetryPolicy(attempts=1), timeout=2)
    walker = RegistryWalker(RegistryClient(f"127.0.0.1:{port}", transport=transport), tmp_path)
    with pytest.raises(RegistryUnreachable, match="unreachable"):
        walker.snapshot()
    with pytest.raises(RegistryUnreachable):
        walker.snapshot(["some/repository"])


def test_the_total_matches_the_blobs_in_the_bucket(tmp_path: Path) -> None:
    """Every blob the tags reach is stored once under blobs/sha256/XX/HEX/data with the
    size its descriptor says; what is stored beyond them are untagged leftovers.

    On a registry of its own: the whole registry is walked, and the shared test registry
    grows with every test run."""
    with private_registry(tmp_path / "registry") as own:
        pushed = [
            push(own.address, f"walk/r{i}", "v1", dated_image(layer(1_000 + i)), tmp_path)
            for i in range(9)
        ]
        client = RegistryClient(own.address)
        snapshot = RegistryWalker(client, tmp_path / "cache", page_size=7).snapshot()
        names = [r.name for r in snapshot.repositories]
        # pages of 7 followed to the end
        assert sorted(names) == sorted(p.repository for p in pushed) == client.repositories()
        found = usage(snapshot)
        stored = stored_blobs(own.s3_client(), own.bucket, own.root_directory)
    for item in pushed:
        assert item.digest in found.blobs and set(item.blobs) <= set(found.blobs)
    wrong = {
        str(d): (b.size, stored.sizes.get(str(d)))
        for d, b in found.blobs.items()
        if stored.sizes.get(str(d)) != b.size
    }
    assert wrong == {}
    assert found.total_bytes == sum(stored.sizes[str(d)] for d in found.blobs)
    assert found.total_bytes <= stored.total
    assert found.blob_count <= stored.count
