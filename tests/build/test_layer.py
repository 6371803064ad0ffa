"""The deterministic layer writer: order, times, owners, headers, hard links, bad entries."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imagekit.build.blobs import BlobStore
from imagekit.build.layer import (
    Entry,
    FileData,
    directory,
    file,
    hardlink,
    normal_name,
    symlink,
    write_layer,
)
from imagekit.errors import BuildError


def layer(entries: list[Entry], mtime: int = 0) -> bytes:
    out = io.BytesIO()
    size = write_layer(entries, out, mtime=mtime)
    assert size == len(out.getvalue())
    return out.getvalue()


def members(data: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return tar.getmembers()


SAMPLE = [
    file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
    directory("tmp", 0o1777),
    symlink("bin/sh", "/bin/busybox"),
    file("bin/busybox", b"\x7fELF binary", 0o755),
    file("usr/share/zoneinfo/UTC", b"TZif", uid=0, gid=0),
]


def test_entries_are_sorted_with_their_parents_and_one_time_and_owner() -> None:
    data = layer(SAMPLE, mtime=1700000000)
    found = members(data)
    names = [m.name for m in found]
    assert names == sorted(names)
    assert names == [
        "bin",
        "bin/busybox",
        "bin/sh",
        "etc",
        "etc/passwd",
        "tmp",
        "usr",
        "usr/share",
        "usr/share/zoneinfo",
        "usr/share/zoneinfo/UTC",
    ]
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in found} == {
        (1700000000, 0, 0, "", "")
    }
    modes = {m.name: m.mode for m in found}
    assert modes["tmp"] == 0o1777
    assert modes["bin/busybox"] == 0o755
    assert modes["etc"] == 0o755  # added parent
    assert modes["etc/passwd"] == 0o644


def test_the_bytes_do_not_depend_on_the_order_given() -> None:
    assert layer(SAMPLE) == layer(list(reversed(SAMPLE)))


def test_headers_are_plain_ustar_without_pax_records_for_short_names() -> None:
    data = layer(SAMPLE)
    assert b"PaxHeader" not in data
    assert data[257:263] == b"ustar\x00"  # POSIX ustar magic, no GNU extensions
    assert b"atime" not in data and b"ctime" not in data
    # two zero blocks end the archive, with no record padding after them
    assert data.endswith(b"\0" * 1024)
    assert len(data) % 512 == 0
    # one header per member, one data block for each of the three small files, two zero blocks
    assert len(data) == 512 * (len(members(data)) + 3 + 2)


def test_a_long_name_gets_a_pax_path_record_and_only_that() -> None:
    long_name = "opt/" + "f" * 120 + ".txt"
    data = layer([file(long_name, b"x")])
    found = members(data)
    assert found[-1].name == long_name
    assert data.count(b"PaxHeader") == 1
    assert b" path=" in data and b"mtime=" not in data


def test_files_that_are_the_same_file_are_written_once_as_hard_links() -> None:
    blob = b"B" * 5000
    entries = [
        file("bin/busybox", blob, 0o755, same_as="bb"),
        file("bin/ls", blob, 0o755, same_as="bb"),
        file("bin/[", blob, 0o755, same_as="bb"),
    ]
    data = layer(entries)
    found = {m.name: m for m in members(data)}
    # the first name in sort order holds the content; the others link to it
    assert found["bin/["].isreg() and found["bin/["].size == 5000
    assert found["bin/busybox"].islnk() and found["bin/busybox"].linkname == "bin/["
    assert found["bin/ls"].islnk() and found["bin/ls"].linkname == "bin/["
    assert data.count(blob[:512]) <= 10  # written once: 5000 bytes is about 10 blocks
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        member = tar.extractfile("bin/ls")
        assert member is not None and member.read() == blob


def test_an_explicit_hard_link_to_a_later_name_is_turned_around() -> None:
    data = layer([file("z/real", b"data"), hardlink("a/link", "z/real")])
    found = {m.name: m for m in members(data)}
    assert found["a/link"].isreg() and found["a/link"].size == 4
    assert found["z/real"].islnk() and found["z/real"].linkname == "a/link"


def test_content_is_streamed_from_files(tmp_path: Path) -> None:
    path = tmp_path / "big"
    path.write_bytes(b"0123456789" * 300_000)
    data = layer([file("data/big", FileData(path, 1000, offset=5))])
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        member = tar.extractfile("data/big")
        assert member is not None and member.read() == (b"0123456789" * 101)[5:1005]


def test_a_file_shorter_than_its_entry_says_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "short"
    path.write_bytes(b"abc")
    with pytest.raises(BuildError):
        layer([file("short", FileData(path, 10))])


@pytest.mark.parametrize(
    "entries",
    [
        [file("etc/x", b""), file("/etc/x", b"")],
        [file("../escape", b"")],
        [file(".", b"")],
        [file("a", b""), file("a/b", b"")],
        [hardlink("a", "missing")],
    ],
    ids=["twice", "climbs-out", "root", "parent-is-a-file", "dangling-hard-link"],
)
def test_bad_entries_are_build_errors(entries: list[Entry]) -> None:
    with pytest.raises(BuildError):
        layer(entries)


def test_names_are_normalized() -> None:
    assert normal_name("/./usr//bin/") == "usr/bin"
    assert normal_name("./etc/passwd") == "etc/passwd"


def test_the_store_gzips_deterministically_and_knows_both_digests(tmp_path: Path) -> None:
    import gzip

    from imagekit.oci.digest import Digest

    one = BlobStore(tmp_path / "one").add_layer(SAMPLE, mtime=5)
    two = BlobStore(tmp_path / "two").add_layer(list(reversed(SAMPLE)), mtime=5)
    assert one.descriptor == two.descriptor
    blob = one.path.read_bytes()
    assert Digest.of_bytes(blob) == one.descriptor.digest
    assert blob[4:8] == b"\0\0\0\0"  # gzip mtime 0
    tar = gzip.decompress(blob)
    assert Digest.of_bytes(tar) == one.diff_id
    assert len(tar) == one.uncompressed_size == layer(SAMPLE, mtime=5).__len__()


def test_a_layer_gzipped_in_the_background_is_the_same_blob(tmp_path: Path) -> None:
    from imagekit.oci.digest import Digest

    store = BlobStore(tmp_path / "background")
    pending = store.add_layer_in_background(SAMPLE, mtime=5, level=1)
    with pending.open() as tar:  # the tar is there before the blob
        data = tar.read()
    assert data == layer(SAMPLE, mtime=5)
    assert pending.diff_id == Digest.of_bytes(data)
    assert pending.uncompressed_size == len(data)
    direct = BlobStore(tmp_path / "direct").add_layer(SAMPLE, mtime=5, level=1)
    assert pending.descriptor == direct.descriptor
    assert pending.path.read_bytes() == direct.path.read_bytes()
    assert pending.descriptor != BlobStore(tmp_path / "six").add_layer(SAMPLE, mtime=5).descriptor
    store.wait()


NAMES = st.lists(
    st.text(alphabet="abz-._ ", min_size=1, max_size=8).filter(lambda s: s not in (".", "..")),
    min_size=1,
    max_size=3,
).map("/".join)


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(NAMES, st.binary(max_size=600), min_size=1, max_size=12),
    st.randoms(use_true_random=False),
)
def test_any_set_of_files_gives_one_sorted_readable_tar(files: dict[str, bytes], rnd) -> None:  # type: ignore[no-untyped-def]
    names = set(files)
    # a name that is a parent of another cannot be a file
    files = {n: d for n, d in files.items() if not any(o.startswith(n + "/") for o in names)}
    entries = [file(name, data) for name, data in files.items()]
    shuffled = list(entries)
    rnd.shuffle(shuffled)
    data = layer(entries)
    assert data == layer(shuffled)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        found = tar.getmembers()
        assert [m.name for m in found] == sorted(m.name for m in found)
        for name, content in files.items():
            member = tar.extractfile(normal_name(name))
            assert member is not None and member.read() == content
