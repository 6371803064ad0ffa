"""What a digest names in a registry, as the image page shows it: an image (its layers with
their ``created_by`` and its config), an index (its entries per platform), or anything
else stored as a manifest (an artifact, a signature, an attestation, a media type we do
not know: its blobs as its descriptors list them).

Manifests and configs are immutable, so they are read through the walker's
:class:`~imagekit.registry.doccache.DocumentCache` and the :class:`Document` made from
them is kept in memory by digest. Nothing here raises for one bad item: a config that
404s, a malformed descriptor or a history shorter than the layers becomes a line in
``problems`` and the rest is still shown. Only a manifest that cannot be fetched at all
raises (the page then says so).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from imagekit.errors import ImagekitError
from imagekit.oci import mediatype
from imagekit.oci.config import parse_config
from imagekit.oci.digest import Digest
from imagekit.oci.manifest import descriptor
from imagekit.registry.client import RegistryClient
from imagekit.registry.doccache import DocumentCache

MAX_CONFIG = 4 << 20
#: Documents kept in memory.
MEMORY = 256
#: Characters of an unknown document's JSON shown on its page.
EXCERPT = 4000


@dataclass(frozen=True, slots=True)
class Layer:
    index: int
    digest: Digest
    media_type: str
    size: int
    diff_id: str = ""
    created_by: str = ""

    @property
    def is_layer(self) -> bool:
        return mediatype.is_layer(self.media_type)


@dataclass(frozen=True, slots=True)
class Entry:
    """An index entry."""

    digest: Digest
    media_type: str
    size: int
    platform: str
    attestation: bool


@dataclass(frozen=True, slots=True)
class ConfigView:
    """What an image config says about running the image."""

    digest: Digest
    size: int
    created: str = ""
    platform: str = ""
    user: str = ""
    workdir: str = ""
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    env: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    ports: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    stop_signal: str = ""


@dataclass(frozen=True)
class Document:
    digest: Digest
    media_type: str
    size: int
    kind: str
    """``image``, ``index``, ``artifact`` or ``malformed``."""
    layers: tuple[Layer, ...] = ()
    """An image's layers; an artifact's blobs."""
    entries: tuple[Entry, ...] = ()
    config: ConfigView | None = None
    config_blob: tuple[Digest, int, str] | None = None
    """(digest, size, media type) of the config descriptor, whatever its type."""
    artifact_type: str = ""
    annotations: tuple[tuple[str, str], ...] = ()
    problems: tuple[str, ...] = ()
    excerpt: str = ""
    """The JSON of an artifact or unknown document (the start of it)."""

    @property
    def compressed_size(self) -> int:
        """What a pull of this image downloads: its blobs and config (not the manifest)."""
        config = self.config_blob[1] if self.config_blob else 0
        return config + sum(layer.size for layer in self.layers)


class Documents:
    """Reads documents from ``client``'s registry, cached on disk and in memory."""

    def __init__(self, client: RegistryClient, cache: DocumentCache, memory: int = MEMORY):
        self.client = client
        self.cache = cache
        self._memory_size = memory
        self._memory: OrderedDict[Digest, Document] = OrderedDict()
        self._lock = threading.Lock()

    def resolve(self, repository: str, tag: str) -> tuple[Digest, str]:
        """The digest and media type ``tag`` names now (a GET, the bytes then cached)."""
        fetched = self.client.get_manifest(repository, tag)
        self.cache.put(fetched.digest, fetched.raw)
        return fetched.digest, fetched.media_type

    def get(self, repository: str, digest: Digest) -> Document:
        """The document ``digest`` names in ``repository``; ImagekitError when the
        manifest itself cannot be fetched."""
        with self._lock:
            found = self._memory.get(digest)
            if found is not None:
                self._memory.move_to_end(digest)
                return found
        raw = self.cache.get(digest)
        hint = ""
        if raw is None:
            fetched = self.client.get_manifest(repository, str(digest))
            raw, hint = fetched.raw, fetched.media_type
            self.cache.put(digest, raw)
        document = self._document(repository, digest, raw, hint)
        with self._lock:
            self._memory[digest] = document
            while len(self._memory) > self._memory_size:
                self._memory.popitem(last=False)
        return document

    def _document(self, repository: str, digest: Digest, raw: bytes, hint: str) -> Document:
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            problem = f"the manifest is not valid JSON ({exc})"
            return Document(digest, hint or "unknown", len(raw), "malformed", problems=(problem,))
        if not isinstance(data, dict):
            problem = "the manifest is not a JSON object"
            return Document(digest, hint or "unknown", len(raw), "malformed", problems=(problem,))
        return _Parse(self, repository, digest, raw, data, hint).document()

    def config_bytes(self, repository: str, digest: Digest, size: int) -> bytes:
        raw = self.cache.get(digest)
        if raw is None:
            raw = self.client.read_blob(repository, digest, size, MAX_CONFIG)
            self.cache.put(digest, raw)
        return raw


class _Parse:
    """Reading one document's JSON, collecting problems instead of failing."""

    def __init__(
        self,
        documents: Documents,
        repository: str,
        digest: Digest,
        raw: bytes,
        data: dict[str, Any],
        hint: str,
    ) -> None:
        self.documents = documents
        self.repository = repository
        self.digest = digest
        self.raw = raw
        self.data = data
        self.problems: list[str] = []
        declared = data.get("mediaType")
        self.media_type = declared if isinstance(declared, str) and declared else hint
        if not self.media_type:
            self.media_type = mediatype.OCI_INDEX if "manifests" in data else "unknown"

    def descriptors(self, key: str) -> list[Any]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problems.append(f"'{key}' is not a list")
            return []
        found = []
        for i, item in enumerate(value):
            try:
                found.append(descriptor(item, f"{key}[{i}]"))
            except ImagekitError as exc:
                self.problems.append(exc.message)
        return found

    def make(self, kind: str, **fields: Any) -> Document:
        annotations = self.data.get("annotations")
        notes = (
            tuple(sorted((str(k), str(v)) for k, v in annotations.items()))
            if isinstance(annotations, dict)
            else ()
        )
        return Document(
            self.digest,
            self.media_type,
            len(self.raw),
            kind,
            annotations=notes,
            problems=tuple(self.problems),
            **fields,
        )

    def document(self) -> Document:
        declared = self.data.get("artifactType")
        artifact = declared if isinstance(declared, str) else ""
        if mediatype.is_index(self.media_type) or (
            "manifests" in self.data and "layers" not in self.data
        ):
            entries = tuple(
                Entry(
                    d.digest,
                    d.media_type,
                    d.size,
                    str(d.platform) if d.platform is not None else "",
                    d.platform is not None and d.platform.unknown,
                )
                for d in self.descriptors("manifests")
            )
            return self.make("index", entries=entries, artifact_type=artifact)
        config_blob = None
        config = self.data.get("config")
        if isinstance(config, dict):
            try:
                found = descriptor(config, "config")
                config_blob = (found.digest, found.size, found.media_type)
            except ImagekitError as exc:
                self.problems.append(exc.message)
        blobs = self.descriptors("layers") + self.descriptors("blobs")
        foreign = [d.media_type for d in blobs if not mediatype.is_layer(d.media_type)]
        if (
            config_blob is None
            or config_blob[2] not in mediatype.CONFIGS
            or artifact
            or foreign
            or not mediatype.is_manifest(self.media_type)
        ):
            if not artifact and config_blob is not None and config_blob[2] not in mediatype.CONFIGS:
                artifact = config_blob[2]
            artifact = artifact or (foreign[0] if foreign else "")
            layers = tuple(Layer(i, d.digest, d.media_type, d.size) for i, d in enumerate(blobs))
            return self.make(
                "artifact",
                layers=layers,
                config_blob=config_blob,
                artifact_type=artifact or self.media_type,
                excerpt=_excerpt(self.data),
            )
        view, diff_ids, history = self.config(config_blob[0], config_blob[1])
        if diff_ids and len(diff_ids) != len(blobs):
            self.problems.append(
                f"the manifest lists {len(blobs)} layers, the config {len(diff_ids)} diff_ids"
            )
        layers = tuple(
            Layer(
                i,
                d.digest,
                d.media_type,
                d.size,
                diff_ids[i] if i < len(diff_ids) else "",
                history[i] if i < len(history) else "",
            )
            for i, d in enumerate(blobs)
        )
        return self.make("image", layers=layers, config=view, config_blob=config_blob)

    def config(self, digest: Digest, size: int) -> tuple[ConfigView | None, list[str], list[str]]:
        try:
            raw = self.documents.config_bytes(self.repository, digest, size)
            parsed = parse_config(raw, what="the image config")
        except ImagekitError as exc:
            self.problems.append(f"config {digest}: {exc.message}")
            return None, [], []
        history = [h.created_by if h is not None else "" for h in parsed.layer_history()]
        diff_ids = [str(d) for d in parsed.diff_ids]
        return config_view(digest, size, raw, str(parsed.platform)), diff_ids, history


def config_view(digest: Digest, size: int, raw: bytes, platform: str) -> ConfigView:
    """The run settings of an image config (which parse_config has read already)."""
    data = json.loads(raw)
    settings = data.get("config") if isinstance(data.get("config"), dict) else {}

    def words(key: str) -> tuple[str, ...] | None:
        value = settings.get(key)
        if isinstance(value, list):
            return tuple(str(v) for v in value)
        return (value,) if isinstance(value, str) else None

    def keys(key: str) -> tuple[str, ...]:
        value = settings.get(key)
        return tuple(sorted(str(k) for k in value)) if isinstance(value, dict) else ()

    labels = settings.get("Labels")
    created = data.get("created")
    return ConfigView(
        digest=digest,
        size=size,
        created=created if isinstance(created, str) else "",
        platform=platform,
        user=str(settings.get("User") or ""),
        workdir=str(settings.get("WorkingDir") or ""),
        entrypoint=words("Entrypoint"),
        cmd=words("Cmd"),
        env=words("Env") or (),
        labels=tuple(sorted((str(k), str(v)) for k, v in labels.items()))
        if isinstance(labels, dict)
        else (),
        ports=keys("ExposedPorts"),
        volumes=keys("Volumes"),
        stop_signal=str(settings.get("StopSignal") or ""),
    )


def _excerpt(data: dict[str, Any]) -> str:
    text = json.dumps(data, indent=2, sort_keys=True)
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "\n..."
