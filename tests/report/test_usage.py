"""Storage accounting from hand-made snapshots: each blob once, unique and shared bytes,
indexes, artifacts, unreadable manifests, uncompressed sizes."""

from __future__ import annotations

from imagekit.oci import mediatype
from imagekit.oci.digest import Digest
from imagekit.registry.snapshot import Child, ItemError, Node, RepositorySnapshot, Snapshot, TagRef
from imagekit.report.usage import usage
from tests.support.snapshots import blob, image, ref, snapshot


def test_a_base_shared_by_two_repositories_is_counted_once() -> None:
    nodes: dict[Digest, Node] = {}
    base = blob(10_000)
    a = image(nodes, base, blob(1_000))
    b = image(nodes, base, blob(2_000))
    result = usage(snapshot(nodes, ref("team/a", "v1", a), ref("team/b", "v1", b)))
    # base + two app layers + two configs + two manifests
    assert result.total_bytes == 10_000 + 1_000 + 2_000 + 2 * 100 + 2 * 400
    assert result.blob_count == 7
    first = result.repository("team/a")
    assert first is not None
    assert first.referenced_bytes == 10_000 + 1_000 + 100 + 400
    assert first.unique_bytes == 1_000 + 100 + 400
    assert first.shared_bytes == 10_000
    assert first.tags[0].compressed_size == first.referenced_bytes
    assert first.tags[0].unique_bytes == first.unique_bytes
    assert sum(r.unique_bytes for r in result.repositories) + 10_000 == result.total_bytes


def test_tags_of_one_repository_share_layers_the_repository_alone_holds() -> None:
    nodes: dict[Digest, Node] = {}
    base = blob(5_000)
    v1 = image(nodes, base, blob(300))
    v2 = image(nodes, base, blob(700))
    result = usage(snapshot(nodes, ref("app", "v1", v1), ref("app", "v2", v2)))
    (repository,) = result.repositories
    assert repository.unique_bytes == repository.referenced_bytes == result.total_bytes
    assert repository.shared_bytes == 0
    one, two = repository.tags
    # the base is in both tags: deleting either frees only its own layer, config, manifest
    assert one.unique_bytes == 300 + 100 + 400
    assert two.unique_bytes == 700 + 100 + 400
    assert one.compressed_size == 5_000 + 300 + 100 + 400


def test_two_tags_naming_one_manifest_hold_the_same_unique_bytes() -> None:
    nodes: dict[Digest, Node] = {}
    node = image(nodes, blob(2_000))
    result = usage(snapshot(nodes, ref("app", "latest", node), ref("app", "v3", node)))
    latest, v3 = result.repositories[0].tags
    assert latest.unique_bytes == v3.unique_bytes == 2_000 + 100 + 400
    assert result.total_bytes == 2_500
    assert result.repositories[0].referenced_bytes == 2_500


def test_a_multi_platform_index_counts_every_child_and_lists_the_platforms() -> None:
    nodes: dict[Digest, Node] = {}
    shared = blob(50_000)
    amd = image(nodes, shared, blob(10), platform="linux/amd64", created="2024-03-01T00:00:00Z")
    arm = image(nodes, blob(20), platform="linux/arm64/v8", created="2024-03-02T00:00:00Z")
    statement = blob(77, "application/vnd.in-toto+json")
    attestation = image(
        nodes, statement, platform="unknown/unknown", created="2030-01-01T00:00:00Z"
    )
    index = Node(
        blob(900).digest,
        mediatype.OCI_INDEX,
        900,
        children=(
            Child(amd.blob, "linux/amd64"),
            Child(arm.blob, "linux/arm64/v8"),
            Child(attestation.blob, "unknown/unknown"),
        ),
    )
    nodes[index.digest] = index
    result = usage(snapshot(nodes, ref("multi", "v1", index), ref("single", "v1", amd)))
    tag = result.repository("multi").tags[0]  # type: ignore[union-attr]
    assert tag.platforms == ("linux/amd64", "linux/arm64/v8")
    assert tag.created == "2024-03-02T00:00:00Z"  # the attestation's date is no image's
    children = 3 * 400 + 3 * 100 + 50_000 + 10 + 20 + 77
    assert tag.compressed_size == 900 + children
    assert tag.blob_count == 1 + 3 + 3 + 4
    # the amd64 image is tagged in another repository too: not unique to the index
    assert tag.unique_bytes == 900 + (400 + 100 + 20) + (400 + 100 + 77)
    assert result.total_bytes == 900 + children


def test_an_artifact_of_unknown_type_is_counted_and_named() -> None:
    nodes: dict[Digest, Node] = {}
    app = image(nodes, blob(1_000))
    signature_layer = blob(250, "application/vnd.dev.cosign.simplesigning.v1+json")
    config = blob(2, "application/vnd.unknown.config.v1+json")
    signature = Node(
        blob(300).digest,
        "application/vnd.example.signature.v9+json",
        300,
        (config, signature_layer),
        artifact_type="application/vnd.unknown.config.v1+json",
    )
    nodes[signature.digest] = signature
    tag = f"sha256-{app.digest.hex}.sig"
    result = usage(snapshot(nodes, ref("app", "v1", app), ref("app", tag, signature)))
    sig = result.repositories[0].tags[1]
    assert sig.compressed_size == 300 + 2 + 250
    assert sig.artifact_type == "application/vnd.unknown.config.v1+json"
    assert sig.uncompressed_size is None
    assert sig.platforms == ()
    assert result.total_bytes == 1_500 + 552


def test_an_unreadable_manifest_still_counts_its_own_bytes_and_its_error_is_kept() -> None:
    missing = blob(640, mediatype.OCI_MANIFEST)
    problem = ItemError("app", "MANIFEST_UNKNOWN (HTTP 404)", digest=missing.digest)
    tags = TagRef("app", "broken", missing.digest, missing.media_type, missing.size)
    result = usage(snapshot({}, tags, errors=(problem,)))
    assert result.total_bytes == 640
    assert result.errors == (problem,)
    broken = result.repositories[0].tags[0]
    assert broken.compressed_size == broken.unique_bytes == 640
    assert broken.created == ""
    assert broken.uncompressed_size is None


def test_uncompressed_size_is_known_for_tar_layers_and_from_the_ledger() -> None:
    nodes: dict[Digest, Node] = {}
    tar = blob(4_096, mediatype.OCI_LAYER)
    gz = blob(1_000)
    node = image(nodes, tar, gz)
    alone = snapshot(nodes, ref("app", "v1", node))
    assert usage(alone).repositories[0].tags[0].uncompressed_size is None
    known = usage(alone, uncompressed={gz.digest: 9_000})
    assert known.repositories[0].tags[0].uncompressed_size == 4_096 + 9_000


def test_an_empty_repository_and_an_empty_registry() -> None:
    empty = Snapshot("registry.test", (RepositorySnapshot("nothing"),), {})
    result = usage(empty)
    assert result.total_bytes == result.blob_count == 0
    assert result.repositories[0].referenced_bytes == 0
    assert result.repositories[0].tags == ()
    assert usage(Snapshot("registry.test", (), {})).repositories == ()
