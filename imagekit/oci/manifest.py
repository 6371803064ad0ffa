"""Descriptors, manifests and indexes (OCI image spec; Docker schema 2 alike).

Parsing is strict about what we rely on (digests, sizes, media types) and keeps the raw
bytes, whose digest is the manifest's own. Objects are immutable; ``to_json`` writes the
canonical form we produce (sorted keys, no spaces), which is what sinks store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from imagekit.errors import ImageError
from imagekit.oci import mediatype
from imagekit.oci.digest import Digest


@dataclass(frozen=True, slots=True)
class Platform:
    os: str
    architecture: str
    variant: str = ""

    def __str__(self) -> str:
        text = f"{self.os}/{self.architecture}"
        return f"{text}/{self.variant}" if self.variant else text

    @property
    def unknown(self) -> bool:
        """``unknown/unknown``: attestation manifests in an index, not images."""
        return self.os == "unknown" and self.architecture == "unknown"

    @classmethod
    def parse(cls, text: str) -> Platform:
        parts = text.split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise ImageError(f"malformed platform {text!r} (expected OS/ARCH[/VARIANT])")
        return cls(*parts)


@dataclass(frozen=True, slots=True)
class Descriptor:
    media_type: str
    digest: Digest
    size: int
    annotations: tuple[tuple[str, str], ...] = ()
    platform: Platform | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mediaType": self.media_type,
            "digest": str(self.digest),
            "size": self.size,
        }
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        if self.platform is not None:
            platform = {"os": self.platform.os, "architecture": self.platform.architecture}
            if self.platform.variant:
                platform["variant"] = self.platform.variant
            out["platform"] = platform
        return out


@dataclass(frozen=True, slots=True)
class Manifest:
    media_type: str
    config: Descriptor
    layers: tuple[Descriptor, ...]
    annotations: tuple[tuple[str, str], ...] = ()
    raw: bytes = field(default=b"", compare=False, repr=False)

    @property
    def docker(self) -> bool:
        return self.media_type == mediatype.DOCKER_MANIFEST

    @property
    def digest(self) -> Digest:
        return Digest.of_bytes(self.raw or self.to_json())

    def to_json(self) -> bytes:
        data: dict[str, Any] = {
            "schemaVersion": 2,
            "mediaType": self.media_type,
            "config": self.config.to_dict(),
            "layers": [layer.to_dict() for layer in self.layers],
        }
        if self.annotations:
            data["annotations"] = dict(self.annotations)
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class Index:
    media_type: str
    manifests: tuple[Descriptor, ...]
    annotations: tuple[tuple[str, str], ...] = ()
    raw: bytes = field(default=b"", compare=False, repr=False)

    @property
    def images(self) -> tuple[Descriptor, ...]:
        """The entries that are images: attestations (``unknown/unknown``) left out."""
        return tuple(d for d in self.manifests if d.platform is None or not d.platform.unknown)

    def for_platform(self, platform: Platform | None) -> Descriptor:
        """The image for ``platform`` (the only image when None); ImageError otherwise."""
        images = self.images
        if platform is None:
            if len(images) == 1:
                return images[0]
            found = ", ".join(str(d.platform) for d in images if d.platform) or "none"
            raise ImageError(
                f"the index holds {len(images)} images ({found}); choose one with --platform"
            )
        for descriptor in images:
            p = descriptor.platform
            if p is None or (p.os, p.architecture) != (platform.os, platform.architecture):
                continue
            if not platform.variant or p.variant == platform.variant:
                return descriptor
        raise ImageError(f"the index has no image for {platform}")

    def to_json(self) -> bytes:
        data: dict[str, Any] = {
            "schemaVersion": 2,
            "mediaType": self.media_type,
            "manifests": [d.to_dict() for d in self.manifests],
        }
        if self.annotations:
            data["annotations"] = dict(self.annotations)
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


def load_json(raw: bytes, what: str) -> dict[str, Any]:
    """A JSON object from ``raw``; ImageError naming ``what`` otherwise."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImageError(f"{what}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ImageError(f"{what}: expected a JSON object")
    return data


def parse(raw: bytes, media_type: str | None = None, what: str = "manifest") -> Manifest | Index:
    """A manifest or an index from its bytes; ``media_type`` as sent, when known."""
    data = load_json(raw, what)
    kind = data.get("mediaType") or media_type
    if kind is None:
        kind = mediatype.OCI_INDEX if "manifests" in data else mediatype.OCI_MANIFEST
    if data.get("schemaVersion") != 2:
        raise ImageError(f"{what}: schemaVersion {data.get('schemaVersion')!r} is not supported")
    if mediatype.is_index(kind):
        manifests = data.get("manifests")
        if not isinstance(manifests, list):
            raise ImageError(f"{what}: 'manifests' must be a list")
        return Index(
            kind,
            tuple(descriptor(m, f"{what} manifests[{i}]") for i, m in enumerate(manifests)),
            _annotations(data, what),
            raw,
        )
    if not mediatype.is_manifest(kind):
        raise ImageError(f"{what}: unsupported media type {kind!r}")
    layers = data.get("layers")
    if not isinstance(layers, list):
        raise ImageError(f"{what}: 'layers' must be a list")
    return Manifest(
        kind,
        descriptor(data.get("config"), f"{what} config"),
        tuple(descriptor(layer, f"{what} layers[{i}]") for i, layer in enumerate(layers)),
        _annotations(data, what),
        raw,
    )


def descriptor(data: Any, what: str) -> Descriptor:
    if not isinstance(data, dict):
        raise ImageError(f"{what}: expected a descriptor object")
    media_type = data.get("mediaType")
    size = data.get("size")
    if not isinstance(media_type, str) or not media_type:
        raise ImageError(f"{what}: missing mediaType")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ImageError(f"{what}: size must be a non-negative integer")
    try:
        digest = Digest.parse(data.get("digest"))  # type: ignore[arg-type]
    except ImageError as exc:
        raise ImageError(f"{what}: {exc.message}") from None
    platform = None
    raw_platform = data.get("platform")
    if isinstance(raw_platform, dict):
        platform = Platform(
            str(raw_platform.get("os", "")),
            str(raw_platform.get("architecture", "")),
            str(raw_platform.get("variant", "")),
        )
    return Descriptor(media_type, digest, size, _annotations(data, what), platform)


def _annotations(data: dict[str, Any], what: str) -> tuple[tuple[str, str], ...]:
    raw = data.get("annotations")
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise ImageError(f"{what}: annotations must map strings to strings")
    return tuple(sorted(raw.items()))
