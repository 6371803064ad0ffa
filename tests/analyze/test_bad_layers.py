"""Malicious and broken layers: a clear ImageError naming the layer, never anything else."""

from __future__ import annotations

import gzip
import subprocess
from pathlib import Path

import pytest

from imagekit.analyze import analyze
from imagekit.errors import ImageError
from imagekit.oci.digest import Digest
from tests.support.images import (
    MemoryImage,
    MemoryLayer,
    directory,
    file,
    hardlink,
    symlink,
    tar,
)

OK = tar(file("etc/os-release", b"ID=test\n"))
END = bytes(1024)


def raw_header(name: bytes, *, size: int = 0, flag: bytes = b"0", link: bytes = b"") -> bytes:
    block = bytearray(512)
    block[0 : len(name)] = name
    block[100:108] = b"0000644\0"
    block[108:116] = b"0000000\0"
    block[116:124] = b"0000000\0"
    block[124:136] = b"%011o\0" % size
    block[136:148] = b"14000000000\0"
    block[156:157] = flag
    block[157 : 157 + len(link)] = link
    block[257:265] = b"ustar\x0000"
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block)
    return bytes(block)


def fails(*layers: MemoryLayer | bytes) -> ImageError:
    img = MemoryImage(list(layers))
    with pytest.raises(ImageError) as info:
        analyze(img)
    return info.value


def layer_name(img_layers: list[MemoryLayer], index: int) -> str:
    return f"layer {index} ({img_layers[index].diff_id})"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (raw_header(b"/etc/passwd") + END, "absolute path"),
        (raw_header(b"../../../etc/cron.d/x") + END, "'..' component"),
        (raw_header(b"usr/../../x") + END, "'..' component"),
        (raw_header(b"h", flag=b"1", link=b"../../etc/shadow") + END, "hardlink target"),
        (raw_header(b"h", flag=b"1", link=b"/etc/shadow") + END, "absolute hardlink target"),
        (raw_header(b"h", flag=b"1", link=b"nowhere") + END, "points to missing 'nowhere'"),
        (raw_header(b"big", size=1 << 33) + b"only a little", "truncated tar"),
        (OK[:700], "truncated tar"),
        (OK[:1024] + b"garbage!" * 64 + END, "checksum"),
        (tar(symlink("etc", "/etc"), file("etc/passwd", b"root::0:0")), "symlink 'etc'"),
        (tar(symlink("d", "."), directory("d/sub")), "symlink 'd'"),
        (tar(directory("x"), hardlink("h", "x")), "points to directory 'x'"),
        (tar(file("f", b"1"), file("f/child", b"2")), "is not a directory"),
    ],
)
def test_malicious_tar_in_the_second_layer(data: bytes, problem: str) -> None:
    layers = [MemoryLayer(OK), MemoryLayer(data)]
    error = fails(*layers)
    assert error.message.startswith(layer_name(layers, 1) + ": "), error.message
    assert problem in error.message
    assert error.exit_code == 2


def test_symlink_in_a_lower_layer_then_a_file_through_it() -> None:
    layers = [MemoryLayer(tar(symlink("app", "/etc"))), MemoryLayer(tar(file("app/passwd", b"x")))]
    error = fails(*layers)
    assert error.message.startswith(layer_name(layers, 1))
    assert "symlink 'app'" in error.message


def test_corrupt_gzip() -> None:
    layer = MemoryLayer(tar(file("a", bytes(range(256)) * 400)))
    blob = bytearray(layer.blob)
    blob[len(blob) // 2 : len(blob) // 2 + 64] = b"\xff" * 64
    layer.blob = bytes(blob)
    error = fails(layer)
    assert error.message.startswith(f"layer 0 ({layer.diff_id}): ")
    assert "gzip" in error.message


def test_truncated_gzip() -> None:
    layer = MemoryLayer(tar(file("a", bytes(range(256)) * 400)))
    layer.blob = layer.blob[: len(layer.blob) // 2]
    error = fails(layer)
    assert error.message.startswith(f"layer 0 ({layer.diff_id}): ")
    assert "truncated" in error.message


def test_not_gzip_at_all() -> None:
    layer = MemoryLayer(OK)
    layer.blob = b"this is not a gzip stream" * 10
    assert "gzip" in fails(layer).message


def test_wrong_diff_id() -> None:
    wrong = Digest.of_bytes(b"something else")
    layer = MemoryLayer(OK, diff_id=wrong)
    error = fails(layer)
    assert error.message == (
        f"layer 0 ({wrong}): the layer's content hashes to {Digest.of_bytes(OK)}, "
        f"not to its diff ID {wrong}"
    )


def test_pax_with_a_bad_size() -> None:
    record = b"16 size=-12345\n"
    record = b"%d size=-12345\n" % (len(record))
    data = raw_header(b"pax", size=len(record), flag=b"x") + record.ljust(512, b"\0")
    data += raw_header(b"f") + END
    error = fails(MemoryLayer(data))
    assert "PAX size '-12345' is negative" in error.message


def test_device_files_are_kept_as_entries_without_content() -> None:
    data = raw_header(b"dev/null", flag=b"3") + raw_header(b"dev/loop0", flag=b"4") + END
    result = analyze(MemoryImage([MemoryLayer(data)]))
    assert result.content_bytes == 0
    assert result.layers[0].files_added == 2
    assert result.files == {}  # not regular files


def test_giant_sparse_file_costs_no_memory(tmp_path: Path) -> None:
    sparse = tmp_path / "sparse"
    try:
        with sparse.open("wb") as handle:
            handle.truncate(1 << 40)
    except OSError:
        pytest.skip("the file system cannot hold a 1 TiB sparse file")
    archive = tmp_path / "a.tar"
    subprocess.run(["tar", "--sparse", "-cf", archive, "-C", tmp_path, "sparse"], check=True)
    data = archive.read_bytes()
    result = analyze(MemoryImage([MemoryLayer(data)]))
    assert result.files["/sparse"].size == 1 << 40
    assert result.total_uncompressed_size == len(data)


def test_uncompressed_gzip_and_zstd_layers_agree() -> None:
    data = tar(file("a", 100), file("b", 50), file("c", bytes(range(256)) * 900))
    plain = analyze(MemoryImage([MemoryLayer(data, compression="")]))
    zipped = analyze(MemoryImage([MemoryLayer(data)]))
    zstd = analyze(MemoryImage([MemoryLayer(data, compression="zstd")]))
    assert plain.layers[0].diff_id == zipped.layers[0].diff_id == zstd.layers[0].diff_id
    assert plain.total_uncompressed_size == zipped.total_uncompressed_size == len(data)
    assert zstd.total_uncompressed_size == len(data)
    assert zipped.total_size == len(gzip.compress(data, mtime=0))
    assert zstd.total_size is not None and zstd.total_size < len(data) // 10
    assert plain.files == zipped.files == zstd.files


def test_corrupt_zstd() -> None:
    layer = MemoryLayer(tar(file("a", bytes(range(256)) * 400)), compression="zstd")
    blob = bytearray(layer.blob)
    blob[20:60] = b"\xff" * 40
    layer.blob = bytes(blob)
    error = fails(layer)
    # zstd stores incompressible bytes raw and these frames carry no checksum: the damage
    # shows either in the zstd stream or in the tar it yields
    assert error.message.startswith(f"layer 0 ({layer.diff_id}): ")
    assert "zstd" in error.message or "tar header" in error.message
