"""The layer cache: a recurring layer is compressed once, its cached blob is the blob a fresh
compression gives, and a damaged cache costs a compression, never a wrong blob."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest

from imagekit.build.blobs import BlobStore
from imagekit.build.layer import directory, file, write_layer
from imagekit.build.layercache import LayerCache
from imagekit.errors import BuildError
from imagekit.oci.digest import Digest
from imagekit.oci.image import BlobLayer
from imagekit.oci.manifest import Descriptor

PASSWD = b"root:x:0:0:root:/root:/bin/sh\n" * 50
ENTRIES = [
    file("etc/passwd", PASSWD),
    file("etc/ssl/certs/ca-certificates.crt", b"-----BEGIN CERTIFICATE-----\n" * 300),
    directory("tmp", 0o1777),
]


def test_a_reused_layer_is_compressed_once_and_is_the_fresh_blob(tmp_path: Path) -> None:
    cache = LayerCache(tmp_path / "cache")
    fresh = BlobStore(tmp_path / "plain").add_layer(ENTRIES, mtime=7)
    first = BlobStore(tmp_path / "one", cache).add_layer(ENTRIES, mtime=7, reuse=True)
    assert first.path.is_relative_to(tmp_path / "cache")
    assert first.path.read_bytes() == fresh.path.read_bytes()
    assert (first.descriptor, first.diff_id, first.uncompressed_size) == (
        fresh.descriptor,
        fresh.diff_id,
        fresh.uncompressed_size,
    )
    compressed_at = first.path.stat().st_mtime_ns
    second = BlobStore(tmp_path / "two", cache).add_layer(ENTRIES, mtime=7, reuse=True)
    assert second.path == first.path
    assert second.path.stat().st_mtime_ns == compressed_at  # not written again
    assert second.descriptor == first.descriptor
    other = BlobStore(tmp_path / "three", cache).add_layer(ENTRIES, mtime=8, reuse=True)
    assert other.diff_id != first.diff_id  # another tar finds nothing of the first's


def test_the_level_is_part_of_the_key(tmp_path: Path) -> None:
    cache = LayerCache(tmp_path / "cache")
    store = BlobStore(tmp_path / "store", cache)
    six = store.add_layer(ENTRIES, reuse=True)
    one = store.add_layer(ENTRIES, reuse=True, level=1)
    assert six.diff_id == one.diff_id
    assert six.descriptor.digest != one.descriptor.digest
    assert gzip.decompress(one.path.read_bytes()) == gzip.decompress(six.path.read_bytes())
    again = BlobStore(tmp_path / "again").add_layer(ENTRIES, level=1)
    assert again.descriptor.digest == one.descriptor.digest


def test_a_damaged_blob_or_record_is_compressed_anew(tmp_path: Path) -> None:
    cache = LayerCache(tmp_path / "cache")
    first = BlobStore(tmp_path / "one", cache).add_layer(ENTRIES, reuse=True)
    good = first.path.read_bytes()
    first.path.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))  # same size, other bytes
    second = BlobStore(tmp_path / "two", cache).add_layer(ENTRIES, reuse=True)
    assert second.descriptor == first.descriptor
    assert second.path.read_bytes() == good
    record = next((tmp_path / "cache" / "diffs").rglob("*.json"))
    record.write_text("{not json")
    third = BlobStore(tmp_path / "three", cache).add_layer(ENTRIES, reuse=True)
    assert third.descriptor == first.descriptor
    assert record.read_text().startswith("{")
    second.path.unlink()
    fourth = BlobStore(tmp_path / "four", cache).add_layer(ENTRIES, reuse=True)
    assert fourth.path.read_bytes() == good


class _TarLayer(BlobLayer):
    """An uncompressed layer, as the engine and docker archives give them."""

    def __init__(self, tar: bytes, diff_id: Digest) -> None:
        super().__init__(diff_id, "test layer")
        self._tar = tar

    @property
    def descriptor(self) -> Descriptor:
        return Descriptor(
            "application/vnd.oci.image.layer.v1.tar", Digest.of_bytes(self._tar), len(self._tar)
        )

    def open_blob(self) -> io.BytesIO:  # type: ignore[override]
        return io.BytesIO(self._tar)


def _tar() -> bytes:
    out = io.BytesIO()
    write_layer(ENTRIES, out)
    return out.getvalue()


def test_an_uncompressed_base_layer_is_gzipped_once(tmp_path: Path) -> None:
    tar = _tar()
    layer = _TarLayer(tar, Digest.of_bytes(tar))
    cache = LayerCache(tmp_path / "cache")
    plain = BlobStore(tmp_path / "plain").adopt(layer, "base layer 0")
    one = BlobStore(tmp_path / "one", cache).adopt(layer, "base layer 0")
    two = BlobStore(tmp_path / "two", cache).adopt(layer, "base layer 0")
    assert one.descriptor == two.descriptor == plain.descriptor
    assert one.diff_id == layer.diff_id and one.uncompressed_size == len(tar)
    with one.open() as stream:
        assert stream.read() == tar


def test_a_layer_that_is_not_its_diff_id_is_refused(tmp_path: Path) -> None:
    tar = _tar()
    liar = _TarLayer(tar, Digest.of_bytes(b"something else"))
    store = BlobStore(tmp_path / "store", LayerCache(tmp_path / "cache"))
    with pytest.raises(BuildError, match="base layer 3"):
        store.adopt(liar, "base layer 3")
    assert not list((tmp_path / "cache" / "diffs").rglob("*.json"))


def test_a_bases_files_are_read_once_and_then_from_the_cache(tmp_path: Path) -> None:
    from imagekit.build.base import Base, base_files

    store = BlobStore(tmp_path / "store")
    lower = store.add_layer(ENTRIES, mtime=0)
    upper = store.add_layer(
        [file("etc/group", b"root:x:0:\n"), file("etc/.wh.passwd", b"")], mtime=0
    )
    cache = LayerCache(tmp_path / "cache")
    base = Base("test", layers=(lower, upper))
    wanted = ("etc/passwd", "etc/group")
    assert base_files(base, wanted) == {"etc/group": b"root:x:0:\n"}  # passwd deleted above
    assert base_files(base, wanted, cache) == {"etc/group": b"root:x:0:\n"}
    chain = [lower.diff_id, upper.diff_id]
    assert cache.find_files(chain, wanted) == {"etc/group": b"root:x:0:\n"}
    # the key is the stack and the names: the lower layer alone has passwd
    assert cache.find_files(chain[:1], wanted) is None
    alone = Base("lower", layers=(lower,))
    assert base_files(alone, wanted, cache) == {"etc/passwd": PASSWD}
    # what the cache says is what is returned, without the layers being read again
    cache.put_files(chain, wanted, {"etc/group": b"kept\n"})
    assert base_files(base, wanted, cache) == {"etc/group": b"kept\n"}
    # a damaged record is read from the layers again
    for record in (tmp_path / "cache" / "files").iterdir():
        record.write_text("{not json")
    assert base_files(base, wanted, cache) == {"etc/group": b"root:x:0:\n"}
