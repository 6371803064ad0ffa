"""``oci:DIR[:TAG]`` for built images and indexes: their documents stored byte for byte.

:func:`imagekit.oci.layout.write_layout` makes a manifest of its own for the image it
copies (no manifest annotations, one image); a build needs its own bytes kept, so that the
digest printed is the digest stored, and indexes written whole. Blobs are copied with their
digests checked, into a temporary file renamed to its name; index.json keeps the entries
it had, less the one the tag (or, untagged, the digest) replaces.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

from imagekit.build.assemble import Built, BuiltImage, BuiltIndex
from imagekit.errors import BuildError, ImageError
from imagekit.oci import mediatype
from imagekit.oci.digest import CHUNK, Digest, Hasher
from imagekit.oci.layout import LAYOUT_VERSION, REF_NAME, blob_path
from imagekit.oci.manifest import Descriptor, Index, parse


def _atomic(path: Path, write: Any) -> None:
    fd, scratch = tempfile.mkstemp(prefix=".imagekit-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
        os.chmod(scratch, 0o644)
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise


def _put_bytes(root: Path, data: bytes) -> Digest:
    digest = Digest.of_bytes(data)
    path = blob_path(root, digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic(path, lambda out: out.write(data))
    return digest


def _put_stream(root: Path, source: BinaryIO, expected: Digest, what: str) -> None:
    path = blob_path(root, expected)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)

    def copy(out: BinaryIO) -> None:
        hasher = Hasher(expected.algorithm)
        while chunk := source.read(CHUNK):
            hasher.update(chunk)
            out.write(chunk)
        if hasher.digest != expected:
            raise BuildError(f"{what}: blob hashes to {hasher.digest}, not {expected}")

    _atomic(path, copy)


def _put_image(root: Path, image: BuiltImage) -> None:
    for i, layer in enumerate(image.layers):
        with layer.open_blob() as source:
            _put_stream(root, source, layer.descriptor.digest, f"{image.name} layer {i}")
    _put_bytes(root, image.config.raw)
    _put_bytes(root, image.manifest.raw)


def _entries(root: Path) -> list[Descriptor]:
    path = root / "index.json"
    if not path.exists():
        return []
    index = parse(path.read_bytes(), mediatype.OCI_INDEX, f"oci:{root} index.json")
    if not isinstance(index, Index):
        raise ImageError(f"oci:{root}: index.json is not an image index")
    return list(index.manifests)


def write_oci(
    built: Built, directory: str | os.PathLike[str], tag: str | None = None
) -> Descriptor:
    """Store ``built`` in the OCI layout at ``directory`` (made or added to) as ``tag``;
    the descriptor index.json lists it under."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    if not (root / "oci-layout").exists() and any(root.iterdir()):
        raise BuildError(
            f"oci:{root}: the directory is not empty and not an OCI layout",
            hint="name a new or empty directory, or an existing layout",
        )
    tags = ((REF_NAME, tag),) if tag else ()
    if isinstance(built, BuiltIndex):
        for image in built.images:
            _put_image(root, image)
        digest = _put_bytes(root, built.raw)
        entry = Descriptor(mediatype.OCI_INDEX, digest, len(built.raw), tags)
    else:
        _put_image(root, built)
        entry = built.descriptor(tags)
    kept = [
        d
        for d in _entries(root)
        if not (tag and dict(d.annotations).get(REF_NAME) == tag)
        and not (not tag and d.digest == entry.digest)
    ]
    index = {
        "schemaVersion": 2,
        "mediaType": mediatype.OCI_INDEX,
        "manifests": [d.to_dict() for d in [*kept, entry]],
    }
    layout = {"imageLayoutVersion": LAYOUT_VERSION}
    _atomic(root / "oci-layout", lambda out: out.write(_json(layout)))
    _atomic(root / "index.json", lambda out: out.write(_json(index)))
    return entry


def _json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
