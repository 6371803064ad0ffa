"""Source text of a Dockerfile: decoding, line index and spans.

Offsets are character offsets into the decoded text. Lines and columns are 1-based;
``end_column`` points one past the last character, as SARIF regions do.
"""

import bisect
from typing import NamedTuple


class Span(NamedTuple):
    line: int
    column: int
    end_line: int
    end_column: int


class Problem(NamedTuple):
    """Why (part of) a Dockerfile cannot be parsed; reported as IK001."""

    message: str
    start: int
    end: int


class LineIndex:
    """Maps character offsets to 1-based line and column numbers."""

    def __init__(self, text: str) -> None:
        starts = [0]
        find = text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self._starts = starts
        self._length = len(text)

    def position(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, self._length))
        row = bisect.bisect_right(self._starts, offset) - 1
        return row + 1, offset - self._starts[row] + 1

    def span(self, start: int, end: int) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(max(start, end))
        return Span(line, column, end_line, end_column)


class Decoded(NamedTuple):
    text: str
    problem: Problem | None
    binary: bool


def decode(data: bytes) -> Decoded:
    """Decode Dockerfile bytes; binary or non-UTF-8 input yields a problem."""
    nul = data.find(b"\x00", 0, 1 << 16)
    if nul != -1:
        return Decoded(
            "", Problem(f"binary file (NUL byte at offset {nul}), not a Dockerfile", 0, 0), True
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return Decoded(data.decode("utf-8"), None, False)
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", errors="replace")
        prefix = data[: exc.start].decode("utf-8", errors="replace")
        offset = len(prefix)
        byte = data[exc.start]
        return Decoded(
            text,
            Problem(
                f"not valid UTF-8 (byte 0x{byte:02X}); save the file as UTF-8", offset, offset + 1
            ),
            False,
        )
