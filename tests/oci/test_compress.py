"""Streaming decompression of gzip and zstd layers, and deterministic compression."""

from __future__ import annotations

import gzip
import hashlib
import io
import os

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from imagekit.errors import ImageError
from imagekit.oci.compress import compress, decompress, detect, gzip_size

DATA = b"".join(bytes([i % 251]) * (i % 700) for i in range(3000)) + os.urandom(5000)


def _zstd(data: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(data)


def _read_all(stream: io.RawIOBase | object, size: int) -> list[bytes]:
    chunks = []
    while chunk := stream.read(size):  # type: ignore[attr-defined]
        chunks.append(chunk)
    return chunks


@pytest.mark.parametrize("kind", ["gzip", "zstd"])
def test_round_trip_in_exact_chunks(kind: str) -> None:
    blob = gzip.compress(DATA) if kind == "gzip" else _zstd(DATA)
    chunks = _read_all(decompress(io.BytesIO(blob), kind, "layer 0"), 4096)
    assert b"".join(chunks) == DATA
    # every read but the last returns exactly what was asked for
    assert {len(c) for c in chunks[:-1]} == {4096}
    assert 0 < len(chunks[-1]) <= 4096


@settings(max_examples=60, deadline=None)
@given(
    data=st.binary(max_size=20000),
    sizes=st.lists(st.integers(min_value=1, max_value=5000), min_size=1, max_size=20),
    kind=st.sampled_from(["gzip", "zstd"]),
)
def test_any_read_sizes_give_the_data(data: bytes, sizes: list[int], kind: str) -> None:
    blob = gzip.compress(data) if kind == "gzip" else _zstd(data)
    reader = decompress(io.BytesIO(blob), kind, "layer")
    out = []
    for size in sizes:
        out.append(reader.read(size))
    out.append(reader.read())
    assert b"".join(out) == data


def test_concatenated_gzip_members_and_zero_padding_are_one_stream() -> None:
    blob = gzip.compress(DATA[:1000]) + gzip.compress(DATA[1000:]) + b"\0" * 700
    assert decompress(io.BytesIO(blob), "gzip", "layer").read() == DATA


def test_several_zstd_frames_are_one_stream() -> None:
    blob = _zstd(DATA[:1000]) + _zstd(b"") + _zstd(DATA[1000:])
    assert decompress(io.BytesIO(blob), "zstd", "layer").read() == DATA


@pytest.mark.parametrize("kind", ["gzip", "zstd"])
@pytest.mark.parametrize("cut", [1, 5, 100])
def test_truncated_streams_are_errors_naming_the_layer(kind: str, cut: int) -> None:
    blob = gzip.compress(DATA) if kind == "gzip" else _zstd(DATA)
    reader = decompress(io.BytesIO(blob[:-cut]), kind, "app layer 3")
    with pytest.raises(ImageError, match=rf"^app layer 3: truncated {kind} stream$"):
        reader.read()


@pytest.mark.parametrize("kind", ["gzip", "zstd"])
def test_corrupt_streams_are_errors(kind: str) -> None:
    blob = bytearray(gzip.compress(DATA) if kind == "gzip" else _zstd(DATA))
    blob[len(blob) // 2] ^= 0xFF
    blob[len(blob) // 2 + 1] ^= 0x55
    with pytest.raises(ImageError, match=rf"^layer 1: (corrupt|truncated) {kind}"):
        decompress(io.BytesIO(bytes(blob)), kind, "layer 1").read()


@pytest.mark.parametrize(
    ("kind", "blob"),
    [("gzip", b"not gzip at all"), ("zstd", b"not zstd at all"), ("gzip", b"")],
)
def test_garbage_and_empty_input_are_errors(kind: str, blob: bytes) -> None:
    with pytest.raises(ImageError, match=r"^layer: (corrupt|empty) "):
        decompress(io.BytesIO(blob), kind, "layer").read()


def test_garbage_after_a_gzip_member_is_an_error() -> None:
    blob = gzip.compress(DATA) + b"trailing garbage"
    with pytest.raises(ImageError, match="corrupt gzip"):
        decompress(io.BytesIO(blob), "gzip", "layer").read()


def test_a_gzip_bomb_is_read_in_bounded_pieces() -> None:
    blob = gzip.compress(b"\0" * (64 << 20), 9)
    reader = decompress(io.BytesIO(blob), "gzip", "layer")
    sizes = [len(c) for c in _read_all(reader, 1 << 20)]
    assert sum(sizes) == 64 << 20
    assert max(sizes) == 1 << 20


def test_uncompressed_is_the_stream_itself() -> None:
    source = io.BytesIO(DATA)
    assert decompress(source, "", "layer") is source


def test_closing_the_reader_closes_the_source() -> None:
    source = io.BytesIO(gzip.compress(DATA))
    decompress(source, "gzip", "layer").close()
    assert source.closed


def test_detect_by_magic() -> None:
    assert detect(gzip.compress(b"x")[:4]) == "gzip"
    assert detect(_zstd(b"x")[:4]) == "zstd"
    assert detect(b"ustar"[:4]) == ""


@pytest.mark.parametrize("kind", ["gzip", "zstd"])
def test_compress_hashes_both_sides_and_is_deterministic(kind: str) -> None:
    first, second = io.BytesIO(), io.BytesIO()
    result = compress(io.BytesIO(DATA), first, kind)
    compress(io.BytesIO(DATA), second, kind)
    blob = first.getvalue()
    assert blob == second.getvalue()
    assert result.size == len(blob)
    assert result.digest.hex == hashlib.sha256(blob).hexdigest()
    assert result.diff_id.hex == hashlib.sha256(DATA).hexdigest()
    assert result.uncompressed_size == len(DATA)
    assert decompress(io.BytesIO(blob), kind, "x").read() == DATA


def test_gzip_header_has_no_time_and_no_name() -> None:
    out = io.BytesIO()
    compress(io.BytesIO(DATA), out, "gzip")
    header = out.getvalue()[:10]
    assert header[:3] == b"\x1f\x8b\x08"
    assert header[3] == 0  # no FNAME, FCOMMENT, FEXTRA
    assert header[4:8] == b"\0\0\0\0"  # mtime 0


def test_gzip_size_is_the_size_of_the_level_6_stream() -> None:
    out = io.BytesIO()
    compress(io.BytesIO(DATA), out, "gzip", 6)
    size = gzip_size(io.BytesIO(DATA))
    assert size == len(out.getvalue())
    assert size == len(gzip.compress(DATA, 6))
    assert gzip_size(io.BytesIO(DATA), level=1) != size
