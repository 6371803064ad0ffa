"""The lean tar reader: formats, extensions, hashing, and rejection of unsafe input."""

from __future__ import annotations

import contextlib
import hashlib
import io
import subprocess
import tarfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imagekit.analyze.tarstream import Entry, TarStream, normalise
from imagekit.errors import ImageError
from tests.support.images import directory, file, hardlink, symlink, tar


def entries(data: bytes, **kwargs: object) -> list[Entry]:
    return list(TarStream(io.BytesIO(data), "layer 7 (test)", **kwargs))  # type: ignore[arg-type]


def header(
    name: bytes,
    *,
    size: bytes = b"0",
    flag: bytes = b"0",
    link: bytes = b"",
    uid: bytes = b"0",
    magic: bytes = b"ustar\x0000",
    prefix: bytes = b"",
    checksum: int | None = None,
) -> bytes:
    """A 512-byte header written field by field, for inputs tarfile refuses to write."""
    block = bytearray(512)
    block[0 : len(name)] = name
    block[100:108] = b"0000644\0"
    block[108:116] = uid.ljust(7, b"\0")[:7] + b"\0" if not uid[0] & 0x80 else uid
    block[116:124] = b"0000000\0"
    block[124:136] = size.rjust(11, b"0") + b"\0" if not size[0] & 0x80 else size
    block[136:148] = b"14000000000\0"
    block[156:157] = flag
    block[157 : 157 + len(link)] = link
    block[257:265] = magic
    block[345 : 345 + len(prefix)] = prefix
    block[148:156] = b" " * 8
    value = sum(block) if checksum is None else checksum
    block[148:156] = b"%06o\0 " % value
    return bytes(block)


def body(data: bytes) -> bytes:
    return data + bytes(-len(data) % 512)


END = bytes(1024)


@pytest.mark.parametrize("fmt", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_reads_what_tarfile_writes(fmt: int) -> None:
    data = tar(
        directory("./usr/"),
        file("usr/bin/tool", b"\x7fELF rest", mode=0o755),
        symlink("usr/bin/alias", "/usr/bin/tool"),
        hardlink("usr/bin/again", "usr/bin/tool"),
        file("empty"),
        format=fmt,
    )
    got = entries(data)
    assert [(e.path, e.type, e.size, e.linkname) for e in got] == [
        ("usr", "dir", 0, ""),
        ("usr/bin/tool", "file", 9, ""),
        ("usr/bin/alias", "symlink", 0, "/usr/bin/tool"),
        ("usr/bin/again", "hardlink", 0, "usr/bin/tool"),
        ("empty", "file", 0, ""),
    ]
    assert got[1].mode == 0o755 and got[1].head == b"\x7fELF" and got[1].mtime == 1_700_000_000
    assert got[4].head == b""


def test_size_and_digest_cover_every_byte_including_trailing_padding() -> None:
    data = tar(file("a", b"x" * 1000), file("b", 70_000)) + bytes(4096)
    reader = TarStream(io.BytesIO(data), "layer 0", chunk=777)
    assert [e.path for e in reader] == ["a", "b"]
    assert reader.size == len(data)
    assert reader.digest.hex == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("chunk", [512, 700, 4096, 1 << 20])
def test_content_hash_and_head_across_chunk_boundaries(chunk: int) -> None:
    content = bytes(range(256)) * 300
    data = tar(file("small", b"ab"), file("big", content), file("after", b"z"))
    got = list(TarStream(io.BytesIO(data), "l", hash_content=lambda p, s: s > 2, chunk=chunk))
    assert [e.digest for e in got] == [
        None,
        hashlib.sha256(content).hexdigest(),
        None,
    ]
    assert [e.head for e in got] == [b"ab", content[:4], b"z"]


def test_observe_sees_the_whole_stream() -> None:
    data = tar(file("a", 5000))
    seen: list[bytes] = []
    list(TarStream(io.BytesIO(data), "l", observe=seen.append, chunk=1000))
    assert b"".join(seen) == data


def test_gnu_long_names_and_links() -> None:
    long_dir = "/".join(["d" * 60] * 4)
    data = tar(
        file(f"{long_dir}/f", b"1"),
        symlink(f"{long_dir}/s", "t" * 300),
        hardlink(f"{long_dir}/h", f"{long_dir}/f"),
        format=tarfile.GNU_FORMAT,
    )
    got = entries(data)
    assert [e.path for e in got] == [f"{long_dir}/f", f"{long_dir}/s", f"{long_dir}/h"]
    assert got[1].linkname == "t" * 300 and got[2].linkname == f"{long_dir}/f"


def test_pax_path_linkpath_size_uid_and_utf8() -> None:
    name = "ü/" + "n" * 200
    data = tar(file(name, b"123"), symlink("l", "ziel-" + "ä" * 120))
    got = entries(data)
    assert got[0].path == name and got[0].size == 3
    assert got[1].linkname == "ziel-" + "ä" * 120


def test_ustar_prefix_joins_the_name() -> None:
    data = header(b"file", prefix=b"some/dir", size=b"3") + body(b"abc") + END
    assert entries(data)[0].path == "some/dir/file"


def test_base_256_numbers() -> None:
    big_uid = b"\x80" + (70_000_000).to_bytes(7, "big")
    size = b"\x80" + (5).to_bytes(11, "big")
    data = header(b"f", uid=big_uid, size=size) + body(b"12345") + END
    (entry,) = entries(data)
    assert entry.uid == 70_000_000 and entry.size == 5


@pytest.mark.parametrize(
    ("fmt", "version"),
    [("gnu", None), ("posix", "0.0"), ("posix", "0.1"), ("posix", "1.0")],
)
def test_sparse_files_report_their_full_size(tmp_path: Path, fmt: str, version: str | None) -> None:
    sparse = tmp_path / "sparse"
    with sparse.open("wb") as handle:
        handle.truncate(64 << 20)
        handle.seek(3 << 20)
        handle.write(b"data")
    archive = tmp_path / "a.tar"
    extra = [f"--sparse-version={version}"] if version else []
    subprocess.run(
        ["tar", "--sparse", f"--format={fmt}", *extra, "-cf", archive, "-C", tmp_path, "sparse"],
        check=True,
    )
    data = archive.read_bytes()
    assert len(data) < 1 << 20  # the holes are not in the archive
    (entry,) = entries(data)
    assert (entry.path, entry.type, entry.size, entry.sparse) == ("sparse", "file", 64 << 20, True)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("./a/b/", "a/b"), ("a//b/./c", "a/b/c"), (".", ""), ("./", "")],
)
def test_normalise(name: str, expected: str) -> None:
    assert normalise(name, "l") == expected


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (header(b"/etc/passwd") + END, "absolute path '/etc/passwd'"),
        (header(b"../../etc/passwd") + END, "'..' component"),
        (header(b"a/../../b") + END, "'..' component"),
        (header(b"h", flag=b"1", link=b"../outside") + END, "hardlink target"),
        (header(b"h", flag=b"1", link=b"/etc/shadow") + END, "absolute hardlink target"),
        (header(b"f", checksum=1234) + END, "bad tar header checksum"),
        (header(b"f", size=b"9" * 5) + END, "malformed size"),
        (header(b"f", size=b"\xff" + bytes(11)) + END, "negative base-256 size"),
        (header(b"f", size=b"\x80" + (1 << 50).to_bytes(11, "big")), "absurd size"),
        (header(b"f", size=b"1000000") + b"short", "truncated tar"),
        (header(b"f", size=b"10") + body(b"0123456789"), "no end-of-archive marker"),
        (header(b"f")[:300], "truncated tar"),
        (b"", "empty stream"),
        (header(b"f", flag=b"Z") + END, "unsupported tar entry type"),
    ],
)
def test_unsafe_or_broken_input_is_an_image_error(data: bytes, problem: str) -> None:
    with pytest.raises(ImageError) as info:
        entries(data)
    assert info.value.message.startswith("layer 7 (test): ")
    assert problem in info.value.message


def _pax(records: dict[str, str]) -> bytes:
    text = b""
    for key, value in records.items():
        record = f" {key}={value}\n".encode()
        length = len(record) + 1
        length = len(record) + len(str(length))
        text += str(length).encode() + record
    return header(b"pax", flag=b"x", size=b"%o" % len(text)) + body(text)


@pytest.mark.parametrize(
    ("records", "problem"),
    [
        ({"size": "lots"}, "PAX size 'lots' is not a number"),
        ({"size": "-5"}, "PAX size '-5' is negative"),
        ({"uid": "x"}, "PAX uid"),
        ({"path": "/abs/path"}, "absolute path"),
        ({"path": "a\0b"}, "NUL byte"),
        ({"path": "../up"}, "'..' component"),
        ({"size": str(1 << 60)}, "absurd"),
    ],
)
def test_bad_pax_values(records: dict[str, str], problem: str) -> None:
    data = _pax(records) + header(b"f") + END
    with pytest.raises(ImageError, match=problem):
        entries(data)


def test_malformed_pax_record() -> None:
    text = b"99 path=x\n"
    data = header(b"pax", flag=b"x", size=b"%o" % len(text)) + body(text) + header(b"f") + END
    with pytest.raises(ImageError, match="malformed PAX record"):
        entries(data)


def test_gnu_long_name_with_nul_inside() -> None:
    text = b"evil\0name\0"
    data = header(b"././@LongLink", flag=b"L", size=b"%o" % len(text), magic=b"ustar  \0")
    data += body(text) + header(b"f") + END
    with pytest.raises(ImageError, match="NUL byte"):
        entries(data)


def test_oversized_meta_record_is_refused_without_reading_it() -> None:
    data = header(b"pax", flag=b"x", size=b"%o" % (64 << 20))
    with pytest.raises(ImageError, match="extended headers for one entry"):
        entries(data)


def test_device_files_are_entries_without_content() -> None:
    data = header(b"dev/null", flag=b"3") + header(b"dev/sda", flag=b"4") + END
    got = entries(data)
    assert [(e.path, e.type, e.size) for e in got] == [
        ("dev/null", "char", 0),
        ("dev/sda", "block", 0),
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text("abcdé_-.", min_size=1, max_size=120).filter(lambda s: s.strip(".")),
            st.binary(max_size=3000),
        ),
        max_size=8,
    ),
    st.sampled_from([tarfile.GNU_FORMAT, tarfile.PAX_FORMAT]),
    st.integers(512, 5000),
)
def test_matches_tarfile_on_generated_archives(
    files: list[tuple[str, bytes]], fmt: int, chunk: int
) -> None:
    members = [file(f"d/{name}", data) for name, data in files]
    data = tar(*members, format=fmt)
    reader = TarStream(io.BytesIO(data), "l", hash_content=lambda p, s: True, chunk=chunk)
    got = [(e.path, e.size, e.digest) for e in reader]
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        want = []
        for info in archive:
            extracted = archive.extractfile(info)
            assert extracted is not None
            content = extracted.read()
            want.append((normalise(info.name, "l"), info.size, hashlib.sha256(content).hexdigest()))
    assert got == want
    assert reader.size == len(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=0, max_size=3000), st.integers(0, 4))
def test_random_garbage_never_escapes_as_another_exception(junk: bytes, prefix: int) -> None:
    good = tar(file("a", b"abc"), file("b", b"def"))
    data = good[: prefix * 512] + junk
    with contextlib.suppress(ImageError):
        entries(data)


def test_old_style_directory_by_trailing_slash() -> None:
    data = header(b"olddir/", flag=b"\0") + header(b"olddir/f", size=b"1") + body(b"x") + END
    assert [(e.path, e.type) for e in entries(data)] == [("olddir", "dir"), ("olddir/f", "file")]


def test_many_extended_headers_for_one_entry_are_refused() -> None:
    text = b"x" * 1000
    record = b"%d comment=%s\n" % (len(text) + 14, text)
    one = header(b"pax", flag=b"x", size=b"%o" % len(record)) + body(record)
    with pytest.raises(ImageError, match="bytes of extended headers for one entry"):
        entries(one * 1100 + header(b"f") + END)


def test_checksum_over_signed_bytes_is_accepted() -> None:
    block = bytearray(header("ü".encode(), size=b"0"))
    block[148:156] = b" " * 8
    signed = sum(b - 256 if b > 127 else b for b in block)
    block[148:156] = b"%06o\0 " % signed
    assert [e.path for e in entries(bytes(block) + END)] == ["ü"]
