"""Content digests: ``sha256:<64 hex>`` (and ``sha512``), and hashing streams into them.

A layer has two: its *digest* hashes the blob as stored and sent (usually gzip), its
*diff ID* hashes the uncompressed tar. Both are :class:`Digest`; which one a value is
follows from where it is kept (``Descriptor.digest`` vs ``ImageConfig.diff_ids``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import BinaryIO

from imagekit.errors import ImageError

_ALGORITHMS = {"sha256": 64, "sha512": 128}
_HEX = re.compile(r"^[0-9a-f]+$")
CHUNK = 1 << 20


@dataclass(frozen=True, slots=True, order=True)
class Digest:
    algorithm: str
    hex: str

    def __post_init__(self) -> None:
        length = _ALGORITHMS.get(self.algorithm)
        if length is None:
            raise ImageError(f"unsupported digest algorithm {self.algorithm!r}")
        if len(self.hex) != length or not _HEX.match(self.hex):
            raise ImageError(f"malformed {self.algorithm} digest {self.hex!r}")

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.hex}"

    @property
    def short(self) -> str:
        """The first 12 hex digits, as docker shows image ids."""
        return self.hex[:12]

    @classmethod
    def parse(cls, text: str) -> Digest:
        """``sha256:...``; ImageError for anything else."""
        if not isinstance(text, str):
            raise ImageError(f"a digest must be a string, not {type(text).__name__}")
        algorithm, sep, value = text.partition(":")
        if not sep:
            raise ImageError(f"malformed digest {text!r} (expected ALGORITHM:HEX)")
        return cls(algorithm, value)

    @classmethod
    def of_bytes(cls, data: bytes, algorithm: str = "sha256") -> Digest:
        return cls(algorithm, hashlib.new(algorithm, data).hexdigest())


class Hasher:
    """Counts and hashes bytes as they pass; ``digest`` and ``size`` when done."""

    __slots__ = ("_hash", "algorithm", "size")

    def __init__(self, algorithm: str = "sha256") -> None:
        self.algorithm = algorithm
        self._hash = hashlib.new(algorithm)
        self.size = 0

    def update(self, data: bytes | memoryview) -> None:
        self._hash.update(data)
        self.size += len(data)

    @property
    def digest(self) -> Digest:
        return Digest(self.algorithm, self._hash.hexdigest())


def hash_stream(stream: BinaryIO, algorithm: str = "sha256") -> tuple[Digest, int]:
    """Digest and length of everything left in ``stream``."""
    hasher = Hasher(algorithm)
    while chunk := stream.read(CHUNK):
        hasher.update(chunk)
    return hasher.digest, hasher.size
