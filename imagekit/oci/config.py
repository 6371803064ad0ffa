"""The image configuration: platform, history and the diff IDs of the layers."""

from __future__ import annotations

from dataclasses import dataclass, field

from imagekit.errors import ImageError
from imagekit.oci.digest import Digest
from imagekit.oci.manifest import Platform, load_json


@dataclass(frozen=True, slots=True)
class History:
    created_by: str = ""
    created: str = ""
    comment: str = ""
    empty_layer: bool = False


@dataclass(frozen=True, slots=True)
class ImageConfig:
    platform: Platform
    diff_ids: tuple[Digest, ...]
    history: tuple[History, ...] = ()
    created: str = ""
    raw: bytes = field(default=b"", compare=False, repr=False)

    @property
    def digest(self) -> Digest:
        """The config's own digest: docker's image id."""
        return Digest.of_bytes(self.raw)

    def layer_history(self) -> tuple[History | None, ...]:
        """The history entry of each layer (``None`` where history is missing or short).

        Entries with ``empty_layer`` (ENV, CMD, ...) belong to no layer and are skipped.
        """
        entries = [h for h in self.history if not h.empty_layer]
        return tuple(entries[i] if i < len(entries) else None for i in range(len(self.diff_ids)))


def parse_config(raw: bytes, what: str = "image config") -> ImageConfig:
    data = load_json(raw, what)
    rootfs = data.get("rootfs")
    if not isinstance(rootfs, dict) or not isinstance(rootfs.get("diff_ids"), list):
        raise ImageError(f"{what}: missing rootfs.diff_ids")
    diff_ids: list[Digest] = []
    for i, value in enumerate(rootfs["diff_ids"]):
        try:
            diff_ids.append(Digest.parse(value))
        except ImageError as exc:
            raise ImageError(f"{what}: rootfs.diff_ids[{i}]: {exc.message}") from None
    history: list[History] = []
    raw_history = data.get("history") or []
    if not isinstance(raw_history, list):
        raise ImageError(f"{what}: history must be a list")
    for entry in raw_history:
        if not isinstance(entry, dict):
            raise ImageError(f"{what}: history entries must be objects")
        history.append(
            History(
                created_by=str(entry.get("created_by", "")),
                created=str(entry.get("created", "")),
                comment=str(entry.get("comment", "")),
                empty_layer=bool(entry.get("empty_layer", False)),
            )
        )
    platform = Platform(
        str(data.get("os", "")), str(data.get("architecture", "")), str(data.get("variant", ""))
    )
    return ImageConfig(platform, tuple(diff_ids), tuple(history), str(data.get("created", "")), raw)
