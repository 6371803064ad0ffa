"""Hand-made snapshots for the pure accounting and retention tests: blobs of given sizes
(distinct digests), image manifests with a config, tags."""

from __future__ import annotations

import itertools

from imagekit.oci import mediatype
from imagekit.oci.digest import Digest
from imagekit.registry.snapshot import (
    Blob,
    ImageFacts,
    ItemError,
    Node,
    RepositorySnapshot,
    Snapshot,
    TagRef,
)

_counter = itertools.count()


def blob(size: int, media_type: str = mediatype.OCI_LAYER_GZIP) -> Blob:
    return Blob(Digest.of_bytes(f"blob {next(_counter)}".encode()), size, media_type)


def image(
    nodes: dict[Digest, Node],
    *layers: Blob,
    config_size: int = 100,
    size: int = 400,
    created: str = "2024-01-01T00:00:00Z",
    platform: str = "linux/amd64",
) -> Node:
    config = blob(config_size, mediatype.OCI_CONFIG)
    node = Node(
        blob(size).digest,
        mediatype.OCI_MANIFEST,
        size,
        (config, *layers),
        config=config,
        facts=ImageFacts(created, platform),
    )
    nodes[node.digest] = node
    return node


def ref(repository: str, tag: str, node: Node) -> TagRef:
    return TagRef(repository, tag, node.digest, node.media_type, node.size)


def snapshot(
    nodes: dict[Digest, Node], *tags: TagRef, errors: tuple[ItemError, ...] = ()
) -> Snapshot:
    repositories: dict[str, list[TagRef]] = {}
    for tag in tags:
        repositories.setdefault(tag.repository, []).append(tag)
    return Snapshot(
        "registry.test",
        tuple(RepositorySnapshot(name, tuple(refs)) for name, refs in repositories.items()),
        nodes,
        errors,
    )
