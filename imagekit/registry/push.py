"""Pushing an Image, or a whole index, to one or more destination references.

:func:`push` sends every blob (config and layers) to every destination repository, a few
at a time (``PushOptions.jobs``): skipped when HEAD finds it there, mounted when the same
blob is known in another repository of the same registry, uploaded otherwise. Mount
candidates are, in this order: repositories this push already sent the blob to, the
source's own repository (a ``docker://`` source on the same registry), what the caller's
``mount_candidates`` names (the size ledger), and the :class:`MountRecord` in the cache
directory, written after each push.

Manifests are PUT only after every blob they name is confirmed in that repository; an
index only after every child manifest (children by digest, the root by each tag). Several
destinations in one repository cost one upload and more manifest PUTs; another repository
of the same registry gets its blobs by mount.

See :mod:`imagekit.registry.pushplan` for how an image's blobs and manifest are made
(byte for byte, or compressed by the push), :mod:`imagekit.registry.upload` for the wire.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from imagekit.errors import ImageError, UsageError
from imagekit.oci.config import ImageConfig
from imagekit.oci.digest import Digest
from imagekit.oci.image import Image
from imagekit.oci.manifest import Index, Manifest, Platform
from imagekit.registry import reference as references
from imagekit.registry.client import RegistryClient
from imagekit.registry.pushcache import CompressedRecord, MountRecord, push_cache_dir
from imagekit.registry.pushplan import ImagePlan, PlannedBlob, PushOptions, plan_image
from imagekit.registry.pushsource import Document, Tree
from imagekit.registry.reference import Reference
from imagekit.registry.source import RegistryImage
from imagekit.registry.upload import Action, BlobToSend, Sent, send_blob

MountCandidates = Callable[[Digest], Sequence[str]]
ClientFor = Callable[[str], RegistryClient]


@dataclass(frozen=True, slots=True)
class BlobResult:
    """One blob in one destination repository (``HOST/REPO``): what the push did."""

    digest: Digest
    size: int
    media_type: str
    action: Action
    repository: str
    mounted_from: str = ""
    sent_bytes: int = 0


@dataclass(frozen=True, slots=True)
class PushedImage:
    """An image manifest the push PUT, with its config (None where it is no image config:
    attestations) and its platform as the index lists it (None for a lone image)."""

    digest: Digest
    manifest: Manifest
    config: ImageConfig | None
    platform: Platform | None = None


@dataclass(frozen=True, slots=True)
class PushResult:
    """What a push did. ``manifest`` is what the references name: an image manifest, or
    an index (then ``config`` is None and ``images`` holds its images)."""

    references: tuple[Reference, ...]
    digest: Digest
    media_type: str
    manifest: Manifest | Index
    config: ImageConfig | None
    images: tuple[PushedImage, ...]
    blobs: tuple[BlobResult, ...]
    uploaded_bytes: int
    compressed_layers: int = 0

    @property
    def reference(self) -> Reference:
        return self.references[0]


@dataclass(frozen=True, slots=True)
class PushEvent:
    """Progress, for a display: ``kind`` is ``compress`` (a layer is being compressed),
    ``blob`` (a blob starts going to ``repository``), ``progress`` (``done`` of ``size``
    bytes sent), ``blob-done`` (with ``action``) or ``manifest`` (``reference`` PUT)."""

    kind: str
    role: str = ""
    digest: Digest | None = None
    size: int = 0
    done: int = 0
    action: str = ""
    repository: str = ""
    reference: str = ""


@dataclass
class _Target:
    """The destinations in one repository."""

    registry: str
    repository: str
    refs: list[Reference] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.registry}/{self.repository}"


class _Stopped(Exception):
    """Another blob failed: this one stops."""


def parse_destination(text: str) -> Reference:
    """A destination ``[docker://]HOST/REPO[:TAG][@DIGEST]`` (UsageError when malformed)."""
    ref = references.parse(text.removeprefix("docker://"))
    return ref


def _targets(destinations: Sequence[Reference | str]) -> list[_Target]:
    if not destinations:
        raise UsageError("push needs at least one destination")
    grouped: dict[tuple[str, str], _Target] = {}
    for item in destinations:
        ref = parse_destination(item) if isinstance(item, str) else item
        key = (ref.registry, ref.repository)
        grouped.setdefault(key, _Target(*key)).refs.append(ref)
    return list(grouped.values())


class _Pusher:
    def __init__(
        self,
        targets: list[_Target],
        client_for: ClientFor,
        options: PushOptions,
        mounts: MountRecord,
        mount_candidates: MountCandidates | None,
        source: tuple[str, str] | None,
        on_event: Callable[[PushEvent], None] | None,
    ) -> None:
        self.targets = targets
        self.client_for = client_for
        self.options = options
        self.mounts = mounts
        self.mount_candidates = mount_candidates
        self.source = source
        self.on_event = on_event or (lambda event: None)
        self.stop = threading.Event()

    def candidates(self, target: _Target, digest: Digest, done: list[_Target]) -> list[str]:
        found = [t.repository for t in done if t.registry == target.registry]
        if self.source is not None and self.source[0] == target.registry:
            found.append(self.source[1])
        if self.mount_candidates is not None:
            prefix = f"{target.registry}/"
            for name in self.mount_candidates(digest):
                if name.startswith(prefix):
                    found.append(name.removeprefix(prefix))
                elif "/" not in name or not _has_host(name):
                    found.append(name)
        found += self.mounts.repositories(target.registry, digest)
        return found

    def _one(self, blob: PlannedBlob, target: _Target, done: list[_Target]) -> Sent:
        client = self.client_for(target.registry)

        def resolve() -> BlobToSend:
            if not blob.made:
                self.on_event(PushEvent("compress", blob.role))
            return blob.resolve()

        def progress(sent: int) -> None:
            if self.stop.is_set():
                raise _Stopped
            self.on_event(
                PushEvent("progress", blob.role, digest, size, sent, repository=target.name)
            )

        known = blob.known
        if known is None:
            ready = resolve()
            known = (ready.digest, ready.size)
        digest, size = known
        self.on_event(PushEvent("blob", blob.role, digest, size, repository=target.name))
        return send_blob(
            client,
            target.repository,
            digest,
            size,
            resolve,
            candidates=self.candidates(target, digest, done),
            chunk_size=self.options.chunk_size,
            on_progress=progress,
        )

    def blob_job(self, blob: PlannedBlob) -> list[BlobResult]:
        """Send ``blob`` to every target; redo earlier ones if its digest changed."""
        if self.stop.is_set():
            raise _Stopped
        results: dict[str, BlobResult] = {}
        done: list[_Target] = []
        pending = list(self.targets)
        while pending:
            target = pending.pop(0)
            sent = self._one(blob, target, done)
            digest = sent.digest
            assert digest is not None
            stale = [t for t in done if results[t.name].digest != digest]
            if stale:  # a recorded digest was stale: the earlier targets need the new one
                done = [t for t in done if t not in stale]
                pending = stale + pending
            done.append(target)
            final = blob.final()
            results[target.name] = BlobResult(
                digest,
                final.size,
                blob.media_type,
                sent.action,
                target.name,
                sent.mounted_from,
                sent.sent_bytes,
            )
            self.mounts.add(target.registry, digest, target.repository)
            self.on_event(
                PushEvent(
                    "blob-done",
                    blob.role,
                    digest,
                    final.size,
                    action=sent.action,
                    repository=target.name,
                )
            )
        return [results[t.name] for t in self.targets]

    def blobs(self, blobs: list[PlannedBlob]) -> list[BlobResult]:
        """Every blob to every target, ``jobs`` at a time; the first failure is raised."""
        with ThreadPoolExecutor(max_workers=self.options.jobs) as pool:
            futures = [pool.submit(self.blob_job, blob) for blob in blobs]
            finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
            failed = [f for f in futures if f in finished and f.exception() is not None]
            if failed:
                self.stop.set()
                for future in futures:
                    future.cancel()
                wait(futures)
                errors = [f.exception() for f in futures if not f.cancelled() and f.exception()]
                real = [e for e in errors if not isinstance(e, _Stopped)]
                raise (real or errors)[0]  # type: ignore[misc]
        return [result for future in futures for result in future.result()]

    def documents(self, root: Document) -> list[Reference]:
        """PUT the documents in every target: children by digest, the root by each tag."""
        pushed: list[Reference] = []
        for target in self.targets:
            client = self.client_for(target.registry)
            for document in root.walk():
                media_type = document.descriptor.media_type
                digest = document.descriptor.digest
                if document is not root:
                    client.put_manifest(target.repository, str(digest), document.raw, media_type)
                    continue
                for ref in target.refs:
                    if ref.digest is not None and ref.digest != digest:
                        raise ImageError(
                            f"{ref}: the pushed manifest's digest is {digest}, not {ref.digest}"
                        )
                    identifier = ref.tag or str(digest)
                    client.put_manifest(target.repository, identifier, document.raw, media_type)
                    done = ref.with_identifier(tag=ref.tag, digest=digest)
                    pushed.append(done)
                    self.on_event(PushEvent("manifest", digest=digest, reference=str(done)))
        return pushed


def _has_host(name: str) -> bool:
    first = name.split("/", 1)[0]
    return "." in first or ":" in first or first == "localhost"


def _images(root: Document) -> tuple[PushedImage, ...]:
    platforms = {}
    for document in root.walk():
        if isinstance(document.document, Index):
            for entry in document.document.manifests:
                platforms[entry.digest] = entry.platform
    return tuple(
        PushedImage(d.descriptor.digest, d.document, d.config, platforms.get(d.descriptor.digest))
        for d in root.walk()
        if isinstance(d.document, Manifest)
    )


def _tree_blobs(root: Document) -> list[PlannedBlob]:
    seen: dict[Digest, PlannedBlob] = {}
    for document in root.walk():
        for i, blob in enumerate(document.blobs):
            role = "config" if i == 0 else f"layer {i - 1}"
            seen.setdefault(blob.digest, PlannedBlob(role, blob))
    return list(seen.values())


def push(
    source: Image | Tree,
    destinations: Sequence[Reference | str],
    *,
    client_for: ClientFor,
    cache_dir: str | os.PathLike[str],
    options: PushOptions | None = None,
    mount_candidates: MountCandidates | None = None,
    on_event: Callable[[PushEvent], None] | None = None,
) -> PushResult:
    """Push ``source`` to every destination (``HOST/REPO[:TAG][@DIGEST]``).

    ``client_for(registry)`` gives the client of each registry (the same one each time).
    ``cache_dir`` holds the mount and compression records and the temporary files of
    layers compressed by the push. ``on_event`` is called from worker threads.
    """
    options = options or PushOptions()
    targets = _targets(destinations)
    mounts = MountRecord(cache_dir)
    compressed = CompressedRecord(cache_dir)
    scratch = push_cache_dir(cache_dir) / "tmp"
    made: list[Path] = []
    plan: ImagePlan | None = None
    origin: tuple[str, str] | None = None
    if isinstance(source, Tree):
        blobs = _tree_blobs(source.root)
        if source.registry:
            origin = (source.registry, source.repository)
    else:
        plan, made = plan_image(source, options, compressed, scratch)
        blobs = plan.blobs
        if isinstance(source, RegistryImage):
            origin = (source.reference.registry, source.reference.repository)
    pusher = _Pusher(targets, client_for, options, mounts, mount_candidates, origin, on_event)
    try:
        results = pusher.blobs(blobs)
        root = source.root if isinstance(source, Tree) else plan.document()  # type: ignore[union-attr]
        pushed = pusher.documents(root)
    finally:
        for path in made:
            path.unlink(missing_ok=True)
        for record in (mounts, compressed):
            # a cache that cannot be written costs the next push some work, nothing else
            with contextlib.suppress(OSError):
                record.save()
    config = root.config if isinstance(root.document, Manifest) else None
    return PushResult(
        references=tuple(pushed),
        digest=root.descriptor.digest,
        media_type=root.descriptor.media_type,
        manifest=root.document,
        config=config,
        images=_images(root),
        blobs=tuple(results),
        uploaded_bytes=sum(r.sent_bytes for r in results),
        compressed_layers=sum(1 for b in blobs if b.compressed),
    )
