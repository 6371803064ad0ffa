"""Image assembly: layers, a run configuration and history become an image config, an OCI
manifest and, for several platforms, an index, all in canonical JSON (sorted keys, no
spaces), so the same inputs always give the same digests.

``created`` is SOURCE_DATE_EPOCH's time or the epoch (:func:`created_at`); nothing of the
build host, its clock or its paths goes into any document. :class:`BuiltImage` and
:class:`BuiltIndex` are what every output writes (:mod:`imagekit.build.outputs`) and what a
push sends byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from imagekit.build.blobs import uncompressed_size
from imagekit.oci import mediatype
from imagekit.oci.config import parse_config
from imagekit.oci.digest import Digest
from imagekit.oci.image import HeldImage, Layer
from imagekit.oci.manifest import Descriptor, Index, Manifest, Platform

#: The PATH of images whose base sets none (Docker's default).
DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
ANNOTATION = "org.opencontainers.image"


def created_at(epoch: int) -> str:
    """RFC 3339 in UTC, as image configs write it: ``1970-01-01T00:00:00Z``."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True, slots=True)
class RunConfig:
    """What a container of the image runs with (the ``config`` object of an image config)."""

    env: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    user: str = ""
    working_dir: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    exposed_ports: tuple[str, ...] = ()
    stop_signal: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.env:
            out["Env"] = list(self.env)
        if self.entrypoint is not None:
            out["Entrypoint"] = list(self.entrypoint)
        if self.cmd is not None:
            out["Cmd"] = list(self.cmd)
        if self.user:
            out["User"] = self.user
        if self.working_dir:
            out["WorkingDir"] = self.working_dir
        if self.labels:
            out["Labels"] = dict(self.labels)
        if self.exposed_ports:
            out["ExposedPorts"] = {port: {} for port in self.exposed_ports}
        if self.stop_signal:
            out["StopSignal"] = self.stop_signal
        return out

    @classmethod
    def from_config(cls, raw: bytes) -> RunConfig:
        """The run configuration of an image config's bytes (an empty one when absent)."""
        data = json.loads(raw) if raw else {}
        section = data.get("config") or {}

        def strings(key: str) -> tuple[str, ...] | None:
            value = section.get(key)
            return None if value is None else tuple(str(item) for item in value)

        labels = section.get("Labels") or {}
        return cls(
            env=strings("Env") or (),
            entrypoint=strings("Entrypoint"),
            cmd=strings("Cmd"),
            user=str(section.get("User") or ""),
            working_dir=str(section.get("WorkingDir") or ""),
            labels=tuple(sorted((str(k), str(v)) for k, v in labels.items())),
            exposed_ports=tuple(sorted(section.get("ExposedPorts") or {})),
            stop_signal=str(section.get("StopSignal") or ""),
        )


def merge_env(env: Sequence[str], updates: Sequence[str]) -> tuple[str, ...]:
    """``env`` with each ``NAME=VALUE`` of ``updates`` set: replaced in place, else appended."""
    merged = {item.partition("=")[0]: item for item in env}
    for item in updates:
        merged[item.partition("=")[0]] = item
    return tuple(merged.values())


def history_entry(created_by: str, created: str, comment: str = "") -> dict[str, Any]:
    entry: dict[str, Any] = {"created": created, "created_by": created_by}
    if comment:
        entry["comment"] = comment
    return entry


def base_history(raw: bytes, layer_count: int, created: str) -> list[dict[str, Any]]:
    """A base image's history entries, as its config has them; when they do not account for
    its ``layer_count`` layers, one entry per layer instead."""
    data = json.loads(raw) if raw else {}
    history = [entry for entry in data.get("history") or [] if isinstance(entry, dict)]
    if sum(1 for entry in history if not entry.get("empty_layer")) == layer_count:
        return history
    return [history_entry("(base layer)", created) for _ in range(layer_count)]


class BuiltImage(HeldImage):
    """An image assembled here: its manifest's bytes are the ones every output stores.

    The manifest is made when first asked for: it needs the compressed layers' digests,
    while the config needs only the diff IDs, so an output that takes layer tars (the
    engine) can start while the last layer is still being compressed.
    """

    def __init__(
        self,
        name: str,
        raw_config: bytes,
        layers: tuple[Layer, ...],
        platform: Platform,
        annotations: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(name, None, parse_config(raw_config, f"{name} config"), layers)
        self.platform = platform
        self._annotations = annotations
        self._uncompressed: tuple[int, ...] | None = None

    def _make_manifest(self) -> Manifest:
        raw = self.config.raw
        manifest = Manifest(
            mediatype.OCI_MANIFEST,
            Descriptor(mediatype.OCI_CONFIG, Digest.of_bytes(raw), len(raw)),
            tuple(_oci_layer(layer) for layer in self.layers),
            self._annotations,
        )
        return Manifest(
            manifest.media_type,
            manifest.config,
            manifest.layers,
            manifest.annotations,
            manifest.to_json(),
        )

    @property
    def digest(self) -> Digest:
        return self.manifest.digest

    @property
    def manifest_raw(self) -> bytes:
        return self.manifest.raw

    @property
    def size(self) -> int:
        """Compressed bytes a pull downloads: every layer blob and the config."""
        return sum(layer.descriptor.size for layer in self.layers) + len(self.config.raw)

    @property
    def uncompressed_sizes(self) -> tuple[int, ...]:
        """Each layer's tar size (a layer whose size is not known is read once, when asked)."""
        if self._uncompressed is None:
            self._uncompressed = tuple(uncompressed_size(layer) for layer in self.layers)
        return self._uncompressed

    @property
    def uncompressed_size(self) -> int:
        """Bytes of the layer tars, uncompressed."""
        return sum(self.uncompressed_sizes)

    def descriptor(self, annotations: tuple[tuple[str, str], ...] = ()) -> Descriptor:
        raw = self.manifest.raw
        return Descriptor(
            self.manifest.media_type, self.digest, len(raw), annotations, self.platform
        )


def _oci_layer(layer: Layer) -> Descriptor:
    d = layer.descriptor
    kind = mediatype.compression(d.media_type)
    media_type = d.media_type if d.media_type.startswith("application/vnd.oci.") else None
    if media_type is None:
        media_type = mediatype.layer_type(kind, docker=False)
    return Descriptor(media_type, d.digest, d.size, d.annotations)


def assemble(
    name: str,
    platform: Platform,
    layers: Sequence[Layer],
    history: Sequence[Mapping[str, Any]],
    run: RunConfig,
    *,
    created: str,
    annotations: Mapping[str, str] | None = None,
) -> BuiltImage:
    """The image of ``layers`` (base first, each with a compressed blob, or one being
    compressed: the manifest waits for it) run as ``run``.

    ``history`` has one entry per layer (and any ``empty_layer`` entries between them).
    """
    config: dict[str, Any] = {
        "architecture": platform.architecture,
        "os": platform.os,
        "created": created,
        "config": run.to_dict(),
        "rootfs": {"type": "layers", "diff_ids": [str(layer.diff_id) for layer in layers]},
        "history": [dict(entry) for entry in history],
    }
    if platform.variant:
        config["variant"] = platform.variant
    pairs = tuple(sorted((annotations or {}).items()))
    return BuiltImage(name, canonical(config), tuple(layers), platform, pairs)


@dataclass(frozen=True, slots=True)
class BuiltIndex:
    """Several platforms' images under one OCI image index."""

    name: str
    images: tuple[BuiltImage, ...]
    annotations: tuple[tuple[str, str], ...] = ()
    raw: bytes = field(default=b"", repr=False)

    @classmethod
    def of(
        cls, name: str, images: Sequence[BuiltImage], annotations: Mapping[str, str]
    ) -> BuiltIndex:
        pairs = tuple(sorted(annotations.items()))
        index = Index(mediatype.OCI_INDEX, tuple(image.descriptor() for image in images), pairs)
        return cls(name, tuple(images), pairs, index.to_json())

    @property
    def digest(self) -> Digest:
        return Digest.of_bytes(self.raw)

    @property
    def media_type(self) -> str:
        return mediatype.OCI_INDEX

    @property
    def size(self) -> int:
        return sum(image.size for image in self.images)

    @property
    def uncompressed_size(self) -> int:
        return sum(image.uncompressed_size for image in self.images)


Built = BuiltImage | BuiltIndex
