"""A blob stream that checks what it delivers: size and digest, verified at the end."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import BinaryIO

from imagekit.errors import ImageError, RegistryError
from imagekit.oci.digest import Digest, Hasher


class VerifyingReader(io.RawIOBase):
    """Reads ``source``; at its end raises ImageError unless size and digest are as expected.

    ``on_close`` releases what the source holds (the HTTP connection).
    """

    def __init__(
        self,
        source: BinaryIO,
        digest: Digest,
        size: int | None,
        what: str,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self._source = source
        self._digest = digest
        self._size = size
        self._what = what
        self._on_close = on_close
        self._hasher = Hasher(digest.algorithm)
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._done:
            return 0
        view = memoryview(buffer).cast("B")
        want = len(view)
        if self._size is not None:
            want = min(want, max(self._size - self._hasher.size, 0) + 1)
        try:
            chunk = self._source.read(want)
        except (OSError, ValueError) as exc:
            raise RegistryError(f"{self._what}: reading the blob failed ({exc})") from None
        if not chunk:
            self._finish()
            return 0
        self._hasher.update(chunk)
        if self._size is not None and self._hasher.size > self._size:
            raise ImageError(f"{self._what}: the blob is larger than the {self._size} bytes listed")
        view[: len(chunk)] = chunk
        return len(chunk)

    def _finish(self) -> None:
        self._done = True
        if self._size is not None and self._hasher.size != self._size:
            raise ImageError(
                f"{self._what}: the blob ended after {self._hasher.size} of {self._size} bytes"
            )
        if self._hasher.digest != self._digest:
            raise ImageError(
                f"{self._what}: the blob's digest is {self._hasher.digest}, not {self._digest}"
            )

    def close(self) -> None:
        if not self.closed and self._on_close is not None:
            self._on_close()
        super().close()


def verified(
    source: BinaryIO,
    digest: Digest,
    size: int | None,
    what: str,
    on_close: Callable[[], None] | None = None,
) -> BinaryIO:
    """``source`` buffered and verified; closing it calls ``on_close``."""
    return io.BufferedReader(VerifyingReader(source, digest, size, what, on_close), 1 << 16)
