"""Storage accounting of a registry, computed from a
:class:`~imagekit.registry.snapshot.Snapshot` (pure).

Every blob a tag reaches is counted once across the whole registry: layers, configs and
the manifests and indexes themselves (each child of a multi-platform index too, and
whatever an artifact, signature or attestation names, whatever its media type). The
registry stores each blob once however many repositories link it, so:

- ``total_bytes``: the distinct blobs reachable from any tag;
- a repository's ``referenced_bytes``: the distinct blobs its tags reach;
  ``unique_bytes``: those no other repository's tags reach, which is what deleting the
  repository (and collecting garbage) frees; ``shared_bytes`` the rest;
- a tag's ``compressed_size``: the distinct blobs it reaches (manifests, configs,
  layers, as stored); ``unique_bytes``: those no other manifest of the registry reaches.
  The registry deletes a manifest by digest, taking every tag that names it, so tags
  naming one digest in one repository hold the same unique bytes.

Blobs of untagged manifests (left behind when a tag moves) are not reachable and not
counted: garbage collection with ``--delete-untagged`` removes them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from imagekit.oci import mediatype
from imagekit.oci.digest import Digest
from imagekit.registry.snapshot import Blob, ItemError, Snapshot, TagRef

#: The platform of attestation manifests in an index: not images.
UNKNOWN_PLATFORM = "unknown/unknown"


@dataclass(frozen=True, slots=True)
class TagUsage:
    repository: str
    tag: str
    digest: Digest
    media_type: str
    compressed_size: int
    #: Bytes of the layers as tars, when every layer's is known (None otherwise).
    uncompressed_size: int | None
    #: The image config's ``created`` (the newest image's, for an index); "" when none.
    created: str
    #: ``os/arch[/variant]`` of the images (an index's attestations left out).
    platforms: tuple[str, ...]
    unique_bytes: int
    #: The artifactType of a manifest that is not an image ("" for images and indexes).
    artifact_type: str = ""
    blob_count: int = 0


@dataclass(frozen=True, slots=True)
class RepositoryUsage:
    name: str
    referenced_bytes: int
    unique_bytes: int
    shared_bytes: int
    tags: tuple[TagUsage, ...]
    blob_count: int = 0


@dataclass(frozen=True, slots=True)
class Usage:
    registry: str
    total_bytes: int
    blob_count: int
    repositories: tuple[RepositoryUsage, ...]
    errors: tuple[ItemError, ...]
    #: Distinct blobs reachable from tags, by digest (for checks against the storage).
    blobs: Mapping[Digest, Blob]

    @property
    def tag_count(self) -> int:
        return sum(len(r.tags) for r in self.repositories)

    def repository(self, name: str) -> RepositoryUsage | None:
        return next((r for r in self.repositories if r.name == name), None)


def usage(snapshot: Snapshot, *, uncompressed: Mapping[Digest, int] | None = None) -> Usage:
    """The accounting of ``snapshot``; ``uncompressed`` gives layers' tar sizes that are
    known elsewhere (the size ledger), by the layer's digest."""
    known = dict(uncompressed or {})
    per_manifest: dict[tuple[str, Digest], dict[Digest, Blob]] = {}
    for ref in snapshot.tags:
        key = (ref.repository, ref.digest)
        if key not in per_manifest:
            root = {ref.digest: Blob(ref.digest, ref.size, ref.media_type)}
            per_manifest[key] = root | snapshot.blobs_of(ref.digest)
    per_repository: dict[str, dict[Digest, Blob]] = {}
    for (name, _), blobs in per_manifest.items():
        per_repository.setdefault(name, {}).update(blobs)
    everything: dict[Digest, Blob] = {}
    for blobs in per_repository.values():
        everything.update(blobs)
    repository_refs = Counter(d for blobs in per_repository.values() for d in blobs)
    manifest_refs = Counter(d for blobs in per_manifest.values() for d in blobs)

    repositories = []
    for repository in snapshot.repositories:
        blobs = per_repository.get(repository.name, {})
        referenced = _sum(blobs.values())
        unique = _sum(b for d, b in blobs.items() if repository_refs[d] == 1)
        tags = tuple(
            _tag(snapshot, ref, per_manifest[(ref.repository, ref.digest)], manifest_refs, known)
            for ref in repository.tags
        )
        repositories.append(
            RepositoryUsage(
                repository.name, referenced, unique, referenced - unique, tags, len(blobs)
            )
        )
    return Usage(
        registry=snapshot.registry,
        total_bytes=_sum(everything.values()),
        blob_count=len(everything),
        repositories=tuple(repositories),
        errors=snapshot.errors,
        blobs=everything,
    )


def _tag(
    snapshot: Snapshot,
    ref: TagRef,
    blobs: dict[Digest, Blob],
    refs: Counter[Digest],
    known: Mapping[Digest, int],
) -> TagUsage:
    nodes = list(snapshot.reach(ref.digest))
    attestations = {
        c.blob.digest for n in nodes for c in n.children if c.platform == UNKNOWN_PLATFORM
    }
    images = [n for n in nodes if n.config is not None and n.digest not in attestations]
    root = snapshot.nodes.get(ref.digest)
    if root is not None and root.children:
        platforms = [c.platform for c in root.children if c.platform not in ("", UNKNOWN_PLATFORM)]
    else:
        platforms = [n.facts.platform for n in images if n.facts.platform]
    created = max((n.facts.created for n in images), default="")
    layers = [b for n in images for b in n.blobs[1:]]
    return TagUsage(
        repository=ref.repository,
        tag=ref.tag,
        digest=ref.digest,
        media_type=ref.media_type,
        compressed_size=_sum(blobs.values()),
        uncompressed_size=_uncompressed(layers, known) if images else None,
        created=created,
        platforms=tuple(dict.fromkeys(platforms)),
        unique_bytes=_sum(b for d, b in blobs.items() if refs[d] == 1),
        artifact_type=root.artifact_type if root is not None else "",
        blob_count=len(blobs),
    )


def _uncompressed(layers: list[Blob], known: Mapping[Digest, int]) -> int | None:
    total = 0
    for layer in layers:
        if layer.digest in known:
            total += known[layer.digest]
        elif mediatype.is_layer(layer.media_type) and not mediatype.compression(layer.media_type):
            total += layer.size
        else:
            return None
    return total


def _sum(blobs: Iterable[Blob]) -> int:
    return sum(b.size for b in blobs)


def select(found: Usage, names: Iterable[str]) -> Usage:
    """``found`` with only the repositories ``names`` (in that order); the total, the blob
    count and every unique figure stay those of the whole registry."""
    wanted = list(dict.fromkeys(names))
    by_name = {r.name: r for r in found.repositories}
    kept = tuple(by_name[n] for n in wanted if n in by_name)
    errors = tuple(e for e in found.errors if e.repository in wanted)
    return replace(found, repositories=kept, errors=errors)
