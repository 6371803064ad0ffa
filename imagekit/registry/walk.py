"""Reading a whole registry (or some of its repositories) into a
:class:`~imagekit.registry.snapshot.Snapshot`.

The catalog (every page), each repository's tag list (every page), a ``HEAD`` of each tag
for the digest it names now, then the manifests and indexes those digests reach and the
image configs of the images, ``workers`` requests at a time. Manifests and configs are
immutable, so they are read through a :class:`~imagekit.registry.doccache.DocumentCache`:
a second walk of an unchanged registry sends only the catalog, the tag lists and the
HEADs. The HEADs stay: a tag is the one mutable thing, and the distribution API has no
call that lists tags with their digests. A tag the last walk did not see is read with one
GET by tag instead of a HEAD and a GET by digest (:mod:`imagekit.registry.taghints`).

A document is read once per walk however many tags reach it. What cannot be read — a
tag list, a tag, a manifest, a config, a descriptor that is malformed — becomes an
:class:`~imagekit.registry.snapshot.ItemError` and the walk goes on; only a registry that
cannot be reached at all (the catalog, or ``/v2/`` when repositories are named) raises.
Manifests of unknown kinds (artifacts, signatures, attestations) are kept as nodes whose
blobs are their descriptors, whatever the media types.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from imagekit.errors import ImagekitError
from imagekit.oci import mediatype
from imagekit.oci.digest import Digest
from imagekit.oci.manifest import descriptor
from imagekit.registry.client import RegistryClient
from imagekit.registry.doccache import DocumentCache
from imagekit.registry.errors import NameUnknown, RegistryResponseError
from imagekit.registry.snapshot import (
    Blob,
    Child,
    ImageFacts,
    ItemError,
    Node,
    RepositorySnapshot,
    Snapshot,
    TagRef,
    WalkStats,
)
from imagekit.registry.taghints import load_hints, save_hints

T = TypeVar("T")
#: Image configs larger than this are not read (their size still counts).
MAX_CONFIG = 4 << 20


class _Once:
    """Each key computed once, by the first thread that asks; the others wait for it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done: dict[Any, Any] = {}
        self._running: dict[Any, threading.Event] = {}

    def get(self, key: Any, compute: Callable[[], T]) -> T:
        while True:
            with self._lock:
                if key in self._done:
                    return self._done[key]  # type: ignore[no-any-return]
                event = self._running.get(key)
                if event is None:
                    event = self._running[key] = threading.Event()
                    break
            event.wait()
        try:
            value = compute()
        except BaseException:
            with self._lock:
                del self._running[key]
            event.set()
            raise
        with self._lock:
            self._done[key] = value
            del self._running[key]
        event.set()
        return value


class _Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.values = dict.fromkeys(
            (
                "catalogs",
                "tag_lists",
                "heads",
                "tag_gets",
                "gone",
                "manifest_gets",
                "config_gets",
                "cache_hits",
            ),
            0,
        )

    def add(self, name: str) -> None:
        with self._lock:
            self.values[name] += 1


class RegistryWalker:
    """Reads the registry ``client`` talks to; documents cached under ``cache_dir``."""

    def __init__(
        self,
        client: RegistryClient,
        cache_dir: Path,
        workers: int = 8,
        *,
        page_size: int | None = None,
        clock: Callable[[], float] = time.time,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.cache = DocumentCache(Path(cache_dir))
        self.hints_dir = Path(cache_dir) / "tags"
        self.workers = max(1, workers)
        #: ``n=`` for catalog and tag-list pages (None: the registry's default, 1000 for the
        #: catalog).
        self.page_size = page_size
        self._clock = clock
        self._timer = timer

    def snapshot(self, repositories: Sequence[str] | None = None) -> Snapshot:
        """The registry now: ``repositories`` (every one in the catalog when None)."""
        started, taken = self._timer(), self._clock()
        run = _Walk(self)
        if repositories is None:
            run.counters.add("catalogs")
            kwargs = {} if self.page_size is None else {"page_size": self.page_size}
            names = self.client.repositories(**kwargs)
        else:
            self.client.ping()
            names = list(dict.fromkeys(repositories))
        with ThreadPoolExecutor(self.workers, thread_name_prefix="walk") as pool:
            listed = repositories is None
            tag_lists = list(pool.map(lambda name: run.tags(name, listed), names))
            jobs = [
                (name, tag) for name, tags in zip(names, tag_lists, strict=True) for tag in tags
            ]
            refs = list(pool.map(lambda job: run.tag(*job), jobs))
        found: dict[str, list[TagRef]] = {name: [] for name in names}
        for (name, _), ref in zip(jobs, refs, strict=True):
            if ref is not None:
                found[name].append(ref)
        seen = {f"{r.repository}:{r.tag}": str(r.digest) for refs in found.values() for r in refs}
        save_hints(self.hints_dir, self.client.registry, names, seen)
        counts = run.counters.values
        return Snapshot(
            registry=self.client.registry,
            repositories=tuple(RepositorySnapshot(n, tuple(found[n])) for n in names),
            nodes=dict(run.nodes),
            errors=tuple(run.errors),
            stats=WalkStats(
                catalog_pages=counts["catalogs"],
                tag_lists=counts["tag_lists"],
                heads=counts["heads"],
                tag_gets=counts["tag_gets"],
                gone=counts["gone"],
                manifest_gets=counts["manifest_gets"],
                config_gets=counts["config_gets"],
                cache_hits=counts["cache_hits"],
                seconds=self._timer() - started,
            ),
            taken=taken,
        )


class _Walk:
    """The state of one walk: nodes read, errors, counters."""

    def __init__(self, walker: RegistryWalker) -> None:
        self.client = walker.client
        self.cache = walker.cache
        self.hints = load_hints(walker.hints_dir, walker.client.registry)
        self.page_size = walker.page_size
        self.counters = _Counters()
        self.nodes: dict[Digest, Node] = {}
        self.errors: list[ItemError] = []
        self._lock = threading.Lock()
        self._once = _Once()

    def fail(self, error: ItemError) -> None:
        with self._lock:
            self.errors.append(error)

    def tags(self, repository: str, listed: bool) -> list[str]:
        """The tag list; a repository of the catalog that has none (NAME_UNKNOWN: only
        blobs were ever pushed, or every manifest was deleted) has no tags."""
        self.counters.add("tag_lists")
        try:
            return self.client.tags(repository, page_size=self.page_size)
        except NameUnknown as exc:
            if not listed:
                self.fail(ItemError(repository, _line(exc), kind="tags"))
            return []
        except ImagekitError as exc:
            self.fail(ItemError(repository, _line(exc), kind="tags"))
            return []

    def tag(self, repository: str, tag: str) -> TagRef | None:
        """The tag's digest now; None for a tag that is gone (a 404: deleted since the
        list was read, or a leftover entry of a deleted tag that the storage still lists).

        A tag seen at the last walk whose manifest is cached is asked with a HEAD; any
        other with one GET by tag (see :mod:`imagekit.registry.taghints`)."""
        hint = self.hints.get(f"{repository}:{tag}")
        known = hint is not None and self.cache.path_exists(hint)
        try:
            if known:
                self.counters.add("heads")
                info = self.client.head_manifest(repository, tag)
                self.node(repository, info.digest, info.media_type)
                return TagRef(repository, tag, info.digest, info.media_type, info.size)
            self.counters.add("tag_gets")
            fetched = self.client.get_manifest(repository, tag)
        except RegistryResponseError as exc:
            if exc.status == 404:
                self.counters.add("gone")
            else:
                self.fail(ItemError(repository, _line(exc), tag=tag, kind="tag"))
            return None
        except ImagekitError as exc:
            self.fail(ItemError(repository, _line(exc), tag=tag, kind="tag"))
            return None
        self.cache.put(fetched.digest, fetched.raw)
        self._once.get(
            ("node", fetched.digest),
            lambda: self._store(repository, fetched.digest, fetched.raw, fetched.media_type),
        )
        size = len(fetched.raw)
        return TagRef(repository, tag, fetched.digest, fetched.media_type, size)

    def node(self, repository: str, digest: Digest, media_type: str) -> Node | None:
        return self._once.get(("node", digest), lambda: self._load(repository, digest, media_type))

    def _document(self, repository: str, digest: Digest, kind: str, size: int = 0) -> bytes | None:
        """A manifest (by digest) or a config (of ``size`` bytes), from the cache or the
        registry (then cached)."""
        raw = self.cache.get(digest)
        if raw is not None:
            self.counters.add("cache_hits")
            return raw
        try:
            if kind == "config":
                self.counters.add("config_gets")
                raw = self.client.read_blob(repository, digest, size, MAX_CONFIG)
            else:
                self.counters.add("manifest_gets")
                raw = self.client.get_manifest(repository, str(digest)).raw
        except ImagekitError as exc:
            self.fail(ItemError(repository, _line(exc), digest=digest, kind=kind))
            return None
        self.cache.put(digest, raw)
        return raw

    def _load(self, repository: str, digest: Digest, hint: str) -> Node | None:
        raw = self._document(repository, digest, "manifest")
        if raw is None:
            return None
        return self._store(repository, digest, raw, hint)

    def _store(self, repository: str, digest: Digest, raw: bytes, hint: str) -> Node:
        """The node of the manifest ``raw``, kept, and its children read."""
        node = self._parse(repository, digest, raw, hint)
        with self._lock:
            self.nodes[digest] = node
        for child in node.children:
            self.node(repository, child.blob.digest, child.blob.media_type)
        return node

    def _parse(self, repository: str, digest: Digest, raw: bytes, hint: str) -> Node:
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            self.fail(ItemError(repository, "the manifest is not a JSON object", digest=digest))
            return Node(digest, hint or "application/octet-stream", len(raw))
        kind = (
            _text(data, "mediaType") or hint or (mediatype.OCI_INDEX if "manifests" in data else "")
        )
        kind = kind or mediatype.OCI_MANIFEST
        where = f"{self.client.registry}/{repository}@{digest}"
        children: list[Child] = []
        for entry in _entries(data, "manifests"):
            found = self._descriptor(repository, digest, entry, f"{where} manifests")
            if found is not None:
                blob, platform = found
                children.append(Child(blob, platform))
        blobs: list[Blob] = []
        config = None
        if isinstance(data.get("config"), dict):
            found = self._descriptor(repository, digest, data["config"], f"{where} config")
            if found is not None:
                config = found[0]
                blobs.append(config)
        for key in ("layers", "blobs"):
            for entry in _entries(data, key):
                found = self._descriptor(repository, digest, entry, f"{where} {key}")
                if found is not None:
                    blobs.append(found[0])
        artifact = _text(data, "artifactType")
        image_config = config if config and config.media_type in mediatype.CONFIGS else None
        if config is not None and image_config is None and not artifact:
            artifact = config.media_type
        facts = ImageFacts()
        if image_config is not None:
            facts = self._once.get(
                ("config", image_config.digest), lambda: self._facts(repository, image_config)
            )
        return Node(
            digest, kind, len(raw), tuple(blobs), tuple(children), image_config, facts, artifact
        )

    def _descriptor(
        self, repository: str, digest: Digest, entry: Any, what: str
    ) -> tuple[Blob, str] | None:
        try:
            parsed = descriptor(entry, what)
        except ImagekitError as exc:
            self.fail(ItemError(repository, _line(exc), digest=digest))
            return None
        platform = str(parsed.platform) if parsed.platform is not None else ""
        return Blob(parsed.digest, parsed.size, parsed.media_type), platform

    def _facts(self, repository: str, config: Blob) -> ImageFacts:
        raw = self._document(repository, config.digest, "config", config.size)
        if raw is None:
            return ImageFacts()
        return config_facts(raw)


def config_facts(raw: bytes) -> ImageFacts:
    """Created time and ``os/arch[/variant]`` of an image config; empty where missing."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return ImageFacts()
    if not isinstance(data, dict):
        return ImageFacts()
    created = data.get("created")
    parts = [data.get(key) for key in ("os", "architecture", "variant")]
    words = [p for p in parts if isinstance(p, str) and p]
    platform = "/".join(words) if len(words) >= 2 and parts[0] and parts[1] else ""
    return ImageFacts(created if isinstance(created, str) else "", platform)


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _entries(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    return value if isinstance(value, list) else []


def _line(exc: ImagekitError) -> str:
    return " ".join(exc.message.split())
