"""Blob streams that check what passes: size and digest.

:class:`VerifyingReader` checks a blob downloaded; :class:`SendingReader` checks a blob
being uploaded, before its last block leaves.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import BinaryIO

from imagekit.errors import ImageError, RegistryError
from imagekit.oci.digest import CHUNK, Digest, Hasher


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


class SendingReader:
    """What a blob upload reads its body from: ``source``, hashed and counted as it goes.

    It gives exactly ``size`` bytes whose digest is ``digest``, or raises ImageError
    *before* the last bytes leave: ``read(n)`` hands out bytes only while more than ``n``
    are read ahead (or the end is reached and checked), so content that is longer, shorter
    or other than claimed never reaches the registry whole. ``on_block(sent)`` is told the
    bytes handed out so far. Closing it closes ``source``.
    """

    def __init__(
        self,
        source: BinaryIO,
        digest: Digest,
        size: int,
        what: str,
        on_block: Callable[[int], None] | None = None,
    ) -> None:
        self._source = source
        self._digest = digest
        self._size = size
        self._what = what
        self._on_block = on_block
        self._hasher = Hasher(digest.algorithm)
        self._buffer = bytearray()
        self._ended = False
        self.sent = 0

    def read(self, amount: int | None = -1) -> bytes:
        if amount is None or amount < 0:
            amount = CHUNK
        while not self._ended and len(self._buffer) <= amount:
            chunk = self._source.read(max(amount, 1))
            if not chunk:
                self._check()
                self._ended = True
                break
            self._hasher.update(chunk)
            if self._hasher.size > self._size:
                raise ImageError(
                    f"{self._what}: the blob is longer than the {self._size} bytes listed"
                )
            self._buffer += chunk
        block = bytes(self._buffer[:amount])
        del self._buffer[:amount]
        self.sent += len(block)
        if block and self._on_block is not None:
            self._on_block(self.sent)
        return block

    def _check(self) -> None:
        if self._hasher.size != self._size:
            raise ImageError(
                f"{self._what}: the blob ended after {self._hasher.size} of {self._size} bytes"
            )
        if self._hasher.digest != self._digest:
            raise ImageError(
                f"{self._what}: the blob's content hashes to {self._hasher.digest}, not its "
                f"digest {self._digest}",
                hint="the source is corrupt; rebuild or re-export it",
            )

    def close(self) -> None:
        self._source.close()
