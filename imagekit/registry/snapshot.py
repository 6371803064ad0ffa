"""What a registry holds at one moment, as :class:`~imagekit.registry.walk.RegistryWalker`
read it: repositories, their tags and the digest each names, and every manifest, index
and image config those reach. Pure values; the accounting of
:mod:`imagekit.report.usage` is computed from them.

A :class:`Node` is one manifest-like document by digest: an image manifest (config and
layers), an index (children), or anything else the registry stores as a manifest (an
artifact, a signature, an attestation, a media type we do not know). Whatever it
references is a :class:`Blob` with the size its descriptor gives, so unknown kinds are
counted, never refused. Failures of single items (a tag list, a manifest, a config) are
:class:`ItemError` values beside what could be read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from imagekit.oci.digest import Digest


@dataclass(frozen=True, slots=True)
class Blob:
    """A blob a manifest references, as its descriptor describes it."""

    digest: Digest
    size: int
    media_type: str


@dataclass(frozen=True, slots=True)
class Child:
    """An index entry: a manifest, the platform it is for (``""`` when none is given)."""

    blob: Blob
    platform: str = ""


@dataclass(frozen=True, slots=True)
class ImageFacts:
    """What an image config says that accounting shows: created time and platform."""

    created: str = ""
    platform: str = ""


@dataclass(frozen=True, slots=True)
class Node:
    """A manifest, index or other manifest-like document, by its digest.

    ``blobs`` are the config (first, when there is one) and the layers or other blobs
    it names; ``children`` the manifests an index names. ``config`` is the image config's
    descriptor when the document is an image (read for ``facts``), None otherwise.
    """

    digest: Digest
    media_type: str
    size: int
    blobs: tuple[Blob, ...] = ()
    children: tuple[Child, ...] = ()
    config: Blob | None = None
    facts: ImageFacts = field(default_factory=ImageFacts)
    #: The document's artifactType, or its config's media type for a non-image manifest.
    artifact_type: str = ""

    @property
    def blob(self) -> Blob:
        """The document itself as a stored blob."""
        return Blob(self.digest, self.size, self.media_type)


@dataclass(frozen=True, slots=True)
class TagRef:
    """A tag and what it named when read (the manifest's digest, media type and size)."""

    repository: str
    tag: str
    digest: Digest
    media_type: str
    size: int


@dataclass(frozen=True, slots=True)
class RepositorySnapshot:
    name: str
    tags: tuple[TagRef, ...] = ()


@dataclass(frozen=True, slots=True)
class ItemError:
    """One item that could not be read: a repository's tag list, a tag, a manifest or a
    config. ``message`` is one line (the registry's error, typed errors' text)."""

    repository: str
    message: str
    tag: str = ""
    digest: Digest | None = None
    kind: str = "manifest"

    @property
    def where(self) -> str:
        name = self.repository
        if self.tag:
            name += f":{self.tag}"
        if self.digest is not None:
            name += f"@{self.digest}"
        return name


@dataclass(frozen=True, slots=True)
class WalkStats:
    """The requests a walk made and what the cache answered instead."""

    catalog_pages: int = 0
    tag_lists: int = 0
    heads: int = 0
    #: Tags read with one GET by tag (not seen at the last walk): digest and manifest.
    tag_gets: int = 0
    #: Listed tags whose HEAD answered 404 (deleted tags some storages still list).
    gone: int = 0
    manifest_gets: int = 0
    config_gets: int = 0
    cache_hits: int = 0
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A registry's repositories, tags and the documents they reach."""

    registry: str
    repositories: tuple[RepositorySnapshot, ...]
    nodes: Mapping[Digest, Node]
    errors: tuple[ItemError, ...] = ()
    stats: WalkStats = field(default_factory=WalkStats)
    #: When the walk started (seconds since the epoch, UTC).
    taken: float = 0.0

    @property
    def tags(self) -> Iterator[TagRef]:
        for repository in self.repositories:
            yield from repository.tags

    def repository(self, name: str) -> RepositorySnapshot | None:
        return next((r for r in self.repositories if r.name == name), None)

    def reach(self, digest: Digest) -> Iterator[Node]:
        """The node ``digest`` names and every node below it (children of indexes), each
        once; documents that could not be read are left out."""
        seen: set[Digest] = set()
        stack = [digest]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            node = self.nodes.get(current)
            if node is None:
                continue
            yield node
            stack.extend(child.blob.digest for child in reversed(node.children))

    def blobs_of(self, digest: Digest) -> dict[Digest, Blob]:
        """Every blob the document ``digest`` stores or reaches, itself included."""
        found: dict[Digest, Blob] = {}
        for node in self.reach(digest):
            found.setdefault(node.digest, node.blob)
            for child in node.children:
                found.setdefault(child.blob.digest, child.blob)
            for blob in node.blobs:
                found.setdefault(blob.digest, blob)
        return found
